"""What an imported article says about itself: a headline, its date, the release year it
reports, the film titles and the actors it names.

Pure functions over the article's cleaned text, for ``importer``. Each finding carries the
words it came from (``evidence``), so that the import report can say why it was proposed.
They are general heuristics about how news articles are written, not rules for one site.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property


@dataclass(frozen=True)
class Finding:
    """A value the article gives, with the words it was read from."""

    value: str | int
    evidence: str


# ------------------------------------------------------------------ headline

_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+[\u2014\u2013]\s+|\s+--\s+")
_OPENERS = frozenset(
    [
        "after",
        "although",
        "as",
        "because",
        "before",
        "by",
        "despite",
        "during",
        "even",
        "ever",
        "following",
        "for",
        "from",
        "given",
        "however",
        "if",
        "in",
        "once",
        "since",
        "though",
        "thanks",
        "unless",
        "until",
        "when",
        "whenever",
        "where",
        "whereas",
        "while",
        "with",
        "without",
        "amid",
        "among",
        "according",
        "like",
        "unlike",
        "just",
        "yet",
        "and",
        "but",
        "or",
        "so",
    ]
)
_VERBS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "does",
        "do",
        "did",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "hasn't",
        "haven't",
        "hadn't",
        "won't",
        "wouldn't",
        "can't",
        "couldn't",
        "doesn't",
        "don't",
        "didn't",
        "took",
        "made",
        "got",
        "gave",
        "said",
        "told",
        "came",
        "went",
        "won",
        "lost",
        "set",
        "hit",
        "ran",
        "saw",
        "found",
        "left",
        "put",
        "brought",
        "became",
        "began",
        "broke",
        "chose",
        "drew",
        "fell",
        "felt",
        "fought",
        "held",
        "kept",
        "knew",
        "led",
        "met",
        "paid",
        "rose",
        "sold",
        "sent",
        "shot",
        "spent",
        "stood",
        "struck",
        "wrote",
        "drove",
        "flew",
        "grew",
        "threw",
        "wore",
        "thought",
        "caught",
        "taught",
        "bought",
        "built",
        "let",
        "read",
        "says",
        "makes",
        "gets",
        "gives",
        "takes",
        "comes",
        "goes",
        "wins",
        "sees",
        "finds",
        "leaves",
        "brings",
        "becomes",
        "begins",
        "breaks",
        "keeps",
        "knows",
        "leads",
        "meets",
        "pays",
        "sells",
        "sends",
        "shoots",
        "spends",
        "stands",
        "writes",
        "drives",
        "flies",
        "grows",
        "throws",
        "wears",
        "thinks",
        "calls",
        "tells",
        "opens",
        "arrives",
        "lands",
        "drops",
        "hits",
        "premieres",
        "debuts",
        "returns",
        "stars",
        "joins",
        "plays",
        "wraps",
        "ends",
        "slips",
        "moves",
        "shifts",
        "tops",
        "earns",
        "grosses",
        "crosses",
        "sets",
        "confirms",
        "announces",
        "reveals",
        "delays",
    ]
)


def headline(sentence: str, limit: int) -> str:
    """A headline from ``sentence``, never cut mid-clause.

    The sentence itself when it has at most ``limit`` characters; else its main clause:
    the first clause of four words or more that does not open with a subordinating word
    or a preposition ("Even by…", "After…") and holds a verb, when it has at most twice
    ``limit`` characters; else the first such clause that fits; else the whole sentence.
    """
    sentence = " ".join(sentence.split()).rstrip(".")
    if len(sentence) <= limit:
        return sentence
    clauses = [c.strip(" ,;") for c in _CLAUSE_BREAK.split(sentence) if c.strip(" ,;")]
    # "Harbour Lights, the sequel to Salt Flats, opens in May": the subject, then the predicate
    clauses = [
        subject + " " + clauses[i + 2]
        if _is_subject(subject) and i + 2 < len(clauses) and clauses[i + 2].split()[0] in _VERBS
        else subject
        for i, subject in enumerate(clauses)
    ]
    main = [
        c
        for c in clauses
        if len(c.split()) >= 4
        and _has_verb(c)
        and c.split()[0].lower().strip("\"'\u201c\u2018") not in _OPENERS
    ]
    fitting = [c for c in main if len(c) <= limit]
    if main and len(main[0]) <= 2 * limit:
        chosen = main[0]
    else:
        chosen = fitting[0] if fitting else sentence
    return chosen[:1].upper() + chosen[1:]


def _is_subject(clause: str) -> bool:
    """A short capitalised phrase with no verb: a name that an appositive follows."""
    words = clause.split()
    return (
        1 <= len(words) <= 5
        and words[0][:1].isupper()
        and not _has_verb(clause)
        and words[0].lower() not in _OPENERS
    )


def _has_verb(clause: str) -> bool:
    words = [
        w.strip("\"'\u201c\u201d\u2018\u2019,.:;!?()").replace("\u2019", "'")
        for w in clause.split()
    ]
    return any(
        w.lower() in _VERBS or (i > 0 and w.islower() and len(w) > 4 and w.endswith("ed"))
        for i, w in enumerate(words)
    )


# ---------------------------------------------------------------------- dates

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:18|19|20)\d\d)"
_DATES = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.I),
    re.compile(r"\b(?P<year>(?:18|19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
]
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?", re.I)
_DATELINE_WORDS = frozenset(
    [
        "published",
        "posted",
        "updated",
        "last",
        "first",
        "modified",
        "on",
        "at",
        "by",
        "date",
        "am",
        "pm",
        "utc",
        "gmt",
        "est",
        "edt",
        "cst",
        "cdt",
        "pst",
        "pdt",
        "cet",
        "cest",
        "bst",
        "ist",
        "aest",
        "min",
        "mins",
        "minute",
        "minutes",
        "read",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
)


def find_date(text: str) -> tuple[date, re.Match[str]] | None:
    """The first calendar date written in ``text``, with its match."""
    found = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            month = match["month"]
            number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
            try:
                found.append(
                    (match.start(), date(int(match["year"]), number, int(match["day"])), match)
                )
            except ValueError:
                continue
    if not found:
        return None
    _, day, match = min(found, key=lambda item: item[0])
    return day, match


def dateline(block: str) -> date | None:
    """The date of a block that is only a dateline ("By Ann Lee | June 3, 2023, 9:30 am"), else None.

    Around its date such a block holds only dateline words (published, updated, on, at,
    weekdays, times, zones, "5 min read"), separators and at most a short name after "By".
    """
    if len(block.split()) > 14:
        return None
    hit = find_date(block)
    if hit is None:
        return None
    day, match = hit
    rest = _TIME.sub(" ", block[: match.start()] + " " + block[match.end() :])
    words = [w for w in re.split(r"[\s|\u2022\u00b7,/:\-\u2013\u2014()]+", rest) if w]
    unknown = [w for w in words if w.lower().rstrip(".") not in _DATELINE_WORDS and not w.isdigit()]
    if not unknown:
        return day
    by = [w.lower() for w in words].index("by") if "by" in (w.lower() for w in words) else -1
    name = [
        w
        for w in words[by + 1 :]
        if w.lower().rstrip(".") not in _DATELINE_WORDS and not w.isdigit()
    ]
    if by >= 0 and unknown == name and 1 <= len(name) <= 4 and all(w[:1].isupper() for w in name):
        return day
    return None


def take_datelines(blocks: Sequence[str], today: date) -> tuple[list[str], date | None, list[str]]:
    """Datelines among the first four and the last two blocks, taken out of the body.

    Returns the blocks left, the first dateline's date that is not after ``today``, and the
    dateline blocks removed.
    """
    edge = set(range(min(4, len(blocks)))) | set(range(max(0, len(blocks) - 2), len(blocks)))
    kept: list[str] = []
    removed: list[str] = []
    found: date | None = None
    for index, block in enumerate(blocks):
        day = dateline(block) if index in edge and len(blocks) > 1 else None
        if day is None:
            kept.append(block)
            continue
        removed.append(block)
        if found is None and day <= today:
            found = day
    return kept, found, removed


# -------------------------------------------------------------- release year

_RELEASE_CUE = re.compile(
    r"\b(?:due|slated|scheduled|set\s+(?:for|to)|expected|dated|releas(?:e|es|ed|ing)|premier(?:e|es|ed|ing)|"
    r"debut(?:s|ed|ing)?|open(?:s|ed|ing)?|arriv(?:e|es|ed|ing)|hit(?:s|ting)?\s+(?:theaters|theatres|cinemas|screens)|"
    r"land(?:s|ed|ing)?|drop(?:s|ped|ping)?|comes?\s+out|coming\s+out|out|delayed|pushed(?:\s+back)?|moved|"
    r"postponed|bumped|(?:in|to|reach(?:es|ed|ing)?)\s+(?:theaters|theatres|cinemas|screens))\b"
    r"|(?:n't|n\u2019t|\bnot)\s+(?:[\w\u2019']+\s+){0,3}?(?:until|till|before)\b",
    re.I,
)
_YEAR_ALONE = re.compile(
    r"(?<![\w$\u00a3\u20ac.,/-])(?P<year>(?:18|19|20)\d\d)(?![\w%/-]|,\d|\.\d)"
)
_SENTENCE_STOP = re.compile(r"[.!?\u2026](?:\s|$)|\n")
CUE_REACH = 45
"""How far before a year a release word may stand: "won't drop in cinemas until 2022"."""


def release_years(text: str, today: date) -> list[Finding]:
    """Years the text gives as a release: "due in 2022", "doesn't drop until 2022",
    "opens 14 July 2023", "set for a March 2024 release"… in order, each with its words."""
    found: list[Finding] = []
    for match in _YEAR_ALONE.finditer(text):
        year = int(match["year"])
        if not 1888 <= year <= today.year + 10:
            continue
        window_start = max(0, match.start() - CUE_REACH)
        if window_start and text[window_start - 1].isalnum():  # start at a whole word
            space = text.find(" ", window_start, match.start())
            window_start = space + 1 if space >= 0 else match.start()
        window = text[window_start : match.start()]
        stops = list(_SENTENCE_STOP.finditer(window))
        if stops:
            window_start += stops[-1].end()
            window = text[window_start : match.start()]
        if _YEAR_ALONE.search(window):
            window = window[_last_year_end(window) :]
            window_start = match.start() - len(window)
        cues = list(_RELEASE_CUE.finditer(window))
        if not cues:
            continue
        cue = window_start + cues[0].start()
        while cue > window_start and text[cue - 1].isalnum():  # "n't" starts inside "doesn't"
            cue -= 1
        lead = text[window_start:cue].split()[-2:]  # "MI7 doesn't drop until 2022"
        evidence = " ".join([*lead, text[cue : match.end()]])
        found.append(Finding(year, " ".join(evidence.split())))
    return found


def year_after_title(text: str, titles: Sequence[str], today: date) -> Finding | None:
    """The year in parentheses right after one of ``titles`` ("Heat (1995)"), as the text
    first gives one: how articles date a film they name."""
    found = [
        (match.start(), Finding(int(match[1]), " ".join(match.group().split())))
        for title in titles
        if title
        for match in [re.search(rf"(?<!\w){re.escape(title)}[ ]?\(((?:18|19|20)\d\d)\)", text)]
        if match is not None and 1888 <= int(match[1]) <= today.year + 10
    ]
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _last_year_end(window: str) -> int:
    return [m.end() for m in _YEAR_ALONE.finditer(window)][-1]


# ----------------------------------------------------------------- film titles

_CAP = r"(?:[A-Z][\w'\u2019.&!?-]*|\d[\w.]*)"
_SMALL = r"(?:of|the|a|an|and|in|on|to|for|at|with|from|by|vs\.?|&|de|du|la|le)"
_TIGHT_SMALL = r"(?:of|the|a|an|and|in|on|to|at|vs\.?|&|de|du|la|le)"
"""``_SMALL`` but "for", "with", "by", "from", which also lead from a title to a person."""
TITLE_RUN = (
    rf"{_CAP}(?:(?:(?::|[ ][-\u2013\u2014])?[ ](?:{_SMALL}[ ]){{0,3}}|,[ ](?:{_TIGHT_SMALL}[ ]){{0,3}})"
    rf"{_CAP}){{0,11}}"
)
"""Capitalised words on one line, with small words, a colon, a dash or a comma between them
(after a comma, not "for", "with", "by", "from": ", with Jacob Elordi" is a clause): at most
twelve, so that a search costs in proportion to the text (a run of a thousand capitalised
words is tried from each of them)."""
_WORK_NOUNS = (
    r"(?:film|movie|sequel|prequel|blockbuster|feature|adaptation|remake|reboot|spin-?off|biopic|"
    r"documentary|thriller|drama|comedy|musical|franchise|trilogy|instalment|installment|western|"
    r"horror|epic|romance|rom-?com|satire|noir|heist|fantasy|adventure)"
)
_TITLE_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?<![\w*])[*_](?P<title>[A-Z0-9][^*_\n]{0,70}?)[*_](?![\w*])"), 3),
    (
        re.compile(
            rf"\b(?:upcoming|forthcoming|anticipated|long-awaited|(?:new|next|latest|first)[ ]{_WORK_NOUNS})"
            rf"[ ](?:{_WORK_NOUNS}[ ])?(?P<title>{TITLE_RUN})"
        ),
        2,
    ),
    (
        re.compile(
            rf"\b(?:the|a|an|its|his|her|their)[ ](?:[a-z][\w-]*[ ]){{0,2}}?{_WORK_NOUNS},?[ ](?P<title>{TITLE_RUN})"
        ),
        2,
    ),
    (re.compile(rf"(?<!\w)[\u2018\u201c\"'](?P<title>{TITLE_RUN})[\u2019\u201d\"'](?!\w)"), 2),
    (  # "Ryan Coogler's vampire thriller Sinners", "Emerald Fennell's adaptation of Wuthering Heights"
        re.compile(
            rf"\b[A-Z][\w.-]+(?:'s|\u2019s)[ ](?:[a-z][\w-]*[ ]){{0,2}}?{_WORK_NOUNS}(?:[ ]of)?,?[ ]"
            rf"(?P<title>{TITLE_RUN})(?<!'s)(?<!\u2019s)(?![\w'\u2019])"  # (not "of Homer's epic")
        ),
        2,
    ),
    (  # "to star in Wuthering Heights", "cast in The Odyssey" (not "… for Emerald Fennell")
        re.compile(
            rf"\b(?:star|stars|starring|starred|co-star|co-stars|cast|appear|appears|appearing)[ ]in[ ]"
            rf"(?P<title>{_CAP}(?:(?::|[ ][-\u2013\u2014])?[ ](?:{_TIGHT_SMALL}[ ]){{0,3}}{_CAP}){{0,11}})"
        ),
        2,
    ),
    (
        re.compile(
            rf"\b(?:sequel|prequel|follow-up|successor)[ ]to[ ](?:the[ ](?:\w+[ ]){{0,2}}?)?(?P<title>{TITLE_RUN})"
        ),
        2,
    ),
    (
        re.compile(
            rf"\b[A-Z][\w.-]+(?:'s|\u2019s)[ ](?P<title>{TITLE_RUN})[ ](?:is|was|will|has|had|took|opens|opened|"
            r"made|earned|grossed|won|crossed|stars|starring)\b"
        ),
        1,
    ),
)
_RUN_TITLE_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"(?P<title>{TITLE_RUN})[ ]?\((?:18|19|20)\d\d\)"), 3),
    (
        re.compile(
            rf"(?P<title>{TITLE_RUN}),[ ](?:the|a|an|its|his|her|their)[ ](?:[\w-]+[ ]){{0,3}}?{_WORK_NOUNS}\b"
        ),
        3,
    ),
    (  # "The Odyssey, Christopher Nolan's adaptation of …"
        re.compile(
            rf"(?P<title>{TITLE_RUN}),[ ](?:[A-Z][\w.-]+[ ]){{0,2}}[A-Z][\w.-]+(?:'s|\u2019s)[ ]"
            rf"(?:[a-z][\w-]*[ ]){{0,2}}?{_WORK_NOUNS}\b"
        ),
        3,
    ),
    (
        re.compile(
            rf"(?<![\w'\u2019])(?P<title>{_CAP}(?:[ ]{_CAP}){{0,5}}:[ ](?:{_SMALL}[ ]){{0,3}}{_CAP}"
            rf"(?:[ ](?:{_SMALL}[ ]){{0,3}}{_CAP}){{0,8}})"
        ),
        2,
    ),
    (
        re.compile(
            rf"(?<!\b[Aa][ ])(?<!\b[Aa]n[ ])(?P<title>{TITLE_RUN})(?:'s|\u2019s)?[ ](?:sequel|prequel|film|movie|"
            r"trailer|premiere|franchise|remake|reboot|box office)\b"
        ),
        1,
    ),
)
"""Patterns that open with the title: tried where a run of capitalised words starts (``_RUNS``),
not at each of its words, so that a long run costs what its length does."""
_RUNS = re.compile(
    rf"{_CAP}(?:(?:(?::|[ ][-\u2013\u2014])?[ ](?:{_SMALL}[ ]){{0,3}}|,[ ](?:{_TIGHT_SMALL}[ ]){{0,3}})"
    rf"{_CAP}){{0,39}}"
)
"""Runs of capitalised words, as ``TITLE_RUN`` but up to forty words (a longer run is read
as runs of forty: a regular expression's repetition keeps a little memory per word)."""
_NOT_TITLES = (
    frozenset(
        [
            "hollywood",
            "bollywood",
            "netflix",
            "disney",
            "marvel",
            "dc",
            "warner",
            "warner",
            "bros.",
            "warner",
            "bros",
            "universal",
            "paramount",
            "sony",
            "pixar",
            "lionsgate",
            "a24",
            "hbo",
            "max",
            "amazon",
            "prime",
            "video",
            "apple",
            "tv+",
            "imax",
            "oscar",
            "oscars",
            "academy",
            "awards",
            "cannes",
            "venice",
            "berlin",
            "sundance",
            "tiff",
            "empire",
            "variety",
            "deadline",
            "twitter",
            "x",
            "instagram",
            "youtube",
            "tiktok",
            "facebook",
            "reddit",
            "the",
            "it",
            "he",
            "she",
            "they",
            "we",
            "this",
            "that",
            "these",
            "those",
            "i",
            "you",
            "his",
            "her",
            "their",
            "our",
            "my",
        ]
    )
    | frozenset(MONTHS)
    | frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
)


_LABELS = frozenset(
    [
        "photo",
        "photos",
        "image",
        "images",
        "picture",
        "pictures",
        "credit",
        "credits",
        "source",
        "via",
        "read",
        "watch",
        "update",
        "updated",
        "note",
        "exclusive",
        "breaking",
        "video",
        "videos",
        "gallery",
        "caption",
        "featured",
        "related",
        "see",
        "also",
        "more",
        "published",
        "posted",
        "share",
        "by",
    ]
)


WEIGHED = 20
"""How many of the titles a text's patterns find are weighed by how often they are written
(more than an article names: a text of thousands costs in proportion to its size)."""


def guess_titles(text: str, *, not_these: Iterable[str] = ()) -> list[Finding]:
    """Film titles the text seems to name, best first, each with the words it was read from.

    A title is a run of capitalised words (small words and a colon allowed inside) found
    in italics, before a year in parentheses, or next to "upcoming", "the film", "sequel
    to", "… movie"; each way counts, and so does how often the title is written. A title
    inside a longer one counts for the longer. Studios, platforms, awards and ``not_these``
    (people the site knows) are not titles.
    """
    excluded = {n.casefold() for n in not_these}
    scores: dict[str, int] = {}
    evidence: dict[str, str] = {}
    first: dict[str, int] = {}
    matches = itertools.chain(
        ((m, w) for pattern, w in _TITLE_PATTERNS for m in pattern.finditer(text)),
        (
            (m, w)
            for run in _RUNS.finditer(text)
            for pattern, w in _RUN_TITLE_PATTERNS
            if (m := pattern.match(text, run.start()))
        ),
    )
    for match, weight in matches:
        title = _clean_title(match["title"])
        if not title or title.casefold() in _NOT_TITLES or title.casefold() in excluded:
            continue
        if any(name in title.casefold() for name in excluded):
            continue
        scores[title] = scores.get(title, 0) + weight
        evidence.setdefault(title, " ".join(match.group().split()))
        first[title] = min(first.get(title, match.start()), match.start())
    # The best of them by their patterns are weighed further (one search of the text each).
    scores = {t: scores[t] for t in sorted(scores, key=lambda t: (-scores[t], first[t]))[:WEIGHED]}
    for title in list(scores):
        if text.count(title) > 1:  # (most are written once: no search for their words)
            mentions = re.finditer(rf"(?<!\w){re.escape(title)}(?!\w)", text)
            scores[title] += sum(1 for _ in mentions) - 1
    for short in sorted(scores, key=len):
        longer = [
            t for t in scores if t != short and re.search(rf"(?<!\w){re.escape(short)}(?!\w)", t)
        ]
        if longer:
            best = max(longer, key=lambda t: scores[t])
            scores[best] += scores.pop(short)
    ranked = sorted(scores, key=lambda t: (-scores[t], first[t]))
    return [Finding(title, evidence[title]) for title in ranked if scores[title] >= 2]


_DATE_TAIL = re.compile(
    rf"(?:[ ]{_SMALL})*[ ](?:{'|'.join(sorted(MONTHS, key=len, reverse=True))}|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)\b.*$",
    re.I,
)
"""" from December", " on Friday 3": a date after a title, not part of it."""


_SECTION_LABEL = re.compile(r"^(?:[A-Z][\w&'\u2019. -]{0,30}[ ](?:19|20)\d\d:|\d{1,3}[.)])[ ]")
""" "Cannes 2025: ", "Oscars 2026: ", "5. ": a heading's section or a list's number, not part
of a title."""
_POSSESSOR = re.compile(r"^(?:[A-Z][\w.-]*[ ]){0,2}[A-Z][\w.-]*(?:'s|\u2019s)[ ](?=The[ ])")
""" "Wes Anderson's The Phoenician Scheme": a director's name before the title's article."""


def _clean_title(raw: str) -> str:
    title = " ".join(raw.split()).strip(" ,:;-\u2013\u2014\"'\u201c\u201d\u2018\u2019")
    title = _POSSESSOR.sub("", _SECTION_LABEL.sub("", title))
    title = _DATE_TAIL.sub("", title) if " " in title else title
    title = re.sub(r"(?:'s|\u2019s)$", "", title)
    words = title.split()
    while (
        words
        and words[0].lower() in ("the", "a", "an")
        and len(words) > 1
        and not words[1][:1].isupper()
    ):
        words.pop(0)
    title = " ".join(words)
    if len(title) < 2 or len(title) > 80 or not re.search(r"[A-Za-z]", title):
        return ""
    if not re.search(r"[A-Za-z]{2,}", re.sub(_MONTH, "", title, flags=re.I)):
        return ""  # "March 2024", "June 3": a date, not a title
    if words[0].rstrip(":").lower() in _LABELS:
        return ""  # "Photo: …", "Watch: …": a caption or a label, not a title
    return title


def today_of(moment: datetime) -> date:
    """The calendar day of ``moment`` (in its own zone)."""
    return moment.date()


# ---------------------------------------------------------------------- people

_UPPER = "[" + "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper()) + "]"
"""The capital letters of the Latin alphabets (``re`` has no class for them)."""
_NAME_WORD = rf"(?:{_UPPER}[^\W\d_'\u2019-]*(?:['\u2019-][^\W\d_]+)*)"
"""A word of a name: letters, with an apostrophe or a hyphen inside (O'Brien, Jean-Luc)."""
_PARTICLE = r"(?:de|del|della|der|den|di|da|du|dos|van|von|le|la|bin|al|ter|st\.)"
_PERSON = rf"{_NAME_WORD}(?:[ ](?:[A-Z]\.[ ]?)*(?:{_PARTICLE}[ ])?{_NAME_WORD}){{0,3}}"
"""One to four capitalised words, a middle initial or a particle between (Ana de Armas,
Samuel L. Jackson)."""
_RUN = re.compile(rf"{_PERSON}(?:(?:,[ ]|,?[ ]and[ ]|[ ]&[ ]){_PERSON}){{0,19}}")
"""A run of up to twenty names: "Timothée Chalamet and Zendaya", "Tom Hanks, Meg Ryan and Bill
Pullman" (a longer list is read as lists of twenty).
The text is read run by run, each once, and what stands before and after each run decides
what its names are: reading costs in proportion to the text, whatever its capitals."""
_SEPARATOR = re.compile(r",[ ]|,?[ ]and[ ]|[ ]&[ ]")
_ROLE_NOUNS = (
    r"(?:actor|actress|actors|actresses|star|stars|co-?star|co-?stars|leading[ ](?:man|lady)|lead|"
    r"stuntman|stuntwoman|action[ ]hero|heartthrob|cast[ ]member|cast[ ]members)"
)
_CAST_BEFORE = re.compile(
    rf"\b(?i:{_ROLE_NOUNS}|starring|alongside|opposite|cast[ ]includes|"
    r"(?:played|portrayed|voiced)[ ]by|directs|directed|directing)[ ]$"
    r"|\b(?i:cast|starring|stars|with)[ ]?:[ ]$"
)
""" "actress Zendaya", "starring Tom Hanks and Meg Ryan", "directs Denzel Washington",
"Cast: Tom Hanks, Meg Ryan"."""
_CAST_AFTER = (
    # "Robert Pattinson has also joined the cast", "… joins the cast of"
    re.compile(
        r"[ ](?:(?:has|have|had|will|would|is|are|was|were)[ ])?(?:also[ ])?"
        r"(?:joined|joins|join|joining)[ ](?:the[ ])?(?:cast|ensemble)\b"
    ),
    # "Tom Cruise, Hollywood's highest-profile stuntman and action hero"
    re.compile(rf",[ ](?:(?!whose\b)[^,.;:!?\n]){{0,60}}?[ ]?\b{_ROLE_NOUNS}\b"),
    # "… returning as", "Tom Holland will play", "… stars as", "… co-star"
    re.compile(
        r"[ ](?:(?:is|are|was|were|will|would|has|have|had)[ ](?:be[ ]|been[ ])?)?"
        r"(?:(?:also|set|slated|expected|confirmed|reportedly|back|now|in[ ]talks|in[ ]negotiations|"
        r"attached|tapped|signed[ ]on)[ ])?(?:to[ ])?"
        r"(?:(?:star|stars|starred|starring)[ ](?:as|in|alongside|opposite)|play|plays|played|"
        r"playing|portray|portrays|portrayed|portraying|reprise|reprises|reprised|reprising|"
        r"(?:return|returns|returned|returning)[ ](?:as|to[ ]play|to[ ]the[ ]role)|"
        r"(?:cast|recast)[ ](?:as|in)|voices|voiced|voicing|co-?stars?|co-?starring|"
        r"(?:appear|appears|appeared|appearing)[ ](?:as|in|alongside|opposite)|headlines|"
        r"headlined|headlining|fronts|fronted|(?:leads?|led|rounds?[ ]out|rounded[ ]out|"
        r"completes?|completed)[ ]the[ ](?:cast|ensemble))\b"
    ),
)
"""What follows a cast (one word alone is no name there: "Netflix plays…")."""
_WITH_AS = (
    re.compile(r"\bwith[ ]$"),
    re.compile(rf"[ ]as[ ](?:(?:the|a|an|his|her|their)[ ]|{_UPPER}[^\W\d_]*)"),
)
""" "with Val Kilmer as the loyal crew member", "with Jacob Elordi as Heathcliff"."""
_PERFORMER_NOUNS = frozenset(re.findall(r"[a-z-]+", "actor actress co-star costar"))
"""Nouns that name an actor even opening a sentence ("Actress Zia"; "Star Wars" is no star)."""
_CREW_BEFORE = re.compile(
    r"\b(?i:director|directors|filmmaker|filmmakers|writer|writers|screenwriter|screenwriters|"
    r"producer|producers|composer|author|novelist|showrunner|creator|cinematographer|"
    r"directed[ ]by|written[ ]by|produced[ ]by|novel[ ]by|helmed[ ]by)[ ]$"
)
_CREW_AFTER = re.compile(
    r"[ ](?:(?:is|was|will|would|has|had|also)[ ]){0,3}(?:(?:set|back|returns?|returning)[ ]to[ ])?"
    r"(?:directs|directed|direct|directing|helms|helmed|writes|wrote|produces|produced|"
    r"adapts|adapted)\b"
)
"""Names the text gives another job: "director Denis Villeneuve", "Greta Gerwig directs"."""
_ROLE_BEFORE = re.compile(
    r"\b(?:(?:return|returns|returned|returning|star|stars|starred|starring|cast|recast|appear|"
    r"appears|appearing|reprise|reprises|reprising|back)[ ]as|plays|playing|played|play|"
    r"portrays|portraying|portrayed|portray|voices|voicing|voiced|role[ ]of)[ ](?:the[ ])?$"
)
"""Characters: "returns as Nick Fury", "plays Chani", "the role of Paul Atreides"."""
_LEAD_WORD = re.compile(
    rf"(?i:{_ROLE_NOUNS}|director|writer|screenwriter|producer|composer|filmmaker|starring|"
    r"alongside)[ ]"
)
"""A word opening a run of capitals, which is not a name: "Actress Zia", "Director Lena
Marsh", a sentence's "Starring Tom Hanks and Meg Ryan"."""
_CUE_ENDS = frozenset(
    re.findall(
        r"[a-z-]+",
        "actor actress actors actresses star stars co-star costar co-stars costars man lady lead "
        "stuntman stuntwoman hero heartthrob member members starring alongside opposite includes "
        "by directs directed directing with director directors filmmaker filmmakers writer writers "
        "screenwriter screenwriters producer producers composer author novelist showrunner creator "
        "cinematographer as plays playing played play portrays portraying portrayed portray voices "
        "voicing voiced of the cast",
    )
)
"""The last words of the cues before a run (``_CAST_BEFORE``, ``_CREW_BEFORE``…)."""
_BEFORE = 40
"""How much of the text before a run its cue may take ("cast includes ", "portrayed by the ")."""
_NOT_FIRST = frozenset(
    [
        "yesterday",
        "today",
        "tonight",
        "meanwhile",
        "now",
        "also",
        "earlier",
        "later",
        "then",
        "recently",
        "finally",
        "however",
        "additionally",
        "plus",
        "and",
        "but",
        "so",
        "sources",
        "reportedly",
        "newcomer",
        "veteran",
        "legend",
        "icon",
        "oscar-winner",
        "oscar-winning",
    ]
)
"""Capitalised words that open a sentence before a name, never part of it."""


