"""Write a build to disk safely, touching only what changed.

The output folder is refused when it is the site folder, one of its parents, ``content/``,
``templates/``, ``static/``, or holds a ``.git`` or files newsreel did not write (its
manifest, ``.newsreel-manifest.json``, lists every file it wrote, with the content hash and
the page key that produced it).

New and changed files are first written to a staging folder beside the output
(``.<name>.newsreel-tmp-<pid>``); the output is not touched until every page rendered.
Then one of two commits:

* **swap** (``build``): a complete new generation is exchanged with the output in one atomic
  ``renameat2(RENAME_EXCHANGE)`` (two renames where Linux lacks it), so a build killed at
  any moment leaves the old site whole. The generation it replaces is kept in the build
  cache as the *spare*: the next build brings the spare up to date — only the files that
  differ, unchanged ones shared with the live site as hard links — and swaps it in. A
  one-post edit so costs a few renames, not a copy of the site. Without a usable spare
  (the first build, ``--no-cache``, a cache on another disk) the unchanged files are
  hard-linked into the staging folder instead.
* **in place** (``serve``'s own preview folder, few files changed): a ``COMMIT`` journal is
  written in the staging folder, then the files are renamed into place and removed pages
  deleted. Should the process die during those renames, the next build finishes them.

A build that fails leaves the output as it was, and a build that changes nothing writes
nothing at all.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from newsreel.errors import UnsafeOutput

MANIFEST = ".newsreel-manifest.json"
JOURNAL = "COMMIT"
_TMP_INFIX = ".newsreel-tmp-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
SPARE_NOTE = ".behind"
"""Suffix of the file beside the spare generation that says how it differs from the output."""
SMALL_COMMIT = 500
"""At most this many changed files (or a tenth of the site) are renamed in place."""


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def is_inside_name(rel: str) -> bool:
    """True for a relative file name that stays inside its folder: no ``..``, no empty or absolute parts."""
    if not rel or rel[0] == "/" or "\\" in rel or "\x00" in rel:
        return False
    wrapped = f"/{rel}/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


@dataclass
class Manifest:
    """What an output folder holds: file → [content hash, page key] or, for a page that read
    posts through a term while rendering, [content hash, page key, [their sources]]."""

    files: dict[str, list] = field(default_factory=dict)

    @classmethod
    def read(cls, output: Path) -> "Manifest | None":
        try:
            files = json.loads((output / MANIFEST).read_bytes())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # A manifest naming files outside the output, or not in newsreel's shape, is not ours to trust.
        if not isinstance(files, dict) or not all(map(is_inside_name, files)):
            return None
        if not all(type(entry) is list and len(entry) in (2, 3) and all(type(v) is str for v in entry[:2])
                   and (len(entry) == 2 or (type(entry[2]) is list and all(type(v) is str for v in entry[2])))
                   for entry in files.values()):
            return None
        return cls(files)

    def dump(self) -> bytes:
        files = {name: self.files[name] for name in sorted(self.files)}
        return json.dumps({"generator": "newsreel", "files": files}, separators=(",", ":")).encode("utf-8")


def manifest_stamp(output: Path) -> tuple[int, int] | None:
    """(mtime, size) of the output's manifest: another build since changes it."""
    try:
        info = (output / MANIFEST).stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def spare_folder(cache_dir: Path, output: Path) -> Path:
    """Where the output's previous generation is kept between builds, in the build cache.

    One spare is kept: those of other output folders are removed.
    """
    key = hashlib.blake2b(str(output.resolve()).encode("utf-8"), digest_size=6).hexdigest()
    spare = cache_dir / f"spare-{key}"
    for other in cache_dir.glob("spare-*"):
        if other.name in (spare.name, spare.name + SPARE_NOTE):  # the spare and the writer's note on it
            continue
        if other.is_dir() and not other.is_symlink():
            shutil.rmtree(other, ignore_errors=True)
        else:
            other.unlink(missing_ok=True)
    return spare


