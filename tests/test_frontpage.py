"""Facts in their place and the front page's sections, on real builds of small sites.

A film's *current* release year (its film page's ``release_year``, else the newest post's
report) is what cards, lists and JSON-LD show; what one post reported appears only where the
post page explains the change. The home page's first page is a front page: a lead story, a
row, a list, and the "coming soon" and "most covered" film sections from the model.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sitekit import post, write_site

from newsreel.build import BuildOptions, build_site
from newsreel.model import coming_soon, most_covered

NOW = datetime(2023, 10, 1, tzinfo=UTC)

FILES = {
    "newsreel.yaml": "title: Facts Desk\nbase_url: https://example.org/\nper_page: 6\n",
    "content/films/dead-reckoning.md": "---\ntitle: Dead Reckoning\naka: [Project Seven]\nrelease_year: 2023\n---\nA spy film.\n",
    "content/posts/2020-01-01-dated.md": post(
        "Project Seven gets a date",
        "2020-01-01",
        film='"Project Seven"',
        release_year="2021",
        actors="[Tom Cruise]",
    ),
    "content/posts/2021-01-01-slips.md": post(
        "Project Seven slips",
        "2021-01-01",
        film='"Project Seven"',
        release_year="2022",
        actors="[Tom Cruise]",
    ),
    "content/posts/2022-01-01-again.md": post(
        "Dead Reckoning slips again", "2022-01-01", film="Dead Reckoning", actors="[Tom Cruise]"
    ),
    # no film file: the newest report (2025) is its year everywhere
    "content/posts/2023-01-01-sequel.md": post(
        "Sequel dated", "2023-01-01", film="The Sequel", release_year="2024"
    ),
    "content/posts/2023-02-01-sequel-slips.md": post(
        "The Sequel moves", "2023-02-01", film="The Sequel", release_year="2025"
    ),
    "content/posts/2023-03-01-far.md": post(
        "A far-off film",
        "2023-03-01",
        film="Far Off",
        release_year="2027",
        image="/img/x.svg",
        image_alt="A still",
    ),
    "content/posts/2023-04-01-past.md": post(
        "An old film returns", "2023-04-01", film="Old One", release_year="1999"
    ),
    # the picture the far-off post names (a missing picture stops the build)
    "static/img/x.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="9"/>\n',
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("facts") / "src", FILES)
    build_site(site, BuildOptions(output=site / "site", use_cache=False, now=NOW))
    return site / "site"


def page(out: Path, path: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / path.strip("/") / "index.html").read_bytes())


def text(element: lxml_html.HtmlElement) -> str:
    """What a reader sees and hears, less the "Film: " said only to screen readers before a kicker."""
    return " ".join(element.text_content().split()).removeprefix("Film: ")


def ld(doc: lxml_html.HtmlElement) -> dict:
    return json.loads(doc.xpath("string(//script[@type='application/ld+json'])"))


def test_cards_on_an_actor_page_show_the_film_current_year(built: Path) -> None:
    doc = page(built, "/actors/tom-cruise/")
    kickers = [text(k) for k in doc.xpath("//main//*[contains(@class, 'row__films')]")]
    assert len(kickers) == 3 and all(k == "Dead Reckoning (2023)" for k in kickers), kickers


def test_post_json_ld_carries_the_film_current_year(built: Path) -> None:
    data = ld(page(built, "/posts/dated/"))
    assert data["about"] == [
        {
            "@type": "Movie",
            "name": "Dead Reckoning",
            "url": "https://example.org/films/dead-reckoning/",
            "datePublished": "2023",
        }
    ]
    assert ld(page(built, "/posts/sequel/"))["about"][0]["datePublished"] == "2025"


def test_post_page_explains_what_it_reported_then(built: Path) -> None:
    doc = page(built, "/posts/dated/")
    assert (
        text(doc.xpath("//main//*[contains(@class, 'post__films')]")[0]) == "Dead Reckoning (2023)"
    )
    note = text(doc.xpath("//*[@class='facts__note']")[0])
    assert "reported then 2021, now 2023" in note
    assert doc.xpath("//*[@class='facts__note']/a/@href") == [
        "/films/dead-reckoning/#release-history"
    ]
    film = page(built, "/films/dead-reckoning/")
    assert film.xpath("//*[@id='release-history']"), "the note's link lands on the history"
    rows = [text(r) for r in film.xpath("//table[contains(@class, 'history__table')]//tbody/tr")]
    assert rows[0].startswith("2021") and rows[1].startswith("2022") and rows[-1].startswith("2023")
    # a post that reported the current year needs no note
    assert not page(built, "/posts/sequel-slips/").xpath("//*[@class='facts__note']")


def test_a_film_without_a_file_shows_its_latest_reported_year_everywhere(built: Path) -> None:
    index = page(built, "/films/")
    item = index.xpath("//main//li[.//a[@href='/films/the-sequel/']]")[0]
    assert "2025" in text(item) and "2024" not in text(item)
    film = page(built, "/films/the-sequel/")
    assert "Release 2025" in text(film.xpath("//main//*[contains(@class, 'term__facts')]")[0])
    assert ld(film)["datePublished"] == "2025"
    home = page(built, "/")
    kickers = {
        text(k) for k in home.xpath("//main//*[contains(@class, 'films')]") if "Sequel" in text(k)
    }
    assert kickers == {"The Sequel (2025)"}, kickers


def test_front_page_has_lead_row_list_and_film_sections(built: Path) -> None:
    doc = page(built, "/")
    assert [text(h) for h in doc.xpath("//h1")] == ["Facts Desk"], (
        "the masthead is the home page's h1"
    )
    lead = doc.xpath("//main//article[contains(@class, 'card--lead')]")
    assert len(lead) == 1 and text(lead[0].xpath(".//h2")[0]) == "An old film returns"
    assert len(doc.xpath("//main//*[contains(@class, 'stories')]/article")) == 3
    assert len(doc.xpath("//main//*[contains(@class, 'river')]/article")) == 2
    soon = doc.xpath("//section[@aria-labelledby='coming-soon']//li")
    assert [text(li) for li in soon] == ["Dead Reckoning 2023", "The Sequel 2025", "Far Off 2027"]
    covered = doc.xpath("//section[@aria-labelledby='most-covered']//li")
    assert [text(li).split(" ")[0:2] for li in covered] == [
        ["Dead", "Reckoning"],
        ["The", "Sequel"],
    ]
    headings = [text(h).casefold() for h in doc.xpath("//h1 | //h2 | //h3")]
    assert len(headings) == len(set(headings)), headings


def test_sections_from_the_model() -> None:
    from datetime import date

    from newsreel.model import PostList, Release, Term

    def film(name: str, year: int | None, posts: int, *dates: date) -> Term:
        releases = tuple(Release(None, when, 0, (), (), None) for when in dates)
        return Term(
            kind="films",
            name=name,
            slug=name.lower(),
            url=f"/films/{name.lower()}/",
            posts=PostList([f"{name}{n}" for n in range(posts)], lambda source: None),
            release_year=year,
            releases=releases,
        )

    films = [
        film("B", 2025, 1),
        film("A", 2025, 3),
        film("C", 2024, 2, date(2024, 3, 1)),
        film("D", None, 5),
        film("E", 2023, 2),
        film("F", 2023, 1, date(2023, 11, 5)),
    ]
    today = date(2023, 10, 1)
    assert [(u.work.name, u.date) for u in coming_soon(films, today)] == [
        ("F", date(2023, 11, 5)),
        ("E", None),
        ("C", date(2024, 3, 1)),
        ("A", None),
        ("B", None),
    ]
    assert [u.work.name for u in coming_soon(films, date(2024, 3, 2))] == ["A", "B"]
    assert [u.work.name for u in coming_soon(films, date(2026, 1, 1))] == []
    assert [f.name for f in most_covered(films)] == ["D", "A", "C", "E"]
    assert len(most_covered(films, limit=2)) == 2


def test_coming_soon_changes_with_the_build_year(tmp_path: Path) -> None:
    """The same sources built a year later: "coming soon" is measured from the build's date,
    and a build that reuses the cache gives what a fresh one gives."""
    site = write_site(tmp_path / "src", FILES)
    build_site(site, BuildOptions(output=site / "site", now=NOW))
    assert "Dead Reckoning" in text(
        page(site / "site", "/").xpath("//section[@aria-labelledby='coming-soon']")[0]
    )
    later = datetime(2024, 6, 1, tzinfo=UTC)
    build_site(site, BuildOptions(output=site / "site", now=later))
    soon = page(site / "site", "/").xpath("//section[@aria-labelledby='coming-soon']//li")
    assert [text(li) for li in soon] == ["The Sequel 2025", "Far Off 2027"]
    build_site(site, BuildOptions(output=tmp_path / "fresh", use_cache=False, now=later))
    assert (site / "site/index.html").read_bytes() == (tmp_path / "fresh/index.html").read_bytes()


def test_no_dash_starts_a_title_line() -> None:
    from newsreel.render import nobreak_dash

    assert (
        nobreak_dash("Mission: Impossible – Dead Reckoning <Part One>")
        == "Mission: Impossible\u00a0– Dead Reckoning &lt;Part One&gt;"
    )
    assert nobreak_dash("A — B - C") == "A\u00a0— B\u00a0- C"
    assert nobreak_dash("Spider-Man") == "Spider-Man"
    shy = "\u00ad"
    assert (
        nobreak_dash("Die Großstadtverwaltungsbehörde")
        == f"Die Groß{shy}stadt{shy}ver{shy}wal{shy}tungs{shy}be{shy}hörde"
    )
    assert (
        nobreak_dash("東京の長い夜と終わらない物語についての記録")
        == "東京の長い夜と終わらない物語についての記録"
    )
    assert shy not in nobreak_dash("Hyphenation")  # short words are left alone


def test_not_found_page_offers_recent_posts_and_the_film_index(built: Path) -> None:
    doc = lxml_html.fromstring((built / "404.html").read_bytes())
    recent = doc.xpath("//section[@aria-labelledby='recent-posts']//article//h3/a/@href")
    assert recent[:2] == ["/posts/past/", "/posts/far/"] and len(recent) == 5
    assert "/films/" in doc.xpath("//main//a/@href")


def test_headings_do_not_repeat_on_later_and_term_pages(tmp_path: Path) -> None:
    files = dict(FILES)
    files["newsreel.yaml"] = "title: Facts Desk\nbase_url: https://example.org/\nper_page: 2\n"
    for n in range(3):
        files[f"content/posts/2019-0{n + 1}-01-tagged-{n}.md"] = post(
            f"Stunt {n}", f"2019-0{n + 1}-01", tags="[stunts]"
        )
    site = write_site(tmp_path / "src", files)
    build_site(site, BuildOptions(output=site / "site", use_cache=False, now=NOW))
    out = site / "site"
    for path in (
        "/",
        "/page/3/",
        "/tags/stunts/",
        "/tags/stunts/page/2/",
        "/films/dead-reckoning/",
        "/films/",
        "/actors/tom-cruise/",
    ):
        doc = page(out, path)
        headings = [text(h).casefold() for h in doc.xpath("//h1 | //h2 | //h3 | //h4")]
        assert len(headings) == len(set(headings)), (path, headings)
        links = [text(a).casefold() for a in doc.xpath("//a[contains(@href, 'feed.xml')]")]
        assert len(links) == len(set(links)) and len(links) <= 2, (path, links)
    assert text(page(out, "/page/3/").xpath("//h1")[0]) == "Latest news page 3 of 5"
    assert text(page(out, "/tags/stunts/").xpath("//h1")[0]) == "stunts"
