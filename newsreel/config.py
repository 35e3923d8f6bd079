"""Site settings from ``newsreel.yaml``: every key has a default, the file is optional.

``load_settings`` reads and checks the whole file, collecting every problem, and returns
frozen ``Settings``. Unknown keys are warnings naming the closest known key.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsreel.errors import Problem, error, warning
from newsreel.frontmatter import YamlError, load_yaml
from newsreel.layout import CONFIG, SiteLayout
from newsreel.taxonomies import DEFAULTS, Taxonomy, parse_taxonomies

PERMALINK_FIELDS = {"year", "month", "day", "slug"}


@dataclass(frozen=True)
class Settings:
    """The site's settings, each documented with its default."""

    title: str = "A newsreel blog"
    """Site title, shown in the header and in every page title."""
    description: str = "Movie news: films, actors, release dates."
    """Default meta description and feed subtitle."""
    author: str = "The editors"
    """Author of posts and feeds."""
    language: str = "en"
    """BCP 47 language of the pages (``<html lang>``)."""
    base_url: str = "/"
    """Absolute URL of the site root, may carry a sub-path (``https://example.org/movie-news/``)."""
    timezone: str = "UTC"
    """IANA zone for dates written without an offset."""
    per_page: int = 10
    """Posts per listing page."""
    permalink: str = "/posts/{slug}/"
    """URL of a post; may use {year}, {month}, {day}, {slug}."""
    feed_size: int = 20
    """Entries per Atom feed."""
    markdown_html: bool = False
    """``markdown.html``: let raw HTML in Markdown through."""
    tweets_enhance: bool = False
    """``tweets.enhance``: load the platform's script on pages with tweets."""
    search: bool = True
    """A Pagefind search index, the /search/ page and the header's search box."""
    social_cards: bool = True
    """A drawn 1200×630 card (``og:image``) for every post, film and actor page."""
    taxonomies: tuple[Taxonomy, ...] = DEFAULTS
    """The kinds of term (``taxonomies:``), in the order of the navigation."""

    def taxonomy(self, name: str) -> Taxonomy:
        """The declared kind ``name`` (a ``KeyError`` when there is none)."""
        for tax in self.taxonomies:
            if tax.name == name:
                return tax
        raise KeyError(name)

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with ``/``."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        """Scheme and host of ``base_url`` (empty when it is not absolute)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_base_url(self, base_url: str) -> Settings:
        return replace(self, base_url=normalise_base_url(base_url))


# Setting name in the file → (field name, type). Nested settings are written "a.b".
_KEYS: dict[str, tuple[str, type]] = {
    "title": ("title", str),
    "description": ("description", str),
    "author": ("author", str),
    "language": ("language", str),
    "base_url": ("base_url", str),
    "timezone": ("timezone", str),
    "per_page": ("per_page", int),
    "permalink": ("permalink", str),
    "feed_size": ("feed_size", int),
    "markdown.html": ("markdown_html", bool),
    "tweets.enhance": ("tweets_enhance", bool),
    "search": ("search", bool),
    "taxonomies": ("taxonomies", dict),
    "social_cards": ("social_cards", bool),
}
_SECTIONS = {key.split(".")[0] for key in _KEYS if "." in key}


def normalise_base_url(url: str) -> str:
    """Give ``base_url`` a trailing slash so paths join cleanly."""
    url = url.strip()
    return url if url.endswith("/") else url + "/"


def closest(name: str, known: list[str] | set[str]) -> str | None:
    """The known name closest to ``name``, for "did you mean" hints."""
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # Singular/plural slips ("actor" → "actors") score below the cutoff for short words.
    for candidate in sorted(known):
        if candidate.rstrip("s") == name.rstrip("s"):
            return candidate
    return None


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key in _SECTIONS and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def _check_value(name: str, value: Any, kind: type) -> tuple[Any, str | None]:
    """Return the value converted to ``kind``, or an error message."""
    if kind is bool:
        if isinstance(value, bool):
            return value, None
        return None, "must be true or false"
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be a whole number"
        if value < 1:
            return None, "must be at least 1"
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), None
    if not isinstance(value, str) or not value.strip():
        return None, "must be non-empty text"
    return value.strip(), None


_PERMALINK_TEXT = re.compile(r"[A-Za-z0-9._~/-]*")
"""What a permalink may hold besides its fields: no "?", "#", "%", space or backslash."""


def permalink_fields(permalink: str) -> set[str] | None:
    """The ``{fields}`` a permalink uses, or None when it is not a plain pattern: an unpaired
    brace, a format spec like ``{slug:>9}``, an attribute like ``{slug.upper}``."""
    try:
        parsed = list(string.Formatter().parse(permalink))
    except ValueError:
        return None
    fields = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or name not in PERMALINK_FIELDS:
            return None
        fields.add(name)
    return fields


