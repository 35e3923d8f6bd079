"""Markdown to HTML with markdown-it-py, set up once per build from the settings.

CommonMark plus tables, strikethrough, footnotes, heading ids and typographic quotes.
Raw HTML is escaped unless ``markdown.html`` is on; links with unsafe schemes are left
as text; root-relative links (``/films/amelie/``) get ``base_url``'s path; a tweet's
status URL alone on a line becomes an embedded tweet. No linkify: it doubles render time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import normalize as markdown_it_normalize
from markdown_it.rules_core import text_join as markdown_it_text_join
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.footnote import footnote_plugin

from newsreel.errors import Problem, error, warning
from newsreel.fastmarkdown import JOINED, block_rule
from newsreel.inlinehtml import TEXT, writer
from newsreel.mdlimits import (
    costly_references,
    long_delimiter_run,
    too_large_table,
    too_many_blocks,
)
from newsreel.mdparsers import DispatchingParserBlock, DispatchingParserInline, LinkHelpers
from newsreel.mdrender import HtmlRenderer
from newsreel.pictures import ImageRef, image_plugin
from newsreel.plaininline import inline, plain_brackets
from newsreel.slugs import slugify
from newsreel.smartquotes import smartquotes
from newsreel.tweets import Tweet, tweet_embed_plugin, tweets_by_url
from newsreel.urls import is_safe_url
from newsreel.video import video_embed_plugin

SUMMARY_CHARS = 200


@dataclass(frozen=True)
class RenderedBody:
    """What Markdown gives a post or a film/actor page."""

    html_utf8: bytes
    """The HTML, UTF-8 encoded: a ``str`` holding one curly quote takes two bytes for every
    character (two posts in three here), so the bodies of a large site took twice the memory."""
    summary: str
    """Plain text of the first paragraph, cut at a word near ``SUMMARY_CHARS``."""
    words: int
    embedded_tweets: tuple[str, ...]
    """Canonical status URLs embedded in the body."""
    images: tuple[ImageRef, ...] = ()
    """Local images of the body, with their lines in the file."""

    @property
    def html(self) -> Markup:
        return Markup(self.html_utf8.decode())


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


def normalize(state: StateCore) -> None:
    """markdown-it's ``normalize``, run only on a text it would change (one with a carriage
    return or a NUL): it rewrites every newline by a regular expression, 70 us a post."""
    if "\r" in state.src or "\0" in state.src:
        markdown_it_normalize(state)


def text_join(state: StateCore) -> None:
    """markdown-it's ``text_join``, run only when it may change something (``JOINED``): it
    rebuilds every inline token's children, 3 % of a post's Markdown time."""
    if not state.env.get(JOINED):
        markdown_it_text_join(state)


PAGE_IDS = frozenset({"main", "site-search-words", "film-stills", "film-trailer"})
"""Ids the built-in theme gives elements of the pages a post's text is on: a heading never
takes one ("## Main" is ``main-1``)."""
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?\d+(?::\d+)?")
"""The ids of footnotes and their references ("fn1", "fnref1:2"): a heading never takes one."""


def _heading_ids(state: StateCore) -> None:
    """Give h2–h4 an ``id`` from their text, unique within the page ("cast", "cast-1", …).

    The ids ``mdit_py_plugins.anchors`` would give, found in linear time: it tries "x-1",
    "x-2"… from the start for every repeat of "x" (20,000 equal headings took half a
    minute); here each name remembers the next number to try.
    """
    taken: set[str] = set(PAGE_IDS)
    next_number: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if (
            token.type != "heading_open"
            or token.tag not in ("h2", "h3", "h4")
            or token.attrGet("id")
        ):
            continue
        base = slugify(_inline_text(tokens[index + 1]))
        slug = base
        if slug in taken or _FOOTNOTE_ID.fullmatch(slug):
            number = next_number.get(base, 1)
            while f"{base}-{number}" in taken:
                number += 1
            slug = f"{base}-{number}"
            next_number[base] = number + 1
        taken.add(slug)
        token.attrSet("id", slug)


def make_markdown(html: bool, base_path: str, *, direct: bool = True) -> MarkdownIt:
    """The Markdown renderer of a build (``direct``: the HTML of inline text read by
    ``fastmarkdown`` written without its tokens, ``inlinehtml``)."""
    md = MarkdownIt("commonmark", {"html": html, "typographer": True}, renderer_cls=HtmlRenderer)
    md.block = DispatchingParserBlock(md.block)  # the same tokens, fewer rule calls
    md.inline = DispatchingParserInline(md.inline)
    md.helpers = LinkHelpers()  # type: ignore[assignment]  # the same links, in proportion
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.core.ruler.at("normalize", normalize)  # the same text, not rewritten when unchanged
    md.core.ruler.at("inline", inline)  # the same tokens, plain text without the parser
    md.core.ruler.before("inline", "newsreel_costly_references", costly_references)
    md.core.ruler.at("smartquotes", smartquotes)  # the same quotes in linear time
    md.core.ruler.at("text_join", text_join)  # the same tokens, not rebuilt when unchanged
    md.block.ruler.before("table", "newsreel_too_large_table", too_large_table)
    md.block.ruler.before(
        "newsreel_too_large_table", "newsreel_blocks", too_many_blocks, {"alt": ["list"]}
    )
    md.validateLink = lambda url: is_safe_url(url)  # type: ignore[method-assign]
    md.normalizeLink = _normalize_link(md.normalizeLink)  # type: ignore[method-assign,assignment]
    footnote_plugin(md)
    md.inline.ruler.before("link", "newsreel_plain_brackets", plain_brackets)
    md.inline.ruler.before("strikethrough", "newsreel_delimiter_run", long_delimiter_run)
    md.core.ruler.push("newsreel_heading_ids", _heading_ids)
    tweet_embed_plugin(md)
    video_embed_plugin(md)
    image_plugin(md)
    md.core.ruler.push("newsreel_base_path", _prefix_root_links(base_path))
    # the same tokens, common shapes without the parsers; their inline text written directly
    md.core.ruler.at("block", block_rule(writer(md, base_path) if direct else None))
    return md


PLAIN_LINK = re.compile(
    r"(?:https?://[A-Za-z0-9.\-]+(?::[0-9]+)?|(?=/(?!/)))(?:/[A-Za-z0-9\-._~/?#!$&'()*+,;=:]*)?\Z"
)
"""A link markdown-it's ``normalizeLink`` returns unchanged: a path on the site, or an http(s)
address with an ASCII host, of characters it never encodes (no ``%``, no ``@``, no space)."""


def _normalize_link(normalize: Callable[[str], str]) -> Callable[[str], str]:
    """markdown-it's ``normalizeLink`` (parsing the address, punycode for its host, encoding
    it: 30 us), skipped for a ``PLAIN_LINK`` and made once for a link that recurs (the film's
    page, the actors')."""
    recurring = lru_cache(maxsize=4096)(normalize)

    def normalize_link(url: str) -> str:
        return url if PLAIN_LINK.match(url) else recurring(url)

    return normalize_link


def _inline_text(inline: Token) -> str:
    """The text of an inline token (of its text and code), soft and hard breaks as spaces."""
    if not inline.children and TEXT in inline.meta:  # written by ``inlinehtml``
        return str(inline.meta[TEXT])
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _plain_text(tokens: Sequence[Token]) -> str:
    """Text of the first paragraph, for summaries and descriptions."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            text = " ".join(_inline_text(tokens[index + 1]).split())
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
        html_utf8=html.encode(),
        summary=shorten(_plain_text(tokens)),
        words=len(body.split()),
        embedded_tweets=tuple(env["embedded_tweets"]),
        images=images,
    ), problems
