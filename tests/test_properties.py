"""Properties over generated site folders (Hypothesis, bounded to keep the suite quick).

For any site: two builds give identical output; every page has its own URL (no two posts,
films or actors silently written to one); an incremental build after random edits equals a
cold build; every internal link and image resolves to a file of the output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sitekit import broken_links, tree_hashes, write_site

from newsreel.build import BuildOptions, build_site
from newsreel.errors import BuildFailed
from newsreel.slugs import term_key

NOW = datetime(2024, 6, 1, tzinfo=UTC)
FIXED_NAMES = [
    "Amélie",
    "Zoë Kravitz",
    "Face/Off",
    "WALL·E",
    "(500) Days of Summer",
    "No",
    "1917",
    "007",
    "Mission: Impossible – Dead Reckoning Part One",
    "千と千尋の神隠し",
    "★",
    "Tár",
    "TÁR",
]
TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\u2028\u2029\x85"
    ),
    min_size=1,
    max_size=24,
).filter(lambda s: s.strip())
NAMES = st.one_of(st.sampled_from(FIXED_NAMES), TEXT)
PROFILE = settings(
    max_examples=int(os.environ.get("NEWSREEL_EXAMPLES", "18")),
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def posts(draw: st.DrawFn) -> dict:
    return {
        "title": draw(
            st.one_of(
                TEXT, st.sampled_from(["Best #1 film", "Mission: Impossible", "<b>x</b> & y"])
            )
        ),
        "date": draw(
            st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2024, 5, 1).date())
        ).isoformat()
        + draw(st.sampled_from(["", "T10:30", "T23:59:59+02:00"])),
        "films": draw(st.lists(NAMES, max_size=2)),
        "actors": draw(st.lists(NAMES, max_size=3)),
        "tags": draw(
            st.lists(st.sampled_from(["news", "Casting", "box office", "trailer"]), max_size=2)
        ),
        "draft": draw(st.booleans()) and draw(st.booleans()),
        "body": draw(
            st.sampled_from(
                [
                    "Plain text.",
                    "A [film link](/films/) and [home](/).",
                    "## A heading\n\nText *here*.",
                    "See [the feed](/feed.xml).",
                ]
            )
        ),
    }


SITES = st.fixed_dictionaries(
    {
        "base_url": st.sampled_from(["https://example.org/", "https://example.org/movie-news/"]),
        "permalink": st.sampled_from(["/posts/{slug}/", "/{year}/{month}/{slug}/"]),
        "per_page": st.integers(1, 3),
        "posts": st.lists(posts(), min_size=1, max_size=6),
    }
)


def _post_file(post: dict) -> str:
    lines = [
        "---",
        f"title: {json.dumps(post['title'], ensure_ascii=False)}",
        f"date: {post['date']}",
    ]
    if post["films"]:
        lines.append(f"films: {json.dumps(post['films'], ensure_ascii=False)}")
    if post["actors"]:
        lines.append(f"actors: {json.dumps(post['actors'], ensure_ascii=False)}")
    if post["tags"]:
        lines.append(f"tags: {json.dumps(post['tags'])}")
    if post["draft"]:
        lines.append("draft: true")
    return "\n".join(lines + ["---", post["body"], ""])


def _files(site: dict) -> dict[str, str]:
    files = {
        "newsreel.yaml": f'title: Props\nbase_url: {site["base_url"]}\npermalink: "{site["permalink"]}"\n'
        f"per_page: {site['per_page']}\n"
    }
    for index, post in enumerate(site["posts"]):
        files[f"content/posts/post-{index}.md"] = _post_file(post)
    return files


def _build(
    folder: Path, output: Path, cache: bool = True
) -> tuple[dict[str, str] | None, tuple[str, ...]]:
    """Build; return the output tree, or None and the problems when the build failed."""
    try:
        build_site(folder, BuildOptions(output=output, use_cache=cache, now=NOW))
    except BuildFailed as failed:
        return None, tuple(str(p) for p in failed.problems)
    return tree_hashes(output), ()


def _no_manifest(snapshot: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in snapshot.items() if not k.endswith(".newsreel-manifest.json")}


def _collision_only(problems: tuple[str, ...]) -> bool:
    """A failed build of generated names may only be a URL collision between two spellings."""
    return bool(problems) and all(
        "would both be written" in p or "written twice" in p or "also named" in p
        for p in problems
        if ": warning: " not in p
    )


@PROFILE
@given(SITES)
def test_builds_are_deterministic_unique_and_linked(site: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_site(Path(tmp) / "blog", _files(site))
        first, problems = _build(root, Path(tmp) / "one", cache=False)
        second, again = _build(root, Path(tmp) / "two", cache=False)
        assert first == second and problems == again
        if first is None:
            assert _collision_only(problems), problems
            return
        output = Path(tmp) / "one"
        base_path = urlsplit(site["base_url"]).path
        # every post has its own page; every distinct film/actor name its own page
        kept = [p for p in site["posts"] if not p["draft"]]
        sitemap = lxml.etree.fromstring((output / "sitemap.xml").read_bytes())
        urls = [loc.text for loc in sitemap.iter("{*}loc")]
        assert len(urls) == len(set(urls))
        post_pages = [
            u
            for u in urls
            if "/films/" not in u
            and "/actors/" not in u
            and "/tags/" not in u
            and u.rstrip("/") != site["base_url"].rstrip("/")
            and "/page/" not in u
            and not u.endswith(("/releases/", "/search/"))
        ]
        assert len(post_pages) == len(kept)
        for kind in ("films", "actors"):
            names = {term_key(n) for p in kept for n in p[kind]}
            folder = output / kind
            pages = (
                [d for d in folder.iterdir() if (d / "index.html").is_file()]
                if folder.is_dir()
                else []
            )
            assert len(pages) == len(names), (kind, names, pages)
        assert broken_links(output, base_path, origin="https://example.org") == []


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["retitle", "delete", "add", "refilm", "draft", "rebody", "rebody"]),
        st.integers(0, 10),
        posts(),
    ),
    min_size=1,
    max_size=4,
)


@PROFILE
@given(SITES, EDITS)
def test_incremental_build_equals_cold_build(site: dict, edits: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_site(Path(tmp) / "blog", _files(site))
        _build(root, root / "site")  # the cached build that the edits follow
        for action, index, post in edits:
            names = sorted(p.name for p in (root / "content" / "posts").iterdir())
            target = root / "content" / "posts" / names[index % len(names)] if names else None
            if action == "add" or target is None:
                write_site(root, {f"content/posts/new-{index}-{len(names)}.md": _post_file(post)})
            elif action == "delete":
                target.unlink()
            else:
                text = target.read_text("utf-8")
                head, _, rest = text.partition("\n---\n")
                lines = head.split("\n")
                if action == "rebody":  # the one edit a build patches in (see snapshot.py)
                    rest = post["body"] + "\n" + rest
                elif action == "retitle":
                    lines[1] = f"title: {json.dumps(post['title'], ensure_ascii=False)}"
                elif action == "refilm":
                    lines = [line for line in lines if not line.startswith("films:")]
                    lines.append(
                        f"films: {json.dumps(post['films'] or ['Heat'], ensure_ascii=False)}"
                    )
                else:
                    lines = [line for line in lines if not line.startswith("draft:")] + [
                        "draft: true"
                    ]
                target.write_text("\n".join(lines) + "\n---\n" + rest, "utf-8")
                stamp = os.stat(target)
                os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
            _build(
                root, root / "site"
            )  # a build after each edit, so that text edits are patched in
        incremental, problems = _build(root, root / "site")
        cold, cold_problems = _build(root, Path(tmp) / "cold", cache=False)
        assert problems == cold_problems
        if cold is None:
            assert _collision_only(cold_problems), cold_problems
            return
        assert incremental is not None
        assert _no_manifest(incremental) == _no_manifest(cold)
        shutil.rmtree(Path(tmp) / "cold")


# --- every XML file well-formed, whatever the text ----------------------------------------

ANY_TEXT = st.text(
    st.characters(), min_size=1, max_size=30
)  # every code point: C0, C1, U+FFFE, surrogates
"""Written into YAML as JSON-style escapes, so even lone surrogates and NUL reach the loader."""


def _escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


@PROFILE
@example(
    title="a\x01b",
    film="x\x1by",
    actor="\ud800",
    summary="\ufffe",
    body="Body \x07 \x1b[31m",
    site_title="\x00",
)
@example(
    title="ok",
    film="ok",
    actor="ok",
    summary="\x85\x9b",
    body="\ufeff\u2028 fine",
    site_title="T\x7f",
)
@example(
    title="Title", film="Heat", actor="Al", summary="Sum", body="Body \x01 text", site_title="Site"
)
@given(
    title=ANY_TEXT,
    film=ANY_TEXT,
    actor=ANY_TEXT,
    summary=ANY_TEXT,
    body=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    site_title=ANY_TEXT,
)
def test_every_xml_file_is_well_formed_or_the_build_says_why(
    title: str, film: str, actor: str, summary: str, body: str, site_title: str
) -> None:
    import lxml.etree

    with tempfile.TemporaryDirectory() as tmp:
        site = write_site(
            Path(tmp) / "blog",
            {
                "newsreel.yaml": f"title: {_escaped(site_title)}\nbase_url: https://example.org/\n",
                "content/posts/a.md": (
                    f"---\ntitle: {_escaped(title)}\ndate: 2024-01-02\nfilm: {_escaped(film)}\n"
                    f"actors: [{_escaped(actor)}]\nsummary: {_escaped(summary)}\n---\n"
                ).encode()
                + body.replace("\x00", "").encode("utf-8"),
            },
        )
        try:
            build_site(site, BuildOptions(use_cache=False))
        except BuildFailed as failed:
            for problem in failed.problems:
                line = str(problem)
                assert "\n" not in line and "\r" not in line, line
                assert line.startswith(
                    ("newsreel.yaml:", "content/posts/a.md:", "content/posts/a.md")
                ), line
            return
        for feed in (site / "site").rglob("*.xml"):
            lxml.etree.fromstring(feed.read_bytes(), parser=lxml.etree.XMLParser(recover=False))
        for page in (site / "site").rglob("*.html"):
            assert not any(
                ch in page.read_text("utf-8") for ch in "\x00\x01\x08\x0b\x1b\ufffe\uffff"
            ), page


# --- page keys cover everything a template can read ------------------------------------------

_CONTEXT_NAMES = (
    "page",
    "posts",
    "pagination",
    "post",
    "newer",
    "older",
    "terms",
    "kind",
    "label",
    "plural",
    "term",
    "feed_url",
    "title",
    "subtitle",
    "alternate",
    "updated",
    "entries",
    "target",
    "nav",
)
_DUMP = "".join(
    f"{{% if {name} is defined %}}{name}={{{{ {name} }}}}\n{{% endif %}}" for name in _CONTEXT_NAMES
) + (
    "{% if term is defined %}{% for p in term.posts %}read={{ p }}\n{% endfor %}{% endif %}"
    "{% if terms is defined %}{% for t in terms %}{% for p in t.posts %}read={{ p }}\n{% endfor %}{% endfor %}{% endif %}"
    # The posts a film's release history names, reached through it:
    "{% for t in ([term] if term is defined else []) + (terms|list if terms is defined else []) %}"
    "{% for r in t.year_history %}year={{ r.year }} by={{ r.post }}\n{% endfor %}"
    "{% for r in t.release_history %}report={{ r.post }}\n{% endfor %}"
    "{% for r in t.releases %}{% for p in r.reported_by %}release_by={{ p }}\n{% endfor %}{% endfor %}"
    "{% endfor %}"
    "site={{ site }}\nasset={{ asset('css/extra.css') }}\n"
)
"""A template printing every attribute of every object in its context (a dataclass prints as
its repr: every field), and every post reached through a term's posts and release history."""
_TEMPLATES = (
    "index.html",
    "post.html",
    "term.html",
    "terms.html",
    "feed.xml",
    "sitemap.xml",
    "404.html",
    "redirect.html",
    "robots.txt",
)


