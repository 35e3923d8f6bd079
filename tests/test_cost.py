"""No input costs far out of proportion to its size (``bench/shapes.py`` at a smaller size).

Each pathological shape (equal headings, wide tables, nesting, open delimiters, quotes, the
importer's embed search…) is read the way newsreel reads a post (the cycle collector off, as
in a build), or imported, and must cost at most 15 times the time and 20 times the memory of
an ordinary post of the same size (``shapes.TIME_BUDGET``, ``shapes.MEMORY_BUDGET``): budgets
relative to the machine, never absolute times. The linear rewrites of markdown-it
rules (heading ids, smart quotes) are checked to give the output the originals give.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import markdown_it.helpers
import pytest
from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_core.block import block as markdown_it_block
from mdit_py_plugins.anchors import anchors_plugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import shapes  # noqa: E402

from newsreel.markdown import make_markdown, render_body  # noqa: E402
from newsreel.mdlimits import MAX_TABLE_COLUMNS  # noqa: E402
from newsreel.mdparsers import LinkHelpers  # noqa: E402
from newsreel.plaininline import BRACKET_NESTING  # noqa: E402
from newsreel.slugs import slugify  # noqa: E402
from newsreel.smartquotes import smartquotes  # noqa: E402

SIZE = 50_000


@pytest.fixture(scope="module")
def ordinary() -> dict[str, tuple[float, int]]:
    return {kind: shapes.baseline(kind, SIZE) for kind in ("post", "import")}


@pytest.mark.parametrize("name", list(shapes.SHAPES))
def test_shape_costs_in_proportion(
    name: str, ordinary: dict[str, tuple[float, int]], record_property
) -> None:
    cost = shapes.measure(name, SIZE, ordinary)
    record_property("cost_shape", name)
    record_property("cost_within", int(cost.within))
    assert cost.time_ratio <= shapes.TIME_BUDGET, (
        f"{name}: {cost.time_ratio:.1f}x the time of an ordinary post"
    )
    assert cost.memory_ratio <= shapes.MEMORY_BUDGET, f"{name}: {cost.memory_ratio:.1f}x the memory"


def test_a_table_over_the_limit_is_an_error_naming_the_limit() -> None:
    body = "Intro\n\n|" + "a|" * 20000 + "\n|" + "-|" * 20000 + "\n|" + "b|" * 20000 + "\n"
    _, problems = render_body(
        make_markdown(False, "/"), body, path="content/posts/x.md", body_line=6
    )
    assert [str(p) for p in problems] == [
        "content/posts/x.md:8: the table has 20,000 columns; the limit is 1,000 "
        "(split it into narrower tables, or make it a list)"
    ]
    at_limit = "|" + "a|" * MAX_TABLE_COLUMNS + "\n|" + "-|" * MAX_TABLE_COLUMNS + "\n"
    rendered, problems = render_body(make_markdown(False, "/"), at_limit, path="x.md", body_line=1)
    assert not problems and rendered.html.count("<th>") == MAX_TABLE_COLUMNS


def _parsers(md: MarkdownIt) -> MarkdownIt:
    """``md`` reading every body with markdown-it's parsers (no ``newsreel.fastmarkdown``):
    the shortcuts within those parsers are what these tests compare."""
    md.core.ruler.at("block", markdown_it_block)
    return md


def _random_texts(alphabet: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def test_heading_ids_are_the_anchors_plugin_ids() -> None:
    theirs = MarkdownIt("commonmark")
    anchors_plugin(theirs, min_level=2, max_level=4, slug_func=slugify)
    ours = make_markdown(False, "/")
    pieces = ["a", "a-1", "a-2", "1", "b", "", "a 1", "A"]
    for seed in range(300):
        rng = random.Random(seed)
        text = "".join(
            f"{'#' * rng.randint(1, 5)} {rng.choice(pieces)}\n\n" for _ in range(rng.randint(1, 30))
        )
        expected = [t.attrGet("id") for t in theirs.parse(text) if t.type == "heading_open"]
        found = [t.attrGet("id") for t in ours.parse(text) if t.type == "heading_open"]
        assert found == expected, text


def test_normalised_text_is_markdown_its() -> None:
    """``markdown.normalize`` skips markdown-it's rewrite only where it would change nothing."""
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_core import normalize as theirs

    from newsreel.markdown import normalize as ours

    md = MarkdownIt()
    for text in _random_texts(["a", "\n", "\r", "\r\n", "\0", "\u2019", " "], 3000, seed=9):
        mine, markdown_its = StateCore(text, md, {}), StateCore(text, md, {})
        ours(mine)
        theirs(markdown_its)
        assert mine.src == markdown_its.src, repr(text)


