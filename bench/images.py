"""The image pipeline's cost on a large site: N posts, one picture each.

Generates the benchmark corpus (``bench/corpus.py``), draws one distinct photo-like JPEG per
post into ``static/img/`` (shapes under a sky, with film grain: flat drawings would encode
several times cheaper than photographs) and names it in the post's front matter, then builds
in-process three times:

* **cold**: no cache, no output — every picture encoded (AVIF, WebP, JPEG at each width) and
  every social card drawn; the picture work is timed on its own, wall and CPU;
* **warm**: nothing changed — the build's fast path;
* **warm after an edit**: one post's text changed — pages re-planned, no picture encoded.

    nice -n 10 .venv/bin/python bench/images.py 4000     # writes bench/work/images-4000/

The picture time is measured by wrapping ``newsreel.media.prepare`` (the pipeline) and
``newsreel.media.write`` (cards drawn, variants copied into the output) with a clock: a
measuring instrument, not a change to the build. The count of pictures encoded is the
pipeline's own (``Catalog.processed``); a warm build must report 0.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from newsreel import images, media  # noqa: E402
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
    # film grain: a photograph's fine detail, which is what costs an encoder its time
    grain = Image.effect_noise(size, 48).filter(ImageFilter.GaussianBlur(1)).convert("RGB")
    image = Image.blend(image, grain, 0.2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
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


def cpu() -> float:
    """CPU seconds of this process (all its threads) and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def own_cpu() -> float:
    """CPU seconds of this process alone (the pipeline's threads run in it)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class Clock:
    def __init__(self) -> None:
        self.seconds = {"pipeline": 0.0, "cards and copies": 0.0}
        self.cpu = {"pipeline": 0.0, "cards and copies": 0.0}
        self.encoded = 0
        """Pictures the pipeline encoded (``Catalog.processed``): 0 means no image work."""

    def reset(self) -> None:
        for name in self.seconds:
            self.seconds[name] = self.cpu[name] = 0.0
        self.encoded = 0

    def wrap(self, name: str, function):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            started, used = time.perf_counter(), own_cpu()
            try:
                result = function(*args, **kwargs)
                self.encoded += getattr(result, "processed", 0)
                return result
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.cpu[name] += own_cpu() - used

        return timed


def cards_drawn(site: Path) -> int:
    """Social cards in the image cache (each drawn once)."""
    return sum(1 for _ in (SiteLayout(site).cache / "images").glob("*/cards/*.jpg"))


def build(site: Path, clock: Clock) -> dict[str, float]:
    clock.reset()
    cards = cards_drawn(site)
    started, used = time.perf_counter(), cpu()
    build_site(site, BuildOptions())
    return {
        "wall": time.perf_counter() - started,
        "cpu": cpu() - used,
        "pipeline": clock.seconds["pipeline"],
        "pipeline cpu": clock.cpu["pipeline"],
        "cards and copies": clock.seconds["cards and copies"],
        "cards cpu": clock.cpu["cards and copies"],
        "encoded": clock.encoded,
        "cards": cards_drawn(site) - cards,
    }


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=4000)
    parser.add_argument(
        "--width", type=int, default=1200, help="width of each picture (height 9/16 of it)"
    )
    args = parser.parse_args()
    site = HERE / "work" / f"images-{args.n}"
    size = (args.width, args.width * 9 // 16)
    started = time.perf_counter()
    prepare(args.n, site, size)
    print(f"corpus and {args.n} pictures generated in {time.perf_counter() - started:.0f} s")
    shutil.rmtree(site / "site", ignore_errors=True)
    shutil.rmtree(SiteLayout(site).cache, ignore_errors=True)
    clock = Clock()
    media.prepare = clock.wrap("pipeline", media.prepare)  # type: ignore[method-assign]
    media.write = clock.wrap("cards and copies", media.write)  # type: ignore[method-assign]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = max(1, min(8, cpus or 1))  # images.prepare's pool
    print(
        f"{args.n} posts, one {size[0]}×{size[1]} JPEG each; {cpus} CPUs, pictures encoded "
        f"on {threads} threads; AVIF {'on' if images.writes_avif() else 'off'}; "
        f"niceness {os.nice(0)}; load average {load()}"
    )
    cold = build(site, clock)
    files = sum(1 for _ in (site / "site").rglob("*") if _.is_file())
    rest = cold["wall"] - cold["pipeline"] - cold["cards and copies"]
    print(
        f"cold: {cold['wall']:.1f} s wall, {cold['cpu']:.1f} s CPU ({files} files); "
        f"pictures: pipeline {cold['pipeline']:.1f} s wall, {cold['pipeline cpu']:.1f} s CPU "
        f"({cold['encoded']:.0f} pictures encoded, "
        f"{cold['pipeline cpu'] / max(cold['encoded'], 1):.2f} s CPU each); "
        f"cards and copies {cold['cards and copies']:.1f} s wall, {cold['cards cpu']:.1f} s CPU "
        f"({cold['cards']:.0f} cards drawn); the rest {rest:.1f} s wall; load average {load()}"
    )
    warm = build(site, clock)
    print(
        f"warm, nothing changed: {warm['wall']:.2f} s wall, {warm['cpu']:.2f} s CPU; "
        f"pipeline {warm['pipeline']:.2f} s; {warm['encoded']:.0f} pictures encoded, "
        f"{warm['cards']:.0f} cards drawn"
    )
    post = sorted((site / "content" / "posts").rglob("*.md"))[7 * 8 % args.n]
    post.write_text(post.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    edit = build(site, clock)
    print(
        f"warm, one post edited: {edit['wall']:.2f} s wall, {edit['cpu']:.2f} s CPU; "
        f"pipeline {edit['pipeline']:.2f} s, cards and copies {edit['cards and copies']:.2f} s; "
        f"{edit['encoded']:.0f} pictures encoded, {edit['cards']:.0f} cards drawn; "
        f"load average {load()}"
    )


if __name__ == "__main__":
    main()
