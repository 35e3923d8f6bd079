"""Write a build to disk safely: a fresh sibling folder, swapped in whole.

The output folder is refused when it is the site folder, one of its parents, ``content/``,
``templates/``, ``static/``, or holds a ``.git`` or files newsreel did not write. A build
is written into ``.<name>.newsreel-tmp-<pid>`` beside the output; files whose bytes did
not change are hard-linked from the previous output instead of written again; then the
two folders are exchanged atomically (``renameat2(RENAME_EXCHANGE)`` where Linux has it)
and the old one is removed. A build that fails or is killed leaves the old output whole.
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

from newsreel.errors import UnsafeOutput

MANIFEST = ".newsreel-manifest.json"
"""Inside the output: every file newsreel wrote, with its hash and the key that produced it."""
_TMP_INFIX = ".newsreel-tmp-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Manifest:
    """What an output folder holds: file → (content hash, page key)."""

    files: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, output: Path) -> "Manifest | None":
        try:
            data = json.loads((output / MANIFEST).read_text("utf-8"))
            return cls({name: (entry[0], entry[1]) for name, entry in data["files"].items()})
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def dump(self) -> bytes:
        files = {name: list(self.files[name]) for name in sorted(self.files)}
        return json.dumps({"generator": "newsreel", "files": files}, separators=(",", ":")).encode("utf-8")


def _is_within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def check_output(site_dir: Path, output: Path) -> Manifest | None:
    """Refuse a dangerous output folder; return the manifest of the build already there."""
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
    if not out.exists():
        return None
    if not out.is_dir():
        raise UnsafeOutput(f"refusing to write the site to {output}: it is a file (choose a folder such as site/)")
    if (out / ".git").exists():
        raise UnsafeOutput(f"refusing to write the site to {output}: it holds a .git repository (choose another folder)")
    manifest = Manifest.read(out)
    entries = os.listdir(out)
    if not entries:
        return None
    if manifest is None:
        raise UnsafeOutput(f"refusing to replace {output}: it holds files newsreel did not write "
                           "(move them away, or choose an empty or new output folder)")
    stray = _stray_files(out, manifest)
    if stray:
        raise UnsafeOutput(f"refusing to replace {output}: {stray} was not written by newsreel "
                           "(move it into static/ to publish it, or delete it)")
    return manifest


def _stray_files(out: Path, manifest: Manifest) -> str | None:
    """The first file in ``out`` that the manifest does not list, if any."""
    for current, dirs, files in os.walk(out):
        dirs.sort()
        rel_dir = os.path.relpath(current, out)
        for name in sorted(files):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if rel != MANIFEST and rel not in manifest.files:
                return rel
    return None


def remove_stale_temps(output: Path) -> None:
    """Remove temporary folders left beside the output by builds that were killed."""
    parent = output.resolve().parent
    prefix = f".{output.resolve().name}{_TMP_INFIX}"
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            pid = int(name[len(prefix):])
            if pid != os.getpid() and not _alive(pid):
                shutil.rmtree(parent / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    """Collects a build's files in a fresh folder, then swaps it in whole."""

    def __init__(self, output: Path, previous: Manifest | None) -> None:
        self.output = output.resolve()
        self.previous = previous or Manifest()
        self.manifest = Manifest()
        self.tmp = self.output.parent / f".{self.output.name}{_TMP_INFIX}{os.getpid()}"
        self._dirs: set[str] = set()
        self.changed: set[str] = set()

    def __enter__(self) -> "OutputWriter":
        remove_stale_temps(self.output)
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.tmp.exists():
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _parent(self, rel: str) -> None:
        folder = rel.rpartition("/")[0]
        if folder and folder not in self._dirs:
            (self.tmp / folder).mkdir(parents=True, exist_ok=True)
            parts = folder.split("/")
            self._dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))

    def keep(self, rel: str, key: str) -> bool:
        """Reuse the previous output's file for ``rel`` when its key matches; False otherwise."""
        entry = self.previous.files.get(rel)
        if entry is None or entry[1] != key or not key:
            return False
        return self._link_previous(rel, entry[0], key)

    def _link_previous(self, rel: str, digest: str, key: str) -> bool:
        self._parent(rel)
        try:
            os.link(self.output / rel, self.tmp / rel)
        except OSError:
            try:
                shutil.copyfile(self.output / rel, self.tmp / rel)
            except OSError:
                return False
        self.manifest.files[rel] = (digest, key)
        return True

    def write(self, rel: str, data: bytes, key: str = "") -> None:
        """Add a file; identical bytes to the previous output's are linked, not rewritten."""
        digest = content_hash(data)
        entry = self.previous.files.get(rel)
        if entry is not None and entry[0] == digest and self._link_previous(rel, digest, key):
            return
        self._parent(rel)
        with open(self.tmp / rel, "wb") as handle:
            handle.write(data)
        self.manifest.files[rel] = (digest, key)
        self.changed.add(rel)

    def commit(self) -> set[str]:
        """Swap the new folder in; return the files that disappeared."""
        (self.tmp / MANIFEST).write_bytes(self.manifest.dump())
        removed = set(self.previous.files) - set(self.manifest.files)
        if self.output.exists():
            if not _exchange(self.tmp, self.output):
                old = self.output.parent / f".{self.output.name}.newsreel-old-{os.getpid()}"
                os.rename(self.output, old)
                os.rename(self.tmp, self.output)
                os.rename(old, self.tmp)
        else:
            os.rename(self.tmp, self.output)
        return removed
