"""Declared taxonomies: a site's own kinds of term get everything films and actors get, through
one engine; the built-in kinds are written in one declaration only."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from PIL import Image
from sitekit import newsreel, post, tree_hashes, write_site

from newsreel.config import Settings, load_settings
from newsreel.taxonomies import DEFAULTS

PACKAGE = Path(__file__).resolve().parent.parent / "newsreel"
KIND_WORDS = re.compile(r"(?<![a-z])(films?|actors?|tags)(?![a-z])", re.IGNORECASE)
ALLOWED = {
    # The default site description, prose a new blog shows until it sets its own.
    ("config.py", "Movie news: films, actors, release dates."),
    # English words that introduce a title in an article's prose ("the film X", "X's sequel"),
    # read by the importer's title guess: vocabulary of the language, not a kind's name.
    ("facts.py", "(?:film|movie|sequel|prequel|blockbuster|feature|adaptation"),
    ("facts.py", "[ ](?:sequel|prequel|film|movie|"),
    # English words that name a cast in an article's prose ("actress X", "X, the film's star"),
    # read by the importer's guess of the actors: vocabulary, not a kind's name.
    ("facts.py", "(?:actor|actress|actors|actresses|star"),
    ("facts.py", "actor actress co-star costar"),
    ("facts.py", "actor actress actors actresses star stars"),
    # What a web page prints around an article ("Tags: …", "Related: …"), which the importer
    # removes: the page's words, not a kind's name.
    ("importer.py", "(?:(?:related|read\\s+(?:more|also|next)|also\\s+read|see\\s+also|more|"),
    # The ids the built-in theme's templates give elements of a page (partials/film_media.html),
    # which a heading of the page's text never takes: the theme's markup, not a kind's name.
    ("markdown.py", "film-stills"),
    ("markdown.py", "film-trailer"),
}


def _code_tokens(path: Path) -> list[tuple[int, str]]:
    """Names and string literals of a module, its docstrings and comments left out."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline))
    found = []
    for index, token in enumerate(tokens):
        if token.type == tokenize.STRING:
            before = index - 1
            while before >= 0 and tokens[before].type in (tokenize.NL, tokenize.COMMENT):
                before -= 1
            alone = before < 0 or tokens[before].type in (
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
            )
            if alone and tokens[index + 1].type in (
                tokenize.NEWLINE,
                tokenize.NL,
                tokenize.ENDMARKER,
            ):
                continue  # a docstring
        elif token.type != tokenize.NAME:
            continue
        found.append((token.start[0], token.string))
    return found


def _defaults_lines() -> range:
    """The lines of the ``DEFAULTS = (...)`` declaration in taxonomies.py."""
    text = (PACKAGE / "taxonomies.py").read_text("utf-8")
    start = text[: text.index("\nDEFAULTS")].count("\n") + 2
    end = text[: text.index("\n)\n", text.index("\nDEFAULTS"))].count("\n") + 2
    return range(start, end + 1)


def test_no_module_names_a_built_in_kind_outside_the_defaults() -> None:
    defaults = _defaults_lines()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for line, text in _code_tokens(path):
            if rel == "taxonomies.py" and line in defaults:
                continue
            if any(rel == file and part in text for file, part in ALLOWED):
                continue
            if KIND_WORDS.search(text):
                found.append(f"newsreel/{rel}:{line}: {text[:70]}")
    assert not found, "per-kind code outside the declarations:\n" + "\n".join(found)


