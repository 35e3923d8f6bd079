"""Embedded tweets: status URLs, front-matter tweets, copied embeds and their markup.

A tweet is rendered at build time from what the writer gives (no network): a
``blockquote.twitter-tweet`` that reads well without any script, and that the
platform's widgets script can upgrade when the site turns ``tweets.enhance`` on.
Every value that reaches the page is escaped here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date as Date
from datetime import datetime as DateTime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

from newsreel.dates import MONTHS, human_date

if TYPE_CHECKING:  # pragma: no cover
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.token import Token

WIDGETS_SCRIPT_URL = "https://platform.twitter.com/widgets.js"
"""The platform's script, loaded once (async) on pages with tweets when ``tweets.enhance`` is on."""

PLATFORM = "X"
SNOWFLAKE_EPOCH_MS = 1288834974657
"""Status IDs since November 2010 carry their time: milliseconds = (id >> 22) + this."""
SNOWFLAKE_FLOOR = 10**15
"""Older IDs (counted up one by one, below about 3·10^10) carry none."""
KEYS = ("url", "text", "author", "handle", "date", "media")
MEDIA_KEYS = ("src", "alt")

_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_STATUS_ID = re.compile(r"[1-9][0-9]{0,19}")
_URL_START = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<rest>.*)", re.S)
_TWITTER_HOST = re.compile(r"(?:www\.|mobile\.)?(?:twitter|x)\.com", re.I)
_STATUS_PATH = re.compile(
    r"/(?P<handle>[^/]*)/status(?:es)?/(?P<id>[^/]*)(?:/(?:photo|video)/[1-9])?/?", re.I
)
_NO_HANDLE_PATH = re.compile(r"/i(?:/web)?/status(?:es)?/", re.I)
# A line that would make a reader think of a tweet: a twitter.com or x.com authority.
_TWITTERISH = re.compile(r"https?://(?:[^/?#\s]*[.@])?(?:twitter|x)\.com(?:[.:@/?#\\]|$)", re.I)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Pieces of tweet text that become links: URLs, @mentions and #hashtags.
_ENTITY = re.compile(
    r"(?P<url>https?://[^\s<>\"'`/?#]+[^\s<>\"'`]*)"
    r"|(?<![\w@&/])@(?P<mention>[A-Za-z0-9_]{1,15})(?![\w@])"
    r"|(?<![\w&/#])#(?P<tag>\w*[^\W\d_]\w*)"
)
_TRAILING_PUNCT = ".,;:!?'\"»…"
_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, 1)}
_MONTH_NUMBER.update({name[:3].lower(): i for i, name in enumerate(MONTHS, 1)})
_MONTH_NUMBER["sept"] = 9
_MONTH_PATTERN = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))
# The tail of a browser copy of an embed: "— Name (@handle) Month D, YYYY".
_COPIED_TAIL = re.compile(
    r"(?:^|(?<=\s))(?P<dash>[\u2014\u2013-]{1,2})[ \t\u00a0]*(?P<author>[^\n]*?)[ \t\u00a0]*"
    r"\(@(?P<handle>[A-Za-z0-9_]{1,15})\)[ \t\u00a0]*"
    rf"(?P<month>{_MONTH_PATTERN})\.?[ \t\u00a0]+(?P<day>\d{{1,2}}),[ \t\u00a0]*(?P<year>\d{{4}})(?!\d)",
    re.I,
)
# The same tail from its "(@handle) Month D, YYYY" on, and the dash that may start one: searched
# apart, so that finding tails costs one pass (the whole pattern tried at every dash of a long
# line of "-- " is quadratic).
_TAIL_ANCHOR = re.compile(
    r"\(@[A-Za-z0-9_]{1,15}\)[ \t\u00a0]*"
    rf"(?:{_MONTH_PATTERN})\.?[ \t\u00a0]+\d{{1,2}},[ \t\u00a0]*\d{{4}}(?!\d)",
    re.I,
)
_TAIL_DASH = re.compile(r"(?:^|(?<=\s))[\u2014\u2013-]")
# Where an author name starts: after the last dash that separates it from the tweet text.
_SEPARATOR = re.compile(r"(?:^|(?<=\s))(?:[\u2014\u2013]{1,2}|--?)(?=[ \t\u00a0]|$)")
_PIC_LINK = re.compile(r"\s*(?:https?://)?pic\.(?:twitter|x)\.com/[A-Za-z0-9]+", re.I)
_TCO_TAIL = re.compile(r"(?:\s*https?://t\.co/[A-Za-z0-9]+)+\s*$", re.I)


