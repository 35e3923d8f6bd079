"""The output folder cannot be turned against the user, and one build runs at a time.

Planted journals and staging folders, symbolic links and foreign files inside the output,
an existing empty shared output folder, content the build cannot read, concurrent builds,
a manifest that no longer matches its files, and workers outliving a killed build.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sitekit import manifest_of_format_2, newsreel, post, spawn, tree_hashes, write_site

from newsreel.writer import Manifest


def _site(root: Path, count: int = 6) -> Path:
    files = {
        f"content/posts/p{n}.md": post(
            f"Post {n}",
            date=f"2023-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}",
            film='"Heat"',
            actors='["Al Pacino"]',
            tags="[news]",
            body=f"Body {n}.",
        )
        for n in range(count)
    }
    return write_site(root, files)


def _build(site: Path, *args: str | Path):
    return newsreel("build", site, *args)


def test_a_planted_journal_beside_the_output_is_never_replayed(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    victim = write_site(tmp_path / "victim", {"keep.txt": "precious"})
    planted = site / ".site.newsreel-tmp-1"
    planted.mkdir()
    (planted / "evil.html").write_text("owned")
    (planted / "COMMIT").write_text(
        json.dumps(
            {
                "changed": ["evil.html", "../../victim/new.txt"],
                "removed": ["../../victim/keep.txt", "../victim/keep.txt"],
            }
        )
    )
    (planted / "OWNER").write_text("0" * 32)
    before = tree_hashes(victim)
    result = _build(site, "--no-cache")
    assert result.returncode == 0, result.stderr
    assert tree_hashes(victim) == before
    assert not (site / "site" / "evil.html").exists()
    assert (planted / "COMMIT").exists(), "a folder that is not ours is left alone, not deleted"


def test_a_symlink_inside_the_output_is_refused_by_name(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    elsewhere = write_site(tmp_path / "elsewhere", {"mine.txt": "precious"})
    shutil.rmtree(site / "site" / "posts")
    (site / "site" / "posts").symlink_to(elsewhere)
    (site / "content/posts/p1.md").write_text(post("Post 1 edited", date="2023-01-02", body="New."))
    before = tree_hashes(elsewhere)
    for args in ((), ("--no-cache",)):
        result = _build(site, *args)
        assert (
            result.returncode == 1
            and "site/posts" in result.stderr
            and "symbolic link" in result.stderr
        ), result.stderr
        assert "Traceback" not in result.stderr
    assert tree_hashes(elsewhere) == before and sorted(os.listdir(elsewhere)) == ["mine.txt"]


@pytest.mark.parametrize(
    "where", ["posts/notes.txt", "posts/p1/draft.html", "films/heat/extra/x.css"]
)
def test_a_nested_foreign_file_is_refused_before_anything_changes(
    tmp_path: Path, where: str
) -> None:
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    foreign = site / "site" / where
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_text("mine")
    (site / "content/posts/p1.md").write_text(post("Post 1 edited", date="2023-01-02"))
    before = tree_hashes(site / "site")
    for _ in range(2):
        result = _build(site)
        assert (
            result.returncode == 1
            and where.split("/")[-1] in result.stderr
            and "not" in result.stderr
        ), result.stderr
        assert tree_hashes(site / "site") == before
    foreign.unlink()
    assert _build(site).returncode == 0


def _identity(folder: Path) -> tuple[int, int, int, int]:
    info = os.stat(folder)
    return info.st_ino, info.st_mode, info.st_uid, info.st_gid


def test_an_existing_empty_shared_output_folder_keeps_its_identity(tmp_path: Path) -> None:
    """Its inode, mode and owner, through the first build and every build after: two patches,
    a full one, one from scratch (a shell or server whose working folder is the output sees
    each build)."""
    from newsreel.theme import theme_dirs

    site = _site(tmp_path / "blog")
    shared = tmp_path / "public"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    os.chown(shared, 65534, 65534)
    before = _identity(shared)
    result = _build(site, "--output", shared)
    assert result.returncode == 0, result.stderr
    assert _identity(shared) == before
    assert (shared / "index.html").is_file()
    (site / "templates").mkdir(exist_ok=True)
    for n, change in enumerate(["post", "post", "template", "--no-cache"]):
        if change == "template":
            (site / "templates/base.html").write_text(
                (theme_dirs()[0] / "base.html").read_text("utf-8") + "<!-- mine -->"
            )
        else:
            (site / "content/posts/p1.md").write_text(post(f"Post 1 edit {n}", date="2023-01-02"))
        options = [change] if change.startswith("--") else []
        assert _build(site, "--output", shared, *options).returncode == 0
        assert _identity(shared) == before
        assert f"Post 1 edit {n}" in (shared / "posts/p1/index.html").read_text() or n == 2
    assert "<!-- mine -->" in (shared / "index.html").read_text()


def test_permissions_set_on_the_output_survive_builds(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    os.chmod(site / "site", 0o750)
    for n in range(2):
        (site / "content/posts/p1.md").write_text(post(f"Post 1 edition {n}", date="2023-01-02"))
        assert _build(site).returncode == 0
        assert stat.S_IMODE(os.stat(site / "site").st_mode) == 0o750


def test_a_manifest_is_verified_not_believed(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog", 12)
    assert _build(site).returncode == 0
    expected = tree_hashes(site / "site")
    (site / "site" / "posts/p3/index.html").unlink()
    (site / "site" / "index.html").write_text("tampered")
    shutil.rmtree(site / "site" / "actors")
    check = newsreel("check", site, "--no-build")
    assert (
        check.returncode == 1
        and "site/index.html: does not match the output's manifest" in check.stderr
    ), check.stderr
    assert "site/posts/p3/index.html: listed in the output's manifest but missing" in check.stderr
    result = _build(site)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(site / "site") == expected
    assert newsreel("check", site, "--no-build").returncode == 0


def test_the_manifest_is_kept_beside_the_output_and_guards_it(tmp_path: Path) -> None:
    """Nothing of newsreel's own is in site/: the manifest is beside it, and site/ without
    it is refused (as a folder of files newsreel cannot vouch for)."""
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    manifest = site / ".site.newsreel-manifest"
    assert manifest.is_file()
    assert not [p for p in (site / "site").rglob(".*")]
    saved = manifest.read_bytes()
    manifest.unlink()
    result = _build(site)
    assert result.returncode == 1 and "newsreel did not write" in result.stderr, result.stderr
    check = newsreel("check", site, "--no-build")
    assert check.returncode == 1 and "no built site to check" in check.stderr, check.stderr
    manifest.write_bytes(saved)
    assert _build(site).returncode == 0


def test_links_planted_in_the_cache_lead_nothing_outside(tmp_path: Path) -> None:
    """A link in the build cache (its picture cache, an old spare generation, compiled
    templates, its .gitignore) is deleted, never followed: nothing outside is deleted, written or made;
    a cache folder that is itself a link is refused."""
    site = _site(tmp_path / "blog")
    write_site(site, {"static/img/a.png": "", "content/posts/p0.md": post("Post 0")})
    assert _build(site).returncode == 0
    cache = site / ".newsreel-cache"
    outside = write_site(tmp_path / "outside", {"keep/file.txt": "precious", "victim.txt": "v"})
    before = tree_hashes(outside)
    planted = {
        "images": outside,
        "spare-0123456789ab": outside,  # (where builds before 2026-12-07 kept a generation)
        "spare-0123456789ab.behind": outside / "victim.txt",
        next(p.name for p in cache.glob("templates-*")): outside / "keep",
        ".gitignore": outside / "made-by-a-link",
    }
    for name, target in planted.items():
        entry = cache / name
        if entry.is_dir():
            shutil.rmtree(entry)
        entry.unlink(missing_ok=True)
        entry.symlink_to(target)
    write_site(
        site, {"templates/robots.txt": "User-agent: *\n", "content/posts/p1.md": post("New")}
    )
    assert _build(site).returncode == 0
    assert tree_hashes(outside) == before and not (outside / "made-by-a-link").exists()
    assert not [p for p in cache.iterdir() if p.is_symlink()]
    shutil.rmtree(cache)
    cache.symlink_to(outside)
    result = _build(site)
    assert result.returncode == 1 and "it is a symbolic link" in result.stderr
    assert tree_hashes(outside) == before


class _Planted:
    """A pickle that would run a command when loaded."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self):
        return (os.system, (f"echo ran > {self.proof}",))


