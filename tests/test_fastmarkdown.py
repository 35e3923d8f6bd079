"""newsreel.fastmarkdown reads the common shapes of a post into markdown-it's own tokens.

Every comparison is with the same Markdown set-up reading the body with markdown-it's
parsers. Each test also counts how many bodies the fast path took, so a fast path that
gave up on everything could not pass.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import text_join as markdown_it_text_join
from markdown_it.rules_core.block import block as markdown_it_block

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import shapes  # noqa: E402
import varied  # noqa: E402

from newsreel import fastmarkdown  # noqa: E402
from newsreel.inlinehtml import _rare  # noqa: E402
from newsreel.markdown import _plain_text, make_markdown, render_body  # noqa: E402
from newsreel.mdrender import INLINE_HTML  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _pair(html: bool = False) -> tuple[MarkdownIt, MarkdownIt]:
    """Ours giving tokens (``inlinehtml`` off), and markdown-it's own reading of the same set-up."""
    ours = make_markdown(html, "/blog/", direct=False)
    theirs = make_markdown(html, "/blog/")
    theirs.core.ruler.at("block", markdown_it_block)
    theirs.core.ruler.at(
        "text_join", markdown_it_text_join
    )  # (ours skips where it changes nothing)
    theirs.renderer.__class__ = RendererHTML  # markdown-it's own, not ``mdrender.HtmlRenderer``
    return ours, theirs


def _recorded(env: dict[str, object]) -> dict[str, object]:
    """What the rules record for the page (tweets, trailers, problems), not their bookkeeping."""
    return {key: value for key, value in env.items() if not key.startswith("newsreel_")}


def _compare(sources: list[str], html: bool = False) -> int:
    """Assert equal tokens, and equal HTML, summary and env, for every source: the tokens of
    the fast path without ``inlinehtml``, the rest with it (as a build renders). Return how
    many were read fast."""
    tokens_only, theirs = _pair(html)
    ours = make_markdown(html, "/blog/")
    fast = 0
    for source in sources:
        fast += fastmarkdown.block_tokens(source, ours, {}) is not None
        env_theirs: dict[str, object] = {"tweets": {}}
        expected = theirs.parse(source, env_theirs)
        tokens = tokens_only.parse(source, {"tweets": {}})
        assert [t.as_dict() for t in tokens] == [t.as_dict() for t in expected], repr(source)
        env_ours: dict[str, object] = {"tweets": {}}
        written = ours.parse(source, env_ours)
        html_ours = ours.renderer.render(written, ours.options, env_ours)
        assert html_ours == theirs.renderer.render(expected, theirs.options, env_theirs)
        assert _recorded(env_ours) == _recorded(env_theirs), repr(source)
        assert _plain_text(written) == _plain_text(expected), repr(source)
    return fast


WORDS = ["the", "studio", "Amélie", "sequel's", '"cut"', "2026", "IMAX", "co-star", "(rumour)"]
WORDS += ["a.", "fans!", "what?", "it's", "x_y", "R&D", "5 * 3", "a--b", "...", "(c)", "é", "wow!"]
INLINE = ["*{}*", "**{}**", "_{}_", "__{}__", "~~{}~~", "`{}`", "[{}](/films/amelie/)"]
INLINE += ["[*{}*](/actors/x/)", "[{}](https://example.com/a?b=1)", "*[{}](/y/)*", "**{}**."]
INLINE += ["({})", '"{}"', "*{}*'s", "{}  \n", "{}\n", "~{}~", "^ {}", "*({})*"]
INLINE += ["![{}](/images/still.jpg)", "![*{}*](https://example.com/p.png)", "![](/i.jpg)"]
INLINE += ['[{}](/films/x/ "The *film*")', '![{}](/i.jpg "A still")', '[{}](/y/  "")', "[{}](/z/ )"]
INLINE += ["\\*{}\\*", "&amp; {}", "{}&mdash;", "&#8212;{}", "&#x2014;", "&bogus; {}", "\\{}"]
INLINE += ["{}\\\n", "\\\\{}", "&#0;", "1\\. {}", "R&D;"]
ODD = ["a*b", "{} ] [", "-- {}", "# {}", "\n  {}", "*{}", "![{}](/i.jpg 't')", "<{}>"]
ODD += ["<b>{}</b>", "[![{}](/i.jpg)](/x/)", "***{}***", "<https://example.com/{}>", "^[{}]"]
ODD += ["[{}](https://en.wikipedia.org/wiki/Heat_(1995_film))", "<!-- {} -->", "[{}][r]"]
"""Inline pieces the fast path leaves to markdown-it (now and then, in the mixed bodies)."""


