"""The image pipeline, through the real command line: variants, <picture> markup, social
cards, the cache, and odd or broken images reported at the line that names them."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sitekit import newsreel, post, tree_hashes, write_site

from newsreel import images
from newsreel.pictures import parse_focus


def jpeg(
    size: tuple[int, int], colour: tuple[int, int, int] = (200, 40, 40), **save: object
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **save)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def bomb() -> bytes:
    """A tiny PNG whose header claims 100,000 × 100,000 pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def rotated() -> bytes:
    """600×400 pixels stored, shown 400×600 (EXIF orientation 6)."""
    image = Image.new("RGB", (600, 400), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("P", (300, 200), i) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def odd_site(root: Path) -> Path:
    body = "First paragraph.\n\n![A red square](/img/big.jpg)\n\nLast paragraph."
    return write_site(
        root,
        {
            "newsreel.yaml": "title: Pictures\nbase_url: https://example.org/news/\n",
            "static/img/big.jpg": jpeg((2400, 1350)),
            "static/img/cmyk.jpg": (
                lambda: (
                    lambda o: (
                        Image.new("CMYK", (700, 500), (200, 90, 0, 0)).save(o, "JPEG"),
                        o.getvalue(),
                    )[1]
                )(io.BytesIO())
            )(),
            "static/img/grey16.png": png(Image.new("I;16", (500, 300), 40000)),
            "static/img/anim.gif": animated_gif(),
            "static/img/rotated.jpg": rotated(),
            "static/img/alpha.png": png(Image.new("RGBA", (400, 300), (0, 0, 0, 0))),
            "static/img/poster.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 600"><rect width="400" height="600"/></svg>',
            "content/posts/lead.md": post(
                "Lead picture",
                "2023-01-05",
                body,
                image="/img/big.jpg",
                image_alt="A red square",
                image_focus="30% 20%",
                film="Harbour",
            ),
            "content/posts/cmyk.md": post(
                "CMYK", "2023-01-04", "Text.", image="/img/cmyk.jpg", image_alt="Blue"
            ),
            "content/posts/grey.md": post(
                "Grey", "2023-01-03", "Text.", image="img/grey16.png", image_alt='""'
            ),
            "content/posts/gif.md": post(
                "Gif", "2023-01-02", "Text.", image="/img/anim.gif", image_alt="Frames"
            ),
            "content/posts/remote.md": post(
                "Remote",
                "2023-01-01",
                "Text.",
                image="https://cdn.example.com/x.jpg",
                image_alt="Far away",
            ),
            "content/films/harbour.md": "---\ntitle: Harbour\nposter: /img/poster.svg\nposter_alt: A black poster\n"
            "stills:\n  - {src: /img/rotated.jpg, alt: Blue, focus: 50% 10%}\n  - /img/alpha.png\n"
            "---\nA film.\n",
        },
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    site = odd_site(tmp_path_factory.mktemp("odd") / "site")
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr
    return site, run.stderr


def test_every_raster_image_becomes_avif_webp_and_a_fallback_never_upscaled(
    built: tuple[Path, str],
) -> None:
    site, _ = built
    out = site / "site" / "img"
    names = sorted(p.name for p in out.iterdir())
    widths = {int(m[1]) for n in names if (m := re.fullmatch(r"big-(\d+)\.[0-9a-f]{10}\.avif", n))}
    assert widths == {320, 640, 960, 1280, 1600}
    assert any(re.fullmatch(r"big-1600\.[0-9a-f]{10}\.webp", n) for n in names)
    assert any(re.fullmatch(r"big-1600\.[0-9a-f]{10}\.jpg", n) for n in names)
    assert not any(
        n.startswith("big-2400") for n in names
    )  # never upscaled past 1600, never the original size
    assert {n.split(".")[0] for n in names if n.startswith("cmyk-")} == {
        "cmyk-320",
        "cmyk-700",
    }  # 640 ≈ 700
    assert any(
        re.fullmatch(r"alpha-400\.[0-9a-f]{10}\.png", n) for n in names
    )  # transparency keeps PNG
    assert "big.jpg" in names and "poster.svg" in names  # static/ is still copied as it is
    with Image.open(next(out.glob("big-640.*.jpg"))) as image:
        assert image.size == (640, 360)
    with Image.open(next(out.glob("cmyk-320.*.jpg"))) as image:
        assert image.mode == "RGB"
        red, green, blue = image.getpixel((10, 10))
        assert blue > red  # CMYK converted, not inverted
    with Image.open(next(out.glob("grey16-500.*.jpg"))) as image:
        assert (
            120 < image.convert("L").getpixel((5, 5)) < 190
        )  # 16-bit scaled to 8, not clipped white
    with Image.open(next(out.glob("rotated-400.*.jpg"))) as image:
        assert image.size == (400, 600)  # turned upright by its EXIF orientation
    with Image.open(next(out.glob("anim-300.*.webp"))) as image:
        assert image.size == (300, 200)


def test_pages_get_picture_markup_with_sizes_and_priorities(built: tuple[Path, str]) -> None:
    site, _ = built
    page = (site / "site/posts/lead/index.html").read_text()
    lead = re.search(r'<figure class="post__image">\s*(<picture>.*?</picture>)', page, re.S)[1]
    assert '<source type="image/avif" srcset="/news/img/big-320.' in lead
    assert '<source type="image/webp"' in lead
    assert 'width="1600" height="900"' in lead
    assert 'fetchpriority="high"' in lead and 'loading="lazy"' not in lead
    assert 'alt="A red square"' in lead and "object-position: 30% 20%" in lead
    assert 'sizes="' in lead
    body = page.split('<div class="prose">', 1)[1]
    inline = re.search(r"<picture>.*?</picture>", body, re.S)[0]
    assert (
        'loading="lazy"' in inline
        and 'alt="A red square"' in inline
        and "/news/img/big-960." in inline
    )
    remote = (site / "site/posts/remote/index.html").read_text()
    assert '<img src="https://cdn.example.com/x.jpg" alt="Far away"' in remote
    grey = (site / "site/posts/grey/index.html").read_text()
    assert re.search(r'<img [^>]*alt=""[^>]*fetchpriority', grey)
    film = (site / "site/films/harbour/index.html").read_text()
    assert '<img src="/news/img/poster.svg" alt="A black poster" width="400" height="600"' in film
    assert "rotated-400." in film and "object-position: 50% 10%" in film
    home = (site / "site/index.html").read_text()
    pictures = re.findall(r"<picture>.*?</picture>", home, re.S)
    assert len(pictures) >= 2
    assert (
        'loading="lazy"' not in pictures[0] and 'fetchpriority="high"' in pictures[0]
    )  # the lead story's
    assert all('loading="lazy"' in p for p in pictures[1:])
    for page_file in (site / "site").rglob("*.html"):
        for tag in re.findall(r"<img [^>]*>", page_file.read_text()):
            if "cdn.example.com" not in tag:
                assert "width=" in tag and "height=" in tag, (page_file, tag)


def test_social_cards_for_posts_films_and_actors(built: tuple[Path, str]) -> None:
    site, _ = built
    for page, card in (
        ("posts/lead", "posts/lead/card.jpg"),
        ("posts/cmyk", "posts/cmyk/card.jpg"),
        ("films/harbour", "films/harbour/card.jpg"),
        ("posts/remote", "posts/remote/card.jpg"),
    ):
        html = (site / "site" / page / "index.html").read_text()
        assert f'<meta property="og:image" content="https://example.org/news/{card}">' in html
        with Image.open(site / "site" / card) as image:
            assert image.size == (1200, 630) and image.format == "JPEG"
    with Image.open(site / "site/posts/lead/card.jpg") as image:
        assert image.getpixel((600, 315))[0] > 150  # the post's own picture, cropped


def test_missing_alt_is_a_warning_at_its_line(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "static/img/a.jpg": jpeg((400, 300)),
            "content/posts/a.md": post(
                "A", "2023-01-01", "Text.\n\n![](/img/a.jpg)", image="/img/a.jpg"
            ),
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr
    assert "content/posts/a.md:4: warning: 'image' has no alt text" in run.stderr
    assert "content/posts/a.md:8: warning: the image '/img/a.jpg' has no alt text" in run.stderr


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("missing.jpg", None, "is not an image in static/"),
        ("text.jpg", b"hello, I am not a picture", "is not an image Pillow can read"),
        ("truncated.jpg", jpeg((1200, 800), quality=95)[:3000], "truncated"),
        ("bomb.png", bomb(), "decompression bomb"),
        ("empty.png", b"", "is not an image"),
    ],
)
def test_broken_images_fail_the_build_and_keep_the_old_site(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    files: dict[str, str | bytes] = {
        "static/img/ok.jpg": jpeg((400, 300)),
        "content/posts/a.md": post(
            "A", "2023-01-01", "Text.", image="/img/ok.jpg", image_alt="Fine"
        ),
    }
    site = write_site(tmp_path / "site", files)
    assert newsreel("build", site).returncode == 0
    before = tree_hashes(site / "site")
    if data is not None:
        (site / "static/img" / name).write_bytes(data)
    (site / "content/posts/b.md").write_text(
        post("B", "2023-01-02", f"Text.\n\n![Broken](/img/{name})")
    )
    run = newsreel("build", site)
    assert run.returncode == 1
    assert "content/posts/b.md:7: the Markdown image" in run.stderr and message in run.stderr, (
        run.stderr
    )
    assert "Traceback" not in run.stderr
    assert tree_hashes(site / "site") == before


def test_a_broken_front_matter_image_names_its_key_line(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "static/img/bad.jpg": b"GIF89a but not really",
            "content/films/f.md": "---\ntitle: F\nposter: /img/bad.jpg\nposter_alt: x\n---\n",
            "content/posts/a.md": post("A", "2023-01-01", "Text.", film="F"),
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 1
    assert "content/films/f.md:3: poster static/img/bad.jpg cannot be used" in run.stderr


def test_a_warm_build_does_no_image_work_and_gives_the_same_bytes(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "static/img/a.jpg": jpeg((1000, 600)),
            "content/posts/a.md": post(
                "A", "2023-01-01", "Text.", image="/img/a.jpg", image_alt="A"
            ),
        },
    )
    assert newsreel("build", site).returncode == 0
    cold = tree_hashes(site / "site")
    cache = site / ".newsreel-cache" / "images"
    stamps = {
        p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file() and p.name != "index.json"
    }
    (site / "content/posts/a.md").write_text(
        post("A", "2023-01-01", "Other text.", image="/img/a.jpg", image_alt="A")
    )
    assert newsreel("build", site).returncode == 0
    after = {
        p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file() and p.name != "index.json"
    }
    assert after == stamps  # nothing encoded again
    assert newsreel("build", site, "--no-cache", "--output", tmp_path / "fresh").returncode == 0
    fresh = tree_hashes(tmp_path / "fresh")
    assert {k: v for k, v in tree_hashes(site / "site").items() if "img/" in k or "card" in k} == {
        k: v for k, v in fresh.items() if "img/" in k or "card" in k
    }
    assert {k for k in cold if "img/" in k} == {k for k in fresh if "img/" in k}


def test_replacing_an_image_rebuilds_its_variants_and_pages(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "static/img/a.jpg": jpeg((800, 600)),
            "content/posts/a.md": post(
                "A", "2023-01-01", "Text.", image="/img/a.jpg", image_alt="A"
            ),
        },
    )
    assert newsreel("build", site).returncode == 0
    old = (site / "site/posts/a/index.html").read_text()
    (site / "static/img/a.jpg").write_bytes(jpeg((800, 600), (10, 200, 10)))
    assert newsreel("build", site).returncode == 0
    new = (site / "site/posts/a/index.html").read_text()
    old_names = set(re.findall(r"a-800\.[0-9a-f]{10}\.jpg", old))
    new_names = set(re.findall(r"a-800\.[0-9a-f]{10}\.jpg", new))
    assert old_names and new_names and old_names != new_names
    assert not any((site / "site/img").glob(f"{next(iter(old_names))}"))


def test_focus_and_widths() -> None:
    assert parse_focus("30% 20%") == (0.3, 0.2)
    assert parse_focus("center") == (0.5, 0.5)
    assert parse_focus("130% 20%") is None and parse_focus("left-ish") is None
    assert images.widths_for(200) == [200]
    assert images.widths_for(1000) == [
        320,
        640,
        1000,
    ]  # 960 is too close to 1000 to be worth a file
    assert images.widths_for(1100) == [320, 640, 960, 1100]
    assert images.widths_for(5000) == [320, 640, 960, 1280, 1600]


def test_bad_focus_is_an_error(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "static/img/a.jpg": jpeg((400, 300)),
            "content/posts/a.md": post(
                "A", "2023-01-01", "Text.", image="/img/a.jpg", image_alt="A", image_focus="top-ish"
            ),
        },
    )
    run = newsreel("build", site)
    assert (
        run.returncode == 1
        and "content/posts/a.md:6: 'image_focus' must be two percentages" in run.stderr
    )


