"""The theme as a reader sees it, in headless Chromium: layout checks and visual regression.

The fixed site in ``tests/fixtures/theme-site`` (films with and without files, posts with and
without images, long German and Latin Extended titles, one-post and many-post term pages) is
built with a fixed date, served, and opened at 320, 390 and 1280 px, light and dark.

* **Layout checks** (a CJK title added): no sideways scroll at 320 px, no row of cards that
  leaves one card beside empty cells, no line of a title or a film name that starts with a
  dash, no two headings with the same text on a page.
* **Visual regression**: a screenshot (the top 1800 px) of every page kind at 390 and 1280 px, light
  and dark, compared with the committed baseline in ``tests/visual/`` with a small tolerance
  (anti-aliasing may differ by a few pixels; a moved block or a changed colour may not).
  After an intended change of the theme, regenerate the baselines and look at them:

      NEWSREEL_UPDATE_BASELINES=1 .venv/bin/python -m pytest tests/test_visual.py -k visual

The pages are deterministic: the fonts are the theme's own (and loaded before the shot), the
pictures are SVG, the build's date is fixed, animations and the caret are off.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser
from sitekit import chromium, post, static_server

from newsreel.build import BuildOptions, build_site

pytestmark = pytest.mark.browser

SCREENSHOT_ARGS = [
    "--font-render-hinting=none",
    "--disable-lcd-text",
    "--force-color-profile=srgb",
]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "theme-site"
BASELINES = Path(__file__).resolve().parent / "visual"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
UPDATE = os.environ.get("NEWSREEL_UPDATE_BASELINES") == "1"

PAGES = {
    "home": "",
    "home-page2": "page/2/",
    "post": "posts/harbour-lights-dated/",
    "post-plain": "posts/long-descent-moves/",
    "film": "films/harbour-lights/",
    "film-nofile": "films/lodz-nights/",
    "films": "films/",
    "actors": "actors/",
    "actor": "actors/ada-brennan/",
    "tags": "tags/",
    "tag": "tags/release-dates/",
    "releases": "releases/",
    "404": "404.html",
}
HEIGHTS = {390: 844, 1280: 800}

SHOT_HEIGHT = 1800
"""Each shot is the page's top 1800 px (a front page's lead, row and list; a post's text)."""
SETTLE = """async () => {
  for (const img of document.querySelectorAll('img[loading="lazy"]')) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.complete ? null : img.decode().catch(() => null)));
  await document.fonts.ready;
  return document.documentElement.scrollHeight;
}"""
PIXEL_TOLERANCE = 48
"""A pixel differs when one of its channels moved by more than this (anti-aliasing stays below)."""
AREA_TOLERANCE = 0.0005
"""A shot differs when more than this share of its pixels differ (0.05 %: runs differ by a
thousandth of that; one card title set a size larger differs by more)."""


