"""Write a build to disk safely, touching only what changed.

The output folder is refused when it is the site folder, one of its parents, ``content/``,
``templates/``, ``static/``, or holds a ``.git`` or files newsreel did not write (its
manifest lists every file it wrote, with the content hash and the page key that produced
it). The manifest is kept beside the output, ``.<name>.newsreel-manifest`` (``.site.newsreel-
manifest`` for ``site/``), so it is never published with the site.

New and changed files are first written to a staging folder beside the output
(``.<name>.newsreel-tmp-<pid>-<random>/new``, beside a file holding the output's token); the
output is not touched until every page rendered. Then one of two commits:

* **in place** (a few files changed: at most ``SMALL_COMMIT``, or a tenth of the site): a
  ``COMMIT`` journal is written in the staging folder, then the new files are renamed into
  place, each in one atomic step, and removed pages deleted. Should the process die during
  those renames, the next build finishes them before anything else. A one-post edit so costs
  a few renames.
* **swap** (many files changed, or the first build into a folder that holds one): the
  unchanged files are hard-linked into the staging folder, which so holds a complete new
  generation; then each top-level entry (``posts/`` whole, then ``index.html``…) is exchanged
  with the output's in one atomic ``renameat2(RENAME_EXCHANGE)``, so the output folder keeps
  its inode, mode and owner. A ``SWAP`` journal, written before the first exchange, lists
  each entry with the new generation's inode: a build killed between two exchanges leaves
  it, and the next build finishes the swap first. The generation replaced is deleted.

A build that fails leaves the output as it was, and a build that changes nothing writes
nothing at all.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import secrets
import shutil
import signal
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path

from newsreel.errors import UnsafeOutput
from newsreel.hashing import hash_bytes, hash_text
from newsreel.layout import SOURCE_DIRS

MANIFEST_SUFFIX = ".newsreel-manifest"
MANIFEST_FORMAT = 3
"""1: a JSON object of lists inside the output; 2: NUL-joined columns in JSON, beside the
output; 3: the same columns as raw UTF-8 after a line of JSON (2 is still read)."""
LEGACY_MANIFEST = ".newsreel-manifest.json"
"""Where newsreel 0.x kept the manifest: in the output (read once, when upgrading)."""
MANIFEST_NEW = "manifest"
"""In a staging folder: the manifest of the new generation, until it is moved beside the output."""
SWAP = "SWAP"
"""In a staging folder: the journal of a swap (the folder swapped in and each entry's inode in
it), from which a killed build's swap is finished."""
JOURNAL = "COMMIT"
OWNER = "OWNER"
"""In a staging folder: the token of the output it was made for (see ``output_token``)."""
GENERATION = "new"
"""In a staging folder: the new generation of the output (beside its ``OWNER`` and journal),
unless the output is a mount point (``_generation_folder``)."""
_TMP_INFIX = ".newsreel-tmp-"
_RENAME_EXCHANGE = 2
SMALL_COMMIT = 500
"""At most this many changed files (or a tenth of the site) are renamed in place."""


def is_inside_name(rel: str) -> bool:
    """True for a relative file name that stays inside its folder: no ``..``, no empty or absolute parts."""
    if not rel or rel[0] == "/" or "\\" in rel or "\x00" in rel:
        return False
    wrapped = f"/{rel}/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


FileEntry = tuple[str, str, tuple[str, ...]]
"""A file of the output: (content hash, page key, sources of the posts the page read while
rendering, through a term or a listing; empty for most)."""

_SEP = "\x00"
"""Between the names (and hashes, keys) of a manifest: no file name can hold it."""


def manifest_path(output: Path) -> Path:
    """Where the manifest of ``output`` is kept: beside it (``site/`` → ``.site.newsreel-manifest``),
    so that it is never published with the site and survives a deleted build cache."""
    return output.parent / f".{output.name}{MANIFEST_SUFFIX}"


def _names_inside(joined: str) -> bool:
    """``is_inside_name`` of every name of a ``_SEP``-joined list, at the speed of a string search."""
    if not joined or "\\" in joined:
        return False
    wrapped = "/" + joined.replace(_SEP, "/" + _SEP + "/") + "/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


@dataclass
class Manifest:
    """What an output folder holds: each file newsreel wrote, by its name in the output, with
    its content hash, the key of the page that made it and the posts that page read
    (``FileEntry``). Kept beside the output (``manifest_path``), never in it.

    On disk it is one line of JSON (the format, the sources read by the few pages that read
    any, and the byte length of each column), then the names, the hashes and the keys, each
    column one NUL-joined UTF-8 string. JSON strings would escape each NUL: at 86,000 files
    (40,000 posts) writing the columns as JSON took 40 ms of a build that patches one post,
    and raw 10; a JSON object of lists took a tenth of a second to read."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    doubted: set[str] = field(default_factory=set)
    """Files found missing or changed since the manifest was written (``guard_output``)."""
    stamp: tuple[int, int] | None = None
    """(mtime in ns, size) of the file this manifest was read from: another build since
    changes it. (No inode: a manifest restored with the output, as the deploy workflow's cache
    restores it, is the same manifest.)"""

    @classmethod
    def read(cls, output: Path) -> Manifest | None:
        """The manifest of ``output``; None when there is none or it is not newsreel's (it
        names a file outside the output, or is not in this shape)."""
        found = _read_regular(manifest_path(output))
        if found is None:
            # The manifest of newsreel 0.x, in the output: its files are believed as they were,
            # the manifest itself is one of them (the next build deletes it).
            found = _read_regular(output / LEGACY_MANIFEST)
            files = _parse_legacy(_json(found[0])) if found is not None else None
        else:
            files = _parse(found[0])
        if files is None or found is None:
            return None
        info = found[1]
        return cls(files, stamp=(info.st_mtime_ns, info.st_size))

    def doubt(self, rel: str) -> None:
        """The file on disk is not what this entry says: forget its hash and key."""
        self.files[rel] = ("", "", ())
        self.doubted.add(rel)

    def dump(self) -> bytes:
        files = self.files
        columns = [
            _SEP.join(column).encode("utf-8", "surrogatepass")
            for column in (
                files,
                [entry[0] for entry in files.values()],
                [entry[1] for entry in files.values()],
            )
        ]
        head = {
            "generator": "newsreel",
            "format": MANIFEST_FORMAT,
            "reads": {name: entry[2] for name, entry in files.items() if entry[2]},
            "sizes": [len(column) for column in columns],
        }
        line = json.dumps(head, separators=(",", ":")).encode("utf-8", "surrogatepass")
        return b"".join([line, b"\n", *columns])  # (a line: JSON escapes every newline)


def _read_regular(path: Path) -> tuple[bytes, os.stat_result] | None:
    """The bytes of a regular file (never read through a link), with its ``fstat``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(), info
    except OSError:
        return None
    finally:
        os.close(fd)


