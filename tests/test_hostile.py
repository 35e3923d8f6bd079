"""Hostile input: every case must fail cleanly, at the right line, and change nothing.

Each error case is a small site folder that is first built good (so ``site/`` exists), then
broken; ``newsreel build`` then runs as a real subprocess and must exit 1, name the exact
``path:line:``, print no traceback, leave ``site/`` byte-for-byte as it was and touch no file
outside it. Content cases (where YAML's own reading is the sensible one) check what the
pages show. The figures recorded with ``record_property`` feed RELIABILITY.md
(``scripts/reliability``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from sitekit import (
    REPO,
    Link,
    assert_fails_cleanly,
    changed_bytes,
    manifest_of_format_2,
    newsreel,
    run_python,
    tree_hashes,
    write_site,
)

from newsreel.build import BuildOptions, build_site
from newsreel.incremental.store import STORE_FILE
from newsreel.layout import CACHE
from newsreel.writer import Manifest, manifest_path

GOOD_POST = (
    "---\ntitle: A good post\ndate: 2023-01-02\nfilm: Heat\nactors: [Al Pacino]\n---\nGood text.\n"
)
SETTINGS = "title: Hostile\nbase_url: https://example.org/\n"
GOOD = {"newsreel.yaml": SETTINGS, "content/posts/2023-01-02-good.md": GOOD_POST}
WIDE = {"COLUMNS": "200"}
"""Error lines are never wrapped: a wide terminal."""


def run_build(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return newsreel("build", site, *args, env=WIDE)


def good_site(tmp_path: Path, files: dict[str, str | bytes | Link] | None = None) -> Path:
    """A site folder built once without error, so ``site/`` holds a previous build."""
    site = write_site(tmp_path / "blog", {**GOOD, **(files or {})})
    build_site(site, BuildOptions(use_cache=False))
    assert (site / "site" / "index.html").is_file()
    return site


def _post(front: str, body: str = "Body.\n") -> str:
    return f"---\n{front}---\n{body}"


P = "content/posts/bad.md"
NFD_AMELIE = unicodedata.normalize("NFD", "Amélie")

# (id, files, expected start of the error line, a word the message must hold)
ERROR_CASES: list[tuple[str, dict[str, str | bytes | Link], str, str]] = [
    # malformed and ambiguous YAML
    ("unclosed-fence", {P: "---\ntitle: X\ndate: 2023-01-02\n\nBody\n"}, f"{P}:1:", "not closed"),
    ("no-front-matter", {P: "title: X\n\nBody\n"}, f"{P}:1:", "front matter"),
    (  # (each use a copy of the address: 100 MB from 400 KB)
        "reference-used-too-often",
        {P: _post("title: X\ndate: 2023-01-02\n", "[a]: /" + "x" * 1000 + "\n\n" + "[a] " * 20000)},
        f"{P}:5: the link reference [a] is used",
        "fewer times",
    ),
    (
        "picture-over-http",
        {P: _post("title: X\ndate: 2023-01-02\nimage: http://e.example/x.jpg\nimage_alt: x\n")},
        f"{P}:4: 'image' is no picture address",
        "https://",
    ),
    (
        "picture-with-a-quote",
        {
            P: _post(
                "title: X\ndate: 2023-01-02\nimage: 'https://e.example/x.jpg\"a=\"b'\nimage_alt: x\n"
            )
        },
        f"{P}:4: 'image' is no picture address",
        "quotes",
    ),
    (  # (each film's page and feed would list the post with all of them: square cost)
        "too-many-films",
        {
            P: _post(
                "title: X\ndate: 2023-01-02\nfilms: ["
                + ", ".join(f"F{i}" for i in range(101))
                + "]\n"
            )
        },
        f"{P}:4: 'films' lists 101 films; a post names at most 100",
        "about",
    ),
    (  # the closing --- forgotten, and a later --- (a rule in the text) took its place
        "closed-by-a-rule-sentence-as-key",
        {P: "---\ntitle: X\ndate: 2023-01-02\n\nDirector: Jane Doe. It is long.\n\n---\n\nMore\n"},
        f"{P}:5: a sentence where a key should be",
        "--- after line 3",
    ),
    (
        "closed-by-a-rule-text",
        {P: "---\ntitle: X\ndate: 2023-01-02\n\nThe film is long,\nand good.\n---\nMore\n"},
        f"{P}:5: invalid YAML on line 6",
        "--- after line 3",
    ),
    ("tab-indent", {P: _post("title: X\ndate: 2023-01-02\nactors:\n\t- A\n")}, f"{P}:5:", "tab"),
    (
        "unquoted-colon",
        {P: _post("title: Mission: Impossible\ndate: 2023-01-02\n")},
        f"{P}:2:",
        "quote",
    ),
    (
        "unclosed-quote",
        {P: _post('date: 2023-01-02\ntitle: "Heat\nfilm: Heat\n')},
        f"{P}:3:",
        "YAML",
    ),
    (
        "unclosed-bracket",
        {P: _post("date: 2023-01-02\ntitle: X\nactors: [A, B\nfilm: Heat\n")},
        f"{P}:4:",
        "YAML",
    ),
    (
        "duplicate-key",
        {P: _post("title: X\ndate: 2023-01-02\nfilm: A\ntitle: Y\n")},
        f"{P}:5:",
        "duplicate key",
    ),
    (
        "duplicate-nested-key",
        {P: _post("title: X\ndate: 2023-01-02\nfilms:\n  - title: A\n    title: B\n")},
        f"{P}:6:",
        "duplicate key",
    ),
    ("yaml11-yes", {P: _post("title: X\ndate: 2023-01-02\ndraft: yes\n")}, f"{P}:4:", "true"),
    ("yaml11-off", {P: _post("title: X\ndate: 2023-01-02\ndraft: off\n")}, f"{P}:4:", "true"),
    (
        "alias-bomb",
        {
            P: _post(
                "title: X\ndate: 2023-01-02\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
            )
        },
        f"{P}:2:",
        "alias",
    ),
    ("undefined-alias", {P: _post("title: *star\ndate: 2023-01-02\n")}, f"{P}:2:", "alias"),
    (
        "python-tag",
        {P: _post("title: !!python/object/apply:os.system [echo hi]\ndate: 2023-01-02\n")},
        f"{P}:2:",
        "YAML",
    ),
    ("list-title", {P: _post("title: [a, b]\ndate: 2023-01-02\n")}, f"{P}:2:", "title"),
    ("bool-title", {P: _post("date: 2023-01-02\ntitle: true\n")}, f"{P}:3:", "title"),
    ("empty-title", {P: _post("date: 2023-01-02\ntitle: ''\n")}, f"{P}:3:", "title"),
    ("missing-title", {P: _post("date: 2023-01-02\n")}, f"{P}:1:", "title"),
    ("unhashable-key", {P: _post("title: X\ndate: 2023-01-02\n? [a]\n: b\n")}, f"{P}:4:", "YAML"),
    (
        "deep-nesting",
        {P: _post("title: X\ndate: 2023-01-02\nfilms: " + "[" * 3000 + "]" * 3000 + "\n")},
        f"{P}:4:",
        "YAML",
    ),
    ("front-matter-a-list", {P: _post("- a\n- b\n")}, f"{P}:2:", "key"),
    (
        "year-float",
        {P: _post("title: X\ndate: 2023-01-02\nfilm: Heat\nrelease_year: 2023.5\n")},
        f"{P}:5:",
        "year",
    ),
    (
        "year-huge",
        {P: _post("title: X\ndate: 2023-01-02\nfilm: Heat\nrelease_year: " + "9" * 40 + "\n")},
        f"{P}:5:",
        "year",
    ),
    (
        "year-nan",
        {P: _post("title: X\ndate: 2023-01-02\nfilm: Heat\nrelease_year: .nan\n")},
        f"{P}:5:",
        "year",
    ),
    (
        "film-and-films",
        {P: _post("title: X\ndate: 2023-01-02\nfilm: A\nfilms: [B]\n")},
        f"{P}:5:",
        "both",
    ),
    (
        "empty-actor",
        {P: _post("title: X\ndate: 2023-01-02\nactors:\n  - Al Pacino\n  - \n")},
        f"{P}:6:",
        "actors",
    ),
    # encodings
    (
        "latin-1",
        {P: "---\ntitle: X\ndate: 2023-01-02\nfilm: Am\xe9lie\n---\nBody\n".encode("latin-1")},
        f"{P}:4:",
        "UTF-8",
    ),
    (
        "latin-1-body",
        {P: "---\ntitle: X\ndate: 2023-01-02\n---\nline\nCaf\xe9\n".encode("latin-1")},
        f"{P}:6:",
        "UTF-8",
    ),
    (
        "utf-16",
        {P: "---\ntitle: X\ndate: 2023-01-02\n---\nBody\n".encode("utf-16")},
        f"{P}:1:",
        "UTF-8",
    ),
    ("nul-byte", {P: b"---\ntitle: X\ndate: 2023-01-02\n---\nBo\x00dy\n"}, f"{P}:5:", "NUL"),
    (
        "control-character",
        {P: b"---\ntitle: X\ndate: 2023-01-02\nfilm: Heat\x14\n---\nBody\n"},
        f"{P}:4:",
        "control",
    ),
    ("bad-escape", {P: _post('title: "\\ud800"\ndate: 2023-01-02\n')}, f"{P}:2:", "YAML"),
    # dates
    ("impossible-date", {P: _post("title: X\ndate: 2023-02-30\n")}, f"{P}:3:", "date"),
    ("ambiguous-date", {P: _post("title: X\ndate: 03/04/2023\n")}, f"{P}:3:", "date"),
    ("year-in-words", {P: _post("title: X\ndate: twenty twenty-three\n")}, f"{P}:3:", "date"),
    ("date-year-only", {P: _post("title: X\ndate: 2023\n")}, f"{P}:3:", "date"),
    ("date-hour-25", {P: _post("title: X\ndate: 2023-01-02T25:00\n")}, f"{P}:3:", "date"),
    ("date-year-zero", {P: _post("title: X\ndate: 0000-01-01\n")}, f"{P}:3:", "date"),
    ("date-missing", {P: _post("title: X\n")}, f"{P}:1:", "date"),
    (
        "updated-impossible",
        {P: _post("title: X\ndate: 2023-01-02\nupdated: 2023-13-01\n")},
        f"{P}:4:",
        "updated",
    ),
    # unsafe slugs
    ("slug-traversal", {P: _post("title: X\ndate: 2023-01-02\nslug: ../x\n")}, f"{P}:4:", "slug"),
    (
        "slug-absolute",
        {P: _post("title: X\ndate: 2023-01-02\nslug: /etc/passwd\n")},
        f"{P}:4:",
        "slug",
    ),
    ("slug-space-case", {P: _post("title: X\ndate: 2023-01-02\nslug: A B\n")}, f"{P}:4:", "slug"),
    (
        "slug-emoji",
        {P: _post('title: X\ndate: 2023-01-02\nslug: "\U0001f3ac"\n')},
        f"{P}:4:",
        "slug",
    ),
    ("slug-cjk", {P: _post("title: X\ndate: 2023-01-02\nslug: 映画\n")}, f"{P}:4:", "slug"),
    (
        "slug-double-hyphen",
        {P: _post("title: X\ndate: 2023-01-02\nslug: a--b\n")},
        f"{P}:4:",
        "slug",
    ),
    ("slug-encoded", {P: _post('title: X\ndate: 2023-01-02\nslug: "%2e%2e"\n')}, f"{P}:4:", "slug"),
    (
        "unsafe-image",
        {P: _post("title: X\ndate: 2023-01-02\nimage: javascript:alert(1)\n")},
        f"{P}:4:",
        "image",
    ),
    (
        "tweet-not-status",
        {P: _post("title: X\ndate: 2023-01-02\ntweet: javascript:alert(1)\n")},
        f"{P}:4:",
        "tweet",
    ),
    # settings
    (
        "settings-latin-1",
        {"newsreel.yaml": "title: Caf\xe9\n".encode("latin-1")},
        "newsreel.yaml:1:",
        "UTF-8",
    ),
    (
        "settings-control-character",
        {"newsreel.yaml": b"title: Hostile\nauthor: a\x14b\n"},
        "newsreel.yaml:2:",
        "control",
    ),
    (
        "settings-duplicate",
        {"newsreel.yaml": SETTINGS + "title: Again\n"},
        "newsreel.yaml:3:",
        "duplicate",
    ),
    (
        "settings-unclosed",
        {"newsreel.yaml": "title: [Hostile\nbase_url: https://example.org/\n"},
        "newsreel.yaml:",
        "YAML",
    ),
    (
        "settings-yes",
        {"newsreel.yaml": SETTINGS + "markdown:\n  html: yes\n"},
        "newsreel.yaml:4:",
        "true",
    ),
    (
        "settings-timezone",
        {"newsreel.yaml": SETTINGS + "timezone: ../../etc/passwd\n"},
        "newsreel.yaml:3:",
        "timezone",
    ),
    (
        "settings-base-url-js",
        {"newsreel.yaml": "base_url: javascript:alert(1)//\n"},
        "newsreel.yaml:1:",
        "base_url",
    ),
    (
        "settings-permalink-no-slug",
        {"newsreel.yaml": SETTINGS + "permalink: /posts/\n"},
        "newsreel.yaml:3:",
        "slug",
    ),
    (
        "settings-timezone-folder",
        {"newsreel.yaml": SETTINGS + "timezone: America\n"},
        "newsreel.yaml:3:",
        "timezone",
    ),
    (
        "settings-timezone-etc",
        {"newsreel.yaml": SETTINGS + "timezone: Etc\n"},
        "newsreel.yaml:3:",
        "timezone",
    ),
    (
        "settings-timezone-5000",
        {"newsreel.yaml": SETTINGS + "timezone: " + "a" * 5000 + "\n"},
        "newsreel.yaml:3:",
        "timezone",
    ),
    (
        "settings-permalink-brace",
        {"newsreel.yaml": SETTINGS + "permalink: /{slug}/}\n"},
        "newsreel.yaml:3:",
        "braces must pair up around slug, year, month or day only",
    ),
    (
        "settings-permalink-attribute",
        {"newsreel.yaml": SETTINGS + "permalink: /{slug.__class__}/{slug}/\n"},
        "newsreel.yaml:3:",
        "permalink",
    ),
    (
        "settings-permalink-spec",
        {"newsreel.yaml": SETTINGS + "permalink: /{slug:>300}/\n"},
        "newsreel.yaml:3:",
        "permalink",
    ),
    (
        "settings-base-url-ipv6",
        {"newsreel.yaml": "title: Hostile\nbase_url: 'https://[::1/'\n"},
        "newsreel.yaml:2:",
        "base_url",
    ),
    (
        "settings-base-url-port",
        {"newsreel.yaml": "title: Hostile\nbase_url: 'https://example.org:99999/'\n"},
        "newsreel.yaml:2:",
        "base_url",
    ),
    ("settings-dangling-link", {"newsreel.yaml": Link("nowhere.yaml")}, "newsreel.yaml:", "link"),
    # characters XML 1.0 forbids, written as YAML escapes
    (
        "escape-u0001-title",
        {P: _post('title: "a\\u0001b"\ndate: 2023-01-02\n')},
        f"{P}:2:",
        "U+0001",
    ),
    ("escape-nul-title", {P: _post('date: 2023-01-02\ntitle: "a\\0b"\n')}, f"{P}:3:", "U+0000"),
    (
        "escape-esc-film",
        {P: _post('title: X\ndate: 2023-01-02\nfilm: "x\\x1by"\n')},
        f"{P}:4:",
        "U+001B",
    ),
    (
        "escape-fffe-actor",
        {P: _post('title: X\ndate: 2023-01-02\nactors:\n  - Al\n  - "b\\ufffe"\n')},
        f"{P}:6:",
        "U+FFFE",
    ),
    (
        "escape-in-a-key",
        {P: _post('title: X\ndate: 2023-01-02\n"a\\x07": 1\n')},
        f"{P}:4:",
        "U+0007",
    ),
    (
        "escape-bell-summary",
        {P: _post('title: X\ndate: 2023-01-02\nsummary: "ding\\a"\n')},
        f"{P}:4:",
        "U+0007",
    ),
    (
        "escape-c1-tag",
        {P: _post('title: X\ndate: 2023-01-02\ntags: ["\\x85ok", "\\x9b"]\n')},
        f"{P}:4:",
        "U+009B",
    ),
    (
        "escape-film-page",
        {"content/films/heat.md": '---\ntitle: Heat\ndirector: "M\\x1b[31m"\n---\n'},
        "content/films/heat.md:3:",
        "U+001B",
    ),
    (
        "settings-escape-author",
        {"newsreel.yaml": SETTINGS + 'author: "a\\x1bb"\n'},
        "newsreel.yaml:3:",
        "U+001B",
    ),
    (
        "settings-escape-title",
        {"newsreel.yaml": 'title: "Hostile\\uffff"\nbase_url: https://example.org/\n'},
        "newsreel.yaml:1:",
        "U+FFFF",
    ),
    # collisions
    (
        "zoe-vs-zoe-diaeresis",
        {
            "content/posts/a.md": _post("title: A\ndate: 2023-01-02\nactors: [Zoë Kravitz]\n"),
            "content/posts/b.md": _post("title: B\ndate: 2023-01-03\nactors:\n  - Zoe Kravitz\n"),
        },
        "content/posts/b.md:5:",
        "content/posts/a.md",
    ),
    (
        "two-posts-one-slug",
        {
            "content/posts/a.md": _post("title: A\ndate: 2023-01-02\nslug: same\n"),
            "content/posts/2023-01-01-same.md": _post("title: B\ndate: 2023-01-02\n"),
        },
        "content/posts/a.md:4:",
        "content/posts/2023-01-01-same.md",
    ),
    (
        "two-folders-one-name",
        {
            "content/posts/x/a.md": _post("title: A\ndate: 2023-01-02\n"),
            "content/posts/y/a.md": _post("title: B\ndate: 2023-01-03\n"),
        },
        "content/posts/",
        "/posts/a/",
    ),
    (
        "film-pages-one-url",
        {
            "content/films/a.md": "---\ntitle: Zoë\n---\n",
            "content/films/b.md": "---\ntitle: Zoe\n---\n",
        },
        "content/films/b.md:2:",
        "content/films/a.md",
    ),
    (
        "aka-claimed-twice",
        {
            "content/films/a.md": "---\ntitle: A\naka: [B]\n---\n",
            "content/films/b.md": "---\ntitle: B\n---\n",
        },
        "content/films/b.md:2:",
        "content/films/a.md",
    ),
    (
        "tags-one-url",
        {P: _post("title: X\ndate: 2023-01-02\ntags: [C++, C]\n")},
        f"{P}:4:",
        "/tags/c/",
    ),
    # symlinks
    ("symlink-loop", {"content/posts/loop.md": Link("loop.md")}, "content/posts/loop.md:", "link"),
    (
        "symlink-out-file",
        {"content/posts/out.md": Link("../../../outside/post.md")},
        "content/posts/out.md:",
        "outside",
    ),
    (
        "symlink-out-folder",
        {"content/posts/sub": Link("../../../outside")},
        "content/posts/sub:",
        "outside",
    ),
    ("symlink-folder-loop", {"content/posts/again": Link(".")}, "content/posts/again:", "loop"),
    (
        "symlink-dangling",
        {"content/posts/gone.md": Link("nowhere.md")},
        "content/posts/gone.md:",
        "link",
    ),
]

OUTSIDE_POST = "---\ntitle: SECRET OUTSIDE\ndate: 2023-01-02\n---\nSECRET OUTSIDE TEXT\n"


@pytest.mark.parametrize(
    "files, expected, word", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_error_case(tmp_path: Path, files, expected: str, word: str, record_property) -> None:
    write_site(tmp_path / "outside", {"post.md": OUTSIDE_POST})
    site = good_site(tmp_path)
    write_site(site, files)
    stderr = assert_fails_cleanly(site, expected, record_property, family="error")
    line = next(line for line in stderr.splitlines() if line.startswith(expected))
    assert word.lower() in (line + stderr).lower()
    assert "SECRET" not in stderr


def test_a_name_too_long_for_a_file_name_is_an_error_naming_it(tmp_path: Path) -> None:
    site = good_site(tmp_path)
    write_site(site, {P: _post(f"title: X\ndate: 2023-01-02\nfilm: {'a' * 300}\n")})
    result = newsreel("build", site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "its page's address has a part of 300 bytes" in result.stderr
    assert "shorten the name, or give the page a slug" in result.stderr
    # A post's own slug: one line naming the post, not a second for its social card
    write_site(site, {P: _post(f"title: X\ndate: 2023-01-02\nslug: {'d' * 300}\n")})
    result = newsreel("build", site)
    said = [line for line in result.stderr.splitlines() if "a part of 300 bytes" in line]
    assert result.returncode == 1 and len(said) == 1 and said[0].startswith(P), result.stderr


def test_a_title_of_one_long_word_draws_its_card_in_few_measures() -> None:
    """A word wider than the card's line is cut where the most of it fits, found by halving:
    trying one character less at a time measured a 1,000-character word 500,000 times."""
    from newsreel import cards

    cards.load_pillow()
    font = cards._font(700, 40)
    calls = 0
    measure = font.getlength

    def counted(text: str) -> float:
        nonlocal calls
        calls += 1
        return measure(text)

    font.getlength = counted  # type: ignore[method-assign]
    lines = cards._wrap("千と千尋の神隠し" * 125 + " W" + "W" * 5000, font, 1040)
    assert len(lines) == cards.MOST_LINES + 1 and calls < 300


def test_blank_lines_in_front_matter_before_keys_still_build(tmp_path: Path) -> None:
    """Only text after a blank line is taken for an unclosed front matter: a known key there
    (a summary that is a sentence) builds, an unknown one stays a warning."""
    site = good_site(tmp_path)
    front = "title: X\ndate: 2023-01-02\n\nsummary: A summary that is a sentence.\n\nsource: imdb\n"
    write_site(site, {P: _post(front)})
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    assert f"{P}:7: warning: unknown key 'source'" in result.stderr


def test_a_key_that_is_not_a_name_is_warned_of_at_its_line(tmp_path: Path) -> None:
    """``~:`` loads as the key None, ``3:`` as a number: each is an unknown key at its line."""
    site = good_site(tmp_path)
    write_site(site, {P: _post("title: X\ndate: 2023-01-02\n~: x\n3: y\n")})
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    assert f"{P}:4: warning: unknown key 'None'" in result.stderr, result.stderr
    assert f"{P}:5: warning: unknown key '3'" in result.stderr, result.stderr


def test_content_posts_linked_outside(tmp_path: Path, record_property) -> None:
    """content/posts itself a link to a folder outside the site: refused, nothing read."""
    write_site(tmp_path / "outside", {"post.md": OUTSIDE_POST})
    site = good_site(tmp_path)
    os.rename(site / "content" / "posts", site / "content" / "old-posts")
    os.symlink("../../outside", site / "content" / "posts")
    stderr = assert_fails_cleanly(site, "content/posts:", record_property, family="error")
    assert "outside" in stderr


def test_failed_build_lists_every_error(tmp_path: Path, record_property) -> None:
    """Errors in several files are all reported in one run, each at its own line."""
    site = good_site(tmp_path)
    write_site(
        site,
        {
            "content/posts/a.md": _post("title: X\ndate: 2023-02-30\n"),
            "content/posts/b.md": _post("title: Y\ndate: 2023-01-02\ndraft: no\n"),
        },
    )
    stderr = assert_fails_cleanly(site, "content/posts/a.md:3:", record_property, family="error")
    assert "content/posts/b.md:4:" in stderr


# --- dangerous output folders -------------------------------------------------------------

OUTPUT_CASES = [
    "site-folder",
    "parent",
    "content",
    "inside-content",
    "templates",
    "static",
    "git-repo",
    "foreign-files",
    "dotdot-into-content",
    "symlink-to-site",
]


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_dangerous_output_refused(tmp_path: Path, case: str, record_property) -> None:
    site = good_site(tmp_path, {"templates/.keep": "", "static/robots-extra.txt": "hi\n"})
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "repo" / "README.md").write_text("mine\n")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine\n")
    os.symlink(site, tmp_path / "link-to-blog")
    output = {
        "site-folder": site,
        "parent": tmp_path,
        "content": site / "content",
        "inside-content": site / "content" / "posts" / "out",
        "templates": site / "templates",
        "static": site / "static",
        "git-repo": tmp_path / "repo",
        "foreign-files": tmp_path / "foreign",
        "dotdot-into-content": site / "site" / ".." / "content",
        "symlink-to-site": tmp_path / "link-to-blog",
    }[case]
    before = tree_hashes(tmp_path)
    result = run_build(site, "--output", str(output))
    after = tree_hashes(tmp_path)
    text = result.stdout + result.stderr
    record_property("hostile_case", "output")
    record_property("right_line", int("refusing" in result.stderr))
    record_property("traceback", int("Traceback" in text))
    record_property("exit0_on_error", int(result.returncode == 0))
    record_property("site_bytes_changed", changed_bytes(before, after))
    record_property(
        "outside_files_touched",
        sum(1 for k in set(before) | set(after) if before.get(k) != after.get(k)),
    )
    assert result.returncode == 1, text
    assert "Traceback" not in text
    assert "refusing" in result.stderr
    assert after == before, "nothing may be written or deleted"


# --- content cases: YAML read the sensible way --------------------------------------------


def _built(tmp_path: Path, files: dict[str, str | bytes | Link], *args: str) -> tuple[Path, str]:
    site = write_site(tmp_path / "blog", {"newsreel.yaml": SETTINGS, **files})
    result = run_build(site, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return site / "site", result.stderr


def _page(output: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((output / rel / "index.html").read_bytes())


def _h1(output: Path, rel: str) -> str:
    return " ".join(_page(output, rel).findtext(".//h1", default="").split()) or " ".join(
        _page(output, rel).xpath("string(//h1)").split()
    )


def test_hash_in_unquoted_title_is_a_comment_and_warned(tmp_path: Path, record_property) -> None:
    """``title: Best #1 film``: YAML cuts at `` #``; the page shows "Best" and the build warns."""
    output, stderr = _built(tmp_path, {P: _post("title: Best #1 film\ndate: 2023-01-02\n")})
    record_property("hostile_case", "content")
    assert _h1(output, "posts/bad") == "Best"
    assert f"{P}:2: warning:" in stderr and "quotes" in stderr
    output, stderr = _built(
        tmp_path, {P: _post('title: "Best #1 film" # a real comment\ndate: 2023-01-02\n')}
    )
    assert _h1(output, "posts/bad") == "Best #1 film"
    assert "warning: 'title'" not in stderr


