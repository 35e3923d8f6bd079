"""markdown-it's parsers, trying at each line or character only the rules that can match there.

markdown-it's block tokenizer tries every block rule, in order, at each block, and its inline
tokenizer every inline rule at each position that the ``text`` rule does not swallow (its
``skipToken``, with which link labels look ahead, does the same in validation mode): fifteen
calls for a ``[`` or a ``*`` that nothing matches, a dozen for a one-letter paragraph. Text
made of such characters (``*[*[*[…``, ``_a_a…``, ``![](![](…``, ``#`` or ``a`` and a blank
line repeated) cost 10 times an ordinary post of the same size. Most rules start by comparing
the character at the position (the line's first non-blank one for block rules) with their
own markers (``link`` with ``[``, ``heading`` with ``#``…): ``DispatchingParserInline`` and
``DispatchingParserBlock`` call, in the ruler's order, only the rules whose markers hold that
character (``text`` only where it is not a terminator, and any rule not listed here
everywhere). ``LinkHelpers`` finds link destinations from an index. The tokens are
markdown-it's own (``tests/test_cost.py`` compares them on random text).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import TypeVar

from markdown_it import helpers as markdown_it_helpers
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.parser_block import ParserBlock, RuleFuncBlockType
from markdown_it.parser_inline import ParserInline, RuleFuncInlineType
from markdown_it.ruler import Ruler
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

FIRST_CHARACTERS: dict[str, str] = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
    "footnote_inline": "^",
    "footnote_ref": "[",
    "newsreel_delimiter_run": "*_~",
    "newsreel_plain_brackets": "[!",
}
"""The characters an inline rule (by its name in the ruler) can match at; a rule not named
here is tried everywhere. ``text`` matches where the parser's terminators do not."""


BLOCK_FIRST_CHARACTERS: dict[str, str] = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
    "tweet_embed": "hH<",
    "video_embed": "hH<",
}
"""The first non-blank characters of a line a block rule (by its name) can match at; a rule
not named here (``table``, ``code``, ``lheading``, ``paragraph``…) is tried at every line."""


RuleT = TypeVar("RuleT")


def _rules_where(ruler: Ruler[RuleT], wanted: Callable[[str | None], bool]) -> tuple[RuleT, ...]:
    """The ruler's enabled rules, in its order, whose name (None if unnamed) ``wanted`` takes."""
    names = {id(rule.fn): rule.name for rule in ruler.__rules__ if rule.enabled}
    return tuple(rule for rule in ruler.getRules("") if wanted(names.get(id(rule))))


class DispatchingParserBlock(ParserBlock):
    """``ParserBlock`` whose ``tokenize`` tries at each line only the rules that can match its
    first non-blank character, in the ruler's order: the same tokens, fewer calls."""

    def __init__(self, rules_from: ParserBlock) -> None:
        super().__init__()
        self.ruler = rules_from.ruler
        self._built_for: object = None
        self._by_character: dict[str, Sequence[RuleFuncBlockType]] = {}

    def _table(self) -> dict[str, Sequence[RuleFuncBlockType]]:
        rules = self.ruler.getRules("")
        if self._built_for is not rules:
            self._built_for = rules
            self._by_character = {}
        return self._by_character

    def _rules_at(self, character: str) -> Sequence[RuleFuncBlockType]:
        table = self._table()
        found = table.get(character)
        if found is None:
            found = _rules_where(
                self.ruler,
                lambda name: character in BLOCK_FIRST_CHARACTERS.get(name or "", character),
            )
            table[character] = found
        return found

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:  # noqa: N803
        """markdown-it's ``tokenize``: block tokens for lines ``startLine`` to ``endLine``."""
        line = startLine
        max_nesting = state.md.options.maxNesting
        has_empty_lines = False
        src = state.src
        while line < endLine:
            state.line = line = state.skipEmptyLines(line)
            if line >= endLine:
                break
            if state.sCount[line] < state.blkIndent:
                break  # the end of a nested block (a quote, a list item)
            if state.level >= max_nesting:
                state.line = endLine  # too deep: skip the rest, as markdown-it does
                break
            ok = False
            for rule in self._rules_at(src[state.bMarks[line] + state.tShift[line]]):
                ok = rule(state, line, endLine, False)
                if ok:
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            if not ok:
                raise RuntimeError("none of the block rules matched")
            state.tight = not has_empty_lines
            line = state.line
            if (line - 1) < endLine and state.isEmpty(line - 1):
                has_empty_lines = True
            if line < endLine and state.isEmpty(line):
                has_empty_lines = True
                line += 1
                state.line = line


