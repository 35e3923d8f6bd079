"""A build's picture work, in three calls ``build.py`` makes: ``prepare`` the image catalog,
``problems`` of the images sources use, ``write`` the variants and social cards.

Kept apart from the page machinery: the catalog depends on ``static/`` alone, so a build
that reuses pages reuses images too (see ``images.py`` for the cache).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from newsreel import images
from newsreel.cards import CardsOnDemand, CardSpec, card_specs, make_all
from newsreel.errors import Problem, error
from newsreel.images import Catalog
from newsreel.incremental.store import CACHE_DIR
from newsreel.pictures import check_refs
from newsreel.report import Reporter
from newsreel.taxonomies import Taxonomy
from newsreel.urls import Urls


def prepare(
    site_dir: Path, static: Mapping[str, Path], use_cache: bool, reporter: Reporter
) -> Catalog:
    """Every image of ``static`` through the pipeline (from the cache when it can)."""
    cache = site_dir / CACHE_DIR if use_cache else None
    return images.prepare(
        static, cache, lambda done, total: reporter.progress("images", done, total)
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
