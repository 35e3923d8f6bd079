"""Trailers and clips: YouTube and Vimeo URLs, a site's own video files, and their markup.

A trailer is shown as a *facade*: a local poster frame (an image through the pipeline, no
third-party thumbnail) with a play button, which is a plain link to the video; a click
(``static/js/trailer.js``) swaps in the real player from ``youtube-nocookie.com`` or Vimeo
with ``dnt=1``. Nothing is requested from those hosts before the click. A site's own file
(``/clips/x.mp4`` in ``static/``) plays in ``<video preload="none">``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup, escape

if TYPE_CHECKING:  # pragma: no cover
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.token import Token

FILE_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
}
HOSTS = {"YouTube": ("youtube.com", "youtu.be", "youtube-nocookie.com"), "Vimeo": ("vimeo.com",)}
_YT_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,20}")
_TIME = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"'`]")
# A line that looks like a video address: a YouTube or Vimeo authority.
_VIDEOISH = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*(?:youtube\.com|youtu\.be|youtube-nocookie\.com|vimeo\.com)"
    r"(?:[/?#:]|$)",
    re.I,
)


class VideoError(ValueError):
    """A trailer value that cannot be used."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Video:
    """A trailer or clip."""

    host: str
    """"YouTube", "Vimeo" or "" for a site's own file."""
    id: str
    """The video's id on its host, or the site path of the file ("/clips/x.mp4")."""
    start: int = 0
    """Seconds into the video to start at."""
    hash: str = ""
    """Vimeo's private-link hash, when the video is unlisted."""
    title: str = ""
    poster: str | None = None
    """An image (site path or https URL) for the poster frame; default the page's own picture."""

    @property
    def url(self) -> str:
        """Where the video is watched (the link shown without JavaScript)."""
        if self.host == "YouTube":
            return f"https://www.youtube.com/watch?v={self.id}" + (
                f"&t={self.start}s" if self.start else ""
            )
        if self.host == "Vimeo":
            return (
                f"https://vimeo.com/{self.id}"
                + (f"/{self.hash}" if self.hash else "")
                + (f"#t={self.start}s" if self.start else "")
            )
        return self.id

    @property
    def embed_url(self) -> str:
        """The privacy-preserving player, loaded only after a click."""
        if self.host == "YouTube":
            return f"https://www.youtube-nocookie.com/embed/{self.id}?autoplay=1" + (
                f"&start={self.start}" if self.start else ""
            )
        if self.host == "Vimeo":
            return (
                f"https://player.vimeo.com/video/{self.id}?dnt=1&autoplay=1"
                + (f"&h={self.hash}" if self.hash else "")
                + (f"#t={self.start}s" if self.start else "")
            )
        return self.id

    @property
    def is_file(self) -> bool:
        return not self.host

    @property
    def mime(self) -> str:
        return FILE_TYPES.get("." + self.id.rsplit(".", 1)[-1].lower(), "video/mp4")


HINT = (
    "use a YouTube or Vimeo address (https://www.youtube.com/watch?v=…, https://youtu.be/…, "
    "https://vimeo.com/…) or a video file under static/ (/clips/trailer.mp4)"
)


