"""``newsreel serve`` as a writer uses it: a real server process, real saves, real Chromium.

Each test makes a small site in ``tmp_path``, starts ``newsreel serve --port 0`` on it as a
subprocess (with its temp folder under ``tmp_path``, so the test can find the output), and
watches the open tabs react to edits made the way editors make them (write a temp file,
rename it over the original).
"""

from __future__ import annotations

import http.client
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
RELOAD_TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (scripts/install-test-tools installs it)", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


def write_atomic(path: Path, text: str) -> None:
    """Save like an editor: write a temp file beside the target, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.newsreel-test~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def post_text(title: str, body: str, film: str = "Harbour Lights", extra: str = "") -> str:
    return f"---\ntitle: \"{title}\"\ndate: 2024-01-10\nfilm: {film}\nactors: [Ada Brennan]\n{extra}---\n\n{body}\n"


LONG_BODY = "\n\n".join(f"Paragraph {i} about the harbour, the lights and the long shoot at sea." for i in range(120))


def make_site(root: Path, base_url: str = "https://example.org/") -> Path:
    """A small site: two posts about one film, a draft, a stylesheet of its own."""
    site = root / "site-src"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "newsreel.yaml").write_text(f"title: Serve test\nbase_url: {base_url}\n", encoding="utf-8")
    write_atomic(site / "content/posts/first-look.md",
                 post_text("First look at Harbour Lights", "ORIGINAL-BODY-TEXT\n\n" + LONG_BODY))
    write_atomic(site / "content/posts/casting-news.md",
                 post_text("Casting news", "Ada Brennan joins the cast."))
    write_atomic(site / "content/posts/secret-draft.md",
                 post_text("A draft about the sequel", "Not out yet.", extra="draft: true\n"))
    write_atomic(site / "static/css/style.css", ":root { --serve-test: one; }\nbody { margin: 0; }\n")
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

    def request(self, path: str, method: str = "GET", host: str | None = None) -> http.client.HTTPResponse:
        """A raw request: the path goes out exactly as written (no normalising)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
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
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Served]:
    served = start_server(make_site(tmp_path), tmp_path / "tmp")
    yield served
    if served.proc.poll() is None:
        served.stop()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_tab(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    # The live-reload stream is open once the server has said hello.
    page.wait_for_function("() => window.newsreelLive && window.newsreelLive.connected", timeout=RELOAD_TIMEOUT_MS)


def body_has(page: Page, text: str) -> None:
    page.wait_for_function("t => document.body && document.body.innerText.includes(t)", arg=text,
                           timeout=RELOAD_TIMEOUT_MS)


def test_edit_reloads_the_post_and_its_film_page(server: Served, browser: Browser) -> None:
    context = browser.new_context()
    post, film = context.new_page(), context.new_page()
    open_tab(post, server.url + "posts/first-look/")
    open_tab(film, server.url + "films/harbour-lights/")
    assert "First look at Harbour Lights" in film.inner_text("body")
    assert "__newsreel__/livereload.js" in post.content()
    post.evaluate("window.scrollTo(0, 1500)")
    post.wait_for_timeout(100)
    assert post.evaluate("window.scrollY") > 1000

    started = time.monotonic()
    write_atomic(server.site / "content/posts/first-look.md",
                 post_text("Harbour Lights: a new look", "EDITED-BODY-TEXT\n\n" + LONG_BODY))
    body_has(post, "EDITED-BODY-TEXT")
    seconds = time.monotonic() - started
    body_has(film, "Harbour Lights: a new look")
    print(f"save to new text in Chromium: {seconds * 1000:.0f} ms")
    assert seconds < 5
    assert "ORIGINAL-BODY-TEXT" not in post.inner_text("body")
    # The reload kept the reader where they were.
    post.wait_for_function("() => window.scrollY > 1000", timeout=RELOAD_TIMEOUT_MS)
    context.close()


def test_css_change_swaps_the_stylesheet_without_navigation(server: Served, page: Page) -> None:
    open_tab(page, server.url + "posts/first-look/")
    style = "() => getComputedStyle(document.documentElement).getPropertyValue('--serve-test').trim()"
    assert page.evaluate(style) == "one"
    page.evaluate("window.__stayed = 'here'")
    write_atomic(server.site / "static/css/style.css", ":root { --serve-test: two; }\nbody { margin: 0; }\n")
    page.wait_for_function(f"() => ({style})() === 'two'", timeout=RELOAD_TIMEOUT_MS)
    assert page.evaluate("window.__stayed") == "here", "the page was reloaded instead of restyled"
    assert page.evaluate("document.querySelectorAll('link[rel=stylesheet][href*=\"style.css\"]').length") == 1


def test_rename_and_delete(server: Served, page: Page) -> None:
    posts = server.site / "content/posts"
    open_tab(page, server.url + "posts/casting-news/")
    page.evaluate("window.__stayed = 'here'")
    os.replace(posts / "casting-news.md", posts / "cast-announced.md")
    # The open tab of the old URL reloads and shows the site's own 404 page.
    page.wait_for_function("() => window.__stayed === undefined", timeout=RELOAD_TIMEOUT_MS)
    page.wait_for_load_state()
    assert server.request(server.url.split(str(server.port), 1)[1] + "posts/casting-news/").status == 404
    assert page.goto(server.url + "posts/cast-announced/").status == 200
    missing = page.goto(server.url + "posts/casting-news/")
    assert missing is not None and missing.status == 404
    # The site's own 404 page (with the live-reload script added), not a bare server message.
    assert missing.text().replace(f'data-page="/404.html"', "").startswith(
        (server.output() / "404.html").read_text(encoding="utf-8").split("</body>")[0][:200])
    assert 'data-page="/404.html"' in missing.text()

    open_tab(page, server.url)
    assert "Casting news" in page.inner_text("body")
    (posts / "cast-announced.md").unlink()
    page.wait_for_function("() => !document.body.innerText.includes('Casting news')", timeout=RELOAD_TIMEOUT_MS)
    deadline = time.monotonic() + 10
    while server.request("/posts/cast-announced/").status != 404:
        assert time.monotonic() < deadline, "the deleted post is still served"
        time.sleep(0.1)
    assert not list(server.output().rglob("cast-announced"))


def overlay_text(page: Page) -> str:
    page.wait_for_selector("[role=alert]#newsreel-build-error", timeout=RELOAD_TIMEOUT_MS)
    return page.inner_text("#newsreel-build-error")


def test_broken_front_matter_shows_an_overlay_until_mended(server: Served, browser: Browser) -> None:
    context = browser.new_context()
    post, home = context.new_page(), context.new_page()
    open_tab(post, server.url + "posts/first-look/")
    open_tab(home, server.url)
    source = server.site / "content/posts/first-look.md"
    good = source.read_text(encoding="utf-8")
    write_atomic(source, good.replace('title: "First look at Harbour Lights"', 'title: "First <b>look</b>'))
    for tab in (post, home):
        text = overlay_text(tab)
        assert "content/posts/first-look.md:" in text
    # The last good pages are still served meanwhile.
    assert "ORIGINAL-BODY-TEXT" in post.inner_text("body")
    assert server.request("/posts/first-look/").status == 200
    # A tab opened while the build is broken shows the overlay too.
    late = context.new_page()
    open_tab(late, server.url + "films/harbour-lights/")
    assert "content/posts/first-look.md:" in overlay_text(late)
    write_atomic(source, good)
    for tab in (post, home, late):
        tab.wait_for_selector("#newsreel-build-error", state="detached", timeout=RELOAD_TIMEOUT_MS)
    context.close()


def test_broken_template_shows_an_overlay_until_mended(server: Served, page: Page) -> None:
    open_tab(page, server.url + "posts/first-look/")
    override = server.site / "templates/base.html"
    write_atomic(override, "<!DOCTYPE html>\n<html>\n<body>\n{% block content %}{% endblock %}\n{% endif %}\n</body>\n</html>\n")
    text = overlay_text(page)
    assert "templates/base.html" in text
    override.unlink()
    page.wait_for_selector("#newsreel-build-error", state="detached", timeout=RELOAD_TIMEOUT_MS)
    body_has(page, "ORIGINAL-BODY-TEXT")


def test_first_build_failing_serves_an_error_page_until_fixed(tmp_path: Path, page: Page) -> None:
    site = make_site(tmp_path)
    source = site / "content/posts/first-look.md"
    good = source.read_text(encoding="utf-8")
    write_atomic(source, good.replace('title: "First look at Harbour Lights"', "title: [unclosed"))
    served = start_server(site, tmp_path / "tmp")
    try:
        response = page.goto(served.url + "posts/first-look/")
        assert response is not None and response.status == 500
        assert "content/posts/first-look.md:" in page.inner_text("body")
        page.wait_for_timeout(300)
        write_atomic(source, good)
        body_has(page, "ORIGINAL-BODY-TEXT")
    finally:
        served.stop()


def test_drafts_are_previewed(server: Served) -> None:
    assert server.request("/posts/secret-draft/").status == 200


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/posts/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
    "/%252e%252e/secret.txt", "/posts/%2e%2e/%2e%2e/secret.txt", "/..\\secret.txt", "/leak.txt",
])
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