def test_yaml_1_2_scalars_stay_text(tmp_path: Path, record_property) -> None:
    """``film: No`` is the film "No"; ``title: 1:30`` is "1:30"; ``film: 1917`` and ``007`` keep their text."""
    output, _ = _built(
        tmp_path,
        {
            "content/posts/a.md": _post(
                "title: 1:30\ndate: 2023-01-02\nfilm: No\nactors: [Yes, Off, null-ish]\n"
            ),
            "content/posts/b.md": _post(
                "title: 0x1F\ndate: 2023-01-03\nfilms: [1917, 007, 1e3]\ntags: [on]\n"
            ),
        },
    )
    record_property("hostile_case", "content")
    assert _h1(output, "posts/a") == "1:30"
    assert _h1(output, "posts/b") == "0x1F"
    assert _h1(output, "films/no") == "No"
    for slug, name in (("1917", "1917"), ("007", "007"), ("1e3", "1e3")):
        assert _h1(output, f"films/{slug}") == name
    for slug, name in (("yes", "Yes"), ("off", "Off")):
        assert _h1(output, f"actors/{slug}") == name
    assert _h1(output, "tags/on") == "on"


def test_bom_and_crlf_are_fine(tmp_path: Path, record_property) -> None:
    text = '\ufeff---\r\ntitle: "Crlf: fine"\r\ndate: 2023-01-02\r\nfilm: Heat\r\n---\r\nBody line.\r\n'
    output, _ = _built(
        tmp_path,
        {
            P: text.encode("utf-8"),
            "content/posts/cr.md": b"---\rtitle: Old Mac\rdate: 2023-01-03\r---\rBody\r",
        },
    )
    record_property("hostile_case", "content")
    assert _h1(output, "posts/bad") == "Crlf: fine"
    assert _h1(output, "posts/cr") == "Old Mac"
    assert (output / "films" / "heat" / "index.html").is_file()


