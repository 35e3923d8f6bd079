"""The source store: parsed front matter and rendered Markdown, keyed by file content.

``BuildState`` is one mechanism with two homes: ``serve`` keeps it in memory between
rebuilds, ``build`` reads it from ``.newsreel-cache/cache-7.sqlite`` in the site folder as
it needs it and saves what changed. Beside the sources it keeps the last build's snapshot
(``snapshot.py``), from which a small edit is patched in. It is safe to delete; it is
ignored when newsreel's version or the settings that shape parsing and Markdown change.
Which *pages* need rendering again is decided by the page keys recorded in the output's
manifest (see ``writer.py``), not here.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import pickle
import shutil
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsreel import __version__
from newsreel.errors import Problem
from newsreel.hashing import hash_bytes, hasher
from newsreel.layout import SiteLayout

if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeAlias

    from newsreel.incremental.snapshot import Snapshot
    from newsreel.loader import PageSource, PostSource
    from newsreel.markdown import RenderedBody

    Result: TypeAlias = tuple[PostSource | PageSource, RenderedBody]
    """A source read without error: its record (the body text dropped) and its rendered Markdown."""

FORMAT = 7
"""The layout of what the store holds (5: positional tuples; 6: ``snapshot``'s named records;
7: a term's ``latest`` headline).
Another number is another file, and the old file is removed unread (``load_state``)."""
STORE_FILE = f"cache-{FORMAT}.sqlite"
PATCHED_FIELDS = (
    "stamps",
    "digests",
    "warnings",
    "notes",
    "manifest",
    "pictures",
    "post_keys",
    "term_keys",
)
"""The fields of a ``snapshot.Snapshot`` that a patch build changes (saved on their own)."""
TABLES = ("entries", "meta", "posts", "terms")
"""Each (name TEXT PRIMARY KEY, data BLOB): sources' entries by path, the scope and the
snapshot's core, and the snapshot's per-post and per-term records."""
MARKER_FILE = "last-build.pickle"


Stamp = tuple[int, int, int, int, int]
"""How a source file looked when it was read — (mtime in ns, size, inode, mode, ctime in ns):
cheap to compare, no read needed (a file made unreadable has another mode: it is read, and
fails; a write that puts the mtime back still moves the ctime, which no program can set).
A plain tuple: a build stamps every source, every time. Another stamp is not yet another
file: its bytes are then hashed and compared with the entry's ``digest``."""


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode, info.st_ctime_ns)


@dataclass(frozen=True)
class Entry:
    """A source file's result: the record (or None) and its problems."""

    stamp: Stamp
    digest: str
    """Hash of the file's bytes: a file whose stamp changed but whose bytes did not (a fresh
    checkout, a ``touch``) is matched by it and not parsed again."""
    result: Result | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Inputs:
    """Every file a build reads, with its stamp: enough to tell that nothing changed."""

    sources: tuple[tuple[str, str, Stamp | None], ...]
    """(kind, path, stamp) of each post and film/actor page."""
    problems: tuple[Problem, ...]
    scope: str
    """Hash of everything but the sources and static files: settings, options, templates, code."""
    fingerprint: str
    """Hash of every input."""