def test_smart_quotes_are_markdown_its_quotes() -> None:
    def make(linear: bool) -> MarkdownIt:
        md = MarkdownIt("commonmark", {"typographer": True}).enable(
            ["smartquotes", "replacements", "strikethrough"]
        )
        if linear:
            md.core.ruler.at("smartquotes", smartquotes)
        return md

    theirs, ours = make(False), make(True)
    alphabet = [
        "'",
        '"',
        "'",
        '"',
        "a",
        " ",
        " ",
        "1",
        "*",
        "_",
        "[",
        "](x)",
        "`",
        "\n",
        "\n\n",
        ".",
        "(",
        ")",
        "-",
        "**",
        "~~",
        "\\",
        "  \n",
        "\u2014",
    ]
    for text in _random_texts(alphabet, 5000, seed=14):
        assert ours.render(text) == theirs.render(text), repr(text)


def test_plain_inline_text_gives_markdown_its_tokens() -> None:
    """The shortcut for inline text without special characters (newsreel.plaininline) makes
    the tokens markdown-it's inline parser makes, line breaks and spaces included."""
    from markdown_it.rules_core.inline import inline as markdown_it_inline

    ours = _parsers(make_markdown(False, "/"))
    theirs = _parsers(make_markdown(False, "/"))
    theirs.core.ruler.at("inline", markdown_it_inline)
    alphabet = ["a", "b", " ", " ", "  ", "\t", "\n", "\n", "|", "*", "'", "é", "\\", "x\n", "1."]
    for text in _random_texts(alphabet, 4000, seed=20):
        for source in (text, f"| h |\n| - |\n| {text.replace(chr(10), ' ')} |", f"# {text}"):
            expected = [t.as_dict() for t in theirs.parse(source)]
            assert [t.as_dict() for t in ours.parse(source)] == expected, repr(source)


def _repeated_fragments_quadratic(blocks: list[str]) -> tuple[list[str], list[str]]:
    """The importer's search for repeated fragments as it was: each block's text looked for
    in every other block (quadratic), the reference for the one-text search."""
    from newsreel.importer import MIN_FRAGMENT_WORDS, _compare_form, _starts_paragraph

    forms = [_compare_form(b) for b in blocks]
    alive = [True] * len(blocks)
    cuts: list[set[int]] = [set() for _ in blocks]
    dropped: list[str] = []
    for i, form in enumerate(forms):
        needle = form.rstrip(" .\u2026").strip()
        if len(needle.split()) < MIN_FRAGMENT_WORDS:
            continue
        for j in [j for j in range(len(blocks)) if j != i and (j > i or alive[j])]:
            at = forms[j].find(needle)
            if at < 0:
                continue
            alive[i] = False
            dropped.append(blocks[i])
            if (
                at > 0
                and _starts_paragraph(needle)
                and (forms[j][at - 1].isspace() or forms[j][at - 1] in ".!?\"')")
            ):
                cuts[j].add(at)
            break
    result: list[str] = []
    for i, block in enumerate(blocks):
        if alive[i]:
            edges = [0, *sorted(cuts[i]), len(block)]
            result.extend(p for p in (block[a:b].strip() for a, b in zip(edges, edges[1:])) if p)
    return result, dropped


def test_repeated_fragments_are_the_quadratic_searchs() -> None:
    from newsreel.importer import drop_repeated_fragments

    words = ["The", "the", "film", "shoot", "ran", "long.", "\u201cyes\u201d", "'no'", "a", "And"]
    for seed in range(1500):
        rng = random.Random(seed)
        pool = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 7))) for _ in range(4)]
        blocks = []
        for _ in range(rng.randint(1, 12)):
            parts = rng.sample(pool, rng.randint(1, 3))
            blocks.append(rng.choice([" ", ". ", " \u2014 "]).join(parts))
        kept, dropped, stopped = drop_repeated_fragments(blocks)
        assert (kept, dropped) == _repeated_fragments_quadratic(blocks), blocks
        assert stopped is None


