"""Faults: a build killed at any moment, a full disk, a template that raises.

In each case the previous ``site/`` must stay whole (byte-identical, or wholly the new build
when the kill came after the swap) and the next build must succeed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sitekit import (
    assert_fails_cleanly,
    changed_bytes,
    newsreel,
    run_python,
    spawn,
    tree_hashes,
    write_site,
)

SETTINGS = "title: Hostile\nbase_url: https://example.org/\n"
POSTS = 300
FILMS = ["Heat", "Amélie", "Dune", "Oppenheimer", "Barbie", "Tár", "Past Lives", "Aftersun"]
ACTORS = [
    "Al Pacino",
    "Audrey Tautou",
    "Zendaya",
    "Cillian Murphy",
    "Margot Robbie",
    "Cate Blanchett",
]


def _corpus(edition: int) -> dict[str, str]:
    """A few hundred posts; ``edition`` changes a third of them (and so many pages)."""
    files: dict[str, str] = {"newsreel.yaml": SETTINGS}
    for n in range(POSTS):
        title = f"Post {n}" + (f" (edition {edition})" if n % 3 == edition % 3 else "")
        film = FILMS[n % len(FILMS)]
        actors = ", ".join(f'"{a}"' for a in ACTORS[n % 4 : n % 4 + 2])
        files[f"content/posts/2022-{1 + n % 12:02d}-{1 + n % 28:02d}-post-{n}.md"] = (
            f'---\ntitle: "{title}"\ndate: 2022-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00\n'
            f'film: "{film}"\nactors: [{actors}]\ntags: [news]\n---\n'
            + ("A paragraph of movie news with *emphasis* and a [link](/films/heat/).\n\n" * 4)
        )
    return files


def _signal_when(
    process: subprocess.Popen[str], site: Path, pattern: str, count: int, sent: signal.Signals
) -> bool:
    """Send ``sent`` to the build's process group once ``count`` paths match ``pattern`` in
    ``site`` (within a minute); False when the build ended first."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if len(list(site.glob(pattern))) >= count:
            os.killpg(process.pid, sent)
            return True
    return False


def _swap_under_way(site: Path) -> bool:
    """Whether a killed build left the journal of a commit it began (a swap, or renames in
    place), which the next build finishes."""
    return any(
        (holder / name).is_file()
        for holder in site.glob(".site.newsreel-tmp-*")
        for name in ("SWAP", "COMMIT")
    )


def _temps(folder: Path) -> list[str]:
    return sorted(
        name for name in os.listdir(folder) if ".newsreel-tmp-" in name or ".newsreel-old-" in name
    )


