"""Benchmark newsreel against Hugo, Eleventy and Pelican on one generated corpus.

    .venv/bin/python bench/run.py --sizes 1000 10000 --runs 3
    .venv/bin/python bench/run.py --profile 1000 [--profile-mode cold|warm|edit]

For each size N: generate the corpus once (cached in bench/work/corpus-N), time newsreel's
``build`` as a fresh process (cold with no cache, warm with nothing changed, one post edited,
one template edited, peak memory), convert the corpus for the peers (not timed), time each
peer's cold build (and its own incremental rebuild where it has one), then print a Markdown
table of medians with the ratios newsreel/peer and write it to bench/results-<date>.md.
Times are whole-process wall times. Nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

try:
    import anyascii  # noqa: F401  (the peers' converter needs newsreel's dependencies)
    import yaml  # noqa: F401
except ImportError:  # pragma: no cover - run under the wrong Python
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    raise SystemExit(
        "run under newsreel's venv: .venv/bin/python bench/run.py (make install first)"
    ) from None

import corpus  # noqa: E402
import install_peers  # noqa: E402
import peers  # noqa: E402
import varied  # noqa: E402

NEWSREEL = ROOT / ".venv" / "bin" / "newsreel"
PAGE = os.sysconf("SC_PAGE_SIZE")
TOOL_NAMES = {"newsreel": "newsreel", "hugo": "Hugo", "eleventy": "Eleventy", "pelican": "Pelican"}


# --- measuring one process ---------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One timed process."""

    seconds: float
    max_rss_mb: float
    """Largest single process of the tree (ru_maxrss from wait4)."""
    tree_mb: float
    """Largest sum of the tree's resident sets, sampled every 20 ms (shared pages counted per process)."""
    tree_pss_mb: float
    """Largest sum of the tree's proportional set sizes (a page shared by n processes counts 1/n
    in each): the memory the whole tree really holds, sampled as often as ``PSS_SHARE`` allows."""
    ok: bool
    error: str = ""
    cpu_seconds: float = 0.0
    """User + system time of the process and the children it waited for."""
    system_seconds: float = 0.0
    """The system time of ``cpu_seconds``: the kernel's share (files, folders, page faults),
    which moves with the file system's state more than the tool's own work does."""


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return out


def _tree_rss(pid: int) -> int:
    total = 0
    for member in _descendants(pid):
        try:
            with open(f"/proc/{member}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


SAMPLE_EVERY = 0.02
"""Seconds between two memory samples of a running build (at least)."""
PSS_SHARE = 0.05
"""The share of one core the PSS samples may take: their interval grows with their cost."""


def _tree_pss(pid: int) -> int:
    total = 0
    for member in _descendants(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(command: list[str] | tuple[str, ...], cwd: Path) -> Sample:
    """Run ``command`` to its end; wall time, peak memory, and whether it succeeded.

    The files earlier runs wrote are flushed first: the kernel writes a run's output back
    30 s after it (``vm.dirty_expire_centisecs``), and ext4 allocates the blocks then, on a
    core of this 2-core machine, in the middle of whichever run is going: the same newsreel
    build took 8.3 s or 11.5 s (Hugo's 8.6 s) by where that landed."""
    os.sync()
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        peak = [0, 0]
        done = threading.Event()

        def sample() -> None:
            wait = SAMPLE_EVERY
            while not done.wait(wait):
                peak[0] = max(peak[0], _tree_rss(process.pid))
                started = time.perf_counter()
                peak[1] = max(peak[1], _tree_pss(process.pid))
                # smaps_rollup walks the page tables of the process it reads (34 ms for 1.5 GB):
                # read every 20 ms, it took most of a core from the build it measured, the more
                # the bigger the build (Hugo at 10,000 posts, newsreel at 40,000)
                wait = max(SAMPLE_EVERY, (time.perf_counter() - started) / PSS_SHARE)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    ok = process.returncode == 0
    largest = usage.ru_maxrss / 1024
    # A short run can end between two samples; the tree never held less than its largest process.
    return Sample(
        seconds,
        largest,
        max(peak[0] / 2**20, largest),
        peak[1] / 2**20 or largest,
        ok,
        "" if ok else " | ".join(tail),
        usage.ru_utime + usage.ru_stime,
        usage.ru_stime,
    )


# --- results -----------------------------------------------------------------------------


@dataclass
class Row:
    """One measure for every tool: samples (seconds) or a note."""

    label: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    reported: dict[str, list[float]] = field(default_factory=dict)
    """Seconds as the tool's own log reported them (watch-mode rebuilds)."""

    def median(self, tool: str) -> float | None:
        good = [s.seconds for s in self.samples.get(tool, []) if s.ok]
        if tool in self.reported and self.reported[tool]:
            return statistics.median(self.reported[tool])
        return statistics.median(good) if good else None

    def cpu(self, tool: str) -> str:
        """The median CPU time, and the medians of its user and system parts."""
        good = [s for s in self.samples.get(tool, []) if s.ok]
        if not good:
            return "—"
        total = statistics.median(s.cpu_seconds for s in good)
        system = statistics.median(s.system_seconds for s in good)
        user = statistics.median(s.cpu_seconds - s.system_seconds for s in good)
        return f"{_seconds(total)} ({user:.2f} + {system:.2f})"

    def cell(self, tool: str) -> str:
        failed = [s for s in self.samples.get(tool, []) if not s.ok]
        value = self.median(tool)
        text = "—" if value is None else _seconds(value)
        if failed and value is None:
            text = f"failed: {failed[0].error[:120]}"
        if tool in self.notes:
            text += f" ({self.notes[tool]})"
        return text


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


@dataclass
class SizeResult:
    """Everything measured at one size."""

    n: int
    rows: list[Row]
    memory: dict[str, tuple[float, float, float]]
    """tool -> (median largest process MB, median whole tree MB) over the cold builds."""
    files: dict[str, int]
    conversion_seconds: float


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder)) if folder.exists() else 0


