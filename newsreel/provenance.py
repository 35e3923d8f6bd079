"""Where the running newsreel was installed from, as the line a blog's ``requirements.txt`` needs.

``newsreel init`` pins the newsreel it was made with, so that the blog's CI installs the
same one: the exact version when it came from a package index, or the address and
commit pip recorded (PEP 610 ``direct_url.json``) when it came from git or a URL. A copy
installed from a local folder or file has no address CI can reach: the pin is then the
version number, and ``public`` is False so that ``init`` can say which line to edit.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from newsreel import __version__

DISTRIBUTION = "newsreel"


@dataclass(frozen=True)
class Pin:
    """The requirement line for this newsreel, and whether CI can install it as written."""

    line: str
    """A ``requirements.txt`` line: ``newsreel==0.2.0`` or ``newsreel @ git+https://…@<commit>``."""
    public: bool
    """False when newsreel came from somewhere only this machine sees."""
    source: str
    """Where it came from, for messages: "a package index", "git https://… at 1a2b3c4"."""
    suggestion: str = ""
    """For a local git clone with a public remote: the line that would install that commit."""


def installed_pin() -> Pin:
    """The pin of the newsreel running now, read from its installed metadata."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        folder = Path(__file__).resolve().parent.parent
        return Pin(
            f"{DISTRIBUTION}=={__version__}",
            False,
            f"the source folder {folder}, not installed by pip",
            _clone_suggestion(folder),
        )
    raw = dist.read_text("direct_url.json")
    try:
        direct = json.loads(raw) if raw else None
    except ValueError:
        direct = None
    return pin_from(dist.version, direct if isinstance(direct, dict) else None)


def pin_from(version: str, direct: dict[str, Any] | None) -> Pin:
    """The pin for ``version`` installed as ``direct`` (PEP 610 ``direct_url.json``; None from an index)."""
    exact = f"{DISTRIBUTION}=={version}"
    if not direct or not isinstance(direct.get("url"), str):
        return Pin(exact, True, "a package index")
    url = direct["url"]
    subdirectory = direct.get("subdirectory")
    fragment = (
        f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) and subdirectory else ""
    )
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict):
        public_url = public_git_url(url)
        commit_id = vcs.get("commit_id")
        commit = commit_id if isinstance(commit_id, str) else ""
        if vcs.get("vcs") == "git" and public_url and re.fullmatch(r"[0-9a-f]{7,64}", commit):
            return Pin(
                f"{DISTRIBUTION} @ git+{public_url}@{commit}{fragment}",
                True,
                f"git {public_url} at {commit[:7]}",
            )
        local = _local_path(url)
        return Pin(
            exact,
            False,
            f"the git clone {local or url}",
            _clone_suggestion(Path(local)) if local else "",
        )
    if urlsplit(url).scheme in ("https", "http"):
        return Pin(f"{DISTRIBUTION} @ {url}{fragment}", True, url)
    local = _local_path(url)
    if isinstance(direct.get("dir_info"), dict):
        return Pin(
            exact,
            False,
            f"the local folder {local or url}",
            _clone_suggestion(Path(local)) if local else "",
        )
    return Pin(exact, False, f"the local file {local or url}")


def public_git_url(url: str) -> str | None:
    """``url`` as an https address CI can clone (ssh forms rewritten), or None for a local one."""
    scp = re.fullmatch(r"(?:ssh://)?[\w.-]+@([\w.-]+)[:/](.+?)/?", url)
    if scp and not url.startswith(("https://", "http://")):
        return f"https://{scp.group(1)}/{scp.group(2)}"
    parts = urlsplit(url)
    if parts.scheme in ("https", "http") and parts.netloc and "@" not in parts.netloc:
        return url
    return None


def _local_path(url: str) -> str:
    parts = urlsplit(url)
    return unquote(parts.path) if parts.scheme == "file" else ""


def _clone_suggestion(folder: Path) -> str:
    """``newsreel @ git+<remote>@<commit>`` for a git clone whose origin is public; else ""."""
    if not (folder / ".git").exists():
        return ""
    try:
        remote = subprocess.run(
            ["git", "-C", str(folder), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    public = public_git_url(remote) if remote else None
    if public and re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return f"{DISTRIBUTION} @ git+{public}@{commit}"
    return ""
