"""Authoring helpers: ``newsreel init`` (a new blog) and ``newsreel new post``.

Also the pieces the importer shares with ``new post``: the names a site already uses
(for "did you mean …?" and for finding known films and actors in an article), the
current time in the site's time zone, post slugs already taken, and front matter text.
Nothing here ever overwrites a file.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from newsreel.config import closest, load_settings
from newsreel.errors import NewsreelError, Problem
from newsreel.errors import warning as warning_problem
from newsreel.frontmatter import FORBIDDEN, as_text
from newsreel.layout import CONFIG, CONTENT, POSTS, SiteLayout
from newsreel.loader import find_sources, post_slug, read_front_matter, read_source, written_slug
from newsreel.provenance import Pin, installed_pin
from newsreel.report import Reporter
from newsreel.slugs import short_slug, slugify, term_key
from newsreel.taxonomies import Taxonomy
from newsreel.tweets import TweetError, parse_status_url

STARTER_PACKAGE = "newsreel.starter"
"""Package folder holding the files ``init`` copies; ``dot-x`` there becomes ``.x``."""
SAMPLE_POST = "content/posts/welcome.md"
REQUIREMENTS = "requirements.txt"
IGNORED_IN_NEW_DIR = frozenset({".git", ".DS_Store", "Thumbs.db"})
NAME_MAX = 255
"""Longest file or folder name (in bytes) that common file systems accept."""
"""Entries a folder may hold and still count as empty for ``init`` (a fresh clone)."""


class ScaffoldError(NewsreelError):
    """``init``, ``new post`` or ``import`` cannot do what was asked; one line says why."""


# ---------------------------------------------------------------------------- init


@dataclass(frozen=True)
class StarterFile:
    """One file ``init`` writes."""

    path: str
    """Relative to the new site folder, with forward slashes."""
    data: bytes


def starter_files(now: datetime, pin: Pin) -> tuple[StarterFile, ...]:
    """Every file of a new blog; the sample post is dated ``now``, newsreel pinned as ``pin``."""
    files: list[StarterFile] = []
    root = resources.files(STARTER_PACKAGE)
    for entry, rel in _walk(root, PurePosixPath()):
        if rel.name in {"__init__.py", "__pycache__"} or rel.suffix == ".pyc":
            continue
        target = PurePosixPath(
            *(p.replace("dot-", ".", 1) if p.startswith("dot-") else p for p in rel.parts)
        )
        files.append(StarterFile(str(target), entry.read_bytes()))
    files.append(StarterFile(SAMPLE_POST, sample_post(now).encode("utf-8")))
    files.append(StarterFile(REQUIREMENTS, requirements_text(pin).encode("utf-8")))
    return tuple(sorted(files, key=lambda f: f.path))


REQUIREMENTS_HEADER = """\
# The newsreel this blog was made with: the deploy workflow installs exactly this, so the
# site CI publishes is the one `newsreel serve` showed you. Dependabot (.github/dependabot.yml)
# proposes newer versions as pull requests; try one locally before merging it.
"""


def requirements_text(pin: Pin) -> str:
    """``requirements.txt`` of a new blog: a comment, then the pin on its own line."""
    return REQUIREMENTS_HEADER + pin.line + "\n"


def pin_line_number() -> int:
    """The line of ``requirements.txt`` that holds the pin."""
    return REQUIREMENTS_HEADER.count("\n") + 1


def _walk(folder: Any, rel: PurePosixPath) -> Iterator[tuple[Any, PurePosixPath]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _walk(entry, rel / entry.name)
        else:
            yield entry, rel / entry.name


def sample_post(now: datetime) -> str:
    """The first post of a new blog (``welcome.md``): real facts, every common front-matter key."""
    date = now.astimezone(UTC).replace(microsecond=0).isoformat()
    text = resources.files("newsreel").joinpath("welcome.md").read_text(encoding="utf-8")
    return text.replace("{date}", date)


def init_site(
    directory: Path,
    *,
    force: bool = False,
    reporter: Reporter | None = None,
    pin: Pin | None = None,
) -> list[Path]:
    """Start a new blog in ``directory``; returns the files written.

    Refuses a folder that holds anything (but a ``.git``) unless ``force``; even then
    never replaces a file, and reports the ones it kept. ``requirements.txt`` pins ``pin``,
    by default the newsreel running now.
    """
    reporter = reporter or Reporter()
    pin = pin or installed_pin()
    too_long = next((part for part in directory.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if too_long is not None:
        raise ScaffoldError(
            f"{directory}: a folder name of {len(os.fsencode(too_long))} bytes is too long "
            f"(the limit is {NAME_MAX}: choose a shorter name)"
        )
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory}: is a file, not a folder (give a new or empty folder)")
    if directory.is_dir() and not force:
        present = sorted(e.name for e in directory.iterdir() if e.name not in IGNORED_IN_NEW_DIR)
        if present:
            shown = ", ".join(present[:3]) + (", …" if len(present) > 3 else "")
            raise ScaffoldError(
                f"{directory}: folder is not empty, it holds {shown} "
                "(choose a new folder, or add --force to add only the missing starter files)"
            )
    written: list[Path] = []
    skipped: list[str] = []
    for item in starter_files(datetime.now(UTC), pin):
        target = directory / item.path
        if target.exists() or target.is_symlink():
            skipped.append(item.path)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as handle:
                handle.write(item.data)
        except FileExistsError:
            skipped.append(item.path)
            continue
        except OSError as exc:
            raise ScaffoldError(f"{target}: cannot write ({exc.strerror or exc})") from None
        written.append(target)
        reporter.detail(f"created {target}")
    files = f"{len(written)} file{'s' if len(written) != 1 else ''}"
    here = directory.resolve() == Path.cwd().resolve()
    where = "the current folder" if here else str(directory)
    if not skipped:
        reporter.info(f"created a new blog in {where} with {files}:")
    else:
        reporter.info(
            f"added {files} to {where}; kept {len(skipped)} already there, never overwritten:"
        )
    for path in written:
        if not reporter.verbose:
            reporter.info(
                f"  {'added ' if skipped else ''}{path.relative_to(directory).as_posix()}"
            )
    for rel in skipped:
        reporter.info(f"  kept {rel}")
    if not pin.public and (directory / REQUIREMENTS) in written:
        reporter.problem(private_pin_warning(directory / REQUIREMENTS, pin))
    reporter.info("next:")
    if not here:
        reporter.info(f"  cd {_shell_quote(str(directory))}")
    reporter.info(
        "  newsreel serve                      # preview at http://127.0.0.1:8000/ while you write"
    )
    reporter.info('  newsreel new post "My first post"   # a draft in content/posts/')
    reporter.info("  newsreel build                      # the finished site in site/")
    return written


def private_pin_warning(path: Path, pin: Pin) -> Problem:
    """What ``init`` says when the deploy workflow could not install this newsreel as it is."""
    fix = (
        f"before you deploy, make that line {pin.suggestion}, or a released newsreel==X.Y.Z"
        if pin.suggestion
        else "before you deploy, make that line a released newsreel==X.Y.Z, "
        "or newsreel @ git+https://github.com/OWNER/REPO@COMMIT for a copy you pushed"
    )
    return warning_problem(
        path.as_posix(),
        pin_line_number(),
        f"newsreel was installed from {pin.source}, which CI cannot reach: "
        f"{pin.line} installs only once that version is on PyPI",
        fix,
    )


def _shell_quote(text: str) -> str:
    return text if re.fullmatch(r"[\w./~-]+", text) else "'" + text.replace("'", "'\\''") + "'"


# ------------------------------------------------------------------- site facts


def require_site(site_dir: Path) -> None:
    """Fail unless ``site_dir`` looks like a newsreel site (a folder with settings or content)."""
    if not site_dir.is_dir():
        raise ScaffoldError(
            f"{site_dir}: no such folder (run newsreel init {site_dir} first, or pass --dir)"
        )
    layout = SiteLayout(site_dir)
    if not layout.config.is_file() and not layout.content.is_dir():
        raise ScaffoldError(
            f"{site_dir}: not a newsreel site, it has neither {CONFIG} nor {CONTENT}/ "
            "(run this inside the blog's folder, pass --dir, or start one with newsreel init)"
        )


def site_timezone(site_dir: Path) -> tzinfo:
    """The site's ``timezone`` setting as a tzinfo (UTC when unset)."""
    settings, problems = load_settings(site_dir)  # a timezone found wrong is reported, not used
    for problem in problems:
        if "timezone" in problem.message:
            raise ScaffoldError(f"{site_dir / problem.path}: {problem.message} ({problem.hint})")
    try:
        return ZoneInfo(settings.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScaffoldError(
            f"{SiteLayout(site_dir).config}: timezone {settings.timezone!r} is not an IANA time zone "
            "(use a name such as UTC, Europe/Paris or America/New_York)"
        ) from None


def site_now(site_dir: Path, now: datetime | None = None) -> datetime:
    """Now (or ``now``), in the site's time zone, to the second."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(site_timezone(site_dir)).replace(microsecond=0)


def content_files(site_dir: Path, kind: str) -> list[Path]:
    """The Markdown files a build reads under ``content/<kind>/`` (posts at any depth), sorted."""
    found, _ = find_sources(site_dir, kind, recursive=kind == POSTS)
    return [site_dir / rel for rel, info in found if info is not None]


def front_matter_of(site_dir: Path, path: Path) -> dict[str, Any]:
    """A content file's front matter as the build reads it ({} when the build could not)."""
    rel = path.relative_to(site_dir).as_posix()
    try:
        return read_front_matter(rel, read_source(path))
    except OSError:
        return {}


def taken_post_slugs(site_dir: Path) -> dict[str, Path]:
    """Slugs of the site's posts, as the build gives them, each with the file that holds it."""
    return {
        post_slug(
            path.relative_to(site_dir).as_posix(), written_slug(front_matter_of(site_dir, path))
        ): path
        for path in content_files(site_dir, POSTS)
    }


# ------------------------------------------------------------------ known names


@dataclass(frozen=True)
class KnownName:
    """A term's name the site already uses somewhere."""

    name: str
    """As written (a page's name, an ``aka``, or a post's spelling)."""
    canonical: str
    """The name of the page it lands on (its name key's value), else ``name``."""


@dataclass(frozen=True)
class SiteNames:
    """The names of terms a site uses, kind by kind, from its pages and its posts' front matter."""

    by_kind: Mapping[str, tuple[KnownName, ...]]

    def of(self, kind: str) -> tuple[KnownName, ...]:
        return tuple(self.by_kind.get(kind, ()))


def read_site_names(site_dir: Path, taxonomies: Sequence[Taxonomy] | None = None) -> SiteNames:
    """Collect the names of every declared kind from ``content/<kind>/`` pages and every post,
    tolerantly (a file that cannot be read adds nothing)."""
    if taxonomies is None:
        taxonomies = load_settings(site_dir)[0].taxonomies
    used: dict[str, list[str]] = {tax.name: [] for tax in taxonomies}
    for path in content_files(site_dir, POSTS):
        front = front_matter_of(site_dir, path)
        for tax in taxonomies:
            for key in tax.keys:
                used[tax.name] += _texts(front.get(key))
    return SiteNames(
        {
            tax.name: _merge(
                _page_names(site_dir, tax.name, tax.name_key) if tax.pages else [],
                used[tax.name],
            )
            for tax in taxonomies
        }
    )


def _page_names(site_dir: Path, kind: str, key: str) -> list[KnownName]:
    names: list[KnownName] = []
    for path in content_files(site_dir, kind):
        front = front_matter_of(site_dir, path)
        main = _texts(front.get(key))
        if not main:
            continue
        canonical = main[0]
        names += [KnownName(n, canonical) for n in main[:1] + _texts(front.get("aka"))]
    return names


def _texts(value: Any) -> list[str]:
    """Names held by a front-matter value: a text (a number as written: "1917"), a list, or
    ``{title: …}`` mappings."""
    text = as_text(value)
    if text is not None:
        return [" ".join(text.split())] if text.strip() else []
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, dict):
        for key in ("title", "name"):
            if key in value:
                return _texts(value[key])
    return []


