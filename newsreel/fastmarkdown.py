"""markdown-it's tokens for the common shapes of a post, made without its block and inline parsers.

markdown-it tries its rules one after another at every block and at every special character,
with a state object per inline run: about two thirds of a post's Markdown time. Most posts
are made of a few shapes only, and for those the tokens can be read off the lines directly:

- paragraphs whose lines start with a letter, a digit that is not a list marker, or
  emphasis; ATX headings without a closing sequence; thematic breaks of one marker;
- tight lists of one-line items (one marker, one space); block quotes of paragraphs; any
  other list is read by markdown-it's block rules as a document of its own (its inline text
  read here), from its first line to the first line after a blank one that is neither
  indented nor an item of the same list;
- pipe tables whose rows have the header's cell count; fenced code that is closed;
- inline: text, backslash escapes, entities, code spans, ``*``/``_``/``~~`` runs that
  either only open or only close and pair up like brackets, and ``[label](destination
  "title")`` links and ``![alt](source "title")`` images with a plain label, a destination
  without spaces, parentheses, quotes or escapes, and an optional plain title;
- a line starting with an address, alone between blank lines, is read by markdown-it's own
  rules (a tweet, a trailer, a paragraph) as a one-line document.

Any other block (indented code, a setext heading, HTML, a heading with a closing sequence…)
is read by markdown-it's block rules as a document of its own, from its first line to a
blank line followed by a line that continues nothing (``_Blocks._region``); inline text of
other shapes (autolinks, inline HTML, ``***``, a link with parentheses, inline footnotes,
and any text with a bracket in a body that defines references or footnotes) by markdown-it's
inline parser, that text alone. The whole body goes to markdown-it when it has more than
half the blocks, list items or table cells ``mdlimits`` allows (markdown-it's rules enforce
those limits), a tab, or a fence or HTML block that may run past blank lines.
``block_tokens`` returns the block tokens (inline tokens with their children) that
markdown-it would give for the body, or None when it goes to markdown-it whole.

Everything after parsing (typographic quotes, heading ids, links' base path, the renderer)
runs on these tokens unchanged. In a build, inline text read here (an image aside) is not
made into tokens: its items are written to HTML at once by ``inlinehtml``, the inline token
keeping that HTML and its plain text in ``meta``, no content and no children. The tests
(``tests/test_fastmarkdown.py``) compare the tokens, and the HTML, with markdown-it's on
generated and random text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, MutableMapping
from functools import lru_cache
from typing import Any, Literal

from markdown_it.common.entities import entities
from markdown_it.common.utils import (
    fromCodePoint,
    isMdAsciiPunct,
    isPunctChar,
    isValidEntityCode,
    isWhiteSpace,
    mdTrim,
)
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.block import block as markdown_it_block
from markdown_it.rules_inline.entity import DIGITAL_RE, NAMED_RE
from markdown_it.token import Token

from newsreel.mdlimits import block_limit, structure_limit

READY = "newsreel_inline_ready"
"""``env`` key: set by ``block`` when the inline tokens' children are made already."""
JOINED = "newsreel_text_joined"
"""``env`` key: set by ``block`` when the children are what markdown-it's ``text_join`` would
make of them: read here (adjacent text merged, ``joined``) from a body without a backslash or
an ampersand (only escapes and entities make ``text_special`` tokens)."""


def block_rule(direct: InlineHtml | None) -> Callable[[StateCore], None]:
    """The core ``block`` rule: the tokens read here where the body allows, else markdown-it's.

    ``direct``: what writes the HTML of the inline text read here (``inlinehtml``), given
    when the renderer writes inline tokens as markdown-it does; None gives markdown-it's
    inline children instead. A fault of the fast path (a bug: the tests compare it with
    markdown-it) costs a build nothing: markdown-it reads that body, as it reads every body
    the fast path leaves."""

    def block(state: StateCore) -> None:
        try:
            tokens = (
                None if state.inlineMode else block_tokens(state.src, state.md, state.env, direct)
            )
        except Exception:  # noqa: BLE001 - markdown-it's reading is the right one anyway
            tokens = None
        state.env[READY] = tokens is not None
        state.env[JOINED] = (
            tokens is not None
            and state.env.get(JOINED) is not False  # (``block_tokens``: markdown-it read some)
            and "\\" not in state.src
            and "&" not in state.src
        )
        if tokens is None:
            markdown_it_block(state)
        else:
            state.tokens.extend(tokens)

    return block


class _Unsure(Exception):
    """A block or inline text has a shape this module does not read; markdown-it will."""


class _Beyond(_Unsure):
    """The whole body is left to markdown-it: near its limits, or with a block that may run
    past the blank lines that end a region (a fence, an HTML block), or a region too long."""