class TweetError(ValueError):
    """A tweet value that cannot be used; ``key`` names the mapping key at fault."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        key: str | None = None,
        *,
        field: str | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.key = key
        """Key inside the tweet mapping ("url", "handle", "media"...), or None for the value itself."""
        self.field = field
        """Front-matter key holding the tweet ("tweet" or "tweets"), when known."""
        self.index = index
        """Position in the ``tweets`` list, when the tweet came from one."""

    def located(self, field: str, index: int | None) -> TweetError:
        """The same error, saying which front-matter key (and list item) it came from."""
        return TweetError(self.message, self.hint, self.key, field=field, index=index)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


@dataclass(frozen=True)
class TweetMedia:
    """An image shown with a tweet."""

    src: str
    """Site-relative path (``/img/x.jpg`` or ``img/x.jpg``, from ``static/``) or an http(s) URL."""
    alt: str
    """What the image shows, for people who cannot see it."""


@dataclass(frozen=True)
class Tweet:
    """One tweet, as the writer described it."""

    url: str | None
    """Canonical ``https://twitter.com/<handle>/status/<id>``, or None when only a copy is known."""
    handle: str
    """The account, without "@"."""
    status_id: str | None
    author: str | None
    """Display name."""
    text: str | None
    date: str | None
    """Exactly as written: ``2020-09-07`` or an ISO date-time; never shifted to another zone."""
    media: TweetMedia | None = None

    @property
    def link(self) -> str:
        """The status URL, else the account's page."""
        return self.url or f"https://twitter.com/{self.handle}"

    @property
    def account_url(self) -> str:
        return f"https://twitter.com/{self.handle}"

    @property
    def x_url(self) -> str | None:
        """The status on x.com (where the card links), or None without a status URL."""
        return (
            f"https://x.com/{self.handle}/status/{self.status_id}"
            if self.url and self.status_id
            else None
        )

    @property
    def when(self) -> str | None:
        """The date as written, else the time its status ID encodes (UTC), if it encodes one."""
        return self.date or (status_time(self.status_id) if self.status_id else None)


def status_time(status_id: str) -> str | None:
    """The UTC time a (snowflake) status ID was made, as ISO 8601 with ``Z``; None for old IDs."""
    number = int(status_id)
    if number < SNOWFLAKE_FLOOR:
        return None

    ms = (number >> 22) + SNOWFLAKE_EPOCH_MS
    try:
        moment = DateTime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if moment.year > 2200:
        return None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- URLs


def _check_handle(handle: str, key: str | None) -> str:
    if not _HANDLE.fullmatch(handle):
        raise TweetError(
            f"{handle!r} is not a valid X/Twitter handle",
            "a handle is 1 to 15 letters, digits or underscores, without spaces",
            key,
        )
    return handle


def _check_status_id(status_id: str, key: str | None) -> str:
    if not _STATUS_ID.fullmatch(status_id):
        raise TweetError(
            f"{status_id!r} is not a tweet's status number",
            "the URL must end in /status/ and the tweet's number, digits only",
            key,
        )
    return status_id


