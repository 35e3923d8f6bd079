"""The kinds of term a site declares (``taxonomies:`` in ``newsreel.yaml``).

A ``Taxonomy`` says everything the engine needs about one kind of term: its URL folder, the
front-matter keys that name its terms, its labels, whether it has its own pages, feeds, a
place in the navigation, a schema.org type, release dates. Every module reads these
declarations; none names a kind. ``DEFAULTS`` is the one place where the built-in kinds are
written: what a site gets when it declares nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newsreel.errors import Problem, error, warning
from newsreel.slugs import is_valid_slug

NAV_CHOICES = ("always", "used", "never")
BASE_POST_KEYS = frozenset(
    {
        "title",
        "date",
        "tweet",
        "tweets",
        "summary",
        "image",
        "image_alt",
        "image_focus",
        "trailer",
        "slug",
        "updated",
        "draft",
    }
)
"""A post's own keys: no taxonomy may name its terms with one of them."""
RELEASE_KEYS = ("release_year", "release_date")
"""A post's keys for the release it reports (when a taxonomy has ``releases``)."""
RESERVED_FOLDERS = frozenset(
    {"page", "posts", "releases", "search", "pagefind", "css", "js", "fonts"}
)
"""URL folders of other page kinds (and the theme's files): no taxonomy may take one."""
_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Taxonomy:
    """One declared kind of term; its pages live under ``/<name>/``."""

    name: str
    """The URL folder and the kind's name in templates (``site.terms(name)``)."""
    label: str
    """One term, as a heading says it."""
    plural: str
    """The index page's title and the navigation's label."""
    key: str
    """The post front-matter key holding a list of names."""
    single: str | None = None
    """A post key holding exactly one name (as ``film: Amélie``), if any."""
    feed: bool = False
    """An Atom feed for each term (``/<name>/<slug>/feed.xml``)."""
    schema: str | None = None
    """schema.org type of a term (``Person``, ``Movie``, ``Organization``); none: a collection."""
    nav: str = "used"
    """In the header's navigation: ``always``, ``used`` (while it has terms) or ``never``. The
    index page exists while the kind is in the navigation or has terms."""
    pages: bool = True
    """Its terms may have their own page, ``content/<name>/*.md`` (name, ``aka``, image, text)."""
    name_key: str = "name"
    """The key of a term page that holds its name."""
    image_key: str = "image"
    """The key of a term page that holds its picture (with ``<key>_alt`` and ``<key>_focus``)."""
    fields: tuple[tuple[str, str | None], ...] = ()
    """More text keys of a term page, each shown as a fact; with a schema.org type, also a
    person or thing the page's JSON-LD names under that key."""
    releases: bool = False
    """Terms are works with release years and dates: the release calendar, iCalendar files,
    the front page's rails, and a post's ``release_year``/``release_date`` (one kind at most)."""
    poster: bool = False
    """A term page's picture is a poster: drawn whole beside the title on social cards, and the
    first frame of a post's trailer when the post has no picture."""
    media: bool = False
    """Term pages take ``stills`` and a ``trailer``."""
    cast: bool = False
    """Terms are the people who act in the works: ``import`` proposes the ones an article names
    as a cast ("starring …", "… will play") that the site does not know yet (the first kind so
    declared)."""
    card_label: str | None = None
    """Shown before the names of a post's terms of this kind on its card ("With" actors)."""
    describe: str = "News about {name}"
    """A term page's description, before the count of posts; ``{name}`` is the term's name."""
    line: int | None = field(default=None, compare=False, repr=False)
    """Where the declaration is in ``newsreel.yaml``."""

    @property
    def keys(self) -> tuple[str, ...]:
        """Every post key that names terms of this kind."""
        return (self.single, self.key) if self.single else (self.key,)

    @property
    def option(self) -> str:
        """The ``new post`` option that names one term (``--film``, ``--actor``)."""
        return "-".join(self.label.lower().split())

    @property
    def page_kind(self) -> str:
        """The term pages' kind (``<body class="page-…">``)."""
        return self.option

    @property
    def page_keys(self) -> frozenset[str]:
        """Every key a term page may have."""
        image = self.image_key
        keys = {self.name_key, "aka", image, f"{image}_alt", f"{image}_focus"}
        keys.update(name for name, _ in self.fields)
        if self.releases:
            keys.update(RELEASE_KEYS)
        if self.media:
            keys.update(("stills", "trailer"))
        return frozenset(keys)

    def description(self, name: str, count: int, year: int | None = None) -> str:
        """ "News about Amélie (2001): 3 posts." """
        shown = f"{name} ({year})" if year else name
        return f"{self.describe.replace('{name}', shown)}: {count} post{'s' if count != 1 else ''}."