def test_an_article_too_long_to_search_whole_says_so() -> None:
    from newsreel.importer import clean_article

    article = "".join(f"Paragraph {i} of a long piece.\n\n" for i in range(30_000))
    changes = clean_article(article).changes
    assert any(
        change.startswith("looked for repeated fragments in the first ")
        and change.endswith("check the rest for repeated teasers")
        for change in changes
    ), changes


def _bracket_depth(text: str) -> int:
    """How deep brackets nest in ``text`` or more (every ``[`` counts when code or escapes
    could hide a ``]``)."""
    if "`" in text or "\\" in text:
        return text.count("[")
    depth = deepest = 0
    for char in text:
        depth = depth + 1 if char == "[" else max(0, depth - 1) if char == "]" else depth
        deepest = max(deepest, depth)
    return deepest


def test_bracket_and_delimiter_shortcuts_give_markdown_its_tokens() -> None:
    """Brackets that cannot open a link and delimiter runs that can neither open nor close
    emphasis are text at once (newsreel.plaininline, newsreel.mdlimits): the same tokens as
    markdown-it's own rules, with and without references and footnotes defined, as long as
    brackets nest less than ``BRACKET_NESTING`` deep."""
    ours = _parsers(make_markdown(False, "/"))
    theirs = _parsers(make_markdown(False, "/"))
    theirs.inline.ruler.disable(["newsreel_plain_brackets", "newsreel_delimiter_run"])
    alphabet = ["[", "[", "]", "![", "!", "](/x)", "a", " ", "*", "**", "_", "__", "~~", "~"]
    alphabet += ["`", "\\", "\n", "[^1]", "^[n]", "<a>", " ************** ", "x_____y", "(", ")"]
    tails = ["", "\n\n[r]: /r\n", "\n\n[^1]: note\n", "\n\n[a]: /a\n"]
    for index, text in enumerate(_random_texts(alphabet, 6000, seed=21)):
        if _bracket_depth(text) >= BRACKET_NESTING:
            continue  # deeper, no link is read on purpose (the next test)
        source = text + tails[index % len(tails)]
        expected = [t.as_dict() for t in theirs.parse(source)]
        assert [t.as_dict() for t in ours.parse(source)] == expected, repr(source)


def test_brackets_nested_too_deep_hold_no_link_and_warn() -> None:
    body = "Intro\n\nSee " + "[" * 10 + "a" + "]" * 10 + "(/x) and [b](/y)\n"
    rendered, problems = render_body(make_markdown(False, "/"), body, path="p.md", body_line=5)
    assert [str(p) for p in problems] == [
        f"p.md:7: warning: brackets nested more than {BRACKET_NESTING} deep: no link is read "
        "inside them (escape the brackets that are not links as \\[)"
    ]
    assert rendered.html.count("<a ") == 1 and 'href="/y"' in rendered.html
    shallow = "[a [b [c] d] e](/x)"
    assert _bracket_depth(shallow) < BRACKET_NESTING
    rendered, problems = render_body(make_markdown(False, "/"), shallow, path="p.md", body_line=1)
    assert not problems and rendered.html == '<p><a href="/x">a [b [c] d] e</a></p>\n'


def test_long_emphasis_runs_are_text_with_a_warning() -> None:
    body = "Intro\n\nSome " + "*" * 5000 + "a" + "*" * 5000 + " text\n"
    rendered, problems = render_body(make_markdown(False, "/"), body, path="p.md", body_line=5)
    assert [str(p) for p in problems] == [
        "p.md:7: warning: a run of 5,000 '*' is shown as it is; emphasis reads runs of at most "
        "12 (shorten the run, or escape each * as \\*)"
    ]
    assert "<em>" not in rendered.html and "*" * 5000 + "a" in rendered.html


