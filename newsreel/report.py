"""What newsreel tells the person at the terminal, kept apart from the work itself.

Progress redraws one line on a terminal and is silent otherwise (CI logs stay short);
problems and the summary are plain lines everywhere, each one line: control characters and
line breaks in names are shown escaped (``errors.printable``).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from newsreel.errors import Problem, printable


@dataclass
class Reporter:
    """Prints progress, problems and summaries; holds no build state."""

    quiet: bool = False
    verbose: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _last_progress: float = 0.0
    _progress_shown: bool = False

    @property
    def interactive(self) -> bool:
        return bool(getattr(self.err, "isatty", lambda: False)())

    def progress(self, stage: str, done: int, total: int) -> None:
        """Redraw a progress line on a terminal, at most ten times a second."""
        if self.quiet or not self.interactive or total < 200:
            return
        now = time.monotonic()
        if done < total and now - self._last_progress < 0.1:
            return
        self._last_progress = now
        self.err.write(f"\r\x1b[2K{stage} {done}/{total}")
        self.err.flush()
        self._progress_shown = True

    def _clear_progress(self) -> None:
        if self._progress_shown:
            self.err.write("\r\x1b[2K")
            self._progress_shown = False

    def info(self, message: str) -> None:
        if not self.quiet:
            self._clear_progress()
            print(printable(message), file=self.out, flush=True)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.info(message)

    def summary(self, message: str) -> None:
        self.info(message)

    def notice(self, message: str) -> None:
        """A line about the build itself (waiting for another one), on stderr."""
        if not self.quiet:
            self._clear_progress()
            print(message, file=self.err, flush=True)

    def problem(self, problem: Problem) -> None:
        self._clear_progress()
        print(str(problem), file=self.err, flush=True)

    def error(self, message: str) -> None:
        self._clear_progress()
        print(printable(message), file=self.err, flush=True)
