"""Reading RSS 0.9x/1.0/2.0 and Atom documents with feedparser, and finding a page's feed.

feedparser is given bytes that ``Fetcher`` fetched: it never opens a URL itself.
"""

from __future__ import annotations

import calendar
import hashlib
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import feedparser
import lxml.html

from core.errors import FeedError

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: where its article is, and what the feed says of it."""

    link: str
    title: str | None
    published: str | None  # YYYY-MM-DD
    timestamp: float | None  # seconds since the epoch (published, else updated); for order
    fingerprint: str  # changes when the feed's entry changes (title, dates, summary)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]  # newest first


def parse_feed(body: bytes, url: str) -> ParsedFeed:
    """The feed's entries, newest first; raises ``FeedError`` if ``body`` is not a feed."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        found = discover_feed(body, url)
        hint = f"; its feed seems to be {found}" if found else "; give the feed's address"
        raise FeedError(f"{url} is not an RSS or Atom feed{hint}")
    entries = []
    for raw in parsed.entries:
        link = _link(raw, url)
        if link is None:
            continue
        # dict.get: feedparser's own get() maps a missing "updated" to "published", warning
        stamp = dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")
        timestamp = float(calendar.timegm(stamp)) if stamp else None
        published = time.strftime("%Y-%m-%d", stamp) if stamp else None
        fingerprint = hashlib.sha256(
            "\x1f".join(
                str(dict.get(raw, key, "")) for key in ("title", "published", "updated", "summary")
            ).encode("utf-8", "replace")
        ).hexdigest()[:16]
        entries.append(FeedEntry(link, raw.get("title") or None, published, timestamp, fingerprint))
    # newest first; undated entries last, in the feed's order
    entries.sort(key=lambda e: (e.timestamp is None, -(e.timestamp or 0.0)))
    return ParsedFeed(parsed.feed.get("title") or None, entries)


def discover_feed(body: bytes, url: str) -> str | None:
    """The feed an HTML page advertises (``<link rel="alternate" type="…rss+xml">``)."""
    try:
        document = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return None
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in _FEED_TYPES and link.get("href"):
            return urljoin(url, link.get("href", "").strip())
    return None


def _link(entry: feedparser.FeedParserDict, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    return absolute if absolute.startswith(("http://", "https://")) else None
