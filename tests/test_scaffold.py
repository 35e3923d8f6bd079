"""``newsreel init`` and ``newsreel new post``, driven through the real command line."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sitekit import actionlint, newsreel

from newsreel.config import Settings, load_settings
from newsreel.loader import parse_post
from newsreel.scaffold import KnownName, did_you_mean, front_matter_text, read_site_names

ROOT = Path(__file__).resolve().parent.parent


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def valid_post(site: Path, path: Path) -> None:
    """The post passes the real loader without a single problem."""
    settings, problems = load_settings(site)
    assert problems == []
    record, problems = parse_post(path.relative_to(site).as_posix(), path.read_bytes(), settings)
    assert problems == [] and record is not None


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    site = tmp_path / "blog"
    result = newsreel("init", site)
    assert result.returncode == 0, result.stderr
    return site


# ------------------------------------------------------------------------- init


def test_init_makes_a_blog_that_builds_at_once(blog: Path) -> None:
    for rel in (
        "newsreel.yaml",
        ".gitignore",
        ".github/workflows/deploy.yml",
        "templates/README.md",
        "static/img/.gitkeep",
        "content/posts/welcome.md",
    ):
        assert (blog / rel).is_file(), rel
    assert [p.name for p in (blog / "templates").iterdir()] == ["README.md"]
    ignored = (blog / ".gitignore").read_text().split()
    assert "site/" in ignored and ".newsreel-cache/" in ignored
    assert ".site.newsreel-manifest" in ignored

    result = newsreel("build", blog)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    post = blog / "site" / "posts" / "welcome" / "index.html"
    assert "Welcome to your movie-news blog" in post.read_text(encoding="utf-8")
    assert (blog / "site" / "films" / "casablanca" / "index.html").is_file()
    assert (blog / "site" / "actors" / "ingrid-bergman" / "index.html").is_file()


def test_init_prints_what_it_made_and_what_to_run_next(tmp_path: Path) -> None:
    result = newsreel("init", tmp_path / "fresh")
    assert result.returncode == 0
    for expected in (
        "newsreel.yaml",
        "content/posts/welcome.md",
        "newsreel serve",
        "newsreel new post",
        "cd ",
    ):
        assert expected in result.stdout


def test_sample_post_is_dated_now_in_utc_and_published(blog: Path) -> None:
    data = front(blog / "content" / "posts" / "welcome.md")
    date = datetime.fromisoformat(str(data["date"]))
    assert date.utcoffset() == timedelta(0)
    assert timedelta(0) <= datetime.now(UTC) - date < timedelta(minutes=5)
    assert "draft" not in data
    valid_post(blog, blog / "content" / "posts" / "welcome.md")


def test_settings_file_lists_every_setting_with_its_default(blog: Path) -> None:
    settings, problems = load_settings(blog)
    assert problems == []
    assert settings == Settings()
    written = yaml.safe_load((blog / "newsreel.yaml").read_text(encoding="utf-8"))
    kinds = written.pop("taxonomies")  # a mapping of declared kinds, not a section of settings
    assert [tax.name for tax in Settings().taxonomies] == list(kinds)
    keys = {k for k, v in written.items() if not isinstance(v, dict)} | {"taxonomies"}
    keys |= {f"{k}.{sub}" for k, v in written.items() if isinstance(v, dict) for sub in v}
    fields = {
        f.name.replace("markdown_", "markdown.").replace("tweets_", "tweets.")
        for f in dataclasses.fields(Settings)
    }
    assert keys == fields
    text = (blog / "newsreel.yaml").read_text(encoding="utf-8")
    assert text.count("\n# ") >= len(fields) // 2  # explained, not just listed


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    target.mkdir()
    (target / "todo.txt").write_text("keep me")
    result = newsreel("init", target)
    assert result.returncode == 1
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["todo.txt"]


def test_init_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = newsreel("init", target)
    assert result.returncode in (1, 2) and target.read_text() == "x"


def test_force_adds_what_is_missing_and_overwrites_nothing(blog: Path) -> None:
    (blog / "newsreel.yaml").write_text("title: Mine\n")
    (blog / "content" / "posts" / "welcome.md").unlink()
    result = newsreel("init", blog, "--force")
    assert result.returncode == 0, result.stderr
    assert (blog / "newsreel.yaml").read_text() == "title: Mine\n"
    assert (blog / "content" / "posts" / "welcome.md").is_file()
    assert "kept newsreel.yaml" in result.stdout
    assert "added content/posts/welcome.md" in result.stdout


def test_init_accepts_a_fresh_clone_holding_only_git(tmp_path: Path) -> None:
    (tmp_path / "clone" / ".git").mkdir(parents=True)
    assert newsreel("init", tmp_path / "clone").returncode == 0
    assert (tmp_path / "clone" / "newsreel.yaml").is_file()


def test_deploy_workflow_installs_from_requirements_and_builds_for_pages(blog: Path) -> None:
    text = (blog / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    uses = [step.get("uses", "") for step in steps] + [
        s.get("uses", "") for s in workflow["jobs"]["deploy"]["steps"]
    ]
    assert "python -m pip install -r requirements.txt" in runs
    assert not any("newsreel" in run and "pip install" in run for run in runs), (
        "newsreel is pinned in one place"
    )
    python = next(
        step for step in steps if step.get("uses", "").startswith("actions/setup-python@")
    )
    assert python["with"]["cache-dependency-path"] == "requirements.txt"
    assert any("--base-url" in run for run in runs) and "steps.pages.outputs.base_url" in text
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    # a daily rebuild: release dates pass, future-dated posts are published on their day
    assert [entry["cron"] for entry in workflow[True]["schedule"]] == ["17 0 * * *"]
    assert workflow["permissions"] == {"contents": "read"}


def test_requirements_pin_the_running_newsreel(blog: Path) -> None:
    from newsreel.provenance import installed_pin
    from newsreel.scaffold import pin_line_number

    lines = (blog / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert pins == [installed_pin().line] and lines[pin_line_number() - 1] == pins[0]


def test_dependabot_watches_pip_and_actions(blog: Path) -> None:
    config = yaml.safe_load((blog / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert {u["package-ecosystem"]: u["directory"] for u in config["updates"]} == {
        "pip": "/",
        "github-actions": "/",
    }
    assert all(u["schedule"]["interval"] for u in config["updates"])


def test_pull_requests_are_built_and_checked_without_deploying(blog: Path) -> None:
    text = (blog / ".github" / "workflows" / "check.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert list(workflow[True]) == ["pull_request"] and workflow["permissions"] == {
        "contents": "read"
    }
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "python -m pip install -r requirements.txt" in runs
    assert any(r.startswith("newsreel build --base-url") for r in runs) and "newsreel check" in runs
    assert "pages: write" not in text and "deploy-pages" not in text


def test_init_says_which_line_to_edit_when_newsreel_has_no_public_address(tmp_path: Path) -> None:
    """This checkout is installed from a local folder (or not at all): CI could not install it."""
    from newsreel.provenance import installed_pin

    pin = installed_pin()
    result = newsreel("init", tmp_path / "blog")
    assert result.returncode == 0
    if pin.public:
        assert "requirements.txt" not in result.stderr
    else:
        warning = next(line for line in result.stderr.splitlines() if "requirements.txt:" in line)
        assert warning.startswith(
            f"{(tmp_path / 'blog' / 'requirements.txt').as_posix()}:4: warning: "
        )
        assert "CI cannot reach" in warning and "make that line" in warning


@pytest.mark.parametrize(
    ("direct", "line", "public"),
    [
        (None, "newsreel==1.2.3", True),
        (
            {
                "url": "https://github.com/someone/newsreel",
                "vcs_info": {"vcs": "git", "commit_id": "a" * 40},
            },
            f"newsreel @ git+https://github.com/someone/newsreel@{'a' * 40}",
            True,
        ),
        (
            {
                "url": "ssh://git@github.com/someone/newsreel.git",
                "vcs_info": {"vcs": "git", "commit_id": "b" * 40},
            },
            f"newsreel @ git+https://github.com/someone/newsreel.git@{'b' * 40}",
            True,
        ),
        (
            {
                "url": "git@gitlab.com:team/newsreel.git",
                "vcs_info": {"vcs": "git", "commit_id": "c" * 40},
                "subdirectory": "tool",
            },
            f"newsreel @ git+https://gitlab.com/team/newsreel.git@{'c' * 40}#subdirectory=tool",
            True,
        ),
        (
            {"url": "https://files.example.org/newsreel-1.2.3.tar.gz", "archive_info": {}},
            "newsreel @ https://files.example.org/newsreel-1.2.3.tar.gz",
            True,
        ),
        (
            {"url": "file:///home/me/newsreel", "dir_info": {"editable": True}},
            "newsreel==1.2.3",
            False,
        ),
        (
            {"url": "file:///tmp/dist/newsreel-1.2.3-py3-none-any.whl", "archive_info": {}},
            "newsreel==1.2.3",
            False,
        ),
        (
            {"url": "file:///home/me/newsreel", "vcs_info": {"vcs": "git", "commit_id": "d" * 40}},
            "newsreel==1.2.3",
            False,
        ),
    ],
)
def test_pin_from_pep_610_records(direct: dict | None, line: str, public: bool) -> None:
    from newsreel.provenance import pin_from

    pin = pin_from("1.2.3", direct)
    assert (pin.line, pin.public) == (line, public)
    assert pin.source


def test_init_without_a_folder_starts_the_blog_here(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    result = newsreel("init", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / "newsreel.yaml").is_file() and (here / "content/posts/welcome.md").is_file()
    assert "cd " not in result.stdout and "newsreel serve" in result.stdout
    again = newsreel("init", cwd=here)
    assert again.returncode == 1 and "not empty" in again.stderr


def test_first_build_of_a_new_blog_says_its_summary_and_the_address_to_set(blog: Path) -> None:
    """The one warning: ``base_url: /`` while no address is known (SPEC: ``build`` warns)."""
    result = newsreel("build", blog)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "newsreel.yaml: warning: built with base_url '/', which is not absolute: feeds, the "
        "sitemap and social cards will hold addresses without a host (before publishing, build "
        "with --base-url https://your.domain/ or set base_url in newsreel.yaml)"
    ]
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("built ")
    published = newsreel("build", blog, "--base-url", "https://you.github.io/blog/")
    assert published.returncode == 0 and published.stderr == ""


def test_init_workflows_pass_actionlint(blog: Path) -> None:
    result = actionlint(
        [Path(".github/workflows/deploy.yml"), Path(".github/workflows/check.yml")], blog
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


# --------------------------------------------------------------------- new post


def test_new_post_several_times_then_build(blog: Path) -> None:
    titles = [
        "Casablanca: 80 years on #classics",
        "Bogart's best roles",
        'The "Rick" question',
        "1942",
    ]
    paths = []
    for title in titles:
        result = newsreel("new", "post", title, cwd=blog)
        assert result.returncode == 0, result.stderr
        created = blog / result.stdout.split("created ", 1)[1].split()[0]
        assert created.is_file() and created.parent == blog / "content" / "posts"
        paths.append(created)
    assert len(set(paths)) == len(titles)
    for title, path in zip(titles, paths):
        data = front(path)
        assert data["title"] == title and data["draft"] is True
        valid_post(blog, path)
    assert paths[0].name == "casablanca-80-years-on-classics.md"
    assert newsreel("build", blog).returncode == 0
    result = newsreel("build", blog, "--drafts")
    assert result.returncode == 0, result.stderr
    assert (blog / "site" / "posts" / "bogart-s-best-roles" / "index.html").is_file()


def test_new_post_front_matter_names_and_tweet(blog: Path) -> None:
    result = newsreel(
        "new",
        "post",
        "Rick and Ilsa",
        "--film",
        "Casablanca",
        "--actor",
        "Humphrey Bogart",
        "--actor",
        "Ingrid Bergman",
        "--tweet",
        "https://x.com/someone/status/1234567890",
        cwd=blog,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # known names: nothing to suggest
    data = front(blog / "content" / "posts" / "rick-and-ilsa.md")
    assert data["film"] == "Casablanca"
    assert data["actors"] == ["Humphrey Bogart", "Ingrid Bergman"]
    assert data["tweet"] == "https://x.com/someone/status/1234567890"
    valid_post(blog, blog / "content" / "posts" / "rick-and-ilsa.md")

    newsreel("new", "post", "Two films", "--film", "Casablanca", "--film", "Notorious", cwd=blog)
    assert front(blog / "content" / "posts" / "two-films.md")["films"] == [
        "Casablanca",
        "Notorious",
    ]


def test_new_post_never_overwrites(blog: Path) -> None:
    assert newsreel("new", "post", "Same title", cwd=blog).returncode == 0
    path = blog / "content" / "posts" / "same-title.md"
    path.write_text(path.read_text() + "\nMy words.\n")
    before = path.read_text()
    result = newsreel("new", "post", "Same title", cwd=blog)
    assert result.returncode == 1
    assert "already exists" in result.stderr and "same-title.md" in result.stderr
    assert path.read_text() == before
    # A title whose slug another post already has (through its dated file name) is refused too.
    (blog / "content" / "posts" / "2020-01-01-old-news.md").write_text(
        "---\ntitle: x\ndate: 2020-01-01\n---\n"
    )
    result = newsreel("new", "post", "Old news", cwd=blog)
    assert result.returncode == 1 and "2020-01-01-old-news.md" in result.stderr
    assert not (blog / "content" / "posts" / "old-news.md").exists()


def test_new_post_says_when_two_names_are_one(blog: Path) -> None:
    result = newsreel(
        "new", "post", "Two spellings", "--actor", "Zoë Kravitz", "--actor", "Zoe Kravitz", cwd=blog
    )
    assert result.returncode == 0, result.stderr
    assert 'actor "Zoe Kravitz" is "Zoë Kravitz" written another way' in result.stderr
    text = (blog / "content/posts/two-spellings.md").read_text("utf-8")
    assert "Zoë Kravitz" in text and "Zoe Kravitz" not in text


def test_new_post_refuses_a_control_character_the_build_would_refuse(blog: Path) -> None:
    for args in (["Bell\x07 news"], ["Fine news", "--actor", "Esc\x1bape"]):
        result = newsreel("new", "post", *args, cwd=blog)
        assert result.returncode == 1 and "control character U+00" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not list((blog / "content/posts").glob("*news*.md"))


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("2020-01-01-Old News.md", ""),  # not a slug: the build slugifies the file name
        ("2020-01-01-old-news.md", "slug: null\n"),  # no slug: YAML's null is not "null"
        ("2020-01-01-old-news.md", "slug: ~\n"),
        ("elsewhere.md", "slug: old-news # the slug, not the comment\n"),
    ],
)
def test_new_post_sees_the_slug_the_build_gives(blog: Path, name: str, extra: str) -> None:
    """``new post`` reads front matter through the build's loader, so the two agree on the
    slug a post already has (its own YAML reader once saw "Old News" and "null" here)."""
    (blog / "content" / "posts" / name).write_text(f"---\ntitle: x\ndate: 2020-01-01\n{extra}---\n")
    built = newsreel("build", blog)
    assert built.returncode == 0, built.stderr
    assert (blog / "site" / "posts" / "old-news" / "index.html").is_file()
    result = newsreel("new", "post", "Old news", cwd=blog)
    assert result.returncode == 1 and "already has the slug 'old-news'" in result.stderr
    assert name in result.stderr
    assert not (blog / "content" / "posts" / "old-news.md").exists()


def test_new_post_is_dated_now_in_the_site_timezone(blog: Path) -> None:
    settings = (blog / "newsreel.yaml").read_text().replace("timezone: UTC", "timezone: Asia/Tokyo")
    (blog / "newsreel.yaml").write_text(settings)
    assert newsreel("new", "post", "Tokyo time", "--dir", blog).returncode == 0
    date = datetime.fromisoformat(str(front(blog / "content" / "posts" / "tokyo-time.md")["date"]))
    assert date.utcoffset() == timedelta(hours=9)
    assert abs(datetime.now(UTC) - date) < timedelta(minutes=5)


def test_new_post_suggests_existing_spellings(blog: Path) -> None:
    (blog / "content" / "actors").mkdir()
    (blog / "content" / "actors" / "zoe.md").write_text(
        "---\nname: Zoë Kravitz\naka: [Zoe Isabella Kravitz]\n---\n"
    )
    result = newsreel(
        "new",
        "post",
        "Names",
        "--film",
        "casablanca",
        "--actor",
        "Humphrey Bogard",
        "--actor",
        "Zoe Kravitz",
        "--actor",
        "Claude Rains",
        cwd=blog,
    )
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert any('"casablanca"' in line and 'did you mean "Casablanca"?' in line for line in lines)
    assert any(
        '"Humphrey Bogard"' in line and 'did you mean "Humphrey Bogart"?' in line for line in lines
    )
    assert any('"Zoe Kravitz"' in line and 'did you mean "Zoë Kravitz"?' in line for line in lines)
    assert not any("Claude Rains" in line for line in lines)  # new, and close to nothing
    assert len(lines) == 3


def test_new_post_rejects_a_tweet_that_is_not_a_status_url(blog: Path) -> None:
    for url in ("https://x.com/someone", "https://example.org/a/status/1", "javascript:alert(1)"):
        result = newsreel("new", "post", "Tweet", "--tweet", url, cwd=blog)
        assert result.returncode == 1 and "--tweet" in result.stderr, url
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (blog / "content" / "posts" / "tweet.md").exists()


def test_new_post_outside_a_site_says_where_to_run_it(tmp_path: Path) -> None:
    result = newsreel("new", "post", "Lost", cwd=tmp_path)
    assert result.returncode == 1 and "newsreel init" in result.stderr
    assert not (tmp_path / "content").exists()


def test_new_post_empty_title(blog: Path) -> None:
    result = newsreel("new", "post", "   ", cwd=blog)
    assert result.returncode == 1 and "title" in result.stderr


# ----------------------------------------------------------------- name helpers


def test_did_you_mean_kinds() -> None:
    known = [
        KnownName("Amélie", "Amélie"),
        KnownName("Face/Off", "Face/Off"),
        KnownName("Alien", "Alien"),
    ]
    assert did_you_mean("Amélie", known) is None
    assert did_you_mean("The Godfather", known) is None
    same = did_you_mean("amélie", known)
    assert same is not None and (same.existing, same.reason) == ("Amélie", "same")
    clash = did_you_mean("Amelie", known)
    assert clash is not None and (clash.existing, clash.reason) == ("Amélie", "clash")
    slash = did_you_mean("Face-Off", known)
    assert slash is not None and slash.reason == "clash"
    typo = did_you_mean("Alein", known)
    assert typo is not None and (typo.existing, typo.reason) == ("Alien", "close")


def test_site_names_come_from_pages_and_posts_tolerantly(tmp_path: Path) -> None:
    (tmp_path / "content" / "films").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "2024").mkdir(parents=True)
    (tmp_path / "content" / "films" / "mi.md").write_text(
        '---\ntitle: "Mission: Impossible – Dead Reckoning Part One"\naka: ["Mission: Impossible 7"]\n---\n'
    )
    (tmp_path / "content" / "posts" / "2024" / "a.md").write_text(
        "---\ntitle: A\nfilms:\n  - {title: No, release_year: 1962}\n  - 1917\nactors: [Tom Cruise]\n---\n"
    )
    (tmp_path / "content" / "posts" / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    (tmp_path / "content" / "posts" / "binary.md").write_bytes(b"\xff\xfe---\n")
    names = read_site_names(tmp_path)
    films = {k.name: k.canonical for k in names.of("films")}
    assert films["Mission: Impossible 7"] == "Mission: Impossible – Dead Reckoning Part One"
    assert films["No"] == "No" and films["1917"] == "1917"  # names stay text, as SPEC reads them
    assert [k.name for k in names.of("actors")] == ["Tom Cruise"]


def test_front_matter_quotes_what_yaml_would_misread() -> None:
    tricky = [
        "Mission: Impossible",
        "#1 at the box office",
        "No",
        "1917",
        "yes",
        "- dash",
        "'quoted'",
        "null",
    ]
    for title in tricky:
        text = front_matter_text({"title": title, "draft": True})
        assert yaml.safe_load(text.split("---\n")[1]) == {"title": title, "draft": True}, title


def test_starter_files_ship_with_the_package() -> None:
    from importlib import resources

    names = {p.name for p in resources.files("newsreel.starter").iterdir()}
    assert {"newsreel.yaml", "dot-gitignore", "dot-github", "templates", "static"} <= names


def test_templates_readme_names_real_theme_files(blog: Path) -> None:
    """Its commands work as written in the blog (listing the theme's templates, copying one),
    and every template it names is one of the theme's."""
    readme = (blog / "templates" / "README.md").read_text(encoding="utf-8")
    commands = [line.split() for line in readme.splitlines() if line.startswith("    newsreel")]
    assert [c[:3] for c in commands] == [["newsreel", "new", "template"]] * 2
    listed = newsreel(*commands[0][1:], "--dir", blog)
    assert listed.returncode == 0, listed.stderr
    names = {line.strip() for line in listed.stdout.splitlines()[1:]}
    assert {"base.html", "post.html", "partials/post_card.html"} <= names
    copied = newsreel(*commands[1][1:], "--dir", blog)
    assert copied.returncode == 0, copied.stderr
    assert (blog / "templates" / commands[1][3]).is_file()
    for name in re.findall(r"`([\w/]+(?:\.html|/))`", readme):
        assert name in names or any(n.startswith(name) for n in names), name


def test_new_template_copies_the_themes_file_for_the_site_to_use(blog: Path) -> None:
    result = newsreel("new", "template", "partials/post_card.html", "--dir", blog)
    assert result.returncode == 0 and "created" in result.stdout, result.stderr
    copy = blog / "templates" / "partials" / "post_card.html"
    copy.write_text(copy.read_text("utf-8").replace("card__title", "card__title mine"), "utf-8")
    assert newsreel("build", blog).returncode == 0
    assert "card__title mine" in (blog / "site" / "index.html").read_text("utf-8")
    again = newsreel("new", "template", "partials/post_card.html", "--dir", blog)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "card__title mine" in copy.read_text("utf-8")  # (never overwritten)
    wrong = newsreel("new", "template", "post_card.html", "--dir", blog)
    assert wrong.returncode == 1 and "did you mean partials/post_card.html?" in wrong.stderr
    outside = newsreel("new", "template", "post.html", "--dir", blog / "content")
    assert outside.returncode == 1 and "not a newsreel site" in outside.stderr


def _readme_blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_readme_example_post_builds_as_written(blog: Path) -> None:
    """The post under "Writing a post" is copied into a new blog as it is and builds."""
    (example,) = _readme_blocks("markdown")
    (blog / "content" / "posts" / "readme-example.md").write_text(example, "utf-8")
    result = newsreel("build", blog)
    assert result.returncode == 0, result.stderr
    html = (blog / "site" / "posts" / "readme-example" / "index.html").read_text("utf-8")
    assert "Mission: Impossible 7 to another level" in html  # (the tweet's text)


@pytest.mark.parametrize("index", range(len(_readme_blocks("yaml"))))
def test_readme_yaml_examples_build_as_written(blog: Path, index: int) -> None:
    """Each YAML example of the README builds: settings in newsreel.yaml, the rest in a post."""
    block = _readme_blocks("yaml")[index]
    if block.startswith("taxonomies:"):  # (in place of the starter's whole settings file)
        (blog / "newsreel.yaml").write_text(block, "utf-8")
    else:
        post = f"---\ntitle: README example\ndate: 2024-01-02\n{block}---\nText.\n"
        (blog / "content" / "posts" / "readme-example.md").write_text(post, "utf-8")
    result = newsreel("build", blog)
    assert result.returncode == 0, result.stderr