def _is_within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def check_output(site_dir: Path, output: Path, *, finish: bool = True) -> Manifest | None:
    """Refuse a dangerous output folder; return the manifest of the build already there.

    ``finish=False`` only looks (a first check before the build lock is taken); otherwise a
    commit that a killed build left is finished first."""
    site = site_dir.resolve()
    out = output.resolve()
    reasons = []
    if _is_within(site, out):
        reasons.append("it is the site folder or one of its parents")
    for name in ("content", "templates", "static"):
        if _is_within(out, site / name):
            reasons.append(f"it is inside {name}/, which holds your sources")
    if out == Path(out.anchor) or out == Path.home().resolve():
        reasons.append("it is the root or home folder")
    if reasons:
        raise UnsafeOutput(f"refusing to write the site to {output}: {reasons[0]} (choose an empty folder such as site/)")
    if finish:
        finish_interrupted_commit(out)
    if not out.exists():
        return None
    if not out.is_dir():
        raise UnsafeOutput(f"refusing to write the site to {output}: it is a file (choose a folder such as site/)")
    if (out / ".git").exists():
        raise UnsafeOutput(f"refusing to write the site to {output}: it holds a .git repository (choose another folder)")
    entries = os.listdir(out)
    if not entries:
        return None
    manifest = Manifest.read(out)
    if manifest is None:
        raise UnsafeOutput(f"refusing to replace {output}: it holds files newsreel did not write "
                           "(move them away, or choose an empty or new output folder)")
    ours = {name.split("/", 1)[0] for name in manifest.files} | {MANIFEST}
    stray = sorted(set(entries) - ours)
    if stray:
        raise UnsafeOutput(f"refusing to replace {output}: {stray[0]} was not written by newsreel "
                           "(move it into static/ to publish it, or delete it)")
    return manifest


def _staging_folders(output: Path) -> list[Path]:
    prefix = f".{output.name}{_TMP_INFIX}"
    try:
        names = os.listdir(output.parent)
    except OSError:
        return []
    return [output.parent / name for name in sorted(names)
            if name.startswith(prefix) and name[len(prefix):].isdigit()]