def parse_status_url(url: str, *, key: str | None = "url") -> tuple[str, str]:
    """Split a twitter.com or x.com status URL into (handle, status_id).

    Accepts ``www.`` and ``mobile.`` hosts, http or https, ``/status/`` or ``/statuses/``,
    a trailing slash, a ``/photo/N`` suffix and any query string or fragment (dropped).
    Anything else raises :class:`TweetError`.
    """
    hint_form = "write it as https://twitter.com/<handle>/status/<number> or the x.com equivalent"
    if not isinstance(url, str):
        raise TweetError(f"a tweet URL must be text, not {_kind(url)}", hint_form, key)
    if not url:
        raise TweetError("the tweet URL is empty", hint_form, key)
    if any(ch.isspace() for ch in url) or _CONTROL.search(url) or "\\" in url:
        raise TweetError(
            "the tweet URL contains spaces, line breaks, backslashes or control characters",
            "put the URL alone, without spaces",
            key,
        )
    start = _URL_START.fullmatch(url)
    scheme = start["scheme"].lower() if start else ""
    if start is None or scheme not in ("http", "https") or not start["rest"].startswith("//"):
        raise TweetError(f"{_short(url)!r} is not a web address of a tweet", hint_form, key)
    authority, _, after = start["rest"][2:].partition("/")
    authority = re.split(r"[?#]", authority, maxsplit=1)[0]
    if "@" in authority:
        raise TweetError(
            f"{_short(url)!r} hides another site behind a user name (the part before '@')",
            hint_form,
            key,
        )
    if ":" in authority:
        raise TweetError(f"{_short(url)!r} names a port; tweet URLs have none", hint_form, key)
    if not _TWITTER_HOST.fullmatch(authority):
        raise TweetError(
            f"{_short(url)!r} is not on twitter.com or x.com",
            "only tweets from twitter.com and x.com can be embedded",
            key,
        )
    path = "/" + re.split(r"[?#]", after, maxsplit=1)[0]
    if _NO_HANDLE_PATH.match(path):
        raise TweetError(
            f"{_short(url)!r} does not name the account",
            "open the tweet and copy its address, which has the handle: "
            "https://twitter.com/<handle>/status/<number>",
            key,
        )
    match = _STATUS_PATH.fullmatch(path)
    if match is None or "%" in path:
        raise TweetError(f"{_short(url)!r} is not a tweet's status URL", hint_form, key)
    return _check_handle(match["handle"], key), _check_status_id(match["id"], key)


def canonical_status_url(handle: str, status_id: str) -> str:
    """``https://twitter.com/<handle>/status/<id>``, keeping the handle's case."""
    _check_handle(handle, "handle")
    _check_status_id(status_id, "url")
    return f"https://twitter.com/{handle}/status/{status_id}"


# --------------------------------------------------------------------- front matter


def tweet_from_value(value: object) -> Tweet:
    """A front-matter ``tweet`` value (a status URL or a mapping) as a :class:`Tweet`."""
    if isinstance(value, str):
        handle, status_id = parse_status_url(value.strip(" "), key=None)
        return Tweet(canonical_status_url(handle, status_id), handle, status_id, None, None, None)
    if isinstance(value, Mapping):
        return _tweet_from_mapping(value)
    raise TweetError(
        f"a tweet must be a status URL or a mapping, not {_kind(value)}",
        "write `tweet: https://twitter.com/<handle>/status/<number>`, or a mapping "
        "with url, text, author, handle, date",
    )


def _tweet_from_mapping(value: Mapping[Any, Any]) -> Tweet:
    for key in value:
        if not isinstance(key, str) or key not in KEYS:
            raise TweetError(
                f"unknown key {str(key)!r} in a tweet", _closest(str(key), KEYS), str(key)
            )
    url = _raw_text(value, "url")
    handle_value = _raw_text(value, "handle")
    handle = (
        None if handle_value is None else _check_handle(handle_value.removeprefix("@"), "handle")
    )
    canonical = status_id = None
    if url is not None:
        url_handle, status_id = parse_status_url(url)
        if handle is not None and handle.lower() != url_handle.lower():
            raise TweetError(
                f"handle @{handle} does not match the URL's account @{url_handle}",
                "make `handle` the account in the URL, or leave it out",
                "handle",
            )
        canonical = canonical_status_url(url_handle, status_id)
        handle = handle or url_handle
    if handle is None:
        raise TweetError(
            "a tweet needs its `url`",
            "add url: https://twitter.com/<handle>/status/<number>, or at least "
            "`handle` when only a copy of the tweet is known",
            "url",
        )
    author = _optional_text(value, "author", single_line=True)
    return Tweet(
        canonical,
        handle,
        status_id,
        author,
        _optional_text(value, "text"),
        _tweet_date(value.get("date")),
        _media(value.get("media")),
    )


def _raw_text(value: Mapping[Any, Any], key: str) -> str | None:
    """A URL or handle exactly as written (spaces at the ends dropped); None when missing."""
    raw = value.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise TweetError(f"the tweet's `{key}` must be text, not {_kind(raw)}", "quote it", key)
    return str(raw).strip(" ")


def _optional_text(value: Mapping[Any, Any], key: str, *, single_line: bool = False) -> str | None:
    """A text field: None when missing or blank; numbers YAML read as numbers become text."""
    raw = value.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise TweetError(f"the tweet's `{key}` must be text, not {_kind(raw)}", "quote it", key)
    text = _clean(str(raw))
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    return text or None