def _json(data: bytes) -> object:
    """The JSON ``data`` holds, or None."""
    try:
        return json.loads(data)
    except ValueError:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        return None


def _head(data: bytes) -> tuple[dict[str, object], bytes, list[int]] | None:
    """A format-3 manifest's line of JSON, the bytes after it and each column's length; None
    for another format or a manifest that does not hold together."""
    line, _, rest = data.partition(b"\n")
    head = _json(line)
    if not isinstance(head, dict) or head.get("format") != MANIFEST_FORMAT:
        return None
    sizes = head.get("sizes")
    if (
        type(sizes) is not list
        or len(sizes) != 3
        or not all(type(size) is int and size >= 0 for size in sizes)
        or sum(sizes) != len(rest)
    ):
        return None
    return head, rest, sizes


def _columns(data: bytes) -> dict[str, object] | None:
    """A manifest's fields, of either format that holds columns (``MANIFEST_FORMAT``)."""
    found = _head(data)
    if found is None:
        head = _json(data.partition(b"\n")[0])
        return head if isinstance(head, dict) and head.get("format") == 2 else None
    head, rest, sizes = found
    first, second = sizes[0], sizes[0] + sizes[1]
    try:
        names, hashes, keys = (
            rest[start:stop].decode("utf-8", "surrogatepass")
            for start, stop in ((0, first), (first, second), (second, len(rest)))
        )
    except UnicodeDecodeError:
        return None
    return {**head, "names": names, "hashes": hashes, "keys": keys}


def _parse_legacy(data: object) -> dict[str, FileEntry] | None:
    """The files of a manifest of the first format ({"files": {name: [hash, key, [reads]]}})."""
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(map(is_inside_name, files)):
        return None
    parsed: dict[str, FileEntry] = {}
    for name, entry in files.items():
        if not (
            type(entry) is list
            and len(entry) in (2, 3)
            and all(type(v) is str for v in entry[:2])
            and (
                len(entry) == 2
                or (type(entry[2]) is list and all(type(v) is str for v in entry[2]))
            )
        ):
            return None
        parsed[name] = (entry[0], entry[1], tuple(entry[2]) if len(entry) == 3 else ())
    parsed[LEGACY_MANIFEST] = ("", "", ())
    return parsed


def _parse(raw: bytes) -> dict[str, FileEntry] | None:
    """A manifest's files from its bytes, or None when it is not in newsreel's shape."""
    data = _columns(raw)
    if data is None:
        return None
    names, hashes, keys, reads = (data.get(k) for k in ("names", "hashes", "keys", "reads"))
    if not (
        isinstance(names, str)
        and isinstance(hashes, str)
        and isinstance(keys, str)
        and isinstance(reads, dict)
    ):
        return None
    if not names:
        return {} if not hashes and not keys and not reads else None
    listed, digests, made_by = names.split(_SEP), hashes.split(_SEP), keys.split(_SEP)
    if not (len(listed) == len(digests) == len(made_by)) or not _names_inside(names):
        return None
    files: dict[str, FileEntry] = dict(zip(listed, zip(digests, made_by, repeat(()))))
    if len(files) != len(listed):
        return None
    for name, sources in reads.items():
        entry = files.get(name)
        if (
            entry is None
            or type(sources) is not list
            or not all(type(source) is str for source in sources)
        ):
            return None
        files[name] = (entry[0], entry[1], tuple(sources))
    return files


class Listing:
    """The names of a manifest's files: all the check of an output needs, but the hash of a
    file changed since. ``read`` splits them alone from a manifest of this format, in 30-40 ms
    at 86,000 files where the whole takes 70-80, so ``EarlyCheck`` forks its children sooner;
    ``manifest`` parses the rest when the build asks for it."""

    def __init__(
        self,
        names: list[str],
        stamp: tuple[int, int],
        raw: bytes = b"",
        manifest: Manifest | None = None,
    ) -> None:
        self.names = names
        self.stamp = stamp
        self.doubted: list[str] = []
        """What the check found missing or changed (``doubt``)."""
        self._raw = raw
        self._given = manifest
        self._read: Manifest | None = manifest

    @classmethod
    def of(cls, manifest: Manifest) -> Listing:
        """The names of a manifest already read, whose entries the check's doubts clear."""
        return cls(list(manifest.files), manifest.stamp or (-1, 0), manifest=manifest)

    @classmethod
    def read(cls, output: Path) -> Listing | None:
        """The names of the manifest of ``output`` (None as ``Manifest.read`` says)."""
        found = _read_regular(manifest_path(output))
        head = _head(found[0]) if found is not None else None
        if found is None or head is None:
            manifest = Manifest.read(output)  # (an older format, or none: read whole)
            return None if manifest is None else cls.of(manifest)
        _, rest, sizes = head
        try:  # (the names' column alone: the hashes and keys are decoded when needed)
            names = rest[: sizes[0]].decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None
        if not names or not _names_inside(names):
            return None
        info = found[1]
        return cls(names.split(_SEP), (info.st_mtime_ns, info.st_size), raw=found[0])

    def manifest(self) -> Manifest | None:
        """The whole manifest these names are of; None when its other columns do not hold."""
        if self._read is None and self._raw:
            files = _parse(self._raw)
            self._read = Manifest(files, stamp=self.stamp) if files is not None else None
            self._raw = b""
        return self._read

    def digest(self, rel: str) -> str:
        """The hash the manifest gives ``rel`` ("" when it gives none)."""
        whole = self.manifest()
        entry = whole.files.get(rel) if whole is not None else None
        return entry[0] if entry is not None else ""

    def doubt(self, rel: str) -> None:
        self.doubted.append(rel)
        if self._given is not None:
            self._given.doubt(rel)


