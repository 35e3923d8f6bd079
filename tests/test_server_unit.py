"""``newsreel serve`` without sockets: path resolution, script injection, hosts, the watcher."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from newsreel.errors import Problem
from newsreel.livereload import LiveReload, error_page, inject_script, load_script, script_tag
from newsreel.report import Reporter
from newsreel.server import (
    NOT_FOUND,
    UNSATISFIABLE,
    Preview,
    PreviewServer,
    Showing,
    browser_path,
    byte_range,
    content_type,
    host_allowed,
    origin_allowed,
    resolve_path,
)
from newsreel.watch import Changes, SiteWatcher, is_ignored_name, is_source_path


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """An output folder with a page, a post, an asset, and a secret beside it."""
    out = tmp_path / "out"
    (out / "films" / "amelie").mkdir(parents=True)
    (out / "films" / "amelie" / "index.html").write_text("<p>film</p>")
    (out / "index.html").write_text("<p>home</p>")
    (out / "css").mkdir()
    (out / "css" / "style.css").write_text("body{}")
    (out / "img name.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("secret")
    return out


def test_pretty_urls(root: Path) -> None:
    assert resolve_path(root, "/", "/").file == root.resolve() / "index.html"
    assert (
        resolve_path(root, "/", "/films/amelie/").file == root.resolve() / "films/amelie/index.html"
    )
    assert resolve_path(root, "/", "/films/amelie/index.html").status == 200
    found = resolve_path(root, "/", "/films/amelie")
    assert (found.status, found.location) == (301, "/films/amelie/")
    assert resolve_path(root, "/", "/css/style.css").file == root.resolve() / "css/style.css"
    assert resolve_path(root, "/", "/img%20name.svg").file == root.resolve() / "img name.svg"


def test_missing_and_directories_without_index(root: Path) -> None:
    assert resolve_path(root, "/", "/films/zardoz/") == NOT_FOUND
    assert resolve_path(root, "/", "/films/") == NOT_FOUND  # no listing of a folder
    assert resolve_path(root, "/", "/css/") == NOT_FOUND


def test_base_path(root: Path) -> None:
    assert resolve_path(root, "/movie-news/", "/").location == "/movie-news/"
    assert resolve_path(root, "/movie-news/", "/movie-news").location == "/movie-news/"
    assert resolve_path(root, "/movie-news/", "/movie-news/").file == root.resolve() / "index.html"
    assert resolve_path(root, "/movie-news/", "/movie-news/films/amelie/").status == 200
    assert resolve_path(root, "/movie-news/", "/films/amelie/") == NOT_FOUND
    assert resolve_path(root, "/movie-news/", "/movie-newsx/") == NOT_FOUND


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/css/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%252e%252e/secret.txt",
        "/css/..%5csecret.txt",
        "/..\\secret.txt",
        "/css%00/style.css",
        "/%00",
        "/./index.html",
        "/%ff",
        "secret.txt",
    ],
)
def test_traversal_is_not_found(root: Path, path: str) -> None:
    assert resolve_path(root, "/", path) == NOT_FOUND


def test_symlinks_leading_out_are_not_found(root: Path, tmp_path: Path) -> None:
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "up").symlink_to(tmp_path)
    (root / "inside.css").symlink_to(root / "css" / "style.css")
    assert resolve_path(root, "/", "/leak.txt") == NOT_FOUND
    assert resolve_path(root, "/", "/up/secret.txt") == NOT_FOUND
    assert resolve_path(root, "/", "/inside.css").status == 200


def test_content_types() -> None:
    assert content_type(Path("a/index.html")) == "text/html; charset=utf-8"
    assert content_type(Path("feed.xml")) == "application/xml; charset=utf-8"
    assert content_type(Path("icon.svg")) == "image/svg+xml; charset=utf-8"
    assert content_type(Path("site.webmanifest")) == "application/manifest+json; charset=utf-8"
    assert content_type(Path("style.css")) == "text/css; charset=utf-8"
    assert content_type(Path("robots.txt")) == "text/plain; charset=utf-8"
    assert content_type(Path("poster.JPG")) == "image/jpeg"
    assert content_type(Path("font.woff2")) == "font/woff2"
    assert content_type(Path("blob")) == "application/octet-stream"


def test_injection_before_last_body() -> None:
    tag = script_tag("abc", "/posts/x/")
    page = b"<html><body><p>a</body> in text</p></BODY>\n</html>"
    out = inject_script(page, tag)
    assert out == b"<html><body><p>a</body> in text</p>" + tag + b"</BODY>\n</html>"
    assert inject_script(b"<p>no body", tag) == b"<p>no body" + tag
    assert b'data-page="/posts/x/"' in tag and b'data-server-id="abc"' in tag


def test_the_script_ships_with_the_package() -> None:
    script = load_script().decode("utf-8")
    assert "EventSource" in script and "/__newsreel__/events" in script


def test_script_tag_escapes_its_attributes() -> None:
    assert b'data-page="/a&quot;&gt;&lt;script&gt;/"' in script_tag("id", '/a"><script>/')


def test_error_page_escapes_problems() -> None:
    page = error_page(
        (Problem("content/posts/x.md", 3, "bad <b>title</b>", "quote it"),), b"<script></script>"
    )
    assert b"content/posts/x.md:3: bad &lt;b&gt;title&lt;/b&gt; (quote it)" in page
    assert b"<b>title" not in page
    assert page.index(b"<script></script>") < page.index(b"</body>")


def test_browser_path() -> None:
    assert browser_path("/", "/posts/x/") == "/posts/x/"
    assert browser_path("/movie-news/", "/posts/x/") == "/movie-news/posts/x/"
    assert browser_path("/", "/img/café poster.jpg") == "/img/caf%C3%A9%20poster.jpg"


@pytest.mark.parametrize(
    ("header", "bound", "ok"),
    [
        ("127.0.0.1:8000", "127.0.0.1", True),
        ("localhost:8000", "127.0.0.1", True),
        ("localhost", "127.0.0.1", True),
        ("[::1]:8000", "127.0.0.1", True),
        ("evil.example", "127.0.0.1", False),
        ("evil.example:8000", "127.0.0.1", False),
        ("127.0.0.1.evil.example", "localhost", False),
        (None, "127.0.0.1", True),
        (
            "evil.example",
            "0.0.0.0",
            True,
        ),  # bound to every interface: the user chose to be reachable
        ("preview.lan:8000", "192.168.1.5", True),
    ],
)
def test_host_check(header: str | None, bound: str, ok: bool) -> None:
    assert host_allowed(header, bound) is ok


def test_live_reload_hub_delivers_to_every_client() -> None:
    hub = LiveReload()
    a, b = hub.subscribe(), hub.subscribe()
    hub.publish("build", {"changed": ["/x/"]})
    assert a.get_nowait() == b.get_nowait() == b'event: build\ndata: {"changed":["/x/"]}\n\n'
    hub.unsubscribe(a)
    hub.close()
    assert b.get_nowait() is None and a.empty()


def test_source_paths(tmp_path: Path) -> None:
    site = tmp_path.resolve()
    out = site / "site"
    assert is_source_path(site, str(site / "content/posts/a.md"))
    assert is_source_path(site, str(site / "templates/post.html"))
    assert is_source_path(site, str(site / "static/css/style.css"))
    assert is_source_path(site, str(site / "newsreel.yaml"))
    assert is_source_path(site, str(site / "content"))
    assert not is_source_path(site, str(site / "README.md"))
    assert not is_source_path(site, str(out / "index.html"), ignore=(out,))
    assert not is_source_path(site, str(site / ".newsreel-cache/x"))
    assert not is_source_path(site, str(site / ".git/index"))
    assert not is_source_path(site, str(site / "content/.git/index"))
    assert not is_source_path(site, str(site / "content/posts/.a.md.swp"))
    assert not is_source_path(site, str(tmp_path.parent / "elsewhere.md"))


@pytest.mark.parametrize("name", [".a.md.swp", ".a.md.swx", "a.md~", ".#a.md", "#a.md#", "4913"])
def test_editor_scratch_files(name: str) -> None:
    assert is_ignored_name(name)
    assert not is_ignored_name("a.md")


def test_debounce_collects_a_burst_into_one_batch() -> None:
    changes = Changes()
    assert changes.wait_quiet(0.05, timeout=0.01) is None

    def burst() -> None:
        for i in range(500):
            changes.add(f"/site/content/posts/{i}.md")
            if i % 50 == 0:
                time.sleep(0.01)

    writer = threading.Thread(target=burst)
    writer.start()
    batch = changes.wait_quiet(0.1, timeout=2)
    writer.join()
    assert batch is not None and len(batch) == 500
    assert changes.wait_quiet(0.1, timeout=0.2) is None


def test_a_burst_that_pauses_stays_one_batch() -> None:
    """A checkout on a loaded machine may pause for longer than a save's quiet period: a big
    batch waits for a longer quiet, a single save does not."""
    from newsreel.watch import BURST_PATHS, BURST_QUIET

    changes = Changes()
    for i in range(BURST_PATHS):
        changes.add(f"/site/content/posts/{i}.md")
    threading.Timer(BURST_QUIET / 2, changes.add, args=("/site/content/posts/late.md",)).start()
    batch = changes.wait_quiet(0.1, timeout=2)
    assert batch is not None and len(batch) == BURST_PATHS + 1
    changes.add("/site/content/posts/one.md")
    started = time.monotonic()
    assert changes.wait_quiet(0.1, timeout=2) == {"/site/content/posts/one.md"}
    assert time.monotonic() - started < BURST_QUIET


def test_debounce_waits_for_quiet() -> None:
    changes = Changes()
    changes.add("a")
    started = time.monotonic()
    threading.Timer(0.08, changes.add, args=("b",)).start()
    batch = changes.wait_quiet(0.15, timeout=1)
    assert batch == {"a", "b"}
    assert time.monotonic() - started >= 0.2


def _wait_batch(changes: Changes) -> frozenset[str]:
    batch = changes.wait_quiet(0.3, timeout=5)
    assert batch is not None, "the watcher reported nothing"
    return batch


def test_watcher_sees_atomic_saves_renames_and_deletes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    post = posts / "a.md"
    post.write_text("one")
    (site / ".newsreel-cache").mkdir()
    changes = Changes()
    watcher = SiteWatcher(site, changes, ignore=(site / ".newsreel-cache",))
    watcher.start()
    try:
        # An editor's save: write a temp file beside the post, rename it over the post.
        tmp = posts / ".a.md.tmp"
        tmp.write_text("two")
        os.replace(tmp, post)
        assert str(post.resolve()) in _wait_batch(changes)
        # Ignored: the cache, swap files, reading a file.
        (site / ".newsreel-cache" / "x").write_text("x")
        (posts / ".a.md.swp").write_text("x")
        post.read_text()
        assert changes.wait_quiet(0.2, timeout=0.6) is None
        post.rename(posts / "b.md")
        assert {str(post.resolve()), str((posts / "b.md").resolve())} <= _wait_batch(changes)
        (posts / "b.md").unlink()
        assert str((posts / "b.md").resolve()) in _wait_batch(changes)
        # Settings appear, then a templates folder that did not exist at start.
        (site / "newsreel.yaml").write_text("title: x\n")
        assert str((site / "newsreel.yaml").resolve()) in _wait_batch(changes)
        (site / "templates").mkdir()
        _wait_batch(changes)
        watcher.refresh()
        (site / "templates" / "post.html").write_text("x")
        assert str((site / "templates" / "post.html").resolve()) in _wait_batch(changes)
        # 500 files at once (a git checkout): every one is recorded, in one batch.
        for i in range(500):
            (posts / f"p{i}.md").write_text(str(i))
        batch = _wait_batch(changes)
        assert sum(1 for p in batch if p.endswith(".md")) == 500
    finally:
        watcher.stop()
    assert not watcher.observer.is_alive()


def test_remove_tree_deletes_at_once_when_small(tmp_path: Path) -> None:
    from newsreel.server import remove_tree

    folder = tmp_path / "work"
    (folder / "site" / "posts" / "x").mkdir(parents=True)
    (folder / "site" / "posts" / "x" / "index.html").write_text("x")
    (folder / "site" / "outside").symlink_to(tmp_path)
    (tmp_path / "keep.txt").write_text("kept")
    remove_tree(folder)
    assert not folder.exists()
    assert (tmp_path / "keep.txt").read_text() == "kept"  # a symlink is removed, never followed


def test_remove_tree_hands_a_big_folder_to_a_helper(tmp_path: Path) -> None:
    from newsreel.server import remove_tree

    folder = tmp_path / "work"
    for i in range(300):
        (folder / f"d{i}").mkdir(parents=True)
        (folder / f"d{i}" / "index.html").write_text("x")
    started = time.monotonic()
    remove_tree(folder, budget=0.0)
    assert time.monotonic() - started < 1.0
    deadline = time.monotonic() + 20
    while folder.exists():
        assert time.monotonic() < deadline, "the helper process did not finish the deletion"
        time.sleep(0.05)


def test_seen_stamps_tell_news_from_echoes(tmp_path: Path) -> None:
    from newsreel.watch import SeenStamps

    post = tmp_path / "a.md"
    post.write_text("one")
    seen = SeenStamps()
    assert seen.news(frozenset({str(post)}))
    assert not seen.news(frozenset({str(post)}))  # the same file, unchanged: an echo
    post.write_text("two, longer")
    assert seen.news(frozenset({str(post)}))
    post.unlink()
    assert seen.news(frozenset({str(post)}))
    assert not seen.news(frozenset({str(post)}))
    assert seen.news(frozenset({str(tmp_path / "new.md")}))  # never seen: news


def test_seen_stamps_see_an_edit_the_clock_missed(tmp_path: Path) -> None:
    from newsreel.watch import SeenStamps

    post = tmp_path / "a.md"
    post.write_text("one")
    before = post.stat()
    seen = SeenStamps()
    assert seen.news(frozenset({str(post)}))
    post.write_text("two")  # same size; put the old mtime back, as a 2-second clock would
    os.utime(post, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert seen.news(frozenset({str(post)}))


@pytest.mark.parametrize(
    ("origin", "bound", "ok"),
    [
        (None, "127.0.0.1", True),
        ("http://127.0.0.1:8000", "127.0.0.1", True),
        ("http://localhost:8000", "127.0.0.1", True),
        ("http://[::1]:8000", "127.0.0.1", True),
        ("https://evil.example", "127.0.0.1", False),
        ("http://evil.example:8000", "127.0.0.1", False),
        ("http://127.0.0.1:3000", "127.0.0.1", False),  # another local server's pages
        ("null", "127.0.0.1", False),  # a local file or a sandboxed frame
        ("http://127.0.0.1:99999", "127.0.0.1", False),
        (
            "https://evil.example",
            "0.0.0.0",
            True,
        ),  # bound to every interface: the user chose to be reachable
    ],
)
def test_origin_check(origin: str | None, bound: str, ok: bool) -> None:
    assert origin_allowed(origin, bound, 8000) is ok


def test_an_echo_of_a_file_the_last_build_read_is_not_news(tmp_path: Path) -> None:
    from newsreel.watch import ECHO_MARGIN_NS, SeenStamps

    old = tmp_path / "static" / "old.css"
    old.parent.mkdir()
    old.write_text("one")
    time.sleep(ECHO_MARGIN_NS / 1e9 + 0.05)
    listed = time.time_ns()
    seen = SeenStamps()
    seen.built(None, str(tmp_path), ())
    assert seen.news(frozenset({str(old)}))  # the build may have stamped only the paths it was told
    seen = SeenStamps()
    seen.built(listed, str(tmp_path), ())
    assert not seen.news(frozenset({str(old)}))  # reported late, but the build read this version
    old.write_text("two")
    assert seen.news(frozenset({str(old)}))  # changed since: news
    fresh = tmp_path / "static" / "fresh.css"
    fresh.write_text("new")
    assert seen.news(frozenset({str(fresh)}))  # written after the build started: news
    assert seen.news(
        frozenset({str(tmp_path / "static" / "gone.css")})
    )  # a deletion it may not have seen


def test_a_late_event_for_a_post_the_build_used_is_not_news(tmp_path: Path) -> None:
    """A burst of saves reported after the build that read them started (a slow watcher under
    load): the build's own stamps of its sources tell the echo, however recent the file."""
    from newsreel.incremental.store import stamp_of
    from newsreel.watch import SeenStamps

    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    used, edited = posts / "used.md", posts / "edited.md"
    used.write_text("one")
    edited.write_text("one")
    sources = [("posts", f"content/posts/{p.name}", stamp_of(p.stat())) for p in (used, edited)]
    seen = SeenStamps()
    seen.built(time.time_ns() - 10**9, str(tmp_path), sources)  # listed before the files' ctime
    assert not seen.news(frozenset({str(used)}))  # written just now, but this is what it used
    edited.write_text("two, longer")
    assert seen.news(frozenset({str(edited)}))  # changed after the build stamped it
    created = posts / "created.md"
    created.write_text("new")
    assert seen.news(frozenset({str(created)}))  # a post the build did not use
    created.unlink()
    never = posts / "never.md"  # created and deleted after the build: it saw it gone too
    assert not seen.news(frozenset({str(never)}))
    used.unlink()
    assert seen.news(frozenset({str(used)}))  # a post it used, gone
    assert seen.news(frozenset({str(tmp_path / "static" / "gone.css")}))  # not a source