def _tweet_date(raw: object) -> str | None:
    """The date as written, checked to be a real date (or ISO date-time)."""
    hint = "write the date as YYYY-MM-DD, or an ISO date-time such as 2020-09-07T18:30:00Z"
    if raw is None:
        return None
    if isinstance(raw, DateTime):
        text = raw.isoformat(timespec="milliseconds" if raw.microsecond else "seconds")
    elif isinstance(raw, Date):
        text = raw.isoformat()
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise TweetError(f"the tweet's date must be a date, not {_kind(raw)}", hint, "date")
    try:
        if _DATE.fullmatch(text):
            Date.fromisoformat(text)
        elif _DATETIME.fullmatch(text):
            DateTime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            raise ValueError(text)
    except ValueError:
        raise TweetError(f"{_short(text)!r} is not a valid tweet date", hint, "date") from None
    return text


def _media(raw: object) -> TweetMedia | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise TweetError(
            f"the tweet's media must be a mapping, not {_kind(raw)}",
            "write media: {src: /img/picture.jpg, alt: what the picture shows}",
            "media",
        )
    for key in raw:
        if key not in MEDIA_KEYS:
            raise TweetError(
                f"unknown key {str(key)!r} in the tweet's media",
                _closest(str(key), MEDIA_KEYS),
                "media",
            )
    src = raw.get("src")
    if src is None:
        return None
    if not isinstance(src, str) or not src.strip():
        raise TweetError("the tweet's media.src must be a path or URL", "quote it", "media")
    src = src.strip()
    _check_media_src(src)
    alt = raw.get("alt")
    if isinstance(alt, bool) or not isinstance(alt, (str, int, float)) or not str(alt).strip():
        raise TweetError(
            "the tweet's image has no `alt` text",
            "add media.alt describing what the image shows",
            "media",
        )
    return TweetMedia(src, " ".join(_clean(str(alt)).split()))


def _check_media_src(src: str) -> None:
    hint = "use a path under static/ such as /img/picture.jpg, or an https:// URL"
    bad = any(ch.isspace() for ch in src) or _CONTROL.search(src) or "\\" in src
    if bad or src.startswith("//") or any(ch in src for ch in "<>\"'`"):
        raise TweetError(f"{_short(src)!r} is not a usable image address", hint, "media")
    if _SCHEME.match(src):
        try:
            parts = urlsplit(src)
            usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            usable = usable and parts.username is None and _valid_link_host(src)
        except ValueError:
            usable = False
        if not usable:
            raise TweetError(f"{_short(src)!r} is not a usable image address", hint, "media")


def tweets_from_front_matter(tweet: object, tweets: object) -> list[Tweet]:
    """All tweets of a post: its ``tweet`` value, then each item of its ``tweets`` list."""
    sources: list[tuple[object, str, int | None]] = []
    if tweet is not None:
        sources.append((tweet, "tweet", None))
    if tweets is not None:
        items = list(tweets) if isinstance(tweets, (list, tuple)) else [tweets]
        sources.extend((item, "tweets", index) for index, item in enumerate(items))
    found: list[Tweet] = []
    seen: set[str] = set()
    for raw, field, index in sources:
        try:
            one = tweet_from_value(raw)
        except TweetError as err:
            raise err.located(field, index) from None
        if one.status_id is not None and one.status_id in seen:
            raise TweetError(
                f"the tweet {one.url} is listed twice",
                "list each tweet once",
                "url" if isinstance(raw, Mapping) else None,
                field=field,
                index=index,
            )
        if one.status_id is not None:
            seen.add(one.status_id)
        found.append(one)
    return found


def tweets_by_url(tweets: Iterable[Tweet]) -> dict[str, Tweet]:
    """The ``env["tweets"]`` mapping the Markdown renderer reads: canonical URL → tweet."""
    return {one.url: one for one in tweets if one.url}


# ------------------------------------------------------------------- copied embeds


def copied_tails(text: str) -> Iterator[re.Match[str]]:
    """The matches ``_COPIED_TAIL.finditer(text)`` gives, found in linear time.

    Each "(@handle) date" is found first; the tail then starts at the first dash on its line
    after the previous tail (or after what an earlier search showed to hold none).
    """
    scanned = 0  # no tail can start before this
    for anchor in _TAIL_ANCHOR.finditer(text):
        line_start = text.rfind("\n", scanned, anchor.start()) + 1
        dash = _TAIL_DASH.search(text, max(scanned, line_start), anchor.start())
        if dash is None:
            scanned = anchor.start()
            continue
        tail = _COPIED_TAIL.match(text, dash.start())
        if tail is None:  # cannot happen: the anchor ends the same line; stay safe
            scanned = anchor.start()
            continue
        scanned = tail.end()
        yield tail


