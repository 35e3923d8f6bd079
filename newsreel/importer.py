"""``newsreel import``: an article, as a scraper, a browser copy or a saved web page leaves it, into a draft post.

The work is pure functions over text: ``clean_article(text)`` returns the cleaned
paragraphs, a proposed title, the tweets found in copied embeds and the list of changes
made; ``find_names`` spots the films and actors a site already knows. ``import_file``
only reads the file, asks the site what it knows, and writes the draft.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from newsreel.config import load_settings
from newsreel.facts import (
    Finding,
    dateline,
    guess_people,
    guess_titles,
    headline,
    release_years,
    take_datelines,
    year_after_title,
)
from newsreel.htmltext import html_to_text, looks_like_html
from newsreel.layout import SiteLayout
from newsreel.report import Reporter
from newsreel.scaffold import (
    KnownName,
    ScaffoldError,
    fold,
    front_matter_text,
    read_site_names,
    require_site,
    site_now,
    taken_post_slugs,
    term_fields,
    write_new,
)
from newsreel.slugs import short_slug, slugify
from newsreel.taxonomies import Taxonomy, cast_of, spoken_list, works
from newsreel.tweets import TweetError, canonical_status_url, find_copied_embeds, parse_status_url
from newsreel.video import VideoError, parse_video

TITLE_LIMIT = 80
"""A title made from a sentence longer than this is its main clause instead (never cut)."""
SLUG_LIMIT = 60
"""An imported post's file name (its slug) is cut to at most this many characters."""
TWEET_LIMIT = 280
"""Characters a tweet's text can hold: a copied embed's text is never longer."""
MIN_FRAGMENT_WORDS = 4
"""A repeated block is dropped only from this many words up (short headings may repeat)."""

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_GALLERY_WORDS = r"(?:photos?|pictures?|images?|pics|slides|videos?)"
_GALLERY_BLOCK = re.compile(
    rf"(?:\d+\s+{_GALLERY_WORDS}|(?:view|open|see|launch)\s+(?:the\s+)?(?:photo\s+)?gallery"
    rf"|see\s+all\s+\d+\s+{_GALLERY_WORDS}|photo\s+gallery|gallery|advertisement|sponsored|skip\s+ad"
    rf"|\d+\s*(?:/|of)\s*\d+|(?:photo|image|picture)s?(?:\s+credit)?\s*:.{{0,80}})",
    re.I,
)
_GALLERY_TAIL = re.compile(
    rf"(?<=[.!?\u2026\"'\u201d\u2019)])\s+(?:\d+\s+{_GALLERY_WORDS}"
    r"|\((?:photo|image|picture)s?(?:\s+credit)?(?:\s*:|\s+by)\s[^()]{1,80}\))\s*$",
    re.I,
)
_SHARE_WORD = (
    r"(?:share(?:\s+(?:this|on|via|to)(?:\s+(?:article|story|post|page|facebook|twitter|x|email|"
    r"whatsapp|reddit|linkedin|pinterest|flipboard))?)?|tweet|e-?mail|pin(?:\s+it)?|copy\s+link|"
    r"print|save|facebook|twitter|whatsapp|reddit|linkedin|pinterest|flipboard|\d+\s+comments?|"
    r"leave\s+a\s+(?:comment|reply)|(?:view|show|read|add|post)\s+(?:all\s+)?comments?|comments?)"
)
_PAGE_CHROME = re.compile(
    r"(?:(?:related|read\s+(?:more|also|next)|also\s+read|see\s+also|more|recommended|tags|"
    r"topics|filed\s+under|don['\u2019]t\s+miss|you\s+(?:may|might)\s+also\s+like|watch\s+next|"
    r"up\s+next)\s*(?::|\||[\u2014\u2013])\s*[^\n]{1,150}"
    r"|(?:sign\s+up|subscribe)\b[^\n]{0,100}\bnewsletters?\b[^\n]{0,60}"
    r"|(?:story|article)\s+continues\s+below(?:\s+(?:this\s+)?(?:advertisement|ad))?"
    r"|continue\s+reading(?:\s+below)?"
    rf"|{_SHARE_WORD}(?:\s*[|\u00b7\u2022,/]?\s*{_SHARE_WORD}){{0,12}}"
    r"|follow\s+(?:us|him|her|them|me)\s+on\b[^\n]{0,80})",
    re.I,
)
"""A line the page put around the article: share buttons, "Related: …", "Read more: …", a
newsletter's call, comment counts, tags, "Story continues below advertisement"."""
_BIO = re.compile(
    r"[A-Z][\w.'\u2019-]*(?:\s[A-Z][\w.'\u2019-]*){0,3}\s+is\s+an?\s+(?:[\w-]+\s+){0,3}"
    r"(?:writer|editor|reporter|critic|journalist|correspondent|contributor)\b[^\n]{0,200}"
)
"""The author's bio ("Dana Cole is a staff writer. Follow her…"), among the last blocks."""
BIO_REACH = 3
_BYLINE = re.compile(
    r"[Bb]y\s+[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,3})?"
)
"""A byline without a date ("By Dana Cole"); one with a date is a dateline (``facts.dateline``)."""
BYLINE_REACH = 6
"""A byline is looked for among the first blocks only."""
# A line break (or one blank line) before a line that is only an embed's attribution.
_EMBED_TAIL_LINE = re.compile(
    r"(?<=\S)[ ]*\n(?:[ ]*\n)?(?=[\u2014\u2013]{1,2}|--?[ ])(?=[^\n]*\(@\w{1,15}\)[ ]*[A-Za-z]{3,9}\.?[ ]+\d{1,2},[ ]*\d{4}[ ]*(?:\n|$))"
)
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[\w\"'\u201d\u2019)])[ ]+(?=[.,;](?:\s|$))")
# A sentence end glued to the next sentence's start: "all.Technically", "well.”Fortunately".
_GLUE = re.compile(
    r"(?<=[\w)\]])(?P<end>(?:[.!?]|\.\.\.|\u2026)[\"'\u201d\u2019)\]]*)(?P<start>[\"'\u201c\u2018(\[]?[A-Z])"
)
_WORD_BEFORE = re.compile(r"[\w.]*$")
WORD_REACH = 64
"""How far back the word before a full stop is looked for: from the text's start, each
search cost the text's length (an article of "Plan B. " repeated was quadratic)."""
_WORD_AFTER = re.compile(r"[\"'\u201c\u2018(\[]?([\w]*)")
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "vs",
        "no",
        "nos",
        "vol",
        "inc",
        "ltd",
        "co",
        "corp",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "prof",
        "rev",
        "hon",
        "gov",
        "sen",
        "rep",
        "pres",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "fig",
        "figs",
        "approx",
        "dept",
        "est",
        "univ",
        "ave",
        "blvd",
        "rd",
        "op",
        "pp",
        "ch",
        "sec",
    ]
)
_SENTENCE_END = re.compile(
    r"(?<=[\w)\]\"'\u201d\u2019])[.!?\u2026][\"'\u201d\u2019)]*(?=\s+[\"'\u201c\u2018(]?[A-Z0-9])"
)
_STATUS_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w+/status(?:es)?/\d+[^\s]*", re.I
)
_LINK_IN_EMBED = re.compile(
    r"(?:https?://)?pic\.(?:twitter|x)\.com/[A-Za-z0-9]+|https?://t\.co/[A-Za-z0-9]+", re.I
)


