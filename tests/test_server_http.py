"""``newsreel serve`` over HTTP, without a browser: a real server process on a small site.

The site and the server come from the kit (tests/sitekit.py: ``preview_site``,
``start_server``), shared with ``test_server_browser.py`` and ``test_search.py``.
"""

from __future__ import annotations

import queue
import socket
import time
from pathlib import Path

import pytest
from sitekit import Served, preview_post, preview_site, start_server, write_atomic


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
        preview_site(tmp_path, base_url="https://example.org/movie-news/"), tmp_path / "tmp"
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


def test_a_new_base_url_path_is_served_and_said(tmp_path: Path) -> None:
    """base_url's path edited while serving: the preview moves there, and says its new address."""
    served = start_server(preview_site(tmp_path), tmp_path / "tmp")
    try:
        write_atomic(
            served.site / "newsreel.yaml",
            "title: Serve test\nbase_url: https://example.org/news/\n",
        )
        deadline = time.monotonic() + 20
        said: list[str] = []
        while not any(line.startswith("now serving") for line in said):
            assert time.monotonic() < deadline, said
            try:
                said.append(served.lines.get(timeout=0.1))
            except queue.Empty:
                continue
        assert f"now serving http://127.0.0.1:{served.port}/news/\n" in said
        assert served.request("/news/posts/first-look/").status == 200
        assert served.request("/posts/first-look/").status == 404
    finally:
        served.stop()


def test_ctrl_c_stops_within_a_second(tmp_path: Path) -> None:
    served = start_server(preview_site(tmp_path), tmp_path / "tmp")
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
            preview_post(f"Batch post {i}", f"Batch body {i}.", film=f"Batch Film {i % 7}"),
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
