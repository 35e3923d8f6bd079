"""Serve a built site behind a real nginx, the way a static host does, and crawl it.

``serve(site, base_path, workdir)`` starts Debian's nginx as a child process with its own
prefix, pid, temp and log paths under ``workdir`` (no root needed, nothing system-wide
touched), listening on a free loopback port: the site answers at ``base_path`` only, a
folder without its slash redirects to it, a miss gets the site's ``404.html`` with status
404, and nothing exists outside ``base_path``, as on a GitHub Pages project site.

``crawl(start)`` fetches every page and asset reachable from ``start`` on that server with
urllib and html.parser, and lists whatever is broken, ``#fragment``s included.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
from sitekit import parse_links

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")

MIME_TYPES = {
    "text/html": "html htm",
    "text/css": "css",
    "text/javascript": "js mjs",
    "text/plain": "txt",
    "application/xml": "xml",
    "application/atom+xml": "atom",
    "application/json": "json",
    "application/manifest+json": "webmanifest",
    "image/svg+xml": "svg svgz",
    "image/png": "png",
    "image/jpeg": "jpg jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/x-icon": "ico",
    "font/woff2": "woff2",
    "font/woff": "woff",
    "text/calendar": "ics",
    "application/wasm": "wasm",
}


def need_nginx() -> None:
    """Skip when nginx is missing, except in CI (where scripts/install-test-tools put it)."""
    if nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing (scripts/install-test-tools installs nginx-light)")
        pytest.skip("nginx is not installed (scripts/install-test-tools installs nginx-light)")


def nginx_binary() -> str | None:
    """Path of an nginx executable, or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


@dataclass(frozen=True)
class Server:
    """A running nginx serving one site."""

    origin: str
    """"http://127.0.0.1:PORT"."""
    base_path: str
    """"/" or "/movie-news/"."""
    error_log: Path

    @property
    def base_url(self) -> str:
        return self.origin + self.base_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(site: Path, base_path: str, port: int, workdir: Path) -> str:
    """An nginx.conf serving ``site`` at ``base_path`` on 127.0.0.1:``port``."""
    types = "\n".join(f"    {mime} {exts};" for mime, exts in MIME_TYPES.items())
    temp = workdir / "temp"
    # when the tests run as root, workers would drop to "nobody", who cannot enter pytest's
    # private temporary folders; as any other user the directive is ignored, so leave it out
    user = "user root;" if os.geteuid() == 0 else ""
    outside = "" if base_path == "/" else "location / { return 404; }"
    return f"""
daemon off;
master_process on;
worker_processes 1;
{user}
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 64; }}
http {{
  types {{
{types}
  }}
  default_type application/octet-stream;
  access_log off;
  absolute_redirect off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    {outside}
    location {base_path} {{
      alias {site.resolve()}/;
      index index.html;
      error_page 404 {base_path}404.html;
    }}
  }}
}}
"""


@contextmanager
def serve(site: Path, base_path: str, workdir: Path, port: int | None = None) -> Iterator[Server]:
    """Run nginx serving ``site`` at ``base_path`` until the block ends (on a free port, or ``port``)."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed")
    base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "temp").mkdir(exist_ok=True)
    attempts = 1 if port else 5
    for attempt in range(attempts):
        port = port or free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(config_text(site, base_path, port, workdir), encoding="utf-8")
        log = workdir / "error.log"
        process = subprocess.Popen(
            [binary, "-p", str(workdir), "-c", str(conf), "-e", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            if _wait_for_port(port, process):
                yield Server(f"http://127.0.0.1:{port}", base_path, log)
                return
            if attempt == attempts - 1:
                _, err = process.communicate(timeout=5)
                raise RuntimeError(
                    f"nginx did not start: {err.decode(errors='replace')}"
                    f"{log.read_text(errors='replace') if log.exists() else ''}"
                )
        finally:
            _stop(process)
        port = None


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # exited: most likely the port was taken meanwhile
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


# --- fetching and crawling ---------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    url: str
    """The final URL, after redirects."""
    status: int
    content_type: str
    body: bytes


class _NoProxy(urllib.request.ProxyHandler):
    def __init__(self) -> None:
        super().__init__({})


_OPENER = urllib.request.build_opener(_NoProxy())


def fetch(url: str) -> Response:
    """GET ``url`` (following redirects); an HTTP error status is returned, not raised."""
    try:
        with _OPENER.open(url, timeout=10) as reply:
            return Response(
                reply.geturl(), reply.status, reply.headers.get_content_type(), reply.read()
            )
    except urllib.error.HTTPError as exc:
        with exc:
            return Response(exc.geturl(), exc.code, exc.headers.get_content_type(), exc.read())


def page_links(response: Response) -> tuple[list[str], set[str]]:
    """Absolute URLs referenced by an HTML response (fragments kept), and its anchors."""
    parser = parse_links(response.body.decode("utf-8", "replace"))
    base = urljoin(response.url, parser.base) if parser.base else response.url
    return [urljoin(base, url) for url in parser.links], parser.ids


def css_links(response: Response) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", response.body.decode("utf-8", "replace"), flags=re.S)
    found = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""", text)
    return [
        urljoin(response.url, a or b) for a, b in found if not (a or b).startswith(("data:", "#"))
    ]


@dataclass
class Crawl:
    """What a crawl saw."""

    fetched: dict[str, Response] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    """One line per problem: "URL (in PAGE): what"."""
    anchors_checked: int = 0


def crawl(
    starts: list[str], origin: str, *, extra_pages: dict[str, Response] | None = None
) -> Crawl:
    """Fetch everything on ``origin`` reachable from ``starts``; links to other hosts are not fetched.

    ``extra_pages`` are responses already in hand (such as a 404 page served at a missing
    URL) whose links are followed too, resolved against their own URL.
    """
    result = Crawl()
    ids: dict[str, set[str]] = {}
    wanted: list[tuple[str, str]] = [(url, "(start)") for url in starts]
    fragments: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for url, response in (extra_pages or {}).items():
        links, page_ids = page_links(response)
        ids[url] = page_ids
        seen.add(url)  # in hand already: its own #fragments are checked against it, not fetched
        wanted += [(link, url) for link in links]
    while wanted:
        url, parent = wanted.pop()
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        bare, fragment = urldefrag(url)
        if not bare.startswith(origin + "/"):
            continue  # another host
        if fragment:
            fragments.append((bare, fragment, parent))
        if bare in seen:
            continue
        seen.add(bare)
        response = fetch(bare)
        result.fetched[bare] = response
        if response.status != 200:
            result.broken.append(f"{bare} (in {parent}): status {response.status}")
            continue
        if response.content_type == "text/html":
            links, page_ids = page_links(response)
            ids[bare] = page_ids
            ids.setdefault(response.url, page_ids)
            wanted += [(link, bare) for link in links]
        elif response.content_type == "text/css":
            wanted += [(link, bare) for link in css_links(response)]
    for bare, fragment, parent in fragments:
        page_ids = ids.get(bare)
        if page_ids is None:
            continue  # broken already, or not a page
        result.anchors_checked += 1
        if fragment not in page_ids and unquote(fragment) not in page_ids:
            result.broken.append(f"{bare}#{fragment} (in {parent}): no such anchor")
    return result