DEFAULTS: tuple[Taxonomy, ...] = (
    Taxonomy(
        name="films",
        label="Film",
        plural="Films",
        key="films",
        single="film",
        feed=True,
        schema="Movie",
        nav="always",
        name_key="title",
        image_key="poster",
        fields=(("director", "Person"),),
        releases=True,
        poster=True,
        media=True,
    ),
    Taxonomy(
        name="actors",
        label="Actor",
        plural="Actors",
        key="actors",
        feed=True,
        schema="Person",
        nav="always",
        image_key="photo",
        card_label="With",
        cast=True,
    ),
    Taxonomy(
        name="tags",
        label="Tag",
        plural="Tags",
        key="tags",
        pages=False,
        describe="Posts tagged {name}",
    ),
)
"""The built-in kinds: what a site has when ``newsreel.yaml`` declares no ``taxonomies``."""


def by_name(taxonomies: Iterable[Taxonomy]) -> dict[str, Taxonomy]:
    return {tax.name: tax for tax in taxonomies}


def works(taxonomies: Iterable[Taxonomy]) -> Taxonomy | None:
    """The kind with release dates, if one is declared."""
    return next((tax for tax in taxonomies if tax.releases), None)


def cast_of(taxonomies: Iterable[Taxonomy]) -> Taxonomy | None:
    """The kind declared ``cast`` (the people who act in the works), if one has pages."""
    return next((tax for tax in taxonomies if tax.cast and tax.pages), None)


def post_keys(taxonomies: Iterable[Taxonomy]) -> frozenset[str]:
    """Every key a post may have with these taxonomies."""
    found = set(BASE_POST_KEYS)
    for tax in taxonomies:
        found.update(tax.keys)
        if tax.releases:
            found.update(RELEASE_KEYS)
    return frozenset(found)


def spoken_list(words: Sequence[str], conjunction: str = "and") -> str:
    """ "posts and tags", "a, b and c" (or "a, b or c")."""
    words = list(words)
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


# --- reading the declarations ------------------------------------------------------------

_TEXT = (
    "label",
    "plural",
    "key",
    "single",
    "schema",
    "name_key",
    "image_key",
    "card_label",
    "describe",
)
_FLAGS = ("feed", "pages", "releases", "poster", "media", "cast")
_KNOWN = frozenset({*_TEXT, *_FLAGS, "nav", "fields"})


def _default_for(name: str) -> Taxonomy:
    """A new kind's declaration before its keys: built-in for a built-in name, else plain."""
    for tax in DEFAULTS:
        if tax.name == name:
            return tax
    singular = name[:-1] if name.endswith("s") and not name.endswith("ss") else name
    label = " ".join(singular.replace("_", " ").replace("-", " ").split()).capitalize()
    plural = " ".join(name.replace("_", " ").replace("-", " ").split()).capitalize()
    return Taxonomy(name=name, label=label, plural=plural, key=name.replace("-", "_"))


def parse_taxonomies(
    value: Any, line_of: Mapping[str, int], path: str, permalink: str
) -> tuple[tuple[Taxonomy, ...], list[Problem]]:
    """The ``taxonomies:`` mapping of the settings file, checked; each problem at its line.

    A kind named like a built-in one starts from the built-in declaration (``films: {}`` is
    today's films); any other starts from plain defaults. On errors the built-in kinds are
    returned, so later stages stay safe (the build still fails on the problems)."""
    problems: list[Problem] = []
    top = line_of.get("taxonomies")
    if not isinstance(value, dict) or not value:
        problems.append(
            error(
                path,
                top,
                "'taxonomies' must be a mapping of kinds, e.g. directors: {label: Director}",
                "see the README's taxonomies section; leave it out for the built-in kinds",
            )
        )
        return DEFAULTS, problems
    reserved = set(RESERVED_FOLDERS)
    first = permalink.strip("/").split("/", 1)[0]
    if first and "{" not in first:
        reserved.add(first)
    found: list[Taxonomy] = []
    for raw_name, spec in value.items():
        name = str(raw_name)
        where = f"taxonomies.{name}"
        line = line_of.get(where, top)
        if not is_valid_slug(name):
            problems.append(
                error(
                    path,
                    line,
                    f"taxonomy name {name!r} cannot be a URL folder",
                    "use lower-case letters, digits and hyphens, e.g. directors",
                )
            )
            continue
        if name in reserved:
            problems.append(
                error(
                    path,
                    line,
                    f"taxonomy {name!r} would take /{name}/, which is another page kind's",
                    f"give it another name; {', '.join(sorted(reserved))} are taken",
                )
            )
            continue
        if spec is None or spec == "":
            spec = {}
        if not isinstance(spec, dict):
            problems.append(
                error(
                    path,
                    line,
                    f"taxonomy {name!r} must be a mapping of its settings",
                    f"write {name}: {{label: ..., feed: true}}, or {name}: {{}} for the defaults",
                )
            )
            continue
        tax = _declared(name, spec, where, line, line_of, path, problems)
        if tax is not None:
            found.append(tax)
    _check_together(found, path, problems)
    if any(p.severity == "error" for p in problems):
        return DEFAULTS, problems
    return tuple(found), problems