def _count_bytes(folder: Path) -> int:
    """Bytes of every file in ``folder`` (their sizes, not the blocks they take)."""
    return sum(
        os.path.getsize(os.path.join(current, name))
        for current, _, files in os.walk(folder)
        for name in files
    )


# --- newsreel ----------------------------------------------------------------------------


def _theme_template(name: str) -> Path | None:
    """The built-in theme's copy of ``name``: installed package first, then the checkout."""
    candidates = []
    try:
        import newsreel

        package = Path(newsreel.__file__).parent
        candidates += [
            package / "_theme" / "templates" / name,
            package / "theme" / "templates" / name,
            package / "templates" / name,
        ]
    except ImportError:
        pass
    candidates.append(ROOT / "templates" / name)
    return next((path for path in candidates if path.is_file()), None)


def _edited_template(text: str, mark: str) -> str:
    """``text`` with a visible change inside its first block (or at its end)."""
    match = re.search(r"{%-?\s*block\s+\w+\s*-?%}", text)
    comment = f"<!-- bench edit {mark} -->"
    if match:
        return text[: match.end()] + comment + text[match.end() :]
    return text + comment + "\n"


def _posts(site: Path) -> list[Path]:
    return sorted((site / "content" / "posts").rglob("*.md"))


def _append_sentence(path: Path, mark: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            f"\nUpdate: the studio confirmed the new date again in a short statement ({mark}).\n"
        )


def newsreel_cold(site: Path, cache: bool = False) -> peers.PeerBuild:
    """newsreel's cold build, in the shape of a peer's: no cache, no output, and no manifest
    of an output (kept beside it: a build that finds one checks the output it describes, in
    a child, while it starts: 8 % more instructions for 500 posts). ``cache``: plain
    ``newsreel build``, which also writes the build cache (none there yet), as the first build
    of a fresh clone does; else ``--no-cache``."""
    from newsreel.writer import manifest_path

    return peers.PeerBuild(
        "newsreel",
        site,
        (str(NEWSREEL), "-q", "build", str(site), *(() if cache else ("--no-cache",))),
        site / "site",
        (site / "site", site / ".newsreel-cache", manifest_path(site / "site")),
    )


TRASH = WORK / "trash"
"""Where a cold run's predecessor's output goes: deleted only once every run is done."""
TRASH_EMPTIED = WORK / ".trash-emptied"