def _as_name(words: str, excluded: set[str]) -> str | None:
    """``words`` as a person's name, or None: words that open a sentence left out ("Yesterday
    Tom Hanks"), no acronym, studio or platform, nor an ``excluded`` name."""
    parts = words.split()
    if len(parts) > 1 and parts[0].lower() in ("the", "a", "an"):
        return None  # "…, The Salt Road Returns": a title, not a person
    while len(parts) > 1 and (parts[0].lower() in _NOT_FIRST or parts[0].lower() in _OPENERS):
        parts.pop(0)
    while len(parts) > 2 and parts[0].lower().rstrip(".") in _NOT_TITLES:
        parts.pop(0)  # "Netflix Zendaya Coleman": a word before a name of two or more
    if parts:
        parts[-1] = re.sub(r"['\u2019]s$", "", parts[-1])  # "Cruise's"
    if not parts or any(len(p) > 2 and p.isupper() and p[-1] != "." for p in parts):
        return None  # "IMAX", "BMW": an acronym
    name = " ".join(parts)
    folded = name.casefold()
    if folded in excluded or all(p.lower().rstrip(".") in _NOT_TITLES for p in parts):
        return None  # (a studio, a platform: "Warner Bros", "Netflix"; not "Oscar Isaac")
    if any(folded in other or other in folded for other in excluded if len(other) > 3):
        return None
    return name


