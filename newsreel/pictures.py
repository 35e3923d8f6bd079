"""Pictures in pages: image references with their lines, ``<picture>`` markup, Markdown images.

Front matter and Markdown name images by site path (``/img/x.jpg``, from ``static/``) or
by ``https://`` URL. Local raster images are shown through the pipeline's variants
(``images.py``) as ``<picture>`` with AVIF and WebP sources, ``srcset``/``sizes``, and the
intrinsic ``width``/``height``; SVGs and remote images are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup, escape

from newsreel.errors import Problem, error
from newsreel.images import Catalog, ImageInfo, is_remote, static_rel

if TYPE_CHECKING:  # pragma: no cover
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

Focus = tuple[float, float]
CENTRE: Focus = (0.5, 0.5)
_FOCUS = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)\s*%\s*[ ,]\s*(\d{1,3}(?:\.\d+)?)\s*%\s*")
_FOCUS_WORDS = {
    "center": CENTRE,
    "centre": CENTRE,
    "top": (0.5, 0.0),
    "bottom": (0.5, 1.0),
    "left": (0.0, 0.5),
    "right": (1.0, 0.5),
}
SIZES = {
    "lead": "(min-width: 44rem) 42rem, 100vw",
    "card": "(min-width: 72rem) 22rem, (min-width: 40rem) 45vw, 100vw",
    "poster": "(min-width: 40rem) 11rem, 60vw",
    "body": "(min-width: 44rem) 42rem, 100vw",
    "still": "(min-width: 60rem) 20rem, (min-width: 40rem) 45vw, 100vw",
    "tweet": "(min-width: 36rem) 32rem, 90vw",
    "row": "(min-width: 40rem) 10rem, 30vw",
}
"""``sizes`` for the built-in theme's places (an estimate of the rendered width)."""


@dataclass(frozen=True)
class ImageRef:
    """A local image a source file uses, with the line that names it (for messages)."""

    src: str
    line: int | None
    what: str
    """How to name it in a message ("image", "poster", "stills[2]", "a Markdown image")."""


@dataclass(frozen=True)
class Still:
    """One picture of a film's ``stills`` list."""

    src: str
    alt: str | None
    focus: Focus = CENTRE


