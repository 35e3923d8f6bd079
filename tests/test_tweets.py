"""Embedded tweets: status URLs, front-matter values, copied embeds, markup, the Markdown rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markupsafe import Markup

from newsreel.tweets import (
    Tweet,
    TweetError,
    TweetMedia,
    canonical_status_url,
    find_copied_embeds,
    linkify_text,
    parse_copied_embed,
    parse_status_url,
    render_tweet,
    tweet_embed_plugin,
    tweet_from_value,
    tweets_by_url,
    tweets_from_front_matter,
)

ALLOWED_CLASSES = {
    "twitter-tweet",
    "tweet",
    "tweet__text",
    "tweet__media",
    "tweet__meta",
    "tweet__author",
    "tweet__handle",
    "tweet__date",
    "tweet--card",
}
VOID = {"br", "img"}
PHRASING = {"a", "span", "time", "br", "img"}


class NestingChecker(HTMLParser):
    """Checks tags close in order, no block element sits inside a <p>, no <a> in an <a>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "p" in self.stack and tag not in PHRASING:
            self.errors.append(f"<{tag}> inside <p>")
        if tag == "a" and "a" in self.stack:
            self.errors.append("<a> inside <a>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close {self.stack[-1:] or 'anything'}")
        else:
            self.stack.pop()


def check_markup(html: str) -> lxml.html.HtmlElement:
    """Assert well-nested, known classes only, no unsafe href; return the parsed blockquote."""
    checker = NestingChecker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [], html
    assert checker.stack == [], html
    root = lxml.html.fragment_fromstring(html)
    assert root.tag == "blockquote"
    for element in root.iter():
        classes = set((element.get("class") or "").split())
        assert classes <= ALLOWED_CLASSES, classes
        for attr in ("href", "src", "cite"):
            value = element.get(attr)
            if value is not None:
                assert value.startswith(("https://", "http://", "/")), value
                assert value.strip() == value and "\n" not in value
    for link in root.iter("a"):
        assert link.text_content().strip(), "every link has text"
    for _script in root.iter("script"):
        raise AssertionError(f"script element in {html}")
    return root


# ----------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "handle", "status_id"),
    [
        (
            "https://twitter.com/ZachMacieI/status/1302994733235646465",
            "ZachMacieI",
            "1302994733235646465",
        ),
        (
            "https://x.com/ZachMacieI/status/1302994733235646465",
            "ZachMacieI",
            "1302994733235646465",
        ),
        ("http://twitter.com/a_b/status/12", "a_b", "12"),
        ("https://www.twitter.com/studio/status/12/", "studio", "12"),
        ("https://mobile.twitter.com/studio/status/12?s=20&t=abc", "studio", "12"),
        ("https://www.x.com/studio/status/12#reply", "studio", "12"),
        ("https://mobile.x.com/studio/status/12/?ref_src=twsrc%5Etfw", "studio", "12"),
        ("HTTPS://Twitter.COM/Studio/Status/12", "Studio", "12"),
        ("https://twitter.com/studio/statuses/12", "studio", "12"),
        ("https://x.com/studio/status/12/photo/1", "studio", "12"),
        (
            "https://twitter.com/abcdefghijklmno/status/12345678901234567890",
            "abcdefghijklmno",
            "12345678901234567890",
        ),
    ],
)
def test_status_url_variants_share_one_canonical_form(
    url: str, handle: str, status_id: str
) -> None:
    assert parse_status_url(url) == (handle, status_id)
    canonical = canonical_status_url(handle, status_id)
    assert canonical == f"https://twitter.com/{handle}/status/{status_id}"
    assert tweet_from_value(url).url == canonical
    assert tweet_from_value(url).link == canonical


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "javascript://twitter.com/a/status/1",
        "data:text/html,<script>alert(1)</script>",
        "ftp://twitter.com/a/status/1",
        "https://evil.com/a/status/1",
        "https://twitter.com.evil.com/a/status/1",
        "https://eviltwitter.com/a/status/1",
        "https://x.com@evil.com/a/status/1",
        "https://user:pw@twitter.com/a/status/1",
        "https://twitter.com:8443/a/status/1",
        "https://twitter.com\\@evil.com/a/status/1",
        "//twitter.com/a/status/1",
        "twitter.com/a/status/1",
        "https://twitter.com/a",
        "https://twitter.com/a/status/",
        "https://twitter.com/a/status/abc",
        "https://twitter.com/a/status/12abc",
        "https://twitter.com/a/status/0",
        "https://twitter.com/a/status/123456789012345678901",
        "https://twitter.com/has-dash/status/1",
        "https://twitter.com/abcdefghijklmnop/status/1",
        "https://twitter.com/%61/status/1",
        "https://twitter.com/i/web/status/1302994733235646465",
        "https://twitter.com/a/status/1/likes",
        "https://twitter.com/a/status/1\t",
        " https://twitter.com/a/status/1\njavascript:alert(1)",
        "https://twitter.com/a/status/1\x00",
        "https://twitter.com/a b/status/1",
        "",
    ],
)
def test_hostile_and_wrong_urls_are_errors_with_a_hint(url: str) -> None:
    with pytest.raises(TweetError) as caught:
        parse_status_url(url)
    assert caught.value.message and caught.value.hint
    assert caught.value.key == "url"
    with pytest.raises(TweetError):
        tweet_from_value({"url": url, "text": "x"})


