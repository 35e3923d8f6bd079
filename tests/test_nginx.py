"""The example blog served by a real nginx, under a sub-path and at the root: nothing broken.

The repository's blog is built with ``--base-url http://127.0.0.1:PORT/movie-news/`` (and
``.../``), served by nginx at that path on that port, and crawled from the home page, the
sitemap and the feed: every page, stylesheet, image and ``#fragment`` must answer. A missing
path must get status 404 with the site's own 404 page, whose links work from there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nginx import Server, crawl, fetch, free_port, need_nginx, serve
from sitekit import copy_example_blog, newsreel, write_site

pytestmark = pytest.mark.nginx


def build(site_dir: Path, base_url: str) -> Path:
    result = newsreel("build", site_dir, "--base-url", base_url, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return site_dir / "site"


@dataclass(frozen=True)
class Served:
    server: Server
    output: Path


@pytest.fixture(scope="module", params=["/movie-news/", "/"], ids=["sub-path", "root"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    need_nginx()
    base_path = request.param
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    output = build(copy_example_blog(work / "blog"), f"http://127.0.0.1:{port}{base_path}")
    with serve(output, base_path, work / "nginx", port=port) as server:
        yield Served(server, output)


def starts(served: Served) -> list[str]:
    """The home page, and every page the sitemap and the site's feed list."""
    urls = [served.server.base_url]
    for name in ("sitemap.xml", "feed.xml"):
        response = fetch(served.server.base_url + name)
        assert response.status == 200, f"{name}: status {response.status}"
        root = ET.fromstring(response.body)
        for element in root.iter():
            local = element.tag.rsplit("}", 1)[-1]
            if local == "loc" and element.text:
                urls.append(element.text.strip())
            elif local == "link" and element.get("href"):
                urls.append(element.get("href", ""))
    return urls


def test_every_page_asset_and_anchor_answers(served: Served) -> None:
    base_url = served.server.base_url
    result = crawl(starts(served), served.server.origin)
    assert not result.broken, "\n".join(result.broken)
    fetched = {url: r for url, r in result.fetched.items() if r.status == 200}
    pages = [url for url, r in fetched.items() if r.content_type == "text/html"]
    built_pages = [p for p in served.output.rglob("*.html") if p.name != "404.html"]
    # the crawl must really have walked the site, not stopped at the door
    assert base_url in fetched
    assert len(pages) >= len(built_pages) * 0.9, (len(pages), len(built_pages))
    assert any(r.content_type == "text/css" for r in fetched.values()), "no stylesheet was loaded"
    assert all(url.startswith(base_url) for url in fetched), "a link escaped the base path"


def test_only_the_base_path_is_served(served: Served) -> None:
    """Sanity of the set-up: on a sub-path, a root-relative link that forgets it is a 404."""
    assert fetch(served.server.base_url).status == 200
    if served.server.base_path != "/":
        assert fetch(served.server.origin + "/").status == 404
        assert fetch(served.server.origin + "/films/").status == 404


@pytest.mark.parametrize(
    "missing", ["no-such-page/", "posts/no-such-post/", "deep/a/b/c/missing.html"]
)
def test_missing_path_gets_the_404_page_and_its_links_work(served: Served, missing: str) -> None:
    url = served.server.base_url + missing
    response = fetch(url)
    assert response.status == 404
    assert response.body == (served.output / "404.html").read_bytes()
    result = crawl([], served.server.origin, extra_pages={url: response})
    assert not result.broken, "\n".join(result.broken)
    styles = [
        u for u, r in result.fetched.items() if r.content_type == "text/css" and r.status == 200
    ]
    assert styles, "the 404 page loaded no stylesheet"
    assert served.server.base_url in result.fetched, "the 404 page does not lead back home"


def test_missing_asset_is_a_404(served: Served) -> None:
    assert fetch(served.server.base_url + "css/no-such-file.css").status == 404


# --- the crawler itself can fail --------------------------------------------------------------

HANDMADE = {
    "index.html": '<!doctype html><title>x</title><link rel="stylesheet" href="/sub/css/site.css">'
    '<a href="/sub/films/">films</a> <a href="/sub/films">films, no slash</a>'
    ' <a href="/sub/films/#list">list</a> <a href="https://elsewhere.invalid/x">out</a>',
    "films/index.html": '<!doctype html><title>films</title><ul id="list"></ul><a href="/sub/">home</a>',
    "css/site.css": "body { background: url(../img/bg.svg) }",
    "img/bg.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    "404.html": '<!doctype html><title>missing</title><a href="/sub/">home</a>',
}


def test_crawler_passes_a_sound_site_and_reports_each_kind_of_breakage(tmp_path: Path) -> None:
    need_nginx()
    site = write_site(tmp_path / "site", HANDMADE)
    with serve(site, "/sub/", tmp_path / "nginx") as server:
        sound = crawl([server.base_url], server.origin)
        assert not sound.broken, sound.broken
        assert server.base_url + "img/bg.svg" in sound.fetched  # followed into the stylesheet
        assert sound.anchors_checked == 1
        assert (
            fetch(server.base_url + "films").url == server.base_url + "films/"
        )  # redirect to the slash

        write_site(
            site,
            {
                "index.html": HANDMADE["index.html"] + '<a href="/films/">escaped</a>'
                ' <a href="/sub/films/#nope">bad anchor</a> <img src="/sub/img/none.png" alt="">'
            },
        )
        (site / "img" / "bg.svg").unlink()
        broken = "\n".join(crawl([server.base_url], server.origin).broken)
        assert f"{server.origin}/films/ " in broken
        assert "films/#nope" in broken and "no such anchor" in broken
        assert "img/none.png" in broken
        assert "img/bg.svg" in broken