def _merge(pages: list[KnownName], used: Iterable[str]) -> tuple[KnownName, ...]:
    by_fold = {fold(k.name): k.canonical for k in pages}
    seen = {k.name for k in pages}
    merged = list(pages)
    for name in used:
        if name not in seen:
            seen.add(name)
            merged.append(KnownName(name, by_fold.get(fold(name), name)))
    return tuple(merged)


def fold(name: str) -> str:
    """A name compared loosely: case, accents, quotes, dashes and spacing ignored."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_PUNCT_FOLD).casefold()
    return " ".join(text.split())


_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class Suggestion:
    """An existing spelling a new name probably meant."""

    existing: str
    reason: str
    """"same" (differs only by case or spacing: one term, two spellings), "clash" (another
    term that would get the same URL: a build error) or "close" (a likely typo)."""


def did_you_mean(name: str, known: Sequence[KnownName]) -> Suggestion | None:
    """The existing spelling ``name`` probably meant, or None when it is known or new."""
    key, slug = term_key(name), slugify(name)
    for k in known:
        if term_key(k.name) != key and (fold(k.name) == fold(name) or slugify(k.name) == slug):
            return Suggestion(k.name, "clash")
    if any(k.name == name for k in known):
        return None
    for k in known:
        if term_key(k.name) == key:
            return Suggestion(k.name, "same")
    folded = {fold(k.name): k.name for k in known}
    close = difflib.get_close_matches(fold(name), list(folded), n=1, cutoff=0.8)
    return Suggestion(folded[close[0]], "close") if close else None


def suggestion_problem(path: str, label: str, name: str, guess: Suggestion) -> Problem:
    """The warning ``new post`` prints for a name close to an existing one."""
    if guess.reason == "same":
        return warning_problem(
            path,
            None,
            f'{label} "{name}" is spelled "{guess.existing}" elsewhere: did you mean "{guess.existing}"?',
            "both land on one page, but one spelling reads better",
        )
    if guess.reason == "clash":
        return warning_problem(
            path,
            None,
            f'{label} "{name}" would get the same URL as "{guess.existing}": did you mean "{guess.existing}"?',
            f"write {guess.existing!r}, or the build fails until one spelling is used or an aka added",
        )
    return warning_problem(
        path,
        None,
        f'{label} "{name}" is new to this site: did you mean "{guess.existing}"?',
        "if so, correct the front matter, so that both land on one page",
    )


# --------------------------------------------------------------- front matter


def front_matter_text(fields: Mapping[str, Any]) -> str:
    """``---`` … ``---`` for ``fields``; strings safely quoted, a datetime written as ISO 8601."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, datetime):
            lines.append(f"{key}: {value.isoformat()}")
        else:
            dumped = yaml.safe_dump(
                {key: value},
                allow_unicode=True,
                sort_keys=False,
                default_flow_style=False,
                width=1000,
            )
            lines.append(dumped.rstrip("\n"))
    lines.append("---")
    return "\n".join(lines) + "\n"


