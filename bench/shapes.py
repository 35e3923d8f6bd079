"""Pathological input shapes against an ordinary post of the same size: time and memory ratios.

    python bench/shapes.py [--size 1000000] [--only NAME ...]

Each shape is a post body (or, for ``import:`` shapes, an article to import) of ``--size``
characters built to stress one part of the pipeline: heading ids, tables, nesting, inline
delimiters, references, the importer's searches. Each is read as newsreel reads a post
(``loader.parse_post``, then ``markdown.render_body``) or imported (a web page's text first, then ``importer.clean_article``,
its Markdown, then the guesses of its film, actors and release year),
and compared with an ordinary post (or article) of the same size: its time (the best of a few
runs) and its peak of Python memory (``tracemalloc``). The budget is relative, never absolute:
at most ``TIME_BUDGET`` times the time and ``MEMORY_BUDGET`` times the memory of the ordinary
input. ``tests/test_cost.py`` runs the same shapes at a smaller size.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TIME_BUDGET = 15.0
"""Was 10: since ``newsreel.fastmarkdown`` (2026-12-06) the ordinary post is read about twice as
fast, and the shapes it leaves to markdown-it cost what they did (the worst, brackets and
emphasis runs, 10-12 times the new ordinary post); 15 times the new ordinary post is about 7.5
times the old one, a tighter bound than before in absolute terms, with room for a loaded
machine."""
MEMORY_BUDGET = 20.0

ORDINARY = """## The shoot ran long

