"""``newsreel serve`` as a writer uses it: a real server process, real saves, real Chromium.

Each test makes a small site in ``tmp_path``, starts ``newsreel serve`` on it (the kit's
``preview_site`` and ``start_server``, or conftest's ``server``) and watches open tabs react to edits made the way editors make them
(write a temp file, rename it over the original): reloads, stylesheet swaps, overlays.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sitekit import LONG_BODY, Served, preview_post, preview_site, start_server, write_atomic

RELOAD_TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_tab(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    # The live-reload stream is open once the server has said hello.
    page.wait_for_function(
        "() => window.newsreelLive && window.newsreelLive.connected", timeout=RELOAD_TIMEOUT_MS
    )


def body_has(page: Page, text: str) -> None:
    page.wait_for_function(
        "t => document.body && document.body.innerText.includes(t)",
        arg=text,
        timeout=RELOAD_TIMEOUT_MS,
    )


def test_edit_reloads_the_post_and_its_film_page(server: Served, browser: Browser) -> None:
    context = browser.new_context()
    post, film = context.new_page(), context.new_page()
    open_tab(post, server.url + "posts/first-look/")
    open_tab(film, server.url + "films/harbour-lights/")
    assert "First look at Harbour Lights" in film.inner_text("body")
    assert "__newsreel__/livereload.js" in post.content()
    post.evaluate("window.scrollTo(0, 1500)")
    post.wait_for_timeout(100)
    assert post.evaluate("window.scrollY") > 1000

    started = time.monotonic()
    write_atomic(
        server.site / "content/posts/first-look.md",
        preview_post("Harbour Lights: a new look", "EDITED-BODY-TEXT\n\n" + LONG_BODY),
    )
    body_has(post, "EDITED-BODY-TEXT")
    seconds = time.monotonic() - started
    body_has(film, "Harbour Lights: a new look")
    print(f"save to new text in Chromium: {seconds * 1000:.0f} ms")
    assert seconds < 5
    assert "ORIGINAL-BODY-TEXT" not in post.inner_text("body")
    # The reload kept the reader where they were.
    post.wait_for_function("() => window.scrollY > 1000", timeout=RELOAD_TIMEOUT_MS)
    context.close()


def test_a_text_edit_is_put_in_place_without_navigation(server: Served, page: Page) -> None:
    """The open page takes the new text in place: no reload, the reader stays where they were."""
    open_tab(page, server.url + "posts/first-look/")
    navigations: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("window.scrollTo(0, 1500); window.__stayed = 'here'")
    write_atomic(
        server.site / "content/posts/first-look.md",
        preview_post("First look at Harbour Lights", "IN-PLACE-TEXT\n\n" + LONG_BODY),
    )
    body_has(page, "IN-PLACE-TEXT")
    assert page.evaluate("window.__stayed") == "here" and navigations == []
    assert page.evaluate("window.scrollY") > 1000
    assert "ORIGINAL-BODY-TEXT" not in page.inner_text("body")
    # The page is whole: its own stylesheet once, the live-reload script still listening.
    assert (
        page.evaluate(
            "document.querySelectorAll('link[rel=stylesheet][href*=\"style.css\"]').length"
        )
        == 1
    )
    write_atomic(
        server.site / "content/posts/first-look.md",
        preview_post("First look at Harbour Lights", "SECOND-TEXT\n\n" + LONG_BODY),
    )
    body_has(page, "SECOND-TEXT")
    assert navigations == []


def test_a_page_that_runs_scripts_is_reloaded(tmp_path: Path, page: Page) -> None:
    """Content swapped in place would not run a template's own scripts: such a page reloads."""
    site = preview_site(tmp_path)
    (site / "templates").mkdir()
    (site / "templates/post.html").write_text(
        '{% extends "base.html" %}{% block content %}<article>{{ post.html }}</article>'
        '<script>document.body.dataset.ran = "yes";</script>{% endblock %}',
        encoding="utf-8",
    )
    served = start_server(site, tmp_path / "tmp")
    try:
        open_tab(page, served.url + "posts/first-look/")
        assert page.evaluate("document.body.dataset.ran") == "yes"
        page.evaluate("window.__stayed = 'here'")
        write_atomic(
            site / "content/posts/first-look.md",
            preview_post("First look at Harbour Lights", "RELOADED-TEXT"),
        )
        body_has(page, "RELOADED-TEXT")
        assert page.evaluate("window.__stayed") is None
        assert page.evaluate("document.body.dataset.ran") == "yes"
    finally:
        served.stop()


def test_css_change_swaps_the_stylesheet_without_navigation(server: Served, page: Page) -> None:
    open_tab(page, server.url + "posts/first-look/")
    style = (
        "() => getComputedStyle(document.documentElement).getPropertyValue('--serve-test').trim()"
    )
    assert page.evaluate(style) == "one"
    page.evaluate("window.__stayed = 'here'")
    write_atomic(
        server.site / "static/css/style.css", ":root { --serve-test: two; }\nbody { margin: 0; }\n"
    )
    page.wait_for_function(f"() => ({style})() === 'two'", timeout=RELOAD_TIMEOUT_MS)
    assert page.evaluate("window.__stayed") == "here", "the page was reloaded instead of restyled"
    assert (
        page.evaluate(
            "document.querySelectorAll('link[rel=stylesheet][href*=\"style.css\"]').length"
        )
        == 1
    )


