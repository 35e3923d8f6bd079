"""The image pipeline: every raster image in ``static/`` as responsive AVIF, WebP and JPEG/PNG.

Each image is read once, turned upright (EXIF orientation), flattened to 8-bit RGB(A) and
written at the widths of ``WIDTHS`` it can fill (never upscaled), in AVIF and WebP plus a
JPEG (PNG when it has transparency) fallback, under fingerprinted names beside the original
(``img/poster.jpg`` → ``img/poster-640.1a2b3c4d5e.avif``). Results are cached in
``.newsreel-cache/images/`` by the file's content hash and the pipeline's settings, so a
warm build does no image work; a cold build works on several images at once (Pillow's
codecs release the GIL, so threads suffice and ``serve`` can use them too).

A file that cannot be used (missing, unreadable, truncated, not an image, more pixels than
``MAX_PIXELS``) is recorded with the reason; the build reports it at each place that uses it.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newsreel.hashing import hash_file, hash_repr, hash_text
from newsreel.layout import drop_links

PIPELINE_VERSION = 2
WIDTHS = (320, 640, 960, 1280, 1600)
"""Widths written for every image, as far as the image is wide (never upscaled)."""
MAX_PIXELS = 100_000_000
"""Images with more pixels than this are refused (decompression bombs, absurd originals)."""
MAX_BYTES = 100 * 1024 * 1024
RASTER = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff")
"""Files of ``static/`` that go through the pipeline (SVG and others are copied as they are)."""
ENCODERS: dict[str, dict[str, object]] = {
    "avif": {"quality": 55, "speed": 9},
    "webp": {"quality": 78, "method": 2},
    "jpeg": {"quality": 82, "optimize": True, "progressive": True},
    "png": {"optimize": True},
}
"""Pillow's save options for each output format. AVIF ``speed`` 9 and WebP ``method`` 2
cost a fifth and half the time of 8 and 4, for files a few per cent larger at the same
quality (see bench/README.md, *Pictures*). Part of the cache key: a change re-encodes."""
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSION = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
CACHE_FOLDER = "images"

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image


@functools.cache
def load_pillow() -> None:
    """Import Pillow, which is done when an image is first opened (a build that opens none, as
    most warm builds, never loads it: ~10 ms), and silence its bomb warnings."""
    from PIL import Image

    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; the limit here is ours (below it).
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


@functools.cache
def writes_avif() -> bool:
    """Pillow writes AVIF when it was built with libavif (its wheels are, from 11.3)."""
    from PIL import features

    return bool(features.check("avif"))


def _has_avif_module() -> bool:
    """``writes_avif`` as far as telling it needs no import: Pillow ships the module for it."""
    import importlib.util

    return importlib.util.find_spec("PIL._avif") is not None


def pipeline_key() -> str:
    """Hash of everything that shapes the pipeline's output besides the image itself (read
    without importing Pillow: its version and whether it has its AVIF module)."""
    from newsreel.incremental.store import library_version

    encoders = sorted((fmt, sorted(options.items())) for fmt, options in ENCODERS.items())
    parts = (
        PIPELINE_VERSION,
        library_version("PIL", "pillow"),
        WIDTHS,
        MAX_PIXELS,
        encoders,
        _has_avif_module(),
    )
    return hash_repr(parts, 6)


@dataclass(frozen=True)
class Variant:
    """One written file of an image."""

    rel: str
    """Output path relative to the site root ("img/poster-640.1a2b3c4d5e.avif")."""
    fmt: str
    """"avif", "webp", "jpeg" or "png"."""
    width: int
    height: int
    cached: str
    """File name in the image's cache folder."""

    @property
    def mime(self) -> str:
        return MIME[self.fmt]


