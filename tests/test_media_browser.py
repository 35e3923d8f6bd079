"""Pictures and trailers in real Chromium: which requests a page makes, before and after a
click, which images load lazily, and that nothing shifts as images arrive."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from sitekit import newsreel, post, static_server, write_site

pytestmark = pytest.mark.browser


def picture(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    long_text = "\n\n".join(
        f"Paragraph {i} of a long story about a long shoot." * 3 for i in range(30)
    )
    files: dict[str, str | bytes] = {
        "newsreel.yaml": "base_url: https://example.org/\nper_page: 10\n",
        "static/img/lead.jpg": picture((180, 40, 40)),
        "static/img/deep.jpg": picture((40, 40, 180)),
        "content/films/harbour.md": "---\ntitle: Harbour\n---\nA film.\n",
        "content/posts/trailer.md": post(
            "Trailer",
            "2023-02-01",
            f"Intro.\n\nhttps://x.com/newsreel_desk/status/1302994733235646465\n\n{long_text}\n\n"
            "![Deep down](/img/deep.jpg)\n\nhttps://vimeo.com/76979871\n\nThe end.",
            trailer="https://www.youtube.com/watch?v=avz06PDqDbM",
            image="/img/lead.jpg",
            image_alt="Lead",
            film="Harbour",
        ),
    }
    for i in range(8):
        files[f"static/img/p{i}.jpg"] = picture((20 * i, 100, 120))
        files[f"content/posts/p{i}.md"] = post(
            f"Post {i}",
            f"2023-01-{10 + i:02d}",
            "Text.",
            image=f"/img/p{i}.jpg",
            image_alt=f"Picture {i}",
        )
    site = write_site(tmp_path_factory.mktemp("media") / "site", files)
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr
    with static_server(site / "site") as url:
        yield url


def _open(browser, base: str, path: str, width: int):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 800})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route(
        lambda url: not url.startswith(base),
        lambda route: route.fulfill(status=200, body="<p>player</p>", content_type="text/html"),
    )
    page.add_init_script("""
        window.__shift = 0;
        new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
          .observe({type: "layout-shift", buffered: true});
    """)
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(300)
    return page, requests


@pytest.mark.parametrize("width", [390, 1280])
def test_no_third_party_request_before_a_click_then_the_private_player(
    browser, served: str, width: int
) -> None:
    page, requests = _open(browser, served, "posts/trailer/", width)
    try:
        assert all(url.startswith(served) for url in requests), requests
        assert page.locator("iframe").count() == 0
        assert page.evaluate("window.__shift") < 0.01
        page.locator("a.trailer__link").first.click()
        frame = page.locator("iframe.trailer__player")
        frame.wait_for()
        assert frame.get_attribute("src").startswith(
            "https://www.youtube-nocookie.com/embed/avz06PDqDbM"
        )
        assert frame.get_attribute("title")
        third = [url for url in requests if not url.startswith(served)]
        assert third and all(url.startswith("https://www.youtube-nocookie.com/") for url in third)
    finally:
        page.close()


def test_without_javascript_a_trailer_is_a_link_to_the_video(browser, served: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(served + "posts/trailer/")
        link = page.locator("a.trailer__link").first
        assert link.get_attribute("href") == "https://www.youtube.com/watch?v=avz06PDqDbM"
        assert "Play" in link.inner_text()
    finally:
        context.close()


def test_lazy_images_wait_and_the_lead_image_comes_first(browser, served: str) -> None:
    page, requests = _open(browser, served, "posts/trailer/", 390)
    try:
        images = [url for url in requests if "/img/" in url]
        assert any("/img/lead-" in url for url in images)
        assert not any("/img/deep-" in url for url in images)  # far below the fold: not loaded yet
        assert any(url.endswith(".avif") for url in images)  # Chromium picks AVIF
        small = [url for url in images if "/img/lead-" in url]
        assert all("-1600." not in url for url in small)  # 390 px wide: a smaller variant
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(800)
        assert any("/img/deep-" in url for url in requests)
    finally:
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_listing_pages_do_not_shift(browser, served: str, width: int) -> None:
    page, requests = _open(browser, served, "", width)
    try:
        assert page.evaluate("window.__shift") < 0.01
        natural = page.evaluate(
            "[...document.images].every(i => i.getAttribute('width') && i.getAttribute('height'))"
        )
        assert natural
    finally:
        page.close()


def test_a_post_with_a_trailer_and_a_tweet_loads_under_300_kb_at_390_px(
    browser, served: str
) -> None:
    """The issue's budget: everything a phone downloads on first load (the player comes after a click)."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=3)
    try:
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        sizes: dict[str, int] = {}
        session.on(
            "Network.loadingFinished",
            lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        page.goto(served + "posts/trailer/", wait_until="networkidle")
        page.wait_for_timeout(300)
        assert page.locator("blockquote.tweet").count() == 1
        assert 0 < sum(sizes.values()) < 300_000, sizes
    finally:
        page.close()