def manifest_stamp(output: Path) -> tuple[int, int] | None:
    """(mtime, size) of the output's manifest: another build since changes it."""
    try:
        info = os.stat(manifest_path(output))
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def drop_spares(cache_dir: Path) -> None:
    """Delete the spare generations earlier builds kept in the build cache (``spare-*``)."""
    try:
        found = [path for path in cache_dir.iterdir() if path.name.startswith("spare-")]
    except OSError:
        return
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _is_within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def guard_output(
    site_dir: Path,
    output: Path,
    *,
    finish: bool = True,
    token: str | None = None,
    known: Manifest | None = None,
    early: EarlyCheck | None = None,
) -> Manifest | None:
    """Refuse a dangerous output folder; return the manifest of the build already there,
    checked against the files (``Manifest.doubted``).

    ``finish=False`` only looks at the folder's top (a first check before the build lock is
    taken). Otherwise a commit that a killed build of this output left is finished first
    (only from a journal carrying ``token``), then the whole output is walked once: a file
    newsreel did not write, a symbolic link or anything but files and folders, at any depth,
    is refused by name before anything changes. ``known`` is the manifest the first check
    read: it is not read again unless its file changed since. ``early`` is that walk made
    while the build listed its sources (``EarlyCheck``): its answer is taken when nothing
    changed the output since it began, else the output is walked again."""
    site = site_dir.resolve()
    out = output.resolve()
    reasons = []
    if _is_within(site, out):
        reasons.append("it is the site folder or one of its parents")
    for name in SOURCE_DIRS:
        if _is_within(out, site / name):
            reasons.append(f"it is inside {name}/, which holds your sources")
    if out == Path(out.anchor) or out == Path.home().resolve():
        reasons.append("it is the root or home folder")
    outer = next((p for p in out.parents if manifest_path(p).is_file()), None)
    if reasons or outer is not None:
        # (inside another output, its manifest and files would be strays of that output)
        why = reasons[0] if reasons else f"it is inside {outer}, the output of another build"
        raise UnsafeOutput(
            f"refusing to write the site to {output}: {why} (choose an empty folder "
            + ("outside it" if not reasons else "such as site/")
            + ")"
        )
    if output.is_symlink():
        raise UnsafeOutput(
            f"refusing to write the site to {output}: it is a symbolic link "
            f"(give the folder it points to, {out}, as --output)"
        )
    finished = finish and token is not None and finish_interrupted_commit(out, token)
    if not out.exists():
        return None
    if not out.is_dir():
        raise UnsafeOutput(
            f"refusing to write the site to {output}: it is a file (choose a folder such as site/)"
        )
    if (out / ".git").exists():
        raise UnsafeOutput(
            f"refusing to write the site to {output}: it holds a .git repository (choose another folder)"
        )
    manifest = known if known is not None and known.stamp == manifest_stamp(out) else None
    if manifest is None:
        if not os.listdir(out):
            return None
        manifest = Manifest.read(out)
    if manifest is None:
        first = min(os.listdir(out))
        raise UnsafeOutput(
            f"refusing to replace {output}: it holds files newsreel did not write, such as "
            f"{first} (move them away, or choose an empty or new output folder)"
        )
    if not finish:
        _stray_at_top(output, out, manifest)
        return manifest
    found = early.answer() if early is not None and not finished else None
    if found is not None and early is not None and early.manifest is manifest:
        refused, doubted = found
        if refused is not None:
            raise UnsafeOutput(refused)
        for rel in doubted:
            manifest.doubt(rel)
    else:
        _verify(output, out, Listing.of(manifest))
    return manifest


ONE_CHILD_FILES = 20_000
"""Up to this many files ``EarlyCheck`` uses one child, beyond two, each checking a part of
them: one child checks about this many while a build's process starts and lists its sources
(and so leaves the parent a core of its own), a larger output needs both cores."""


