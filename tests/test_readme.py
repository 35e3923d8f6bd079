"""The README's commands work as written, from a copy of the repository with a fresh venv.

`make test` is what CI runs (.ci/run); this file runs `make site` and `make serve`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitekit import REPO, broken_links

from newsreel import __version__

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None and not os.environ.get("CI"), reason="make is not installed"
)


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [
        line.split("#")[0].strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip()
    ]


def _repository_url() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["urls"]["Source"]


INSTALL_FROM_PYPI = "pipx install newsreel"
INSTALL_FROM_GIT = f'pipx install "git+{_repository_url()}"'
START = "newsreel init blog && cd blog && newsreel serve"


def test_readme_names_exactly_the_tested_commands() -> None:
    """Each command of the README is run by a test of this file (make test by CI itself)."""
    assert _readme_commands() == [
        INSTALL_FROM_PYPI,
        INSTALL_FROM_GIT,
        START,
        "make site",
        "make serve",
        "make test",
    ]
    assert "make test" in (REPO / ".ci/run").read_text()
    first = (REPO / "README.md").read_text("utf-8").split("\n## ")[1]
    assert first.startswith("Install") and INSTALL_FROM_PYPI in first and START in first


def _repository_files(dest: Path) -> Path:
    """The repository's files as git sees them (committed or not), copied to ``dest``."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for rel in files:
        source = REPO / rel
        if source.is_file() and not rel.startswith(("site/", ".venv/")):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    return dest