def _inline_text(rng: random.Random, odd: float) -> str:
    parts = []
    for _ in range(rng.randint(1, 12)):
        word = rng.choice(WORDS)
        if rng.random() < odd:
            parts.append(rng.choice(ODD).format(word))
        else:
            parts.append(rng.choice(INLINE).format(word) if rng.random() < 0.4 else word)
    text = " ".join(parts).replace("\n ", "\n").strip(" \n")
    return text or "x"


def _list(rng: random.Random, odd: float, depth: int) -> str:
    """A list of any kind: nested, loose, items of several lines, lazy lines, blocks in items."""
    marker = rng.choice(["-", "*", "+", "1.", "2)"])
    indent = " " * (len(marker) + 1)
    items = []
    for _ in range(rng.randint(1, 4)):
        lines = [_inline_text(rng, odd).replace("\n", " ")]
        for _ in range(rng.randint(0, 2)):
            extra = rng.randrange(6)
            if extra == 0:
                lines.append(indent + _inline_text(rng, odd).replace("\n", " "))
            elif extra == 1:
                lines.append(_inline_text(rng, odd).replace("\n", " "))  # a lazy line
            elif extra == 2 and depth < 2:
                nested = _list(rng, odd, depth + 1).split("\n")
                lines += [indent + line if line else "" for line in nested]
            elif extra == 3:
                lines += ["", indent + _inline_text(rng, odd).replace("\n", " ")]
            elif extra == 4:
                lines += [indent + "```", indent + "code", "", indent + "```"]
            else:
                lines.append(indent + "> " + _inline_text(rng, odd).replace("\n", " "))
        items.append(marker + " " + "\n".join(lines))
    return rng.choice(["\n", "\n\n"]).join(items)


OTHER_BLOCKS = ["<div>x</div>", "[r]: /r", "    code", "a\n===", "\\*", "{}\n---", "## {} ##"]
OTHER_BLOCKS += ["    {}\n\n    more\n", "<!-- {} -->", "<div>\n{}\n</div>", "#{}", "{}\n\n  - x"]
OTHER_BLOCKS += ["<pre>\n{}\n\nx\n</pre>", "{}\n    lazy\n===", "> - {}\n> - b"]
OTHER_BLOCKS += ["1. {}\n\n   ```\n   c\n\n   ```"]
"""Blocks the fast path leaves to markdown-it (the body, or only that block)."""


def _body(rng: random.Random, odd: float) -> str:
    """A post of the shapes the fast path reads, with (at the rate ``odd``) some it does not."""
    blocks = []
    for _ in range(rng.randint(1, 8)):
        shape = rng.randrange(12) if rng.random() < odd * 4 else rng.randrange(11)
        text = _inline_text(rng, odd).replace("\n", " ")
        if shape <= 3:
            blocks.append("\n".join(_inline_text(rng, odd) for _ in range(rng.randint(1, 3))))
        elif shape == 4:
            blocks.append("#" * rng.randint(1, 6) + " " + text)
        elif shape == 5 and rng.random() < 0.5:
            marker = rng.choice(["-", "*", "+", "1.", "3)"])
            items = (_inline_text(rng, odd).replace("\n", " ") for _ in range(3))
            blocks.append("\n".join(f"{marker} {item}" for item in items))
        elif shape == 5:
            blocks.append(_list(rng, odd, depth=0))
        elif shape == 6:
            aligns = rng.choice(["--- | :--", ":-: | ---:", "-|-"])
            blocks.append(f"| {text} | b |\n|{aligns}|\n| c | {text} |\nd | e")
        elif shape == 7:
            second = _inline_text(rng, odd).replace("\n", " ")
            blocks.append("> " + text + rng.choice(["\n> ", "\n>\n> ", "\n> \n> "]) + second)
        elif shape == 8:
            blocks.append(rng.choice(["---", "***", "___", "* * *"]))
        elif shape == 9:
            blocks.append(f"```{rng.choice(['', 'python', ' js x'])}\n{text}\n\n*x*\n```")
        elif shape == 10:
            blocks.append(
                rng.choice(
                    [
                        "https://twitter.com/studio/status/1591020273339214254",
                        "https://x.com/nope",
                        "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
                        "https://example.com/plain",
                    ]
                )
            )
        else:
            blocks.append(rng.choice(OTHER_BLOCKS).format(text))
    joiner = rng.choice(["\n\n", "\n\n\n", "\n" if odd else "\n\n"])
    return joiner.join(blocks) + rng.choice(["", "\n", "  \n"])


