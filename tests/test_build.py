"""End to end: small site folders built by the real CLI, their pages inspected."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import feedparser
import jinja2
import pytest
from lxml import html as lxml_html
from sitekit import REPO, broken_links, newsreel, post, run_python, tree_hashes, write_site

from newsreel.build import PARALLEL_THRESHOLD, BuildOptions, build_site
from newsreel.config import Settings
from newsreel.render import Renderer
from newsreel.writer import Manifest

BASE = "https://example.org/movie-news/"

FILMS = {
    "newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\nper_page: 2\n",
    "content/films/dead-reckoning.md": (
        '---\ntitle: "Mission: Impossible – Dead Reckoning Part One"\naka: ["Mission: Impossible 7"]\n'
        "release_year: 2023\ndirector: Christopher McQuarrie\n---\nA spy film about an AI.\n"
    ),
    "content/actors/penelope.md": "---\nname: Penélope Cruz\n---\nA Spanish actor.\n",
    "content/posts/2020-09-07-jump.md": post(
        '"Cruise jumps"',
        "2020-09-07",
        "The *jump*.",
        film='"Mission: Impossible 7"',
        release_year="2021",
        actors='[Tom Cruise, "tom  cruise"]',
        tags="[stunts]",
    ),
    "content/posts/2022-01-21-slip.md": post(
        '"Another slip"',
        "2022-01-21",
        "Later. See [the film](/films/mission-impossible-dead-reckoning-part-one/).",
        film='"mission: impossible 7"',
        release_year="2023",
        actors="[TOM CRUISE]",
    ),
    "content/posts/2023-07-24-double.md": post(
        '"Two films"',
        "2023-07-24",
        "Both.",
        films="[Barbie, {title: Oppenheimer, release_year: 2023}]",
        actors="[Penélope Cruz, Cillian Murphy]",
    ),
    "content/posts/amelie.md": post(
        "\"<script>alert('x')</script> & Amélie\"",
        "2021-04-25",
        "## Twenty years\n\nHello.",
        film="Amélie",
        release_year="2001",
        summary='"\\"quoted\\" </script>"',
    ),
    "content/posts/draft.md": post("Draft post", "2023-01-01", draft="true"),
    "content/posts/future.md": post("From the future", "2999-01-01"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("films") / "blog", FILMS)
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    return site / "site"


def page(output: Path, path: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((output / path).read_bytes())


def test_every_page_kind_exists(built: Path) -> None:
    for rel in [
        "index.html",
        "page/2/index.html",
        "posts/jump/index.html",
        "posts/slip/index.html",
        "films/index.html",
        "films/mission-impossible-dead-reckoning-part-one/index.html",
        "films/amelie/index.html",
        "films/barbie/index.html",
        "actors/index.html",
        "actors/tom-cruise/index.html",
        "actors/penelope-cruz/index.html",
        "tags/index.html",
        "tags/stunts/index.html",
        "feed.xml",
        "films/amelie/feed.xml",
        "actors/tom-cruise/feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
    ]:
        assert (built / rel).is_file(), rel


def test_drafts_and_future_posts_are_left_out(built: Path) -> None:
    assert not (built / "posts/draft").exists()
    assert not (built / "posts/future").exists()


def test_aka_merges_and_redirects(built: Path) -> None:
    film = page(built, "films/mission-impossible-dead-reckoning-part-one/index.html")
    titles = film.xpath("//main//a/text()")
    assert "Cruise jumps" in titles and "Another slip" in titles
    redirect = (built / "films/mission-impossible-7/index.html").read_text()
    assert 'http-equiv="refresh"' in redirect
    assert "/movie-news/films/mission-impossible-dead-reckoning-part-one/" in redirect
    # the film page's year wins; the history keeps what posts reported
    text = film.text_content()
    assert "2021" in text and "2023" in text


def test_case_and_spacing_variants_are_one_actor(built: Path) -> None:
    actors = [p.name for p in (built / "actors").iterdir() if p.is_dir()]
    assert sorted(actors) == ["cillian-murphy", "penelope-cruz", "tom-cruise"]
    tom = page(built, "actors/tom-cruise/index.html").text_content()
    assert "Cruise jumps" in tom and "Another slip" in tom


def test_hostile_title_is_escaped_everywhere(built: Path) -> None:
    raw = (built / "posts/amelie/index.html").read_text()
    assert "<script>alert" not in raw
    doc = page(built, "posts/amelie/index.html")
    assert doc.xpath("//h1")[0].text_content().startswith("<script>alert('x')</script> & Amélie")
    scripts = doc.xpath("//script")
    assert all(s.get("type") == "application/ld+json" for s in scripts)
    data = json.loads(scripts[0].text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "<script>alert('x')</script> & Amélie"
    assert "</script>" not in scripts[0].text


def test_post_page_shows_its_film_actors_and_neighbours(built: Path) -> None:
    doc = page(built, "posts/slip/index.html")
    hrefs = doc.xpath("//a/@href")
    assert "/movie-news/films/mission-impossible-dead-reckoning-part-one/" in hrefs
    assert "/movie-news/actors/tom-cruise/" in hrefs
    assert "/movie-news/posts/amelie/" in hrefs  # older neighbour
    assert "/movie-news/posts/double/" in hrefs  # newer neighbour
    assert doc.xpath("//link[@rel='canonical']/@href") == [BASE + "posts/slip/"]
    assert doc.xpath("//meta[@property='og:type']/@content") == ["article"]
    assert doc.xpath("//time/@datetime")


def test_film_and_actor_json_ld(built: Path) -> None:
    film = page(built, "films/mission-impossible-dead-reckoning-part-one/index.html")
    data = json.loads(film.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Movie" and data["datePublished"] == "2023"
    actor = page(built, "actors/penelope-cruz/index.html")
    assert (
        json.loads(actor.xpath("//script[@type='application/ld+json']")[0].text)["@type"]
        == "Person"
    )


def test_feeds_parse_and_hold_absolute_links(built: Path) -> None:
    feed = feedparser.parse((built / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Test reel"
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "Two films" and "Draft post" not in titles
    assert all(entry.link.startswith(BASE) for entry in feed.entries)
    film_feed = feedparser.parse((built / "films/amelie/feed.xml").read_bytes())
    assert not film_feed.bozo and [e.title for e in film_feed.entries] == [
        "<script>alert('x')</script> & Amélie"
    ]


def test_sitemap_lists_pages_not_redirects(built: Path) -> None:
    root = ET.fromstring((built / "sitemap.xml").read_bytes())
    locs = [el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert BASE + "posts/jump/" in locs
    assert BASE + "films/mission-impossible-7/" not in locs
    assert "Sitemap: " + BASE + "sitemap.xml" in (built / "robots.txt").read_text()


def test_every_internal_link_resolves_under_the_sub_path(built: Path) -> None:
    assert broken_links(built, "/movie-news/") == []


def test_links_work_at_the_root_too(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site, "--base-url", "https://example.org").returncode == 0
    assert broken_links(site / "site", "/") == []
    assert 'href="/films/' in (site / "site/index.html").read_text()


def test_drafts_and_future_flags(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site, "--drafts", "--future").returncode == 0
    assert (site / "site/posts/draft/index.html").is_file()
    assert (site / "site/posts/future/index.html").is_file()


def test_site_templates_override_the_theme_file_by_file(tmp_path: Path) -> None:
    files = dict(FILMS)
    files["templates/post.html"] = (
        '{% extends "base.html" %}{% block content %}<h1>OVERRIDDEN {{ post.title }}</h1>{% endblock %}'
    )
    site = write_site(tmp_path / "blog", files)
    assert newsreel("build", site).returncode == 0
    assert "OVERRIDDEN Cruise jumps" in (site / "site/posts/jump/index.html").read_text()
    assert "OVERRIDDEN" not in (site / "site/index.html").read_text()


def test_static_files_are_copied_and_css_fingerprinted(tmp_path: Path) -> None:
    files = dict(FILMS)
    files["static/img/poster.svg"] = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    site = write_site(tmp_path / "blog", files)
    assert newsreel("build", site).returncode == 0
    assert (site / "site/img/poster.svg").is_file()
    css = sorted(p.name for p in (site / "site/css").iterdir())
    assert [name.split(".")[0] for name in css] == ["front", "post", "style", "term"]
    assert all(re.fullmatch(r"[a-z]+\.[0-9a-f]{10}\.css", name) for name in css), css
    home = (site / "site/index.html").read_text()
    assert f"/movie-news/css/{css[2]}" in home and f"/movie-news/css/{css[0]}" in home


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    one = write_site(tmp_path / "one", FILMS)
    two = write_site(tmp_path / "two", FILMS)
    assert newsreel("build", one).returncode == 0
    assert newsreel("build", two, "--no-cache").returncode == 0
    assert tree_hashes(one / "site") == tree_hashes(two / "site")


def test_second_build_changes_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*.html")}
    result = newsreel("build", site)
    assert result.returncode == 0 and "0 pages rendered, 0 changed" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*.html")} == before


def test_deleted_post_leaves_no_stale_page(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    (site / "content/posts/2023-07-24-double.md").unlink()
    assert newsreel("build", site).returncode == 0
    assert not (site / "site/posts/double").exists()
    assert not (site / "site/films/barbie").exists()  # no post names it, no page of its own
    assert (site / "site/actors/penelope-cruz").exists()  # has its own page


def test_warm_builds_equal_a_cold_build(tmp_path: Path) -> None:
    """Edits, additions, renames, deletions and template edits through warm builds give what a cold build gives."""
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    posts = site / "content/posts"
    steps = [
        lambda: (posts / "2020-09-07-jump.md").write_text(
            post(
                '"Cruise jumps again"',
                "2020-09-07",
                "Edited.",
                film='"Mission: Impossible 7"',
                actors="[Tom Cruise]",
            )
        ),
        lambda: (posts / "new.md").write_text(
            post("Brand new", "2023-08-01", "New.", actors="[Simon Pegg]", film="Barbie")
        ),
        lambda: (posts / "2022-01-21-slip.md").rename(posts / "renamed-slip.md"),
        lambda: (posts / "amelie.md").unlink(),
        lambda: write_site(
            site,
            {
                "templates/terms.html": '{% extends "base.html" %}{% block content %}<h1>All {{ plural }}</h1>'
                '{% for t in terms %}<a href="{{ t.url|url }}">{{ t.name }}</a>{% endfor %}{% endblock %}'
            },
        ),
        lambda: write_site(
            site, {"newsreel.yaml": f"title: Renamed reel\nbase_url: {BASE}\nper_page: 3\n"}
        ),
    ]
    for step in steps:
        step()
        assert newsreel("build", site).returncode == 0
        cold = tmp_path / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        shutil.copytree(site, cold, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
        assert newsreel("build", cold, "--no-cache").returncode == 0
        assert tree_hashes(site / "site") == tree_hashes(cold / "site")


def _cold_copy(site: Path, cold: Path) -> dict[str, str]:
    """The output of a cold build of a copy of ``site``'s sources."""
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(site, cold, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
    build_site(cold, BuildOptions(use_cache=False))
    return tree_hashes(cold / "site")


def _output(site: Path) -> dict[str, str]:
    return tree_hashes(site / "site")


def _edit_body(path: Path, extra: str) -> None:
    """Add a sentence to a post's body; the mtime moves on even on a coarse-grained clock."""
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_a_text_edit_renders_only_the_pages_that_show_the_post(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    first = build_site(site)
    assert not first.patched
    _edit_body(site / "content/posts/2022-01-21-slip.md", "\nA new *sentence* about the slip.\n")
    result = build_site(site)
    assert result.patched and 0 < result.rendered < first.rendered
    # Listings show the summary (the start of the text, unchanged here); the feeds show it all.
    pages = {path for path in result.changed if not path.startswith("/pagefind/")}
    assert pages == {
        "/posts/slip/",
        "/feed.xml",
        "/actors/tom-cruise/feed.xml",
        "/films/mission-impossible-dead-reckoning-part-one/feed.xml",
    }
    assert pages != result.changed  # the search index holds the new text too
    assert "/posts/jump/" not in result.changed and "/sitemap.xml" not in result.changed
    assert "A new <em>sentence</em>" in (site / "site/posts/slip/index.html").read_text("utf-8")
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_keying_the_pages_costs_in_proportion_to_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keying a listing's pages costs in proportion to their number: a page's links to other
    pages are a few, not all of them (4,000 home pages of a 40,000-post site, each keying and
    walking 4,000 links, took 16 million steps)."""
    from newsreel import build
    from newsreel.incremental import keys

    walked = [0]
    walk = keys.Digests._walk

    def counting(self: keys.Digests, value: object, shows: dict[str, None]) -> object:
        walked[0] += 1
        return walk(self, value, shows)

    monkeypatch.setattr(keys.Digests, "_walk", counting)
    monkeypatch.setattr(build, "_workers", lambda items: 1)  # (counted in this process only)
    steps = []
    for count in (30, 120):
        files = {"newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\nper_page: 1\n"}
        for n in range(count):
            files[f"content/posts/2020-01-01-p{n}.md"] = post(
                f"Post {n}", f"2020-01-{1 + n % 28:02d}", film="Heat", actors="[Ann Lee]"
            )
        walked[0] = 0
        build_site(write_site(tmp_path / f"blog-{count}", files), BuildOptions(use_cache=False))
        steps.append(walked[0])
    assert steps[1] < 5 * steps[0], steps  # four times the posts (and pages of each listing)


def test_a_long_listing_links_the_first_last_and_nearby_pages(tmp_path: Path) -> None:
    """Page 6 of 12 links pages 1, 4-8 and 12, with a gap shown either side of 4-8; the last
    page links 1 and 10-12."""
    files = {"newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\nper_page: 1\n"}
    for n in range(12):
        files[f"content/posts/2020-01-{1 + n:02d}-p{n}.md"] = post(
            f"Post {n}", f"2020-01-{1 + n:02d}"
        )
    site = write_site(tmp_path / "blog", files)
    build_site(site, BuildOptions(use_cache=False))

    def links(rel: str) -> tuple[list[str], int]:
        doc = lxml_html.fromstring((site / "site" / rel).read_bytes())
        nav = doc.xpath("//nav[@aria-label='Pagination']")[0]
        numbered = nav.xpath(".//li[not(@class)]/a")
        return [a.text_content().replace("Page ", "") for a in numbered], len(
            nav.xpath(".//li[@class='pagination__gap']")
        )

    assert links("page/6/index.html") == (["1", "4", "5", "6", "7", "8", "12"], 2)
    assert links("page/12/index.html") == (["1", "10", "11", "12"], 1)
    assert links("index.html") == (["1", "2", "3", "12"], 1)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="a build forks workers only with two cores or more",
)
def test_the_keys_workers_make_are_those_one_process_makes(tmp_path: Path) -> None:
    """A cold build's pages are keyed by the forked workers that render them; a full build in
    one process (one core, no cache) finds every one of those keys and renders nothing."""
    files = {"newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\nper_page: 3\n"}
    for n in range(150):
        files[f"content/posts/2021-01-01-p{n}.md"] = post(
            f"Post {n}",
            f"2021-{1 + n % 12:02d}-{1 + n % 28:02d}",
            f"Text {n} about [the film](/films/film-{n % 7}/).",
            film=f"Film {n % 7}",
            release_year=str(2020 + n % 5),
            actors=f"[Ann {n % 11}, Bo {n % 13}]",
        )
    site = write_site(tmp_path / "blog", files)
    assert newsreel("build", site).returncode == 0
    assert len(list((site / "site").rglob("index.html"))) > PARALLEL_THRESHOLD
    shutil.rmtree(site / ".newsreel-cache")
    again = run_python(
        "-c",
        "import os, sys\n"
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "from newsreel.build import build_site\n"
        "result = build_site(sys.argv[1])\n"
        "print(result.patched, result.rendered, sorted(result.changed))\n",
        site,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["False", "0", "[]"]


def test_a_full_build_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path) -> None:
    """``newsreel build`` keeps the collector off for its whole process (turned on only while
    pages render); ``serve`` keeps it on between builds. Nothing stays frozen either way."""
    site = write_site(tmp_path / "blog", FILMS)
    was_on = gc.isenabled()
    try:
        for on in (False, True, False):
            (gc.enable if on else gc.disable)()
            shutil.rmtree(site / "site", ignore_errors=True)  # (a full build, not a patch)
            result = build_site(site)
            assert not result.patched and result.rendered > 0
            assert gc.isenabled() is on
            assert gc.get_freeze_count() == 0
    finally:
        (gc.enable if was_on else gc.disable)()


def test_patched_pages_carry_the_keys_a_full_build_gives(tmp_path: Path) -> None:
    """After patches, a full build from scratch (no cache) finds every page's key unchanged."""
    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    for n, name in enumerate(["2020-09-07-jump.md", "2023-07-24-double.md", "2020-09-07-jump.md"]):
        _edit_body(site / "content/posts" / name, f"\nEdit number {n}.\n")
        assert build_site(site).patched
    shutil.rmtree(site / ".newsreel-cache")
    again = build_site(site)
    assert not again.patched and again.rendered == 0 and not again.changed


@pytest.mark.parametrize("change", ["title", "date", "cast", "release year", "draft", "slug"])
def test_an_edit_that_moves_a_post_rebuilds_the_site(tmp_path: Path, change: str) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    path = site / "content/posts/2022-01-21-slip.md"
    text = path.read_text("utf-8")
    text = {
        "title": lambda t: t.replace('"Another slip"', '"Another slip, retitled"'),
        "date": lambda t: t.replace("date: 2022-01-21", "date: 2019-01-21"),
        "cast": lambda t: t.replace("[TOM CRUISE]", "[TOM CRUISE, Simon Pegg]"),
        "release year": lambda t: t.replace("release_year: 2023", "release_year: 2024"),
        "draft": lambda t: t.replace("---\ntitle", "---\ndraft: true\ntitle"),
        "slug": lambda t: t.replace("---\ntitle", "---\nslug: slipped\ntitle"),
    }[change](text)
    assert text != path.read_text("utf-8")
    path.write_text(text, "utf-8")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    result = build_site(site)
    assert not result.patched
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_an_edit_of_an_unbuilt_draft_renders_nothing(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {**FILMS, "content/posts/later.md": post("Later", "2023-01-01", draft="true")},
    )
    build_site(site)
    _edit_body(site / "content/posts/later.md", "\nStill a draft.\n")
    result = build_site(site)
    assert result.patched and result.rendered == 0 and not result.changed


def test_the_snapshot_keeps_named_records_and_refuses_others(tmp_path: Path) -> None:
    """Posts and terms are stored as named records; a row of another shape (a positional
    tuple, as cache format 5 wrote) is never read as one: the build builds everything."""
    import pickle
    import sqlite3

    from newsreel.incremental.snapshot import PostLink, PostRecord, StoredTerm
    from newsreel.incremental.store import STORE_FILE, load_state
    from newsreel.layout import SiteLayout

    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    snapshot = load_state(site).snapshot
    assert snapshot is not None
    jump = snapshot.posts["content/posts/2020-09-07-jump.md"]
    assert isinstance(jump, PostRecord) and isinstance(jump.link, PostLink)
    links = dict(jump.link.links)
    assert jump.link.url == "/posts/jump/" and [r.name for r in links["actors"]] == ["Tom Cruise"]
    assert jump.pages  # its own page, the lists and term pages that show it
    assert snapshot.posts["content/posts/draft.md"].link is None
    film = snapshot.terms["films/mission-impossible-dead-reckoning-part-one"]
    assert isinstance(film, StoredTerm) and film.release_year == 2023
    assert film.posts == ("content/posts/2022-01-21-slip.md", "content/posts/2020-09-07-jump.md")

    with sqlite3.connect(SiteLayout(site).cache / STORE_FILE) as db:
        db.execute(
            "UPDATE posts SET data = ? WHERE name = ?",
            (pickle.dumps(tuple(jump)), "content/posts/2020-09-07-jump.md"),
        )
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nMore.\n")
    result = build_site(site)
    assert not result.patched
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_the_stamps_of_every_source_are_stored_packed_and_checked(tmp_path: Path) -> None:
    """Each source's stamp and hash are kept as a few long strings and an array (a patch
    build reads and writes them); a packing that does not hold together is no snapshot."""
    import pickle
    import sqlite3

    from newsreel.incremental.store import STORE_FILE, load_state
    from newsreel.layout import SiteLayout

    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nMore.\n")
    assert build_site(site).patched
    state = load_state(site)
    assert state.snapshot is not None and state.store is not None
    stamps = state.snapshot.stamps
    assert stamps.keys() == state.snapshot.digests.keys() and len(stamps) > 3
    assert all(stamp is None or len(stamp) == 5 for stamp in stamps.values())
    state.store.close()
    with sqlite3.connect(SiteLayout(site).cache / STORE_FILE) as db:
        (data,) = db.execute("SELECT data FROM meta WHERE name = 'stamps'").fetchone()
        stored = pickle.loads(data)
        assert stored["stamps"][0] == "packed" and stored["digests"][0] == "packed"
        tag, names, numbers = stored["stamps"]
        stored["stamps"] = (tag, names, numbers[:-40])  # a stamp short
        db.execute("UPDATE meta SET data = ? WHERE name = 'stamps'", (pickle.dumps(stored),))
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nAnd more.\n")
    assert not build_site(site).patched
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_a_cache_of_another_format_is_removed_unread(tmp_path: Path) -> None:
    from newsreel.incremental.store import STORE_FILE
    from newsreel.layout import SiteLayout

    site = write_site(tmp_path / "blog", FILMS)
    cache = SiteLayout(site).cache
    cache.mkdir()
    old = cache / "cache-5.sqlite"
    old.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)  # not even a readable database
    assert old.name != STORE_FILE
    build_site(site)
    assert not old.exists() and (cache / STORE_FILE).is_file()
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_a_patch_after_a_build_without_cache_builds_everything(tmp_path: Path) -> None:
    """A snapshot older than the output (``--no-cache`` built since) is not patched from."""
    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    write_site(site, {"content/posts/new.md": post("New", "2024-01-01", actors="[Simon Pegg]")})
    build_site(site, BuildOptions(use_cache=False))
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nMore.\n")
    result = build_site(site)
    assert not result.patched
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


def test_a_watcher_s_paths_are_all_a_rebuild_stamps_again(tmp_path: Path) -> None:
    """``serve`` passes the paths its watcher saw; a new, vanished or folder path lists everything again."""
    from newsreel.incremental.store import BuildState

    site = write_site(tmp_path / "blog", FILMS)
    state = BuildState()
    options = BuildOptions(output=tmp_path / "preview", preview=True, drafts=True)
    build_site(site, options, state=state)
    jump = site / "content/posts/2020-09-07-jump.md"
    _edit_body(jump, "\nSEEN-BY-THE-WATCHER\n")
    result = build_site(
        site, options, state=state, changed=[str(jump), str(site / "content/posts/.jump.md.tmp")]
    )
    assert not result.scanned_all and result.patched and "/posts/jump/" in result.changed
    assert "SEEN-BY-THE-WATCHER" in (tmp_path / "preview/posts/jump/index.html").read_text("utf-8")

    fresh = site / "content/posts/fresh.md"
    fresh.write_text(post("Fresh", "2024-02-02"), "utf-8")
    result = build_site(site, options, state=state, changed=[str(fresh)])
    assert result.scanned_all and "/posts/fresh/" in result.changed
    fresh.unlink()
    result = build_site(site, options, state=state, changed=[str(fresh)])
    assert result.scanned_all and "/posts/fresh/" in result.removed
    (site / "content/posts/more").mkdir()
    (site / "content/posts/more/inside.md").write_text(post("Inside", "2024-03-03"), "utf-8")
    result = build_site(
        site, options, state=state, changed=[str(site / "content/posts/more") + os.sep]
    )
    assert result.scanned_all and "/posts/inside/" in result.changed


def test_a_damaged_cache_is_only_slower(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    for store in (site / ".newsreel-cache").glob("cache*.sqlite"):
        store.write_bytes(b"not a database at all" * 100)
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nMore.\n")
    result = newsreel("build", site)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert _output(site) == _cold_copy(site, tmp_path / "cold")
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nAnd more.\n")
    assert build_site(site).patched  # the cache was started anew


def test_a_cache_from_another_newsreel_is_started_anew(tmp_path: Path) -> None:
    """A store written by a newsreel whose snapshot had fewer fields (an upgrade) is not
    believed: the build goes on as a full one, without a traceback."""
    import pickle
    import sqlite3

    from newsreel.incremental.store import STORE_FILE

    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    db = sqlite3.connect(site / ".newsreel-cache" / STORE_FILE)
    (data,) = db.execute("SELECT data FROM meta WHERE name = 'snapshot'").fetchone()
    core = pickle.loads(data)
    object.__delattr__(core, "pictures")  # as an older newsreel pickled it
    db.execute("UPDATE meta SET data = ? WHERE name = 'snapshot'", (pickle.dumps(core),))
    db.commit()
    db.close()
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nMore.\n")
    result = newsreel("build", site)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert _output(site) == _cold_copy(site, tmp_path / "cold")


BAD_INPUTS = {
    "broken yaml": ("title: [unclosed\ndate: 2023-01-01\n", 2, "invalid YAML"),
    "missing title": ("date: 2023-01-01\n", 1, "'title' is missing"),
    "impossible date": ("title: T\ndate: 2023-02-30\n", 3, "not a real date"),
    "year in words": (
        "title: T\ndate: 2023-01-01\nfilm: X\nrelease_year: twenty twenty\n",
        5,
        "4-digit year",
    ),
    "yes is not a boolean": ("title: T\ndate: 2023-01-01\ndraft: yes\n", 4, "true or false"),
    "duplicate key": ("title: T\ndate: 2023-01-01\ntitle: U\n", 4, "duplicate key 'title'"),
    "unsafe slug": ("title: T\ndate: 2023-01-01\nslug: ../../etc\n", 4, "not a valid slug"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_with_file_and_line_and_keeps_the_site(tmp_path: Path, case: str) -> None:
    front, line, message = BAD_INPUTS[case]
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    before = tree_hashes(site / "site")
    write_site(site, {"content/posts/bad.md": f"---\n{front}---\nBody.\n"})
    result = newsreel("build", site)
    assert result.returncode == 1
    assert f"content/posts/bad.md:{line}: " in result.stderr and message in result.stderr, (
        result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert tree_hashes(site / "site") == before


def test_unclosed_front_matter(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog", {"content/posts/a.md": "---\ntitle: T\ndate: 2023-01-01\nBody\n"}
    )
    result = newsreel("build", site)
    assert (
        result.returncode == 1
        and "content/posts/a.md:1: the front matter is not closed" in result.stderr
    )


def test_two_posts_with_one_slug_name_both_files(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/2023-01-01-same.md": post("One", "2023-01-01"),
            "content/posts/2023-02-01-other.md": post("Two", "2023-02-01", slug="same"),
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 1
    assert (
        "content/posts/2023-02-01-other.md:4: " in result.stderr
        and "content/posts/2023-01-01-same.md" in result.stderr
    )


def test_names_that_slug_alike_are_an_error_naming_both(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post("A", "2023-01-01", actors="[Zoë Kravitz]"),
            "content/posts/b.md": post("B", "2023-02-01", actors="[Zoe Kravitz]"),
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 1
    assert (
        "content/posts/b.md:4:" in result.stderr
        and "content/posts/a.md" in result.stderr
        and "aka" in result.stderr
    )


def test_yaml_12_reading_of_names(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post("1917", "2023-01-01", film="No", actors="[1:30, 007]"),
        },
    )
    assert newsreel("build", site).returncode == 0
    out = site / "site"
    assert (out / "films/no/index.html").is_file()
    assert (out / "actors/1-30/index.html").is_file() and (out / "actors/007/index.html").is_file()
    assert page(out, "posts/a/index.html").xpath("//h1")[0].text_content().strip() == "1917"


def test_unknown_keys_warn_with_the_closest_key(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": "titel: X\n",
            "content/posts/a.md": post("A", "2023-01-01", actor="[Tom Cruise]"),
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 0
    assert (
        "content/posts/a.md:4: warning: unknown key 'actor'" in result.stderr
        and "'actors'" in result.stderr
    )
    assert (
        "newsreel.yaml:1: warning: unknown setting 'titel'" in result.stderr
        and "'title'" in result.stderr
    )


@pytest.mark.parametrize("target", ["site_dir", "parent", "content", "templates", "git", "foreign"])
def test_dangerous_output_folders_are_refused(tmp_path: Path, target: str) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post("A"),
            "templates/keep.txt": "x",
            "elsewhere/.git/HEAD": "ref",
            "foreign/mine.txt": "precious",
        },
    )
    output = {
        "site_dir": site,
        "parent": tmp_path,
        "content": site / "content",
        "templates": site / "templates",
        "git": site / "elsewhere",
        "foreign": site / "foreign",
    }[target]
    before = tree_hashes(tmp_path)
    result = newsreel("build", site, "--output", output)
    assert (
        result.returncode == 1 and "refusing" in result.stderr and "Traceback" not in result.stderr
    )
    assert tree_hashes(tmp_path) == before


def test_usage_errors_exit_2() -> None:
    assert newsreel("build", "--no-such-option").returncode == 2


def test_markdown_features_and_safety(tmp_path: Path) -> None:
    body = (
        '## A heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ "quoted"[^1]\n\n[^1]: A note.\n\n'
        '[bad](javascript:alert(1)) <b onclick="x">raw</b> [in](/films/no/)\n'
    )
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": f"base_url: {BASE}\n",
            "content/posts/a.md": post("A", body=body, film="No"),
        },
    )
    assert newsreel("build", site).returncode == 0
    raw = (site / "site/posts/a/index.html").read_text()
    doc = lxml_html.fromstring(raw)
    assert doc.xpath("//h2[@id='a-heading']") and doc.xpath("//table") and doc.xpath("//s")
    assert "\u201cquoted\u201d" in raw and doc.xpath("//section[contains(@class,'footnotes')]")
    assert "javascript:" not in "".join(doc.xpath("//@href")) and not doc.xpath("//*[@onclick]")
    assert "/movie-news/films/no/" in doc.xpath("//a/@href")


def test_example_blog_builds_cleanly(tmp_path: Path) -> None:
    site = tmp_path / "example"
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, site / name)
    shutil.copy(REPO / "newsreel.yaml", site / "newsreel.yaml")
    result = newsreel("build", site, "--base-url", BASE)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert broken_links(site / "site", "/movie-news/") == []
    assert (site / "site/films/mission-impossible-dead-reckoning-part-one/index.html").is_file()
    assert (site / "site/actors/penelope-cruz/index.html").is_file()


def test_an_edit_that_puts_the_time_back_is_still_seen(tmp_path: Path) -> None:
    """A same-size edit whose mtime is set back (a restore, a careful tool) changes the
    file's ctime, which nothing can set: it is read again, a post as a static file."""
    site = write_site(tmp_path / "blog", {**FILMS, "static/note.txt": "Hello"})
    assert newsreel("build", site).returncode == 0
    for rel, old, new in (
        ("content/posts/2020-09-07-jump.md", "The *jump*.", "The *leap*."),
        ("static/note.txt", "Hello", "Howdy"),
    ):
        path = site / rel
        info = path.stat()
        time.sleep(0.02)  # (a ctime apart from the last build's)
        path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert path.stat().st_size == info.st_size
        assert newsreel("build", site).returncode == 0
    assert "<em>leap</em>" in (site / "site/posts/jump/index.html").read_text("utf-8")
    assert (site / "site/note.txt").read_text("utf-8") == "Howdy"


def test_a_linked_folder_of_static_files_is_copied_inside_the_site_only(tmp_path: Path) -> None:
    """As a linked file: copied when it stays inside the site folder (and its edits seen),
    an error naming it when it leads outside (it was skipped without a word)."""
    site = write_site(tmp_path / "blog", {**FILMS, "shared/css/extra.css": "a { color: red }"})
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "extra").symlink_to("../shared/css")
    assert newsreel("build", site).returncode == 0
    assert [p.name for p in (site / "site/extra").iterdir()][0].startswith("extra.")
    (site / "static" / "system").symlink_to("/etc")
    result = newsreel("build", site)
    assert result.returncode == 1
    assert "static/system: symbolic link leads outside the site folder" in result.stderr


def test_a_post_saved_while_the_build_reads_it_is_read_again_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build read v1, then the writer saved v2 (same size): the cache keeps v1 under the
    stamp taken before the read, so the next build sees the file changed and reads v2."""
    import newsreel.build

    site = write_site(
        tmp_path / "blog", {**FILMS, "content/posts/2020-09-07-jump.md": post("J", body="Body v1.")}
    )
    path = site / "content/posts/2020-09-07-jump.md"
    reading = newsreel.build.read_source

    def read_then_save(source: Path) -> bytes:
        raw = reading(source)
        if source == path and b"v1" in raw:
            time.sleep(0.02)  # (another ctime)
            path.write_bytes(raw.replace(b"v1", b"v2"))
        return raw

    monkeypatch.setattr(newsreel.build, "read_source", read_then_save)
    build_site(site)
    monkeypatch.undo()
    assert "v1" in (site / "site/posts/jump/index.html").read_text("utf-8")
    write_site(site, {"content/posts/new.md": post("New", "2024-01-01")})  # (a full build)
    build_site(site)
    assert "v2" in (site / "site/posts/jump/index.html").read_text("utf-8")


def test_templates_in_a_linked_folder_are_followed_by_their_edits(tmp_path: Path) -> None:
    """The template loader reads through a linked folder of templates/, and so does the
    check of what changed: an edit there rebuilds the pages, as a cold build shows it."""
    site = write_site(tmp_path / "blog", FILMS)
    shared = write_site(
        site / "shared",
        {"partials/site-footer.html": (REPO / "templates/partials/site-footer.html").read_text()},
    )
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "partials").symlink_to(shared / "partials")
    assert newsreel("build", site).returncode == 0
    footer = shared / "partials" / "site-footer.html"
    footer.write_text(footer.read_text().replace("</footer>", "<p>NEW FOOTER</p></footer>"))
    assert newsreel("build", site).returncode == 0
    assert "NEW FOOTER" in (site / "site/index.html").read_text("utf-8")
    (site / "templates" / "post.html").symlink_to("/etc/hostname")  # (out of the site folder)
    result = newsreel("build", site)
    assert result.returncode == 1
    assert "templates/post.html: symbolic link leads outside the site folder" in result.stderr


def test_verbose_build_lists_every_file_it_writes_and_removes(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", FILMS)
    first = newsreel("-v", "build", site)
    assert first.returncode == 0, first.stderr
    wrote = [line for line in first.stdout.splitlines() if line.startswith("wrote /")]
    assert "wrote /posts/jump/" in wrote and "wrote /feed.xml" in wrote
    assert len(wrote) == len(list((site / "site").rglob("*.*")))  # (every file, once)
    (site / "content/posts/2020-09-07-jump.md").unlink()
    second = newsreel("-v", "build", site).stdout.splitlines()
    assert "removed /posts/jump/" in second and "wrote /feed.xml" in second
    assert not [line for line in newsreel("build", site).stdout.splitlines() if "wrote" in line]


def test_markdown_files_the_build_does_not_read_are_warned_of(tmp_path: Path) -> None:
    """Each build warns of every Markdown file where no source is read, from its own listing:
    one moved away is no longer warned of, even by a build that finds nothing else changed."""
    text = post("Stray", "2024-01-01")
    strays = {
        "content/a.md": "move it into content/posts/",
        "content/post/b.md": "posts go in content/posts/",
        "content/tags/c.md": "posts go in content/posts/",  # (tags have no pages)
        "content/posts/d.markdown": "rename it to d.md",
        "content/posts/2024/e.MD": "rename it to e.md",
    }
    site = write_site(tmp_path / "blog", {**FILMS, **dict.fromkeys(strays, text)})
    for _ in range(2):  # (the second build finds nothing changed)
        result = newsreel("build", site)
        assert result.returncode == 0, result.stderr
        for rel, hint in strays.items():
            (line,) = [line for line in result.stderr.splitlines() if line.startswith(rel + ":")]
            assert f"{rel}: warning: not read: " in line and hint in line
    for rel in strays:
        (site / rel).unlink()
    result = newsreel("build", site)
    assert "not read" not in result.stderr and "0 changed" in result.stdout
    assert newsreel("check", site).stderr.count("not read") == 0


@pytest.mark.parametrize(
    ("static", "page"),
    [
        ("static/posts/jump", "content/posts/2020-09-07-jump.md writes /posts/jump/index.html"),
        ("static/films/amelie", "the film 'Amélie' writes /films/amelie/index.html"),
        ("static/posts", "content/posts/"),
    ],
)
def test_a_static_file_where_a_page_needs_a_folder_is_an_error(
    tmp_path: Path, static: str, page: str
) -> None:
    """Named with the page that needs the folder, before anything is written."""
    site = write_site(tmp_path / "blog", {**FILMS, static: "x"})
    result = newsreel("build", site)
    assert result.returncode == 1 and not (site / "site").exists()
    (line,) = [line for line in result.stderr.splitlines() if "a file and a folder" in line]
    assert line.startswith(f"{static}: /{static.removeprefix('static/')} would be a file")
    assert page in line and "give one of them another slug or name" in line


@pytest.mark.parametrize("preview", [False, True], ids=["swap", "in-place"])
def test_a_file_and_a_folder_may_trade_places(tmp_path: Path, preview: bool) -> None:
    """A static file that becomes a folder of that name, and back, at any depth: every build
    equals a cold one, in the output folder given and in ``serve``'s preview: its removed
    files are deleted before new ones take their place."""
    site = write_site(tmp_path / "blog", FILMS)
    settings = (
        FILMS["newsreel.yaml"] + "search: false\nsocial_cards: false\n"
    )  # (drawn on demand in a preview)
    (site / "newsreel.yaml").write_text(settings, "utf-8")
    out = tmp_path / "out"
    forms = [
        {"static/foo": "a"},
        {"static/foo/a/b/c.txt": "b"},
        {"static/foo": "c"},
        {"static/foo/e.txt": "d"},
        {"static/foo/a/b/c.txt": "e"},
        {"static/foo": "f"},
    ]
    for number, files in enumerate(forms * 2):
        if (site / "static/foo").is_dir():
            shutil.rmtree(site / "static/foo")
        else:
            (site / "static/foo").unlink(missing_ok=True)
        write_site(site, files)
        build_site(site, BuildOptions(output=out, preview=preview))
        cold = tmp_path / f"cold-{number}"
        build_site(site, BuildOptions(output=cold, preview=preview, use_cache=False))
        assert tree_hashes(out) == tree_hashes(cold), number
        shutil.rmtree(cold)


def _inodes(folder: Path) -> dict[str, int]:
    """Each file's inode, by its name in ``folder``."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()
    }


