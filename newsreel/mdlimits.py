"""Bounds on the Markdown structures whose cost markdown-it cannot keep in proportion.

markdown-it's cost is linear, but some shapes make far more tokens per character than
prose does: a table of one-letter cells, a list of one-letter items, a 25,000-star run of
nested emphasis, each 10 to 50 times an ordinary post of the same size. These block and
inline rules bound them, the way the table column limit does:

- a table wider than ``MAX_TABLE_COLUMNS``, or one that brings the post's table cells over
  its limit, is an error and is skipped;
- list items over the post's limit are an error, and the rest of the post is skipped; so
  are blocks (paragraphs, headings, quotes…): a paragraph or a heading per line of one or
  two characters (``#`` or ``a`` and a blank line, repeated) makes three tokens per block;
- a run of ``*``, ``_`` or ``~`` longer than ``MAX_DELIMITER_RUN`` that could open or
  close emphasis is left as text, with a warning (a run that can do neither is text in
  markdown-it too, and is taken as text here at once, with no warning);
- a link reference whose uses would copy its address past the post's budget is dropped,
  with an error (``costly_references``).

The cell and item limits grow with the post: ``MIN_STRUCTURE_LIMIT``, or one per
``CHARACTERS_PER_STRUCTURE`` characters of the body when that is more, far above what prose
with tables and lists has (one cell or item per 100 or so characters); blocks may number
``MIN_BLOCK_LIMIT``, or one per ``CHARACTERS_PER_BLOCK`` characters.
"""

from __future__ import annotations

from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as markdown_it_table
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

MAX_TABLE_COLUMNS = 1000
"""Widest table read; a wider one is an error (its cells would cost memory out of all proportion)."""
MIN_STRUCTURE_LIMIT = 2_000
"""Table cells, and list items, a post may always have."""
CHARACTERS_PER_STRUCTURE = 10
"""A longer post may have one table cell, and one list item, per this many characters."""
MIN_BLOCK_LIMIT = 10_000
"""Blocks (paragraphs, headings, quotes, the paragraphs of list items…) a post may always have."""
CHARACTERS_PER_BLOCK = 6
"""A longer post may have one block per this many characters."""
MAX_DELIMITER_RUN = 12
"""Longest run of ``*``, ``_`` or ``~`` read as emphasis (six levels of strong emphasis)."""


