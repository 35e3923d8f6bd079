"""Release calendars people subscribe to: RFC 5545 iCalendar files, written with ``icalendar``.

One all-day event per film and region. Its ``UID`` is made of the film's slug, the region
and the site's address, so a calendar app that reads the file again replaces the event
instead of adding a second one; ``SEQUENCE`` counts the changes of that release (a slip
bumps it) and ``DTSTAMP`` is the date of the post that reported the latest change: both
come from the content, so the same content gives the same bytes on every build. A release
that no longer holds (the film moved to a year without a date) stays as a cancelled event,
so subscribers see it go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsreel.model import Release, Term
from newsreel.urls import Urls

if TYPE_CHECKING:  # pragma: no cover
    import icalendar

PRODID = "-//newsreel//Release calendar//EN"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def has_events(work: Term) -> bool:
    """True when the film has a calendar of its own (some release was ever dated)."""
    return bool(work.releases)


def uid(work: Term, release: Release, urls: Urls) -> str:
    """Stable per site, film and region: ``release.<slug>.<region>@<host><path>``."""
    host = urlsplit(urls.origin).netloc or "newsreel.invalid"
    return f"release.{work.slug}.{(release.region or 'all').lower()}@{host}{urls.base_path.rstrip('/')}"


def _stamp(work: Term, release: Release) -> dt.datetime:
    """When the release last changed: its reporting post's date, else (set by the film page)
    the newest post about the film, else the Unix epoch — never the clock."""
    when = (
        release.changed or max((p.updated or p.date for p in work.posts[:1]), default=None) or EPOCH
    )
    return when.astimezone(dt.UTC)


def _event(work: Term, release: Release, urls: Urls) -> icalendar.Event:
    import icalendar

    event = icalendar.Event()
    where = f" ({release.region_name})" if release.region else ""
    event.add("uid", uid(work, release, urls))
    event.add("dtstamp", _stamp(work, release))
    event.add("last-modified", _stamp(work, release))
    event.add("sequence", release.sequence)
    event.add("dtstart", release.date)
    event.add(
        "dtend", release.date + dt.timedelta(days=1) if release.date < dt.date.max else release.date
    )
    event.add("summary", f"{work.name} — release{where}")
    lines = [f"{work.name} is released on {release.date.isoformat()}{where}."]
    if release.cancelled:
        lines = [
            f"{work.name} is no longer expected on {release.date.isoformat()}{where}: "
            f"its release is now given as {work.release_year or 'unknown'}."
        ]
    if release.previous:
        lines.append(
            "Earlier reported: " + ", ".join(d.isoformat() for d in release.previous) + "."
        )
    for post in release.reported_by:
        lines.append(f"Reported in “{post.title}”: {urls.absolute(post.url)}")
    lines.append(urls.absolute(work.url))
    event.add("description", "\n".join(lines))
    if urls.origin:
        event.add("url", urls.absolute(work.url))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if release.cancelled else "CONFIRMED")
    return event


def calendar_bytes(works: Sequence[Term], name: str, description: str, urls: Urls) -> bytes:
    """The iCalendar file of every dated release of ``films``."""
    import icalendar  # (imported when a calendar is written: most builds write none)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # (TEXT values, given as such: icalendar escapes ; , and \ only in the types it knows)
    calendar.add("name", icalendar.vText(name))
    calendar.add("x-wr-calname", icalendar.vText(name))
    calendar.add("description", icalendar.vText(description))
    calendar.add("x-wr-caldesc", icalendar.vText(description))
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    for work in works:
        for release in work.releases:
            calendar.add_component(_event(work, release, urls))
    text: bytes = calendar.to_ical()  # icalendar leaves its return type open
    return text
