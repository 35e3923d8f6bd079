"""``newsreel serve`` under attack, as a real process on 127.0.0.1.

Path traversal in every encoding, symlinks out of the served folder, foreign ``Host`` and
``Origin`` headers (DNS rebinding), 200 event streams held open while pages still answer,
clients that vanish mid-stream, and no thread left behind once they are gone. Every probe
records whether the attack succeeded (``attack``/``attack_succeeded``) for RELIABILITY.md.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitekit import Served, serving, write_site

SECRET = "NEWSREEL-SECRET-7f3a9c"
SETTINGS = "title: Hostile\nbase_url: https://example.org/news/\n"
POST = "---\ntitle: A post\ndate: 2023-01-02\nfilm: Heat\n---\nText of the post.\n"
TRAILER = bytes(range(256)) * (20 * 4096)  # 20 MB, every byte's offset recognisable


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module (in place of conftest's), with links out planted in its output."""
    root = tmp_path_factory.mktemp("serve")
    (root / "secret.txt").write_text(SECRET)
    site = write_site(
        root / "blog",
        {
            "newsreel.yaml": SETTINGS,
            "content/posts/a.md": POST,
            "static/secret-link.txt": "harmless\n",
            "static/trailer.mp4": TRAILER,
        },
    )
    with serving(site, root / "tmp") as running:
        # plant symlinks inside the served folder that lead out of it
        os.symlink(root / "secret.txt", running.output() / "leak.txt")
        os.symlink(root, running.output() / "leakdir")
        os.symlink("/etc/passwd", running.output() / "passwd")
        yield running


@pytest.fixture(scope="module")
def clean_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server whose output nobody tampered with, so saves rebuild (``server`` has planted links)."""
    root = tmp_path_factory.mktemp("serve-clean")
    site = write_site(
        root / "blog",
        {
            "newsreel.yaml": SETTINGS,
            "content/posts/a.md": POST,
            "static/trailer.mp4": TRAILER,
        },
    )
    with serving(site, root / "tmp") as running:
        yield running


def raw_request(port: int, request: bytes, timeout: float = 10.0) -> tuple[int, bytes, bytes]:
    """Send bytes as they are; return (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else 0), head, body


def get(port: int, path: str, host: str = "127.0.0.1", extra: str = "") -> tuple[int, bytes, bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n"
    return raw_request(port, request.encode("latin-1"))


def _leaked(body: bytes) -> bool:
    return SECRET.encode() in body or b"root:x:0:0" in body or b"root:" in body[:200]


TRAVERSALS = [
    "/../../../../../../../../etc/passwd",
    "/news/../../../../../../../etc/passwd",
    "/news/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/news/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/news/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/news/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/news/%252e%252e/%252e%252e/%252e%252e/%252e%252e/etc/passwd",
    "/news/..\\..\\..\\..\\..\\etc\\passwd",
    "/news/%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/news/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd",
    "/news/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/news/%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/etc/passwd",
    "/news/%u002e%u002e/%u002e%u002e/etc/passwd",
    "/news/..;/..;/..;/..;/..;/etc/passwd",
    "/news/%00/../../../../etc/passwd",
    "/news/..%00/..%00/etc/passwd",
    "/news/....//....//....//....//....//etc/passwd",
    "//etc/passwd",
    "/news//etc/passwd",
    "/news///../../../../etc/passwd",
    "/news/posts/../../../../../../../../etc/passwd",
    "/news/./.././.././.././../etc/passwd",
    "http://127.0.0.1/news/../../../../../../etc/passwd",
    "/news/%2e%2e%5c%2e%2e%5c%2e%2e%5cetc/passwd",
    "/news/..%c0%af..%c0%af..%c0%af..%c0%afetc/passwd",
    "/news/..%ef%bc%8f..%ef%bc%8f..%ef%bc%8fetc/passwd",
    "/news/%ef%bc%8e%ef%bc%8e/%ef%bc%8e%ef%bc%8e/%ef%bc%8e%ef%bc%8e/etc/passwd",
    "/news/../secret.txt",
    "/news/../../secret.txt",
    "/news/../../../secret.txt",
    "/news/%2e%2e/%2e%2e/secret.txt",
    "/news/leak.txt",
    "/news/leakdir/secret.txt",
    "/news/leakdir/blog/newsreel.yaml",
    "/news/passwd",
    "/news/%6c%65%61%6b.txt",
    "/news/leakdir%2fsecret.txt",
    "/news/LEAK.TXT",
    "/news/leak.txt%00.html",
    "/news/leak.txt/",
    "/news/leakdir/",
    "/news/.newsreel-manifest.json/../../secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_and_symlinks_never_leak(server: Served, path: str, record_property) -> None:
    status, head, body = get(server.port, path)
    leaked = _leaked(body)
    record_property("attack", "traversal")
    record_property("attack_succeeded", int(leaked or status == 0))
    assert status in (301, 302, 400, 403, 404, 414), (status, head)
    assert not leaked


def test_the_site_itself_is_served(server: Served) -> None:
    """The probes above are not refused wholesale: real pages and files answer."""
    status, _, body = get(server.port, "/news/posts/a/")
    assert status == 200 and b"A post" in body
    assert get(server.port, "/news/secret-link.txt")[0] == 200
    assert get(server.port, "/news/posts/a/", host=f"localhost:{server.port}")[0] == 200
    assert get(server.port, "/news/posts/a/", host=f"[::1]:{server.port}")[0] == 200


FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example",
    "localhost.evil.example",
    "0x7f.0.0.1",
    "2130706433",
    "127.1",
    "",
    "attacker.com:{port}",
    "10.0.0.1",
    "192.168.1.1:{port}",
    "[::ffff:8.8.8.8]",
    "evil.example\t",
]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
@pytest.mark.parametrize(
    "path", ["/news/posts/a/", "/__newsreel__/events", "/__newsreel__/livereload.js"]
)
def test_foreign_host_refused(server: Served, host: str, path: str, record_property) -> None:
    """DNS rebinding: a page on another name that resolves here gets nothing."""
    status, head, body = get(server.port, path, host=host.format(port=server.port))
    record_property("attack", "foreign-host")
    record_property("attack_succeeded", int(status == 200 or b"A post" in body))
    assert status in (400, 403), (host, status, head)
    assert b"A post" not in body


def test_foreign_origin_cannot_read(server: Served, record_property) -> None:
    """A page on another origin sending requests here gets no CORS permission to read them."""
    succeeded = 0
    for path in ("/news/posts/a/", "/__newsreel__/livereload.js"):
        status, head, _ = get(server.port, path, extra="Origin: https://evil.example\r\n")
        allowed = re.search(rb"(?im)^access-control-allow-origin:", head) is not None
        succeeded += int(allowed)
        assert not allowed, head
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"GET /__newsreel__/events HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n\r\n"
        )
        head = sock.recv(4096)
        allowed = re.search(rb"(?im)^access-control-allow-origin:", head) is not None
        succeeded += int(allowed)
        assert not allowed
    record_property("attack", "foreign-origin")
    record_property("attack_succeeded", succeeded)