def find_copied_embeds(text: str) -> list[tuple[int, int, dict[str, str]]]:
    """Every browser copy of an embed in ``text``: (start, end, mapping) in order.

    An embed ends with "— Name (@handle) Month D, YYYY"; its tweet text starts at the
    beginning of its line (or just after the previous embed).
    """
    found: list[tuple[int, int, dict[str, str]]] = []
    floor = 0
    for tail in copied_tails(text):
        start = max(floor, text.rfind("\n", 0, tail.start()) + 1)
        mapping = _copied_mapping(text, start, tail)
        if mapping is None:
            continue
        while start < tail.start() and text[start].isspace():
            start += 1
        found.append((start, tail.end(), mapping))
        floor = tail.end()
    return found


def parse_copied_embed(text: str) -> dict[str, str] | None:
    """The mapping {text, author, handle, date} of a copied embed, or None if there is none.

    "Great news pic.twitter.com/ab12 — Studio (@studio) May 1, 2021" gives
    ``{"text": "Great news", "author": "Studio", "handle": "studio", "date": "2021-05-01"}``.
    """
    for tail in copied_tails(text):
        mapping = _copied_mapping(text, 0, tail)
        if mapping is not None:
            return mapping
    return None


def _copied_mapping(text: str, start: int, tail: re.Match[str]) -> dict[str, str] | None:
    """The mapping for one tail match, its tweet text taken from ``text[start:]``."""
    try:
        day = Date(int(tail["year"]), _MONTH_NUMBER[tail["month"].lower()], int(tail["day"]))
    except ValueError:
        return None
    author = tail["author"]
    body = text[start : tail.start()]
    # The regex starts at the first dash; the author starts after the last one.
    separators = list(_SEPARATOR.finditer(author))
    dashes = [sep for sep in separators if sep.group()[0] in "\u2014\u2013"]
    found = dashes or separators
    if found:
        last = found[-1]
        body = text[start : tail.start("author") + last.start()]
        author = author[last.end() :]
    body = _PIC_LINK.sub("", body)
    body = _TCO_TAIL.sub("", body).strip()
    author = " ".join(author.split()) or tail["handle"]
    return {"text": body, "author": author, "handle": tail["handle"], "date": day.isoformat()}


# -------------------------------------------------------------------------- markup


def render_tweet(tweet: Tweet, *, base_path: str = "/", remote_images: bool = False) -> Markup:
    """The tweet as a ``blockquote.twitter-tweet`` that reads well with no script.

    ``base_path`` ("/" or "/movie-news/") prefixes site-relative image paths. An image
    on another host is shown only when ``remote_images`` is true (the site accepts
    third-party requests); otherwise it becomes a link, so the page requests nothing
    from elsewhere.
    """
    handle = escape(tweet.handle)
    classes = ["twitter-tweet", "tweet"] if tweet.url else ["tweet"]
    if not tweet.text:
        classes.append("tweet--card")
    attrs = f' class="{" ".join(classes)}"'
    if tweet.url:
        attrs += f' cite="{escape(tweet.url)}" data-dnt="true"'
    parts = [Markup(f"<blockquote{attrs}>")]
    if tweet.text:
        parts.append(Markup('<p class="tweet__text" dir="auto">%s</p>') % linkify_text(tweet.text))
        if tweet.media:
            parts.append(_render_media(tweet.media, base_path, remote_images))
        parts.append(_render_meta(tweet, link_date=True))
    else:
        parts.append(
            Markup('<p class="tweet__text"><a href="%s">%s by @%s on %s</a></p>')
            % (tweet.x_url or tweet.link, "Post" if tweet.url else "Posts", handle, PLATFORM)
        )
        if tweet.media:
            parts.append(_render_media(tweet.media, base_path, remote_images))
        if tweet.author or tweet.when:
            parts.append(_render_meta(tweet, link_date=False))
    parts.append(Markup("</blockquote>"))
    return Markup("\n").join(parts)