def _equals_a_cold_build(site: Path, tmp_path: Path) -> bool:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(site, cold, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
    assert newsreel("build", cold, "--no-cache").returncode == 0
    return tree_hashes(site / "site") == tree_hashes(cold / "site")


def test_an_edit_is_committed_in_place(tmp_path: Path) -> None:
    """A few pages changed are renamed into the output (after a journal): the output folder
    and every page that did not change stay as they were, inode and all."""
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    before = _inodes(site / "site")
    output = (site / "site").stat().st_ino
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nAn edit.\n")
    result = newsreel("-v", "build", site)
    assert result.returncode == 0, result.stderr
    said = [line.split("wrote /", 1)[1] for line in result.stdout.splitlines() if "wrote /" in line]
    written = {rel + "index.html" if rel.endswith("/") or not rel else rel for rel in said}
    assert "posts/jump/index.html" in written
    after = _inodes(site / "site")
    assert (site / "site").stat().st_ino == output
    assert {rel for rel in after if after[rel] != before.get(rel)} == written
    assert "An edit." in (site / "site/posts/jump/index.html").read_text("utf-8")
    assert not list((site / ".newsreel-cache").glob("spare-*"))
    assert _equals_a_cold_build(site, tmp_path)


def test_a_change_to_most_pages_is_swapped_in_whole(tmp_path: Path) -> None:
    """A template edit changes every page: the new generation is made beside the output and
    its top-level entries exchanged with the output's; the output folder keeps its inode, the
    generation replaced is deleted, and nothing is left beside the output."""
    many = {  # (more pages than a commit renames in place: ``writer.SMALL_COMMIT``)
        f"content/posts/2021-01-01-p{n}.md": post(
            f"P{n}", "2021-01-01", film=f"Film {n}", tags=f"[t{n}]"
        )
        for n in range(180)
    }
    site = write_site(tmp_path / "blog", {**FILMS, **many})
    assert newsreel("build", site).returncode == 0
    output = (site / "site").stat().st_ino
    posts = (site / "site/posts").stat().st_ino
    write_site(
        site, {"templates/base.html": (REPO / "templates/base.html").read_text() + "<!-- x -->"}
    )
    assert newsreel("build", site).returncode == 0
    assert (site / "site").stat().st_ino == output
    assert (site / "site/posts").stat().st_ino != posts  # (the new generation's, swapped in)
    assert sorted(p.name for p in site.iterdir() if "newsreel-tmp" in p.name) == []
    assert _equals_a_cold_build(site, tmp_path)


def test_a_spare_generation_left_in_the_cache_is_deleted(tmp_path: Path) -> None:
    """Builds before 2026-12-07 kept the generation replaced in the cache (``spare-*``)."""
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    spare = site / ".newsreel-cache/spare-0123456789ab"
    shutil.copytree(site / "site", spare)
    (spare.parent / (spare.name + ".behind")).write_text("{}")
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nAn edit.\n")
    assert newsreel("build", site).returncode == 0
    assert not list((site / ".newsreel-cache").glob("spare-*"))


def test_another_base_url_in_the_same_folder_changes_every_link(tmp_path: Path) -> None:
    """Compiled templates are cached between builds; links must follow each build's base URL."""
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site, "--base-url", "https://example.org/").returncode == 0
    assert newsreel("build", site, "--base-url", "https://example.org/other-path/").returncode == 0
    assert broken_links(site / "site", "/other-path/") == []
    home = page(site / "site", "index.html")
    assert all(
        href.startswith(("/other-path/", "#", "https://"))
        for href in home.xpath("//a/@href | //link/@href")
    )


