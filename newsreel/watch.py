"""Watching a site folder for saves, and turning a burst of events into one rebuild.

The watchdog handler only records which paths changed and wakes the build loop; the build
loop (one thread, in ``server.py``) calls ``Changes.wait_quiet`` to sleep until the
filesystem has been quiet for a short while, so an editor's atomic save, a rename or a
``git checkout`` of 500 files gives one rebuild.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from newsreel.hashing import hash_bytes
from newsreel.incremental.store import Stamp, stamp_of
from newsreel.layout import CACHE, CONFIG, CONTENT, SOURCE_DIRS

# Only events that change what a build reads. Opened/closed-without-write events are left out:
# the build itself reads every source, and counting those would rebuild forever. A folder's
# "modified" event is left out too: it only echoes a change to a file inside, which has its own
# event (and an editor's ignored swap file would otherwise trigger rebuilds).
EVENT_KINDS = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

IGNORED_DIRS = frozenset({".git", ".hg", ".svn", CACHE, "__pycache__", "node_modules"})
"""Folder names under which nothing is a source."""


def is_ignored_name(name: str) -> bool:
    """True for editor scratch files: swap and backup files, lock files, Vim's write test."""
    return (
        name.endswith((".swp", ".swx", ".swo", "~"))
        or name.startswith((".#", ".~lock."))
        or (name.startswith("#") and name.endswith("#"))
        or name in {"4913", ".DS_Store"}
    )


def is_source_path(site_dir: Path, path: str, ignore: tuple[Path, ...] = ()) -> bool:
    """True when a change at ``path`` can change the built site.

    ``site_dir`` should be absolute and resolved; ``ignore`` lists folders (the output, a
    cache) whose contents never count.
    """
    try:
        rel = Path(os.path.abspath(path)).relative_to(site_dir)
    except ValueError:
        return False
    for folder in ignore:
        try:
            Path(os.path.abspath(path)).relative_to(folder)
            return False
        except ValueError:
            pass
    parts = rel.parts
    if not parts:
        return False
    if len(parts) == 1:
        return parts[0] == CONFIG or parts[0] in SOURCE_DIRS
    if parts[0] not in SOURCE_DIRS:
        return False
    if any(part in IGNORED_DIRS for part in parts):
        return False
    return not is_ignored_name(parts[-1])


BURST_PATHS = 20
"""A batch this big is a checkout or a copy, not a save: it waits for a longer quiet."""
BURST_QUIET = 0.5
"""Seconds of quiet a burst waits for: a checkout on a loaded machine may pause for longer
than a save's quiet period, and splitting it costs a whole second rebuild."""

MAX_DELAY = 10.0
"""Seconds a stream of events that never pauses may hold back a rebuild. Long enough for a
big checkout or copy on a slow disk to land as one batch; a real editor pauses far sooner."""


