"""Tweets and privacy, in real Chromium: every request a page makes is recorded.

With ``tweets.enhance`` off no page asks any other host for anything; with it on, the pages
that show a tweet load the platform's script exactly once and the others not at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Browser
from sitekit import newsreel, post, static_server, write_site

STATUS = "https://twitter.com/newsreel_desk/status/1302800000000000001"


def _site(root: Path, enhance: bool) -> Path:
    tweet = (
        f'{{url: "{STATUS}", text: "Second unit wraps in Norway <b>tonight</b> #stunts @crew",'
        " author: Desk, handle: newsreel_desk, date: 2020-09-07}"
    )
    return write_site(
        root,
        {
            "newsreel.yaml": f"base_url: https://example.org/\ntweets:\n  enhance: {'true' if enhance else 'false'}\n",
            "content/posts/front.md": post(
                "Front-matter tweet", "2023-01-03", "Text.", tweet=tweet, film="Harbour"
            ),
            "content/posts/body.md": post(
                "Body tweet",
                "2023-01-02",
                "Before.\n\nhttps://x.com/other_desk/status/1302800000000000002?s=20\n\nAfter.",
            ),
            "content/posts/plain.md": post(
                "No tweet", "2023-01-01", "Nothing to embed.", film="Harbour"
            ),
        },
    )


def _requests(browser: Browser, base: str, paths: list[str]) -> dict[str, list[str]]:
    """Every request each page makes; third-party ones are answered locally, never sent."""
    seen: dict[str, list[str]] = {}
    for path in paths:
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r, requests=requests: requests.append(r.url))
        page.route(
            lambda url: not url.startswith(base),
            lambda route: route.fulfill(status=200, body="", content_type="text/javascript"),
        )
        page.goto(base + path, wait_until="load")
        page.wait_for_timeout(200)
        seen[path] = requests
        page.close()
    return seen


PAGES = ["", "posts/front/", "posts/body/", "posts/plain/", "films/harbour/", "feed.xml"]


@pytest.mark.browser
def test_no_third_party_request_with_enhance_off(tmp_path: Path, browser: Browser) -> None:
    site = _site(tmp_path / "off", enhance=False)
    assert newsreel("build", site).returncode == 0
    with static_server(site / "site") as base:
        seen = _requests(browser, base, PAGES)
    for path, requests in seen.items():
        foreign = [url for url in requests if not url.startswith(base)]
        assert foreign == [], f"{path or 'home'} asked {foreign}"


@pytest.mark.browser
def test_enhance_loads_the_script_once_on_tweet_pages_only(
    tmp_path: Path, browser: Browser
) -> None:
    site = _site(tmp_path / "on", enhance=True)
    assert newsreel("build", site).returncode == 0
    with static_server(site / "site") as base:
        seen = _requests(browser, base, PAGES)
    for path, requests in seen.items():
        foreign = [url for url in requests if not url.startswith(base)]
        if path in ("posts/front/", "posts/body/"):
            assert foreign == ["https://platform.twitter.com/widgets.js"], f"{path}: {foreign}"
        else:
            assert foreign == [], f"{path or 'home'} asked {foreign}"


def test_tweet_markup_is_static_accessible_and_escaped(tmp_path: Path) -> None:
    site = _site(tmp_path / "markup", enhance=False)
    assert newsreel("build", site).returncode == 0
    front = lxml_html.fromstring((site / "site/posts/front/index.html").read_bytes())
    quote = front.xpath("//blockquote[contains(@class,'twitter-tweet')]")
    assert len(quote) == 1 and quote[0].get("cite") == STATUS
    assert "<b>tonight</b>" in quote[0].text_content()  # escaped text, not markup
    assert not front.xpath("//blockquote//b")
    assert front.xpath("//blockquote//time[@datetime='2020-09-07']")
    assert STATUS.replace("twitter.com", "x.com") in front.xpath(
        "//blockquote//a/@href"
    )  # the status on x.com
    assert not front.xpath("//script[@src]")
    body = lxml_html.fromstring((site / "site/posts/body/index.html").read_bytes())
    assert "https://x.com/other_desk/status/1302800000000000002" in body.xpath(
        "//blockquote//a/@href"
    )
    feed = (site / "site/feed.xml").read_text()
    assert "twitter-tweet" in feed and "&lt;blockquote" in feed
