"""Slugs and term identity.

``slugify`` makes ASCII, lower-case, hyphenated URL segments (``Amélie`` → ``amelie``,
``Face/Off`` → ``face-off``); ``term_key`` decides when two spellings are one term
(they differ only by case, spacing or Unicode normalisation).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_VALID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@functools.lru_cache(maxsize=65536)
def slugify(name: str) -> str:
    """Transliterate to ASCII, lower-case, and turn every run of other characters into one hyphen.

    A name that transliterates to nothing still gets a stable slug made from its hash.
    """
    if name.isascii():  # (as anyascii leaves it: its tables are loaded only when needed)
        text = name.lower()
    else:
        from anyascii import anyascii

        text = anyascii(unicodedata.normalize("NFC", name)).lower()
    slug = _NOT_ALNUM.sub("-", text).strip("-")
    if slug:
        return slug
    digest = hashlib.sha1(term_key(name).encode("utf-8")).hexdigest()[:8]
    return f"n-{digest}"


@functools.lru_cache(maxsize=65536)
def term_key(name: str) -> str:
    """Identity of a name: compatibility-normalised, case-folded, spaces collapsed.

    Memoised: a big site names the same few thousand people and films many times over.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def short_slug(slug: str, limit: int = 80) -> str:
    """``slug`` cut after a whole word to at most ``limit`` characters (file names have a limit)."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0]
    return cut or slug[:limit]


def is_valid_slug(slug: str) -> bool:
    """True for lower-case ASCII letters and digits joined by single hyphens."""
    return _VALID.fullmatch(slug) is not None