def block_tokens(
    src: str, md: Any, env: MutableMapping[str, Any], direct: InlineHtml | None = None
) -> list[Token] | None:
    """markdown-it's tokens for ``src`` (normalised) with inline children, or None.

    With ``direct``, an inline token whose text has no image holds its HTML and its text in
    ``meta`` (``inlinehtml``) instead of content and children.

    What markdown-it's rules record in ``env`` for a line read by them (a tweet's or a
    trailer's address alone on a line) is added to ``env`` only when the tokens are returned;
    so is ``env[JOINED] = False`` when markdown-it's inline parser read some inline text (its
    children are not joined as ``text_join`` would join them).
    """
    if "\t" in src:
        return None
    lines = src.split("\n")
    unended = lines[-1] != ""
    if not lines[-1].strip(" "):
        lines.pop()  # (markdown-it counts no last line of spaces alone, without a newline)
        unended = False
    blocks = _Blocks(lines, md, env, src, direct, unended)
    try:
        tokens = blocks.tokens()
    except _Unsure:
        return None
    if blocks.env is not env:
        env.update(blocks.env)
    if blocks.unread:
        env[JOINED] = False
    return tokens


# --- blocks --------------------------------------------------------------------------

_HEADING = re.compile(r"(#{1,6}) ")
_BULLET = re.compile(r"([-*+]) (?! )")
_ORDERED = re.compile(r"([0-9]{1,9})([.)]) (?! )")
_URL_START = re.compile(r"[hH][tT][tT][pP]")
_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_LINK_START = re.compile(r"\[(?!\^)[^\[\]\\]*\]\(")
_UNSAFE_FIRST = frozenset(" \t#>-+|`~<=[:")
"""First characters of a line that can start (or interrupt a paragraph with) another block."""
_RUNS_ON = re.compile(
    r"<(?:(?P<comment>!--)|(?P<cdata>!\[CDATA\[)|(?P<declaration>![A-Z])|(?P<instruction>\?)"
    r"|(?P<raw>script|pre|style|textarea)(?:[\s>]|$))",
    re.IGNORECASE,
)
"""The start of an HTML block that a blank line does not end (markdown-it's kinds 1-5)."""
_ENDS = {"comment": "-->", "cdata": "]]>", "declaration": ">", "instruction": "?>"}
"""What ends each kind of ``_RUNS_ON`` block (the raw ones: their closing tag)."""


_ANY_ITEM = re.compile(r"([-*+]|[0-9]{1,9}([.)]))(?: |$)")
MAX_REGION_LINES = 500
"""Longest stretch read by markdown-it's block rules as a document of its own: its own limits
(``mdlimits``, counted in that stretch) stay below the whole body's."""


def _item_marker(line: str) -> str | None:
    """The bullet, or the number's delimiter, of a line that starts a list item."""
    match = _ANY_ITEM.match(line)
    return None if match is None else match.group(2) or match.group(1)


def _blank(line: str) -> bool:
    return not line.strip(" \t")


def _plain_start(line: str) -> bool:
    """Whether ``line`` can only be a paragraph's line (first or continuing)."""
    if not line:
        return False
    first = line[0]
    if first in "`~":
        return not line.startswith(first * 3)  # a code span or strikethrough, not a fence
    if first == "[":
        return _LINK_START.match(line) is not None  # not a reference or footnote definition
    if first in _UNSAFE_FIRST:
        return False
    if first in "*_":
        run = 2 if line.startswith(first * 2) else 1
        after = line[run : run + 1]
        return bool(after) and after not in " *_-"
    if first.isdigit():
        return _ANY_ITEM.match(line) is None
    return _URL_START.match(line) is None


def _delimiter_row(line: str) -> list[str] | None:
    """The alignments of a table's delimiter row, as markdown-it reads them, or None."""
    if len(line) < 2 or line[0] not in "|-:" or (line[1] not in "|-: "):
        return None
    if line[0] == "-" and line[1] == " ":
        return None
    if line.strip("|-: "):
        return None
    columns = line.split("|")
    aligns = []
    for index, column in enumerate(columns):
        cell = mdTrim(column)
        if not cell:
            if index in (0, len(columns) - 1):
                continue
            return None
        if not _DELIMITER_CELL.match(cell):
            return None
        if cell.endswith(":"):
            aligns.append("center" if cell.startswith(":") else "right")
        elif cell.startswith(":"):
            aligns.append("left")
        else:
            aligns.append("")
    return aligns


def _cells(line: str) -> list[str]:
    columns = mdTrim(line).split("|")
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return columns


Nesting = Literal[-1, 0, 1]

_FIELDS = (
    "type", "tag", "nesting", "attrs", "map", "level", "children",
    "content", "markup", "info", "meta", "block", "hidden",
)  # fmt: skip


