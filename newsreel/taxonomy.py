"""Link loaded posts and pages into the site model: posts, terms of every kind, redirects.

One engine serves every declared taxonomy (``taxonomies.Taxonomy``). Names that differ only
by case, spacing or Unicode form are one term; a term page's ``aka`` names land on its term
and their old URLs become redirects; two different names that would share a URL are an
error naming both files, never a silent merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsreel.errors import Problem, error
from newsreel.layout import CONFIG
from newsreel.loader import Mention, PageSource, PostSource
from newsreel.markdown import RenderedBody
from newsreel.model import (
    Headline,
    Post,
    PostList,
    Redirect,
    Release,
    ReleaseDate,
    ReleaseReport,
    Site,
    Term,
    TermRef,
    YearReport,
)
from newsreel.releases import fold, year_of
from newsreel.slugs import slugify, term_key
from newsreel.taxonomies import Taxonomy
from newsreel.urls import Urls


@dataclass
class _Draft:
    """A term while the index is being built (mutable only inside ``index_terms``)."""

    tax: Taxonomy
    name: str
    slug: str
    first_source: str
    first_line: int | None
    page: PageSource | None = None
    page_body: RenderedBody | None = None
    aka: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadedPost:
    """A post's source with its rendered body, as the loader and Markdown produced them."""

    source: PostSource
    body: RenderedBody


@dataclass(frozen=True)
class LoadedPage:
    source: PageSource
    body: RenderedBody


def _register(
    registry: dict[str, _Draft],
    key: str,
    draft: _Draft,
    where: tuple[str, int | None],
    problems: list[Problem],
) -> None:
    existing = registry.get(key)
    if existing is None:
        registry[key] = draft
    elif existing is not draft:
        path, line = where
        problems.append(
            error(
                path,
                line,
                f"{draft.tax.label.lower()} {draft.name!r} is also named by {existing.first_source}",
                "keep the name in one page, as its title or one aka",
            )
        )


def _index_kind(
    tax: Taxonomy, pages: Sequence[LoadedPage], posts: Sequence[PostSource], problems: list[Problem]
) -> dict[str, _Draft]:
    """Map every name key of one taxonomy to its term draft."""
    registry: dict[str, _Draft] = {}
    for loaded in pages:
        page = loaded.source
        draft = _Draft(
            tax, page.name, slugify(page.name), page.source, page.name_line, page, loaded.body
        )
        _register(registry, term_key(page.name), draft, (page.source, page.name_line), problems)
        for alias in page.aka:
            if term_key(alias.name) != term_key(page.name):
                draft.aka.append(alias.name)
                _register(
                    registry, term_key(alias.name), draft, (page.source, alias.line), problems
                )
    for post in posts:  # oldest first: a term's name is its first spelling
        for mention in post.mentioned(tax.name):
            key = term_key(mention.name)
            if key not in registry:
                registry[key] = _Draft(
                    tax, mention.name, slugify(mention.name), post.source, mention.line
                )
    return registry


def _check_slugs(drafts: Iterable[_Draft], problems: list[Problem]) -> None:
    by_slug: dict[str, _Draft] = {}
    for draft in drafts:
        other = by_slug.setdefault(draft.slug, draft)
        if other is not draft:
            tax = draft.tax
            problems.append(
                error(
                    draft.first_source,
                    draft.first_line,
                    f"{tax.label.lower()} {draft.name!r} and {other.name!r} ({other.first_source}) "
                    f"would both be written to /{tax.name}/{draft.slug}/",
                    "use one spelling everywhere"
                    if not tax.pages
                    else "use one spelling everywhere, or add the other as an aka in a page in content/"
                    + tax.name
                    + "/",
                )
            )


def _check_post_urls(
    posts: Sequence[Post], sources: Mapping[str, PostSource], problems: list[Problem]
) -> None:
    by_url: dict[str, Post] = {}
    for post in posts:
        other = by_url.setdefault(post.url, post)
        if other is not post:
            # Blame the post whose slug was written by hand, else the one read second.
            blamed, kept = (other, post) if sources[other.source].slug_line else (post, other)
            problems.append(
                error(
                    blamed.source,
                    sources[blamed.source].slug_line or 1,
                    f"this post and {kept.source} would both be written to {post.url}",
                    "give one of them another slug: in its front matter, or rename its file",
                )
            )


