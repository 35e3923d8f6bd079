"""What a page says about itself: title, description, canonical URL, Open Graph and JSON-LD.

Pure functions from model objects to a ``PageMeta``; the templates print it in ``<head>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from newsreel.config import Settings
from newsreel.model import Post, Term
from newsreel.taxonomies import Taxonomy
from newsreel.urls import Urls, is_safe_url


@dataclass(frozen=True)
class PageMeta:
    """Head metadata of one page (the ``page`` object of the templates)."""

    kind: str
    title: str
    heading: str
    description: str
    canonical: str
    url: str
    og_type: str = "website"
    image: str | None = None
    image_alt: str | None = None
    json_ld: Markup = Markup("")
    feed: str | None = None
    noindex: bool = False
    preview: bool = False
    tweet_script: bool = False
    """Load the platform's widgets script (``tweets.enhance`` on a page that shows a tweet)."""


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON safe to put inside ``<script type="application/ld+json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def image_url(urls: Urls, image: str | None) -> str | None:
    """An absolute URL for an image path from front matter ("img/x.jpg", "/img/x.jpg" or https://)."""
    if not image or not is_safe_url(image):
        return None
    if "://" in image or image.startswith("//"):
        return image
    return urls.absolute(image if image.startswith("/") else "/" + image)


def page_title(settings: Settings, title: str | None) -> str:
    return settings.title if not title else f"{title} · {settings.title}"


def _person(name: str, url: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Person", "name": name}
    if url:
        data["url"] = url
    return data


def post_ld(post: Post, settings: Settings, urls: Urls) -> dict[str, Any]:
    """schema.org NewsArticle for a post, with its films, actors and tweets."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title,
        "description": post.summary,
        "url": urls.absolute(post.url),
        "mainEntityOfPage": urls.absolute(post.url),
        "datePublished": post.date.isoformat(),
        "dateModified": (post.updated or post.date).isoformat(),
        "author": _person(settings.author),
        "publisher": {"@type": "Organization", "name": settings.title, "url": urls.absolute("/")},
        "inLanguage": settings.language,
        "wordCount": post.words,
    }
    image = image_url(urls, post.image)
    if image:
        data["image"] = image
    about: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    keywords: list[str] = []
    for tax in settings.taxonomies:
        for ref in post.refs(tax.name):
            if tax.schema is None:
                keywords.append(ref.name)
                continue
            thing: dict[str, Any] = {
                "@type": tax.schema,
                "name": ref.name,
                "url": urls.absolute(ref.url),
            }
            if tax.releases and ref.year:
                thing["datePublished"] = str(ref.year)
            (about if tax.releases else mentions).append(thing)
    if about:
        data["about"] = about
    if mentions:
        data["mentions"] = mentions
    if keywords:
        data["keywords"] = ", ".join(keywords)
    citations = []
    for tweet in post.tweets:
        posting: dict[str, Any] = {
            "@type": "SocialMediaPosting",
            "url": tweet.link,
            "author": {"@type": "Person", "alternateName": "@" + tweet.handle},
        }
        if tweet.author:
            posting["author"]["name"] = tweet.author
        if tweet.text:
            posting["text"] = tweet.text
        if tweet.date:
            posting["datePublished"] = tweet.date
        citations.append(posting)
    if citations:
        data["citation"] = citations
    return data


def term_ld(term: Term, tax: Taxonomy, urls: Urls) -> dict[str, Any]:
    """schema.org data of a term: a thing of its kind's ``schema`` type (a ``Movie``, a
    ``Person``), with its other names, release year and declared fields; a ``CollectionPage``
    for a kind without one."""
    url = urls.absolute(term.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": tax.schema or "CollectionPage",
        "name": term.name,
        "url": url,
    }
    if tax.schema is not None:
        if term.aka:
            data["alternateName"] = list(term.aka)
        if tax.releases and term.release_year:
            data["datePublished"] = str(term.release_year)
        for key, kind in tax.fields:
            value = term.extra.get(key)
            if value:
                data[key] = {"@type": kind, "name": str(value)} if kind else str(value)
    image = image_url(urls, term.image)
    if image:
        data["image"] = image
    return data


OG_TYPES = {"Movie": "video.movie", "Person": "profile"}
"""Open Graph types of the schema.org types that have one; any other is a ``website``."""


def og_type(schema: str | None) -> str:
    return OG_TYPES.get(schema or "", "website")


def collection_ld(name: str, url: str, description: str) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "url": url,
        "description": description,
    }


def website_ld(settings: Settings, urls: Urls) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": settings.title,
        "description": settings.description,
        "url": urls.absolute("/"),
        "inLanguage": settings.language,
    }
