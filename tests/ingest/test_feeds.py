"""Feeds in every common format become entries, newest first; pages point to their feed."""

from __future__ import annotations

import pytest

from core.errors import FeedError
from ingest.feeds import discover_feed, parse_feed
from tests.ingest.localweb import article_html, atom, rdf, rss, rss091

ITEMS = [
    {"title": "Older", "link": "/news/older", "pubDate": "Wed, 18 Nov 2026 08:00:00 GMT"},
    {"title": "Newest", "link": "/news/newest", "pubDate": "Fri, 20 Nov 2026 08:00:00 GMT"},
]
BASE = "http://127.0.0.1:8000/feed.xml"


@pytest.mark.parametrize("render", [rss, atom, rdf, rss091])
def test_every_format_gives_absolute_links(render) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_feed(render(ITEMS), BASE)
    assert parsed.title == "Harbour Daily"
    assert {e.link for e in parsed.entries} == {
        "http://127.0.0.1:8000/news/older",
        "http://127.0.0.1:8000/news/newest",
    }


def test_entries_come_newest_first_with_their_dates() -> None:
    parsed = parse_feed(rss(ITEMS), BASE)
    assert [e.title for e in parsed.entries] == ["Newest", "Older"]
    assert parsed.entries[0].published == "2026-11-20"


def test_undated_entries_come_last_in_the_feeds_order() -> None:
    items = [{"title": "A", "link": "/a"}, ITEMS[0], {"title": "B", "link": "/b"}]
    assert [e.title for e in parse_feed(rss(items), BASE).entries] == ["Older", "A", "B"]


def test_an_entry_fingerprint_changes_with_the_entry() -> None:
    before = parse_feed(rss([ITEMS[0]]), BASE).entries[0]
    edited = {**ITEMS[0], "title": "Older (updated)"}
    after = parse_feed(rss([edited]), BASE).entries[0]
    assert before.fingerprint != after.fingerprint
    assert parse_feed(rss([ITEMS[0]]), BASE).entries[0].fingerprint == before.fingerprint


def test_entries_without_a_web_link_are_left_out() -> None:
    items = [{"title": "mail", "link": "mailto:desk@example.com"}, ITEMS[0]]
    assert [e.title for e in parse_feed(rss(items), BASE).entries] == ["Older"]


def test_a_thousand_items_parse() -> None:
    items = [
        {"title": f"Item {n}", "link": f"/n/{n}", "pubDate": "Fri, 20 Nov 2026 08:00:00 GMT"}
        for n in range(1000)
    ]
    assert len(parse_feed(rss(items), BASE).entries) == 1000


def test_an_html_page_is_not_a_feed_and_its_feed_is_named() -> None:
    page = article_html("Home", ["Welcome to the Harbour Daily."]).replace(
        b"</head>",
        b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>',
    )
    with pytest.raises(
        FeedError,
        match=r"not an RSS or Atom feed; its feed seems to be http://127\.0\.0\.1:8000/rss\.xml",
    ):
        parse_feed(page, "http://127.0.0.1:8000/")
    assert discover_feed(page, "http://127.0.0.1:8000/") == "http://127.0.0.1:8000/rss.xml"


def test_garbage_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="give the feed's address"):
        parse_feed(b"\x00\x01 not xml at all", BASE)
