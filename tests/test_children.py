"""A program newsreel starts (the Pagefind indexer, a build worker) dies with newsreel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

STARTER = """
import subprocess, sys, time
from newsreel.children import tied_to_us
child = subprocess.Popen(["sleep", "300"], preexec_fn=tied_to_us())
print(child.pid, flush=True)
time.sleep(300)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_started_program_dies_when_newsreel_is_killed() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert starter.stdout is not None
    child = int(starter.stdout.readline())
    assert alive(child)
    starter.send_signal(signal.SIGKILL)
    starter.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the started program outlived the newsreel process that started it"


def test_background_work_runs_in_a_child_and_is_waited_for(tmp_path: Path) -> None:
    """A fork where it is safe: the work runs in another process, which ``wait`` reaps, and
    a failure in it is its answer; with a thread running, the work runs here at once."""
    import threading

    from newsreel.children import Background

    def note(name: str) -> None:
        (tmp_path / name).write_text(str(os.getpid()), "utf-8")

    task = Background(lambda: note("forked"))
    assert task.wait() and task.wait()
    assert int((tmp_path / "forked").read_text("utf-8")) != os.getpid()

    def fail() -> None:
        raise OSError("disk full")

    assert not Background(fail).wait()

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        task = Background(lambda: note("here"))
        assert int((tmp_path / "here").read_text("utf-8")) == os.getpid()
        assert task.wait()
    finally:
        stop.set()
        thread.join()