def test_rename_and_delete(server: Served, page: Page) -> None:
    posts = server.site / "content/posts"
    open_tab(page, server.url + "posts/casting-news/")
    page.evaluate("window.__stayed = 'here'")
    os.replace(posts / "casting-news.md", posts / "cast-announced.md")
    # The open tab of the old URL reloads and shows the site's own 404 page.
    page.wait_for_function("() => window.__stayed === undefined", timeout=RELOAD_TIMEOUT_MS)
    page.wait_for_load_state()
    assert (
        server.request(server.url.split(str(server.port), 1)[1] + "posts/casting-news/").status
        == 404
    )
    assert page.goto(server.url + "posts/cast-announced/").status == 200
    missing = page.goto(server.url + "posts/casting-news/")
    assert missing is not None and missing.status == 404
    # The site's own 404 page (with the live-reload script added), not a bare server message.
    assert (
        missing.text()
        .replace('data-page="/404.html"', "")
        .startswith(
            (server.output() / "404.html").read_text(encoding="utf-8").split("</body>")[0][:200]
        )
    )
    assert 'data-page="/404.html"' in missing.text()

    open_tab(page, server.url)
    assert "Casting news" in page.inner_text("body")
    (posts / "cast-announced.md").unlink()
    page.wait_for_function(
        "() => !document.body.innerText.includes('Casting news')", timeout=RELOAD_TIMEOUT_MS
    )
    deadline = time.monotonic() + 10
    while server.request("/posts/cast-announced/").status != 404:
        assert time.monotonic() < deadline, "the deleted post is still served"
        time.sleep(0.1)
    assert not list(server.output().rglob("cast-announced"))


def overlay_text(page: Page) -> str:
    page.wait_for_selector("[role=alert]#newsreel-build-error", timeout=RELOAD_TIMEOUT_MS)
    return page.inner_text("#newsreel-build-error")


def test_broken_front_matter_shows_an_overlay_until_mended(
    server: Served, browser: Browser
) -> None:
    context = browser.new_context()
    post, home = context.new_page(), context.new_page()
    open_tab(post, server.url + "posts/first-look/")
    open_tab(home, server.url)
    source = server.site / "content/posts/first-look.md"
    good = source.read_text(encoding="utf-8")
    write_atomic(
        source, good.replace('title: "First look at Harbour Lights"', 'title: "First <b>look</b>')
    )
    for tab in (post, home):
        text = overlay_text(tab)
        assert re.search(r"content/posts/first-look\.md:\d+", text), text
    # The last good pages are still served meanwhile.
    assert "ORIGINAL-BODY-TEXT" in post.inner_text("body")
    assert server.request("/posts/first-look/").status == 200
    # A tab opened while the build is broken shows the overlay too.
    late = context.new_page()
    open_tab(late, server.url + "films/harbour-lights/")
    assert "content/posts/first-look.md:" in overlay_text(late)
    write_atomic(source, good)
    for tab in (post, home, late):
        tab.wait_for_selector("#newsreel-build-error", state="detached", timeout=RELOAD_TIMEOUT_MS)
    context.close()


def test_broken_template_shows_an_overlay_until_mended(server: Served, page: Page) -> None:
    open_tab(page, server.url + "posts/first-look/")
    override = server.site / "templates/base.html"
    write_atomic(
        override,
        "<!DOCTYPE html>\n<html>\n<body>\n{% block content %}{% endblock %}\n{% endif %}\n</body>\n</html>\n",
    )
    text = overlay_text(page)
    assert re.search(r"templates/base\.html:\d+", text), text
    override.unlink()
    page.wait_for_selector("#newsreel-build-error", state="detached", timeout=RELOAD_TIMEOUT_MS)
    body_has(page, "ORIGINAL-BODY-TEXT")


def test_first_build_failing_serves_an_error_page_until_fixed(tmp_path: Path, page: Page) -> None:
    site = preview_site(tmp_path)
    source = site / "content/posts/first-look.md"
    good = source.read_text(encoding="utf-8")
    write_atomic(source, good.replace('title: "First look at Harbour Lights"', "title: [unclosed"))
    served = start_server(site, tmp_path / "tmp")
    try:
        response = page.goto(served.url + "posts/first-look/")
        assert response is not None and response.status == 500
        assert "content/posts/first-look.md:" in page.inner_text("body")
        page.wait_for_timeout(300)
        write_atomic(source, good)
        body_has(page, "ORIGINAL-BODY-TEXT")
    finally:
        served.stop()


def test_sub_path(tmp_path: Path, page: Page) -> None:
    served = start_server(
        preview_site(tmp_path, base_url="https://example.org/movie-news/"), tmp_path / "tmp"
    )
    try:
        open_tab(page, served.origin + "/")
        assert page.url == served.url
        open_tab(page, served.url + "posts/first-look/")
        write_atomic(
            served.site / "content/posts/first-look.md",
            preview_post("First look at Harbour Lights", "SUBPATH-EDIT"),
        )
        body_has(page, "SUBPATH-EDIT")
    finally:
        served.stop()


def test_tabs_follow_a_server_restart(tmp_path: Path, page: Page) -> None:
    site = preview_site(tmp_path)
    served = start_server(site, tmp_path / "tmp")
    port = served.port
    open_tab(page, served.url + "posts/first-look/")
    served.stop()
    assert served.proc.returncode == 0
    # Restarted on the same port: the open tab notices the new server and reloads by itself.
    page.evaluate("window.__stayed = 'here'")
    write_atomic(
        site / "content/posts/first-look.md",
        preview_post("First look at Harbour Lights", "AFTER-RESTART"),
    )
    restarted = start_server(site, tmp_path / "tmp", port=port)
    try:
        body_has(page, "AFTER-RESTART")
        assert page.evaluate("window.__stayed") is None
    finally:
        restarted.stop()