def test_front_matter_ignores_spaces_around_a_url() -> None:
    with pytest.raises(TweetError):
        parse_status_url(" https://twitter.com/a/status/1 ")
    assert (
        tweet_from_value({"url": " https://twitter.com/a/status/1 "}).url
        == "https://twitter.com/a/status/1"
    )


@pytest.mark.parametrize("value", [None, 12, ["https://twitter.com/a/status/1"], True])
def test_non_text_urls_are_errors(value: object) -> None:
    with pytest.raises(TweetError):
        parse_status_url(value)  # type: ignore[arg-type]


def test_canonical_url_keeps_case_and_checks_its_parts() -> None:
    assert canonical_status_url("MixedCase_1", "42") == "https://twitter.com/MixedCase_1/status/42"
    for handle, status_id in [("bad handle", "1"), ("a", "1x"), ("<script>", "1"), ("", "1")]:
        with pytest.raises(TweetError):
            canonical_status_url(handle, status_id)


# ----------------------------------------------------------------- front-matter values


def test_string_value_gives_a_link_only_tweet() -> None:
    tweet = tweet_from_value("https://x.com/Studio/status/77?s=20")
    assert tweet == Tweet("https://twitter.com/Studio/status/77", "Studio", "77", None, None, None)


def test_full_mapping() -> None:
    tweet = tweet_from_value(
        {
            "url": "https://mobile.twitter.com/Studio/status/77/",
            "text": "New trailer!\nWatch it now",
            "author": "The Studio",
            "handle": "@studio",
            "date": "2021-05-01",
            "media": {"src": "/img/still.jpg", "alt": "A still from the trailer"},
        }
    )
    assert tweet.url == "https://twitter.com/Studio/status/77"
    assert tweet.handle == "studio"  # as written in `handle`, agreeing case-insensitively
    assert tweet.status_id == "77"
    assert tweet.text == "New trailer!\nWatch it now"
    assert tweet.author == "The Studio"
    assert tweet.date == "2021-05-01"
    assert tweet.media == TweetMedia("/img/still.jpg", "A still from the trailer")


def test_mapping_without_url_needs_a_handle() -> None:
    tweet = tweet_from_value({"handle": "studio", "text": "hello", "date": "2021-05-01"})
    assert tweet.url is None and tweet.status_id is None
    assert tweet.link == "https://twitter.com/studio"
    with pytest.raises(TweetError) as caught:
        tweet_from_value({"text": "hello", "author": "Someone"})
    assert caught.value.key == "url"


