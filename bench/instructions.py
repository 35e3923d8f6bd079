"""Instructions a cold build executes, in all its processes, counted by callgrind.

    python bench/instructions.py SITE [--memo-mb MB] [--cache]

Builds SITE without a cache into a temporary folder under ``valgrind --tool=callgrind`` and
prints each process's count and their total. ``--cache`` builds with the build cache on, none
there yet (a fresh clone's first ``newsreel build``): the parent then also saves the cache;
the child that hard-links the spare generation meanwhile is not counted (its work is the
kernel's). Callgrind counts a forked child from its parent's
start, so before each parallel phase an empty child is forked: its count is the parent's at
that moment, and each worker forked right after is counted less it. ``--memo-mb`` sets the
fragment memo's limit a process (to put a small site under a large one's pressure).

Instruction counts move by a few parts in a thousand from run to run (which process takes
which chunk depends on timing), where wall times on a shared machine move by a fifth.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _inner(site: Path, output: Path, memo_mb: float | None, cache: bool = False) -> None:
    """The build, run under callgrind: say which process is which on stderr."""
    sys.path.insert(0, str(ROOT))
    import newsreel.build as build
    import newsreel.fragments as fragments

    if memo_mb is not None:
        fragments.LIMIT = int(memo_mb * (1 << 20))
    run_parallel = build._run_parallel

    def marked(work, count, total):  # type: ignore[no-untyped-def]
        marker = os.fork()
        if marker == 0:
            os._exit(0)
        os.waitpid(marker, 0)

        def work_marked(items, index):  # type: ignore[no-untyped-def]
            if index:
                print(f"WORKER {os.getpid()} {marker}", file=sys.stderr, flush=True)
            return work(items, index)

        return run_parallel(work_marked, count, total)

    build._run_parallel = marked
    print(f"PARENT {os.getpid()}", file=sys.stderr, flush=True)
    build.build_site(site, build.BuildOptions(use_cache=cache, output=output))


def count(
    site: Path, memo_mb: float | None, cache: bool = False
) -> tuple[int, list[tuple[str, int]]]:
    """(total, [(process, instructions)]) of one cold build of ``site`` (``cache``: with the
    build cache on, as plain ``newsreel build`` does, none there yet)."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "site"
        shutil.copytree(
            site,
            copy,
            ignore=lambda folder, names: [".newsreel-cache", "site"] if folder == str(site) else [],
        )
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        command += [sys.executable, __file__, "--inner", str(copy), str(Path(work) / "out")]
        command += ["--memo-mb", str(memo_mb)] if memo_mb is not None else []
        command += ["--cache"] if cache else []
        log = subprocess.run(command, capture_output=True, text=True).stderr
    counted = {
        int(pid): int(n.replace(",", ""))
        for pid, n in re.findall(r"==(\d+)== Collected : ([\d,]+)", log)
    }
    parent = re.search(r"PARENT (\d+)", log)
    if parent is None or int(parent.group(1)) not in counted:
        raise SystemExit(f"the build did not run:\n{log[-2000:]}")
    parts = [("parent", counted[int(parent.group(1))])]
    for worker, marker in re.findall(r"WORKER (\d+) (\d+)", log):
        parts.append((f"worker {worker}", counted[int(worker)] - counted[int(marker)]))
    return sum(n for _, n in parts), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("output", type=Path, nargs="?")
    parser.add_argument("--memo-mb", type=float)
    parser.add_argument(
        "--cache",
        action="store_true",
        help="the build cache on, none there yet (plain `newsreel build` of a fresh clone)",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner(args.site, args.output, args.memo_mb, args.cache)
        return
    total, parts = count(args.site.resolve(), args.memo_mb, args.cache)
    for name, n in parts:
        print(f"{name:>16}: {n / 1e6:10,.0f} M")
    print(f"{'total':>16}: {total / 1e6:10,.0f} M")


if __name__ == "__main__":
    main()