def _made_directly() -> Callable[[str, str, Nesting], Token]:
    """``Token(kind, tag, nesting)``, made a third faster by setting its fields directly (when
    markdown-it's ``Token`` has the fields this knows; else by its constructor)."""
    if tuple(field.name for field in dataclasses.fields(Token)) != _FIELDS:
        return Token
    new = object.__new__

    def token(kind: str, tag: str, nesting: Nesting) -> Token:
        made = new(Token)
        made.type, made.tag, made.nesting, made.attrs, made.map = kind, tag, nesting, {}, None
        made.level, made.children, made.content, made.markup, made.info = 0, None, "", "", ""
        made.meta, made.block, made.hidden = {}, False, False
        return made

    return token


_token = _made_directly()


def _block(kind: str, tag: str, nesting: Nesting, level: int, line_map: list[int] | None) -> Token:
    made = _token(kind, tag, nesting)
    made.map, made.level, made.block = line_map, level, True
    return made


_LINED = ("problems", "warnings")
"""``env`` lists whose entries start with a line of the body (``markdown.render_body``)."""


class _Blocks:
    """Block tokens of a body's lines, top to bottom."""

    def __init__(
        self,
        lines: list[str],
        md: Any,
        env: MutableMapping[str, Any],
        src: str,
        direct: InlineHtml | None,
        unended: bool,
    ) -> None:
        self.lines = lines
        self.unended = unended
        """Whether the last line has no newline after it."""
        self.md = md
        self.direct = direct
        self.env = env
        """``env`` until markdown-it's rules read a line, then a copy they write to."""
        self.original_env = env
        self.out: list[Token] = []
        self.src = src
        self.unread: list[Token] = []
        """Inline tokens whose text is left to markdown-it's inline parser, in order (``_inline``)."""
        self.defines = "]:" in src
        """Whether the body may define references or footnotes (read by markdown-it's block
        rules, ``_region``): then text with a bracket may use them, and is left to its inline
        parser, which reads it once every definition is known."""
        self.counts = [0, 0, 0]  # blocks, list items, table cells
        self.limits = [block_limit(src) // 2, structure_limit(src) // 2, structure_limit(src) // 2]
        """Half of ``mdlimits``' limits: a body read here is well within them (markdown-it's
        rules enforce them, with their errors, on the bodies past)."""

    def tokens(self) -> list[Token]:
        lines, count = self.lines, len(self.lines)
        if count > 2 * self.limits[0] and sum(map(_blank, lines)) > self.limits[0]:
            raise _Unsure  # more blocks than blank lines cannot be told at once, but this many
        if sum(line.count("|") for line in lines) > 2 * self.limits[2]:
            raise _Unsure  # maybe more cells than the limit: let markdown-it count them
        line = 0
        while line < count:
            if _blank(lines[line]):
                line += 1
                continue
            made, unread = len(self.out), len(self.unread)
            try:
                line = self._read(line)
            except _Beyond:
                raise
            except _Unsure:  # a block of another shape: markdown-it reads it, and it alone
                self._rollback(made, unread)
                line = self._region(line)
        for token in self.unread:  # last, in order: they may number footnotes, warn once
            env = self._writable_env()
            env["newsreel_inline_line"] = token.map[0] if token.map else None  # its warnings'
            self.md.inline.parse(token.content, self.md, env, token.children)
        return self.out

    def _rollback(self, made: int, unread: int) -> None:
        """Back to ``made`` tokens and ``unread`` inline texts: what a block that was not read
        made is let go. (What it counted stays counted: the limits are only nearer.)"""
        del self.out[made:]
        del self.unread[unread:]

    def _filled(self, line: int) -> int:
        """The first line from ``line`` on that is not blank (or the line count)."""
        lines, count = self.lines, len(self.lines)
        while line < count and _blank(lines[line]):
            line += 1
        return line

    def _read(self, line: int) -> int:
        """The block starting at ``line`` (after a blank line or another block): its tokens,
        and the line after it."""
        lines = self.lines
        text = lines[line]
        if text[0] == " ":
            raise _Unsure
        following = lines[line + 1] if line + 1 < len(lines) else ""
        if (
            following[:1] == " "
            and not _blank(following)
            and (not _ANY_ITEM.match(text) or _delimiter_row(following.lstrip(" ")))
        ):
            raise _Unsure  # only a list's lines may be indented here
        aligns = _delimiter_row(following)
        if aligns is not None and self._is_table(text, aligns):
            return self._table(line, aligns)
        first = text[0]
        if first == "#":
            return self._heading(line)
        if first in "-*_" and len(text) >= 3 and not text.strip(first):
            self._count(1)
            self.out.append(_block("hr", "hr", 0, 0, [line, line + 1]))
            self.out[-1].markup = first * (len(text) + 1)  # markdown-it's count, one over
            return line + 1
        if _ANY_ITEM.match(text):
            return self._some_list(line)
        if first == ">":
            return self._quote(line)
        if first in "`~" and text.startswith(first * 3):
            return self._fence(line)
        if _plain_start(text):
            return self._paragraph(line)
        if _URL_START.match(text):
            return self._address(line)
        raise _Unsure

    def _region(self, start: int) -> int:
        """A block not read here (indented code, a setext heading, HTML, a heading with a
        closing sequence, a reference or footnote definition…), with the blocks after it up to
        a blank line followed by a line that can continue nothing: markdown-it's block rules
        read them as a document of its own. After a blank line, a line neither indented nor a
        list item ends whatever is open, but a fence or an HTML block that runs on past blank
        lines: those are left (with the whole body) to markdown-it."""
        lines, count = self.lines, len(self.lines)
        line = start
        while line < count:
            text = lines[line]
            if _blank(text):
                line = self._filled(line)
                if line == count or (lines[line][0] != " " and not _ANY_ITEM.match(lines[line])):
                    break
                continue
            if line - start >= MAX_REGION_LINES or self._runs_on(text):
                raise _Beyond
            line += 1
        return self._by_markdown_it(start, line)

    def _runs_on(self, text: str) -> bool:
        """Whether ``text`` may open a block that runs past blank lines: a fence, or an HTML
        block of that kind (with HTML on)."""
        stripped = text.lstrip(" ")
        if len(text) - len(stripped) > 3:
            return False
        if stripped.startswith(("```", "~~~")):
            return True
        html = _RUNS_ON.match(stripped) if stripped[:1] == "<" else None
        if html is None or not self.md.options.get("html"):
            return False
        kind = html.lastgroup or ""
        end = _ENDS.get(kind) or f"</{html.group(kind).lower()}>"
        return end not in stripped.lower()  # (markdown-it ends it on its first line too)

    def _count(self, blocks: int, items: int = 0, cells: int = 0) -> None:
        counts, limits = self.counts, self.limits
        counts[0] += blocks
        counts[1] += items
        counts[2] += cells
        if counts[0] > limits[0] or counts[1] > limits[1] or counts[2] > limits[2]:
            raise _Beyond

    def _address(self, line: int) -> int:
        """A line starting with an address, alone: a tweet, a trailer or a paragraph."""
        following = line + 1
        if following < len(self.lines) and not _blank(self.lines[following]):
            raise _Unsure
        return self._by_markdown_it(line, following)

    def _some_list(self, start: int) -> int:
        """A tight list of one-line items, read here; any other list, by markdown-it."""
        made, unread = len(self.out), len(self.unread)
        text = self.lines[start]
        try:
            if _BULLET.match(text):
                return self._list(start, ordered=False)
            if _ORDERED.match(text):
                return self._list(start, ordered=True)
        except _Beyond:
            raise
        except _Unsure:
            self._rollback(made, unread)
        return self._any_list(start)

    def _any_list(self, start: int) -> int:
        """A list with more than one-line items (nested, loose, items of several lines or
        blocks): markdown-it's rules read it, from its first line to the first line after a
        blank one that neither is indented nor starts an item of the same list."""
        lines, count = self.lines, len(self.lines)
        marker = _item_marker(lines[start])
        line = start + 1
        while line < count:
            text = lines[line]
            if _blank(text):
                following = self._filled(line)
                if following < count and (
                    lines[following][0] == " " or _item_marker(lines[following]) == marker
                ):
                    line = following
                    continue
                return self._by_markdown_it(start, following)
            if text[0] != " " and _item_marker(text) != marker and not _plain_start(text):
                raise _Unsure  # a block that may end the list without a blank line
            line += 1
        return self._by_markdown_it(start, count)

    def _by_markdown_it(self, start: int, end: int) -> int:
        """Lines ``start`` to ``end`` read by markdown-it's block rules as a document of their
        own (inline text read here), with their tokens' lines, and those of what the rules
        record, moved to this document's."""
        if end - start > MAX_REGION_LINES:
            raise _Beyond
        region = "".join(line + "\n" for line in self.lines[start:end])
        if end == len(self.lines) and self.unended:
            region = region[:-1]  # the body's own end, as markdown-it saw it
        self._count(end - start, end - start)
        env = self._writable_env()
        recorded = {key: len(env.get(key, ())) for key in _LINED}
        defined = set(env.get("references", ()))
        duplicates = len(env.get("duplicate_refs", ()))
        first = len(self.out)
        self.md.block.parse(region, self.md, env, self.out)
        for key, count in recorded.items():
            entries = env.get(key, [])
            entries[count:] = [
                (None if at is None else at + start, *rest) for at, *rest in entries[count:]
            ]
        references = [r for label, r in env.get("references", {}).items() if label not in defined]
        for reference in references + env.get("duplicate_refs", [])[duplicates:]:
            if reference.get("map"):  # (markdown-it's lines of each definition, kept in env)
                reference["map"] = [reference["map"][0] + start, reference["map"][1] + start]
        out = self.out
        for index in range(first, len(out)):
            token = out[index]
            if token.map is not None:
                token.map = [token.map[0] + start, token.map[1] + start]
            if token.type == "inline":  # (its other fields are ``_inline``'s)
                out[index] = self._inline(token.content, token.map, token.level)
        return end

    def _writable_env(self) -> MutableMapping[str, Any]:
        """``env`` for markdown-it's rules to write to: a copy, taken into the caller's
        ``env`` only when the tokens are returned."""
        if self.env is self.original_env:
            self.env = {
                key: list(value) if isinstance(value, list) else value
                for key, value in self.env.items()
            }
        return self.env

    def _inline(self, content: str, line_map: list[int] | None, level: int) -> Token:
        """An inline token of ``content``: its children read here (or, by ``direct``, its HTML
        in ``meta``), else (``unread``) markdown-it's inline parser's, once every block is read."""
        token = _block("inline", "", 0, level, line_map)
        scan = _InlineScan(content, self.md)
        try:
            if self.defines and "[" in content:
                raise _Unsure
            scan.run(0, len(content))
        except _Unsure:
            token.content, token.children = content, []
            self.unread.append(token)
            return token
        items = scan.joined()
        if self.direct is not None and not scan.images:
            token.children = []
            token.meta = self.direct(items, content)
        else:
            token.content = content
            token.children = _tokens_of(items)
        return token

    def _paragraph(self, start: int) -> int:
        lines = self.lines
        end = start + 1
        while end < len(lines) and not _blank(lines[end]):
            if not _plain_start(lines[end]):
                raise _Unsure
            end += 1
        self._count(1)
        self._paragraph_tokens("\n".join(lines[start:end]), [start, end], 0)
        return end

    def _paragraph_tokens(
        self, text: str, line_map: list[int], level: int, hidden: bool = False
    ) -> None:
        opening = _block("paragraph_open", "p", 1, level, list(line_map))
        closing = _block("paragraph_close", "p", -1, level, None)
        opening.hidden = closing.hidden = hidden
        self.out += (opening, self._inline(mdTrim(text), list(line_map), level + 1), closing)

    def _heading(self, line: int) -> int:
        text = self.lines[line]
        match = _HEADING.match(text)
        if match is None:
            raise _Unsure
        content = mdTrim(text[match.end() :])
        if not content or content.endswith("#"):
            raise _Unsure
        self._count(1)
        markup = match.group(1)
        tag = f"h{len(markup)}"
        opening = _block("heading_open", tag, 1, 0, [line, line + 1])
        opening.markup = markup
        closing = _block("heading_close", tag, -1, 0, None)
        closing.markup = markup
        self.out += (opening, self._inline(content, [line, line + 1], 1), closing)
        return line + 1

    def _list(self, start: int, ordered: bool) -> int:
        lines, out = self.lines, self.out
        pattern = _ORDERED if ordered else _BULLET
        first = pattern.match(lines[start])
        assert first is not None
        marker = first.group(2) if ordered else first.group(1)
        kind = "ordered_list" if ordered else "bullet_list"
        tag = "ol" if ordered else "ul"
        self._count(1)
        opening = _block(f"{kind}_open", tag, 1, 0, None)
        opening.markup = marker
        if ordered and int(first.group(1)) != 1:
            opening.attrs = {"start": int(first.group(1))}
        out.append(opening)
        line = start
        while line < len(lines):
            match = pattern.match(lines[line])
            if match is None or (match.group(2) if ordered else match.group(1)) != marker:
                break
            content = lines[line][match.end() :]
            if not _plain_start(content):
                raise _Unsure
            self._count(2, 1)
            item = _block("list_item_open", "li", 1, 1, [line, line + 1])
            item.markup = marker
            if ordered:
                item.info = match.group(1)
            out.append(item)
            self._paragraph_tokens(content, [line, line + 1], 2, hidden=True)
            closing = _block("list_item_close", "li", -1, 1, None)
            closing.markup = marker
            out.append(closing)
            line += 1
        end = line
        if end < len(lines) and not _blank(lines[end]):
            raise _Unsure  # a lazy line, or another kind of list right after
        after = self._filled(end)
        if after < len(lines) and (
            lines[after][0] == " " or _BULLET.match(lines[after]) or _ORDERED.match(lines[after])
        ):
            raise _Unsure  # a list, or an indented line, after a blank line: maybe a loose list
        if after > end:
            end = after  # the last item takes the blank lines after it
            out[-5].map = [line - 1, end]  # the last item's opening
        closing = _block(f"{kind}_close", tag, -1, 0, None)
        closing.markup = marker
        out.append(closing)
        opening.map = [start, end]
        return end

    def _quote(self, start: int) -> int:
        """A block quote of paragraphs, separated by lines of a lone ``>``."""
        lines = self.lines
        end = start
        inner: list[str] = []  # the lines without their "> "; "" between paragraphs
        while end < len(lines) and lines[end].startswith(">"):
            text = lines[end]
            if text.rstrip(" ") != ">":
                if not text.startswith("> ") or not _plain_start(text[2:]):
                    raise _Unsure
                inner.append(text[2:])
            elif not inner or not inner[-1]:
                raise _Unsure  # a quote that starts with, or doubles, an empty line
            else:
                inner.append("")
            end += 1
        if not inner[-1] or (end < len(lines) and not _blank(lines[end])):
            raise _Unsure  # ends with an empty line, or a lazy continuation line follows
        opening = _block("blockquote_open", "blockquote", 1, 0, [start, end])
        opening.markup = ">"
        self.out.append(opening)
        first = 0
        for index in range(len(inner) + 1):
            if index == len(inner) or not inner[index]:
                self._count(2)
                paragraph = [start + first, start + index]
                self._paragraph_tokens("\n".join(inner[first:index]), paragraph, 1)
                first = index + 1
        closing = _block("blockquote_close", "blockquote", -1, 0, None)
        closing.markup = ">"
        self.out.append(closing)
        return end

    def _fence(self, start: int) -> int:
        lines = self.lines
        text = lines[start]
        marker = text[0]
        run = len(text) - len(text.lstrip(marker))
        params = text[run:]
        if run < 3 or (marker == "`" and "`" in params):
            raise _Unsure
        end = start + 1
        while end < len(lines):
            candidate = lines[end]
            if candidate.lstrip(" ").startswith(marker):
                if candidate[0] == " ":
                    raise _Unsure  # an indented closing fence, maybe
                closing = len(candidate) - len(candidate.lstrip(marker))
                if closing >= run and not candidate[closing:].strip(" "):
                    break
            end += 1
        else:
            raise _Unsure  # an unclosed fence runs to the end: left to markdown-it
        self._count(1)
        token = _block("fence", "code", 0, 0, [start, end + 1])
        token.info = params
        token.markup = text[:run]
        token.content = "".join(body + "\n" for body in lines[start + 1 : end])
        self.out.append(token)
        return end + 1

    def _is_table(self, header: str, aligns: list[str]) -> bool:
        text = mdTrim(header)
        return "|" in text and len(_cells(text)) == len(aligns) > 0

    def _table(self, start: int, aligns: list[str]) -> int:
        lines, out = self.lines, self.out
        columns = len(aligns)
        end = start + 2
        while end < len(lines) and not _blank(lines[end]):
            row = lines[end]
            if row[0] != "|" and not _plain_start(row):
                raise _Unsure  # maybe a block that ends the table
            end += 1
        rows = lines[start:end]
        if any("\\" in row or "`" in row for row in rows):
            raise _Unsure  # escaped pipes and code spans split cells differently
        self._count(1, 0, columns * (end - start - 1))
        out.append(_block("table_open", "table", 1, 0, [start, end]))
        out.append(_block("thead_open", "thead", 1, 1, [start, start + 1]))
        self._row(start, _cells(lines[start]), aligns, "th")
        out.append(_block("thead_close", "thead", -1, 1, None))
        if end > start + 2:
            out.append(_block("tbody_open", "tbody", 1, 1, [start + 2, end]))
            for line in range(start + 2, end):
                cells = _cells(lines[line])
                if len(cells) != columns:
                    raise _Unsure
                self._row(line, cells, aligns, "td")
            out.append(_block("tbody_close", "tbody", -1, 1, None))
        out.append(_block("table_close", "table", -1, 0, None))
        return end

    def _row(self, line: int, cells: list[str], aligns: list[str], tag: str) -> None:
        out = self.out
        out.append(_block("tr_open", "tr", 1, 2, [line, line + 1]))
        for cell, align in zip(cells, aligns, strict=True):
            opening = _block(f"{tag}_open", tag, 1, 3, None)
            if align:
                opening.attrs = {"style": "text-align:" + align}
            out += (
                opening,
                self._inline(mdTrim(cell), [line, line + 1], 4),
                _block(f"{tag}_close", tag, -1, 3, None),
            )
        out.append(_block("tr_close", "tr", -1, 2, None))


# --- inline --------------------------------------------------------------------------

MAX_OPEN = 8
"""Emphasis runs open at once (within one link) read here; posts nest two or three."""
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
"""What a backslash escapes (markdown-it's ``escape`` rule; the same set as CommonMark's)."""
_SPECIAL = re.compile(r"[\n`*_~\[!&<\\^]")
_LINK = re.compile(r"\[([^\[\]`\\<\n]*)\]\(([^\s()<>\\&`\"']+)(?: +\"([^\"\\&\n]*)\")? *\)")


Item = list[Any]
"""One inline token as ``[type, content, extra, level]``, five times cheaper to make than a
``Token``: ``extra`` is a link's attributes, the markup of code and emphasis, ``(markup,
info)`` of an escape or entity, ``(attributes, items of the alt text)`` of an image."""

_ELEMENTS = {
    "text": "", "text_special": "", "softbreak": "br", "hardbreak": "br", "code_inline": "code",
    "link_open": "a", "link_close": "a", "image": "img", "em_open": "em", "em_close": "em",
    "strong_open": "strong", "strong_close": "strong", "s_open": "s", "s_close": "s",
}  # fmt: skip

InlineHtml = Callable[[list[Item], str], dict[str, Any]]
"""Writes an inline token's HTML from its items and source (``inlinehtml.writer``): the
token's ``meta``."""


def _tokens_of(items: list[Item]) -> list[Token]:
    """markdown-it's tokens for the items."""
    out = []
    for kind, content, extra, level in items:
        token = _token(
            kind, _ELEMENTS[kind], 1 if kind[-5:] == "_open" else -1 if kind[-6:] == "_close" else 0
        )
        token.content, token.level = content, level
        if extra is not None:
            if kind == "link_open":
                token.attrs = extra
            elif kind == "text_special":
                token.markup, token.info = extra
            elif kind == "image":
                token.attrs, token.children = extra[0], _tokens_of(extra[1]) or None
            else:
                token.markup = extra
        out.append(token)
    return out


@lru_cache(maxsize=4096)
def _kind(ch: str) -> tuple[bool, bool]:
    """Whether ``ch`` is punctuation, and whether it is white space, to markdown-it's emphasis
    (remembered: a lookup is cheaper than the Unicode category)."""
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch), isWhiteSpace(ord(ch))


