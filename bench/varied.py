"""Markdown of other shapes than the bench corpus's: how fast newsreel reads it.

    python bench/varied.py SITE [--posts 2000] [--rate 0.5] [--write OUT]

``bench/corpus.py`` writes the shapes ``newsreel.fastmarkdown`` reads itself. Posts written by
hand or by another tool have others: indented code, setext headings, an HTML comment as a
"more" marker, autolinks, inline HTML, ``***strong emphasis***``, links whose address holds
parentheses (Wikipedia's), inline footnotes, and now and then a reference definition, which
leaves the whole body to markdown-it. This takes the bodies of the first ``--posts`` posts
of SITE (a generated corpus), gives each body, at the rate ``--rate``, one to three of those
shapes (seeded: the same bodies every run), and reports the Markdown time of the plain and of
the varied bodies (``markdown.render_body``, the best of three passes, CPU time of this
process), with how many varied bodies the fast path read: all of it, all but some blocks or
inline texts, or none (the whole body left to markdown-it). ``--write OUT`` also copies SITE
to OUT with every post's body varied so (``--posts`` aside), for whole builds of it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsreel import fastmarkdown  # noqa: E402
from newsreel.markdown import make_markdown, render_body  # noqa: E402

Shape = Callable[[random.Random, list[str]], None]
"""Changes a body's blocks in place."""


def _setext(rng: random.Random, blocks: list[str]) -> None:
    headings = [i for i, block in enumerate(blocks) if block.startswith("## ")]
    if headings:
        i = rng.choice(headings)
        title = blocks[i][3:]
        blocks[i] = f"{title}\n{'-' * len(title)}"


def _indented_code(rng: random.Random, blocks: list[str]) -> None:
    lines = [f"release_{n}: {rng.randint(2020, 2028)}-0{rng.randint(1, 9)}-1{n}" for n in range(3)]
    at = rng.randrange(1, len(blocks)) if len(blocks) > 1 else 1
    blocks.insert(at, "\n".join("    " + line for line in lines))


def _more_marker(rng: random.Random, blocks: list[str]) -> None:
    blocks.insert(1, "<!-- more -->")


def _appended(text: Callable[[random.Random], str]) -> Shape:
    """The shape that adds ``text`` to the end of one of a body's blocks, drawn at random."""

    def append(rng: random.Random, blocks: list[str]) -> None:
        i = rng.randrange(len(blocks))
        blocks[i] += text(rng)

    return append


_autolink = _appended(lambda rng: f" More at <https://example.com/news/{rng.randint(1000, 9999)}>.")
_inline_html = _appended(lambda rng: " The cut runs <abbr>2h 41m</abbr>.")
_strong_emphasis = _appended(lambda rng: " It is ***official***.")
_wikipedia = _appended(
    lambda rng: " See [the 1995 film](https://en.wikipedia.org/wiki/Heat_(1995_film))."
)
_footnote = _appended(lambda rng: "^[According to the trade press.]")


def _reference(rng: random.Random, blocks: list[str]) -> None:
    blocks.append("[report]: https://example.com/report")
    blocks[0] += " Read the [report]."


SHAPES: list[tuple[Shape, float]] = [
    (_setext, 1),
    (_indented_code, 1),
    (_more_marker, 1),
    (_autolink, 1),
    (_inline_html, 1),
    (_strong_emphasis, 1),
    (_wikipedia, 1),
    (_footnote, 0.5),
    (_reference, 0.5),
]
"""Each shape with its weight."""


def vary(bodies: list[str], rate: float, seed: int = 1) -> list[str]:
    """``bodies``, each given one to three ``SHAPES`` at the rate ``rate``."""
    rng = random.Random(seed)
    shapes = [shape for shape, _ in SHAPES]
    weights = [weight for _, weight in SHAPES]
    varied = []
    for body in bodies:
        blocks = body.strip("\n").split("\n\n")
        if rng.random() < rate:
            for shape in rng.choices(shapes, weights, k=rng.randint(1, 3)):
                shape(rng, blocks)
        varied.append("\n\n".join(blocks) + "\n")
    return varied


def _split(text: str) -> tuple[str, str]:
    """A post's front matter (with its fences) and its body."""
    if not text.startswith("---"):
        return "", text
    head, body = text.split("\n---\n", 1)
    return head + "\n---\n", body


def _posts(site: Path) -> list[Path]:
    return sorted((site / "content" / "posts").rglob("*.md"))


def _bodies(site: Path, posts: int) -> list[str]:
    return [_split(path.read_text(encoding="utf-8"))[1] for path in _posts(site)[:posts]]


def write_varied(site: Path, out: Path, rate: float) -> None:
    """A copy of ``site`` in ``out`` (a new folder) with its posts' bodies varied (``vary``);
    made beside it and renamed, so that ``out`` is never half written."""
    part = out.with_name(out.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    shutil.copytree(site, part, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
    paths = _posts(part)
    parts = [_split(path.read_text(encoding="utf-8")) for path in paths]
    for path, (head, _), body in zip(paths, parts, vary([b for _, b in parts], rate), strict=True):
        path.write_text(head + "\n" + body, encoding="utf-8")
    part.rename(out)


def _seconds(bodies: list[str]) -> float:
    md = make_markdown(False, "/")
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for body in bodies:
            render_body(md, body, path="post.md", body_line=1)
        best = min(best, time.process_time() - started)
    return best


def _reading(bodies: list[str]) -> tuple[int, int, int]:
    """Bodies read fast whole, in part (a block or an inline text left to markdown-it), and
    left to markdown-it whole."""
    md = make_markdown(False, "/")
    blocks = fastmarkdown._Blocks
    regions: list[int] = []
    region = getattr(blocks, "_region", None)  # (None before 2026-12-07: no regions)

    def counted(self: fastmarkdown._Blocks, start: int) -> int:
        regions.append(start)
        assert region is not None
        return region(self, start)

    whole = part = none = 0
    if region is not None:
        blocks._region = counted  # type: ignore[method-assign]
    try:
        for body in bodies:
            regions.clear()
            env: dict[str, object] = {"tweets": {}}
            if fastmarkdown.block_tokens(body, md, env) is None:
                none += 1
            elif regions or env.get(fastmarkdown.JOINED) is False:
                part += 1
            else:
                whole += 1
    finally:
        if region is not None:
            blocks._region = region  # type: ignore[method-assign]
    return whole, part, none


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a generated corpus (bench/corpus.py)")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.5, help="share of bodies varied")
    parser.add_argument("--write", type=Path, metavar="OUT", help="a varied copy of SITE")
    args = parser.parse_args(argv)
    if args.write is not None:
        write_varied(args.site, args.write, args.rate)
        print(f"wrote a varied copy of {args.site} to {args.write}")
    plain = vary(_bodies(args.site, args.posts), 0.0)
    varied = vary(plain, args.rate)
    changed = sum(a != b for a, b in zip(plain, varied, strict=True))
    plain_seconds, varied_seconds = _seconds(plain), _seconds(varied)
    whole, part, none = _reading(varied)
    print(f"bodies: {len(plain)}, of which varied: {changed} (rate {args.rate})")
    print(f"Markdown, plain bodies:  {plain_seconds:.2f} s")
    print(
        f"Markdown, varied bodies: {varied_seconds:.2f} s ({varied_seconds / plain_seconds:.2f}x)"
    )
    print(f"varied bodies read fast: whole {whole}, in part {part}, left to markdown-it {none}")


if __name__ == "__main__":
    main()
