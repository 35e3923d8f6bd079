"""newsreel as a new user gets it: built into a wheel and an sdist, installed into a fresh
venv that cannot see this repository, then a blog started with ``init`` and deployed by
running its own workflow's ``run:`` steps, served by nginx under a Pages-like sub-path.

Packages come from a local wheelhouse (``--no-index --find-links``): the wheel just built
and its dependencies, which ``pip wheel`` fetches from the package index once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from nginx import crawl, fetch, free_port, need_nginx, serve

from newsreel import __version__
from newsreel.theme import THEME_STATIC

REPO = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH to this checkout, no pip settings of this machine."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def run(
    args: list[str | Path], cwd: Path, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@dataclass(frozen=True)
class Release:
    wheel: Path
    sdist: Path
    wheelhouse: Path
    """The wheel and every dependency it needs, as wheels."""


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """``python -m build`` (the sdist, then the wheel from the sdist) and a wheelhouse."""
    work = tmp_path_factory.mktemp("release")
    run(
        [sys.executable, "-m", "build", "--outdir", work / "dist", REPO],
        cwd=work,
        env=dict(os.environ),
    )
    wheel = next((work / "dist").glob("newsreel-*.whl"))
    sdist = next((work / "dist").glob("newsreel-*.tar.gz"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--wheel-dir",
            work / "wheelhouse",
            wheel,
        ],
        cwd=work,
        env=dict(os.environ),
    )
    return Release(wheel, sdist, work / "wheelhouse")


def test_wheel_and_sdist_pass_twine_check(release: Release) -> None:
    result = run(
        [sys.executable, "-m", "twine", "check", "--strict", release.wheel, release.sdist],
        cwd=release.wheelhouse,
        env=dict(os.environ),
    )
    assert result.stdout.count("PASSED") == 2
    assert release.wheel.name == f"newsreel-{__version__}-py3-none-any.whl"


def test_wheel_carries_the_whole_theme_and_no_example_content(release: Release) -> None:
    names = set(zipfile.ZipFile(release.wheel).namelist())
    theme = REPO / "static"
    for entry in sorted(THEME_STATIC):
        for path in (
            [theme / entry] if (theme / entry).is_file() else sorted((theme / entry).rglob("*"))
        ):
            if path.is_file():
                assert f"newsreel/_theme/static/{path.relative_to(theme).as_posix()}" in names, path
    for path in (REPO / "templates").rglob("*"):
        if path.is_file():
            assert (
                f"newsreel/_theme/templates/{path.relative_to(REPO / 'templates').as_posix()}"
                in names
            ), path
    assert not any(
        n.startswith(("newsreel/_theme/static/img/", "content/", "tests/")) for n in names
    )
    assert {
        "newsreel/fonts/Inter-400.ttf",
        "newsreel/fonts/Inter-700.ttf",
        "newsreel/fonts/OFL.txt",
    } <= names  # cards
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = (
        zipfile.ZipFile(release.wheel).read(f"newsreel-{__version__}.dist-info/METADATA").decode()
    )
    assert f"Version: {__version__}" in metadata and "Requires-Dist: jinja2" in metadata


def venv(path: Path) -> Path:
    """A fresh virtual environment, with no site packages but its own: returns its bin folder."""
    run([sys.executable, "-m", "venv", path], cwd=path.parent, env=clean_env())
    return path / "bin"


EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def step_env(step: dict, values: dict[str, str]) -> dict[str, str]:
    """A step's ``env:`` with each ``${{ … }}`` replaced by what GitHub would give it."""
    env = {}
    for key, raw in (step.get("env") or {}).items():

        def value(match: re.Match[str]) -> str:
            assert match.group(1) in values, (
                f"the test does not know what {match.group(0)} is on GitHub"
            )
            return values[match.group(1)]

        env[key] = EXPRESSION.sub(value, str(raw))
    return env


@pytest.mark.nginx
def test_a_blog_started_with_init_deploys(release: Release, tmp_path: Path) -> None:
    """Install the wheel as a user would, ``init``, write a post, then run the deploy workflow's
    steps in order and serve what they built under the Pages sub-path: nothing broken."""
    need_nginx()
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(release.wheelhouse)}
    home = tmp_path / "home"
    home.mkdir()
    user = venv(home / "tools")
    run(
        [user / "python", "-m", "pip", "install", "--quiet", "newsreel"],
        cwd=home,
        env=clean_env(**offline),
    )
    located = run(
        [user / "python", "-c", "import newsreel; print(newsreel.__file__)"],
        cwd=home,
        env=clean_env(),
    )
    assert located.stdout.startswith(str(home)), "the installed newsreel, not this checkout's"

    shell = clean_env(PATH=f"{user}{os.pathsep}{os.environ['PATH']}")
    made = run(["newsreel", "init", "movie-news"], cwd=home, env=shell)
    assert made.stderr == "", "installed from an index, newsreel needs no edit of requirements.txt"
    blog = home / "movie-news"
    assert (
        f"newsreel=={__version__}"
        in (blog / "requirements.txt").read_text(encoding="utf-8").splitlines()
    )
    run(["newsreel", "new", "post", "A second post", "--film", "Casablanca"], cwd=blog, env=shell)
    first = run(["newsreel", "build"], cwd=blog, env=shell)
    assert "1 draft not built (--drafts)" in first.stdout
    assert [line.split(": warning: ")[0] for line in first.stderr.splitlines()] == [
        "newsreel.yaml"  # (base_url: / until it is published: the workflow passes --base-url)
    ]

    # The runner: a fresh Python (actions/setup-python) with nothing installed, in the blog's checkout.
    port = free_port()
    pages_url = (
        f"http://127.0.0.1:{port}/movie-news"  # as configure-pages gives it: no trailing slash
    )
    runner = venv(tmp_path / "runner")
    ci_env = clean_env(PATH=f"{runner}{os.pathsep}{os.environ['PATH']}", CI="true", **offline)
    workflow = yaml.safe_load((blog / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    steps = [step for step in workflow["jobs"]["build"]["steps"] if "run" in step]
    assert [s["name"] for s in steps][:1] == ["Install newsreel"]
    for step in steps:
        env = {**ci_env, **step_env(step, {"steps.pages.outputs.base_url": pages_url})}
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=blog,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, f"{step['name']}: {result.stdout}{result.stderr}"
        assert "warning" not in result.stderr or step["name"].startswith("Install"), result.stderr
    assert (runner.parent / "bin" / "newsreel").is_file(), (
        "the workflow installed newsreel on the runner"
    )

    with serve(blog / "site", "/movie-news/", tmp_path / "nginx", port=port) as server:
        starts = [server.base_url]
        sitemap = fetch(server.base_url + "sitemap.xml")
        assert sitemap.status == 200
        starts += [
            el.text or "" for el in ET.fromstring(sitemap.body).iter() if el.tag.endswith("loc")
        ]
        feed = fetch(server.base_url + "feed.xml")
        assert feed.status == 200
        starts += [
            el.get("href", "") for el in ET.fromstring(feed.body).iter() if el.tag.endswith("link")
        ]
        assert all(url.startswith(server.base_url) for url in starts), starts
        result = crawl(starts, server.origin)
        assert result.broken == []
        assert len(result.fetched) > 10 and server.base_url + "films/casablanca/" in result.fetched
        assert not any("/posts/a-second-post/" in url for url in result.fetched), (
            "a draft was published"
        )
