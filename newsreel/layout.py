"""The site folder's layout: the one place that names its folders and files.

A site folder holds ``newsreel.yaml`` (optional), ``content/`` (posts and term pages),
``templates/`` and ``static/`` (both optional, over the built-in theme's); a build writes
``site/`` unless told another output, and keeps its cache in ``.newsreel-cache/``.
Every other module asks ``SiteLayout`` (or these names, for messages) instead of spelling
them again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CONTENT = "content"
TEMPLATES = "templates"
STATIC = "static"
CONFIG = "newsreel.yaml"
OUTPUT = "site"
CACHE = ".newsreel-cache"
POSTS = "posts"
"""The folder of ``content/`` that holds the posts (any depth)."""
SOURCE_DIRS = (CONTENT, TEMPLATES, STATIC)
"""The folders that hold a site's sources: watched by ``serve``, never an output."""


@dataclass(frozen=True)
class SiteLayout:
    """The paths of one site folder."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / CONTENT

    @property
    def posts(self) -> Path:
        return self.root / CONTENT / POSTS

    def content_folder(self, name: str) -> Path:
        """``content/<name>/`` ("posts", or a taxonomy's pages: "films")."""
        return self.root / CONTENT / name

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES

    @property
    def static(self) -> Path:
        return self.root / STATIC

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def output(self) -> Path:
        """The default output folder (``--output`` chooses another)."""
        return self.root / OUTPUT

    @property
    def cache(self) -> Path:
        return self.root / CACHE

    @property
    def source_dirs(self) -> tuple[Path, ...]:
        """``content/``, ``templates/``, ``static/``."""
        return tuple(self.root / name for name in SOURCE_DIRS)


def drop_links(folder: Path, depth: int = 0) -> None:
    """Delete every symbolic link among ``folder``'s entries, and in its subfolders ``depth``
    levels down, never following one: the build cache's folders hold none that newsreel made,
    and one planted there would lead its writes, reads and deletions outside."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except OSError:
        return
    for entry in found:
        try:
            if entry.is_symlink():
                os.unlink(entry.path)
            elif depth > 0 and entry.is_dir(follow_symlinks=False):
                drop_links(Path(entry.path), depth - 1)
        except OSError:
            continue


def walk_files(folder: Path) -> Iterator[str]:
    """Every file under ``folder``, in a fixed order, through linked folders as a template
    loader or a copy follows them (each real folder once: a link looping back is not walked
    again)."""
    seen: set[str] = set()
    for current, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(current, name)
