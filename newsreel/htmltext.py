"""An article's text from a saved web page, for ``newsreel import``: the standard library's
``html.parser`` reads the page; the text of its ``<article>`` (else its ``<main>``, else its
``<body>``) comes out as the plain text a browser copy gives, one block per paragraph.

Navigation, headers and footers, asides, forms, scripts and styles are left out. A link to a
tweet or a video keeps its address after its text, and an embedded video player becomes its
address on a line of its own, so the importer finds them as it finds them in copied text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "head",
        "title",
    }
)
"""Elements whose text is never the article's."""
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "figure",
        "figcaption",
        "table",
        "tr",
        "pre",
        "dd",
        "dt",
        "hr",
        "body",
    }
)
"""Elements that end a block of text."""
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "col"})
_KEPT_ADDRESS = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter\.com|x\.com)/\w+/status(?:es)?/\d+"
    r"|https?://(?:www\.|m\.)?(?:youtube\.com|youtu\.be|youtube-nocookie\.com|vimeo\.com)/\S+"
)
"""Link addresses kept in the text: tweets and videos, which the importer embeds."""
_STATUS = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter\.com|x\.com)/\w+/status(?:es)?/\d+")
_EMBED_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/embed/)([\w-]{6,})")
LOOKS_LIKE_HTML = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
"""The start of a saved web page (a text that merely quotes a tag is not one)."""


def looks_like_html(text: str) -> bool:
    return LOOKS_LIKE_HTML.match(text[:4096]) is not None


class _Reader(HTMLParser):
    """Collects the text of each of the page's parts, block by block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: dict[str, list[str]] = {"article": [], "main": [], "body": []}
        self.open: dict[str, int] = dict.fromkeys(self.parts, 0)
        self.open["body"] = 1  # (a page without a <body> tag is all body)
        self.done: set[str] = set()  # (the first <article> or <main> only)
        self.skipping = 0
        self.line: list[str] = []
        self.href = ""  # (the open link's address, when it is one to keep)
        self.quoting = 0  # (inside a <blockquote>: its blocks are lines of one block)
        self.quoted: list[str] = []
        self.tweet = ""  # (a quoted tweet's status address, put before its "— Name" line)

    def _into(self) -> list[list[str]]:
        return [self.parts[name] for name, depth in self.open.items() if depth > 0]

    def _break(self) -> None:
        text = " ".join("".join(self.line).split())
        self.line = []
        if text and self.quoting:
            self.quoted.append(text)
        elif text:
            for part in self._into():
                part.append(text)

    def _quote(self, start: bool) -> None:
        """A ``<blockquote>`` is one block (a copied tweet's text and its "— Name" line)."""
        self._break()
        self.quoting += 1 if start else -1
        if self.quoting or not self.quoted:
            return
        block = "\n".join(self.quoted)
        if self.tweet:
            tail = block.rfind("\u2014")
            block = (
                f"{block[:tail].rstrip()} {self.tweet}\n{block[tail:]}"
                if tail > 0
                else f"{block} {self.tweet}"
            )
        self.quoted, self.tweet = [], ""
        for part in self._into():
            part.append(block)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            if tag not in _VOID:
                self.skipping += 1
            return
        if self.skipping:
            return
        if tag == "blockquote":
            self._quote(start=True)
            return
        if tag in _BLOCKS:
            self._break()
        if tag in self.open and tag not in self.done:
            self.open[tag] += 1
        found = dict(attrs)
        if tag == "br":
            self._break()
        elif tag == "iframe":
            embedded = _EMBED_ID.search(found.get("src") or "")
            if embedded:
                self._break()
                self.line.append(f"https://www.youtube.com/watch?v={embedded.group(1)}")
                self._break()
        elif tag == "a":
            href = found.get("href") or ""
            status = _STATUS.match(href)  # (without its "?ref_src=…")
            self.href = status.group() if status else href if _KEPT_ADDRESS.fullmatch(href) else ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if tag == "blockquote":
            if self.quoting:
                self._quote(start=False)
            return
        if tag == "a" and self.href:
            if self.quoting and _STATUS.fullmatch(self.href):
                self.tweet = self.href
            else:
                self.line.append(f" {self.href}")
            self.href = ""
        if tag in _BLOCKS:
            self._break()
        if tag in self.open and self.open[tag] > 0:
            self._break()
            self.open[tag] -= 1
            if self.open[tag] == 0 and tag in ("article", "main"):
                self.done.add(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.line.append(data)


class _TitleReader(HTMLParser):
    """The page's ``<title>``, for a page whose text has no heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.title.append(data)


def html_to_text(page: str) -> tuple[str, str]:
    """The article's text (blocks separated by blank lines) and which part it came from."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    reader._break()
    part, blocks = "body", reader.parts["body"]
    for name in ("article", "main"):  # (one with the article in it, not a teaser's)
        if sum(len(b) for b in reader.parts[name]) >= 200:
            part, blocks = name, reader.parts[name]
            break
    head = page.lower().find("</head>")
    titles = _TitleReader()
    titles.feed(page if head < 0 else page[:head])
    title = " ".join("".join(titles.title).split()).split(" | ")[0]
    if title and not any(b.startswith(title) or title.startswith(b) for b in blocks[:3]):
        blocks = [title, *blocks]  # (no heading in the text: the page's title is the headline)
    return "\n\n".join(blocks) + "\n", part
