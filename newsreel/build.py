"""``build_site``: load → model → render → write, in that order, collecting every problem.

Nothing is written unless every source and every page is good: a failed build leaves the
previous output as it was. Work is skipped where its inputs did not change: sources by
their stamp or digest (``cache.BuildState``), pages by their key (the output manifest).
Cold builds spread parsing and rendering over the machine's cores with forked workers,
which share the model copy-on-write and write their pages themselves.
"""

from __future__ import annotations

import gc
import marshal
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsreel.children import die_with_parent, ignore_interrupts, interrupts_held
from newsreel.config import Settings, base_url_problem, base_url_warning, load_settings
from newsreel.errors import BuildFailed, NewsreelError, Problem, error
from newsreel.hashing import hash_bytes, hash_repr
from newsreel.incremental.lock import build_lock, output_lock
from newsreel.incremental.store import (
    BuildState,
    Entry,
    Inputs,
    Marker,
    Stamp,
    cache_scope,
    code_fingerprint,
    load_state,
    read_marker,
    save_state,
    stamp_of,
    write_marker,
)
from newsreel.layout import CONFIG, CONTENT, SiteLayout, walk_files
from newsreel.loader import find_sources, is_markdown_name, read_source, stray_sources
from newsreel.report import Reporter
from newsreel.theme import check_templates, theme_dirs
from newsreel.urls import Urls
from newsreel.writer import (
    CommitLeftHalfway,
    EarlyCheck,
    FileEntry,
    Manifest,
    OutputWriter,
    drop_spares,
    guard_output,
    manifest_stamp,
    output_token,
)

if TYPE_CHECKING:  # pragma: no cover
    # (imported where they are used: a build that changed nothing, or a few posts, does not
    # pay for the renderer, the Markdown parser, Pillow or the search index at start-up)
    from newsreel.cards import CardsOnDemand
    from newsreel.incremental.snapshot import Snapshot
    from newsreel.loader import PageSource, PostSource
    from newsreel.model import Post, SiteView
    from newsreel.render import PageJob, PageKey, Renderer
    from newsreel.taxonomy import LoadedPage, LoadedPost

PARALLEL_THRESHOLD = 200
"""Fewer items of work than this are done in-process: forking costs more than it saves."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build: the command-line options of ``newsreel build``."""

    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    """Overrides ``base_url`` from newsreel.yaml."""
    output: Path | None = None
    """Default: ``site/`` in the site folder."""
    use_cache: bool = True
    """Read and write ``.newsreel-cache/``; False rebuilds everything."""
    preview: bool = False
    """For ``serve``: draft/future badges on pages, static files under their plain names."""
    now: datetime | None = None
    """The build's notion of "now" (for future posts and upcoming releases); default the
    ``NEWSREEL_NOW`` environment variable, else the clock."""
    wait: bool = True
    """Wait for another build of the same site folder to finish; False fails at once."""
    index_later: bool = False
    """Leave the search index as it was and say so (``BuildResult.search_stale``): ``serve``
    makes it after committing the pages, on a thread of its own."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did."""

    output: Path
    base_path: str
    pages: int
    """Files in the output."""
    rendered: int
    """Pages rendered (the rest were unchanged and reused)."""
    changed: frozenset[str]
    """Site paths of outputs added or changed ("/posts/x/", "/css/style.css")."""
    removed: frozenset[str]
    warnings: tuple[Problem, ...]
    notes: tuple[Problem, ...]
    """Things ``check`` lists (tweets without a status URL)."""
    seconds: float
    settings: Settings = field(repr=False, default_factory=Settings)
    patched: bool = False
    """True when only the pages showing edited posts were planned (see ``snapshot.py``)."""
    scanned_all: bool = True
    """False when only the paths given as ``changed`` were stamped again."""
    search_stale: bool = False
    """The pages changed but the search index was not made again (``BuildOptions.index_later``)."""
    left_out: tuple[int, int] = (0, 0)
    """Drafts and future posts not built (without ``--drafts``, ``--future``)."""
    listed_ns: int = 0
    """``time.time_ns()`` when the build began to list and stamp its sources."""
    cards: CardsOnDemand | None = None
    """A preview's social cards, drawn when asked for (``serve``); None when the build wrote
    them or, patching, left them as they were."""

    def summary(self) -> str:
        changed = len(self.changed) + len(self.removed)
        built = (
            f"built {self.pages} files ({self.rendered} pages rendered, {changed} changed) "
            f"in {self.seconds:.2f} s → {self.output}"
        )
        left_out = left_out_text(*self.left_out)
        return f"{built}; {left_out}" if left_out else built


def left_out_text(drafts: int, future: int, *, preview: bool = False) -> str:
    """ "2 drafts and 1 future post not built (--drafts, --future)", or "" when none was left out;
    for ``serve`` (``preview``), "… hidden (--no-drafts, --no-future)"."""
    parts = [f"{drafts} draft{'s' if drafts != 1 else ''}"] if drafts else []
    parts += [f"{future} future post{'s' if future != 1 else ''}"] if future else []
    prefix = "--no-" if preview else "--"
    flags = [prefix + "drafts"] * bool(drafts) + [prefix + "future"] * bool(future)
    return (
        f"{' and '.join(parts)} {'hidden' if preview else 'not built'} ({', '.join(flags)})"
        if parts
        else ""
    )


def count_left_out(
    posts: Iterable[LoadedPost], options: BuildOptions, now: datetime
) -> tuple[int, int]:
    """How many posts a build leaves out as drafts, and as dated in the future."""
    drafts = future = 0
    for post in posts:
        if post.source.draft and not options.drafts:
            drafts += 1
        elif post.source.date > now and not options.future:
            future += 1
    return drafts, future


def _site_path(rel: str) -> str:
    """The site path a written file answers to ("posts/x/index.html" → "/posts/x/")."""
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


NOW_VARIABLE = "NEWSREEL_NOW"
"""Environment variable that fixes the build's date (for tests and reproducible builds)."""


