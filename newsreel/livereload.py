"""Live reload: what ``serve`` adds to the pages it sends, and the messages it pushes to them.

Live reload uses Server-Sent Events rather than a WebSocket: messages only ever go from the
server to the page; it is plain HTTP, so the standard library's ``ThreadingHTTPServer`` can
serve it with no WebSocket library; and the browser's ``EventSource`` reconnects by itself
when the server restarts. The listening script is ``livereload.js`` beside this file; the
server adds a ``<script>`` element for it to each HTML response (never to the build output).
"""

from __future__ import annotations

import html
import json
import queue
import threading
import uuid
from importlib import resources

from newsreel.errors import Problem

LIVE_PREFIX = "/__newsreel__/"
"""The server's own paths; no page can have them (slugs have no underscores)."""
EVENTS_PATH = LIVE_PREFIX + "events"
SCRIPT_PATH = LIVE_PREFIX + "livereload.js"
PING_SECONDS = 15.0
"""Heartbeat: an idle event stream gets a comment this often, so dead clients are noticed."""


def load_script() -> bytes:
    """The live-reload script served at ``SCRIPT_PATH``."""
    return resources.files("newsreel").joinpath("livereload.js").read_bytes()


def script_tag(server_id: str, page: str | None = None, error_page: bool = False) -> bytes:
    """The ``<script>`` element the server adds to every HTML page it serves."""
    attrs = f' data-server-id="{html.escape(server_id)}"'
    if page is not None:
        attrs += f' data-page="{html.escape(page)}"'
    if error_page:
        attrs += " data-error-page"
    return f'<script src="{SCRIPT_PATH}"{attrs}></script>'.encode()


def inject_script(body: bytes, tag: bytes) -> bytes:
    """Insert ``tag`` before the last ``</body>`` (any case), or at the end if there is none."""
    at = body.lower().rfind(b"</body")
    if at < 0:
        return body + tag
    return body[:at] + tag + body[at:]


def problem_json(problem: Problem) -> dict[str, object]:
    """A problem as the overlay shows it."""
    return {
        "path": problem.path,
        "line": problem.line,
        "message": problem.message,
        "hint": problem.hint,
        "severity": problem.severity,
        "text": str(problem),
    }


def error_page(problems: tuple[Problem, ...], tag: bytes) -> bytes:
    """The page served for every path while no build has succeeded yet."""
    items = "\n".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Build failed · newsreel</title>\n</head>\n<body>\n<main>\n"
        "<h1>The site did not build</h1>\n"
        "<p>Fix the problems below and save: this page reloads by itself after the next good build.</p>\n"
        f'<ul role="alert">\n{items}\n</ul>\n</main>\n</body>\n</html>\n'
    )
    return inject_script(page.encode(), tag)


class LiveReload:
    """The open event streams, and the messages sent to all of them."""

    def __init__(self) -> None:
        self.server_id = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._clients: set[queue.Queue[bytes | None]] = set()

    def subscribe(self) -> queue.Queue[bytes | None]:
        client: queue.Queue[bytes | None] = queue.Queue()
        with self._lock:
            self._clients.add(client)
        return client

    def unsubscribe(self, client: queue.Queue[bytes | None]) -> None:
        with self._lock:
            self._clients.discard(client)

    @staticmethod
    def message(event: str, data: object) -> bytes:
        return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()

    def publish(self, event: str, data: object) -> None:
        payload = self.message(event, data)
        with self._lock:
            for client in self._clients:
                client.put(payload)

    def close(self) -> None:
        """End every stream (on shutdown)."""
        with self._lock:
            for client in self._clients:
                client.put(None)

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)
