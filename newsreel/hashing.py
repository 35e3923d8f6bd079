"""newsreel's one hash: XXH3's 128-bit hash (``xxhash``), as hexadecimal text, cut to a size
each use chooses.

Sizes are part of what a hash names: a fingerprinted asset's name (5 bytes), an image
variant's (6), a social card's key (12), the manifest's content hashes (16, the default).

Every hash here but ``mac`` tells whether content changed (an output file, a source, a page's
inputs, an asset for browsers' caches); none stands between an attacker and anything
(nothing hashed is secret, signed or from a stranger), so the hash need not resist forged
collisions, only be 128 bits wide and fast: a cold build hashes its whole output (192 MB
at 4,000 posts) and its sources, which took BLAKE2b 2-3 % of the build's CPU, XXH3 a fiftieth
of that. ``mac`` does stand in an attacker's way (the compiled templates of a cache that
travels, ``codecache``): keyed BLAKE2b, on a few hundred kilobytes a build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import xxhash

DEFAULT_SIZE = 16


class Hasher:
    """A hash fed piece by piece (``update``), read once at the end (``hexdigest``)."""

    def __init__(self, size: int) -> None:
        self._state = xxhash.xxh3_128()
        self._size = size

    def update(self, data: bytes) -> None:
        self._state.update(data)

    def hexdigest(self) -> str:
        return self._state.hexdigest()[: 2 * self._size]


def hasher(size: int = DEFAULT_SIZE) -> Hasher:
    """A fresh hash to ``update`` piece by piece (``hexdigest()`` at the end)."""
    return Hasher(size)


_DIGEST = xxhash.xxh3_128_hexdigest


def hash_bytes(data: bytes, size: int = DEFAULT_SIZE) -> str:
    return _DIGEST(data)[: 2 * size]


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


MAC_SIZE = 32


def mac(key: bytes, data: bytes) -> bytes:
    """A message authentication code of ``data`` under ``key`` (keyed BLAKE2b, 32 bytes):
    only a holder of the key can make one that matches."""
    return hashlib.blake2b(data, key=key, digest_size=MAC_SIZE).digest()