def _declared(
    name: str,
    spec: dict[Any, Any],
    where: str,
    line: int | None,
    line_of: Mapping[str, int],
    path: str,
    problems: list[Problem],
) -> Taxonomy | None:
    from newsreel.config import closest  # the settings module reads this one

    base = _default_for(name)
    values: dict[str, Any] = {"line": line}
    bad = False
    for raw_key, item in spec.items():
        key = str(raw_key)
        at = line_of.get(f"{where}.{key}", line)
        if key not in _KNOWN:
            guess = closest(key, set(_KNOWN))
            problems.append(
                warning(
                    path,
                    at,
                    f"unknown taxonomy setting {key!r} is ignored",
                    f"did you mean {guess!r}?" if guess else f"known: {', '.join(sorted(_KNOWN))}",
                )
            )
            continue
        if key in _FLAGS:
            if not isinstance(item, bool):
                problems.append(error(path, at, f"'{key}' must be true or false", f"got {item!r}"))
                bad = True
                continue
            values[key] = item
        elif key == "nav":
            choice = (
                {True: "always", False: "never"}.get(item, item) if isinstance(item, bool) else item
            )
            if choice not in NAV_CHOICES:
                problems.append(
                    error(path, at, f"'nav' must be always, used or never, got {item!r}", "")
                )
                bad = True
                continue
            values[key] = choice
        elif key == "fields":
            parsed = _fields(item, f"{where}.fields", at, line_of, path, problems)
            if parsed is None:
                bad = True
                continue
            values[key] = parsed
        else:
            text = " ".join(str(item).split()) if isinstance(item, (str, int)) else ""
            if key in ("single", "card_label", "schema") and item is None:
                values[key] = None
                continue
            if not text or isinstance(item, bool):
                problems.append(error(path, at, f"'{key}' must be non-empty text", f"got {item!r}"))
                bad = True
                continue
            if key in ("key", "single", "name_key", "image_key") and not _KEY.fullmatch(text):
                problems.append(
                    error(
                        path,
                        at,
                        f"'{key}' must be a front-matter key: lower-case letters, digits, _",
                        f"got {item!r}",
                    )
                )
                bad = True
                continue
            if key == "describe" and "{name}" not in text:
                problems.append(
                    error(
                        path,
                        at,
                        "'describe' must hold {name}, where the term's name goes",
                        'e.g. describe: "Scores by {name}"',
                    )
                )
                bad = True
                continue
            values[key] = text
    if bad:
        return None
    return replace(base, **values)


def _fields(
    value: Any,
    where: str,
    line: int | None,
    line_of: Mapping[str, int],
    path: str,
    problems: list[Problem],
) -> tuple[tuple[str, str | None], ...] | None:
    """``fields: {director: Person, country: null}`` or ``fields: [country]``."""
    items = {str(v): None for v in value} if isinstance(value, list) else value
    if not isinstance(items, dict):
        problems.append(
            error(
                path,
                line,
                "'fields' must map page keys to a schema.org type (or null)",
                "e.g. fields: {director: Person, country: null}",
            )
        )
        return None
    found = []
    for key, kind in items.items():
        at = line_of.get(f"{where}.{key}", line)
        if not _KEY.fullmatch(str(key)) or not (
            kind is None or kind == "" or isinstance(kind, str)
        ):
            problems.append(
                error(
                    path,
                    at,
                    f"field {key!r} must be a lower-case key with a schema.org type or null",
                    "e.g. director: Person",
                )
            )
            return None
        found.append((str(key), kind or None))
    return tuple(found)


def _check_together(found: Sequence[Taxonomy], path: str, problems: list[Problem]) -> None:
    """Keys two kinds (or a kind and a post) would share; two kinds with release dates."""
    owner: dict[str, Taxonomy] = {}
    for tax in found:
        for key in tax.keys:
            if key in BASE_POST_KEYS or key in RELEASE_KEYS or key == "aka":
                problems.append(
                    error(
                        path,
                        tax.line,
                        f"taxonomy {tax.name!r} would read its names from '{key}', a post's own key",
                        "give it another key: key: <name>",
                    )
                )
                continue
            other = owner.setdefault(key, tax)
            if other is not tax:
                problems.append(
                    error(
                        path,
                        tax.line,
                        f"taxonomies {other.name!r} and {tax.name!r} both read the post key '{key}'",
                        "give one of them another key",
                    )
                )
    labelled: dict[str, Taxonomy] = {}
    for tax in found:
        other = labelled.setdefault(tax.option, tax)
        if other is not tax:
            problems.append(
                error(
                    path,
                    tax.line,
                    f"taxonomies {other.name!r} and {tax.name!r} have one label, {tax.label!r}",
                    "give each kind its own label: it names the kind in pages and in new post options",
                )
            )
    with_releases = [tax for tax in found if tax.releases]
    for tax in with_releases[1:]:
        problems.append(
            error(
                path,
                tax.line,
                f"taxonomy {tax.name!r} has releases: true, as {with_releases[0].name!r} has",
                "one kind of term carries release dates; set releases: false on the other",
            )
        )