@dataclass(frozen=True)
class CleanedArticle:
    """An article after cleaning: what to write, and what was changed to get there."""

    title: str
    """Proposed title: the article's own title line, else its first sentence or that sentence's main clause."""
    paragraphs: tuple[str, ...]
    """Body paragraphs as plain text (not yet escaped for Markdown)."""
    tweets: tuple[dict[str, str], ...]
    """Front-matter mappings of the tweets found in copied embeds, in order."""
    changes: tuple[str, ...]
    """One line per kind of change made, for the writer to review."""
    date: date | None = None
    """The article's own date, from a dateline ("Published June 3, 2023"), when it has one."""

    @property
    def markdown(self) -> str:
        """The body as Markdown: one paragraph per block, special characters escaped."""
        return "\n\n".join(escape_markdown(p) for p in self.paragraphs) + (
            "\n" if self.paragraphs else ""
        )

    @property
    def text(self) -> str:
        """Title, body and tweet texts: where to look for names."""
        return "\n\n".join(
            [self.title, *self.paragraphs, *(t.get("text", "") for t in self.tweets)]
        )


# -------------------------------------------------------------------- steps


def normalise(text: str) -> str:
    """Unify line ends, drop invisible characters, collapse runs of spaces, trim lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def join_embed_tails(text: str) -> str:
    """Put a copied embed's "— Name (@handle) Month D, YYYY" line back after its tweet text."""
    return _EMBED_TAIL_LINE.sub(" ", text)