def test_foreign_origin_refused_outright(server: Served) -> None:
    status, _, _ = get(server.port, "/news/posts/a/", extra="Origin: https://evil.example\r\n")
    assert status == 403


def test_other_methods_and_malformed_requests(server: Served, record_property) -> None:
    probes = [
        b"POST /news/posts/a/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        b"PUT /news/x.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        b"DELETE /news/posts/a/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /news/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Big: " + b"b" * 70000 + b"\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(64),
        b"GET /news/\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET\r\n\r\n",
    ]
    succeeded = 0
    for probe in probes:
        status, _, body = raw_request(server.port, probe, timeout=5)
        succeeded += int(status == 200 or _leaked(body))
    assert not (server.output() / "x.html").exists()
    record_property("attack", "methods-and-malformed")
    record_property("attack_succeeded", succeeded)
    assert succeeded == 0
    assert get(server.port, "/news/posts/a/")[0] == 200


def _open_stream(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"GET /__newsreel__/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    data = b""
    while b"event: hello" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("stream closed before hello")
        data += chunk
    return sock


def _wait_threads(server: Served, limit: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    count = server.threads()
    while count > limit and time.monotonic() < deadline:
        time.sleep(0.25)
        count = server.threads()
    return count


def test_200_event_streams_do_not_stall_or_leak(server: Served, record_property) -> None:
    baseline = _wait_threads(server, 0, 0)
    streams: list[socket.socket] = []
    try:
        for _ in range(200):
            streams.append(_open_stream(server.port))
        started = time.monotonic()
        status, _, body = get(server.port, "/news/posts/a/")
        answered = time.monotonic() - started
        assert status == 200 and b"A post" in body
        assert answered < 2.0, f"a page took {answered:.2f} s with 200 streams open"
        assert server.threads() >= baseline + 150, "the streams were not held open"
    finally:
        for index, sock in enumerate(streams):
            if index % 2:  # half vanish abruptly (RST), half close politely
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            sock.close()
    # a rebuild sends news to every stream: writing to the vanished ones ends their threads
    post = server.site / "content/posts/a.md"
    for round_ in range(3):
        post.write_text(POST.replace("Text of the post.", f"Text of the post, edit {round_}."))
        time.sleep(1.0)
    left = _wait_threads(server, baseline + 5, 40)
    record_property("attack", "200-streams")
    record_property("attack_succeeded", int(answered >= 2.0 or left > baseline + 5))
    assert left <= baseline + 5, f"{left - baseline} threads left behind after the clients went"
    assert get(server.port, "/news/posts/a/")[0] == 200


def test_client_vanishing_mid_response(server: Served, record_property) -> None:
    """Clients that send half a request, or leave while a page is sent, do not hurt others."""
    half_open = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /news/posts/a/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        half_open.append(sock)
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /news/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
    started = time.monotonic()
    status = get(server.port, "/news/posts/a/")[0]
    answered = time.monotonic() - started
    for sock in half_open:
        sock.close()
    record_property("attack", "vanishing-clients")
    record_property("attack_succeeded", int(status != 200 or answered >= 2.0))
    assert status == 200 and answered < 2.0
    assert server.proc.poll() is None, "the server died"


def _peak_memory_kb(server: Served) -> int:
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def _stalled_download(port: int, path: str) -> socket.socket:
    """A client that asks for a big file and then never reads a byte of it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def test_clients_that_never_read_block_nobody(clean_server: Served, record_property) -> None:
    """Three clients stall on a 20 MB trailer; 50 other requests and a save are all answered at once."""
    server = clean_server
    post = server.site / "content/posts/a.md"
    peak_before = _peak_memory_kb(server)
    stalled = [_stalled_download(server.port, "/news/trailer.mp4") for _ in range(3)]
    time.sleep(0.5)
    started = time.monotonic()
    post.write_text(POST.replace("Text of the post.", "Saved while three clients stall."))
    answers: list[int] = []

    def fetch(path: str) -> None:
        answers.append(
            get(server.port, path, extra="Range: bytes=0-99\r\n" if path.endswith(".mp4") else "")[
                0
            ]
        )

    paths = [
        "/news/posts/a/",
        "/news/",
        "/news/feed.xml",
        "/news/trailer.mp4",
        "/news/films/heat/",
    ] * 10
    workers = [threading.Thread(target=fetch, args=(path,)) for path in paths]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    answered = time.monotonic() - started
    shown = None
    while time.monotonic() - started < 15:
        status, _, body = get(server.port, "/news/posts/a/")
        if b"Saved while three clients stall." in body:
            shown = time.monotonic() - started
            break
        time.sleep(0.1)
    grown_mb = (_peak_memory_kb(server) - peak_before) / 1024
    for sock in stalled:
        sock.close()
    ok = (
        len(answers) == 50
        and all(status in (200, 206) for status in answers)
        and answered < 10
        and shown is not None
        and shown < 10
        and grown_mb < 20
    )
    record_property("attack", "stalled-downloads")
    record_property("attack_succeeded", int(not ok))
    assert len(answers) == 50 and all(status in (200, 206) for status in answers), sorted(answers)
    assert answered < 10, f"50 requests took {answered:.1f} s beside three stalled downloads"
    assert shown is not None and shown < 10, (
        "the save was not rebuilt and shown while clients stalled"
    )
    assert grown_mb < 20, (
        f"the server grew by {grown_mb:.0f} MB: big files must be streamed, not read whole"
    )


def test_ranges_of_a_static_file(server: Served, record_property) -> None:
    """What a <video> element asks for: byte ranges, checked against an If-Range validator."""
    status, head, body = get(server.port, "/news/trailer.mp4", extra="Range: bytes=1000-1999\r\n")
    assert status == 206 and body == TRAILER[1000:2000]
    assert b"Content-Range: bytes 1000-1999/20971520" in head and b"Accept-Ranges: bytes" in head
    etag = re.search(rb"ETag: (\S+)", head).group(1).decode()  # type: ignore[union-attr]
    modified = re.search(rb"Last-Modified: ([^\r]+)", head).group(1).decode()  # type: ignore[union-attr]
    status, _, body = get(server.port, "/news/trailer.mp4", extra="Range: bytes=-16\r\n")
    assert status == 206 and body == TRAILER[-16:]
    status, _, body = get(
        server.port, "/news/trailer.mp4", extra=f"Range: bytes=20971500-\r\nIf-Range: {etag}\r\n"
    )
    assert status == 206 and body == TRAILER[20971500:]
    status, _, body = get(
        server.port, "/news/trailer.mp4", extra=f"Range: bytes=0-9\r\nIf-Range: {modified}\r\n"
    )
    assert status == 206 and body == TRAILER[:10]
    status, _, body = get(
        server.port, "/news/trailer.mp4", extra='Range: bytes=0-9\r\nIf-Range: "old"\r\n'
    )
    assert status == 200 and len(body) == len(TRAILER), "a stale If-Range gets the whole file"
    status, head, _ = get(server.port, "/news/trailer.mp4", extra="Range: bytes=30000000-\r\n")
    assert status == 416 and b"Content-Range: bytes */20971520" in head
    status, _, body = get(server.port, "/news/posts/a/", extra="Range: bytes=0-14\r\n")
    assert status == 206 and len(body) == 15 and body.lower() == b"<!doctype html>", (
        "pages are ranged too"
    )
    record_property("attack", "byte-ranges")
    record_property("attack_succeeded", 0)


@pytest.mark.parametrize(
    "method", ["TRACE", "PROPFIND", "CONNECT", "MKCOL", "BREW", "OPTIONS", "PATCH"]
)
def test_every_other_method_is_405(server: Served, method: str, record_property) -> None:
    status, head, body = raw_request(
        server.port,
        f"{method} /news/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
    )
    record_property("attack", f"method-{method}")
    record_property("attack_succeeded", int(status != 405 or b"Host: 127.0.0.1" in body))
    assert status == 405 and b"Allow: GET, HEAD" in head
