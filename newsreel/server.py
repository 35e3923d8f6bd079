"""``newsreel serve``: build into a private folder, serve it, rebuild on save, reload the tabs.

Three parts, each on its own thread:

- the **build loop** (the calling thread): waits for the watcher (``watch.py``) to report a
  quiet moment after some saves, rebuilds incrementally with one ``BuildState``, and tells
  the browsers what changed;
- the **HTTP server** (``ThreadingHTTPServer``, a daemon thread per request): serves only the
  files of the last good build, at ``base_url``'s path, and adds the live-reload script to
  the HTML it sends;
- the **watchdog observer**, which only records which paths changed.

What the pages are told, and the script that listens, are in ``livereload.py``.
"""

from __future__ import annotations

import email.utils
import gc
import ipaddress
import mimetypes
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote, unquote, urlsplit

from newsreel.errors import BuildFailed, NewsreelError, Problem, printable
from newsreel.hashing import hash_bytes
from newsreel.layout import OUTPUT, SiteLayout
from newsreel.livereload import (
    EVENTS_PATH,
    PING_SECONDS,
    SCRIPT_PATH,
    LiveReload,
    error_page,
    inject_script,
    load_script,
    problem_json,
    script_tag,
)
from newsreel.report import Reporter
from newsreel.watch import Changes, SeenStamps, SiteWatcher

if TYPE_CHECKING:
    from newsreel.build import BuildResult
    from newsreel.cards import CardsOnDemand

QUIET_SECONDS = 0.1
"""Rebuild once the filesystem has been quiet this long after the last event."""
MAX_LISTED_CHANGES = 2000
"""Beyond this many changed paths, tell the tabs to reload rather than listing them all."""
STALL_SECONDS = 20.0
"""A connection whose reads or writes make no progress for this long is closed."""
CHUNK = 256 * 1024
"""Bytes handed to the socket at a time when sending a page from memory."""
MAX_INJECTED = 32 * 1024 * 1024
"""HTML pages up to this size get the live-reload script; larger ones are streamed as they are."""

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".map": "application/json",
    ".pdf": "application/pdf",
    ".ics": "text/calendar",
    ".wasm": "application/wasm",
}
TEXTUAL = (
    "text/",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/manifest+json",
    "application/atom+xml",
    "application/rss+xml",
    "application/javascript",
)


class ServeError(NewsreelError):
    """``serve`` could not start (the port is taken, the folder is missing)."""


# --- pure parts: no sockets, tested directly -------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """What a request path leads to: a file (200), a redirect (301/302) or nothing (404)."""

    status: int
    file: Path | None = None
    location: str | None = None


NOT_FOUND = Resolved(404)


def resolve_path(root: Path, base_path: str, raw_path: str) -> Resolved:
    """Map a request path (still URL-encoded, without query) to a file inside ``root``.

    The site is served under ``base_path`` ("/" or "/movie-news/"). The path is decoded once;
    encoded slashes, dots and backslashes, NUL and ``..`` segments are refused, and a file
    whose real path (symlinks followed) is outside ``root`` does not exist.
    """
    if not raw_path.startswith("/") or "\\" in raw_path or "\x00" in raw_path:
        return NOT_FOUND
    if base_path != "/" and raw_path in ("/", base_path.rstrip("/")):
        return Resolved(302 if raw_path == "/" else 301, location=base_path)
    if not raw_path.startswith(base_path):
        return NOT_FOUND
    lowered = raw_path.lower()
    if any(code in lowered for code in ("%2e%2e", "%2f", "%5c", "%00")):
        return NOT_FOUND
    try:
        decoded = unquote(raw_path[len(base_path) :], errors="strict")
    except UnicodeDecodeError:
        return NOT_FOUND
    if "\\" in decoded or "\x00" in decoded:
        return NOT_FOUND
    segments = decoded.split("/")
    if any(part in ("..", ".") for part in segments):
        return NOT_FOUND
    real_root = os.path.realpath(root)
    candidate = os.path.join(real_root, *[s for s in segments if s])
    if decoded == "" or decoded.endswith("/"):
        candidate = os.path.join(candidate, "index.html")
    elif os.path.isdir(candidate):
        # A page folder asked for without its slash: send the browser to the pretty URL, so
        # the page's relative links resolve as they will on the real host.
        return Resolved(301, location=raw_path + "/")
    real = os.path.realpath(candidate)
    if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
        return NOT_FOUND
    return Resolved(200, file=Path(real))


