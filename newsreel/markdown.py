"""Markdown to HTML with markdown-it-py, set up once per build from the settings.

CommonMark plus tables, strikethrough, footnotes, heading ids and typographic quotes.
Raw HTML is escaped unless ``markdown.html`` is on; links with unsafe schemes are left
as text; root-relative links (``/films/amelie/``) get ``base_url``'s path; a tweet's
status URL alone on a line becomes an embedded tweet. No linkify: it doubles render time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.footnote import footnote_plugin

from newsreel.errors import Problem, error, warning
from newsreel.pictures import ImageRef, image_plugin
from newsreel.plaininline import inline
from newsreel.slugs import slugify
from newsreel.smartquotes import smartquotes
from newsreel.tweets import Tweet, tweet_embed_plugin, tweets_by_url
from newsreel.urls import is_safe_url
from newsreel.video import video_embed_plugin

SUMMARY_CHARS = 200
MAX_TABLE_COLUMNS = 1000
"""Widest table read; a wider one is an error (its cells would cost memory out of all proportion)."""


@dataclass(frozen=True)
class RenderedBody:
    """What Markdown gives a post or a film/actor page."""

    html: Markup
    summary: str
    """Plain text of the first paragraph, cut at a word near ``SUMMARY_CHARS``."""
    words: int
    embedded_tweets: tuple[str, ...]
    """Canonical status URLs embedded in the body."""
    images: tuple[ImageRef, ...] = ()
    """Local images of the body, with their lines in the file."""


def _prefix_root_links(base_path: str):  # type: ignore[no-untyped-def]
    """A core rule giving root-relative hrefs and image srcs the site's base path."""
    prefix = base_path.rstrip("/")

    def rule(state: StateCore) -> None:
        if not prefix:
            return
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            for token in block.children:
                name = (
                    "href"
                    if token.type == "link_open"
                    else "src"
                    if token.type == "image"
                    else None
                )
                if name is None:
                    continue
                value = token.attrGet(name)
                if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                    token.attrSet(name, prefix + value)

    return rule


def _too_wide_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Refuse a table wider than ``MAX_TABLE_COLUMNS`` before markdown-it builds its cells.

    Every row of a table gets as many cells as its header has columns, so a few kilobytes
    of ``|a|a|a…`` headers would cost gigabytes. The table is skipped and a problem recorded.
    """
    line = start_line + 1
    if (
        line >= end_line
        or state.eMarks[line] - state.bMarks[line] < MAX_TABLE_COLUMNS  # too short to be wide
        or state.is_code_block(start_line)
        or state.sCount[line] < state.blkIndent
    ):
        return False
    delimiter = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
    if delimiter.count("|") < MAX_TABLE_COLUMNS or delimiter.strip(" \t|:-"):
        return False
    columns = len(delimiter.strip().strip("|").split("|"))
    if columns <= MAX_TABLE_COLUMNS:
        return False
    if silent:
        return True
    state.env.setdefault("problems", []).append(
        (
            start_line + 1,
            f"the table has {columns:,} columns; the limit is {MAX_TABLE_COLUMNS:,}",
            "split it into narrower tables, or make it a list",
        )
    )
    while line < end_line and not state.isEmpty(line):
        line += 1
    state.line = line
    return True


def _heading_ids(state: StateCore) -> None:
    """Give h2–h4 an ``id`` from their text, unique within the page ("cast", "cast-1", …).

    The ids ``mdit_py_plugins.anchors`` would give, found in linear time: it tries "x-1",
    "x-2"… from the start for every repeat of "x" (20,000 equal headings took half a
    minute); here each name remembers the next number to try.
    """
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if (
            token.type != "heading_open"
            or token.tag not in ("h2", "h3", "h4")
            or token.attrGet("id")
        ):
            continue
        children = tokens[index + 1].children or []
        base = slugify(
            "".join(child.content for child in children if child.type in ("text", "code_inline"))
        )
        slug = base
        if slug in taken:
            number = next_number.get(base, 1)
            while f"{base}-{number}" in taken:
                number += 1
            slug = f"{base}-{number}"
            next_number[base] = number + 1
        taken.add(slug)
        token.attrSet("id", slug)


def make_markdown(html: bool, base_path: str) -> MarkdownIt:
    """The Markdown renderer of a build."""
    md = MarkdownIt("commonmark", {"html": html, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.core.ruler.at("inline", inline)  # the same tokens, plain text without the parser
    md.core.ruler.at("smartquotes", smartquotes)  # the same quotes in linear time
    md.block.ruler.before(
        "table", "newsreel_too_wide_table", _too_wide_table, {"alt": ["paragraph", "reference"]}
    )
    md.validateLink = lambda url: is_safe_url(url)  # type: ignore[method-assign]
    footnote_plugin(md)
    md.core.ruler.push("newsreel_heading_ids", _heading_ids)
    tweet_embed_plugin(md)
    video_embed_plugin(md)
    image_plugin(md)
    md.core.ruler.push("newsreel_base_path", _prefix_root_links(base_path))
    return md


def _plain_text(tokens: Sequence[Token]) -> str:
    """Text of the first paragraph, for summaries and descriptions."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            parts = []
            for child in inline.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = " ".join("".join(parts).split())
            if text:
                return text
    return ""


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Cut text at a word boundary, adding an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return cut + "…"


def render_body(
    md: MarkdownIt,
    body: str,
    *,
    path: str,
    body_line: int,
    base_path: str = "/",
    tweets: Sequence[Tweet] = (),
) -> tuple[RenderedBody, list[Problem]]:
    """Render one Markdown body; problems carry lines of the file, not of the body."""
    env: dict[str, Any] = {
        "tweets": tweets_by_url(tweets),
        "problems": [],
        "embedded_tweets": [],
        "base_path": base_path,
    }
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)
    problems = [
        error(path, body_line + line - 1, message, hint) for line, message, hint in env["problems"]
    ]
    problems += [
        warning(path, body_line + line - 1 if line else None, message, hint)
        for line, message, hint in env.get("warnings", ())
    ]
    images = tuple(
        ImageRef(src, body_line + line - 1 if line else None, "the Markdown image")
        for src, line in env.get("images", ())
    )
    return RenderedBody(
        html=Markup(html),
        summary=shorten(_plain_text(tokens)),
        words=len(body.split()),
        embedded_tweets=tuple(env["embedded_tweets"]),
        images=images,
    ), problems
