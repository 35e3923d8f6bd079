"""``newsreel check``: lint the content, then resolve every internal link of the built site.

Every ``href``, ``src``, ``srcset``, ``<link href>``, meta refresh and social-card image of
every page, every ``url()`` of every stylesheet, the Atom feeds' links, the sitemap's
``<loc>`` entries and robots.txt's ``Sitemap:`` line are looked up on disk the way a static
host serves the output under ``base_url``'s path: "/movie-news/x/" is ``x/index.html``,
"/movie-news/x" is ``x`` or ``x/index.html``, anything outside the base path on the
site's own host is broken, and a ``#fragment`` must name an ``id`` (or ``<a name>``) of
the page it points to. ``404.html`` is also resolved as if served at a missing URL deep in
the site, since that is where hosts show it. Links to other hosts, ``mailto:``, ``tel:``
and ``data:`` are not followed.

Pages are scanned with regular expressions rather than ``html.parser``: the scan reads
attributes the same way but is about six times faster, which keeps a 30,000-page site
within seconds. Comments and the insides of ``<script>``, ``<style>`` and ``<textarea>``
are skipped, as a browser would not read links there.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from newsreel.config import base_url_warning
from newsreel.errors import BuildFailed, Problem, error, warning
from newsreel.hashing import hash_bytes
from newsreel.incremental.store import last_build_time
from newsreel.layout import SiteLayout
from newsreel.report import Reporter
from newsreel.writer import Manifest, manifest_path, manifest_stamp

_RAW_TEXT = re.compile(
    r"(<(script|style|textarea|template)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>).*?</\2\s*>",
    re.DOTALL | re.IGNORECASE,
)
_RAW_TEXT_MARKS = (
    "<script",
    "<style",
    "<textarea",
    "<template",
    "<SCRIPT",
    "<STYLE",
    "<TEXTAREA",
    "<TEMPLATE",
)
# a comment, or a start tag with an attribute that may hold a link or an anchor (others are
# skipped inside the regular expression engine, which is what makes the scan fast)
_TAG = re.compile(
    r"<!--.*?-->|<([a-zA-Z][^\s/>]*)\s((?:[^>\"']|\"[^\"]*\"|'[^']*')*?"
    r"(?:href|src|srcset|id|name|poster|data|content)\s*=(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.DOTALL | re.IGNORECASE,
)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_META_URL_KEYS = frozenset(
    {
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "og:url",
        "og:audio",
        "og:video",
        "twitter:image",
        "twitter:image:src",
    }
)
_REFRESH_URL = re.compile(
    r"""^\s*\d+(?:\.\d*)?\s*[;,]\s*(?:url\s*=\s*)?['"]?([^'"]*)""", re.IGNORECASE
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')"""
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_STRIPPED_BY_BROWSERS = re.compile(r"[\t\n\r]")
_UNSAFE = frozenset({"javascript", "vbscript"})
_PAGES_PER_WORKER = 2000
"""Below twice this many pages, starting worker processes costs more than it saves."""
_PLACEHOLDER_ORIGIN = "http://site.invalid"
_DEEP_MISSING = "newsreel-check/missing/page"
"""Where 404.html is also resolved from: hosts serve it at any missing URL."""


@dataclass(frozen=True)
class LinkCheck:
    """What checking the links of one output folder found."""

    pages: int
    """HTML pages scanned."""
    links: int
    """Internal references resolved (every occurrence, in pages, stylesheets, feeds, sitemaps)."""
    problems: tuple[Problem, ...]
    """One per page and broken target, paths relative to the output folder."""


@dataclass(frozen=True)
class _Target:
    """Where an internal URL lands: an output file, or why it lands nowhere."""

    file: str | None
    fragment: str
    why: str = ""


@dataclass
class _Scan:
    """Working state of one check; lives only inside ``check_links``."""

    output: Path
    origin: str
    host: str
    base_path: str
    files: frozenset[str]
    links: int = 0
    problems: set[Problem] = field(default_factory=set)
    ids: dict[str, frozenset[str]] = field(default_factory=dict)
    anchors: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(page, raw link, target file, fragment) to settle once every page's ids are known."""
    cache: dict[str, _Target] = field(default_factory=dict)


def check_site(site_dir: Path, *, reporter: Reporter, output: Path | None = None) -> None:
    """Lint the content, then check every internal link of the site already built.

    Never builds: the output is checked as it is, and said to be missing or older than
    its sources when it is. Raises ``BuildFailed`` on a content error or a broken link;
    prints the warnings and a one-line summary otherwise.
    """
    from newsreel.build import lint_site

    site_dir = Path(site_dir)
    output = output if output is not None else SiteLayout(site_dir).output
    problems, newest = lint_site(site_dir)
    shown = output.as_posix()
    if not manifest_path(output).is_file():
        problems.append(
            error(
                shown,
                None,
                "no built site to check",
                "run `newsreel build`, or `newsreel build --base-url https://your.site/` "
                "as you publish it, then `newsreel check` again",
            )
        )
        raise BuildFailed(problems)
    built_ns = last_build_time(site_dir, manifest_stamp(output))
    built = datetime.fromtimestamp(built_ns / 1e9, UTC) if built_ns is not None else None
    if newest is not None and built is not None and newest > built:
        problems.append(
            warning(
                shown,
                None,
                "was built before the latest changes to the content, templates or settings",
                "this check is of the older build: run `newsreel build`, then `newsreel check` again",
            )
        )
    base_url = built_base_url(output) or _settings_base_url(site_dir)
    relative = base_url_warning(base_url, shown)
    if relative is not None:
        problems.append(relative)
    mismatched = check_manifest(output)
    report = check_links(output, base_url)
    if any(p.severity == "error" for p in problems) or mismatched or report.problems:
        raise BuildFailed([*problems, *mismatched, *report.problems])
    for problem in problems:
        reporter.problem(problem)
    reporter.summary(
        f"checked {report.pages} page{'s' if report.pages != 1 else ''}, "
        f"{report.links} link{'s' if report.links != 1 else ''}: no broken link"
    )


def check_manifest(output: Path) -> list[Problem]:
    """Every file of the output against its manifest: a file missing, changed since the
    build (its bytes no longer hash to the manifest's) or not listed is a problem."""

    manifest = Manifest.read(output)
    shown = output.name
    if manifest is None:
        return [
            error(
                manifest_path(Path(shown)).as_posix(),
                None,
                "the output has no readable manifest",
                "rebuild it with `newsreel build`",
            )
        ]
    problems = []
    on_disk = _all_files(output)
    for rel in sorted(manifest.files):
        path = output / rel
        if rel not in on_disk:
            problems.append(
                error(
                    f"{shown}/{rel}",
                    None,
                    "listed in the output's manifest but missing",
                    "rebuild with `newsreel build`",
                )
            )
            continue
        try:
            same = (
                path.is_file()
                and not path.is_symlink()
                and hash_bytes(path.read_bytes()) == manifest.files[rel][0]
            )
        except OSError:
            same = False
        if not same:
            problems.append(
                error(
                    f"{shown}/{rel}",
                    None,
                    "does not match the output's manifest (changed since the build)",
                    "rebuild with `newsreel build`",
                )
            )
    for rel in sorted(on_disk - set(manifest.files)):
        link = os.path.islink(output / rel)
        problems.append(
            error(
                f"{shown}/{rel}",
                None,
                "is a symbolic link, which newsreel never makes"
                if link
                else "is not in the output's manifest (newsreel did not write it)",
                "move it into static/ to publish it, or delete it",
            )
        )
    return problems


def _settings_base_url(site_dir: Path) -> str:
    """``base_url`` from newsreel.yaml, or "/" when it cannot be read."""
    try:
        from newsreel.config import load_settings

        settings, _ = load_settings(site_dir)
        return settings.origin + settings.base_path
    except Exception:  # a broken newsreel.yaml is the build's to report, not check's
        return "/"


def built_base_url(output: Path) -> str | None:
    """The base URL a finished build used, read back from robots.txt or the sitemap."""
    robots = output / "robots.txt"
    if robots.is_file():
        for line in robots.read_text("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip().endswith("/sitemap.xml"):
                return value.strip()[: -len("sitemap.xml")]
    sitemap = output / "sitemap.xml"
    if sitemap.is_file():
        try:
            root = ET.parse(sitemap).getroot()
        except ET.ParseError:
            return None
        locs = [(el.text or "").strip() for el in root.iter() if _local(el.tag) == "loc"]
        locs = [loc for loc in locs if loc]
        if locs:
            prefix = os.path.commonprefix(locs)
            return prefix[: prefix.rfind("/") + 1] or None
    return None


def check_links(output: Path, base_url: str) -> LinkCheck:
    """Resolve every internal reference in ``output`` as served at ``base_url``."""
    parts = urlsplit(base_url or "/")
    origin = (
        f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if parts.scheme and parts.netloc
        else _PLACEHOLDER_ORIGIN
    )
    base_path = "/" + parts.path.strip("/") + "/" if parts.path.strip("/") else "/"
    files = _all_files(output)
    scan = _Scan(
        output,
        origin,
        _netloc(parts.scheme, parts.netloc) if parts.netloc else "site.invalid",
        base_path,
        files,
    )
    pages = sorted(f for f in files if f.endswith((".html", ".htm")))
    _check_pages(scan, pages)
    for name in sorted(files):
        if name.endswith(".css"):
            _scan_css(scan, name)
        elif name.endswith(".xml") or name.endswith(".atom"):
            _scan_xml(scan, name)
    if "robots.txt" in files:
        _scan_robots(scan)
    _settle_anchors(scan)
    return LinkCheck(len(pages), scan.links, tuple(sorted(scan.problems)))


def _all_files(output: Path) -> frozenset[str]:
    """Every file under ``output``, and every link to a folder (never followed)."""
    found: list[str] = []
    for folder, dirs, names in os.walk(output):
        rel = os.path.relpath(folder, output).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in names)
        found.extend(prefix + name for name in dirs if os.path.islink(os.path.join(folder, name)))
    return frozenset(found)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _page_url(scan: _Scan, name: str) -> str:
    """The URL a file is served at ("posts/x/index.html" at ".../posts/x/")."""
    if name == "index.html":
        name = ""
    elif name.endswith("/index.html"):
        name = name[: -len("index.html")]
    return scan.origin + scan.base_path + name


# --- pages ----------------------------------------------------------------------------------


def _parse_page(output: Path, page: str) -> tuple[frozenset[str], list[str], str | None]:
    """The ids (and ``<a name>``s), the link targets as written, and the ``<base href>`` of a page."""
    text = (output / page).read_text("utf-8", "replace")
    if any(mark in text for mark in _RAW_TEXT_MARKS):
        text = _RAW_TEXT.sub(r"\1", text)  # keep <script src>, drop what is inside
    ids: set[str] = set()
    refs: list[str] = []
    base_href: str | None = None
    for match in _TAG.finditer(text):
        tag = match.group(1)
        if tag is None:
            continue  # a comment
        tag = tag.lower()
        attrs: dict[str, str] = {}
        for key, double, single, bare in _ATTR.findall(match.group(2)):
            key = key.lower()
            if key not in attrs:  # the first of duplicate attributes wins, as in browsers
                value = double or single or bare
                attrs[key] = html.unescape(value) if "&" in value else value
        if "id" in attrs:
            ids.add(attrs["id"])
        if "href" in attrs:
            if tag == "base":
                base_href = attrs["href"] if base_href is None else base_href
                continue
            refs.append(attrs["href"])
        if "src" in attrs:
            refs.append(attrs["src"])
        if tag == "a" and "name" in attrs:
            ids.add(attrs["name"])
        for key in ("poster", "xlink:href"):
            if key in attrs:
                refs.append(attrs[key])
        if "srcset" in attrs:
            refs.extend(_srcset_urls(attrs["srcset"]))
        if tag == "object" and "data" in attrs:
            refs.append(attrs["data"])
        if tag == "meta" and "content" in attrs:
            if attrs.get("http-equiv", "").lower() == "refresh":
                refresh = _REFRESH_URL.match(attrs["content"])
                if refresh and refresh.group(1).strip():
                    refs.append(refresh.group(1))
            elif (attrs.get("property") or attrs.get("name") or "").lower() in _META_URL_KEYS:
                refs.append(attrs["content"])
    return frozenset(ids), refs, base_href


def _check_pages(scan: _Scan, pages: list[str]) -> None:
    """Scan and check ``pages`` into ``scan``; on big sites, shared among the machine's cores."""
    workers = min(os.cpu_count() or 1, 4)
    if len(pages) < _PAGES_PER_WORKER * 2 or workers < 2:
        for page in pages:
            _scan_page(scan, page, _parse_page(scan.output, page))
        return
    size = -(-len(pages) // (workers * 4))
    chunks = [pages[i : i + size] for i in range(0, len(pages), size)]
    blank = replace(scan, links=0, problems=set(), ids={}, anchors=[], cache={})
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(_check_chunk, repeat(blank), chunks):
            scan.links += part.links
            scan.problems |= part.problems
            scan.ids.update(part.ids)
            scan.anchors += part.anchors


def _check_chunk(scan: _Scan, pages: list[str]) -> _Scan:
    """Run in a worker process: the findings of some pages, in a fresh ``_Scan``."""
    for page in pages:
        _scan_page(scan, page, _parse_page(scan.output, page))
    scan.cache.clear()  # not worth sending back
    return scan


def _scan_page(
    scan: _Scan, page: str, parsed: tuple[frozenset[str], list[str], str | None]
) -> None:
    ids, refs, base_href = parsed
    scan.ids[page] = ids
    doc_url = _page_url(scan, page)
    if base_href is not None:
        doc_url = urljoin(doc_url, base_href.strip())
    for ref in refs:
        _check_ref(scan, page, doc_url, ref)
    if page == "404.html" and base_href is None:
        # hosts show 404.html at every missing URL: a relative link must work from there too
        missing_url = scan.origin + scan.base_path + _DEEP_MISSING
        for ref in refs:
            ref = ref.strip()
            if ref and not ref.startswith(("/", "#")) and not _SCHEME.match(ref):
                _check_ref(scan, page, missing_url, ref, served_as_404=True)


def _srcset_urls(srcset: str) -> list[str]:
    """The URLs of a ``srcset``: each candidate is a URL, then optional descriptors, then a comma."""
    urls = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while position < length and srcset[position] != ",":
                position += 1
        if url:
            urls.append(url)
    return urls


# --- one reference -------------------------------------------------------------------------

_IGNORED = _Target(None, "", "not a link to this site")


def _check_ref(
    scan: _Scan, page: str, doc_url: str, raw: str, *, served_as_404: bool = False
) -> None:
    """Count and resolve one reference found in ``page``; record a problem if it is broken."""
    target = scan.cache.get(raw) if not served_as_404 else None
    if target is None:
        target, same_everywhere = _classify(scan, doc_url, raw)
        if same_everywhere and not served_as_404:
            scan.cache[raw] = target
    if target is _IGNORED:
        return
    scan.links += 1
    if target.file is None:
        hint = target.why
        if served_as_404:
            hint = "404.html is served at every missing URL, so its links must be root-relative or absolute"
        scan.problems.add(
            error(
                page, None, f"{'unsafe' if target is _UNSAFE_TARGET else 'broken'} link {raw}", hint
            )
        )
    elif target.fragment and not served_as_404:
        scan.anchors.append(
            (page, raw, page if target.file == "" else target.file, target.fragment)
        )


_UNSAFE_TARGET = _Target(None, "", "only http(s), mailto and tel links are allowed")


def _classify(scan: _Scan, doc_url: str, raw: str) -> tuple[_Target, bool]:
    """Where ``raw`` lands, and whether that is the same from every page (so it can be cached)."""
    ref = _STRIPPED_BY_BROWSERS.sub("", raw).strip()
    if not ref:
        return _IGNORED, False
    if ref.startswith("#"):
        return _Target("", ref[1:]), False  # "" stands for the page itself
    scheme = _SCHEME.match(ref)
    if scheme:
        name = scheme.group(1).lower()
        if name in _UNSAFE:
            return _UNSAFE_TARGET, True
        if name not in ("http", "https"):
            return (
                _IGNORED,
                True,
            )  # mailto:, tel:, data: and other schemes are not served by the site
    target = _resolve(scan, urljoin(doc_url, ref))
    if target is None:
        return _IGNORED, bool(scheme) or ref.startswith("/")
    if not target.file or not target.file.endswith((".html", ".htm")):
        target = _Target(target.file, "", target.why)  # fragments of non-pages are not checked
    return target, bool(scheme) or ref.startswith("/")


def _resolve(scan: _Scan, url: str) -> _Target | None:
    """The output file an absolute URL is served from; None when it belongs to another host."""
    parts = urlsplit(url)
    if _netloc(parts.scheme, parts.netloc) != scan.host:
        return None
    path = _remove_dot_segments(parts.path or "/")
    if not (path + "/").startswith(scan.base_path):
        return _Target(None, parts.fragment, f"outside {scan.base_path}, where the site is served")
    rel = unquote(path[len(scan.base_path) :])
    if rel == "" or rel.endswith("/"):
        candidates = [rel + "index.html"]
    else:
        candidates = [rel, rel + "/index.html"]
    for candidate in candidates:
        if candidate in scan.files:
            return _Target(candidate, parts.fragment)
    return _Target(None, parts.fragment, "no such file in the output")


def _netloc(scheme: str, netloc: str) -> str:
    """``host[:port]`` in lower case, without the scheme's default port."""
    netloc = netloc.lower().rpartition("@")[2]
    default = {"http": ":80", "https": ":443"}.get(scheme.lower())
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    return netloc


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    normal = posixpath.normpath(path)
    if path.endswith(("/", "/.", "/..")) and not normal.endswith("/"):
        normal += "/"
    return "/" + normal.lstrip("/")


def _settle_anchors(scan: _Scan) -> None:
    for page, raw, target, fragment in scan.anchors:
        if not fragment:
            continue
        ids = scan.ids.get(target)
        if ids is None:
            continue  # not a page we scanned (a fragment on a file that is not HTML)
        if fragment in ids or unquote(fragment) in ids:
            continue
        where = "this page" if target == page else target
        scan.problems.add(
            error(page, None, f"broken anchor {raw}", f'no id="{unquote(fragment)}" in {where}')
        )


# --- stylesheets, feeds, sitemaps, robots.txt ----------------------------------------------


def _scan_css(scan: _Scan, name: str) -> None:
    text = _CSS_COMMENT.sub("", (scan.output / name).read_text("utf-8", "replace"))
    doc_url = scan.origin + scan.base_path + name
    for match in _CSS_URL.finditer(text):
        ref = next((g for g in match.groups() if g is not None), "")
        if ref and not ref.startswith("#"):
            _check_ref(scan, name, doc_url, ref.split("#", 1)[0] if "#" in ref else ref)


def _scan_xml(scan: _Scan, name: str) -> None:
    """Atom feeds' ``<link href>``, ``<icon>`` and ``<logo>``; sitemaps' ``<loc>``; RSS ``<link>``."""
    try:
        root = ET.parse(scan.output / name).getroot()
    except ET.ParseError as exc:
        scan.problems.add(error(name, exc.position[0], f"not well-formed XML: {exc}"))
        return
    doc_url = scan.origin + scan.base_path + name
    kind = _local(root.tag)
    for element in root.iter():
        local = _local(element.tag)
        if kind == "feed":
            if local == "link" and element.get("href"):
                _check_ref(scan, name, doc_url, element.get("href", ""))
            elif local in ("icon", "logo") and (element.text or "").strip():
                _check_ref(scan, name, doc_url, (element.text or "").strip())
        elif (
            kind in ("urlset", "sitemapindex")
            and local == "loc"
            and (element.text or "").strip()
            or kind == "rss"
            and element.tag == "link"
            and (element.text or "").strip()
        ):
            _check_ref(scan, name, doc_url, (element.text or "").strip())


def _scan_robots(scan: _Scan) -> None:
    doc_url = scan.origin + scan.base_path + "robots.txt"
    for line in (scan.output / "robots.txt").read_text("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            _check_ref(scan, "robots.txt", doc_url, value.strip())