The director said the *shoot* ran long, and the studio moved the
release to spring. Early footage shown to [exhibitors](https://example.org/x)
drew warm reactions, and the **second unit** is still in Iceland.

- principal photography wrapped in March
- reshoots are planned for the summer
- the score is by a first-time composer

> "We wanted the sea to feel like a character," she told the trade press,
> adding that the `IMAX` cameras had to be rebuilt twice.

| Market | Date |
| --- | --- |
| US | 2025-04-11 |
| UK | 2025-04-18 |

Casting news follows next week; the studio would not confirm the sequel.

"""

ARTICLE = (
    "The studio confirmed on Tuesday that the sequel will shoot in the spring, with most of "
    "the original cast returning. Producers said the script was finished in January.\n\n"
    "\u201cWe wanted to get it right,\u201d the director said in a statement. Filming is expected to "
    "last four months, mostly on location.\n\n"
)


def fill(unit: str, size: int) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def numbered(make: Callable[[int], str], size: int) -> str:
    """Pieces ``make(0)``, ``make(1)``… joined until ``size`` characters."""
    parts, total, index = [], 0, 0
    while total < size:
        part = make(index)
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts)[:size]


def wide_table(columns: int, size: int) -> str:
    header = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n"
    return header + fill("|" + "b|" * columns + "\n", max(0, size - len(header)))


# name → (kind, builder(size)); kind "post" or "import"
SHAPES: dict[str, tuple[str, Callable[[int], str]]] = {
    "equal headings": ("post", lambda n: fill("## same\n\n", n)),
    "headings that look numbered": ("post", lambda n: fill("## a\n\n## a-1\n\n## a-1-1\n\n", n)),
    "one heading per line": ("post", lambda n: numbered(lambda i: f"### h{i % 50}\n", n)),
    "empty headings": ("post", lambda n: fill("#\n", n)),
    "one-letter paragraphs": ("post", lambda n: fill("a\n\n", n)),
    "setext headings": ("post", lambda n: fill("a\n-\n", n)),
    "table at the column limit": ("post", lambda n: wide_table(1000, n)),
    "table over the column limit": ("post", lambda n: wide_table(20000, n)),
    "table of tiny cells": (
        "post",
        lambda n: "|a|b|c|d|e|f|g|h|\n|-|-|-|-|-|-|-|-|\n" + fill("|a|b|c|d|e|f|g|h|\n", n),
    ),
    "table of padded rows": (
        "post",
        lambda n: "|" + "a|" * 1000 + "\n|" + "-|" * 1000 + "\n" + fill("|\n", n),
    ),
    "nested quotes": ("post", lambda n: fill(">", n)),
    "nested lists": ("post", lambda n: fill("".join("  " * i + "- a\n" for i in range(40)), n)),
    "nested emphasis": ("post", lambda n: "*" * (n // 2) + "a" + "*" * (n // 2)),
    "open brackets": ("post", lambda n: fill("[", n)),
    "open image brackets": ("post", lambda n: fill("![", n)),
    "open brackets, one closed": ("post", lambda n: "[" * (n - 1) + "]"),
    "open brackets before a link": ("post", lambda n: "[" * (n - 5) + "](/x)"),
    "bracketed words before a link": ("post", lambda n: fill("[a", n - 5) + "](/x)"),
    "stars and brackets": ("post", lambda n: fill("*[", n - 5) + "](/x)"),
    "underscores and brackets": ("post", lambda n: fill("_[", n - 5) + "](/x)"),
    "double stars and brackets": ("post", lambda n: fill("**[", n - 5) + "](/x)"),
    "brackets and stars": ("post", lambda n: fill("[*", n - 5) + "](/x)"),
    "emphasis in open brackets": ("post", lambda n: fill("[*a*", n - 5) + "](/x)"),
    "images of stars": ("post", lambda n: fill("![*", n - 5) + "](/x)"),
    "stars and brackets, a reference defined": (
        "post",
        lambda n: "[r]: /r\n\n" + fill("*[", n - 10) + "]",
    ),
    "images with open destinations": ("post", lambda n: fill("![](", n)),
    "links with open destinations": ("post", lambda n: fill("[a](", n)),
    "nested strikethrough": ("post", lambda n: "~" * (n // 2) + "a" + "~" * (n // 2)),
    "unclosed emphasis": ("post", lambda n: fill("*a ", n)),
    "emphasis": ("post", lambda n: fill("*a* _b_ ", n)),
    "strikethrough": ("post", lambda n: fill("~~a~~ ", n)),
    "quotes for smartquotes": ("post", lambda n: fill("\"a' ", n)),
    "backtick runs": ("post", lambda n: fill("`a ``b ", n)),
    "links": ("post", lambda n: fill("[a](/b) ", n)),
    "reference definitions": (
        "post",
        lambda n: numbered(lambda i: f"[r{i}]: /x{i}\n", n // 2) + fill("[r1] [r2][] ", n - n // 2),
    ),
    "footnotes": ("post", lambda n: numbered(lambda i: f"x[^{i}]\n\n[^{i}]: n\n\n", n)),
    "one word per line": ("post", lambda n: fill("a\n", n)),
    "list items": ("post", lambda n: fill("- a\n", n)),
    "empty list items": ("post", lambda n: fill("-\n", n)),
    "nested list items": ("post", lambda n: fill("- - - - a\n", n)),
    "small tables": ("post", lambda n: fill("|a|\n|-|\n|b|\n\n", n)),
    "html-like text": ("post", lambda n: fill("<a ", n)),
    "entities": ("post", lambda n: fill("&amp;&#x41;", n)),
    "autolinks": ("post", lambda n: fill("<https://a.example/> ", n)),
    "code fences": ("post", lambda n: fill("```\na\n```\n", n)),
    "tweet lines": ("post", lambda n: fill("https://twitter.com/a/status/1\n\n", n)),
    "one long line": ("post", lambda n: "a" * n),
    "import: a line of '-- '": ("import", lambda n: fill("-- ", n)),
    "import: sentences before an embed tail": (
        "import",
        lambda n: fill("Big news. ", n - 40) + "\u2014 Studio (@studio) May 1, 2021\n",
    ),
    "import: embed tails": (
        "import",
        lambda n: fill("Big news \u2014 Studio (@studio) May 1, 2021 ", n),
    ),
    "import: one word per line": ("import", lambda n: fill("word\n", n)),
    "import: repeated blocks": (
        "import",
        lambda n: fill("The same words in a block again.\n\n", n),
    ),
    "import: capitalised words": ("import", lambda n: fill("Anna ", n)),
    "import: an address ending in punctuation": (
        "import",
        lambda n: "See https://a.example/" + fill(".,", n - 24) + "x",
    ),
    "import: addresses": ("import", lambda n: fill("see https://a.example/b_c, ", n)),
    "import: a list of names": ("import", lambda n: fill("Anna Berg, ", n)),
    "import: names joined by and": ("import", lambda n: fill("Anna Berg and ", n)),
    "import: a title before each year": (
        "import",
        lambda n: numbered(lambda i: f"{_word(i)} Harbor ({1950 + i % 70}). ", n),
    ),
    "import: a cast in each sentence": (
        "import",
        lambda n: numbered(lambda i: f"The film stars {_word(i)} Berg and Ola {_word(i + 1)}. ", n),
    ),
    "import: a letter before each full stop": ("import", lambda n: fill("Plan B. ", n)),
    "import: a web page of nested elements": (
        "import",
        lambda n: "<!doctype html><body><article>" + fill("<div><p>a ", n - 40),
    ),
    "import: a web page of skipped elements": (
        "import",
        lambda n: "<html><body>" + fill("<nav><script>x</script>", n - 20) + "<p>Text.</p>",
    ),
    "import: a web page of quoted tweets": (
        "import",
        lambda n: (
            "<html><body>"
            + fill(
                "<blockquote><p>Hi</p>\u2014 S (@s) "
                '<a href="https://twitter.com/s/status/1">May 1, 2021</a></blockquote>',
                n - 20,
            )
        ),
    ),
    "import: a web page of unclosed quotes": (
        "import",
        lambda n: "<html><body>" + fill("<blockquote><p>Said so. ", n - 20),
    ),
}


def _word(index: int) -> str:
    """A capitalised word of its own for each index (Ba, Bb… Bab…): distinct names."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = ""
    while True:
        index, rest = divmod(index, 26)
        word = letters[rest] + word
        if not index:
            return "B" + word


def _post(body: str) -> bytes:
    return ("---\ntitle: A post\ndate: 2024-01-02\nfilm: Heat\n---\n" + body).encode("utf-8")


def run(kind: str, text: str) -> None:
    """Read ``text`` as newsreel reads a post, or import it as an article."""
    if kind == "import":
        from datetime import date

        from newsreel.facts import guess_people, guess_titles, release_years
        from newsreel.htmltext import html_to_text, looks_like_html
        from newsreel.importer import clean_article

        if looks_like_html(text):  # (a saved web page: its text, as import_file reads it)
            text = html_to_text(text)[0]
        article = clean_article(text)
        assert article.markdown is not None  # (the body as it is written: links, escapes)
        guess_titles(article.text)
        guess_people(article.text)
        release_years(article.text, date(2026, 1, 1))
        return
    from newsreel.config import Settings
    from newsreel.loader import parse_post
    from newsreel.markdown import make_markdown, render_body

    record, _ = parse_post("content/posts/x.md", _post(text), Settings())
    if record is not None:
        render_body(
            make_markdown(False, "/"),
            record.body,
            path="content/posts/x.md",
            body_line=record.body_line,
        )


def seconds(kind: str, text: str, runs: int) -> float:
    """The best of ``runs`` readings, each with the cycle collector off, as ``build`` reads its
    sources: a collection would walk whatever else the process holds (in the test suite, what
    the tests before left), and charge it to the input that allocates most."""
    best = float("inf")
    collecting = gc.isenabled()
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            run(kind, text)
            best = min(best, time.perf_counter() - started)
        finally:
            if collecting:
                gc.enable()
    return best


def peak_bytes(kind: str, text: str) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run(kind, text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@dataclass(frozen=True)
class Cost:
    name: str
    seconds: float
    peak: int
    time_ratio: float
    memory_ratio: float

    @property
    def within(self) -> bool:
        return self.time_ratio <= TIME_BUDGET and self.memory_ratio <= MEMORY_BUDGET


def baseline(kind: str, size: int, runs: int = 3) -> tuple[float, int]:
    text = fill(ORDINARY if kind == "post" else ARTICLE, size)
    run(kind, text)  # warm up imports and caches
    return seconds(kind, text, runs), peak_bytes(kind, text)


def measure(name: str, size: int, base: dict[str, tuple[float, int]], tries: int = 8) -> Cost:
    """One shape against the ordinary input of its kind. The time ratio is the best of up to
    ``tries`` pairs of runs, the ordinary input and the shape back to back, so that a shared
    machine's load (which changes from second to second) weighs on both sides alike."""
    kind, build = SHAPES[name]
    text = build(size)
    ordinary = fill(ORDINARY if kind == "post" else ARTICLE, size)
    _, base_peak = base[kind]
    best = (float("inf"), 0.0)
    for _ in range(tries):
        pair = (seconds(kind, text, 1), seconds(kind, ordinary, 1))
        if pair[0] / pair[1] < best[0] / max(best[1], 1e-9):
            best = pair
        if best[0] / best[1] <= TIME_BUDGET:
            break
    peak = peak_bytes(kind, text)
    return Cost(name, best[0], peak, best[0] / best[1], peak / base_peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=int, default=1_000_000, help="characters per input (default 1,000,000)"
    )
    parser.add_argument("--only", nargs="*", help="shape names to run (default: all)")
    args = parser.parse_args()
    base = {kind: baseline(kind, args.size) for kind in ("post", "import")}
    print(
        f"Inputs of {args.size:,} characters; budget {TIME_BUDGET:g}x the time and {MEMORY_BUDGET:g}x the "
        "memory of an ordinary input of the same size.\n"
    )
    print(
        "| shape | time | x ordinary | peak memory | x ordinary |\n| --- | --- | --- | --- | --- |"
    )
    for kind, (spent, peak) in base.items():
        print(
            f"| ordinary {'post' if kind == 'post' else 'article to import'} | {spent:.2f} s | 1 | "
            f"{peak / 1e6:.0f} MB | 1 |"
        )
    failed = 0
    for name in args.only or SHAPES:
        cost = measure(name, args.size, base)
        failed += not cost.within
        mark = "" if cost.within else " ⚠"
        print(
            f"| {name} | {cost.seconds:.2f} s | {cost.time_ratio:.1f}{mark} | {cost.peak / 1e6:.0f} MB | "
            f"{cost.memory_ratio:.1f}{mark} |",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
