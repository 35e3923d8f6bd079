"""The site model: what the loader produced, linked into posts and terms.

These are frozen dataclasses, built once per build by ``taxonomy.build_site`` and
read by the renderer and templates. URLs here are *site paths* ("/posts/x/"): the
renderer's ``url`` filter prefixes them with ``base_url``'s path.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, overload

from markupsafe import Markup

if TYPE_CHECKING:  # pragma: no cover
    from newsreel.tweets import Tweet
    from newsreel.video import Video

WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class ReleaseDate:
    """A release date as written: a day, and the region it is for."""

    date: dt.date
    region: str | None = None
    """ISO 3166-1 alpha-2 code ("US"), or None when the date names no region."""

    @property
    def region_name(self) -> str:
        from newsreel.regions import region_name

        return region_name(self.region)


@dataclass(frozen=True)
class TermRef:
    """A link from a post to one of its terms (a film, an actor, a tag)."""

    kind: str
    """The declared kind's name (``Taxonomy.name``)."""
    name: str
    """The term's canonical name (its page's name, else the first spelling seen)."""
    url: str
    """Site path of the term's page."""
    as_written: str
    """The name exactly as this post wrote it (may be an ``aka``)."""
    release_year: int | None = None
    """For films: the year this post reported (release dates slip), or its release date's year."""
    release_dates: tuple[ReleaseDate, ...] = ()
    """For films: the release dates this post reported, if any."""
    written_year: int | None = None
    """For films: ``release_year`` exactly as the post wrote it (None when it gave only dates)."""
    year: int | None = None
    """For films: the film's *current* release year (its page's, else the newest report's),
    what cards, lists and JSON-LD show."""


@dataclass(frozen=True)
class Post:
    """One post, ready to render."""

    memo_whole: ClassVar[bool] = True
    """A fragment that reads a post's fields is keyed by the post itself (``fragments``): it
    is frozen, and a build holds one object per post."""

    source: str
    """Source file relative to the site folder, e.g. ``content/posts/x.md``."""
    digest: str
    """Hash of the source bytes; identifies this version of the post."""
    slug: str
    url: str
    title: str
    date: datetime
    """Publication time, timezone-aware."""
    updated: datetime | None
    summary: str
    """Plain-text summary: front matter ``summary`` or the start of the body."""
    html_utf8: bytes
    """The rendered Markdown body, UTF-8 encoded (``html`` decodes it; see ``RenderedBody``)."""
    words: int
    links: tuple[tuple[str, tuple[TermRef, ...]], ...]
    """Each declared kind of term (in declared order) with the post's links to its terms."""
    tweets: tuple[Tweet, ...]
    image: str | None
    image_alt: str | None
    draft: bool = False
    future: bool = False
    """True when the date is after the build time (only built with ``--future``)."""
    image_focus: tuple[float, float] = (0.5, 0.5)
    """Where the picture's subject is (fractions from the left and the top), kept in crops."""
    trailer: Video | None = None

    @property
    def html(self) -> Markup:
        """The rendered Markdown body."""
        return Markup(self.html_utf8.decode())

    @property
    def reading_minutes(self) -> int:
        """Minutes a reader needs, at least one."""
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))

    @property
    def terms(self) -> tuple[TermRef, ...]:
        """Every link to a term, kind after kind."""
        return tuple(ref for _, refs in self.links for ref in refs)

    def refs(self, kind: str) -> tuple[TermRef, ...]:
        """The post's links to terms of ``kind`` (none when the kind is not declared)."""
        for name, refs in self.links:
            if name == kind:
                return refs
        return ()

    def __getattr__(self, name: str) -> tuple[TermRef, ...]:
        """``post.<kind>`` in templates: the links to terms of a declared kind."""
        links: tuple[tuple[str, tuple[TermRef, ...]], ...] | None = (
            self.__dict__.get("links") if not name.startswith("__") else None
        )
        if links is not None:
            for kind, refs in links:
                if kind == name:
                    return refs
        raise AttributeError(name)


READS: ContextVar[set[str] | None] = ContextVar("newsreel_reads", default=None)
"""The sources of the posts read through a ``PostList`` while a page renders (see
``incremental.keys.recording``): a page's key covers them, as Lektor records dependencies."""