def test_the_scan_sees_a_kind_name_in_code(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text('"""Films are fine here."""\nfor ref in post.films:\n    x = "actor"\n')
    assert [t for _, t in _code_tokens(sample) if KIND_WORDS.search(t)] == ["films", '"actor"']


def test_defaults_keep_every_url_and_key_spec_names() -> None:
    settings = Settings()
    assert [t.name for t in settings.taxonomies] == ["films", "actors", "tags"]
    films, actors, tags = settings.taxonomies
    assert films.keys == ("film", "films") and films.releases and films.feed
    assert actors.keys == ("actors",) and actors.feed and not actors.releases
    assert tags.keys == ("tags",) and not tags.feed and not tags.pages
    assert settings.taxonomies == DEFAULTS


SETTINGS = """\
title: Scores and studios
base_url: https://example.org/scores/
taxonomies:
  films: {}
  composers:
    label: Composer
    single: composer
    feed: true
    schema: Person
    nav: always
  studios:
    label: Studio
    schema: Organization
    fields: {founded: null}
  moods:
    label: Mood
    pages: false
    describe: "Posts in the mood {name}"
  directors: {label: Director, single: director, nav: never}
"""


def _logo() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 40, 40)).save(picture, "PNG")
    return picture.getvalue()


def _site(root: Path) -> Path:
    return write_site(
        root,
        {
            "newsreel.yaml": SETTINGS,
            "content/posts/a.md": post(
                "Hans Zimmer scores Dune",
                "2021-10-01",
                film="Dune",
                director="Denis Villeneuve",
                composer="Hans Zimmer",
                studios='["Legendary Pictures", "Warner Bros."]',
                moods="[epic]",
            ),
            "content/posts/b.md": post(
                "Zimmer and Nolan again",
                "2023-07-20",
                film="Oppenheimer",
                composers='["hans  zimmer"]',
                studios="[Legendary]",
                moods="[Epic, quiet]",
            ),
            "content/posts/c.md": post(
                "A24 at thirty",
                "2024-01-05",
                studios="[A24]",
            ),
            "content/studios/legendary.md": (
                "---\nname: Legendary Pictures\naka: [Legendary]\nimage: /img/legendary.png\n"
                'image_alt: "The studio\'s logo"\nfounded: "2000"\n---\nA film studio.\n'
            ),
            "content/composers/zimmer.md": "---\nname: Hans Zimmer\n---\nA film composer.\n",
            "static/img/legendary.png": _logo(),
            "content/films/dune.md": "---\ntitle: Dune\ndirector: Denis Villeneuve\n---\n",
        },
    )


def test_an_unseen_site_builds_and_checks_its_own_taxonomies(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    out = site / "site"
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr, run.stderr
    for page in (
        "composers/index.html",
        "composers/hans-zimmer/index.html",
        "composers/hans-zimmer/feed.xml",
        "studios/index.html",
        "studios/legendary-pictures/index.html",
        "studios/a24/index.html",
        "studios/legendary/index.html",  # the aka's old URL, now a redirect
        "moods/epic/index.html",
        "moods/index.html",
        "films/dune/index.html",
        "releases/index.html",
    ):
        assert (out / page).is_file(), page
    assert not (out / "studios" / "a24" / "feed.xml").exists()  # studios declare no feed
    assert not (out / "actors").exists() and not (out / "tags").exists()  # not declared
    studio = (out / "studios/legendary-pictures/index.html").read_text()
    assert "Founded" in studio and "A film studio." in studio
    assert (
        "/scores/studios/legendary-pictures/" in (out / "studios/legendary/index.html").read_text()
    )
    composer = (out / "composers/hans-zimmer/index.html").read_text()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', composer, re.S).group(1)
    )
    assert data["@type"] == "Person" and data["name"] == "Hans Zimmer"
    assert 'og:type" content="profile"' in composer
    assert "2 posts" in composer  # "hans  zimmer" is the same composer
    home = (out / "index.html").read_text()
    nav = re.search(r'<nav class="site-nav".*?</nav>', home, re.S).group(0)
    labels = re.findall(r">([A-Z][a-z]+)</a>", nav)
    assert labels[:5] == ["Latest", "Films", "Releases", "Composers", "Studios"], labels
    post_page = (out / "posts/a/index.html").read_text()
    assert "/scores/composers/hans-zimmer/" in post_page and "/scores/moods/epic/" in post_page
    feed = (out / "composers/hans-zimmer/feed.xml").read_text()
    assert 'label="Composer: Hans Zimmer"' in feed
    film = (out / "films/dune/index.html").read_text()
    assert '<a href="/scores/directors/denis-villeneuve/">Denis Villeneuve</a>' in film
    assert ">Directors</a>" not in home  # nav: never; its pages still exist
    assert (out / "directors/denis-villeneuve/index.html").is_file()
    mood = (out / "moods/epic/index.html").read_text()
    assert "Posts in the mood epic: 2 posts." in mood
    check = newsreel("check", site)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_unseen_site_rebuilds_byte_for_byte_as_a_cold_build(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    assert newsreel("build", site, "--output", warm).returncode == 0
    path = site / "content/posts/b.md"
    path.write_text(path.read_text().replace("Some text.", "Other words."))
    (site / "content/studios/legendary.md").write_text(
        "---\nname: Legendary Pictures\naka: [Legendary, Legendary Entertainment]\n---\nStudio.\n"
    )
    assert newsreel("build", site, "--output", warm).returncode == 0
    assert newsreel("build", site, "--output", cold, "--no-cache").returncode == 0
    assert tree_hashes(warm) == tree_hashes(cold)


def test_collisions_unicode_identity_and_unknown_keys(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": SETTINGS,
            "content/posts/a.md": post("A", "2023-01-01", composers="[Zoë Keating]"),
            "content/posts/b.md": post("B", "2023-01-02", composers="[Zoe Keating]"),
            "content/posts/c.md": post("C", "2023-01-03", studio="A24"),
        },
    )
    run = newsreel("build", site, "--output", tmp_path / "out")
    assert run.returncode == 1
    assert "content/posts/b.md:4: composer 'Zoe Keating' and 'Zoë Keating'" in run.stderr
    assert "/composers/zoe-keating/" in run.stderr
    assert "content/posts/c.md:4: warning: unknown key 'studio'" in run.stderr
    assert "did you mean 'studios'?" in run.stderr