@pytest.mark.parametrize(
    ("value", "key", "words"),
    [
        ({"url": "https://twitter.com/a/status/1", "txt": "x"}, "txt", "text"),
        ({"url": "https://twitter.com/a/status/1", "autor": "x"}, "autor", "author"),
        ({"url": "https://twitter.com/a/status/1", "onclick": "x"}, "onclick", "onclick"),
        ({"url": "https://twitter.com/a/status/1", "handle": "b"}, "handle", "@b"),
        ({"handle": "not valid"}, "handle", "handle"),
        ({"handle": "@@a"}, "handle", "handle"),
        ({"url": "https://twitter.com/a/status/1", "date": "September 7, 2020"}, "date", "date"),
        ({"url": "https://twitter.com/a/status/1", "date": "2020-02-30"}, "date", "date"),
        ({"url": "https://twitter.com/a/status/1", "date": "2020-9-7"}, "date", "date"),
        ({"url": "https://twitter.com/a/status/1", "date": "2020-09-07T25:00:00Z"}, "date", "date"),
        ({"url": "https://twitter.com/a/status/1", "date": 2020}, "date", "date"),
        ({"url": "https://twitter.com/a/status/1", "text": ["a"]}, "text", "text"),
        ({"url": "https://twitter.com/a/status/1", "media": "/img/x.jpg"}, "media", "media"),
        ({"url": "https://twitter.com/a/status/1", "media": {"src": "/img/x.jpg"}}, "media", "alt"),
        (
            {"url": "https://twitter.com/a/status/1", "media": {"src": "/x.jpg", "alt": " "}},
            "media",
            "alt",
        ),
        (
            {
                "url": "https://twitter.com/a/status/1",
                "media": {"src": "javascript:alert(1)", "alt": "a"},
            },
            "media",
            "image",
        ),
        (
            {
                "url": "https://twitter.com/a/status/1",
                "media": {"src": "data:image/png;base64,AAAA", "alt": "a"},
            },
            "media",
            "image",
        ),
        (
            {
                "url": "https://twitter.com/a/status/1",
                "media": {"src": "//evil.com/x.jpg", "alt": "a"},
            },
            "media",
            "image",
        ),
        (
            {
                "url": "https://twitter.com/a/status/1",
                "media": {"src": '/x.jpg" onerror="x', "alt": "a"},
            },
            "media",
            "image",
        ),
        (
            {
                "url": "https://twitter.com/a/status/1",
                "media": {"src": "/x.jpg", "alt": "a", "title": "t"},
            },
            "media",
            "title",
        ),
    ],
)
def test_bad_mappings_name_the_key_at_fault(value: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(TweetError) as caught:
        tweet_from_value(value)
    assert caught.value.key == key
    assert words in str(caught.value)
    assert caught.value.hint


def test_unknown_key_suggests_the_closest() -> None:
    with pytest.raises(TweetError) as caught:
        tweet_from_value({"url": "https://twitter.com/a/status/1", "athor": "x"})
    assert "author" in caught.value.hint


@pytest.mark.parametrize("value", [12, True, ["https://twitter.com/a/status/1"], None])
def test_values_of_the_wrong_kind_are_errors(value: object) -> None:
    with pytest.raises(TweetError):
        tweet_from_value(value)


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("2020-09-07", "2020-09-07"),
        ("2020-09-07T23:30:00-05:00", "2020-09-07T23:30:00-05:00"),
        ("2020-09-07T23:30:00Z", "2020-09-07T23:30:00Z"),
        ("2020-09-07 23:30", "2020-09-07 23:30"),
        (date(2020, 9, 7), "2020-09-07"),
        (datetime(2020, 9, 7, 23, 30), "2020-09-07T23:30:00"),
        (
            datetime(2020, 9, 7, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            "2020-09-07T23:30:00-05:00",
        ),
    ],
)
def test_dates_are_kept_as_written(raw: object, written: str) -> None:
    tweet = tweet_from_value({"url": "https://twitter.com/a/status/1", "text": "t", "date": raw})
    assert tweet.date == written
    root = check_markup(str(render_tweet(tweet)))
    (time,) = root.iter("time")
    assert time.get("datetime") == written
    assert time.text == "7 September 2020"  # the site's date format