def build_clock(settings: Settings) -> datetime:
    """The build's "now": ``NEWSREEL_NOW`` (a date or an ISO 8601 date-time, naive ones in the
    site's time zone) when set, else the clock."""
    from newsreel.loader import parse_when

    value = os.environ.get(NOW_VARIABLE, "").strip()
    if not value:
        return datetime.now(UTC)
    parsed = parse_when(value, settings.zone)
    if parsed is None:
        raise NewsreelError(
            f"{NOW_VARIABLE}={value!r} is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+00:00, "
            f"or unset it to use the clock)"
        )
    return parsed


def resolve_settings(site_dir: Path, options: BuildOptions) -> tuple[Settings, list[Problem]]:
    settings, problems = load_settings(site_dir)
    if options.base_url is not None:
        bad_url = base_url_problem(options.base_url, "--base-url", None, absolute=True)
        if bad_url is not None:
            problems.append(bad_url)
        else:
            settings = settings.with_base_url(options.base_url)
    return settings, problems


# --- loading ----------------------------------------------------------------------


def _read_stamped(path: Path) -> tuple[bytes, Stamp]:
    """A source's bytes and its stamp taken before they were read: a file saved meanwhile is
    cached under its older stamp, and so read again by the next build (a stamp taken after
    would vouch for bytes the file no longer holds)."""
    stamp = stamp_of(path.stat())
    return read_source(path), stamp


def _load_one(settings: Settings, md: Any, kind: str, rel: str, raw: bytes, stamp: Stamp) -> Entry:
    """Parse one source and render its Markdown; the unit of caching and of parallel work."""
    from newsreel.loader import parse_page, parse_post
    from newsreel.markdown import render_body

    record: PostSource | PageSource | None
    if kind == "posts":
        record, problems = parse_post(rel, raw, settings)
        tweets: Sequence[Any] = record.tweets if record else ()
    else:
        record, problems = parse_page(settings.taxonomy(kind), rel, raw)
        tweets = ()
    result = None
    if record is not None:
        body, more = render_body(
            md,
            record.body,
            path=rel,
            body_line=record.body_line,
            base_path=settings.base_path,
            tweets=tweets,
        )
        problems += more
        if not any(p.severity == "error" for p in more):
            result = (replace(record, body=""), body)  # the source text is not needed once rendered
    return Entry(stamp, hash_bytes(raw), result, tuple(problems))


Progress = Callable[[int, int], None]


def _load_chunk(
    site_dir: Path,
    settings: Settings,
    items: Iterable[tuple[str, str]],
    total: int,
    progress: Progress | None = None,
) -> list[tuple[str, Entry]]:
    from newsreel.markdown import make_markdown

    md = make_markdown(settings.markdown_html, settings.base_path)
    out = []
    for done, (kind, rel) in enumerate(items, 1):
        try:
            raw, stamp = _read_stamped(site_dir / rel)
        except OSError as exc:
            out.append(
                (
                    rel,
                    Entry(
                        (0, 0, 0, 0, 0),
                        "",
                        None,
                        (
                            error(
                                rel,
                                None,
                                f"cannot read the file ({exc.strerror or exc})",
                                "check its permissions",
                            ),
                        ),
                    ),
                )
            )
            continue
        out.append((rel, _load_one(settings, md, kind, rel, raw, stamp)))
        if progress is not None:
            progress(done, total)
    return out


def _share(reporter: Reporter, stage: str, total: int, index: int, count: int) -> Progress | None:
    """Progress for the parent's share of parallel work, scaled to the whole (children stay quiet)."""
    if index != 0:
        return None
    return lambda done, _: reporter.progress(stage, min(done * count, total), total)


CHUNK = 32
"""Most items a build process takes from parallel work at a time (``_run_parallel``)."""


