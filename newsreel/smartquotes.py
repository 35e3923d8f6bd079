"""Typographic quotes in linear time: markdown-it's ``smartquotes`` rule, same output.

markdown-it-py's rule copies the rest of a text at each quote, rebuilds the text at each
replacement and walks back over every open quote at each closing one: 100 KB of ``"a' ``
took minutes. This one reads each text once, edits characters in place and finds the
matching open quote through a list per kind. It handles single-character quote marks (the
default ``“”‘’``); for others the original rule is used.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_core.smartquotes import smartquotes as markdown_it_smartquotes
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

_QUOTE = re.compile(r"['\"]")
APOSTROPHE = "\u2019"


def smartquotes(state: StateCore) -> None:
    """The core rule: replace straight quotes in every inline token's text."""
    if not state.md.options.typographer:
        return
    quotes = state.md.options.quotes
    if any(len(mark) != 1 for mark in quotes):
        markdown_it_smartquotes(state)
        return
    for token in state.tokens:
        if token.type == "inline" and token.children is not None and _QUOTE.search(token.content):
            _process(token.children, quotes)


def _is_punct(code: int) -> bool:
    return isMdAsciiPunct(code) or isPunctChar(chr(code))


def _char_before(kinds: list[str], contents: list[str], index: int) -> int:
    """The last character of the nearest earlier token with text on the same line (else a space)."""
    for j in range(index - 1, -1, -1):
        if kinds[j] in ("softbreak", "hardbreak"):
            break
        if contents[j]:
            return ord(contents[j][-1])
    return 0x20


def _char_after(kinds: list[str], contents: list[str], index: int) -> int:
    """The first character of the nearest later token with text on the same line (else a space)."""
    for j in range(index + 1, len(kinds)):
        if kinds[j] in ("softbreak", "hardbreak"):
            break
        if contents[j]:
            return ord(contents[j][0])
    return 0x20


def _process(tokens: list[Token], quotes: Any) -> None:
    contents = [token.content for token in tokens]
    kinds = [token.type for token in tokens]
    levels = [token.level for token in tokens]
    for index, content in quote_edits(kinds, contents, levels, quotes).items():
        tokens[index].content = content


def quote_edits(
    kinds: list[str], contents: list[str], levels: list[int], quotes: Any
) -> dict[int, str]:
    """The new text of each token (by index) whose quotes change, of the inline tokens given
    as their types, texts and levels."""
    # Open quotes as (token index, position, single, level), levels never decreasing upwards;
    # ``openers[single]`` holds the stack indices of each kind, so a closing quote finds its
    # match at once instead of walking over every open quote of the other kind.
    stack: list[tuple[int, int, bool, int]] = []
    openers: dict[bool, list[int]] = {True: [], False: []}
    edits: dict[int, list[str]] = {}

    def put(index: int, position: int, char: str) -> None:
        chars = edits.get(index)
        if chars is None:
            chars = edits[index] = list(contents[index])
        chars[position] = char

    def truncate(size: int) -> None:
        del stack[size:]
        for kind in (True, False):
            found = openers[kind]
            while found and found[-1] >= size:
                found.pop()

    for i, kind in enumerate(kinds):
        level = levels[i]
        size = len(stack)
        while size and stack[size - 1][3] > level:
            size -= 1
        if size != len(stack):
            truncate(size)
        if kind != "text":
            continue
        # Replacements only ever touch characters already passed, and a curly quote is
        # punctuation like the straight one it replaces: the original text is enough to read.
        text = contents[i]
        end = len(text)
        for match in _QUOTE.finditer(text):
            at = match.start()
            single = match.group() == "'"
            last = ord(text[at - 1]) if at > 0 else _char_before(kinds, contents, i)
            after = ord(text[at + 1]) if at + 1 < end else _char_after(kinds, contents, i)
            last_punct, next_punct = _is_punct(last), _is_punct(after)
            last_space, next_space = isWhiteSpace(last), isWhiteSpace(after)
            can_open = can_close = True
            if next_space or (next_punct and not (last_space or last_punct)):
                can_open = False
            if last_space or (last_punct and not (next_space or next_punct)):
                can_close = False
            if after == 0x22 and not single and 0x30 <= last <= 0x39:
                can_open = can_close = False  # 1"" - the first quote is an inch
            if can_open and can_close:
                can_open, can_close = last_punct, next_punct
            if not can_open and not can_close:
                if single:
                    put(i, at, APOSTROPHE)  # in the middle of a word
                continue
            if can_close:
                same = openers[single]
                if same and stack[same[-1]][3] == level:
                    j = same[-1]
                    opener_token, opener_at, _, _ = stack[j]
                    put(i, at, quotes[3] if single else quotes[1])
                    put(opener_token, opener_at, quotes[2] if single else quotes[0])
                    truncate(j)
                    continue
            if can_open:
                stack.append((i, at, single, level))
                openers[single].append(len(stack) - 1)
            elif can_close and single:
                put(i, at, APOSTROPHE)
    return {index: "".join(chars) for index, chars in edits.items()}