def zone_problem(name: str) -> bool:
    """True when ``name`` is not a time zone of the IANA database: a folder of it, such as
    ``America``, is not one either, nor is a name too long to be a file name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return True
    return False


def _check_semantics(settings: Settings, line_of: dict[str, int]) -> tuple[Settings, list[Problem]]:
    """Check what each value means; a value found wrong is replaced by its default, so the
    settings returned are always safe to use (the build still fails on the problems)."""
    problems: list[Problem] = []
    defaults = Settings()
    if zone_problem(settings.timezone):
        shown = settings.timezone if len(settings.timezone) <= 60 else settings.timezone[:60] + "…"
        problems.append(
            error(
                CONFIG,
                line_of.get("timezone"),
                f"unknown timezone {shown!r}",
                "use an IANA name such as UTC, Europe/Paris or America/Los_Angeles",
            )
        )
        settings = replace(settings, timezone=defaults.timezone)
    fields = permalink_fields(settings.permalink)
    segments = settings.permalink.split("/")
    if (
        fields is None
        or "slug" not in fields
        or not settings.permalink.startswith("/")
        or not settings.permalink.endswith("/")
        or ".." in segments
        or "." in segments
        or "" in segments[1:-1]
        or _PERMALINK_TEXT.fullmatch(re.sub(r"\{\w+\}", "", settings.permalink)) is None
    ):
        problems.append(
            error(
                CONFIG,
                line_of.get("permalink"),
                f"permalink {settings.permalink!r} must start and end with / (a post is a "
                "folder), contain {slug}, no empty, . or .. segment, and besides its fields "
                "only letters, digits, - _ . ~ and /"
                + (
                    "; its braces must pair up around slug, year, month or day only"
                    if fields is None
                    else ""
                ),
                "it may also use {year}, {month} and {day}, e.g. /{year}/{slug}/",
            )
        )
        settings = replace(settings, permalink=defaults.permalink)
    return settings, problems


def base_url_mistake(url: str, *, absolute: bool = False) -> str | None:
    """Why ``url`` cannot be a site root, or None when it can.

    A site root is an absolute http(s) URL with a host (``https://example.org/blog/``) or,
    unless ``absolute`` is asked for, a path from the root (``/`` or ``/blog/``).
    """
    if re.search(r"[\s\x00-\x1f\x7f-\x9f]", url.strip()):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:  # an unclosed [IPv6 address], a port that is not a port
        return "is not a well-formed address"
    if parts.query or parts.fragment:
        return "has a query or a fragment"
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https"):
            return "is not an http or https address"
        if not parts.hostname or "@" in parts.netloc:
            return "has no host name"
        return None
    if absolute:
        return "is not an absolute address"
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return "is neither an absolute address nor a path starting with /"
    return None


def base_url_problem(
    url: str, path: str, line: int | None, *, absolute: bool = False
) -> Problem | None:
    """An error when ``url`` cannot be a site root; see ``base_url_mistake``."""
    mistake = base_url_mistake(url, absolute=absolute)
    if mistake is None:
        return None
    return error(
        path,
        line,
        f"base_url {url!r} {mistake}",
        "write it like https://example.org/ or https://user.github.io/blog/",
    )


def settings_from_mapping(data: Any, line_of: dict[str, int]) -> tuple[Settings, list[Problem]]:
    """Check a parsed settings mapping; return the settings and every problem found."""
    problems: list[Problem] = []
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return Settings(), [
            error(
                CONFIG,
                1,
                "settings must be a mapping of key: value lines",
                "see the README for the list of settings",
            )
        ]
    values: dict[str, Any] = {}
    for name, value in _flatten(data).items():
        line = line_of.get(name) or line_of.get(name.split(".")[0])
        if name not in _KEYS:
            suggestion = closest(name, set(_KEYS))
            problems.append(
                warning(
                    CONFIG,
                    line,
                    f"unknown setting {name!r} is ignored",
                    f"did you mean {suggestion!r}?"
                    if suggestion
                    else "see the README for the settings",
                )
            )
            continue
        field_name, kind = _KEYS[name]
        if kind is dict:
            continue  # read below, once the permalink is known
        converted, message = _check_value(name, value, kind)
        if message:
            problems.append(error(CONFIG, line, f"setting {name!r} {message}", f"got {value!r}"))
        else:
            values[field_name] = converted
    if "base_url" in values:
        bad_url = base_url_problem(values["base_url"], CONFIG, line_of.get("base_url"))
        if bad_url is not None:
            problems.append(bad_url)
            del values["base_url"]
        else:
            values["base_url"] = normalise_base_url(values["base_url"])
    settings, more = _check_semantics(Settings(**values), line_of)
    if "taxonomies" in data:
        declared, found = parse_taxonomies(data["taxonomies"], line_of, CONFIG, settings.permalink)
        settings = replace(settings, taxonomies=declared)
        more += found
    return settings, problems + more


def load_settings(site_dir: Path) -> tuple[Settings, list[Problem]]:
    """Read ``newsreel.yaml`` in ``site_dir`` (optional) into settings and problems."""
    path = SiteLayout(site_dir).config
    if not path.is_file():
        if path.is_symlink():
            return Settings(), [
                error(
                    CONFIG,
                    None,
                    "is a symbolic link to a file that does not exist",
                    "point it at your settings file, or remove it to use the defaults",
                )
            ]
        if path.exists():
            return Settings(), [
                error(
                    CONFIG,
                    None,
                    "is not a regular file but a folder or a device",
                    "the settings are a YAML file; remove or rename what is there",
                )
            ]
        return Settings(), []
    try:
        data, line_of = load_yaml(path.read_bytes(), CONFIG)
    except YamlError as exc:
        return Settings(), [exc.problem]
    except OSError as exc:
        return Settings(), [
            error(
                CONFIG,
                None,
                f"cannot be read: {exc.strerror or exc}",
                "check the file's permissions",
            )
        ]
    return settings_from_mapping(data, line_of)


def base_url_warning(base_url: str, where: str) -> Problem | None:
    """Published feeds and sitemaps need absolute URLs: a warning naming ``where`` the site
    was built from when ``base_url`` is only a path."""
    if base_url_mistake(base_url, absolute=True) is None:
        return None
    return warning(
        where,
        None,
        f"built with base_url {base_url!r}, which is not absolute: "
        "feeds, the sitemap and social cards will hold addresses without a host",
        "before publishing, build with --base-url https://your.domain/ or set base_url in newsreel.yaml",
    )
