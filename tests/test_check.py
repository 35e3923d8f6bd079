"""``newsreel check``: a sound site passes; each kind of broken link is one ``page: broken target`` line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sitekit import copy_example_blog, newsreel, post, write_site

from newsreel.check import built_base_url, check_links


def built(site: Path, *args: str) -> Path:
    """``site`` after ``newsreel build``: check checks what is there, it never builds."""
    result = newsreel("build", site, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def small_blog(root: Path, base_url: str = "https://example.org/", body: str = "") -> Path:
    """A small blog using the built-in theme, with links between its pages."""
    return write_site(
        root,
        {
            "newsreel.yaml": f"title: Check test\nbase_url: {base_url}\n",
            "content/posts/first.md": post(
                "First",
                "2023-03-04",
                "## Casting news\n\nSee [the second post](/posts/second/) and [its cast](/posts/second/#cast).\n"
                + body,
                film="Amélie",
                actors="[Audrey Tautou]",
            ),
            "content/posts/second.md": post(
                "Second",
                "2023-03-04",
                "## Cast\n\nBack to [the first](/posts/first/) or [the film](/films/amelie/).\n",
                film="Amélie",
            ),
        },
    )


# --- through the command line, on real builds --------------------------------------------------


def test_built_site_checks_clean(tmp_path: Path) -> None:
    site = built(small_blog(tmp_path / "blog"))
    result = newsreel("check", site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no broken link" in result.stdout and result.stderr == ""
    pages = int(result.stdout.split("checked ", 1)[1].split(" page", 1)[0])
    assert pages == len(list((site / "site").rglob("*.html")))


@pytest.mark.parametrize("base_url", ["https://example.org/", "https://example.org/movie-news/"])
def test_broken_link_and_broken_anchor_are_listed(tmp_path: Path, base_url: str) -> None:
    site = built(
        small_blog(
            tmp_path / "blog", base_url, "Also [nothing](/films/nope/) and [nowhere](#nope).\n"
        )
    )
    result = newsreel("check", site)
    assert result.returncode == 1, result.stdout + result.stderr
    base_path = base_url.removeprefix("https://example.org")
    lines = result.stderr.splitlines()
    assert (
        f"posts/first/index.html: broken link {base_path}films/nope/ (no such file in the output)"
        in lines
    )
    assert any(line.startswith("posts/first/index.html: broken anchor #nope ") for line in lines), (
        lines
    )
    assert "Traceback" not in result.stderr
    # the sound links of the same page are not listed
    assert not any("second" in line for line in lines if "broken" in line), lines


def test_sub_path_honoured_after_build_with_base_url(tmp_path: Path) -> None:
    """CI builds with --base-url, then runs check --no-build: the base path is read back from the output."""
    site = small_blog(tmp_path / "blog")  # newsreel.yaml says the root ...
    built = newsreel(
        "build", site, "--base-url", "https://user.github.io/movie-news/"
    )  # ... CI says a sub-path
    assert built.returncode == 0, built.stderr
    assert built_base_url(site / "site") == "https://user.github.io/movie-news/"
    result = newsreel("check", site, "--no-build")
    assert result.returncode == 0, result.stdout + result.stderr
    # the same output judged as if served at the root is full of broken links
    assert check_links(site / "site", "https://user.github.io/").problems


def test_check_without_a_build_says_so(tmp_path: Path) -> None:
    site = small_blog(tmp_path / "blog")
    for args in ((), ("--no-build",)):
        result = newsreel("check", site, *args)
        assert result.returncode == 1
        assert "no built site to check" in result.stderr and "newsreel build" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (site / "site").exists(), "check must never build"


def test_check_never_replaces_the_built_site(tmp_path: Path) -> None:
    """After build --drafts, check looks at that build, drafts and all, and leaves it alone."""
    site = small_blog(tmp_path / "blog")
    write_site(
        site, {"content/posts/draft.md": post("Draft", "2023-03-04", "Not yet.", draft="true")}
    )
    built(site, "--drafts")
    before = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")}
    result = newsreel("check", site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "site/posts/draft/index.html").is_file()
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")} == before


def test_check_names_a_link_planted_in_the_output_as_the_build_would(tmp_path: Path) -> None:
    """A link to a folder is not followed, and is named, as the build refuses it."""
    site = built(small_blog(tmp_path / "blog"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the web")
    (site / "site/posts/elsewhere").symlink_to(outside)
    result = newsreel("check", site)
    assert result.returncode == 1
    assert "site/posts/elsewhere: is a symbolic link" in result.stderr, result.stderr
    assert "secret.txt" not in result.stderr
    assert newsreel("build", site).returncode == 1


def test_check_says_when_the_site_is_older_than_its_sources(tmp_path: Path) -> None:
    site = built(small_blog(tmp_path / "blog"))
    assert "built before" not in newsreel("check", site).stderr
    time.sleep(0.05)
    write_site(site, {"content/posts/third.md": post("Third", "2023-03-04", "New.")})
    result = newsreel("check", site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "site: warning: was built before the latest changes" in result.stderr
        and "newsreel build" in result.stderr
    )
    built(site)
    time.sleep(0.05)
    (
        site / "content/posts/third.md"
    ).touch()  # touched, not changed: the next build confirms the output
    built(site)
    assert "built before" not in newsreel("check", site).stderr


def test_check_asks_for_an_absolute_base_url(tmp_path: Path) -> None:
    """A build for writing needs no address; check, which is for publishing, says what one is for."""
    site = built(small_blog(tmp_path / "blog", base_url="/"))
    result = newsreel("check", site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not absolute" in result.stderr and "--base-url" in result.stderr
    built(site, "--base-url", "https://example.org/news/")
    assert "not absolute" not in newsreel("check", site).stderr


def test_content_errors_fail_the_check_like_the_build(tmp_path: Path) -> None:
    site = built(small_blog(tmp_path / "blog"))
    write_site(site, {"content/posts/bad.md": "---\ntitle: Bad\n---\nno date\n"})
    result = newsreel("check", site)
    assert result.returncode == 1
    assert "content/posts/bad.md" in result.stderr and "Traceback" not in result.stderr


def test_tweet_without_status_url_is_listed(tmp_path: Path) -> None:
    site = small_blog(tmp_path / "blog")
    write_site(
        site,
        {
            "content/posts/tweet.md": post(
                "Tweet",
                "2023-03-04",
                "A copy of a tweet.",
                tweet='{text: "Hello", author: Someone, handle: someone, date: 2023-03-01}',
            )
        },
    )
    result = newsreel("check", built(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content/posts/tweet.md" in result.stderr and "status URL" in result.stderr


def test_example_blog_checks_clean_under_a_sub_path(tmp_path: Path) -> None:
    site = copy_example_blog(tmp_path / "blog")
    built = newsreel("build", site, "--base-url", "https://example.org/movie-news/")
    assert built.returncode == 0, built.stderr
    result = newsreel("check", site, "--no-build")
    assert result.returncode == 0, result.stdout + result.stderr


# --- the link resolver on hand-written output ---------------------------------------------------

PAGES = {
    "index.html": """<!doctype html><html><head>
