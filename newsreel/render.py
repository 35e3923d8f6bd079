"""Turn the site model into pages: a Jinja2 environment and a plan of every output.

``Renderer.plan(site)`` lists every page as a ``PageJob``: its site path, template and a
context factory. ``Renderer.key(job)`` makes its *key* — a hash of exactly the data the page
shows — when first asked, so that a cold build makes its keys in the processes that render the
pages. A build that finds the same key in its cache keeps the old bytes instead of rendering
again.
Templates come from the site's ``templates/`` first, then the built-in theme.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import sys
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape as html_escape
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from newsreel.cards import card_url
from newsreel.codecache import SignedBytecodeCache
from newsreel.codecache import available as codecache_available
from newsreel.config import Settings
from newsreel.dates import human_date, iso, month_name
from newsreel.errors import Problem, error
from newsreel.fragments import FragmentMemo, reads_context
from newsreel.ical import calendar_bytes, has_events
from newsreel.images import Catalog
from newsreel.incremental.keys import (
    Derived,
    Digests,
    Known,
    page_key,
    templates_digest,
)
from newsreel.incremental.keys import (
    plan_key as make_plan_key,
)
from newsreel.incremental.store import code_fingerprint
from newsreel.layout import TEMPLATES, SiteLayout, drop_links
from newsreel.metadata import (
    PageMeta,
    collection_ld,
    image_url,
    json_ld,
    og_type,
    page_title,
    post_ld,
    term_ld,
    website_ld,
)
from newsreel.model import Post, SiteView, Term, front_page
from newsreel.pages import (
    Home,
    Ical,
    NotFound,
    Page,
    PostPage,
    RedirectPage,
    ReleaseCalendar,
    Robots,
    SearchPage,
    SiteFeed,
    Sitemap,
    TermFeed,
    TermIndex,
    TermPage,
    page_count,
    plan_pages,
)
from newsreel.pictures import Pictures
from newsreel.releases import last_release, next_release, release_calendar
from newsreel.slugs import slugify, term_key
from newsreel.taxonomies import spoken_list, works
from newsreel.theme import theme_dirs
from newsreel.tweets import WIDGETS_SCRIPT_URL, render_tweet
from newsreel.urls import Urls
from newsreel.video import Video, player, replace_marked, video_ld

RECENT_ON_404 = 5


def templates_cache(site_dir: Path) -> Path | None:
    """The build cache's folder of compiled templates (None when it cannot be made, or where
    ``codecache`` has no key).

    Jinja checks each template's source, but compiled code also depends on the filters and
    globals this module gives the environment (how a filter is called is decided at compile
    time), so the folder is named after newsreel's code and Jinja's version.
    """
    if not codecache_available():
        return None  # (nothing compiled is kept where no key seals it)
    cache = SiteLayout(site_dir).cache
    folder = cache / f"templates-{code_fingerprint()[:12]}"
    try:
        if not folder.is_dir():
            for old in cache.glob("templates*"):
                shutil.rmtree(old, ignore_errors=True)  # compiled by another newsreel
            folder.mkdir(parents=True)
    except OSError:
        return None
    drop_links(folder)  # (Jinja opens its files by name)
    return folder


class _Globals(ChainMap[str, Any]):
    """A template's globals (its own over the environment's), whose ``keys`` are a set, and
    which iterates over that set: every template context takes ``set(globals)``, which
    ``ChainMap`` makes from a dict of each map's keys (1.6 % of a cold build's samples)."""

    def keys(self) -> set[str]:  # type: ignore[override]
        return set().union(*self.maps)

    def __iter__(self) -> Iterator[str]:
        return iter(set().union(*self.maps))


def _output_escape() -> Callable[[Any], Markup]:
    """markupsafe's ``escape`` as a template's output uses it, without what it repeats there:
    a ``Markup`` value is returned as it is (markupsafe makes a copy), a string is escaped
    straight into a ``Markup``. (markupsafe's own, where its C escaping is not found.)"""
    try:
        from markupsafe._speedups import _escape_inner
    except ImportError:  # pragma: no cover - markupsafe 2, or built without its C module
        return markupsafe_escape
    new = str.__new__

    def escape(value: Any) -> Markup:
        kind = type(value)
        if kind is str:
            return new(Markup, _escape_inner(value))
        if kind is Markup:
            return value  # type: ignore[no-any-return]
        return markupsafe_escape(value)

    return escape


class _Template(jinja2.Template):
    """A template whose ``{{ … }}`` output is escaped by ``_output_escape`` (every page calls
    it some 80 times: 4 % of a cold build's profile was markupsafe's)."""

    @classmethod
    def _from_namespace(
        cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any], globals: Any
    ) -> jinja2.Template:
        if "escape" in namespace:  # (the compiled code's own module globals)
            namespace["escape"] = OUTPUT_ESCAPE
        return super()._from_namespace(environment, namespace, globals)


OUTPUT_ESCAPE = _output_escape()


