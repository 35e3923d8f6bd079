"""The speed bars of the incremental builds, as a user meets them: a warm build with nothing
changed under 1 s, and a one-post edit under 300 ms, each a fresh ``newsreel -q build``
process, every step included (Python's start, listing and stamping the sources, verifying
the output, the patch).

1. generate an N-post corpus (``bench/corpus.py``) in ``bench/work/bars-N`` with
   ``search: false`` (Pagefind has no incremental index: with search on, any page change
   re-indexes the whole site; ``--search`` keeps it on to show what that costs);
2. a cold build (no cache, no output), then one warm build to make the spare generation;
3. ``--runs`` warm builds with nothing changed, then ``--runs`` one-post edits (a sentence
   appended to a different post each time).

Wall time and CPU time (user + system of the build process) are printed for each; the CPU
time is the figure least disturbed by other load on a shared machine.

newsreel's modules are compiled to bytecode first (``compileall``), as ``pip install`` does
for an installed package: where ``PYTHONDONTWRITEBYTECODE`` is set and the checkout is
installed editable, every process would otherwise compile them from source again (~0.1 s).
``--no-compile`` leaves that out.

    .venv/bin/python bench/bars.py 4000 --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402

NEWSREEL = [sys.executable, "-m", "newsreel", "-q", "build"]


def build(site: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``newsreel -q build`` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([*NEWSREEL, str(site), *extra], cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"newsreel build failed on {site}")
    return wall, usage.ru_utime + usage.ru_stime


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def show(name: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return (
        f"| {name} | {median(walls) * 1000:.0f} ms | {median(cpus) * 1000:.0f} ms "
        f"| {', '.join(f'{w * 1000:.0f}' for w in walls)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="corpus size")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--search", action="store_true", help="keep the search index on")
    parser.add_argument(
        "--no-cold",
        action="store_true",
        help="keep the output and cache of an earlier run (no cold build is timed)",
    )
    parser.add_argument(
        "--no-compile", action="store_true", help="do not compile newsreel's modules first"
    )
    args = parser.parse_args()
    if not args.no_compile:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(REPO / "newsreel")], check=True
        )
    site = BENCH / "work" / f"bars-{args.n}{'-search' if args.search else ''}"
    if not corpus.is_generated(site, args.n):
        shutil.rmtree(site, ignore_errors=True)
        corpus.generate(args.n, site, seed=1)
    config = site / "newsreel.yaml"
    text = config.read_text("utf-8").replace("search: false\n", "")
    config.write_text(text + ("" if args.search else "search: false\n"), "utf-8")
    if not args.no_cold:
        shutil.rmtree(site / "site", ignore_errors=True)
        shutil.rmtree(site / ".newsreel-cache", ignore_errors=True)
    print(f"load average at start {os.getloadavg()}", flush=True)
    cold = (0.0, 0.0) if args.no_cold else build(site, "--no-cache")
    build(site)  # makes the cache and the spare generation
    warm = [build(site) for _ in range(args.runs)]
    posts = sorted((site / "content" / "posts").rglob("*.md"))
    edits = []
    for run in range(args.runs):
        with open(posts[(run * 97 + 11) % len(posts)], "a", encoding="utf-8") as handle:
            handle.write(f"\nOne more sentence ({time.time_ns()}).\n")
        edits.append(build(site))
    print(
        f"{args.n:,} posts, search {'on' if args.search else 'off'}; cold build (no cache, "
        f"no output) {cold[0]:.1f} s wall, {cold[1]:.1f} s CPU"
    )
    print("| measure | wall (median) | CPU (median) | wall of each run, ms |")
    print("| --- | ---: | ---: | --- |")
    print(show("warm build, nothing changed", warm))
    print(show("one post edited", edits))
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
