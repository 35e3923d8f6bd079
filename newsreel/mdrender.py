"""markdown-it's HTML renderer, its output unchanged, with the common tokens written directly.

markdown-it renders a token without a rule of its own through ``renderToken``, which asks
whether it is hidden, follows a hidden token, is a block, and lists its attributes (a new list
each time, most of them empty), and the text of a post through the ``text`` rule, a method
call per run of text: a quarter of the time spent on a post's Markdown. ``HtmlRenderer`` writes
text, and tags without attributes (``p``, ``li``, ``blockquote``; ``em``, ``strong``, ``s``, a
link's end), itself, and everything else as markdown-it does. ``tests/test_fastmarkdown.py``
compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

INLINE_HTML = "newsreel_html"
"""``meta`` key of an inline token whose HTML is written already (``inlinehtml``)."""


class HtmlRenderer(RendererHTML):
    """``RendererHTML``, the same HTML for the same tokens."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        """The body: block tags without attributes (paragraphs, lists, quotes: four tokens
        in five) written here as ``renderToken`` would, the rest as markdown-it does."""
        rules = self.rules
        slash = " />" if options["xhtmlOut"] else ">"
        last = len(tokens) - 1
        out: list[str] = []
        for i, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                if token.children:
                    out.append(self.renderInline(token.children, options, env))
                elif INLINE_HTML in token.meta:  # written by ``inlinehtml``
                    out.append(token.meta[INLINE_HTML])
            elif kind in rules:
                out.append(rules[kind](tokens, i, options, env))
            elif token.hidden:
                continue  # a tight list's paragraph tags
            elif token.attrs or not token.block:
                out.append(self.renderToken(tokens, i, options, env))
            elif token.nesting == -1:
                out.append(f"</{token.tag}>\n")
            else:
                before = "\n" if i and tokens[i - 1].hidden else ""
                if token.nesting == 0:
                    out.append(f"{before}<{token.tag}{slash}\n")
                    continue
                after = ">\n"
                if i < last:
                    following = tokens[i + 1]
                    if (
                        following.type == "inline"
                        or following.hidden
                        or (following.nesting == -1 and following.tag == token.tag)
                    ):
                        after = ">"  # an inline, or an empty tag: <li></li>
                out.append(f"{before}<{token.tag}{after}")
        return "".join(out)

    def renderInline(  # noqa: N802 - markdown-it's name
        self, tokens: Sequence[Token], options: OptionsDict, env: EnvType
    ) -> str:
        rules = self.rules
        text = rules.get("text")
        plain_text = getattr(text, "__func__", None) is RendererHTML.text
        slash = " />" if options["xhtmlOut"] else ">"
        out: list[str] = []
        for i, token in enumerate(tokens):
            kind = token.type
            if kind == "text" and plain_text:
                out.append(escapeHtml(token.content))
            elif kind in rules:
                out.append(rules[kind](tokens, i, options, env))
            elif token.attrs or token.block or token.hidden:
                out.append(self.renderToken(tokens, i, options, env))
            elif token.nesting == -1:
                out.append(f"</{token.tag}>")
            else:
                out.append(f"<{token.tag}{slash}" if token.nesting == 0 else f"<{token.tag}>")
        return "".join(out)

    @staticmethod
    def renderAttrs(token: Token) -> str:  # noqa: N802 - markdown-it's name
        return attributes(token.attrs)


def attributes(attrs: dict[str, Any]) -> str:
    """A tag's attributes as markdown-it's renderer writes them."""
    if not attrs:
        return ""
    return "".join(
        [f' {escapeHtml(key)}="{escapeHtml(str(value))}"' for key, value in attrs.items()]
    )