class PostList(Sequence[Post]):
    """A term's posts, newest first: known by their sources, each made when first read.

    Reading a post (by index, slice or iteration) notes its source in ``READS`` while a page
    renders; its length and sources are part of the term itself."""

    def __init__(self, sources: Sequence[str], post: Callable[[str], Post]) -> None:
        self.sources = tuple(sources)
        self._post = post

    @classmethod
    def of(cls, posts: Sequence[Post]) -> PostList:
        by_source = {p.source: p for p in posts}
        return cls([p.source for p in posts], by_source.__getitem__)

    def _read(self, source: str) -> Post:
        reads = READS.get()
        if reads is not None:
            reads.add(source)
        return self._post(source)

    def __len__(self) -> int:
        return len(self.sources)

    @overload
    def __getitem__(self, index: int) -> Post: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Post, ...]: ...

    def __getitem__(self, index: int | slice) -> Post | tuple[Post, ...]:
        if isinstance(index, slice):
            return tuple(map(self._read, self.sources[index]))
        return self._read(self.sources[index])

    def __iter__(self) -> Iterator[Post]:
        return map(self._read, self.sources)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostList) and other.sources == self.sources

    def __hash__(self) -> int:
        return hash(self.sources)

    def __repr__(self) -> str:
        return f"PostList({self.sources!r})"


@dataclass(frozen=True)
class YearReport:
    """A release year as one post reported it."""

    year: int
    reporter: PostList
    """That post, read as ``post`` (and so noted like a term's posts)."""

    @property
    def post(self) -> Post:
        return self.reporter[0]


@dataclass(frozen=True)
class Release:
    """A film's release in one region, as the latest report has it (``releases.fold``)."""

    region: str | None
    """ISO 3166-1 alpha-2 code, or None for a date that names no region."""
    date: dt.date
    """The date reported last (for a cancelled release: the date that no longer holds)."""
    sequence: int
    """How many times this release changed: its ``SEQUENCE`` in the .ics files."""
    previous: tuple[dt.date, ...]
    """Dates reported earlier for this region, oldest first (the slips)."""
    reported_by: PostList
    """The posts that reported ``date``, oldest first (empty when only the film page gives it)."""
    changed: datetime | None
    """When it last changed: the date of the post that reported it (None: the film page)."""
    cancelled: bool = False
    """The film moved to a release year without a date for this region."""

    @property
    def region_name(self) -> str:
        from newsreel.regions import region_name

        return region_name(self.region)


@dataclass(frozen=True)
class ReleaseReport:
    """A report that changed a film's release: a post's (or the film page's) year and dates."""

    reporter: PostList
    """The post that made it, read as ``post``; empty for the film page's own
    ``release_year``/``release_date``."""
    year: int | None
    dates: tuple[ReleaseDate, ...]

    @property
    def post(self) -> Post | None:
        return self.reporter[0] if self.reporter else None


class Headline(NamedTuple):
    """What an index shows of a term's newest post: its title, address and date."""

    title: str
    url: str
    date: datetime

    @classmethod
    def of(cls, post: Post) -> Headline:
        return cls(post.title, post.url, post.date)


@dataclass(frozen=True)
class Term:
    """A term of a declared kind, with the posts that name it (newest first)."""

    kind: str
    """The declared kind's name (``Taxonomy.name``)."""
    name: str
    slug: str
    url: str
    posts: PostList
    """Newest first; reading them while a page renders is recorded (``PostList``)."""
    aka: tuple[str, ...] = ()
    """Other names that land here (working titles, other spellings)."""
    source: str | None = None
    """Its own page file (``content/films/x.md``), if it has one."""
    html: Markup = Markup("")
    """Synopsis (films) or bio (actors) from its own page."""
    image: str | None = None
    """Poster (films) or photo (actors)."""
    image_alt: str | None = None
    release_year: int | None = None
    """Films: the film page's ``release_year``, else the newest post's report."""
    year_history: tuple[YearReport, ...] = ()
    """Films: each change of reported release year, oldest first."""
    releases: tuple[Release, ...] = ()
    """Films: the dated release in each region (cancelled ones included), by date."""
    release_history: tuple[ReleaseReport, ...] = ()
    """Films: each report that changed the release year or a date, oldest first."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Other fields of its own page (``director`` for films)."""
    latest: Headline | None = None
    """Its newest post's headline. An index of terms that shows it reads no post: an edit
    of a post's text (which keeps its title and date) leaves the index as it is."""

    @property
    def title(self) -> str:
        return self.name


@dataclass(frozen=True)
class Redirect:
    """An old URL (a working title's term page) that now points elsewhere."""

    url: str
    target: str
    reason: str