def test_pickles_planted_in_the_cache_run_nothing(tmp_path: Path) -> None:
    """The cache's pickles are read as data: one naming anything but newsreel's records and a
    few standard types is unreadable (the build goes on as without it), never run."""
    import pickle
    import sqlite3

    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    cold = tree_hashes(site / "site")
    proof = tmp_path / "proof"
    bomb = pickle.dumps(_Planted(proof))
    cache = site / ".newsreel-cache"
    (cache / "last-build.pickle").write_bytes(bomb)
    (store,) = cache.glob("cache-*.sqlite")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE entries SET data = ?", (bomb,))
        db.execute("UPDATE meta SET data = ?", (bomb,))
    assert _build(site).returncode == 0
    assert not proof.exists() and tree_hashes(site / "site") == cold


def test_compiled_templates_planted_in_the_cache_run_nothing(tmp_path: Path) -> None:
    """Compiled templates are code: the cache's are loaded only under a MAC keyed with this
    boot of this machine. Files in Jinja's own format (a pickle first), files sealed with
    another key, a file changed after it was sealed, and an analysis of the partials sealed
    elsewhere are all compiled or worked out again, never run or believed."""
    import hashlib
    import marshal
    import pickle

    from jinja2.bccache import bc_magic

    from newsreel.codecache import HEADER, SUFFIX, SignedBytecodeCache

    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    cold = tree_hashes(site / "site")
    (folder,) = (site / ".newsreel-cache").glob("templates-*")
    mine = SignedBytecodeCache.for_folder(folder)
    assert mine is not None
    sealed = sorted(folder.glob(f"*{SUFFIX}"))
    assert sealed and all(mine.read(p.name) is not None for p in sealed)  # kept, and used
    proof = tmp_path / "proof"
    code = compile(f"import os\nos.system('echo ran > {proof}')", "planted", "exec")
    elsewhere = SignedBytecodeCache(folder, b"another machine's key".ljust(32, b"!"))
    for path in sealed:
        checksum = mine.read(path.name)[len(HEADER) :].partition(b"\0")[0]  # type: ignore[index]
        payload = HEADER + checksum + b"\0" + marshal.dumps(code)
        path.write_bytes(elsewhere.seal(payload))
    tampered = sealed[0].read_bytes()
    sealed[0].write_bytes(tampered[:-1] + bytes([tampered[-1] ^ 1]))
    for name in ("base.html", "post.html", "feed.xml", "partials/post_card.html"):
        jinja = folder / f"__jinja2_{hashlib.sha1(name.encode()).hexdigest()}.cache"
        jinja.write_bytes(bc_magic + pickle.dumps(_Planted(proof), 2))
    analysis = json.loads(mine.read("fragments.json") or b"{}")
    assert analysis  # each partial's reads, which decide when a fragment is used again
    for entry in analysis.values():
        entry["reads"] = [[], []]  # "reads nothing": one fragment for every post
    elsewhere.write("fragments.json", json.dumps(analysis).encode())
    shutil.rmtree(site / "site")  # a full build: every template is loaded through the cache
    assert _build(site).returncode == 0
    assert not proof.exists() and tree_hashes(site / "site") == cold
    assert all(mine.read(p.name) is not None for p in sealed)  # compiled again, sealed here