class Changes:
    """Paths changed since the last rebuild, shared by the watcher thread and the build loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._paths: set[str] = set()
        self._last = 0.0
        self._first = 0.0

    def add(self, path: str) -> None:
        """Record one changed path and wake the build loop."""
        now = time.monotonic()
        with self._lock:
            if not self._paths:
                self._first = now
            self._paths.add(path)
            self._last = now
        self._wake.set()

    def wait_quiet(
        self, quiet: float, timeout: float, max_delay: float = MAX_DELAY
    ) -> frozenset[str] | None:
        """Wait up to ``timeout`` s for a change, then until ``quiet`` s pass with no new event.

        Returns the changed paths (and forgets them), or None when nothing changed in time.
        A batch of ``BURST_PATHS`` or more waits for ``BURST_QUIET`` s of quiet instead, and a
        stream of events that never pauses still gets a rebuild after ``max_delay`` s.
        """
        if not self._wake.wait(timeout):
            return None
        while True:
            with self._lock:
                now = time.monotonic()
                wait = max(quiet, BURST_QUIET) if len(self._paths) >= BURST_PATHS else quiet
                left = min(self._last + wait, self._first + max_delay) - now
                if left <= 0:
                    paths = frozenset(self._paths)
                    self._paths.clear()
                    self._wake.clear()
                    return paths
            time.sleep(left)


Version = tuple[Stamp, str] | None
HASHED_SIZE = 1 << 20
"""Files up to this size are also hashed: a coarse clock (FAT keeps 2 s) may not move mtime."""


def version_of(path: str) -> Version:
    """What identifies one version of a file or folder: its stamp (``store.stamp_of``) and,
    for a file of up to ``HASHED_SIZE``, the hash of its bytes (None: gone)."""
    try:
        info = os.stat(path)
        digest = ""
        if stat.S_ISREG(info.st_mode) and info.st_size <= HASHED_SIZE:
            with open(path, "rb") as handle:
                digest = hash_bytes(handle.read())
    except OSError:
        return None
    return stamp_of(info), digest


ECHO_MARGIN_NS = 50_000_000


class SeenStamps:
    """Remembers the stamps of changed paths, to tell news from late echoes of a change.

    watchdog may report a change twice (for a new folder it also reports the files found
    in it, a moment later), and under load it may report a change after the build that
    read it has started: a path that looks exactly as an earlier batch or the last build saw
    it is an echo, and a batch of echoes needs no rebuild.
    """

    def __init__(self) -> None:
        self._seen: dict[str, Version] = {}
        self._listed_ns = 0
        self._site = ""
        self._sources: Sequence[tuple[str, str, Stamp | None]] = ()
        self._used: dict[str, Stamp | None] | None = None

    def built(
        self,
        listed_ns: int | None,
        site_dir: str,
        sources: Sequence[tuple[str, str, Stamp | None]],
    ) -> None:
        """Note a successful build of ``site_dir`` (absolute, as the watcher names paths): it
        used each source, (kind, site-relative path, stamp), at the stamp given, and unless
        ``listed_ns`` is None it listed and stamped every file at that time (not only the
        paths it was told about)."""
        if listed_ns is not None:
            self._listed_ns = listed_ns
        self._site = site_dir
        self._sources = sources
        self._used = None

    def _used_stamp(self, path: str) -> tuple[bool, Stamp | None]:
        """Whether the last build used ``path`` as a source, and at which stamp."""
        if self._used is None:  # made when first asked: most batches are news at once
            root = self._site
            self._used = {
                os.path.join(root, *rel.split("/")): stamp for _, rel, stamp in self._sources
            }
        return path in self._used, self._used.get(path)

    def _read_by_last_build(self, path: str) -> bool:
        """True when the last build read this version of the file.

        A source is compared with the stamp the build used (a save makes a new inode or a new
        mtime; the build itself believes that stamp). Any other file counts as read when it has not changed since the last
        build that stamped every file started listing: ctime, unlike mtime, cannot be set back
        by a tool that copies old timestamps, and the kernel stamps files from a coarse clock,
        so a margin keeps a save made just as the build started on the side of "news" (an
        extra rebuild costs little; a missed one lies).
        """
        try:
            info = os.stat(path)
        except OSError:  # gone: a Markdown file the build did not use was gone for it too
            content = os.path.join(self._site, CONTENT, "")
            return (
                bool(self._site)
                and path.startswith(content)
                and path.endswith(".md")
                and not self._used_stamp(path)[0]
            )
        used, stamp = self._used_stamp(path)
        if used:
            return stamp == stamp_of(info)
        return info.st_ctime_ns < self._listed_ns - ECHO_MARGIN_NS

    def news(self, paths: frozenset[str]) -> bool:
        """True when some path differs from what the last batch naming it, or the last build, saw."""
        versions = {path: version_of(path) for path in paths}
        fresh = any(
            (self._seen[path] != version)
            if path in self._seen
            else not self._read_by_last_build(path)
            for path, version in versions.items()
        )
        self._seen.update(versions)
        return fresh


class _Handler(FileSystemEventHandler):
    """Feeds relevant filesystem events into a ``Changes``; does no work of its own."""

    def __init__(self, site_dir: Path, changes: Changes, ignore: tuple[Path, ...]) -> None:
        self.site_dir = site_dir
        self.changes = changes
        self.ignore = ignore

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not isinstance(event, tuple(EVENT_KINDS)):
            return
        # An editor's save is often "write a temp file, rename it over the original": a move
        # whose destination is the source that changed. Both ends of a move count.
        # A folder's path is recorded with a trailing separator: what was inside it is unknown.
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = os.fsdecode(raw) if raw else ""
            if path and is_source_path(self.site_dir, path, self.ignore):
                self.changes.add(path.rstrip(os.sep) + os.sep if event.is_directory else path)


@dataclass(frozen=True)
class _Watch:
    watch: ObservedWatch
    inode: int


class SiteWatcher:
    """A watchdog observer on a site's sources: content/, templates/, static/, newsreel.yaml.

    The site folder itself is watched without recursion (for newsreel.yaml, and for the
    source folders appearing later); ``refresh`` adds or renews the recursive watches on the
    source folders that exist now. Call ``refresh`` from the build loop before each build.
    """

    def __init__(self, site_dir: Path, changes: Changes, ignore: tuple[Path, ...] = ()) -> None:
        self.site_dir = Path(os.path.realpath(site_dir))
        self.handler = _Handler(
            self.site_dir, changes, tuple(Path(os.path.realpath(p)) for p in ignore)
        )
        self.observer: BaseObserver = Observer()
        self.observer.daemon = True
        self._watches: dict[str, _Watch] = {}

    def start(self) -> None:
        self.observer.schedule(
            self.handler, str(self.site_dir), recursive=False, event_filter=EVENT_KINDS
        )
        self.refresh()
        self.observer.start()

    def refresh(self) -> None:
        """Watch the source folders that exist now; renew a watch whose folder was replaced."""
        for name in SOURCE_DIRS:  # watched recursively
            folder = self.site_dir / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else 0
            except OSError:
                inode = 0
            current = self._watches.get(name)
            if current and current.inode == inode:
                continue
            if current:
                try:
                    self.observer.unschedule(current.watch)
                except (KeyError, OSError):
                    pass
                del self._watches[name]
            if inode:
                try:
                    watch = self.observer.schedule(
                        self.handler, str(folder), recursive=True, event_filter=EVENT_KINDS
                    )
                except OSError:
                    continue
                self._watches[name] = _Watch(watch, inode)

    def stop(self) -> None:
        """Stop the observer thread and wait (briefly) for it to end."""
        self.observer.stop()
        self.observer.join(timeout=1.0)
