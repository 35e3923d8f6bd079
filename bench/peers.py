"""Shape a newsreel corpus for Hugo, Eleventy and Pelican, and the commands that build each.

Conversion is done once per corpus and not timed: each peer gets a copy in the form it reads
(Hugo: ``films``/``actors``/``tags`` taxonomies in YAML front matter; Eleventy: the same with
``topics`` for tags, since Eleventy reserves ``tags``; Pelican: its ``Key: value`` header,
films as authors, actors as tags, a post's first tag as its category). Film names written as a
film page's ``aka`` are mapped to the canonical title, as newsreel does, so every tool builds
one page per film. The themes live in ``bench/peer_sites/``.

Needs PyYAML and anyascii (newsreel's own dependencies): run under newsreel's venv.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from anyascii import anyascii
from install_peers import Peers

PEER_SITES = Path(__file__).resolve().parent / "peer_sites"
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SourcePost:
    """One corpus post, normalised for the peers."""

    source: Path
    title: str
    date: datetime
    """Aware, in UTC."""
    slug: str
    films: tuple[str, ...]
    """Canonical film titles (aka names resolved)."""
    release_year: int | None
    actors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    tweet: dict[str, str] | None
    body: str


@dataclass(frozen=True)
class Corpus:
    """A corpus read for conversion."""

    base_url: str
    title: str
    posts: tuple[SourcePost, ...]


def term_key(name: str) -> str:
    """Names that differ by case, spacing or Unicode form are one term."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _split(text: str) -> tuple[dict[str, Any], str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---", 3)
    data = yaml.load(text[4:end], Loader=_LOADER) or {}
    return data, text[end + 4 :].lstrip("\n")


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _plain_summary(body: str, words: int = 40) -> str:
    text = re.sub(r"[`*_#>|\[\]~]|\(/?[^)]*\)", " ", body)
    return " ".join(text.split()[:words])


def read_corpus(site: Path) -> Corpus:
    """Read a newsreel site folder (as the generator writes it) into ``SourcePost`` records."""
    settings = yaml.load((site / "newsreel.yaml").read_text(encoding="utf-8"), Loader=_LOADER) or {}
    canonical: dict[str, str] = {}
    for page in sorted((site / "content" / "films").glob("*.md")):
        data, _ = _split(page.read_text(encoding="utf-8"))
        title = str(data["title"])
        for name in [title, *(str(a) for a in data.get("aka") or [])]:
            canonical[term_key(name)] = title
    posts = []
    for path in sorted((site / "content" / "posts").rglob("*.md")):
        data, body = _split(path.read_text(encoding="utf-8"))
        if data.get("draft") is True:
            continue
        raw_films = [data["film"]] if "film" in data else list(data.get("films") or [])
        films: list[str] = []
        release_year = data.get("release_year")
        for item in raw_films:
            name = str(item["title"]) if isinstance(item, dict) else str(item)
            if isinstance(item, dict) and release_year is None:
                release_year = item.get("release_year")
            name = canonical.get(term_key(name), name)
            if name not in films:
                films.append(name)
        tweet = data.get("tweet")
        if isinstance(tweet, str):
            tweet = {"url": tweet, "text": "", "author": "", "handle": "", "date": ""}
        elif isinstance(tweet, dict):
            tweet = {
                key: str(tweet.get(key, "")) for key in ("url", "text", "author", "handle", "date")
            }
        posts.append(
            SourcePost(
                source=path,
                title=str(data["title"]),
                date=_aware(data["date"]),
                slug=str(data.get("slug") or _DATE_PREFIX.sub("", path.stem)),
                films=tuple(films),
                release_year=int(release_year) if release_year else None,
                actors=tuple(str(a) for a in data.get("actors") or []),
                tags=tuple(str(t) for t in data.get("tags") or []),
                summary=str(data.get("summary") or _plain_summary(body)),
                tweet=tweet,
                body=body,
            )
        )
    return Corpus(
        base_url=str(settings.get("base_url", "https://example.org/")).rstrip("/") + "/",
        title=str(settings.get("title", "Movie news")),
        posts=tuple(posts),
    )


def _yaml_front_matter(fields: dict[str, Any]) -> str:
    """Front matter with every value as JSON, which YAML reads as written."""
    lines = ["---"]
    lines.extend(
        f"{key}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in fields.items()
        if value is not None
    )
    lines.append("---")
    return "\n".join(lines) + "\n"


def _copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, dirs_exist_ok=True)


def _fresh(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)


