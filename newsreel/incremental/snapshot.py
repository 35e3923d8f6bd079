"""The last build's model and pages, kept so that the next build can patch them.

A full build ends by taking a ``Snapshot``: each post's URL, term links and *shape*
(``post_shape``: its source but its text), every term with the sources of its posts, and
which pages hold or read each post (``keys``). When the only inputs changed since are posts whose shape is the same — the text
was edited, not the title, date or cast — a build needs neither every source nor the whole
plan: ``StoredSite`` restores from the snapshot and the source cache just the posts and terms
the affected pages show, and the renderer plans those pages alone. Anything else (a new,
renamed or deleted post, another title or date, a template or settings change) is rebuilt
from every source, which then takes a new snapshot.

Everything here is stored as named tuples of plain values (``PostRecord``, ``StoredTerm``
and what they hold): they load in a few milliseconds where the model's objects would take a
large part of a second at 10,000 posts, and each field is read by its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from markupsafe import Markup

from newsreel.errors import Problem
from newsreel.incremental.keys import Unit
from newsreel.incremental.store import BuildState, Stamp
from newsreel.loader import PostSource
from newsreel.model import (
    Headline,
    Post,
    PostList,
    Redirect,
    Release,
    ReleaseReport,
    Site,
    Term,
    TermRef,
    YearReport,
)
from newsreel.taxonomy import LoadedPost, make_post

TEXT_FIELDS = frozenset({"body", "body_line", "digest", "summary"})
"""The fields of a ``PostSource`` that reach no page but the post's own ones (and those that
hold or read the post: ``keys``). The model is made from the others."""


def post_shape(src: PostSource) -> tuple[object, ...]:
    """Everything of a post's source but its text: what the model of the whole site is made
    of. Two versions with one shape differ only on the pages that hold or read the post.
    (A field added to ``PostSource`` is part of the shape until it is listed as text.)"""
    return tuple((f.name, getattr(src, f.name)) for f in fields(src) if f.name not in TEXT_FIELDS)


class StoredRef(NamedTuple):
    """A ``model.TermRef``'s fields, in its order (``TermRef(*ref)`` makes it again)."""

    kind: str
    name: str
    url: str
    as_written: str
    release_year: int | None
    release_dates: tuple[Any, ...]
    written_year: int | None
    year: int | None


class PostLink(NamedTuple):
    """A built post's URL and, kind by kind, its links to terms."""

    url: str
    links: tuple[tuple[str, tuple[StoredRef, ...]], ...]


class PostRecord(NamedTuple):
    """What the snapshot keeps of one post read without error."""

    shape: tuple[object, ...]
    """``post_shape`` of its source."""
    link: PostLink | None
    """None when it was not built (a draft, a future post)."""
    pages: tuple[Unit, ...]
    """The pages that hold or read it."""


class StoredRelease(NamedTuple):
    """A ``model.Release`` with the sources of the posts that reported it."""

    region: str | None
    date: Any
    sequence: int
    previous: tuple[Any, ...]
    reported_by: tuple[str, ...]
    changed: datetime | None
    cancelled: bool


class StoredTerm(NamedTuple):
    """A ``model.Term``'s fields, its posts (and those of its histories) by source."""

    kind: str
    name: str
    slug: str
    url: str
    posts: tuple[str, ...]
    aka: tuple[str, ...]
    source: str | None
    html: str
    image: str | None
    image_alt: str | None
    release_year: int | None
    year_history: tuple[tuple[int, str], ...]
    """(year, source of the post that reported it)."""
    extra: dict[str, Any]
    releases: tuple[StoredRelease, ...]
    release_history: tuple[tuple[str | None, Any, Any], ...]
    """(source of the post or None, year, dates) of each ``ReleaseReport``."""
    latest: Headline | None


