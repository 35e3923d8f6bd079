"""The image pipeline's cost on a large site: N posts, one picture each.

Generates the benchmark corpus (``bench/corpus.py``), draws one distinct JPEG per post into
``static/img/`` and names it in the post's front matter, then builds in-process three times:

* **cold**: no cache, no output — every picture encoded (AVIF, WebP, JPEG at each width) and
  every social card drawn; the picture work is timed on its own;
* **warm**: nothing changed — the build's fast path;
* **warm after an edit**: one post's text changed — pages re-planned, no picture encoded.

    .venv/bin/python bench/images.py 4000        # writes bench/work/images-4000/

The picture time is measured by wrapping ``newsreel.media.prepare`` (the pipeline) and
``newsreel.media.write`` (cards drawn, variants copied into the output) with a clock: a
measuring instrument, not a change to the build.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from newsreel import media  # noqa: E402
from newsreel.build import BuildOptions, build_site  # noqa: E402
from newsreel.layout import SiteLayout  # noqa: E402


def picture(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A distinct drawing: a gradient sky, a horizon and a few shapes."""
    top = tuple(rng.randint(0, 255) for _ in range(3))
    bottom = tuple(rng.randint(0, 255) for _ in range(3))
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)  # type: ignore[arg-type]
    pen = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        r = rng.randint(20, size[1] // 3)
        pen.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randint(0, 255) for _ in range(3)))
    pen.polygon(
        [(0, size[1]), (0, size[1] * 2 // 3)]
        + [(x, size[1] * 2 // 3 - rng.randint(0, 80)) for x in range(0, size[0] + 1, 80)]
        + [size],
        fill=tuple(rng.randint(0, 120) for _ in range(3)),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def prepare(n: int, site: Path, size: tuple[int, int]) -> None:
    corpus.generate(n, site)
    rng = random.Random(n)
    static = site / "static" / "img"
    static.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted((site / "content" / "posts").rglob("*.md"))):
        name = f"p{index:05d}.jpg"
        (static / name).write_bytes(picture(rng, size))
        text = path.read_text("utf-8")
        head, sep, rest = text.partition("\n")
        path.write_text(
            f'{head}{sep}image: /img/{name}\nimage_alt: "Drawing number {index}"\n{rest}', "utf-8"
        )


class Clock:
    def __init__(self) -> None:
        self.seconds = {"pipeline": 0.0, "cards and copies": 0.0}
        self.encoded = 0
        """Pictures the pipeline encoded (``Catalog.processed``): 0 means no image work."""

    def wrap(self, name: str, function):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                self.encoded += getattr(result, "processed", 0)
                return result
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed


def cards_drawn(site: Path) -> int:
    """Social cards in the image cache (each drawn once)."""
    return sum(1 for _ in (SiteLayout(site).cache / "images").glob("*/cards/*.jpg"))


def build(site: Path, clock: Clock) -> tuple[float, dict[str, float]]:
    for name in clock.seconds:
        clock.seconds[name] = 0.0
    clock.encoded = 0
    cards = cards_drawn(site)
    started = time.perf_counter()
    build_site(site, BuildOptions())
    seconds = time.perf_counter() - started
    return seconds, dict(clock.seconds, encoded=clock.encoded, cards=cards_drawn(site) - cards)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=4000)
    parser.add_argument(
        "--width", type=int, default=1200, help="width of each picture (height 9/16 of it)"
    )
    args = parser.parse_args()
    site = HERE / "work" / f"images-{args.n}"
    prepare(args.n, site, (args.width, args.width * 9 // 16))
    shutil.rmtree(site / "site", ignore_errors=True)
    shutil.rmtree(SiteLayout(site).cache, ignore_errors=True)
    clock = Clock()
    media.prepare = clock.wrap("pipeline", media.prepare)  # type: ignore[method-assign]
    media.write = clock.wrap("cards and copies", media.write)  # type: ignore[method-assign]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{args.n} posts, one {args.width}×{args.width * 9 // 16} JPEG each, {cpus} CPUs")
    cold, parts = build(site, clock)
    files = sum(1 for _ in (site / "site").rglob("*") if _.is_file())
    print(
        f"cold: {cold:.1f} s ({files} files); pictures: pipeline {parts['pipeline']:.1f} s, "
        f"cards and copies {parts['cards and copies']:.1f} s; the rest "
        f"{cold - parts['pipeline'] - parts['cards and copies']:.1f} s; "
        f"{parts['encoded']:.0f} pictures encoded, {parts['cards']:.0f} cards drawn"
    )
    warm, parts = build(site, clock)
    print(
        f"warm, nothing changed: {warm:.2f} s; pipeline {parts['pipeline']:.2f} s; "
        f"{parts['encoded']:.0f} pictures encoded, {parts['cards']:.0f} cards drawn"
    )
    post = sorted((site / "content" / "posts").rglob("*.md"))[len(parts) * 7 % args.n]
    post.write_text(post.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    edit, parts = build(site, clock)
    print(
        f"warm, one post edited: {edit:.2f} s; pipeline {parts['pipeline']:.2f} s, "
        f"cards and copies {parts['cards and copies']:.2f} s; "
        f"{parts['encoded']:.0f} pictures encoded, {parts['cards']:.0f} cards drawn"
    )


if __name__ == "__main__":
    main()
