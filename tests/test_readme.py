"""The README's commands work as written, from a copy of the repository with a fresh venv.

`make test` is what CI runs (.ci/run); this file runs `make site` and `make serve`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from sitekit import REPO, broken_links

pytestmark = pytest.mark.skipif(shutil.which("make") is None and not os.environ.get("CI"), reason="make is not installed")


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_names_exactly_the_make_commands() -> None:
    assert _readme_commands() == ["make site", "make serve", "make test"]
    assert "make test" in (REPO / ".ci/run").read_text()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (as git sees them) in a fresh folder, with no venv."""
    dest = tmp_path_factory.mktemp("clone") / "newsreel"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    for rel in files:
        source = REPO / rel
        if source.is_file() and not rel.startswith(("site/", ".venv/")):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    return dest


def test_make_site_installs_and_builds_the_example_blog(clone: Path) -> None:
    result = subprocess.run(["make", "site"], cwd=clone, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "built " in result.stdout
    site = clone / "site"
    assert (site / "index.html").is_file() and (site / "feed.xml").is_file()
    assert broken_links(site, "/") == []


def test_make_serve_previews_the_blog(clone: Path) -> None:
    if not (clone / ".venv/bin/newsreel").exists():
        pytest.skip("make site did not run")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(["make", "serve", "SERVE_ARGS=--port 0"], cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            match = re.search(r"http://127\.0\.0\.1:\d+/\S*", line)
            if match:
                url = match.group(0)
                break
        assert url, "make serve printed no URL"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert b"<h1" in response.read()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_wheel_carries_the_theme(tmp_path: Path) -> None:
    """An installed newsreel (not a source checkout) starts and builds a blog with its packaged theme."""
    import sys

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("newsreel-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(tmp_path / "lib"), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "lib"))
    run = lambda *args: subprocess.run([sys.executable, "-m", "newsreel", *args], cwd=tmp_path, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    located = subprocess.run([sys.executable, "-c", "import newsreel.render as r; print(r.theme_dirs()[0])"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert located.startswith(str(tmp_path / "lib"))
    assert run("init", "blog").returncode == 0
    built = run("build", "blog")
    assert built.returncode == 0, built.stderr
    css = list((tmp_path / "blog/site/css").glob("style.*.css"))
    assert css and (tmp_path / "blog/site/favicon.svg").is_file()
    assert not (tmp_path / "blog/site/img").exists()  # the example blog's images are not part of the theme