def test_a_folder_of_foreign_files_is_refused_naming_one(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    write_site(tmp_path / "mine", {"notes.txt": "x", "z.txt": "y"})
    result = _build(site, "--output", tmp_path / "mine")
    assert result.returncode == 1 and "newsreel did not write, such as notes.txt" in result.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt", "z.txt"]


def test_an_output_inside_another_output_is_refused(tmp_path: Path) -> None:
    """Its files and manifest would be strays of the outer output, which the next build of
    that one would refuse."""
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    before = tree_hashes(site / "site")
    for inner in (site / "site" / "sub", site / "site" / "posts" / "deep"):
        result = _build(site, "--output", inner)
        assert result.returncode == 1
        assert f"it is inside {site / 'site'}, the output of another build" in result.stderr
    assert tree_hashes(site / "site") == before and not list((site / "site").glob(".*"))
    assert _build(site).returncode == 0


def test_an_output_with_the_manifest_of_an_older_newsreel_is_taken_over(tmp_path: Path) -> None:
    """site/.newsreel-manifest.json (newsreel 0.x) is read once: the build succeeds, and the
    old manifest leaves site/."""
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    expected = tree_hashes(site / "site")
    manifest = site / ".site.newsreel-manifest"
    read = Manifest.read(site / "site")
    assert read is not None
    files = {
        n: [h, k] + ([list(reads)] if reads else []) for n, (h, k, reads) in read.files.items()
    }
    (site / "site" / ".newsreel-manifest.json").write_text(
        json.dumps({"generator": "newsreel", "files": files}), "utf-8"
    )
    manifest.unlink()
    result = _build(site)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(site / "site") == expected
    assert manifest.is_file()
    assert newsreel("check", site, "--no-build").returncode == 0


def test_an_output_with_the_manifest_format_before_is_taken_over(tmp_path: Path) -> None:
    """The manifest as the newsreel before this one wrote it (format 2, all JSON) is read: a
    build after an edit gives what a cold one does, and writes the manifest in this format."""
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    manifest = site / ".site.newsreel-manifest"
    manifest.write_bytes(manifest_of_format_2(manifest.read_bytes()))
    edited = post("Post 1", date="2023-01-02", film='"Heat"', body="Edited.")
    (site / "content" / "posts" / "p1.md").write_text(edited, "utf-8")
    result = _build(site)
    assert result.returncode == 0, result.stderr
    assert manifest.read_bytes().startswith(b'{"generator":"newsreel","format":3,')
    assert _build(site, "--output", tmp_path / "cold", "--no-cache").returncode == 0
    assert tree_hashes(site / "site") == tree_hashes(tmp_path / "cold")


def _generations(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    """An output, a staging folder holding a new generation of it (an entry changed, one
    gone, one new), that generation, and the hashes of its files (``tree_hashes``)."""
    output = tmp_path / "site"
    for rel, text in {"posts/a/index.html": "old a", "index.html": "old", "gone.xml": "x"}.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_text(text)
    holder = tmp_path / ".site.newsreel-tmp-1-abcd"
    new = {"posts/a/index.html": "new a", "index.html": "new", "films/b/index.html": "b"}
    for rel, text in new.items():
        (holder / "new" / rel).parent.mkdir(parents=True, exist_ok=True)
        (holder / "new" / rel).write_text(text)
    return output, holder, holder / "new", tree_hashes(holder / "new")


def test_a_build_killed_during_its_swap_has_it_finished_by_the_next(tmp_path: Path) -> None:
    """The new generation is swapped in entry by entry (the output folder keeps its inode),
    after a SWAP journal listing each entry: a build killed between two exchanges leaves it,
    and the next build of that output finishes the swap and moves the manifest — never from a
    folder without the output's token, nor when the journal names an entry that is no name."""
    from newsreel.writer import (
        _swap_entries,
        _top_entries,
        finish_interrupted_commit,
        manifest_path,
    )

    token = "a" * 32
    cases = [("b" * 32, None, False), (token, [["../up", 1]], False), (token, None, True)]
    for owner, planted, finished in cases:
        output, holder, new, files = _generations(tmp_path)
        before = tree_hashes(output)
        inode = os.lstat(output).st_ino
        entries = _top_entries(new, output)
        assert [name for name, _ in entries] == ["films", "posts", "gone.xml", "index.html"]
        _swap_entries(new, output, entries[:2])  # killed after two exchanges
        half = tree_hashes(output)
        assert half not in (before, files)
        manifest_path(output).write_text("old")
        (holder / "OWNER").write_text(owner)
        plan = {"token": owner, "entries": planted or entries}
        (holder / "SWAP").write_text(json.dumps(plan))
        (holder / "manifest").write_text("new")
        assert finish_interrupted_commit(output, token) is finished
        assert os.lstat(output).st_ino == inode
        if finished:
            assert tree_hashes(output) == files
            assert manifest_path(output).read_text() == "new"
            assert not holder.exists()
        else:
            assert tree_hashes(output) == half
            assert manifest_path(output).read_text() == "old"
        shutil.rmtree(tmp_path)
        tmp_path.mkdir()


def test_a_failed_exchange_is_undone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should one exchange fail (a mount point inside the output, say), those made before it
    are undone: the output is the old generation again, and the error is raised."""
    from newsreel import writer

    output, _, new, _ = _generations(tmp_path)
    before = tree_hashes(output)
    real = writer._exchange

    def failing(a_fd: int, b_fd: int, name: str) -> bool:
        if name == "index.html":
            raise OSError(errno.EBUSY, "busy", name)
        return real(a_fd, b_fd, name)

    monkeypatch.setattr(writer, "_exchange", failing)
    with pytest.raises(OSError, match="busy"):
        writer._swap_entries(new, output, writer._top_entries(new, output))
    assert tree_hashes(output) == before


def test_the_early_check_answers_as_the_walk_would(tmp_path: Path) -> None:
    """The output is checked in a forked child while the sources are listed: its answer (the
    files to write again, or the refusal naming a foreign file) is the walk's own."""
    from newsreel.errors import UnsafeOutput
    from newsreel.writer import EarlyCheck, Listing, Manifest, _verify

    site = _site(tmp_path / "blog", 8)
    assert _build(site).returncode == 0
    output = site / "site"
    (output / "index.html").write_text("tampered")
    (output / "posts/p2/index.html").unlink()

    def walked() -> tuple[str | None, list[str]]:
        manifest = Manifest.read(output)
        assert manifest is not None
        try:
            _verify(output, output.resolve(), Listing.of(manifest))
        except UnsafeOutput as exc:
            return str(exc), []
        return None, sorted(manifest.doubted)

    early = EarlyCheck.start(output)
    assert early is not None and len(early.children) == 1  # a small output: one child
    answer = early.answer()
    assert answer == walked() == (None, ["index.html", "posts/p2/index.html"])
    (output / "posts/p3/stray.txt").write_text("mine")
    early = EarlyCheck.start(output)
    assert early is not None
    refused = early.answer()
    assert refused == walked() and refused[0] is not None and "posts/p3/stray.txt" in refused[0]
    (output / "posts/p3/stray.txt").unlink()
    # a foreign file in a folder whose files both children look at is refused too, and the
    # folder's own files are not
    (output / "posts/stray.txt").write_text("mine")
    early = EarlyCheck.start(output, parts=2)
    assert early is not None and len(early.children) == 2
    refused = early.answer()
    assert refused == walked() and refused[0] is not None and "posts/stray.txt" in refused[0]
    (output / "posts/stray.txt").unlink()
    assert _build(site).returncode == 0
    assert newsreel("check", site, "--no-build").returncode == 0


def test_the_early_check_reads_the_names_first_and_the_rest_must_hold(tmp_path: Path) -> None:
    """``EarlyCheck`` forks its children once the manifest's names are read; the build then
    takes the whole manifest. One whose names hold but whose hashes do not (a column short)
    is no manifest: the build refuses the output as one it did not write, whatever the
    children found. A manifest of the format before is read whole, to the same names."""
    import json

    from newsreel.writer import EarlyCheck, Listing, Manifest, manifest_path

    site = _site(tmp_path / "blog", 8)
    assert _build(site).returncode == 0
    output = site / "site"
    whole = Manifest.read(output)
    listing = Listing.read(output)
    assert whole is not None and listing is not None
    assert listing.names == list(whole.files) and listing.manifest() == whole
    saved = manifest_path(output).read_bytes()
    manifest_path(output).write_bytes(manifest_of_format_2(saved))
    older = Listing.read(output)
    assert older is not None and older.names == listing.names

    line, _, columns = saved.partition(b"\n")
    head = json.loads(line)
    names, hashes = head["sizes"][0], head["sizes"][1]
    short = columns[names : names + hashes].rpartition(b"\0")[0]  # the last hash gone
    head["sizes"][1] = len(short)
    broken = columns[:names] + short + columns[names + hashes :]
    manifest_path(output).write_bytes(json.dumps(head).encode() + b"\n" + broken)
    early = EarlyCheck.start(output)
    assert early is not None and early.listing.names == listing.names
    assert early.manifest is None
    early.close()
    result = _build(site)
    assert result.returncode == 1 and "holds files newsreel did not write" in result.stderr
    manifest_path(output).write_bytes(saved)
    assert _build(site).returncode == 0


def test_no_cache_gives_what_an_empty_folder_gives(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog", 8)
    assert _build(site).returncode == 0
    # Damage the output in ways a stat check cannot see: same size, old times.
    page = site / "site" / "posts/p2/index.html"
    info = page.stat()
    data = bytearray(page.read_bytes())
    data[-20] = ord("X") if data[-20] != ord("X") else ord("Y")
    page.write_bytes(bytes(data))
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert _build(site, "--no-cache").returncode == 0
    cold = tmp_path / "cold"
    shutil.copytree(site, cold, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
    assert _build(cold).returncode == 0
    assert tree_hashes(site / "site") == tree_hashes(cold / "site")


def test_a_fifo_post_is_an_error_not_a_hang(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    assert _build(site).returncode == 0
    before = tree_hashes(site / "site")
    os.mkfifo(site / "content/posts/pipe.md")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(site / "content/posts/sock.md"))
        result = newsreel("build", site, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "content/posts/pipe.md: cannot read" in result.stderr and "named pipe" in result.stderr
    assert "content/posts/sock.md: cannot read" in result.stderr
    assert tree_hashes(site / "site") == before


def test_a_template_that_is_not_a_file_is_an_error(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    (site / "templates").mkdir()
    os.mkfifo(site / "templates/post.html")
    result = newsreel("build", site, timeout=60)
    assert result.returncode == 1 and "templates/post.html: cannot read" in result.stderr, (
        result.stderr
    )
    assert not (site / "site").exists()


def _as_nobody(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return newsreel(*args, user="nobody", env={"HOME": "/tmp"}, timeout=60)


@pytest.mark.skipif(
    shutil.which("setpriv") is None or os.getuid() != 0, reason="needs root to drop privileges"
)
def test_an_unreadable_content_folder_or_post_is_an_error() -> None:
    tmp_path = Path(tempfile.mkdtemp(prefix="newsreel-nobody-", dir="/tmp"))
    os.chmod(tmp_path, 0o755)
    try:
        _unreadable(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _unreadable(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    subprocess.run(["chown", "-R", "nobody", str(site)], check=True)
    first = _as_nobody("build", site)
    assert first.returncode == 0, first.stderr
    before = tree_hashes(site / "site")
    hidden = site / "content/posts/2024"
    hidden.mkdir()
    (hidden / "x.md").write_text(post("Hidden"))
    os.chmod(hidden, 0)
    result = _as_nobody("build", site)
    assert (
        result.returncode == 1 and "content/posts/2024: cannot read the folder" in result.stderr
    ), result.stderr
    os.chmod(hidden, 0o755)
    os.chmod(site / "content/posts/p1.md", 0)
    result = _as_nobody("build", site)
    assert result.returncode == 1 and "content/posts/p1.md: cannot read" in result.stderr, (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert tree_hashes(site / "site") == before


def _spawn(site: Path, *args: str) -> subprocess.Popen[str]:
    return spawn("build", site, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_concurrent_builds_take_turns_and_leave_the_site_whole(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog", 60)
    cold = tmp_path / "cold"
    for round_ in range(3):
        (site / "content/posts/p1.md").write_text(post(f"Post 1 round {round_}", date="2023-01-02"))
        builds = [_spawn(site, *(("--no-cache",) if n == 2 else ())) for n in range(3)]
        outcomes = [(b.wait(timeout=120), b.stderr.read()) for b in builds]
        for b in builds:
            b.stdout.close()
            b.stderr.close()
        assert all(code == 0 for code, _ in outcomes), outcomes
        shutil.rmtree(cold, ignore_errors=True)
        shutil.copytree(site, cold, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
        assert _build(cold).returncode == 0
        assert tree_hashes(site / "site") == tree_hashes(cold / "site")


def test_a_second_build_waits_or_with_no_wait_fails(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog")
    (site / ".newsreel-cache").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, os, sys, time\n"
                "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
                "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                "os.write(fd, str(os.getpid()).encode())\n"
                "print('held', flush=True)\n"
                "time.sleep(float(sys.argv[2]))\n"
            ),
            str(site / ".newsreel-cache/build.lock"),
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    refused = _build(site, "--no-wait")
    assert (
        refused.returncode == 1
        and f"pid {holder.pid}" in refused.stderr
        and "Traceback" not in refused.stderr
    )
    assert not (site / "site").exists()
    started = time.monotonic()
    waited = _build(site)
    assert waited.returncode == 0, waited.stderr
    assert f"waiting for the build started by pid {holder.pid}" in waited.stderr
    assert time.monotonic() - started > 1.0
    holder.wait(timeout=10)
    holder.stdout.close()


def test_builds_of_two_sites_into_one_output_take_turns(tmp_path: Path) -> None:
    """One build at a time per output, whichever site folder it is built from: the folder
    holding the output is locked; both builds end whole, the output the last one's."""
    first, second = _site(tmp_path / "a", 3), _site(tmp_path / "b", 5)
    out = tmp_path / "shared" / "out"
    out.parent.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(2)\n",
            str(out.parent),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    refused = _build(first, "--output", out, "--no-wait")
    assert refused.returncode == 1 and f"another build into {out} is running" in refused.stderr
    waited = _build(first, "--output", out)
    assert waited.returncode == 0 and f"waiting for another build into {out}" in waited.stderr
    holder.wait(timeout=10)
    holder.stdout.close()
    builds = [spawn("build", site, "--output", out) for site in (first, second, first, second)]
    assert all(b.wait(timeout=120) == 0 for b in builds)
    for site in (first, second):
        assert _build(site, "--output", tmp_path / f"cold-{site.name}").returncode == 0
    done = tree_hashes(out)
    assert done in (tree_hashes(tmp_path / "cold-a"), tree_hashes(tmp_path / "cold-b"))


def _descendants(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def test_workers_die_with_a_killed_build(tmp_path: Path) -> None:
    site = _site(tmp_path / "blog", 600)
    kills = 0
    for delay in (0.6, 1.0, 1.5, 2.0):
        shutil.rmtree(site / "site", ignore_errors=True)
        shutil.rmtree(site / ".newsreel-cache", ignore_errors=True)
        build = spawn("build", site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + delay
        workers: set[int] = set()
        while time.monotonic() < deadline and build.poll() is None:
            workers.update(_descendants(build.pid))
            time.sleep(0.02)
        if build.poll() is not None:
            continue
        workers.update(_descendants(build.pid))
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        kills += bool(workers)
        time.sleep(0.3)  # the kernel kills them at once; a worker left to notice later has not
        alive = [
            pid
            for pid in workers
            if Path(f"/proc/{pid}").exists()
            and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        ]
        assert alive == [], f"workers {alive} outlived the build killed after {delay}s"
    assert kills >= 1, "no build was killed while it had workers: the corpus is too small"


def test_a_site_with_more_folders_than_a_process_may_open_is_built(tmp_path: Path) -> None:
    """A process may have 256 files open (macOS) or 1,024 (most Linux desktops). A build that
    changes every page swaps in a generation linked over every folder of the site, and an
    edit's commit renames files into folders all over it: each keeps a few folders open at a
    time, not all."""
    import resource

    from sitekit import cli_env, command

    site = _site(tmp_path / "blog", 150)  # 150 post folders, and the terms' and feeds'
    assert _build(site).returncode == 0
    folders = sum(1 for path in (site / "site").rglob("*") if path.is_dir())
    assert folders > 200

    def few_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (96, 96))

    def build() -> None:
        done = subprocess.run(
            command("build", site),
            env=cli_env(None),
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=few_open_files,
        )
        assert done.returncode == 0, done.stderr

    config = site / "newsreel.yaml"
    config.write_text("description: Every page changes.\n", "utf-8")
    build()
    (site / "content/posts/p7.md").write_text(
        (site / "content/posts/p7.md").read_text("utf-8") + "\nOne more line.\n", "utf-8"
    )
    build()
    assert "One more line." in (site / "site/posts/p7/index.html").read_text("utf-8")
    assert newsreel("check", site, "--no-build").returncode == 0