def test_keys_are_recorded_even_when_no_byte_changed(tmp_path: Path) -> None:
    """A template edit that changes no page still updates the page keys, so later builds skip work."""
    site = write_site(tmp_path / "blog", FILMS)
    assert newsreel("build", site).returncode == 0
    theme_post = (REPO / "templates/post.html").read_text()
    write_site(site, {"templates/post.html": theme_post + "{# a comment changes no page #}\n"})
    first = newsreel("build", site)
    assert (
        first.returncode == 0
        and ", 0 changed)" in first.stdout
        and " 0 pages rendered" not in first.stdout
    )
    (site / "content/posts/amelie.md").touch()
    again = newsreel("build", site)
    assert again.returncode == 0 and "(0 pages rendered, 0 changed)" in again.stdout, again.stdout


# --- what a build says -------------------------------------------------------------------------


def test_summary_says_what_was_left_out(tmp_path: Path) -> None:
    files = {
        "content/posts/a.md": post("A"),
        "content/posts/b.md": post("B", draft="true"),
        "content/posts/c.md": post("C", draft="true"),
        "content/posts/d.md": post("D", "2999-01-01"),
        "content/posts/e.md": post("E", "2999-01-01", draft="true"),
        "content/posts/f.md": post("F", rating="5"),
    }
    site = write_site(tmp_path / "blog", files)
    expected = {
        (): "; 3 drafts and 1 future post not built (--drafts, --future)",
        ("--drafts",): "; 2 future posts not built (--future)",
        ("--future",): "; 3 drafts not built (--drafts)",
        ("--drafts", "--future"): "",
    }
    # Without the cache, then twice with it (the second time the cache answers): each says
    # the same, warnings too.
    for cache in (("--no-cache",), (), ()):
        for flags, tail in expected.items():
            result = newsreel("build", site, *flags, *cache)
            assert result.returncode == 0, result.stderr
            assert "f.md" in result.stderr and "rating" in result.stderr, (cache, result.stderr)
            line = result.stdout.strip()
            assert line.startswith("built ") and line.endswith(f"→ {site / 'site'}{tail}"), (
                flags,
                line,
            )