def peer_post_path(tool: str, site: Path, post: SourcePost) -> Path:
    """Where ``post`` lives in ``tool``'s converted copy (to edit it for a rebuild)."""
    return {
        "hugo": site / "content" / "posts" / f"{post.slug}.md",
        "eleventy": site / "posts" / f"{post.slug}.md",
        "pelican": site / "content" / f"{post.slug}.md",
    }[tool]


def write_hugo(corpus: Corpus, dest: Path, equal: bool = False) -> None:
    """A Hugo site: hugo.toml, the bench layouts, one content file per post.

    ``equal``: the settings and templates of ``peer_sites/hugo-equal/`` on top, so that Hugo
    writes what newsreel writes (full-content feeds for the site, each film and each actor; no
    code highlighting)."""
    _fresh(dest)
    flavour = PEER_SITES / ("hugo-equal" if equal else "hugo")
    config = (flavour / "hugo.toml").read_text(encoding="utf-8")
    (dest / "hugo.toml").write_text(config.replace("@BASE_URL@", corpus.base_url), encoding="utf-8")
    _copy_tree(PEER_SITES / "hugo" / "layouts", dest / "layouts")
    if equal:
        _copy_tree(flavour / "layouts", dest / "layouts")
        _copy_tree(flavour / "content", dest / "content")
    posts = dest / "content" / "posts"
    posts.mkdir(parents=True)
    for post in corpus.posts:
        fields = {
            "title": post.title,
            "date": post.date.isoformat(),
            "slug": post.slug,
            "films": list(post.films),
            "actors": list(post.actors),
            "tags": list(post.tags),
            "summary": post.summary,
            "release_year": post.release_year,
            "tweet": post.tweet,
        }
        peer_post_path("hugo", dest, post).write_text(
            _yaml_front_matter(fields) + "\n" + post.body, encoding="utf-8"
        )


def _unique_slugs(names: list[str]) -> dict[str, str]:
    """Name -> URL slug, transliterated like newsreel's, distinct and never empty."""
    out: dict[str, str] = {}
    used: dict[str, int] = {}
    for name in sorted(names):
        base = re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-") or "term"
        used[base] = used.get(base, 0) + 1
        out[name] = base if used[base] == 1 else f"{base}-{used[base]}"
    return out


def write_eleventy(corpus: Corpus, dest: Path) -> None:
    """An Eleventy site: config, Nunjucks templates, data files, one Markdown file per post."""
    _fresh(dest)
    _copy_tree(PEER_SITES / "eleventy", dest)
    data = dest / "_data"
    data.mkdir(exist_ok=True)
    (data / "site.json").write_text(
        json.dumps({"title": corpus.title, "url": corpus.base_url.rstrip("/")}, ensure_ascii=False),
        encoding="utf-8",
    )
    slugs = {
        "films": _unique_slugs(sorted({f for p in corpus.posts for f in p.films})),
        "actors": _unique_slugs(sorted({a for p in corpus.posts for a in p.actors})),
        "tags": _unique_slugs(sorted({t for p in corpus.posts for t in p.tags})),
    }
    (data / "slugs.json").write_text(json.dumps(slugs, ensure_ascii=False), encoding="utf-8")
    posts = dest / "posts"
    posts.mkdir()
    (posts / "posts.11tydata.json").write_text(
        '{"tags": ["post"], "layout": "post.njk"}\n', encoding="utf-8"
    )
    for post in corpus.posts:
        fields = {
            "title": post.title,
            "date": post.date.isoformat(),
            "permalink": f"/posts/{post.slug}/",
            "films": list(post.films),
            "actors": list(post.actors),
            "topics": list(post.tags),
            "summary": post.summary,
            "release_year": post.release_year,
            "tweet": post.tweet,
        }
        peer_post_path("eleventy", dest, post).write_text(
            _yaml_front_matter(fields) + "\n" + post.body, encoding="utf-8"
        )