def term_fields(tax: Taxonomy, names: Sequence[str]) -> dict[str, Any]:
    """The front matter naming ``names`` as terms of ``tax``: its single key for one name when
    it has one (``film: X``), else its list key; nothing for none."""
    if len(names) == 1 and tax.single:
        return {tax.single: names[0]}
    return {tax.key: list(names)} if names else {}


def write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; never replaces an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def unique_list(items: Iterable[str]) -> list[str]:
    """Stripped, non-empty items in order, duplicates (by fold) dropped."""
    seen: set[str] = set()
    result: list[str] = []
    for item in items:
        text = " ".join(item.split())
        if text and fold(text) not in seen:
            seen.add(fold(text))
            result.append(text)
    return result


# -------------------------------------------------------------------- new post


def new_post(
    site_dir: Path,
    title: str,
    *,
    terms: Mapping[str, Sequence[str]] | None = None,
    tweet: str | None = None,
    reporter: Reporter | None = None,
) -> Path:
    """Write a draft ``content/posts/<slug>.md`` with valid front matter; return its path.

    ``terms`` maps a declared kind's name (or its ``new post`` option: ``film``) to the names
    the post gives it."""
    reporter = reporter or Reporter()
    require_site(site_dir)
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError('the title is empty (give one: newsreel new post "Title")')
    _refuse_controls("title", title)
    taxonomies = load_settings(site_dir)[0].taxonomies
    given = _given_terms(taxonomies, terms or {})
    for tax, listed in given:
        for name in listed:
            _refuse_controls(f"--{tax.option} name", name)
    tweet_url = _checked_tweet(tweet) if tweet is not None else None
    slug = short_slug(slugify(title))  # a long title keeps its words, its file name stays short
    path = SiteLayout(site_dir).posts / f"{slug}.md"
    shown = path.as_posix()
    if path.exists():
        raise ScaffoldError(
            f"{shown}: already exists (give the post another title, or edit that file)"
        )
    other = taken_post_slugs(site_dir).get(slug)
    if other is not None:
        raise ScaffoldError(
            f"{other.as_posix()}: already has the slug {slug!r} a post titled {title!r} would get "
            "(give the post another title, or edit that file)"
        )
    names = read_site_names(site_dir, taxonomies) if given else SiteNames({})
    fields: dict[str, Any] = {"title": title, "date": site_now(site_dir)}
    for tax, listed in given:
        fields.update(term_fields(tax, listed))
    if tweet_url:
        fields["tweet"] = tweet_url
    fields["draft"] = True
    write_new(path, front_matter_text(fields) + "\n")
    reporter.info(
        f"created {shown} as a draft: newsreel serve shows it, newsreel build leaves it out "
        "until you remove its draft: true line"
    )
    options = new_post_options(taxonomies)
    for tax, listed in given:
        for name in listed:
            guess = did_you_mean(name, names.of(tax.name))
            if guess is not None:
                reporter.problem(suggestion_problem(shown, tax.label.lower(), name, guess))
        kept = {fold(name): name for name in listed}
        for option, said in (terms or {}).items():
            for name in said if options.get(option.replace("_", "-")) is tax else ():
                name = " ".join(name.split())
                if name and name not in listed:
                    reporter.problem(
                        warning_problem(
                            shown,
                            None,
                            f'{tax.label.lower()} "{name}" is "{kept[fold(name)]}" written '
                            "another way: the post names it once",
                            "the first spelling given is kept; both would land on one page",
                        )
                    )
    return path