def test_an_unusable_base_url_is_an_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", {"content/posts/a.md": post("A")})
    for bad in (
        "not-a-url",
        "/movie-news/",
        "ftp://example.org/",
        "https://example.org/?x=1",
        "https:///x/",
    ):
        result = newsreel("build", site, "--base-url", bad)
        assert (
            result.returncode == 2
            and "--base-url" in result.stderr
            and "Traceback" not in result.stderr
        ), (
            bad,
            result.stderr,
        )
    assert not (site / "site").exists()
    for bad in ("not-a-url", "javascript:alert(1)//", "//example.org/"):
        write_site(site, {"newsreel.yaml": f'base_url: "{bad}"\n'})
        result = newsreel("build", site)
        assert result.returncode == 1 and result.stderr.startswith("newsreel.yaml:1: base_url"), (
            bad,
            result.stderr,
        )
    for good in ("/", "/movie-news/", "https://example.org/movie-news"):
        write_site(site, {"newsreel.yaml": f'base_url: "{good}"\n'})
        result = newsreel("build", site)
        relative = not good.startswith("https:")  # (a path: fine while writing, but said)
        assert result.returncode == 0, (good, result.stderr)
        assert result.stderr == (
            f"newsreel.yaml: warning: built with base_url '{good}', which is not absolute: "
            "feeds, the sitemap and social cards will hold addresses without a host (before "
            "publishing, build with --base-url https://your.domain/ or set base_url in "
            "newsreel.yaml)\n"
            if relative
            else ""
        ), (good, result.stderr)