def test_normalisation_and_case_make_one_term(tmp_path: Path, record_property) -> None:
    """NFC and NFD "Amélie", "TOM cruise" and "Tom  Cruise": one page each, named by the first spelling."""
    output, _ = _built(
        tmp_path,
        {
            "content/posts/a.md": _post(
                "title: A\ndate: 2023-01-02\nfilm: Amélie\nactors: [Tom Cruise]\n"
            ),
            "content/posts/b.md": _post(
                f"title: B\ndate: 2023-01-03\nfilm: {NFD_AMELIE}\nactors: [TOM  cruise]\n"
            ),
        },
    )
    record_property("hostile_case", "content")
    films = sorted(p.name for p in (output / "films").iterdir() if p.is_dir())
    actors = sorted(p.name for p in (output / "actors").iterdir() if p.is_dir())
    assert films == ["amelie"] and actors == ["tom-cruise"]
    page = _page(output, "films/amelie")
    assert (
        len(page.xpath("//main//article | //main//li[.//a[contains(@href, '/posts/')]]")) >= 2
        or (output / "films/amelie/index.html").read_text("utf-8").count("/posts/") >= 2
    )


def test_cjk_and_untransliterable_names_get_stable_slugs(tmp_path: Path, record_property) -> None:
    """CJK names transliterate; names of symbols only still get a non-empty, stable, ASCII slug."""
    files = {
        "content/posts/a.md": _post(
            "title: 千と千尋の神隠し\ndate: 2023-01-02\nfilm: 千と千尋の神隠し\n"
            'actors: [周杰倫, "★", "☆"]\ntags: ["···"]\n'
        )
    }
    output, _ = _built(tmp_path, files)
    record_property("hostile_case", "content")
    first = sorted(str(p.relative_to(output)) for p in output.rglob("index.html"))
    for rel in first:
        assert rel.isascii() and "//" not in rel and "/-" not in rel and "-/" not in rel, rel
    actors = sorted(p.name for p in (output / "actors").iterdir() if p.is_dir())
    assert len(actors) == 3 and all(a and a.isascii() for a in actors)
    assert any(p.name.startswith("qian") for p in (output / "films").iterdir())
    shutil_output, _ = _built(tmp_path, files, "--no-cache")
    assert sorted(str(p.relative_to(output)) for p in output.rglob("index.html")) == first