def test_numbers_yaml_read_become_text() -> None:
    tweet = tweet_from_value({"url": "https://twitter.com/a/status/1", "text": 1917, "author": 42})
    assert (tweet.text, tweet.author) == ("1917", "42")


def test_media_accepts_site_paths_and_web_urls() -> None:
    for src in (
        "/img/still.jpg",
        "img/still.jpg",
        "https://example.org/still.jpg",
        "http://example.org/a.png",
    ):
        tweet = tweet_from_value(
            {"handle": "a", "text": "t", "media": {"src": src, "alt": "A still"}}
        )
        assert tweet.media == TweetMedia(src, "A still")


def test_front_matter_tweet_and_tweets_together() -> None:
    tweets = tweets_from_front_matter(
        "https://twitter.com/a/status/1",
        ["https://x.com/b/status/2", {"handle": "c", "text": "copied"}],
    )
    assert [t.link for t in tweets] == [
        "https://twitter.com/a/status/1",
        "https://twitter.com/b/status/2",
        "https://twitter.com/c",
    ]
    assert tweets_from_front_matter(None, None) == []
    assert tweets_by_url(tweets) == {t.url: t for t in tweets[:2]}


def test_front_matter_errors_say_where() -> None:
    with pytest.raises(TweetError) as caught:
        tweets_from_front_matter(
            None, ["https://x.com/b/status/2", {"url": "https://evil.com/a/status/1"}]
        )
    assert (caught.value.field, caught.value.index, caught.value.key) == ("tweets", 1, "url")
    with pytest.raises(TweetError) as caught:
        tweets_from_front_matter("javascript:alert(1)", None)
    assert (caught.value.field, caught.value.index, caught.value.key) == ("tweet", None, None)
    with pytest.raises(TweetError) as caught:
        tweets_from_front_matter(
            "https://twitter.com/a/status/1", [{"url": "https://x.com/A/status/1"}]
        )
    assert "twice" in caught.value.message and caught.value.index == 0


# ----------------------------------------------------------------------------- markup


def test_markup_follows_the_embed_conventions() -> None:
    tweet = tweet_from_value(
        {
            "url": "https://x.com/Studio/status/77",
            "text": "Trailer day",
            "author": "The Studio",
            "date": "2021-05-01",
            "media": {"src": "/img/still.jpg", "alt": "A still"},
        }
    )
    html = render_tweet(tweet, base_path="/movie-news/")
    assert isinstance(html, Markup)
    root = check_markup(str(html))
    assert root.get("class").split() == ["twitter-tweet", "tweet"]
    assert root.get("cite") == "https://twitter.com/Studio/status/77"
    assert root.get("data-dnt") == "true"
    text, media, meta = root.findall("p")
    assert text.get("class") == "tweet__text" and text.text_content() == "Trailer day"
    (img,) = media.iter("img")
    assert (img.get("src"), img.get("alt"), img.get("loading")) == (
        "/movie-news/img/still.jpg",
        "A still",
        "lazy",
    )
    assert (
        img.get("data-newsreel-image") == "img/still.jpg"
    )  # the page's media filter makes it a <picture>
    assert meta.get("class") == "tweet__meta"
    assert meta.find_class("tweet__author")[0].text_content() == "The Studio"
    assert meta.find_class("tweet__handle")[0].text_content() == "(@Studio)"
    (status_link,) = meta.iter("a")
    assert status_link.get("href") == "https://x.com/Studio/status/77"
    assert status_link.find("time").get("datetime") == "2021-05-01"
    assert status_link.text_content() == "1 May 2021"
    assert meta.text_content().startswith("\u2014 The Studio (@Studio)")
    assert root.iter("a").__next__() is status_link  # the only link is the status


def test_tweet_without_text_is_a_link_card() -> None:
    root = check_markup(str(render_tweet(tweet_from_value("https://x.com/Studio/status/77"))))
    assert "tweet--card" in root.get("class").split()
    assert "twitter-tweet" in root.get("class").split()
    (link,) = root.iter("a")
    assert link.get("href") == "https://x.com/Studio/status/77"
    assert link.text_content() == "Post by @Studio on X"


