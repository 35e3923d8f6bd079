"""The build cache: parsed front matter and rendered Markdown, keyed by file content.

``BuildState`` is one mechanism with two homes: ``serve`` keeps it in memory between
rebuilds, ``build`` loads it from ``.newsreel-cache/`` in the site folder and saves it
back. It is safe to delete; it is ignored when newsreel's version or the settings that
shape parsing and Markdown change. Which *pages* need rendering again is decided by the
page keys recorded in the output's manifest (see ``writer.py``), not here.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel import __version__

CACHE_DIR = ".newsreel-cache"
CACHE_FILE = "sources.pickle"
_FORMAT = 1


@dataclass(frozen=True)
class Stamp:
    """How a source file looked when it was read: cheap to compare, no read needed."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> "Stamp":
        info = path.stat()
        return cls(info.st_mtime_ns, info.st_size, info.st_ino)


@dataclass(frozen=True)
class Entry:
    """A source file's result: the record (or None) and its problems."""

    stamp: Stamp
    digest: str
    result: Any
    problems: tuple[Any, ...]


@dataclass
class BuildState:
    """Per-source results of earlier builds, valid for one ``scope`` of settings."""

    scope: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)

    def lookup(self, rel: str, stamp: Stamp) -> Entry | None:
        entry = self.entries.get(rel)
        return entry if entry is not None and entry.stamp == stamp else None

    def lookup_digest(self, rel: str, digest: str) -> Entry | None:
        entry = self.entries.get(rel)
        return entry if entry is not None and entry.digest == digest else None

    def reset(self, scope: str) -> None:
        """Forget everything when the settings that shape results changed."""
        if scope != self.scope:
            self.scope = scope
            self.entries = {}


def cache_scope(*parts: Any) -> str:
    return repr((_FORMAT, __version__) + parts)


def load_state(site_dir: Path) -> BuildState:
    """The state saved by the last build, or an empty one (a corrupt cache is ignored)."""
    path = site_dir / CACHE_DIR / CACHE_FILE
    try:
        with open(path, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, TypeError, ValueError):
        return BuildState()
    return state if isinstance(state, BuildState) else BuildState()


def save_state(site_dir: Path, state: BuildState) -> None:
    """Write the cache atomically; a cache that cannot be written only costs speed."""
    folder = site_dir / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# newsreel's build cache: safe to delete\n*\n", "utf-8")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / CACHE_FILE)
    except OSError:
        pass