def _dump_site() -> dict[str, str]:
    files = {f"templates/{name}": f"{name}\n" + _DUMP for name in _TEMPLATES}
    files["newsreel.yaml"] = (
        "title: Dump\nbase_url: https://example.org/\nper_page: 2\nauthor: Ann\n"
    )
    files["static/css/extra.css"] = "body { color: black; }\n"
    files["content/films/heat.md"] = (
        "---\ntitle: Heat\nrelease_year: 1995\nposter: /img/heat.svg\ndirector: Mann\n---\nA heist film.\n"
    )
    files["content/actors/al-pacino.md"] = (
        "---\nname: Al Pacino\nphoto: /img/al.svg\n---\nAn actor.\n"
    )
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>\n'
    # The pictures the edits may name exist (a missing picture stops the build); SVGs skip the raster work.
    for name in ["heat", "al"] + [
        f"{kind}{n}" for kind in ("p", "poster-", "al-") for n in range(100)
    ]:
        files[f"static/img/{name}.svg"] = svg
    for n in range(5):
        heat = json.dumps({"title": "Heat", "release_year": 1995 + n % 3})  # a release history
        films = f"[{heat}]" if n % 2 == 0 else '["Heat", "Ronin"]'
        files[f"content/posts/p{n}.md"] = (
            f'---\ntitle: Post {n}\ndate: 2023-0{n + 1}-10\nfilms: {films}\nactors: ["Al Pacino"]\n'
            f"tags: [news]\nsummary: Summary {n}\n---\nBody of post {n}.\n"
        )
    return files


