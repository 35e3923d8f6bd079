"""What search costs a build: ``python bench/search.py N [--runs R]``.

On the generated corpus of N posts (``bench/corpus.py``, in ``bench/work/corpus-N``), it
times, as medians of R runs:

- a cold build (``--no-cache``) with ``search: false`` and with search on;
- Pagefind alone on that output (``newsreel.search.run_pagefind``: linking the pages,
  indexing, reading the index back and putting it in a fixed byte order);
- a warm build with nothing changed (the index is not made again);
- a warm build after one post's text changed (the pages and the whole index are made again).

Prints a Markdown table. Nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from corpus import generate  # noqa: E402

from newsreel.config import Settings  # noqa: E402
from newsreel.search import run_pagefind  # noqa: E402
from newsreel.writer import Manifest  # noqa: E402


def newsreel(site: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "newsreel", "-q", "build", str(site), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return time.perf_counter() - started


def set_search(site: Path, on: bool) -> None:
    config = site / "newsreel.yaml"
    lines = [
        line for line in config.read_text("utf-8").splitlines() if not line.startswith("search:")
    ]
    config.write_text("\n".join(lines + [f"search: {'true' if on else 'false'}"]) + "\n", "utf-8")


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    site = BENCH / "work" / f"search-corpus-{args.n}"
    if not (site / "newsreel.yaml").is_file():
        generate(args.n, site)
    rows: dict[str, list[float]] = {key: [] for key in ("off", "on", "index", "noop", "edit")}
    post = sorted((site / "content" / "posts").rglob("*.md"))[0]
    original = post.read_text("utf-8")
    pages = 0
    for run in range(args.runs):
        for on in (False, True):
            set_search(site, on)
            shutil.rmtree(site / "site", ignore_errors=True)
            rows["on" if on else "off"].append(newsreel(site, "--no-cache"))
        output = site / "site"
        manifest = Manifest.read(output)
        assert manifest is not None
        html = [(rel, output / rel) for rel in sorted(manifest.files) if rel.endswith(".html")]
        started = time.perf_counter()
        files = run_pagefind(html, BENCH / "work" / "search-workspace", Settings().language)
        rows["index"].append(time.perf_counter() - started)
        pages = len([rel for rel in files if rel.endswith(".pf_fragment")])
        newsreel(site)  # fills the cache
        rows["noop"].append(newsreel(site))
        post.write_text(original + f"\nEdited in run {run}.\n", "utf-8")
        rows["edit"].append(newsreel(site))
        post.write_text(original, "utf-8")
        newsreel(site)
    print(f"| {args.n:,} posts ({pages:,} pages indexed) | median of {args.runs} |")
    print("| --- | --- |")
    print(f"| cold build, `search: false` | {median(rows['off'])} |")
    print(f"| cold build, search on | {median(rows['on'])} |")
    print(f"| Pagefind alone on that output | {median(rows['index'])} |")
    print(f"| warm build, nothing changed (no indexing) | {median(rows['noop'])} |")
    print(f"| warm build, one post edited (pages + whole index) | {median(rows['edit'])} |")


if __name__ == "__main__":
    main()