def test_generated_posts_give_markdown_its_tokens() -> None:
    common = [_body(random.Random(seed), odd=0.0) for seed in range(2000)]
    assert _compare(common) > len(common) // 2
    mixed = [_body(random.Random(seed), odd=0.05) for seed in range(2000, 4000)]
    assert _compare(mixed) > len(mixed) // 2
    assert _compare(mixed[:500], html=True) > 250


def test_random_text_gives_markdown_its_tokens() -> None:
    alphabet = ["a", "b", " ", "  ", "\n", "\n\n", "*", "**", "_", "__", "~~", "~", "`", "``"]
    alphabet += ["[", "]", "](/x)", "(", ")", "!", "&", "&amp;", "#", "- ", "1. ", "> ", "|"]
    alphabet += ["é", ".", ",", "'", '"', "---", "\n| a |\n|---|\n", "```\n", "x_y", "^"]
    alphabet += ["\\", "\\\n", "&#35;", "&copy", "![", '](/x "t")', "> ", ">\n"]
    alphabet += ["(c)", "(TM)", "+-", "-", "?", "!", ",,", "...", "<", "<b>", "<https://e.com/a>"]
    alphabet += ["    ", "\n    c", "===", "***", "^[n]", "<!-- c -->", "](/a_(b))", "[^1]", "]:"]
    sources = []
    for seed in range(6000):
        rng = random.Random(seed)
        sources.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))
    assert _compare(sources) > 300
    assert _compare(sources[:1500], html=True) > 60


def test_the_example_blog_and_the_shapes_give_markdown_its_tokens() -> None:
    bodies = []
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        bodies.append(text.split("\n---", 1)[1] if text.startswith("---") else text)
    assert _compare(bodies) >= len(bodies) // 2
    _compare([build(2_000) for kind, build in shapes.SHAPES.values() if kind == "post"])
    more = varied.vary(bodies * 3, 1.0)  # (the shapes bench/varied.py times)
    assert _compare(more) >= len(more) // 2


def test_a_tweet_read_by_markdown_its_rules_is_recorded_once() -> None:
    """Lines read by markdown-it's own rules write to ``env`` only when the fast path's tokens
    are used: a body it gives up on later does not record a tweet, or a problem, twice."""
    md = make_markdown(False, "/")
    tweet = "https://twitter.com/studio/status/1591020273339214254"
    for tail, fast in (("\n\n<div>x</div>\n", True), ("\n\n```\nopen\n", False)):
        body = f"Intro *one*.\n\n{tweet}\n\nhttps://twitter.com/studio/oops\n{tail}"
        assert (fastmarkdown.block_tokens(body, md, {}) is not None) is fast
        rendered, problems = render_body(md, body, path="p.md", body_line=10)
        assert rendered.embedded_tweets == (tweet,)
        assert [p.line for p in problems] == [14]


def test_a_body_near_the_posts_limits_goes_to_markdown_it() -> None:
    """Bodies with more than half the blocks, list items or table cells ``mdlimits`` allows
    are read by markdown-it, whose rules enforce the limits with their errors."""
    md = make_markdown(False, "/")
    for unit, fits in (("word\n\n", 4_000), ("- a\n", 900), ("| a | b |\n", 400)):
        head = "| a | b |\n|---|---|\n" if unit.startswith("|") else ""
        assert fastmarkdown.block_tokens(head + unit * fits, md, {}) is not None
        assert fastmarkdown.block_tokens(head + unit * fits * 3, md, {}) is None
    assert fastmarkdown.block_tokens("a\n" * 50_000, md, {}) is not None  # one paragraph


