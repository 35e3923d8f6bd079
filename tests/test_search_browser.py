"""Search in real Chromium, on the example blog served by nginx under /movie-news/ as on a
GitHub Pages project site: the header box, the search page, filters, thumbnails, accents,
and no request that leaves the site."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from nginx import free_port, need_nginx, serve
from sitekit import copy_example_blog, need_chromium, newsreel

BASE_PATH = "/movie-news/"

pytestmark = [pytest.mark.browser, pytest.mark.nginx]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_nginx()
    need_chromium()
    work = tmp_path_factory.mktemp("search")
    port = free_port()
    blog = copy_example_blog(work / "blog")
    built = newsreel(
        "build", blog, "--base-url", f"http://127.0.0.1:{port}{BASE_PATH}", timeout=300
    )
    assert built.returncode == 0, built.stdout + built.stderr
    output = blog / "site"
    assert (output / "pagefind" / "pagefind-ui.js").is_file()
    with serve(output, BASE_PATH, work / "nginx", port=port) as server:
        yield server.base_url


def open_page(
    browser: object, base: str, path: str, javascript: bool = True
) -> tuple[object, list[str]]:
    context = browser.new_context(java_script_enabled=javascript)  # type: ignore[attr-defined]
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + path, wait_until="load")
    return page, requests


def results(page: object) -> list[tuple[str, str]]:
    """(link, title) of each result shown."""
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)  # type: ignore[attr-defined]
    links = page.locator(".pagefind-ui__result-link")  # type: ignore[attr-defined]
    return [
        (links.nth(i).get_attribute("href"), links.nth(i).inner_text())
        for i in range(links.count())
    ]


def foreign(requests: list[str], base: str) -> list[str]:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    return [url for url in requests if not url.startswith(origin)]


def test_typing_a_film_in_the_header_box_finds_its_posts(browser: object, base: str) -> None:
    page, requests = open_page(browser, base, "")
    box = page.locator("#site-search-words")  # type: ignore[attr-defined]
    assert box.is_visible()
    assert not page.locator(".site-search__link").is_visible()  # type: ignore[attr-defined]
    # the header has no script of its own: only the search page runs Pagefind's
    assert page.locator("script[src]").count() == 0  # type: ignore[attr-defined]
    box.fill("Dead Reckoning")
    box.press("Enter")
    page.wait_for_url("**/movie-news/search/?q=Dead+Reckoning")  # type: ignore[attr-defined]
    found = results(page)
    links = [link for link, _ in found]
    assert all(link.startswith(BASE_PATH) for link in links), links
    assert BASE_PATH + "posts/dead-reckoning-opening-weekend/" in links
    assert BASE_PATH + "posts/dead-reckoning-part-one-teaser/" in links
    assert BASE_PATH + "films/mission-impossible-dead-reckoning-part-one/" in links
    # the result pages exist on the server
    page.goto(base.rstrip("/").rsplit(BASE_PATH.rstrip("/"), 1)[0] + links[0])  # type: ignore[attr-defined]
    assert page.locator("h1").count() == 1  # type: ignore[attr-defined]
    assert foreign(requests, base) == []


def test_actor_accents_and_filters(browser: object, base: str) -> None:
    page, requests = open_page(browser, base, "search/?q=Pen%C3%A9lope")
    with_accent = {link for link, _ in results(page)}
    assert BASE_PATH + "posts/penelope-cruz-volpi-cup/" in with_accent
    assert BASE_PATH + "actors/penelope-cruz/" in with_accent
    page, more = open_page(browser, base, "search/?q=Penelope")
    without_accent = {link for link, _ in results(page)}
    assert BASE_PATH + "posts/penelope-cruz-volpi-cup/" in without_accent
    # the filters Pagefind offers are newsreel's: film, actor, tag, year
    # (Pagefind adds the filters one by one as their data arrives: wait for the fourth)
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelectorAll('.pagefind-ui__filter-name').length >= 4"
    )
    names = {n.strip().lower() for n in page.locator(".pagefind-ui__filter-name").all_inner_texts()}  # type: ignore[attr-defined]
    assert {"film", "actor", "tag", "year"} <= names, names
    assert foreign(requests + more, base) == []


def test_the_search_box_has_an_accessible_name(browser: object, base: str) -> None:
    page, _ = open_page(browser, base, "search/")
    page.wait_for_selector(".pagefind-ui__search-input")  # type: ignore[attr-defined]
    box = page.get_by_role("textbox", name="Search this site")  # type: ignore[attr-defined]
    assert box.count() == 1


def test_a_result_shows_the_posts_picture(browser: object, base: str) -> None:
    page, _ = open_page(browser, base, "search/?q=teaser")
    results(page)
    images = page.locator(".pagefind-ui__result-image")  # type: ignore[attr-defined]
    page.wait_for_function("() => document.querySelector('.pagefind-ui__result-image')")  # type: ignore[attr-defined]
    sources = [images.nth(i).get_attribute("src") for i in range(images.count())]
    assert BASE_PATH + "img/dead-reckoning-part-one.svg" in sources, sources


def test_without_javascript_the_box_is_a_link_and_the_page_says_why(
    browser: object, base: str
) -> None:
    page, _ = open_page(browser, base, "", javascript=False)
    link = page.locator(".site-search__link")  # type: ignore[attr-defined]
    assert link.is_visible() and link.get_attribute("href") == BASE_PATH + "search/"
    assert not page.locator("#site-search-words").is_visible()  # type: ignore[attr-defined]
    page, _ = open_page(browser, base, "search/", javascript=False)
    assert "needs JavaScript" in page.locator("#search").inner_text()  # type: ignore[attr-defined]
