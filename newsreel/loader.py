"""Read ``content/`` into validated source records, collecting every problem.

One function per kind of file: ``parse_post``, ``parse_film_page``, ``parse_actor_page``.
Each is pure (bytes in, record and problems out) so it can run in a worker process
and be cached by the file's digest. ``find_sources`` lists the files to read.
"""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from newsreel.config import Settings, closest
from newsreel.errors import Problem, error, link_outside, warning
from newsreel.frontmatter import (
    FORBIDDEN,
    Unclosed,
    YamlError,
    as_text,
    character_name,
    decode,
    load_yaml,
    split_document,
)
from newsreel.hashing import hash_bytes
from newsreel.images import is_remote
from newsreel.layout import CONTENT, SiteLayout
from newsreel.model import ReleaseDate
from newsreel.pictures import CENTRE, Focus, ImageRef, Still, parse_focus
from newsreel.regions import REGIONS, RESERVED_HINTS
from newsreel.slugs import is_valid_slug, slugify
from newsreel.taxonomies import Taxonomy, post_keys
from newsreel.tweets import Tweet, TweetError, tweets_from_front_matter
from newsreel.urls import is_safe_url
from newsreel.video import Video, VideoError, video_from_value

ENTRY_KEYS = {"title", "release_year", "release_date"}
"""The keys of one work in a post's list of works with release dates (``{title, release_year}``)."""
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


@dataclass(frozen=True)
class Mention:
    """A name as one file wrote it, with its line (for collision messages)."""

    name: str
    line: int | None
    release_year: int | None = None
    """Films only: the release year this post reported (as written)."""
    release_dates: tuple[ReleaseDate, ...] = ()
    """Films only: the release dates this post reported."""


@dataclass(frozen=True)
class PostSource:
    """A post's validated front matter and its Markdown body."""

    source: str
    digest: str
    title: str
    date: datetime
    updated: datetime | None
    mentions: tuple[tuple[str, tuple[Mention, ...]], ...]
    """Each declared kind of term (in declared order) with the names the post gives it."""
    tweets: tuple[Tweet, ...]
    summary: str | None
    image: str | None
    image_alt: str | None
    slug: str
    slug_line: int | None
    draft: bool
    body: str
    body_line: int
    image_focus: Focus = CENTRE
    trailer: Video | None = None
    refs: tuple[ImageRef, ...] = ()
    """Local images its front matter names (the post's image, tweet media, the trailer's poster)."""

    def mentioned(self, kind: str) -> tuple[Mention, ...]:
        """The names the post gives terms of ``kind``."""
        for name, found in self.mentions:
            if name == kind:
                return found
        return ()


@dataclass(frozen=True)
class PageSource:
    """A term's own page (``content/<kind>/*.md``)."""

    kind: str
    """The declared kind's name."""
    source: str
    digest: str
    name: str
    name_line: int | None
    aka: tuple[Mention, ...]
    release_year: int | None
    image: str | None
    image_alt: str | None
    extra: dict[str, Any]
    """Other fields: the kind's declared ``fields``; ``stills``, ``trailer`` and ``image_focus``
    when given."""
    body: str
    body_line: int
    release_dates: tuple[ReleaseDate, ...] = ()
    refs: tuple[ImageRef, ...] = ()


_PLAIN_ITEM = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#,\[\]{}]*(?<!\s)")


def _flow_item(name: str) -> str:
    """``name`` as an item of a YAML flow list: plain when that reads back the same, else quoted."""
    return (
        name
        if _PLAIN_ITEM.fullmatch(name)
        else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )


