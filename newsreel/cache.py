"""The build cache: parsed front matter and rendered Markdown, keyed by file content.

``BuildState`` is one mechanism with two homes: ``serve`` keeps it in memory between
rebuilds, ``build`` loads it from ``.newsreel-cache/`` in the site folder and saves it
back. It is safe to delete; it is ignored when newsreel's version or the settings that
shape parsing and Markdown change. Which *pages* need rendering again is decided by the
page keys recorded in the output's manifest (see ``writer.py``), not here.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsreel import __version__
from newsreel.writer import MANIFEST

CACHE_DIR = ".newsreel-cache"
SOURCES_DIR = "sources"
MARKER_FILE = "last-build.pickle"
_FORMAT = 2


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


SHARDS = 32
"""The cache is written in this many files, so an edit rewrites a thirty-second of it."""


def shard_of(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8")) % SHARDS


@dataclass
class BuildState:
    """Per-source results of earlier builds, valid for one ``scope`` of settings."""

    scope: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)
    dirty: set[int] = field(default_factory=set)
    """Shards changed since they were loaded or saved (``build`` writes only those back)."""

    def lookup(self, rel: str, stamp: Stamp) -> Entry | None:
        entry = self.entries.get(rel)
        return entry if entry is not None and entry.stamp == stamp else None

    def put(self, rel: str, entry: Entry) -> None:
        self.entries[rel] = entry
        self.dirty.add(shard_of(rel))

    def keep_only(self, rels: set[str]) -> None:
        """Forget the results of files that are gone."""
        for rel in [rel for rel in self.entries if rel not in rels]:
            del self.entries[rel]
            self.dirty.add(shard_of(rel))

    def reset(self, scope: str) -> None:
        """Forget everything when the settings that shape results changed."""
        if scope != self.scope:
            self.scope = scope
            self.entries = {}
            self.dirty = set(range(SHARDS))


@dataclass(frozen=True)
class Marker:
    """What the last build saw, so an identical build can stop before reading anything."""

    inputs: str
    """``build.scan_inputs`` fingerprint: settings, options and every input file's stamp."""
    manifest: tuple[int, int] | None
    """Stamp of the output's manifest right after that build."""
    valid_until: datetime | None
    """The first future post's date: from then on the same inputs give another site."""
    warnings: tuple[Any, ...]
    notes: tuple[Any, ...]


def manifest_stamp(output: Path) -> tuple[int, int] | None:
    try:
        info = (output / MANIFEST).stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def read_marker(site_dir: Path, inputs: str, output: Path, now: datetime) -> Marker | None:
    """The last build's marker when nothing changed since, else None."""
    try:
        with open(site_dir / CACHE_DIR / MARKER_FILE, "rb") as handle:
            marker = pickle.load(handle)
    except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(marker, Marker) or marker.inputs != inputs or marker.manifest != manifest_stamp(output):
        return None
    if marker.valid_until is not None and now >= marker.valid_until:
        return None
    return marker


def write_marker(site_dir: Path, marker: Marker) -> None:
    _write_atomic(site_dir, MARKER_FILE, pickle.dumps(marker, protocol=pickle.HIGHEST_PROTOCOL))


def spare_folder(site_dir: Path, output: Path) -> Path:
    """Where the output's previous generation is kept between builds (see ``writer``).

    One spare is kept: those of other output folders are removed.
    """
    key = hashlib.blake2b(str(output.resolve()).encode("utf-8"), digest_size=6).hexdigest()
    spare = site_dir / CACHE_DIR / f"spare-{key}"
    for other in (site_dir / CACHE_DIR).glob("spare-*"):
        if other != spare:
            shutil.rmtree(other, ignore_errors=True)
    return spare


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """newsreel's own code and the versions of the libraries that shape its output.

    Everything cached (parsed sources, compiled templates, page keys) is valid for one
    fingerprint only, so an upgrade, or an edit of newsreel itself, never reuses stale work.
    """
    import importlib.metadata

    digest = hashlib.blake2b(__version__.encode(), digest_size=8)
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")) + sorted(package.glob("*.js")):
        digest.update(path.name.encode() + path.read_bytes())
    for library in ("jinja2", "markdown-it-py", "mdit-py-plugins", "PyYAML", "anyascii"):
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def cache_scope(*parts: Any) -> str:
    return repr((_FORMAT, code_fingerprint()) + parts)


def load_state(site_dir: Path) -> BuildState:
    """The state saved by the last build, or an empty one (a corrupt shard is only re-parsed)."""
    state = BuildState()
    for index in range(SHARDS):
        try:
            with open(site_dir / CACHE_DIR / SOURCES_DIR / f"{index:02d}.pickle", "rb") as handle:
                scope, entries = pickle.load(handle)
        except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, TypeError, ValueError):
            state.dirty.add(index)
            continue
        if not state.scope:
            state.scope = scope
        if scope == state.scope and isinstance(entries, dict):
            state.entries.update(entries)
        else:
            state.dirty.add(index)
    return state


def save_state(site_dir: Path, state: BuildState) -> None:
    """Write the shards that changed; a cache that cannot be written only costs speed."""
    (site_dir / CACHE_DIR / "sources.pickle").unlink(missing_ok=True)  # the unsharded cache of 0.1 betas
    if not state.dirty:
        return
    shards: dict[int, dict[str, Entry]] = {index: {} for index in state.dirty}
    for rel, entry in state.entries.items():
        shard = shards.get(shard_of(rel))
        if shard is not None:
            shard[rel] = entry
    for index, entries in shards.items():
        data = pickle.dumps((state.scope, entries), protocol=pickle.HIGHEST_PROTOCOL)
        _write_atomic(site_dir, f"{SOURCES_DIR}/{index:02d}.pickle", data)
    state.dirty = set()


def _write_atomic(site_dir: Path, name: str, data: bytes) -> None:
    folder = site_dir / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# newsreel's build cache: safe to delete\n*\n", "utf-8")
        target = folder / name
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        pass
