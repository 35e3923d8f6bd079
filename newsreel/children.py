"""Child processes that die with the newsreel process that started them.

A build's workers and the Pagefind indexer must not outlive a build or a preview that is killed
(SIGKILL, a closed terminal): on Linux the kernel is asked to kill the child when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a worker notices when it writes to its closed pipe.
"""

from __future__ import annotations

import ctypes
import os
import signal
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