def test_sigkill_at_random_moments_leaves_a_whole_site(tmp_path: Path, record_property) -> None:
    site = write_site(tmp_path / "blog", _corpus(0))
    started = time.monotonic()
    first = newsreel("build", site)
    full_build = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    old = tree_hashes(site / "site")
    rng = random.Random(9)
    kills = 0
    for edition in range(1, 6):
        write_site(site, _corpus(edition))
        delay = rng.uniform(0.05, max(0.3, full_build))
        process = spawn(
            "build",
            site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        after_kill = tree_hashes(site / "site")
        swapping = _swap_under_way(site)  # (killed between two exchanges: a mix, finished next)
        result = newsreel("build", site)  # the next build must succeed
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        new = tree_hashes(site / "site")
        whole = after_kill in (old, new) or swapping
        record_property("fault_case", f"sigkill after {delay:.2f}s")
        record_property("site_bytes_changed", 0 if whole else changed_bytes(old, after_kill))
        assert whole, f"killed after {delay:.2f}s: site/ was neither the old build nor the new one"
        assert _temps(site) == [], "the next build must clear what a killed build left"
        old = new
    assert kills >= 3, "the builds finished before they could be killed: the corpus is too small"
    # and the output equals a cold build of the same content
    cold = newsreel("build", site, "--no-cache", "--output", str(tmp_path / "cold"))
    assert cold.returncode == 0, cold.stderr
    assert tree_hashes(tmp_path / "cold") == old


def test_sigkill_during_patch_builds_leaves_a_whole_site(tmp_path: Path, record_property) -> None:
    """Text edits are patched in (snapshot, SQLite cache, renames in place): killed at any
    moment of one, the site is the old one or the new one (or, killed between two renames, a
    commit its journal lets the next build finish), and the next build is right."""
    site = write_site(tmp_path / "blog", _corpus(0))
    assert newsreel("build", site).returncode == 0
    rng = random.Random(11)
    kills = 0
    post = sorted((site / "content/posts").iterdir())
    post[0].write_text(post[0].read_text("utf-8") + "\nA first edit.\n", "utf-8")
    started = time.monotonic()
    assert newsreel("build", site).returncode == 0
    patch_build = time.monotonic() - started  # the kills land within a build this long
    for edition in range(1, 13):
        old = tree_hashes(site / "site")
        for path in rng.sample(post, 3):
            path.write_text(
                path.read_text("utf-8") + f"\nEdition {edition} adds a sentence.\n", "utf-8"
            )
        delay = rng.uniform(0.0, patch_build)
        process = spawn(
            "build",
            site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        killed = process.poll() is None
        if killed:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        after_kill = tree_hashes(site / "site")
        swapping = _swap_under_way(site)
        result = newsreel("build", site)
        assert result.returncode == 0, result.stderr
        new = tree_hashes(site / "site")
        whole = after_kill in (old, new) or swapping
        if killed:
            record_property("fault_case", f"sigkill during a patch build after {delay:.2f}s")
        record_property("site_bytes_changed", 0 if whole else changed_bytes(old, after_kill))
        assert whole, f"killed after {delay:.2f}s: site/ was neither the old build nor the new one"
        assert _temps(site) == [] and not list(tmp_path.rglob("*.newsreel-link"))
    assert kills >= 3, "the patch builds finished before they could be killed"
    cold = newsreel("build", site, "--no-cache", "--output", str(tmp_path / "cold"))
    assert cold.returncode == 0, cold.stderr
    assert tree_hashes(tmp_path / "cold") == tree_hashes(site / "site")


def _mount_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def test_full_disk_fails_cleanly_and_keeps_the_old_site(tmp_path: Path, record_property) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "2m")
    try:
        site = write_site(
            tmp_path / "blog",
            {
                "newsreel.yaml": SETTINGS,
                "content/posts/a.md": "---\ntitle: A\ndate: 2023-01-02\n---\nText\n",
            },
        )
        output = disk / "site"
        assert newsreel("build", site, "--output", str(output)).returncode == 0
        (site / "static").mkdir()
        (site / "static" / "trailer.bin").write_bytes(os.urandom(3 * 1024 * 1024))
        before = tree_hashes(output)
        result = newsreel("build", site, "--output", str(output))
        text = result.stdout + result.stderr
        record_property("fault_case", "full disk")
        record_property("traceback", int("Traceback" in text))
        record_property("exit0_on_error", int(result.returncode == 0))
        record_property("site_bytes_changed", changed_bytes(before, tree_hashes(output)))
        assert tree_hashes(output) == before
        assert _temps(disk) == []
        assert "Traceback" not in text, text
        assert result.returncode == 1
        assert "space" in result.stderr.lower()
        (site / "static" / "trailer.bin").unlink()
        assert newsreel("build", site, "--output", str(output)).returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


TEMPLATE_FAULTS = [
    (
        "division-by-zero",
        '{% extends "base.html" %}\n{% block content %}\n<p>x</p>\n{{ 1 // 0 }}\n{% endblock %}\n',
        "templates/post.html:4:",
    ),
    (
        "undefined-name",
        '{% extends "base.html" %}\n{% block content %}\n{{ nope.attr }}\n{% endblock %}\n',
        "templates/post.html:3:",
    ),
    (
        "bad-method",
        '{% extends "base.html" %}\n{% block content %}\n\n\n{{ post.title.nope() }}\n{% endblock %}\n',
        "templates/post.html:5:",
    ),
    (
        "syntax-error",
        '{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n',
        "templates/post.html:3:",
    ),
    (
        "includes-itself",
        '{% extends "base.html" %}\n{% block content %}\n{% include "post.html" %}\n{% endblock %}\n',
        "templates/post.html:3: template error while rendering /posts/a/: the template includes, "
        "extends or calls itself without end (fix the template: break the loop",
    ),
    (
        "macro-calls-itself",
        '{% extends "base.html" %}\n{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}\n'
        "{% block content %}\n{{ again(1) }}\n{% endblock %}\n",
        "templates/post.html:2: template error while rendering /posts/a/: the template includes, "
        "extends or calls itself without end",
    ),
    (
        "partials-include-each-other",
        '{% extends "base.html" %}\n{% block content %}\n{% include "partials/ping.html" %}\n'
        "{% endblock %}\n",
        "templates/partials/ping.html:2: template error while rendering /posts/a/: the template "
        "includes, extends or calls itself without end",
    ),
]


@pytest.mark.parametrize(
    "template, expected", [c[1:] for c in TEMPLATE_FAULTS], ids=[c[0] for c in TEMPLATE_FAULTS]
)
def test_template_that_raises(
    tmp_path: Path, template: str, expected: str, record_property
) -> None:
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": SETTINGS,
            "content/posts/a.md": "---\ntitle: A\ndate: 2023-01-02\n---\nText\n",
        },
    )
    assert newsreel("build", site).returncode == 0
    (site / "templates" / "partials").mkdir(parents=True)
    (site / "templates" / "post.html").write_text(template)
    (site / "templates" / "partials" / "ping.html").write_text(
        '<p>ping</p>\n{% include "partials/pong.html" %}\n'
    )
    (site / "templates" / "partials" / "pong.html").write_text(
        '{% include "partials/ping.html" %}\n'
    )
    assert_fails_cleanly(site, expected, record_property, family="template")
    shutil.rmtree(site / "templates")
    assert newsreel("build", site).returncode == 0