@dataclass(frozen=True)
class ImageInfo:
    """What the pipeline knows of one static image."""

    rel: str
    """Path under ``static/`` ("img/poster.jpg")."""
    digest: str
    """Content hash of the file (with the pipeline key: it names the outputs)."""
    width: int = 0
    """Width and height upright (after EXIF rotation)."""
    height: int = 0
    alpha: bool = False
    variants: tuple[Variant, ...] = ()
    error: str | None = None
    """Why the file cannot be used, when it cannot."""

    def of(self, fmt: str) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.fmt == fmt)

    @property
    def fallback(self) -> tuple[Variant, ...]:
        return self.of("png" if self.alpha else "jpeg")

    @property
    def largest(self) -> Variant:
        return self.fallback[-1]

    def to_json(self) -> dict[str, object]:
        return {
            "rel": self.rel,
            "digest": self.digest,
            "width": self.width,
            "height": self.height,
            "alpha": self.alpha,
            "error": self.error,
            "variants": [[v.rel, v.fmt, v.width, v.height, v.cached] for v in self.variants],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ImageInfo:
        """The record ``to_json`` wrote; TypeError, KeyError or ValueError if it is not one."""
        listed = data["variants"]
        if not isinstance(listed, list):
            raise TypeError("variants is not a list")
        variants = []
        for item in listed:
            if not isinstance(item, list):
                raise TypeError("a variant is not a list")
            rel, fmt, width, height, cached = item
            variants.append(Variant(str(rel), str(fmt), _whole(width), _whole(height), str(cached)))
        error = data["error"]
        return cls(
            str(data["rel"]),
            str(data["digest"]),
            _whole(data["width"]),
            _whole(data["height"]),
            bool(data["alpha"]),
            tuple(variants),
            None if error is None else str(error),
        )


def _whole(value: object) -> int:
    """A whole number read back from JSON."""
    if not isinstance(value, int):
        raise TypeError(f"{value!r} is not a whole number")
    return value


class ImageProblem(Exception):
    """A file the pipeline cannot use."""


def widths_for(width: int) -> list[int]:
    """The widths written for an image ``width`` pixels wide: no upscaling, no near-duplicates."""
    chosen = [w for w in WIDTHS if w < width]
    if width <= WIDTHS[-1]:
        if chosen and width - chosen[-1] < 64:
            chosen.pop()
        chosen.append(width)
    return chosen or [min(width, WIDTHS[-1])]


def open_image(path: Path, max_pixels: int = MAX_PIXELS) -> tuple[Image.Image, tuple[int, int]]:
    """Open and fully decode an image, upright, as 8-bit RGB or RGBA, with the original's
    upright size; ``ImageProblem`` if unusable.

    A JPEG wider than the widest output is decoded at a reduced scale (``draft``: a half, a
    quarter or an eighth, never below ``WIDTHS[-1]``), which costs a fraction of a full decode."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageProblem(f"cannot read it: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ImageProblem(
            f"the file is {size // (1024 * 1024)} MB, more than {MAX_BYTES // (1024 * 1024)} MB"
        )
    load_pillow()
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image: Image.Image = Image.open(path)
    except UnidentifiedImageError:
        raise ImageProblem(
            "it is not an image Pillow can read (a text file, or an unknown format?)"
        ) from None
    except Image.DecompressionBombError:
        raise ImageProblem(
            f"it has more than {max_pixels:,} pixels (a decompression bomb?)"
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem(f"cannot read it: {exc}") from None
    try:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageProblem(
                f"it has {width}×{height} pixels, more than {max_pixels:,} (a decompression bomb?)"
            )
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        original = (height, width) if turned else (width, height)
        if getattr(image, "is_animated", False):
            image.seek(0)  # an animated GIF/WebP: its first frame
        if image.format == "JPEG" and original[0] > WIDTHS[-1]:
            # the upright width is the stored height when EXIF turns the picture a quarter
            image.draft(image.mode, (1, WIDTHS[-1]) if turned else (WIDTHS[-1], 1))
        image.load()
        image = ImageOps.exif_transpose(image) or image
        return _eight_bit(_to_srgb(image)), original
    except ImageProblem:
        raise
    except Image.DecompressionBombError:
        raise ImageProblem(
            f"it has more than {max_pixels:,} pixels (a decompression bomb?)"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        message = str(exc) or type(exc).__name__
        if "truncated" in message or isinstance(exc, EOFError):
            raise ImageProblem(f"the file is truncated or damaged ({message})") from None
        raise ImageProblem(f"cannot decode it: {message}") from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours converted from the file's embedded ICC profile (Adobe RGB, Display P3, a CMYK
    press profile) to sRGB: the outputs carry no profile, and browsers read untagged as sRGB."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, target, outputMode=mode) or image
    except Exception:  # noqa: BLE001 - a broken profile: keep the colours as they are
        return image


def _eight_bit(image: Image.Image) -> Image.Image:
    """RGB or RGBA with 8 bits a channel (16-bit greyscale scaled down, CMYK converted)."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        scale = 1 / 256 if mode.startswith("I;16") or _band_range(image)[1] > 255 else 1
        return image.convert("I").point(lambda v: v * scale).convert("L").convert("RGB")
    if mode == "F":
        return image.convert("L").convert("RGB")
    alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in image.info
    )
    if alpha:
        image = image.convert("RGBA")
        if _band_range(image.getchannel("A"))[0] == 255:
            return image.convert("RGB")  # an alpha channel with nothing transparent
        return image
    return image.convert("RGB")


