"""Search: a Pagefind index of the built pages, written into the output with them.

Pagefind (the ``pagefind`` package's binary, from PyPI) reads the HTML newsreel wrote: what
a page marks with ``data-pagefind-body`` is indexed (posts, film and actor pages), its
``data-pagefind-filter`` and ``data-pagefind-meta`` attributes give the filters (film, actor,
tag, year) and the result's picture. The index lands in ``pagefind/`` and goes through the
output writer like every page, so the manifest lists it and a failed build leaves the old
one. It is made again only when an HTML page changed: its key is the pages' content hashes.

``build`` indexes before it commits; ``serve`` commits its pages first and indexes after,
on a thread of its own (``Indexer``), so the preview never waits for the index.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from newsreel.children import interrupts_held, tied_to_us
from newsreel.config import Settings
from newsreel.errors import NewsreelError, Problem, error
from newsreel.hashing import hash_bytes, hasher
from newsreel.writer import FileEntry, Manifest, OutputWriter

FOLDER = "pagefind"
"""The index's folder in the output."""
PREFIX = FOLDER + "/"
WORKSPACE = ".newsreel-search"
TIMEOUT = 1800


class SearchFailed(NewsreelError):
    """Pagefind is missing or could not index the site."""


def _pagefind_version() -> str:
    try:
        from importlib.metadata import version

        return version("pagefind_bin")
    except Exception:  # noqa: BLE001 - any failure only means "unknown"
        return "?"


def executable() -> Path:
    """Pagefind's binary: ``PAGEFIND_BINARY_PATH``, else the one the ``pagefind[bin]`` wheel ships."""
    try:
        from pagefind.service import get_executable

        found = get_executable()
    except Exception:  # noqa: BLE001 - a missing or broken package is the same answer
        found = None
    if found is None or not Path(found).is_file():
        raise SearchFailed(
            "search needs Pagefind's binary, which is not installed "
            "(pip install 'pagefind[bin]', or set search: false in newsreel.yaml)"
        )
    return Path(found)


def is_index_file(rel: str) -> bool:
    return rel.startswith(PREFIX)