def split_blocks(text: str) -> list[str]:
    """Blocks of text: separated by blank lines, or one per line unless the lines are
    hard-wrapped; a dateline is a block of its own, even on the line after a heading."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line for line in chunk.split("\n") if line.strip()]
        run: list[str] = []
        for line in lines:
            if len(lines) > 1 and dateline(line) is not None:
                blocks += _joined(run) + [line]
                run = []
            else:
                run.append(line)
        blocks += _joined(run)
    return blocks


def _joined(lines: list[str]) -> list[str]:
    """Consecutive lines as one block when hard-wrapped, else one block each."""
    if not lines:
        return []
    return [" ".join(lines)] if _hard_wrapped(lines) else lines


def _hard_wrapped(lines: list[str]) -> bool:
    """True when every line but the last fills a similar width, as wrapped text does."""
    if len(lines) < 2:
        return True
    widths = [len(line) for line in lines[:-1]]
    return (
        max(widths) <= 100
        and min(widths) >= 0.6 * max(widths)
        and len(lines[-1]) <= max(widths) + 5
    )


def drop_gallery_noise(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Remove photo-gallery leftovers: "5 photos" blocks or tails, "View gallery", image credits.

    Returns the blocks left and the pieces removed.
    """
    kept: list[str] = []
    removed: list[str] = []
    for block in blocks:
        if _GALLERY_BLOCK.fullmatch(block.strip(" .")):
            removed.append(block)
            continue
        tail = _GALLERY_TAIL.search(block)
        if tail:
            removed.append(tail.group().strip())
            block = block[: tail.start()]
        kept.append(block)
    return kept, removed