@pytest.mark.parametrize(
    ("declaration", "line", "message"),
    [
        ("  posts: {}\n", 3, "'posts' would take /posts/"),
        ("  releases: {label: Release}\n", 3, "'releases' would take /releases/"),
        ("  search: {}\n", 3, "'search' would take /search/"),
        ("  page: {}\n", 3, "'page' would take /page/"),
        ("  Big Studios: {}\n", 3, "cannot be a URL folder"),
        ("  films: {}\n  clips: {key: films}\n", 4, "'films' and 'clips' both read the post key"),
        ("  films: {}\n  shows: {releases: true}\n", 4, "has releases: true, as 'films' has"),
        ("  studios: {key: title}\n", 3, "a post's own key"),
        ("  films: {}\n  clips: {label: Film}\n", 4, "have one label, 'Film'"),
        ("  studios: {feed: yes}\n", 3, "'feed' must be true or false"),
        ("  studios: {describe: Studio}\n", 3, "must hold {name}"),
    ],
)
def test_a_bad_declaration_is_an_error_at_its_line(
    tmp_path: Path, declaration: str, line: int, message: str
) -> None:
    site = write_site(
        tmp_path / "blog",
        {"newsreel.yaml": "title: T\ntaxonomies:\n" + declaration, "content/posts/a.md": post("A")},
    )
    run = newsreel("build", site, "--output", tmp_path / "out")
    assert run.returncode == 1, run.stderr
    assert f"newsreel.yaml:{line}: " in run.stderr and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_a_permalink_folder_is_taken_too(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {"newsreel.yaml": "permalink: /news/{slug}/\ntaxonomies:\n  news: {}\n"},
    )
    settings, problems = load_settings(site)
    assert [p.line for p in problems] == [3] and "/news/" in problems[0].message
    assert settings.taxonomies == DEFAULTS


def test_an_unknown_declaration_setting_is_a_warning_with_a_guess(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"newsreel.yaml": "taxonomies:\n  studios:\n    feeds: true\n"})
    settings, problems = load_settings(site)
    assert [(p.line, p.severity) for p in problems] == [(3, "warning")]
    assert "did you mean 'feed'?" in problems[0].hint
    assert [t.name for t in settings.taxonomies] == ["studios"]


