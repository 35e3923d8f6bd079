"""The ``newsreel`` command line: parses options, calls the module that does the work.

Exit status: 0 success, 1 content or template errors (listed one per line), 2 wrong usage.
Imports of the working modules are lazy so ``newsreel --help`` stays instant.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from pathlib import Path

import click

from newsreel import __version__
from newsreel.errors import BuildFailed, NewsreelError, printable
from newsreel.layout import CACHE
from newsreel.report import Reporter
from newsreel.taxonomies import DEFAULTS

SITE_DIR = click.argument(
    "site_dir",
    metavar="[DIR]",
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
SITE_DIR_OPTION = click.option(
    "--dir",
    "site_dir",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Site folder (default: the current folder).",
)


def _reporter(ctx: click.Context) -> Reporter:
    return ctx.find_object(Reporter) or Reporter()


def _absolute_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--base-url`` must be the address the site will have: an absolute http or https URL."""
    from newsreel.config import base_url_mistake

    mistake = base_url_mistake(value, absolute=True) if value is not None else None
    if mistake:
        raise click.BadParameter(
            f"{value!r} {mistake}: give the site's address, like https://example.org/ "
            "or https://user.github.io/blog/"
        )
    return value


INTERRUPTED = (
    "build interrupted (Ctrl-C); the site folder is whole, as the last build that finished left it"
)


def _fail(
    reporter: Reporter,
    exc: NewsreelError,
    what: str = "build failed",
    after: str = "the previous site is untouched",
) -> None:
    """Show every problem of a failed command, one line each, and exit 1."""
    if isinstance(exc, BuildFailed):
        for problem in exc.problems:
            reporter.problem(problem)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        reporter.error(f"{what}: {errors} error{'s' if errors != 1 else ''}; {after}")
    else:
        reporter.error(f"error: {exc}")
    sys.exit(1)