class DispatchingParserInline(ParserInline):
    """``ParserInline`` whose ``tokenize`` and ``skipToken`` try only the rules that can match
    the character at the position, in the ruler's order: the same tokens, fewer calls."""

    def __init__(self, rules_from: ParserInline) -> None:
        super().__init__()
        self.ruler = rules_from.ruler
        self.ruler2 = rules_from.ruler2
        self.terminator_re = rules_from.terminator_re
        self._extra_terminator_chars = rules_from._extra_terminator_chars
        self._built_for: tuple[object, object] | None = None
        self._by_character: dict[str, Sequence[RuleFuncInlineType]] = {}

    def _table(self) -> dict[str, Sequence[RuleFuncInlineType]]:
        """Rules by character, for the ruler's current rules and terminators."""
        rules = self.ruler.getRules("")
        built = self._built_for
        if built is None or built[0] is not rules or built[1] is not self.terminator_re:
            self._built_for = (rules, self.terminator_re)
            self._by_character = {}
        return self._by_character

    def _rules_at(self, character: str) -> Sequence[RuleFuncInlineType]:
        """The enabled rules that can match at ``character``, in the ruler's order."""
        table = self._table()
        found = table.get(character)
        if found is None:
            found = _rules_where(self.ruler, lambda name: self._may_match(name, character))
            table[character] = found
        return found

    def _may_match(self, name: str | None, character: str) -> bool:
        if name == "text":
            return self.terminator_re.match(character) is None
        markers = FIRST_CHARACTERS.get(name or "")
        return markers is None or character in markers

    def skipToken(self, state: StateInline) -> None:
        """markdown-it's ``skipToken``: skip one token, trying the rules in validation mode."""
        pos = state.pos
        cache = state.cache
        if pos in cache:
            state.pos = cache[pos]
            return
        ok = False
        if state.level < state.md.options["maxNesting"]:
            for rule in self._rules_at(state.src[pos]):
                state.level += 1  # limits recursion, as markdown-it does
                ok = rule(state, True)
                state.level -= 1
                if ok:
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    break
        else:
            state.pos = state.posMax  # too deep: skip to the end, as markdown-it does
        if not ok:
            state.pos += 1
        cache[pos] = state.pos

    def tokenize(self, state: StateInline) -> None:
        """markdown-it's ``tokenize``: tokens for the whole of ``state.src``."""
        end = state.posMax
        max_nesting = state.md.options["maxNesting"]
        src = state.src
        table = self._table()
        while state.pos < end:
            pos = state.pos
            ok = False
            if state.level < max_nesting:
                rules = table.get(src[pos])
                for rule in self._rules_at(src[pos]) if rules is None else rules:
                    ok = rule(state, False)
                    if ok:
                        if state.pos <= pos:
                            raise RuntimeError("inline rule didn't increment state.pos")
                        break
            if ok:
                if state.pos >= end:
                    break
                continue
            state.append_pending(src[pos])
            state.pos += 1
        if state.pending:
            state.pushPending()


_DESTINATION_STOPS = re.compile(r"[\x00-\x20\x7f\\()]")
_ANGLE_STOPS = re.compile(r"[\n<>\\]")
PAREN_NESTING = 32
"""Parentheses nested in a link destination, at most (markdown-it's limit)."""


class LinkHelpers:
    """markdown-it's link helpers, with a ``parseLinkDestination`` in proportion.

    markdown-it reads a destination character by character, up to 32 nested parentheses:
    ``![](![](![](…`` (each ``(`` opens one more) read 32 of them again at every ``[``, 12
    times an ordinary post. Here a destination is found from an index of the text's
    parentheses, stops and escapes, built once the same text is asked twice (the inline text
    of a paragraph); the answer is markdown-it's (``tests/test_cost.py`` compares them)."""

    parseLinkLabel = staticmethod(markdown_it_helpers.parseLinkLabel)
    parseLinkTitle = staticmethod(markdown_it_helpers.parseLinkTitle)

    def __init__(self) -> None:
        self._last: tuple[str, _DestinationIndex | None] | None = None

    def parseLinkDestination(self, string: str, pos: int, maximum: int) -> _Result:  # noqa: N802
        """markdown-it's ``parseLinkDestination(string, pos, maximum)``."""
        if pos < maximum and string[pos] == "<":
            return _angle_destination(string, pos, maximum)
        last = self._last
        if last is None or last[0] is not string:
            self._last = (string, None)
            return _scan_destination(string, pos, maximum)
        index = last[1]
        if index is None:
            index = _DestinationIndex(string)
            self._last = (string, index)
        return index.find(pos, maximum)


