"""A program newsreel starts (the Pagefind indexer, a build worker) dies with newsreel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sitekit import newsreel, post, write_site

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


def test_spawned_module_runs_in_a_fresh_interpreter_and_is_waited_for(tmp_path: Path) -> None:
    """``Spawned`` runs this checkout's module in another process, out of this process's
    group (a terminal's Ctrl-C is not sent to it), which ``wait`` reaps; a non-zero exit is
    its answer, and it says nothing."""
    from newsreel.children import Spawned

    (tmp_path / "newsreel").mkdir()  # a look-alike package in the working folder is not run
    (tmp_path / "newsreel" / "__init__.py").write_text("raise SystemExit(3)\n", "utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        task = Spawned("newsreel.spare", str(tmp_path / "spare"), str(tmp_path / "none"))
        assert task.process is not None
        assert os.getpgid(task.process.pid) == task.process.pid != os.getpgid(0)
        assert not task.wait()  # no output to make a spare of: status 1, not 3
        assert task.process.returncode == 1
        assert Spawned("newsreel.spare").wait() is False  # wrong usage: status 2
    finally:
        os.chdir(here)
    assert not (tmp_path / "spare").exists()


def test_the_spare_process_links_the_output_and_leaves_when_its_parent_is_gone(
    tmp_path: Path,
) -> None:
    """``python -m newsreel.spare PARENT SPARE OUTPUT`` hard-links the output's files into the
    spare and notes it; given a pid that is not its parent's (a build that died before the
    child tied itself to it), it leaves at once and makes nothing."""
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": "base_url: https://example.org/\n",
            "content/posts/a.md": post("A post", body="Words."),
        },
    )
    assert newsreel("build", site, "--no-cache").returncode == 0
    output, spare = site / "site", tmp_path / "spare"

    def link(parent: int) -> int:
        argv = [sys.executable, "-P", "-m", "newsreel.spare", str(parent), str(spare), str(output)]
        return subprocess.run(argv, cwd=REPO, timeout=60).returncode

    assert link(os.getpid() + 1 if os.getpid() != 1 else 2) == 1
    assert not spare.exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep", "utf-8")
    spare.symlink_to(elsewhere)  # planted where the spare goes: removed, not followed
    assert link(os.getpid()) == 0
    files = sorted(p.relative_to(output) for p in output.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(spare) for p in spare.rglob("*") if p.is_file())
    assert all((spare / rel).stat().st_ino == (output / rel).stat().st_ino for rel in files)
    assert spare.with_name("spare.behind").is_file()
    assert not spare.is_symlink() and os.listdir(elsewhere) == ["keep.txt"]
