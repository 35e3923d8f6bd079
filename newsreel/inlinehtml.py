"""The HTML of inline text read by ``fastmarkdown``, written from its items without tokens.

Most tokens of a post are inline (text, emphasis, links); making each a ``Token``, then
walking them again for typography and once more to render them, cost a fifth of the
instructions of a post's Markdown. For an inline token ``fastmarkdown`` read (one without an image), the writer
here runs markdown-it's typography on the items (``replacements``' own functions,
``smartquotes``' reading) and writes what ``mdrender.HtmlRenderer`` would write for them. The
token then holds no children and no content (the core rules pass it by) but ``mdrender.INLINE_HTML``,
and ``TEXT``: its plain text, breaks as spaces, for heading ids and summaries.

``writer`` gives no writer for a set-up that renders inline tokens otherwise (a rule of its
own for text or links, other quote marks, no typography). ``tests/test_fastmarkdown.py``
compares the HTML with markdown-it's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core.replacements import (
    RARE_RE,
    SCOPED_ABBR_RE,
    replace_rare,
    replace_scoped,
)

from newsreel.mdrender import INLINE_HTML, HtmlRenderer, attributes
from newsreel.smartquotes import quote_edits

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from newsreel.fastmarkdown import InlineHtml, Item

TEXT = "newsreel_text"
"""``meta`` key of an inline token written here: its text, soft and hard breaks as spaces."""

_CORE_RULES = ("replacements", "smartquotes", "text_join")
_MARKUP = {
    "em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>",
    "strong_close": "</strong>", "s_open": "<s>", "s_close": "</s>", "link_close": "</a>",
}  # fmt: skip
_OWN_RULES = ("text", "code_inline", "softbreak", "hardbreak")
"""Renderer rules the writer stands for, each markdown-it's own (others must have none)."""


class _Text:
    """A text item as markdown-it's replacement functions read and change it."""

    __slots__ = ("content",)
    type = "text"
    info = ""

    def __init__(self, content: str) -> None:
        self.content = content


def writer(md: MarkdownIt, base_path: str) -> InlineHtml | None:
    """What writes an inline token's HTML for ``md`` (links on the site given ``base_path``),
    or None when ``md`` would not render the items as written here."""
    options = md.options
    enabled = {rule.name for rule in md.core.ruler.__rules__ if rule.enabled}
    if not isinstance(md.renderer, HtmlRenderer):
        return None
    rules = md.renderer.rules
    if (
        not options.typographer
        or any(len(mark) != 1 for mark in options.quotes)
        or not enabled.issuperset(_CORE_RULES)
        or RARE_RE.pattern != _RARE_PATTERN
        or any(getattr(rules.get(name), "__func__", None) is not getattr(RendererHTML, name)
               for name in _OWN_RULES)
        or any(name in rules for name in (*_MARKUP, "link_open", "text_special"))
    ):  # fmt: skip
        return None
    prefix = base_path.rstrip("/")
    quotes = options.quotes
    hard = "<br />\n" if options.xhtmlOut else "<br>\n"
    soft = hard if options.breaks else "\n"

    def write(items: list[Item], src: str) -> dict[str, Any]:
        # (``in`` tests: a search by a regular expression takes ten times as long)
        if "'" in src or '"' in src or "(" in src or _rare(src):
            _typography(items, src, quotes)
        # (text without these characters in its source has none in its items either)
        escape = escapeHtml if "&" in src or "<" in src or ">" in src or '"' in src else str
        if len(items) == 1 and items[0][0] == "text":  # a line of text: most table cells
            content = items[0][1]
            return {INLINE_HTML: escape(content), TEXT: content}
        html: list[str] = []
        text: list[str] = []
        for kind, content, extra, _ in items:
            if kind == "text" or kind == "text_special":
                if content:
                    html.append(escape(content))
                    text.append(content)
            elif kind == "softbreak":
                html.append(soft)
                text.append(" ")
            elif kind == "link_open":
                html.append(_link(extra, prefix))
            elif kind == "code_inline":
                html.append(f"<code>{escape(content)}</code>")
                text.append(content)
            elif kind == "hardbreak":
                html.append(hard)
                text.append(" ")
            else:
                html.append(_MARKUP[kind])
        return {INLINE_HTML: "".join(html), TEXT: "".join(text)}

    return write


def _typography(items: list[Item], src: str, quotes: str) -> None:
    """markdown-it's ``replacements`` (its own functions, on the text items: ``(c)``, ``--``,
    ``...``), then ``smartquotes``' quotes, as the core rules would make them."""
    scoped = "(" in src and SCOPED_ABBR_RE.search(src) is not None
    rare = _rare(src)
    if scoped or rare:
        texts = [item for item in items if item[0] == "text"]
        pieces = [_Text(item[1]) for item in texts]
        if scoped:
            replace_scoped(pieces)  # type: ignore[arg-type]
        if rare:
            replace_rare(pieces)  # type: ignore[arg-type]
        for item, piece in zip(texts, pieces, strict=True):
            item[1] = piece.content
    if "'" in src or '"' in src:
        kinds = [item[0] for item in items]
        contents = [item[1] for item in items]
        levels = [item[3] for item in items]
        for index, content in quote_edits(kinds, contents, levels, quotes).items():
            items[index][1] = content


_RARE_PATTERN = r"\+-|\.\.|\?\?\?\?|!!!!|,,|--"
"""``RARE_RE``'s pattern, as ``_rare`` reads it."""


def _rare(src: str) -> bool:
    """Whether ``RARE_RE`` finds something in ``src`` (its alternatives, as substrings)."""
    return (
        ".." in src or "--" in src or ",," in src or "+-" in src or "????" in src or "!!!!" in src
    )


def _link(attrs: dict[str, Any], prefix: str) -> str:
    """A link's opening tag as the renderer writes it, a path on the site given the base path
    (``markdown._prefix_root_links``)."""
    href = attrs["href"]
    if prefix and href.startswith("/") and not href.startswith("//"):
        attrs = {**attrs, "href": prefix + href}
    return f"<a{attributes(attrs)}>"