def _band_range(image: Image.Image) -> tuple[float, float]:
    """The lowest and highest value of a one-band image."""
    low, high = image.getextrema()
    if isinstance(low, tuple) or isinstance(high, tuple):
        raise ValueError(f"a {image.mode} image has more than one band")
    return low, high


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt.upper(), **ENCODERS[fmt])
    return out.getvalue()


def _formats(alpha: bool) -> tuple[str, ...]:
    return (("avif",) if writes_avif() else ()) + ("webp", "png" if alpha else "jpeg")


def output_name(rel: str, digest: str, width: int, fmt: str) -> str:
    """``img/poster.jpg`` at 640 px in WebP → ``img/poster-640.<digest10>.webp``."""
    stem = rel.rsplit(".", 1)[0]
    return f"{stem}-{width}.{digest[:10]}.{EXTENSION[fmt]}"


def process(rel: str, path: Path, digest: str, folder: Path) -> ImageInfo:
    """Write every variant of one image into ``folder`` (its cache entry); return its info.

    The widths are made from the widest down, each resized from the one before it (a
    quarter to a half smaller each time): far less work than resizing the whole original
    every time, and as sharp, since each step is a Lanczos reduction of a sharper picture."""
    try:
        image, original = open_image(path)
    except ImageProblem as exc:
        return ImageInfo(rel, digest, error=str(exc))
    from PIL.Image import Resampling

    LANCZOS = Resampling.LANCZOS  # noqa: N806
    alpha = image.mode == "RGBA"
    variants = []
    scaled = image
    for target in reversed(widths_for(original[0])):
        h = max(1, round(original[1] * target / original[0]))
        if (target, h) != scaled.size:
            scaled = scaled.resize((target, h), LANCZOS, reducing_gap=3.0)
        for fmt in _formats(alpha):
            name = f"{target}.{EXTENSION[fmt]}"
            (folder / name).write_bytes(_encode(scaled, fmt))
            variants.append(Variant(output_name(rel, digest, target, fmt), fmt, target, h, name))
    order = {fmt: i for i, fmt in enumerate(("avif", "webp", "jpeg", "png"))}
    variants.sort(key=lambda v: (order[v.fmt], v.width))
    return ImageInfo(rel, digest, original[0], original[1], alpha, tuple(variants))


def is_raster(rel: str) -> bool:
    return rel.lower().endswith(RASTER)


SVG_SIZE = re.compile(rb"<svg\b[^>]*>", re.S)


def svg_size(path: Path) -> tuple[int, int] | None:
    """An SVG's intrinsic size from its width/height or viewBox (for width/height attributes)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    tag = SVG_SIZE.search(head)
    if tag is None:
        return None
    attrs = dict(re.findall(rb'\s([\w:-]+)\s*=\s*["\']([^"\']*)["\']', tag.group()))
    try:
        width = float(re.match(rb"[\d.]+", attrs[b"width"]).group())  # type: ignore[union-attr]
        height = float(re.match(rb"[\d.]+", attrs[b"height"]).group())  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError):
        box = attrs.get(b"viewBox", b"").replace(b",", b" ").split()
        try:
            width, height = float(box[2]), float(box[3])
        except (IndexError, ValueError):
            return None
    return (round(width), round(height)) if width > 0 and height > 0 else None


# --- the catalog: every static image of a build ------------------------------------


@dataclass
class Catalog:
    """Every raster image of ``static/`` (by its path there), and the site's SVG sizes."""

    images: dict[str, ImageInfo] = field(default_factory=dict)
    svgs: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    plain: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    """Raster images nothing names (copied as they are, not encoded): their upright size,
    read from the file's header, for a template that shows one by a path it computes."""
    folder: Path | None = None
    """The cache folder holding the variants."""
    processed: int = 0
    """Images encoded by this build (0 in a warm build)."""
    seconds: float = 0.0

    def get(self, src: str) -> ImageInfo | None:
        return self.images.get(static_rel(src))

    def digest(self) -> str:
        """Hash of the whole catalog: any image change changes it."""
        text = ";".join(f"{rel}={info.digest}" for rel, info in sorted(self.images.items()))
        plain = ";".join(f"{rel}={size}" for rel, size in sorted(self.plain.items()))
        return hash_text(f"{text}|{plain}" if plain else text)

    def outputs(self) -> Iterable[tuple[str, Path, str]]:
        """(output file, cached file, key) of every variant."""
        for info in self.images.values():
            if self.folder is None:
                break
            for variant in info.variants:
                yield variant.rel, self.folder / info.digest / variant.cached, variant.rel