class EarlyCheck:
    """``_verify`` of an output made in forked children, while the build lists and stamps its
    sources and waits for its lock: on a machine with two cores a warm build of a large site so
    does its longest walks at once. Each child looks at a part of the manifest's files (and
    lists every folder modified since, against the whole manifest) and changes nothing; their
    answer — the refusal ``_verify`` would raise, or the files it would doubt — is taken only
    when the manifest is still the one they checked once the build holds the lock
    (``guard_output``)."""

    def __init__(self, output: Path, listing: Listing, children: list[tuple[int, int]]) -> None:
        self.output = output
        self.listing = listing
        self.children = children
        """(pid, read end of its pipe) of each child, in the order of their parts."""

    @functools.cached_property
    def manifest(self) -> Manifest | None:
        """The whole manifest the children check, parsed when the build first asks for it
        (meanwhile they have started)."""
        return self.listing.manifest()

    @classmethod
    def start(cls, output: Path, parts: int | None = None) -> EarlyCheck | None:
        """The check of ``output`` under way, in ``parts`` children (by default one or two:
        ``ONE_CHILD_FILES``); None where it is not worth a process (no manifest to check) or
        a fork is not safe (threads running, as in ``serve``)."""
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            return None
        out = output.resolve()
        listing = Listing.read(out)
        if listing is None:
            return None
        from newsreel.children import die_with_parent, ignore_interrupts, interrupts_held

        parent = os.getpid()
        if parts is None:
            parts = 1 if len(listing.names) <= ONE_CHILD_FILES else 2
        size = -(-len(listing.names) // parts)
        check = cls(output, listing, [])
        for part in range(parts):
            reader, writer = os.pipe()
            with interrupts_held() as interrupts:
                pid = os.fork()
            if pid == 0:  # pragma: no cover - a child (their answer is tested)
                try:
                    ignore_interrupts(interrupts)
                    os.close(reader)
                    for _, other in check.children:
                        os.close(other)
                    die_with_parent(parent)
                    answer: tuple[str | None, list[str]] | None
                    try:
                        _verify(output, out, listing, (part * size, (part + 1) * size))
                        answer = (None, sorted(listing.doubted))
                    except UnsafeOutput as exc:
                        answer = (str(exc), [])
                    except _StagingSeen:
                        answer = None  # (no answer: the build checks again under its lock)
                    data = json.dumps(answer).encode("utf-8", "surrogatepass")
                    with os.fdopen(writer, "wb") as pipe:
                        pipe.write(data)
                finally:
                    os._exit(0)
            os.close(writer)
            check.children.append((pid, reader))
        return check

    def answer(self) -> tuple[str | None, list[str]] | None:
        """What the children found, once they are done (the first refusal, else every file
        to doubt); None if one failed."""
        refusals: list[str] = []
        doubted: list[str] = []
        try:
            for _, reader in self.children:
                with os.fdopen(os.dup(reader), "rb") as pipe:
                    data = pipe.read()
                refused, found = json.loads(data)
                if not (refused is None or isinstance(refused, str)) or not isinstance(found, list):
                    return None
                if refused is not None:
                    refusals.append(refused)
                doubted += [rel for rel in found if isinstance(rel, str)]
        except (OSError, ValueError, TypeError):
            return None
        finally:
            self.close()
        return (refusals[0] if refusals else None), sorted(doubted)

    def close(self) -> None:
        """End the children (if still running) and reap them."""
        for pid, reader in self.children:
            os.close(reader)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.children = []


def _stray_at_top(shown: Path, out: Path, manifest: Manifest) -> None:
    """Refuse an entry at the top of the output that newsreel did not write (the first check,
    before the build lock: ``_verify`` looks at every folder, once a staging folder a build
    left in it is gone)."""
    assert manifest.stamp is not None
    if os.lstat(out).st_mtime_ns < manifest.stamp[0]:
        return  # nothing added or removed at the top since the manifest
    ours = {name.partition("/")[0] for name in manifest.files}
    stray = sorted(n for n in set(os.listdir(out)) - ours if not _is_staging_name(out, n))
    if stray:
        raise UnsafeOutput(
            f"refusing to replace {shown}: {stray[0]} was not written by newsreel "
            "(move it into static/ to publish it, or delete it)"
        )


def _verify(shown: Path, out: Path, listing: Listing, part: tuple[int, int] | None = None) -> None:
    """Look at every file and folder the manifest implies, and list the folders changed since:
    refuse what newsreel did not write (at any depth) or a symbolic link; doubt each file
    modified since the manifest was written and believe it only when its bytes hash to the
    manifest's hash. Missing and doubted files lose their entry's hash and key, so they are
    written again.

    Every file of a build is written before its manifest (a copy or restore that keeps times
    keeps that true), and a folder's mtime moves when an entry is added, removed or renamed in
    it: only folders modified since the manifest are listed, so a build of a site whose output
    nobody touched costs one ``lstat`` per file and folder, not a walk. (Not the ctime, which
    would also catch a copy that sets a folder's mtime back, ``cp -a`` of an older tree: a
    cache restored by ``tar`` gives every folder a new ctime, and the build after it would
    list every folder, 0.3 s more at 10,000 posts.) (This loop is what a
    warm build of a large site spends most of its time on: it is kept to plain string and
    ``lstat`` calls.) ``part`` (start, stop) looks at those of the manifest's files alone
    (``EarlyCheck``'s children), the modified folders still against every file."""
    written = listing.stamp[0]
    names, doubt = listing.names, listing.doubt
    root = str(out) + "/"
    is_dir, is_reg, is_link = stat.S_ISDIR, stat.S_ISREG, stat.S_ISLNK
    top = os.open(out, _DIR_FLAGS)  # names are looked up from it: a shorter walk for the kernel

    def lstat(rel: str) -> os.stat_result:
        return os.lstat(rel, dir_fd=top)

    def refuse(rel: str, what: str) -> None:
        raise UnsafeOutput(
            f"refusing to replace {shown}: {shown.name}/{rel} {what} "
            "(move it away or delete it; to publish a file, put it in static/)"
        )

    # Folders: each once, parents first. True when it is there as newsreel left it, False when
    # missing; the names newsreel put in those modified since the manifest are checked below.
    folders: dict[str, bool] = {"": True}
    modified: list[str] = [""] if os.fstat(top).st_mtime_ns >= written else []

    def look(folder: str) -> bool:
        above = folder.rpartition("/")[0]
        there = folders.get(above)
        if there is None:
            there = look(above)
        if there:
            try:
                info = lstat(folder)
            except FileNotFoundError:
                there = False
            else:
                if is_link(info.st_mode):
                    refuse(folder, "is a symbolic link, which newsreel never makes")
                if not is_dir(info.st_mode):
                    refuse(folder, "is not a folder")
                if info.st_mtime_ns >= written:
                    modified.append(folder)
        folders[folder] = there
        return there

    try:
        for rel in names if part is None else islice(names, *part):
            folder = rel.rpartition("/")[0]
            there = folders.get(folder)
            if there is None:
                there = look(folder)
            if not there:
                doubt(rel)  # its folder is gone
                continue
            try:
                info = os.lstat(rel, dir_fd=top)
            except FileNotFoundError:
                doubt(rel)  # listed, but gone
                continue
            if not is_reg(info.st_mode):
                refuse(
                    rel,
                    "is a symbolic link, which newsreel never makes"
                    if is_link(info.st_mode)
                    else "is not a regular file",
                )
            if info.st_mtime_ns >= written and not _same_bytes(root + rel, listing.digest(rel)):
                doubt(rel)
    finally:
        os.close(top)
    if modified:
        _refuse_strangers(out, modified, names, refuse, early=part is not None)


class _StagingSeen(Exception):
    """The early check met a staging folder in the output: another build's, under way, or one
    a killed build left, which the build removes before its own check."""


def _refuse_strangers(
    out: Path,
    modified: list[str],
    files: Iterable[str],
    refuse: Callable[[str, str], None],
    early: bool = False,
) -> None:
    """List the folders modified since the manifest: an entry newsreel did not put there (a
    file, a link, a folder holding a file) is refused by name. ``early`` (``EarlyCheck``):
    a staging folder at the top (``_generation_folder``) raises ``_StagingSeen``."""
    expected: dict[str, set[str]] = {folder: set() for folder in modified}
    for rel in files:  # (a folder's own entries: the files and folders of the manifest in it)
        folder, _, name = rel.rpartition("/")
        while True:
            names = expected.get(folder)
            if names is not None:
                names.add(name)
            if not folder:
                break
            folder, _, name = folder.rpartition("/")
    for folder in modified:
        names = expected[folder]
        prefix = folder + "/" if folder else ""
        with os.scandir(os.path.join(out, folder)) as listing:
            for entry in sorted(listing, key=lambda e: e.name):
                if entry.name in names:
                    continue
                if early and not folder and _is_staging_name(out, entry.name):
                    raise _StagingSeen
                rel = prefix + entry.name
                if entry.is_symlink():
                    refuse(rel, "is a symbolic link, which newsreel never makes")
                if entry.is_dir(follow_symlinks=False):
                    inner = _first_file(entry.path, rel)
                    if inner is not None:  # (an empty folder holds nothing to lose)
                        refuse(inner, "was not written by newsreel")
                    continue
                refuse(rel, "was not written by newsreel")


def _first_file(folder: str, rel: str) -> str | None:
    """The first file (or link) under a folder newsreel did not make, to name it; None when
    the folder holds only empty folders."""
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        links = [d for d in dirs if os.path.islink(os.path.join(current, d))]
        if files or links:
            inner = os.path.relpath(
                os.path.join(current, sorted(files + links)[0]), folder
            ).replace(os.sep, "/")
            return f"{rel}/{inner}"
    return None


def _same_bytes(path: str, digest: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return hash_bytes(handle.read()) == digest
    except OSError:
        return False


def _staging_folders(output: Path) -> list[Path]:
    prefix = f".{output.name}{_TMP_INFIX}"
    try:
        names = os.listdir(output.parent)
    except OSError:
        return []
    return [output.parent / name for name in sorted(names) if name.startswith(prefix)]


def _generation_folder(holder: Path, output: Path) -> Path:
    """Where a staging folder's new generation is made: in it, unless the output is on another
    file system than the folder holding it (a mount point, which renames cannot reach), then
    inside the output, under the staging folder's name (``_top_entries`` leaves it out)."""
    try:
        if os.stat(output).st_dev != os.stat(holder).st_dev:
            return output / holder.name
    except FileNotFoundError:
        pass
    return holder / GENERATION


def _generation_of(holder: Path, output: Path) -> Path:
    """The new generation a staging folder made (``_generation_folder``), found again."""
    inside = output / holder.name
    try:
        if stat.S_ISDIR(os.lstat(inside).st_mode):
            return inside
    except OSError:
        pass
    return holder / GENERATION


def _is_staging_name(output: Path, name: str) -> bool:
    """Whether ``name`` in the output is named as a staging folder of it (``_generation_folder``)."""
    return name.startswith(f".{output.name}{_TMP_INFIX}")


def _read_owned(path: Path) -> bytes | None:
    """A small regular file's bytes, never through a symbolic link; None if it is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, 1 << 22)
    finally:
        os.close(fd)


def finish_interrupted_commit(output: Path, token: str) -> bool:
    """Complete a journaled commit that a killed build of this output left, and drop its
    uncommitted staging folders. Only folders carrying this output's ``token`` (recorded in
    the build cache, never in the output) are ours: anything else is left alone. True when the
    output or its manifest may have changed."""
    finished = False
    for staging in _staging_folders(output):
        if staging.is_symlink() or not staging.is_dir():
            continue
        owner = _read_owned(staging / OWNER)
        if owner is None or owner.decode("ascii", "replace").strip() != token:
            try:
                staging.rmdir()  # an empty one (killed before it had a token) harms no one
            except OSError:
                pass  # not written by a build of this output: not ours to replay or delete
            continue
        journal = _read_owned(staging / JOURNAL)
        if journal is not None and output.is_dir():
            try:
                plan = json.loads(journal)
                if plan.get("token") == token:
                    finished = True
                    _apply(staging, output, plan["changed"], plan["removed"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError, UnsafeOutput):
                pass
        swap = _read_owned(staging / SWAP)
        if swap is not None:
            # Killed during a swap, or before the new generation's manifest was beside it: the
            # swap is finished, then the manifest follows.
            try:
                plan = json.loads(swap)
                entries = _parse_entries(plan.get("entries"))
                if plan.get("token") == token and entries is not None:
                    finished = True
                    _swap_entries(_generation_of(staging, output), output, entries)
                    if stat.S_ISREG(os.lstat(staging / MANIFEST_NEW).st_mode):
                        os.replace(staging / MANIFEST_NEW, manifest_path(output))
                        _seal(output)
            except (OSError, ValueError, TypeError, AttributeError, UnsafeOutput):
                pass
        _remove_holder(staging, output)
    return finished


def _remove_holder(holder: Path, output: Path) -> None:
    """Delete a staging folder (and its new generation, also when that is inside the output),
    its token last: one killed halfway is still known as ours."""
    inside = output / holder.name
    if inside.is_dir() and not inside.is_symlink():
        shutil.rmtree(inside, ignore_errors=True)
    for name in sorted(os.listdir(holder)) if holder.is_dir() else ():
        if name != OWNER:
            path = holder / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    shutil.rmtree(holder, ignore_errors=True)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Folder:
    """A folder opened once, whose files are reached by name from it: a name with ``..``, and
    a symbolic link on the way, are refused (``openat`` with ``O_NOFOLLOW``), so nothing done
    through it lands outside it.

    The subfolders reached are kept open for the names that follow, the ``OPEN`` used last at
    most (a site has thousands of folders; a process may have 1,024 or 256 files open)."""

    OPEN = 32

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fd = os.open(root, _DIR_FLAGS)
        self._dirs: OrderedDict[str, int] = OrderedDict({"": self.fd})

    def close(self) -> None:
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs = OrderedDict()

    def _keep(self, folder: str, fd: int) -> None:
        """Hold ``folder`` open, closing the one used longest ago beyond ``OPEN`` (never the root)."""
        self._dirs[folder] = fd
        if len(self._dirs) > self.OPEN:
            oldest = next(name for name in self._dirs if name)  # ("": the root)
            os.close(self._dirs.pop(oldest))

    def __enter__(self) -> _Folder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parent(self, rel: str, create: bool) -> tuple[int, str] | None:
        """(fd of the folder holding ``rel``, its last name); None when that folder is missing
        (or, when not creating it, is a file)."""
        if not is_inside_name(rel):
            raise UnsafeOutput(f"refusing to touch {rel!r}: it is not a name inside {self.root}")
        folder, _, name = rel.rpartition("/")
        fd = self._dirs.get(folder)
        if fd is not None:
            self._dirs.move_to_end(folder)
        else:
            above = self.parent(folder, create)
            if above is None:
                return None
            above_fd, last = above
            if create:
                try:
                    os.mkdir(last, 0o777, dir_fd=above_fd)
                except FileExistsError:
                    pass
            try:
                fd = os.open(last, _DIR_FLAGS, dir_fd=above_fd)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno == errno.ENOTDIR and not create:
                    return None  # (a file where a folder was: nothing inside it to find)
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafeOutput(
                        f"refusing to write through {self.root / folder}: it is a symbolic link "
                        "or not a folder (newsreel never makes links; delete it)"
                    ) from None
                raise
            self._keep(folder, fd)
        return fd, name

    def move_in(self, source: Path, rel: str) -> None:
        """Rename ``source`` (a file of ours) to ``rel`` in this folder."""
        fd, name = self.parent(rel, create=True)  # type: ignore[misc]
        os.replace(source, name, dst_dir_fd=fd)

    def link_in(self, source: _Folder, rel: str) -> None:
        """Make ``rel`` here a hard link to the same name in ``source`` (replacing what is there)."""
        src = source.parent(rel, create=False)
        if src is None:
            raise FileNotFoundError(errno.ENOENT, "no such file", str(source.root / rel))
        fd, name = self.parent(rel, create=True)  # type: ignore[misc]
        temporary = f"{name}.newsreel-link"
        try:
            os.unlink(temporary, dir_fd=fd)
        except FileNotFoundError:
            pass
        os.link(src[1], temporary, src_dir_fd=src[0], dst_dir_fd=fd, follow_symlinks=False)
        os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)

    def link_new(self, source: _Folder, rel: str) -> None:
        """Make ``rel``, not here yet, a hard link to the same name in ``source``."""
        src = source.parent(rel, create=False)
        if src is None:
            raise FileNotFoundError(errno.ENOENT, "no such file", str(source.root / rel))
        fd, name = self.parent(rel, create=True)  # type: ignore[misc]
        os.link(src[1], name, src_dir_fd=src[0], dst_dir_fd=fd, follow_symlinks=False)

    def same_file(self, other: _Folder, rel: str) -> bool:
        try:
            here, there = self.parent(rel, create=False), other.parent(rel, create=False)
            if here is None or there is None:
                return False
            a = os.stat(here[1], dir_fd=here[0], follow_symlinks=False)
            b = os.stat(there[1], dir_fd=there[0], follow_symlinks=False)
        except (OSError, UnsafeOutput):
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def remove(self, rels: Iterable[str]) -> None:
        """Delete files (never following a link) and the folders they leave empty. Deepest
        names first: a name removed as a file may here be a folder of other removed files
        (``a/b`` before ``a``); one still holding files is left."""
        for rel in sorted(rels, reverse=True):
            found = self.parent(rel, create=False)
            if found is None:
                continue
            try:
                os.unlink(found[1], dir_fd=found[0])
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                try:
                    os.rmdir(found[1], dir_fd=found[0])
                except OSError:
                    continue  # (not empty: it holds files of the new generation)
            folder = rel.rpartition("/")[0]
            while folder:
                holder = self.parent(folder, create=False)
                if holder is None:
                    break
                try:
                    os.rmdir(holder[1], dir_fd=holder[0])
                except OSError:
                    break
                closed = self._dirs.pop(folder, None)
                if closed is not None:
                    os.close(closed)
                folder = folder.rpartition("/")[0]


def _apply(holder: Path, output: Path, changed: Iterable[str], removed: Iterable[str]) -> None:
    """Move the files staged in ``holder`` into the output and delete removed ones, then put
    the new manifest beside it; safe to repeat. Every name is checked to stay inside the
    output, and no link is followed."""
    staging = _generation_of(holder, output)
    with _Folder(output) as target:
        target.remove(removed)  # (first: a file may take the place of a folder they leave empty)
        for rel in changed:
            if not is_inside_name(rel):
                raise UnsafeOutput(f"refusing to commit {rel!r}: it is not a name inside {output}")
            source = staging / rel
            if not source.exists():
                continue  # already moved by an earlier attempt
            target.move_in(source, rel)
    if (holder / MANIFEST_NEW).exists():
        os.replace(holder / MANIFEST_NEW, manifest_path(output))
        _seal(output)


def _seal(output: Path) -> None:
    """Stamp the output's manifest later than the last change its commit made: the check takes
    a folder modified since the manifest's stamp for one someone else changed (``_verify``),
    and a commit renames files and folders after its manifest was written. The file system's clock
    may tick coarsely (4 ms), and a change in the tick of the stamp counts as after it, so the
    stamp is set again until the clock has ticked past the commit."""
    manifest = manifest_path(output)
    os.utime(manifest)
    commit = os.stat(manifest).st_mtime_ns  # (the commit's tick, or a later one)
    for _ in range(1000):
        time.sleep(0.001)
        os.utime(manifest)
        if os.stat(manifest).st_mtime_ns > commit:
            return


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (a token must not be read by whoever can list it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def output_token(cache_dir: Path, output: Path) -> str:
    """This output's random token, kept in the build cache (created on first use): only a
    staging folder and a journal carrying it are this output's own."""
    key = hash_text(str(output.resolve()), 6)
    path = cache_dir / f"output-{key}.token"
    data = _read_owned(path)
    if data is not None:
        token = data.decode("ascii", "replace").strip()
        if len(token) == 32 and all(c in "0123456789abcdef" for c in token):
            return token
    token = secrets.token_hex(16)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = cache_dir / f".output-{key}.token.{os.getpid()}"
        _write_private(temporary, token.encode("ascii"))
        os.replace(temporary, path)
    except OSError:
        pass
    return token


def _exchange(a_fd: int, b_fd: int, name: str) -> bool:
    """Atomically swap the entries ``name`` of two open folders (Linux renameat2); False where
    that is not available."""
    try:
        # The C library this process already uses (``find_library`` would run ldconfig).
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    encoded = os.fsencode(name)
    if renameat2(a_fd, encoded, b_fd, encoded, _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), name)


