"""The page plan: which pages a site has, one typed record per kind of page.

A record names one output page (or feed, or calendar) by what it shows, never by its
context: ``TermPage("films", "amelie", 2)``. Records are frozen, hashable and picklable, so
the incremental machinery stores them (``incremental.snapshot``: the pages that hold each
post) and a later build plans just those pages again. ``plan_pages`` lists every page of a
site in output order; ``render.Renderer`` turns each record into a ``PageJob``.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsreel.config import Settings
from newsreel.ical import has_events
from newsreel.model import SiteView


@dataclass(frozen=True)
class Home:
    """``/``, ``/page/N/``: the latest posts."""

    number: int = 1


@dataclass(frozen=True)
class PostPage:
    """One post, by its URL."""

    url: str


@dataclass(frozen=True)
class TermIndex:
    """``/<kind>/``: every term of a kind."""

    kind: str


@dataclass(frozen=True)
class TermPage:
    """``/<kind>/<slug>/``, ``…/page/N/``: a term and its posts."""

    kind: str
    slug: str
    number: int = 1


@dataclass(frozen=True)
class SiteFeed:
    """``/feed.xml``."""


@dataclass(frozen=True)
class TermFeed:
    """``/<kind>/<slug>/feed.xml``, for a kind declared with ``feed``."""

    kind: str
    slug: str


@dataclass(frozen=True)
class ReleaseCalendar:
    """``/releases/``: the release dates of the kind declared with ``releases``."""

    kind: str


@dataclass(frozen=True)
class Ical:
    """``/releases.ics`` (``slug`` empty) or ``/<kind>/<slug>/releases.ics``."""

    kind: str
    slug: str = ""


@dataclass(frozen=True)
class SearchPage:
    """``/search/``."""


@dataclass(frozen=True)
class RedirectPage:
    """An ``aka``'s old URL, pointing to its term."""

    url: str


@dataclass(frozen=True)
class NotFound:
    """``/404.html``."""


@dataclass(frozen=True)
class Robots:
    """``/robots.txt``."""


@dataclass(frozen=True)
class Sitemap:
    """``/sitemap.xml``: every other page."""


Page = (
    Home
    | PostPage
    | TermIndex
    | TermPage
    | SiteFeed
    | TermFeed
    | ReleaseCalendar
    | Ical
    | SearchPage
    | RedirectPage
    | NotFound
    | Robots
    | Sitemap
)


def page_count(count: int, per_page: int) -> int:
    """How many pages a listing of ``count`` posts takes (an empty listing still has one)."""
    return max(1, -(-count // per_page))


def has_index(site: SiteView, kind: str, nav: str) -> bool:
    """A kind's index page exists while it is always in the navigation or has terms."""
    return nav == "always" or site.has_terms(kind)


def plan_pages(site: SiteView, settings: Settings) -> list[Page]:
    """Every page of ``site`` but the sitemap (which lists the others), in output order."""
    per_page = settings.per_page
    pages: list[Page] = [Home(n) for n in range(1, page_count(len(site.posts), per_page) + 1)]
    pages += [PostPage(post.url) for post in site.posts]
    for tax in settings.taxonomies:
        if not has_index(site, tax.name, tax.nav):
            continue
        pages.append(TermIndex(tax.name))
        pages += [
            TermPage(tax.name, term.slug, n)
            for term in site.terms(tax.name)
            for n in range(1, page_count(len(term.posts), per_page) + 1)
        ]
    pages.append(SiteFeed())
    pages += [
        TermFeed(tax.name, term.slug)
        for tax in settings.taxonomies
        if tax.feed
        for term in site.terms(tax.name)
    ]
    works = [tax for tax in settings.taxonomies if tax.releases]
    pages += [ReleaseCalendar(tax.name) for tax in works]
    if settings.search:
        pages.append(SearchPage())
    for tax in works:
        dated = [term for term in site.terms(tax.name) if has_events(term)]
        if dated:
            pages.append(Ical(tax.name))
            pages += [Ical(tax.name, term.slug) for term in dated]
    pages += [RedirectPage(redirect.url) for redirect in site.redirects]
    pages += [NotFound(), Robots()]
    return pages