@dataclass
class BuildState:
    """Per-source results of earlier builds, valid for one ``scope`` of settings, and the
    snapshot of the last build (``snapshot.py``).

    Entries are read from the store one by one as they are asked for (``load_all`` reads
    them all at once), so a build that patches a few pages reads a few entries.
    """

    scope: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)
    snapshot: Snapshot | None = None
    """The last build's snapshot, or None."""
    store: SourceStore | None = None
    inputs: Inputs | None = None
    """The last inputs scanned, kept in memory by ``serve`` (never saved)."""
    changed: set[str] = field(default_factory=set)
    """Sources put or forgotten since the state was loaded or saved."""

    def entry(self, rel: str) -> Entry | None:
        entry = self.entries.get(rel)
        if entry is None and self.store is not None:
            entry = self.store.get(rel)
            if entry is not None:
                self.entries[rel] = entry
        return entry

    def lookup(self, rel: str, stamp: Stamp) -> Entry | None:
        entry = self.entry(rel)
        return entry if entry is not None and entry.stamp == stamp else None

    def same_bytes(self, rel: str, stamp: Stamp, read: Callable[[], bytes]) -> Entry | None:
        """The entry of a file whose stamp changed but whose bytes did not (a fresh checkout,
        a ``touch``): matched by content hash, restamped, never parsed again."""
        entry = self.entry(rel)
        if entry is None or not entry.digest:
            return None
        try:
            raw = read()
        except OSError:
            return None
        if hash_bytes(raw) != entry.digest:
            return None
        entry = replace(entry, stamp=stamp)
        self.put(rel, entry)
        return entry

    def load_all(self) -> None:
        """Read every stored entry (a build about to look at every source)."""
        if self.store is not None:
            for rel, entry in self.store.all():
                self.entries.setdefault(rel, entry)

    def put(self, rel: str, entry: Entry) -> None:
        self.entries[rel] = entry
        self.changed.add(rel)

    def keep_only(self, rels: set[str]) -> None:
        """Forget the results of files that are gone."""
        self.load_all()
        for rel in [rel for rel in self.entries if rel not in rels]:
            del self.entries[rel]
            self.changed.add(rel)

    def reset(self, scope: str) -> None:
        """Forget everything when the settings that shape results changed."""
        if scope != self.scope:
            self.scope = scope
            self.entries = {}
            self.snapshot = None
            if self.store is not None:
                self.store.clear()

    def in_memory(self) -> BuildState:
        """This state with every entry read and the store closed (``serve`` keeps it so).

        The snapshot is dropped: ``serve``'s first build takes its own."""
        self.load_all()
        self.snapshot = None
        if self.store is not None:
            self.store.close()
            self.store = None
        return self


class SourceStore:
    """The build cache on disk: one SQLite file (the standard library's ``sqlite3``) holding
    each source's entry by path and the last build's snapshot, updated in one transaction.

    SQLite reads one entry without reading the rest, which a folder of pickles cannot do
    cheaply; any error makes the cache count as empty (it is only a cache).
    """

    def __init__(self, path: Path, *, fresh: bool = False) -> None:
        """Open the store at ``path``; ``fresh``: a new file written once, its journal kept in
        memory (it is renamed into place when complete, ``save_state``)."""
        self.path = path
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
        if fresh:
            # Pages of 64 KiB, not 4: an entry (7 KB of HTML and its record at 4,000 bench
            # posts) fills one page, not a chain of overflow pages; the whole store went in
            # 0.05 s instead of 0.10 s. (Set before the first table; a file keeps its size.)
            self.db.execute("PRAGMA page_size=65536")
        self.db.execute(f"PRAGMA journal_mode={'MEMORY' if fresh else 'WAL'}")
        # Never synced to disk: it is a cache (a file damaged by a power cut reads as an error
        # and is started anew), and the sync when the last connection closes cost a build
        # that patches one post a sixth of its time.
        self.db.execute("PRAGMA synchronous=OFF")
        for table in TABLES:
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, data BLOB NOT NULL)"
            )

    def get(self, rel: str) -> Entry | None:
        try:
            row = self.db.execute("SELECT data FROM entries WHERE name = ?", (rel,)).fetchone()
        except sqlite3.Error:
            return None
        return _unpickle(row[0], Entry) if row else None

    def all(self) -> list[tuple[str, Entry]]:
        try:
            rows = self.db.execute("SELECT name, data FROM entries").fetchall()
        except sqlite3.Error:
            return []
        return [(rel, entry) for rel, data in rows if (entry := _unpickle(data, Entry)) is not None]

    def meta(self, name: str) -> Any:
        row = self.db.execute("SELECT data FROM meta WHERE name = ?", (name,)).fetchone()
        return _unpickle(row[0], object) if row else None

    def snapshot(self) -> Snapshot | None:
        """The last build's snapshot, its per-post and per-term records read as they are asked for."""
        from newsreel.incremental.snapshot import (  # it imports this module
            PostRecord,
            Snapshot,
            StoredTerm,
        )

        core, stamps = self.meta("snapshot"), _unpacked(self.meta("stamps"))
        if not isinstance(core, Snapshot) or not isinstance(stamps, dict):
            return None
        # (A snapshot pickled by another newsreel may lack a field: it is not this one's.)
        if not isinstance(core, Snapshot) or not all(
            hasattr(core, f.name) for f in fields(core) if f.name not in stamps
        ):
            return None
        return replace(
            core,
            posts=StoredRows(self.db, "posts", PostRecord),
            terms=StoredRows(self.db, "terms", StoredTerm),
            **stamps,
        )

    def clear(self) -> None:
        try:
            for table in TABLES:
                self.db.execute(f"DELETE FROM {table}")
        except sqlite3.Error:
            pass  # save_state will start the file anew

    def save(self, state: BuildState) -> None:
        """Write the entries that changed, the scope and the snapshot, in one transaction."""
        puts, gone = [], []
        for rel in sorted(state.changed):
            entry = state.entries.get(rel)
            if entry is None:
                gone.append((rel,))
            else:
                puts.append((rel, _pickle(entry)))
        snapshot = state.snapshot
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("DELETE FROM entries WHERE name = ?", gone)
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", puts)
            meta = [("scope", _pickle(state.scope))]
            if snapshot is None:
                meta.append(("snapshot", _pickle(None)))
            else:
                # What a patch changes (the stamps, the messages) is a row of its own; the rest
                # of a snapshot read back from this store is as it was (a patch never changes it).
                changing = {name: getattr(snapshot, name) for name in PATCHED_FIELDS}
                meta.append(("stamps", _pickle(_packed(changing))))
                if not (isinstance(snapshot.posts, StoredRows) and snapshot.posts.db is self.db):
                    for table in ("posts", "terms"):
                        self.db.execute(f"DELETE FROM {table}")
                        self.db.executemany(
                            f"INSERT INTO {table} VALUES (?, ?)",
                            (
                                (name, _pickle(record))
                                for name, record in getattr(snapshot, table).items()
                            ),
                        )
                    # the core: the records and what a patch changes are rows of their own
                    core = replace(
                        snapshot,
                        posts={},
                        terms={},
                        stamps={},
                        digests={},
                        warnings=(),
                        notes=(),
                        manifest=None,
                        pictures={},
                        post_keys={},
                        term_keys={},
                    )
                    meta.append(("snapshot", _pickle(core)))
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        state.changed = set()

    def close(self) -> None:
        self.db.close()