def finish_interrupted_commit(output: Path) -> None:
    """Complete a journaled commit that a killed build left; drop uncommitted staging folders."""
    for staging in _staging_folders(output):
        pid = int(staging.name.rsplit("-", 1)[1])
        if pid != os.getpid() and _alive(pid):
            continue  # another build is running right now
        journal = staging / JOURNAL
        if journal.is_file() and output.is_dir():
            try:
                plan = json.loads(journal.read_text("utf-8"))
                _apply(staging, output, plan["changed"], plan["removed"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _apply(staging: Path, output: Path, changed: list[str], removed: list[str]) -> None:
    """Move staged files into the output and delete removed ones; safe to repeat."""
    made: set[str] = set()
    for rel in changed:
        source = staging / rel
        if not source.exists():
            continue  # already moved by an earlier attempt
        folder = rel.rpartition("/")[0]
        if folder and folder not in made:
            (output / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        os.replace(source, output / rel)
    _remove_files(output, removed)
    if (staging / MANIFEST).exists():
        os.replace(staging / MANIFEST, output / MANIFEST)


def _remove_files(root: Path, names: Iterable[str]) -> None:
    """Delete files under ``root`` and the folders they leave empty."""
    for rel in names:
        try:
            (root / rel).unlink()
        except FileNotFoundError:
            pass
        folder = (root / rel).parent
        while folder != root:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2); False where that is not available."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


class OutputWriter:
    """Stages a build's new and changed files, then commits them to the output."""

    def __init__(self, output: Path, previous: Manifest | None, *, in_place: bool = False,
                 spare: Path | None = None) -> None:
        self.output = output.resolve()
        self.in_place = in_place
        """Allow the journaled in-place commit (``serve``'s own folder); ``build`` always swaps."""
        self.spare = spare
        """Where the generation before the live one is kept (in the build cache), if anywhere."""
        self.previous = previous or Manifest()
        self.manifest = Manifest()
        self.staging = self.output.parent / f".{self.output.name}{_TMP_INFIX}{os.getpid()}"
        self._dirs: set[str] = set()
        self.changed: set[str] = set()

    def __enter__(self) -> "OutputWriter":
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    def _make_parent(self, root: Path, rel: str) -> None:
        folder = rel.rpartition("/")[0]
        if folder and folder not in self._dirs:
            (root / folder).mkdir(parents=True, exist_ok=True)
            parts = folder.split("/")
            self._dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))

    def carry_over(self) -> None:
        """Keep every file of the previous output unless written again (a build of a few pages)."""
        self.manifest.files.update(self.previous.files)

    def previous_reads(self, rel: str) -> list[str]:
        """The posts the previous output's page read while rendering (``incremental.keys``)."""
        entry = self.previous.files.get(rel)
        return list(entry[2]) if entry is not None and len(entry) > 2 else []

    def current_file(self, rel: str) -> Path:
        """Where this build's version of ``rel`` is now: staged when written anew, else the output's."""
        return self.staging / rel if rel in self.changed else self.output / rel

    def keep(self, rel: str, key: str) -> bool:
        """Keep the previous output's file when the page key is the same; False otherwise."""
        entry = self.previous.files.get(rel)
        if entry is None or not key or entry[1] != key:
            return False
        self.manifest.files[rel] = entry
        return True

    def write(self, rel: str, data: bytes, key: str = "", reads: list[str] | None = None) -> None:
        """Add a file; bytes identical to the previous output's are not written again."""
        if not is_inside_name(rel):
            raise UnsafeOutput(f"refusing to write {rel!r}: it would land outside the output folder "
                               "(check permalink in newsreel.yaml: it may not contain '..')")
        digest = content_hash(data)
        entry = self.previous.files.get(rel)
        self.manifest.files[rel] = [digest, key, reads] if reads else [digest, key]
        if entry is not None and entry[0] == digest:
            return
        self._make_parent(self.staging, rel)
        with open(self.staging / rel, "wb") as handle:
            handle.write(data)
        self.changed.add(rel)

    def commit(self) -> set[str]:
        """Make the output match the manifest; return the files that disappeared."""
        removed = set(self.previous.files) - set(self.manifest.files)
        if not self.changed and not removed and self.output.is_dir() and (self.output / MANIFEST).is_file():
            # No page changed. If keys did (a template edit that changed no byte), record them,
            # or every later build would render every page again to find the same bytes.
            if self.manifest.files != self.previous.files:
                (self.staging / MANIFEST).write_bytes(self.manifest.dump())
                os.replace(self.staging / MANIFEST, self.output / MANIFEST)
            return removed
        (self.staging / MANIFEST).write_bytes(self.manifest.dump())
        small = len(self.changed) + len(removed) <= max(SMALL_COMMIT, len(self.manifest.files) // 10)
        if self.in_place and small and self.output.is_dir() and (self.output / MANIFEST).is_file():
            plan = {"changed": sorted(self.changed), "removed": sorted(removed)}
            journal = self.staging / f"{JOURNAL}.tmp"
            journal.write_text(json.dumps(plan), "utf-8")
            os.replace(journal, self.staging / JOURNAL)  # the commit point
            _apply(self.staging, self.output, plan["changed"], plan["removed"])
            return removed
        if self.spare is not None and self.output.is_dir() and self._update_spare(self.spare, removed):
            self._swap_in(self.spare)  # the spare path now holds the generation just replaced
            self._note_behind(removed)
            return removed
        self._link_unchanged()
        if self.output.exists():
            self._swap_in(self.staging)
            if self._keep_as_spare(self.staging):
                self._note_behind(removed)
        else:
            os.rename(self.staging, self.output)
        return removed

    def _swap_in(self, folder: Path) -> None:
        """Exchange ``folder`` and the output: atomically where Linux can, else by two renames."""
        if not _exchange(folder, self.output):
            old = self.output.parent / f".{self.output.name}.newsreel-old-{os.getpid()}"
            os.rename(self.output, old)
            os.rename(folder, self.output)
            os.rename(old, folder)

    def _behind_file(self) -> Path:
        assert self.spare is not None
        return self.spare.with_name(self.spare.name + SPARE_NOTE)

    def _note_behind(self, removed: set[str]) -> None:
        """Record how the spare (the generation just replaced) differs from the new output, so
        the next build brings it up to date without reading the spare's own manifest."""
        try:
            live = os.stat(self.output / MANIFEST)
            record = {"live": [live.st_mtime_ns, live.st_size, live.st_ino],
                      "changed": sorted(self.changed), "removed": sorted(removed)}
            self._behind_file().write_text(json.dumps(record), "utf-8")
        except OSError:
            pass  # the next build compares the manifests instead

    def _spare_differs(self, spare: Path, removed: set[str]) -> set[str] | None:
        """Files that may differ between the spare and this build, or None when the spare cannot
        be brought up to date (missing, on another disk, its manifest gone)."""
        try:
            if not spare.is_dir() or os.stat(spare).st_dev != os.stat(self.output).st_dev:
                return None
        except OSError:
            return None
        behind = self._behind_file()
        try:
            record = json.loads(behind.read_bytes())
            behind.unlink()  # from here on, the spare is being changed
            live = os.stat(self.output / MANIFEST)
            if (record["live"] == [live.st_mtime_ns, live.st_size, live.st_ino] and (spare / MANIFEST).is_file()
                    and all(map(is_inside_name, record["changed"] + record["removed"]))):
                return set(record["changed"]) | set(record["removed"]) | self.changed | removed
        except (OSError, ValueError, KeyError, TypeError):
            pass
        have = Manifest.read(spare)
        if have is None:
            return None
        files = self.manifest.files
        return ({rel for rel, entry in files.items() if (have.files.get(rel) or ("",))[0] != entry[0]}
                | (set(have.files) - set(files)))

    def _update_spare(self, spare: Path, removed: set[str]) -> bool:
        """Make the spare generation equal to this build, touching only the files that differ.

        The spare shares unchanged files with the live output as hard links, so files are
        never rewritten in place: each is replaced by a rename. Its manifest is removed
        first and written last, so a spare left half-updated is never trusted again.
        """
        differ = self._spare_differs(spare, removed)
        if differ is None:
            if spare.exists():
                shutil.rmtree(spare, ignore_errors=True)
            return False
        os.unlink(spare / MANIFEST)
        made: set[str] = set()
        files = self.manifest.files
        for rel in sorted(differ):
            if rel not in files:
                continue
            folder = rel.rpartition("/")[0]
            if folder and folder not in made:
                (spare / folder).mkdir(parents=True, exist_ok=True)
                made.add(folder)
            if rel in self.changed:
                os.replace(self.staging / rel, spare / rel)
            elif not _same_file(self.output / rel, spare / rel):
                # (renaming a hard link over another link to the same file does nothing at all)
                temporary = spare / f"{rel}.newsreel-link"
                os.link(self.output / rel, temporary)
                os.replace(temporary, spare / rel)
        _remove_files(spare, {rel for rel in differ if rel not in files})
        os.replace(self.staging / MANIFEST, spare / MANIFEST)
        return True

    def _keep_as_spare(self, old: Path) -> bool:
        """Keep the generation just replaced as the spare for the next build, or delete it."""
        if self.spare is None:
            shutil.rmtree(old, ignore_errors=True)
            return False
        try:
            if self.spare.exists():
                shutil.rmtree(self.spare)
            self.spare.parent.mkdir(parents=True, exist_ok=True)
            os.rename(old, self.spare)
        except OSError:
            shutil.rmtree(old, ignore_errors=True)
            return False
        return True

    def _link_unchanged(self) -> None:
        """Give the staging folder every unchanged file of the output, as hard links."""
        for rel in self.manifest.files:
            if rel in self.changed:
                continue
            self._make_parent(self.staging, rel)
            try:
                os.link(self.output / rel, self.staging / rel)
            except OSError:
                shutil.copyfile(self.output / rel, self.staging / rel)