def _swap_one(a_fd: int, b_fd: int, name: str) -> None:
    """Swap ``name`` between two open folders: in one step where Linux can, else by three renames."""
    if _exchange(a_fd, b_fd, name):
        return
    aside = name + ".newsreel-old"
    os.rename(name, aside, src_dir_fd=b_fd, dst_dir_fd=a_fd)
    os.rename(name, name, src_dir_fd=a_fd, dst_dir_fd=b_fd)
    os.rename(aside, name, src_dir_fd=a_fd, dst_dir_fd=a_fd)


def _inode_at(folder_fd: int, name: str) -> int | None:
    try:
        return os.lstat(name, dir_fd=folder_fd).st_ino
    except FileNotFoundError:
        return None


Entries = list[tuple[str, int | None]]
"""The top-level names of two generations, each with its inode in the new one (None: only the
output has it), in the order they are swapped."""


def _top_entries(new: Path, output: Path) -> Entries:
    """Every top-level name of the output and of the new generation ``new`` (``Entries``), but
    ``new`` itself: folders first, so that a page's links lead to pages swapped in before it."""
    names: dict[str, tuple[bool, int | None]] = {}
    for folder, is_new in ((output, False), (new, True)):
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.path == str(new):
                    continue  # (made inside a mount point: ``_generation_folder``)
                info = entry.stat(follow_symlinks=False)
                names[entry.name] = (stat.S_ISDIR(info.st_mode), info.st_ino if is_new else None)
    ordered = sorted(names.items(), key=lambda item: (not item[1][0], item[0]))
    return [(name, inode) for name, (_, inode) in ordered]