def _render_meta(tweet: Tweet, *, link_date: bool) -> Markup:
    """The line under a tweet, "— Author (@handle) date" (under a card with no text and no
    author, whose link names the handle already, the date alone)."""
    handle = escape(tweet.handle)
    card = not link_date and not tweet.author
    pieces = [] if card else [Markup("\u2014")]
    if tweet.author:
        pieces.append(Markup('<span class="tweet__author">%s</span>') % tweet.author)
    if card:
        pass  # the card's link names the handle already
    elif tweet.url or not link_date:
        pieces.append(Markup('<span class="tweet__handle">(@%s)</span>') % handle)
    else:
        pieces.append(
            Markup('<span class="tweet__handle">(<a href="%s">@%s</a>)</span>')
            % (tweet.account_url, handle)
        )
    time = None
    if tweet.when:
        time = Markup('<time datetime="%s">%s</time>') % (tweet.when, human_date(tweet.when))
    if link_date and tweet.url:
        label = time if time is not None else Markup("View the post on %s") % PLATFORM
        pieces.append(
            Markup('<a class="tweet__date" href="%s">%s</a>') % (tweet.x_url or tweet.url, label)
        )
    elif time is not None:
        pieces.append(Markup('<span class="tweet__date">%s</span>') % time)
    return Markup('<p class="tweet__meta">%s</p>') % Markup(" ").join(pieces)


def _render_media(media: TweetMedia, base_path: str, remote_images: bool) -> Markup:
    if _SCHEME.match(media.src):
        if not remote_images:
            return Markup('<p class="tweet__media"><a href="%s">Image: %s</a></p>') % (
                _href(media.src),
                media.alt,
            )
        src = _href(media.src)
    else:
        # Marked for the image pipeline: the page's ``media`` filter makes it a <picture>.
        src = _href(base_path.rstrip("/") + "/" + media.src.lstrip("/"))
        rel = media.src.split("#", 1)[0].split("?", 1)[0].lstrip("/")
        return Markup(
            '<p class="tweet__media"><img src="%s" alt="%s" loading="lazy" data-newsreel-image="%s"></p>'
        ) % (src, media.alt, rel)
    img = Markup('<p class="tweet__media"><img src="%s" alt="%s" loading="lazy"></p>')
    return img % (src, media.alt)


def linkify_text(text: str) -> Markup:
    """Tweet text escaped, with URLs, @mentions and #hashtags linked and line breaks kept."""
    out: list[str] = []
    pos = 0
    text = _clean(text)
    for match in _ENTITY.finditer(text):
        out.append(escape(text[pos : match.start()]))
        pos = match.end()
        if match["url"]:
            url, trail = _trim_url(match["url"])
            href = _href(url) if _valid_link_host(url) else None
            out.append(Markup('<a href="%s">%s</a>') % (href, url) if href else escape(url))
            out.append(escape(trail))
        elif match["mention"]:
            name = match["mention"]
            out.append(Markup('<a href="https://twitter.com/%s">@%s</a>') % (name, name))
        else:
            tag = match["tag"]
            out.append(
                Markup('<a href="https://twitter.com/hashtag/%s">#%s</a>') % (quote(tag), tag)
            )
    out.append(escape(text[pos:]))
    html = "".join(str(piece) for piece in out)
    return Markup(html.replace("\n", "<br>\n"))


def _trim_url(url: str) -> tuple[str, str]:
    """Split punctuation that ends a sentence (or an unbalanced ")") off a URL."""
    end = len(url)
    while end > 0:
        ch = url[end - 1]
        if ch in _TRAILING_PUNCT or ch == ")" and url[:end].count("(") < url[:end].count(")"):
            end -= 1
        else:
            break
    return url[:end], url[end:]