@dataclass(frozen=True)
class _Run:
    """A run of names in the text, with what stands before and after it."""

    cast: str
    """The run's names as written, but the ``cue`` it opened with."""
    start: int
    end: int
    cue: str
    """A noun the run opened with ("Actress Zia"), else ""."""

    @cached_property
    def names(self) -> list[str]:
        """The run's names, split once (a frozen instance's cache is its ``__dict__``)."""
        return [n for n in _SEPARATOR.split(self.cast) if n]

    def before(self, text: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
        window = text[max(0, self.start - _BEFORE) : self.start] + self.cue
        if window[-1:] != " " or window.rsplit(None, 1)[-1].lower().rstrip(":") not in _CUE_ENDS:
            return None  # (most runs: the word before is no cue, and no pattern is tried)
        return pattern.search(window)

    def after(self, text: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.match(text, self.end)


def _runs(text: str) -> Iterator[_Run]:
    for match in _RUN.finditer(text):
        start, cast, cue = match.start(), match.group(), ""
        lead = _LEAD_WORD.match(cast)
        if lead is not None and lead.end() < len(cast):
            cue, cast = lead.group(), cast[lead.end() :]
        yield _Run(cast, start, match.end(), cue)


def guess_people(text: str, *, not_these: Iterable[str] = ()) -> list[Finding]:
    """Actors the text seems to name, in order of first mention, each with its words.

    A name is one to four capitalised words found where articles name a cast: after
    "actress", "star", "starring" or "alongside", before "joined the cast", "will play",
    "returning as", or followed by ", … actor". One word alone ("Zendaya") counts only after
    such a noun or in a list with others. A name the text also gives another job
    ("director Denis Villeneuve", "Greta Gerwig directs"), a character ("returns as Nick
    Fury", "plays Chani") and ``not_these`` (film titles) are left out."""
    excluded = {n.casefold() for n in not_these}
    others: set[str] = set()  # crew and characters, left out at the end
    first: dict[str, int] = {}
    evidence: dict[str, str] = {}
    for run in _runs(text):
        named: list[str] = []
        if run.before(text, _CREW_BEFORE) or run.after(text, _CREW_AFTER):
            named = run.names
        elif run.before(text, _ROLE_BEFORE):  # "as Paul Atreides and Chani", "as Nick Fury, and…"
            named = [n for n in _SEPARATOR.split(run.cast.split(", ", 1)[0]) if n][:2]
        others |= {name.casefold() for raw in named if (name := _as_name(raw, set()))}
        cue_start, cue_end, one_word = run.start, run.end, len(run.names) > 1
        noun = run.before(text, _CAST_BEFORE)
        if noun is not None:
            word = noun.group().split()[0]
            one_word = one_word or word.islower() or word.lower() in _PERFORMER_NOUNS
            cue_start -= len(noun.group()) - len(run.cue)
        else:
            after = next((m for p in _CAST_AFTER if (m := run.after(text, p))), None)
            if after is None and run.before(text, _WITH_AS[0]):
                after = run.after(text, _WITH_AS[1])
                cue_start -= len("with ")
            if after is None:
                continue
            cue_end = after.end()
        for raw in run.names:
            name = _as_name(raw, excluded)
            if name is None or (" " not in name and not one_word):
                continue
            at = text.find(name, run.start, run.end)
            first.setdefault(name, at if at >= 0 else run.start)
            evidence.setdefault(name, " ".join(text[max(0, cue_start) : cue_end].split()))
    inside = {  # the words of a name that run within another ("Del Toro": Benicio del Toro)
        words[i:j]
        for name in first
        for words in [tuple(name.casefold().split())]
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
        if j - i < len(words)
    }
    shorter = {n for n in first if tuple(n.casefold().split()) in inside}
    ranked = sorted(
        (n for n in first if n not in shorter and n.casefold() not in others),
        key=lambda n: first[n],
    )
    return [Finding(name, evidence[name]) for name in ranked]