class _Group(click.Group):
    """A command group whose list of commands shows each one's first sentence whole, wrapped."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsreel")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print every file a build writes or removes, every request serve answers, and "
    "where an internal error happened.",
)
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """newsreel turns a folder of movie-news posts into a static website.

    A site folder holds newsreel.yaml (optional), content/posts/**/*.md,
    content/films/*.md, content/actors/*.md, templates/ and static/.
    The site is written to site/.
    """
    ctx.obj = Reporter(quiet=quiet, verbose=verbose)


@cli.command()
@SITE_DIR
@click.option("--drafts", is_flag=True, help="Include posts marked draft: true.")
@click.option("--future", is_flag=True, help="Include posts dated in the future.")
@click.option(
    "--base-url",
    metavar="URL",
    callback=_absolute_url,
    help="Absolute URL of the published site's root; overrides base_url in newsreel.yaml.",
)
@click.option(
    "--output",
    "-o",
    metavar="PATH",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: DIR/site). Replaced whole on success.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help=f"Build from scratch: trust nothing in DIR/{CACHE} nor the output's manifest.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Fail at once when another build of DIR is running, instead of waiting.",
)
@click.pass_context
def build(
    ctx: click.Context,
    site_dir: Path,
    drafts: bool,
    future: bool,
    base_url: str | None,
    output: Path | None,
    no_cache: bool,
    no_wait: bool,
) -> None:
    """Build the site in DIR (default: the current folder) into DIR/site."""
    # No cycle collection while the build finds out what changed and patches a few pages
    # (it only allocates: the collector would cost a tenth of such a build); a full build
    # turns it on while its pages render (``build._collect_young``).
    gc.disable()
    from newsreel.layout import SiteLayout
    from newsreel.writer import EarlyCheck

    # The output's check runs in a child while this process imports the build's modules.
    early = EarlyCheck.start(output if output is not None else SiteLayout(site_dir).output)
    from newsreel.build import BuildOptions, build_site

    gc.freeze()  # what was just imported lives as long as the process: the cycle collector can skip it
    reporter = _reporter(ctx)
    options = BuildOptions(
        drafts=drafts,
        future=future,
        base_url=base_url,
        output=output,
        use_cache=not no_cache,
        wait=not no_wait,
    )
    try:
        result = build_site(site_dir, options, reporter=reporter, early=early)
    except NewsreelError as exc:
        _fail(reporter, exc)
    except KeyboardInterrupt:
        reporter.error(INTERRUPTED)
        ctx.exit(130)  # (as a shell reports a command ended by Ctrl-C, not click's "Aborted!")
    for path in sorted(result.changed):
        reporter.detail(f"wrote {path}")
    for path in sorted(result.removed):
        reporter.detail(f"removed {path}")
    for problem in result.warnings:
        reporter.problem(problem)
    reporter.summary(result.summary())


@cli.command()
@SITE_DIR
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option("--no-drafts", is_flag=True, help="Hide drafts (shown by default while previewing).")
@click.option(
    "--no-future", is_flag=True, help="Hide future posts (shown by default while previewing)."
)
@click.pass_context
def serve(
    ctx: click.Context, site_dir: Path, host: str, port: int, no_drafts: bool, no_future: bool
) -> None:
    """Preview the site with live reload: rebuilds and refreshes the browser on every save."""
    from newsreel.server import serve as run_server

    reporter = _reporter(ctx)
    try:
        run_server(
            site_dir,
            host=host,
            port=port,
            drafts=not no_drafts,
            future=not no_future,
            reporter=reporter,
        )
    except NewsreelError as exc:
        _fail(reporter, exc)


@cli.command()
@SITE_DIR
@click.option(
    "--no-build", is_flag=True, hidden=True, help="Accepted for old scripts: check never builds."
)
@click.pass_context
def check(ctx: click.Context, site_dir: Path, no_build: bool) -> None:
    """Lint the content and check every internal link and #anchor of the site already built.

    It never builds: run newsreel build first, with --base-url as you publish it.
    """
    from newsreel.check import check_site

    reporter = _reporter(ctx)
    try:
        check_site(site_dir, reporter=reporter)
    except NewsreelError as exc:
        _fail(reporter, exc, "check failed", "see the lines above")


@cli.command()
@click.argument(
    "directory", metavar="[DIR]", default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--force", is_flag=True, help="Allow a folder that is not empty; existing files are kept."
)
@click.pass_context
def init(ctx: click.Context, directory: Path, force: bool) -> None:
    """Start a new blog in DIR, default the current folder, that builds at once."""
    from newsreel.scaffold import init_site

    reporter = _reporter(ctx)
    try:
        init_site(directory, force=force, reporter=reporter)
    except NewsreelError as exc:
        _fail(reporter, exc)


@cli.group(cls=_Group)
def new() -> None:
    """Scaffold new content."""


@new.command(
    "post",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog="Name the post's terms with one option per kind the site declares, each repeatable: "
    + ", ".join(f'--{tax.option} "{tax.label} name"' for tax in DEFAULTS)
    + " for the built-in kinds; --<label> of any kind declared under taxonomies: in newsreel.yaml.",
)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="TITLE")
@click.option("--tweet", metavar="URL", help="A tweet's status URL to embed.")
@SITE_DIR_OPTION
@click.pass_context
def new_post_command(
    ctx: click.Context,
    words: tuple[str, ...],
    tweet: str | None,
    site_dir: Path,
) -> None:
    """Write content/posts/<slug>.md with valid front matter (a draft)."""
    from newsreel.config import closest, load_settings
    from newsreel.scaffold import new_post, new_post_options

    title, terms = _title_and_terms(ctx, words + tuple(ctx.args))
    options = new_post_options(load_settings(site_dir)[0].taxonomies)
    for option in terms:
        if option.replace("_", "-") not in options:
            guess = closest(option, set(options))
            hint = f"did you mean --{guess}?" if guess else "--" + ", --".join(sorted(options))
            raise click.UsageError(
                f"no such option: --{option} (this site declares no such kind of term; {hint})",
                ctx,
            )
    reporter = _reporter(ctx)
    try:
        new_post(site_dir, title, terms=terms, tweet=tweet, reporter=reporter)
    except NewsreelError as exc:
        _fail(reporter, exc)


@new.command("template")
@click.argument("name", required=False)
@SITE_DIR_OPTION
@click.pass_context
def new_template_command(ctx: click.Context, name: str | None, site_dir: Path) -> None:
    """Copy the built-in theme's template NAME into templates/ to edit it; with no NAME, list
    the theme's templates."""
    from newsreel.scaffold import new_template, theme_templates

    if name is None:
        click.echo("The built-in theme's templates (newsreel new template NAME copies one):")
        for template in theme_templates():
            click.echo(f"  {template}")
        return
    reporter = _reporter(ctx)
    try:
        new_template(site_dir, name, reporter=reporter)
    except NewsreelError as exc:
        _fail(reporter, exc)


def _title_and_terms(
    ctx: click.Context, words: tuple[str, ...]
) -> tuple[str, dict[str, list[str]]]:
    """``new post``'s title and its ``--<kind> NAME`` options (checked against the site's
    declared kinds when the post is written)."""
    title: list[str] = []
    terms: dict[str, list[str]] = {}
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word == "--":
            title += rest
            break
        if not word.startswith("--") or word == "--":
            title.append(word)
            continue
        option, equals, value = word[2:].partition("=")
        if not equals:
            if not rest:
                raise click.UsageError(f"option --{option} needs a name", ctx)
            value = rest.pop(0)
        if not option:
            raise click.UsageError(f"no such option: {word}", ctx)
        terms.setdefault(option, []).append(value)
    if len(title) != 1:
        raise click.UsageError(
            'give the title as one argument, in quotes: newsreel new post "Your title"'
            if title
            else 'missing the title: newsreel new post "Your title"',
            ctx,
        )
    return title[0], terms


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@SITE_DIR_OPTION
@click.pass_context
def import_command(ctx: click.Context, file: Path, site_dir: Path) -> None:
    """Turn an article (a scrape, a browser copy, a saved web page) into a draft post."""
    from newsreel.importer import import_file

    reporter = _reporter(ctx)
    try:
        import_file(site_dir, file, reporter=reporter)
    except NewsreelError as exc:
        _fail(reporter, exc)


def main(args: list[str] | None = None) -> None:
    """Console-script entry point.

    Whatever goes wrong ends in one line, never a bare traceback: a file the system refuses
    (permissions, a name too long, a full disk) is named with the reason; anything else is a
    bug in newsreel, reported as an internal error (the traceback follows with ``-v``).

    Run as the program (``args`` None), the process ends at once when the command is done,
    its output flushed: every file is closed and every child reaped by then, and Python's own
    shutdown would only take the build's objects apart one by one (20 ms after a one-post
    edit of a 4,000-post site, more after a full build).
    """
    try:
        _main(sys.argv[1:] if args is None else args)
    except SystemExit as done:
        if args is not None:
            raise
        _exit_now(done.code)


def _exit_now(code: object) -> None:
    """``sys.exit(code)`` without the interpreter's shutdown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # what sys.exit prints for a message
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said
            pass
    os._exit(status)


def _main(argv: list[str]) -> None:
    try:
        cli.main(args=argv, prog_name="newsreel")
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        where = f"{os.fsdecode(exc.filename)}: " if exc.filename is not None else ""
        _last_words(
            argv,
            f"newsreel: {where}{exc.strerror or exc} (check the path, its permissions and the free space)",
        )
    except Exception as exc:  # noqa: BLE001 - the one place that catches everything
        _last_words(
            argv,
            f"newsreel: internal error: {type(exc).__name__}: {exc} (please report it, with the "
            "command you ran; newsreel -v <command> shows where it happened)",
        )


def _last_words(argv: list[str], message: str) -> None:
    """Print ``message`` as one line (with the traceback before it under ``-v``) and exit 1."""
    options = argv[: next((i for i, a in enumerate(argv) if not a.startswith("-")), len(argv))]
    if any(
        a == "--verbose" or (a.startswith("-") and not a.startswith("--") and "v" in a)
        for a in options
    ):
        traceback.print_exc()
    print(printable(message), file=sys.stderr, flush=True)
    sys.exit(1)
