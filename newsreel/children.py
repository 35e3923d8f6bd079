"""Child processes that die with the newsreel process that started them.

A build's workers and the Pagefind indexer must not outlive a build or a preview that is killed
(SIGKILL, a closed terminal): on Linux the kernel is asked to kill the child when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a worker notices when it writes to its closed pipe.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


@contextmanager
def interrupts_held() -> Iterator[set[int | signal.Signals]]:
    """Ctrl-C held back (not lost) while this thread forks: a SIGINT that reached a child
    between its fork and its first line, while Python ran its after-fork hooks, printed a
    traceback ("Exception ignored in: <function _after_fork …>") on the terminal. The child
    inherits the held signal; yields the mask to restore in it, for a child that goes on in
    Python (``ignore_interrupts``). A program the child runs keeps it held: it ends with us
    (``tied_to_us``), not on its own Ctrl-C."""
    ours = os.getpid()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield before
    finally:
        if os.getpid() == ours:  # (a child forked in the block keeps it held until it ignores it)
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def ignore_interrupts(mask: set[int | signal.Signals]) -> None:
    """In a child forked under ``interrupts_held``: Ctrl-C is the parent's to handle (this
    child dies with it), so it is ignored here, then the mask restored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def tied_to_us() -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess``: the program it starts dies with this process."""
    parent = os.getpid()
    return lambda: die_with_parent(parent)