@pytest.mark.parametrize(
    ("key", "written", "names"),
    [
        ("actors", "Zendaya, Timothée Chalamet", ["Zendaya", "Timothée Chalamet"]),
        ("tags", '"sci-fi, sequels: news,"', ["sci-fi", "sequels: news"]),
        ("films", '"Dune, Dune: Part Two"', ["Dune", "Dune: Part Two"]),
        ("films", 'Past Lives, "Oppenheimer" , Barbie', ["Past Lives", '"Oppenheimer"', "Barbie"]),
    ],
)
def test_a_list_written_as_one_text_is_an_error_showing_the_list(
    tmp_path: Path, key: str, written: str, names: list[str] | None
) -> None:
    import yaml

    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post(
                "A", **{"film" if key != "films" else "summary": "x", key: written}
            )
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 1 and not (site / "site").exists()
    line = next(
        line for line in result.stderr.splitlines() if line.startswith("content/posts/a.md:")
    )
    assert line.startswith("content/posts/a.md:5: ") and f"'{key}' is written as one text" in line
    shown = line.split("write a list: ", 1)[1].split("; ", 1)[0]
    listed = yaml.safe_load(shown)[key]
    assert isinstance(listed, list) and len(listed) >= 2
    if names is not None:
        assert listed == names
    # written as the hint says, the post builds
    write_site(site, {"content/posts/a.md": post("A", **{key: shown.split(": ", 1)[1]})})
    assert newsreel("build", site).returncode == 0


