"""Trailers: addresses from YouTube and Vimeo, a site's own files, and what reaches the page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from sitekit import newsreel, post, write_site

from newsreel.video import VideoError, parse_video


@pytest.mark.parametrize(
    "url, host, vid, start",
    [
        ("https://www.youtube.com/watch?v=avz06PDqDbM", "YouTube", "avz06PDqDbM", 0),
        ("https://youtu.be/avz06PDqDbM?t=90", "YouTube", "avz06PDqDbM", 90),
        ("http://m.youtube.com/watch?v=avz06PDqDbM&t=1m5s", "YouTube", "avz06PDqDbM", 65),
        ("https://www.youtube.com/embed/avz06PDqDbM", "YouTube", "avz06PDqDbM", 0),
        ("https://www.youtube.com/shorts/avz06PDqDbM", "YouTube", "avz06PDqDbM", 0),
        ("https://www.youtube-nocookie.com/embed/avz06PDqDbM", "YouTube", "avz06PDqDbM", 0),
        ("https://vimeo.com/76979871", "Vimeo", "76979871", 0),
        ("https://player.vimeo.com/video/76979871?h=abcdef1234", "Vimeo", "76979871", 0),
        ("https://vimeo.com/channels/staffpicks/76979871", "Vimeo", "76979871", 0),
        ("/clips/teaser.mp4", "", "/clips/teaser.mp4", 0),
    ],
)
def test_addresses_that_name_one_video(url: str, host: str, vid: str, start: int) -> None:
    video = parse_video(url)
    assert (video.host, video.id, video.start) == (host, vid, start)
    if host == "YouTube":
        assert video.embed_url.startswith(
            f"https://www.youtube-nocookie.com/embed/{vid}?autoplay=1"
        )
    if host == "Vimeo":
        assert video.embed_url.startswith(f"https://player.vimeo.com/video/{vid}?dnt=1")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "https://www.dailymotion.com/video/x7",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/channel/UC123",
        "https://vimeo.com/about",
        "https://evil.example/youtube.com/watch?v=avz06PDqDbM",
        "https://user@youtube.com/watch?v=avz06PDqDbM",
        "https://youtube.com:8080/watch?v=avz06PDqDbM",
        "/clips/../../etc/passwd.mp4",
        "/clips/notes.txt",
        "",
        'https://youtu.be/avz06PDqDbM"><script>',
        "//youtube.com/watch?v=avz06PDqDbM",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(VideoError):
        parse_video(url)


def still() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1280, 720), (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def test_trailers_in_front_matter_and_the_body(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "newsreel.yaml": "base_url: https://example.org/\n",
            "static/img/still.jpg": still(),
            "static/clips/teaser.mp4": b"\x00\x00\x00\x18ftypmp42",
            "content/films/harbour.md": "---\ntitle: Harbour\ntrailer: https://vimeo.com/76979871\n"
            "stills: [{src: /img/still.jpg, alt: Sea}]\n---\nA film.\n",
            "content/posts/a.md": post(
                "A",
                "2023-01-02",
                "Before.\n\nhttps://youtu.be/avz06PDqDbM\n\nAfter.",
                film="Harbour",
                trailer="/clips/teaser.mp4",
            ),
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr
    page = (site / "site/posts/a/index.html").read_text()
    assert re.search(
        r'<video controls preload="none" playsinline poster="/img/still-1280\.[0-9a-f]+\.jpg"', page
    )
    assert '<source src="/clips/teaser.mp4" type="video/mp4">' in page
    before, after = page.index("<p>Before.</p>"), page.index("<p>After.</p>")
    player = page.index(
        '<a class="trailer__link" href="https://www.youtube.com/watch?v=avz06PDqDbM"'
    )
    assert before < player < after  # the body's trailer stays where it was written
    assert 'data-embed="https://www.youtube-nocookie.com/embed/avz06PDqDbM?autoplay=1"' in page
    assert (
        "still-960." in page[player:after]
    )  # poster frame: the film's still, through the pipeline
    assert "i.ytimg.com" not in page and "<iframe" not in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    videos = data["video"]
    assert [v["@type"] for v in videos] == ["VideoObject", "VideoObject"]
    assert videos[0]["contentUrl"] == "https://example.org/clips/teaser.mp4"
    assert videos[1]["embedUrl"] == "https://www.youtube-nocookie.com/embed/avz06PDqDbM"
    assert all(v["thumbnailUrl"].startswith("https://example.org/img/still-1280.") for v in videos)
    film = (site / "site/films/harbour/index.html").read_text()
    assert 'data-embed="https://player.vimeo.com/video/76979871?dnt=1&amp;autoplay=1"' in film
    assert '"@type":"VideoObject"' in film


def test_a_portrait_poster_frame_is_shown_whole(tmp_path: Path) -> None:
    """A 16:9 player keeps a landscape still as a cover crop, but shows a portrait poster whole
    (cropped to 16:9 it would keep a band from its middle, the subject cut away)."""
    tall = io.BytesIO()
    Image.new("RGB", (400, 600), (20, 30, 90)).save(tall, "JPEG")
    site = write_site(
        tmp_path / "site",
        {
            "static/img/still.jpg": still(),
            "static/img/poster.jpg": tall.getvalue(),
            "static/img/poster.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 600"></svg>',
            "content/posts/wide.md": post(
                "Wide",
                "2023-01-03",
                "Text.",
                image="/img/still.jpg",
                image_alt="Sea",
                trailer="https://youtu.be/avz06PDqDbM",
            ),
            "content/posts/tall.md": post(
                "Tall",
                "2023-01-02",
                "Text.",
                image="/img/poster.jpg",
                image_alt="Poster",
                trailer="https://youtu.be/avz06PDqDbM",
            ),
            "content/posts/svg.md": post(
                "Svg",
                "2023-01-01",
                "Text.",
                image="/img/poster.svg",
                image_alt="Poster",
                trailer="https://youtu.be/avz06PDqDbM",
            ),
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr

    def frame(slug: str) -> str:
        page = (site / f"site/posts/{slug}/index.html").read_text()
        return re.search(r'<img [^>]*class="(trailer__frame[^"]*)"', page)[1]

    assert frame("wide") == "trailer__frame"
    assert frame("tall") == "trailer__frame trailer__frame--whole"
    assert frame("svg") == "trailer__frame trailer__frame--whole"


@pytest.mark.parametrize(
    "value, line, message",
    [
        ("https://www.dailymotion.com/video/x7", 4, "is not on YouTube or Vimeo"),
        ('"javascript:alert(1)"', 4, "is not a web address of a video"),
        ("/clips/missing.mp4", 4, "is not a file in static/"),
    ],
)
def test_bad_front_matter_trailers(
    tmp_path: Path, value: str, line: int | None, message: str
) -> None:
    site = write_site(
        tmp_path / "site", {"content/posts/a.md": post("A", "2023-01-02", "Text.", trailer=value)}
    )
    run = newsreel("build", site)
    assert run.returncode == 1
    where = "content/posts/a.md" + (f":{line}" if line else "")
    assert f"{where}: " in run.stderr and message in run.stderr, run.stderr
    assert (
        "javascript:" not in "".join(p.read_text() for p in (site / "site").rglob("*.html"))
        if (site / "site").exists()
        else True
    )


def test_a_malformed_video_line_in_the_body_is_an_error(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/a.md": post(
                "A", "2023-01-02", "Text.\n\nhttps://www.youtube.com/watch?v=nope\n"
            ),
        },
    )
    run = newsreel("build", site)
    assert (
        run.returncode == 1
        and "content/posts/a.md:7: " in run.stderr
        and "does not name a YouTube video" in run.stderr
    )


def test_a_post_with_a_portrait_picture_plays_from_its_films_still(tmp_path: Path) -> None:
    """The 16:9 player starts from a picture wider than tall when the post or its film has
    one: a post whose own picture is a portrait poster shows its film's still instead."""
    tall = io.BytesIO()
    Image.new("RGB", (400, 600), (20, 30, 90)).save(tall, "JPEG")
    site = write_site(
        tmp_path / "site",
        {
            "static/img/still.jpg": still(),
            "static/img/poster.jpg": tall.getvalue(),
            "content/films/harbour.md": "---\ntitle: Harbour\nposter: /img/poster.jpg\n"
            "poster_alt: Poster\nstills: [{src: /img/still.jpg, alt: Sea}]\n---\nA film.\n",
            "content/posts/a.md": post(
                "A",
                "2023-01-02",
                "Text.",
                film="Harbour",
                image="/img/poster.jpg",
                image_alt="Poster",
                trailer="https://youtu.be/avz06PDqDbM",
            ),
            "content/posts/b.md": post(
                "B",
                "2023-01-01",
                "Text.",
                image="/img/poster.jpg",
                image_alt="Poster",
                trailer="https://youtu.be/avz06PDqDbM",
            ),
        },
    )
    run = newsreel("build", site)
    assert run.returncode == 0, run.stderr

    def frame(slug: str) -> tuple[str, str]:
        page = (site / f"site/posts/{slug}/index.html").read_text()
        img = re.search(r'<img [^>]*class="trailer__frame[^"]*"[^>]*>', page)[0]
        return re.search(r'class="([^"]*)"', img)[1], re.search(r' src="([^"]*)"', img)[1]

    cls, src = frame("a")
    assert cls == "trailer__frame" and "/img/still-" in src
    cls, src = frame("b")  # no film: its own portrait picture, shown whole
    assert cls == "trailer__frame trailer__frame--whole" and "/img/poster-" in src