def test_new_post_names_terms_of_declared_kinds(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    run = newsreel(
        "new",
        "post",
        "Williams at ninety",
        "--composer",
        "John Williams",
        "--studio",
        "Legendary",
        "--studio",
        "Lucasfilm",
        "--dir",
        site,
    )
    assert run.returncode == 0, run.stderr
    text = (site / "content/posts/williams-at-ninety.md").read_text()
    assert "composer: John Williams" in text
    assert "studios:\n- Legendary\n- Lucasfilm" in text
    assert "actors" not in text
    typo = newsreel("new", "post", "Other", "--composr", "X", "--dir", site)
    assert typo.returncode == 2 and "did you mean --composer?" in typo.stderr
    close = newsreel("new", "post", "Third", "--composer", "Hans Zimmerr", "--dir", site)
    assert close.returncode == 0 and 'did you mean "hans zimmer"?' in close.stderr.lower(), (
        close.stderr
    )


def test_import_finds_the_names_of_declared_kinds(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    article = tmp_path / "article.txt"
    article.write_text(
        "Hans Zimmer returns to Legendary Pictures\n\n"
        "Composer Hans Zimmer will score the next film from Legendary Pictures, the studio "
        "said on Monday.\n"
    )
    run = newsreel("import", article, "--dir", site)
    assert run.returncode == 0, run.stderr
    written = next((site / "content/posts").glob("hans-zimmer*.md")).read_text()
    assert "composer: Hans Zimmer" in written
    assert "studios:\n- Legendary Pictures" in written
    assert "found composer: Hans Zimmer" in run.stdout + run.stderr


def test_a_site_without_release_dates_or_built_in_kinds(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": "base_url: https://example.org/\ntaxonomies:\n"
            "  composers: {feed: true, schema: Person}\n",
            "content/posts/a.md": post("A", "2023-01-01", composers="[Hildur Guðnadóttir]"),
            "content/composers/hildur.md": "---\nname: Hildur Guðnadóttir\naka: [Hildur]\n---\n",
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr
    out = site / "site"
    assert (out / "composers/hildur-gudnadottir/feed.xml").is_file()
    assert (out / "composers/hildur/index.html").is_file()  # the aka's redirect
    assert not (out / "releases").exists() and not (out / "films").exists()
    home = (out / "index.html").read_text()
    assert ">Composers</a>" in home and "Releases" not in home
    search = (out / "search/index.html").read_text()
    assert "Find posts and composers." in search
    check = newsreel("check", site)
    assert check.returncode == 0, check.stdout + check.stderr
    stray = newsreel("build", site, "--output", tmp_path / "o2")
    assert stray.returncode == 0
    film = write_site(site, {"content/posts/b.md": post("B", "2023-02-01", film="Joker")})
    run = newsreel("build", film, "--output", tmp_path / "o3")
    assert "content/posts/b.md:4: warning: unknown key 'film'" in run.stderr, run.stderr


def test_serve_picks_up_a_kind_declared_or_dropped_while_it_runs(tmp_path: Path) -> None:
    """``serve`` builds again with the paths its watcher saw: a settings edit that declares
    (or drops) a kind with pages changes which files are sources."""
    from newsreel.build import BuildOptions, build_site
    from newsreel.incremental.store import BuildState

    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post("A", "2023-01-01", film="Dune"),
            "content/composers/zimmer.md": "---\nname: Hans Zimmer\n---\nComposer.\n",
        },
    )
    options = BuildOptions(output=tmp_path / "out")
    state = BuildState()
    build_site(site, options, state=state)
    assert not (tmp_path / "out/composers").exists()
    config = site / "newsreel.yaml"
    config.write_text("taxonomies:\n  films: {}\n  composers: {label: Composer}\n")
    build_site(site, options, state=state, changed=[str(config)])
    assert (tmp_path / "out/composers/hans-zimmer/index.html").is_file()
    config.write_text("taxonomies:\n  films: {}\n")
    build_site(site, options, state=state, changed=[str(config)])
    assert not (tmp_path / "out/composers").exists()
