"""The search index as files: made by ``build`` with the pages, newsreel's own in the output,
the same bytes for the same input, made again only when a page changed, off with
``search: false``, and kept up to date by ``serve`` without holding the preview back."""

from __future__ import annotations

import gzip
import json
import os
import stat
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sitekit import newsreel, post, start_server, tree_hashes, write_atomic, write_site

from newsreel.writer import Manifest

SITE = {
    "newsreel.yaml": "title: Search test\nbase_url: https://example.org/movie-news/\n",
    "content/films/harbour.md": "---\ntitle: Harbour Lights\nrelease_year: 2025\n---\nA lighthouse keeper.\n",
    "content/actors/zoe.md": "---\nname: Zoë Marsh\n---\nAn actor from the coast.\n",
    "content/posts/a.md": post(
        '"Harbour Lights gets a date"',
        "2023-01-10",
        "The lamp is lit.",
        film="Harbour Lights",
        actors="[Zoë Marsh]",
        tags="[dates]",
        release_date="2025-03-01",
    ),
    "content/posts/b.md": post(
        '"Casting news"',
        "2023-02-10",
        "Ada joins.",
        film="Harbour Lights",
        image="/img/still.svg",
        image_alt="A still",
    ),
    "static/img/still.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='2' height='2'/>",
}


