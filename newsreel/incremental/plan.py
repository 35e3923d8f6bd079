"""The plan of a patch: whether the last build's snapshot can be patched, and which pages.

A build is patched when the only inputs changed since the last full build are posts whose
*shape* (``snapshot.post_shape``) is the same. Then the pages to plan again are exactly
those that held or read an edited post (``Snapshot.posts``); every other page's key is
unchanged by construction (``keys``).
"""

from __future__ import annotations

from datetime import datetime

from newsreel.incremental.keys import Unit
from newsreel.incremental.snapshot import Snapshot, post_shape
from newsreel.incremental.store import Inputs, Stamp
from newsreel.loader import PostSource

PATCH_LIMIT = 200
"""More changed posts than this are rebuilt from every source (in parallel) rather than patched."""


def changed_posts(
    last: Snapshot | None, inputs: Inputs, manifest: tuple[int, ...] | None, now: datetime
) -> list[str] | None:
    """The sources whose stamp changed since ``last``, when a patch may do; None when a full
    build is needed (no snapshot, other settings or templates, another build of the output
    since, a source added or removed). Which of them were edited is told by their bytes
    (``Snapshot.digests``), then ``patchable``."""
    if (
        last is None
        or last.scope != inputs.scope
        or manifest is None
        or last.manifest != manifest
        or (last.valid_until is not None and now >= last.valid_until)
        or (last.valid_from is not None and now < last.valid_from)
    ):
        return None
    stamps = stamps_of(inputs)
    if stamps.keys() != last.stamps.keys():
        return None
    return [rel for rel, stamp in stamps.items() if stamp is None or stamp != last.stamps[rel]]


def patchable(last: Snapshot, edited: list[str]) -> bool:
    """True when the sources whose bytes changed are few, and all posts read without error
    last time (only those have a shape to compare)."""
    return len(edited) <= PATCH_LIMIT and all(rel in last.posts for rel in edited)


def stamps_of(inputs: Inputs) -> dict[str, Stamp | None]:
    return {rel: stamp for _, rel, stamp in inputs.sources}


def same_shape(last: Snapshot, record: PostSource) -> bool:
    """True when an edited post changed nothing but its text."""
    return post_shape(record) == last.posts[record.source].shape


def pages_to_patch(last: Snapshot, edited: list[str]) -> list[Unit]:
    """The pages that held or read the edited posts, each once (drafts are on none)."""
    return list(dict.fromkeys(unit for rel in edited for unit in last.posts[rel].pages))