@dataclass(frozen=True)
class Machine:
    """A user's machine: pipx on PATH, packages from a local wheelhouse, and the repository's
    git address answered by a local clone (git's url.<base>.insteadOf), as GitHub would."""

    root: Path
    wheelhouse: Path
    remote: Path
    commit: str

    def env(self, name: str) -> dict[str, str]:
        """The environment of a shell whose pipx installs into ``root/name``."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "PIPX_"))
        }
        home = self.root / name
        return env | {
            "PATH": f"{home / 'bin'}{os.pathsep}{self.root / 'tools'}{os.pathsep}{os.environ['PATH']}",
            "PIPX_HOME": str(home / "pipx"),
            "PIPX_BIN_DIR": str(home / "bin"),
            "PIPX_MAN_DIR": str(home / "man"),
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheelhouse),
            "PIP_CONFIG_FILE": os.devnull,
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"url.{self.remote.as_uri()}.insteadOf",
            "GIT_CONFIG_VALUE_0": _repository_url(),
            "USE_EMOJI": "0",
        }

    def run(
        self, command: str, name: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", command],
            cwd=cwd or self.root,
            env=self.env(name),
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Machine:
    root = tmp_path_factory.mktemp("machine")
    wheelhouse = root / "wheelhouse"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--wheel-dir",
            str(wheelhouse),
            str(REPO),
            "pip",
            "hatchling>=1.21",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    remote = _repository_files(root / "remote")
    git = [
        "git",
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.org",
        "-c",
        "commit.gpgsign=false",
    ]
    for args in (
        ["init", "--quiet"],
        ["add", "--all"],
        ["commit", "--quiet", "--message", "snapshot"],
    ):
        subprocess.run([*git, *args], cwd=remote, check=True, capture_output=True, timeout=120)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=remote, capture_output=True, text=True, check=True
    ).stdout.strip()
    (root / "tools").mkdir()
    pipx = shutil.which("pipx", path=str(Path(sys.executable).parent)) or shutil.which("pipx")
    if pipx is None:
        pytest.fail("pipx is missing (it is in the test extra: pip install -e '.[test]')")
    (root / "tools" / "pipx").symlink_to(pipx)
    return Machine(root, wheelhouse, remote, commit)


def test_pipx_install_newsreel_then_start_a_blog(machine: Machine) -> None:
    """The README's install command, then its start command: the blog is served at once."""
    installed = machine.run(INSTALL_FROM_PYPI, "pypi")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (machine.root / "pypi" / "bin" / "newsreel").exists()
    work = machine.root / "pypi-work"
    work.mkdir()
    # the README's command as written; --port 0 only so that a busy port 8000 cannot fail the test
    proc = subprocess.Popen(
        ["bash", "-c", START + " --port 0"],
        cwd=work,
        env=machine.env("pypi") | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = _served_url(proc)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert b"Welcome to your movie-news blog" in response.read()
    finally:
        _stop(proc)
    requirements = (work / "blog" / "requirements.txt").read_text("utf-8")
    assert f"newsreel=={__version__}\n" in requirements, (
        "installed from an index: the exact version"
    )


def test_pipx_install_from_git_pins_the_commit(machine: Machine) -> None:
    """Installed from the git address, init pins that address at the installed commit, and the
    blog's deploy workflow installs newsreel from that pin."""
    installed = machine.run(INSTALL_FROM_GIT, "git")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    made = machine.run("newsreel init blog", "git")
    assert made.returncode == 0 and made.stderr == "", made.stderr
    pin = f"newsreel @ git+{_repository_url()}@{machine.commit}"
    assert pin in (machine.root / "blog" / "requirements.txt").read_text("utf-8").splitlines()
    subprocess.run(
        [sys.executable, "-m", "venv", str(machine.root / "runner")], check=True, timeout=120
    )
    step = machine.run(
        f"{machine.root / 'runner/bin/python'} -m pip install -r requirements.txt",
        "git",
        cwd=machine.root / "blog",
    )
    assert step.returncode == 0, step.stdout + step.stderr
    assert (machine.root / "runner/bin/newsreel").exists()


def _served_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = re.search(
            r"serving (http://127\.0\.0\.1:\d+/\S*)", line
        )  # not init's hint of port 8000
        if match:
            return match.group(1)
    raise AssertionError("newsreel serve printed no URL")


def _stop(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (as git sees them) in a fresh folder, with no venv."""
    return _repository_files(tmp_path_factory.mktemp("clone") / "newsreel")


@pytest.fixture(scope="module")
def make_site(clone: Path) -> subprocess.CompletedProcess[str]:
    """``make site`` run once in the clone (it makes the venv ``make serve`` uses too)."""
    return subprocess.run(["make", "site"], cwd=clone, capture_output=True, text=True, timeout=600)


def test_make_site_installs_and_builds_the_example_blog(
    clone: Path, make_site: subprocess.CompletedProcess[str]
) -> None:
    assert make_site.returncode == 0, make_site.stdout + make_site.stderr
    assert "built " in make_site.stdout
    site = clone / "site"
    assert (site / "index.html").is_file() and (site / "feed.xml").is_file()
    assert broken_links(site, "/") == []


def test_make_serve_previews_the_blog(
    clone: Path, make_site: subprocess.CompletedProcess[str]
) -> None:
    """Run alone too: ``make site`` first, as the README says, then ``make serve``."""
    assert make_site.returncode == 0, make_site.stdout + make_site.stderr
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        ["make", "serve", "SERVE_ARGS=--port 0"],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
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

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("newsreel-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(tmp_path / "lib"),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "lib"))
    run = lambda *args: subprocess.run(
        [sys.executable, "-m", "newsreel", *args],
        cwd=tmp_path,
        env=env,  # noqa: E731
        capture_output=True,
        text=True,
        timeout=120,
    )
    located = subprocess.run(
        [sys.executable, "-c", "import newsreel.theme as t; print(t.theme_dirs()[0])"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert located.startswith(str(tmp_path / "lib"))
    assert run("init", "blog").returncode == 0
    built = run("build", "blog")
    assert built.returncode == 0, built.stderr
    css = list((tmp_path / "blog/site/css").glob("style.*.css"))
    assert css and (tmp_path / "blog/site/favicon.svg").is_file()
    fonts = {p.name for p in (tmp_path / "blog/site/fonts").iterdir()}
    assert {
        "inter-latin-400-normal.woff2",
        "inter-LICENSE.txt",
        "source-serif-4-LICENSE.txt",
    } <= fonts
    assert not (
        tmp_path / "blog/site/img"
    ).exists()  # the example blog's images are not part of the theme