def parse_focus(value: object) -> Focus | None:
    """``30% 20%`` (x then y), or center/top/bottom/left/right → fractions; None if unreadable."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in _FOCUS_WORDS:
        return _FOCUS_WORDS[text]
    match = _FOCUS.fullmatch(text)
    if match is None:
        return None
    x, y = float(match[1]), float(match[2])
    if x > 100 or y > 100:
        return None
    return (x / 100, y / 100)


def check_refs(path: str, refs: Iterable[ImageRef], catalog: Catalog) -> list[Problem]:
    """Errors for local images that are missing or cannot be used."""
    problems = []
    for ref in refs:
        if is_remote(ref.src) or ref.what == "trailer":
            continue
        rel = static_rel(ref.src)
        if rel.lower().endswith(".svg"):
            if rel not in catalog.svgs:
                problems.append(
                    error(
                        path,
                        ref.line,
                        f"{ref.what} {ref.src!r} is not in static/",
                        f"put the file at static/{rel}, or fix the path",
                    )
                )
            continue
        info = catalog.images.get(rel)
        if info is None:
            hint = (
                f"put the file at static/{rel}, or fix the path"
                if "." in rel.rsplit("/", 1)[-1]
                else "name an image file, such as /img/poster.jpg"
            )
            if rel and not rel.lower().endswith(
                (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
            ):
                hint = "use a JPEG, PNG, GIF, WebP, AVIF or SVG image under static/"
            problems.append(
                error(path, ref.line, f"{ref.what} {ref.src!r} is not an image in static/", hint)
            )
        elif info.error:
            problems.append(
                error(
                    path,
                    ref.line,
                    f"{ref.what} static/{rel} cannot be used: {info.error}",
                    "replace it with a working JPEG, PNG or WebP: re-export it from an image editor",
                )
            )
    return problems


# --- markup ------------------------------------------------------------------------


def _quoted(rel: str) -> str:
    """A picture's file path as a URL path: a space, a comma (which ends a ``srcset``
    candidate) or a quote in a file name percent-encoded, the file itself keeping its name."""
    return quote(rel, safe="/-._~!$&'()*+;=:@")


class Pictures:
    """Makes the markup of local and remote images for one build (``link`` adds the base path)."""

    def __init__(self, catalog: Catalog, link: Callable[[str], str]) -> None:
        self.catalog = catalog
        self.link = link

    def info(self, src: str | None) -> ImageInfo | None:
        if not src or is_remote(src):
            return None
        info = self.catalog.get(src)
        return info if info is not None and not info.error and info.variants else None

    def size(self, src: str | None) -> tuple[int, int] | None:
        """Width and height of a local image (a raster's largest variant; an SVG's, or a
        raster's that nothing names, own), or None."""
        info = self.info(src)
        if info is not None:
            return info.largest.width, info.largest.height
        if not src or is_remote(src):
            return None
        rel = static_rel(src)
        return self.catalog.svgs.get(rel) or self.catalog.plain.get(rel)

    def path(self, src: str, width: int = 960) -> str:
        """The site path of the image's JPEG/PNG variant closest to ``width`` (the file's own
        path for an SVG; a remote URL as it is)."""
        info = self.info(src)
        if info is None:
            return src if is_remote(src) else "/" + _quoted(static_rel(src))
        variant = min(info.fallback, key=lambda v: (abs(v.width - width), -v.width))
        return "/" + _quoted(variant.rel)

    def url(self, src: str, width: int = 960) -> str:
        """A link to the image (``path`` under the base path)."""
        path = self.path(src, width)
        return path if is_remote(path) else self.link(path)

    def srcset(self, info: ImageInfo, fmt: str) -> str:
        return ", ".join(f"{self.link('/' + _quoted(v.rel))} {v.width}w" for v in info.of(fmt))

    def picture(
        self,
        src: str | None,
        alt: str | None = None,
        *,
        sizes: str = "body",
        lead: bool = False,
        lazy: bool = True,
        class_: str = "",
        focus: Sequence[float] | None = None,
    ) -> Markup:
        """``<picture>`` for a local raster image; ``<img>`` for an SVG or a remote one.

        ``sizes`` is a ``sizes`` attribute or a key of ``SIZES``; ``lead`` marks the page's
        main image (loaded first: ``fetchpriority="high"``, never lazy)."""
        if not src:
            return Markup("")
        sizes = SIZES.get(sizes, sizes)
        alt_text = "" if alt is None else str(alt)
        loading = (
            Markup(' fetchpriority="high"')
            if lead
            else (Markup(' loading="lazy"') if lazy else Markup(""))
        )
        cls = Markup(' class="%s"') % class_ if class_ else Markup("")
        if focus is not None and tuple(focus) != CENTRE:
            cls += Markup(' style="object-position: %g%% %g%%"') % (
                round(focus[0] * 100, 1),
                round(focus[1] * 100, 1),
            )
        info = self.info(src)
        if info is None:
            if is_remote(src):
                return Markup('<img src="%s" alt="%s"%s%s decoding="async">') % (
                    src,
                    alt_text,
                    cls,
                    loading,
                )
            rel = static_rel(src)
            size = self.catalog.svgs.get(rel) or self.catalog.plain.get(rel)
            dims = Markup(' width="%d" height="%d"') % size if size else Markup("")
            return Markup('<img src="%s" alt="%s"%s%s%s decoding="async">') % (
                self.link("/" + rel),
                alt_text,
                dims,
                cls,
                loading,
            )
        largest = info.largest
        default = min(info.fallback, key=lambda v: (abs(v.width - 960), -v.width))
        sources = [
            Markup('<source type="%s" srcset="%s" sizes="%s">')
            % (info.of(fmt)[0].mime, self.srcset(info, fmt), sizes)
            for fmt in ("avif", "webp")
            if info.of(fmt)
        ]
        fmt = "png" if info.alpha else "jpeg"
        img = Markup(
            '<img src="%s" srcset="%s" sizes="%s" width="%d" height="%d" alt="%s"%s%s decoding="async">'
        ) % (
            self.link("/" + default.rel),
            self.srcset(info, fmt),
            sizes,
            largest.width,
            largest.height,
            alt_text,
            cls,
            loading,
        )
        return Markup("<picture>") + Markup("").join(sources) + img + Markup("</picture>")

    def body(self, html: str) -> Markup:
        """A rendered Markdown body with its local images as ``<picture>`` (see ``image_plugin``)."""

        def replace(match: re.Match[str]) -> str:
            alt = Markup(match["alt"]).unescape()
            return str(self.picture(Markup(match["rel"]).unescape(), alt, sizes="body"))

        text = str(html)
        if "data-newsreel-image" not in text:  # (a substring test: the pattern's search is slower)
            return Markup(text)
        return Markup(_MARKED.sub(replace, text))


_MARKED = re.compile(
    r'<img src="[^"<>]*" alt="(?P<alt>[^"<>]*)"(?: loading="lazy")? data-newsreel-image="(?P<rel>[^"<>]*)">'
)


# --- Markdown ------------------------------------------------------------------------


def image_plugin(md: MarkdownIt) -> None:
    """Mark local Markdown images for ``Pictures.body`` and record them (with their lines) in
    ``env["images"]``; an image without alt text adds to ``env["warnings"]``."""
    md.core.ruler.push(
        "newsreel_image_lines", _image_lines
    )  # before the base path is added to srcs
    md.add_render_rule("image", _render_image)


def _image_lines(state: StateCore) -> None:
    if "![" not in state.src:
        return  # no image (every Markdown image starts so)
    for block in state.tokens:
        if block.type != "inline" or not block.children or not block.map:
            continue
        line = block.map[0]
        for token in block.children:
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "image":
                token.meta = {
                    **(token.meta or {}),
                    "line": line + 1,
                    "original": str(token.attrGet("src") or ""),
                }


def _render_image(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    original = (token.meta or {}).get("original", src)
    line = (token.meta or {}).get("line")
    if is_remote(original) or not original:
        return self.image(tokens, idx, options, env)  # type: ignore[no-any-return]
    env.setdefault("images", []).append((original, line))
    if not alt.strip():
        env.setdefault("warnings", []).append(
            (
                line,
                f"the image {original!r} has no alt text",
                "describe it: ![what the picture shows](" + original + ")",
            )
        )
    title = token.attrGet("title")
    extra = f' title="{escape(title)}"' if title else ""
    if extra:
        return f'<img src="{escape(src)}" alt="{escape(alt)}"{extra}>'
    return f'<img src="{escape(src)}" alt="{escape(alt)}" data-newsreel-image="{escape(static_rel(original))}">'