def structure_limit(src: str) -> int:
    """Table cells (or list items) allowed in a post of Markdown ``src``."""
    return max(MIN_STRUCTURE_LIMIT, len(src) // CHARACTERS_PER_STRUCTURE)


def block_limit(src: str) -> int:
    """Blocks allowed in a post of Markdown ``src``."""
    return max(MIN_BLOCK_LIMIT, len(src) // CHARACTERS_PER_BLOCK)


def _problem(state: StateBlock, line: int, message: str, hint: str) -> None:
    state.env.setdefault("problems", []).append((line + 1, message, hint))


def too_large_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Read a table (markdown-it's rule) only up to the post's cell limit; refuse it past that
    limit, or past ``MAX_TABLE_COLUMNS`` before markdown-it builds any cell."""
    line = start_line + 1
    if (
        silent
        or line >= end_line
        or state.isEmpty(line)
        or state.src[state.bMarks[line] + state.tShift[line]] not in "|-:"
        or state.is_code_block(start_line)
        or state.sCount[line] < state.blkIndent
    ):
        return False
    delimiter = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
    if delimiter.strip(" \t|:-"):
        return False
    columns = len(delimiter.strip().strip("|").split("|"))
    if columns > MAX_TABLE_COLUMNS:
        _problem(
            state,
            start_line,
            f"the table has {columns:,} columns; the limit is {MAX_TABLE_COLUMNS:,}",
            "split it into narrower tables, or make it a list",
        )
        state.line = _table_end(state, start_line, end_line)
        return True
    env = state.env
    used = env.get("newsreel_table_cells", 0)
    limit = structure_limit(state.src)
    rows = max(0, (limit - used) // columns - 1)  # body rows that fit, after the header
    stop = min(end_line, start_line + 2 + rows)
    before = len(state.tokens)
    if not markdown_it_table(state, start_line, stop, False):
        return False
    if state.line < stop or stop == end_line or not _table_goes_on(state, stop, end_line):
        env["newsreel_table_cells"] = used + columns * (state.line - start_line - 1)
        return True
    del state.tokens[before:]  # over the limit: nothing of it is kept
    end = _table_end(state, stop, end_line)
    env["newsreel_table_cells"] = total = used + columns * (end - start_line - 1)
    if not env.get("newsreel_table_cells_reported"):
        env["newsreel_table_cells_reported"] = True
        _problem(
            state,
            start_line,
            f"the post's tables have {total:,} cells up to this one's end; "
            f"the limit is {limit:,} for a post of this length",
            f"at most {MIN_STRUCTURE_LIMIT:,}, or one per {CHARACTERS_PER_STRUCTURE} characters "
            "of the post: shorten the table or split the post",
        )
    state.line = end
    return True


def _table_goes_on(state: StateBlock, line: int, end_line: int) -> bool:
    """Whether markdown-it's table rule would read ``line`` as one more row."""
    if state.sCount[line] < state.blkIndent or state.isEmpty(line) or state.is_code_block(line):
        return False
    parent = state.parentType
    state.parentType = "table"
    try:
        return not any(
            rule(state, line, end_line, True)
            for rule in state.md.block.ruler.getRules("blockquote")
        )
    finally:
        state.parentType = parent


def _table_end(state: StateBlock, line: int, end_line: int) -> int:
    """The line after the rows of a table that is not read (from its header or a row)."""
    line += 1
    while line < end_line and _table_goes_on(state, line, end_line):
        line += 1
    return line


def too_many_blocks(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Count the blocks begun (outside validation mode a rule is called at a block's first
    line) and the list items made so far (at each block, and between list items as a
    terminator of lists); past either of the post's limits, an error, and the rest is
    skipped."""
    env = state.env
    tokens = state.tokens
    seen = min(env.get("newsreel_list_tokens", 0), len(tokens))
    count = env.get("newsreel_list_items", 0)
    count += sum(1 for token in tokens[seen:] if token.type == "list_item_open")
    env["newsreel_list_tokens"], env["newsreel_list_items"] = len(tokens), count
    limit = structure_limit(state.src)
    if count > limit:
        if silent:
            return True  # ends the list
        if not env.get("newsreel_list_items_reported"):
            env["newsreel_list_items_reported"] = True
            _problem(
                state,
                start_line,
                f"the post's lists have more than {limit:,} items; "
                f"the limit is {limit:,} for a post of this length",
                f"at most {MIN_STRUCTURE_LIMIT:,}, or one per {CHARACTERS_PER_STRUCTURE} "
                "characters of the post: shorten the list or split the post",
            )
        state.line = end_line
        return True
    if silent:
        return False
    blocks = env["newsreel_blocks"] = env.get("newsreel_blocks", 0) + 1
    limit = block_limit(state.src)
    if blocks <= limit:
        return False
    if not env.get("newsreel_blocks_reported"):
        env["newsreel_blocks_reported"] = True
        _problem(
            state,
            start_line,
            f"the post has more than {limit:,} blocks (paragraphs, headings, quotes, "
            f"list items…); the limit is {limit:,} for a post of this length",
            f"at most {MIN_BLOCK_LIMIT:,}, or one per {CHARACTERS_PER_BLOCK} characters of "
            "the post: join short paragraphs or split the post",
        )
    state.line = end_line
    return True


def long_delimiter_run(state: StateInline, silent: bool) -> bool:
    """An inline rule before ``emphasis``: a run of ``*``, ``_`` or ``~`` that can neither
    open nor close emphasis is text (as markdown-it makes it, one token per character); one
    longer than ``MAX_DELIMITER_RUN`` that can is text too, with a warning."""
    if silent:
        return False  # markdown-it's emphasis rules match nothing when skipping tokens
    pos = state.pos
    marker = state.src[pos]
    if marker not in "*_~":
        return False
    end = pos + 1
    while end < state.posMax and state.src[end] == marker:
        end += 1
    if end - pos < 2:
        return False
    scanned = state.scanDelims(pos, marker != "_")  # as emphasis and strikethrough do
    if scanned.can_open or scanned.can_close:
        if end - pos <= MAX_DELIMITER_RUN:
            return False
        env = state.env
        if not env.get("newsreel_long_run_reported"):
            env["newsreel_long_run_reported"] = True
            first = env.get("newsreel_inline_line")
            line = None if first is None else first + 1 + state.src.count("\n", 0, pos)
            env.setdefault("warnings", []).append(
                (
                    line,
                    f"a run of {end - pos:,} {marker!r} is shown as it is; emphasis reads runs "
                    f"of at most {MAX_DELIMITER_RUN}",
                    f"shorten the run, or escape each {marker} as \\{marker}",
                )
            )
    state.append_pending(state.src[pos:end])
    state.pos = end
    return True


MIN_REFERENCE_COPIES = 1_000_000
"""Characters of link addresses a post may always repeat through its references."""
REFERENCE_COPIES_PER_CHARACTER = 16
"""A longer post may repeat this many per character of its text."""


def costly_references(state: StateCore) -> None:
    """Drop a link reference whose uses would copy its address more than the post's budget
    (a 1,000-character address used 100,000 times made 100 MB of one 400 KB post), with an
    error: each use is a copy of the address in the page and in every feed holding it. The
    references are known once the blocks are read; the uses of each are counted in the text
    (``[label]``, which every form of use holds), only when a cheap bound is over budget."""
    references = state.env.get("references")
    if not references:
        return
    budget = max(MIN_REFERENCE_COPIES, REFERENCE_COPIES_PER_CHARACTER * len(state.src))
    sizes = {
        label: len(str(ref.get("href") or "")) + len(str(ref.get("title") or ""))
        for label, ref in references.items()
    }
    if state.src.count("[") * max(sizes.values()) <= budget:
        return
    folded = state.src.casefold()
    for label, size in sorted(sizes.items(), key=lambda item: -item[1]):
        uses = folded.count(f"[{label.casefold()}]")
        if uses * size > budget:
            del references[label]
            state.env.setdefault("problems", []).append(
                (
                    1,
                    f"the link reference [{label.lower()}] is used {uses} times with an address "
                    f"of {size} characters: the page would hold {uses * size:,} characters of it",
                    "shorten its address, or link to it fewer times",
                )
            )
