"""``newsreel serve`` over HTTP, without a browser: a real server process on a small site.

Helpers here (a site in ``tmp_path``, ``newsreel serve --port 0`` as a subprocess with its
temp folder under ``tmp_path`` so a test can find the output, raw requests, saves made the
way editors make them) are shared with ``test_server_browser.py``.
"""

from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def write_atomic(path: Path, text: str) -> None:
    """Save like an editor: write a temp file beside the target, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.newsreel-test~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def post_text(title: str, body: str, film: str = "Harbour Lights", extra: str = "") -> str:
    return f'---\ntitle: "{title}"\ndate: 2024-01-10\nfilm: {film}\nactors: [Ada Brennan]\n{extra}---\n\n{body}\n'


LONG_BODY = "\n\n".join(
    f"Paragraph {i} about the harbour, the lights and the long shoot at sea." for i in range(120)
)


def make_site(root: Path, base_url: str = "https://example.org/") -> Path:
    """A small site: two posts about one film, a draft, a stylesheet of its own."""
    site = root / "site-src"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "newsreel.yaml").write_text(
        f"title: Serve test\nbase_url: {base_url}\n", encoding="utf-8"
    )
    write_atomic(
        site / "content/posts/first-look.md",
        post_text("First look at Harbour Lights", "ORIGINAL-BODY-TEXT\n\n" + LONG_BODY),
    )
    write_atomic(
        site / "content/posts/casting-news.md",
        post_text("Casting news", "Ada Brennan joins the cast."),
    )
    write_atomic(
        site / "content/posts/secret-draft.md",
        post_text("A draft about the sequel", "Not out yet.", extra="draft: true\n"),
    )
    write_atomic(
        site / "static/css/style.css", ":root { --serve-test: one; }\nbody { margin: 0; }\n"
    )
    return site


@dataclass
class Served:
    """A running ``newsreel serve`` process and what it printed."""

    proc: subprocess.Popen[str]
    url: str
    port: int
    site: Path
    tmpdir: Path
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> Path:
        """The private output folder the server builds into."""
        found = list(self.tmpdir.glob("newsreel-serve-*/site"))
        assert len(found) == 1, found
        return found[0]

    def request(
        self, path: str, method: str = "GET", host: str | None = None, origin: str | None = None
    ) -> http.client.HTTPResponse:
        """A raw request: the path goes out exactly as written (no normalising)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        if origin is not None:
            conn.putheader("Origin", origin)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    def stop(self) -> float:
        """Ctrl-C; returns the seconds it took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("newsreel serve did not stop within 10 s of SIGINT")
        return time.monotonic() - started


def start_server(site: Path, tmpdir: Path, port: int = 0, timeout: float = 60) -> Served:
    tmpdir.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsreel", "serve", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if line.startswith("serving http://"):
            url = line.split()[1]
            port = int(url.split(":")[2].split("/")[0])
            return Served(proc, url, port, site, tmpdir, lines)
    proc.kill()
    pytest.fail("newsreel serve did not start:\n" + "".join(seen))


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Served]:
    served = start_server(make_site(tmp_path), tmp_path / "tmp")
    yield served
    if served.proc.poll() is None:
        served.stop()


def test_drafts_are_previewed(server: Served) -> None:
    assert server.request("/posts/secret-draft/").status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/posts/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/posts/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/leak.txt",
    ],
)
def test_nothing_outside_the_output_is_served(server: Served, path: str) -> None:
    secret = server.tmpdir / "secret.txt"
    secret.write_text("top secret")
    (server.site.parent / "secret.txt").write_text("top secret")
    leak = server.output() / "leak.txt"
    if not leak.is_symlink():
        leak.symlink_to(secret)
    response = server.request(path)
    assert response.status == 404


def test_http_details(server: Served) -> None:
    assert server.request("/posts/first-look/", host="evil.example").status == 403
    assert server.request("/posts/first-look/", host="evil.example:80").status == 403
    assert server.request("/posts/first-look/", host=f"localhost:{server.port}").status == 200
    assert server.request("/posts/first-look/", origin="https://evil.example").status == 403
    assert server.request("/__newsreel__/events", origin="https://evil.example").status == 403
    assert server.request("/posts/first-look/", origin=server.origin).status == 200
    head = server.request("/posts/first-look/", method="HEAD")
    assert head.status == 200 and head.getheader("Content-Type") == "text/html; charset=utf-8"
    assert int(head.getheader("Content-Length", "0")) > 0
    assert head.getheader("Cache-Control") == "no-store"
    redirect = server.request("/films/harbour-lights")
    assert redirect.status == 301 and redirect.getheader("Location") == "/films/harbour-lights/"
    assert server.request("/css/style.css").getheader("Content-Type") == "text/css; charset=utf-8"
    assert server.request("/feed.xml").getheader("Content-Type", "").startswith("application/xml")
    assert server.request("/posts/first-look/", method="POST").status == 405
    # Only served responses carry the script; the built files do not.
    built = (server.output() / "posts/first-look/index.html").read_text(encoding="utf-8")
    assert "__newsreel__" not in built


def test_sub_path_redirects_and_serves(tmp_path: Path) -> None:
    served = start_server(
        make_site(tmp_path, base_url="https://example.org/movie-news/"), tmp_path / "tmp"
    )
    try:
        assert served.url == f"http://127.0.0.1:{served.port}/movie-news/"
        response = served.request("/")
        assert response.status == 302 and response.getheader("Location") == "/movie-news/"
        response = served.request("/movie-news")
        assert response.status == 301 and response.getheader("Location") == "/movie-news/"
        assert served.request("/movie-news/").status == 200
        assert served.request("/movie-news/posts/first-look/").status == 200
        assert served.request("/posts/first-look/").status == 404
    finally:
        served.stop()


def test_ctrl_c_stops_within_a_second(tmp_path: Path) -> None:
    served = start_server(make_site(tmp_path), tmp_path / "tmp")
    # An open event stream (a tab) must not hold the server up.
    stream = socket.create_connection(("127.0.0.1", served.port))
    stream.sendall(b"GET /__newsreel__/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert b"event: hello" in stream.recv(4096) or b"event: hello" in stream.recv(4096)
    output = served.output()
    seconds = served.stop()
    stream.close()
    assert served.proc.returncode == 0
    assert seconds < 1.0, f"took {seconds:.2f} s to stop"
    printed = "".join(served.lines.get() for _ in range(served.lines.qsize()))
    assert "Traceback" not in printed and printed.rstrip().endswith("stopped")
    deadline = time.monotonic() + 5  # a big preview folder may be finished off by a helper process
    while output.parent.exists():
        assert time.monotonic() < deadline, "the temp folder was left behind"
        time.sleep(0.05)
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind(("127.0.0.1", served.port))  # free again, for the next newsreel serve
    probe.close()


def _rebuilds(served: Served, wait: float, settle: float = 1.5) -> list[str]:
    """The "rebuilt …" lines printed within ``wait`` s, or until ``settle`` s after the first."""
    found: list[str] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            line = served.lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line.startswith(("rebuilt", "build failed")):
            if not found:
                deadline = min(deadline, time.monotonic() + settle)
            found.append(line)
    return found


def test_a_burst_of_saves_gives_one_rebuild(server: Served) -> None:
    posts = server.site / "content" / "posts" / "batch"
    posts.mkdir()
    for i in range(500):  # like a git checkout: 500 new files at once
        write_atomic(
            posts / f"p{i}.md",
            post_text(f"Batch post {i}", f"Batch body {i}.", film=f"Batch Film {i % 7}"),
        )
    lines = _rebuilds(server, 20)
    assert len(lines) == 1 and lines[0].startswith("rebuilt"), lines
    assert server.request("/posts/p499/").status == 200
    # Nothing changed since: no more rebuilds (the build's own reads are not changes).
    assert _rebuilds(server, 1.0) == []


def test_social_cards_are_drawn_when_asked_for(server: Served) -> None:
    """The preview draws no card while rebuilding (hundreds would hold up every save) but
    answers for each page's card, the one its og:image names, from the same drawing code."""
    output = server.output()
    assert not list(output.rglob("card.jpg"))
    page = (output / "posts/first-look/index.html").read_text("utf-8")
    assert 'og:image" content="https://example.org/posts/first-look/card.jpg"' in page
    for path in ("/posts/first-look/card.jpg", "/films/harbour-lights/card.jpg"):
        response = server.request(path)
        assert response.status == 200, path
        assert response.getheader("Content-Type") == "image/jpeg"
    assert server.request("/posts/no-such-post/card.jpg").status == 404
    assert server.request("/posts/first-look/card.jpg/").status == 404