# --- XSS: every field that reaches HTML, attributes, JSON-LD and feeds ------------------------

PAYLOADS = {
    "title": "</script><script>alert('title')</script> & \"><img src=x onerror=alert(1)>",
    "summary": "<svg onload=alert('summary')> ]]> </summary>",
    "film": "\"><img src=x onerror=alert('film')>",
    "actor": "<script>alert('actor')</script>",
    "actor2": "javascript:alert('actor2')",
    "tag": "' onmouseover='alert(1)",
    "image_alt": "\" onerror=\"alert('alt')",
    "tweet_text": "<script>alert('tweet')</script> </blockquote>",
    "tweet_author": "\"><img onerror=alert('author') src=x>",
    "site_title": "Site </script><script>alert('site')</script>",
    "description": "\"><img src=x onerror=alert('description')>",
    "author": "<b onmouseover=alert('author')>me</b>",
    "film_aka": "<script>alert('aka')</script>",
    "director": "<script>alert('director')</script>",
    "poster_alt": "\" onload=\"alert('poster')",
    "actor_page": "<img src=x onerror=alert('actorpage')>",
    "photo_alt": "x\" onerror=\"alert('photo')",
}
BODY_PAYLOADS = [
    "[a](javascript:alert(1))",
    "[b](JaVaScRiPt:alert(1))",
    "[c](jav&#x09;ascript:alert(1))",
    "[d](data:text/html,<script>alert(1)</script>)",
    "[e](vbscript:msgbox)",
    "![f](javascript:alert(1))",
    "<script>alert('raw')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">g</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "[h](  javascript:alert(1))",
    "<javascript:alert(1)>",
    "[i]: javascript:alert(1)\n\n[i]",
]


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _xss_site(root: Path) -> Path:
    body = "\n\n".join(BODY_PAYLOADS) + "\n"
    post = _post(
        f"title: {_yaml(PAYLOADS['title'])}\ndate: 2023-01-02\nsummary: {_yaml(PAYLOADS['summary'])}\n"
        f"film: {_yaml(PAYLOADS['film'])}\nactors: [{_yaml(PAYLOADS['actor'])}, {_yaml(PAYLOADS['actor2'])}]\n"
        f'tags: [{_yaml(PAYLOADS["tag"])}]\nimage: "/img/a.jpg?x=\\"><script>"\n'
        f"image_alt: {_yaml(PAYLOADS['image_alt'])}\n"
        f"tweet:\n  url: https://twitter.com/evil/status/123\n  text: {_yaml(PAYLOADS['tweet_text'])}\n"
        f"  author: {_yaml(PAYLOADS['tweet_author'])}\n  handle: evil\n  date: 2023-01-01\n",
        body,
    )
    return write_site(
        root,
        {
            "newsreel.yaml": f"title: {_yaml(PAYLOADS['site_title'])}\ndescription: {_yaml(PAYLOADS['description'])}\n"
            f"author: {_yaml(PAYLOADS['author'])}\nbase_url: https://example.org/news/\n",
            "content/posts/p.md": post,
            "content/films/f.md": _post(
                f"title: {_yaml(PAYLOADS['film'])}\naka: [{_yaml(PAYLOADS['film_aka'])}]\n"
                f"director: {_yaml(PAYLOADS['director'])}\nposter: /img/p.jpg\n"
                f"poster_alt: {_yaml(PAYLOADS['poster_alt'])}\n",
                body,
            ),
            "content/actors/a.md": _post(
                f"name: {_yaml(PAYLOADS['actor_page'])}\nphoto: /img/p.jpg\n"
                f"photo_alt: {_yaml(PAYLOADS['photo_alt'])}\n",
                body,
            ),
            # The pictures named above exist (a missing one stops the build): their alt texts are the payloads.
            "static/img/p.jpg": _jpeg(),
            "static/img/a.jpg": _jpeg(),
        },
    )


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 600), (90, 20, 20)).save(out, "JPEG")
    return out.getvalue()


UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRS = (
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "srcset",
    "background",
)


SEARCH_FORM = {"class": "site-search__form", "role": "search", "method": "get"}
"""The header's search box, newsreel's own markup (no payload reaches its attributes)."""
SITE_PATH = r"/(?:[a-z0-9-]+/)*"
"""A site path under the base path ("/", "/news/")."""


def _own_search_form(el: lxml.html.HtmlElement) -> bool:
    attrs = dict(el.attrib)
    action = attrs.pop("action", "")
    return attrs == SEARCH_FORM and re.fullmatch(SITE_PATH + "search/", action) is not None


def _own_search_script(el: lxml.html.HtmlElement, where: str) -> bool:
    """The search page's two scripts: Pagefind's interface from the site's own pagefind/ folder
    and the theme's js/search.*.js, with no other attribute."""
    src = el.get("src") or ""
    return (
        where.endswith("/search/index.html")
        and set(el.attrib) == {"src"}
        and not (el.text or "").strip()
        and re.fullmatch(SITE_PATH + r"(?:pagefind/pagefind-ui\.js|js/search\.[0-9a-f]+\.js)", src)
        is not None
    )


def _element_violations(where: str, doc: lxml.html.HtmlElement) -> list[str]:
    """What in one parsed document would run a payload: scripts, handlers, unsafe URLs, bad JSON-LD."""
    found = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if (tag == "form" and _own_search_form(el)) or (
            tag == "script" and _own_search_script(el, where)
        ):
            continue
        if tag == "script":
            if el.get("type") != "application/ld+json" or el.get("src"):
                found.append(f"{where}: <script {dict(el.attrib)}>")
            else:
                try:
                    json.loads(el.text or "")
                except ValueError:
                    found.append(f"{where}: JSON-LD does not parse")
                if "</" in (el.text or ""):
                    found.append(f"{where}: '</' inside JSON-LD")
        if tag in ("iframe", "object", "embed", "base", "form"):
            found.append(f"{where}: <{tag}>")
        if (
            tag == "meta"
            and el.get("http-equiv", "").lower() == "refresh"
            and any(s in el.get("content", "").lower() for s in UNSAFE_SCHEMES)
        ):
            found.append(f"{where}: meta refresh to an unsafe URL")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{where}: {tag} {name}={value!r}")
            if name.lower() in URL_ATTRS:
                squeezed = "".join(ch for ch in value if ch > " ").lower()
                if squeezed.startswith(UNSAFE_SCHEMES):
                    found.append(f"{where}: {tag} {name}={value!r}")
    return found