def static_rel(src: str) -> str:
    """A front-matter or Markdown image path as a path under ``static/`` ("/img/x.jpg" → "img/x.jpg")."""
    return src.split("#", 1)[0].split("?", 1)[0].lstrip("/")


def is_remote(src: str) -> bool:
    return "://" in src or src.startswith("//") or src.startswith("data:")


def _stamp(info: os.stat_result) -> list[int]:
    return [info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns]


def prepare(
    static: Mapping[str, Path],
    cache_root: Path | None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    *,
    named: Collection[str] | None = None,
) -> Catalog:
    """The catalog of every raster image in ``static``, processing those not cached yet.

    With ``named``, only those raster images go through the pipeline; of the others only
    the size is read (``Catalog.plain``), from the file's header.

    ``cache_root`` is the site's ``.newsreel-cache``; without one (``--no-cache``) a
    temporary folder is used and removed by ``Catalog.close``-free callers via ``discard``.
    """
    import time

    started = time.perf_counter()
    key = pipeline_key()
    own_temp = cache_root is None
    root = (
        Path(tempfile.mkdtemp(prefix="newsreel-images-"))
        if cache_root is None
        else cache_root / CACHE_FOLDER
    )
    folder = root / key
    if not own_temp:
        drop_links(root, depth=2)  # (the cache's own folders: each image's, its variants)
    folder.mkdir(parents=True, exist_ok=True)
    if not own_temp:
        for old in root.iterdir():  # made by another version of the pipeline
            if old.name != key and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    index_file = folder / "index.json"
    try:
        index = json.loads(index_file.read_text("utf-8")) if index_file.is_file() else {}
        if not isinstance(index, dict):
            index = {}
    except (OSError, ValueError):
        index = {}
    catalog = Catalog(folder=folder)
    todo: list[tuple[str, Path, str]] = []
    fresh: dict[str, object] = {}
    plain_index = index.pop(PLAIN, None)
    plain_index = plain_index if isinstance(plain_index, dict) else {}
    fresh_plain: dict[str, object] = {}
    for rel, path in static.items():
        if rel.lower().endswith(".svg"):
            catalog.svgs[rel] = svg_size(path)
            continue
        if not is_raster(rel):
            continue
        try:
            stamp = _stamp(path.stat())
        except OSError as exc:
            if named is None or rel in named:
                catalog.images[rel] = ImageInfo(rel, "", error=f"cannot read it: {exc.strerror}")
            else:
                catalog.plain[rel] = None
            continue
        if named is not None and rel not in named:
            seen = plain_index.get(rel)
            if isinstance(seen, dict) and seen.get("stamp") == stamp:
                size = seen.get("size")
                catalog.plain[rel] = (
                    (size[0], size[1])
                    if isinstance(size, list)
                    and len(size) == 2
                    and all(type(v) is int for v in size)
                    else None
                )
            else:
                catalog.plain[rel] = header_size(path)
            fresh_plain[rel] = {"stamp": stamp, "size": catalog.plain[rel]}
            continue
        known = index.get(rel)
        if (
            isinstance(known, dict)
            and known.get("stamp") == stamp
            and isinstance(known.get("info"), dict)
        ):
            try:
                info = ImageInfo.from_json(known["info"])
            except (KeyError, TypeError, ValueError):
                info = None
            if info is not None and info.rel == rel:
                seen = _folder_stamp(folder, info)
                # the folder's time changes when a file in it is removed or added: while it
                # is the one recorded, its files are there (one stat, not one a variant)
                if (seen is not None and known.get("folder") == seen) or _complete(folder, info):
                    catalog.images[rel] = info
                    fresh[rel] = {**known, "folder": seen}
                    continue
        try:
            digest = hash_text(f"{hash_file(path)}:{key}")
        except OSError as exc:
            catalog.images[rel] = ImageInfo(rel, "", error=f"cannot read it: {exc.strerror}")
            continue
        meta = folder / digest / "meta.json"
        info = None
        if meta.is_file():
            try:
                info = ImageInfo.from_json(json.loads(meta.read_text("utf-8")))
                info = _renamed(info, rel)
            except (OSError, ValueError, KeyError, TypeError):
                info = None
        if info is not None and _complete(folder, info):
            catalog.images[rel] = info
            fresh[rel] = {
                "stamp": stamp,
                "info": info.to_json(),
                "folder": _folder_stamp(folder, info),
            }
        else:
            todo.append((rel, path, digest))
    if todo:
        # Files with the same bytes are encoded once; the others take its variants renamed.
        first: dict[str, tuple[str, Path, str]] = {}
        for item in todo:
            first.setdefault(item[2], item)
        unique = list(first.values())
        done = 0

        def work(item: tuple[str, Path, str]) -> ImageInfo:
            rel, path, digest = item
            return _process_into_cache(rel, path, digest, folder)

        count = workers or max(
            1,
            min(
                8,
                len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity")
                else (os.cpu_count() or 1),
            ),
        )
        made: dict[str, ImageInfo] = {}
        with ThreadPoolExecutor(max_workers=count) as pool:
            for (_, _, digest), info in zip(unique, pool.map(work, unique)):
                made[digest] = info
                catalog.processed += 1
                done += 1
                if progress is not None:
                    progress(done, len(unique))
        for rel, path, digest in todo:
            info = catalog.images[rel] = _renamed(made[digest], rel)
            try:
                fresh[rel] = {
                    "stamp": _stamp(path.stat()),
                    "info": info.to_json(),
                    "folder": _folder_stamp(folder, info),
                }
            except OSError:
                pass
    if fresh_plain:
        fresh[PLAIN] = fresh_plain
    if plain_index:
        index[PLAIN] = plain_index
    if not own_temp and fresh != index:
        tmp = folder / f"index.json.{os.getpid()}"
        try:
            tmp.write_text(json.dumps(fresh, sort_keys=True), "utf-8")
            os.replace(tmp, index_file)
        except OSError:
            pass
    catalog.seconds = time.perf_counter() - started
    return catalog