class SiteView(Protocol):
    """What the renderer reads: a ``Site`` built from every source, or one restored from the
    last build's snapshot that loads only the posts and terms a page needs."""

    @property
    def posts(self) -> Sequence[Post]:
        """Newest first."""

    @property
    def redirects(self) -> Sequence[Redirect]: ...

    def terms(self, kind: str) -> Sequence[Term]:
        """Every term of a taxonomy, sorted by name."""

    def term(self, kind: str, slug: str) -> Term: ...

    def has_terms(self, kind: str) -> bool: ...

    def post_index(self, url: str) -> int:
        """Where the post at ``url`` is in ``posts``."""

    def post(self, source: str) -> Post:
        """The built post read from ``source``."""


@dataclass(frozen=True)
class Site:
    """Everything a build renders."""

    posts: tuple[Post, ...]
    """Newest first."""
    taxonomies: Mapping[str, tuple[Term, ...]]
    """Each declared kind's name → its terms sorted by name."""
    redirects: tuple[Redirect, ...] = ()

    def terms(self, kind: str) -> tuple[Term, ...]:
        return self.taxonomies.get(kind, ())

    def has_terms(self, kind: str) -> bool:
        return bool(self.taxonomies.get(kind))

    def term(self, kind: str, slug: str) -> Term:
        return self._terms_by_slug[(kind, slug)]

    def post_index(self, url: str) -> int:
        return self._post_indexes[url]

    def post(self, source: str) -> Post:
        return self._posts_by_source[source]

    @functools.cached_property
    def _posts_by_source(self) -> dict[str, Post]:
        return {post.source: post for post in self.posts}

    @functools.cached_property
    def _terms_by_slug(self) -> dict[tuple[str, str], Term]:
        return {
            (kind, term.slug): term for kind, terms in self.taxonomies.items() for term in terms
        }

    @functools.cached_property
    def _post_indexes(self) -> dict[str, int]:
        return {post.url: index for index, post in enumerate(self.posts)}


@dataclass(frozen=True)
class Upcoming:
    """A film in the front page's "coming soon": its next release date, or only its year."""

    work: Term
    date: dt.date | None
    """Its first release on or after the build's day (any region); None when only the year is known."""
    year: int


@dataclass(frozen=True)
class FrontPage:
    """The sections of the home page's first page, for templates that want a front page."""

    lead: Post | None
    """The newest post: the largest story, with its image."""
    secondary: tuple[Post, ...]
    """The next few, in a row under the lead."""
    more: tuple[Post, ...]
    """The rest of the page's posts, as a dense list."""
    coming_soon: tuple[Upcoming, ...]
    """Films released from the build's day on (or known only by a year not yet over), soonest first."""
    most_covered: tuple[Term, ...]
    """Films with the most posts (two at least), most first."""


SECONDARY_STORIES = 3
SECTION_SIZE = 5


def coming_soon(
    works: Sequence[Term], today: dt.date, limit: int = SECTION_SIZE
) -> tuple[Upcoming, ...]:
    """Films whose next release is on or after ``today``, and films known only by a year that
    is not over (as the release calendar lists them), soonest first, then by name."""
    found = []
    for work in works:
        dated = [r for r in work.releases if not r.cancelled]
        ahead = [r.date for r in dated if r.date >= today]
        if ahead:
            found.append(Upcoming(work, min(ahead), min(ahead).year))
        elif not dated and work.release_year is not None and work.release_year >= today.year:
            found.append(Upcoming(work, None, work.release_year))

    def order(item: Upcoming) -> tuple[object, ...]:
        when = item.date or dt.date(item.year, 12, 31)
        return (when, item.date is None, item.work.name.casefold(), item.work.slug)

    return tuple(sorted(found, key=order)[:limit])


def most_covered(works: Sequence[Term], limit: int = SECTION_SIZE) -> tuple[Term, ...]:
    """The films with the most posts (two at least), most first, then by name."""
    covered = [work for work in works if len(work.posts) >= 2]
    covered.sort(key=lambda work: (-len(work.posts), work.name.casefold(), work.slug))
    return tuple(covered[:limit])


def front_page(posts: Sequence[Post], works: Sequence[Term], today: dt.date) -> FrontPage:
    """Split the first page's ``posts`` into lead, row and list, and add the film sections."""
    page = tuple(posts)
    split = 1 + SECONDARY_STORIES
    return FrontPage(
        lead=page[0] if page else None,
        secondary=page[1:split],
        more=page[split:],
        coming_soon=coming_soon(works, today),
        most_covered=most_covered(works),
    )