def test_tables_and_lists_within_the_limits_are_markdown_its() -> None:
    """The cell and item counts leave tables and lists under the limits as markdown-it reads
    them: tables in quotes and lists, ended by a blank line, a quote, a heading or a fence."""
    ours = _parsers(make_markdown(False, "/"))
    theirs = _parsers(make_markdown(False, "/"))
    theirs.block.ruler.disable(["newsreel_too_large_table", "newsreel_blocks"])
    rows = [
        "| a | b |",
        "|---|:-:|",
        "c | d",
        "| e |",
        "x",
        "> q",
        "# h",
        "```",
        "",
        "- i",
        "  - j",
    ]
    for seed in range(2000):
        rng = random.Random(seed)
        prefix = rng.choice(["", "> ", "- ", "  "])
        lines = ["| a | b |", "| - | - |"] + [rng.choice(rows) for _ in range(rng.randint(0, 8))]
        source = "\n".join(prefix + line for line in lines) + "\n"
        expected = [t.as_dict() for t in theirs.parse(source)]
        assert [t.as_dict() for t in ours.parse(source)] == expected, repr(source)


def test_table_cells_over_the_posts_limit_are_an_error_naming_it() -> None:
    from newsreel.mdlimits import MIN_STRUCTURE_LIMIT

    def table(rows: int) -> str:
        return "| a | b |\n|---|---|\n" + "| c | d |\n" * rows

    md = make_markdown(False, "/")
    fits = MIN_STRUCTURE_LIMIT // 2 - 1  # body rows that fit with the header
    rendered, problems = render_body(md, table(fits) + "\nAfter\n", path="p.md", body_line=1)
    assert not problems and rendered.html.count("<td>") == 2 * fits
    assert rendered.html.endswith("<p>After</p>\n")
    body = "Intro\n\n" + table(20) + "\n" + table(fits) + "\nAfter\n"
    rendered, problems = render_body(md, body, path="p.md", body_line=1)
    assert [str(p) for p in problems] == [
        f"p.md:{3 + 22 + 1}: the post's tables have {2 * (21 + fits + 1):,} cells up to this "
        f"one's end; the limit is {MIN_STRUCTURE_LIMIT:,} for a post of this length (at most "
        f"{MIN_STRUCTURE_LIMIT:,}, or one per 10 characters of the post: shorten the table or "
        "split the post)"
    ]
    assert rendered.html.count("<td>") == 2 * 20 and rendered.html.endswith("<p>After</p>\n")


def test_list_items_over_the_posts_limit_are_an_error_naming_it() -> None:
    from newsreel.mdlimits import MIN_STRUCTURE_LIMIT

    md = make_markdown(False, "/")
    items = "- a\n" * MIN_STRUCTURE_LIMIT
    rendered, problems = render_body(md, items + "\nAfter\n", path="p.md", body_line=1)
    assert not problems and rendered.html.count("<li>") == MIN_STRUCTURE_LIMIT
    body = "Intro\n\n" + items + "- b\n- c\n\nAfter\n"
    rendered, problems = render_body(md, body, path="p.md", body_line=1)
    assert [str(p) for p in problems] == [
        f"p.md:{3 + MIN_STRUCTURE_LIMIT}: the post's lists have more than "
        f"{MIN_STRUCTURE_LIMIT:,} items; the limit is {MIN_STRUCTURE_LIMIT:,} for a post of "
        f"this length (at most {MIN_STRUCTURE_LIMIT:,}, or one per 10 characters of the post: "
        "shorten the list or split the post)"
    ]


def _stock_parser(md: MarkdownIt) -> MarkdownIt:
    """``md`` with markdown-it's own inline parser and link helpers (the same rules)."""
    stock = ParserInline()
    stock.ruler, stock.ruler2 = md.inline.ruler, md.inline.ruler2
    md.inline = stock
    md.helpers = markdown_it.helpers  # type: ignore[assignment]
    return md


def test_rules_tried_by_character_give_markdown_its_tokens() -> None:
    """newsreel.inlineparser tries at each character only the rules that can match there,
    and finds link destinations from an index: the tokens of markdown-it's own parser."""
    alphabet = ["*", "_", "~~", "[", "]", "![", "](", ")", "(", "`", "\\", "<", ">", "&", "#"]
    alphabet += ["a", " ", "\n", "^[", "[^1]", "&amp;", "<https://a.b/>", "<b>", "'", '"', "-"]
    alphabet += ["](/x)", "](<a b>)", '](/x "t")', "\\(", "\\ ", "((", "))", ":", "{", "$", "\t"]
    tails = ["", "\n\n[r]: /r\n", "\n\n[^1]: note\n", "\n\n[a]: (/a)\n"]
    for html in (False, True):
        ours = _parsers(make_markdown(html, "/"))
        theirs = _stock_parser(_parsers(make_markdown(html, "/")))
        for index, text in enumerate(_random_texts(alphabet, 3000, seed=31 + html)):
            source = text + tails[index % len(tails)]
            expected = [t.as_dict() for t in theirs.parse(source)]
            assert [t.as_dict() for t in ours.parse(source)] == expected, repr(source)


