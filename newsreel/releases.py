"""Release dates: a film's reports folded into its releases, and the calendar of one day.

``fold`` reads what a film's posts reported (oldest first), then its own page, and keeps
one ``Release`` per region: the latest date, how often it changed (a slip is history, and
the .ics ``SEQUENCE``), and the posts that reported it. A report of a year alone that moves
the film to another year cancels the dates that no longer fit.

``release_calendar`` sorts the films for one day: upcoming releases by month, films known
only by their year, recent releases. ``next_change`` says when that day's calendar stops
being true, so a build knows until when its pages hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from newsreel.model import Post, PostList, Release, ReleaseDate, ReleaseReport, Term, YearReport

RECENT_DAYS = 90
"""A release stays in the calendar's "recently released" section this many days."""


def year_of(dates: Sequence[ReleaseDate]) -> int | None:
    """The year a list of dates stands for: the date without region's, else the earliest's."""
    if not dates:
        return None
    plain = [d.date for d in dates if d.region is None]
    return (plain[0] if plain else min(d.date for d in dates)).year


@dataclass
class _Slot:
    """One region's release while folding (mutable only inside ``fold``)."""

    date: dt.date
    sequence: int
    previous: list[dt.date]
    reported_by: list[Post]
    changed: dt.datetime | None
    cancelled: bool = False

    def frozen(self, region: str | None) -> Release:
        return Release(
            region,
            self.date,
            self.sequence,
            tuple(self.previous),
            PostList.of(self.reported_by),
            self.changed,
            self.cancelled,
        )


@dataclass(frozen=True)
class Folded:
    """What ``fold`` makes of a film's reports."""

    year: int | None
    releases: tuple[Release, ...]
    """By date, then region; cancelled ones included."""
    history: tuple[ReleaseReport, ...] = ()
    years: tuple[YearReport, ...] = field(default=())
    """Each change of the year by a post, oldest first."""


def fold(reports: Iterable[tuple[Post | None, int | None, tuple[ReleaseDate, ...]]]) -> Folded:
    """A film's release from its reports, oldest first: (post or None for the film page,
    the year it wrote, the dates it wrote)."""
    year: int | None = None
    slots: dict[str | None, _Slot] = {}
    history: list[ReleaseReport] = []
    years: list[YearReport] = []
    for post, written_year, dates in reports:
        changed = False
        for release in dates:
            slot = slots.get(release.region)
            when = post.date if post is not None else None
            if slot is None:
                slots[release.region] = _Slot(release.date, 0, [], [post] if post else [], when)
                changed = True
            elif slot.cancelled or slot.date != release.date:
                if slot.date != release.date:
                    slot.previous.append(slot.date)
                slot.sequence += 1
                slot.date, slot.cancelled = release.date, False
                slot.reported_by = [post] if post else []
                slot.changed = when if post is not None else slot.changed
                changed = True
            elif post is not None:
                slot.reported_by.append(post)
        if dates:
            new_year = written_year or year_of(
                [ReleaseDate(s.date, r) for r, s in slots.items() if not s.cancelled]
            )
        else:
            new_year = written_year
            if new_year is not None and new_year != year:
                for slot in slots.values():  # the film moved to a year these dates are not in
                    if not slot.cancelled and slot.date.year != new_year:
                        slot.cancelled = True
                        slot.sequence += 1
                        slot.reported_by = [post] if post else []
                        slot.changed = post.date if post is not None else slot.changed
        if new_year is not None and new_year != year:
            year = new_year
            changed = True
            if post is not None:
                years.append(YearReport(new_year, PostList.of([post])))
        if changed:
            history.append(
                ReleaseReport(
                    PostList.of([post] if post else []),
                    written_year or year_of(dates),
                    tuple(dates),
                )
            )
    releases = sorted(
        (slot.frozen(region) for region, slot in slots.items()),
        key=lambda r: (r.date, r.region or ""),
    )
    return Folded(year, tuple(releases), tuple(history), tuple(years))