def _parse_entries(data: object) -> Entries | None:
    """``Entries`` from a swap journal, or None when they are not in that shape."""
    if not isinstance(data, list):
        return None
    entries: Entries = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 2):
            return None
        name, inode = item
        if not (
            isinstance(name, str)
            and name not in ("", ".", "..")
            and "/" not in name
            and "\0" not in name
            and (inode is None or type(inode) is int)
        ):
            return None
        entries.append((name, inode))
    return entries


def _swap_entries(new: Path, output: Path, entries: Entries) -> None:
    """Swap the output's content with the generation in ``new``, entry by entry: each name the
    new generation has is exchanged with the output's or moved in, each it lacks is moved out
    into ``new``, which so ends up holding the generation replaced. An entry already swapped
    (the output's has the new one's inode) is skipped, so this also finishes a swap that a
    killed build began. Should a step fail, those made are undone before the error is raised
    (``CommitLeftHalfway`` when even that fails)."""
    with _Folder(new) as theirs, _Folder(output) as ours:
        done: list[tuple[str, str]] = []
        try:
            for name, inode in entries:
                current = _inode_at(ours.fd, name)
                if inode is None:
                    if current is not None:
                        os.rename(name, name, src_dir_fd=ours.fd, dst_dir_fd=theirs.fd)
                        done.append((name, "out"))
                elif current != inode:
                    if current is None:
                        os.rename(name, name, src_dir_fd=theirs.fd, dst_dir_fd=ours.fd)
                        done.append((name, "in"))
                    else:
                        _swap_one(theirs.fd, ours.fd, name)
                        done.append((name, "swap"))
        except BaseException:
            try:
                for name, how in reversed(done):
                    if how == "out":
                        os.rename(name, name, src_dir_fd=theirs.fd, dst_dir_fd=ours.fd)
                    elif how == "in":
                        os.rename(name, name, src_dir_fd=ours.fd, dst_dir_fd=theirs.fd)
                    else:
                        _swap_one(theirs.fd, ours.fd, name)
            except OSError as exc:
                raise CommitLeftHalfway(exc.errno, exc.strerror, exc.filename) from None
            raise