def _valid_link_host(url: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return bool(host) and re.fullmatch(r"[\w-]+(?:\.[\w-]+)*\.?", host or "") is not None


def _href(url: str) -> str:
    """A URL made safe for an ``href``/``src``: stray "%" and unusual characters encoded."""
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    return quote(url, safe="/:?#[]@!$&'()*+,;=%-._~")


# ------------------------------------------------------------------------ markdown


def tweet_embed_plugin(md: MarkdownIt) -> None:
    """Embed a tweet where a status URL stands alone on a line (a paragraph of its own).

    Reads ``env["tweets"]`` (canonical URL → :class:`Tweet`) for the text, else renders a
    link card; ``env["base_path"]`` and ``env["tweet_remote_images"]`` tune images.
    Records ``env["embedded_tweets"]`` (canonical URLs) and adds
    ``(line, message, hint)`` to ``env["problems"]`` for a twitter.com/x.com line that
    is not a status URL.
    """
    md.block.ruler.before("paragraph", "tweet_embed", _tweet_block)
    md.add_render_rule("tweet", _render_tweet_token)
    md.add_render_rule("tweet_invalid", _render_invalid_token)


def _tweet_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    start = state.bMarks[start_line] + state.tShift[start_line]
    end = state.eMarks[start_line]
    if start >= end or state.src[start] not in "hH<":
        return False
    if state.is_code_block(start_line):
        return False
    line = state.src[start:end].strip()
    url = line[1:-1] if line.startswith("<") and line.endswith(">") else line
    if not _TWITTERISH.match(url) or any(ch.isspace() for ch in url):
        return False
    if not _ends_here(state, start_line + 1):
        return False
    if silent:
        return True
    env = state.env
    try:
        handle, status_id = parse_status_url(url)
    except TweetError as err:
        token = state.push("tweet_invalid", "p", 0)
        token.content = line
        token.meta = {"message": err.message, "hint": err.hint}
        env.setdefault("problems", []).append((start_line + 1, err.message, err.hint))
    else:
        canonical = canonical_status_url(handle, status_id)
        known = _known_tweet(env.get("tweets"), canonical, status_id)
        if known is not None and known.url:
            canonical, handle = known.url, known.handle
        token = state.push("tweet", "blockquote", 0)
        token.content = line
        token.meta = {"url": canonical, "handle": handle, "status_id": status_id}
        embedded = env.setdefault("embedded_tweets", [])
        if canonical not in embedded:
            embedded.append(canonical)
    token.block = True
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def _ends_here(state: StateBlock, next_line: int) -> bool:
    """True when the paragraph rule would not continue onto ``next_line``."""
    if next_line >= state.lineMax or state.isEmpty(next_line):
        return True
    if state.sCount[next_line] - state.blkIndent > 3 or state.sCount[next_line] < 0:
        return False
    old_parent = state.parentType
    state.parentType = "paragraph"
    try:
        rules = state.md.block.ruler.getRules("paragraph")
        return any(rule(state, next_line, state.lineMax, True) for rule in rules)
    finally:
        state.parentType = old_parent


def _render_tweet_token(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    meta = tokens[idx].meta
    tweet = _known_tweet(env.get("tweets"), meta["url"], meta["status_id"]) or Tweet(
        meta["url"], meta["handle"], meta["status_id"], None, None, None
    )
    base_path = str(env.get("base_path") or "/")
    remote = bool(env.get("tweet_remote_images"))
    return f"{render_tweet(tweet, base_path=base_path, remote_images=remote)}\n"


def _render_invalid_token(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return f"<p>{escape(tokens[idx].content)}</p>\n"


def _known_tweet(known: object, url: str, status_id: str) -> Tweet | None:
    """The front-matter tweet with this status (same number, whatever the handle's case)."""
    if not known:
        return None
    if isinstance(known, Mapping):
        hit = known.get(url)
        if isinstance(hit, Tweet):
            return hit
        candidates: Iterable[object] = known.values()
    else:
        candidates = known if isinstance(known, Iterable) else ()
    for one in candidates:
        if isinstance(one, Tweet) and one.status_id == status_id:
            return one
    return None


# -------------------------------------------------------------------------- helpers


def tweet_jsonld(tweet: Tweet) -> dict[str, Any]:
    """schema.org ``SocialMediaPosting`` for a post's JSON-LD (e.g. as its ``citation``)."""
    author = {
        "@type": "Person",
        "name": tweet.author or f"@{tweet.handle}",
        "alternateName": f"@{tweet.handle}",
        "url": tweet.account_url,
    }
    data: dict[str, Any] = {"@type": "SocialMediaPosting", "url": tweet.link, "author": author}
    if tweet.text:
        data["text"] = tweet.text
    if tweet.date:
        data["datePublished"] = tweet.date
    return data


def _clean(text: str) -> str:
    """Text without control characters (kept: tab and line breaks), NFC-normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def _closest(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    return "known keys: " + ", ".join(known)


def _kind(value: object) -> str:
    """How a person would name the kind of a YAML value."""
    kinds = (
        (type(None), "nothing"),
        (bool, "true/false"),
        ((int, float), "a number"),
        ((list, tuple), "a list"),
        (Mapping, "a mapping"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