def test_names_without_commas_and_quoted_names_with_commas_are_fine(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "content/posts/a.md": post(
                "A",
                film='"Crouching Tiger, Hidden Dragon"',
                actors="Zendaya",
                tags='["Love, Simon", news]',
            )
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    assert (site / "site/films/crouching-tiger-hidden-dragon/index.html").is_file()
    assert (site / "site/tags/love-simon/index.html").is_file()


def test_left_out_wording_for_build_and_serve() -> None:
    from newsreel.build import left_out_text

    assert left_out_text(0, 0) == "" and left_out_text(0, 0, preview=True) == ""
    assert left_out_text(1, 0) == "1 draft not built (--drafts)"
    assert left_out_text(0, 3) == "3 future posts not built (--future)"
    assert (
        left_out_text(2, 1, preview=True)
        == "2 drafts and 1 future post hidden (--no-drafts, --no-future)"
    )


def test_output_is_no_larger_than_needed(tmp_path: Path) -> None:
    """Every feed holds at most ``feed_size`` entries, no page carries a style sheet of its
    own (fingerprinted files serve them all: the shared one and its kind's), and the manifest
    is not in it (it is kept beside the output, not published)."""
    files = {
        "newsreel.yaml": "title: T\nbase_url: https://example.org/\nfeed_size: 3\n"
        "search: false\nsocial_cards: false\n",
    }
    for i in range(7):
        files[f"content/posts/p{i}.md"] = post(
            f"Post {i}", date=f"2023-02-0{i + 1}", film="Dune", actors="[Ann Lee]", tags="[news]"
        )
    site = write_site(tmp_path / "blog", files)
    done = newsreel("build", site)
    assert done.returncode == 0, done.stderr
    out = site / "site"
    feeds = sorted(out.rglob("feed.xml"))
    assert len(feeds) == 3  # the site's, the film's and the actor's
    for feed in feeds:
        assert len(feedparser.parse(feed.read_bytes()).entries) == 3
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<style" not in text and text.count('rel="stylesheet"') <= 2, page
    assert [p.name for p in out.rglob(".*")] == []
    assert (site / ".site.newsreel-manifest").is_file()


def test_a_fresh_checkout_with_the_cache_restored_is_patched(tmp_path: Path) -> None:
    """A cache that travels: the sources copied anew (new inodes and mtimes) and the cache,
    site/ and its manifest restored as actions/cache restores them (tar --posix): a one-post
    edit is patched, not built in full, and gives what a cold build gives."""
    import subprocess

    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nWarm edit.\n")
    build_site(site)
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("content", "newsreel.yaml"):
        subprocess.run(["cp", "-r", str(site / name), str(clone / name)], check=True)
    archive = tmp_path / "cache.tar"
    subprocess.run(
        ["tar", "--posix", "-cf", archive, "-C", site, ".newsreel-cache", "site"]
        + [".site.newsreel-manifest"],
        check=True,
    )
    subprocess.run(["tar", "-xf", archive, "-C", clone], check=True)
    _edit_body(clone / "content/posts/2020-09-07-jump.md", "\nAn edit in the clone.\n")
    result = build_site(clone)
    assert result.patched and 0 < result.rendered < 20, result
    assert tree_hashes(clone / "site") == _cold_copy(clone, tmp_path / "cold")


def test_a_terms_later_pages_do_not_depend_on_its_newest_post(tmp_path: Path) -> None:
    """A film's later pages do not read its newest post (a trailer's JSON-LD takes that
    post's date from the term's ``latest`` headline), nor does the index of films: an edit
    of that post's text renders page 1 (which lists it), not every later page nor the index.
    (Page 1 holds the post in its context; the manifest notes what a page read besides.)"""
    files: dict[str, str] = {
        "newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\nper_page: 2\n",
        "content/films/quiet.md": "---\ntitle: Quiet Film\n---\nNo trailer.\n",
        "content/films/loud.md": (
            "---\ntitle: Loud Film\ntrailer: https://vimeo.com/76979871\n---\nA trailer.\n"
        ),
    }
    for day in range(1, 8):
        files[f"content/posts/2023-01-0{day}-news-{day}.md"] = post(
            f'"News {day}"', f"2023-01-0{day}", f"Story {day}.", films="[Quiet Film, Loud Film]"
        )
    site = write_site(tmp_path / "blog", files)
    assert build_site(site).rendered > 0
    newest = "content/posts/2023-01-07-news-7.md"

    def readers(film: str) -> dict[str, bool]:
        manifest = Manifest.read(site / "site")
        assert manifest is not None
        return {
            rel: newest in manifest.files[rel][2]
            for rel in sorted(manifest.files)
            if rel.startswith(f"films/{film}/page/") and rel.endswith(".html")
        }

    assert readers("quiet-film") == {
        "films/quiet-film/page/2/index.html": False,
        "films/quiet-film/page/3/index.html": False,
        "films/quiet-film/page/4/index.html": False,
    }
    loud = readers("loud-film")  # (a trailer's upload date, its newest post's, is in `latest`)
    assert loud == dict.fromkeys(loud, False) and len(loud) == 3
    _edit_body(site / newest, "\nA new sentence.\n")
    manifest = Manifest.read(site / "site")
    assert manifest is not None and newest not in manifest.files["films/index.html"][2]
    result = build_site(site)
    # the post and the one it links as newer, each film's page 1 and feed, the site's feed,
    # the home page and the 404 page (the newest five): nine, of the site's 27
    assert result.patched and result.rendered == 9, result
    index = (site / "site/films/index.html").read_text("utf-8")
    assert 'Latest:</span> <a href="/movie-news/posts/news-7/">News 7</a>' in index


def test_parallel_work_goes_to_whichever_process_is_ready() -> None:
    """``_run_parallel`` hands out chunks as the processes ask: every item is done once, and
    a process that is slower (here the child, four times) takes fewer items."""
    import time

    from newsreel.build import _run_parallel

    def work(items: Iterable[int], index: int) -> list[tuple[int, int]]:
        done = []
        for item in items:
            time.sleep(0.004 if index == 1 else 0.001)
            done.append((item, index))
        return done

    parts = _run_parallel(work, 2, 1000)
    taken = [item for part in parts for item, _ in part]
    assert sorted(taken) == list(range(1000))
    by_child = sum(1 for part in parts for _, index in part if index == 1)
    assert 0 < by_child < 400, by_child


def test_each_process_starts_on_its_own_stretch_of_the_work() -> None:
    """``_run_parallel`` gives each process a stretch of consecutive items to start on (the
    pages that share fragments stay in one process); a process done with its own stretch
    takes items from the back of another's, and every item is done once."""
    import time

    from newsreel.build import _run_parallel

    def work(items: Iterable[int], index: int) -> list[tuple[int, int]]:
        done = []
        for item in items:
            time.sleep(0.002)
            done.append((item, index))
        return done

    parts = _run_parallel(work, 2, 600)
    assert sorted(item for part in parts for item, _ in part) == list(range(600))
    first = [item for item, index in parts[0]]
    second = [item for item, index in parts[1]]
    assert first[:100] == list(range(100)), first[:100]  # its own stretch, front to back
    assert second[:100] == list(range(300, 400)), second[:100]
    # (each takes from the other's back only when its own stretch is done: a little, unless a
    # process starts late)
    assert sum(item < 300 for item in first) >= 0.6 * len(first), first
    assert sum(item >= 300 for item in second) >= 0.6 * len(second), second


def test_post_pages_are_shared_out_first_and_the_home_pages_last() -> None:
    """``_schedule``: post pages (which share no fragment) first, the lists that do in their
    order, the home pages (rows of every post) last; the indexes name each page once."""
    from types import SimpleNamespace

    from newsreel.build import _page_rank, _schedule
    from newsreel.pages import Home, PostPage, SiteFeed, TermFeed, TermPage

    units = [
        Home(1),
        Home(2),
        PostPage("/posts/a/"),
        PostPage("/posts/b/"),
        TermPage("films", "x"),
        TermPage("actors", "y"),
        SiteFeed(),
        TermFeed("films", "x"),
    ]
    ranks = [_page_rank(SimpleNamespace(unit=unit)) for unit in units]  # type: ignore[arg-type]
    order = _schedule(ranks)
    assert [units[i] for i in order] == [units[i] for i in (2, 3, 4, 5, 6, 7, 0, 1)]


def _renderer(site: Path, settings: Settings, compiled: Path | None = None) -> Renderer:
    """A ``Renderer`` of ``site`` as a build makes one (``compiled``: its templates' folder)."""
    from newsreel.urls import Urls

    return Renderer(
        site,
        settings,
        Urls.from_settings(settings),
        preview=False,
        assets={},
        today=date(2023, 1, 1),
        compiled=compiled,
    )


def test_templates_compiled_beside_the_reading_are_loaded_not_compiled(tmp_path: Path) -> None:
    """``compile_templates`` (what a child does while the sources are read) leaves every
    template of the site and theme compiled in the build cache: a renderer made afterwards
    loads them without compiling one. A template that does not compile is skipped there."""
    from newsreel.build import resolve_settings
    from newsreel.render import compile_templates

    site = write_site(
        tmp_path / "blog",
        {
            **FILMS,
            "templates/partials/extra.html": "<p>{{ post.title }}</p>\n",
            "templates/broken.html": "{% if %}\n",
        },
    )
    settings, _ = resolve_settings(site, BuildOptions())
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    compile_templates(site, settings, preview=False, into=compiled)

    renderer = _renderer(site, settings, compiled)
    env = renderer.env

    def no_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"compiled again: {args[1] if len(args) > 1 else kwargs}")

    env.compile = no_compile  # type: ignore[method-assign,assignment]
    renderer.fragments._collect = no_compile  # type: ignore[method-assign,assignment]
    names = [n for n in env.list_templates() if n.endswith((".html", ".xml", ".txt"))]
    assert "partials/extra.html" in names and "post.html" in names
    for name in names:
        if name == "broken.html":
            with pytest.raises(AssertionError):  # not in the cache: it would be compiled
                env.get_template(name)
            continue
        env.get_template(name)
    assert renderer.fragments.reads("partials/extra.html") is not None  # (recalled)