def test_sub_path(tmp_path: Path, page: Page) -> None:
    served = start_server(make_site(tmp_path, base_url="https://example.org/movie-news/"), tmp_path / "tmp")
    try:
        assert served.url == f"http://127.0.0.1:{served.port}/movie-news/"
        response = served.request("/")
        assert response.status in (301, 302) and response.getheader("Location") == "/movie-news/"
        assert served.request("/posts/first-look/").status == 404
        open_tab(page, served.origin + "/")
        assert page.url == served.url
        open_tab(page, served.url + "posts/first-look/")
        write_atomic(served.site / "content/posts/first-look.md",
                     post_text("First look at Harbour Lights", "SUBPATH-EDIT"))
        body_has(page, "SUBPATH-EDIT")
    finally:
        served.stop()


def test_ctrl_c_stops_cleanly_and_tabs_follow_a_restart(tmp_path: Path, page: Page) -> None:
    site = make_site(tmp_path)
    served = start_server(site, tmp_path / "tmp")
    port = served.port
    open_tab(page, served.url + "posts/first-look/")
    output = served.output()
    seconds = served.stop()
    assert served.proc.returncode == 0
    assert seconds < 1.0, f"took {seconds:.2f} s to stop"
    printed = ""
    while not served.lines.empty():
        printed += served.lines.get()
    assert "Traceback" not in printed
    assert not output.exists() and not output.parent.exists(), "the temp folder was left behind"
    # The port is free again for a new server (as a restarted newsreel serve binds it).
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind(("127.0.0.1", port))
    probe.close()
    # A restarted server: the open tab notices the new server and reloads by itself.
    page.evaluate("window.__stayed = 'here'")
    write_atomic(site / "content/posts/first-look.md", post_text("First look at Harbour Lights", "AFTER-RESTART"))
    restarted = start_server(site, tmp_path / "tmp", port=port)
    try:
        body_has(page, "AFTER-RESTART")
    finally:
        restarted.stop()
