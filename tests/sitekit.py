"""Helpers for tests: make a site folder from a dict of files, run the real CLI, read outputs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``root`` holding ``files`` (relative path → text or bytes)."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def post(title: str, date: str = "2023-01-02", body: str = "Some text.", **fields: str) -> str:
    """A post file; extra front-matter lines are given as raw YAML values."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines + ["---", body, ""])


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def newsreel(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Run:
    """Run the real command line in a fresh interpreter."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "newsreel", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            value = values.get(name)
            if value and not (
                tag == "link" and values.get("rel") in ("canonical", "alternate") and "://" in value
            ):
                self.links.append(value)


def parse_links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def broken_links(output: Path, base_path: str) -> list[str]:
    """Internal links and #anchors of every page that do not resolve to a file in ``output``."""
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
            if parts.scheme or parts.netloc:
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
