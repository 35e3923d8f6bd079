"""The theme and static files: where the built-in theme lives, which files a build copies.

Templates come from the site's ``templates/`` first, then the theme's; static files from the
theme's ``static/`` (only its own folders, ``THEME_STATIC``), then the site's ``static/``.
CSS and JS get a content hash in their output name so browsers may cache them for ever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from newsreel.errors import Problem, error, link_outside
from newsreel.hashing import hash_bytes
from newsreel.layout import STATIC, TEMPLATES, SiteLayout

FINGERPRINTED = (".css", ".js")
THEME_STATIC = frozenset({"css", "js", "fonts", "favicon.svg"})
"""The theme's own files in the top-level static/ (the rest is the example blog's)."""


def theme_dirs() -> tuple[Path, Path]:
    """The built-in theme's templates and static folders (packaged, or the source checkout's)."""
    package = Path(__file__).resolve().parent
    packaged = package / "_theme"
    root = packaged if (packaged / TEMPLATES).is_dir() else package.parent
    return root / TEMPLATES, root / STATIC  # laid out as a site folder


def _static_files(
    root: Path, only: frozenset[str] | None, fence: Path, site_dir: Path, problems: list[Problem]
) -> dict[str, Path]:
    """Files under ``root``; a symbolic link that leads outside ``fence`` is a problem, not a file."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    fence_real = os.path.realpath(fence)
    seen: set[str] = set()
    for current, dirs, files in os.walk(root, followlinks=True):
        real_here = os.path.realpath(current)
        if real_here in seen:  # (a link back to a folder already copied: a loop)
            dirs[:] = []
            continue
        seen.add(real_here)
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            linked = os.path.realpath(os.path.join(current, name))
            if os.path.commonpath([linked, fence_real]) == fence_real:
                kept.append(name)  # (a linked folder inside the site folder is copied)
                continue
            problems.append(
                link_outside(
                    os.path.relpath(os.path.join(current, name), site_dir).replace(os.sep, "/"),
                    "copy the folder into static/ instead of linking to it",
                )
            )
        dirs[:] = kept
        for name in sorted(files):
            full = Path(current, name)
            rel = full.relative_to(root).as_posix()
            if name.startswith(".") or (only is not None and rel.split("/", 1)[0] not in only):
                continue
            real = os.path.realpath(full)
            if os.path.commonpath([real, fence_real]) != fence_real:
                where = os.path.relpath(full, site_dir).replace(os.sep, "/")
                problems.append(
                    link_outside(where, "copy the file into static/ instead of linking to it")
                )
            elif full.is_file():
                if not os.access(full, os.R_OK):
                    problems.append(
                        error(
                            os.path.relpath(full, site_dir).replace(os.sep, "/"),
                            None,
                            "cannot be read (permission denied)",
                            "check the file's permissions",
                        )
                    )
                    continue
                found[rel] = full
    return found


def check_templates(site_dir: Path) -> list[Problem]:
    """The site's own templates that cannot be read: anything but a regular file (a named pipe
    would hang the build), a file newsreel may not open, or a link that leads out of the site
    folder (the loader would publish what it points at: ``templates/post.html`` → a system
    file). Linked folders inside the site folder are read, as the loader reads them."""
    problems: list[Problem] = []
    root = SiteLayout(site_dir).templates
    if not root.is_dir():
        return problems
    site_real = os.path.realpath(site_dir)
    seen: set[str] = set()

    def walk(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rel = folder.relative_to(site_dir).as_posix()
            problems.append(
                error(
                    rel,
                    None,
                    f"cannot read the folder ({exc.strerror or exc})",
                    "check its permissions",
                )
            )
            return
        for entry in entries:
            rel = Path(entry.path).relative_to(site_dir).as_posix()
            if entry.is_symlink():
                real = os.path.realpath(entry.path)
                if os.path.commonpath([real, site_real]) != site_real:
                    problems.append(link_outside(rel, "copy the template into templates/ instead"))
                    continue
            try:
                info = os.stat(entry.path)
            except OSError as exc:
                problems.append(
                    error(
                        rel,
                        None,
                        f"cannot read the template ({exc.strerror or exc})",
                        "remove the broken link or fix its permissions",
                    )
                )
                continue
            if stat.S_ISDIR(info.st_mode):
                real = os.path.realpath(entry.path)
                if real not in seen:  # (a link back to a folder already read: a loop)
                    seen.add(real)
                    walk(Path(entry.path))
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(
                    error(
                        rel,
                        None,
                        "cannot read the template (not a regular file)",
                        "replace it with a regular file, or remove it",
                    )
                )
                continue
            try:
                os.close(os.open(entry.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
            except OSError as exc:
                problems.append(
                    error(
                        rel,
                        None,
                        f"cannot read the template ({exc.strerror or exc})",
                        "check its permissions",
                    )
                )

    walk(root)
    return problems


def collect_static(site_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Files to copy into the output root (the theme's, then the site's own) and any problems."""
    _, theme_static = theme_dirs()
    problems: list[Problem] = []
    theme = _static_files(theme_static, THEME_STATIC, theme_static, site_dir, problems)
    own = _static_files(SiteLayout(site_dir).static, None, site_dir, site_dir, problems)
    return {**theme, **own}, problems


def asset_names(static: dict[str, Path], fingerprint: bool) -> dict[str, str]:
    """Map each static file to its output name: CSS and JS get a content hash in the name."""
    names = {}
    for rel, path in static.items():
        if fingerprint and rel.endswith(FINGERPRINTED):
            digest = hash_bytes(path.read_bytes(), 5)
            stem, dot, ext = rel.rpartition(".")
            names[rel] = f"{stem}.{digest}.{ext}"
        else:
            names[rel] = rel
    return names