@pytest.mark.parametrize("count", [3, PARALLEL_THRESHOLD + 10])
def test_a_build_without_the_cache_believes_no_compiled_template_in_it(
    tmp_path: Path, count: int
) -> None:
    """``--no-cache`` gives what a build into an empty folder gives, even with the cache's
    compiled templates forged: a bucket for ``post.html`` carrying its source's checksum and
    other code, and an analysis saying the post cards and rows read nothing (so one would
    stand for every post). Small and two-process builds (where a child compiles the templates)."""
    from newsreel.build import resolve_settings
    from newsreel.codecache import SignedBytecodeCache
    from newsreel.fragments import STORE
    from newsreel.render import templates_cache

    files = {"newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\n"}
    for n in range(count):
        files[f"content/posts/p{n}.md"] = post(
            f"Post {n}", f"2021-01-{n % 28 + 1:02}", f"Text {n}."
        )
    clean = write_site(tmp_path / "clean", files)
    site = write_site(tmp_path / "blog", files)
    assert newsreel("build", site).returncode == 0  # fills the cache, as a real one would be
    settings, _ = resolve_settings(site, BuildOptions())
    folder = templates_cache(site)
    assert folder is not None and (folder / STORE).is_file()
    env = _renderer(site, settings).env
    assert env.loader is not None
    source, filename, _ = env.loader.get_source(env, "post.html")
    cache = SignedBytecodeCache.for_folder(folder)  # (forged here: sealed with this key)
    assert cache is not None
    bucket = cache.get_bucket(env, "post.html", filename, source)
    assert bucket.code is not None  # the real one: the forgery takes its place and checksum
    bucket.code = env.compile("FORGED", "post.html", filename)
    cache.set_bucket(bucket)
    analysis = json.loads(cache.read(STORE) or b"")
    for name in ("partials/post_card.html", "partials/post_row.html"):
        analysis[name]["reads"] = [[], []]
    cache.write(STORE, json.dumps(analysis).encode())
    believed = tmp_path / "believed"  # (a build with the cache believes them: they bite)
    assert newsreel("build", site, "--output", believed).returncode == 0
    assert (believed / "posts/p0/index.html").read_text("utf-8") == "FORGED"
    assert newsreel("build", clean).returncode == 0
    home = (clean / "site/index.html").read_text("utf-8")
    assert (believed / "index.html").read_text("utf-8") != home

    forged = newsreel("build", site, "--no-cache")
    assert forged.returncode == 0, forged.stderr
    assert tree_hashes(site / "site") == tree_hashes(clean / "site")
    assert "FORGED" not in (site / "site/posts/p0/index.html").read_text("utf-8")