<link rel="stylesheet" href="/m/css/site.css"><link rel="canonical" href="https://example.org/m/">
<meta property="og:image" content="https://example.org/m/img/card.png"></head><body>
<a href="/m/films/">films</a> <a href="films/">relative</a> <a href="/m/films">no slash</a>
<a href="/m/films/#list">anchor</a> <a href="/m/films/caf%C3%A9.html">encoded</a>
<a href="https://example.org:443/m/films/">absolute, default port</a> <a href="#top-of">here</a>
<a href="https://elsewhere.example/x">other host</a> <a href="mailto:a@example.org">mail</a>
<a href="tel:+123">tel</a> <img src="data:image/gif;base64,R0lGOD" alt="">
<img src="/m/img/a.png" srcset="/m/img/a.png 1x, /m/img/a%402x.png 2x" alt="">
<!-- <a href="/m/in-a-comment/"> --><script>let s = '<a href="/m/in-a-script/">';</script>
<p id="top-of">x</p></body></html>""",
    "films/index.html": '<!doctype html><ul id="list"></ul><a name="old-anchor"></a>'
    '<a href="../">up</a> <a href="/m/#top-of">home top</a>',
    "films/café.html": "<!doctype html><p>café</p>",
    "css/site.css": "body { background: url('../img/a.png') } /* url(/m/none.png) */",
    "img/a.png": "",
    "img/a@2x.png": "",
    "img/card.png": "",
    "404.html": '<!doctype html><link rel="stylesheet" href="/m/css/site.css"><a href="/m/">home</a>',
    "feed.xml": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
    '<link href="https://example.org/m/"/><link rel="self" href="https://example.org/m/feed.xml"/>'
    '<entry><link href="https://example.org/m/films/"/></entry></feed>',
    "sitemap.xml": '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>https://example.org/m/</loc></url><url><loc>https://example.org/m/films/</loc></url>"
    "</urlset>",
    "robots.txt": "User-agent: *\nSitemap: https://example.org/m/sitemap.xml\n",
}


def test_sound_hand_written_site(tmp_path: Path) -> None:
    out = write_site(tmp_path / "site", PAGES)
    assert built_base_url(out) == "https://example.org/m/"
    report = check_links(out, "https://example.org/m/")
    assert report.problems == ()
    assert report.pages == 4
    assert report.links >= 20


FILMS = PAGES["films/index.html"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"films/index.html": FILMS + '<a href="/m/films/#gone">x</a>'},
            "films/index.html: broken anchor /m/films/#gone",
        ),
        (
            {"films/index.html": FILMS + '<a href="#old-anchor">x</a><a href="/films/">x</a>'},
            "films/index.html: broken link /films/ (outside /m/, where the site is served)",
        ),
        (
            {"films/index.html": FILMS + '<a href="../nope/">x</a>'},
            "films/index.html: broken link ../nope/",
        ),
        (
            {"films/index.html": FILMS + '<img src="/m/img/b.png" alt="">'},
            "films/index.html: broken link /m/img/b.png",
        ),
        (
            {"films/index.html": FILMS + '<img srcset="/m/img/a.png 1x, /m/img/b.png 2x" alt="">'},
            "films/index.html: broken link /m/img/b.png",
        ),
        (
            {"films/index.html": FILMS + '<a href="https://example.org/m/gone/">x</a>'},
            "films/index.html: broken link https://example.org/m/gone/",
        ),
        (
            {"films/index.html": FILMS + '<meta http-equiv="refresh" content="0; url=/m/moved/">'},
            "films/index.html: broken link /m/moved/",
        ),
        (
            {"films/index.html": FILMS + '<a href="javascript:alert(1)">x</a>'},
            "films/index.html: unsafe link javascript:alert(1)",
        ),
        (
            {"css/site.css": "body { background: url(../img/none.png) }"},
            "css/site.css: broken link ../img/none.png",
        ),
        (
            {"404.html": '<link rel="stylesheet" href="css/site.css">'},
            "404.html: broken link css/site.css (404.html is",
        ),
        (
            {"sitemap.xml": PAGES["sitemap.xml"].replace("/m/films/", "/m/actors/")},
            "sitemap.xml: broken link https://example.org/m/actors/",
        ),
        (
            {"feed.xml": PAGES["feed.xml"].replace("/m/films/", "/m/posts/x/")},
            "feed.xml: broken link https://example.org/m/posts/x/",
        ),
    ],
)
def test_each_kind_of_breakage(tmp_path: Path, change: dict[str, str], expected: str) -> None:
    out = write_site(tmp_path / "site", {**PAGES, **change})
    problems = [str(p) for p in check_links(out, "https://example.org/m/").problems]
    assert any(p.startswith(expected) for p in problems), problems
    assert len(problems) == 1, problems


def test_links_hidden_from_browsers_are_not_followed(tmp_path: Path) -> None:
    out = write_site(tmp_path / "site", PAGES)
    report = check_links(out, "https://example.org/m/")
    assert not any("in-a-comment" in str(p) or "in-a-script" in str(p) for p in report.problems)


def test_root_site_with_relative_base_url(tmp_path: Path) -> None:
    files = {rel: text.replace("/m/", "/") for rel, text in PAGES.items()}
    out = write_site(tmp_path / "site", files)
    assert (
        check_links(out, "/").problems == ()
    )  # absolute links to example.org are another host then
    assert check_links(out, "https://example.org/").problems == ()


def test_many_pages_are_checked_quickly(tmp_path: Path) -> None:
    out = tmp_path / "site"
    nav = "".join(f'<li><a href="/films/f{i}/">Film {i}</a></li>' for i in range(20))
    for n in range(2000):
        write_site(
            out,
            {
                f"posts/p{n}/index.html": f'<!doctype html><html><head><link rel="stylesheet" href="/css/s.css">'
                f'</head><body id="top-of"><nav class="site"><ul>{nav}</ul></nav><main class="post">'
                + "".join(
                    f'<p class="x">Text <a href="/posts/p{(n + k) % 2000}/#top-of">next</a></p>'
                    for k in range(10)
                )
                + "</main></body></html>"
            },
        )
    write_site(
        out, {f"films/f{i}/index.html": "<p>film</p>" for i in range(20)} | {"css/s.css": "p{}"}
    )
    started = time.perf_counter()
    report = check_links(out, "https://example.org/")
    elapsed = time.perf_counter() - started
    assert report.problems == () and report.pages == 2020 and report.links == 2000 * 31
    assert elapsed < 5, f"{elapsed:.1f} s for 2,000 pages"


def test_worker_processes_find_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big sites are shared among worker processes; the findings must not depend on it."""
    import newsreel.check as check

    out = tmp_path / "site"
    for n in range(120):
        write_site(
            out,
            {
                f"p{n}/index.html": f'<p id="here">{n}</p><a href="/p{(n + 1) % 120}/#here">next</a>'
                + ('<a href="/p3/#gone">x</a><a href="/nowhere/">y</a>' if n % 40 == 7 else "")
            },
        )
    alone = check_links(out, "/")
    monkeypatch.setattr(check, "_PAGES_PER_WORKER", 10)
    shared = check_links(out, "/")
    assert shared == alone
    assert len(alone.problems) == 6 and alone.links == 120 + 6
