"""The built-in theme, checked on a real build of a small site served under a sub-path.

The site is built once per module with the real ``newsreel build`` command. Every page is
parsed with lxml and checked for what the theme promises (one h1, lang, title, description,
canonical, Open Graph, a skip link, labelled navs, JSON-LD of the right type, links that stay
under the base path and land on a file). A post and a film page are then opened in headless
Chromium, light and dark, phone and desktop width, to see that nothing is requested from
another host, nothing logs an error, and the layout holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Browser
from sitekit import newsreel, static_server

BASE_URL = "https://example.org/movie-news/"
BASE_PATH = "/movie-news/"

POSTER = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 300" width="200" height="300">'
    '<rect width="200" height="300" fill="#203040"/><circle cx="100" cy="120" r="40" fill="#e0a030"/></svg>\n'
)
STILL = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 180" width="320" height="180">'
    '<rect width="320" height="180" fill="#405060"/></svg>\n'
)

FILES = {
    "newsreel.yaml": f"""\
        title: Harbour Desk
        description: News about films that are still being made.
        author: The Harbour desk
        language: en
        base_url: {BASE_URL}
        per_page: 2
        """,
    "content/films/harbour-lights.md": """\
        ---
        title: Harbour Lights
        aka: [Lighthouse Project]
        release_year: 2025
        poster: /img/poster.svg
        poster_alt: A lighthouse under an orange moon
        director: Mira Solberg
        ---
        A keeper and her daughter wait out a storm that lasts the whole winter.
        """,
    "content/actors/ada-brennan.md": """\
        ---
        name: Ada Brennan
        ---
        Ada Brennan began on the stage.
        """,
    "content/posts/2023-01-10-harbour-lights-dated.md": """\
        ---
        title: Harbour Lights gets a date
        date: 2023-01-10
        film: Lighthouse Project
        release_year: 2024
        actors: [Ada Brennan, Zoë Marsh]
        tags: [release dates]
        image: /img/still.svg
        image_alt: A harbour at dusk
        tweet:
          url: https://twitter.com/harbourfilm/status/1612345678901234567
          text: The lights come on next year.
          author: Harbour Lights
          handle: harbourfilm
          date: 2023-01-09
        ---
        The film now has a date.[^1] Its makers said so in a short statement:

        > We would rather be late than wrong.

        | Date | Reported |
        | --- | --- |
        | January 2023 | 2024 |

        ```
        release_year: 2024
        ```

        [^1]: As the studio put it on the day.
        """,
    "content/posts/2023-06-02-harbour-lights-slips.md": """\
        ---
        title: Harbour Lights slips to 2025
        date: 2023-06-02
        film: Harbour Lights
        release_year: 2025
        actors: [Ada Brennan]
        tags: [release dates]
        ---
        A second winter shoot moves the film by a year. See the [film's page](/films/harbour-lights/).
        """,
    "content/posts/2023-08-20-quiet-week.md": """\
        ---
        title: A quiet week at the harbour
        date: 2023-08-20
        film: Amélie
        release_year: 2001
        ---
        Nothing moved this week.
        """,
    "content/posts/2023-07-01-long-names.md": """\
        ---
        title: Thenameofthisfilmislongerthananyphonescreenisbroad gets a trailer
        date: 2023-07-01
        film: Thenameofthisfilmislongerthananyphonescreenisbroad
        actors: [Maximilianaugustinevonhohenzollernsigmaringen]
        ---
        Long names must wrap, not push the page sideways.
        """,
    "content/posts/2023-09-01-casting.md": """\
        ---
        title: Zoë Marsh joins the cast
        date: 2023-09-01
        film: Harbour Lights
        actors: [Zoë Marsh]
        ---
        She plays the keeper's daughter.
        """,
}

JSON_LD_TYPES = {
    "home": "WebSite",
    "post": "NewsArticle",
    "films": "CollectionPage",
    "actors": "CollectionPage",
    "film": "Movie",
    "actor": "Person",
}


def theme_site(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    (root / "static/img").mkdir(parents=True)
    (root / "static/img/poster.svg").write_text(POSTER, encoding="utf-8")
    (root / "static/img/still.svg").write_text(STILL, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the small site, built under /movie-news/ by the real command.

    The output sits in ``<root>/movie-news`` so that ``<root>`` can be served as is.
    """
    tmp = tmp_path_factory.mktemp("theme")
    site = theme_site(tmp / "src")
    out = tmp / "www" / "movie-news"
    result = newsreel("build", site, "--output", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def pages(out: Path) -> dict[str, lxml_html.HtmlElement]:
    """Every HTML page of the output by its site path ("/films/", "/404.html")."""
    found = {}
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        site_path = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        found[site_path] = lxml_html.fromstring(path.read_bytes())
    return found


def kind_of(doc: lxml_html.HtmlElement) -> str:
    classes = doc.body.get("class", "").split()
    return next(c.removeprefix("page-") for c in classes if c.startswith("page-"))


def meta(doc: lxml_html.HtmlElement, attr: str, name: str) -> str | None:
    found = doc.xpath(f"//head/meta[@{attr}=$name]/@content", name=name)
    return found[0] if found else None


def test_builds_every_kind_of_page(built: Path) -> None:
    kinds = {kind_of(doc) for doc in pages(built).values()}
    assert {
        "home",
        "post",
        "films",
        "film",
        "actors",
        "actor",
        "tags",
        "tag",
        "404",
        "redirect",
    } <= kinds


def test_every_page_has_its_head_and_landmarks(built: Path) -> None:
    problems = []
    for path, doc in pages(built).items():

        def need(ok: object, what: str, path: Path = path) -> None:
            if not ok:
                problems.append(f"{path}: {what}")

        kind = kind_of(doc)
        need(doc.get("lang"), "no lang on <html>")
        need(len(doc.xpath("//h1")) == 1, f"{len(doc.xpath('//h1'))} h1 elements")
        need((doc.findtext(".//head/title") or "").strip(), "empty <title>")
        need((meta(doc, "name", "description") or "").strip(), "no meta description")
        need(meta(doc, "name", "viewport"), "no viewport")
        need(meta(doc, "name", "color-scheme") == "light dark", "no color-scheme")
        canonical = doc.xpath("//head/link[@rel='canonical']/@href")
        need(len(canonical) == 1 and canonical[0].startswith(BASE_URL), f"canonical {canonical}")
        for prop in (
            "og:title",
            "og:type",
            "og:url",
            "og:description",
            "og:site_name",
            "og:locale",
        ):
            need((meta(doc, "property", prop) or "").strip(), f"no {prop}")
        need(
            meta(doc, "name", "twitter:card") in ("summary", "summary_large_image"),
            "no twitter:card",
        )
        if meta(doc, "property", "og:image"):
            need(
                meta(doc, "name", "twitter:card") == "summary_large_image",
                "image without a large card",
            )
        need(
            doc.xpath("//a[@class='skip-link'][@href='#main']") and doc.xpath("//main[@id='main']"),
            "no skip link to main",
        )
        need(
            len(doc.xpath("//main")) == 1
            and doc.xpath("/html/body/header")
            and doc.xpath("/html/body/footer"),
            "landmarks",
        )
        need(all(nav.get("aria-label") for nav in doc.xpath("//nav")), "a nav without aria-label")
        labels = [nav.get("aria-label") for nav in doc.xpath("//nav")]
        need(len(labels) == len(set(labels)), f"two navs share a label: {labels}")
        need(all(img.get("alt") is not None for img in doc.xpath("//img")), "an img without alt")
        sheets = doc.xpath("//head/link[@rel='stylesheet']/@href")
        scripts = doc.xpath("//script[@src]/@src")
        if kind == "search":  # the search page alone runs Pagefind, from the site's own pagefind/
            pagefind = BASE_PATH + "pagefind/"
            need(sheets[1:] == [pagefind + "pagefind-ui.css"], f"stylesheets {sheets}")
            need(
                scripts[:1] == [pagefind + "pagefind-ui.js"]
                and len(scripts) == 2
                and scripts[1].startswith(BASE_PATH + "js/search."),
                f"scripts {scripts}",
            )
            sheets = sheets[:1]
        else:
            need(not scripts, "an external script")
        need(  # style.css, then its kind's own (test_each_page_kind_waits_only_for_its_own...)
            sheets[:1]
            and sheets[0].startswith(BASE_PATH + "css/style.")
            and all(
                re.fullmatch(re.escape(BASE_PATH) + r"css/[a-z]+\.[0-9a-f]+\.css", h)
                for h in sheets
            ),
            f"stylesheets {sheets}",
        )
        if kind not in ("404", "redirect", "search"):
            current = doc.xpath("//nav[@aria-label='Main']//a[@aria-current='page']")
            need(len(current) == 1, f"{len(current)} current items in the main nav")
        for script in doc.xpath("//script[@type='application/ld+json']"):
            try:
                data = json.loads(script.text)
            except (TypeError, ValueError) as exc:
                problems.append(f"{path}: JSON-LD does not parse: {exc}")
                continue
            if kind in JSON_LD_TYPES:
                need(data.get("@type") == JSON_LD_TYPES[kind], f"JSON-LD @type {data.get('@type')}")
        if kind in JSON_LD_TYPES:
            need(doc.xpath("//script[@type='application/ld+json']"), "no JSON-LD")
    assert not problems, "\n".join(problems)


def test_current_nav_item_matches_the_section(built: Path) -> None:
    docs = pages(built)
    expect = {
        "/": "Latest",
        "/page/2/": "Latest",
        "/posts/quiet-week/": "Latest",
        "/films/": "Films",
        "/films/harbour-lights/": "Films",
        "/actors/ada-brennan/": "Actors",
        "/tags/": "Tags",
    }
    for path, label in expect.items():
        current = docs[path].xpath("//nav[@aria-label='Main']//a[@aria-current='page']")
        assert [a.text_content().strip() for a in current] == [label], path


def test_every_internal_link_stays_under_the_base_path_and_lands(built: Path) -> None:
    problems = []
    for path, doc in pages(built).items():
        for element, attr, link, _ in doc.iterlinks():
            if element.tag == "meta" or link.startswith(("#", "mailto:")):
                continue
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                if parts.hostname == "example.org" and not parts.path.startswith(BASE_PATH):
                    problems.append(f"{path}: {link} leaves the base path")
                if element.tag in ("img", "script") or (
                    element.tag == "link" and element.get("rel") == "stylesheet"
                ):
                    problems.append(f"{path}: {element.tag} loads {link} from another host")
                continue
            if not link.startswith(BASE_PATH):
                problems.append(f"{path}: <{element.tag} {attr}={link!r}> is not under {BASE_PATH}")
                continue
            target = built / unquote(parts.path[len(BASE_PATH) :])
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{path}: {link} has no file")
            if parts.fragment and target.is_file() and target.suffix == ".html":
                ids = lxml_html.fromstring(target.read_bytes()).xpath("//@id")
                if parts.fragment not in ids:
                    problems.append(f"{path}: {link} has no #{parts.fragment}")
    assert not problems, "\n".join(problems)


def test_post_page(built: Path) -> None:
    doc = pages(built)["/posts/harbour-lights-dated/"]
    assert doc.xpath("string(//h1)").strip() == "Harbour Lights gets a date"
    assert doc.xpath("//article//time/@datetime")[0].startswith("2023-01-10")
    assert doc.xpath("//main//div[contains(@class,'prose')]//blockquote")
    assert doc.xpath("//main//div[contains(@class,'prose')]//table")
    tweet = doc.xpath("//blockquote[contains(concat(' ', @class, ' '), ' tweet ')]")
    assert tweet and "The lights come on next year." in tweet[0].text_content()
    assert doc.xpath("//main//img[@alt='A harbour at dusk']/@src") == [BASE_PATH + "img/still.svg"]
    facts = doc.xpath("string(//dl[@class='facts'])")
    for name in ("Harbour Lights", "Ada Brennan", "Zoë Marsh", "release dates"):
        assert name in facts
    assert doc.xpath("//nav[@aria-label='More posts']//a")


def test_film_page_shows_poster_synopsis_and_release_history(built: Path) -> None:
    doc = pages(built)["/films/harbour-lights/"]
    assert doc.xpath("string(//h1)").strip() == "Harbour Lights"
    poster = doc.xpath("//main//img[@alt='A lighthouse under an orange moon']")
    assert poster and poster[0].get("src") == BASE_PATH + "img/poster.svg"
    header = doc.xpath("string(//main//header)")
    assert "Lighthouse Project" in header and "Mira Solberg" in header and "2025" in header
    assert "lasts the whole winter" in doc.xpath("string(//main)")
    history = doc.xpath("//section[h2='Release history']//tbody/tr")
    assert [row.xpath("string(td[1])").strip() for row in history] == ["2024", "2025"]
    assert history[0].xpath("td[2]//a/@href") == [BASE_PATH + "posts/harbour-lights-dated/"]
    assert history[0].xpath("td[2]//time/@datetime")[0].startswith("2023-01-10")


def test_film_without_history_has_no_history_table(built: Path) -> None:
    doc = pages(built)["/films/amelie/"]
    assert not doc.xpath("//section[h2='Release history']")


def test_pagination(built: Path) -> None:
    docs = pages(built)
    first, second = docs["/"], docs["/page/2/"]
    nav = first.xpath("//nav[@aria-label='Pagination']")
    assert nav, "the home page has two pages but no pagination"
    assert nav[0].xpath(".//a[@aria-current='page']/@href") == [BASE_PATH]
    assert nav[0].xpath(".//a[@rel='next']/@href") == [BASE_PATH + "page/2/"]
    assert second.xpath("//nav[@aria-label='Pagination']//a[@rel='prev']/@href") == [BASE_PATH]
    assert second.xpath("//nav[@aria-label='Pagination']//a[@aria-current='page']/@href") == [
        BASE_PATH + "page/2/"
    ]
    assert not docs["/films/amelie/"].xpath("//nav[@aria-label='Pagination']"), (
        "one page needs no pagination"
    )


def test_index_lists_films_with_year_and_count(built: Path) -> None:
    doc = pages(built)["/films/"]
    item = doc.xpath("//main//li[.//a[@href=$href]]", href=BASE_PATH + "films/harbour-lights/")
    assert item
    text = " ".join(item[0].text_content().split())
    assert "Harbour Lights" in text and "2025" in text and "3 posts" in text
    assert item[0].xpath(".//img[@src=$src]", src=BASE_PATH + "img/poster.svg"), "the film's poster"
    amelie = doc.xpath("//main//li[.//a[@href=$href]]", href=BASE_PATH + "films/amelie/")[0]
    assert amelie.xpath(".//*[contains(@class, 'ph')]") and not amelie.xpath(".//img"), (
        "a placeholder poster"
    )


def test_redirect_page(built: Path) -> None:
    doc = pages(built)["/films/lighthouse-project/"]
    assert meta(doc, "http-equiv", "refresh") == f"0; url={BASE_PATH}films/harbour-lights/"
    assert doc.xpath("//head/link[@rel='canonical']/@href") == [BASE_URL + "films/harbour-lights/"]
    assert meta(doc, "name", "robots") == "noindex"
    assert doc.xpath("//main//a/@href") == [BASE_PATH + "films/harbour-lights/"]


def test_not_found_page_links_work_from_any_depth(built: Path) -> None:
    doc = pages(built)["/404.html"]
    hrefs = doc.xpath("//main//a/@href")
    assert BASE_PATH in hrefs and BASE_PATH + "films/" in hrefs
    assert all(
        h.startswith(BASE_PATH)
        for h in doc.xpath("//a/@href | //link/@href | //img/@src")
        if not h.startswith(("http", "#"))
    )


def stylesheets(built: Path, doc: lxml_html.HtmlElement) -> dict[str, str]:
    """The theme's stylesheets a page links, in order: name ("post.css") → text."""
    found = {}
    for href in doc.xpath("//head/link[@rel='stylesheet']/@href"):
        name = re.fullmatch(r".*/css/([a-z]+)\.[0-9a-f]+\.css", href)
        if name:
            found[name.group(1) + ".css"] = (built / href[len(BASE_PATH) :]).read_text("utf-8")
    return found


def styled_classes(css: str) -> set[str]:
    """The class names a stylesheet's selectors name."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = " ".join(re.findall(r"([^{}]+)\{", css))
    return set(re.findall(r"\.([a-zA-Z_][\w-]*)", selectors))


# The stylesheets a page kind waits for before its first paint (render-blocking). A phone on a
# slow link gets about 14 KB in a round trip, so every page kind stays well under the single
# 32 KB sheet the theme once was; style.css is what every page shares.
KIND_SHEETS = {
    "home": ["style.css", "front.css"],
    "post": ["style.css", "post.css"],
    "film": ["style.css", "term.css"],
    "actor": ["style.css", "term.css"],
    "tag": ["style.css", "term.css"],
    "films": ["style.css", "term.css"],
    "actors": ["style.css", "term.css"],
    "tags": ["style.css", "term.css"],
    "releases": ["style.css", "term.css"],
    "search": ["style.css"],
    "404": ["style.css"],
    "redirect": ["style.css"],
}
BLOCKING_CSS_BUDGET = {"style.css": 21_000, "page": 27_500}


def test_each_page_kind_waits_only_for_its_own_stylesheets(built: Path) -> None:
    for path, doc in pages(built).items():
        sheets = stylesheets(built, doc)
        kind = kind_of(doc)
        expected = KIND_SHEETS[kind]
        if kind == "home" and doc.xpath("//*[contains(@class, 'front')]") == []:
            expected = ["style.css"]  # /page/2/ and later: a list of rows, no front
        assert list(sheets) == expected, path
        blocking = sum(len(css.encode()) for css in sheets.values())
        assert blocking < BLOCKING_CSS_BUDGET["page"], (path, blocking)
        assert len(sheets["style.css"].encode()) < BLOCKING_CSS_BUDGET["style.css"]
        for css in sheets.values():
            assert "@import" not in css, "a stylesheet must not load another"


def test_every_class_a_page_uses_is_styled_by_a_sheet_it_links(built: Path) -> None:
    """A rule moved to another page kind's sheet (or a kind's sheet not linked) fails here."""
    theme_css = sorted((built / "css").glob("*.css"))
    assert {re.sub(r"\.[0-9a-f]+\.css$", ".css", p.name) for p in theme_css} == {
        "style.css",
        "front.css",
        "post.css",
        "term.css",
    }
    styled = set().union(*(styled_classes(p.read_text("utf-8")) for p in theme_css))
    for path, doc in pages(built).items():
        linked = set().union(*map(styled_classes, stylesheets(built, doc).values()))
        used = {c for value in doc.xpath("//@class") for c in value.split()}
        assert (used & styled) - linked == set(), path


def test_the_shared_stylesheet_has_both_schemes_print_and_only_font_urls(built: Path) -> None:
    sheets = stylesheets(built, pages(built)["/posts/harbour-lights-dated/"])
    css = sheets["style.css"]
    assert "prefers-color-scheme: dark" in css and "@media print" in css and ":focus-visible" in css
    urls = re.findall(r"url\(([^)]*)\)", css)
    assert urls and all(re.fullmatch(r'"\.\./fonts/[a-z0-9-]+\.woff2"', u) for u in urls), urls
    assert "url(" not in sheets["post.css"] and "@font-face" not in sheets["post.css"]


def test_fonts_are_the_theme_own_subset_swapped_preloaded_and_licensed(built: Path) -> None:
    doc = pages(built)["/"]
    href = doc.xpath("//head/link[@rel='stylesheet']/@href")[0]
    css = (built / href[len(BASE_PATH) :]).read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
    assert {re.search(r'font-family:\s*"([^"]+)"', f).group(1) for f in faces} == {
        "Inter",
        "Source Serif 4",
    }
    assert all("font-display: swap" in f and "unicode-range" in f for f in faces)
    files = sorted((built / "fonts").glob("*.woff2"))
    assert files and sum(f.stat().st_size for f in files) < 120_000
    assert all(f.read_bytes()[:4] == b"wOF2" for f in files)
    for face in faces:  # every face's file is shipped
        name = re.search(r'url\("\.\./fonts/([^"]+)"\)', face).group(1)
        assert (built / "fonts" / name).is_file(), name
    assert {p.name for p in (built / "fonts").glob("*LICENSE*")} == {
        "inter-LICENSE.txt",
        "source-serif-4-LICENSE.txt",
    }
    assert "SIL Open Font License" in (built / "fonts/inter-LICENSE.txt").read_text(
        encoding="utf-8"
    )
    # Every Latin face is preloaded on every page, whether or not its text uses it: a face the
    # browser finds only when it lays out the page (the italic of an <em>) is fetched after the
    # stylesheet, at the highest priority, and holds the first paint (Lighthouse 0.99 → 1.0 on
    # a post with a trailer). Latin Extended-A faces stay on demand.
    latin = {
        re.search(r'url\("\.\./fonts/([^"]+)"\)', f).group(1) for f in faces if "U+0000-00FF" in f
    }
    assert len(latin) == 5 and not any("latin-ext" in name for name in latin)
    for path, page in pages(built).items():
        preloads = page.xpath("//head/link[@rel='preload'][@as='font']")
        assert all(
            p.get("crossorigin") is not None and p.get("type") == "font/woff2" for p in preloads
        )
        assert {p.get("href").rsplit("/", 1)[1] for p in preloads} == latin, path
        assert all((built / p.get("href")[len(BASE_PATH) :]).is_file() for p in preloads)


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    """The output served by a throwaway HTTP server at http://127.0.0.1:PORT/movie-news/."""
    with static_server(built.parent) as root:
        yield root + BASE_PATH[1:]


@pytest.mark.browser
def test_pages_in_chromium_stay_local_and_hold_their_layout(served: str, browser: Browser) -> None:
    origin = served[: -len(BASE_PATH) + 1]
    problems: list[str] = []
    backgrounds: dict[str, set[str]] = {"light": set(), "dark": set()}
    for scheme in ("light", "dark"):
        for width in (375, 1280):
            page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
            page.on(
                "request",
                lambda r: r.url.startswith(origin) or problems.append(f"request to {r.url}"),
            )
            # a favicon still loading when the next page opens is aborted: not a failure
            page.on(
                "requestfailed",
                lambda r: (
                    r.failure == "net::ERR_ABORTED"
                    or problems.append(f"failed: {r.url} {r.failure}")
                ),
            )
            page.on(
                "response",
                lambda r: r.status < 400 or problems.append(f"{r.status}: {r.url}"),
            )
            page.on(
                "console",
                lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            for path in (
                "posts/harbour-lights-dated/",
                "films/harbour-lights/",
                "",
                "films/",
                "posts/long-names/",
            ):
                where = f"{path} {scheme} {width}px"
                page.goto(served + path, wait_until="load")
                state = page.evaluate("""() => ({
                    overflow: document.documentElement.scrollWidth - window.innerWidth,
                    background: getComputedStyle(document.body).backgroundColor,
                    images: [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src),
                    h1: getComputedStyle(document.querySelector('h1')).fontWeight,
                })""")
                backgrounds[scheme].add(state["background"])
                if state["overflow"] > 0:
                    problems.append(f"{where}: scrolls sideways by {state['overflow']}px")
                if state["images"]:
                    problems.append(f"{where}: images not loaded: {state['images']}")
                if int(state["h1"]) < 700:
                    problems.append(
                        f"{where}: the stylesheet is not applied (h1 weight {state['h1']})"
                    )
                page.keyboard.press("Tab")
                skip = page.evaluate("""() => { const a = document.activeElement;
                    const r = a.getBoundingClientRect();
                    return {cls: a.className, top: r.top, height: r.height,
                            outline: getComputedStyle(a).outlineStyle}; }""")
                if skip["cls"] != "skip-link" or skip["top"] < 0 or skip["height"] == 0:
                    problems.append(f"{where}: the first Tab does not show the skip link: {skip}")
                page.keyboard.press("Enter")
                # Chromium moves focus to the target when it scrolls to the fragment, which can
                # come a moment after the URL changes (once the page's fonts are in).
                page.wait_for_function(
                    "() => location.hash === '#main' && document.activeElement"
                    " && document.activeElement.closest('main') !== null",
                    timeout=5000,
                )
                page.keyboard.press("Tab")
                focused = page.evaluate("""() => { const a = document.activeElement;
                    return {inMain: !!a.closest('main'), outline: getComputedStyle(a).outlineStyle}; }""")
                if not focused["inMain"] or focused["outline"] == "none":
                    problems.append(
                        f"{where}: after the skip link, focus is not visibly in main: {focused}"
                    )
            page.close()
    assert not problems, "\n".join(problems)
    assert len(backgrounds["light"]) == 1 and len(backgrounds["dark"]) == 1
    assert backgrounds["light"] != backgrounds["dark"], "no dark scheme"


@pytest.mark.browser
def test_print_rules_still_win_over_the_page_kind_sheets(served: str, browser: Browser) -> None:
    """post.css and term.css come after style.css: their print rules must still apply."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.emulate_media(media="print")
        page.goto(served + "posts/harbour-lights-dated/", wait_until="load")
        post = page.evaluate("""() => ({
            width: getComputedStyle(document.querySelector('.post')).maxWidth,
            image: Math.round(parseFloat(getComputedStyle(document.querySelector('.post__image img')).maxHeight)),
            nav: getComputedStyle(document.querySelector('.site-nav')).display,
        })""")
        assert post == {"width": "none", "image": 340, "nav": "none"}  # 9 cm
        page.goto(served + "films/harbour-lights/", wait_until="load")
        film = page.evaluate("""() => ({
            follow: getComputedStyle(document.querySelector('.term__follow')).display,
            poster: Math.round(parseFloat(getComputedStyle(document.querySelector('.term__image img')).maxHeight)),
        })""")
        assert film == {"follow": "none", "poster": post["image"]}
        page.emulate_media(media="screen")
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.term__follow')).display")
            == "flex"
        )
    finally:
        page.close()