def _inode_age() -> float:
    """Seconds after which ext4 without a journal takes a freed inode as any free one.

    It looks past an inode freed less than ``recentcy`` seconds ago when it allocates (the
    kernel's ``recently_deleted``): 30 s, plus five times the dirty-page expiry
    (``vm.dirty_expire_centisecs``, 30 s by default) while that inode's table block is dirty,
    and the new files of the next run keep it dirty. Measured here: after deleting 40,000 folders
    with a file each, making 10,000 more took 1.12-1.18 s of system time up to 210 s later
    against 0.59 s before, 0.79 s at 270 s and 0.64 s at 330 s. Hence the kernel's bound plus
    two minutes (300 s by default)."""
    try:
        expiry = int(Path("/proc/sys/vm/dirty_expire_centisecs").read_text()) / 100
    except (OSError, ValueError):
        expiry = 30.0
    return 30 + 5 * expiry + 120


INODE_AGE = _inode_age()
"""How long a cold benchmark waits after the trash was emptied: a build right after deleting
20,000 files spent seconds of system time looking past their inodes (``find_inode_bit`` and
``recently_deleted`` in ``perf``), more or less from run to run."""


def _set_aside(path: Path) -> None:
    """Move ``path`` out of the way of the next run without freeing its inodes yet."""
    if path.exists() or path.is_symlink():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{time.time_ns()}-{path.name}")


def _delete(path: Path) -> None:
    """Delete a run's output at once (``--delete``), written back to disk as ``rm`` and
    ``sync`` would leave it."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    os.sync()


def _empty_trash() -> None:
    """Delete what the runs set aside, and note when (``_wait_for_old_inodes``)."""
    if TRASH.exists():
        shutil.rmtree(TRASH)
        os.sync()
        TRASH_EMPTIED.touch()


def _wait_for_old_inodes() -> None:
    """Wait until the inodes the last emptying freed are no longer recent (``INODE_AGE``)."""
    try:
        age = time.time() - TRASH_EMPTIED.stat().st_mtime
    except OSError:
        return
    if age < INODE_AGE:
        print(f"waiting {INODE_AGE - age:.0f} s for the inodes freed before to age", flush=True)
        time.sleep(INODE_AGE - age)


def bench_cold(
    builds: list[peers.PeerBuild],
    runs: int,
    rows: dict[str, Row],
    memory: dict[str, tuple[float, float, float]],
    files: dict[str, int],
    delete: bool = False,
) -> None:
    """Cold builds, one round of every tool per run, so a busy moment on the machine hits all
    alike. The outputs of earlier runs are set aside, not deleted, until the last run
    (``INODE_AGE``); with ``delete``, each is deleted right before the next run of its tool and
    nothing waits, as a plain ``rm -rf`` between commands does."""
    for build in builds:
        for path in build.cold_remove:
            _set_aside(path)
    _empty_trash()
    if not delete:
        _wait_for_old_inodes()
    for _ in range(runs):
        for build in builds:
            for path in build.cold_remove:
                if delete:
                    _delete(path)
                else:
                    _set_aside(path)
            sample = measure(build.command, build.site)
            rows["cold"].samples.setdefault(build.tool, []).append(sample)
            _progress(f"{build.tool} cold", sample)
    for build in builds:
        good = [s for s in rows["cold"].samples[build.tool] if s.ok]
        if good:
            memory[build.tool] = (
                statistics.median(s.max_rss_mb for s in good),
                statistics.median(s.tree_mb for s in good),
                statistics.median(s.tree_pss_mb for s in good),
            )
        files[build.tool] = _count_files(build.output)
    _empty_trash()


def bench_newsreel(site: Path, runs: int, rows: dict[str, Row]) -> None:
    """Warm, post edit and template edit builds of newsreel after a cold one, each a fresh process."""
    base = [str(NEWSREEL), "-q", "build", str(site)]
    if not any(s.ok for s in rows["cold"].samples.get("newsreel", [])):
        return
    measure(base, site)  # settle: the first warm build after --no-cache may still fill the cache
    rows["warm"].samples["newsreel"] = [measure(base, site) for _ in range(runs)]
    for sample in rows["warm"].samples["newsreel"]:
        _progress("newsreel warm", sample)

    posts = _posts(site)
    originals: dict[Path, bytes] = {}
    edits = []
    try:
        for run in range(runs):
            post = posts[(run * 7919 + len(posts) // 2) % len(posts)]
            originals.setdefault(post, post.read_bytes())
            _append_sentence(post, f"newsreel run {run}")
            edits.append(measure(base, site))
            _progress(f"newsreel edit {post.name}", edits[-1])
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    rows["post"].samples["newsreel"] = edits
    measure(base, site)  # back to the pristine corpus

    theme = _theme_template("post.html")
    override = site / "templates" / "post.html"
    if theme is None:
        rows["template"].notes["newsreel"] = "no post.html found in the theme"
        return
    if override.exists():
        rows["template"].notes["newsreel"] = "the corpus already overrides post.html"
        return
    edits = []
    try:
        text = theme.read_text(encoding="utf-8")
        override.parent.mkdir(parents=True, exist_ok=True)
        for run in range(runs):
            override.write_text(_edited_template(text, f"run {run}"), encoding="utf-8")
            edits.append(measure(base, site))
            _progress("newsreel template", edits[-1])
    finally:
        override.unlink(missing_ok=True)
        if override.parent.exists() and not any(override.parent.iterdir()):
            override.parent.rmdir()
    rows["template"].samples["newsreel"] = edits
    measure(base, site)


# --- peers -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _watch_rebuilds(
    command: tuple[str, ...],
    cwd: Path,
    ready: re.Pattern[str],
    rebuilt: re.Pattern[str],
    edits: list[Path],
    timeout: float = 600,
) -> tuple[list[float], str]:
    """Start a watch-mode peer, append to each of ``edits`` in turn, return its reported rebuild times."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    seen = threading.Condition()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with seen:
                lines.append(line.rstrip())
                seen.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(pattern: re.Pattern[str], start: int) -> re.Match[str] | None:
        deadline = time.monotonic() + timeout
        with seen:
            while True:
                for line in lines[start:]:
                    match = pattern.search(line)
                    if match:
                        return match
                if process.poll() is not None or time.monotonic() > deadline:
                    return None
                seen.wait(0.5)

    times: list[float] = []
    try:
        if wait_for(ready, 0) is None:
            return times, "did not start: " + " | ".join(lines[-3:])
        time.sleep(1.0)  # let the watcher settle
        for run, path in enumerate(edits):
            with seen:
                start = len(lines)
            _append_sentence(path, f"watch run {run}")
            match = wait_for(rebuilt, start)
            if match is None:
                return times, "no rebuild seen: " + " | ".join(lines[-3:])
            value = float(match.group(1))
            times.append(value / 1000 if "ms" in match.group(0) else value)
            time.sleep(1.0)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
    return times, ""