def test_each_common_shape_is_read_fast_and_the_same() -> None:
    """One body per shape the fast path claims to read: each is read by it, to the same tokens."""
    bodies = [
        "A paragraph with *emphasis*, **strong**, ~~strike~~, `code` and a [link](/films/x/).",
        "Two lines,  \nthe first ending in a hard break\nand a soft one.",
        "## A heading\n\nText.",
        "- one\n- *two*\n- [three](/actors/y/)\n\nAfter.",
        "1. one\n   - nested\n\n   a second paragraph\n2. two\nlazily\n\nAfter.",
        "3. three\n4. four\n\n\nAfter.",
        "> A quote.\n>\n> — Its source, *in italics*",
        "| Role | Actor |\n| :--- | ---: |\n| Lead | [Ana](/actors/ana/) |",
        "```python\nprint('*not emphasis*')\n```",
        "***\n\n___",
        "![A still, *framed*](/images/still.jpg) and ![](https://example.com/p.png)",
        '[A link](/films/x/ "with a title") and ![a picture](/p.jpg "with one too")',
        "https://twitter.com/studio/status/1591020273339214254\n\nText.",
        "_It's_ a [*film*](/films/f/)'s __day__ (c) -- \"quoted\" R&D...",
    ]
    md = make_markdown(False, "/")
    for body in bodies:
        assert fastmarkdown.block_tokens(body, md, {}) is not None, body
    assert _compare(bodies) == len(bodies)


def test_a_block_or_text_of_another_shape_is_left_to_markdown_it_alone() -> None:
    """A block the fast path does not read (indented code, a setext heading, HTML, a heading
    with a closing sequence, a reference or footnote definition) is read by markdown-it's
    block rules, and inline text it does not read (an autolink, inline HTML, ``***``, a link
    with parentheses, an inline footnote) by markdown-it's inline parser; the rest of the
    body is still read fast, to the same tokens.
    In a body that may define references or footnotes, any text with a bracket is left to
    markdown-it's inline parser. A fence or HTML block that may run past blank lines, or a
    tab, leaves the whole body to markdown-it."""
    common = "Intro with *emphasis* and a [link](/films/x/).\n\n- one\n- two\n\n"
    alone = [
        "    indented code\n\n    more of it\n",
        "A setext heading\n================\n",
        "Text, then\n---\n",
        "<div>\n*raw*\n</div>\n",
        "<!-- more -->\n",
        "## Closed heading ##\n",
        "#hashtag, a paragraph\n",
        "Text\n  indented continuation\n",
        "> - a list\n> - in a quote\n",
        "See <https://example.com/a> and <b>bold</b>.\n",
        "It was ***very*** big.\n",
        "[Heat](https://en.wikipedia.org/wiki/Heat_(1995_film)) returns.\n",
        "A claim.^[An inline note.] And *more*.\n",
        "Read the [report][r] and [r].\n\n[r]: /reports/1 'The report'\n",
        "- [r]: /r\n\n[See it][r], or [*this*](/x/).\n",
        "A claim[^1].\n\n[^1]: A note, with [a link](/x/).\n\n    And more of it.\n",
    ]
    md = make_markdown(False, "/")
    html_md = make_markdown(True, "/")
    bodies = []
    for shape in alone:
        body = common + shape + "\n" + common
        bodies.append(body)
        assert fastmarkdown.block_tokens(body, md, {}) is not None, shape
        assert fastmarkdown.block_tokens(body, html_md, {}) is not None, shape
    assert _compare(bodies) == len(bodies)
    assert _compare(bodies, html=True) == len(bodies)
    whole = ["```\nopen fence\n\nx\n", "A\ttab.\n", "- a\n```\nfence\n\nx\n```\n"]
    for shape in whole:
        body = common + shape + "\n" + common
        assert fastmarkdown.block_tokens(body, md, {}) is None, shape
    body = common + "<pre>\nraw\n\nx\n</pre>\n\n" + common
    assert fastmarkdown.block_tokens(body, md, {}) is not None  # (HTML off: a paragraph)
    assert fastmarkdown.block_tokens(body, html_md, {}) is None
    _compare(whole, html=True)