def test_only_the_pictures_something_names_are_processed(tmp_path: Path) -> None:
    """An image of static/ that no post, page or template names is copied as it is and never
    encoded; a post that starts naming it (a Markdown image, a patch-sized edit) gets its
    variants, and every warm build gives what a cold one gives."""
    site = write_site(
        tmp_path / "site",
        {
            "static/img/a.jpg": jpeg((900, 600)),
            "static/img/spare.jpg": jpeg((900, 600), (10, 10, 200)),
            "static/img/logo.png": png(Image.new("RGB", (400, 200), (0, 120, 0))),
            "templates/partials/site-logo.html": '{{ picture("/img/logo.png", "Logo") }}\n',
            "content/posts/a.md": post(
                "A", "2023-01-02", "Text.", image="/img/a.jpg", image_alt="A"
            ),
            "content/posts/b.md": post("B", "2023-01-01", "No picture yet."),
        },
    )
    assert newsreel("build", site).returncode == 0
    out = site / "site" / "img"
    names = {p.name for p in out.iterdir()}
    assert "spare.jpg" in names and not any(n.startswith("spare-") for n in names)
    assert any(n.startswith("a-900.") for n in names)
    assert any(n.startswith("logo-400.") for n in names)  # named by a template
    cache = site / ".newsreel-cache" / "images"
    assert len({p.parent for p in cache.rglob("*.avif")}) == 2  # a.jpg and logo.png only
    (site / "content/posts/b.md").write_text(
        post("B", "2023-01-01", "Now with one.\n\n![Blue](/img/spare.jpg)")
    )
    assert newsreel("build", site).returncode == 0
    assert any(n.startswith("spare-900.") for n in (p.name for p in out.iterdir()))
    assert "<picture>" in (site / "site/posts/b/index.html").read_text()
    assert newsreel("build", site, "--no-cache", "--output", tmp_path / "cold").returncode == 0
    assert tree_hashes(site / "site") == tree_hashes(tmp_path / "cold")
    (site / "content/posts/b.md").write_text(post("B", "2023-01-01", "Picture gone again."))
    assert newsreel("build", site).returncode == 0
    assert not any(n.startswith("spare-") for n in (p.name for p in out.iterdir()))
    assert newsreel("build", site, "--no-cache", "--output", tmp_path / "cold2").returncode == 0
    assert tree_hashes(site / "site") == tree_hashes(tmp_path / "cold2")


