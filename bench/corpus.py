"""Generate a deterministic movie-news site for benchmarks: ``python bench/corpus.py N OUT_DIR``.

The site follows newsreel's folder layout: ``newsreel.yaml``, ``content/posts/<year>/*.md``
(N posts of 500-900 words of generated word salad with ``##`` headings, lists, links, a
table, now and then a fenced code block, strikethrough and a tweet), about N/20 films and
N/5 actors with Unicode names (accents, diaereses, some CJK), and a handful of
``content/films/*.md`` pages with ``aka`` working titles that posts also use.

Same N and seed, same bytes: only a seeded ``random.Random`` and lists (never sets) decide
anything. Standard library only, no network. Importable: ``generate(n, out, seed=1)``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

STAMP = ".bench-corpus.json"
"""Written into OUT_DIR: what was generated, so a cached corpus can be recognised."""
GENERATOR_VERSION = 1
"""Bump when the output changes, so cached corpora are regenerated."""

# --- vocabulary: written for this generator, movie-news words only -----------------------

FIRST_NAMES = [
    "Zoë",
    "Renée",
    "José",
    "Chloé",
    "Björn",
    "Søren",
    "Łukasz",
    "Inés",
    "François",
    "Noémie",
    "Jürgen",
    "Åsa",
    "Anaïs",
    "Joël",
    "Maëlle",
    "Tomás",
    "Ísak",
    "Dagný",
    "Léa",
    "Héloïse",
    "Ngozi",
    "Priya",
    "Kofi",
    "Hana",
    "Mateus",
    "Oona",
    "Rafael",
    "Nikolaj",
    "Ewa",
    "Chiara",
    "Marta",
    "Daniel",
    "Ruth",
    "Samuel",
    "Grace",
    "Omar",
    "Ines",
    "Theo",
    "Ada",
    "Felix",
    "Lucía",
    "Émile",
    "Saoirse",
    "Bjørn",
    "Ümit",
    "Çağla",
    "Jiří",
    "Małgorzata",
    "Thái",
    "Aurélie",
    "Yusuf",
    "Mira",
    "Jonah",
    "Vera",
    "Idris",
    "Nell",
    "Otto",
    "Rosa",
    "Kwame",
    "Astrid",
    "Niamh",
    "Dev",
    "Elodie",
    "Matías",
    "Zuzana",
    "Pilar",
    "Gaël",
    "Linnéa",
    "Sven",
    "Tova",
]
LAST_NAMES = [
    "Okonkwo",
    "Brontë",
    "Müller",
    "García",
    "Nakamura",
    "Dvořák",
    "Sørensen",
    "Ferreira",
    "Castellanos",
    "Åberg",
    "Núñez",
    "Öztürk",
    "Halvorsen",
    "Piñeiro",
    "Lindqvist",
    "Moreau",
    "Kowalczyk",
    "Adébáyọ̀",
    "Fitzgerald",
    "Marchetti",
    "Ishikawa",
    "Novák",
    "Quiñones",
    "Delacroix",
    "Haddad",
    "Mensah",
    "Varga",
    "O'Connell",
    "Ranganathan",
    "Weiß",
    "Håkansson",
    "Petrović",
    "Laurent",
    "Achterberg",
    "Brennan",
    "Carvalho",
    "Duarte",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Hernández",
    "Ivanova",
    "Jovanović",
    "Kaur",
    "Lefèvre",
    "Maalouf",
    "Nieminen",
    "Oyelaran",
    "Pacheco",
    "Reyes",
    "Salinas",
    "Takahashi",
    "Ulloa",
    "Valdés",
    "Whitlock",
    "Yilmaz",
    "Zielińska",
    "Beaumont",
    "Cortázar",
    "Desrosiers",
    "Ekström",
    "Fjällström",
    "Grünewald",
    "Hœgh",
    "Ibáñez",
    "Jääskeläinen",
    "Kiełbasa",
    "Løvås",
    "Mäkinen",
    "Nørgaard",
]
CJK_FAMILY = ["山田", "佐藤", "李", "王", "陈", "林", "金", "朴", "高", "周"]
CJK_GIVEN = ["明", "美", "花", "健", "雪", "海", "春", "龙", "子", "太郎", "秀", "文", "静", "光"]
CJK_TITLE = ["夜", "港", "月", "影", "风", "星", "城", "梦", "火", "海", "雪", "花"]

TITLE_ADJECTIVES = [
    "Last",
    "Silent",
    "Crimson",
    "Hollow",
    "Electric",
    "Northern",
    "Broken",
    "Golden",
    "Midnight",
    "Wild",
    "Distant",
    "Burning",
    "Quiet",
    "Iron",
    "Velvet",
    "Paper",
    "Glass",
    "Lonely",
    "Savage",
    "Naïve",
    "Brûlée",
    "Fiancée",
    "Señora",
    "Rêverie",
    "Déjà",
    "Über",
    "Noël",
    "Mañana",
    "Café",
]
TITLE_NOUNS = [
    "Harbour",
    "Kingdom",
    "Signal",
    "Frontier",
    "Orchard",
    "Protocol",
    "Tide",
    "Empire",
    "Horizon",
    "Witness",
    "Garden",
    "Machine",
    "Season",
    "Covenant",
    "River",
    "Station",
    "Summer",
    "Winter",
    "Heist",
    "Letters",
    "Lanterns",
    "Wolves",
    "Mirrors",
    "Saints",
    "Strangers",
    "Echoes",
    "Ashes",
    "Öresund",
    "Tōkyō",
    "Ærø",
    "Fjord",
    "Château",
    "Piñata",
    "Gâteau",
    "Façade",
    "Smörgåsbord",
]
TITLE_PLACES = [
    "Lisbon",
    "Marrakesh",
    "the North",
    "Kraków",
    "Reykjavík",
    "São Paulo",
    "Dakar",
    "Montréal",
    "Ōsaka",
    "the Valley",
]
ROMAN = ["II", "III", "IV", "V"]
WORKING_TITLE_WORDS = ["Project", "Operation", "Codename", "Untitled"]
GREEK = [
    "Aurora",
    "Bluebird",
    "Cobalt",
    "Dynamo",
    "Ember",
    "Falcon",
    "Granite",
    "Helix",
    "Juniper",
    "Kestrel",
]

TAGS = [
    "trailer",
    "casting",
    "box office",
    "release date",
    "festival",
    "sequel",
    "streaming",
    "poster",
    "interview",
    "reshoots",
    "awards",
    "first look",
    "soundtrack",
    "production",
    "rumour",
    "review",
    "remake",
    "franchise",
    "animation",
    "documentary",
    "horror",
    "comedy",
    "sci-fi",
    "thriller",
    "set photos",
    "director",
    "studio",
    "delay",
    "premiere",
    "teaser",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

SUBJECTS = [
    "The studio",
    "The director",
    "A spokesperson",
    "The producers",
    "The distributor",
    "The cast",
    "Early test audiences",
    "The screenwriter",
    "A source close to the production",
    "The festival",
    "The showrunner",
    "The composer",
    "The casting director",
    "Exhibitors",
    "Critics",
    "The trade press",
]
VERBS = [
    "confirmed",
    "teased",
    "announced",
    "revealed",
    "denied",
    "hinted at",
    "pushed back",
    "moved up",
    "unveiled",
    "shared",
    "postponed",
    "praised",
    "defended",
    "described",
    "previewed",
    "scrapped",
]
OBJECTS = [
    "a new release date",
    "the first teaser",
    "several weeks of reshoots",
    "a striking poster",
    "the final cut",
    "a surprise cameo",
    "the opening weekend numbers",
    "a second trailer",
    "an extended theatrical window",
    "the festival premiere",
    "a rewritten third act",
    "the score",
    "a larger budget",
    "an IMAX release",
    "the streaming debut",
    "the sequel plans",
]
ADVERBIALS = [
    "after months of rumours",
    "at a packed fan event",
    "in a brief statement",
    "on the red carpet",
    "during an earnings call",
    "ahead of the awards season",
    "in an interview this week",
    "without much warning",
    "to the surprise of exhibitors",
    "late on Friday",
    "at the press junket",
    "in a post on social media",
    "following a strong test screening",
    "before the holiday weekend",
]
SALAD = [
    "premiere",
    "screening",
    "box",
    "office",
    "studio",
    "sequel",
    "prequel",
    "reboot",
    "trailer",
    "teaser",
    "poster",
    "casting",
    "lead",
    "ensemble",
    "cameo",
    "director",
    "cinematographer",
    "editor",
    "score",
    "soundtrack",
    "budget",
    "release",
    "window",
    "theatrical",
    "streaming",
    "festival",
    "jury",
    "award",
    "nomination",
    "critics",
    "audience",
    "opening",
    "weekend",
    "gross",
    "domestic",
    "international",
    "shoot",
    "reshoots",
    "location",
    "set",
    "script",
    "draft",
    "rewrite",
    "franchise",
    "spinoff",
    "adaptation",
    "novel",
    "rights",
    "option",
    "pitch",
    "greenlight",
    "production",
    "post-production",
    "visual",
    "effects",
    "stunt",
    "double",
    "costume",
    "makeup",
    "sound",
    "mix",
    "cut",
    "runtime",
    "rating",
    "distributor",
    "exhibitor",
    "screen",
    "count",
    "projection",
    "format",
    "camera",
    "lens",
    "film",
    "stock",
    "digital",
    "archive",
    "restoration",
    "retrospective",
    "interview",
    "junket",
    "embargo",
    "review",
    "rumour",
    "report",
    "source",
    "insider",
    "tracking",
    "forecast",
    "holdover",
    "drop",
    "legs",
    "word",
    "of",
    "mouth",
    "buzz",
    "the",
    "a",
    "and",
    "with",
    "after",
    "before",
    "while",
    "into",
    "over",
    "under",
    "for",
    "its",
    "new",
    "early",
    "late",
    "quiet",
    "bold",
    "long-awaited",
    "surprise",
    "strong",
    "soft",
    "steady",
    "reportedly",
    "finally",
    "again",
    "already",
    "still",
    "officially",
    "quietly",
    "briefly",
]
HEADINGS = [
    "What we know so far",
    "The release plan",
    "Casting news",
    "Behind the camera",
    "Box office outlook",
    "From the set",
    "The festival run",
    "Why the date moved",
    "What the trailer shows",
    "The road to release",
    "Reactions",
    "The numbers",
    "Production history",
    "What comes next",
    "The sequel question",
    "A look at the cast",
    "Streaming plans",
    "Awards chances",
    "Music and sound",
    "The rewrite",
]
STUDIOS = [
    "Northlight Pictures",
    "Harbour & Vale",
    "Meridian Films",
    "Solstice Studios",
    "Kettle Lake Media",
    "Palisade Entertainment",
]
HANDLE_WORDS = [
    "reel",
    "film",
    "cine",
    "news",
    "set",
    "cut",
    "frame",
    "box",
    "scoop",
    "lens",
    "premiere",
    "studio",
]

# Characters that NFKD does not reduce to ASCII, and the CJK characters used, as the
# transliteration newsreel's slugs use (anyascii) writes them. Used only to keep every
# generated name's slug distinct and to link root-relatively to film pages.
TRANSLIT = {
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "·": "-",
    "–": "-",
    "’": "'",
    "山田": "ShanTian",
    "佐藤": "ZuoTeng",
    "李": "Li",
    "王": "Wang",
    "陈": "Chen",
    "林": "Lin",
    "金": "Jin",
    "朴": "Pu",
    "高": "Gao",
    "周": "Zhou",
    "明": "Ming",
    "美": "Mei",
    "花": "Hua",
    "健": "Jian",
    "雪": "Xue",
    "海": "Hai",
    "春": "Chun",
    "龙": "Long",
    "子": "Zi",
    "太郎": "TaiLang",
    "秀": "Xiu",
    "文": "Wen",
    "静": "Jing",
    "光": "Guang",
    "夜": "Ye",
    "の": "no",
    "港": "Gang",
    "月": "Yue",
    "影": "Ying",
    "风": "Feng",
    "星": "Xing",
    "城": "Cheng",
    "梦": "Meng",
    "火": "Huo",
}
_TRANSLIT_RE = re.compile("|".join(sorted((re.escape(k) for k in TRANSLIT), key=len, reverse=True)))


def slug_of(name: str) -> str:
    """The slug newsreel gives ``name`` for the characters this generator uses."""
    text = _TRANSLIT_RE.sub(lambda m: TRANSLIT[m.group(0)], name)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- the world: films and actors ---------------------------------------------------------


@dataclass(frozen=True)
class Film:
    """A generated film."""

    title: str
    slug: str
    year: int
    cast: tuple[int, ...]
    """Indexes into the actor list."""
    aka: tuple[str, ...] = ()
    """Working titles (only films with a page of their own have them)."""


@dataclass
class _Names:
    """Distinct names by slug: no two generated names may share a URL."""

    taken: dict[str, str] = field(default_factory=dict)

    def claim(self, name: str) -> bool:
        slug = slug_of(name)
        if not slug or slug in self.taken:
            return False
        self.taken[slug] = name
        return True


def _actor_names(rng: random.Random, count: int) -> list[str]:
    names = _Names()
    out: list[str] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        roll = rng.random()
        if roll < 0.08:
            name = (
                rng.choice(CJK_FAMILY)
                + rng.choice(["", " "])
                + "".join(rng.sample(CJK_GIVEN, rng.choice([1, 2])))
            )
        elif attempts > count * 20:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}-{rng.choice(LAST_NAMES)}"
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if names.claim(name):
            out.append(name)
    return out


def _film_title(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "".join(rng.sample(CJK_TITLE, rng.choice([2, 3])))
    if roll < 0.08:
        return f"{rng.choice(CJK_TITLE)}の{rng.choice(CJK_TITLE)}"
    if roll < 0.30:
        return f"The {rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"
    if roll < 0.45:
        return f"{rng.choice(TITLE_NOUNS)} of {rng.choice(TITLE_PLACES)}"
    if roll < 0.55:
        return (
            f"{rng.choice(TITLE_NOUNS)}: {rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"
        )
    if roll < 0.62:
        return f"{rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)} {rng.choice(ROMAN)}"
    if roll < 0.67:
        return f"{rng.choice(TITLE_NOUNS)}/{rng.choice(TITLE_NOUNS)}"
    if roll < 0.72:
        return f"({rng.randint(2, 900)}) {rng.choice(TITLE_NOUNS)}"
    if roll < 0.77:
        return f"{rng.choice(TITLE_NOUNS).upper()}·{rng.choice('ABCDEFGHJKLMNPRSTVXZ')}"
    if roll < 0.82:
        return f"{rng.choice(FIRST_NAMES)}’s {rng.choice(TITLE_NOUNS)}"
    if roll < 0.88:
        return f"{rng.choice(TITLE_NOUNS)} – {rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)} Part {rng.choice(['One', 'Two'])}"
    return f"{rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"


def _films(rng: random.Random, count: int, actors: list[str], with_pages: int) -> list[Film]:
    names = _Names()
    titles: list[str] = []
    while len(titles) < count:
        title = _film_title(rng)
        if names.claim(title):
            titles.append(title)
    # Every actor is in at least one cast; casts of 4-10.
    casts: list[list[int]] = [[] for _ in titles]
    order = list(range(len(actors)))
    rng.shuffle(order)
    for position, actor in enumerate(order):
        casts[position % len(titles)].append(actor)
    for cast in casts:
        while len(cast) < rng.randint(4, 10):
            actor = rng.randrange(len(actors))
            if actor not in cast:
                cast.append(actor)
    films = []
    for index, title in enumerate(titles):
        aka: tuple[str, ...] = ()
        if index < with_pages:
            akas = []
            while len(akas) < rng.choice([1, 2]):
                working = (
                    f"{rng.choice(WORKING_TITLE_WORDS)} {rng.choice(GREEK)} {rng.randint(2, 99)}"
                )
                if names.claim(working):
                    akas.append(working)
            aka = tuple(akas)
        films.append(Film(title, slug_of(title), rng.randint(2016, 2027), tuple(casts[index]), aka))
    return films


# --- text --------------------------------------------------------------------------------


def _yaml_str(value: str) -> str:
    """A YAML scalar: plain where unambiguous in YAML 1.1 and 1.2, else double-quoted."""
    plain = re.fullmatch(r"[A-Za-z\u00c0-\uffff][^:#\[\]{},&*!|>'\"%@`]*", value)
    ambiguous = value.lower() in {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}
    if plain and not ambiguous and value == value.strip():
        return value
    return json.dumps(value, ensure_ascii=False)


class _Writer:
    """Builds one post body; counts the words it wrote."""

    def __init__(self, rng: random.Random, films: list[Film], actors: list[str]) -> None:
        self.rng = rng
        self.films = films
        self.actors = actors
        self.words = 0
        self.blocks: list[str] = []

    def add(self, block: str) -> None:
        self.blocks.append(block)
        self.words += len(block.split())

    def film_ref(self, film: Film) -> str:
        """A mention of a film: a root-relative link when its slug is certain, else italics."""
        if self.rng.random() < 0.5 and film.slug.isascii() and film.slug:
            return f"[*{film.title}*](/films/{film.slug}/)"
        return f"*{film.title}*"

    def actor_ref(self, name: str) -> str:
        slug = slug_of(name)
        if self.rng.random() < 0.25 and slug.isascii():
            return f"[{name}](/actors/{slug}/)"
        return name

    def sentence(self, film: Film, cast: list[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} for {self.film_ref(film)} {rng.choice(ADVERBIALS)}."
        if roll < 0.5:
            return f"{self.actor_ref(rng.choice(cast))} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ADVERBIALS)}."
        if roll < 0.55:
            return f"The {rng.choice(['first', 'new', 'final'])} cut was ~~{rng.randint(150, 190)}~~ {rng.randint(100, 149)} minutes, according to [a report](https://example.com/news/{rng.randint(1000, 99999)})."
        words = [rng.choice(SALAD) for _ in range(rng.randint(7, 18))]
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), f"**{rng.choice(SALAD)}**")
        if rng.random() < 0.05:
            words.insert(
                rng.randrange(len(words)), f"`{rng.choice(['IMAX', '70mm', '4K', 'PG-13', 'R'])}`"
            )
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "!", "?"])

    def paragraph(self, film: Film, cast: list[str]) -> str:
        return " ".join(self.sentence(film, cast) for _ in range(self.rng.randint(2, 5)))

    def bullet_list(self, film: Film, cast: list[str]) -> str:
        rng = self.rng
        items = []
        for _ in range(rng.randint(3, 6)):
            if rng.random() < 0.4:
                items.append(
                    f"{self.actor_ref(rng.choice(cast))} as {rng.choice(['the', 'a'])} {rng.choice(SALAD)} {rng.choice(SALAD)}"
                )
            else:
                items.append(
                    " ".join(rng.choice(SALAD) for _ in range(rng.randint(3, 9))).capitalize()
                )
        marker = rng.choice(["-", "*", "1."])
        return "\n".join(f"{marker} {item}" for item in items)

    def table(self, film: Film, cast: list[str]) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            rows = ["| Weekend | Gross | Rank | Screens |", "| --- | ---: | ---: | ---: |"]
            for week in range(1, rng.randint(3, 7)):
                rows.append(
                    f"| {week} | ${rng.randint(1, 180)}.{rng.randint(0, 9)}M | {rng.randint(1, 12)} | {rng.randint(800, 4400):,} |"
                )
        else:
            rows = ["| Role | Actor | Status |", "| --- | --- | --- |"]
            for actor in rng.sample(cast, min(len(cast), rng.randint(2, 5))):
                rows.append(
                    f"| The {rng.choice(SALAD)} | {actor} | {rng.choice(['confirmed', 'rumoured', 'in talks', 'returning'])} |"
                )
        return "\n".join(rows)

    def code(self, film: Film) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return (
                "```yaml\n"
                + "\n".join(
                    f"{market}: {rng.randint(2016, 2028)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                    for market in rng.sample(["us", "uk", "fr", "de", "jp", "br", "kr", "in"], 4)
                )
                + "\n```"
            )
        return (
            "```text\n"
            + "\n".join(
                f"{rng.choice(['INT.', 'EXT.'])} {rng.choice(TITLE_NOUNS).upper()} - {rng.choice(['DAY', 'NIGHT', 'DUSK'])}"
                for _ in range(rng.randint(2, 4))
            )
            + "\n```"
        )


def _tweet(rng: random.Random, when: datetime, cast: list[str]) -> dict[str, str]:
    handle = f"{rng.choice(HANDLE_WORDS)}{rng.choice(HANDLE_WORDS)}{rng.randint(1, 999)}"[:15]
    host = "x.com" if rng.random() < 0.3 else "twitter.com"
    status = rng.randint(10**17, 2 * 10**18)
    text = f"{' '.join(rng.choice(SALAD) for _ in range(rng.randint(6, 20))).capitalize()} #{rng.choice(TAGS).replace(' ', '')}"
    return {
        "url": f"https://{host}/{handle}/status/{status}",
        "text": text,
        "author": rng.choice(cast) if rng.random() < 0.4 else f"{handle.title()} News",
        "handle": handle,
        "date": (when - timedelta(days=rng.randint(0, 3))).date().isoformat(),
    }


def _post(
    rng: random.Random,
    index: int,
    when: datetime,
    films: list[Film],
    weights: list[float],
    actors: list[str],
    slugs: dict[str, int],
    code: bool = True,
) -> tuple[str, str]:
    """One post: (path under content/posts, file text); without ``code``, the same post minus
    its fenced code block."""
    film_count = 1 if rng.random() < 0.8 else rng.randint(2, 3)
    chosen: list[Film] = []
    while len(chosen) < film_count:
        film = rng.choices(films, weights)[0]
        if film not in chosen:
            chosen.append(film)
    main = chosen[0]
    cast_pool = [actors[i] for film in chosen for i in film.cast]
    cast: list[str] = []
    for name in rng.sample(cast_pool, min(len(cast_pool), rng.randint(2, 5))):
        if name not in cast:
            cast.append(name)
    if rng.random() < 0.15:
        extra = rng.choice(actors)
        if extra not in cast:
            cast.append(extra)
    while len(cast) < 2:
        extra = rng.choice(actors)
        if extra not in cast:
            cast.append(extra)
    cast = cast[:5]

    def film_name(film: Film) -> str:
        return rng.choice(film.aka) if film.aka and rng.random() < 0.3 else film.title

    named = film_name(main)
    year = main.year + (rng.choice([1, 1, 2]) if rng.random() < 0.15 else 0)
    patterns = [
        f"{named} trailer: {rng.choice(OBJECTS)} {rng.choice(ADVERBIALS)}",
        f"{cast[0]} joins {named}",
        f"{named} release date moves to {rng.choice(MONTHS)} {year}",
        f"First look at {cast[0]} in {named}",
        f"{named} sequel in the works, says {cast[-1]}",
        f"Box office: {named} {rng.choice(['opens to', 'crosses', 'slips to'])} ${rng.randint(2, 400)} million",
        f"{named} wraps filming in {rng.choice(TITLE_PLACES)}",
        f"\u201c{rng.choice(HEADINGS)}\u201d \u2013 {rng.choice(SUBJECTS).lower()} on {named}",
    ]
    title = rng.choice(patterns)
    base = slug_of(title)[:60].strip("-") or f"post-{index}"
    slugs[base] = slugs.get(base, 0) + 1
    slug = base if slugs[base] == 1 else f"{base}-{slugs[base]}"

    lines = ["---", f"title: {_yaml_str(title)}"]
    style = rng.random()
    if style < 0.5:
        lines.append(f"date: {when.strftime('%Y-%m-%dT%H:%M:%S')}")
    elif style < 0.7:
        lines.append(f"date: {when.date().isoformat()}")
    elif style < 0.85:
        lines.append(f"date: {when.strftime('%Y-%m-%d %H:%M:%S')}")
    else:
        lines.append(
            f"date: {when.strftime('%Y-%m-%dT%H:%M:%S')}{rng.choice(['Z', '+02:00', '-05:00', '+09:00'])}"
        )
    if rng.random() < 0.05:
        lines.append(f"slug: {slug}")
    if film_count == 1:
        lines.append(f"film: {_yaml_str(named)}")
        lines.append(f"release_year: {year}")
    else:
        lines.append("films:")
        for film in chosen:
            if rng.random() < 0.5:
                lines.append(f"  - title: {_yaml_str(film_name(film))}")
                lines.append(f"    release_year: {film.year}")
            else:
                lines.append(f"  - {_yaml_str(film_name(film))}")
    if rng.random() < 0.6:
        lines.append("actors:")
        lines.extend(f"  - {_yaml_str(name)}" for name in cast)
    else:
        lines.append(
            "actors: [" + ", ".join(json.dumps(name, ensure_ascii=False) for name in cast) + "]"
        )
    tags = rng.sample(TAGS, rng.randint(1, 3))
    lines.append("tags: [" + ", ".join(_yaml_str(tag) for tag in tags) + "]")
    if rng.random() < 0.85:
        lines.append(
            f"summary: {_yaml_str(f'{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ADVERBIALS)}.')}"
        )
    if rng.random() < 0.12:
        tweet = _tweet(rng, when, cast)
        lines.append("tweet:")
        lines.extend(
            f"  {key}: {_yaml_str(value) if key != 'date' else value}"
            for key, value in tweet.items()
        )
    lines.append("---")

    writer = _Writer(rng, films, actors)
    target = rng.randint(500, 900)
    writer.add(writer.paragraph(main, cast))
    writer.add(writer.paragraph(main, cast))
    has_table = rng.random() < 0.75
    has_code = rng.random() < 0.1
    has_bare_tweet = rng.random() < 0.05
    headings = rng.sample(HEADINGS, 6)
    section = 0
    while writer.words < target - 60:
        if section < len(headings):
            writer.add(f"## {headings[section]}")
        section += 1
        writer.add(writer.paragraph(rng.choice(chosen), cast))
        roll = rng.random()
        if has_table and section == 2:
            writer.add(writer.table(main, cast))
        elif has_code and section == 3:
            writer.add(writer.code(main))  # drawn either way: the rest of the corpus stays the same
            if not code:
                writer.blocks.pop()
        elif has_bare_tweet and section == 1:
            writer.add(_tweet(rng, when, cast)["url"])
        elif roll < 0.35:
            writer.add(writer.bullet_list(main, cast))
        elif roll < 0.45:
            writer.add("> " + writer.sentence(main, cast))
        if writer.words < target - 60:
            writer.add(writer.paragraph(rng.choice(chosen), cast))
    while writer.words < target:
        writer.add(writer.sentence(main, cast))
    body = "\n\n".join(writer.blocks)
    name = f"{when.date().isoformat()}-{slug}.md"
    return f"{when.year}/{name}", "\n".join(lines) + "\n\n" + body + "\n"


def _film_page(rng: random.Random, film: Film, actors: list[str]) -> str:
    lines = ["---", f"title: {_yaml_str(film.title)}", "aka:"]
    lines.extend(f"  - {_yaml_str(name)}" for name in film.aka)
    lines.append(f"release_year: {film.year}")
    lines.append(f"director: {_yaml_str(actors[film.cast[-1]])}")
    lines.append("---")
    writer = _Writer(rng, [film], actors)
    cast = [actors[i] for i in film.cast]
    return (
        "\n".join(lines)
        + "\n\n"
        + "\n\n".join(writer.paragraph(film, cast) for _ in range(3))
        + "\n"
    )


def _actor_page(rng: random.Random, name: str, film: Film, actors: list[str]) -> str:
    writer = _Writer(rng, [film], actors)
    return f"---\nname: {_yaml_str(name)}\n---\n\n{writer.paragraph(film, [name])}\n"


def _prepare(out: Path) -> None:
    """Make OUT_DIR ready: new, empty, or an earlier corpus (whose content is replaced)."""
    if out.exists() and any(out.iterdir()):
        if not (out / STAMP).exists():
            raise SystemExit(f"{out}: not empty and not a generated corpus (choose a new folder)")
        for name in ("content", "templates", "static"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def _stamp(n: int, seed: int, code: bool, settings: str) -> dict[str, object]:
    stamp: dict[str, object] = {"n": n, "seed": seed, "version": GENERATOR_VERSION}
    if not code:
        stamp["code"] = False
    if settings:
        stamp["settings"] = settings
    return stamp


def generate(n: int, out: Path, seed: int = 1, *, code: bool = True, settings: str = "") -> None:
    """Write a site with ``n`` posts into ``out``; same ``n`` and ``seed``, same files.

    ``code=False`` leaves out the fenced code blocks (one post in ten has one), and nothing
    else; ``settings`` (YAML lines) are appended to ``newsreel.yaml``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    out = Path(out)
    _prepare(out)
    rng = random.Random(f"newsreel-bench/{seed}/{n}")
    actors = _actor_names(rng, max(10, n // 5))
    film_count = max(3, n // 20)
    with_pages = max(2, min(12, film_count // 8))
    films = _films(rng, film_count, actors, with_pages)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(films))]
    rng.shuffle(weights)

    posts = out / "content" / "posts"
    start = datetime(2017, 1, 1, 6, 0)
    span = (datetime(2024, 12, 31, 22, 0) - start).total_seconds()
    slugs: dict[str, int] = {}
    for index in range(n):
        when = start + timedelta(seconds=span * index / n + rng.randint(0, 3600 * 5))
        when = when.replace(microsecond=0)
        relative, text = _post(rng, index, when, films, weights, actors, slugs, code)
        path = posts / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    film_dir = out / "content" / "films"
    film_dir.mkdir(parents=True, exist_ok=True)
    for film in films[:with_pages]:
        (film_dir / f"{film.slug or 'film'}.md").write_text(
            _film_page(rng, film, actors), encoding="utf-8"
        )
    actor_dir = out / "content" / "actors"
    actor_dir.mkdir(parents=True, exist_ok=True)
    for film in films[:3]:
        name = actors[film.cast[0]]
        (actor_dir / f"{slug_of(name)}.md").write_text(
            _actor_page(rng, name, film, actors), encoding="utf-8"
        )

    (out / "newsreel.yaml").write_text(
        "title: The Projection Booth\n"
        "description: Generated movie news for benchmarks\n"
        "author: Bench Desk\n"
        "language: en\n"
        "base_url: https://movie-news.example.org/\n"
        "timezone: UTC\n"
        "per_page: 10\n"
        "feed_size: 20\n" + settings,
        encoding="utf-8",
    )
    (out / STAMP).write_text(json.dumps(_stamp(n, seed, code, settings)) + "\n", encoding="utf-8")


def is_generated(
    out: Path, n: int, seed: int = 1, *, code: bool = True, settings: str = ""
) -> bool:
    """True when ``out`` holds this generator's corpus for these arguments."""
    try:
        stamp = json.loads((Path(out) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(stamp == _stamp(n, seed, code, settings))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write a generated movie-news site with N posts into OUT_DIR."
    )
    parser.add_argument("n", type=int, metavar="N", help="number of posts")
    parser.add_argument(
        "out",
        type=Path,
        metavar="OUT_DIR",
        help="folder to write (new, empty, or an earlier corpus)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="another seed, another corpus (default 1)"
    )
    parser.add_argument(
        "--no-code", action="store_true", help="leave out the fenced code blocks (and nothing else)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    generate(args.n, args.out, args.seed, code=not args.no_code)
    print(f"wrote {args.n} posts to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