def test_a_fault_of_the_fast_path_leaves_the_body_to_markdown_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A bug in the fast path (simulated: its block reader raises) is no traceback in a
    build: the body is read by markdown-it, to the same HTML."""
    body = "Text with *emphasis* and a [link](/films/x/).\n\n- one\n- two\n"
    expected, _ = render_body(make_markdown(False, "/"), body, path="p.md", body_line=1)

    def broken(self: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(fastmarkdown._Blocks, "tokens", broken)
    rendered, problems = render_body(make_markdown(False, "/"), body, path="p.md", body_line=1)
    assert not problems and rendered.html == expected.html


def test_links_left_as_they_are_are_those_markdown_it_leaves() -> None:
    """The links whose normalising is skipped (``markdown.PLAIN_LINK``) are ones markdown-it's
    ``normalizeLink`` returns unchanged: site paths and http(s) addresses, generated."""
    from markdown_it.common.normalize_url import normalizeLink

    from newsreel.markdown import PLAIN_LINK

    rnd = random.Random(20261206)
    path_chars = "abcXYZ019-._~/?#!$&'()*+,;=:@% é"
    host_chars = "abXY09.-@:é"
    plain = 0
    for _ in range(40_000):
        if rnd.random() < 0.5:
            url = rnd.choice(["http://", "https://", "HTTP://", "//", "mailto:"])
            url += "".join(rnd.choice(host_chars) for _ in range(rnd.randint(0, 12)))
            if rnd.random() < 0.3:
                url += f":{rnd.randint(0, 99999)}"
        else:
            url = ""
        if rnd.random() < 0.8:
            url += "/" + "".join(rnd.choice(path_chars) for _ in range(rnd.randint(0, 24)))
        if PLAIN_LINK.match(url):
            plain += 1
            assert normalizeLink(url) == url, url
    assert plain > 2_000  # (the shortcut is tried, on thousands)


def test_inline_text_is_written_directly_to_markdown_its_html() -> None:
    """A build's Markdown writes the HTML of the inline text the fast path reads
    (``inlinehtml``) where its renderer would write those tokens as markdown-it does."""
    from markdown_it.rules_core.replacements import RARE_RE

    from newsreel.inlinehtml import writer

    md = make_markdown(False, "/blog/")
    body = 'A *new* [trailer](/films/x/ "It\'s here") -- "quoted" (c) `code` R&amp;D\\*...'
    tokens = md.parse(body, {"tweets": {}})
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert tokens[1].children == [] and INLINE_HTML in tokens[1].meta
    assert _compare([body]) == 1
    assert writer(md, "/") is not None
    md.add_render_rule("link_open", lambda *args: "<a>")
    assert writer(md, "/") is None  # a rule of its own: tokens, rendered by it
    md = make_markdown(False, "/")
    md.options["quotes"] = ["<<", ">>", "<", ">"]
    assert writer(md, "/") is None
    # ``_rare`` finds what markdown-it's pattern for the rare replacements finds
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice("+-.?!,a ") for _ in range(rng.randint(0, 12)))
        assert _rare(text) == bool(RARE_RE.search(text)), text


def test_odd_unicode_gives_markdown_its_html() -> None:
    """Text the fast path writes straight to HTML: no-break and zero-width spaces, line and
    paragraph separators, curly and guillemet quotes, right-to-left and combining marks,
    astral characters and U+FFFD, around emphasis, quotes and links."""
    alphabet = ["a", " ", "\n", "*", "_", "**", "'", '"', "[x](/y/)", "`c`", "--", "(c)"]
    alphabet += ["\u00a0", "\u200b", "\u2028", "\u2029", "\u201c", "\u201d", "\u00ab"]
    alphabet += ["\u05d0", "\u0627", "\u202e", "e\u0301", "\U0001f3ac", "\ufffd", "\u3000"]
    alphabet += ["\u2019s", "\u00e9", "\u0085", "&amp;", "\\*", "\u2014", "..."]
    alphabet += ["\n    ", "<https://e.com/\u00e9>", "***", "\n===", "[\u00e9]: /x\n"]  # (regions)
    sources = []
    for seed in range(3000):
        rng = random.Random(seed)
        sources.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25))))
    assert _compare(sources) > 1000