@dataclass(frozen=True)
class Snapshot:
    """What a full build made, for the next build to patch.

    ``posts`` and ``terms`` are dicts in memory; read back from the build cache they are
    mappings that fetch one row as it is asked for (``cache.StoredRows``).
    """

    scope: str
    """``build.Inputs.scope`` of that build: settings, options, templates, newsreel's code."""
    plan_key: str
    """The key every page key was made with (``Renderer.begin``)."""
    assets: tuple[tuple[str, str], ...]
    """Static file → its name in the output."""
    stamps: dict[str, Stamp | None]
    """Every source file (posts and term pages) → its stamp when read."""
    order: tuple[str, ...]
    """Sources of the built posts, newest first."""
    urls: tuple[str, ...]
    """Their URLs, in the same order."""
    term_slugs: dict[str, tuple[str, ...]]
    """Taxonomy → the slugs of its terms, in order."""
    redirects: tuple[Redirect, ...]
    valid_until: datetime | None
    """The first unpublished future post's date: from then on the site is another."""
    warnings: tuple[Problem, ...]
    notes: tuple[Problem, ...]
    posts: Mapping[str, PostRecord]
    """Every post read without error (built or a draft) → its record."""
    terms: Mapping[str, StoredTerm]
    """"kind/slug" → the term."""
    manifest: tuple[int, ...] | None = None
    """Stamp of the output's manifest after that build: another build since means no patching."""
    valid_from: datetime | None = None
    """That build's "now": the site of an earlier moment may be another (``NEWSREEL_NOW``)."""
    digests: Mapping[str, str] = field(default_factory=dict)
    """Every source → the hash of its bytes: a source whose stamp changed but whose bytes did
    not (a fresh checkout with the cache restored, a ``touch``) is not an edit."""
    left_out: tuple[int, int] = (0, 0)
    """Drafts and future posts read but not built (a patch changes neither)."""
    pictures: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Source → the images of ``static/`` it names (``media.named``): the pictures processed."""
    post_keys: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """The whole digests of posts that the patches since made (``keys.Known.posts``)."""
    term_keys: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """The digests of terms that the patches since made (``keys.Known.terms``)."""


def _ref(ref: TermRef) -> StoredRef:
    return StoredRef(
        ref.kind,
        ref.name,
        ref.url,
        ref.as_written,
        ref.release_year,
        ref.release_dates,
        ref.written_year,
        ref.year,
    )


def _stored_release(release: Release) -> StoredRelease:
    return StoredRelease(
        release.region,
        release.date,
        release.sequence,
        release.previous,
        release.reported_by.sources,
        release.changed,
        release.cancelled,
    )


def take_snapshot(
    *,
    scope: str,
    plan_key: str,
    assets: dict[str, str],
    stamps: dict[str, Stamp | None],
    digests: Mapping[str, str],
    posts: Sequence[LoadedPost],
    site: Site,
    pages: Iterable[tuple[Unit, Iterable[str]]],
    valid_until: datetime | None,
    valid_from: datetime | None,
    warnings: Sequence[Problem],
    notes: Sequence[Problem],
    left_out: tuple[int, int] = (0, 0),
    pictures: Mapping[str, tuple[str, ...]] | None = None,
) -> Snapshot:
    """The snapshot of a full build of ``site`` from ``posts`` into ``pages``: each page's
    unit with the sources of the posts it holds or read."""
    pages_of: dict[str, list[Unit]] = {}
    for unit, sources in pages:
        for source in sources:
            pages_of.setdefault(source, []).append(unit)
    built = {post.source: post for post in site.posts}
    records: dict[str, PostRecord] = {}
    for loaded in posts:
        rel = loaded.source.source
        post = built.get(rel)
        link = (
            None
            if post is None
            else PostLink(
                post.url, tuple((kind, tuple(map(_ref, refs))) for kind, refs in post.links)
            )
        )
        records[rel] = PostRecord(
            post_shape(loaded.source),
            link,
            tuple(pages_of.get(rel, ())) if post else (),
        )
    terms = {
        f"{kind}/{t.slug}": StoredTerm(
            t.kind,
            t.name,
            t.slug,
            t.url,
            tuple(p.source for p in t.posts),
            t.aka,
            t.source,
            str.__str__(t.html),
            t.image,
            t.image_alt,
            t.release_year,
            tuple((r.year, r.reporter.sources[0]) for r in t.year_history),
            dict(t.extra),
            tuple(map(_stored_release, t.releases)),
            tuple(
                (r.reporter.sources[0] if r.reporter else None, r.year, r.dates)
                for r in t.release_history
            ),
            t.latest,
        )
        for kind in site.taxonomies
        for t in site.terms(kind)
    }
    return Snapshot(
        scope=scope,
        plan_key=plan_key,
        assets=tuple(sorted(assets.items())),
        stamps=stamps,
        order=tuple(post.source for post in site.posts),
        urls=tuple(post.url for post in site.posts),
        term_slugs={kind: tuple(t.slug for t in site.terms(kind)) for kind in site.taxonomies},
        redirects=tuple(site.redirects),
        valid_until=valid_until,
        warnings=tuple(warnings),
        notes=tuple(notes),
        posts=records,
        terms=terms,
        valid_from=valid_from,
        digests=dict(digests),
        left_out=left_out,
        pictures=dict(pictures or {}),
    )


def reported_only(
    warnings: Sequence[Problem], notes: Sequence[Problem], left_out: tuple[int, int]
) -> Snapshot:
    """A snapshot of what a build reports and nothing else, for a build without a cache
    (``--no-cache``): no later build patches it, so its pages and posts are not recorded."""
    return Snapshot(
        scope="",
        plan_key="",
        assets=(),
        stamps={},
        order=(),
        urls=(),
        term_slugs={},
        redirects=(),
        valid_until=None,
        warnings=tuple(warnings),
        notes=tuple(notes),
        posts={},
        terms={},
        left_out=left_out,
    )


class StoredSite:
    """The last build's site with some posts' text replaced: a ``model.SiteView`` that makes
    posts and terms from the snapshot and the source cache as the renderer reads them."""

    def __init__(self, snapshot: Snapshot, state: BuildState, now: datetime) -> None:
        self.snapshot = snapshot
        self.state = state
        self.now = now
        self._posts: dict[str, Post] = {}
        self._terms: dict[tuple[str, str], Term] = {}
        self._indexes: dict[str, int] | None = None
        self.posts = PostList(snapshot.order, self.post)
        self.redirects = snapshot.redirects

    def post(self, source: str) -> Post:
        post = self._posts.get(source)
        if post is None:
            entry = self.state.entry(source)
            if entry is None or entry.result is None:
                raise LookupError(f"the build cache has no result for {source}")
            record, body = entry.result
            if not isinstance(record, PostSource):
                raise LookupError(f"the build cache holds no post for {source}")
            link = self.snapshot.posts[source].link
            if link is None:
                raise LookupError(f"{source} was not built by the last build")
            post = self._posts[source] = make_post(
                record,
                body,
                link.url,
                tuple((kind, tuple(TermRef(*r) for r in refs)) for kind, refs in link.links),
                self.now,
            )
        return post

    def terms(self, kind: str) -> tuple[Term, ...]:
        return tuple(self.term(kind, slug) for slug in self.snapshot.term_slugs.get(kind, ()))

    def has_terms(self, kind: str) -> bool:
        return bool(self.snapshot.term_slugs.get(kind))

    def term(self, kind: str, slug: str) -> Term:
        term = self._terms.get((kind, slug))
        if term is None:
            stored = self.snapshot.terms[f"{kind}/{slug}"]
            term = self._terms[(kind, slug)] = Term(
                kind=stored.kind,
                name=stored.name,
                slug=stored.slug,
                url=stored.url,
                posts=PostList(stored.posts, self.post),
                aka=stored.aka,
                source=stored.source,
                html=Markup(stored.html),
                image=stored.image,
                image_alt=stored.image_alt,
                release_year=stored.release_year,
                year_history=tuple(
                    YearReport(year, PostList((rel,), self.post))
                    for year, rel in stored.year_history
                ),
                extra=stored.extra,
                releases=tuple(
                    Release(
                        r.region,
                        r.date,
                        r.sequence,
                        r.previous,
                        PostList(r.reported_by, self.post),
                        r.changed,
                        r.cancelled,
                    )
                    for r in stored.releases
                ),
                release_history=tuple(
                    ReleaseReport(PostList((rel,) if rel else (), self.post), year, dates)
                    for rel, year, dates in stored.release_history
                ),
                latest=stored.latest,
            )
        return term

    def post_index(self, url: str) -> int:
        if self._indexes is None:
            self._indexes = {post_url: index for index, post_url in enumerate(self.snapshot.urls)}
        return self._indexes[url]
