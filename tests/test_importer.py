"""``newsreel import``: each defect of a scraped or copied article fixed and reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from sitekit import newsreel

from newsreel.htmltext import html_to_text, looks_like_html
from newsreel.importer import (
    clean_article,
    escape_markdown,
    find_names,
    normalise,
    split_glued_sentences,
)
from newsreel.scaffold import KnownName

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


def article(name: str) -> str:
    return (ARTICLES / name).read_text(encoding="utf-8")


def front_and_body(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def change(cleaned, start: str) -> str:
    lines = [c for c in cleaned.changes if c.startswith(start)]
    assert len(lines) == 1, cleaned.changes
    return lines[0]


# ------------------------------------------------------------ one defect each


def test_repeated_teasers_are_dropped_and_mark_paragraph_starts() -> None:
    cleaned = clean_article(article("teasers.txt"))
    assert change(cleaned, "dropped 3 repeated fragments")
    body = "\n".join(cleaned.paragraphs)
    for teaser in (
        "The studio had kept the film",
        "Without its stars available",
        "Timothée Chalamet and Zendaya",
    ):
        assert body.count(teaser) == 1
    # Each teaser opened a paragraph of the full text: the paragraphs come back.
    assert [p.split()[0] for p in cleaned.paragraphs] == ["Dune:", "The", "Without", "Timothée"]


def test_exact_duplicate_paragraph_keeps_one_copy() -> None:
    text = (
        "Oppenheimer runs for three hours and was shot partly on IMAX film.\n\n"
        "It opened on July 21, 2023.\n\n"
        "Oppenheimer runs for three hours and was shot partly on IMAX film."
    )
    cleaned = clean_article(text)
    assert cleaned.paragraphs == (
        "It opened on July 21, 2023.",
        "Oppenheimer runs for three hours and was shot partly on IMAX film.",
    )
    assert "dropped 1 repeated fragment" in " ".join(cleaned.changes)


def test_short_repeated_headings_are_kept() -> None:
    cleaned = clean_article("Box office\n\nThe Box office numbers were strong this weekend.")
    assert cleaned.title == "Box office"
    assert cleaned.paragraphs == ("The Box office numbers were strong this weekend.",)


def test_glued_sentences_are_split_into_paragraphs() -> None:
    cleaned = clean_article(article("glued.txt"))
    assert change(cleaned, "split 3 glued sentences")
    assert "day.Greta" in cleaned.changes[0] or "day.Greta" in " ".join(cleaned.changes)
    paragraphs = cleaned.paragraphs
    assert paragraphs[0].endswith("often on the same day.")
    assert paragraphs[1].startswith("Greta Gerwig's Barbie")
    assert any(p.startswith("Christopher Nolan's Oppenheimer") for p in paragraphs)
    assert any(p.startswith("“Go see both,”") for p in paragraphs)
    body = " ".join(paragraphs)
    for untouched in (
        "the U.S. and Canada",
        "$82.4 million",
        "https://www.boxofficemojo.com/",
        "e.g. Oppenheimer at 11 a.m. and Barbie",
        "Mr. Nolan",
        "Mission: Impossible – Dead",
    ):
        assert untouched in body, untouched


@pytest.mark.parametrize(
    "text",
    [
        "Made in the U.S.A. It opened.",
        "See e.g.The Batman for a long film.",
        "It made $82.4 million.",
        "It earned 1.5bn dollars, or 1.5.",
        "Visit https://example.org/Films.Index/Top for more.",
        "Mission: Impossible is back.",
        "Mr.Nolan and Dr.Strange were there.",
        "J.K.Rowling wrote it.",
        "It runs on ASP.NET today.",
        "Mail me at a.b@Example.org today.",
        "The sequel arrives at 7 p.m.Friday.",
    ],
)
def test_not_glued(text: str) -> None:
    blocks, spots = split_glued_sentences([text])
    assert (blocks, spots) == ([text], []), spots


@pytest.mark.parametrize(
    "text, parts",
    [
        (
            "He jumped, bike and all.Technically, he flew.",
            ["He jumped, bike and all.", "Technically, he flew."],
        ),
        ("It opens in 2022.The date may move.", ["It opens in 2022.", "The date may move."]),
        ("Really?Yes.", ["Really?", "Yes."]),
        (
            "It ended well.”Fortunately, nobody was hurt.",
            ["It ended well.”", "Fortunately, nobody was hurt."],
        ),
        ("The crew cheered.“Again,” he said.", ["The crew cheered.", "“Again,” he said."]),
        (
            "It was a Honda (not a BMW).Drones filmed it.",
            ["It was a Honda (not a BMW).", "Drones filmed it."],
        ),
    ],
)
def test_glued(text: str, parts: list[str]) -> None:
    blocks, spots = split_glued_sentences([text])
    assert blocks == parts and len(spots) == len(parts) - 1


def test_copied_tweet_embeds_become_front_matter() -> None:
    cleaned = clean_article(article("tweet.txt"))
    first, second = cleaned.tweets
    assert first == {
        "text": "One billion dollars and still counting. Pink all the way",
        "author": "Reel Fan",
        "handle": "reel_fan_42",
        "date": "2023-08-06",
    }
    assert second["url"] == "https://twitter.com/reel_fan_42/status/1688000000000000000"
    assert second["text"] == "The trailer still gets shared" and second["date"] == "2023-08-07"
    body = " ".join(cleaned.paragraphs)
    assert (
        "pic.twitter.com" not in body
        and "@reel_fan_42" not in body
        and "One billion dollars and" not in body
    )
    assert any(p.startswith("Warner Bros. said") for p in cleaned.paragraphs)
    found = [c for c in cleaned.changes if c.startswith("found a tweet by @reel_fan_42")]
    assert len(found) == 2 and "no status URL" in found[0] and "no status URL" not in found[1]


def test_embed_attribution_on_its_own_line_is_joined_to_its_text() -> None:
    text = (
        "Barbie passed one billion dollars in August 2023.\n\n"
        "What a summer for pink, and it keeps going and going at every cinema in town, week after week, "
        "all through August pic.twitter.com/AbC123xYz\n"
        "\u2014 Reel Fan (@reel_fan_42) Aug 6, 2023\n\n"
        "Margot Robbie also produced the film."
    )
    cleaned = clean_article(text)
    assert [t["text"][:20] for t in cleaned.tweets] == ["What a summer for pi"]
    assert cleaned.tweets[0]["date"] == "2023-08-06"
    assert cleaned.paragraphs == (
        "Barbie passed one billion dollars in August 2023.",
        "Margot Robbie also produced the film.",
    )


def test_embed_glued_to_the_paragraph_before_it_starts_at_the_glue() -> None:
    text = (
        "Universal set the date for Christopher Nolan's next film.Nolan's next: July 17, 2026. IMAX. "
        "pic.twitter.com/n0lan2026 \u2014 Film Updates (@FilmUpdates) December 19, 2024 Filming starts in 2025."
    )
    cleaned = clean_article(text)
    assert [t["text"] for t in cleaned.tweets] == ["Nolan's next: July 17, 2026. IMAX."]
    assert cleaned.paragraphs == (
        "Universal set the date for Christopher Nolan's next film.",
        "Filming starts in 2025.",
    )


def test_embed_text_is_never_longer_than_a_tweet() -> None:
    lead = (
        "Oppenheimer opened in July 2023 "
        + "and kept playing in IMAX theatres " * 9
        + "for months."
    )
    text = f"{lead} Still sold out pic.twitter.com/abc123 \u2014 Reel Fan (@reel_fan_42) October 1, 2023"
    cleaned = clean_article(text)
    assert [t["text"] for t in cleaned.tweets] == ["Still sold out"]
    assert cleaned.paragraphs == (lead,)


def test_gallery_noise_is_removed_but_real_mentions_stay() -> None:
    cleaned = clean_article(article("gallery.txt"))
    assert change(cleaned, "removed 4 photo-gallery leftovers")
    credited = clean_article("Lee directs a thriller with a twist. (Photo by Studio/Getty Images)")
    assert cleaned.paragraphs and credited.paragraphs == ("Lee directs a thriller with a twist.",)
    body = "\n".join(cleaned.paragraphs)
    assert "12 photos" not in body and "8 photos" not in body and "View gallery" not in body
    assert "Photo: Academy" not in body
    assert "posted 5 photos of the ceremony" in body
    assert cleaned.paragraphs[0].endswith("for Christopher Nolan.")


def test_promotional_lines_are_removed_but_prose_stays() -> None:
    text = (
        "The heist sequel starts shooting in Lisbon in May.\n\n"
        "Related: Every heist film of the decade, ranked\n\n"
        "READ MORE \u2014 The first trailer is here\n\n"
        "Sign up for our weekly film newsletter.\n\n"
        "More than a sequel, it is a new start. Related films follow in 2027."
    )
    cleaned = clean_article(text)
    assert change(cleaned, "removed 3 lines of the page around the article")
    assert cleaned.paragraphs == (
        "The heist sequel starts shooting in Lisbon in May.",
        "More than a sequel, it is a new start. Related films follow in 2027.",
    )


def test_a_dateline_on_the_line_after_the_heading_is_taken_out() -> None:
    cleaned = clean_article(
        "Night Tide gets a six-minute ovation in Cannes\nBy Priya Raman | May 19, 2025\n\n"
        "The premiere ran late into the night."
    )
    assert cleaned.title == "Night Tide gets a six-minute ovation in Cannes"
    assert cleaned.date is not None and cleaned.date.isoformat() == "2025-05-19"
    assert cleaned.paragraphs == ("The premiere ran late into the night.",)


def test_a_trailer_link_gets_its_own_line_and_other_addresses_are_linked() -> None:
    cleaned = clean_article(
        "The first teaser is out.\n\n"
        "Watch the announcement trailer: https://www.youtube.com/watch?v=Way9Dexny3w\n\n"
        "The studio's page (https://example.org/night-tide) has more, see https://example.org/a.\n\n"
        "Read the review at https://example.org/review"
    )
    assert change(cleaned, "put 1 video link on a line of its own")
    assert cleaned.paragraphs[1:3] == (
        "Watch the announcement trailer:",
        "https://www.youtube.com/watch?v=Way9Dexny3w",
    )
    markdown = cleaned.markdown
    assert "\n\nhttps://www.youtube.com/watch?v=Way9Dexny3w\n\n" in markdown  # alone: a player
    assert (
        "page (<https://example.org/night-tide>) has more, see <https://example.org/a>." in markdown
    )
    assert "Read the review at <https://example.org/review>" in markdown  # not a video: in place


def test_the_page_around_the_article_is_removed_and_listed() -> None:
    cleaned = clean_article(
        "Share this article\nShare on Facebook\nShare on X\nEmail\n\n"
        "Ines Varga to star in Copper Sky for Lena Marsh\n\nBy Dana Cole\n"
        "Published: January 10, 2024 at 4:02 PM\n\n"
        "Ines Varga will play the lead in Lena Marsh's adaptation of Copper Sky, with Kofi Mensah "
        "as Hale.\n\nStory continues below advertisement\n\n"
        "Shooting starts in the spring.\n\n"
        "Dana Cole is a staff writer. Follow her on X @danacole.\n\n"
        "Tags: Ines Varga, Kofi Mensah\n\n3 comments\nLeave a comment\n"
    )
    assert cleaned.title == "Ines Varga to star in Copper Sky for Lena Marsh"
    assert cleaned.date is not None and cleaned.date.isoformat() == "2024-01-10"
    assert change(cleaned, "removed 9 lines of the page around the article")
    assert cleaned.paragraphs == (
        "Ines Varga will play the lead in Lena Marsh's adaptation of Copper Sky, with Kofi "
        "Mensah as Hale.",
        "Shooting starts in the spring.",
    )
    from newsreel.facts import guess_people, guess_titles

    assert guess_titles(cleaned.text)[0].value == "Copper Sky"
    assert [f.value for f in guess_people(cleaned.text)] == ["Ines Varga", "Kofi Mensah"]
    # a sentence shaped like a bio stays where the article has it (not among its last blocks)
    middle = "Lena Marsh is a writer and director who grew up in Leeds."
    kept = clean_article("\n\n".join(["The lead.", middle, "One.", "Two.", "Three."]))
    assert middle in kept.paragraphs


def test_heading_becomes_the_title_and_wrapped_lines_join() -> None:
    cleaned = clean_article(article("heading.txt"))  # CRLF line ends, hard-wrapped
    assert cleaned.title == "The Batman opens with $134 million"
    assert change(cleaned, "proposed a title from the first line")
    assert cleaned.paragraphs[0].startswith("Matt Reeves's The Batman opened")
    assert cleaned.paragraphs[0].endswith("plays a younger Bruce Wayne.")
    assert all("\r" not in p and "\n" not in p for p in cleaned.paragraphs)


def test_markdown_body_renders_the_same_text() -> None:
    cleaned = clean_article(article("heading.txt"))
    html = MarkdownIt("commonmark").render(cleaned.markdown)
    assert "<ol" not in html and "<ul" not in html and "<em>" not in html and "<h1" not in html
    assert "1. It is the longest Batman film" in html
    assert "* Zoë Kravitz plays Selina Kyle" in html
    assert "[a new take]" in html and "_minutes_" in html


@pytest.mark.parametrize(
    "text",
    [
        "# not a heading",
        "> no quote",
        "- no list",
        "+ no list",
        "2) no list",
        "1. no list",
        "<b>not html</b>",
        "a *b* _c_ `d` [e](f) &amp; ~~g~~",
        "\\ backslash",
        "=== nothing",
        "| no | table |",
    ],
)
def test_escape_markdown_keeps_plain_text(text: str) -> None:
    html = (
        MarkdownIt("commonmark")
        .enable("strikethrough")
        .enable("table")
        .render("Intro.\n\n" + escape_markdown(text))
    )
    second = html.split("\n", 1)[1].strip()
    assert second.startswith("<p>") and second.endswith("</p>")
    unescaped = (
        second[3:-4]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )
    assert unescaped == text


def test_title_from_a_long_first_sentence_is_its_main_clause_never_cut() -> None:
    cleaned = clean_article(article("combined.txt"))
    assert cleaned.title == "Christopher Nolan's Oppenheimer took seven Oscars in March 2024"
    assert "\u2026" not in cleaned.title and "..." not in cleaned.title


def test_every_defect_at_once_is_reported() -> None:
    cleaned = clean_article(article("combined.txt"))
    kinds = [c.split(":")[0].split(" (")[0] for c in cleaned.changes]
    assert kinds[:6] == [
        "removed 1 photo-gallery leftover",
        "found a tweet by @reel_fan_42 of 2024-03-10",
        "removed 1 link of the copied tweets, which a copy cannot show",
        "split 2 glued sentences, each now starting a paragraph",
        "dropped 2 repeated fragments, each found again in full",
        "removed 1 space before a full stop or comma",
    ]
    assert '"pic.twitter.com/QwErTy12"' in change(cleaned, "removed 1 link")
    assert "Lewis Strauss." in " ".join(cleaned.paragraphs)
    assert [p.split()[0] for p in cleaned.paragraphs] == ["Christopher", "The", "Murphy", "Robert"]


def test_clean_text_reports_nothing_to_fix() -> None:
    cleaned = clean_article(
        "Amélie turns twenty\n\nJean-Pierre Jeunet's film opened in Paris in April 2001."
    )
    assert cleaned.title == "Amélie turns twenty"
    assert cleaned.changes == ("proposed a title from the first line: Amélie turns twenty",)


# ------------------------------------------------------------------- names


def test_known_names_are_found_with_their_spelling_and_page() -> None:
    known = [
        KnownName(
            "Mission: Impossible – Dead Reckoning Part One",
            "Mission: Impossible – Dead Reckoning Part One",
        ),
        KnownName("Mission: Impossible 7", "Mission: Impossible – Dead Reckoning Part One"),
        KnownName("Barbie", "Barbie"),
        KnownName("It", "It"),
        KnownName("Up", "Up"),
        KnownName("Penélope Cruz", "Penélope Cruz"),
    ]
    text = (
        "It was a strange year. Up next: MISSION: IMPOSSIBLE 7 and later Mission: Impossible – Dead Reckoning "
        "Part One, while penelope cruz watched Barbie."
    )
    assert find_names(text, known) == [
        ("Mission: Impossible 7", "Mission: Impossible – Dead Reckoning Part One"),
        ("Penélope Cruz", "Penélope Cruz"),
        ("Barbie", "Barbie"),
    ]
    assert find_names("They watched It twice.", known) == [("It", "It")]
    assert find_names("Barbieland is a place.", known) == []


# ----------------------------------------------------------- the whole command


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    site = tmp_path / "blog"
    assert newsreel("init", site).returncode == 0
    films = site / "content" / "films"
    films.mkdir()
    (films / "oppenheimer.md").write_text(
        "---\ntitle: Oppenheimer\nrelease_year: 2023\n---\n", encoding="utf-8"
    )
    (site / "content" / "actors").mkdir()
    (site / "content" / "actors" / "murphy.md").write_text(
        "---\nname: Cillian Murphy\n---\n", encoding="utf-8"
    )
    return site


def test_import_then_build(blog: Path) -> None:
    result = newsreel("import", ARTICLES / "combined.txt", "--dir", blog)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "removed 1 photo-gallery leftover",
        "found a tweet by @reel_fan_42",
        "split 2 glued sentences",
        "dropped 2 repeated fragments",
        "found film: Oppenheimer",
        "found actor: Cillian Murphy",
        "created ",
    ):
        assert expected in out, expected
    path = Path(out.split("created ", 1)[1].split(", a draft")[0])
    path = path if path.is_absolute() else Path.cwd() / path
    assert path.parent == blog / "content" / "posts"
    data, body = front_and_body(path)
    assert (
        data["draft"] is True
        and data["film"] == "Oppenheimer"
        and data["actors"] == ["Cillian Murphy"]
    )
    assert data["tweet"]["handle"] == "reel_fan_42" and "url" not in data["tweet"]
    assert "pic.twitter.com" not in body and "10 photos" not in body
    build = newsreel("build", blog, "--drafts")
    assert build.returncode == 0, build.stderr
    page = blog / "site" / "posts" / path.stem / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "Oscar night has its winner" in html and "Robert Downey Jr. won his first Oscar" in html
    assert newsreel("build", blog).returncode == 0  # and left out as a draft


@pytest.mark.parametrize("name", sorted(p.name for p in ARTICLES.glob("*.*")))
def test_every_fixture_imports_and_builds(blog: Path, name: str) -> None:
    result = newsreel("import", ARTICLES / name, "--dir", blog)
    assert result.returncode == 0, result.stderr
    build = newsreel("build", blog, "--drafts")
    assert build.returncode == 0, build.stdout + build.stderr


def test_import_never_overwrites(blog: Path) -> None:
    first = newsreel("import", ARTICLES / "teasers.txt", "--dir", blog)
    second = newsreel("import", ARTICLES / "teasers.txt", "--dir", blog)
    assert first.returncode == second.returncode == 0
    posts = sorted(p.name for p in (blog / "content" / "posts").glob("dune-*.md"))
    assert posts == [
        "dune-part-two-will-not-make-its-november-date-after-all-2.md",
        "dune-part-two-will-not-make-its-november-date-after-all.md",
    ]
    assert newsreel("build", blog, "--drafts").returncode == 0


def test_import_sees_the_slug_the_build_gives_an_existing_post(blog: Path) -> None:
    """The file name is not a slug, so the build slugifies it: the import, which reads the
    site through the loader, must not take that slug again (a URL collision)."""
    slug = "dune-part-two-will-not-make-its-november-date-after-all"
    (
        blog
        / "content"
        / "posts"
        / "2023-08-01-Dune Part Two Will Not Make Its November Date After All.md"
    ).write_text("---\ntitle: An older story\ndate: 2023-08-01\n---\nText.\n", encoding="utf-8")
    result = newsreel("import", ARTICLES / "teasers.txt", "--dir", blog)
    assert result.returncode == 0, result.stderr
    assert (blog / "content" / "posts" / f"{slug}-2.md").is_file()
    assert not (blog / "content" / "posts" / f"{slug}.md").exists()
    build = newsreel("build", blog, "--drafts")
    assert build.returncode == 0, build.stdout + build.stderr


def test_import_of_an_empty_file_fails_with_one_line(blog: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n")
    result = newsreel("import", empty, "--dir", blog)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "no article text" in result.stderr


def test_a_file_that_is_not_text_is_refused_with_one_line(blog: Path, tmp_path: Path) -> None:
    program = tmp_path / "article.txt"
    program.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    result = newsreel("import", program, "--dir", blog)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "not a text file" in result.stderr
    assert [p.name for p in (blog / "content" / "posts").iterdir()] == ["welcome.md"]


def test_a_saved_web_page_imports_its_article(tmp_path: Path) -> None:
    """The text of its <article>, as a browser copy gives it: no navigation, header, footer,
    aside, form, script or style; the player and the tweet it embeds found as in copied text."""
    report, data, _, body = imported(fresh_blog(tmp_path), "page.html")
    assert "read as a web page: the text of its <article>" in report
    assert data["title"] == "The Salt Road sequel sets its cast"
    assert str(data["date"]) == "2025-03-03" and data["release_year"] == 2026
    assert data["actors"] == ["Ada Brandt", "Tomas Reyes"]
    assert data["tweet"]["url"] == "https://twitter.com/saltroadfilm/status/1897000000000000001"
    assert data["tweet"]["text"] == "Back on the road. See you in November."
    assert "\nhttps://www.youtube.com/watch?v=Way9Dexny3w\n" in body
    assert "picks up the caravan ten years on" in body and "crew is & stays" in body
    for chrome in (
        "Reviews",
        "Advertisement",
        "Trending",
        "Script text",
        "style text",
        "Related",
        "different film",
        "newsletter",
        "Sign up",
        "All rights",
    ):
        assert chrome not in body, chrome


@pytest.mark.parametrize(
    ("page", "part", "first"),
    [
        (
            "<html><body><main><h1>Heading</h1><p>" + "Main text. " * 30 + "</p></main>",
            "main",
            "Heading",
        ),
        (
            "<!doctype html><title>Only a title | Site</title><p>" + "Body text. " * 30,
            "body",
            "Only a title",
        ),
        (
            "<!-- saved --><HTML><body><article><p>Short.</p></article><p>" + "More. " * 50,
            "body",
            "Short.",
        ),
    ],
)
def test_a_web_page_without_an_article_gives_its_main_or_body(
    page: str, part: str, first: str
) -> None:
    text, found = html_to_text(page)
    assert found == part and text.split("\n\n")[0] == first


def test_text_that_only_mentions_html_is_read_as_text() -> None:
    assert not looks_like_html("Browsers and the web\n\nThe <html> element holds a page.\n")
    assert looks_like_html("\ufeff\n  <!DOCTYPE html>\n<html>") is False  # (decode strips a BOM)
    assert looks_like_html("\n  <!DOCTYPE html>\n<html>")


def test_import_reads_windows_1252(blog: Path, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(
        "Amélie returns to cinemas\n\nThe café scenes were shot in Montmartre.".encode("cp1252")
    )
    result = newsreel("import", legacy, "--dir", blog)
    assert result.returncode == 0 and "Windows-1252" in result.stdout
    data, body = front_and_body(blog / "content" / "posts" / "amelie-returns-to-cinemas.md")
    assert data["title"] == "Amélie returns to cinemas" and "café" in body


# ------------------------------------------------------------------ property


def _letters(text: str) -> str:
    return re.sub(r"\s", "", text)


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


TOKENS = list("abcAB .,!?:“”'’—-\n5#*") + [
    "photos",
    " 5 photos",
    "U.S.",
    "pic.twitter.com/x1",
    "e.g.",
    " — A (@a) May 1, 2021",
    "\n\n",
    "The film",
    "Technically",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join), max_size=8))
def test_cleaning_only_removes_never_invents(pieces: list[str]) -> None:
    text = "\n\n".join(pieces)
    cleaned = clean_article(text)
    source = _letters(normalise(text))
    assert _is_subsequence(_letters("".join(cleaned.paragraphs)), source)
    for tweet in cleaned.tweets:
        assert _is_subsequence(_letters(tweet["text"]), source)


# ------------------------------------------------- what the article says about itself


def fresh_blog(
    root: Path, films: dict[str, str] | None = None, actors: dict[str, str] | None = None
) -> Path:
    """A blog from ``init`` (which knows Casablanca and its two stars) with extra film and actor pages."""
    films, actors = films or {}, actors or {}
    site = root / "blog"
    assert newsreel("init", site).returncode == 0
    for kind, pages in (("films", films), ("actors", actors)):
        for name, front in pages.items():
            (site / "content" / kind).mkdir(parents=True, exist_ok=True)
            (site / "content" / kind / f"{name}.md").write_text(
                f"---\n{front}\n---\n", encoding="utf-8"
            )
    return site


def imported(site: Path, name: str) -> tuple[str, dict, str, str]:
    """Import fixture ``name``: the report, the front matter, the raw front-matter text and the body."""
    result = newsreel("import", ARTICLES / name, "--dir", site)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.split("created ", 1)[1].split(", a draft")[0])
    path = path if path.is_absolute() else Path.cwd() / path
    text = path.read_text(encoding="utf-8")
    data, body = front_and_body(path)
    assert newsreel("build", site, "--drafts").returncode == 0
    return result.stdout, data, text.split("---\n")[1], body


def test_dateline_title_line_release_phrase_and_a_guessed_film(tmp_path: Path) -> None:
    report, data, front, body = imported(fresh_blog(tmp_path), "dateline.txt")
    assert data["title"] == "The Lantern Keeper finds a winter home"
    assert str(data["date"]) == "2025-03-03" and "the article's own date" in report
    assert "By Ines Varga" not in body and "took out 1 dateline" in report
    assert data["film"] == "The Lantern Keeper" and data["release_year"] == 2026
    assert "# film: a guess" in front and "guessed the film: The Lantern Keeper" in report
    assert 'proposed release_year: 2026, from "' in report and "due in February 2026" in report
    assert '"pic.twitter.com/Lk3pQ9zz"' in report


def test_date_from_the_tweet_and_known_people_named_in_it(tmp_path: Path) -> None:
    site = fresh_blog(tmp_path, actors={"okonkwo": "name: Okonkwo", "bell": "name: Daria Bell"})
    report, data, _, body = imported(site, "tweet-date.txt")
    assert data["actors"] == ["Okonkwo", "Daria Bell"], (
        "named only in the copied tweet, one opening it"
    )
    assert str(data["date"]) == "2025-06-18" and "the day of the newest tweet it quotes" in report
    assert data["film"] == "Harbour Lights" and data["release_year"] == 2025
    assert "opens 12 September 2025" in report
    assert data["title"] == "Harbour Lights opens 12 September 2025 in cinemas across Europe"


def test_a_long_lead_gives_its_main_clause_and_a_known_working_title(tmp_path: Path) -> None:
    site = fresh_blog(tmp_path, films={"copper-sky": "title: Copper Sky\naka: [Project Meridian]"})
    report, data, front, _ = imported(site, "slip.txt")
    assert data["title"] == (
        "The studio behind Project Meridian confirmed on Friday that the space western "
        "won't reach cinemas until 2027"
    )
    assert data["film"] == "Project Meridian" and data["release_year"] == 2027
    assert "whose page is 'Copper Sky'" in report and "guess" not in front
    assert "dated the post now" in report


def test_a_cast_the_site_does_not_know_is_guessed_and_marked(tmp_path: Path) -> None:
    site = fresh_blog(tmp_path)
    report, data, front, body = imported(site, "cast.txt")
    assert data["actors"] == ["Mara Quist", "Idris Vale", "Noor Haddad"]
    assert "# actors: guesses from the article's text, check them\nactors:" in front
    assert 'guessed actor: Mara Quist, from "Mara Quist has joined the cast"' in report
    assert 'guessed actor: Noor Haddad, from "Noor Haddad, the breakout star"' in report
    # the director, the writer, a character and the streamer are not actors
    for name in ("Lena Marsh", "Omar Bey", "Captain Hale", "Netflix"):
        assert name not in str(data["actors"]) and f"actor: {name}" not in report
    assert data["film"] == "Copper Sky"
    # the teaser's address, on a line of its own, is a player on the built page
    assert "Watch the first teaser:\n\nhttps://youtu.be/Way9Dexny3w\n" in body
    page = site / "site/posts/director-lena-marsh-has-found-the-rest-of-her-cast-for/index.html"
    assert 'class="trailer"' in page.read_text(encoding="utf-8")


def test_addresses_alone_on_a_line_embed_or_link_and_the_draft_builds(tmp_path: Path) -> None:
    """A video's or a tweet's address alone on a line is written as it is (an underscore
    escaped, "ab\\_cd", made the build's video rule refuse it), and any other address alone is
    a link (a channel's address alone is an error of the video rule)."""
    site = fresh_blog(tmp_path)
    _, _, _, body = imported(site, "addresses.txt")  # (it builds the draft, and checks it)
    assert "\nhttps://www.youtube.com/watch?v=ab_cdEFghij\n" in body
    assert "\nhttps://twitter.com/ines_varga/status/1856789012345678901\n" in body
    channel = "https://www.youtube.com/@night_tide_film"
    assert f"[{channel.replace('_', chr(92) + '_')}](<{channel}>)" in body
    (page,) = (site / "site/posts").glob("the-studio-posted-*/index.html")
    html = page.read_text(encoding="utf-8")
    assert 'class="trailer"' in html and "ines_varga" in html
    assert f'<a href="{channel}">{channel}</a>' in html


def test_a_known_film_cited_with_a_year_long_past_is_not_the_posts_film(tmp_path: Path) -> None:
    """The blog knows Casablanca, which the article only compares with the film it is about:
    that film is guessed, and the release year is its own; a one-letter film ("X") is found
    only with its year."""
    site = fresh_blog(tmp_path, films={"x": "title: X\nrelease_year: 2022"})
    report, data, front, _ = imported(site, "cited.txt")
    assert data["film"] == "The Long Tide" and data["release_year"] == 2026
    assert "# film: a guess" in front and "cited with a year long past" in report
    assert "Casablanca" in report and "found film" not in report


def test_the_kind_declared_cast_gets_the_guesses(tmp_path: Path) -> None:
    site = fresh_blog(tmp_path)
    (site / "newsreel.yaml").write_text(
        "title: Cast\ntaxonomies:\n  films: {}\n  actors: {cast: false}\n"
        "  performers: {label: Performer, schema: Person, cast: true}\n",
        encoding="utf-8",
    )
    report, data, front, _ = imported(site, "cast.txt")
    assert data["performers"] == ["Mara Quist", "Idris Vale", "Noor Haddad"]
    assert "actors" not in data and "# performers: guesses" in front
    assert "guessed performer: Mara Quist" in report


def test_guessed_actors_beside_known_ones_are_named_in_the_comment(tmp_path: Path) -> None:
    site = fresh_blog(tmp_path, actors={"vale": "name: Idris Vale"})
    report, data, front, _ = imported(site, "cast.txt")
    assert data["actors"] == ["Idris Vale", "Mara Quist", "Noor Haddad"]
    assert "# actors: Mara Quist and Noor Haddad are guesses from the article's text" in front
    assert "found actor: Idris Vale" in report and "guessed actor: Idris Vale" not in report


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mara Quist has joined the cast of the sequel.", ["Mara Quist"]),
        (
            "The thriller stars Idris Vale and Noor Haddad as rival divers.",
            ["Idris Vale", "Noor Haddad"],
        ),
        ("Theo Lindqvist, the film\u2019s leading man, spoke first.", ["Theo Lindqvist"]),
        (
            "With Ana de Souza and Keanu returning as the twins, it is set.",
            ["Ana de Souza", "Keanu"],
        ),
        ("Samuel T. Okafor will play the villain, director Lena Marsh said.", ["Samuel T. Okafor"]),
        ("Yesterday Paul Ferro returned as Captain Hale.", ["Paul Ferro"]),
        ("Actress Zia plays the lead opposite Tom O\u2019Brien.", ["Zia", "Tom O\u2019Brien"]),
        ("It is in cinemas now, starring Jean-Luc Moreau.", ["Jean-Luc Moreau"]),
        ("Netflix will play the film in IMAX from June.", []),
        ("Star Wars returns in May.", []),
        ("Lena Marsh directs, and writer Omar Bey adapted the novel.", []),
        ("Marvel Studios president Kevin Drum said the stars would return.", []),
        ("Ruth Kessler, whose films star newcomers, spoke at Cannes.", []),
        (
            "The film stars Ines Varga. Kofi Mensah and Lea Roth co-star.",
            ["Ines Varga", "Kofi Mensah", "Lea Roth"],
        ),
        ("It is starring Marco van Dijk. Van Dijk plays the father.", ["Marco van Dijk"]),
        ("Her sister, a nun played by Ada Kline, inherits.", ["Ada Kline"]),
        ("Tom Reyes and Bo Lind appear in supporting roles.", ["Tom Reyes", "Bo Lind"]),
        (
            "Spike Ode directs Dana Ray and Clive Fenn in a hostage thriller.",
            ["Dana Ray", "Clive Fenn"],
        ),
        (
            "It pits two thieves against each other, with Val Kirk as the loyal driver.",
            ["Val Kirk"],
        ),
        ("Ines Varga headlines the thriller.", ["Ines Varga"]),
        ("Cast: Ines Varga, Kofi Mensah, Zia", ["Ines Varga", "Kofi Mensah", "Zia"]),
        ("Dana Ray and Bo Lind round out the cast.", ["Dana Ray", "Bo Lind"]),
    ],
)
def test_actors_guessed_from_the_text(text: str, names: list[str]) -> None:
    from newsreel.facts import guess_people

    found = guess_people(text)
    assert [f.value for f in found] == names
    for finding in found:
        assert str(finding.value) in finding.evidence or finding.value in text


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("The sequel is due in 2031.", 2031),
        ("Cold Harbor won't drop until 2029, sadly.", 2029),
        ("It doesn\u2019t drop until 2028.", 2028),
        ("Harbour Lights opens 14 July 2027 in Europe.", 2027),
        ("The studio has pushed it back to 2030.", 2030),
        ("The film hits theaters on May 1, 2026.", 2026),
        ("It lands on streaming in 2025 and is set for a March 2026 release in cinemas.", 2025),
        ("Filming starts in 2025.", None),
        ("The 2019 hit made $300 million.", None),
        ("She was born in 1990 in Lagos.", None),
    ],
)
def test_release_years_from_release_phrases(text: str, year: int | None) -> None:
    from datetime import date

    from newsreel.facts import release_years

    found = release_years(text, date(2026, 1, 1))
    assert (found[0].value if found else None) == year
    if found:
        assert str(year) in found[0].evidence and found[0].evidence in " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A new trailer for *Night Ferry* dropped today.", "Night Ferry"),
        ("Nobody expected Glass Orchard (2021) to last.", "Glass Orchard"),
        ("Fans of the film Paper Moons finally have a date.", "Paper Moons"),
        ("Work on the sequel to Tin Crown begins in spring.", "Tin Crown"),
        ("Red Shift: The Long Night is the studio's biggest bet.", "Red Shift: The Long Night"),
        ("The upcoming Lake Effect stars two newcomers.", "Lake Effect"),
        ("Exclusive: \u2018Quiet Hours\u2019 star confirms sequel talks", "Quiet Hours"),
        ("Fox has moved its animated musical Lantern Row from December to June.", "Lantern Row"),
        ("Hollywood is nervous. Photo: Studio handout. The weekend was quiet in March 2024.", None),
        ("It was a Christopher Nolan film through and through.", None),
        ("Ryan Ode's vampire thriller Night Tide earned $33 million.", "Night Tide"),
        ("Cannes 2025: Wes Ode's The Glass Orchard gets a long ovation", "The Glass Orchard"),
        ("Ferris Bueller's Day Off (1986) is back in cinemas.", "Ferris Bueller's Day Off"),
        ("5. The Copper Job (1969)\n\nA gang of thieves drives through Turin.", "The Copper Job"),
    ],
)
def test_film_titles_guessed_from_the_text(text: str, title: str | None) -> None:
    from newsreel.facts import guess_titles

    found = guess_titles(text)
    assert (found[0].value if found else None) == title


