"""An article page's main text and metadata, by trafilatura (no page furniture).

Trafilatura finds the article body (navigation, "most read" boxes, cookie banners and
footers left out), the title, author, date, site name and canonical URL. Dates come only
from what the page states (metadata, ``<time>``, the URL), never from a guess over its
text; a feed's own date for the item wins over the page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import trafilatura
from courlan import normalize_url

from core.errors import FetchError

_MIN_TEXT_CHARS = 120


@dataclass(frozen=True, slots=True)
class WebArticle:
    """An article read from the web, ready to be written into the corpus."""

    url: str  # canonical: the page's <link rel=canonical>, else where it was fetched
    fetched_url: str
    title: str
    text: str  # paragraphs separated by blank lines
    source: str | None
    author: str | None
    published: str | None  # YYYY-MM-DD
    fetched_at: str  # ISO 8601, UTC


def canonical_url(url: str) -> str:
    """The URL without its fragment and tracking parameters, scheme and host lower-cased."""
    try:
        return normalize_url(url, strict=True)
    except ValueError:
        return url.split("#", 1)[0]


def extract_article(
    html: bytes,
    url: str,
    *,
    fetched_at: str,
    published: str | None = None,
    title: str | None = None,
) -> WebArticle:
    """The article on a fetched page; ``published`` and ``title`` (from the feed's item)
    take precedence over what the page says. Raises ``FetchError`` for a page without an
    article (an index page, a paywall stub, an image)."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(document, "text", None) or ""
    if len(text.strip()) < _MIN_TEXT_CHARS:
        raise FetchError(f"{url}: no article text found on the page")
    page_title = _clean(getattr(document, "title", None))
    chosen_title = _clean(title) or page_title or _first_line(text)
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and paragraphs[0] in {chosen_title, page_title}:
        paragraphs = paragraphs[1:]  # the headline is the title, not article text
    canonical = _http_url(getattr(document, "url", None)) or url
    return WebArticle(
        url=canonical_url(canonical),
        fetched_url=url,
        title=chosen_title,
        text="\n\n".join(paragraphs) + "\n",
        source=_clean(getattr(document, "sitename", None)),
        author=_clean(getattr(document, "author", None)),
        published=published or _iso_date(getattr(document, "date", None)),
        fetched_at=fetched_at,
    )


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "(untitled)")[:300]


def _http_url(value: object) -> str | None:
    if isinstance(value, str) and re.match(r"https?://[^/\s]+", value):
        return value
    return None


def _iso_date(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None
