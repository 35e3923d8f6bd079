"""Release dates: validation, the /releases/ calendar as of the build's date, the .ics files
(read back by icalendar and by vobject, an independent parser)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
import vobject
from lxml import html as lxml_html
from sitekit import newsreel, post, tree_hashes, write_site

from newsreel.config import Settings
from newsreel.loader import parse_page, parse_post

BASE = "https://example.org/movie-news/"
FILM = "mission-impossible-dead-reckoning-part-one"

SITE = {
    "newsreel.yaml": f"title: Release reel\nbase_url: {BASE}\n",
    "content/films/dead-reckoning.md": (
        '---\ntitle: "Mission: Impossible – Dead Reckoning Part One"\naka: ["Mission: Impossible 7"]\n---\nSpies.\n'
    ),
    "content/posts/2021-01-10-first.md": post(
        '"First date"', "2021-01-10", film='"Mission: Impossible 7"', release_date="2023-07-14"
    ),
    "content/posts/2023-03-02-slip.md": post(
        '"It slips"',
        "2023-03-02",
        film='"Mission: Impossible 7"',
        release_date="[2023-07-12, {date: 2023-07-10, region: gb}]",
    ),
    "content/posts/2023-03-05-again.md": post(
        '"Still the twelfth"',
        "2023-03-05",
        film='"Mission: Impossible – Dead Reckoning Part One"',
        release_date="2023-07-12",
    ),
    "content/posts/2023-04-01-two.md": post(
        '"Two more"',
        "2023-04-01",
        films="[{title: Dune Part Two, release_year: 2024}, "
        "{title: Amélie, release_date: {date: 2023-06-20, region: FR}}]",
    ),
}


def build(site: Path, now: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSREEL_NOW", now)
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr


def page(site: Path, rel: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((site / "site" / rel).read_bytes())


def text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


# --- validation ------------------------------------------------------------------------------

BAD = {
    "impossible date": ("film: X\nrelease_date: 2023-02-30\n", 5, "not a real date"),
    "year in words": ("film: X\nrelease_date: twenty twenty-three\n", 5, "YYYY-MM-DD"),
    "a year is not a date": ("film: X\nrelease_date: 2023\n", 5, "release_year: 2023"),
    "uk is not a code": ("film: X\nrelease_date: {date: 2023-07-14, region: UK}\n", 5, "is GB"),
    "unknown region in a list": (
        "film: X\nrelease_date:\n  - 2023-07-14\n  - {date: 2023-07-15, region: XX}\n",
        7,
        "not an ISO 3166-1 country code",
    ),
    "year disagrees": (
        "film: X\nrelease_year: 2024\nrelease_date: 2023-07-14\n",
        5,
        "not the year of its release_date",
    ),
    "two dates, one region": (
        "film: X\nrelease_date: [{date: 2023-07-14, region: US}, {date: 2023-07-15, region: us}]\n",
        5,
        "two dates for region US",
    ),
    "unknown key": (
        "film: X\nrelease_date: {date: 2023-07-14, country: US}\n",
        5,
        "unknown key 'country'",
    ),
    "no film": ("release_date: 2023-07-14\n", 4, "no film is"),
    "in a films entry": (
        "films:\n  - title: X\n    release_date: 2023-13-01\n",
        6,
        "not a real date",
    ),
    "impossible year in words": ("film: X\nrelease_year: twenty twenty-three\n", 5, "4-digit year"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_release_dates_are_errors_with_their_line(case: str) -> None:
    front, line, message = BAD[case]
    record, problems = parse_post(
        "content/posts/bad.md",
        f"---\ntitle: T\ndate: 2023-01-01\n{front}---\n".encode(),
        Settings(),
    )
    errors = [p for p in problems if p.severity == "error"]
    assert record is None and errors, problems
    assert any(p.line == line and message in p.message + " " + p.hint for p in errors), errors


def test_film_page_release_date_is_checked() -> None:
    record, problems = parse_page(
        Settings().taxonomy("films"),
        "content/films/x.md",
        b"---\ntitle: X\nrelease_date: {date: 2023-07-14, region: Atlantis}\n---\n",
    )
    assert record is None and problems[0].line == 3 and "Atlantis" in problems[0].message


def test_good_release_dates_are_read() -> None:
    record, problems = parse_post(
        "content/posts/ok.md",
        (
            b"---\ntitle: T\ndate: 2023-01-01\nfilm: X\nrelease_year: 2023\n"
            b"release_date: [2023-07-12, {date: 2023-07-14, region: gb}]\n---\n"
        ),
        Settings(),
    )
    assert record is not None and not problems
    mention = record.mentioned("films")[0]
    assert mention.release_year == 2023
    assert [(d.date, d.region) for d in mention.release_dates] == [
        (dt.date(2023, 7, 12), None),
        (dt.date(2023, 7, 14), "GB"),
    ]


def test_a_bad_date_fails_the_build_and_keeps_the_site(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", SITE)
    assert newsreel("build", site).returncode == 0
    before = tree_hashes(site / "site")
    write_site(
        site,
        {"content/posts/bad.md": post("Bad", "2023-01-01", film="X", release_date="2023-02-29")},
    )
    result = newsreel("build", site)
    assert (
        result.returncode == 1
        and "content/posts/bad.md:5: 'release_date' is not a real date" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert tree_hashes(site / "site") == before


def test_bad_build_date_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "blog", SITE)
    monkeypatch.setenv("NEWSREEL_NOW", "next tuesday")
    result = newsreel("build", site)
    assert result.returncode == 1 and "NEWSREEL_NOW='next tuesday' is not a date" in result.stderr
    assert "Traceback" not in result.stderr


# --- the calendar page ----------------------------------------------------------------------


def test_releases_page_lists_upcoming_by_month_with_slips_regions_and_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "blog", SITE)
    build(site, "2023-06-01", monkeypatch)
    doc = page(site, "releases/index.html")
    months = [text(h) for h in doc.xpath('//h2[@id="upcoming"]/following-sibling::h3')]
    assert months == ["June 2023", "July 2023", "2024 date to be announced"]
    entries = [text(li) for li in doc.xpath("//section")[0].xpath('.//li[@class="release"]')]
    assert entries[0].startswith("20 June 2023 FR Amélie in France")
    assert entries[1].startswith(
        "10 July 2023 GB Mission: Impossible – Dead Reckoning Part One in United Kingdom"
    )
    # the slip, and every post that reported the date that holds
    assert "12 July 2023" in entries[2] and "moved from 14 July 2023" in entries[2]
    assert "Reported in It slips, Still the twelfth" in entries[2]
    assert entries[3] == "2024 Dune: Part Two" or entries[3].startswith("2024 Dune Part Two")
    assert "Nothing released" in text(doc.xpath("//section")[1])
    links = {a.get("href") for a in doc.xpath("//a")}
    assert f"/movie-news/films/{FILM}/" in links and "/movie-news/posts/slip/" in links
    assert "/movie-news/releases.ics" in links
    film = page(site, f"films/{FILM}/index.html")
    facts = text(film.xpath('//p[@class="term__facts"]')[0])
    assert facts.startswith("Next release 10 July 2023 GB; 12 July 2023")
    assert film.xpath(f'//a[@href="/movie-news/films/{FILM}/releases.ics"]')
    history = [text(row) for row in film.xpath('//table[@class="history__table"]/tbody/tr')]
    assert len(history) == 2 and history[0].startswith("14 July 2023 First date")
    assert history[1].startswith("12 July 2023; 10 July 2023 GB It slips")
    assert "Releases" in text(doc.xpath("//nav")[0])


def test_a_date_that_passes_between_two_builds_moves_to_recent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "blog", SITE)
    build(site, "2023-07-11T12:00:00", monkeypatch)
    upcoming = page(site, "releases/index.html").xpath("//section")[0]
    assert "Dead Reckoning" in text(upcoming)
    calendar_before = (site / "site/releases.ics").read_bytes()
    # Nothing changed in the content: the next day's build must still see the date pass.
    build(site, "2023-07-13T08:00:00", monkeypatch)
    doc = page(site, "releases/index.html")
    upcoming, recent = doc.xpath("//section")
    assert "Dead Reckoning" not in text(upcoming)
    recent_entries = [text(li) for li in recent.xpath('.//li[@class="release"]')]
    assert recent_entries[0].startswith("12 July 2023 Mission")
    assert recent_entries[1].startswith("10 July 2023 GB Mission")
    assert recent_entries[2].startswith("20 June 2023 FR Amélie")
    film = page(site, f"films/{FILM}/index.html")
    assert text(film.xpath('//p[@class="term__facts"]')[0]).startswith("Released 12 July 2023")
    # the calendar files do not depend on the day of the build
    assert (site / "site/releases.ics").read_bytes() == calendar_before
    # three months on, the recent section is empty again
    build(site, "2023-11-01", monkeypatch)
    assert "Nothing released" in text(page(site, "releases/index.html").xpath("//section")[1])


def test_a_release_page_shows_the_year_when_no_date_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "blog", SITE)
    build(site, "2023-06-01", monkeypatch)
    film = page(site, "films/dune-part-two/index.html")
    assert text(film.xpath('//p[@class="term__facts"]')[0]) == "Release 2024"
    assert not film.xpath('//a[contains(@href, "releases.ics")]')
    assert not (site / "site/films/dune-part-two/releases.ics").exists()


# --- the calendar files ---------------------------------------------------------------------


def events_by_icalendar(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def events_by_vobject(path: Path) -> dict[str, object]:
    calendar = vobject.readOne(path.read_text("utf-8"))
    return {event.uid.value: event for event in calendar.vevent_list}


def test_ics_files_parse_with_two_parsers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "blog", SITE)
    build(site, "2023-06-01", monkeypatch)
    raw = (site / "site/releases.ics").read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    events = events_by_icalendar(site / "site/releases.ics")
    uid = f"release.{FILM}.all@example.org/movie-news"
    assert set(events) == {
        uid,
        f"release.{FILM}.gb@example.org/movie-news",
        "release.amelie.fr@example.org/movie-news",
    }
    main = events[uid]
    assert (
        main["DTSTART"].dt == dt.date(2023, 7, 12) and main["DTSTART"].params.get("VALUE") == "DATE"
    )
    assert main["DTEND"].dt == dt.date(2023, 7, 13)
    assert int(main["SEQUENCE"]) == 1
    assert str(main["URL"]) == f"{BASE}films/{FILM}/"
    assert main["DTSTAMP"].dt == dt.datetime(2023, 3, 2, tzinfo=dt.UTC)
    assert int(events[f"release.{FILM}.gb@example.org/movie-news"]["SEQUENCE"]) == 0

    second = events_by_vobject(site / "site/releases.ics")
    assert set(second) == set(events)
    assert second[uid].dtstart.value == dt.date(2023, 7, 12)
    assert int(second[uid].sequence.value) == 1
    assert "Mission: Impossible – Dead Reckoning Part One" in second[uid].summary.value
    assert second[uid].url.value == f"{BASE}films/{FILM}/"

    own = events_by_vobject(site / f"site/films/{FILM}/releases.ics")
    assert set(own) == {uid, f"release.{FILM}.gb@example.org/movie-news"}
    assert set(events_by_icalendar(site / "site/films/amelie/releases.ics")) == {
        "release.amelie.fr@example.org/movie-news"
    }


def test_a_slip_keeps_the_uid_and_bumps_the_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "blog", SITE)
    build(site, "2023-06-01", monkeypatch)
    uid = f"release.{FILM}.gb@example.org/movie-news"
    assert int(events_by_icalendar(site / "site/releases.ics")[uid]["SEQUENCE"]) == 0
    write_site(
        site,
        {
            "content/posts/2023-05-01-uk.md": post(
                '"UK date moves"',
                "2023-05-01",
                film='"Mission: Impossible 7"',
                release_date="{date: 2023-07-08, region: GB}",
            )
        },
    )
    build(site, "2023-06-01", monkeypatch)
    event = events_by_vobject(site / "site/releases.ics")[uid]
    assert event.dtstart.value == dt.date(2023, 7, 8) and int(event.sequence.value) == 1
    # a year alone that moves the film cancels the dates that no longer hold, under the same UIDs
    write_site(
        site,
        {
            "content/posts/2023-05-20-moved.md": post(
                '"Moved to next year"',
                "2023-05-20",
                film='"Mission: Impossible 7"',
                release_year="2024",
            )
        },
    )
    build(site, "2023-06-01", monkeypatch)
    events = events_by_icalendar(site / "site/releases.ics")
    assert str(events[uid]["STATUS"]) == "CANCELLED" and int(events[uid]["SEQUENCE"]) == 2
    doc = page(site, "releases/index.html")
    assert "Dead Reckoning" in text(doc.xpath('//h3[@id="year-2024"]/following-sibling::ul[1]')[0])


def test_calendar_names_are_escaped_text() -> None:
    """A calendar's NAME and X-WR-CALNAME are TEXT (RFC 7986): ";", "," and "\\" escaped, so
    a film named "A;B,C\\D" reads back as that name."""
    from newsreel.ical import calendar_bytes
    from newsreel.urls import Urls

    name = "A;B,C\\D"
    raw = calendar_bytes([], name, f"Releases of {name}", Urls.from_settings(Settings()))
    assert b"\r\nNAME:A\\;B\\,C\\\\D\r\n" in raw and b"\r\nX-WR-CALNAME:A\\;B\\,C\\\\D\r\n" in raw
    parsed = vobject.readOne(raw.decode("utf-8"))
    assert parsed.contents["x-wr-calname"][0].value == name


def test_a_sites_own_template_showing_the_day_is_rebuilt_the_next_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site's own template may print the day (``calendar.today``): the last build's work is
    trusted until the day ends, then the pages that read it are rendered again, as a build
    into an empty folder gives them (the next release change was weeks away)."""
    theme = (Path(__file__).resolve().parent.parent / "templates" / "releases.html").read_text()
    own = theme.replace(
        "{% block content %}", "{% block content %}<p>As of {{ calendar.today|human_date }}</p>", 1
    )
    assert own != theme
    site = write_site(tmp_path / "blog", {**SITE, "templates/releases.html": own})
    build(site, "2023-06-01T09:00", monkeypatch)
    assert "As of 1 June 2023" in (site / "site/releases/index.html").read_text("utf-8")
    build(site, "2023-06-01T21:00", monkeypatch)
    build(site, "2023-06-02T09:00", monkeypatch)
    assert "As of 2 June 2023" in (site / "site/releases/index.html").read_text("utf-8")
