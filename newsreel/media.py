"""A build's picture work, in the calls ``build.py`` makes: ``named`` (the pictures each
source and the templates name), ``prepare`` the image catalog of those, ``problems`` of the
images sources use, ``write`` the variants and social cards.

Only the raster images of ``static/`` that something names go through the pipeline: a post,
film or actor page (its front matter's pictures and its Markdown images) or a template (a
path written in it, as ``picture("/img/logo.png")``). Any other file of ``static/`` is copied
as it is, and costs no encoding; of an image among them only the size is read, so that a
template showing it by a path it computes still gives ``width`` and ``height``. Kept apart from the page machinery: the catalog depends on
``static/`` and those names alone (see ``images.py`` for the cache).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from newsreel import images
from newsreel.cards import CardsOnDemand, CardSpec, card_specs, make_all
from newsreel.errors import Problem, error
from newsreel.images import Catalog
from newsreel.layout import SiteLayout
from newsreel.pictures import check_refs
from newsreel.report import Reporter
from newsreel.taxonomies import Taxonomy
from newsreel.urls import Urls

TEMPLATES = ""
"""The key of ``named``'s result for the pictures the templates name (no source has it)."""
_RASTER_PATH = re.compile(
    r"[\w@%+~.,-]+(?:/[\w@%+~.,-]+)*\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?)\b", re.I
)


def names_of(item: Any, static: Mapping[str, Path]) -> tuple[str, ...]:
    """The raster images of ``static`` that one loaded post or page names (sorted)."""
    record, body = item.source if hasattr(item, "source") else item.record, item.body
    refs = tuple(getattr(record, "refs", ())) + tuple(getattr(body, "images", ()))
    found = {images.static_rel(ref.src) for ref in refs if not images.is_remote(ref.src)}
    return tuple(sorted(rel for rel in found if rel in static and images.is_raster(rel)))


def template_names(folders: Iterable[Path], static: Mapping[str, Path]) -> tuple[str, ...]:
    """The raster images of ``static`` whose path is written in a template (sorted)."""
    found: set[str] = set()
    for folder in folders:
        for current, _, files in os.walk(folder):
            for name in files:
                try:
                    text = Path(current, name).read_text("utf-8", errors="replace")
                except OSError:
                    continue  # (an unreadable template is the build's error to report)
                found.update(match.lstrip("/") for match in _RASTER_PATH.findall(text))
    return tuple(sorted(rel for rel in found if rel in static and images.is_raster(rel)))


def named(
    sources: Iterable[Any], static: Mapping[str, Path], templates: Iterable[Path]
) -> dict[str, tuple[str, ...]]:
    """Source → the raster images it names (sources naming none left out), and ``TEMPLATES``
    → those the templates name."""
    found = {TEMPLATES: template_names(templates, static)}
    for item in sources:
        names = names_of(item, static)
        if names:
            record = item.source if hasattr(item, "source") else item.record
            found[record.source] = names
    return found


def prepare(
    site_dir: Path,
    static: Mapping[str, Path],
    names: Mapping[str, Iterable[str]],
    use_cache: bool,
    reporter: Reporter,
) -> Catalog:
    """The image catalog: the raster images of ``static`` that ``names`` (``named``'s result)
    holds through the pipeline (from the cache when it can); of the others, only the size."""
    cache = SiteLayout(site_dir).cache if use_cache else None
    wanted = {rel for found in names.values() for rel in found}
    return images.prepare(
        static,
        cache,
        lambda done, total: reporter.progress("images", done, total),
        named=wanted,
    )


def problems(sources: Iterable[Any], catalog: Catalog, static: Mapping[str, Path]) -> list[Problem]:
    """Errors for the images (and video files) that posts and film/actor pages name but that
    are missing or unusable. ``sources`` are loaded posts or pages (``record`` and ``body``)."""
    found: list[Problem] = []
    for item in sources:
        record, body = item.source if hasattr(item, "source") else item.record, item.body
        refs = tuple(getattr(record, "refs", ())) + tuple(getattr(body, "images", ()))
        found += check_refs(record.source, refs, catalog)
        for ref in refs:
            rel = ref.src.split("?", 1)[0].split("#", 1)[0].lstrip("/")
            if ref.what == "trailer" and rel not in static:
                found.append(
                    error(
                        record.source,
                        ref.line,
                        f"trailer {ref.src!r} is not a file in static/",
                        f"put the video at static/{rel}, or fix the path",
                    )
                )
    return found


def cards(
    site: Any, catalog: Catalog, site_title: str, taxonomies: Sequence[Taxonomy]
) -> list[CardSpec]:
    return card_specs(site, catalog, site_title, taxonomies)


def outputs(catalog: Catalog, specs: Iterable[CardSpec]) -> list[str]:
    """Output files the pictures add (for the check that no two outputs share a name)."""
    return [rel for rel, _, _ in catalog.outputs()] + [spec.url.lstrip("/") for spec in specs]


def on_demand(catalog: Catalog, specs: Iterable[CardSpec]) -> CardsOnDemand | None:
    """The cards a preview draws when asked for, instead of ``write`` drawing them all."""
    if catalog.folder is None:
        return None
    return CardsOnDemand(catalog.folder, {Urls.output_file(spec.url): spec for spec in specs})


def write(writer: Any, catalog: Catalog, specs: list[CardSpec], reporter: Reporter) -> None:
    """Write every variant and card, keeping those the output already has (their names or keys
    say their content)."""
    if catalog.folder is not None and specs:
        files = make_all(specs, catalog.folder)
        for spec in specs:
            rel = Urls.output_file(spec.url)
            if not writer.keep(rel, spec.key):
                writer.write(rel, files[spec.url].read_bytes(), spec.key)
    for rel, cached, key in catalog.outputs():
        if not writer.keep(rel, key):
            writer.write(rel, cached.read_bytes(), key)


def discard(catalog: Catalog) -> None:
    images.discard(catalog)