def _violations(output: Path) -> list[str]:
    """Every HTML page of the output and the HTML inside every feed entry, checked."""
    found = []
    for page in sorted(output.rglob("*.html")):
        found += _element_violations(str(page), lxml.html.fromstring(page.read_bytes()))
    for feed in sorted(output.rglob("*.xml")):
        parsed = feedparser.parse(feed.read_bytes())
        for entry in parsed.entries:
            if entry.get("link", "").lower().startswith(UNSAFE_SCHEMES):
                found.append(f"{feed}: entry link {entry.link!r}")
            for part in entry.get("content", []) + [entry.get("summary_detail", {})]:
                if part.get("value") and "html" in part.get("type", ""):  # text is shown as text
                    doc = lxml.html.fragment_fromstring(part["value"], create_parent="div")
                    found += _element_violations(f"{feed} entry", doc)
    return found


def test_xss_payloads_never_execute(tmp_path: Path, record_property) -> None:
    site = _xss_site(tmp_path / "blog")
    result = run_build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    output = site / "site"
    violations = _violations(output)
    record_property("xss_payloads", len(PAYLOADS) + len(BODY_PAYLOADS))
    record_property("xss_executed", len(violations))
    assert violations == []

    # the text round-trips: shown as written in the page, in JSON-LD and in the feeds
    post = _page(output, "posts/p")
    assert " ".join(post.xpath("string(//h1)").split()) == " ".join(PAYLOADS["title"].split())
    assert PAYLOADS["title"] in post.findtext(".//title")
    ld = [json.loads(s.text) for s in post.iter("script")]
    assert any(item.get("headline") == PAYLOADS["title"] for item in ld)
    assert any(item.get("description") == PAYLOADS["summary"] for item in ld)
    text = post.text_content()
    for key in ("film", "actor", "actor2", "tag", "tweet_author"):
        assert " ".join(PAYLOADS[key].split()) in " ".join(text.split()), key
    alts = [img.get("alt") for img in post.iter("img")]
    assert PAYLOADS["image_alt"] in alts
    film = _page(output, "films/img-src-x-onerror-alert-film")
    assert " ".join(film.xpath("string(//h1)").split()) == PAYLOADS["film"]
    film_ld = [json.loads(s.text) for s in film.iter("script")]
    assert any(item.get("name") == PAYLOADS["film"] for item in film_ld)
    assert PAYLOADS["director"] in film.text_content()

    feeds = sorted(output.rglob("feed.xml"))
    assert len(feeds) >= 3
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.bozo_exception)
        assert all(entry.title == PAYLOADS["title"] for entry in parsed.entries)
        if feed == output / "feed.xml":
            assert len(parsed.entries) == 1
        assert PAYLOADS["site_title"] in parsed.feed.title


def test_raw_html_opt_in_still_refuses_unsafe_links(tmp_path: Path, record_property) -> None:
    """Markdown links with unsafe schemes never reach an href, even with markdown.html on."""
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": SETTINGS + "markdown:\n  html: true\n",
            P: _post(
                "title: X\ndate: 2023-01-02\n",
                "\n\n".join(BODY_PAYLOADS[:6] + BODY_PAYLOADS[10:]) + "\n",
            ),
        },
    )
    result = run_build(site)
    assert result.returncode == 0, result.stderr
    page = (site / "site" / "posts" / "bad" / "index.html").read_bytes()
    doc = lxml.html.fromstring(page)
    hrefs = [el.get("href", "") + el.get("src", "") for el in doc.iter() if isinstance(el.tag, str)]
    record_property("xss_payloads", 8)
    bad = [h for h in hrefs if "".join(c for c in h if c > " ").lower().startswith(UNSAFE_SCHEMES)]
    record_property("xss_executed", len(bad))
    assert bad == []