# --- the calendar of one day ---------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the calendar: a film's release in one region."""

    work: Term
    release: Release


@dataclass(frozen=True)
class Month:
    first: dt.date
    """The month's first day."""
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Year:
    year: int
    works: tuple[Term, ...]


@dataclass(frozen=True)
class Past:
    year: int
    entries: tuple[Entry, ...]
    """Newest first."""


@dataclass(frozen=True)
class Calendar:
    """The release calendar as of ``today`` (the build's date in the site's time zone)."""

    today: dt.date
    upcoming: tuple[Month, ...]
    """Releases on or after today, by month."""
    undated: tuple[Year, ...]
    """Films known only by a year, this year or later, by year."""
    recent: tuple[Entry, ...]
    """Releases of the last ``RECENT_DAYS`` days, newest first."""
    earlier: tuple[Past, ...] = ()
    """Older releases by year, newest first."""

    @property
    def empty(self) -> bool:
        return not (self.upcoming or self.undated or self.recent or self.earlier)


def active(work: Term) -> list[Release]:
    return [r for r in work.releases if not r.cancelled]


def release_calendar(works: Iterable[Term], today: dt.date) -> Calendar:
    """Sort ``films`` into the calendar of ``today``."""
    upcoming: dict[dt.date, list[Entry]] = {}
    undated: dict[int, list[Term]] = {}
    recent: list[Entry] = []
    earlier: dict[int, list[Entry]] = {}
    horizon = today - dt.timedelta(days=RECENT_DAYS)
    for work in works:
        dated = active(work)
        for release in dated:
            if release.date >= today:
                upcoming.setdefault(release.date.replace(day=1), []).append(Entry(work, release))
            elif release.date >= horizon:
                recent.append(Entry(work, release))
            else:
                earlier.setdefault(release.date.year, []).append(Entry(work, release))
        if not dated and work.release_year is not None and work.release_year >= today.year:
            undated.setdefault(work.release_year, []).append(work)

    def order(entry: Entry) -> tuple[object, ...]:
        return (
            entry.release.date,
            entry.work.name.casefold(),
            entry.work.slug,
            entry.release.region or "",
        )

    months = tuple(
        Month(first, tuple(sorted(entries, key=order)))
        for first, entries in sorted(upcoming.items())
    )
    years = tuple(
        Year(year, tuple(sorted(works, key=lambda t: (t.name.casefold(), t.slug))))
        for year, works in sorted(undated.items())
    )
    recent.sort(key=order)
    past = tuple(
        Past(year, tuple(reversed(sorted(entries, key=order))))
        for year, entries in sorted(earlier.items(), reverse=True)
    )
    return Calendar(today, months, years, tuple(reversed(recent)), past)


def next_release(work: Term, today: dt.date) -> Release | None:
    """The film's first release on or after ``today`` in any region, if any."""
    return next((r for r in active(work) if r.date >= today), None)


def last_release(work: Term, today: dt.date) -> Release | None:
    """The film's latest release before ``today``, if any."""
    past = [r for r in active(work) if r.date < today]
    return past[-1] if past else None


def next_change(works: Iterable[Term], now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first moment after ``now`` at which the calendar (or a film's next release) changes:
    a release date passes, leaves the recent section, or a film's year ends."""
    days: set[dt.date] = set()
    for work in works:
        for release in active(work):
            for after in (1, RECENT_DAYS + 1):
                if release.date < dt.date.max - dt.timedelta(days=after):
                    days.add(release.date + dt.timedelta(days=after))
        if work.release_year is not None and 1 <= work.release_year < dt.MAXYEAR:
            days.add(dt.date(work.release_year + 1, 1, 1))
    moments = [dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in days]
    later = [moment for moment in moments if moment > now]
    return min(later, default=None)


def today_of(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The build's date in the site's time zone."""
    return now.astimezone(zone).date()