class _Fields:
    """Checks front-matter values one key at a time, recording problems with their lines."""

    def __init__(
        self, path: str, data: dict[str, Any], lines: dict[str, int], problems: list[Problem]
    ) -> None:
        self.path, self.data, self.lines, self.problems = path, data, lines, problems

    def line(self, key: str) -> int | None:
        return self.lines.get(key, 2 if not self.lines else min(self.lines.values()))

    def fail(self, key: str, message: str, hint: str = "") -> None:
        self.problems.append(error(self.path, self.line(key), message, hint))

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                where = self.lines.get(key, 1)
                self.problems.append(
                    error(
                        self.path,
                        where,
                        f"'{key}' is missing" if key not in self.data else f"'{key}' is empty",
                        f'add a line like {key}: "..." to the front matter',
                    )
                )
            return None
        text = as_text(value)
        if text is None or (required and not text.strip()):
            self.fail(
                key,
                f"'{key}' must be text",
                f"write it as {key}: \"...\", the quotes keep ': ' and '#' intact",
            )
            return None
        return text.strip()

    def names(self, key: str, listed: bool = False) -> tuple[Mention, ...]:
        """The names under ``key``; for a ``listed`` key (a list of names), one text with
        commas is a list written wrong."""
        value = self.data.get(key)
        if value is None:
            return ()
        if listed and self.comma_list(key, value):
            return ()
        items = value if isinstance(value, list) else [value]
        found = []
        for index, item in enumerate(items):
            path = f"{key}[{index}]" if isinstance(value, list) else key
            text = as_text(item)
            if text is None or not text.strip():
                self.problems.append(
                    error(
                        self.path,
                        self.lines.get(path, self.line(key)),
                        f"'{key}' entries must be non-empty names, got {item!r}",
                        f'write {key}: ["Name One", "Name Two"]',
                    )
                )
                continue
            found.append(Mention(" ".join(text.split()), self.lines.get(path, self.line(key))))
        return tuple(found)

    def comma_list(self, key: str, value: Any) -> bool:
        """True, with an error showing the list form, when ``value`` is one text of several names."""
        if not isinstance(value, str) or "," not in value:
            return False
        names = [" ".join(part.split()) for part in value.split(",") if part.strip()]
        if len(names) < 2:
            return False
        listed = ", ".join(_flow_item(name) for name in names)
        self.fail(
            key,
            f"'{key}' is written as one text, {value.strip()!r}, not as a list of {key}",
            f"write a list: {key}: [{listed}]; a name holding a comma goes in quotes inside the list",
        )
        return True

    def year(self, key: str, value: Any = None, line: int | None = None) -> int | None:
        value = self.data.get(key) if value is None else value
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
            self.problems.append(
                error(
                    self.path,
                    line or self.line(key),
                    f"'{key}' must be a 4-digit year, got {value!r}",
                    f"write it as digits, e.g. {key}: 2023",
                )
            )
            return None
        return int(value)

    def release_dates(self, key: str, value: Any, line: int | None) -> tuple[ReleaseDate, ...]:
        """``release_date`` (or a film entry's): a date, ``{date, region}``, or a list of those.

        ``key`` is where it sits in the front matter ("release_date", "films[1].release_date"),
        for the line of each problem."""
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not items:
            self.problems.append(
                error(
                    self.path,
                    line,
                    "'release_date' is an empty list",
                    "write release_date: YYYY-MM-DD, or remove the key",
                )
            )
            return ()
        found: list[ReleaseDate] = []
        for index, item in enumerate(items):
            where = f"{key}[{index}]" if isinstance(value, list) else key
            where_line = self.lines.get(where, line)
            region = None
            if isinstance(item, dict):
                extra = sorted(set(map(str, item)) - {"date", "region"})
                if extra:
                    self.problems.append(
                        error(
                            self.path,
                            self.lines.get(f"{where}.{extra[0]}", where_line),
                            f"unknown key {extra[0]!r} in a release date",
                            "a release date has date and region: {date: 2023-07-14, region: US}",
                        )
                    )
                    continue
                if "region" in item:
                    region = self._region(
                        item["region"], self.lines.get(f"{where}.region", where_line)
                    )
                    if region is None:
                        continue
                if item.get("date") is None:
                    self.problems.append(
                        error(
                            self.path,
                            where_line,
                            "a release date needs its date",
                            "write {date: 2023-07-14, region: US}",
                        )
                    )
                    continue
                day = self._day(item["date"], self.lines.get(f"{where}.date", where_line))
            else:
                day = self._day(item, where_line)
            if day is None:
                continue
            if any(other.region == region for other in found):
                label = f"region {region}" if region else "no region"
                self.problems.append(
                    error(
                        self.path,
                        where_line,
                        f"'release_date' gives two dates for {label}",
                        "keep one date per region; a slip is a new post, or an edit of this one",
                    )
                )
                continue
            found.append(ReleaseDate(day, region))
        return tuple(found)

    def _day(self, value: Any, line: int | None) -> date | None:
        text = value.strip() if isinstance(value, str) else None
        if text is not None and _DATE_ONLY.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                self.problems.append(
                    error(
                        self.path,
                        line,
                        f"'release_date' is not a real date: {text!r}",
                        "check the month and the day: YYYY-MM-DD",
                    )
                )
                return None
        if isinstance(value, int) and not isinstance(value, bool):
            hint = (
                f"for a year alone write release_year: {value}"
                if 1000 <= value <= 9999
                else "write YYYY-MM-DD"
            )
            self.problems.append(
                error(self.path, line, f"'release_date' must be a full date, got {value!r}", hint)
            )
        else:
            self.problems.append(
                error(
                    self.path,
                    line,
                    f"'release_date' must be a date written YYYY-MM-DD, got {value!r}",
                    "e.g. release_date: 2023-07-14; a year alone goes in release_year",
                )
            )
        return None

    def _region(self, value: Any, line: int | None) -> str | None:
        code = value.strip().upper() if isinstance(value, str) else None
        if code is not None and code in REGIONS:
            return code
        meant = RESERVED_HINTS.get(code or "")
        hint = (
            f"the code for that country is {meant}"
            if meant
            else "use a two-letter ISO 3166-1 country code such as US, GB, FR or JP"
        )
        self.problems.append(
            error(self.path, line, f"region {value!r} is not an ISO 3166-1 country code", hint)
        )
        return None

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(
                key,
                f"'{key}' must be true or false, got {value!r}",
                f"write {key}: true or {key}: false; in YAML 1.2 yes, no, on and off are text",
            )
            return False
        return value

    def link(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not is_safe_url(value):
            self.fail(
                key,
                f"'{key}' is not a safe link: {value!r}",
                "use a path like /img/poster.jpg or an https:// URL",
            )
            return None
        return value

    def when(self, key: str, zone: ZoneInfo, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problems.append(
                    error(
                        self.path,
                        self.lines.get(key, 1),
                        f"'{key}' is missing",
                        f"add {key}: YYYY-MM-DD or an ISO 8601 date-time to the front matter",
                    )
                )
            return None
        parsed = parse_when(value, zone)
        if parsed is None:
            self.fail(
                key,
                f"'{key}' is not a real date: {value!r}",
                "write YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset like +02:00",
            )
        return parsed

    def unknown(self, known: set[str]) -> None:
        for key in self.data:
            if str(key) not in known:
                suggestion = closest(str(key), known)
                self.problems.append(
                    warning(
                        self.path,
                        self.lines.get(str(key)),
                        f"unknown key {str(key)!r} is ignored",
                        f"did you mean {suggestion!r}?"
                        if suggestion
                        else f"known keys: {', '.join(sorted(known))}",
                    )
                )


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def parse_when(value: Any, zone: ZoneInfo) -> datetime | None:
    """An aware datetime from ``YYYY-MM-DD`` or ISO 8601; naive times are in ``zone``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str) and (
        _DATE_ONLY.fullmatch(value.strip()) or _DATE_TIME.fullmatch(value.strip())
    ):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _read(
    path: str, raw: bytes, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, int], str, int, Unclosed | None] | None:
    document = None
    try:
        document = split_document(decode(raw, path), path)
        cut: list[tuple[str, int]] = []
        data, lines = load_yaml(
            document.yaml_text, path, line_offset=document.yaml_line - 1, cut=cut
        )
    except YamlError as exc:
        wrong = exc.problem
        unclosed = document.unclosed if document is not None else None
        if unclosed is not None and wrong.line is not None and wrong.line >= unclosed.first:
            wrong = unclosed.problem(path, f"invalid YAML on line {wrong.line}")
        problems.append(wrong)
        return None
    for key, line in cut:
        problems.append(
            warning(
                path,
                line,
                f"'{key}' stops at ' #': YAML reads the rest of the line as a comment",
                "put the whole value in quotes to keep what follows the '#'",
            )
        )
    body = document.body
    found = FORBIDDEN.search(body)
    if found is not None:
        count = len(FORBIDDEN.findall(body))
        problems.append(
            warning(
                path,
                document.body_line + body.count("\n", 0, found.start()),
                f"the text contains {character_name(found.group())}"
                + (f" and {count - 1} more such characters" if count > 1 else "")
                + "; dropped",
                "delete it: it is invisible in most editors, and feeds cannot carry it",
            )
        )
        body = FORBIDDEN.sub("", body)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(
            error(
                path,
                document.yaml_line,
                "front matter must be key: value lines",
                'write e.g. title: "..." and date: 2024-01-31',
            )
        )
        return None
    return data, lines, body, document.body_line, document.unclosed


def _text_as_keys(fields: _Fields, known: set[str], unclosed: Unclosed) -> None:
    """An error for an unknown key after a blank line that reads like a sentence ("Director:
    Denis Villeneuve. The film is long."): the post's text, its front matter left open. The
    key is then left out, so it is not also warned of as unknown."""
    for key in list(fields.data):
        line = fields.lines.get(str(key))
        value = fields.data[key]
        if str(key) in known or line is None or line < unclosed.first or not isinstance(value, str):
            continue
        if " " in str(key) or len(value.split()) >= 4 or value.rstrip().endswith((".", "!", "?")):
            fields.problems.append(
                unclosed.problem(fields.path, "a sentence where a key should be", line)
            )
            del fields.data[key]
            return


def _open(
    path: str, raw: bytes, known: set[str], problems: list[Problem]
) -> tuple[_Fields, str, int] | None:
    """Read a file's front matter into checked fields (unknown keys warned); None on errors."""
    read = _read(path, raw, problems)
    if read is None:
        return None
    data, lines, body, body_line, unclosed = read
    fields = _Fields(path, data, lines, problems)
    if unclosed is not None:
        _text_as_keys(fields, known, unclosed)
    fields.unknown(known)
    return fields, body, body_line


def _release(
    fields: _Fields,
    key: str,
    year_value: Any,
    year_line: int | None,
    dates_value: Any,
    dates_line: int | None,
) -> tuple[int | None, tuple[ReleaseDate, ...]]:
    """A film's release as one report wrote it: its ``release_year`` and ``release_date``,
    checked against each other."""
    year = fields.year("release_year", year_value, year_line) if year_value is not None else None
    dates = fields.release_dates(key, dates_value, dates_line)
    if year is not None and dates and year not in {d.date.year for d in dates}:
        fields.problems.append(
            error(
                fields.path,
                year_line,
                f"'release_year' {year} is not the year of its release_date "
                f"{dates[0].date.isoformat()}",
                "correct one of them, or leave release_year out",
            )
        )
    return year, dates


MOST_NAMES = 100
"""The most names a post gives one kind of term: every term's page and feed shows the post
with its names, so a post's cost grows with the square of their number."""


def _mentions(fields: _Fields, tax: Taxonomy) -> tuple[Mention, ...]:
    """The names a post gives terms of ``tax``: its ``single`` key (one name) or its list key;
    for a kind with releases, list items may be ``{title, release_year, release_date}`` and the
    post's own ``release_year``/``release_date`` belong to its one work."""
    data, one, many = fields.data, tax.single, tax.key
    label, plural = tax.label.lower(), tax.plural.lower()
    if one and one in data and many in data:
        fields.fail(
            many,
            f"both '{one}' and '{many}' are set",
            f"keep one: {one} for one {label}, {many}: [...] for several",
        )
    listed = data.get(many)
    if isinstance(listed, list) and len(listed) > MOST_NAMES:
        fields.fail(
            many,
            f"'{many}' lists {len(listed)} {plural}; a post names at most {MOST_NAMES}",
            f"keep the {plural} the post is about: each one's page and feed lists the post "
            "with all of them",
        )
        return ()
    top_year: int | None = None
    top_dates: tuple[ReleaseDate, ...] = ()
    top_key = "release_year"
    if tax.releases:
        top_year, top_dates = _release(
            fields,
            "release_date",
            data.get("release_year"),
            fields.line("release_year"),
            data.get("release_date"),
            fields.line("release_date"),
        )
        top_key = "release_year" if "release_year" in data else "release_date"
    reported = top_year is not None or bool(top_dates)
    if one and one in data:
        mentions = fields.names(one)
        if len(mentions) > 1:
            fields.fail(
                one, f"'{one}' holds several {plural}", f"use {many}: [...] for several {plural}"
            )
        return tuple(Mention(m.name, m.line, top_year, top_dates) for m in mentions)
    if not tax.releases:
        return fields.names(many, listed=True)
    raw = data.get(many)
    if raw is not None and fields.comma_list(many, raw):
        return ()
    if raw is None:
        if reported:
            fields.fail(
                top_key, f"'{top_key}' is set but no {label} is", f'add {one or many}: "Title"'
            )
        return ()
    items = raw if isinstance(raw, list) else [raw]
    if reported and len(items) > 1:
        fields.fail(
            top_key,
            f"'{top_key}' is ambiguous with several {plural}",
            f"give each {label} its own: {many}: [{{title: ..., {top_key}: ...}}]",
        )
    found = []
    for index, item in enumerate(items):
        key = f"{many}[{index}]" if isinstance(raw, list) else many
        line = fields.lines.get(key, fields.line(many))
        if isinstance(item, dict):
            extra = set(map(str, item)) - ENTRY_KEYS
            if extra:
                fields.problems.append(
                    error(
                        fields.path,
                        line,
                        f"unknown key {sorted(extra)[0]!r} in a {label}",
                        f"a {label} entry has title, release_year and release_date",
                    )
                )
            name = as_text(item.get("title"))
            year, dates = _release(
                fields,
                f"{key}.release_date",
                item.get("release_year"),
                fields.lines.get(f"{key}.release_year", line),
                item.get("release_date"),
                fields.lines.get(f"{key}.release_date", line),
            )
        else:
            name = as_text(item)
            year, dates = (top_year, top_dates) if len(items) == 1 else (None, ())
        if not name or not name.strip():
            fields.problems.append(
                error(
                    fields.path,
                    line,
                    f"a {label} needs a title, got {item!r}",
                    f'write {many}: ["Title", {{title: "Other", release_year: 2024}}]',
                )
            )
            continue
        found.append(Mention(" ".join(name.split()), line, year, dates))
    return tuple(found)


def _tweets(fields: _Fields) -> tuple[Tweet, ...]:
    data = fields.data
    try:
        return tuple(tweets_from_front_matter(data.get("tweet"), data.get("tweets")))
    except TweetError as exc:
        base = getattr(exc, "field", None) or ("tweet" if "tweet" in data else "tweets")
        index = getattr(exc, "index", None)
        item = base if index is None else f"{base}[{index}]"
        line = (
            (fields.lines.get(f"{item}.{exc.key}") if exc.key else None)
            or fields.lines.get(item)
            or fields.line(base)
        )
        fields.problems.append(error(fields.path, line, exc.message, exc.hint))
        return ()


def default_slug(path: str) -> str:
    """The slug a post gets from its file name: no ``.md``, no leading ``YYYY-MM-DD-``."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    return _DATE_PREFIX.sub("", stem) or stem


def post_slug(path: str, written: str | None) -> str:
    """The slug the build gives the post at ``path``: its ``slug:`` when that is a valid slug,
    else its file name's (``default_slug``), made a slug when it is not one."""
    if written is not None and is_valid_slug(written):
        return written
    file_slug = default_slug(path)
    return file_slug if is_valid_slug(file_slug) else slugify(file_slug)


def written_slug(data: dict[str, Any]) -> str | None:
    """The ``slug:`` of front matter read by ``read_front_matter``, as ``parse_post`` reads it."""
    text = as_text(data.get("slug"))
    return text.strip() if text is not None else None


def read_front_matter(path: str, raw: bytes) -> dict[str, Any]:
    """A source's front matter read as the build reads it, but tolerantly, for the commands
    that only look at a site (``new post``, ``import``): {} when the build could not read it,
    and no problem reported (the build reports them)."""
    read = _read(path, raw, [])
    return {} if read is None else read[0]


def parse_post(
    path: str, raw: bytes, settings: Settings
) -> tuple[PostSource | None, list[Problem]]:
    """Validate one post file; return its record (None when it has errors) and the problems."""
    problems: list[Problem] = []
    opened = _open(path, raw, set(post_keys(settings.taxonomies)), problems)
    if opened is None:
        return None, problems
    fields, body, body_line = opened
    lines = fields.lines
    title = fields.text("title", required=True)
    when = fields.when("date", settings.zone, required=True)
    updated = fields.when("updated", settings.zone)
    slug = fields.text("slug")
    if slug is not None and not is_valid_slug(slug):
        fields.fail(
            "slug",
            f"slug {slug!r} is not a valid slug",
            "use lower-case letters, digits and single hyphens, e.g. slug: tom-cruise-base-jump",
        )
        slug = None
    record = PostSource(
        source=path,
        digest=hash_bytes(raw),
        title=title or "",
        date=when or datetime.min,
        updated=updated,
        mentions=tuple((tax.name, _mentions(fields, tax)) for tax in settings.taxonomies),
        tweets=_tweets(fields),
        summary=fields.text("summary"),
        image=fields.link("image"),
        image_alt=fields.text("image_alt"),
        slug=post_slug(path, slug),
        slug_line=lines.get("slug"),
        draft=fields.flag("draft"),
        body=body,
        body_line=body_line,
    )
    record = replace(
        record,
        image_focus=_focus(fields, "image_focus"),
        trailer=_trailer(fields),
        refs=_refs(fields, "image", record.image, record.image_alt, "image_alt"),
    )
    if any(p.severity == "error" for p in problems):
        return None, problems
    return record, problems


def _focus(fields: _Fields, key: str) -> Focus:
    value = fields.data.get(key)
    if value is None:
        return CENTRE
    focus = parse_focus(value)
    if focus is None:
        fields.fail(
            key,
            f"'{key}' must be two percentages, x then y, got {value!r}",
            f"write {key}: 50% 30% from the left, then from the top; or center, top, bottom, left, right",
        )
        return CENTRE
    return focus


def _trailer(fields: _Fields) -> Video | None:
    value = fields.data.get("trailer")
    if value is None:
        return None
    try:
        return video_from_value(value)
    except VideoError as exc:
        line = fields.lines.get("trailer.url") or fields.line("trailer")
        fields.problems.append(error(fields.path, line, f"trailer: {exc.message}", exc.hint))
        return None


_REMOTE_PICTURE = re.compile(r"https://[A-Za-z0-9.-]+(?::\d{1,5})?/[^\s\"'<>\\`]*")
"""A picture on another site: https, a host, a path without spaces, quotes or brackets."""


def _check_remote(fields: _Fields, key: str, src: str, line: int | None = None) -> None:
    """An error for a picture's address on another site that is not a plain https URL (http
    and "//host" ones load nothing on an https site; a quote breaks its attribute)."""
    if _REMOTE_PICTURE.fullmatch(src.strip()) is None:
        fields.problems.append(
            error(
                fields.path,
                line or fields.line(key),
                f"'{key}' is no picture address newsreel can use: {src!r}",
                "give a path in static/, such as /img/poster.jpg, or an https:// address without "
                "spaces or quotes",
            )
        )


def _refs(
    fields: _Fields, key: str, image: str | None, alt: str | None, alt_key: str
) -> tuple[ImageRef, ...]:
    """The local images the front matter names; a picture without alt text is a warning."""
    refs = []
    if image is not None:
        if alt is None:
            fields.problems.append(
                warning(
                    fields.path,
                    fields.line(key),
                    f"'{key}' has no alt text",
                    f'add {alt_key}: "what the picture shows", '
                    f'or {alt_key}: "" for a purely decorative picture',
                )
            )
        if not is_remote(image):
            refs.append(ImageRef(image, fields.line(key), key))
        else:
            _check_remote(fields, key, image)
    trailer = fields.data.get("trailer")
    url = trailer.get("url") if isinstance(trailer, dict) else trailer
    if isinstance(url, str) and url.strip().startswith("/") and not url.strip().startswith("//"):
        refs.append(
            ImageRef(
                url.strip(), fields.lines.get("trailer.url") or fields.line("trailer"), "trailer"
            )
        )
    if (
        isinstance(trailer, dict)
        and isinstance(trailer.get("poster"), str)
        and not is_remote(trailer["poster"])
    ):
        refs.append(
            ImageRef(
                trailer["poster"].strip(),
                fields.lines.get("trailer.poster") or fields.line("trailer"),
                "trailer poster",
            )
        )
    tweets = fields.data.get("tweets")
    items = [("tweet", fields.data.get("tweet"))] + (
        [(f"tweets[{i}]", t) for i, t in enumerate(tweets)] if isinstance(tweets, list) else []
    )
    for where, tweet in items:
        media = tweet.get("media") if isinstance(tweet, dict) else None
        src = media.get("src") if isinstance(media, dict) else None
        if isinstance(src, str) and src.strip() and not is_remote(src.strip()):
            line = (
                fields.lines.get(f"{where}.media")
                or fields.lines.get(where)
                or fields.line(where.split("[")[0])
            )
            refs.append(ImageRef(src.strip(), line, "tweet image"))
    return tuple(refs)


def _stills(fields: _Fields) -> tuple[tuple[Still, ...], list[ImageRef]]:
    """A film's ``stills``: paths, or ``{src, alt, focus}`` mappings."""
    value = fields.data.get("stills")
    if value is None:
        return (), []
    if not isinstance(value, list):
        fields.fail(
            "stills",
            "'stills' must be a list of images",
            'write stills: [{src: /img/still.jpg, alt: "what it shows"}]',
        )
        return (), []
    stills, refs = [], []
    for index, item in enumerate(value):
        where = f"stills[{index}]"
        line = fields.lines.get(where) or fields.line("stills")
        if isinstance(item, str):
            item = {"src": item}
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("src"), str)
            or not item["src"].strip()
        ):
            fields.problems.append(
                error(
                    fields.path,
                    line,
                    f"{where} must be an image path or {{src, alt}}",
                    'write - {src: /img/still.jpg, alt: "what it shows"}',
                )
            )
            continue
        unknown = [str(k) for k in item if k not in ("src", "alt", "focus")]
        if unknown:
            fields.problems.append(
                warning(
                    fields.path,
                    line,
                    f"unknown key {unknown[0]!r} in {where} is ignored",
                    "known keys: src, alt, focus",
                )
            )
        src = item["src"].strip()
        if (
            not is_safe_url(src)
            or src.startswith("//")
            or any(ch.isspace() or ch in "<>\"'`\\" for ch in src)
        ):
            fields.problems.append(
                error(
                    fields.path,
                    line,
                    f"{where} is not a safe image address: {src!r}",
                    "use a path like /img/still.jpg or an https:// URL",
                )
            )
            continue
        alt = item.get("alt")
        if alt is None:
            fields.problems.append(
                warning(
                    fields.path,
                    line,
                    f"{where} has no alt text",
                    'add alt: "what the picture shows", or alt: "" for a decorative one',
                )
            )
        focus = parse_focus(item["focus"]) if item.get("focus") is not None else CENTRE
        if focus is None:
            fields.problems.append(
                error(
                    fields.path,
                    line,
                    f"{where}.focus must be two percentages, got {item['focus']!r}",
                    "write focus: 50% 30%",
                )
            )
            focus = CENTRE
        stills.append(Still(src, None if alt is None else " ".join(str(alt).split()), focus))
        if not is_remote(src):
            refs.append(ImageRef(src, line, where))
        else:
            _check_remote(fields, where, src, line)
    return tuple(stills), refs


def parse_page(tax: Taxonomy, path: str, raw: bytes) -> tuple[PageSource | None, list[Problem]]:
    """Validate a term's own page (``content/<kind>/*.md``) of the declared kind ``tax``."""
    problems: list[Problem] = []
    opened = _open(path, raw, set(tax.page_keys), problems)
    if opened is None:
        return None, problems
    fields, body, body_line = opened
    lines = fields.lines
    name_key, image_key = tax.name_key, tax.image_key
    name = fields.text(name_key, required=True)
    extra: dict[str, Any] = {}
    more_refs: list[ImageRef] = []
    for key, _ in tax.fields:
        value = fields.text(key)
        if value:
            extra[key] = value
    if tax.media:
        stills, more_refs = _stills(fields)
        if stills:
            extra["stills"] = stills
        trailer = _trailer(fields)
        if trailer is not None:
            extra["trailer"] = trailer
    focus = _focus(fields, f"{image_key}_focus")
    if focus != CENTRE:
        extra["image_focus"] = focus
    year: int | None = None
    dates: tuple[ReleaseDate, ...] = ()
    if tax.releases:
        year, dates = _release(
            fields,
            "release_date",
            fields.data.get("release_year"),
            fields.line("release_year"),
            fields.data.get("release_date"),
            fields.line("release_date"),
        )
    record = PageSource(
        kind=tax.name,
        source=path,
        digest=hash_bytes(raw),
        name=" ".join((name or "").split()),
        name_line=lines.get(name_key),
        aka=fields.names("aka"),
        release_year=year,
        release_dates=dates,
        image=fields.link(image_key),
        image_alt=fields.text(f"{image_key}_alt"),
        extra=extra,
        body=body,
        body_line=body_line,
    )
    record = replace(
        record,
        refs=_refs(fields, image_key, record.image, record.image_alt, f"{image_key}_alt")
        + tuple(more_refs),
    )
    if any(p.severity == "error" for p in problems):
        return None, problems
    return record, problems


_entry_name = operator.attrgetter("name")


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "a special file"


def read_source(path: Path | str) -> bytes:
    """A source file's bytes; anything but a regular file is an ``OSError``, never a hang
    (a named pipe is opened without blocking, then refused)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(
                errno.EINVAL, f"{_file_kind(info.st_mode)}, not a regular file", str(path)
            )
        chunks = []
        while True:
            chunk = os.read(fd, max(info.st_size + 1, 65536))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def find_sources(
    site_dir: Path, folder: str, recursive: bool
) -> tuple[list[tuple[str, os.stat_result | None]], list[Problem]]:
    """Markdown files under ``content/<folder>`` as site-relative paths, sorted, each with its
    ``stat`` (None if it vanished meanwhile).

    Symbolic links (to files or folders, ``content/<folder>`` itself included) are followed
    only when they stay inside the site folder; loops and links that lead out are problems,
    never read.
    """
    root = SiteLayout(site_dir).content_folder(folder)
    try:
        if not root.is_dir():
            return [], []
    except OSError as exc:  # content/ itself cannot be searched
        return [], [
            error(
                CONTENT,
                None,
                f"cannot read the folder ({exc.strerror or exc})",
                "check the folder's permissions",
            )
        ]
    site_real = os.path.realpath(site_dir)
    found: list[tuple[str, os.stat_result | None]] = []
    problems: list[Problem] = []

    def inside(path: str) -> str | None:
        """The real path of ``path`` when it resolves inside the site folder, else None (with a problem)."""
        rel = os.path.relpath(path, site_dir).replace(os.sep, "/")
        try:
            real = os.path.realpath(path, strict=True)
        except (OSError, RuntimeError):
            problems.append(
                error(
                    rel, None, "broken or looping symbolic link", "remove it or point it at a file"
                )
            )
            return None
        if os.path.commonpath([real, site_real]) != site_real:
            problems.append(link_outside(rel, "copy the files into content/ instead"))
            return None
        return real

    def cannot_list(rel_dir: str, exc: OSError) -> None:
        problems.append(
            error(
                rel_dir,
                None,
                f"cannot read the folder ({exc.strerror or exc})",
                "check its permissions so that newsreel can list it, or move it out of content/",
            )
        )

    def walk(current: str, rel_dir: str) -> None:
        # os.scandir knows from the folder listing which entries are files and links, so a
        # plain file costs one stat() call: this runs for every post on every build. The
        # folder is listed through a descriptor of it, so that call looks up the file's name
        # alone, not its whole path (a fifth less time: 40 ms at 40,000 posts).
        try:
            folder_fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:  # removed while we looked
            return
        except OSError as exc:
            cannot_list(rel_dir, exc)
            return
        try:
            folders = read_listed(folder_fd, current, rel_dir)
        finally:
            os.close(folder_fd)
        for path, name in folders:
            walk(path, f"{rel_dir}/{name}")

    def read_listed(folder_fd: int, current: str, rel_dir: str) -> list[tuple[str, str]]:
        """The files of one folder found (``found``), its subfolders to read returned."""
        folders: list[tuple[str, str]] = []
        try:
            with os.scandir(folder_fd) as listing:
                entries = sorted(listing, key=_entry_name)
        except OSError as exc:
            cannot_list(rel_dir, exc)
            return folders
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link looping onto itself: reported below as a link
                is_dir = False
            if is_dir:
                if not recursive:
                    continue
                path = os.path.join(current, name)
                real = inside(path) if entry.is_symlink() else os.path.realpath(path)
                if real is None:
                    continue
                if real in visited:  # a link back to a folder already read: a loop
                    problems.append(
                        error(
                            f"{rel_dir}/{name}",
                            None,
                            "symbolic link loops back to a folder already read",
                            "remove the link",
                        )
                    )
                    continue
                visited.add(real)
                folders.append((path, name))
            elif not name.endswith(".md"):
                if is_markdown_name(name):
                    problems.append(
                        _stray(
                            f"{rel_dir}/{name}",
                            f"rename it to {_md_name(name)}",
                            "only files named *.md are read",
                        )
                    )
            else:
                if entry.is_symlink() and inside(os.path.join(current, name)) is None:
                    continue
                try:
                    info: os.stat_result | None = entry.stat()
                except OSError:
                    info = None
                if info is not None and not stat.S_ISREG(info.st_mode):
                    if not stat.S_ISDIR(info.st_mode):
                        problems.append(
                            error(
                                f"{rel_dir}/{name}",
                                None,
                                f"cannot read the file ({_file_kind(info.st_mode)}, not a regular file)",
                                "replace it with a regular Markdown file, or remove it",
                            )
                        )
                    continue
                found.append((f"{rel_dir}/{name}", info))
        return folders

    root_real = inside(str(root))
    if root_real is None:
        return [], problems
    visited = {root_real}
    walk(str(root), f"content/{folder}")
    return found, problems


_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")


def is_markdown_name(name: str) -> bool:
    """A file name a writer may mean as Markdown (``.md`` in any case, ``.markdown``…)."""
    return not name.startswith(".") and name.lower().endswith(_MARKDOWN_SUFFIXES)


def _md_name(name: str) -> str:
    stem = name.rpartition(".")[0]
    return f"{stem}.md"


def _stray(rel: str, hint: str, why: str = "newsreel looks for no posts or pages there") -> Problem:
    """The warning for a Markdown file the build does not read, saying where it would be read."""
    return warning(rel, None, f"not read: {why}", hint)


def stray_sources(site_dir: Path, folders: Iterable[str]) -> list[Problem]:
    """Warnings for Markdown files in ``content/`` and its folders that no build reads: beside
    the folders (``content/a.md``), in a folder that is neither ``posts`` nor a declared kind
    with pages (``content/post/a.md``). Those ``find_sources`` reads are not looked at here."""
    read = set(folders)
    problems: list[Problem] = []
    try:
        with os.scandir(SiteLayout(site_dir).root / CONTENT) as listing:
            entries = sorted(listing, key=_entry_name)
    except OSError:
        return []  # (no content/ yet; one that cannot be listed is find_sources's error)
    for entry in entries:
        name = entry.name
        try:
            if entry.is_file() and is_markdown_name(name):
                problems.append(_stray(f"{CONTENT}/{name}", f"move it into {CONTENT}/posts/"))
            elif entry.is_dir() and name not in read and not name.startswith("."):
                with os.scandir(entry.path) as inner:
                    names = sorted(e.name for e in inner if is_markdown_name(e.name))
                hint = (
                    f"posts go in {CONTENT}/posts/; pages of a kind of term in "
                    f"{CONTENT}/<kind>/, the kind declared with pages in newsreel.yaml"
                )
                problems += [_stray(f"{CONTENT}/{name}/{stray}", hint) for stray in names]
        except OSError:
            continue
    return problems
