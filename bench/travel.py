"""A cache that travels: a one-post edit built in a fresh checkout with the cache restored,
next to the same edit built warm where the cache was made.

CI (the deploy workflow) checks the repository out anew on every push — every file gets a new
mtime and inode — and restores `.newsreel-cache/` and `site/` with `actions/cache`, which
saves and restores them with `tar --posix` (times kept to the nanosecond, hard links kept).
This instrument does the same on one machine:

1. generate an N-post corpus (`bench/corpus.py`) in `bench/work/travel-N/local`, build it
   twice (cold, then warm: the cache and the spare generation exist);
2. **warm local**: append a sentence to one post, time `newsreel -q build` (median of runs);
3. **fresh clone**: move the local folder aside and copy its sources (not `site/` nor the
   cache) back to its path with plain `cp -r` (new inodes, new mtimes; the same path, as a CI
   runner checks a repository out at the same path on every push), restore `.newsreel-cache/`,
   `site/` and its manifest from a `tar --posix` archive of the local folder, append a
   sentence to one post, time the build; then put the local folder back;
4. for scale, the same edit in a fresh clone **without** the cache (a cold build).

The corpus is built with ``search: false`` (a Pagefind re-index would be the same in both).

    .venv/bin/python bench/travel.py 10000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402

NEWSREEL = [sys.executable, "-m", "newsreel", "-q", "build"]
SOURCES = ("content", "templates", "static", "newsreel.yaml")


class Timing(NamedTuple):
    seconds: float
    cpu: float
    """CPU seconds (user + system): the figure least disturbed by other load on a shared
    machine."""


def build(site: Path) -> Timing:
    """Wall and CPU time of one `newsreel -q build` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([*NEWSREEL, str(site)], cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"newsreel build failed on {site}")
    return Timing(time.perf_counter() - started, usage.ru_utime + usage.ru_stime)


def posts(site: Path) -> list[Path]:
    return sorted((site / "content" / "posts").rglob("*.md"))


def edit(path: Path, mark: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\nOne more sentence ({mark}).\n")


def fresh_clone(local: Path, clone: Path, with_cache: bool) -> None:
    """The sources copied anew (new inodes and mtimes) into ``clone``; the cache and site/ as
    actions/cache restores them (a tar --posix archive)."""
    shutil.rmtree(clone, ignore_errors=True)
    clone.mkdir(parents=True)
    for name in SOURCES:
        if (local / name).exists():
            subprocess.run(["cp", "-r", str(local / name), str(clone / name)], check=True)
    if with_cache:
        archive = clone.parent / "cache.tar"
        subprocess.run(
            [
                "tar",
                "--posix",
                "-cf",
                str(archive),
                "-C",
                str(local),
                ".newsreel-cache",
                "site",
                ".site.newsreel-manifest",
            ],
            check=True,
        )
        subprocess.run(["tar", "-xf", str(archive), "-C", str(clone)], check=True)
        archive.unlink()


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="corpus size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-cold", action="store_true", help="skip the fresh clone without a cache"
    )
    args = parser.parse_args()
    # newsreel's modules compiled to bytecode, as `pip install` does (see bench/bars.py)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "newsreel")], check=True)
    work = BENCH / "work" / f"travel-{args.n}"
    local = work / "local"
    if not (local / "content").is_dir():
        shutil.rmtree(local, ignore_errors=True)
        corpus.generate(args.n, local, seed=1)
    # Search off: Pagefind has no incremental index, and its full re-index after an edit
    # (the same in both places) would hide what the cache saves.
    config = local / "newsreel.yaml"
    text = config.read_text("utf-8").replace("search: false\n", "")
    config.write_text(text + "search: false\n", "utf-8")
    shutil.rmtree(local / "site", ignore_errors=True)
    shutil.rmtree(local / ".newsreel-cache", ignore_errors=True)
    print(f"load average at start {os.getloadavg()}", flush=True)
    cold = build(local).seconds
    build(local)
    targets = posts(local)
    warm: list[Timing] = []
    for run in range(args.runs):
        edit(targets[run * 7 % len(targets)], f"warm {run} {time.time_ns()}")
        warm.append(build(local))
    travelled: list[Timing] = []
    clone = local  # a CI runner checks out at the same path every time
    aside = work / "local-aside"
    shutil.rmtree(aside, ignore_errors=True)
    for run in range(args.runs):
        local.rename(aside)
        try:
            fresh_clone(aside, clone, with_cache=True)
            edit(posts(clone)[(run * 7 + 3) % len(targets)], f"clone {run} {time.time_ns()}")
            travelled.append(build(clone))
        finally:
            shutil.rmtree(clone, ignore_errors=True)
            aside.rename(local)
    print(
        "| posts | cold build | warm local, one post edited | fresh clone + restored cache, one post edited | ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    warm_s, travelled_s = median([t.seconds for t in warm]), median([t.seconds for t in travelled])
    print(
        f"| {args.n:,} | {cold:.2f} s | {warm_s * 1000:.0f} ms | {travelled_s * 1000:.0f} ms "
        f"| {travelled_s / warm_s:.2f}× |"
    )
    print(
        f"runs: warm {[round(t.seconds, 3) for t in warm]}, "
        f"clone {[round(t.seconds, 3) for t in travelled]}; "
        f"CPU: warm {[round(t.cpu, 3) for t in warm]}, "
        f"clone {[round(t.cpu, 3) for t in travelled]}; load average {os.getloadavg()}"
    )
    if not args.no_cold:  # (beside the local folder: a cold build needs no same path)
        clone = work / "clone"
        fresh_clone(local, clone, with_cache=False)
        edit(posts(clone)[5], "clone without cache")
        print(f"fresh clone without the cache, one post edited: {build(clone).seconds:.2f} s")
    shutil.rmtree(work / "clone", ignore_errors=True)


if __name__ == "__main__":
    main()
