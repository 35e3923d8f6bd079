"""axe-core finds no violation on any kind of page, in light and in dark, in real Chromium.

The site is the example blog with posts whose names are the hard cases for the theme: a
film title of one CJK word or two letters (a link shorter than the year beside it reads as a
link in running text), a one-letter actor, and a post with many films. axe-core is npm's
(scripts/install-test-tools puts it in .venv/tools)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitekit import TOOLS, chromium, copy_example_blog, newsreel, post, static_server

pytestmark = pytest.mark.browser

AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"

HARD_NAMES = {
    "content/posts/2024-06-01-harbour-fire.md": post(
        "港火海 wins the harbour festival",
        "2024-06-01",
        "The jury's choice, in a line.",
        film="港火海",
        release_year="2024",
        actors="[Bo, 王五]",
        tags="[festivals]",
        summary="A short title in a row of longer ones.",
    ),
    "content/posts/2024-06-02-up-again.md": post(
        "Up returns",
        "2024-06-02",
        "A re-release.",
        film="Up",
        release_year="2009",
        actors="[X]",
    ),
    "content/posts/2024-06-03-many-films.md": post(
        "Four films, one weekend",
        "2024-06-03",
        "A round-up.",
        films="[Up, 港火海, Barbie, {title: Oppenheimer, release_year: 2023}]",
        actors="[Bo, Cillian Murphy]",
    ),
}


def _pages(output: Path) -> list[str]:
    """One page of every kind the site has, and every page the hard names are on."""
    wanted = [
        "index.html",
        "page/2/index.html",
        "404.html",
        "search/index.html",
        "releases/index.html",
        "posts/harbour-fire/index.html",
        "posts/up-again/index.html",
        "posts/many-films/index.html",
        "posts/dead-reckoning-part-one-teaser/index.html",
    ]
    for kind in sorted(p.name for p in output.iterdir() if (p / "index.html").is_file()):
        if kind in ("page", "posts", "search", "releases"):
            continue
        wanted.append(f"{kind}/index.html")
        terms = sorted(p.name for p in (output / kind).iterdir() if (p / "index.html").is_file())
        wanted += [f"{kind}/{term}/index.html" for term in terms[:1]]
    wanted += ["films/up/index.html", "actors/bo/index.html", "actors/x/index.html"]
    missing = [rel for rel in wanted if not (output / rel).is_file()]
    assert not missing, f"the site lacks pages this test looks at: {missing}"
    return list(dict.fromkeys(rel.removesuffix("index.html") for rel in wanted))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    if not AXE.is_file():
        message = "axe-core is missing (scripts/install-test-tools installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    blog = copy_example_blog(tmp_path_factory.mktemp("a11y") / "blog")
    for rel, text in HARD_NAMES.items():
        (blog / rel).write_text(text, encoding="utf-8")
    result = newsreel("build", blog)
    assert result.returncode == 0, result.stderr
    with static_server(blog / "site") as url:
        yield url, _pages(blog / "site")


@pytest.mark.parametrize(("scheme", "width"), [("light", 390), ("dark", 1280)])
def test_axe_finds_no_violation(site: tuple[str, list[str]], scheme: str, width: int) -> None:
    url, pages = site
    found = []
    with chromium() as browser:
        context = browser.new_context(
            color_scheme=scheme,  # type: ignore[arg-type]
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        for rel in pages:
            page.goto(url + rel, wait_until="load")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("() => axe.run(document)")
            for violation in result["violations"]:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                found.append(f"/{rel}: {violation['id']} ({violation['help']}) at {targets[:3]}")
    assert not found, "\n".join(found)