def parse_video(value: str) -> Video:
    """A trailer value as a :class:`Video`; ``VideoError`` for anything else."""
    url = value.strip()
    if not url:
        raise VideoError("the trailer is empty", HINT)
    if _CONTROL.search(url):
        raise VideoError(f"{_short(url)!r} contains spaces, quotes or control characters", HINT)
    if url.startswith("/") and not url.startswith("//"):
        path = url.split("?", 1)[0].split("#", 1)[0]
        if ".." in path.split("/"):
            raise VideoError(f"{_short(url)!r} leaves the site folder", HINT)
        if "." + path.rsplit(".", 1)[-1].lower() not in FILE_TYPES:
            raise VideoError(
                f"{_short(url)!r} is not a video file",
                "a site's own video must be .mp4, .m4v, .webm, .ogv or .mov under static/",
            )
        return Video("", path)
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise VideoError(f"{_short(url)!r} is not a valid address", HINT) from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise VideoError(f"{_short(url)!r} is not a web address of a video", HINT)
    if parts.username is not None or parts.password is not None or port is not None:
        raise VideoError(
            f"{_short(url)!r} has a user name or a port; video addresses have neither", HINT
        )
    query = parse_qs(parts.query)
    path = parts.path
    if _on(host, "youtu.be"):
        return _youtube(path.strip("/"), query, url)
    if _on(host, "youtube.com") or _on(host, "youtube-nocookie.com"):
        pieces = [p for p in path.split("/") if p]
        if pieces[:1] == ["watch"] or not pieces:
            return _youtube((query.get("v") or [""])[0], query, url)
        if len(pieces) == 2 and pieces[0] in ("embed", "shorts", "live", "v"):
            return _youtube(pieces[1], query, url)
        raise VideoError(
            f"{_short(url)!r} is not the address of one YouTube video",
            "copy the address of the video itself: https://www.youtube.com/watch?v=…",
        )
    if _on(host, "vimeo.com"):
        pieces = [p for p in path.split("/") if p]
        if host == "player.vimeo.com" and pieces[:1] == ["video"]:
            pieces = pieces[1:]
            secret = (query.get("h") or [""])[0]
        else:
            pieces = [
                p for p in pieces if p not in ("channels", "groups", "album", "showcase", "videos")
            ]
            while pieces and not _VIMEO_ID.fullmatch(pieces[0]):
                pieces = pieces[1:]  # a channel's or group's name
            secret = pieces[1] if len(pieces) > 1 else ""
        if (
            not pieces
            or not _VIMEO_ID.fullmatch(pieces[0])
            or (secret and not _VIMEO_HASH.fullmatch(secret))
        ):
            raise VideoError(
                f"{_short(url)!r} is not the address of one Vimeo video",
                "copy the video's address: https://vimeo.com/<number>",
            )
        return Video("Vimeo", pieces[0], _start(parts.fragment.removeprefix("t=")), secret)
    raise VideoError(f"{_short(url)!r} is not on YouTube or Vimeo", HINT)


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _youtube(video_id: str, query: Mapping[str, list[str]], url: str) -> Video:
    if not _YT_ID.fullmatch(video_id):
        raise VideoError(
            f"{_short(url)!r} does not name a YouTube video (its id is 11 letters, digits, - or _)",
            "copy the address of the video: https://www.youtube.com/watch?v=…",
        )
    start = (query.get("t") or query.get("start") or [""])[0]
    return Video("YouTube", video_id, _start(start))


def _start(value: str) -> int:
    match = _TIME.fullmatch(value.strip()) if value else None
    if not match or not any(match.groups()):
        return 0
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def video_from_value(value: object) -> Video:
    """A front-matter ``trailer``: an address, or ``{url, title, poster}``."""
    if isinstance(value, str):
        return parse_video(value)
    if isinstance(value, Mapping):
        unknown = [str(k) for k in value if k not in ("url", "title", "poster")]
        if unknown:
            raise VideoError(
                f"unknown key {unknown[0]!r} in the trailer", "known keys: url, title, poster"
            )
        url = value.get("url")
        if not isinstance(url, str):
            raise VideoError(
                "the trailer needs its url", "write trailer: {url: https://youtu.be/…, title: …}"
            )
        video = parse_video(url)
        title = value.get("title")
        poster = value.get("poster")
        if title is not None and not isinstance(title, (str, int, float)):
            raise VideoError("the trailer's title must be text", "quote it")
        if poster is not None and (not isinstance(poster, str) or not poster.strip()):
            raise VideoError(
                "the trailer's poster must be an image path", "write poster: /img/still.jpg"
            )
        if isinstance(poster, str) and (
            _CONTROL.search(poster.strip())
            or (":" in poster.split("/", 1)[0] and not poster.startswith("https://"))
        ):
            raise VideoError(
                f"the trailer's poster {_short(poster)!r} is not a safe image address",
                "use a path like /img/still.jpg or an https:// URL",
            )
        return Video(
            video.host,
            video.id,
            video.start,
            video.hash,
            " ".join(str(title or "").split()),
            poster.strip() if isinstance(poster, str) else None,
        )
    raise VideoError("a trailer must be an address or a mapping", HINT)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- markup ------------------------------------------------------------------------

PLAY_ICON = Markup(
    '<svg viewBox="0 0 68 48" width="68" height="48" aria-hidden="true" focusable="false">'
    '<rect width="68" height="48" rx="12"/><path d="M27 14v20l18-10z" fill="#fff"/></svg>'
)