def test_tweet_without_url_links_to_its_account() -> None:
    card = check_markup(str(render_tweet(tweet_from_value({"handle": "studio"}))))
    (link,) = card.iter("a")
    assert link.get("href") == "https://twitter.com/studio"
    assert "@studio" in link.text_content()
    assert "twitter-tweet" not in card.get("class").split()  # nothing for the script to upgrade
    assert card.get("cite") is None
    full = check_markup(
        str(
            render_tweet(tweet_from_value({"handle": "studio", "text": "hi", "date": "2021-05-01"}))
        )
    )
    assert [a.get("href") for a in full.iter("a")] == ["https://twitter.com/studio"]
    assert full.find(".//time").get("datetime") == "2021-05-01"


HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "</p></blockquote><p>",
    "&amp; &lt;b&gt; ' \" `",
]


@pytest.mark.parametrize("nasty", HOSTILE)
def test_every_piece_of_text_is_escaped(nasty: str) -> None:
    tweet = tweet_from_value(
        {
            "url": "https://twitter.com/a/status/1",
            "text": nasty,
            "author": nasty,
            "media": {"src": "/img/a.jpg", "alt": nasty},
        }
    )
    html = str(render_tweet(tweet))
    root = check_markup(html)
    assert root.find_class("tweet__text")[0].text_content() == nasty
    assert root.find_class("tweet__author")[0].text_content() == nasty
    assert root.find(".//img").get("alt") == nasty
    assert "<script" not in html
    for element in root.iter():
        assert set(element.attrib) <= {
            "class",
            "cite",
            "data-dnt",
            "dir",
            "href",
            "src",
            "alt",
            "loading",
            "datetime",
            "data-newsreel-image",
        }
    assert all(a.get("href").startswith("https://") for a in root.iter("a"))
    card = str(
        render_tweet(tweet_from_value({"handle": "a", "author": nasty, "date": "2020-01-02"}))
    )
    check_markup(card)
    assert "<script" not in card


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1), author=st.text())
def test_any_text_round_trips_through_the_markup(text: str, author: str) -> None:
    tweet = tweet_from_value(
        {"url": "https://twitter.com/a/status/1", "text": text, "author": author}
    )
    root = check_markup(str(render_tweet(tweet)))
    if tweet.text:
        shown = root.find_class("tweet__text")[0].text_content()
        assert shown == tweet.text
    assert len(list(root.iter("script"))) == 0


def test_linkify_urls_mentions_and_hashtags() -> None:
    html = str(
        linkify_text(
            "Watch https://example.org/trailer?a=1&b=2. Thanks @Studio_1 and (see https://example.org/x_(y)) "
            "#MissionImpossible #2022 mail me@example.org\nbye"
        )
    )
    root = lxml.html.fragment_fromstring(f"<p>{html}</p>")
    links = [(a.get("href"), a.text_content()) for a in root.iter("a")]
    assert links == [
        ("https://example.org/trailer?a=1&b=2", "https://example.org/trailer?a=1&b=2"),
        ("https://twitter.com/Studio_1", "@Studio_1"),
        ("https://example.org/x_(y)", "https://example.org/x_(y)"),
        ("https://twitter.com/hashtag/MissionImpossible", "#MissionImpossible"),
    ]
    assert "<br>" in html
    assert root.text_content() == (
        "Watch https://example.org/trailer?a=1&b=2. Thanks @Studio_1 and (see https://example.org/x_(y)) "
        "#MissionImpossible #2022 mail me@example.org\nbye"
    )


def test_linkify_leaves_other_schemes_as_text() -> None:
    html = str(linkify_text("javascript:alert(1) data:text/html,x vbscript:x http:// https://[bad"))
    assert "<a" not in html


def test_unicode_hashtag_is_encoded_in_its_link() -> None:
    html = str(linkify_text("#Amélie"))
    root = lxml.html.fragment_fromstring(f"<p>{html}</p>")
    (link,) = root.iter("a")
    assert link.get("href") == "https://twitter.com/hashtag/Am%C3%A9lie"
    assert link.text_content() == "#Amélie"