PLAIN = " plain"
"""The index's entry for the sizes of ``Catalog.plain`` (no path under ``static/`` starts
with a space)."""


def header_size(path: Path) -> tuple[int, int] | None:
    """An image's upright size from its header (no decoding); None if it cannot be read."""
    try:
        load_pillow()
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.size
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # noqa: BLE001 - any unreadable file: shown without a size
        return None
    return (height, width) if turned else (width, height)


def discard(catalog: Catalog) -> None:
    """Remove a catalog's temporary cache folder (a build with ``--no-cache``)."""
    if catalog.folder is not None and catalog.folder.parent.name.startswith("newsreel-images-"):
        shutil.rmtree(catalog.folder.parent, ignore_errors=True)


def _renamed(info: ImageInfo, rel: str) -> ImageInfo:
    """A cached image's info for another file with the same bytes."""
    if info.rel == rel:
        return info
    variants = tuple(
        Variant(output_name(rel, info.digest, v.width, v.fmt), v.fmt, v.width, v.height, v.cached)
        for v in info.variants
    )
    return ImageInfo(rel, info.digest, info.width, info.height, info.alpha, variants, info.error)


def _folder_stamp(folder: Path, info: ImageInfo) -> int | None:
    """When an image's cache folder last changed (None if it is not there)."""
    try:
        return (folder / info.digest).stat().st_mtime_ns
    except OSError:
        return None


def _complete(folder: Path, info: ImageInfo) -> bool:
    return all((folder / info.digest / v.cached).is_file() for v in info.variants)


def _process_into_cache(rel: str, path: Path, digest: str, folder: Path) -> ImageInfo:
    """Process one image into a temporary folder, then move it into the cache whole."""
    target = folder / digest
    work = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=folder))
    try:
        info = process(rel, path, digest, work)
        (work / "meta.json").write_text(json.dumps(info.to_json()), "utf-8")
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(work, target)
        except OSError:
            pass  # another build put it there meanwhile
        return info
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