class _Environment(jinja2.Environment):
    """Jinja's environment, its templates' globals a ``_Globals``: every ``{% import %}``
    subtracts their keys from its caller's, which Jinja's ``ChainMap`` does a name at a time
    in Python (4 % of the time spent rendering a cold build)."""

    template_class = _Template

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _Globals({} if d is None else d, self.globals)  # (Jinja's, but a _Globals)


@dataclass(frozen=True)
class Pagination:
    """Where a listing page sits among its pages."""

    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    pages: tuple[tuple[int, str], ...]
    """(number, path) of the pages to link: the first, the last and ``PAGES_AROUND`` either
    side of this one. Not every page: a listing of 4,000 pages would make each of them walk
    (and its key hash) 4,000 entries, 16 million in all."""


PAGES_AROUND = 2
"""How many page links a listing shows either side of the current page."""


@dataclass(frozen=True)
class PageJob:
    """One output to produce."""

    url: str
    """Site path ("/films/amelie/", "/feed.xml")."""
    template: str
    source: str
    """What asked for it (a content file or a listing), for collision messages."""
    context: PageContext
    unit: Page
    """Names the page in the plan (``pages.py``), so a later build can plan it alone."""
    data: Callable[[], bytes] | None = None
    """Makes the file's bytes from the context without a template (the .ics calendars)."""


class PageKey(NamedTuple):
    """What ``Renderer.key`` makes of a page's context."""

    key: str
    """Hash of everything the page's context holds (``incremental.keys``); with the posts it
    read while rendering, it is the key recorded in the manifest."""
    shows: tuple[str, ...]
    """Sources of the posts its context holds (an edit of one re-renders it)."""