class _InlineScan:
    """One pass over inline text, as markdown-it's rules would make its tokens (as items)."""

    def __init__(self, src: str, md: Any) -> None:
        self.src = src
        self.md = md
        self.items: list[Item] = []
        self.pending = ""
        self.images = False

    def push(self, kind: str, content: str = "", extra: Any = None) -> None:
        if self.pending:
            self.items.append(["text", self.pending, None, 0])
            self.pending = ""
        self.items.append([kind, content, extra, 0])

    def run(self, start: int, limit: int) -> None:
        """Items of ``src[start:limit]``; emphasis must close within it."""
        src = self.src
        opened: list[tuple[str, int, int]] = []  # marker, run length, first item
        pos = start
        while pos < limit:
            found = _SPECIAL.search(src, pos, limit)
            if found is None:
                self.pending += src[pos:limit]
                break
            at = found.start()
            if at > pos:
                self.pending += src[pos:at]
            ch = src[at]
            if ch == "\n":
                pos = self._newline(at, limit)
            elif ch in "*_~":
                pos = self._delimiters(at, limit, opened)
            elif ch == "`":
                pos = self._code(at, limit)
            elif ch == "[":
                pos = self._link(at, limit)
            elif ch == "!" and src.startswith("[", at + 1):
                pos = self._image(at, limit)
            elif ch == "\\" and at + 1 < limit:
                pos = self._escape(at, limit)
            elif ch == "&" and at + 1 < limit:
                pos = self._entity(at)
            elif (ch == "^" and src.startswith("[", at + 1)) or ch == "<":
                raise _Unsure
            else:
                self.pending += ch
                pos = at + 1
        if opened:
            raise _Unsure
        if self.pending:
            self.items.append(["text", self.pending, None, 0])
            self.pending = ""

    def _newline(self, at: int, limit: int) -> int:
        pending = self.pending
        if pending.endswith("  "):
            self.pending = pending.rstrip(" ")
            self.push("hardbreak")
        else:
            if pending.endswith(" "):
                self.pending = pending[:-1]
            self.push("softbreak")
        pos = at + 1
        src = self.src
        while pos < limit and src[pos] in " \t":
            pos += 1
        return pos

    def _delimiters(self, at: int, limit: int, opened: list[tuple[str, int, int]]) -> int:
        src = self.src
        marker = src[at]
        end = at + 1
        while end < limit and src[end] == marker:
            end += 1
        length = end - at
        if marker == "~" and length == 1:
            self.pending += marker
            return end
        last = src[at - 1] if at > 0 else " "
        after = src[end] if end < limit else " "
        last_punct, last_space = _kind(last)
        after_punct, after_space = _kind(after)
        left = not (after_space or (after_punct and not (last_space or last_punct)))
        right = not (last_space or (last_punct and not (after_space or after_punct)))
        if marker == "_":
            can_open = left and (not right or last_punct)
            can_close = right and (not left or after_punct)
        else:
            can_open, can_close = left, right
        if not can_open and not can_close:
            self.pending += src[at:end]
            return end
        if length > 2 or (marker == "~" and length != 2):
            raise _Unsure
        closes = can_close and bool(opened) and opened[-1][:2] == (marker, length)
        if not closes:
            # a run that can close but finds no opener of its marker opens, if it can; one
            # that would pair with an opener further down, or skip one, is left to markdown-it
            if not can_open or (can_close and any(entry[0] == marker for entry in opened)):
                raise _Unsure
            if len(opened) >= MAX_OPEN:
                raise _Unsure  # unclosed runs, most likely: give up before reading on
            first = len(self.items) + (1 if self.pending else 0)
            opened.append((marker, length, first))
            self._markers(marker, length)
            return end
        _, _, first = opened.pop()
        self._markers(marker, length)
        self._pair(marker, length, first, len(self.items) - (1 if marker == "~" else length))
        return end

    def _markers(self, marker: str, length: int) -> None:
        if marker == "~":
            self.push("text", "~~")
        else:
            for _ in range(length):
                self.push("text", marker)

    def _pair(self, marker: str, length: int, opener: int, closer: int) -> None:
        """What markdown-it's emphasis and strikethrough post-passes make of a matched pair."""
        items = self.items
        if marker == "~":
            kind, markup = "s", "~~"
        elif length == 1:
            kind, markup = "em", marker
        else:
            kind, markup = "strong", marker * 2
            items[opener][1] = ""
            items[closer + 1][1] = ""
            opener += 1
        items[opener][:3] = kind + "_open", "", markup
        items[closer][:3] = kind + "_close", "", markup

    def _escape(self, at: int, limit: int) -> int:
        """markdown-it's ``escape`` rule: a hard break, or the character as ``text_special``."""
        src = self.src
        escaped = src[at + 1]
        if escaped == "\n":
            self.push("hardbreak")
            pos = at + 2
            while pos < limit and src[pos] in " \t":
                pos += 1
            return pos
        markup = "\\" + escaped
        self.push("text_special", escaped if escaped in _ESCAPABLE else markup, (markup, "escape"))
        return at + 2

    def _entity(self, at: int) -> int:
        """markdown-it's ``entity`` rule: a known entity as ``text_special``, else text."""
        src = self.src
        if src[at + 1] == "#":
            match = DIGITAL_RE.match(src, at)
            if match is not None:
                number = match.group(1)
                code = int(number[1:], 16) if number[0] in "xX" else int(number)
                content = fromCodePoint(code if isValidEntityCode(code) else 0xFFFD)
        else:
            match = NAMED_RE.match(src, at)
            if match is not None and match.group(1) in entities:
                content = entities[match.group(1)]
            else:
                match = None
        if match is None:
            self.pending += "&"
            return at + 1
        self.push("text_special", content, (match.group(), "entity"))
        return match.end()

    def _code(self, at: int, limit: int) -> int:
        src = self.src
        end = at + 1
        while end < limit and src[end] == "`":
            end += 1
        run = end - at
        search = end
        while True:
            close = src.find("`", search, limit)
            if close < 0:
                raise _Unsure  # markdown-it keeps the run as text and remembers: left to it
            close_end = close + 1
            while close_end < limit and src[close_end] == "`":
                close_end += 1
            if close_end - close == run:
                break
            search = close_end
        content = src[end:close].replace("\n", " ")
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        self.push("code_inline", content, src[at:end])
        return close_end

    def _link(self, at: int, limit: int) -> int:
        match = _LINK.match(self.src, at, limit)
        if match is None or match.group(1).startswith("^"):
            raise _Unsure
        self.push("link_open", "", self._attrs("href", match))
        self.run(match.start(1), match.end(1))
        self.push("link_close")
        return match.end()

    def _image(self, at: int, limit: int) -> int:
        """An image: its alt text is parsed on its own, as markdown-it's image rule does."""
        match = _LINK.match(self.src, at + 1, limit)
        if match is None:
            raise _Unsure
        alt = _InlineScan(match.group(1), self.md)
        alt.run(0, len(alt.src))
        self.push("image", match.group(1), (self._attrs("src", match, alt=""), alt.joined()))
        self.images = True
        return match.end()

    def _attrs(self, name: str, match: re.Match[str], **more: str) -> dict[str, str | int | float]:
        """The destination (normalised and checked as markdown-it does), then the title."""
        md = self.md
        href: str = md.normalizeLink(match.group(2))
        if not md.validateLink(href):
            raise _Unsure
        attrs: dict[str, str | int | float] = {name: href, **more}
        if match.group(3):
            attrs["title"] = match.group(3)
        return attrs

    def joined(self) -> list[Item]:
        """markdown-it's ``fragments_join``: adjacent text merged, levels from nesting."""
        out: list[Item] = []
        level = 0
        for item in self.items:
            kind = item[0]
            if kind == "text":
                if out and out[-1][0] == "text":
                    out[-1][1] += item[1]
                    continue
                item[3] = level
            elif kind[-6:] == "_close":
                level -= 1
                item[3] = level
            else:
                item[3] = level
                if kind[-5:] == "_open":
                    level += 1
            out.append(item)
        return out
