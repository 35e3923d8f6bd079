"""newsreel's one hash: BLAKE2b, as hexadecimal text, of a size each use chooses.

Sizes are part of what a hash names: a fingerprinted asset's name (5 bytes), an image
variant's (6), a social card's key (12), the manifest's content hashes (16, the default).
``blake2b`` with another ``digest_size`` is another function, not a prefix of this one, so a
caller keeps its size for its hashes to stay the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DEFAULT_SIZE = 16


def hasher(size: int = DEFAULT_SIZE) -> hashlib.blake2b:
    """A fresh BLAKE2b to ``update`` piece by piece (``hexdigest()`` at the end)."""
    return hashlib.blake2b(digest_size=size)


def hash_bytes(data: bytes, size: int = DEFAULT_SIZE) -> str:
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def hash_text(text: str, size: int = DEFAULT_SIZE) -> str:
    """The hash of ``text`` in UTF-8 (a lone surrogate, as a file name may hold, passed through)."""
    return hash_bytes(text.encode("utf-8", "surrogatepass"), size)


def hash_repr(value: object, size: int = DEFAULT_SIZE) -> str:
    """The hash of plain values (strings, numbers, dates, tuples of them) by their ``repr``."""
    return hash_text(repr(value), size)


def hash_file(path: Path | str, size: int = DEFAULT_SIZE) -> str:
    """The hash of a file's bytes, read a megabyte at a time."""
    digest = hasher(size)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
