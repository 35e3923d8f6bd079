"""The CI workflows pass actionlint and keep their promises: least privilege, no cancelled deploys."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from sitekit import actionlint

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on"
    if True in data:
        data["on"] = data.pop(True)
    return data


def test_workflows_exist() -> None:
    names = {path.name for path in workflow_files()}
    assert "deploy.yml" in names
    assert names - {"deploy.yml"}, "a workflow for pull requests is missing"


def test_actionlint_finds_no_error() -> None:
    result = actionlint(workflow_files(), ROOT)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_actionlint_does_catch_mistakes(tmp_path: Path) -> None:
    """The lint above is not vacuous: the same runner reports a broken copy of deploy.yml."""
    broken = (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")
    broken = broken.replace("steps.pages.outputs.base_url", "steps.pagez.outputs.base_url")
    broken = broken.replace("needs: build", "needs: biuld")
    (tmp_path / "broken.yml").write_text(broken, encoding="utf-8")
    result = actionlint([tmp_path / "broken.yml"], tmp_path)
    assert result.returncode != 0
    assert "pagez" in result.stdout and "biuld" in result.stdout, result.stdout + result.stderr


def test_actions_pinned_to_released_major_tags() -> None:
    for path in workflow_files():
        for uses in re.findall(
            r"^\s*(?:-\s*)?uses:\s*(\S+)", path.read_text(encoding="utf-8"), re.M
        ):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", uses), (
                f"{path.name}: {uses} is not pinned to a major tag"
            )


def test_deploy_workflow_least_privilege_and_no_cancelled_deploys() -> None:
    flow = load("deploy.yml")
    assert flow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in flow["on"]
    # rebuilt daily: release dates pass and future-dated posts are published without a push
    assert [entry["cron"] for entry in flow["on"]["schedule"]] == ["17 0 * * *"]
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = flow["jobs"]
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in deploy["steps"])
    for name, job in jobs.items():
        if name != "deploy":
            assert "permissions" not in job, f"job {name} must keep the read-only default"
    build = jobs[deploy["needs"]]
    steps = build["steps"]
    uses = [step.get("uses", "") for step in steps]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert any(u.startswith("actions/checkout@") for u in uses)
    python = next(
        step for step in steps if step.get("uses", "").startswith("actions/setup-python@")
    )
    assert python["with"]["cache"] == "pip" and str(python["with"]["python-version"]) >= "3.11"
    assert "make test" in runs
    pages = next(
        step for step in steps if step.get("uses", "").startswith("actions/configure-pages@")
    )
    build_step = next(step for step in steps if "newsreel build" in step.get("run", ""))
    assert "--base-url" in build_step["run"]
    assert (
        f"steps.{pages['id']}.outputs.base_url"
        in str(build_step.get("env", "")) + build_step["run"]
    )
    # the check must look at the site just built, not rebuild it without the Pages base URL
    check = next(step for step in steps if "newsreel check" in step.get("run", ""))
    assert "--no-build" in check["run"]
    assert steps.index(build_step) < steps.index(check)
    upload = next(
        step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == "site"
    assert steps.index(check) < steps.index(upload)


def test_pull_request_workflow_builds_and_checks_without_deploying() -> None:
    found = False
    for path in workflow_files():
        flow = load(path.name)
        if "pull_request" not in flow["on"]:
            continue
        found = True
        text = path.read_text(encoding="utf-8")
        assert "deploy-pages" not in text and "upload-pages-artifact" not in text
        assert "pages: write" not in text and "id-token: write" not in text
        assert flow["permissions"] == {"contents": "read"}
        assert "make test" in text and "newsreel build" in text and "newsreel check" in text
    assert found, "no workflow runs on pull requests"


def test_netlify_settings() -> None:
    settings = tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))
    assert settings["build"]["publish"] == "site"
    assert settings["build"]["environment"]["PYTHON_VERSION"] >= "3.11"
    commands = [settings["build"]["command"]] + [
        c["command"] for c in settings.get("context", {}).values()
    ]
    for command in commands:
        assert "newsreel build --base-url" in command and "newsreel check --no-build" in command


def test_release_workflow_builds_checks_publishes_and_attaches() -> None:
    flow = load("release.yml")
    assert list(flow["on"]) == ["push"] and flow["on"]["push"]["tags"] == ["v*"]
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"]["cancel-in-progress"] is False
    jobs = flow["jobs"]
    with_token = [name for name, job in jobs.items() if "id-token" in job.get("permissions", {})]
    assert with_token == ["pypi"] and jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert jobs["pypi"]["environment"]["name"] == "pypi"
    build_runs = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert (
        "make test" in build_runs
        and "-m build" in build_runs
        and "twine check --strict dist/*" in build_runs
    )
    publish = "\n".join(step.get("run", "") for step in jobs["pypi"]["steps"])
    assert "twine upload" in publish and "secrets." not in (WORKFLOWS / "release.yml").read_text(
        encoding="utf-8"
    )
    attach = "\n".join(step.get("run", "") for step in jobs["github-release"]["steps"])
    assert "gh release create" in attach and "dist/*" in attach
    assert jobs["github-release"]["permissions"] == {"contents": "write"}


def _step(job: dict, name: str) -> str:
    return next(step["run"] for step in job["steps"] if step.get("name") == name)


def test_release_refuses_a_tag_that_is_not_the_version(tmp_path: Path) -> None:
    """The tag check is run as written, against the one version source."""
    from newsreel import __version__

    script = _step(load("release.yml")["jobs"]["build"], "Check that the tag names the version")
    for tag, status in ((f"v{__version__}", 0), ("v0.0.0-not-it", 1)):
        result = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=dict(os.environ, TAG=tag),
            timeout=30,
        )
        assert result.returncode == status, result.stdout + result.stderr


def test_release_notes_are_the_tags_changelog_section(tmp_path: Path) -> None:
    script = _step(
        load("release.yml")["jobs"]["github-release"], "Attach the files to the GitHub release"
    )
    notes_lines = "\n".join(line for line in script.splitlines() if "gh release" not in line)
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n- soon\n\n## [1.2.0]\n\n### Added\n"
        "- feeds\n\n## [1.1.0]\n- old\n",
        encoding="utf-8",
    )
    for tag, expected in (("v1.2.0", "### Added\n- feeds\n"), ("v9.0.0", "See CHANGELOG.md.\n")):
        result = subprocess.run(
            ["bash", "-e", "-c", notes_lines],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=dict(os.environ, TAG=tag),
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "notes.md").read_text(encoding="utf-8").strip() == expected.strip()
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    [
        WORKFLOWS / "deploy.yml",
        ROOT / "newsreel" / "starter" / "dot-github" / "workflows" / "deploy.yml",
    ],
)
def test_deploy_workflows_restore_and_save_the_build_cache(path: Path) -> None:
    """A one-post push reuses the last run's cache and site: restored before the build, with a
    key of its own per run (saved after it) and a prefix that finds the latest one."""
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    names = [step.get("name", step.get("uses", "")) for step in steps]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert names.index(cache.get("name", cache["uses"])) < names.index("Build")
    paths = cache["with"]["path"].split()
    assert ".newsreel-cache" in paths and "site" in paths
    assert ".site.newsreel-manifest" in paths  # without it a restored site/ is refused
    assert "github.run_id" in cache["with"]["key"]
    prefix = cache["with"]["restore-keys"].strip()
    assert cache["with"]["key"].startswith(prefix)


@pytest.mark.parametrize(
    "path",
    [
        WORKFLOWS / "deploy.yml",
        ROOT / "newsreel" / "starter" / "dot-github" / "workflows" / "deploy.yml",
    ],
)
def test_the_output_manifest_is_not_published(path: Path) -> None:
    """The manifest is kept beside site/, not in it: the workflow uploads site/ as it is, and
    no publishing recipe has to leave a file of newsreel's own out."""
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    upload = next(
        step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == "site"
    publishing = (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    assert ".newsreel-manifest.json" not in publishing and "--exclude" not in publishing
    assert "rsync -a --delete site/ " in publishing
