"""The test kit holds: one way to run the command line (this checkout's code), serve a site and
drive Chromium, in tests/sitekit.py; no test module imports another; each module runs alone."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from sitekit import REPO, newsreel, run_python

TESTS = REPO / "tests"
MODULES = sorted(TESTS.glob("test_*.py"))
KIT = {"sitekit.py", "nginx.py", "conftest.py"}
INSTALLED = {"test_install.py", "test_readme.py"}
"""They test the installed wheel and pipx's install on purpose, not the checkout."""


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_test_module_imports_another() -> None:
    offenders = {
        path.name: sorted(name for name in _imported(path) if name.startswith("test_"))
        for path in [*MODULES, *(TESTS / name for name in KIT)]
    }
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"shared helpers belong in tests/sitekit.py: {offenders}"


# What only the kit may do: (pattern, what to use instead).
KIT_ONLY = [
    (re.compile(r"""["']-m["'],\s*["']newsreel["']"""), "sitekit.newsreel / spawn"),
    (re.compile(r"\bsync_playwright\b"), "the browser fixture (sitekit.chromium)"),
    (re.compile(r"\b(?:Threading)?HTTPServer\b"), "sitekit.static_server"),
    (
        re.compile(r"\bclass \w+\(HTMLParser\):[\s\S]{0,400}?\b(?:href|src)\b"),
        "sitekit.parse_links",
    ),
    (re.compile(r"\bhashlib\.\w+\(.*read_bytes\(\)"), "sitekit.tree_hashes"),
]


def test_only_the_kit_runs_the_command_line_serves_and_parses_links() -> None:
    found = []
    for path in MODULES:
        if path.name in INSTALLED or path.name == "test_kit.py":
            continue
        text = path.read_text("utf-8")
        for pattern, instead in KIT_ONLY:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"tests/{path.name}:{line}: {match.group()!r} (use {instead})")
    assert not found, "\n".join(found)


def test_the_command_line_is_this_checkout(tmp_path: Path) -> None:
    """Even from a folder holding another ``newsreel`` package, and whatever is installed."""
    decoy = tmp_path / "newsreel"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise SystemExit('the decoy was imported')\n")
    (decoy / "__main__.py").write_text("raise SystemExit('the decoy was run')\n")
    where = run_python("-c", "import newsreel; print(newsreel.__file__)")
    assert where.stdout.strip() == str(REPO / "newsreel" / "__init__.py"), where.stderr
    from newsreel import __version__

    version = newsreel("--version", cwd=tmp_path)
    assert version.returncode == 0 and __version__ in version.stdout, version.stderr


def test_each_module_resolves_alone() -> None:
    """Every module's tests find their fixtures in the module or conftest.py (pytest resolves
    them per module, so one run shows it for each; with no test module importing another,
    ``pytest tests/test_x.py`` then runs alone). Nothing runs: ``--setup-plan``."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--setup-plan"]
        + [str(p) for p in MODULES if p.name != "test_kit.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in done.stdout.splitlines() if line.startswith(("ERROR", "E  "))]
    assert done.returncode == 0, "\n".join(errors) or done.stdout[-3000:] + done.stderr[-2000:]