def _failed() -> _Result:
    return _Result()


def _found(string: str, start: int, end: int) -> _Result:
    result = _Result()
    result.str = unescapeAll(string[start:end])
    result.pos = end
    result.ok = True
    return result


def _angle_destination(string: str, pos: int, maximum: int) -> _Result:
    """A destination in ``<…>``: up to the ``>``, no line break or ``<`` inside."""
    start = pos
    pos += 1
    while pos < maximum:
        stop = _ANGLE_STOPS.search(string, pos, maximum)
        if stop is None:
            break
        pos = stop.start()
        char = string[pos]
        if char == ">":
            return _angle_found(string, start, pos)
        if char != "\\":
            return _failed()
        if pos + 1 < maximum:
            pos += 2
        else:
            pos += 1
    return _failed()


def _angle_found(string: str, start: int, end: int) -> _Result:
    result = _Result()
    result.str = unescapeAll(string[start + 1 : end])
    result.pos = end + 1
    result.ok = True
    return result


def _scan_destination(string: str, pos: int, maximum: int) -> _Result:
    """A bare destination read as markdown-it reads it, jumping from one character that
    matters (space, control, ``\\``, parenthesis) to the next."""
    start = pos
    level = 0
    while pos < maximum:
        stop = _DESTINATION_STOPS.search(string, pos, maximum)
        if stop is None:
            pos = maximum
            break
        pos = stop.start()
        char = string[pos]
        if char == "\\":
            if pos + 1 < maximum:
                if string[pos + 1] == " ":
                    break
                pos += 2
                continue
        elif char == "(":
            level += 1
            if level > PAREN_NESTING:
                return _failed()
        elif char == ")":
            if level == 0:
                break
            level -= 1
        else:  # a space or a control character
            break
        pos += 1
    if start == pos or level != 0:
        return _failed()
    return _found(string, start, pos)


class _DestinationIndex:
    """Where bare destinations of one text end, each found in logarithmic time.

    Read from the start, escapes pair the same way whatever bare destination is read (one
    never starts on an escaped character: that is looked at first). ``balance[i]`` is the
    depth of parentheses after the ``i``-th one at ``parens[i]``; a destination starting at
    depth ``d`` ends at the first stop, at the first ``)`` that leaves depth ``d - 1``, or
    fails at the first ``(`` that reaches ``d + 33``."""

    def __init__(self, string: str) -> None:
        self.string = string
        self.escaped: set[int] = set()
        self.stops: list[int] = []
        self.backslash_stops: set[int] = set()
        self.parens: list[int] = []
        self.balance: list[int] = []
        self.opens: dict[int, list[int]] = {}
        self.closes: dict[int, list[int]] = {}
        depth = 0
        pos, end = 0, len(string)
        while pos < end:
            stop = _DESTINATION_STOPS.search(string, pos)
            if stop is None:
                break
            pos = stop.start()
            char = string[pos]
            if char == "\\":
                if pos + 1 < end:
                    if string[pos + 1] == " ":
                        self.stops.append(pos)
                        self.backslash_stops.add(pos)
                        pos += 1
                        continue
                    self.escaped.add(pos + 1)
                    pos += 2
                    continue
            elif char == "(":
                depth += 1
                self.parens.append(pos)
                self.balance.append(depth)
                self.opens.setdefault(depth, []).append(pos)
            elif char == ")":
                self.closes.setdefault(depth, []).append(pos)  # the depth before it
                depth -= 1
                self.parens.append(pos)
                self.balance.append(depth)
            else:
                self.stops.append(pos)
            pos += 1

    def depth_before(self, pos: int) -> int:
        at = bisect_left(self.parens, pos)
        return self.balance[at - 1] if at else 0

    def find(self, start: int, maximum: int) -> _Result:
        if start in self.escaped:
            return _scan_destination(self.string, start, maximum)
        depth = self.depth_before(start)
        end = maximum
        stop = _first_from(self.stops, start)
        if (
            stop is not None
            and stop < end
            and not (stop == maximum - 1 and stop in self.backslash_stops)
        ):
            end = stop
        close = _first_from(self.closes.get(depth, []), start)
        if close is not None and close < end:
            end = close
        too_deep = _first_from(self.opens.get(depth + PAREN_NESTING + 1, []), start)
        if too_deep is not None and too_deep < end:
            return _failed()
        if start == end or self.depth_before(end) != depth:
            return _failed()
        return _found(self.string, start, end)


def _first_from(positions: list[int], start: int) -> int | None:
    at = bisect_left(positions, start)
    return positions[at] if at < len(positions) else None
