"""One build of a site folder at a time, and one into an output folder: OS file locks.

The site's lock is ``fcntl.flock`` on ``.newsreel-cache/build.lock``: the kernel releases it
when the process holding it exits, however it dies, so a killed build never leaves it taken.
The file holds the pid of the build holding it, for the message of the one that waits.
Builds of two site folders into one ``--output`` take turns on a second lock, on the folder
that holds the output (whose inode stays while the output's own is swapped).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newsreel.errors import NewsreelError
from newsreel.layout import drop_links

LOCK_FILE = "build.lock"


class BuildLocked(NewsreelError):
    """Another build of the same site folder is running (``--no-wait``)."""


def _holder(handle: int) -> str:
    try:
        text = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


@contextmanager
def build_lock(
    cache_dir: Path, *, wait: bool = True, say: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the site's build lock for the block; wait for it (saying so once) or, with
    ``wait=False``, raise ``BuildLocked``."""
    if cache_dir.is_symlink():
        raise NewsreelError(
            f"refusing to use {cache_dir}: it is a symbolic link (newsreel never makes one; "
            "delete the link, and the next build makes the folder)"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    drop_links(cache_dir)  # (before anything in it is written, read or deleted)
    ignore = cache_dir / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_text("# newsreel's build cache: safe to delete\n*\n", "utf-8")
        except OSError:
            pass
    path = cache_dir / LOCK_FILE
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        _take(
            handle,
            wait,
            say,
            lambda: f"another build of this site is running (pid {_holder(handle)})",
            lambda: f"waiting for the build started by pid {_holder(handle)}…",
        )
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(handle)  # closing the file releases the lock


@contextmanager
def output_lock(
    output: Path, *, wait: bool = True, say: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the lock of the folder holding ``output`` for the block (waiting, or raising
    ``BuildLocked`` with ``wait=False``): builds of other site folders into the same output
    take turns (so do builds into its sibling folders, which only costs them a wait)."""
    holder = output.absolute().parent
    try:
        handle = os.open(holder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield  # (no such folder yet: the build makes it, or fails to, as without a lock)
        return
    try:
        _take(
            handle,
            wait,
            say,
            lambda: f"another build into {output} is running",
            lambda: f"waiting for another build into {output}…",
        )
        yield
    finally:
        os.close(handle)


def _take(
    handle: int,
    wait: bool,
    say: Callable[[str], None] | None,
    busy: Callable[[], str],
    waiting: Callable[[], str],
) -> None:
    """Lock ``handle``: at once, else by waiting (saying ``waiting()`` once), or, with
    ``wait=False``, raising ``BuildLocked`` with ``busy()``."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not wait:
            raise BuildLocked(
                f"{busy()}; try again when it has finished, or leave out --no-wait to wait for it"
            ) from None
        if say is not None:
            say(waiting())
        fcntl.flock(handle, fcntl.LOCK_EX)