def test_block_rules_tried_by_first_character_give_markdown_its_tokens() -> None:
    """The block parser tries at each line only the rules that can match its first
    non-blank character: the tokens of markdown-it's own block parser."""
    lines = ["a", "", "# h", "#", "## b", "> q", ">", "- i", "  - j", "1. k", "2) l", "* m"]
    lines += ["+ n", "---", "***", "___", "a", "===", "```", "~~~", "    code", "<div>", "</div>"]
    lines += ["<!-- c -->", "[r]: /r", "[^1]: note", "| a | b |", "|---|---|", "| c | d |"]
    lines += ["https://x.com/a/status/1", "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "\t- t"]
    for html in (False, True):
        ours = _parsers(make_markdown(html, "/"))
        theirs = _parsers(make_markdown(html, "/"))
        theirs.block = ParserBlock()
        theirs.block.ruler = ours.block.ruler
        for seed in range(2500):
            rng = random.Random(seed)
            prefix = rng.choice(["", "", "> ", "- ", "  ", "1. "])
            source = "\n".join(
                rng.choice(["", prefix]) + rng.choice(lines) for _ in range(rng.randint(1, 14))
            )
            expected = [t.as_dict() for t in theirs.parse(source)]
            assert [t.as_dict() for t in ours.parse(source)] == expected, repr(source)


def test_blocks_over_the_posts_limit_are_an_error_naming_it() -> None:
    from newsreel.mdlimits import MIN_BLOCK_LIMIT

    md = make_markdown(False, "/")
    rendered, problems = render_body(md, "#\n" * MIN_BLOCK_LIMIT, path="p.md", body_line=1)
    assert not problems and rendered.html.count("<h1>") == MIN_BLOCK_LIMIT
    body = "Intro\n\n" + "#\n" * MIN_BLOCK_LIMIT + "a\n\nb\n"
    rendered, problems = render_body(md, body, path="p.md", body_line=1)
    assert [str(p) for p in problems] == [
        f"p.md:{2 + MIN_BLOCK_LIMIT}: the post has more than {MIN_BLOCK_LIMIT:,} blocks "
        f"(paragraphs, headings, quotes, list items…); the limit is {MIN_BLOCK_LIMIT:,} for a "
        f"post of this length (at most {MIN_BLOCK_LIMIT:,}, or one per 6 characters of the "
        "post: join short paragraphs or split the post)"
    ]
    assert rendered.html.count("<h1>") == MIN_BLOCK_LIMIT - 1 and "<p>a</p>" not in rendered.html


def test_link_destinations_are_markdown_its() -> None:
    alphabet = ["(", ")", "(", ")", "\\", "\\", " ", "a", "<", ">", "\n", "\x01", "[](", "\\ "]
    for seed in range(1500):
        rng = random.Random(seed)
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50)))
        helpers = LinkHelpers()  # the second look at one text builds its index
        for start in range(len(text)):
            for end in (len(text), rng.randint(start, len(text))):
                theirs = markdown_it.helpers.parseLinkDestination(text, start, end)
                ours = helpers.parseLinkDestination(text, start, end)
                assert (ours.ok, ours.pos, ours.str) == (theirs.ok, theirs.pos, theirs.str), (
                    repr(text),
                    start,
                    end,
                )
    deep = "(" * 33 + "a" + ")" * 33
    helpers = LinkHelpers()
    for start in range(len(deep)):
        theirs = markdown_it.helpers.parseLinkDestination(deep, start, len(deep))
        ours = helpers.parseLinkDestination(deep, start, len(deep))
        assert (ours.ok, ours.pos, ours.str) == (theirs.ok, theirs.pos, theirs.str), start