def fragments(output: Path) -> str:
    """All the text Pagefind stored for its results."""
    texts = []
    for path in sorted((output / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def broken_pagefind(folder: Path) -> Path:
    """A stand-in for Pagefind's binary that fails: any build that calls it fails."""
    script = folder / "pagefind-broken"
    script.write_text(
        "#!/bin/sh\necho 'indexing refused by the test' >&2\nexit 3\n", encoding="utf-8"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_build_writes_the_index_with_the_pages(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", SITE)
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    output = site / "site"
    assert (output / "pagefind" / "pagefind-ui.js").is_file() and (
        output / "pagefind" / "pagefind-entry.json"
    ).is_file()
    manifest = Manifest.read(output)
    assert manifest is not None
    on_disk = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    assert on_disk == set(manifest.files)  # every index file is listed as newsreel's own
    text = fragments(output)
    assert (
        "The lamp is lit." in text
        and "A lighthouse keeper." in text
        and "An actor from the coast." in text
    )
    assert "Posts about" not in text  # a film page's list of posts is not indexed twice
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 4  # two posts, the film, the actor
    post_page = lxml_html.fromstring((output / "posts/b/index.html").read_bytes())
    assert post_page.xpath("//*[@data-pagefind-meta='image[data-value]']/@data-value") == [
        "/movie-news/img/still.svg"
    ]
    assert post_page.xpath("//*[@data-pagefind-filter='film[data-value]']/@data-value") == [
        "Harbour Lights"
    ]
    assert post_page.xpath("//form[@role='search']/@action") == ["/movie-news/search/"]
    assert (output / "search/index.html").is_file()


def test_the_index_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", SITE)
    outputs = []
    for name in ("one", "two", "three"):
        result = newsreel("build", site, "--no-cache", "--output", tmp_path / name)
        assert result.returncode == 0, result.stderr
        outputs.append(tree_hashes(tmp_path / name))
    assert outputs[0] == outputs[1] == outputs[2]
    assert any(name.startswith("pagefind/filter/") for name in outputs[0])


def test_unchanged_pages_are_not_indexed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "blog", SITE)
    assert newsreel("build", site).returncode == 0
    before = tree_hashes(site / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken_pagefind(tmp_path)))
    # a warm build with nothing changed, and one where only a picture changed: no indexing
    assert newsreel("build", site).returncode == 0
    write_site(
        site,
        {"static/img/still.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='3' height='3'/>"},
    )
    result = newsreel("build", site)
    assert result.returncode == 0, result.stderr
    # a page's text changed: the index must be made again, and here it cannot be
    write_site(
        site,
        {
            "content/posts/a.md": SITE["content/posts/a.md"].replace(
                "The lamp is lit.", "The lamp is out."
            )
        },
    )
    before = tree_hashes(site / "site")
    result = newsreel("build", site)
    assert (
        result.returncode == 1
        and "Pagefind could not index the site: indexing refused by the test" in result.stderr
    )
    assert "Traceback" not in result.stderr and "search: false" in result.stderr
    assert tree_hashes(site / "site") == before
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    assert newsreel("build", site).returncode == 0
    assert "The lamp is out." in fragments(site / "site")


def test_search_false_turns_it_all_off(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", SITE)
    assert newsreel("build", site).returncode == 0
    write_site(site, {"newsreel.yaml": SITE["newsreel.yaml"] + "search: false\n"})
    assert newsreel("build", site).returncode == 0
    output = site / "site"
    assert not (output / "pagefind").exists() and not (output / "search").exists()
    home = (output / "index.html").read_text("utf-8")
    assert "data-pagefind" not in home and "site-search" not in home and "search-box" not in home
    assert "data-pagefind" not in (output / "posts/a/index.html").read_text("utf-8")


def test_the_index_folder_is_reserved(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", {**SITE, "static/pagefind/notes.txt": "mine"})
    result = newsreel("build", site)
    assert (
        result.returncode == 1
        and "static/pagefind/notes.txt: static/pagefind/ is where the search index goes"
        in result.stderr
    )


def test_serve_indexes_after_a_rebuild_without_holding_it_back(tmp_path: Path) -> None:
    site = write_site(tmp_path / "blog", SITE)
    served = start_server(site, tmp_path / "tmp")
    try:
        said: list[str] = []

        def wait_for(text: str, timeout: float = 60) -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    line = served.lines.get(timeout=0.2)
                except Exception:  # noqa: BLE001 - queue.Empty
                    continue
                said.append(line)
                if text in line:
                    return
            pytest.fail(f"serve never said {text!r}:\n" + "".join(said))

        wait_for("search index updated")
        output = served.output()
        assert "The lamp is lit." in fragments(output)
        assert served.request("/movie-news/pagefind/pagefind-ui.js").status == 200
        write_atomic(
            site / "content/posts/a.md",
            SITE["content/posts/a.md"].replace("The lamp is lit.", "Fog over the breakwater."),
        )
        wait_for("rebuilt in")
        wait_for("search index updated")
        rebuilt = next(i for i, line in enumerate(said) if "rebuilt in" in line)
        indexed = max(i for i, line in enumerate(said) if "search index updated" in line)
        assert rebuilt < indexed  # the pages were served first, then the index followed
        assert "Fog over the breakwater." in fragments(output)
        assert "The lamp is lit." not in fragments(output)
        manifest = Manifest.read(output)
        assert manifest is not None
        listed = {rel for rel in manifest.files if rel.startswith("pagefind/")}
        assert listed == {
            p.relative_to(output).as_posix()
            for p in (output / "pagefind").rglob("*")
            if p.is_file()
        }
    finally:
        served.stop()
    assert not os.path.exists(output)


def test_only_pages_that_mark_their_body_are_handed_to_pagefind(tmp_path: Path) -> None:
    """Pagefind drops the pages without ``data-pagefind-body`` when any page has one, so those
    are not handed over (in any letter case); a site whose templates mark none hands over
    every page, all of which Pagefind indexes."""
    from newsreel.search import indexed

    def page(name: str, html: str) -> tuple[str, Path]:
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        return (f"{name}/index.html", path)

    marked = page("post", "<html><body><main data-pagefind-body>Lamp</main></body></html>")
    upper = page("film", "<html><body><main DATA-PAGEFIND-BODY>Harbour</main></body></html>")
    plain = page("tag", "<html><body><main>Lists</main></body></html>")
    assert indexed([marked, plain, upper]) == [marked, upper]
    assert indexed([plain]) == [plain]
    assert indexed([]) == []


def test_the_index_of_the_marked_pages_is_the_index_of_all(tmp_path: Path) -> None:
    """Handing Pagefind only the pages that mark their body gives the bytes it writes when it
    reads every page and drops the rest itself."""
    from newsreel.search import indexed, run_pagefind

    site = write_site(tmp_path / "blog", SITE)
    assert newsreel("build", site).returncode == 0
    output = site / "site"
    pages = [
        (p.relative_to(output).as_posix(), p)
        for p in sorted(output.rglob("*.html"))
        if "pagefind" not in p.parts
    ]
    fewer = indexed(pages)
    assert 0 < len(fewer) < len(pages)
    assert run_pagefind(fewer, tmp_path / "a", "en") == run_pagefind(pages, tmp_path / "b", "en")