# --- byte ranges, and clients that stop reading ----------------------------------------------


@pytest.mark.parametrize(
    "header, size, expected",
    [
        (None, 100, None),
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=90-", 100, (90, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-1000", 100, (0, 99)),
        ("bytes=50-5000", 100, (50, 99)),
        ("BYTES = 1-2", 100, (1, 2)),
        ("bytes=100-", 100, UNSATISFIABLE),
        ("bytes=" + "9" * 5000 + "-", 100, UNSATISFIABLE),
        ("bytes=-0", 100, UNSATISFIABLE),
        ("bytes=0-", 0, UNSATISFIABLE),
        ("bytes=9-1", 100, None),  # malformed: ignored, the whole file is sent
        ("bytes=0-1,5-6", 100, None),  # several ranges: answered whole, as a server may
        ("items=0-1", 100, None),
        ("bytes=-", 100, None),
        ("bytes=a-b", 100, None),
    ],
)
def test_byte_range(header: str | None, size: int, expected: object) -> None:
    assert byte_range(header, size) == expected


def _preview_server(root: Path, stall: float) -> tuple[PreviewServer, threading.Thread]:
    preview = Preview(
        script=b"", bound_host="127.0.0.1", reporter=Reporter(quiet=True), stall_seconds=stall
    )
    preview.showing = Showing(root=root, base_path="/")
    httpd = PreviewServer(("127.0.0.1", 0), preview)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return httpd, thread


def test_a_client_that_stops_reading_is_dropped_and_holds_nothing(tmp_path: Path) -> None:
    """The stalled response does not hold the build lock, and its socket is closed after the stall time."""
    (tmp_path / "big.bin").write_bytes(os.urandom(1024) * 30 * 1024)  # 30 MB
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title><body>home</body>")
    httpd, thread = _preview_server(tmp_path, stall=1.0)
    port = httpd.server_address[1]
    try:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(0.3)
        # the build loop can take the lock at once while that response is stuck
        assert httpd.preview.build_lock.acquire(timeout=1.0)
        httpd.preview.build_lock.release()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as other:
            other.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            assert b"200 OK" in other.recv(100)
        time.sleep(2.5)  # more than the stall time: the server has given up on the reader
        sock.settimeout(5)
        received = 0
        try:
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass  # dropped with what was still queued for it
        assert received < 30 * 1024 * 1024, "the stalled response should have been cut off"
        sock.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
