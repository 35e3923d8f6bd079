"""Problems found in a site, and the exceptions that carry them to the command line.

Every problem is one line for a person: ``path:line: what is wrong (how to fix it)``.
Nothing here prints; the CLI decides how problems are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal


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
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        if self.severity == "warning":
            text = f"{where}: warning: {self.message}" + (f" ({self.hint})" if self.hint else "")
        return text


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
