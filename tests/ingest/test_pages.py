"""A page's article text comes without furniture, with the metadata the page states."""

from __future__ import annotations

import pytest

from core.errors import FetchError
from ingest.pages import canonical_url, extract_article
from tests.ingest.localweb import article_html

PARAGRAPHS = [
    "A magnitude 5.2 earthquake struck the harbour town of Kelby on Thursday morning, "
    "the national seismology institute said.",
    "\u201cWe felt the ground shake for about ten seconds,\u201d said Mayor Anna Berg, adding "
    "that no injuries had been reported so far.",
    "Engineers were inspecting the old bridge over the river, the mayor's office said in a "
    "statement.",
]
STAMP = "2026-11-20T09:00:00+00:00"


def extract(html: bytes, url: str = "https://news.example.com/2026/11/quake", **hints: str):  # type: ignore[no-untyped-def]
    return extract_article(html, url, fetched_at=STAMP, **hints)


def test_the_article_text_is_kept_and_the_furniture_left_out() -> None:
    article = extract(article_html("Quake hits Kelby", PARAGRAPHS))
    assert article.text == "\n\n".join(PARAGRAPHS) + "\n"
    for furniture in ("cookies", "Most read", "Subscribe", "All rights reserved", "Home"):
        assert furniture not in article.text


def test_metadata_comes_from_the_page() -> None:
    article = extract(article_html("Quake hits Kelby", PARAGRAPHS))
    assert article.title == "Quake hits Kelby"
    assert article.source == "Harbour Daily"
    assert article.author == "Jane Roe"
    assert article.published == "2026-11-20"
    assert article.fetched_at == STAMP


def test_the_canonical_url_names_the_article() -> None:
    html = article_html("Quake", PARAGRAPHS, canonical="https://news.example.com/2026/11/quake")
    article = extract(html, "https://news.example.com/2026/11/quake?utm_source=rss#top")
    assert article.url == "https://news.example.com/2026/11/quake"
    assert article.fetched_url.endswith("utm_source=rss#top")


def test_a_page_without_a_date_has_no_date_rather_than_a_guess() -> None:
    html = article_html("Undated", PARAGRAPHS, published=None)
    assert extract(html, "https://news.example.com/undated").published is None


def test_the_feeds_title_and_date_win() -> None:
    article = extract(
        article_html("Page title", PARAGRAPHS), title="Feed title", published="2026-11-19"
    )
    assert (article.title, article.published) == ("Feed title", "2026-11-19")


def test_a_page_without_an_article_is_refused() -> None:
    html = b"<html><body><nav>Home | World</nav><p>Subscribe now</p></body></html>"
    with pytest.raises(FetchError, match="no article text found"):
        extract(html)


def test_tracking_parameters_and_fragments_are_not_part_of_an_address() -> None:
    assert canonical_url("HTTPS://News.Example.com/a?utm_medium=x&id=3#c") == (
        "https://news.example.com/a?id=3"
    )
