"""Social cards: the 1200×630 Open Graph / Twitter image of every post, film and actor page.

A page with its own picture gets that picture cropped around its focal point; any other
gets a card drawn at build time: the title and the site's name in Inter (SIL Open Font
License, shipped in ``newsreel/fonts/``), beside the film's poster when there is one.
Cards are written at a stable address beside their page (``/posts/x/card.jpg``) and cached
in ``.newsreel-cache/images/`` by a hash of everything drawn on them.
"""

from __future__ import annotations

import functools
import io
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsreel.hashing import hash_repr
from newsreel.images import Catalog, ImageInfo, load_pillow, pipeline_key

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image, ImageFont

    from newsreel.model import SiteView
    from newsreel.taxonomies import Taxonomy

SIZE = (1200, 630)
FONTS = Path(__file__).resolve().parent / "fonts"
CARD_NAME = "card.jpg"
INK = (250, 248, 244)
MUTED = (190, 186, 200)
ACCENT = (230, 57, 70)
BACKGROUND = ((22, 22, 30), (44, 30, 52))


@dataclass(frozen=True)
class CardSpec:
    """Everything drawn on one card."""

    url: str
    """Site path of the card ("/posts/x/card.jpg")."""
    title: str
    site: str
    kicker: str
    """A line above the title (the term's kind, or the works a post is about)."""
    photo: tuple[str, str, float, float] | None = None
    """The page's own picture: (cached file, its digest, focus x, focus y), cropped to fill the card."""
    poster: tuple[str, str] | None = None
    """A poster drawn beside the title: (cached file, digest)."""

    @property
    def key(self) -> str:
        parts = (
            pipeline_key(),
            self.title,
            self.site,
            self.kicker,
            self.photo[1:] if self.photo else None,
            self.poster[1] if self.poster else None,
        )
        return hash_repr(parts, 12)


def card_url(page_url: str) -> str:
    """Where a page's card lives: beside its ``index.html``."""
    return (page_url if page_url.endswith("/") else page_url + ".") + CARD_NAME


def source_file(catalog: Catalog, src: str | None) -> tuple[str, str] | None:
    """The cached JPEG/PNG of a local raster image to draw from (≤1600 px wide), with its digest."""
    if not src or catalog.folder is None:
        return None
    info: ImageInfo | None = catalog.get(src)
    if info is None or info.error or not info.variants:
        return None
    return str(catalog.folder / info.digest / info.largest.cached), info.digest


_LOCAL = threading.local()
"""Each drawing thread's fonts (a FreeType face is not to be shared between threads)."""


def _font(weight: int, size: int) -> ImageFont.FreeTypeFont:
    fonts: dict[tuple[int, int], ImageFont.FreeTypeFont] = _LOCAL.__dict__.setdefault("fonts", {})
    font = fonts.get((weight, size))
    if font is None:
        from PIL import ImageFont

        font = fonts[weight, size] = ImageFont.truetype(str(FONTS / f"Inter-{weight}.ttf"), size)
    return font


@functools.cache
def _background() -> Image.Image:
    """The cards' ground: a diagonal blend of the two background colours (made once)."""
    from PIL import Image

    card = Image.new("RGB", SIZE, BACKGROUND[0])
    shade = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(SIZE)
    card.paste(Image.new("RGB", SIZE, BACKGROUND[1]), (0, 0), shade)
    return card