def test_violation_checker_catches_payloads(tmp_path: Path) -> None:
    """The checker above is not blind: a page with each kind of payload is caught."""
    (tmp_path / "x.html").write_text(
        "<!DOCTYPE html><html><body><script>alert(1)</script><img src=x onerror=alert(1)>"
        "<a href=' java\tscript:alert(1)'>x</a><script type='application/ld+json'>{\"a\": \"</script>\"}</script>"
        "</body></html>"
    )
    assert len(_violations(tmp_path)) >= 4


# --- regressions from fuzzing (fuzz/run.py) -------------------------------------------------

REGRESSIONS = sorted((REPO / "fuzz" / "regressions").glob("*.bin"))


@pytest.mark.parametrize("sample", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_fuzz_regression(sample: Path) -> None:
    """Every input a fuzzer once crashed on now passes its target's checks."""
    sys.path.insert(0, str(REPO))
    from fuzz.targets import check_front_matter, check_markdown

    (check_front_matter if sample.name.startswith("frontmatter") else check_markdown)(
        sample.read_bytes()
    )


def test_fuzz_seeds_pass() -> None:
    sys.path.insert(0, str(REPO))
    from fuzz.targets import MARKDOWN_SEEDS, SEEDS, check_front_matter, check_markdown

    for seed in SEEDS:
        check_front_matter(seed)
    for seed in MARKDOWN_SEEDS:
        check_markdown(seed)


def test_static_symlink_out_of_the_site_is_refused(tmp_path: Path, record_property) -> None:
    write_site(tmp_path / "outside", {"secret.txt": "SECRET OUTSIDE TEXT\n"})
    site = good_site(tmp_path)
    write_site(site, {"static/leak.txt": Link("../../outside/secret.txt")})
    stderr = assert_fails_cleanly(site, "static/leak.txt:", record_property, family="error")
    assert "SECRET" not in stderr


def test_permalink_escaping_the_output_writes_nothing_outside(
    tmp_path: Path, record_property
) -> None:
    site = good_site(tmp_path)
    (site / "newsreel.yaml").write_text(SETTINGS + "permalink: /../{slug}/\n")
    assert_fails_cleanly(
        site, ("newsreel.yaml:", "error: refusing"), record_property, family="output"
    )
    assert not (site / "good").exists()


@pytest.mark.parametrize(
    "permalink",
    [
        "/../{slug}/",
        "/posts/{slug}",
        "/posts//{slug}/",
        "posts/{slug}/",
        "/posts/{slug}/./",
        "//evil.example/{slug}/",
        "/p/{slug}/?x=1",
        "/p q/{slug}/",
    ],
)
def test_permalink_that_is_no_folder_inside_is_a_settings_error(
    tmp_path: Path, record_property, permalink: str
) -> None:
    """Outside the output, or a file (``/posts/{slug}``: the page where its folder would be)."""
    site = good_site(tmp_path)
    (site / "newsreel.yaml").write_text(SETTINGS + f"permalink: {permalink}\n")
    assert_fails_cleanly(site, "newsreel.yaml:3:", record_property, family="error")


@pytest.mark.parametrize("version", [2, 3])
def test_poisoned_manifest_deletes_nothing_outside(
    tmp_path: Path, record_property, version: int
) -> None:
    """A manifest that names files outside the output (``../content/...``) is not trusted, in
    the format newsreel writes (3) or the one it still reads (2)."""
    site = good_site(tmp_path)
    manifest = Manifest.read(site / "site")
    assert manifest is not None
    for name in ("../content/posts/2023-01-02-good.md", "../newsreel.yaml"):
        manifest.files[name] = ("0" * 32, "x", ())
    data = manifest.dump()
    manifest_path(site / "site").write_bytes(data if version == 3 else manifest_of_format_2(data))
    assert_fails_cleanly(site, "error: refusing", record_property, family="output")
    assert (site / "content" / "posts" / "2023-01-02-good.md").read_text("utf-8") == GOOD_POST


# --- round two: every command, every odd input, one line and never a traceback -------------


def run_cli(
    *args: str, cwd: Path | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``newsreel ARGS`` as a real process (as ``user`` when given: we run as root)."""
    return newsreel(*args, cwd=cwd, user=user, env=WIDE)


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, start: str) -> str:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    assert result.returncode == status, text
    assert any(line.startswith(start) for line in result.stderr.splitlines()), (
        f"no line starting {start!r}:\n{text}"
    )
    return result.stderr


def test_settings_that_are_a_folder_are_an_error(tmp_path: Path, record_property) -> None:
    site = good_site(tmp_path)
    (site / "newsreel.yaml").unlink()
    (site / "newsreel.yaml").mkdir()
    stderr = assert_fails_cleanly(site, "newsreel.yaml:", record_property, family="error")
    assert "not a regular file" in stderr


def test_bad_base_url_option_is_wrong_usage(tmp_path: Path, record_property) -> None:
    site = good_site(tmp_path)
    for url in (
        "https://[::1/",
        "https://example.org:99999/",
        "https://exa mple.org/",
        "javascript:alert(1)//",
        "https://example.org/\x1b[31m/",
    ):
        result = run_build(site, "--base-url", url)
        record_property("hostile_case", "option")
        assert_one_line(result, 2, "Error: Invalid value for '--base-url'")
        assert "\x1b" not in result.stderr


def test_new_post_with_huge_titles_gets_a_short_file_name(tmp_path: Path, record_property) -> None:
    site = good_site(tmp_path)
    for title in (" ".join(f"word{i}" for i in range(150)), "\U0001f3ac" * 100, "é" * 400):
        result = run_cli("new", "post", title, "--dir", str(site))
        record_property("hostile_case", "command")
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    names = [p.name for p in (site / "content" / "posts").iterdir()]
    assert all(len(name) <= 84 for name in names), names
    assert run_build(site, "--drafts").returncode == 0


def test_init_with_a_folder_name_too_long(tmp_path: Path, record_property) -> None:
    record_property("hostile_case", "command")
    stderr = assert_one_line(run_cli("init", str(tmp_path / ("a" * 300))), 1, "error: ")
    assert "the limit is 255" in stderr
    assert list(tmp_path.iterdir()) == []


def test_control_characters_in_a_file_name_stay_on_one_line(
    tmp_path: Path, record_property
) -> None:
    site = good_site(tmp_path)
    write_site(
        site, {"content/posts/bad\n::error::forged.md": _post("title: X\ndate: 2023-02-30\n")}
    )
    stderr = assert_fails_cleanly(
        site, "content/posts/bad\\n::error::forged.md:3:", record_property, family="error"
    )
    assert not any(line.startswith("::error::") for line in stderr.splitlines())


def test_control_characters_in_the_body_are_dropped_with_a_warning(
    tmp_path: Path, record_property
) -> None:
    body = "First line.\n\nBell \x07 and escape \x1b[31m and \ufffe here.\n\nMore.\n"
    output, stderr = _built(tmp_path, {P: _post("title: X\ndate: 2023-01-02\nfilm: Heat\n", body)})
    record_property("hostile_case", "content")
    assert f"{P}:8: warning: the text contains the control character U+0007 and 2 more" in stderr
    page = (output / "posts" / "bad" / "index.html").read_text("utf-8")
    assert "Bell  and escape [31m and  here." in page
    for feed in output.rglob("*.xml"):
        lxml.etree.fromstring(feed.read_bytes())  # strict: raises on any character XML forbids


def test_a_list_of_10000_names_is_not_called_an_alias_bomb() -> None:
    from newsreel.frontmatter import load_yaml

    data, _ = load_yaml("tags: [" + ", ".join(f"t{i}" for i in range(20000)) + "]\n", "x.md")
    assert len(data["tags"]) == 20000
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    )
    with pytest.raises(Exception, match=r"the limit is 10,000"):
        load_yaml(bomb, "x.md")


@pytest.mark.parametrize("opener", ["[", "- ", "{a: "])
def test_front_matter_walked_or_not_is_refused_alike_at_the_depth_limit(
    opener: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A front matter the text shows to be shallow, without anchors or escapes, is not walked
    for its depth, alias expansion or escaped characters (``_plainly_small``); around the
    nesting limit every document is still read or refused as the walk would."""
    import newsreel.frontmatter as fm

    def outcome(text: str) -> tuple[str, object]:
        try:
            return "read", fm.load_yaml(text, "x.md")[0]
        except fm.YamlError as exc:
            return "refused", exc.problem.message

    closer = {"[": "]", "- ": "", "{a: ": "}"}[opener]
    texts = [
        ("k:\n  " + opener * depth + "x\n")
        if opener == "- "  # a block sequence on its own line
        else ("k: " + opener * depth + "x" + closer * depth + "\n")
        for depth in range(fm.MAX_DEPTH - 3, fm.MAX_DEPTH + 4)
    ]
    skipping = [outcome(text) for text in texts]
    monkeypatch.setattr(fm, "_plainly_small", lambda text: False)
    assert skipping == [outcome(text) for text in texts]
    assert {kind for kind, _ in skipping} == {"read", "refused"}
    monkeypatch.undo()
    with pytest.raises(fm.YamlError, match="contains"):
        fm.load_yaml('title: "a\\u0001b"\n', "x.md")


def _world_site(root: Path) -> Path:
    """A site another user may read: pytest's tmp_path is private to root."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="newsreel-nobody-", dir="/tmp"))
    site = write_site(folder / "blog", {**GOOD, "static/css/extra.css": "body { color: red; }\n"})
    build_site(site, BuildOptions())
    for current, dirs, files in os.walk(folder):
        for name in dirs + files + ["."]:
            os.chmod(os.path.join(current, name), 0o777 if name in dirs or name == "." else 0o666)
    return site


needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(),
    reason="needs root and setpriv to drop to another user",
)


@needs_root
@pytest.mark.parametrize(
    "unreadable, status, start",
    [
        ("newsreel.yaml", 1, "newsreel.yaml: cannot be read"),
        ("static/css/extra.css", 1, "static/css/extra.css: cannot be read"),
        ("content/posts", 1, "content/posts: cannot read the folder"),
        ("content/posts/2023-01-02-good.md", 1, "content/posts/2023-01-02-good.md:"),
        (f"{CACHE}/{STORE_FILE}", 0, ""),  # only a cache: the build goes on without it
        (".newsreel-cache", 1, ""),  # the lock and the token live there: one line naming it
    ],
)
def test_unreadable_files_as_another_user(
    tmp_path: Path, unreadable: str, status: int, start: str, record_property
) -> None:
    site = _world_site(tmp_path)
    try:
        with open(site / "content" / "posts" / "2023-01-02-good.md", "a") as handle:
            handle.write("An edit, so the cache is read.\n")
        os.chmod(site / unreadable, 0)
        result = run_cli("build", str(site), user="nobody")
        record_property("hostile_case", "permissions")
        if status == 0:
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        else:
            stderr = assert_one_line(result, status, start)
            assert unreadable in stderr and len(stderr.strip().splitlines()) <= 2, stderr
    finally:
        import shutil

        os.chmod(site / unreadable, 0o777)
        shutil.rmtree(site.parent, ignore_errors=True)


def test_an_unexpected_error_is_one_line_and_a_traceback_only_with_v(tmp_path: Path) -> None:
    """The catch-all at the top of the CLI (driven by a bug planted in a copy of the process)."""
    site = good_site(tmp_path)
    plant = (
        "import sys, newsreel.build as b\n"
        "def boom(*a, **k): raise KeyError('planted')\n"
        "b.build_site = boom\n"
        "from newsreel.cli import main\nmain(sys.argv[1:])\n"
    )
    quiet = run_python("-c", plant, "build", site)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.startswith(
        "newsreel: internal error: KeyError: 'planted' (please report it"
    )
    verbose = run_python("-c", plant, "-v", "build", site)
    assert (
        verbose.returncode == 1
        and "Traceback" in verbose.stderr
        and "internal error" in verbose.stderr
    )


def test_template_output_is_escaped_as_markupsafe_escapes_it() -> None:
    """Templates escape their output with ``render.OUTPUT_ESCAPE``, markupsafe's ``escape``
    without its copies: the same text for every kind of value."""
    import jinja2
    from markupsafe import Markup, escape

    from newsreel.render import OUTPUT_ESCAPE

    class Html:
        def __html__(self) -> str:
            return "<i>safe</i>"

    values = ['<a href="x">&\'</a>', "", "plain", Markup("<b>kept</b>"), 42, 1.5, None, Html()]
    for value in values:
        assert OUTPUT_ESCAPE(value) == escape(value)
        assert type(OUTPUT_ESCAPE(value)) is Markup
    with pytest.raises(jinja2.UndefinedError):
        OUTPUT_ESCAPE(jinja2.StrictUndefined(name="missing"))


def test_heading_ids_never_take_the_pages_or_the_footnotes_ids() -> None:
    """ "## Main" beside the page's <main id="main">, "## fn1" beside footnote 1: the Nu
    checker found each id twice."""
    from newsreel.markdown import make_markdown, render_body

    text = "## Main\n\n## fn1\n\n## Site search words\n\nText[^1].\n\n[^1]: A note.\n"
    body, problems = render_body(make_markdown(False, "/"), text, path=P, body_line=5)
    ids = re.findall(r'id="([^"]*)"', body.html)
    assert problems == [] and len(ids) == len(set(ids))
    assert {"main-1", "fn1-1", "site-search-words-1", "fn1", "fnref1"} <= set(ids)
