"""Shared test set-up: ``tests/`` importable for its kit (sitekit.py, nginx.py), and the
fixtures every browser test uses."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitekit import Served, chromium, preview_site, serving  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the module's tests (skipped where Chromium is missing, not in CI)."""
    with chromium() as launched:
        yield launched


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Served]:
    """``newsreel serve`` running on a fresh :func:`sitekit.preview_site` (its temp folder in
    ``tmp_path / "tmp"``), stopped after the test if it still runs."""
    with serving(preview_site(tmp_path), tmp_path / "tmp") as served:
        yield served