def test_a_broken_template_is_reported_by_a_build_that_reads_in_two_processes(
    tmp_path: Path,
) -> None:
    """The child that compiles the templates while the sources are read passes over one that
    does not compile; the rendering says where it is wrong, as in a smaller site."""
    files = {"newsreel.yaml": f"title: Test reel\nbase_url: {BASE}\n"}
    for n in range(PARALLEL_THRESHOLD + 10):
        files[f"content/posts/p{n}.md"] = post(f"Post {n}", "2021-01-01", f"Text {n}.")
    files["templates/post.html"] = (
        '{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n'
    )
    site = write_site(tmp_path / "blog", files)
    result = newsreel("build", site)
    assert result.returncode == 1, result.stdout
    assert "templates/post.html:3:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_process_that_starts_on_the_lists_holds_most_fragments() -> None:
    """Fragments recur across the pages that list posts, not across post pages: each process
    holds a share of the processes' fragment memory in proportion to the lists its stretch
    starts with, and no less than an eighth of one process's."""
    from newsreel.build import HOME, LIST, POST_PAGE, _list_shares
    from newsreel.fragments import LIMIT, FragmentMemo

    scheduled = [POST_PAGE] * 6 + [LIST] * 9 + [HOME]
    shares = _list_shares(scheduled, 2)
    assert shares == [0.2, 0.8]  # the first stretch: six post pages, two lists of ten
    assert _list_shares(scheduled, 4) == [0.0, 0.2, 0.4, 0.4]

    memo = FragmentMemo(jinja2.Environment())
    memo.size_for(40_000)
    assert memo.limit == 4 * LIMIT
    memo.take_share(0.8, 2)
    assert abs(memo.limit - 1.6 * 4 * LIMIT) <= 1
    memo.take_share(0.0, 2)
    assert memo.limit == 4 * LIMIT // 8
    memo.take_share(0.5, 2)  # (from what one process holds, not from the last share)
    assert memo.limit == 4 * LIMIT


def test_a_new_cache_is_written_whole_and_renamed_into_place(tmp_path: Path) -> None:
    """A build without a cache writes a new one to another file, in pages of 64 KiB, then
    renames it: no log is left beside it, a leftover of a crashed build (and another file's
    log) is cleared, and the next build reads it."""
    from newsreel.incremental.store import STORE_FILE

    site = write_site(tmp_path / "blog", FILMS)
    cache = site / ".newsreel-cache"
    cache.mkdir()
    # A real log of another database (still open, so not folded into its file): read into
    # the new store, it would damage it.
    import sqlite3

    other = sqlite3.connect(tmp_path / "other.sqlite", isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("PRAGMA wal_autocheckpoint=0")
    other.execute("CREATE TABLE entries (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
    other.executemany(
        "INSERT INTO entries VALUES (?, ?)", [(str(i), b"x" * 900) for i in range(200)]
    )
    shutil.copy(tmp_path / "other.sqlite-wal", cache / f"{STORE_FILE}-wal")
    other.close()
    (cache / STORE_FILE.replace(".sqlite", ".new.sqlite")).write_bytes(b"half written")
    assert not build_site(site).patched
    assert sorted(p.name for p in cache.glob("cache*")) == [STORE_FILE]
    written = sqlite3.connect(cache / STORE_FILE)
    assert written.execute("PRAGMA page_size").fetchone() == (65536,)  # an entry to a page
    written.close()
    _edit_body(site / "content/posts/2020-09-07-jump.md", "\nAn edit.\n")
    result = build_site(site)
    assert result.patched and "An edit." in (site / "site/posts/jump/index.html").read_text("utf-8")


def test_another_name_at_the_address_of_another_term_is_an_error(tmp_path: Path) -> None:
    """A film page's ``aka: [Zoë]`` beside a film titled Zoe: both at /films/zoe/. The aka's
    redirect was dropped without a word; now the build names both."""
    site = write_site(
        tmp_path / "blog",
        {
            "content/films/a.md": "---\ntitle: Amélie Film\naka: [Zoë]\n---\n",
            "content/films/b.md": "---\ntitle: Zoe\n---\n",
            "content/posts/p.md": post("P", film="Zoë"),
        },
    )
    result = newsreel("build", site)
    assert result.returncode == 1
    assert (
        "content/films/a.md: 'Zoë', another name of 'Amélie Film', would have the address "
        "/films/zoe/ of 'Zoe'"
    ) in result.stderr


def test_without_a_boot_id_templates_are_compiled_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the system gives no boot id (no key for ``codecache``), no compiled template is
    kept: builds compile in memory, and an edit still gives a cold build's bytes."""
    import newsreel.codecache

    monkeypatch.setattr(newsreel.codecache, "BOOT_ID", tmp_path / "no-such-file")
    site = write_site(tmp_path / "blog", FILMS)
    build_site(site)
    _edit_body(site / "content/posts/2022-01-21-slip.md", "\nA sentence.\n")
    assert build_site(site).patched
    assert not list((site / ".newsreel-cache").glob("templates-*/*.code"))
    assert _output(site) == _cold_copy(site, tmp_path / "cold")
