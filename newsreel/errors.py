"""Problems found in a site, and the exceptions that carry them to the command line.

Every problem is one line for a person: ``path:line: what is wrong (how to fix it)``.
Nothing here prints; the CLI decides how problems are shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with control, line-breaking and bidi characters written as escapes (``\\n``).

    Every message goes through this, so one problem stays one line whatever a file name or
    a title holds, and no input can start a line of its own (a fake ``::error::`` in a CI log).
    """
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(
        lambda m: (
            _NAMED.get(m.group())
            or (
                f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
            )
        ),
        text,
    )


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    """File relative to the site folder, with forward slashes (or a setting name)."""
    line: int | None
    """1-based line in that file, when known."""
    message: str
    """What is wrong, in plain words."""
    hint: str = ""
    """How to fix it."""
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        label = "warning: " if self.severity == "warning" else ""
        return printable(
            f"{where}: {label}{self.message}" + (f" ({self.hint})" if self.hint else "")
        )


class NewsreelError(Exception):
    """Base of the errors newsreel reports to a person instead of a traceback."""


class BuildFailed(NewsreelError):
    """The site could not be built; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class UnsafeOutput(NewsreelError):
    """The output folder is one that a build must never replace."""


def error(path: str, line: int | None, message: str, hint: str = "") -> Problem:
    """Shorthand for an error-severity problem."""
    return Problem(path, line, message, hint, "error")


def warning(path: str, line: int | None, message: str, hint: str = "") -> Problem:
    """Shorthand for a warning-severity problem."""
    return Problem(path, line, message, hint, "warning")


def link_outside(path: str, hint: str) -> Problem:
    """The error of a symbolic link in a source folder that leads out of the site folder."""
    return error(path, None, "symbolic link leads outside the site folder", hint)
