"""Dates as the site shows them: one format, English month names, whatever the locale.

"7 September 2020" for a day (``human_date``: posts, release dates, tweets), "July 2023"
for a month (``month_name``: the release calendar's headings), ISO 8601 for machines (``iso``).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_name(value: dt.date) -> str:
    """ "July 2023" (English, locale-independent)."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def human_date(value: dt.date | datetime | str | None) -> str:
    """ "7 September 2020" (no leading zero, English month names, locale-independent)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def iso(value: dt.date | datetime | None) -> str:
    return "" if value is None else value.isoformat()