def test_remote_images_become_links_unless_the_site_allows_them() -> None:
    tweet = tweet_from_value(
        {
            "handle": "a",
            "text": "t",
            "media": {"src": "https://pbs.example.com/a.jpg", "alt": "A poster"},
        }
    )
    quiet = check_markup(str(render_tweet(tweet)))
    assert quiet.find(".//img") is None
    media_link = quiet.find_class("tweet__media")[0].find("a")
    assert media_link.get("href") == "https://pbs.example.com/a.jpg"
    assert "A poster" in media_link.text_content()
    loud = check_markup(str(render_tweet(tweet, remote_images=True)))
    assert loud.find(".//img").get("src") == "https://pbs.example.com/a.jpg"


# ---------------------------------------------------------------------- copied embeds


@pytest.mark.parametrize(
    ("copied", "expected"),
    [
        (
            "Opening night was loud pic.twitter.com/Ab12Cd34Ef \u2014 Film Fan (@film_fan) March 3, 2019",
            {
                "text": "Opening night was loud",
                "author": "Film Fan",
                "handle": "film_fan",
                "date": "2019-03-03",
            },
        ),
        (
            "Two more weeks https://t.co/AbC123 \u2013 Box Office Desk (@BoxOfficeDesk) December 25, 2021",
            {
                "text": "Two more weeks",
                "author": "Box Office Desk",
                "handle": "BoxOfficeDesk",
                "date": "2021-12-25",
            },
        ),
        (
            "Read it: https://example.org/story https://t.co/zz9 pic.twitter.com/q1 - Reporter (@rep) Feb 29, 2020",
            {
                "text": "Read it: https://example.org/story",
                "author": "Reporter",
                "handle": "rep",
                "date": "2020-02-29",
            },
        ),
        (
            "Cast news - it is official pic.twitter.com/xyz \u2014 Studio - Europe (@studio_eu) Sept 1, 2022",
            {
                "text": "Cast news - it is official",
                "author": "Studio - Europe",
                "handle": "studio_eu",
                "date": "2022-09-01",
            },
        ),
    ],
)
def test_copied_embeds_become_mappings(copied: str, expected: dict[str, str]) -> None:
    assert parse_copied_embed(copied) == expected
    tweet = tweet_from_value(expected)
    assert tweet.url is None and tweet.handle == expected["handle"]


@pytest.mark.parametrize(
    "text",
    [
        "Just a paragraph about a film.",
        "A quote \u2014 Someone said so in 2020",
        "\u2014 Name (@handle) Smarch 3, 2020",
        "\u2014 Name (@handle) February 30, 2020",
        "\u2014 Name (@has space) March 3, 2020",
    ],
)
def test_text_without_an_embed_gives_none(text: str) -> None:
    assert parse_copied_embed(text) is None
    assert find_copied_embeds(text) == []


def test_embeds_are_found_inside_a_longer_paragraph() -> None:
    text = (
        "Earlier line.\n"
        "Sequel confirmed pic.twitter.com/Q1w2E3 \u2014 Trade Paper (@tradepaper) June 10, 2023 "
        "The studio said more later. Second one https://t.co/k9 \u2014 Critic (@critic) July 4, 2023."
    )
    found = find_copied_embeds(text)
    assert [mapping for _, _, mapping in found] == [
        {
            "text": "Sequel confirmed",
            "author": "Trade Paper",
            "handle": "tradepaper",
            "date": "2023-06-10",
        },
        {
            "text": "The studio said more later. Second one",
            "author": "Critic",
            "handle": "critic",
            "date": "2023-07-04",
        },
    ]
    (s1, e1, _), (s2, e2, _) = found
    assert text[s1:e1].startswith("Sequel confirmed") and text[s1:e1].endswith("June 10, 2023")
    assert text[s2:e2].startswith("The studio") and text[s2:e2].endswith("July 4, 2023")
    assert text[e2:] == "."


# --------------------------------------------------------------------------- markdown


def render_markdown(
    source: str, env: dict[str, object] | None = None
) -> tuple[str, dict[str, object]]:
    md = MarkdownIt("commonmark").use(tweet_embed_plugin)
    env = {} if env is None else env
    return md.render(source, env), env


