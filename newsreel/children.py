"""Child processes that die with the newsreel process that started them.

A build's workers and the Pagefind indexer must not outlive a build or a preview that is killed
(SIGKILL, a closed terminal): on Linux the kernel is asked to kill the child when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a worker notices when it writes to its closed pipe.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once in the parent (never in a freshly forked child)."""
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def die_with_parent(parent: int) -> None:
    """Called in a forked child: be killed when ``parent`` dies, and leave at once if it is
    already gone (it died between the fork and this call)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def tied_to_us() -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess``: the program it starts dies with this process."""
    parent = os.getpid()
    return lambda: die_with_parent(parent)


class Background:
    """``work()`` run in a forked child while this process goes on, where a fork is safe (no
    other thread running); else at once, in this process. ``wait`` says whether it finished.

    The child dies with this process, ignores Ctrl-C (the parent's to handle) and leaves
    without running this process's exit handlers; a failure in it is its exit status."""

    def __init__(self, work: Callable[[], None]) -> None:
        self.pid: int | None = None
        self.done = True
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            work()
            return
        parent = os.getpid()
        # Ctrl-C held back over the fork, so the child never takes it half-made.
        interrupts = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child (what it does is tested)
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_SETMASK, interrupts)
                die_with_parent(parent)
                work()
                status = 0
            finally:
                os._exit(status)
        signal.pthread_sigmask(signal.SIG_SETMASK, interrupts)
        self.pid, self.done = pid, False

    def wait(self) -> bool:
        """Wait for the child; True when ``work`` returned (in it or here)."""
        if self.pid is None:
            return self.done
        _, status = os.waitpid(self.pid, 0)
        self.pid, self.done = None, os.waitstatus_to_exitcode(status) == 0
        return self.done