def index_key(files: Mapping[str, FileEntry], settings: Settings) -> str:
    """What the index is made from: every HTML page's content hash, the language, Pagefind's version."""
    digest = hasher()
    digest.update(f"{_pagefind_version()}|{settings.language}\n".encode())
    for rel in sorted(files):
        if rel.endswith(".html") and not is_index_file(rel):
            digest.update(f"{rel}={files[rel][0]}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def run_pagefind(
    pages: Iterable[tuple[str, Path]], workspace: Path, language: str
) -> dict[str, bytes]:
    """Index ``pages`` (output path, file holding it) and return Pagefind's files by output path.

    The pages are hard-linked (copied where that fails) into ``workspace``, laid out as the
    site; ``workspace`` is removed afterwards."""
    binary = executable()
    site, out = workspace / "pages", workspace / "out"  # Pagefind reads one, writes the other
    shutil.rmtree(workspace, ignore_errors=True)
    try:
        made: set[Path] = set()
        for rel, file in pages:
            target = site / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(file, target)
            except OSError:
                shutil.copyfile(file, target)
        site.mkdir(parents=True, exist_ok=True)
        command = [str(binary), "--site", str(site), "--output-path", str(out), "--silent"]
        if language:
            command += ["--force-language", language.split("-")[0].lower()]
        try:
            with interrupts_held():  # (the fork runs Python in the child: ``preexec_fn``)
                indexer = subprocess.Popen(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, "NO_COLOR": "1"},
                    preexec_fn=tied_to_us(),
                )
            with indexer:
                try:
                    said_out, said_err = indexer.communicate(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    indexer.kill()
                    raise
            done = subprocess.CompletedProcess(command, indexer.returncode, said_out, said_err)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchFailed(
                f"Pagefind could not index the site: {exc} (set search: false to build without search)"
            ) from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise SearchFailed(
                f"Pagefind could not index the site: {said[-1] if said else f'exit status {done.returncode}'}"
                " (set search: false in newsreel.yaml to build without search)"
            )
        files = {}
        for current, dirs, names in os.walk(out):
            dirs.sort()
            for name in sorted(names):
                full = Path(current, name)
                files[PREFIX + full.relative_to(out).as_posix()] = full.read_bytes()
        try:
            return canonical(files)
        except (ValueError, IndexError, OSError, EOFError) as exc:  # gzip errors are OSError
            raise SearchFailed(
                f"Pagefind wrote an index newsreel cannot read ({exc}); "
                "check that pagefind is version 1.x, or set search: false"
            ) from None
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


_BODY = re.compile(rb"data-pagefind-body", re.IGNORECASE)


def indexed(pages: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The pages Pagefind would index: where any page marks its body (``data-pagefind-body``,
    as the theme's posts, films and actors do), Pagefind reads every page and drops those
    that do not, so only the marked ones are handed over (a third fewer at 4,000 posts);
    otherwise all of them. (A page that only mentions the name in its text is handed over
    too, and Pagefind drops it: the index is the same.)"""
    marked = []
    for rel, file in pages:
        try:
            if _BODY.search(file.read_bytes()):
                marked.append((rel, file))
        except OSError:
            marked.append((rel, file))  # (Pagefind reports it)
    return marked or pages


def reserved_problems(
    settings: Settings, jobs: Iterable[Any], static: Iterable[str]
) -> list[Problem]:
    """With search on, ``pagefind/`` is the index's: a page or a static file there is an error."""
    if not settings.search:
        return []
    problems = [
        error(
            job.source,
            None,
            f"{job.url} is inside /{PREFIX}, where the search index goes",
            "give it another slug, or set search: false in newsreel.yaml",
        )
        for job in jobs
        if job.url.lstrip("/").startswith(PREFIX)
    ]
    problems += [
        error(
            f"static/{name}",
            None,
            f"static/{PREFIX} is where the search index goes",
            "move the file elsewhere in static/, or set search: false in newsreel.yaml",
        )
        for name in static
        if name.startswith(PREFIX)
    ]
    return problems


# --- a deterministic index -------------------------------------------------------------------
# Pagefind writes each filter's values (and the list of filters) in hash-map order, which
# changes from run to run; the file names are hashes of the contents. newsreel's output is
# byte-for-byte the same for the same input, so the filter files are put in a fixed order
# and renamed after their new contents, and the files naming them follow. The rest of the
# index is already the same on every run.
MAGIC = b"pagefind_dcd"


def _end(data: bytes, i: int) -> int:
    """Where the CBOR item starting at ``i`` ends."""
    head = data[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg, i = int.from_bytes(data[i : i + size], "big"), i + size
    else:
        raise ValueError("indefinite-length CBOR")
    if major in (0, 1, 7):
        return i
    if major in (2, 3):
        return i + arg
    if major == 6:
        return _end(data, i)
    for _ in range(arg * (2 if major == 5 else 1)):
        i = _end(data, i)
    return i


def _array(data: bytes, i: int) -> tuple[int, list[tuple[int, int]]]:
    """The end of a CBOR array's header at ``i`` and the spans of its items."""
    if data[i] >> 5 != 4:
        raise ValueError("not a CBOR array")
    info = data[i] & 31
    start = i + 1 + (0 if info < 24 else 1 << (info - 24))
    count = info if info < 24 else int.from_bytes(data[i + 1 : start], "big")
    spans, j = [], start
    for _ in range(count):
        end = _end(data, j)
        spans.append((j, end))
        j = end
    return start, spans


def _sorted_array(data: bytes, i: int, rename: dict[bytes, bytes] | None = None) -> bytes:
    """The CBOR array at ``i`` with its items in byte order (each renamed first)."""
    start, spans = _array(data, i)
    items = [data[a:b] for a, b in spans]
    if rename:
        items = [_renamed(item, rename) for item in items]
    end = spans[-1][1] if spans else start
    return data[:start] + b"".join(sorted(items)) + data[end:]


def _renamed(item: bytes, rename: dict[bytes, bytes]) -> bytes:
    for old, new in rename.items():
        item = item.replace(old, new)
    return item


def _pack(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _name(prefix: str, data: bytes, size: int) -> str:
    return f"{prefix}_{hash_bytes(data, 8)[:size]}"


def canonical(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's files with the filters in a fixed order and named after their contents."""
    out = dict(files)
    rename: dict[bytes, bytes] = {}
    for rel in sorted(files):
        match = re.fullmatch(
            re.escape(PREFIX) + r"filter/([A-Za-z0-9-]+)_([0-9a-f]+)\.pf_filter", rel
        )
        if not match:
            continue
        data = gzip.decompress(files[rel])
        if not data.startswith(MAGIC):
            raise ValueError(f"unexpected Pagefind file {rel}")
        top = len(MAGIC)
        _, (name, values) = _array(data, top)
        data = _sorted_array(data, values[0])
        new = _name(match.group(1), data, len(match.group(2)))
        rename[f"{match.group(1)}_{match.group(2)}".encode()] = new.encode()
        del out[rel]
        out[f"{PREFIX}filter/{new}.pf_filter"] = _pack(data)
    entry_rel = PREFIX + "pagefind-entry.json"
    entry = files.get(entry_rel, b"").decode("utf-8")
    for rel in sorted(files):
        match = re.fullmatch(
            re.escape(PREFIX) + r"pagefind\.([A-Za-z0-9-]+)_([0-9a-f]+)\.pf_meta", rel
        )
        if not match:
            continue
        data = gzip.decompress(files[rel])
        _, parts = _array(data, len(MAGIC))
        # [version, pages, index chunks, filters, sorts, meta fields]: the filters are the fourth
        if len(parts) >= 4:
            data = _sorted_array(data, parts[3][0], rename)
        new = _name(match.group(1), data, len(match.group(2)))
        del out[rel]
        out[f"{PREFIX}pagefind.{new}.pf_meta"] = _pack(data)
        entry = entry.replace(f'"{match.group(1)}_{match.group(2)}"', json.dumps(new))
    if entry:
        json.loads(entry)  # still JSON
        out[entry_rel] = entry.encode("utf-8")
    return out


def _previous_index(writer: OutputWriter) -> dict[str, FileEntry]:
    # (``is_index_file`` inlined here and below: these run over every file of the site, on
    # every build)
    return {rel: entry for rel, entry in writer.previous.files.items() if rel.startswith(PREFIX)}


def update_index(writer: OutputWriter, settings: Settings, *, now: bool) -> bool:
    """Give the build being written its search index, before it commits.

    When the pages did not change the old index is kept. With ``now`` False (``serve``) the
    old index is kept even so, and True is returned: the caller indexes after the commit."""
    files = writer.manifest.files
    for rel in [rel for rel in files if rel.startswith(PREFIX)]:
        del files[rel]  # a patch build carried the old index over
    if not settings.search:
        return False
    key = index_key(files, settings)
    previous = _previous_index(writer)
    if previous and all(entry[1] == key for entry in previous.values()):
        files.update(previous)
        return False
    if not now:
        files.update(previous)  # stale until the indexer replaces it
        return True
    pages = indexed(
        [(rel, writer.current_file(rel)) for rel in sorted(files) if rel.endswith(".html")]
    )
    for rel, data in run_pagefind(pages, writer.staging / WORKSPACE, settings.language).items():
        writer.write(rel, data, key)
    return False


class Indexer:
    """``serve``'s search index: made on a thread of its own after each build that needs it,
    then committed into the preview folder while ``lock`` is held (the builds hold it too).

    A build that lands while an index is being made makes that index stale: it is dropped
    and the indexer starts again from the new pages."""

    def __init__(
        self,
        output: Path,
        workspace: Path,
        lock: threading.Lock,
        report: Callable[[str], None],
        committed: Callable[[], None] = lambda: None,
    ) -> None:
        self.output = output
        self.workspace = workspace
        self.lock = lock
        self.report = report
        self.committed = committed
        """Called after the index is committed, with ``lock`` held."""
        self._wake = threading.Condition()
        self._wanted: tuple[int, Settings] | None = None
        self._generation = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="newsreel-search", daemon=True)
        self._thread.start()

    def built(self, settings: Settings, stale: bool) -> None:
        """A build just committed (call with ``lock`` held); ``stale``: its index must be made."""
        with self._wake:
            self._generation += 1
            self._wanted = (self._generation, settings) if stale else None
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._wanted is None and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                generation, settings = self._wanted  # type: ignore[misc]
            try:
                self._index(generation, settings)
            except (SearchFailed, OSError) as exc:
                with self._wake:
                    if self._wanted is not None and self._wanted[0] == generation:
                        self._wanted = None
                self.report(f"search index not updated: {exc}")

    def _index(self, generation: int, settings: Settings) -> None:
        manifest = Manifest.read(self.output)
        if manifest is None:
            raise SearchFailed("the preview folder has no manifest")
        key = index_key(manifest.files, settings)
        pages = indexed(
            [(rel, self.output / rel) for rel in sorted(manifest.files) if rel.endswith(".html")]
        )
        made = run_pagefind(pages, self.workspace, settings.language)
        with self.lock:
            with self._wake:
                if (
                    self._wanted is None
                    or self._wanted[0] != generation
                    or self._generation != generation
                ):
                    return  # a newer build came: its own request follows
                self._wanted = None
            with OutputWriter(self.output, Manifest.read(self.output)) as writer:
                writer.carry_over()
                for rel in [rel for rel in writer.manifest.files if is_index_file(rel)]:
                    del writer.manifest.files[rel]
                for rel, data in made.items():
                    writer.write(rel, data, key)
                writer.commit()
            self.committed()
        self.report(
            f"search index updated ({sum(1 for rel in made if rel.endswith('.pf_fragment'))} pages)"
        )
