"""Compiled templates kept on disk, and loaded only when this machine wrote them.

Jinja's own ``FileSystemBytecodeCache`` loads whatever file it finds under the template's
name: a ``pickle`` (the source's checksum), then ``marshal``-ed code that it runs. The build
cache travels (CI restores it from an archive), so a file planted there would run as
newsreel. Here each file carries a MAC keyed with this boot of this machine (Linux's
``boot_id``, random at every boot and never inside the cache) and this user: a file made
on another machine, or tampered with, fails the check and the template is compiled again
(a cache copied to another folder of this machine is still used). Where no such key exists,
no compiled template is written or read.
"""

from __future__ import annotations

import hmac
import marshal
import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache

from newsreel.hashing import MAC_SIZE, mac

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
"""A random UUID the Linux kernel makes at each boot, readable only on this machine."""
HEADER = b"newsreel-code-1\0" + sys.implementation.cache_tag.encode() + b"\0"
"""What a file holds after its MAC: marshal's format changes with the Python."""
SUFFIX = ".code"


def _boot_id() -> bytes | None:
    try:
        boot = BOOT_ID.read_bytes().strip()
    except OSError:
        return None
    return boot if len(boot) >= 16 else None


def available() -> bool:
    """Whether compiled templates can be kept on disk here (the system gives a boot id)."""
    return _boot_id() is not None


def machine_key() -> bytes | None:
    """The MAC key for compiled templates: this boot's ``boot_id`` and the user; None where
    the system gives no boot id."""
    boot = _boot_id()
    if boot is None:
        return None
    uid = getattr(os, "getuid", lambda: -1)()
    return mac(b"newsreel templates", boot + b"\0" + str(uid).encode())


class SignedBytecodeCache(BytecodeCache):
    """Compiled templates in ``directory``, each file signed with ``key``."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = str(directory)
        self._key = key

    @classmethod
    def for_folder(cls, directory: Path) -> SignedBytecodeCache | None:
        """The cache for ``directory``, or None where this system gives no key."""
        key = machine_key()
        return None if key is None else cls(directory, key)

    def seal(self, payload: bytes) -> bytes:
        """``payload`` behind its MAC, as written to this folder."""
        return mac(self._key, payload) + payload

    def opened(self, data: bytes) -> bytes | None:
        """The payload of ``data`` written by ``seal`` with this key, else None."""
        payload = data[MAC_SIZE:]
        return payload if hmac.compare_digest(self.seal(payload), data) else None

    def read(self, name: str) -> bytes | None:
        """The payload of this folder's file ``name``, if it is there and sealed here."""
        try:
            with open(os.path.join(self.directory, name), "rb") as handle:
                return self.opened(handle.read())
        except OSError:
            return None

    def write(self, name: str, payload: bytes) -> None:
        """Seal ``payload`` into this folder's file ``name``, by rename (a reader never sees
        half a file); a folder that cannot be written only means working it out again."""
        try:
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=name, suffix=".tmp")
        except OSError:
            return
        replaced = False
        try:
            with open(fd, "wb") as handle:
                handle.write(self.seal(payload))
            os.replace(temporary, os.path.join(self.directory, name))
            replaced = True
        except OSError:
            pass
        finally:
            if not replaced:
                with suppress(OSError):
                    os.remove(temporary)

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from its file when the MAC, the Python and the source's checksum
        all match; otherwise leave it empty, to be compiled (a file that fails the MAC is
        never unmarshalled)."""
        payload = self.read(bucket.key + SUFFIX)
        if payload is None or not payload.startswith(HEADER):
            return
        checksum, sep, code = payload[len(HEADER) :].partition(b"\0")
        if not sep or checksum != bucket.checksum.encode():
            return
        try:
            bucket.code = marshal.loads(code)
        except (EOFError, ValueError, TypeError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Write ``bucket``'s code, signed."""
        if bucket.code is not None:
            checksum = bucket.checksum.encode()
            self.write(bucket.key + SUFFIX, HEADER + checksum + b"\0" + marshal.dumps(bucket.code))

    def clear(self) -> None:
        """Remove every compiled template of this folder."""
        for name in os.listdir(self.directory):
            if name.endswith(SUFFIX):
                with suppress(OSError):
                    os.remove(os.path.join(self.directory, name))