def _release(
    tax: Taxonomy, url: str, posts: Sequence[Post], page: PageSource | None
) -> tuple[int | None, tuple[YearReport, ...], tuple[Release, ...], tuple[ReleaseReport, ...]]:
    """A work's release year, the history of years its posts reported, its dated releases and
    every report that changed them (oldest first; its own page has the last word)."""
    reports: list[tuple[Post | None, int | None, tuple[ReleaseDate, ...]]] = []
    for post in reversed(posts):  # oldest first
        for ref in post.refs(tax.name):
            if ref.url == url:
                if ref.release_year is not None or ref.release_dates:
                    reports.append((post, ref.written_year, ref.release_dates))
                break
    if page is not None and (page.release_year is not None or page.release_dates):
        reports.append((None, page.release_year, page.release_dates))
    folded = fold(reports)
    return folded.year, folded.years, folded.releases, folded.history


def _current_years(
    tax: Taxonomy, registry: Mapping[str, _Draft], kept: Sequence[LoadedPost]
) -> dict[int, int | None]:
    """Each work's draft (by id) → its current release year, folded from the sources as
    ``_release`` folds the built posts (a post's first mention of a work is its report; its
    own page has the last word), so that every post's link to a work can carry it."""
    reports: dict[int, list[tuple[None, int | None, tuple[ReleaseDate, ...]]]] = {}
    for loaded in kept:  # oldest first
        seen: set[int] = set()
        for mention in loaded.source.mentioned(tax.name):
            draft = id(registry[term_key(mention.name)])
            if draft not in seen and (mention.release_year is not None or mention.release_dates):
                reports.setdefault(draft, []).append(
                    (None, mention.release_year, mention.release_dates)
                )
            seen.add(draft)
    for entry in registry.values():
        page = entry.page
        if page is not None and (page.release_year is not None or page.release_dates):
            reports.setdefault(id(entry), []).append((None, page.release_year, page.release_dates))
    return {draft: fold(found).year for draft, found in reports.items()}


def make_post(
    src: PostSource,
    body: RenderedBody,
    url: str,
    links: tuple[tuple[str, tuple[TermRef, ...]], ...],
    now: datetime,
) -> Post:
    """A post of the model, from its source, rendered body, URL and links to its terms."""
    return Post(
        source=src.source,
        digest=src.digest,
        slug=src.slug,
        url=url,
        title=src.title,
        date=src.date,
        updated=src.updated,
        summary=src.summary or body.summary,
        html_utf8=body.html_utf8,
        words=body.words,
        links=links,
        tweets=tuple(t for t in src.tweets if t.url not in body.embedded_tweets),
        image=src.image,
        image_alt=src.image_alt,
        draft=src.draft,
        future=src.date > now,
        image_focus=src.image_focus,
        trailer=src.trailer,
    )