PELICAN_CONF = """\
# Pelican settings for the benchmark (written by bench/peers.py): films are authors, actors
# are tags, a post's first tag is its category; 10 a page; Atom for the site, each film, each actor.
AUTHOR = "Bench Desk"
SITENAME = {title!r}
SITEURL = {site_url!r}
FEED_DOMAIN = SITEURL
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%d %B %Y"
ARTICLE_URL = "posts/{{slug}}/"
ARTICLE_SAVE_AS = "posts/{{slug}}/index.html"
AUTHOR_URL = "films/{{slug}}/"
AUTHOR_SAVE_AS = "films/{{slug}}/index.html"
AUTHORS_SAVE_AS = "films/index.html"
TAG_URL = "actors/{{slug}}/"
TAG_SAVE_AS = "actors/{{slug}}/index.html"
TAGS_SAVE_AS = "actors/index.html"
CATEGORY_URL = "tags/{{slug}}/"
CATEGORY_SAVE_AS = "tags/{{slug}}/index.html"
CATEGORIES_SAVE_AS = "tags/index.html"
PAGE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "authors", "tags", "categories", "404"]
DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {{"index": None, "tag": None, "category": None, "author": None}}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = "films/{{slug}}/feed.xml"
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = "actors/{{slug}}/feed.xml"
FEED_MAX_ITEMS = 20
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""


def _header_value(value: str) -> str:
    return " ".join(value.split())


def write_pelican(corpus: Corpus, dest: Path) -> None:
    """A Pelican site: pelicanconf.py, the bench theme, Markdown with Pelican's metadata header."""
    _fresh(dest)
    _copy_tree(PEER_SITES / "pelican" / "theme", dest / "theme")
    (dest / "pelicanconf.py").write_text(
        PELICAN_CONF.format(title=corpus.title, site_url=corpus.base_url.rstrip("/")),
        encoding="utf-8",
    )
    content = dest / "content"
    content.mkdir()
    for post in corpus.posts:
        for name in (*post.films, *post.actors):
            if "," in name:
                raise ValueError(f"{post.source}: Pelican splits names on commas: {name!r}")
        lines = [
            f"Title: {_header_value(post.title)}",
            f"Date: {post.date.strftime('%Y-%m-%d %H:%M:%S')}",
            f"Slug: {post.slug}",
            f"Authors: {', '.join(post.films)}",
            f"Tags: {', '.join(post.actors)}",
            f"Category: {post.tags[0] if post.tags else 'news'}",
            f"Summary: {_header_value(post.summary)}",
        ]
        if post.release_year:
            lines.append(f"Release_year: {post.release_year}")
        if post.tweet:
            lines.extend(
                f"Tweet_{key}: {_header_value(value)}" for key, value in post.tweet.items()
            )
        peer_post_path("pelican", dest, post).write_text(
            "\n".join(lines) + "\n\n" + post.body, encoding="utf-8"
        )


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerBuild:
    """How to build one peer's copy: command, working folder, what to delete for a cold build."""

    tool: str
    site: Path
    command: tuple[str, ...]
    output: Path
    cold_remove: tuple[Path, ...]
    warm_command: tuple[str, ...] | None = None
    """A rebuild that reuses the tool's own cache, when it has one that works as a one-shot build."""


def build_commands(peers: Peers, sites: dict[str, Path]) -> list[PeerBuild]:
    """The cold-build command of each converted copy in ``sites`` (tool -> folder)."""
    out = []
    if "hugo" in sites:
        site = sites["hugo"]
        out.append(
            PeerBuild(
                "hugo",
                site,
                (
                    str(peers.hugo),
                    "build",
                    "--source",
                    str(site),
                    "--destination",
                    str(site / "public"),
                    "--quiet",
                ),
                site / "public",
                (site / "public", site / "resources", site / ".hugo_build.lock"),
            )
        )
    if "eleventy" in sites:
        site = sites["eleventy"]
        out.append(
            PeerBuild(
                "eleventy",
                site,
                (str(peers.node), str(peers.eleventy), "--quiet"),
                site / "_site",
                (site / "_site",),
            )
        )
    if "pelican" in sites:
        site = sites["pelican"]
        base = (
            str(peers.pelican),
            "content",
            "--settings",
            "pelicanconf.py",
            "--output",
            "output",
            "--quiet",
        )
        out.append(
            PeerBuild(
                "pelican",
                site,
                (*base, "--ignore-cache"),
                site / "output",
                (site / "output", site / "cache"),
                warm_command=base,
            )
        )
    return out


def server_command(peers: Peers, tool: str, site: Path, port: int) -> tuple[str, ...] | None:
    """A watch-mode process whose log reports each rebuild's time (Hugo and Eleventy)."""
    if tool == "hugo":
        # As a Hugo user runs it: fast render on (only changed and visited pages are re-rendered)
        # and rendering to memory, both Hugo's defaults.
        return (
            str(peers.hugo),
            "server",
            "--source",
            str(site),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--disableLiveReload",
        )
    if tool == "eleventy":
        return (str(peers.node), str(peers.eleventy), "--watch", "--incremental")
    return None


REBUILD_PATTERNS = {
    "hugo": (re.compile(r"Web Server is available"), re.compile(r"Total in (\d+(?:\.\d+)?) ?ms")),
    "eleventy": (re.compile(r"Watching"), re.compile(r"in (\d+(?:\.\d+)?) seconds")),
}
"""Per tool: the line that says the first build is done, and the line with a rebuild's time."""