MOST_LINES = 8
"""More lines than a card shows at its smallest title size: wrapping stops there."""


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` in lines no wider than ``width``, at most ``MOST_LINES`` and one (the caller
    cuts the last it shows). A word wider than a line is cut where the most of it fits, found
    by halving: measuring one character less each time was quadratic in a long word."""
    lines: list[str] = []
    for word in text.split():
        if len(lines) > MOST_LINES:
            break
        if lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
            continue
        while len(lines) <= MOST_LINES and len(word) > 1 and font.getlength(word) > width:
            cut = max(1, _longest_fit(word, font, width))
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines[: MOST_LINES + 1]


def _longest_fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many characters of ``text`` fit in ``width`` with "…" after them, found by halving
    (each measure costs the length measured: one less character at a time was quadratic)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle] + "…") <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _cover(image: Image.Image, size: tuple[int, int], focus: tuple[float, float]) -> Image.Image:
    """Scale ``image`` to cover ``size`` and crop it, keeping the focal point in view."""
    from PIL.Image import Resampling

    width, height = image.size
    scale = max(size[0] / width, size[1] / height)
    scaled = image.resize(
        (max(size[0], round(width * scale)), max(size[1], round(height * scale))),
        Resampling.LANCZOS,
    )
    left = min(max(0, round(focus[0] * scaled.width - size[0] / 2)), scaled.width - size[0])
    top = min(max(0, round(focus[1] * scaled.height - size[1] / 2)), scaled.height - size[1])
    return scaled.crop((left, top, left + size[0], top + size[1]))


def draw(spec: CardSpec) -> bytes:
    """The card as a JPEG."""
    load_pillow()
    from PIL import Image, ImageDraw

    if spec.photo is not None:
        with Image.open(spec.photo[0]) as source:
            card = _cover(source.convert("RGB"), SIZE, (spec.photo[2], spec.photo[3]))
        return _jpeg(card)
    card = _background().copy()
    pen = ImageDraw.Draw(card)
    text_right = SIZE[0] - 80
    if spec.poster is not None:
        with Image.open(spec.poster[0]) as source:
            poster = source.convert("RGB")
        height = SIZE[1] - 120
        width = min(round(poster.width * height / poster.height), 420)
        poster = _cover(poster, (width, height), (0.5, 0.3))
        x = SIZE[0] - 60 - width
        pen.rectangle((x - 6, 54, x + width + 5, 60 + height + 5), fill=(0, 0, 0))
        card.paste(poster, (x, 60))
        text_right = x - 56
    pen.rectangle((80, 70, 150, 78), fill=ACCENT)
    kicker_font = _font(700, 30)
    pen.text(
        (80, 100),
        _fit_line(spec.kicker.upper(), kicker_font, text_right - 80),
        font=kicker_font,
        fill=MUTED,
    )
    size, lines = 76, []
    while size >= 40:
        font = _font(700, size)
        lines = _wrap(spec.title[:2000], font, text_right - 80)  # (far more than it shows)
        if len(lines) * size * 1.18 <= 330:
            break
        size -= 6
    font = _font(700, size)
    if len(lines) * size * 1.18 > 330:
        lines = lines[: int(330 // (size * 1.18))]
        lines[-1] = _fit_line(lines[-1] + "…", font, text_right - 80)
    y = 160
    for line in lines:
        pen.text((80, y), line, font=font, fill=INK)
        y += round(size * 1.18)
    site_font = _font(400, 32)
    pen.text(
        (80, SIZE[1] - 96),
        _fit_line(spec.site, site_font, text_right - 80),
        font=site_font,
        fill=MUTED,
    )
    return _jpeg(card)


def _fit_line(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    text = text[:2000]  # (far more than a line shows)
    if font.getlength(text) <= width:
        return text
    return text[: _longest_fit(text, font, width)].rstrip() + "…"


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def make_all(specs: Sequence[CardSpec], folder: Path) -> dict[str, Path]:
    """Draw the cards not cached yet (several at once); return card URL → cached file."""
    cards = folder / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    todo: list[CardSpec] = []
    for spec in specs:
        path = cards / f"{spec.key}.jpg"
        found[spec.url] = path
        if not path.is_file():
            todo.append(spec)

    def work(spec: CardSpec) -> None:
        path = cards / f"{spec.key}.jpg"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(spec)}")
        tmp.write_bytes(draw(spec))
        os.replace(tmp, path)

    if todo:
        count = max(
            1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
        )
        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(work, todo))
    return found


@dataclass(frozen=True)
class CardsOnDemand:
    """A preview's social cards, drawn the first time each is asked for (``serve``)."""

    folder: Path
    """The image cache (``make_all``'s folder)."""
    specs: Mapping[str, CardSpec]
    """Output path ("posts/x/card.jpg") → what to draw there."""

    def file(self, rel: str) -> Path | None:
        """The drawn card at output path ``rel``, or None when no page has a card there."""
        spec = self.specs.get(rel)
        if spec is None:
            return None
        return make_all([spec], self.folder)[spec.url]


def unique(specs: Iterable[CardSpec]) -> list[CardSpec]:
    seen: dict[str, CardSpec] = {}
    for spec in specs:
        seen.setdefault(spec.url, spec)
    return list(seen.values())


def card_specs(
    site: SiteView, catalog: Catalog, site_title: str, taxonomies: Sequence[Taxonomy]
) -> list[CardSpec]:
    """The card of every post and of every term of a kind that has pages."""
    posters = {term.url: term for tax in taxonomies if tax.poster for term in site.terms(tax.name)}
    specs = []
    for post in site.posts:
        kicker = (
            " · ".join(
                ref.name for tax in taxonomies if tax.releases for ref in post.refs(tax.name)
            )
            or "News"
        )
        photo = source_file(catalog, post.image)
        poster = None
        if photo is None:
            poster = next(
                (
                    source_file(catalog, posters[ref.url].image)
                    for tax in taxonomies
                    if tax.poster
                    for ref in post.refs(tax.name)
                    if ref.url in posters and source_file(catalog, posters[ref.url].image)
                ),
                None,
            )
        specs.append(
            CardSpec(
                card_url(post.url),
                post.title,
                site_title,
                kicker,
                photo + post.image_focus if photo else None,
                poster,
            )
        )
    for tax in taxonomies:
        if not tax.pages:
            continue
        for term in site.terms(tax.name):
            focus = tuple(term.extra.get("image_focus", (0.5, 0.5)))
            own = source_file(catalog, term.image)
            photo = own + focus if own and not tax.poster else None
            poster = own if tax.poster else None
            if own is None and tax.media:
                stills = term.extra.get("stills") or ()
                first = next((s for s in stills if source_file(catalog, s.src)), None)
                if first is not None:
                    photo = source_file(catalog, first.src) + tuple(first.focus)  # type: ignore[operator]
            kicker = tax.label + (
                f" · {term.release_year}" if tax.releases and term.release_year else ""
            )
            specs.append(CardSpec(card_url(term.url), term.name, site_title, kicker, photo, poster))  # type: ignore[arg-type]
    return unique(specs)