def test_a_year_in_parentheses_after_the_film_is_its_release_year(tmp_path: Path) -> None:
    from datetime import date

    from newsreel.facts import year_after_title

    found = year_after_title(
        "Nobody expected Glass Orchard (2021) to last.", ["Glass Orchard"], date(2026, 1, 1)
    )
    assert found is not None and (found.value, found.evidence) == (2021, "Glass Orchard (2021)")
    assert (
        year_after_title("Glass Orchard (2121) is far off.", ["Glass Orchard"], date(2026, 1, 1))
        is None
    )
    article = tmp_path / "print.txt"
    article.write_text(
        "The Copper Job (1969) returns to cinemas in a new print.\n\n"
        "A gang of thieves drives a fleet of small cars through Turin.\n",
        encoding="utf-8",
    )
    site = fresh_blog(tmp_path)
    result = newsreel("import", article, "--dir", site)
    assert result.returncode == 0, result.stderr
    assert 'proposed release_year: 1969, from "The Copper Job (1969)"' in result.stdout
    (post,) = [p for p in (site / "content/posts").glob("*.md") if "Copper" in p.read_text()]
    assert "film: The Copper Job\nrelease_year: 1969\n" in post.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "day"),
    [
        ("By Ann Lee | June 3, 2023, 9:30 am", "2023-06-03"),
        ("Published: 3 June 2023", "2023-06-03"),
        ("Updated Sat, Jun 3, 2023 10:00 PM EDT", "2023-06-03"),
        ("2023-06-03", "2023-06-03"),
        ("June 3, 2023 \u2022 5 min read", "2023-06-03"),
        ("The ceremony took place on March 10, 2024 in Los Angeles.", None),
        ("Opens June 3, 2023", None),
    ],
)
def test_datelines(block: str, day: str | None) -> None:
    from newsreel.facts import dateline

    found = dateline(block)
    assert (found.isoformat() if found else None) == day


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        (
            "Even by the high standards of its star, the stunt at the heart of the new spy film is the most "
            "dangerous thing he has ever done on camera.",
            "The stunt at the heart of the new spy film is the most dangerous thing he has ever done on camera",
        ),
        ("Short and complete.", "Short and complete"),
        (
            "When the festival announced its line-up on Tuesday morning after a long delay, Paper Moons was "
            "the only debut feature in competition, which surprised nearly everyone.",
            "Paper Moons was the only debut feature in competition",
        ),
    ],
)
def test_headline_is_a_whole_clause(sentence: str, title: str) -> None:
    from newsreel.facts import headline

    assert headline(sentence, 80) == title


CAST_TOKENS = [
    "Anna ",
    "Berg",
    "Ö",
    "de ",
    "L. ",
    "actress ",
    "Director ",
    "starring ",
    " and ",
    ", ",
    " has joined the cast",
    " plays ",
    " returns as ",
    "director ",
    " directs ",
    "with ",
    " as the ",
    "Netflix",
    "'s ",
    " (2001)",
    ": ",
    "The ",
    "Star ",
    "https://a.example/b.",
    ". ",
    "\n\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CAST_TOKENS), max_size=40).map("".join))
def test_guesses_never_fail_and_come_from_the_text(text: str) -> None:
    from newsreel.facts import guess_people, guess_titles

    flat = " ".join(text.split())
    for finding in guess_people(text) + guess_titles(text):
        assert str(finding.value) in text and finding.evidence in flat
    clean_article(text + "\n\nA closing sentence of the article.")  # and the cleaning holds