class CommitLeftHalfway(OSError):
    """A commit failed after its journal and could not be undone: the journal stays for the
    next build to finish it."""


class OutputWriter:
    """Stages a build's new and changed files, then commits them to the output."""

    def __init__(
        self,
        output: Path,
        previous: Manifest | None,
        *,
        token: str = "",
        trust: bool = True,
    ) -> None:
        self.output = output.resolve()
        self.token = token
        """This output's token (``output_token``): written in the staging folder and its journal."""
        self.trust = trust
        """Reuse the previous output's files by key and hash; False (``--no-cache``) writes every file."""
        self.previous = previous or Manifest()
        self.manifest = Manifest()
        self.holder = (
            self.output.parent
            / f".{self.output.name}{_TMP_INFIX}{os.getpid()}-{secrets.token_hex(4)}"
        )
        """The staging folder: the output's token, the journal of a commit, and…"""
        self.staging = self.holder / GENERATION
        """…the files written anew, renamed into the output, or made a whole new generation
        and swapped in (it holds nothing but the site); inside the output when that is a mount
        point (``_generation_folder``)."""
        self._dirs: set[str] = set()
        self.changed: set[str] = set()

    def __enter__(self) -> OutputWriter:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.holder.mkdir(0o700)
        _write_private(self.holder / OWNER, self.token.encode("ascii"))
        self.staging = _generation_folder(self.holder, self.output)
        self.staging.mkdir(0o755)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not any((self.holder / name).exists() for name in (SWAP, JOURNAL)):
            _remove_holder(
                self.holder, self.output
            )  # (else a commit left halfway: kept for the next build)

    def _make_parent(self, root: Path, rel: str) -> None:
        """Make the folder of ``rel`` under ``root`` (``_dirs`` holds each folder made, and
        with it every folder above it)."""
        folder = rel.rpartition("/")[0]
        if not folder or folder in self._dirs:
            return
        above = folder.rpartition("/")[0]
        if not above or above in self._dirs:  # most pages: one new folder in a known one
            try:
                os.mkdir(os.path.join(root, folder))
            except FileExistsError:
                pass
            self._dirs.add(folder)
            return
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        parts = folder.split("/")
        self._dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))

    def carry_over(self) -> None:
        """Keep every file of the previous output unless written again (a build of a few pages)."""
        self.manifest.files.update(self.previous.files)

    def previous_reads(self, rel: str) -> list[str]:
        """The posts the previous output's page read while rendering (``incremental.keys``)."""
        entry = self.previous.files.get(rel)
        return list(entry[2]) if entry is not None else []

    def current_file(self, rel: str) -> Path:
        """Where this build's version of ``rel`` is now: staged when written anew, else the output's."""
        return self.staging / rel if rel in self.changed else self.output / rel

    def may_keep(self, rel: str) -> bool:
        """Whether the previous output has a file ``rel`` this build could keep."""
        return self.trust and rel in self.previous.files

    def keep(self, rel: str, key: str) -> bool:
        """Keep the previous output's file when the page key is the same; False otherwise."""
        entry = self.previous.files.get(rel)
        if not self.trust or entry is None or not key or entry[1] != key:
            return False
        self.manifest.files[rel] = entry
        return True

    def write(
        self, rel: str, data: bytes, key: str = "", reads: Iterable[str] | None = None
    ) -> None:
        """Add a file; bytes identical to the previous output's are not written again."""
        if not is_inside_name(rel):
            raise UnsafeOutput(
                f"refusing to write {rel!r}: it would land outside the output folder "
                "(check permalink in newsreel.yaml: it may not contain '..')"
            )
        digest = hash_bytes(data)
        entry = self.previous.files.get(rel)
        self.manifest.files[rel] = (digest, key, tuple(reads) if reads else ())
        if self.trust and entry is not None and entry[0] == digest:
            return
        self._make_parent(self.staging, rel)
        with open(os.path.join(self.staging, rel), "wb") as handle:
            handle.write(data)
        self.changed.add(rel)

    def commit(self) -> set[str]:
        """Make the output match the manifest; return the files that disappeared."""
        removed = set(self.previous.files) - set(self.manifest.files)
        manifest = manifest_path(self.output)
        staged = self.holder / MANIFEST_NEW
        built = self.output.is_dir() and manifest.is_file()
        if not self.changed and not removed and built:
            # No page changed. If keys did (a template edit that changed no byte), record them,
            # or every later build would render every page again to find the same bytes.
            if self.manifest.files != self.previous.files:
                staged.write_bytes(self.manifest.dump())
                os.replace(staged, manifest)
            return removed
        staged.write_bytes(self.manifest.dump())
        small = len(self.changed) + len(removed) <= max(
            SMALL_COMMIT, len(self.manifest.files) // 10
        )
        if small and built:
            self._commit_in_place(removed)
        elif self.output.is_dir() and not self._output_entries():
            self._fill(self.output)
        elif self.output.exists():
            if self.trust:
                self._link_unchanged()
            self._swap_in(self.staging)
        else:
            # (the manifest first: without the folder it describes, it is never read)
            os.replace(staged, manifest)
            os.rename(self.staging, self.output)
            _seal(self.output)
        return removed

    def _commit_in_place(self, removed: set[str]) -> None:
        """Rename the new files into the output and delete the removed ones, after a journal
        from which the next build finishes the job should this process die meanwhile."""
        plan = {"token": self.token, "changed": sorted(self.changed), "removed": sorted(removed)}
        _write_private(self.holder / f"{JOURNAL}.tmp", json.dumps(plan).encode("utf-8"))
        os.replace(self.holder / f"{JOURNAL}.tmp", self.holder / JOURNAL)  # the commit point
        try:
            _apply(self.holder, self.output, plan["changed"], plan["removed"])
        except OSError as exc:
            raise CommitLeftHalfway(exc.errno, exc.strerror, exc.filename) from None
        os.unlink(self.holder / JOURNAL)

    def _output_entries(self) -> list[str]:
        """The output's top-level names, but for this build's new generation made in it."""
        return [name for name in os.listdir(self.output) if name != self.staging.name]

    def _fill(self, folder: Path) -> None:
        """Move the new generation into an existing empty output folder, which so keeps its
        inode, mode and owner: the manifest first, so that a build killed halfway leaves
        files the next build finds missing (and writes), never files it does not know."""
        os.replace(self.holder / MANIFEST_NEW, manifest_path(self.output))
        for name in sorted(os.listdir(self.staging)):
            os.replace(self.staging / name, folder / name)
        _seal(self.output)

    def _swap_in(self, folder: Path) -> None:
        """Swap the generation in ``folder`` with the output's content, entry by entry
        (``_swap_entries``): the output folder itself stays, with its inode, mode and owner.
        From the journal on, the swap is made: a build killed before the manifest is beside the
        output leaves the journal, from which the next build finishes both
        (``finish_interrupted_commit``). ``folder`` then holds the generation replaced."""
        entries = _top_entries(folder, self.output)
        plan = {"token": self.token, "entries": entries}
        _write_private(self.holder / f"{SWAP}.tmp", json.dumps(plan).encode("utf-8"))
        os.replace(self.holder / f"{SWAP}.tmp", self.holder / SWAP)
        try:
            _swap_entries(folder, self.output, entries)
        except CommitLeftHalfway:
            raise
        except BaseException:
            os.unlink(self.holder / SWAP)  # (undone: the output is the old generation again)
            raise
        os.replace(self.holder / MANIFEST_NEW, manifest_path(self.output))
        _seal(self.output)
        os.unlink(self.holder / SWAP)

    def _link_unchanged(self) -> None:
        """Give the staging folder every unchanged file of the output, as hard links."""
        for rel in self.manifest.files:
            if rel in self.changed:
                continue
            self._make_parent(self.staging, rel)
            try:
                os.link(self.output / rel, self.staging / rel, follow_symlinks=False)
            except OSError:
                shutil.copyfile(self.output / rel, self.staging / rel, follow_symlinks=False)