class StoredRows(Mapping[str, Any]):
    """A table of the store as a read-only mapping: each row is read when first asked for.
    A row that is not a ``kind`` (written by another newsreel) counts as missing."""

    def __init__(self, db: sqlite3.Connection, table: str, kind: type = object) -> None:
        self.db = db
        self.table = table
        self.kind = kind
        self._read: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._read:
            try:
                row = self.db.execute(
                    f"SELECT data FROM {self.table} WHERE name = ?", (name,)
                ).fetchone()
            except sqlite3.Error:
                row = None
            value = _unpickle(row[0], self.kind) if row else None
            if value is None:
                raise KeyError(name)
            self._read[name] = value
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return (name for (name,) in self.db.execute(f"SELECT name FROM {self.table}"))

    def __len__(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])


_SEP = "\x00"
"""Between the names of a packed field: no file name holds it."""
_NO_STAMP = (0, 0, 0, 0, 0)
"""A source that could not be stamped, in a packed ``stamps`` (no file has mode 0)."""
_PACKED = "packed"


def _packed(changing: dict[str, Any]) -> dict[str, Any]:
    """The patched fields with the two that hold an item per source (``stamps``, ``digests``)
    as long strings and an array of integers: at 40,000 posts, pickled as tuples they took
    44 ms to write and ~70 ms to read in a build that patches one post; packed, ~20 and ~30."""
    stamps, digests = changing["stamps"], changing["digests"]
    if not stamps or digests.keys() != stamps.keys():
        return changing
    try:
        numbers = array(
            "q", chain.from_iterable(_NO_STAMP if s is None else s for s in stamps.values())
        )
    except (OverflowError, TypeError):  # (an inode number past 2**63: kept as it is)
        return changing
    names = _SEP.join(stamps)
    values = _SEP.join([digests[name] for name in stamps])
    return {**changing, "stamps": (_PACKED, names, numbers.tobytes()), "digests": (_PACKED, values)}


