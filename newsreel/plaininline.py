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

import re

from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.text import text as markdown_it_text
from markdown_it.token import Token

from newsreel.fastmarkdown import READY


def inline(state: StateCore) -> None:
    """The core rule: fill every inline token's children (unless ``fastmarkdown`` did)."""
    if state.env.pop(READY, False):
        return
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
        state.env["newsreel_inline_line"] = token.map[0] if token.map else None
        special = terminator.search(content) if plain_possible else None
        if plain_possible and special is None:
            if content:
                token.children.append(_text(content))
            continue
        if (
            special is not None
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


BRACKET_NESTING = 4
"""Depth of nested brackets markdown-it looks into for a link label (its own limit is 20)."""


def plain_brackets(state: StateInline, silent: bool) -> bool:
    """An inline rule before ``link``: a ``[`` or ``![`` that cannot open a link, an image or a
    footnote reference is text, found in constant time.

    markdown-it tries each ``[`` as a link label, walking nested brackets up to its nesting
    limit (20): 50 KB of ``[`` or ``![`` took 20-50 times an ordinary post. A bracket can open
    nothing when no ``]`` follows it, or when no ``](`` follows it and the document defines
    no references or footnotes. Such brackets and ``!`` (a run at once, or one character
    when markdown-it skips a token) are left to the text, as markdown-it leaves them. And a
    label is looked into ``BRACKET_NESTING`` brackets deep only: deeper, the rest of the text
    is skipped as markdown-it skips it past its own limit (with a warning).
    """
    pos = state.pos
    src = state.src
    if src[pos] not in "[!":
        return False
    if silent and state.level >= BRACKET_NESTING and src.startswith(("[", "!["), pos):
        _warn_deep_brackets(state)
        state.pos = state.posMax
        return True
    cached = state.env.get("newsreel_brackets")
    if cached is None or cached[0] is not src:
        cached = (src, src.rfind("]"), src.rfind("]("), src.rfind(">"))
        state.env["newsreel_brackets"] = cached
    _, last_close, last_inline, last_angle = cached
    if (
        last_close >= pos
        and (
            last_inline >= pos
            or state.env.get("references")
            or state.env.get("footnotes", {}).get("refs")
        )
        and not _too_deep(state, pos + 1 if src[pos] == "!" else pos, last_angle)
    ):
        return False
    if silent:
        state.pos = pos + 1
        return True
    end = pos + 1
    while end < state.posMax and src[end] in "[!":
        end += 1
    state.append_pending(src[pos:end])
    state.pos = end
    return True


_HIDES_BRACKETS = re.compile(r"[\\`]")
"""An escape or a code span can hide a ``[`` or a ``]`` (and a ``<`` before a ``>``: an
autolink or inline HTML)."""


def _too_deep(state: StateInline, pos: int, last_angle: int) -> bool:
    """Whether the ``[`` at ``pos`` opens ``BRACKET_NESTING`` more brackets before the first
    ``]`` after it, with nothing between that could hide one: its label would be read that
    deep, where no link is read, so it opens nothing (a warning says so).

    markdown-it finds this out by reading the label, four brackets deep: ``*[*[*[…`` cost 10
    times an ordinary post. Here the brackets are counted, and the stretch where every ``[``
    is that deep is remembered, so a run of brackets is looked at once."""
    src = state.src
    if pos + 1 >= len(src) or src[pos] != "[" or src[pos + 1] == "^":
        return False
    env = state.env
    zone = env.get("newsreel_deep_zone")
    if zone is not None and zone[0] is src and zone[1] <= pos < zone[2]:
        return True
    remembered = env.get("newsreel_next_close")  # no ``]`` from [1] to [2]
    if remembered is not None and remembered[0] is src and remembered[1] <= pos < remembered[2]:
        close = remembered[2]
    else:
        close = src.find("]", pos + 1)
        if close < 0:
            close = len(src)
        env["newsreel_next_close"] = (src, pos, close)
    bracket = pos
    for _ in range(BRACKET_NESTING):
        bracket = src.find("[", bracket + 1, close)
        if bracket < 0:
            return False
    if _hides_brackets(src, pos, bracket, last_angle) < bracket:
        return False
    # every ``[`` before the BRACKET_NESTING-th last one before ``limit`` is as deep
    limit = _hides_brackets(src, bracket, close, last_angle)
    deepest = limit
    for _ in range(BRACKET_NESTING):
        deepest = src.rfind("[", pos, deepest)
    env["newsreel_deep_zone"] = (src, pos, deepest)
    _warn_deep_brackets(state)
    return True


def _hides_brackets(src: str, start: int, end: int, last_angle: int) -> int:
    """The first character from ``start`` to ``end`` that could hide a bracket, or ``end``."""
    found = _HIDES_BRACKETS.search(src, start, end)
    if found is not None:
        end = found.start()
    if last_angle > start:
        angle = src.find("<", start, end)
        end = end if angle < 0 else angle
    return end


def _warn_deep_brackets(state: StateInline) -> None:
    env = state.env
    if env.get("newsreel_deep_brackets_reported"):
        return
    env["newsreel_deep_brackets_reported"] = True
    first = env.get("newsreel_inline_line")
    line = None if first is None else first + 1 + state.src.count("\n", 0, state.pos)
    env.setdefault("warnings", []).append(
        (
            line,
            f"brackets nested more than {BRACKET_NESTING} deep: no link is read inside them",
            "escape the brackets that are not links as \\[",
        )
    )