def _set_key(text: str, key: str, value: str) -> str:
    head, _, body = text[4:].partition("\n---\n")
    lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")] + [
        f"{key}: {value}"
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


SOURCE_EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "post-body",
                "post-title",
                "post-summary",
                "post-image",
                "post-date",
                "post-films",
                "post-tags",
                "post-year",
                "film-poster",
                "film-year",
                "film-director",
                "film-body",
                "film-aka",
                "actor-photo",
                "actor-body",
                "settings",
                "template",
                "static",
            ]
        ),
        st.integers(0, 4),
        st.integers(0, 99),
    ),
    min_size=1,
    max_size=4,
)


def _edit(root: Path, action: str, index: int, value: int) -> None:
    post_file = root / f"content/posts/p{index}.md"
    film, actor = root / "content/films/heat.md", root / "content/actors/al-pacino.md"
    edits = {
        "post-body": (post_file, lambda t: t + f"More text {value}.\n"),
        "post-title": (post_file, lambda t: _set_key(t, "title", f"Retitled {value}")),
        "post-summary": (post_file, lambda t: _set_key(t, "summary", f"New summary {value}")),
        "post-image": (post_file, lambda t: _set_key(t, "image", f"/img/p{value}.svg")),
        "post-date": (
            post_file,
            lambda t: _set_key(t, "date", f"2022-{1 + value % 12:02d}-0{1 + value % 9}"),
        ),
        "post-films": (
            post_file,
            lambda t: _set_key(t, "films", json.dumps(["Heat", f"Film {value % 3}"])),
        ),
        "post-tags": (post_file, lambda t: _set_key(t, "tags", json.dumps([f"tag{value % 3}"]))),
        "post-year": (
            post_file,
            lambda t: _set_key(
                t,
                "films",
                json.dumps([{"title": "Heat", "release_year": 1995 + value % 4}, "Ronin"]),
            ),
        ),
        "film-poster": (film, lambda t: _set_key(t, "poster", f"/img/poster-{value}.svg")),
        "film-year": (film, lambda t: _set_key(t, "release_year", str(1990 + value % 20))),
        "film-director": (film, lambda t: _set_key(t, "director", f"Director {value}")),
        "film-body": (film, lambda t: t + f"More synopsis {value}.\n"),
        "film-aka": (film, lambda t: _set_key(t, "aka", json.dumps([f"Working title {value}"]))),
        "actor-photo": (actor, lambda t: _set_key(t, "photo", f"/img/al-{value}.svg")),
        "actor-body": (actor, lambda t: t + f"More bio {value}.\n"),
        "settings": (
            root / "newsreel.yaml",
            lambda t: (
                t.replace("author:", f"description: Site {value}\nauthor:", 1)
                if "description:" not in t
                else t.replace("description: Site", f"description: Site {value}")
            ),
        ),
        "template": (
            root / "templates" / _TEMPLATES[value % len(_TEMPLATES)],
            lambda t: t + f"edited {value}\n",
        ),
        "static": (root / "static/css/extra.css", lambda t: t + f"p {{ margin: {value}px; }}\n"),
    }
    path, change = edits[action]
    path.write_text(change(path.read_text("utf-8")), "utf-8")
    stamp = os.stat(path)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))