def drop_page_chrome(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Remove lines the page put around the article (``_PAGE_CHROME``), a byline without a
    date near the top and the author's bio near the end. Returns the blocks left and those
    removed."""
    kept: list[str] = []
    removed: list[str] = []
    for index, block in enumerate(blocks):
        text = block.strip()
        chrome = (
            _PAGE_CHROME.fullmatch(text)
            or (index < BYLINE_REACH and _BYLINE.fullmatch(text))
            or (index >= len(blocks) - BIO_REACH and _BIO.fullmatch(text))
        )
        (removed if chrome else kept).append(block)
    return kept, removed


def extract_tweets(blocks: list[str]) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Take copied tweet embeds out of the blocks; return what remains, the tweets found and
    the picture and t.co links the copies held, which a copy cannot show."""
    kept: list[str] = []
    tweets: list[dict[str, str]] = []
    links: list[str] = []
    for block in blocks:
        cursor = 0
        for start, end, mapping in _embeds(block):
            before = block[cursor:start].strip()
            if before:
                kept.append(before)
            tweet = _with_status_url(mapping)
            tweets.append(tweet)
            links += [
                m.group()
                for m in _LINK_IN_EMBED.finditer(block, start, end)
                if m.group() not in tweet["text"]
            ]
            cursor = end
        rest = block[cursor:].strip()
        if rest:
            kept.append(rest)
    return kept, tweets, links


def _embeds(block: str) -> list[tuple[int, int, dict[str, str]]]:
    """Copied embeds in a block; a text longer than a tweet can be starts at a later sentence."""
    found = []
    for start, end, mapping in find_copied_embeds(block):
        if len(mapping["text"]) > TWEET_LIMIT:
            start, mapping = _tweet_sized(block, start, end, mapping)
        found.append((start, end, mapping))
    return found


def _tweet_sized(
    block: str, start: int, end: int, mapping: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """The embed from the first later sentence that leaves it no longer than a tweet (else from
    the last sentence). Found by bisection, as a later start can only shorten the text: trying
    each sentence in turn is quadratic on a long paragraph."""
    cuts = [sentence.end() + 1 for sentence in _SENTENCE_END.finditer(block, start, end)]

    def embed_from(cut: int) -> tuple[int, dict[str, str]] | None:
        later = find_copied_embeds(block[cut:end])
        return (cut + later[0][0], later[0][2]) if later else None

    low, high, best = 0, len(cuts), None
    while low < high:
        middle = (low + high) // 2
        candidate = embed_from(cuts[middle])
        if candidate is not None and len(candidate[1]["text"]) <= TWEET_LIMIT:
            best, high = candidate, middle
        else:
            low = middle + 1
    return best or (embed_from(cuts[-1]) if cuts else None) or (start, mapping)


def _with_status_url(mapping: dict[str, str]) -> dict[str, str]:
    """The embed as front matter: ``url`` first when its text holds a valid status URL."""
    text = mapping.get("text", "")
    for match in _STATUS_URL.finditer(text):
        try:
            handle, status_id = parse_status_url(match.group().rstrip(".,;:!?)"))
        except TweetError:
            continue
        if handle.lower() != mapping.get("handle", "").lower():
            continue
        rest = " ".join((text[: match.start()] + text[match.end() :]).split())
        return {"url": canonical_status_url(handle, status_id), **mapping, "text": rest}
    return dict(mapping)


def _compare_form(text: str) -> str:
    """``text`` with quotes and dashes unified (one character for one, so offsets hold)."""
    return text.translate(_COMPARE_FOLD)


_COMPARE_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def drop_repeated_fragments(blocks: list[str]) -> tuple[list[str], list[str], int | None]:
    """Drop blocks whose text appears again in another block (teasers, pull quotes, duplicates).

    Of two copies the later stays. Where a dropped teaser starts inside a later block, that
    block is split there: a teaser is the first words of a paragraph. Returns the blocks
    left, the ones dropped, and the number of blocks searched when the search stopped
    short (``None`` when all were).

    The blocks are searched as one text, a search for a block's text resuming after the
    last block that held an equal text (so 30,000 equal blocks cost what one does); at
    most ``_search_budget`` characters are read in all.
    """
    forms = [_compare_form(b) for b in blocks]
    text = "\n".join(forms)
    starts: list[int] = []
    offset = 0
    for form in forms:
        starts.append(offset)
        offset += len(form) + 1
    alive = [True] * len(blocks)
    cuts: list[set[int]] = [set() for _ in blocks]
    dropped: list[str] = []
    found_in: dict[str, int] = {}
    budget = _search_budget(len(text))
    stopped: int | None = None
    for i, form in enumerate(forms):
        needle = form.rstrip(" .\u2026").strip()
        if len(needle.split()) < MIN_FRAGMENT_WORDS:
            continue
        if budget <= 0:
            stopped = i
            break
        # Blocks before the one an equal needle was found in hold no valid copy (see above).
        search = starts[found_in.get(needle, 0)]
        while True:
            at = text.find(needle, search)
            budget -= max((len(text) if at < 0 else at) - search, 64)
            if at < 0:
                break
            j = bisect_right(starts, at) - 1
            if at + len(needle) > starts[j] + len(forms[j]):
                search = at + 1  # runs into the next block
                continue
            if j != i and (j > i or alive[j]):
                found_in[needle] = j
                alive[i] = False
                dropped.append(blocks[i])
                at -= starts[j]
                if (
                    at > 0
                    and _starts_paragraph(needle)
                    and (forms[j][at - 1].isspace() or forms[j][at - 1] in ".!?\"')")
                ):
                    cuts[j].add(at)
                break
            search = starts[j] + len(forms[j])  # the first copy in a block is the one used
    result: list[str] = []
    for i, block in enumerate(blocks):
        if not alive[i]:
            continue
        edges = [0, *sorted(cuts[i]), len(block)]
        result.extend(p for p in (block[a:b].strip() for a, b in zip(edges, edges[1:])) if p)
    return result, dropped, stopped


def _search_budget(length: int) -> int:
    """Characters the search for repeated fragments may read in an article of ``length``:
    500 readings of a 50 KB article, 310 of a 1 MB one, at most about three times what the
    rest of the cleaning costs (a search that finds nothing reads the whole article)."""
    return 10_000_000 + 300 * length


def _starts_paragraph(text: str) -> bool:
    first = text.lstrip("\"'([")[:1]
    return first.isupper() or first.isdigit()


def split_glued_sentences(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Split "all.Technically" into two paragraphs; leave "e.g.", "U.S.", decimals and URLs alone.

    Returns the blocks and each glued spot as found ("all.Technically").
    """
    result: list[str] = []
    spots: list[str] = []
    for block in blocks:
        cuts = [m.start("start") for m in _GLUE.finditer(block) if _is_glue(block, m)]
        spots += [_spot(block, at) for at in cuts]
        edges = [0, *cuts, len(block)]
        result.extend(p for p in (block[a:b].strip() for a, b in zip(edges, edges[1:])) if p)
    return result, spots


def _spot(block: str, at: int) -> str:
    """The words either side of a glued spot: "all.Technically"."""
    left = block.rfind(" ", 0, at) + 1
    right = block.find(" ", at)
    return block[left : right if right >= 0 else len(block)].rstrip(",;:")


def _is_glue(block: str, match: re.Match[str]) -> bool:
    """Whether a sentence end touching a capital is two glued sentences, not an abbreviation or URL."""
    left = block.rfind(" ", 0, match.start()) + 1
    right = block.find(" ", match.end())
    token = block[left : right if right >= 0 else len(block)]
    if "://" in token or "www." in token.lower() or "/" in token or "@" in token:
        return False
    before = _WORD_BEFORE.search(block, max(0, match.start() - WORD_REACH), match.start())
    word = before.group() if before else ""
    end = match.group("end")
    if end.startswith("."):
        if "." in word and not end.startswith("..."):
            return False  # e.g.  U.S.  p.m.  J.K.
        if word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            return False
    after = _WORD_AFTER.match(block, match.start("start"))
    next_word = after.group(1) if after else ""
    if word.isupper() and len(next_word) > 1 and next_word.isupper():
        return False  # ASP.NET and its kind
    return True


def fix_space_before_punctuation(blocks: list[str]) -> tuple[list[str], int]:
    """Remove the space a dropped link leaves before a full stop or comma ("Empire ." → "Empire.")."""
    result: list[str] = []
    count = 0
    for block in blocks:
        fixed, n = _SPACE_BEFORE_PUNCT.subn("", block)
        count += n
        result.append(fixed)
    return result, count


def propose_title(blocks: list[str]) -> tuple[str, list[str], bool]:
    """A title and the remaining blocks; True when the first block was a heading and was used whole.

    The article's own title line is used as it is; without one, the first sentence, or its
    main clause when the sentence is long (``facts.headline``): a title is never cut.
    """
    if not blocks:
        return "", [], False
    first = blocks[0]
    words = first.split()
    if (
        len(blocks) > 1
        and len(words) <= 20
        and len(first) <= 150
        and first[-1] not in ".,;:"
        and not _SENTENCE_END.search(first)
    ):
        return " ".join(first.lstrip("#").split()), blocks[1:], True
    return headline(first_sentence(first), TITLE_LIMIT), blocks, False


def first_sentence(text: str) -> str:
    """The text up to its first sentence end that is not an abbreviation."""
    for match in _SENTENCE_END.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, match.start() - WORD_REACH), match.start())
        word = before.group() if before else ""
        if match.group().startswith(".") and (
            "." in word or word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())
        ):
            continue
        return text[: match.start()].strip()
    return text.strip()


def escape_markdown(paragraph: str) -> str:
    """Plain text as a Markdown paragraph that renders as the same text, the web addresses in
    its sentences as links (``<https://…>``, which render as the address). An address alone
    that is a tweet's or a video's stays as it is, where the body shows the tweet or a player;
    any other is a link (a channel's address alone would be an error of the video rule)."""
    alone = paragraph.strip()
    if _WEB_ADDRESS.fullmatch(alone):
        if _is_video(alone) or _is_status(alone):
            return alone  # (as written: the line is the body's tweet or player, never escaped)
        return f"[{_escape_text(alone)}](<{alone}>)"  # (a line the tweet and video rules leave)
    pieces, at = [], 0
    for match in _WEB_ADDRESS.finditer(paragraph):
        address = match.group().rstrip(_AFTER_ADDRESS)  # "see https://a.example/b." ends at "b"
        if len(address) > len("https://"):
            pieces += [_escape_text(paragraph[at : match.start()]), f"<{address}>"]
            at = match.start() + len(address)
    if not pieces:
        return _escape_text(paragraph)
    return "".join(pieces) + _escape_text(paragraph[at:])


def _escape_text(paragraph: str) -> str:
    text = re.sub(r"([\\`*_\[\]<>])", r"\\\1", paragraph)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    text = re.sub(r"~~", r"\\~\\~", text)
    if re.match(r"(?:[#>+=|-]|\d{1,9}[.)](?:\s|$))", text):
        text = re.sub(r"^(\d{1,9})([.)])", r"\1\\\2", text) if text[0].isdigit() else "\\" + text
    return text


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'`\\]+")
"""An http(s) address in running text (with the punctuation after it: ``_AFTER_ADDRESS``)."""
_AFTER_ADDRESS = ".,;:!?)]\u2019\u201d"
_VIDEO_AT_END = re.compile(r"(?P<lead>.*\S)\s+(?P<url>https?://\S+)")


def separate_videos(blocks: list[str]) -> tuple[list[str], int]:
    """Put a YouTube or Vimeo address that ends a block ("Watch the trailer: https://…") on a
    line of its own, where the post shows its player; return the blocks and how many moved."""
    out: list[str] = []
    moved = 0
    for block in blocks:
        match = _VIDEO_AT_END.fullmatch(block)
        if match is not None and _is_video(match["url"]):
            out += [match["lead"], match["url"]]
            moved += 1
        else:
            out.append(block)
    return out, moved


def _is_video(url: str) -> bool:
    try:
        return bool(parse_video(url).host)
    except VideoError:
        return False


def _is_status(url: str) -> bool:
    try:
        parse_status_url(url)
    except TweetError:
        return False
    return True


def clean_article(text: str, today: date | None = None) -> CleanedArticle:
    """Clean a scraped or copied article and propose a title; every change is listed.

    A dateline ("By Ann Lee | June 3, 2023") is taken out as the article's date, unless it
    is after ``today`` (default: the computer's date).
    """
    changes: list[str] = []
    blocks = split_blocks(join_embed_tails(normalise(text)))
    blocks, noise = drop_gallery_noise(blocks)
    if noise:
        changes.append(f"removed {_n(len(noise), 'photo-gallery leftover')}: {_examples(noise)}")
    blocks, chrome = drop_page_chrome(blocks)
    if chrome:
        changes.append(
            f"removed {_n(len(chrome), 'line')} of the page around the article (sharing, "
            f"related links, comments, topic lists, bylines): {_examples(chrome)}"
        )
    blocks, day, datelines = take_datelines(blocks, today or date.today())
    if datelines:
        dated = f", the article's date {day.isoformat()}" if day else ""
        changes.append(f"took out {_n(len(datelines), 'dateline')}{dated}: {_examples(datelines)}")
    blocks, glued = split_glued_sentences(blocks)
    blocks, tweets, links = extract_tweets(blocks)
    for tweet in tweets:
        where = "" if "url" in tweet else "; the copy has no status URL, add url: if you have it"
        changes.append(
            f"found a tweet by @{tweet['handle']} of {tweet['date']}: moved to the front matter{where}"
        )
    if links:
        changes.append(
            f"removed {_n(len(links), 'link')} of the copied tweets, which a copy cannot show: "
            f"{_examples(links)}; give a tweet media: with src and alt to show its picture"
        )
    if glued:
        changes.append(
            f"split {_n(len(glued), 'glued sentence')}, each now starting a paragraph: {_examples(glued)}"
        )
    blocks, dropped, stopped = drop_repeated_fragments(blocks)
    if dropped:
        changes.append(
            f"dropped {_n(len(dropped), 'repeated fragment')}, each found again in full: "
            f"{_examples(dropped)}"
        )
    if stopped is not None:
        changes.append(
            f"looked for repeated fragments in the first {_n(stopped, 'paragraph')} only: "
            "the article is too long to search whole, check the rest for repeated teasers"
        )
    blocks, videos = separate_videos(blocks)
    if videos:
        changes.append(
            f"put {_n(videos, 'video link')} on a line of its own, where the post shows a player"
        )
    blocks, spaces = fix_space_before_punctuation(blocks)
    if spaces:
        changes.append(f"removed {_n(spaces, 'space')} before a full stop or comma")
    title, blocks, heading = propose_title(blocks)
    if title:
        source = "the first line" if heading else "the first sentence"
        changes.append(f"proposed a title from {source}: {title}")
    return CleanedArticle(title, tuple(blocks), tuple(tweets), tuple(changes), day)


def _examples(pieces: Sequence[str]) -> str:
    """Every one of ``pieces``, quoted and shortened, for a change line."""
    return ", ".join(f'"{_shorten(p)}"' for p in pieces)


def _shorten(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# -------------------------------------------------------------------- names


def find_names(
    text: str, known: Sequence[KnownName], *, people: bool = False
) -> list[tuple[str, str]]:
    """The ``known`` names ``text`` mentions, as (name as written, canonical name).

    One entry per canonical name (its first mention), in order of first mention. Names of
    several words match regardless of case and accents; a one-word name must be written
    with its capital and, unless the names are ``people``, not open a sentence ("It", "Up"
    are films and words; "Zendaya" opening a tweet is still Zendaya).
    """
    folded_text = fold(text)
    hits: list[tuple[int, str, str]] = []
    for k in known:
        at = _find_name(text, folded_text, k.name, people)
        if at >= 0:
            hits.append((at, k.name, k.canonical))
    found: dict[str, tuple[str, str]] = {}
    for _, name, canonical in sorted(hits, key=lambda h: (h[0], -len(h[1]))):
        found.setdefault(fold(canonical), (name, canonical))
    return list(found.values())


def _find_name(text: str, folded_text: str, name: str, anywhere: bool = False) -> int:
    if len(name.split()) > 1:
        pattern = re.compile(rf"(?<!\w){re.escape(fold(name))}(?!\w)")
        match = pattern.search(folded_text)
        return match.start() if match else -1
    if len(name) < 2:  # ("X", "M": a letter, "on X, formerly Twitter", unless "X (2022)")
        dated = re.search(rf"(?<!\w){re.escape(name)}[ ]\((?:18|19|20)\d\d\)", text)
        return dated.start() if dated else -1
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    for match in pattern.finditer(text):
        before = text[: match.start()].rstrip(" \"'\u201c\u2018(")
        if anywhere or (before and before[-1] not in ".!?\u2026\n:"):
            return match.start()
    return -1


# -------------------------------------------------------------------- file


def decode(raw: bytes) -> tuple[str, str | None]:
    """The file's text, and a note when it was not UTF-8."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return raw.decode(
            "cp1252", errors="replace"
        ), "read as Windows-1252 (the file is not UTF-8)"


_NOT_TEXT = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
"""Control bytes no text file holds (tab, line breaks, form feed and escape aside)."""


def not_text(raw: bytes) -> bool:
    """A file of another kind: a NUL byte, or more than one control byte in a hundred (of its
    first 64 KiB)."""
    head = raw[:65536]
    return b"\0" in head or len(_NOT_TEXT.findall(head)) * 100 > len(head)


def import_file(site_dir: Path, file: Path, *, reporter: Reporter | None = None) -> Path:
    """Write ``file`` as a draft post in ``site_dir/content/posts/``; return its path."""
    reporter = reporter or Reporter()
    require_site(site_dir)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ScaffoldError(f"{file}: cannot read ({exc.strerror or exc})") from None
    if not_text(raw):
        raise ScaffoldError(
            f"{file}: not a text file (it holds bytes no text has, as programs, pictures and "
            "PDFs do; save the article as plain text or as a web page, or paste its text into "
            "a .txt file)"
        )
    text, note = decode(raw)
    part = None
    if looks_like_html(text):
        text, part = html_to_text(text)
    now = site_now(site_dir)
    article = clean_article(text, now.date())
    if not article.title:
        raise ScaffoldError(
            f"{file}: no article text found (give a plain-text file with the article in it)"
        )
    taxonomies = load_settings(site_dir)[0].taxonomies
    names = read_site_names(site_dir, taxonomies)
    # Names of every kind with pages (things and people, not tags) the article mentions.
    found = {
        tax.name: find_names(article.text, names.of(tax.name), people=tax.schema == "Person")
        for tax in taxonomies
        if tax.pages
    }
    work = works(taxonomies)
    cast = cast_of(taxonomies)
    cast_guesses: list[Finding] = []
    if cast is not None:
        # Actors the site has no page for yet, from how the article names its cast.
        named = {fold(n) for pair in found[cast.name] for n in pair}
        titles_known = [k.name for tax in taxonomies if tax.releases for k in names.of(tax.name)]
        cast_guesses = [
            f
            for f in guess_people(article.text, not_these=titles_known)
            if fold(str(f.value)) not in named
        ]
    guessed = None
    cited = _cited_only(article.text, found[work.name], now.date()) if work is not None else []
    if work is not None and work.pages and (cited or not found[work.name]):
        people = [
            k.name for tax in taxonomies if tax.schema == "Person" for k in names.of(tax.name)
        ]
        people += [
            name for tax in taxonomies if tax.schema == "Person" for name, _ in found[tax.name]
        ]
        people += [str(f.value) for f in cast_guesses]
        guesses = guess_titles(article.text, not_these=people + cited)
        guessed = guesses[0] if guesses else None
        if guessed:
            found[work.name] = [(str(guessed.value), str(guessed.value))]
        else:
            cited = []  # (no other film in sight: those it cites stay the post's)
    if cast is not None:
        found[cast.name] += [(str(f.value), str(f.value)) for f in cast_guesses]
    titles = [name for name, _ in found[work.name]] if work is not None and work.pages else []
    years = release_years(article.text, now.date())
    year = years[0] if years else None
    if year is None and titles:  # "The Italian Job (1969)": the year after the film's name
        year = year_after_title(article.text, titles, now.date())
    post_date, dated_by = _post_date(article, now)

    fields: dict[str, Any] = {"title": article.title, "date": post_date}
    for tax in taxonomies:
        if tax.name not in found:
            continue
        listed = [name for name, _ in found[tax.name]]
        if tax is work:
            fields.update(_works_with_year(tax, listed, year, article.text))
        else:
            fields.update(term_fields(tax, listed))

    if len(article.tweets) == 1:
        fields["tweet"] = article.tweets[0]
    elif article.tweets:
        fields["tweets"] = list(article.tweets)
    fields["draft"] = True
    front = front_matter_text(fields)
    if guessed is not None and work is not None:
        key = work.single if work.single and len(titles) == 1 else work.key
        front = _note_guesses(front, key, [str(guessed.value)], 1)
    if cast_guesses and cast is not None:
        listed_cast = len(found[cast.name])
        key = cast.single if cast.single and listed_cast == 1 else cast.key
        front = _note_guesses(front, key, [str(f.value) for f in cast_guesses], listed_cast)
    path = _free_path(site_dir, short_slug(slugify(article.title), SLUG_LIMIT))
    try:
        write_new(path, front + "\n" + article.markdown)
    except OSError as exc:
        raise ScaffoldError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if note:
        reporter.info(note)
    if part is not None:
        reporter.info(
            f"read as a web page: the text of its <{part}>, without its navigation, "
            "header, footer, asides, forms and scripts"
        )
    for change in article.changes:
        reporter.info(change)
    reporter.info(dated_by)
    guessed_names = {str(f.value) for f in cast_guesses}
    for tax in taxonomies:
        if tax.name not in found or (tax is work and guessed is not None):
            continue
        for name, canonical in found[tax.name]:
            if tax is cast and name in guessed_names:
                continue
            page = "" if fold(name) == fold(canonical) else f", whose page is {canonical!r}"
            about = "them" if tax.schema == "Person" else "it"
            reporter.info(
                f"found {tax.label.lower()}: {name}{page}; added to the front matter, "
                f"remove it if the post is not about {about}"
            )
    if guessed is not None and work is not None:
        label = work.label.lower()
        why = (
            f"the {work.plural.lower()} this site knows that it names are cited with a year long "
            f"past, as others are compared with the one an article is about: {', '.join(cited)}"
            if cited
            else f"this site knows no {label} the article names"
        )
        reporter.info(
            f'guessed the {label}: {guessed.value}, from "{guessed.evidence}"; a guess, since '
            f"{why}: check it, or correct {work.single or work.key}:"
        )
    if cast is not None:
        for finding in cast_guesses:
            reporter.info(
                f'guessed {cast.label.lower()}: {finding.value}, from "{finding.evidence}"; a '
                f"guess, as this site knows no {cast.label.lower()} of that name: check it, or "
                f"remove it from {cast.key}:"
            )
    if year is not None and titles:
        others = sorted({int(f.value) for f in years} - {int(year.value)})
        also = f"; the article also gives {', '.join(map(str, others))}" if others else ""
        reporter.info(f'proposed release_year: {year.value}, from "{year.evidence}"{also}')
    elif year is not None and work is not None:
        reporter.info(
            f'found a release year, {year.value}, from "{year.evidence}"; '
            f"add {work.single or work.key}: to use it as release_year"
        )
    if not any(found.values()):
        kinds = [tax for tax in taxonomies if tax.pages]
        reporter.info(
            f"found no {' or '.join(t.label.lower() for t in kinds)} this site knows"
            + (f", and no {work.label.lower()} title to guess" if work is not None else "")
            + ": add "
            + " and ".join(f"{t.single or t.key}:" for t in kinds)
        )
    reporter.info(
        f"created {path.as_posix()}, a draft: read it, then remove draft: true to publish"
    )
    return path


def _note_guesses(front: str, key: str, guesses: Sequence[str], listed: int) -> str:
    """``front`` with a comment above ``key:`` saying which of its ``listed`` names are
    ``guesses`` from the article's text ("# actors: X is a guess…" beside names the site knows)."""
    one = len(guesses) == 1
    which = "a guess" if one else "guesses"
    if len(guesses) < listed:
        which = f"{spoken_list(guesses)} {'is' if one else 'are'} {which}"
    comment = f"# {key}: {which} from the article's text, check {'it' if one else 'them'}"
    return front.replace(f"\n{key}:", f"\n{comment}\n{key}:", 1)


def _post_date(article: CleanedArticle, now: datetime) -> tuple[date | datetime, str]:
    """The post's date and the report line saying where it came from: the article's
    dateline, else the newest tweet it quotes, else now."""
    if article.date is not None:
        return article.date, f"dated the post {article.date.isoformat()}, the article's own date"
    tweet_days = sorted(t["date"] for t in article.tweets if t.get("date"))
    if tweet_days:
        day = date.fromisoformat(tweet_days[-1])
        if day <= now.date():
            return day, (
                f"dated the post {day.isoformat()}, the day of the newest tweet it quotes, as the article "
                "gives no date of its own: correct date: if the article is newer"
            )
    return (
        now,
        f"dated the post now, {now.isoformat()}, as neither the article nor a tweet in it gives a date",
    )


def _cited_only(text: str, found: Sequence[tuple[str, str]], today: date) -> list[str]:
    """The known works the text names, when each is cited with a year long past ("Casablanca
    (1942)"): an article compares the film it is about with them, it is not about them."""
    cited = []
    for name, _ in found:
        year = year_after_title(text, [name], today)
        if year is None or int(year.value) > today.year - 2:
            return []
        cited.append(name)
    return cited


def _works_with_year(
    tax: Taxonomy, titles: Sequence[str], year: Finding | None, text: str
) -> dict[str, Any]:
    """The works' front matter (``film:`` or ``films:``), the release year given to the work
    it follows in parentheses, else to the one named last before its phrase."""
    if year is None or not titles:
        return term_fields(tax, titles)
    if len(titles) == 1:
        return {**term_fields(tax, titles), "release_year": int(year.value)}
    at = text.find(year.evidence)
    before = text[: at if at >= 0 else len(text)].casefold()
    target = next(  # "Heat (1995)": the work the year follows, else the last named before it
        (f for f in titles if year.evidence.startswith(f)),
        max(titles, key=lambda f: before.rfind(f.casefold())),
    )
    return {
        tax.key: [
            {"title": f, "release_year": int(year.value)} if f == target else f for f in titles
        ]
    }


def _free_path(site_dir: Path, slug: str) -> Path:
    """``content/posts/<slug>.md``, else ``<slug>-2.md``, ``-3``…: never an existing file or slug."""
    taken = taken_post_slugs(site_dir)
    folder = SiteLayout(site_dir).posts
    candidate, n = slug, 1
    while candidate in taken or (folder / f"{candidate}.md").exists():
        n += 1
        candidate = f"{slug}-{n}"
    return folder / f"{candidate}.md"