class _Chunks:
    """``range(total)`` cut into one region of consecutive items per process, through counters
    in memory shared across the fork: each process takes chunks from the front of its own
    region, then, when it is done, from the back of the region with the most left. Neighbours
    in the list stay in one process (``write_pages`` puts the post pages, whose fragments
    recur on no other page, before the lists, whose rows and feed entries recur: one process
    renders most of those), and a process slowed down (by the pages it copies after the fork,
    or by heavier items) takes fewer."""

    def __init__(self, context: Any, total: int, count: int) -> None:
        bounds = self.bounds(total, count)
        # region i: items [next, end) = [self._ends[2i], self._ends[2i + 1])
        self._ends = context.Array("q", [b for i in range(count) for b in bounds[i : i + 2]])
        self.size = max(1, min(CHUNK, total // (count * 16)))

    @staticmethod
    def bounds(total: int, count: int) -> list[int]:
        """Where each process's stretch starts (and, last, where the items end)."""
        return [total * i // count for i in range(count + 1)]

    def _take(self, index: int) -> range:
        with self._ends.get_lock():
            ends = self._ends.get_obj()
            own = 2 * index
            start, end = ends[own], ends[own + 1]
            if start < end:
                ends[own] = stop = min(start + self.size, end)
                return range(start, stop)
            left = [ends[i + 1] - ends[i] for i in range(0, len(ends), 2)]
            most = max(range(len(left)), key=left.__getitem__)
            if left[most] <= 0:
                return range(0)
            end = ends[2 * most + 1]
            ends[2 * most + 1] = start = max(end - self.size, ends[2 * most])
            return range(start, end)

    def of(self, index: int) -> Iterator[int]:
        """The items process ``index`` takes, as it asks for them."""
        while True:
            taken = self._take(index)
            if not taken:
                return
            yield from taken


def _run_parallel(work: Callable[[Iterable[int], int], Any], count: int, total: int) -> list[Any]:
    """Run ``work(items, index)`` in ``count`` forked processes (the parent is index 0), the
    items being the indexes of ``range(total)`` that process took (``_Chunks``). Each takes a
    chunk when it is ready for more, so a process slowed down (by the pages it copies after
    the fork, or by heavier items) takes fewer: handed out in fixed shares, the child finished
    0.3 s after the parent reading 4,000 posts and 0.5 s after it rendering their pages."""
    import multiprocessing  # only cold builds fork: a small rebuild need not import it

    context = multiprocessing.get_context("fork")
    chunks = _Chunks(context, total, count)
    children = []
    parent = os.getpid()
    for index in range(1, count):
        reader, writer = context.Pipe(duplex=False)
        with interrupts_held() as interrupts:
            process = context.Process(
                target=_child,
                args=(work, chunks.of(index), index, writer, parent, interrupts),
                daemon=True,
            )
            process.start()
        writer.close()
        children.append((process, reader))
    try:
        results = [work(chunks.of(0), 0)]
        for process, reader in children:
            try:
                payload = reader.recv_bytes()
            except EOFError:
                process.join()
                raise NewsreelError(
                    f"a build worker died (exit status {process.exitcode}); try again"
                ) from None
            process.join()
            status, value = pickle.loads(payload)
            if status == "error":
                raise value
            results.append(value)
    except BaseException:
        # (Ctrl-C, a failed page): no worker may go on writing into the staging folder the
        # writer is about to delete, or it leaves a copy of it behind.
        for process, _ in children:
            if process.is_alive():
                process.kill()
            process.join()
        raise
    return results


def _child(
    work: Callable[[Iterable[int], int], Any],
    items: Iterable[int],
    index: int,
    conn: Any,
    parent: int,
    interrupts: set[int | signal.Signals],
) -> None:
    ignore_interrupts(interrupts)  # (Ctrl-C ends the parent, and this worker with it)
    die_with_parent(parent)
    try:
        payload = pickle.dumps(("ok", work(items, index)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        payload = pickle.dumps(
            ("error", NewsreelError(f"build worker failed: {type(exc).__name__}: {exc}"))
        )
    conn.send_bytes(payload)
    conn.close()
    os._exit(0)


def _workers(items: int) -> int:
    """How many processes to use: one unless the work is big and forking is safe here."""
    cpus = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    if items < PARALLEL_THRESHOLD or cpus < 2 or threading.active_count() > 1:
        return 1
    return min(cpus, 8)


def _tree_stamps(folders: Sequence[Path]) -> list[tuple[str, int, int, int]]:
    """(path, mtime, size, ctime) of every file, through linked folders as the copy follows
    them; the ctime changes with any write, even one that puts the mtime back."""
    stamps = []
    for folder in folders:
        for path in walk_files(folder):
            try:
                info = os.stat(path)
            except OSError:
                continue
            stamps.append((path, info.st_mtime_ns, info.st_size, info.st_ctime_ns))
    return stamps


def _file_digest(path: Path) -> str:
    try:
        return hash_bytes(read_source(path))
    except OSError:
        return ""


def scan_inputs(
    site_dir: Path,
    settings: Settings,
    options: BuildOptions,
    sources: tuple[Sequence[tuple[str, str, Stamp | None]], Sequence[Problem]] | None = None,
) -> Inputs:
    """List and stamp the sources, templates and static files (no file is read).

    ``sources`` gives the sources and the problems found listing them, already known
    (``rescan_inputs``); the rest is stamped anew."""
    from newsreel.images import is_raster
    from newsreel.incremental.keys import templates_digest

    if sources is None:
        found: list[tuple[str, str, Stamp | None]] = []
        problems: list[Problem] = []
        folders = [("posts", True)] + [(t.name, False) for t in settings.taxonomies if t.pages]
        for kind, recursive in folders:
            files, found_problems = find_sources(site_dir, kind, recursive)
            problems += found_problems
            # (stamp_of, inlined: this runs for every source on every build)
            found += [
                (
                    kind,
                    rel,
                    None
                    if info is None
                    else (
                        info.st_mtime_ns,
                        info.st_size,
                        info.st_ino,
                        info.st_mode,
                        info.st_ctime_ns,
                    ),
                )
                for rel, info in files
            ]
        problems += stray_sources(site_dir, (kind for kind, _ in folders))
        sources = (found, problems)
    theme_templates, theme_static = theme_dirs()
    layout = SiteLayout(site_dir)
    templates = templates_digest(
        [theme_templates, layout.templates]
    )  # by content: a fresh checkout is no change
    static = _tree_stamps([theme_static, layout.static])
    config = layout.config
    pictures = [
        stamp for stamp in static if is_raster(stamp[0]) or stamp[0].endswith(".svg")
    ]  # see media.py
    scope = hash_repr(
        (
            code_fingerprint(),
            settings,
            options.drafts,
            options.future,
            options.preview,
            str(options.output),
            templates,
            _file_digest(config),
            pictures,
        )
    )
    listed = tuple(sources[0])
    return Inputs(
        listed,
        tuple(sources[1]),
        scope,
        # (marshal's version 2 writes plain values the same way whatever objects hold them,
        # twice as fast as pickle: 15 ms for 40,000 sources; nothing reads it back)
        hash_bytes(marshal.dumps((scope, listed, static), 2)),
    )


def rescan_inputs(
    site_dir: Path,
    settings: Settings,
    options: BuildOptions,
    previous: Inputs,
    changed: Iterable[str],
) -> Inputs | None:
    """``scan_inputs`` from the last build's inputs and the paths a watcher saw change (folders
    end with a separator): only those are stamped again. None when the list of sources may
    have changed (a new or vanished post, any folder event): then everything is scanned."""
    root = os.path.abspath(site_dir)
    restamp = {}
    listed = {rel for _, rel, _ in previous.sources}
    for path in changed:
        rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        if path.endswith(os.sep) or (is_markdown_name(rel) and rel not in listed):
            return None  # (a new source, or a stray one to be warned of)
        if rel == CONFIG:  # the settings say which content/ folders hold sources
            return None
        if rel in listed:
            try:
                restamp[rel] = stamp_of(os.stat(os.path.join(root, rel)))
            except OSError:
                return None
    sources = tuple((kind, rel, restamp.get(rel, stamp)) for kind, rel, stamp in previous.sources)
    return scan_inputs(site_dir, settings, options, sources=(sources, previous.problems))


def load_sources(
    site_dir: Path,
    settings: Settings,
    state: BuildState,
    inputs: Inputs,
    reporter: Reporter,
    beside: Callable[[], None] | None = None,
) -> tuple[list[LoadedPost], list[LoadedPage], list[Problem]]:
    """Every post and film/actor page, from the cache where the file did not change.

    ``beside``: what a child process does before its share when the sources are read by
    several (the parent takes more of them meanwhile)."""
    from newsreel.loader import PageSource, PostSource
    from newsreel.taxonomy import LoadedPage, LoadedPost

    problems = [p for p in inputs.problems if p.severity == "error"]  # (warnings: _listed)
    wanted = [(kind, rel) for kind, rel, _ in inputs.sources]
    entries: dict[str, Entry] = {}
    todo: list[tuple[str, str]] = []
    for kind, rel, stamp in inputs.sources:
        entry = state.lookup(rel, stamp) if stamp is not None else None
        if entry is None and stamp is not None:
            entry = state.same_bytes(rel, stamp, lambda: read_source(site_dir / rel))  # noqa: B023
        if entry is not None:
            entries[rel] = entry
        else:
            todo.append((kind, rel))
    count = _workers(len(todo))

    def work(items: Iterable[int], i: int) -> list[tuple[str, Entry]]:
        if i == 1 and beside is not None:
            beside()
        return _load_chunk(
            site_dir,
            settings,
            (todo[k] for k in items),
            len(todo),
            _share(reporter, "reading", len(todo), i, count),
        )

    parts = _run_parallel(work, count, len(todo)) if count > 1 else [work(range(len(todo)), 0)]
    for part in parts:
        for rel, entry in part:
            entries[rel] = entry
            state.put(rel, entry)
    state.keep_only({rel for _, rel in wanted})
    posts, pages = [], []
    for _kind, rel in wanted:
        entry = entries[rel]
        problems += entry.problems
        if entry.result is None:
            continue
        record, body = entry.result
        if isinstance(record, PostSource):
            posts.append(LoadedPost(record, body))
        elif isinstance(record, PageSource):
            pages.append(LoadedPage(record, body))
    return posts, pages, problems


# --- rendering and writing -----------------------------------------------------------


def _render_slice(
    renderer: Renderer,
    writer: OutputWriter,
    site: SiteView,
    jobs: Iterable[tuple[int, PageJob]],
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, FileEntry], set[str], dict[str, PageKey], list[tuple[int, Problem]]]:
    """Render and stage ``jobs`` (numbered), each with the posts it read; stop after
    ``TEMPLATE_PROBLEMS`` template problems (they repeat on every page). Returns what was
    staged, the pages' keys and the problems by the number of their job."""
    from newsreel.incremental.keys import final_key, recording
    from newsreel.render import TemplateFailed

    problems: list[tuple[int, Problem]] = []
    digest = _post_digest(renderer, site)
    keys = {}
    for done, (number, job) in enumerate(jobs, 1):
        try:
            keys[job.url] = key = renderer.key(job)
            with recording() as reads:
                data = renderer.render(job)
            writer.write(
                Urls.output_file(job.url), data, final_key(key.key, reads, digest), sorted(reads)
            )
        except TemplateFailed as exc:
            problems.append((number, exc.problem))
            if len(problems) >= TEMPLATE_PROBLEMS:
                break
        if progress is not None:
            progress(done, total)
    return writer.manifest.files, writer.changed, keys, problems


TEMPLATE_PROBLEMS = 20
"""How many template problems a build reports: the first pages', in the order of the pages."""


def _post_digest(renderer: Renderer, site: SiteView) -> Callable[[str], str]:
    return lambda source: renderer.digests.post_of(source, site.post)


def _unchanged(writer: OutputWriter, site: SiteView, renderer: Renderer, job: PageJob) -> bool:
    """True when the page's key, with the posts it read last time, is the one on file."""
    from newsreel.incremental.keys import final_key

    rel = Urls.output_file(job.url)
    if not writer.may_keep(rel):
        return False
    try:
        key = final_key(
            renderer.key(job).key, writer.previous_reads(rel), _post_digest(renderer, site)
        )
    except LookupError:
        return False
    return writer.keep(rel, key)


def write_pages(
    renderer: Renderer,
    writer: OutputWriter,
    site: SiteView,
    jobs: Sequence[PageJob],
    reporter: Reporter,
) -> tuple[int, list[Problem]]:
    """Render the pages whose key changed; reuse the rest. Returns (rendered, problems).

    The keys of pages with nothing on file to keep are made by the process that renders them:
    a cold build makes them in parallel."""
    todo = [job for job in jobs if not _unchanged(writer, site, renderer, job)]
    count = _workers(len(todo))
    if count == 1:
        _, _, _, numbered = _render_slice(
            renderer,
            writer,
            site,
            enumerate(todo),
            len(todo),
            lambda done, total: reporter.progress("rendering", done, total),
        )
        return len(todo), [problem for _, problem in numbered]
    numbered = []
    ranks = [_page_rank(job) for job in todo]
    order = _schedule(ranks)
    shares = _list_shares([ranks[k] for k in order], count)

    def work(items: Iterable[int], i: int) -> tuple[Any, ...]:
        renderer.fragments.take_share(shares[i], count)  # most to the process starting on lists
        return _render_slice(
            renderer,
            writer,
            site,
            ((order[k], todo[order[k]]) for k in items),
            len(todo),
            _share(reporter, "rendering", len(todo), i, count),
        )

    for files, changed, keys, part_problems in _run_parallel(work, count, len(todo)):
        writer.manifest.files.update(files)
        writer.changed.update(changed)
        renderer.take_keys(keys)
        numbered += part_problems
    # Which process rendered a page depends on timing; the manifest's order does not.
    files = writer.manifest.files
    for job in todo:
        rel = Urls.output_file(job.url)
        if rel in files:
            files[rel] = files.pop(rel)
    numbered.sort(key=lambda item: item[0])
    return len(todo), [problem for _, problem in numbered[:TEMPLATE_PROBLEMS]]


POST_PAGE, LIST, HOME = 0, 1, 2
"""The ranks of ``_page_rank``, in the order the processes share pages out."""


def _page_rank(job: PageJob) -> int:
    """A post page, a page that lists posts (term pages, feeds...) or a home page."""
    from newsreel.pages import Home, PostPage

    unit = job.unit
    return POST_PAGE if isinstance(unit, PostPage) else HOME if isinstance(unit, Home) else LIST


def _schedule(ranks: Sequence[int]) -> list[int]:
    """The order in which the processes share out the pages of these ``_page_rank``s
    (indexes into them): post pages first, then the pages that list posts, the home pages
    last.

    Each process starts on its own stretch of this list (``_Chunks``), so one renders the post
    pages (which share no fragment) and the other the lists, whose rows and feed entries are
    the same from list to list: each is rendered by one process rather than both. The home
    pages, which show rows of every post, come last, where the process done first takes
    work from. At 500 posts this took 5 % off the instructions of a cold build (two processes:
    11,422 M → 10,798 M); at 4,000, 4,100 fewer fragments rendered (28,044 → 23,913)."""
    return sorted(range(len(ranks)), key=ranks.__getitem__)


def _list_shares(ranks: Sequence[int], count: int) -> list[float]:
    """Each process's share of the pages that list posts (home pages too), among those of the
    stretch it starts on (``_Chunks``; ``ranks`` in the order of ``_schedule``): what share of
    the fragment memory it takes (``take_share``)."""
    lists = [rank != POST_PAGE for rank in ranks]
    bounds = _Chunks.bounds(len(ranks), count)
    return [sum(lists[a:b]) / max(1, sum(lists)) for a, b in zip(bounds, bounds[1:])]


def _pages_read(
    renderer: Renderer, jobs: Sequence[PageJob], manifest: Manifest
) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Each page's unit with the posts it holds and those it read (for the snapshot)."""
    for job in jobs:
        entry = manifest.files.get(Urls.output_file(job.url))
        reads = entry[2] if entry is not None else ()
        yield job.unit, renderer.key(job).shows + reads


def build_site(
    site_dir: Path,
    options: BuildOptions = BuildOptions(),
    *,
    reporter: Reporter | None = None,
    state: BuildState | None = None,
    changed: Iterable[str] | None = None,
    early: EarlyCheck | None = None,
) -> BuildResult:
    """Build the site in ``site_dir``; raise ``BuildFailed`` listing every problem.

    ``state`` is kept by a caller that builds again and again (``serve``); such a caller may
    pass the paths its watcher saw change since the last build, so that only they are stamped.
    ``early`` is the output's check the caller started (``EarlyCheck.start`` of this output),
    now the build's to use and end; else the build starts one.
    """
    started = time.perf_counter()
    reporter = reporter or Reporter(quiet=True)
    site_dir = Path(site_dir)
    layout = SiteLayout(site_dir)
    output = options.output if options.output is not None else layout.output
    # The output is checked against its manifest in a child process meanwhile (writer.EarlyCheck).
    if early is None and site_dir.is_dir():
        early = EarlyCheck.start(output)
    try:
        if not site_dir.is_dir():
            raise NewsreelError(
                f"{site_dir} is not a folder (give the site folder, which holds content/)"
            )
        settings, problems = resolve_settings(site_dir, options)
        relative = None if options.preview else base_url_warning(settings.base_url, CONFIG)
        if relative is not None and not any(p.severity == "error" for p in problems):
            # (SPEC: a build warns; a preview does not, nor a build already failing)
            problems.append(relative)
        # The sources are listed and stamped first: a caller that watches the folder (``serve``)
        # counts what changed after the build started as news, so the sooner the better.
        listed_ns = time.time_ns()
        inputs = None
        if changed is not None and state is not None and state.inputs is not None:
            inputs = rescan_inputs(site_dir, settings, options, state.inputs, changed)
        scanned_all = inputs is None
        if inputs is None:
            inputs = scan_inputs(site_dir, settings, options)
        problems += check_templates(site_dir)
        if any(p.severity == "error" for p in problems):
            raise BuildFailed(problems)
        # A refused output is refused before anything is made; the manifest read is kept.
        known = guard_output(
            site_dir, output, finish=False, known=early.manifest if early is not None else None
        )
        with (
            build_lock(layout.cache, wait=options.wait, say=reporter.notice),
            output_lock(output, wait=options.wait, say=reporter.notice),
        ):
            result = _build_locked(
                site_dir,
                options,
                reporter,
                state,
                inputs,
                scanned_all,
                settings,
                problems,
                output,
                started,
                known,
                early,
            )
    finally:
        if early is not None:
            early.close()
    return replace(result, listed_ns=listed_ns)


def _build_locked(
    site_dir: Path,
    options: BuildOptions,
    reporter: Reporter,
    state: BuildState | None,
    inputs: Inputs,
    scanned_all: bool,
    settings: Settings,
    problems: list[Problem],
    output: Path,
    started: float,
    known: Manifest | None = None,
    early: EarlyCheck | None = None,
) -> BuildResult:
    """``build_site`` once it holds the site's build lock (``known``: the output's manifest
    as read before it was taken; ``early``: its check under way)."""
    token = output_token(SiteLayout(site_dir).cache, output)
    now = options.now or build_clock(settings)
    own_state = state is None
    if (
        own_state
        and options.use_cache
        and early is not None
        and known is not None
        and read_marker(site_dir, inputs.fingerprint, known.stamp, now) is None
    ):
        # Something changed: the cache is read while the children finish the output's check.
        state = load_state(site_dir)
    try:
        previous = guard_output(site_dir, output, token=token, known=known, early=early)
    except BaseException:
        if own_state and state is not None and state.store is not None:
            state.store.close()
        raise
    if previous is not None and not options.use_cache:
        for rel in list(previous.files):  # from scratch: no file of the output is believed
            previous.doubt(rel)
    if not own_state:
        assert state is not None
        state.inputs = inputs
    unreadable = any(p.severity == "error" for p in inputs.problems)
    if (
        own_state
        and options.use_cache
        and previous is not None
        and not previous.doubted
        and not unreadable
        and state is None
    ):
        unchanged = read_marker(site_dir, inputs.fingerprint, previous.stamp, now)
        if unchanged is not None:
            return BuildResult(
                output=output,
                base_path=settings.base_path,
                pages=len(previous.files),
                rendered=0,
                changed=frozenset(),
                removed=frozenset(),
                warnings=tuple(problems) + _listed(inputs) + unchanged.warnings,
                notes=unchanged.notes,
                seconds=time.perf_counter() - started,
                settings=settings,
                left_out=getattr(unchanged, "left_out", (0, 0)),
            )
    if state is None:
        state = load_state(site_dir) if options.use_cache else BuildState()
    outcome: _Outcome | None = None
    try:
        state.reset(
            cache_scope(
                settings.base_path,
                settings.markdown_html,
                settings.timezone,
                settings.taxonomies,
            )
        )
        job = _Build(
            site_dir,
            settings,
            options,
            inputs,
            state,
            output,
            previous,
            now,
            reporter,
            tuple(problems),
            token,
        )
        outcome = job.patch() or job.full()
        if options.use_cache:
            snapshot = replace(outcome.snapshot, manifest=manifest_stamp(output))
            state.snapshot = snapshot if outcome.fresh_snapshot else None
            if own_state:
                save_state(site_dir, state)
                write_marker(
                    site_dir,
                    Marker(
                        inputs.fingerprint,
                        snapshot.manifest,
                        snapshot.valid_until,
                        snapshot.warnings,
                        snapshot.notes,
                        snapshot.valid_from,
                        left_out=snapshot.left_out,
                    ),
                )
    finally:
        if own_state and state.store is not None:
            state.store.close()
            state.store = None
    writer = outcome.writer
    warnings = tuple(problems) + _listed(inputs) + outcome.snapshot.warnings
    return BuildResult(
        output=output,
        base_path=settings.base_path,
        pages=len(writer.manifest.files),
        rendered=outcome.rendered,
        changed=frozenset(_site_path(rel) for rel in writer.changed),
        removed=frozenset(_site_path(rel) for rel in outcome.removed),
        warnings=warnings,
        notes=outcome.snapshot.notes,
        seconds=time.perf_counter() - started,
        settings=settings,
        patched=outcome.patched,
        scanned_all=scanned_all,
        left_out=outcome.snapshot.left_out,
        search_stale=outcome.search_stale,
        cards=outcome.cards,
    )


def _own_templates(site_dir: Path) -> bool:
    """Whether the site has templates of its own (a ``README.md`` there is no template)."""
    return any(
        os.path.basename(path) != "README.md" for path in walk_files(SiteLayout(site_dir).templates)
    )


def _next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the day after ``now``'s, in the site's time zone."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone)


def _listed(inputs: Inputs) -> tuple[Problem, ...]:
    """The warnings of listing the sources (Markdown files that are not read): reported by
    every build from its own listing, never kept with the last build's."""
    return tuple(p for p in inputs.problems if p.severity == "warning")


def lint_site(site_dir: Path) -> tuple[list[Problem], datetime | None]:
    """Every problem a build would find in the sources, drafts and future posts included,
    with nothing written; and the time the newest source was changed (None for no source)."""
    from newsreel.taxonomy import build_model
    from newsreel.theme import collect_static

    site_dir = Path(site_dir)
    options = BuildOptions(drafts=True, future=True)
    settings, problems = resolve_settings(site_dir, options)
    if any(p.severity == "error" for p in problems):
        return problems, None
    inputs = scan_inputs(site_dir, settings, options)
    posts, pages, loaded = load_sources(
        site_dir, settings, BuildState(), inputs, Reporter(quiet=True)
    )
    problems += loaded
    problems += _listed(inputs)
    problems += _no_content(site_dir)
    if not any(p.severity == "error" for p in problems):
        site, more = build_model(
            posts,
            pages,
            Urls.from_settings(settings),
            settings.taxonomies,
            now=datetime.now(UTC),
            drafts=True,
            future=True,
        )
        problems += more + _notes(site.posts)
    _, more = collect_static(site_dir)
    problems += more
    return problems, newest_source(site_dir)


def _no_content(site_dir: Path) -> list[Problem]:
    """The error of a site folder without ``content/``, or nothing."""
    if SiteLayout(site_dir).content.is_dir():
        return []
    return [
        error(
            CONTENT,
            None,
            f"there is no {CONTENT}/ folder here",
            f"run newsreel in a site folder, or `newsreel init {site_dir}` to start one",
        )
    ]


def newest_source(site_dir: Path) -> datetime | None:
    """When the newest file a build reads from ``site_dir`` was last changed."""
    layout = SiteLayout(site_dir)
    stamps = [mtime for _, mtime, _, _ in _tree_stamps(layout.source_dirs)]
    config = layout.config
    if config.is_file():
        stamps.append(config.stat().st_mtime_ns)
    return datetime.fromtimestamp(max(stamps) / 1e9, UTC) if stamps else None


@dataclass
class _Outcome:
    writer: OutputWriter
    rendered: int
    removed: set[str]
    snapshot: Snapshot
    patched: bool
    fresh_snapshot: bool = True
    """False when the snapshot no longer says which pages read which posts."""
    search_stale: bool = False
    """The search index was left as it was, for the caller to make (``index_later``)."""
    cards: CardsOnDemand | None = None
    """Social cards left for the preview server to draw (``BuildResult.cards``)."""


@contextmanager
def _compiled_templates(site_dir: Path, use_cache: bool) -> Iterator[Path | None]:
    """Where a full build's templates are compiled: the build cache's folder, or, for a build
    that believes nothing in the cache, a folder of its own, removed after it; None where
    compiled templates cannot be kept on disk (``codecache``)."""
    from newsreel.codecache import available

    if not available():
        yield None
        return
    if use_cache:
        from newsreel.render import templates_cache

        yield templates_cache(site_dir)
        return
    folder = Path(tempfile.mkdtemp(prefix="newsreel-templates-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class _Build:
    """One build's inputs, and its two ways to the output: ``patch`` and ``full``."""

    site_dir: Path
    settings: Settings
    options: BuildOptions
    inputs: Inputs
    state: BuildState
    output: Path
    previous: Manifest | None
    now: datetime
    reporter: Reporter
    settings_problems: tuple[Problem, ...]
    """Warnings about the settings: said by every build, never kept in a snapshot."""
    token: str
    """The output's token (``writer.output_token``)."""

    def patch(self) -> _Outcome | None:
        """Re-render only the pages holding or reading the posts edited since the last build,
        when edits of their text are all that changed; None when a full build is needed."""
        from newsreel import media
        from newsreel.incremental.plan import (
            changed_posts,
            pages_to_patch,
            patchable,
            same_shape,
            stamps_of,
        )
        from newsreel.incremental.snapshot import StoredSite
        from newsreel.loader import PostSource
        from newsreel.markdown import make_markdown
        from newsreel.releases import today_of
        from newsreel.render import Renderer, templates_cache
        from newsreel.search import update_index
        from newsreel.taxonomy import LoadedPost
        from newsreel.theme import asset_names, collect_static

        last = self.state.snapshot
        if (
            self.previous is None
            or self.previous.doubted
            or any(p.severity == "error" for p in self.inputs.problems)
        ):
            return None  # files of the output are missing or changed (every page is checked), or sources unreadable
        changed = changed_posts(last, self.inputs, self.previous.stamp, self.now)
        if changed is None or last is None:
            return None
        static, problems = collect_static(self.site_dir)
        assets = asset_names(static, fingerprint=not self.options.preview)
        if problems or tuple(sorted(assets.items())) != last.assets:
            return None
        md = (
            make_markdown(self.settings.markdown_html, self.settings.base_path) if changed else None
        )
        # (a Markdown parser costs a few milliseconds: made only when a post may need parsing)
        fresh: list[Problem] = []
        digests = dict(last.digests or {})
        read: list[tuple[str, bytes, Stamp]] = []
        loaded: list[LoadedPost] = []
        for rel in changed:
            try:
                raw, stamp = _read_stamped(self.site_dir / rel)
            except OSError:
                return None
            digest = hash_bytes(raw)
            if digest != digests.get(rel):
                read.append(
                    (rel, raw, stamp)
                )  # edited (a source only touched, as by a fresh checkout, is not)
                digests[rel] = digest
        edits = [rel for rel, _, _ in read]
        if not patchable(last, edits):
            return None
        for rel, raw, stamp in read:
            entry = _load_one(self.settings, md, "posts", rel, raw, stamp)
            self.state.put(rel, entry)  # right whichever way this build goes
            if entry.result is None or any(p.severity == "error" for p in entry.problems):
                return None
            record, body = entry.result
            if not isinstance(record, PostSource) or not same_shape(last, record):
                return None
            fresh += entry.problems
            loaded.append(LoadedPost(record, body))

        # The pictures named stay those the last build processed, or the full build runs.
        pictures = dict(last.pictures)
        for item in loaded:
            names = media.names_of(item, static)
            if names:
                pictures[item.source.source] = names
            else:
                pictures.pop(item.source.source, None)
        if {r for n in pictures.values() for r in n} != {
            r for n in last.pictures.values() for r in n
        }:
            return None
        catalog = media.prepare(
            self.site_dir, static, pictures, self.options.use_cache, self.reporter
        )
        if media.problems(loaded, catalog, static):
            media.discard(catalog)
            return None  # the full build says what is wrong
        site = StoredSite(last, self.state, self.now)
        renderer = Renderer(
            self.site_dir,
            self.settings,
            Urls.from_settings(self.settings),
            preview=self.options.preview,
            assets=assets,
            today=today_of(self.now, self.settings.zone),
            catalog=catalog,
            compiled=templates_cache(self.site_dir),
        )
        from newsreel.incremental.keys import Known

        renderer.begin(
            site, last.plan_key, Known(last.post_keys or {}, last.term_keys or {}, digests)
        )
        edited = [
            rel for rel in edits if last.posts[rel].link is not None
        ]  # the rest are unbuilt drafts
        try:
            jobs = renderer.jobs(site, pages_to_patch(last, edited))
            for job in jobs:  # (here, where a post missing from the cache is caught)
                renderer.key(job)
        except LookupError:  # the cache lacks something the snapshot names: build it all
            return None
        with self._writer() as writer:
            writer.carry_over()
            try:
                rendered, more = write_pages(renderer, writer, site, jobs, self.reporter)
            except LookupError:
                return None
            if more:
                raise BuildFailed(list(self.settings_problems) + more)
            for rel, path in static.items():
                writer.write(assets[rel], path.read_bytes(), "")
            search_stale = update_index(writer, self.settings, now=not self.options.index_later)
            removed = writer.commit()
        notes = [n for n in last.notes if n.path not in edits] + _notes(
            site.post(rel) for rel in edited
        )
        warnings = [w for w in last.warnings if w.path not in edits] + [
            p for p in fresh if p.severity == "warning"
        ]
        made_posts, made_terms = renderer.digests.made()
        snapshot = replace(
            last,
            stamps=stamps_of(self.inputs),
            digests=digests,
            warnings=tuple(warnings),
            notes=tuple(notes),
            pictures=pictures,
            post_keys={**(last.post_keys or {}), **made_posts},
            term_keys={**(last.term_keys or {}), **made_terms},
        )
        # A page that now reads other posts than before is not where the snapshot says: the
        # next build is then a full one, which takes a new snapshot.
        moved = any(
            _reads(writer.previous, rel) != _reads(writer.manifest, rel) for rel in writer.changed
        )
        return _Outcome(
            writer,
            rendered,
            removed,
            snapshot,
            patched=True,
            fresh_snapshot=not moved,
            search_stale=search_stale,
        )

    def full(self) -> _Outcome:
        """Build from every source (those unchanged from the cache), planning every page."""
        collecting = gc.isenabled()
        try:
            with _compiled_templates(self.site_dir, self.options.use_cache) as compiled:
                return self._full(compiled)
        finally:
            gc.unfreeze()  # (for a caller that builds again: ``serve`` collects, then freezes)
            if collecting:  # (``newsreel build`` has it off: a collection now only costs time)
                gc.enable()

    def _full(self, compiled: Path | None) -> _Outcome:
        from newsreel import media
        from newsreel.incremental.plan import stamps_of
        from newsreel.incremental.snapshot import reported_only, take_snapshot
        from newsreel.releases import next_change, today_of
        from newsreel.render import Renderer, check_unique, compile_templates
        from newsreel.search import reserved_problems, update_index
        from newsreel.taxonomy import build_model
        from newsreel.theme import asset_names, collect_static

        site_dir, settings, options, inputs = (
            self.site_dir,
            self.settings,
            self.options,
            self.inputs,
        )
        self.state.load_all()
        # Reading the sources, the model, the plan and the snapshot make next to no cyclic
        # garbage (two dozen objects in 300 posts, none in the rest of a 4,000-post build):
        # the collector is off but while pages render (``_collect_young``).
        gc.disable()
        # A child compiles the templates for the processes that will render (``beside``).
        compile_beside = (
            None
            if compiled is None
            else partial(
                compile_templates, site_dir, settings, preview=options.preview, into=compiled
            )
        )
        posts, pages, loaded_problems = load_sources(
            site_dir, settings, self.state, inputs, self.reporter, beside=compile_beside
        )
        problems = list(self.settings_problems) + loaded_problems
        problems += _no_content(site_dir)
        if any(p.severity == "error" for p in problems):
            raise BuildFailed(problems)

        urls = Urls.from_settings(settings)
        site, more = build_model(
            posts,
            pages,
            urls,
            settings.taxonomies,
            now=self.now,
            drafts=options.drafts,
            future=options.future,
        )
        problems += more
        static, more = collect_static(site_dir)
        problems += more
        assets = asset_names(static, fingerprint=not options.preview)
        pictures = media.named(
            list(posts) + list(pages), static, [theme_dirs()[0], SiteLayout(site_dir).templates]
        )
        catalog = media.prepare(site_dir, static, pictures, options.use_cache, self.reporter)
        try:
            problems += media.problems(list(posts) + list(pages), catalog, static)
            renderer = Renderer(
                site_dir,
                settings,
                urls,
                preview=options.preview,
                assets=assets,
                today=today_of(self.now, settings.zone),
                catalog=catalog,
                compiled=compiled,
            )
            jobs = renderer.plan(site)
            _settled()
            cards = (
                media.cards(site, catalog, settings.title, settings.taxonomies)
                if settings.social_cards
                else []
            )
            if not any(p.severity == "error" for p in problems):
                outputs = {out: f"static/{rel}" for rel, out in assets.items()}
                outputs |= {
                    out: f"the picture /{out}"
                    for out in media.outputs(catalog, cards)
                    if out not in outputs
                }
                problems += check_unique(jobs, outputs)
                problems += reserved_problems(settings, jobs, list(outputs))
            if any(p.severity == "error" for p in problems):
                raise BuildFailed(problems)

            with self._writer() as writer:
                with _collect_young():
                    rendered, more = write_pages(renderer, writer, site, jobs, self.reporter)
                if more:
                    raise BuildFailed(problems + more)
                for rel, path in static.items():
                    writer.write(assets[rel], path.read_bytes(), "")
                # A preview leaves its social cards to be drawn when asked for: nobody looks
                # at most of them, and drawing hundreds would hold up every rebuild.
                # (Without a cache the pictures are gone after the build: drawn now.)
                later = options.preview and options.use_cache
                media.write(writer, catalog, [] if later else cards, self.reporter)
                search_stale = update_index(writer, self.settings, now=not self.options.index_later)
                removed = writer.commit()
        finally:
            media.discard(catalog)
        warnings = [
            p for p in problems if p.severity == "warning" and p not in self.settings_problems
        ]
        notes = _notes(site.posts)
        left_out = count_left_out(posts, options, self.now)
        if not options.use_cache:  # nothing keeps the snapshot: only what the build reports
            return _Outcome(
                writer,
                rendered,
                removed,
                reported_only(warnings, notes, left_out),
                patched=False,
                search_stale=search_stale,
            )
        # (with --future too: a template may show whether a post is still to come)
        upcoming = [p.source.date for p in posts if p.source.date > self.now]
        if _own_templates(self.site_dir):  # (they may show the day: the snapshot ends with it)
            upcoming.append(_next_midnight(self.now, settings.zone))
        release_change = next_change(
            [t for tax in settings.taxonomies if tax.releases for t in site.terms(tax.name)],
            self.now,
            settings.zone,
        )
        upcoming += [release_change] if release_change is not None else []
        snapshot = take_snapshot(
            scope=inputs.scope,
            plan_key=renderer.plan_key,
            assets=assets,
            stamps=stamps_of(inputs),
            posts=posts,
            site=site,
            pages=_pages_read(renderer, jobs, writer.manifest),
            digests={rel: entry.digest for rel, entry in self.state.entries.items()},
            valid_until=min(upcoming, default=None),
            valid_from=self.now,
            warnings=warnings,
            notes=notes,
            left_out=left_out,
            pictures=pictures,
        )
        return _Outcome(
            writer,
            rendered,
            removed,
            snapshot,
            patched=False,
            search_stale=search_stale,
            cards=media.on_demand(catalog, cards) if later else None,
        )

    @contextmanager
    def _writer(self) -> Iterator[OutputWriter]:
        """The output writer; a failure to write is one line saying the old site is untouched."""
        drop_spares(SiteLayout(self.site_dir).cache)  # (kept by newsreel before 2026-12-07)
        try:
            with OutputWriter(
                self.output,
                self.previous,
                token=self.token,
                trust=self.options.use_cache,
            ) as writer:
                yield writer
        except OSError as exc:
            where = exc.filename or self.output
            state = (
                "is halfway between two builds, which the next build finishes"
                if isinstance(exc, CommitLeftHalfway)
                else "is untouched"
            )
            raise NewsreelError(
                f"cannot write the site: {exc.strerror or exc} ({where}); the previous site in "
                f"{self.output} {state} (free some disk space or check permissions)"
            ) from None


@contextmanager
def _collect_young() -> Iterator[None]:
    """The cycle collector on, for rendering: a site's templates may leave cycles (63 objects
    in the built-in theme's 8,600 pages), which the young generations' collections free. A
    full collection walks all a worker made and keeps (its fragments, its pages' keys): one
    for every hundred of the younger, not ten (22 in each worker of a 40,000-post build)."""
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], 100)
    gc.enable()
    try:
        yield
    finally:
        gc.disable()
        gc.set_threshold(*threshold)


def _settled() -> None:
    """What a full build made before rendering (the sources read, the model, the plan) lives
    until it ends: out of the cycle collector's sight, the collections made while rendering
    walk only what is new, and a worker's collections do not write to every object it
    inherited (which would unshare the memory that holds it)."""
    gc.freeze()


def _reads(manifest: Manifest, rel: str) -> tuple[str, ...]:
    entry = manifest.files.get(rel)
    return entry[2] if entry is not None else ()


def _notes(posts: Iterable[Post]) -> list[Problem]:
    """What ``check`` lists: tweets without a status URL."""
    return [
        Problem(
            p.source,
            None,
            f"a tweet by @{t.handle} has no status URL",
            "add its url: https://twitter.com/<handle>/status/<id> to link to the tweet itself",
            "warning",
        )
        for p in posts
        for t in p.tweets
        if not t.url
    ]