def _refuse_controls(what: str, text: str) -> None:
    """A title or name holding a character no page may hold (``FORBIDDEN``), which the build
    would refuse, is refused before the post is written."""
    found = FORBIDDEN.search(text)
    if found is not None:
        raise ScaffoldError(
            f"the {what} {text!r} holds the control character U+{ord(found.group()):04X}, "
            "which no page may hold (type it again without it)"
        )


def theme_templates() -> list[str]:
    """The built-in theme's templates by name (``post.html``, ``partials/post_card.html``)."""
    from newsreel.theme import theme_dirs

    root = theme_dirs()[0]
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


def new_template(site_dir: Path, name: str, reporter: Reporter | None = None) -> Path:
    """Copy the built-in theme's template ``name`` into the site's ``templates/``, where it
    overrides the theme's; never over a file already there. Return the copy's path."""
    from newsreel.theme import theme_dirs

    reporter = reporter or Reporter()
    require_site(site_dir)
    names = theme_templates()
    wanted = name.removeprefix("templates/")
    if wanted not in names:
        by_file = [n for n in names if n.rpartition("/")[2] == wanted]
        guess = by_file[0] if by_file else closest(wanted, set(names))
        raise ScaffoldError(
            f"{name}: the built-in theme has no such template ("
            + (f"did you mean {guess}? " if guess else "")
            + "newsreel new template with no name lists them)"
        )
    path = SiteLayout(site_dir).templates / wanted
    shown = path.as_posix()
    if path.exists() or path.is_symlink():
        raise ScaffoldError(
            f"{shown}: already exists (edit it, or delete it to go back to the theme's)"
        )
    write_new(path, (theme_dirs()[0] / wanted).read_text("utf-8"))
    reporter.info(
        f"created {shown}, a copy of the built-in theme's {wanted}: the site now uses yours "
        "(edit it; delete it to go back to the theme's)"
    )
    return path