def test_url_alone_on_a_line_embeds_the_front_matter_tweet() -> None:
    known = tweet_from_value(
        {
            "url": "https://twitter.com/Studio/status/77",
            "text": "It's #trailer day",
            "date": "2021-05-01",
        }
    )
    html, env = render_markdown(
        "Intro.\n\nhttps://x.com/studio/status/77?s=20\n\nOutro.\n",
        {"tweets": tweets_by_url([known])},
    )
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    (quote,) = root.iter("blockquote")
    check_markup(lxml.html.tostring(quote, encoding="unicode").strip())
    assert quote.find_class("tweet__text")[0].text_content() == "It's #trailer day"
    assert env["embedded_tweets"] == ["https://twitter.com/Studio/status/77"]
    assert [p.text_content() for p in root.findall("p")] == ["Intro.", "Outro."]


def test_unknown_url_renders_a_link_card_and_angle_brackets_work() -> None:
    html, env = render_markdown("<https://mobile.twitter.com/Other/status/9/>\n")
    root = lxml.html.fragment_fromstring(html)
    assert "tweet--card" in root.get("class")
    assert root.find(".//a").get("href") == "https://x.com/Other/status/9"
    assert env["embedded_tweets"] == ["https://twitter.com/Other/status/9"]


def test_embeds_work_in_lists_and_quotes_and_before_other_blocks() -> None:
    html, env = render_markdown(
        "- https://twitter.com/a/status/1\n\n> https://twitter.com/b/status/2\n\nhttps://twitter.com/c/status/3\n# Next\n"
    )
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert len(root.find_class("twitter-tweet")) == 3
    assert root.find(".//h1").text == "Next"
    assert len(env["embedded_tweets"]) == 3


@pytest.mark.parametrize(
    "source",
    [
        "See https://twitter.com/a/status/1 for more.\n",
        "Some words\nhttps://twitter.com/a/status/1\n",
        "https://twitter.com/a/status/1\nand more words\n",
        "    https://twitter.com/a/status/1\n",
        "```\nhttps://twitter.com/a/status/1\n```\n",
        "`https://twitter.com/a/status/1`\n",
        "https://example.org/a/status/1\n",
        "https://netflix.com/a/status/1\n",
    ],
)
def test_not_an_embed(source: str) -> None:
    html, env = render_markdown(source)
    assert "blockquote" not in html
    assert "embedded_tweets" not in env and "problems" not in env


@pytest.mark.parametrize(
    "bad",
    [
        "https://twitter.com/i/web/status/1",
        "https://x.com@evil.com/a/status/1",
        "https://twitter.com/a/status/abc",
        "https://twitter.com/<script>/status/1",
        "https://x.com/a",
        "<https://twitter.com.evil.com/a/status/1>",
    ],
)
def test_a_twitter_line_that_is_not_a_status_is_a_problem_never_a_link(bad: str) -> None:
    html, env = render_markdown(f"Title line\n\n{bad}\n")
    assert env["problems"] and env["problems"][0][0] == 3
    line, message, hint = env["problems"][0]
    assert message and hint
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert root.find(".//a") is None and root.find(".//blockquote") is None
    assert root.findall("p")[-1].text_content() == bad
    assert "<script>" not in html
    assert "embedded_tweets" not in env


def test_a_url_only_tweet_shows_the_time_its_status_id_encodes() -> None:
    root = check_markup(
        str(
            render_tweet(
                tweet_from_value("https://twitter.com/ZachMacieI/status/1302994733235646465")
            )
        )
    )
    link = root.find(".//a")
    assert link.text_content() == "Post by @ZachMacieI on X"
    assert link.get("href") == "https://x.com/ZachMacieI/status/1302994733235646465"
    time = root.find(".//time")
    assert time.get("datetime") == "2020-09-07T15:38:47Z" and time.text == "7 September 2020"
    old = check_markup(str(render_tweet(tweet_from_value("https://twitter.com/jack/status/20"))))
    assert old.find(".//time") is None  # IDs from before November 2010 carry no time
