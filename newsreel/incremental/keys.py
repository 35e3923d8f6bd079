"""Page keys: the one place where the key of a page is made.

A page's key is a digest of everything its templates can read, made by construction rather
than listed by hand:

* the **plan key** (``plan_key``): newsreel's code, the settings, the static files' names,
  every template file, the navigation — what every page can read;
* the page's URL and template;
* the **whole digest of its context** (``Digests.context``): every value the renderer puts in
  the page's context, walked to the end. A post counts with every field it has, a term with
  every field but the contents of the posts it names (their sources, in order, are part of it:
  its posts, and the posts its release history names);
* the posts the page **read** through a ``model.PostList`` while it rendered (``recording``),
  each with its whole digest — as Lektor records the dependencies of an artifact. A page that
  shows ``term.posts[0].title`` or ``report.post.title`` is so rebuilt when that post changes.

Before rendering, a page is kept when its context key and the digests of the posts it read
last time give the key recorded in the output's manifest (``final_key``).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from newsreel.hashing import hash_bytes, hash_repr, hash_text, hasher
from newsreel.layout import walk_files
from newsreel.model import READS, Post, PostList, Term
from newsreel.pages import Page

Unit = Page
"""Names one page: a frozen record of ``pages.py`` (``TermPage("films", "amelie", 2)``), hashable
and picklable, so the snapshot keeps the pages that hold each post."""

_PLAIN = (str, int, float, bool, type(None), datetime, date, Markup)
_PLAIN_TYPES = frozenset(_PLAIN)
_SHARED_LENGTH = 16
"""A tuple this long counts by its digest, made once however many pages hold the same object (a
list of every term); a shorter one is walked where it is met (most are a page's own)."""
_POST_FIELDS = tuple(f.name for f in dataclasses.fields(Post))
"""Every field of a post, each part of its digest (``Digests.post``)."""


def digest(*parts: object) -> str:
    """Hash of plain values (strings, numbers, tuples of them) by their ``repr``."""
    return hash_repr(parts)


class Derived:
    """A context value computed only when the page renders, from the page's other values
    (and the settings) alone: it is not walked for the key, its inputs are."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __call__(self) -> Any:
        return self.make()


@dataclasses.dataclass(frozen=True)
class Known:
    """Digests an earlier patch of the same full build made, for a patch to take instead of
    making them again: a post's by its source, valid while the source's bytes hash to what
    they did (``sources``: each source's hash now); a term's by "kind/slug" (a patch never
    changes a term: its fields come from the snapshot, and the posts it names count by source).
    """

    posts: Mapping[str, tuple[str, str]]
    """Source → (hash of its bytes, whole digest of its post)."""
    terms: Mapping[str, tuple[str, tuple[str, ...]]]
    """"kind/slug" → (digest, posts it shows)."""
    sources: Mapping[str, str]


class Digests:
    """Whole digests of the model objects in page contexts, each made once per build."""

    def __init__(self, known: Known | None = None) -> None:
        self._posts: dict[str, tuple[Post, str]] = {}
        self._terms: dict[int, tuple[Term, str, tuple[str, ...]]] = {}
        self._shared: dict[int, tuple[Any, object, tuple[str, ...]]] = {}
        self._records: dict[type, tuple[str, ...] | None] = {}
        self._known = known

    def post(self, post: Post) -> str:
        """Every field of the post (its text, front matter, URL, links to its terms)."""
        known = self._posts.get(post.source)
        if known is not None and known[0] is post:
            return known[1]
        earlier = self._known.posts.get(post.source) if self._known is not None else None
        if earlier is not None and earlier[0] == post.digest:
            value = earlier[1]
        else:  # the body by its hash, not written out in a repr: 47 us a post, not 87
            value = hash_text(
                repr(
                    tuple(
                        hash_bytes(v) if type(v) is bytes else v
                        for v in map(post.__getattribute__, _POST_FIELDS)
                    )
                )
            )
        self._posts[post.source] = (post, value)
        return value

    def post_of(self, source: str, make: Callable[[str], Post]) -> str:
        """``post`` of the post of ``source``, made by ``make`` only when no earlier patch
        digested it as its bytes are now."""
        if self._known is not None:
            earlier = self._known.posts.get(source)
            if earlier is not None and earlier[0] == self._known.sources.get(source):
                return earlier[1]
        return self.post(make(source))

    def made(self) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, tuple[str, ...]]]]:
        """The digests this build made or took, as ``Known.posts`` and ``Known.terms``."""
        posts = {source: (post.digest, value) for source, (post, value) in self._posts.items()}
        terms = {f"{t.kind}/{t.slug}": (value, shows) for t, value, shows in self._terms.values()}
        return posts, terms

    def term(self, term: Term) -> tuple[str, tuple[str, ...]]:
        """Every field of the term, its posts by source; and the posts its history shows."""
        known = self._terms.get(id(term))
        if known is not None and known[0] is term:
            return known[1], known[2]
        earlier = (
            self._known.terms.get(f"{term.kind}/{term.slug}") if self._known is not None else None
        )
        if earlier is not None:
            self._terms[id(term)] = (term, earlier[0], earlier[1])
            return earlier
        parts: list[object] = [type(term).__name__]
        found: dict[str, None] = {}
        for f in dataclasses.fields(term):
            value = getattr(term, f.name)
            if isinstance(value, PostList):
                parts.append((f.name, value.sources))
            else:  # (its histories name their posts by ``PostList`` too: sources only)
                parts.append((f.name, self._walk(value, found)))
        shows = list(found)
        value_digest = digest(*parts)
        self._terms[id(term)] = (term, value_digest, tuple(shows))
        return value_digest, tuple(shows)

    def context(self, values: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """The digest of a page's context (``Derived`` values aside) and the sources of the
        posts it holds."""
        parts: list[object] = []
        shows: dict[str, None] = {}
        for name in sorted(values):
            value = values[name]
            if not isinstance(value, Derived):
                parts.append((name, self._walk(value, shows)))
        return digest(*parts), tuple(shows)

    def _walk(self, value: Any, shows: dict[str, None]) -> object:
        # By exact type first: a page's key walks some fifty values, most of them strings.
        kind = type(value)
        if kind in _PLAIN_TYPES:
            return value
        if kind is tuple:
            if len(value) < _SHARED_LENGTH:
                return tuple([self._walk(v, shows) for v in value])
            return self._once(value, shows)
        names = self._records.get(kind, ())
        if names == ():
            names = self._records[kind] = _record_fields(kind)
        if names is not None:
            return self._once(value, shows)
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, Post):
            shows[value.source] = None
            return ("Post", self.post(value))
        if isinstance(value, Term):
            value_digest, history = self.term(value)
            shows.update(dict.fromkeys(history))
            return ("Term", value_digest)
        if isinstance(value, PostList):  # its posts count as a page reads them (``recording``)
            return ("PostList", value.sources)
        if isinstance(value, Mapping):
            return tuple(sorted((repr(k), self._walk(v, shows)) for k, v in value.items()))
        if isinstance(value, (tuple, list)):
            return tuple([self._walk(v, shows) for v in value])
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._fields(value, shows)
        raise TypeError(
            f"page keys cannot digest a {type(value).__name__} in a page's context "
            "(wrap a value computed from the others in keys.Derived)"
        )

    def _fields(self, value: Any, shows: dict[str, None]) -> tuple[object, ...]:
        names = self._records.get(type(value)) or [f.name for f in dataclasses.fields(value)]
        return (type(value).__name__,) + tuple(
            [self._walk(getattr(value, name), shows) for name in names]
        )

    def _once(self, value: Any, shows: dict[str, None]) -> object:
        """The digest of a tuple or a frozen record and the posts it holds, walked once per
        object: a value many pages share (a site's navigation, a kind's declaration, a list of
        every term) is walked once, not on each page, which would cost pages × its size."""
        known = self._shared.get(id(value))
        if known is None or known[0] is not value:
            held: dict[str, None] = {}
            if type(value) is tuple:
                walked: object = ("Tuple", digest(tuple([self._walk(v, held) for v in value])))
            else:
                walked = (type(value).__name__, digest(self._fields(value, held)))
            known = self._shared[id(value)] = (value, walked, tuple(held))
        if known[2]:
            shows.update(dict.fromkeys(known[2]))
        return known[1]


def _record_fields(kind: type) -> tuple[str, ...] | None:
    """The field names of a frozen record type walked field by field, else None (posts and
    terms have digests of their own)."""
    if (
        dataclasses.is_dataclass(kind)
        and kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
        and not issubclass(kind, (Post, Term, PostList))
    ):
        return tuple(f.name for f in dataclasses.fields(kind))
    return None


@contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the sources of the posts read through ``PostList`` inside the block."""
    reads: set[str] = set()
    token = READS.set(reads)
    try:
        yield reads
    finally:
        READS.reset(token)


def final_key(context_key: str, reads: Iterable[str], post_digest: Callable[[str], str]) -> str:
    """The key recorded for a page: its context key and the digests of the posts it read.

    ``post_digest`` raises ``LookupError`` for a post that is gone (the page is then rendered)."""
    sources = sorted(reads)
    if not sources:
        return context_key
    return digest(context_key, [(source, post_digest(source)) for source in sources])


def plan_key(
    code: str,
    settings: object,
    preview: bool,
    assets: Mapping[str, str],
    templates: str,
    nav: object,
    pictures: str = "",
) -> str:
    """What every page can read besides its context (``pictures``: the image catalog's digest,
    which names every picture variant a page may link)."""
    return digest(code, settings, preview, sorted(assets.items()), templates, nav, pictures)


def page_key(plan: str, url: str, template: str, context_key: str) -> str:
    return digest(plan, url, template, context_key)


def templates_digest(folders: Iterable[Path]) -> str:
    """Hash of every template file, so that any template edit changes every page key."""
    hashed = hasher()
    for index, folder in enumerate(folders):
        for full in walk_files(folder):  # (through linked folders, as the loader reads them)
            hashed.update(
                f"{index}:{os.path.relpath(full, folder)}".encode("utf-8", "surrogateescape")
            )
            try:
                fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                hashed.update(b"\0unreadable")
                continue
            with os.fdopen(fd, "rb") as handle:  # a named pipe is never read: no hang
                hashed.update(handle.read() if stat.S_ISREG(os.fstat(fd).st_mode) else b"\0special")
    return hashed.hexdigest()