def player(
    video: Video,
    *,
    title: str,
    poster: Markup | None,
    poster_url: str | None,
    file_url: str,
    script_url: str,
) -> Markup:
    """The trailer's markup: a link to the video dressed as a player (``poster`` is the
    frame's ``<picture>``), or ``<video preload="none">`` for a site's own file."""
    label = video.title or title
    if video.is_file:
        poster_attr = Markup(' poster="%s"') % poster_url if poster_url else Markup("")
        return Markup(
            '<figure class="trailer trailer--file"><video controls preload="none" playsinline%s '
            'aria-label="%s"><source src="%s" type="%s"><a href="%s">Download the video</a></video>'
            "</figure>"
        ) % (poster_attr, label, file_url, video.mime, file_url)
    frame = poster if poster is not None else Markup('<span class="trailer__blank"></span>')
    return Markup(
        '<figure class="trailer">'
        '<a class="trailer__link" href="%s" data-embed="%s" data-title="%s">%s'
        '<span class="trailer__play">%s</span>'
        '<span class="trailer__label">Play<span class="visually-hidden"> %s</span> '
        '<span class="trailer__host">on %s</span></span></a>'
        '</figure><script src="%s" defer></script>'
    ) % (video.url, video.embed_url, label, frame, PLAY_ICON, label, video.host, script_url)


def video_ld(
    video: Video,
    *,
    name: str,
    description: str,
    thumbnail: str | None,
    uploaded: str,
    content_url: str | None = None,
) -> dict[str, Any]:
    """schema.org ``VideoObject``."""
    data: dict[str, Any] = {
        "@type": "VideoObject",
        "name": video.title or name,
        "description": description,
        "uploadDate": uploaded,
    }
    if thumbnail:
        data["thumbnailUrl"] = thumbnail
    if video.is_file:
        data["contentUrl"] = content_url or video.id
    else:
        data["embedUrl"] = video.embed_url.split("?", 1)[0]
        data["url"] = video.url
    return data


# --- Markdown ------------------------------------------------------------------------


def video_embed_plugin(md: MarkdownIt) -> None:
    """A YouTube or Vimeo address alone on a line becomes a trailer (rendered at page time
    by the ``media`` filter from the link this leaves); a malformed one is an error."""
    md.block.ruler.before("paragraph", "video_embed", _video_block)
    md.add_render_rule("video", _render_video)


def _video_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    start = state.bMarks[start_line] + state.tShift[start_line]
    end = state.eMarks[start_line]
    if start >= end or state.src[start] not in "hH<" or state.is_code_block(start_line):
        return False
    line = state.src[start:end].strip()
    url = line[1:-1] if line.startswith("<") and line.endswith(">") else line
    if not _VIDEOISH.match(url) or any(ch.isspace() for ch in url):
        return False
    next_line = start_line + 1
    if next_line < state.lineMax and not state.isEmpty(next_line):
        return False
    if silent:
        return True
    try:
        video = parse_video(url)
    except VideoError as err:
        state.env.setdefault("problems", []).append((start_line + 1, err.message, err.hint))
        token = state.push("video", "p", 0)
        token.meta = {"video": None, "text": line}
    else:
        token = state.push("video", "p", 0)
        token.meta = {"video": video}
        state.env.setdefault("videos", []).append(video)
    token.block = True
    token.map = [start_line, next_line]
    state.line = next_line
    return True


def _render_video(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    video = tokens[idx].meta.get("video")
    if video is None:
        return f"<p>{escape(tokens[idx].meta['text'])}</p>\n"
    return (
        f'<p class="trailer-link" data-newsreel-video="{escape(video.url)}"><a href="{escape(video.url)}">'
        f"Watch the video on {escape(video.host)}</a></p>\n"
    )


_MARKED = re.compile(
    r'<p class="trailer-link" data-newsreel-video="(?P<url>[^"<>]*)"><a href="[^"<>]*">'
    r"Watch the video on [A-Za-z]+</a></p>"
)


def replace_marked(html: str, make: Any) -> str:
    """Swap each marked video link of a rendered body for ``make(video)``."""

    def swap(match: re.Match[str]) -> str:
        try:
            video = parse_video(Markup(match["url"]).unescape())
        except VideoError:
            return match.group()
        return str(make(video))

    if "data-newsreel-video" not in html:  # (a substring test: the pattern's search is slower)
        return html
    return _MARKED.sub(swap, html)
