"""Where every page lives: site paths, links under ``base_url``'s path, output files.

A *site path* is a page's URL relative to the site root, always starting with ``/``
("/films/amelie/"). ``Urls.link`` adds the base path, ``Urls.absolute`` the origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newsreel.config import Settings

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")


def is_safe_url(url: str) -> bool:
    """False for ``javascript:``, ``data:``, ``vbscript:`` and every scheme but http(s), mailto, tel.

    Browsers drop tabs, newlines and control characters inside a scheme
    (``java\\tscript:``), so those are removed before looking.
    """
    match = _SCHEME.match(_IGNORED_BY_BROWSERS.sub("", url))
    return match is None or match.group(1).lower() in SAFE_SCHEMES


@dataclass(frozen=True)
class Urls:
    """URL scheme of one build."""

    base_path: str
    """``base_url``'s path: "/" or "/movie-news/"."""
    origin: str
    """"https://example.org", or "" when base_url is not absolute."""
    permalink: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Urls:
        return cls(settings.base_path, settings.origin, settings.permalink)

    # --- site paths -------------------------------------------------------------
    def post(self, slug: str, when: datetime) -> str:
        return self.permalink.format(
            slug=slug, year=f"{when.year:04d}", month=f"{when.month:02d}", day=f"{when.day:02d}"
        )

    @staticmethod
    def home(page: int = 1) -> str:
        return "/" if page == 1 else f"/page/{page}/"

    @staticmethod
    def terms(kind: str) -> str:
        return f"/{kind}/"

    @staticmethod
    def term(kind: str, slug: str, page: int = 1) -> str:
        return f"/{kind}/{slug}/" if page == 1 else f"/{kind}/{slug}/page/{page}/"

    @staticmethod
    def term_feed(kind: str, slug: str) -> str:
        return f"/{kind}/{slug}/feed.xml"

    @staticmethod
    def term_calendar(kind: str, slug: str) -> str:
        """A work's own release calendar (iCalendar)."""
        return f"/{kind}/{slug}/releases.ics"

    # --- links ------------------------------------------------------------------
    def link(self, site_path: str) -> str:
        """A root-relative link that works under the base path."""
        if not site_path.startswith("/") or site_path.startswith("//"):
            return site_path
        return self.base_path + site_path[1:]

    def absolute(self, site_path: str) -> str:
        """An absolute URL (root-relative when base_url is not absolute)."""
        if not site_path.startswith("/") or site_path.startswith("//"):
            return site_path
        return self.origin + self.link(site_path)

    @staticmethod
    def output_file(site_path: str) -> str:
        """The file a site path is written to, relative to the output folder."""
        path = site_path.lstrip("/")
        if path == "" or path.endswith("/"):
            return path + "index.html"
        return path