def content_type(path: Path) -> str:
    """The Content-Type for a file, with ``charset=utf-8`` for text."""
    suffix = path.suffix.lower()
    kind = (
        CONTENT_TYPES.get(suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    if kind.startswith(TEXTUAL):
        kind += "; charset=utf-8"
    return kind


UNSATISFIABLE = (-1, -1)
"""``byte_range``'s answer for a range that lies wholly beyond the end of the file (416)."""
_RANGE = re.compile(r"bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*", re.IGNORECASE)


def _number(digits: str) -> int:
    """A decimal number from a header; absurdly long ones count as "beyond any file"."""
    return int(digits) if len(digits) <= 18 else 10**18


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``(first, last)`` (inclusive) a ``Range`` header asks of ``size`` bytes.

    None means "send the whole file" (no header, a malformed one, another unit or several
    ranges, which a server may answer whole); ``UNSATISFIABLE`` means 416.
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        if not last:
            return None
        wanted = _number(last)
        if wanted == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - wanted), size - 1
    start = _number(first)
    if last and _number(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(_number(last), size - 1) if last else size - 1


def http_date(seconds: float) -> str:
    """A timestamp as HTTP writes it (``Last-Modified``)."""
    return email.utils.formatdate(seconds, usegmt=True)


def split_host(header: str) -> str:
    """The host name of a ``Host`` header, without port and brackets, lower-cased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses."""
    host = split_host(host) if host.startswith("[") else host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_allowed(header: str | None, bound_host: str) -> bool:
    """Refuse foreign ``Host`` names on a loopback server (DNS rebinding); allow all otherwise."""
    if not is_loopback(bound_host) or header is None:
        return True
    name = split_host(header)
    return is_loopback(name) or name == bound_host.lower().strip("[]")


def origin_allowed(header: str | None, bound_host: str, port: int) -> bool:
    """Refuse requests a page of another origin makes to a loopback server (no header: fine).

    Browsers send ``Origin`` with cross-origin requests: a site on the web (or a local file,
    origin ``null``) must not read or drive the preview. Same-origin pages may.
    """
    if header is None or not is_loopback(bound_host):
        return True
    parts = urlsplit(header.strip())
    try:
        origin_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    name = (parts.hostname or "").lower()
    return (
        parts.scheme == "http"
        and origin_port == port
        and (is_loopback(name) or name == bound_host.lower().strip("[]"))
    )


def browser_path(base_path: str, site_path: str) -> str:
    """A site path ("/posts/x/") as the browser sees it under the base path, URL-encoded."""
    return quote(base_path + site_path.lstrip("/"), safe="/~!$&'()*+,;=:@-._")


# --- the state shared by the build loop and the request threads ------------------------------


@dataclass(frozen=True)
class Showing:
    """What the server shows now: the last good build, and the current failure if any."""

    root: Path | None = None
    """Output folder of the last good build; None until one succeeds."""
    base_path: str = "/"
    problems: tuple[Problem, ...] = ()
    """Errors of the latest build, if it failed."""
    cards: CardsOnDemand | None = None
    """The social cards of the build shown, drawn when first asked for."""


@dataclass
class Preview:
    """The server's state: what it shows, the lock a build holds, the reload hub."""

    script: bytes
    bound_host: str
    reporter: Reporter
    hub: LiveReload = field(default_factory=LiveReload)
    showing: Showing = field(default_factory=Showing)
    build_lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while the output folder is being written; requests hold it only to open a file."""
    stall_seconds: float = STALL_SECONDS
    """A connection whose socket makes no progress for this long is closed."""


# --- HTTP ---------------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its ``Preview``."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    """Connections waiting to be accepted: a page load opens dozens at once (the stdlib's 5 drops some)."""

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, PreviewHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser closing a connection mid-response is normal here; say nothing."""


class PreviewServer6(PreviewServer):
    address_family = socket.AF_INET6


@dataclass
class Body:
    """What a response carries: bytes in memory, or a file opened under the build lock and
    streamed after it is released (an open file keeps its bytes when a rebuild replaces it)."""

    data: bytes = b""
    file: BinaryIO | None = None
    size: int = 0
    tag: str = ""
    """Entity tag; responses without one are not served in ranges."""
    modified: float | None = None

    @classmethod
    def of(cls, data: bytes, tagged: bool = False) -> Body:
        tag = f'"{hash_bytes(data, 12)}"' if tagged else ""
        return cls(data=data, size=len(data), tag=tag)

    @classmethod
    def open(cls, path: Path) -> Body:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response writer
        info = os.fstat(handle.fileno())
        tag = f'"{info.st_ino:x}-{info.st_mtime_ns:x}-{info.st_size:x}"'
        return cls(file=handle, size=info.st_size, tag=tag, modified=info.st_mtime)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the preview; the event stream; the live-reload script.

    The build lock is held only to find and open what a request asks for, never while
    sending: a client that reads slowly, or not at all, holds up nobody but itself, and its
    connection is closed once the socket has made no progress for ``stall_seconds``."""

    server: PreviewServer

    def setup(self) -> None:
        super().setup()
        # applies to every read and write
        self.connection.settimeout(self.server.preview.stall_seconds)

    def version_string(self) -> str:
        return "newsreel"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        self.server.preview.reporter.detail("serve: " + printable(format % args))

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _not_allowed(self) -> None:
        self._send(
            405,
            b"Method not allowed\n",
            "text/plain; charset=utf-8",
            head=False,
            extra={"Allow": "GET, HEAD"},
        )

    def __getattr__(self, name: str) -> object:
        # Every other method (POST, TRACE, PROPFIND, anything) is a 405, not the stdlib's 501.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _respond(self, head: bool) -> None:
        preview = self.server.preview
        if not host_allowed(self.headers.get("Host"), preview.bound_host):
            self._send(
                403,
                b"Forbidden: unknown Host (newsreel serve answers to localhost only)\n",
                "text/plain; charset=utf-8",
                head,
            )
            return
        if not origin_allowed(
            self.headers.get("Origin"), preview.bound_host, self.server.server_address[1]
        ):
            self._send(
                403,
                b"Forbidden: a page of another origin may not use the preview\n",
                "text/plain; charset=utf-8",
                head,
            )
            return
        target = self.path
        if not target.startswith("/"):
            target = urlsplit(target).path or "/"
        path, _, query = target.split("#", 1)[0].partition("?")
        if path == EVENTS_PATH and not head:
            self._events()
            return
        if path == SCRIPT_PATH:
            self._send(200, preview.script, "text/javascript; charset=utf-8", head)
            return
        if not preview.build_lock.acquire(timeout=120):
            self._send(
                503,
                b"The site is still building\n",
                "text/plain; charset=utf-8",
                head,
                extra={"Retry-After": "1"},
            )
            return
        try:
            status, body, kind, extra = self._find(path, query)
        finally:
            preview.build_lock.release()
        try:
            self._deliver(status, body, kind, head, extra)
        finally:
            body.close()

    def _find(self, path: str, query: str) -> tuple[int, Body, str, dict[str, str]]:
        """What to answer (read or opened under the build lock, so never half a build)."""
        preview = self.server.preview
        shown = preview.showing
        hub = preview.hub
        text = "text/plain; charset=utf-8"
        if shown.root is None:
            page = error_page(shown.problems, script_tag(hub.server_id, error_page=True))
            return 500, Body.of(page), "text/html; charset=utf-8", {}
        found = resolve_path(shown.root, shown.base_path, path)
        if found.location is not None:
            location = found.location + (f"?{query}" if query else "")
            return found.status, Body.of(b""), text, {"Location": location}
        status, file = found.status, found.file
        if file is None and shown.cards is not None and path.startswith(shown.base_path):
            try:  # a social card: drawn the first time it is asked for
                file = shown.cards.file(unquote(path[len(shown.base_path) :]))
            except (OSError, ValueError):
                file = None
            status = 200 if file is not None else status
        if file is None:
            missing = os.path.join(shown.root, "404.html")
            if not os.path.isfile(missing):
                return 404, Body.of(b"Not found\n"), text, {}
            file = Path(missing)
        try:
            body = Body.open(file)
        except OSError:
            return 404, Body.of(b"Not found\n"), text, {}
        kind = content_type(file)
        if kind.startswith("text/html") and body.size <= MAX_INJECTED and body.file is not None:
            try:
                data = body.file.read()
            except OSError:
                return 404, Body.of(b"Not found\n"), text, {}
            finally:
                body.close()
            site_path = "/" + file.relative_to(os.path.realpath(shown.root)).as_posix()
            data = inject_script(
                data, script_tag(hub.server_id, browser_path(shown.base_path, site_path))
            )
            body = Body.of(data, tagged=True)
        return status, body, kind, {}

    def _send(
        self, status: int, data: bytes, kind: str, head: bool, extra: dict[str, str] | None = None
    ) -> None:
        self._deliver(status, Body.of(data), kind, head, extra or {})

    def _if_range_holds(self, body: Body) -> bool:
        """``If-Range``: the range applies only to the version the client already has part of."""
        value = self.headers.get("If-Range")
        if value is None:
            return True
        value = value.strip()
        if value.startswith(('"', "W/")):
            return value == body.tag  # strong comparison: a weak tag never matches
        return body.modified is not None and value == http_date(body.modified)

    def _deliver(
        self, status: int, body: Body, kind: str, head: bool, extra: dict[str, str]
    ) -> None:
        """Send the status, the headers and (unless HEAD) the body or the asked range of it."""
        headers = {
            "Content-Type": kind,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        first, count = 0, body.size
        if status == 200 and body.tag:
            headers["Accept-Ranges"] = "bytes"
            headers["ETag"] = body.tag
            if body.modified is not None:
                headers["Last-Modified"] = http_date(body.modified)
            wanted = byte_range(self.headers.get("Range"), body.size)
            if wanted is not None and self._if_range_holds(body):
                if wanted == UNSATISFIABLE:
                    headers = {
                        **headers,
                        "Content-Type": "text/plain; charset=utf-8",
                        "Content-Range": f"bytes */{body.size}",
                    }
                    body.close()
                    status, body = 416, Body.of(b"Range not satisfiable\n")
                    count = body.size
                else:
                    status, (first, last) = 206, wanted
                    count = last - first + 1
                    headers["Content-Range"] = f"bytes {first}-{last}/{body.size}"
        headers.update(extra)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(count))
            self.end_headers()
            if not head and count:
                self._send_bytes(body, first, count)
        except (
            TimeoutError
        ):  # no progress for stall_seconds: drop the connection and what it queued
            self.close_connection = True
            with suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        except OSError:  # the client went away
            self.close_connection = True

    def _send_bytes(self, body: Body, first: int, count: int) -> None:
        """Hand bytes to the socket as it takes them; each wait is bounded by the socket timeout."""
        sock = self.connection
        if body.file is not None:
            sent = sock.sendfile(body.file, first, count)
            if sent < count:  # the file shrank under us: the promised length cannot be kept
                self.close_connection = True
            return
        view = memoryview(body.data)[first : first + count]
        while view:
            view = view[sock.send(view[:CHUNK]) :]

    def _events(self) -> None:
        """Stream build news to one tab until it leaves or the server stops."""
        preview = self.server.preview
        hub = preview.hub
        client = hub.subscribe()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n" + hub.message("hello", {"id": hub.server_id}))
            problems = preview.showing.problems
            if problems:
                self.wfile.write(
                    hub.message("failed", {"problems": [problem_json(p) for p in problems]})
                )
            self.wfile.flush()
            while True:
                try:
                    message = client.get(timeout=PING_SECONDS)
                except queue.Empty:
                    message = b": ping\n\n"
                if message is None:
                    break
                self.wfile.write(message)
                self.wfile.flush()
        except OSError:
            pass  # the tab closed: forget it
        finally:
            hub.unsubscribe(client)
            self.close_connection = True


# --- the build loop -----------------------------------------------------------------------


class Rebuilder:
    """Runs builds into the private output folder and publishes their outcome."""

    def __init__(
        self, site_dir: Path, output: Path, preview: Preview, drafts: bool, future: bool
    ) -> None:
        from newsreel.build import BuildOptions
        from newsreel.incremental.store import load_state

        self.site_dir = site_dir
        self.output = output
        self.preview = preview
        from newsreel.search import Indexer

        self.options = BuildOptions(
            drafts=drafts, future=future, output=output, preview=True, index_later=True
        )
        # Start from what the last `newsreel build` left in .newsreel-cache/, then keep the state
        # in memory: each rebuild re-reads only the sources whose stamp changed. The state
        # forgets itself when settings that shape it change (BuildState.reset).
        self.state = load_state(site_dir).in_memory()
        self._warnings: tuple[Problem, ...] = ()
        # The search index is made after each build that changed pages, on its own thread: the
        # preview shows the new pages at once, and the index follows.
        self.indexer = Indexer(
            output,
            output.parent / "search-work",
            preview.build_lock,
            preview.reporter.info,
            committed=self._index_committed,
        )

    def _index_committed(self) -> None:
        """The indexer changed the output (with the build lock held): the snapshot's stamp of
        the manifest follows, so the next edit may still be patched."""
        from newsreel.writer import manifest_stamp

        if self.state.snapshot is not None:
            self.state.snapshot = replace(self.state.snapshot, manifest=manifest_stamp(self.output))

    def build(self, paths: frozenset[str] = frozenset()) -> BuildResult | None:
        """Build once; on success serve the new output, on failure keep the old and show why.

        Returns what the build did, or None when it failed."""
        from newsreel.build import build_site

        preview, reporter = self.preview, self.preview.reporter
        started = time.perf_counter()
        with preview.build_lock:
            try:
                result = build_site(
                    self.site_dir,
                    self.options,
                    reporter=reporter,
                    state=self.state,
                    changed=paths or None,
                )
            except BuildFailed as exc:
                problems = tuple(p for p in exc.problems if p.severity == "error") or tuple(
                    exc.problems
                )
            except NewsreelError as exc:
                problems = (Problem("newsreel", None, str(exc)),)
            except Exception as exc:  # a bug in newsreel must not stop the preview
                problems = (
                    Problem(
                        "newsreel",
                        None,
                        f"internal error: {type(exc).__name__}: {exc}",
                        "please report this; the preview keeps the last good build",
                    ),
                )
            else:
                problems = ()
                old = preview.showing
                preview.showing = Showing(
                    root=result.output,
                    base_path=result.base_path,
                    cards=old.cards if result.patched else result.cards,
                )
                self.indexer.built(result.settings, result.search_stale)
        if problems:
            preview.showing = replace(preview.showing, problems=problems)
            for problem in problems:
                reporter.problem(problem)
            serving = (
                "the last good build"
                if preview.showing.root
                else "an error page until a good build"
            )
            reporter.error(
                f"build failed ({len(problems)} error{'s' if len(problems) != 1 else ''}); "
                f"serving {serving}"
            )
            preview.hub.publish("failed", {"problems": [problem_json(p) for p in problems]})
            return None
        if result.warnings != self._warnings:  # say each warning once, not on every save
            for warning in result.warnings:
                if warning not in self._warnings:
                    reporter.problem(warning)
            self._warnings = tuple(result.warnings)
        changed = sorted(result.changed)
        removed = sorted(result.removed)
        reload_all = (
            old.base_path != result.base_path or len(changed) + len(removed) > MAX_LISTED_CHANGES
        )
        preview.hub.publish(
            "build",
            {
                "changed": []
                if reload_all
                else [browser_path(result.base_path, p) for p in changed],
                "removed": []
                if reload_all
                else [browser_path(result.base_path, p) for p in removed],
                "all": reload_all,
            },
        )
        ms = (time.perf_counter() - started) * 1000
        from newsreel.build import left_out_text

        left_out = left_out_text(*result.left_out, preview=True)
        left_out = f"; {left_out}" if left_out else ""
        if paths:
            reporter.info(
                f"rebuilt in {ms:.0f} ms: {len(changed)} changed, {len(removed)} removed{left_out}"
            )
        else:
            reporter.info(f"built {result.pages} files in {ms / 1000:.1f} s{left_out}")
        # What a build keeps (the cache, the snapshot) lives as long as the server and holds no
        # cycles: move it out of the cycle collector's sight, or every later build pays for a
        # walk over all of it (a large part of a second at 10,000 posts). Plain reference
        # counting still frees what a later build replaces.
        gc.collect()
        gc.freeze()
        return result

    def note_built(self, seen: SeenStamps, result: BuildResult | None) -> None:
        """Tell ``seen`` what a successful build read, to tell late events from news."""
        inputs = self.state.inputs
        if result is None or inputs is None:
            return
        listed = result.listed_ns if result.scanned_all else None
        seen.built(listed, os.path.realpath(self.site_dir), inputs.sources)


@contextmanager
def _interrupt_on_term() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while serving (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Ignore a second Ctrl-C while shutting down, so it cannot leave a traceback or a mess."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _make_server(host: str, port: int, preview: Preview) -> PreviewServer:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        raise ServeError(
            f"cannot listen on {host!r}: {exc.strerror} (give --host an address or a name of this machine)"
        ) from None
    cls = PreviewServer6 if family == socket.AF_INET6 else PreviewServer
    try:
        return cls((host, port), preview)
    except OSError as exc:
        hint = (
            "try another --port, or --port 0 for any free one"
            if exc.errno == 98
            else "check --host and --port"
        )
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror} ({hint})") from None


def remove_tree(folder: Path, budget: float = 0.25) -> None:
    """Delete ``folder``; if that takes longer than ``budget`` s, a detached process finishes it.

    A preview of 10,000 posts holds some 20,000 files, and deleting them can take many seconds
    on a slow disk: Ctrl-C must not wait for that.
    """
    deadline = time.monotonic() + budget
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
        if time.monotonic() > deadline:
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                    str(folder),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
            return
    shutil.rmtree(folder, ignore_errors=True)


def _url(host: str, port: int, base_path: str) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{base_path}"


def serve(
    site_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: bool = True,
    future: bool = True,
    reporter: Reporter | None = None,
) -> None:
    """Build ``site_dir``, serve it on ``host:port`` and rebuild on every save until Ctrl-C."""
    reporter = reporter or Reporter()
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise ServeError(
            f"{site_dir}: no such folder (give the site folder, or run newsreel init first)"
        )
    preview = Preview(script=load_script(), bound_host=host, reporter=reporter)
    workdir = Path(tempfile.mkdtemp(prefix="newsreel-serve-"))
    httpd: PreviewServer | None = None
    watcher: SiteWatcher | None = None
    http_thread: threading.Thread | None = None
    rebuilder: Rebuilder | None = None
    try:
        with _interrupt_on_term():
            try:
                httpd = _make_server(host, port, preview)
                port = httpd.server_address[1]
                rebuilder = Rebuilder(site_dir, workdir / OUTPUT, preview, drafts, future)
                changes = Changes()
                watcher = SiteWatcher(
                    site_dir, changes, ignore=(workdir, SiteLayout(site_dir).cache)
                )
                try:
                    watcher.start()
                except OSError as exc:  # e.g. the system's inotify watch limit
                    reporter.error(
                        f"warning: cannot watch {site_dir} for changes ({exc.strerror or exc}); "
                        "saves will not rebuild until serve is restarted"
                    )
                http_thread = threading.Thread(
                    target=httpd.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name="newsreel-http",
                    daemon=True,
                )
                http_thread.start()
                reporter.info("building…")
                seen = SeenStamps()
                rebuilder.note_built(seen, rebuilder.build())
                shown = preview.showing.base_path
                reporter.info(
                    f"serving {_url(host, port, shown)} (rebuilds as you save; Ctrl-C stops)"
                )
                while True:
                    paths = changes.wait_quiet(QUIET_SECONDS, timeout=0.5)
                    if paths is None or not seen.news(paths):
                        continue
                    if watcher is not None:
                        watcher.refresh()
                    rebuilder.note_built(seen, rebuilder.build(paths))
                    if preview.showing.base_path != shown:  # (base_url's path was changed)
                        shown = preview.showing.base_path
                        reporter.info(f"now serving {_url(host, port, shown)}")
            except KeyboardInterrupt:
                pass
    finally:
        with _no_interrupts():
            preview.hub.close()
            if rebuilder is not None:
                rebuilder.indexer.stop()
            if httpd is not None:
                if http_thread is not None:
                    httpd.shutdown()
                httpd.server_close()
            if watcher is not None:
                watcher.stop()
            if http_thread is not None:
                http_thread.join(timeout=1.0)
            remove_tree(workdir)
    reporter.info("stopped")
