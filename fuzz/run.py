"""Fuzz newsreel for a bounded time: ``python fuzz/run.py --seconds 60``.

Targets: the front-matter reader (splitter, YAML, field checks) and Markdown with the tweet
rule. Uses atheris (coverage-guided, ``pip install atheris``) when it is installed, else a
built-in mutator over the same seeds. Each target gets an equal share of the time. Inputs
that crash are saved in ``fuzz/crashes/``; the command exits 1 when there is any. Not part of
the default test run: every crash found becomes a regression test in tests/test_hostile.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fuzz.targets import MARKDOWN_SEEDS, SEEDS, check_front_matter, check_markdown  # noqa: E402

TARGETS = {
    "frontmatter": (HERE / "fuzz_frontmatter.py", check_front_matter, SEEDS),
    "markdown": (HERE / "fuzz_markdown.py", check_markdown, MARKDOWN_SEEDS),
}
TOKENS = [
    b"---",
    b"\n",
    b"\r\n",
    b": ",
    b" #",
    b"\t",
    b"&a ",
    b"*a",
    b"!!",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'",
    b'"',
    b"- ",
    b"? ",
    b"|",
    b">",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"\\u",
    b"<script>",
    b"javascript:",
    b"https://twitter.com/a/status/1",
    b"https://x.com/b/status/99",
    b"](",
    b"<",
    b"&#x09;",
    b"..",
    b"9999-12-31",
    b"0000-00-00",
    b"title: ",
    b"date: ",
    b"films:",
    b"tweet:",
    b"slug: ",
    "é".encode(),
    "🎬".encode(),
    b"\xcc\x81",
    b"`",
    b"%2e",
    b"[^1]",
    b"|---|",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit: insert a token, flip a byte, delete or duplicate a slice."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(data))
        choice = rng.random()
        if choice < 0.45:
            data[at:at] = rng.choice(TOKENS)
        elif choice < 0.6 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif choice < 0.8 and data:
            end = min(len(data), at + rng.randint(1, 16))
            del data[at:end]
        elif data:
            end = min(len(data), at + rng.randint(1, 32))
            data[at:at] = data[at:end] * rng.randint(1, 3)
    return bytes(data[:20000])


def run_builtin(
    name: str, check: Callable[[bytes], None], seeds: list[bytes], seconds: float, crashes: Path
) -> tuple[int, int]:
    """Mutate seeds for ``seconds``; return (executions, crashes)."""
    rng = random.Random(name)
    pool = list(seeds)
    runs = found = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng.choice(pool), rng)
        runs += 1
        try:
            check(data)
        except Exception:  # noqa: BLE001 - every exception is a finding
            found += 1
            path = crashes / f"{name}-{runs}.bin"
            path.write_bytes(data)
            print(
                f"{name}: crash saved to {path}\n{traceback.format_exc(limit=3)}", file=sys.stderr
            )
        else:
            if len(pool) < 500 and rng.random() < 0.05:
                pool.append(data)
    return runs, found


def run_atheris(
    name: str, harness: Path, seeds: list[bytes], seconds: float, crashes: Path
) -> tuple[int, int]:
    """Run the atheris harness in a child for ``seconds``; return (executions or -1, crashes)."""
    with tempfile.TemporaryDirectory(prefix=f"newsreel-fuzz-{name}-") as corpus:
        for index, seed in enumerate(seeds):
            Path(corpus, f"seed-{index}").write_bytes(seed)
        before = set(crashes.iterdir())
        done = subprocess.run(
            [
                sys.executable,
                str(harness),
                f"-max_total_time={max(1, int(seconds))}",
                "-timeout=10",
                "-rss_limit_mb=2048",
                f"-artifact_prefix={crashes}/{name}-",
                "-print_final_stats=1",
                corpus,
            ],
            capture_output=True,
            text=True,
        )
        runs = -1
        for line in done.stderr.splitlines():
            if line.startswith("stat::number_of_executed_units:"):
                runs = int(line.split(":")[-1])
        found = len(set(crashes.iterdir()) - before)
        if done.returncode != 0 and found == 0:
            print(done.stderr[-3000:], file=sys.stderr)
            found = 1
        return runs, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="total time, shared by the targets"
    )
    parser.add_argument("--engine", choices=("auto", "atheris", "builtin"), default="auto")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append")
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "builtin"
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    names = args.target or sorted(TARGETS)
    share = args.seconds / len(names)
    total = 0
    for name in names:
        harness, check, seeds = TARGETS[name]
        for seed in seeds:  # the seeds themselves must pass
            check(seed)
        if engine == "atheris":
            runs, found = run_atheris(name, harness, seeds, share, crashes)
        else:
            runs, found = run_builtin(name, check, seeds, share, crashes)
        print(
            f"{name}: {engine}, {share:.0f} s, {runs if runs >= 0 else '?'} inputs, {found} crash(es)"
        )
        total += found
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