def _unpacked(changing: Any) -> Any:
    """``_packed`` undone; None when it does not hold together."""
    if not isinstance(changing, dict) or not isinstance(changing.get("stamps"), tuple):
        return changing
    try:
        (tag, names, data), (other, values) = changing["stamps"], changing["digests"]
        listed, digests, numbers = names.split(_SEP), values.split(_SEP), array("q")
        numbers.frombytes(data)
    except (TypeError, ValueError, AttributeError):
        return None
    if tag != _PACKED or other != _PACKED or not len(listed) == len(digests) == len(numbers) / 5:
        return None
    each = iter(numbers)
    stamps = dict(zip(listed, zip(each, each, each, each, each)))
    for name in [name for name, stamp in stamps.items() if stamp == _NO_STAMP]:
        stamps[name] = None
    return {**changing, "stamps": stamps, "digests": dict(zip(listed, digests))}


def _pickle(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


UNREADABLE_PICKLE = (
    OSError,
    EOFError,
    pickle.PickleError,
    AttributeError,
    ImportError,
    TypeError,
    ValueError,
    IndexError,
)
"""What reading a pickle written by another newsreel, or cut short, can raise."""


def _unpickle(data: bytes, kind: type) -> Any:
    try:
        value = _DataUnpickler(io.BytesIO(data)).load()
    except UNREADABLE_PICKLE:
        return None
    return value if isinstance(value, kind) else None


_STANDARD = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
}
"""The standard library's types a cache holds (its pickles name nothing else but newsreel's)."""


def _zone_attribute(owner: object, name: str) -> Any:
    """``getattr`` as a pickled ``ZoneInfo`` needs it (``ZoneInfo._unpickle``), and no other:
    any ``getattr`` would reach a function's globals, and through them every module."""
    if owner is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"getattr({owner!r}, {name!r}) is not in newsreel's cache")


class _DataUnpickler(pickle.Unpickler):
    """Reads the cache's pickles, whose only classes are newsreel's records (dataclasses and
    named tuples, which hold data and run no code) and a few standard types: a pickle planted
    in the cache that names anything else (``os.system``) is refused, as unreadable."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _zone_attribute
        if (module, name) in _STANDARD:
            return super().find_class(module, name)
        if module.startswith("newsreel.") and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type) and (
                dataclasses.is_dataclass(found) or issubclass(found, tuple)
            ):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not in newsreel's cache")


@dataclass(frozen=True)
class Marker:
    """What the last build saw, so an identical build can stop before reading anything."""

    inputs: str
    """``build.scan_inputs`` fingerprint: settings, options and every input file's stamp."""
    manifest: tuple[int, ...] | None
    """Stamp of the output's manifest right after that build."""
    valid_until: datetime | None
    """The first future post's date: from then on the same inputs give another site."""
    warnings: tuple[Problem, ...]
    notes: tuple[Problem, ...]
    valid_from: datetime | None = None
    """That build's "now": a build of an earlier moment may see another site."""
    left_out: tuple[int, int] = (0, 0)
    """Drafts and future posts that build left out."""


def read_marker(
    site_dir: Path, inputs: str, manifest: tuple[int, ...] | None, now: datetime
) -> Marker | None:
    """The last build's marker when nothing changed since (the same inputs, the output's
    manifest as that build left it), else None."""
    try:
        with open(SiteLayout(site_dir).cache / MARKER_FILE, "rb") as handle:
            marker = _DataUnpickler(handle).load()
    except UNREADABLE_PICKLE:
        return None
    if not isinstance(marker, Marker) or marker.inputs != inputs or marker.manifest != manifest:
        return None
    if marker.valid_until is not None and now >= marker.valid_until:
        return None
    if marker.valid_from is not None and now < marker.valid_from:
        return None
    return marker


def last_build_time(site_dir: Path, manifest: tuple[int, ...] | None) -> int | None:
    """When the output whose manifest has this stamp was last confirmed up to date by a
    build, in ns since the epoch; None when there is no manifest.

    A build that finds nothing to change leaves the output as it was but writes its marker
    again; the marker counts while it describes the output as it is now."""
    if manifest is None:
        return None
    path = SiteLayout(site_dir).cache / MARKER_FILE
    try:
        with open(path, "rb") as handle:
            marker = _DataUnpickler(handle).load()
        stamp = path.stat().st_mtime_ns
    except UNREADABLE_PICKLE:
        return manifest[0]
    if isinstance(marker, Marker) and marker.manifest == manifest:
        return max(manifest[0], stamp)
    return manifest[0]