def build_model(
    posts: Sequence[LoadedPost],
    pages: Sequence[LoadedPage],
    urls: Urls,
    taxonomies: Sequence[Taxonomy],
    *,
    now: datetime,
    drafts: bool,
    future: bool,
) -> tuple[Site, list[Problem]]:
    """Filter drafts and future posts, index terms, and link everything into a ``Site``."""
    problems: list[Problem] = []
    kept = [p for p in posts if (drafts or not p.source.draft) and (future or p.source.date <= now)]
    kept.sort(key=lambda p: (p.source.date, p.source.source))  # oldest first while indexing
    sources = {p.source.source: p.source for p in kept}

    registries = {}
    for tax in taxonomies:
        kind_pages = [page for page in pages if page.source.kind == tax.name]
        registries[tax.name] = _index_kind(tax, kind_pages, [p.source for p in kept], problems)
        _check_slugs({id(d): d for d in registries[tax.name].values()}.values(), problems)

    current: dict[int, int | None] = {}
    for tax in taxonomies:
        if tax.releases:
            current.update(_current_years(tax, registries[tax.name], kept))
    made: dict[tuple[object, ...], TermRef] = {}  # the same name is given by many posts

    def refs(kind: str, mentions: tuple[Mention, ...]) -> tuple[TermRef, ...]:
        seen: dict[str, TermRef] = {}
        for mention in mentions:
            made_key = (kind, mention.name, mention.release_year, mention.release_dates)
            ref = made.get(made_key)
            if ref is None:
                draft = registries[kind][term_key(mention.name)]
                ref = TermRef(
                    kind,
                    draft.name,
                    urls.term(kind, draft.slug),
                    mention.name,
                    mention.release_year or year_of(mention.release_dates),
                    mention.release_dates,
                    mention.release_year,
                    current.get(id(draft)) if draft.tax.releases else None,
                )
                made[made_key] = ref
            seen.setdefault(ref.url, ref)
        return tuple(seen.values())

    built: list[Post] = []
    for loaded in reversed(kept):  # newest first
        src = loaded.source
        built.append(
            make_post(
                src,
                loaded.body,
                urls.post(src.slug, src.date),
                tuple((tax.name, refs(tax.name, src.mentioned(tax.name))) for tax in taxonomies),
                now,
            )
        )
    _check_post_urls(built, sources, problems)

    by_kind: dict[str, tuple[Term, ...]] = {}
    redirects: list[Redirect] = []
    aliased: dict[Redirect, tuple[str, str, str | None]] = {}  # (name, term, its page)
    for tax in taxonomies:
        kind = tax.name
        posts_of: dict[str, list[Post]] = {}
        for post in built:
            for ref in post.refs(kind):
                posts_of.setdefault(ref.url, []).append(post)
        terms = []
        by_source = {post.source: post for post in built}
        for draft in {id(d): d for d in registries[kind].values()}.values():
            url = urls.term(kind, draft.slug)
            term_posts = tuple(posts_of.get(url, ()))
            if not term_posts and draft.page is None:
                continue
            page = draft.page
            year, history, releases, release_history = (
                _release(tax, url, term_posts, page) if tax.releases else (None, (), (), ())
            )
            terms.append(
                Term(
                    kind=kind,
                    name=draft.name,
                    slug=draft.slug,
                    url=url,
                    posts=PostList([p.source for p in term_posts], by_source.__getitem__),
                    aka=tuple(draft.aka),
                    source=page.source if page else None,
                    html=draft.page_body.html if draft.page_body else Term.html,
                    image=page.image if page else None,
                    image_alt=page.image_alt if page else None,
                    release_year=year,
                    year_history=history,
                    releases=releases,
                    release_history=release_history,
                    extra=dict(page.extra) if page else {},
                    latest=Headline.of(term_posts[0]) if term_posts else None,
                )
            )
            for alias in draft.aka:
                redirect = Redirect(
                    urls.term(kind, slugify(alias)), url, f"{alias} is now {draft.name}"
                )
                redirects.append(redirect)
                aliased[redirect] = (alias, draft.name, page.source if page else None)
        terms.sort(key=lambda t: (term_key(t.name), t.slug))
        by_kind[kind] = tuple(terms)

    named = {t.url: t.name for terms in by_kind.values() for t in terms}
    for redirect, (alias, name, source) in aliased.items():
        other = named.get(redirect.url)
        if other is not None and redirect.url != redirect.target:
            problems.append(
                error(
                    source or CONFIG,
                    None,
                    f"{alias!r}, another name of {name!r}, would have the address "
                    f"{redirect.url} of {other!r}",
                    "remove that name from aka, or tell the two apart by their names",
                )
            )
    unique_redirects = {r.url: r for r in redirects if r.url not in named and r.url != r.target}
    site = Site(
        posts=tuple(built),
        taxonomies=by_kind,
        redirects=tuple(sorted(unique_redirects.values(), key=lambda r: r.url)),
    )
    return site, problems
