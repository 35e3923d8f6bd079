"""What the fuzzers check: the front-matter reader and the Markdown + tweet rules never crash.

Each ``check_*`` takes raw bytes and raises ``AssertionError`` (or lets another exception
out) only on a real defect. The fuzzers (atheris or the built-in mutator) and the regression
tests in ``tests/test_hostile.py`` call the same functions.
"""

from __future__ import annotations

from functools import cache

import lxml.html

from newsreel.config import Settings
from newsreel.loader import parse_page, parse_post
from newsreel.markdown import make_markdown, render_body
from newsreel.tweets import Tweet, TweetError, tweets_from_front_matter

PATH = "content/posts/fuzz.md"
UNSAFE = ("javascript:", "vbscript:", "data:")

SEEDS: list[bytes] = [
    b"---\ntitle: A post\ndate: 2023-01-02\nfilm: Heat\nactors: [Al Pacino, Robert De Niro]\n---\nText.\n",
    b'---\ntitle: "Mission: Impossible"\ndate: 2023-07-12T10:30:00+02:00\nfilms:\n  - title: Dune\n'
    b"    release_year: 2021\n  - No\ntags: [news]\ndraft: false\n---\n## Heading\n\nBody *text*.\n",
    b"---\ntitle: Tweet\ndate: 2020-09-07\ntweet:\n  url: https://twitter.com/tomcruise/status/1302724016534597633\n"
    b"  text: Hello\n  author: Tom Cruise\n  handle: TomCruise\n  date: 2020-09-07\n---\n"
    b"https://twitter.com/tomcruise/status/1302724016534597633\n",
    b"\xef\xbb\xbf---\r\ntitle: &a x\r\ndate: 2023-01-02\r\nsummary: *a\r\n---\r\nBody\r\n",
    b"---\ntitle: Best #1 film\ndate: 2023-01-02\nslug: best\nimage: /img/a.jpg\nimage_alt: x\n---\n",
]
MARKDOWN_SEEDS: list[bytes] = [
    b'A [link](/films/heat/) and ![img](/img/a.jpg "t")\n\n> quote\n\n* list\n',
    b"https://twitter.com/tomcruise/status/1302724016534597633\n\nText after.\n",
    b"https://x.com/someone/status/12345?s=20\n",
    b'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Hi</p>&mdash; A (@a) '
    b'<a href="https://twitter.com/a/status/1?ref_src=twsrc%5Etfw">September 7, 2020</a></blockquote>\n',
    b"[x](javascript:alert(1)) <script>alert(1)</script> [^1]\n\n[^1]: note\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
]


@cache
def _settings() -> Settings:
    return Settings()


@cache
def _markdown(html: bool, base_path: str):  # type: ignore[no-untyped-def]
    return make_markdown(html, base_path)


def _check_problems(problems: list, path: str, lines: int) -> None:
    for problem in problems:
        assert problem.path == path, problem
        assert "\n" not in str(problem), f"a problem must be one line: {str(problem)!r}"
        assert problem.line is None or 1 <= problem.line <= lines + 1, (
            f"line {problem.line} of {lines}: {problem}"
        )


def check_front_matter(data: bytes) -> None:
    """Reading any bytes as a post or a film/actor page gives a record or problems, never an exception."""
    lines = data.count(b"\n") + data.count(b"\r") + 1
    record, problems = parse_post(PATH, data, _settings())
    _check_problems(problems, PATH, lines)
    if record is None:
        assert any(p.severity == "error" for p in problems), "no record and no error"
    else:
        assert record.title.strip(), "a post without a title was accepted"
        assert record.slug and "/" not in record.slug and ".." not in record.slug, record.slug
    for kind in ("films", "actors"):
        path = f"content/{kind}/fuzz.md"
        page, problems = parse_page(_settings().taxonomy(kind), path, data)
        _check_problems(problems, path, lines)


def check_markdown(data: bytes) -> None:
    """Any UTF-8 Markdown renders (tweet rule included) without an exception or an unsafe link."""
    text = data.decode("utf-8", "replace").replace("\x00", "")
    tweets: list[Tweet] = []
    try:
        tweets = tweets_from_front_matter(
            "https://twitter.com/tomcruise/status/1302724016534597633", None
        )
    except TweetError:  # pragma: no cover - the URL above is valid
        pass
    for base_path in ("/", "/movie-news/"):
        body, problems = render_body(
            _markdown(False, base_path), text, path=PATH, body_line=5, tweets=tweets
        )
        _check_problems(problems, PATH, text.count("\n") + 6)
        if not str(body.html).strip():
            continue
        doc = lxml.html.fragment_fromstring(str(body.html), create_parent="div")
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            assert el.tag != "script", "raw <script> reached the HTML"
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), f"event handler {name}"
                if name in ("href", "src"):
                    squeezed = "".join(ch for ch in value if ch > " ").lower()
                    assert not squeezed.startswith(UNSAFE), f"unsafe {name}={value!r}"