def write_marker(site_dir: Path, marker: Marker) -> None:
    _write_atomic(site_dir, MARKER_FILE, pickle.dumps(marker, protocol=pickle.HIGHEST_PROTOCOL))


LIBRARIES = {
    "anyascii": "anyascii",
    "icalendar": "icalendar",
    "jinja2": "jinja2",
    "markdown_it": "markdown_it_py",
    "mdit_py_plugins": "mdit_py_plugins",
    "xxhash": "xxhash",
    "yaml": "pyyaml",
}
"""The libraries that shape newsreel's output: module → distribution (as its dist-info is named)."""


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """newsreel's own code and the versions of the libraries that shape its output.

    Everything cached (parsed sources, compiled templates, page keys) is valid for one
    fingerprint only, so an upgrade, or an edit of newsreel itself, never reuses stale work.
    """
    digest = hasher(8)
    digest.update(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")) + sorted(package.glob("*.js")):
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    for module, distribution in LIBRARIES.items():
        digest.update(f"{module}={library_version(module, distribution)}".encode())
    return digest.hexdigest()


def library_version(module: str, distribution: str) -> str:
    """The installed version of a library, read from the name of its ``.dist-info`` folder
    without importing it (a build that changed nothing imports none of them); the module's
    ``__version__`` where there is no such folder."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent
        if spec.submodule_search_locations is not None:
            folder = folder.parent  # a package: its folder is in site-packages
        prefix = distribution + "-"
        found = sorted(
            name[len(prefix) : -len(".dist-info")]
            for name in _listing(str(folder))
            if name.endswith(".dist-info") and name.lower().startswith(prefix)
        )
        if found:
            return ",".join(found)
    library = importlib.import_module(module)
    return str(getattr(library, "__version__", "?"))


@functools.lru_cache(maxsize=8)
def _listing(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder))
    except OSError:
        return ()


def cache_scope(*parts: object) -> str:
    return repr((FORMAT, code_fingerprint()) + parts)


def load_state(site_dir: Path) -> BuildState:
    """The state saved by the last build, or an empty one (an unreadable cache is started anew)."""
    cache = SiteLayout(site_dir).cache
    path = cache / STORE_FILE
    for other in cache.glob("cache*.sqlite"):
        if other.name != STORE_FILE:  # written by another newsreel
            _remove_store(other)
    try:
        if not path.exists():
            return BuildState()
        store = SourceStore(path)
        scope = store.meta("scope")
        return BuildState(
            scope=scope if isinstance(scope, str) else "", snapshot=store.snapshot(), store=store
        )
    except (
        sqlite3.Error,
        OSError,
    ):  # damaged, or unreadable (another user's cache, a folder without rights)
        _remove_store(path)
        return BuildState()


def save_state(site_dir: Path, state: BuildState) -> None:
    """Write what changed; a cache that cannot be written only costs speed."""
    cache = SiteLayout(site_dir).cache
    shutil.rmtree(cache / "sources", ignore_errors=True)  # the pickled cache of 0.1 betas
    path = cache / STORE_FILE
    fresh = cache / f"cache-{FORMAT}.new.sqlite"  # (left by a crash: removed as not this one's)
    try:
        if state.store is None:
            # A whole new store (a first build, or one that did not read the cache) is written
            # to a new file without a log and renamed into place: in WAL mode every page was
            # written twice, to the log and then to the file (525 MB at 40,000 posts).
            _cache_folder(site_dir)
            state.load_all()
            state.changed = set(state.entries)
            _remove_store(fresh)
            state.store = SourceStore(fresh, fresh=True)
            state.store.save(state)
            state.store.close()
            state.store = None
            _remove_store(path)  # (the log of an older file would be read into the new one)
            os.replace(fresh, path)
            return
        state.store.save(state)
    except (sqlite3.Error, OSError):
        if state.store is not None:
            state.store.close()
            state.store = None
        _remove_store(path)
        _remove_store(fresh)
    finally:
        if state.store is not None:
            state.store.close()
            state.store = None


def _remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        except OSError:
            pass


def _cache_folder(site_dir: Path) -> Path:
    folder = SiteLayout(site_dir).cache
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# newsreel's build cache: safe to delete\n*\n", "utf-8")
    return folder


def _write_atomic(site_dir: Path, name: str, data: bytes) -> None:
    try:
        target = _cache_folder(site_dir) / name
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        pass
