"""Plain inline text without markdown-it's inline parser: the core ``inline`` rule, same tokens.

markdown-it parses every inline token (a paragraph, a heading, each table cell) with a
fresh inline state, a pass of every inline rule and five post-passes: a fixed cost of
tens of microseconds however little text there is. A table of 20,000 one-letter cells or
a paragraph of one word per line paid it per cell or per line (10-20 times an ordinary
post of the same size). Text with none of the inline parser's special characters
(``markdown-it``'s terminators) can only become one text token, and text whose only
special character is the line break only text and soft or hard breaks: those tokens are
made here directly, as markdown-it's ``text`` and ``newline`` rules would make them.
Anything else goes through markdown-it's inline parser as before.
"""

from __future__ import annotations

from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline.text import text as markdown_it_text
from markdown_it.token import Token


def inline(state: StateCore) -> None:
    """The core rule: fill every inline token's children."""
    md = state.md
    rules = md.inline.ruler.getRules("")
    plain_possible = bool(rules) and rules[0] is markdown_it_text
    terminator = md.inline.terminator_re
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        content = token.content
        if plain_possible and not (special := terminator.search(content)):
            if content:
                token.children.append(_text(content))
            continue
        if (
            plain_possible
            and special.group() == "\n"
            and not terminator.search(content.replace("\n", ""))
        ):
            token.children.extend(_lines(content))
            continue
        md.inline.parse(content, md, state.env, token.children)


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _lines(content: str) -> list[Token]:
    """Tokens of text whose only special character is ``\\n`` (markdown-it's newline rule):
    a line ending in two spaces or more ends in a hard break, others in a soft break that
    takes one trailing space; the next line's leading spaces and tabs are skipped."""
    tokens: list[Token] = []
    lines = content.split("\n")
    last = len(lines) - 1
    for index, line in enumerate(lines):
        if index:
            line = line.lstrip(" \t")
        if index == last:
            if line:
                tokens.append(_text(line))
            break
        kind = "softbreak"
        if line.endswith(" "):
            kept = line.rstrip(" ")
            if len(line) - len(kept) >= 2:
                kind, line = "hardbreak", kept
            else:
                line = line[:-1]
        if line:
            tokens.append(_text(line))
        tokens.append(Token(kind, "br", 0))
    return tokens