def _build(root: Path, extra: dict[str, str] | None = None) -> Path:
    site = root / "src"
    shutil.copytree(FIXTURE, site, ignore=shutil.ignore_patterns(".newsreel-cache"))
    for rel, text in (extra or {}).items():
        (site / rel).write_text(text, encoding="utf-8")
    build_site(site, BuildOptions(output=root / "www", use_cache=False, now=NOW))
    return root / "www"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium set to render text the same way on every machine (in place of conftest's)."""
    with chromium(*SCREENSHOT_ARGS) as launched:
        yield launched


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with static_server(_build(tmp_path_factory.mktemp("visual"))) as url:
        yield url


CJK_TITLE = "東京の長い夜と終わらない物語についての記録映画が公開日を発表"
GERMAN_TITLE = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung – der Film"


@pytest.fixture(scope="module")
def served_more(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture with long CJK and German titles added (layout checks only: CJK falls back to
    the system's fonts, which differ from machine to machine)."""
    extra = {
        "content/posts/2024-05-25-cjk.md": post(
            CJK_TITLE + "：公開日",
            "2024-05-25",
            "本文。",
            film=f'"{CJK_TITLE}"',
            release_year="2026",
        ),
        "content/posts/2024-05-24-german.md": post(
            GERMAN_TITLE + " gets a date",
            "2024-05-24",
            "Text.",
            film=f'"{GERMAN_TITLE}"',
            release_year="2027",
        ),
    }
    with static_server(_build(tmp_path_factory.mktemp("layout"), extra)) as url:
        yield url


def _open(browser, url: str, width: int, scheme: str):
    page = browser.new_page(
        viewport={"width": width, "height": HEIGHTS.get(width, 800)},
        color_scheme=scheme,
        device_scale_factor=1,
    )
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready")
    return page


LAYOUT = """() => {
  const problems = [];
  const seen = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 0) problems.push(`scrolls sideways by ${overflow}px`);

  // two headings with the same text
  const heads = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(seen)
    .map(h => h.innerText.replace(/\\s+/g, ' ').trim().toLowerCase()).filter(Boolean);
  const twice = heads.filter((h, i) => heads.indexOf(h) !== i);
  if (twice.length) problems.push(`repeated headings: ${[...new Set(twice)].join(' | ')}`);

  // a row of cards: one card beside empty cells
  const main = document.querySelector('main');
  const boxes = [...main.querySelectorAll('*')].filter(el => {
    const style = getComputedStyle(el);
    return (style.display === 'grid' || (style.display === 'flex' && style.flexWrap === 'wrap'))
      && el.querySelector(':scope > article');
  });
  for (const box of boxes) {
    const rows = new Map();
    for (const child of box.children) {
      if (!seen(child)) continue;
      const top = Math.round(child.getBoundingClientRect().top);
      rows.set(top, (rows.get(top) || []).concat([child.getBoundingClientRect().width]));
    }
    const counts = [...rows.values()].map(r => r.length);
    const widest = Math.max(0, ...counts);
    [...rows.values()].forEach((row) => {
      if (widest > 1 && row.length === 1 && row[0] < 0.75 * box.clientWidth)
        problems.push(`a lone card in .${box.className.split(' ')[0]} (${counts.join('+')})`);
    });
  }
  // the same over every article of the page (how a reader sees rows)
  const articles = [...main.querySelectorAll('article')].filter(seen).map(a => a.getBoundingClientRect())
    .filter(r => r.width > 120);
  const rows = new Map();
  for (const r of articles) rows.set(Math.round(r.top), (rows.get(Math.round(r.top)) || []).concat([r.width]));
  const most = Math.max(0, ...[...rows.values()].map(v => v.length));
  if (most >= 2 && [...rows.values()].some(v => v.length === 1 && v[0] < 0.5 * main.clientWidth))
    problems.push('an article alone in a row of cards');

  // a line of a title or a film name that starts with a dash
  const titles = main.querySelectorAll('h1, h2, h3, [class$="__films"] a, .rail__name, .index__name, .ph__name');
  for (const el of titles) {
    if (!seen(el)) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let lastTop = null, lineStart = true;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        if (!rects.length) continue;
        const top = Math.round(rects[rects.length - 1].top);
        if (lastTop === null || top > lastTop + 2) lineStart = true;
        lastTop = top;
        if (lineStart && !/\\s/.test(text[i])) {
          if (/[\\u2013\\u2014-]/.test(text[i]))
            problems.push(`a line starts with "${text[i]}" in "${el.innerText.trim().slice(0, 60)}"`);
          lineStart = false;
        }
      }
    }
  }
  // a placeholder's name broken inside a word (or cut) while its type could still shrink
  for (const el of main.querySelectorAll('.ph__name')) {
    if (!seen(el) || parseFloat(getComputedStyle(el).fontSize) < 8.5) continue;
    const name = el.textContent.trim().slice(0, 40);
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`a placeholder cuts "${name}"`);
    const node = el.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    let top = null;
    for (let i = 0; i < node.textContent.length; i++) {
      if (/\\s/.test(node.textContent[i])) { top = null; continue; }
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const at = Math.round(rects[0].top);
      if (top !== null && at > top + 2) { problems.push(`a placeholder breaks a word of "${name}"`); break; }
      top = at;
    }
  }
  return problems;
}"""


def test_layout_holds_at_every_width(browser, served_more: str) -> None:
    problems = []
    for scheme in ("light", "dark"):
        for width in (320, 390, 800, 1280):
            page = _open(browser, served_more, width, scheme)
            try:
                for name, path in PAGES.items():
                    page.goto(served_more + path, wait_until="load")
                    page.evaluate("document.fonts.ready")
                    problems += [f"{name} {width}px {scheme}: {p}" for p in page.evaluate(LAYOUT)]
                for path in (
                    "posts/cjk/",
                    "posts/german/",
                    "films/donaudampfschifffahrtsgesellschaftskapitanswitwenrentenversicherung-der-film/",
                ):
                    page.goto(served_more + path, wait_until="load")
                    problems += [f"{path} {width}px {scheme}: {p}" for p in page.evaluate(LAYOUT)]
            finally:
                page.close()
    assert not problems, "\n".join(problems)


def test_layout_check_catches_the_defects(browser, served: str) -> None:
    """The checks above fail on the defects they are for (so a pass means something)."""
    page = _open(browser, served + "tags/release-dates/", 1280, "light")
    try:
        page.evaluate("""() => {
            const river = document.querySelector('.river');
            river.style.display = 'grid';
            river.style.gridTemplateColumns = 'repeat(2, 1fr)';
            const h = document.querySelector('h1');
            h.innerHTML = '<span>Harbour</span> \u2013 the long night';
            h.style.width = (h.querySelector('span').getBoundingClientRect().width + 4) + 'px';
            const again = document.createElement('h2');
            again.textContent = h.textContent;
            document.querySelector('main').append(again);
            const ph = document.createElement('div');  // a fit too small: the word won't shrink
            ph.className = 'ph ph--tall';
            ph.style.width = '72px';
            ph.innerHTML = '<span class="ph__name" style="--fit: 3">Oppenheimer</span>';
            document.querySelector('main').append(ph);
        }""")
        found = " ".join(page.evaluate(LAYOUT))
    finally:
        page.close()
    assert (
        "lone card" in found
        and 'starts with "\u2013"' in found
        and "repeated headings" in found
        and 'a placeholder breaks a word of "Oppenheimer"' in found
    ), found


def _difference(shot: Image.Image, baseline: Image.Image) -> float:
    """Share of pixels whose colour moved by more than ``PIXEL_TOLERANCE`` in some channel."""
    if shot.size != baseline.size:
        return 1.0
    diff = ImageChops.difference(shot.convert("RGB"), baseline.convert("RGB"))
    mask = Image.eval(diff, lambda v: 255 if v > PIXEL_TOLERANCE else 0).convert("L")
    mask = Image.eval(mask, lambda v: 255 if v else 0)
    return mask.histogram()[255] / (shot.width * shot.height)


def _save(image: Image.Image, path: Path) -> None:
    """A baseline kept small: 256 colours without dithering (well inside the tolerance)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    ).save(path, optimize=True)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_visual_regression(browser, served: str, width: int, scheme: str, tmp_path: Path) -> None:
    import io

    problems = []
    page = _open(browser, served, width, scheme)
    try:
        for name, path in PAGES.items():
            page.goto(served + path, wait_until="load")
            height = page.evaluate(SETTLE)
            clip = {"x": 0, "y": 0, "width": width, "height": min(height, SHOT_HEIGHT)}
            shot = Image.open(
                io.BytesIO(
                    page.screenshot(full_page=True, clip=clip, animations="disabled", caret="hide")
                )
            )
            baseline = BASELINES / f"{name}-{width}-{scheme}.png"
            if UPDATE:
                _save(shot, baseline)
                continue
            if not baseline.is_file():
                problems.append(
                    f"{baseline.name}: no baseline (NEWSREEL_UPDATE_BASELINES=1 makes it)"
                )
                continue
            share = _difference(shot, Image.open(baseline))
            if os.environ.get("NEWSREEL_VISUAL_REPORT"):
                print(f"{baseline.name}: {share:.5%}")
            if share > AREA_TOLERANCE:
                shot.save(tmp_path / baseline.name)
                problems.append(
                    f"{baseline.name}: {share:.2%} of the pixels differ (this run's shot: "
                    f"{tmp_path / baseline.name})"
                )
    finally:
        page.close()
    assert not problems, "\n".join(problems)