def new_post_options(taxonomies: Sequence[Taxonomy]) -> dict[str, Taxonomy]:
    """Each ``new post`` option naming terms (``film``, ``films``, ``actor``, ``actors``) and
    the kind it names: a kind's label, its name and its front-matter keys."""
    options: dict[str, Taxonomy] = {}
    for tax in taxonomies:
        for option in (tax.option, tax.name, *tax.keys):
            options.setdefault(option.replace("_", "-"), tax)
    return options


def _given_terms(
    taxonomies: Sequence[Taxonomy], terms: Mapping[str, Sequence[str]]
) -> list[tuple[Taxonomy, list[str]]]:
    """The names given per declared kind, in declared order; an unknown kind is a usage error."""
    options = new_post_options(taxonomies)
    wanted: dict[str, list[str]] = {}
    for option, names in terms.items():
        tax = options.get(option.replace("_", "-"))
        if tax is None:
            known = sorted(options)
            guess = closest(option, known)
            hint = f"did you mean --{guess}?" if guess else "--" + ", --".join(known)
            raise ScaffoldError(f"--{option}: this site declares no such kind of term ({hint})")
        wanted.setdefault(tax.name, []).extend(names)
    return [
        (tax, unique_list(wanted[tax.name]))
        for tax in taxonomies
        if tax.name in wanted and unique_list(wanted[tax.name])
    ]


def _checked_tweet(url: str) -> str:
    """``url`` stripped, when it is a tweet's status URL; else the CLI's one-line error."""
    url = url.strip()
    try:
        parse_status_url(url)
    except TweetError as exc:
        raise ScaffoldError(f"--tweet: {exc}") from None
    return url