class TemplateFailed(Exception):
    """A template could not be loaded or rendered; ``problem`` says where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Renderer:
    """Jinja environment and page plan of one build."""

    def __init__(
        self,
        site_dir: Path,
        settings: Settings,
        urls: Urls,
        *,
        preview: bool,
        assets: dict[str, str],
        today: dt.date,
        catalog: Catalog | None = None,
        compiled: Path | None = None,
    ) -> None:
        """``compiled``: the folder its templates are compiled into and loaded from, with
        the analysis of its partials (``templates_cache``, or a build's own); None: each is
        compiled and analysed in memory."""
        self.site_dir = site_dir
        self.settings = settings
        self.urls = urls
        self.preview = preview
        self.assets = assets
        self.today = today
        """The build's date in the site's time zone: what "upcoming" is relative to."""
        self.catalog = catalog or Catalog()
        self.pictures = Pictures(self.catalog, urls.link)
        theme_templates, _ = theme_dirs()
        self.template_dirs = [
            d for d in (SiteLayout(site_dir).templates, theme_templates) if d.is_dir()
        ]
        self.env = _Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.template_dirs]),
            bytecode_cache=SignedBytecodeCache.for_folder(compiled) if compiled else None,
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one Renderer a build: no template changes during it (no stat a page)
            # and a plain dict for the loaded templates: Jinja's LRU cache takes a lock and
            # reorders a queue on every include (1 % of a cold build); a build loads a few dozen
            cache_size=-1,
        )
        self.fragments = FragmentMemo(self.env)
        self.fragments.install()
        self.env.filters.update(
            url=self._link,
            absolute=self._absolute,
            human_date=human_date,
            iso=iso,
            xml_text=xml_text,
            month_name=month_name,
            nobreak_dash=nobreak_dash,
            spoken_list=spoken_list,
        )
        release_kind = works(settings.taxonomies)
        self.env.globals.update(
            site=settings,
            taxonomies=settings.taxonomies,
            works=release_kind.name if release_kind else "",
            work_kind=release_kind,
            asset=self.asset,
            render_tweet=self.render_tweet,
            tweet_script_url=WIDGETS_SCRIPT_URL,
            picture=self.pictures.picture,
            image_url=self.pictures.url,
            trailer=self.trailer,
        )
        self.env.filters.update(media=self._media)
        self.plan_key = ""

    # --- helpers exposed to templates ---------------------------------------
    # The link filters take the template context only so that Jinja cannot fold them into
    # constants at compile time: ``'/'|url`` depends on this build's base_url, and compiled
    # templates are cached across builds (another --base-url must not reuse the old links).
    @reads_context()
    @jinja2.pass_context
    def _link(self, context: Any, path: str) -> str:
        return self.urls.link(str(path))

    @reads_context()
    @jinja2.pass_context
    def _absolute(self, context: Any, path: str) -> str:
        return self.urls.absolute(str(path))

    def asset(self, rel: str) -> str:
        """Link to a static file, by its fingerprinted name when it has one."""
        rel = rel.lstrip("/")
        return self.urls.link("/" + self.assets.get(rel, rel))

    def trailer(
        self, video: Video | None, title: str = "", poster: str | None = None, lead: bool = False
    ) -> Markup:
        """The player of a trailer (``video.py``), its poster frame drawn from ``poster`` (or the
        trailer's own ``poster``) through the image pipeline."""
        if video is None:
            return Markup("")
        poster = video.poster or poster
        # A portrait poster is shown whole on the player's dark ground: cropped to 16:9 it
        # would keep a band from its middle (the title, the faces, the subject cut away).
        size = self.pictures.size(poster)
        tall = size is not None and size[1] > size[0]
        frame = (
            self.pictures.picture(
                poster,
                "",
                sizes="lead",
                lead=lead,
                class_="trailer__frame trailer__frame--whole" if tall else "trailer__frame",
            )
            if poster
            else None
        )
        file_url = self.urls.link(video.id) if video.is_file else ""
        return player(
            video,
            title=title,
            poster=frame,
            poster_url=self.pictures.url(poster, 1280) if poster else None,
            file_url=file_url,
            script_url=self.asset("js/trailer.js"),
        )

    @reads_context("video_poster", "video_title")
    @jinja2.pass_context
    def _media(self, context: Any, html: Any) -> Markup:
        """A rendered body with its images as ``<picture>`` and its video links as players
        (poster frame: the page's ``video_poster``)."""
        poster = context.get("video_poster")
        title = context.get("video_title") or "the video"
        body = replace_marked(str(html), lambda video: self.trailer(video, title, poster))
        return self.pictures.body(body)

    def render_tweet(self, tweet: Any) -> Markup:
        """A front-matter tweet's markup, its image under the base path."""
        return self.pictures.body(render_tweet(tweet, base_path=self.urls.base_path))

    def templates_digest(self) -> str:
        """Hash of every template file, so any template edit changes every page key."""
        return templates_digest(self.template_dirs)

    def _template_file(self, name: str) -> str:
        """Where a template by that name is read from, for messages."""
        for folder in self.template_dirs:
            if (folder / name).is_file():
                return self.problem_path(str(folder / name))
        return f"{TEMPLATES}/{name}"

    def problem_path(self, filename: str | None) -> str:
        if not filename:
            return TEMPLATES
        try:
            return Path(filename).resolve().relative_to(self.site_dir.resolve()).as_posix()
        except ValueError:
            return filename

    # --- rendering -------------------------------------------------------------
    def render(self, job: PageJob) -> bytes:
        """Render one page; a ``TemplateFailed`` names the template file and line."""
        if job.data is not None:
            return job.data()
        try:
            template = self.env.get_template(job.template)
            return template.render(job.context()).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailed(
                error(
                    self.problem_path(exc.filename),
                    exc.lineno,
                    f"template syntax error: {exc.message}",
                    "fix the Jinja2 syntax at this line",
                )
            ) from None
        except jinja2.TemplateNotFound as exc:
            problem = self._runtime_problem(exc, job)
            where = problem.path if problem.line is not None else "templates/" + job.template
            raise TemplateFailed(
                error(
                    where,
                    problem.line,
                    f"template {exc.name!r} not found",
                    "add it to templates/ or remove the reference to it",
                )
            ) from None
        except UnicodeDecodeError:
            raise TemplateFailed(
                error(
                    self._template_file(job.template),
                    None,
                    "the template is not UTF-8",
                    "save it as UTF-8 in your editor",
                )
            ) from None
        except Exception as exc:  # noqa: BLE001 - any error raised inside a template is the template's
            raise TemplateFailed(self._runtime_problem(exc, job)) from None

    def _runtime_problem(self, exc: Exception, job: PageJob) -> Problem:
        frames = []  # (code, file, line) of each template frame, outermost first
        tb = sys.exc_info()[2]
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename.endswith((".html", ".xml", ".txt")):
                frames.append((code, code.co_filename, tb.tb_lineno))
            tb = tb.tb_next
        filename, line = frames[-1][1:] if frames else (None, None)
        if isinstance(exc, RecursionError):
            # The line that starts the loop: the first whose next template frame runs code
            # already running above it (where Python's limit strikes in the loop, and so the
            # deepest frame, differs between versions). The site's own templates first.
            codes: set[object] = set()
            loops: list[tuple[str | None, int | None]] = []
            for (code, file, at), (deeper, _, _) in zip(frames, frames[1:]):
                codes.add(code)
                if deeper in codes:
                    loops.append((file, at))
            own = (f for f in loops if not Path(self.problem_path(f[0])).is_absolute())
            filename, line = next(own, loops[0] if loops else (filename, line))
            return error(
                self.problem_path(filename or job.template),
                line,
                f"template error while rendering {job.url}: the template includes, extends or "
                "calls itself without end",
                "fix the template: break the loop, or end it with an if",
            )
        message = (
            exc.message
            if isinstance(exc, jinja2.TemplateError) and exc.message
            else f"{type(exc).__name__}: {exc}"
        )
        return error(
            self.problem_path(filename or job.template),
            line,
            f"template error while rendering {job.url}: {message}",
            "fix the template: only the variables listed in the README are defined",
        )

    # --- the plan ----------------------------------------------------------------
    # Every page is named by a *unit*, a record of ``pages.py``, so a build can plan all pages, or only
    # the few an edit reaches (``build.py``'s patch path), with one piece of code per kind.
    def meta(
        self, kind: str, url: str, title: str | None, heading: str, description: str, **extra: Any
    ) -> PageMeta:
        return PageMeta(
            kind=kind,
            title=page_title(self.settings, title),
            heading=heading,
            description=description or self.settings.description,
            canonical=self.urls.absolute(url),
            url=url,
            preview=self.preview,
            **extra,
        )

    def plan(self, site: SiteView) -> list[PageJob]:
        """Every page of the site, with its key and context factory."""
        self.begin(site)
        jobs = self.jobs(site, self.units(site))
        jobs.append(self._sitemap(site, jobs))
        return jobs

    def begin(self, site: SiteView, plan_key: str | None = None, known: Known | None = None) -> str:
        """Start planning pages of ``site``; returns the key every page's key is made with.
        (``known``: the digests earlier patches made, for a patch to take.)"""
        nav = self._nav(site)
        self._common = {"nav": nav}
        self._memo: dict[Any, Any] = {}
        self._keys: dict[str, PageKey] = {}
        self.fragments.size_for(len(site.posts))
        self.digests = Digests(known)
        # What every page shows besides its own data: the navigation, the templates, the settings.
        # (A patch passes the key of the build it patches: its templates and settings are the same.)
        self.plan_key = plan_key or make_plan_key(
            code_fingerprint(),
            self.settings,
            self.preview,
            self.assets,
            self.templates_digest(),
            nav(""),
            self.catalog.digest(),
        )
        return self.plan_key

    def units(self, site: SiteView) -> list[Page]:
        """Every page but the sitemap (which lists the others), in output order."""
        return plan_pages(site, self.settings)

    def jobs(self, site: SiteView, units: Iterable[Page]) -> list[PageJob]:
        """The pages named by ``units`` (after ``begin``)."""
        makers: dict[type, Callable[[SiteView, Any], PageJob]] = {
            Home: self._home,
            PostPage: self._post,
            TermIndex: self._terms,
            TermPage: self._term,
            SiteFeed: self._feed,
            TermFeed: self._feed,
            ReleaseCalendar: self._releases,
            Ical: self._ics,
            SearchPage: self._search,
            RedirectPage: self._redirect,
            NotFound: self._not_found,
            Robots: self._robots,
        }
        return [makers[type(unit)](site, unit) for unit in units]

    def key(self, job: PageJob) -> PageKey:
        """The key of a planned page, made once per build by the process that first asks."""
        made = self._keys.get(job.url)
        if made is None:
            context_key, shows = self.digests.context(job.context.values_for_key())
            made = PageKey(page_key(self.plan_key, job.url, job.template, context_key), shows)
            self._keys[job.url] = made
        return made

    def take_keys(self, keys: dict[str, PageKey]) -> None:
        """Keys another process made (a rendering worker's)."""
        self._keys.update(keys)

    def _job(
        self,
        unit: Page,
        url: str,
        template: str,
        source: str,
        context: PageContext,
        data: Callable[[], bytes] | None = None,
    ) -> PageJob:
        """A page; its key is made from its whole context (``key``)."""
        return PageJob(url, template, source, context, unit, data)

    def _nav(self, site: SiteView) -> Callable[[str], tuple[tuple[str, str, bool], ...]]:
        """The navigation of a page in ``section``: one object per section, so that the
        header (a fragment keyed by it) is rendered once a section."""
        items = [("Latest", "/")]
        for tax in self.settings.taxonomies:
            if tax.nav == "always" or (tax.nav == "used" and site.has_terms(tax.name)):
                items.append((tax.plural, self.urls.terms(tax.name)))
            if tax.releases:
                items.append(("Releases", "/releases/"))
        made: dict[str, tuple[tuple[str, str, bool], ...]] = {}

        def nav(section: str) -> tuple[tuple[str, str, bool], ...]:
            found = made.get(section)
            if found is None:
                found = made[section] = tuple(
                    (label, path, path == section) for label, path in items
                )
            return found

        return nav

    def _listing(
        self, items: Sequence[Post], number: int, url_of: Callable[[int], str]
    ) -> tuple[Sequence[Post], Pagination]:
        """Page ``number`` of a listing paginated ``per_page`` posts a page."""
        per_page = self.settings.per_page
        total = page_count(len(items), per_page)
        near = range(max(1, number - PAGES_AROUND), min(total, number + PAGES_AROUND) + 1)
        pagination = Pagination(
            number,
            total,
            url_of(number - 1) if number > 1 else None,
            url_of(number + 1) if number < total else None,
            tuple((n, url_of(n)) for n in sorted({1, total, *near})),
        )
        return items[(number - 1) * per_page : number * per_page], pagination

    def _home(self, site: SiteView, unit: Home) -> PageJob:
        number = unit.number
        posts, pagination = self._listing(site.posts, number, self.urls.home)
        url = self.urls.home(number)
        title = None if number == 1 else f"Latest news, page {number}"
        meta = self.meta(
            "home",
            url,
            title,
            self.settings.title if number == 1 else "Latest news",
            self.settings.description,
            json_ld=json_ld(website_ld(self.settings, self.urls)),
            feed="/feed.xml",
        )
        release_kind = works(self.settings.taxonomies)
        front = (
            front_page(posts, site.terms(release_kind.name) if release_kind else (), self.today)
            if number == 1
            else None
        )
        return self._job(
            unit,
            url,
            "index.html",
            "the home page",
            _ctx(
                self._common,
                page=meta,
                posts=posts,
                front=front,
                pagination=pagination,
                section="/",
            ),
        )

    def _post(self, site: SiteView, unit: PostPage) -> PageJob:
        posts = site.posts
        index = site.post_index(unit.url)
        post = posts[index]
        newer = posts[index - 1] if index > 0 else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        poster = self._video_poster(site, post)
        meta = Derived(
            lambda: self.meta(
                "post",
                post.url,
                post.title,
                post.title,
                post.summary,
                og_type="article",
                image=self.urls.absolute(card_url(post.url))
                if self.settings.social_cards
                else image_url(self.urls, post.image),
                image_alt=post.image_alt or post.title,
                json_ld=json_ld(
                    self._with_video(
                        post_ld(post, self.settings, self.urls),
                        post.trailer,
                        post.html,
                        post.title,
                        post.summary,
                        poster,
                        post.date.isoformat(),
                        post.url,
                    )
                ),
                tweet_script=self.settings.tweets_enhance
                and (b"twitter-tweet" in post.html_utf8 or any(t.url for t in post.tweets)),
            )
        )
        return self._job(
            unit,
            post.url,
            "post.html",
            post.source,
            _ctx(
                self._common,
                page=meta,
                post=post,
                newer=newer,
                older=older,
                section="/",
                video_poster=poster,
                video_title=post.title,
            ),
        )

    def _video_poster(self, site: SiteView, post: Post) -> str | None:
        """The picture a post's trailers start from: its own, else the poster or first still of
        a term it names of a kind declared with ``poster`` (a picture wider than tall first:
        the player is 16:9, and a portrait one is shown whole on a dark ground)."""
        candidates = [post.image]
        for tax in self.settings.taxonomies:
            if not tax.poster:
                continue
            for ref in post.refs(tax.name):
                try:
                    term = site.term(tax.name, ref.url.rstrip("/").rsplit("/", 1)[-1])
                except (KeyError, LookupError):
                    continue
                stills = term.extra.get("stills") or ()
                if term.image and self.pictures.info(term.image):
                    candidates.append(term.image)
                candidates += [still.src for still in stills[:1]]
        return self._wide_first(candidates)

    def _wide_first(self, candidates: Sequence[str | None]) -> str | None:
        """The first of ``candidates`` wider than tall (or of a size unknown here: a remote
        image), else the first of them."""
        present = [src for src in candidates if src]
        for src in present:
            size = self.pictures.size(src)
            if size is None or size[0] >= size[1]:
                return src
        return present[0] if present else None

    def _with_video(
        self,
        data: dict[str, Any],
        trailer: Video | None,
        html: str,
        name: str,
        description: str,
        poster: str | None,
        uploaded: str,
        page_url: str,
    ) -> dict[str, Any]:
        """JSON-LD with a ``VideoObject`` for the page's trailer and the videos of its body
        (``uploaded``: a term's is its ``latest`` headline's date, so that no page of the term
        reads its newest post)."""
        videos = [trailer] if trailer is not None else []

        def collect(video: Video) -> str:
            videos.append(video)
            return ""

        replace_marked(str(html), collect)
        if not videos:
            return data
        thumb: str | None = (
            self.pictures.path(poster, 1280)
            if poster
            else card_url(page_url)
            if self.settings.social_cards
            else None
        )
        if thumb is not None and "://" not in thumb:
            thumb = self.urls.absolute(thumb)
        found = [
            video_ld(
                v,
                name=name,
                description=description or name,
                thumbnail=thumb,
                uploaded=uploaded,
                content_url=self.urls.absolute(v.id) if v.is_file else None,
            )
            for v in videos
        ]
        return {**data, "video": found[0] if len(found) == 1 else found}

    def _terms(self, site: SiteView, unit: TermIndex) -> PageJob:
        kind = unit.kind
        tax = self.settings.taxonomy(kind)
        label, plural = tax.label, tax.plural
        terms = site.terms(kind)
        url = self.urls.terms(kind)
        meta = self.meta(
            kind,
            url,
            plural,
            plural,
            f"Every {label.lower()} on {self.settings.title}.",
            json_ld=json_ld(
                collection_ld(plural, self.urls.absolute(url), f"{plural} on {self.settings.title}")
            ),
        )
        return self._job(
            unit,
            url,
            "terms.html",
            f"the {kind} index",
            _ctx(
                self._common,
                page=meta,
                terms=terms,
                kind=kind,
                taxonomy=tax,
                label=label,
                plural=plural,
                section=url,
            ),
        )

    def _term(self, site: SiteView, unit: TermPage) -> PageJob:
        kind, slug, number = unit.kind, unit.slug, unit.number
        tax = self.settings.taxonomy(kind)
        label, plural = tax.label, tax.plural
        term = site.term(kind, slug)
        feed = self.urls.term_feed(kind, slug) if tax.feed else None
        posts, pagination = self._listing(
            term.posts, number, lambda n: self.urls.term(kind, slug, n)
        )
        url = self.urls.term(kind, slug, number)
        suffix = "" if number == 1 else f", page {number}"
        stills = term.extra.get("stills") or ()
        poster = term.image or (stills[0].src if stills else None)
        description = self._term_description(term)
        meta = Derived(
            lambda: self.meta(
                tax.page_kind,
                url,
                term.name + suffix,
                term.name,
                description,
                og_type=og_type(tax.schema),
                image=self.urls.absolute(card_url(term.url))
                if tax.pages and self.settings.social_cards
                else image_url(self.urls, term.image),
                image_alt=term.image_alt or term.name,
                json_ld=json_ld(
                    self._with_video(
                        term_ld(term, tax, self.urls),
                        term.extra.get("trailer"),
                        term.html,
                        term.name,
                        description,
                        poster,
                        (
                            term.latest.date.isoformat()
                            if term.latest
                            else str(term.release_year or "")
                        ),
                        term.url,
                    )
                ),
                feed=feed,
            )
        )
        return self._job(
            unit,
            url,
            "term.html",
            term.source or f"the {label.lower()} {term.name!r}",
            _ctx(
                self._common,
                page=meta,
                term=term,
                taxonomy=tax,
                posts=posts,
                pagination=pagination,
                label=label,
                plural=plural,
                section=self.urls.terms(kind),
                video_poster=poster,
                video_title=term.name,
                facts=self._facts(site, term),
                **self._release_dates(term),
            ),
        )

    def _facts(self, site: SiteView, term: Term) -> tuple[tuple[str, str, str | None], ...]:
        """A term page's declared fields it has: (label, value, link), the link going to the
        term of the kind whose post key is the field's (a film's ``director`` to its
        director's page), when that term exists."""
        found = []
        for key, _ in self.settings.taxonomy(term.kind).fields:
            value = term.extra.get(key)
            if not value:
                continue
            link = None
            for other in self.settings.taxonomies:
                if key in other.keys and site.has_terms(other.name):
                    try:
                        target = site.term(other.name, slugify(str(value)))
                    except (KeyError, LookupError):
                        continue
                    if term_key(target.name) == term_key(str(value)):
                        link = target.url
                        break
            found.append((key.replace("_", " ").capitalize(), str(value), link))
        return tuple(found)

    def _release_dates(self, term: Term) -> dict[str, Any]:
        """What a work's page shows of its release as of the build's day."""
        if not self.settings.taxonomy(term.kind).releases:
            return {"next_release": None, "releases_ahead": (), "last_release": None, "ics": None}
        ahead = tuple(r for r in term.releases if not r.cancelled and r.date >= self.today)
        return {
            "next_release": next_release(term, self.today),
            "releases_ahead": ahead,
            "last_release": last_release(term, self.today),
            "ics": self.urls.term_calendar(term.kind, term.slug) if has_events(term) else None,
        }

    def _term_description(self, term: Term) -> str:
        tax = self.settings.taxonomy(term.kind)
        return tax.description(term.name, len(term.posts), term.release_year)

    def _feed(self, site: SiteView, unit: SiteFeed | TermFeed) -> PageJob:
        size = self.settings.feed_size
        if isinstance(unit, SiteFeed):
            url, title, subtitle, alternate = (
                "/feed.xml",
                self.settings.title,
                self.settings.description,
                "/",
            )
            posts, source = site.posts[:size], "the site feed"
        else:
            term = site.term(unit.kind, unit.slug)
            url = self.urls.term_feed(unit.kind, unit.slug)
            title = f"{term.name} · {self.settings.title}"
            subtitle = self._term_description(term)
            alternate, posts, source = term.url, term.posts[:size], term.source or term.url
        return self._job(
            unit,
            url,
            "feed.xml",
            source,
            _ctx(
                {},
                feed_url=url,
                title=title,
                subtitle=subtitle,
                alternate=alternate,
                posts=posts,
                updated=max((p.updated or p.date for p in posts), default=None),
            ),
        )

    def _releases(self, site: SiteView, unit: ReleaseCalendar) -> PageJob:
        tax = self.settings.taxonomy(unit.kind)
        dated = site.terms(unit.kind)
        calendar = release_calendar(dated, self.today)
        url = "/releases/"
        ics = "/releases.ics" if any(has_events(term) for term in dated) else None
        description = (
            f"Release dates of the {tax.plural.lower()} on {self.settings.title}: "
            "coming up, and recently released."
        )
        meta = self.meta(
            "releases",
            url,
            "Release calendar",
            "Release calendar",
            description,
            json_ld=json_ld(
                collection_ld("Release calendar", self.urls.absolute(url), description)
            ),
        )
        return self._job(
            unit,
            url,
            "releases.html",
            "the release calendar",
            _ctx(self._common, page=meta, calendar=calendar, ics=ics, section=url),
        )

    def _search(self, site: SiteView, unit: SearchPage) -> PageJob:
        url = "/search/"
        searched = [tax.plural.lower() for tax in self.settings.taxonomies if tax.pages]
        meta = self.meta(
            "search",
            url,
            "Search",
            "Search",
            f"Search the {spoken_list(['posts', *searched])} of {self.settings.title}.",
        )
        return self._job(
            unit,
            url,
            "search.html",
            "the search page",
            _ctx(self._common, page=meta, bundle="/pagefind/", section=url),
        )

    def _ics(self, site: SiteView, unit: Ical) -> PageJob:
        title = self.settings.title
        tax = self.settings.taxonomy(unit.kind)
        if unit.slug:
            term = site.term(unit.kind, unit.slug)
            terms: tuple[Term, ...] = (term,)
            url, name = self.urls.term_calendar(unit.kind, unit.slug), f"{term.name} · {title}"
            description, source = (
                f"Release dates of {term.name}, as reported on {title}.",
                term.source or term.url,
            )
        else:
            terms = tuple(term for term in site.terms(unit.kind) if has_events(term))
            url, name = "/releases.ics", f"Releases · {title}"
            description = f"Release dates of the {tax.plural.lower()} on {title}."
            source = "the release calendar"
        # The stamp of a release set by its own page alone is its newest post's date (``ical``).
        newest = tuple(term.posts[0] if term.posts else None for term in terms)
        context = _ctx({}, works=terms, newest=newest, name=name, description=description)
        return self._job(
            unit,
            url,
            "",
            source,
            context,
            data=lambda: calendar_bytes(terms, name, description, self.urls),
        )

    def _redirect(self, site: SiteView, unit: RedirectPage) -> PageJob:
        redirects = self._memo.get("redirects")
        if redirects is None:
            redirects = self._memo["redirects"] = {r.url: r for r in site.redirects}
        redirect = redirects[unit.url]
        meta = self.meta(
            "redirect",
            redirect.url,
            f"Moved to {redirect.target}",
            "This page has moved",
            redirect.reason,
            noindex=True,
        )
        return self._job(
            unit,
            redirect.url,
            "redirect.html",
            f"the aka of {redirect.target}",
            _ctx(self._common, page=meta, target=redirect.target, section=""),
        )

    def _not_found(self, site: SiteView, unit: NotFound) -> PageJob:
        # Served with status 404, the page is never indexed: no noindex needed (it would cost SEO audits).
        meta = self.meta(
            "404",
            "/404.html",
            "Page not found",
            "Page not found",
            "There is no page at this address.",
        )
        recent = site.posts[:RECENT_ON_404]
        return self._job(
            unit,
            "/404.html",
            "404.html",
            "the 404 page",
            _ctx(self._common, page=meta, posts=recent, section=""),
        )

    def _robots(self, site: SiteView, unit: Robots) -> PageJob:
        return self._job(unit, "/robots.txt", "robots.txt", "robots.txt", _ctx({}))

    def _sitemap(self, site: SiteView, pages: Sequence[PageJob]) -> PageJob:
        lastmod = {p.url: (p.updated or p.date) for p in site.posts}
        entries = [
            (job.url, lastmod.get(job.url))
            for job in pages
            if job.url.endswith("/") and not isinstance(job.unit, RedirectPage)
        ]
        return self._job(
            Sitemap(), "/sitemap.xml", "sitemap.xml", "the sitemap", _ctx({}, entries=entries)
        )


TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")
"""What the templates of a theme or site are named: the pages' and the partials' they include."""


def compile_templates(site_dir: Path, settings: Settings, *, preview: bool, into: Path) -> None:
    """Compile the site's and the theme's templates into the folder ``into``, with the
    analysis of each partial (``FragmentMemo``): the processes that render a cold build's
    pages then load them rather than each compile them (a quarter of a second each).
    A template that does not compile is left to them, which report it."""
    renderer = Renderer(
        site_dir,
        settings,
        Urls.from_settings(settings),
        preview=preview,
        assets={},
        today=dt.date.min,
        compiled=into,
    )
    env = renderer.env
    for name in env.list_templates():
        if not name.endswith(TEMPLATE_SUFFIXES):
            continue
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 - only a head start: rendering says what is wrong
            continue


class PageContext:
    """A page's context factory: its values, and the navigation for its section."""

    def __init__(self, common: dict[str, Any], values: dict[str, Any]) -> None:
        self.nav = common.get("nav")
        self.values = values

    def values_for_key(self) -> dict[str, Any]:
        """What the page's key is made of: every value (``Derived`` ones are made from these)."""
        if self.nav is None:
            return self.values
        return {**self.values, "nav": self.nav(self.values.get("section", ""))}

    def __call__(self) -> dict[str, Any]:
        context = {
            key: value() if isinstance(value, Derived) else value
            for key, value in self.values.items()
        }
        if self.nav is not None:
            context["nav"] = self.nav(self.values.get("section", ""))
        return context


def _ctx(common: dict[str, Any], **values: Any) -> PageContext:
    """A page's context; ``nav`` is resolved for the page's section."""
    return PageContext(common, values)


LONG_WORD = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u04ff]{16,}")
"""A word of an alphabetic script too long for a narrow column (German compounds): it gets
soft hyphens. (Chinese and Japanese break between any two characters without a hyphen.)"""
VOWELS = frozenset("aeiouyäöüàáâãåæèéêëìíîïòóôõøùúûýÿœąęėįųūāēīōăőűαεηιουωаеёиоуыэюя")
CONSONANT_UNITS = ("sch", "ch", "ck", "ph", "th", "st", "qu", "sh")
"""Letters a syllable break does not split."""


def hyphen_points(word: str) -> list[int]:
    """Where a long word may break: before a consonant (or one of ``CONSONANT_UNITS``) that
    starts a syllable, i.e. that a vowel follows and a vowel comes somewhere before
    ("Groß-stadt-ver-wal-tungs-be-hörde"); never leaving fewer than 2 letters before or 3 after."""
    low = word.lower()
    points: list[int] = []
    i = 2
    while i < len(word) - 2:
        unit = next((u for u in CONSONANT_UNITS if low.startswith(u, i)), low[i])
        after = i + len(unit)
        if (
            low[i] not in VOWELS
            and after < len(word)
            and low[after] in VOWELS
            and len(word) - i >= 3
            and any(c in VOWELS for c in low[:i])
            and (not points or i - points[-1] >= 2)
        ):
            points.append(i)
        i += len(unit)
    return points


def _soft_hyphens(match: re.Match[str]) -> str:
    word = match.group(0)
    cuts = hyphen_points(word)
    return "\u00ad".join(word[start:end] for start, end in zip([0, *cuts], [*cuts, len(word)]))


def nobreak_dash(value: Any) -> Markup:
    """Escape a title and glue each spaced dash to the word before it (a no-break space), so
    that no line of a wrapped title starts with "–" or "—". A very long word gets soft hyphens,
    at its syllables, so that it breaks there (with a hyphen) rather than anywhere — next to its
    dash, say."""
    return _nobreak_dash(str.__str__(value) if isinstance(value, str) else str(value))


@lru_cache(maxsize=4096)  # a post's title is shown on its page several times and around it
def _nobreak_dash(title: str) -> Markup:
    text = str(html_escape(title, quote=False))
    text = LONG_WORD.sub(_soft_hyphens, text)
    for dash in ("\u2013", "\u2014", "-"):
        text = text.replace(f" {dash} ", f"\u00a0{dash} ")
    return Markup(text)


NAME_BYTES = 255
"""The longest file or folder name most file systems allow, in bytes."""


def check_unique(jobs: Iterable[PageJob], others: Mapping[str, str]) -> list[Problem]:
    """Two outputs at one URL, or a file where another output needs a folder (``static/posts/x``
    beside the page ``/posts/x/``), are an error naming both sources, never an overwrite.
    ``others``: the output files that are no page (static files, pictures), each with what
    writes it."""
    seen = dict(others)
    pages = []
    problems = []
    for job in jobs:
        file = Urls.output_file(job.url)
        pages.append(file)
        other = seen.setdefault(file, job.source)
        if other != job.source:
            problems.append(
                error(
                    job.source,
                    None,
                    f"{job.url} would be written twice: by {job.source} and by {other}",
                    "give one of them another slug or name",
                )
            )
    too_long: set[str] = set()  # (each name once: a page's picture shares its folder)
    for file in itertools.chain(pages, others):  # (pages first: their sources are files)
        source = seen[file]
        longest = max(file.split("/"), key=lambda part: len(part.encode("utf-8", "replace")))
        if len(longest.encode("utf-8", "replace")) > NAME_BYTES and longest not in too_long:
            too_long.add(longest)
            problems.append(
                error(
                    source,
                    None,
                    f"its page's address has a part of {len(longest.encode('utf-8', 'replace'))} "
                    f"bytes ({longest[:40]}…), more than a file name may hold ({NAME_BYTES})",
                    "shorten the name, or give the page a slug",
                )
            )
    folders: dict[str, str] = {}  # each folder an output needs, with a file in it (a page's first)
    for file in itertools.chain(pages, others):
        folder = file.rpartition("/")[0]
        while folder and folder not in folders:  # (its parents are in once it is)
            folders[folder] = file
            folder = folder.rpartition("/")[0]
    for file, source in seen.items():
        inside = folders.get(file)
        if inside is not None:
            problems.append(
                error(
                    source,
                    None,
                    f"/{file} would be a file and a folder: {source} writes the file, "
                    f"{seen[inside]} writes /{inside}",
                    "give one of them another slug or name",
                )
            )
    return problems


def xml_text(value: Any) -> Markup:
    """Escape HTML (even ``Markup``) once more, for Atom's ``type="html"`` elements."""
    return Markup(
        html_escape(str.__str__(value) if isinstance(value, str) else str(value), quote=False)
    )