@PROFILE
@given(SOURCE_EDITS)
def test_page_keys_cover_every_field_a_template_can_read(edits: list) -> None:
    """Every built-in template overridden by one that prints every attribute of its context
    objects: after each random edit of any kind of source, the warm build equals a cold one."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_site(Path(tmp) / "blog", _dump_site())
        first, problems = _build(root, root / "site")
        assert first is not None, problems
        for action, index, value in edits:
            _edit(root, action, index, value)
            warm, problems = _build(root, root / "site")
            cold_root = Path(tmp) / "cold"
            shutil.copytree(
                root, cold_root, ignore=shutil.ignore_patterns("site", ".newsreel-cache")
            )
            cold, cold_problems = _build(cold_root, cold_root / "site", cache=False)
            assert problems == cold_problems
            assert warm is not None and cold is not None, problems
            assert _no_manifest(warm) == _no_manifest(cold), action
            shutil.rmtree(cold_root)


def test_a_page_that_shows_a_release_history_is_rebuilt_when_a_post_in_it_changes(
    tmp_path: Path,
) -> None:
    """The posts a film's history names are read through it (``report.post``) and so noted:
    the films index of a site that shows them, and nothing else of those posts, follows an
    edit of one of them, though the film's own fields do not change."""
    files = {
        "newsreel.yaml": "title: History\nbase_url: https://example.org/\n",
        "templates/terms.html": (
            "{% for t in terms %}{% for r in t.year_history %}{{ r.year }} {{ r.post.title }}\n"
            "{% endfor %}{% for r in t.releases %}{% for p in r.reported_by %}{{ p.title }}\n"
            "{% endfor %}{% endfor %}{% endfor %}"
        ),
    }
    for n, year in enumerate((1994, 1995, 1995)):
        heat = json.dumps({"title": "Heat", "release_year": year})
        files[f"content/posts/p{n}.md"] = (
            f"---\ntitle: Report {n}\ndate: 2023-0{n + 1}-10\nfilms: [{heat}]\n"
            + (f"release_date: {year}-12-15\n" if n == 1 else "")
            + f"---\nBody {n}.\n"
        )
    root = write_site(tmp_path / "blog", files)
    first, problems = _build(root, root / "site")
    assert first is not None, problems
    index = root / "site/films/index.html"
    assert "1994 Report 0" in index.read_text("utf-8")
    assert "Report 1" in index.read_text("utf-8").partition("1995")[2]
    for n in (0, 1):
        path = root / f"content/posts/p{n}.md"
        path.write_text(path.read_text("utf-8").replace(f"Report {n}", f"Retitled {n}"), "utf-8")
        warm, problems = _build(root, root / "site")
        cold_root = tmp_path / f"cold{n}"
        shutil.copytree(root, cold_root, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
        cold, _ = _build(cold_root, cold_root / "site", cache=False)
        assert warm is not None and cold is not None, problems
        assert f"Retitled {n}" in index.read_text("utf-8")
        assert _no_manifest(warm) == _no_manifest(cold)


def test_a_page_that_reads_a_post_follows_each_of_its_edits(tmp_path: Path) -> None:
    """The digest of a post that a page reads (not holds) is taken from an earlier patch only
    while the post's bytes are what they were then: each edit in a row reaches the page."""
    files = {
        "newsreel.yaml": "title: Reads\nbase_url: https://example.org/\n",
        "templates/terms.html": "{% for t in terms %}{{ t.posts[0].html }}\n{% endfor %}",
    }
    for n in range(3):
        files[f"content/posts/p{n}.md"] = (
            f'---\ntitle: Post {n}\ndate: 2023-0{n + 1}-10\nfilms: ["Heat"]\n---\nBody {n}.\n'
        )
    root = write_site(tmp_path / "blog", files)
    assert _build(root, root / "site")[0] is not None
    latest = root / "content/posts/p2.md"
    for edit in range(4):
        latest.write_text(latest.read_text("utf-8") + f"\nEdit {edit}.\n", "utf-8")
        warm, problems = _build(root, root / "site")
        assert warm is not None, problems
        assert f"Edit {edit}." in (root / "site/films/index.html").read_text("utf-8"), edit
    cold_root = tmp_path / "cold"
    shutil.copytree(root, cold_root, ignore=shutil.ignore_patterns("site", ".newsreel-cache"))
    cold, _ = _build(cold_root, cold_root / "site", cache=False)
    assert cold is not None and _no_manifest(warm) == _no_manifest(cold)