def test_sigkill_at_the_commit_point(tmp_path: Path, record_property) -> None:
    """Killed at the commit (the staged site is complete, the swap is next): old site or new, never a mix."""
    site = write_site(tmp_path / "blog", _corpus(0))
    assert newsreel("build", site).returncode == 0
    hits = 0
    for edition in range(1, 5):
        old = tree_hashes(site / "site")
        write_site(site, _corpus(edition))
        process = spawn(
            "build",
            site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # the staging folder is .site.newsreel-tmp-<pid>-<random>/, the new generation new/ in
        # it and, from the commit on, the new manifest beside it
        staged_manifests = f".site.newsreel-tmp-{process.pid}-*/manifest"
        hits += _signal_when(process, site, staged_manifests, 1, signal.SIGKILL)
        process.wait(timeout=60)
        after_kill = tree_hashes(site / "site")
        result = newsreel("build", site)
        assert result.returncode == 0, result.stderr
        new = tree_hashes(site / "site")
        record_property("fault_case", "sigkill at commit point")
        assert after_kill in (old, new), "a kill at the commit left site/ a mix of two builds"
        assert _temps(site) == []
        cold = newsreel("build", site, "--no-cache", "--output", str(tmp_path / f"cold-{edition}"))
        assert cold.returncode == 0, cold.stderr
        assert tree_hashes(tmp_path / f"cold-{edition}") == new
    assert hits, "no kill landed at the commit point"


_DIE_AT_EXCHANGE = """
import os, sys
import newsreel.writer as writer
from newsreel.cli import main

real, count = writer._exchange, [0]

def dying(a_fd, b_fd, name):
    count[0] += 1
    if count[0] == int(sys.argv[2]):
        os._exit(9)  # as SIGKILL would: nothing more runs
    return real(a_fd, b_fd, name)

writer._exchange = dying
main(["build", sys.argv[1]])
"""


def test_a_build_killed_between_two_exchanges_is_finished_by_the_next(tmp_path: Path) -> None:
    """The output keeps its folder (inode) across builds: each top-level entry is exchanged in
    turn. A build that dies between two exchanges leaves a mix and the journal of its swap; the
    next build finishes that swap first, and its output is a cold build's."""
    site = write_site(tmp_path / "blog", _corpus(0))
    assert newsreel("build", site).returncode == 0
    inode = (site / "site").stat().st_ino
    for edition, die_at in ((1, 1), (2, 2)):  # (before the first exchange, after one)
        old = tree_hashes(site / "site")
        write_site(site, _corpus(edition))
        died = run_python("-c", _DIE_AT_EXCHANGE, site, str(die_at))
        assert died.returncode == 9, died.stderr
        assert _swap_under_way(site)
        if die_at > 1:
            assert tree_hashes(site / "site") != old  # a mix: some entries swapped, not all
        result = newsreel("build", site)
        assert result.returncode == 0, result.stderr
        assert _temps(site) == [] and not _swap_under_way(site)
        assert (site / "site").stat().st_ino == inode
    cold = newsreel("build", site, "--no-cache", "--output", str(tmp_path / "cold"))
    assert cold.returncode == 0, cold.stderr
    assert tree_hashes(tmp_path / "cold") == tree_hashes(site / "site")


def test_an_output_that_is_a_mount_point_is_built_into(tmp_path: Path) -> None:
    """An output on another file system than its parent (a mount point, a container's volume):
    renames cannot reach it from beside it, so the new generation is made inside it, and every
    build — the first into the empty mount, a change to many pages, one killed between two
    exchanges — keeps the mount and leaves a cold build's bytes."""
    site = write_site(tmp_path / "blog", _corpus(0))
    output = site / "site"
    _mount_tmpfs(output, "64m")
    try:
        inode = output.stat().st_ino
        for edition in range(2):
            write_site(site, _corpus(edition))
            result = newsreel("build", site)
            assert result.returncode == 0, result.stderr
            assert output.stat().st_ino == inode and os.path.ismount(output)
            assert [n for n in os.listdir(output) if "newsreel" in n] == [] and _temps(site) == []
        write_site(site, _corpus(2))
        died = run_python("-c", _DIE_AT_EXCHANGE, site, "2")
        assert died.returncode == 9 and _swap_under_way(site), died.stderr
        assert [n for n in os.listdir(output) if ".newsreel-tmp-" in n]  # (its generation)
        result = newsreel("build", site)
        assert result.returncode == 0, result.stderr
        assert [n for n in os.listdir(output) if "newsreel" in n] == [] and _temps(site) == []
        # (on a file system of the same kind: Pagefind's index follows the order folders list)
        _mount_tmpfs(tmp_path / "cold", "64m")
        cold = newsreel("build", site, "--no-cache", "--output", str(tmp_path / "cold"))
        assert cold.returncode == 0, cold.stderr
        assert tree_hashes(tmp_path / "cold") == tree_hashes(output)
    finally:
        for mount in (output, tmp_path / "cold"):
            subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def test_ctrl_c_while_workers_render_leaves_nothing_behind(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) while the build's worker
    processes write pages: the build stops, the old site is whole, and no staging folder is
    left beside it (a worker that went on writing after the build deleted its staging
    folder left a copy of it)."""
    site = write_site(tmp_path / "blog", _corpus(0))
    assert newsreel("build", site).returncode == 0
    old = tree_hashes(site / "site")
    stopped = 0
    for edition in range(1, 4):
        write_site(site, _corpus(edition))
        process = spawn(
            "build",
            site,
            "--no-cache",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        written = f".site.newsreel-tmp-{process.pid}-*/new/posts/*/index.html"
        # (a little later each time)
        stopped += _signal_when(process, site, written, 20 * edition, signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err, err
        if process.returncode != 0:
            assert process.returncode == 130 and "build interrupted (Ctrl-C)" in err, err
            assert tree_hashes(site / "site") == old
        time.sleep(0.5)  # (a worker left running would write meanwhile)
        assert _temps(site) == [], "Ctrl-C left a staging folder beside the output"
        old = tree_hashes(site / "site")
    assert stopped >= 2, "the builds finished before Ctrl-C: the corpus is too small"