def _conversion_fingerprint(site: Path) -> str:
    """What a converted copy depends on: the corpus stamp, the converter and the peers' themes."""
    digest = hashlib.sha256((site / corpus.STAMP).read_bytes())
    for path in [
        BENCH / "peers.py",
        *sorted(p for p in (BENCH / "peer_sites").rglob("*") if p.is_file()),
    ]:
        digest.update(str(path.relative_to(BENCH)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class PeerSetup:
    """The peers' converted copies, ready to build."""

    installed: install_peers.Peers
    builds: list[peers.PeerBuild]
    source: peers.Corpus
    conversion_seconds: float


def prepare_peers(site: Path, n: int, tools: list[str]) -> PeerSetup:
    """Install the peers and convert the corpus for each (timed apart, not counted)."""
    installed = install_peers.install()
    start = time.perf_counter()
    source = peers.read_corpus(site)
    sites = {}
    writers = {
        "hugo": peers.write_hugo,
        "eleventy": peers.write_eleventy,
        "pelican": peers.write_pelican,
    }
    fingerprint = _conversion_fingerprint(site)
    for tool in tools:
        sites[tool] = WORK / f"{tool}-{n}"
        stamp = sites[tool] / ".bench-converted"
        if stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint:
            continue  # the copy from an earlier run is still right (edits are always undone)
        writers[tool](source, sites[tool])
        stamp.write_text(fingerprint, encoding="utf-8")
    conversion = time.perf_counter() - start
    print(f"converted for {', '.join(tools)} in {conversion:.1f} s (not counted)", flush=True)
    return PeerSetup(installed, peers.build_commands(installed, sites), source, conversion)


def bench_peer_rebuilds(setup: PeerSetup, runs: int, rows: dict[str, Row]) -> None:
    """Each peer's own fast path after one edited post: a content cache or a watch-mode server."""
    posts = setup.source.posts
    edited_posts = [posts[(run * 7919 + len(posts) // 2) % len(posts)] for run in range(runs)]
    installed = setup.installed
    for build in setup.builds:
        if not any(s.ok for s in rows["cold"].samples.get(build.tool, [])):
            continue
        paths = [peers.peer_post_path(build.tool, build.site, post) for post in edited_posts]
        originals = {path: path.read_bytes() for path in paths}
        try:
            if build.warm_command is not None:
                edits = []
                for run, path in enumerate(paths):
                    _append_sentence(path, f"run {run}")
                    edits.append(measure(build.warm_command, build.site))
                    _progress(f"{build.tool} edit", edits[-1])
                rows["post"].samples[build.tool] = edits
                rows["post"].notes[build.tool] = "its content cache"
            else:
                command = peers.server_command(installed, build.tool, build.site, _free_port())
                if command is None:
                    continue
                ready, rebuilt = peers.REBUILD_PATTERNS[build.tool]
                times, problem = _watch_rebuilds(command, build.site, ready, rebuilt, paths)
                rows["post"].reported[build.tool] = times
                rows["post"].notes[build.tool] = {
                    "hugo": "`hugo server`, fast render, its own log",
                    "eleventy": "`--watch --incremental`, its own log",
                }[build.tool] + (f"; {problem}" if problem else "")
                print(f"  {build.tool} watch rebuilds: {times} {problem}", flush=True)
        finally:
            for path, data in originals.items():
                path.write_bytes(data)


def _progress(label: str, sample: Sample) -> None:
    state = "" if sample.ok else f"  FAILED: {sample.error}"
    print(
        f"  {label}: {sample.seconds:.2f} s, {sample.max_rss_mb:.0f} MiB"
        f" / tree {sample.tree_mb:.0f} MiB / tree PSS {sample.tree_pss_mb:.0f} MiB{state}",
        flush=True,
    )


# --- report ------------------------------------------------------------------------------


def machine() -> str:
    """One line about the machine the figures were taken on."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory:.0f} GiB memory, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at start {load}"
    )


def table(result: SizeResult, tools: list[str]) -> str:
    versions = {
        "newsreel": "newsreel",
        "hugo": f"Hugo {install_peers.HUGO_VERSION}",
        "eleventy": f"Eleventy {install_peers.ELEVENTY_VERSION}",
        "pelican": f"Pelican {install_peers.PELICAN_VERSION}",
    }
    columns = ["newsreel", *tools]
    lines = [
        f"### {result.n:,} posts",
        "",
        "| measure | " + " | ".join(versions[t] for t in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for key, row in zip(("cold", "warm", "post", "template"), result.rows):
        lines.append(f"| {row.label} | " + " | ".join(row.cell(t) for t in columns) + " |")
        if key in ("cold", "post") and tools:
            ours = row.median("newsreel")
            ratios = []
            for tool in columns:
                theirs = row.median(tool)
                ratios.append(
                    "—"
                    if tool == "newsreel" or not (ours and theirs)
                    else f"**{ours / theirs:.2f}×**"
                )
            lines.append(
                f"| newsreel/peer, {'cold' if key == 'cold' else 'one post edited'} | "
                + " | ".join(ratios)
                + " |"
            )
        if key == "cold":
            lines.append(
                "| cold build, CPU time (user + system) | "
                + " | ".join(row.cpu(t) for t in columns)
                + " |"
            )
    lines.append(
        "| peak memory, cold (largest process / tree RSS / tree PSS) | "
        + " | ".join(
            f"{result.memory[t][0]:.0f} / {result.memory[t][1]:.0f} / {result.memory[t][2]:.0f} MiB"
            if t in result.memory
            else "—"
            for t in columns
        )
        + " |"
    )
    lines.append(
        "| files written | " + " | ".join(f"{result.files.get(t, 0):,}" for t in columns) + " |"
    )
    if tools:
        lines += [
            "",
            f"Converting the corpus for the peers took {result.conversion_seconds:.1f} s (not counted; "
            "copies from an earlier run are reused while still right).",
            "In the one-post rows newsreel is a fresh `build` process; each peer is timed as noted "
            "(a watch-mode server's own log, or a build with the peer's cache).",
        ]
    return "\n".join(lines)


def bench_size(n: int, runs: int, tools: list[str], incremental: bool) -> SizeResult:
    """Every measure at one corpus size."""
    site = WORK / f"corpus-{n}"
    if not corpus.is_generated(site, n):
        print(f"generating {n} posts into {site}", flush=True)
        corpus.generate(n, site)
    rows = {
        key: Row(label)
        for key, label in [
            ("cold", "cold build (no cache, no output)"),
            ("warm", "warm build, nothing changed"),
            ("post", "one post edited"),
            ("template", "one template edited (post.html)"),
        ]
    }
    memory: dict[str, tuple[float, float, float]] = {}
    files: dict[str, int] = {}
    setup = prepare_peers(site, n, tools) if tools else None
    print(f"N = {n}: cold builds", flush=True)
    bench_cold([newsreel_cold(site), *(setup.builds if setup else [])], runs, rows, memory, files)
    print(f"N = {n}: newsreel warm, post and template edits", flush=True)
    bench_newsreel(site, runs, rows)
    if setup and incremental:
        print(f"N = {n}: peers' rebuilds after one edited post", flush=True)
        bench_peer_rebuilds(setup, runs, rows)
    return SizeResult(
        n, list(rows.values()), memory, files, setup.conversion_seconds if setup else 0.0
    )


def newsreel_revision() -> str:
    """newsreel's version and the checkout's commit (``+`` when it has uncommitted changes)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    version = subprocess.run(
        [str(NEWSREEL), "--version"], capture_output=True, text=True
    ).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD")
    dirty = (
        "+"
        if git(
            "status", "--porcelain", "--untracked-files=no", "--", "newsreel", "templates", "static"
        )
        else ""
    )
    return f"{version or 'newsreel'} at {commit or 'unknown commit'}{dirty}"


def report(results: list[SizeResult], tools: list[str], runs: int, command: str, about: str) -> str:
    parts = [
        f"# newsreel benchmark, {date.today().isoformat()}",
        "",
        f"Command: `{command}`  ",
        f"Machine: {about}  ",
        f"Build: {newsreel_revision()}  ",
        f"Medians of {runs} runs; whole-process wall time (cold builds run round-robin across the tools). "
        "Watch-mode rebuilds (Hugo, Eleventy) are the times the tool's own log reports.",
        "",
    ]
    for result in results:
        parts += [table(result, tools), ""]
    return "\n".join(parts)


# --- equal work against Hugo --------------------------------------------------------------

EQUAL_SETTINGS = "search: false\nsocial_cards: false\n"
"""What newsreel leaves out in ``--equal`` runs: Hugo makes no search index and no social-card
images, so newsreel makes neither (every page, feed, sitemap and robots.txt is still written)."""


@dataclass
class EqualResult:
    """Cold builds of newsreel and Hugo on one corpus."""

    n: int
    code: bool
    rows: dict[str, Row]
    memory: dict[str, tuple[float, float, float]]
    files: dict[str, int]
    bytes: dict[str, int]


def bench_equal(
    n: int,
    runs: int,
    code: bool,
    hugo: bool = True,
    vary: float = 0.0,
    cache: bool = False,
    delete: bool = False,
) -> EqualResult:
    """newsreel and Hugo writing the same pages and feeds from one corpus, cold, round-robin
    (``hugo`` False: newsreel alone, for the growth and memory figures at 40,000 posts;
    ``vary``: that share of the posts given Markdown shapes of other kinds, ``varied.py``;
    ``cache``: newsreel writes its build cache too, ``newsreel_cold``; ``delete``: each run's
    output deleted right before the next, ``bench_cold``)."""
    suffix = "" if code else "-nocode"
    site = WORK / f"equal-{n}{suffix}"
    if not corpus.is_generated(site, n, code=code, settings=EQUAL_SETTINGS):
        print(f"generating {n} posts into {site}", flush=True)
        corpus.generate(n, site, code=code, settings=EQUAL_SETTINGS)
    if vary:
        plain, site = site, WORK / f"equal-{n}{suffix}-varied-{vary}"
        if not (site / corpus.STAMP).exists():
            shutil.rmtree(site, ignore_errors=True)
            varied.write_varied(plain, site, vary)
        suffix += f"-varied-{vary}"
    if not hugo:
        builds = [newsreel_cold(site, cache)]
        rows = {"cold": Row("cold build")}
        memory: dict[str, tuple[float, float, float]] = {}
        files: dict[str, int] = {}
        print(f"N = {n}, {'with' if code else 'without'} code blocks: newsreel alone", flush=True)
        bench_cold(builds, runs, rows, memory, files, delete)
        return EqualResult(n, code, rows, memory, files, {"newsreel": _count_bytes(site / "site")})
    installed = install_peers.install()
    hugo_site = WORK / f"hugo-equal-{n}{suffix}"
    stamp = hugo_site / ".bench-converted"
    fingerprint = _conversion_fingerprint(site)
    if not (stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint):
        start = time.perf_counter()
        peers.write_hugo(peers.read_corpus(site), hugo_site, equal=True)
        stamp.write_text(fingerprint, encoding="utf-8")
        print(
            f"converted for Hugo in {time.perf_counter() - start:.1f} s (not counted)", flush=True
        )
    builds = [newsreel_cold(site, cache), *peers.build_commands(installed, {"hugo": hugo_site})]
    rows = {"cold": Row("cold build")}
    memory = {}
    files = {}
    print(f"N = {n}, {'with' if code else 'without'} code blocks: cold builds", flush=True)
    bench_cold(builds, runs, rows, memory, files, delete)
    sizes = {build.tool: _count_bytes(build.output) for build in builds}
    return EqualResult(n, code, rows, memory, files, sizes)


def equal_table(results: list[EqualResult]) -> str:
    """One row per corpus: each tool's time, CPU, memory, files and bytes, and the ratio."""
    lines = [
        "| posts | code blocks | tool | cold build (median) | runs | CPU (user + system) "
        "| peak memory: largest process / tree RSS / tree PSS | files | output |",
        "| ---: | --- | --- | ---: | --- | ---: | --- | ---: | ---: |",
    ]
    for result in results:
        row = result.rows["cold"]
        for tool in ("newsreel", "hugo"):
            if tool not in row.samples:
                continue  # newsreel alone (--peers with no names)
            runs = ", ".join(
                f"{s.seconds:.2f}" if s.ok else "failed" for s in row.samples.get(tool, [])
            )
            mem = result.memory.get(tool)
            lines.append(
                f"| {result.n:,} | {'yes' if result.code else 'no'} | {TOOL_NAMES[tool]} "
                f"| {row.cell(tool)} | {runs} | {row.cpu(tool)} "
                f"| {f'{mem[0]:.0f} / {mem[1]:.0f} / {mem[2]:.0f} MiB' if mem else '—'} "
                f"| {result.files.get(tool, 0):,} | {result.bytes.get(tool, 0) / 1e6:.1f} MB |"
            )
        ours, theirs = row.median("newsreel"), row.median("hugo")
        if theirs is None:
            continue
        ratio = f"**{ours / theirs:.2f}×**" if ours and theirs else "—"
        lines.append(
            f"| {result.n:,} | {'yes' if result.code else 'no'} | newsreel / Hugo | {ratio} "
            "| | | | | |"
        )
    return "\n".join(lines)


def equal_report(
    results: list[EqualResult],
    runs: int,
    command: str,
    about: str,
    cache: bool = False,
    delete: bool = False,
) -> str:
    mode = (
        "no output; newsreel as plain `newsreel build`, which writes its build cache too, "
        "none there yet"
        if cache
        else "no cache, no output"
    )
    if delete:
        mode += "; each tool's last output deleted right before its run, with no wait"
    return "\n".join(
        [
            f"# newsreel against Hugo on equal work, {date.today().isoformat()}",
            "",
            f"Command: `{command}`  ",
            f"Machine: {about}  ",
            f"Build: {newsreel_revision()}, Hugo {install_peers.HUGO_VERSION}  ",
            f"Medians of {runs} cold builds each ({mode}), newsreel and Hugo "
            "alternating, whole-process wall time. Both write every post, the paginated home, "
            "film, actor and tag pages and their indexes, a full-content feed (20 entries) for "
            "the site and for every film and actor, sitemap.xml, robots.txt and a 404 page. "
            "Hugo does not highlight code (`markup.highlight.codeFences = false`) and newsreel "
            "does not either; newsreel runs with `search: false` and `social_cards: false` "
            "(Hugo makes no search index and no card images). Themes differ: newsreel's pages "
            "carry more (JSON-LD, Open Graph, pictures' markup). The Hugo layouts are the fast "
            "ones (bench/peer_sites/hugo-equal/: no `where` over every page per feed, entries "
            "made once, no `/page/1/` aliases).",
            "",
            equal_table(results),
            "",
        ]
    )


# --- profile -----------------------------------------------------------------------------


def profile(n: int, mode: str) -> None:
    """Run newsreel's build in this process under cProfile; print the top 25 lines two ways."""
    import cProfile
    import pstats

    from newsreel.build import BuildOptions, build_site

    site = WORK / f"corpus-{n}"
    if not corpus.is_generated(site, n):
        corpus.generate(n, site)
    shutil.rmtree(site / "site", ignore_errors=True)
    shutil.rmtree(site / ".newsreel-cache", ignore_errors=True)
    options = BuildOptions(use_cache=mode != "cold")
    post = _posts(site)[len(_posts(site)) // 2]
    original = post.read_bytes()
    try:
        if mode != "cold":
            build_site(site, BuildOptions())
        if mode == "edit":
            # A first edit makes the spare generation (a hard link per file); profile a later one.
            _append_sentence(post, "settle")
            build_site(site, BuildOptions())
            _append_sentence(post, "profile")
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        result = build_site(site, options)
        profiler.disable()
        seconds = time.perf_counter() - start
    finally:
        post.write_bytes(original)
    dump = WORK / f"profile-{n}-{mode}.prof"
    profiler.dump_stats(dump)
    print(
        f"{mode} build of {n} posts: {seconds:.2f} s under the profiler ({result.summary()}); "
        f"stats in {dump}. Work done in worker processes is not in this profile."
    )
    for order in ("cumulative", "tottime"):
        print(f"\n--- top 25 by {order} ---")
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000],
        metavar="N",
        help="corpus sizes (default 1000)",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per measure; medians are reported (default 3)"
    )
    parser.add_argument(
        "--peers",
        nargs="*",
        default=["hugo", "eleventy", "pelican"],
        choices=["hugo", "eleventy", "pelican"],
        help="peers to build (none: newsreel only)",
    )
    parser.add_argument(
        "--no-incremental-peers", action="store_true", help="time only the peers' cold builds"
    )
    parser.add_argument(
        "--output", type=Path, help="results file (default bench/results-<date>.md)"
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", help="profile newsreel's build of N posts instead"
    )
    parser.add_argument(
        "--profile-mode",
        choices=["cold", "warm", "edit"],
        default="cold",
        help="what to profile: a cold build, a warm no-op, or a one-post edit (default cold)",
    )
    parser.add_argument(
        "--equal",
        action="store_true",
        help="newsreel against Hugo on equal work (cold builds; corpora with and without code)",
    )
    parser.add_argument(
        "--code",
        choices=["both", "no", "yes"],
        default="both",
        help="with --equal: the corpus without code blocks, with them, or both (default)",
    )
    parser.add_argument(
        "--varied",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="with --equal: give that share of the posts other Markdown shapes (bench/varied.py)",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="with --equal: newsreel as plain `newsreel build` (writing its build cache, none "
        "there yet) instead of `--no-cache`",
    )
    parser.add_argument(
        "--delete",
        action="store_true",
        help="with --equal: delete each cold run's output right before the next run and do "
        "not wait for freed inodes, as a plain `rm -rf` between commands does",
    )
    parser.add_argument(
        "--posts",
        type=lambda text: [int(part) for part in text.split(",") if part.strip()],
        metavar="N,N",
        help="corpus sizes, comma-separated (the same as --sizes)",
    )
    args = parser.parse_args(argv)
    if args.posts:
        args.sizes = args.posts
    WORK.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile(args.profile, args.profile_mode)
        return
    if not NEWSREEL.exists():
        raise SystemExit(f"{NEWSREEL} is missing: run `make install` first")
    about = machine()
    command = "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.equal:
        codes = {"both": (False, True), "no": (False,), "yes": (True,)}[args.code]
        results = [
            bench_equal(
                n,
                args.runs,
                code,
                hugo="hugo" in args.peers,
                vary=args.varied,
                cache=args.cache,
                delete=args.delete,
            )
            for n in args.sizes
            for code in codes
        ]
        text = equal_report(results, args.runs, command.strip(), about, args.cache, args.delete)
        output = args.output or BENCH / f"results-{date.today().isoformat()}-equal.md"
        output.write_text(text + "\n", encoding="utf-8")
        print("\n" + text)
        print(f"\nwritten to {output}")
        return
    sized = [
        bench_size(n, args.runs, args.peers, not args.no_incremental_peers) for n in args.sizes
    ]
    text = report(sized, args.peers, args.runs, command.strip(), about)
    output = args.output or BENCH / f"results-{date.today().isoformat()}.md"
    output.write_text(text + "\n", encoding="utf-8")
    print("\n" + text)
    print(f"\nwritten to {output}")


if __name__ == "__main__":
    main()