def test_social_cards_can_be_turned_off(tmp_path: Path) -> None:
    """``social_cards: false``: no card is drawn, and a page's og:image is its own picture."""
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": "title: T\nbase_url: https://example.org/\nsearch: false\n"
            "social_cards: false\n",
            "content/posts/plain.md": post("Plain", film="Dune"),
            "content/posts/pictured.md": post(
                "Pictured", date="2023-01-03", image="https://img.example.org/b.jpg", image_alt="B"
            ),
        },
    )
    done = newsreel("build", site)
    assert done.returncode == 0, done.stderr
    out = site / "site"
    assert not list(out.rglob("card.jpg"))
    plain = (out / "posts/plain/index.html").read_text()
    assert 'property="og:image"' not in plain and "card.jpg" not in plain
    pictured = (out / "posts/pictured/index.html").read_text()
    assert '<meta property="og:image" content="https://img.example.org/b.jpg">' in pictured
    assert "card.jpg" not in (out / "films/dune/index.html").read_text()


def test_large_and_turned_jpegs_are_decoded_small_and_sized_right(tmp_path: Path) -> None:
    """A JPEG far wider than the widest output is decoded at a reduced scale, and each width
    resized from the next larger one: every variant has the size it is listed with, upright."""
    wide = tmp_path / "wide.jpg"
    wide.write_bytes(jpeg((4000, 1000)))
    turned = tmp_path / "turned.jpg"
    image = Image.new("RGB", (4000, 3400), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6  # stored 4000×3400, shown 3400×4000
    image.save(turned, "JPEG", exif=exif)
    decoded, original = images.open_image(wide)
    assert decoded.size == (2000, 500) and original == (4000, 1000)  # half the scale
    decoded, original = images.open_image(turned)
    assert decoded.size == (1700, 2000) and original == (3400, 4000)
    for path, size, largest in (
        (wide, (4000, 1000), (1600, 400)),
        (turned, (3400, 4000), (1600, 1882)),
    ):
        folder = tmp_path / path.stem
        folder.mkdir()
        info = images.process(path.name, path, "0" * 20, folder)
        assert info.error is None and (info.width, info.height) == size
        assert (info.largest.width, info.largest.height) == largest
        assert sorted({v.width for v in info.variants}) == [320, 640, 960, 1280, 1600]
        for variant in info.variants:
            with Image.open(folder / variant.cached) as written:
                assert written.size == (variant.width, variant.height), variant


def test_a_settings_change_re_encodes_and_equal_files_are_encoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is keyed by content and settings: two files with the same bytes are encoded
    once (each gets variants under its own name), a second run encodes nothing, and a change
    of an encoder's settings encodes again."""
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(jpeg((700, 400)))
    static = {f"img/{name}": tmp_path / name for name in ("a.jpg", "b.jpg")}
    cache = tmp_path / "cache"
    first = images.prepare(static, cache)
    assert first.processed == 1
    a, b = first.images["img/a.jpg"], first.images["img/b.jpg"]
    assert a.variants and [v.cached for v in a.variants] == [v.cached for v in b.variants]
    assert {v.rel.split("-")[0] for v in a.variants} == {"img/a"}
    assert {v.rel.split("-")[0] for v in b.variants} == {"img/b"}
    assert images.prepare(static, cache).processed == 0
    webp = next(v for v in a.variants if v.fmt == "webp" and v.width == 700)
    before = (first.folder / a.digest / webp.cached).read_bytes()  # type: ignore[operator]
    monkeypatch.setitem(images.ENCODERS, "webp", {"quality": 40, "method": 2})
    again = images.prepare(static, cache)
    assert again.processed == 1 and again.folder != first.folder
    info = again.images["img/a.jpg"]
    assert info.digest != a.digest
    after = (again.folder / info.digest / webp.cached).read_bytes()  # type: ignore[operator]
    assert after != before


def test_a_path_a_template_computes_shows_the_copied_original_with_its_size(
    tmp_path: Path,
) -> None:
    """The pipeline encodes what content names and what templates write out; a picture a
    template reaches only by a path it computes is the copied original, still with its
    width and height (read from the file's header), and a warm build after the file changes
    gives what a cold one gives."""
    site = write_site(
        tmp_path / "site",
        {
            "newsreel.yaml": "title: T\nbase_url: https://example.org/\nsearch: false\n",
            "static/img/hero.jpg": jpeg((800, 400)),
            "static/img/computed.jpg": jpeg((800, 400), (0, 200, 0)),
            "templates/partials/post_lead.html": (
                '{% set hero = "/img/hero.jpg" %}{{ picture(hero, "Hero") }}\n'
                '{{ picture("/img/" ~ post.slug ~ ".jpg", "Computed") }}\n'
            ),
            "content/posts/computed.md": post("Computed", "2023-01-01", "Text."),
        },
    )
    assert newsreel("build", site).returncode == 0
    page = (site / "site/posts/computed/index.html").read_text()
    names = {p.name for p in (site / "site/img").iterdir()}
    assert any(n.startswith("hero-800.") for n in names)  # written in the template
    assert '<img src="/img/hero-800.' in page
    assert "computed.jpg" in names and not any(n.startswith("computed-") for n in names)
    assert '<img src="/img/computed.jpg" alt="Computed" width="800" height="400"' in page
    (site / "static/img/computed.jpg").write_bytes(jpeg((600, 300), (0, 0, 200)))
    assert newsreel("build", site).returncode == 0
    page = (site / "site/posts/computed/index.html").read_text()
    assert '<img src="/img/computed.jpg" alt="Computed" width="600" height="300"' in page
    assert newsreel("build", site, "--no-cache", "--output", tmp_path / "cold").returncode == 0
    assert tree_hashes(site / "site") == tree_hashes(tmp_path / "cold")


def test_unusable_files_give_a_reason_not_an_exception(tmp_path: Path) -> None:
    """What the build reports at the line naming a file: the pipeline's reason, never a
    traceback (a folder where a file should be, a file gone since it was listed, a PNG
    whose data stops halfway)."""
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    half = tmp_path / "half.png"
    half.write_bytes(png(Image.effect_noise((300, 200), 40))[:600])
    for path, reason in (
        (folder, "cannot read it"),
        (tmp_path / "gone.jpg", "cannot read it"),
        (half, "truncated"),
    ):
        info = images.process(path.name, path, "0" * 20, tmp_path)
        assert info.error is not None and reason in info.error, (path, info.error)
        assert info.variants == ()


def test_a_variant_gone_from_the_cache_is_made_again(tmp_path: Path) -> None:
    """A warm build trusts an image's cache folder while its time is the one recorded (one
    stat an image, not one a variant); a file removed from it changes that time, and the
    image is encoded again."""
    (tmp_path / "a.jpg").write_bytes(jpeg((700, 400)))
    static = {"img/a.jpg": tmp_path / "a.jpg"}
    cache = tmp_path / "cache"
    first = images.prepare(static, cache)
    assert first.processed == 1 and images.prepare(static, cache).processed == 0
    info = first.images["img/a.jpg"]
    gone = first.folder / info.digest / info.variants[0].cached  # type: ignore[operator]
    gone.unlink()
    again = images.prepare(static, cache)
    assert again.processed == 1 and gone.is_file()
    assert images.prepare(static, cache).processed == 0


def test_a_picture_named_with_a_space_and_a_comma_is_linked_percent_encoded(
    tmp_path: Path,
) -> None:
    """Its files keep their name; its addresses are percent-encoded (a space or a comma cut
    the ``srcset`` candidate: the Nu checker and the link check both failed)."""
    site = write_site(
        tmp_path / "blog",
        {
            "newsreel.yaml": "base_url: https://example.org/\n",
            "static/img/a b,c.jpg": jpeg((800, 600), (200, 40, 40)),
            "content/posts/p.md": post("P", image='"/img/a b,c.jpg"', image_alt="x"),
        },
    )
    assert newsreel("build", site).returncode == 0
    html = (site / "site/posts/p/index.html").read_text("utf-8")
    for srcset in re.findall(r'srcset="([^"]*)"', html):
        for candidate in srcset.split(", "):
            url, width = candidate.split(" ")
            assert url.startswith("/img/a%20b%2Cc-") and width.endswith("w")
    assert list((site / "site/img").glob("a b,c-*.jpg"))
    check = newsreel("check", site)
    assert check.returncode == 0 and "no broken link" in check.stdout, check.stdout + check.stderr
