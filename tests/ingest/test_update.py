"""Polling feeds and fetching pages into the corpus: what is added, updated, skipped, why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import FeedError
from index.corpus import read_corpus
from ingest.fetcher import Fetcher
from ingest.netguard import AddressPolicy
from ingest.state import StateFile
from ingest.update import Ingestor
from tests.ingest.conftest import POLICY
from tests.ingest.localweb import LocalWeb, Route, article_html, atom, rss

QUAKE = [
    "A magnitude 5.2 earthquake struck the harbour town of Kelby on Thursday morning, "
    "the national seismology institute said.",
    "\u201cWe felt the ground shake for about ten seconds,\u201d said Mayor Anna Berg.",
]
BRIDGE = [
    "The old bridge over the Kelby river will stay closed until engineers finish their "
    "inspection, the council said on Friday.",
    "Ferries will run every half hour in the meantime, a council spokesman said.",
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ingestor(tmp_path: Path, fetcher: Fetcher, clock: Clock) -> Ingestor:
    return Ingestor(fetcher, StateFile(tmp_path / "state"), tmp_path / "corpus", now=clock)


def publish(web: LocalWeb, path: str, title: str, paragraphs: list[str], **kw: object) -> dict:
    web.route(path, Route(article_html(title, paragraphs, **kw)))  # type: ignore[arg-type]
    return {"title": title, "link": web.url(path), "pubDate": "Fri, 20 Nov 2026 08:00:00 GMT"}


def test_a_followed_feed_brings_its_articles_into_the_corpus(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    items = [publish(web, "/news/quake", "Quake hits Kelby", QUAKE)]
    feed = ingestor.follow(
        web.route("/rss.xml", Route(rss(items), content_type="application/rss+xml"))
    )
    assert feed.name == "Harbour Daily"

    report = ingestor.poll()

    assert report.counts()["added"] == 1 and report.changed
    reading = read_corpus(ingestor.corpus_dir)
    (article,) = reading.articles
    assert article.title == "Quake hits Kelby"
    assert (article.source, article.author, article.published) == (
        "Harbour Daily",
        "Jane Roe",
        "2026-11-20",
    )
    assert article.url == web.url("/news/quake")
    assert article.id.startswith("web-") and article.path.startswith("web/127.0.0.1/quake-")
    assert article.text == "\n\n".join(QUAKE) + "\n"
    assert (
        "fetched_at: '2026-11-20T09:00:00+00:00'"
        in (ingestor.corpus_dir / article.path).read_text()
    )
    assert not reading.skipped and not reading.problems


def test_a_second_poll_of_an_unchanged_feed_adds_nothing(web: LocalWeb, ingestor: Ingestor) -> None:
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE)]
    ingestor.follow(web.route("/feed", Route(rss(items), etag='"f1"')))
    ingestor.poll()
    report = ingestor.poll()
    assert not report.changed
    assert report.feeds[0].status == "not modified"
    assert web.headers_of("/feed")[-1]["if-none-match"] == '"f1"'


def test_an_article_whose_page_changes_between_polls_is_updated_in_place(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE)]
    ingestor.follow(web.route("/feed", Route(rss(items))))
    ingestor.poll()
    before = read_corpus(ingestor.corpus_dir).articles[0]

    publish(web, "/a", "Quake hits Kelby", [*QUAKE, "Two people were hurt, police said later."])
    report = ingestor.poll()

    assert report.counts()["updated"] == 1
    (after,) = read_corpus(ingestor.corpus_dir).articles
    assert (after.id, after.path) == (before.id, before.path)
    assert "Two people were hurt" in after.text


def test_old_items_are_not_fetched_again(web: LocalWeb, ingestor: Ingestor, clock: Clock) -> None:
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE)]
    ingestor.follow(web.route("/feed", Route(rss(items))))
    ingestor.poll()
    clock.now += timedelta(days=3)  # past the recheck window
    report = ingestor.poll()
    assert web.hits("/a") == 1 and report.counts()["unchanged"] == 1


def test_the_same_article_under_two_urls_is_stored_once(web: LocalWeb, ingestor: Ingestor) -> None:
    canonical = web.url("/story")
    one = publish(web, "/story", "Quake hits Kelby", QUAKE, canonical=canonical)
    two = publish(web, "/amp/story", "Quake hits Kelby", QUAKE, canonical=canonical)
    ingestor.follow(web.route("/feed", Route(rss([one, two]))))
    report = ingestor.poll()
    assert report.counts()["added"] == 1
    assert len(read_corpus(ingestor.corpus_dir).articles) == 1


def test_the_same_text_at_another_address_is_skipped_with_the_reason(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    ingestor.fetch([web.route("/a", Route(article_html("Quake", QUAKE + BRIDGE)))])
    report = ingestor.fetch([web.route("/copy", Route(article_html("Quake", QUAKE + BRIDGE)))])
    (outcome,) = report.articles
    assert outcome.status == "skipped" and outcome.reason == f"same text as {web.url('/a')}"
    assert len(read_corpus(ingestor.corpus_dir).articles) == 1


def test_a_failing_feed_is_reported_and_does_not_stop_the_others(
    web: LocalWeb, ingestor: Ingestor, clock: Clock
) -> None:
    good = [publish(web, "/a", "Quake hits Kelby", QUAKE)]
    ingestor.follow(web.route("/good", Route(rss(good))), name="good")
    ingestor.follow(web.route("/bad", Route(atom(good))), name="bad")
    web.route("/bad", Route(b"down", status=500))

    report = ingestor.poll()

    statuses = {f.name: f.status for f in report.feeds}
    assert statuses == {"good": "polled", "bad": "failed"}
    assert report.counts()["added"] == 1
    bad = next(f for f in ingestor.feeds() if f.name == "bad")
    assert bad.failures == 1 and "HTTP 500" in (bad.last_error or "")
    # the schedule leaves it alone until its retry time; `newsdesk update` asks anyway
    scheduled = ingestor.poll(due_only=True)
    assert {f.name: f.status for f in scheduled.feeds}["bad"] == "waiting"
    clock.now += timedelta(minutes=6)
    assert {f.name: f.status for f in ingestor.poll(due_only=True).feeds}["bad"] == "failed"
    assert next(f for f in ingestor.feeds() if f.name == "bad").failures == 2


def test_a_feed_that_recovers_is_cleared(web: LocalWeb, ingestor: Ingestor) -> None:
    ingestor.follow(web.route("/feed", Route(rss([]))))
    web.route("/feed", Route(b"down", status=503))
    ingestor.poll()
    web.route("/feed", Route(rss([])))
    ingestor.poll()
    (feed,) = ingestor.feeds()
    assert (feed.failures, feed.last_error, feed.retry_at) == (0, None, None)


def test_a_big_feed_is_taken_newest_first_a_batch_per_poll(
    web: LocalWeb, tmp_path: Path, fetcher: Fetcher, clock: Clock
) -> None:
    items = []
    for n in range(1000):
        web.route(f"/n/{n}", Route(article_html(f"Story {n}", [f"Story number {n}. " * 20])))
        day = 1 + n % 28
        items.append(
            {
                "title": f"Story {n}",
                "link": web.url(f"/n/{n}"),
                "pubDate": f"{['Sun', 'Mon'][0]}, {day:02d} Nov 2026 {n // 60 % 24:02d}:"
                f"{n % 60:02d}:00 GMT",
            }
        )
    ingestor = Ingestor(fetcher, StateFile(tmp_path / "s"), tmp_path / "c", max_items=20, now=clock)
    ingestor.follow(web.route("/feed", Route(rss(items))))
    report = ingestor.poll()
    assert report.counts()["added"] == 20 and report.feeds[0].deferred == 980
    assert report.feeds[0].entries == 1000
    assert "980 older item(s) left for the next poll" in report.summary()
    newest = sorted(items, key=lambda i: (int(i["pubDate"][5:7]), i["pubDate"][17:22]))[-1]
    assert newest["title"] in {o.title for o in report.articles}
    assert ingestor.poll().counts()["added"] == 20  # the next batch


def test_pages_that_cannot_be_used_are_skipped_or_failed_with_reasons(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    web.route("/gone", Route(b"no", status=404))
    web.route("/later", Route(b"slow down", status=429))
    web.route("/image", Route(b"\x89PNG", content_type="image/png"))
    web.route("/index", Route(b"<html><body><nav>Home | World</nav></body></html>"))
    report = ingestor.fetch([web.url(p) for p in ("/gone", "/later", "/image", "/index")])
    got = {o.url.rsplit("/", 1)[1]: (o.status, o.reason) for o in report.articles}
    assert got["gone"] == ("skipped", "HTTP 404 Not Found")
    assert got["later"][0] == "failed" and "retried on a later poll" in got["later"][1]
    assert got["image"] == ("skipped", "not an HTML page (image/png); give the article's address")
    assert got["index"] == ("skipped", "no article text found on the page")
    assert not (ingestor.corpus_dir).exists() or not list(ingestor.corpus_dir.rglob("*.md"))


def test_following_a_page_follows_the_feed_it_advertises(web: LocalWeb, ingestor: Ingestor) -> None:
    feed_url = web.route("/rss.xml", Route(rss([])))
    home = article_html("Home", QUAKE).replace(
        b"</head>", b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
    )
    assert ingestor.follow(web.route("/", Route(home))).url == feed_url


def test_following_a_page_without_a_feed_fails_here_not_at_the_next_poll(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    with pytest.raises(FeedError, match="is not an RSS or Atom feed"):
        ingestor.follow(web.route("/", Route(article_html("Home", QUAKE))))
    assert ingestor.feeds() == []


def test_a_feed_is_followed_once_and_names_are_unique(web: LocalWeb, ingestor: Ingestor) -> None:
    url = web.route("/feed", Route(rss([])))
    ingestor.follow(url, name="harbour")
    with pytest.raises(FeedError, match="already followed as 'harbour'"):
        ingestor.follow(url)
    with pytest.raises(FeedError, match="a feed named 'harbour' is already followed"):
        ingestor.follow(web.route("/other", Route(atom([]))), name="harbour")
    second = ingestor.follow(web.route("/other", Route(atom([]))))
    assert second.name == "Harbour Daily"


def test_unfollowing_keeps_the_articles(web: LocalWeb, ingestor: Ingestor) -> None:
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE)]
    ingestor.follow(web.route("/feed", Route(rss(items))), name="harbour")
    ingestor.poll()
    assert ingestor.unfollow("HARBOUR").name == "harbour"
    assert ingestor.feeds() == []
    assert len(read_corpus(ingestor.corpus_dir).articles) == 1
    with pytest.raises(FeedError, match="no followed feed is named or at 'harbour'"):
        ingestor.unfollow("harbour")


def test_a_deleted_article_file_is_fetched_again(web: LocalWeb, ingestor: Ingestor) -> None:
    url = web.route("/a", Route(article_html("Quake", QUAKE + BRIDGE), etag='"p1"'))
    ingestor.fetch([url])
    (path,) = ingestor.corpus_dir.rglob("*.md")
    path.unlink()
    report = ingestor.fetch([url])
    assert report.articles[0].status == "updated" and path.is_file()
    assert "if-none-match" not in web.headers_of("/a")[-1]  # no 304 for a lost file


def test_a_second_poll_finds_only_new_items(web: LocalWeb, ingestor: Ingestor) -> None:
    first = publish(web, "/a", "Quake hits Kelby", QUAKE)
    ingestor.follow(web.route("/feed", Route(rss([first]))))
    ingestor.poll()
    second = publish(web, "/b", "Bridge stays closed", BRIDGE)
    web.route("/feed", Route(rss([second, first])))
    report = ingestor.poll()
    assert [o.title for o in report.articles if o.status == "added"] == ["Bridge stays closed"]
    assert len(read_corpus(ingestor.corpus_dir).articles) == 2


def test_a_refused_address_in_a_feed_is_skipped(web: LocalWeb, tmp_path: Path) -> None:
    items = [{"title": "metadata", "link": "http://169.254.169.254/latest/meta-data/"}]
    with Fetcher(replace(POLICY), AddressPolicy(allow_loopback=True)) as fetcher:
        ingestor = Ingestor(fetcher, StateFile(tmp_path / "s"), tmp_path / "c")
        ingestor.follow(web.route("/feed", Route(rss(items))))
        (outcome,) = ingestor.poll().articles
    assert outcome.status == "skipped" and "link-local" in (outcome.reason or "")


def test_a_report_survives_its_json(web: LocalWeb, ingestor: Ingestor) -> None:
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE), {"title": "x", "link": "/gone"}]
    ingestor.follow(web.route("/feed", Route(rss(items))))
    report = ingestor.poll()
    again = type(report).from_json(report.to_json())
    assert again == report and again.summary() == report.summary()


def test_relative_links_of_a_moved_feed_resolve_where_it_now_is(
    web: LocalWeb, ingestor: Ingestor
) -> None:
    ingestor.follow(web.route("/old-feed", Route(rss([]))))
    web.route("/new/article", Route(article_html("Quake hits Kelby", QUAKE + BRIDGE)))
    web.route("/new/feed", Route(rss([{"title": "Quake", "link": "article"}])))
    web.route("/old-feed", Route(status=301, location="/new/feed"))
    (outcome,) = ingestor.poll().articles
    assert (outcome.url, outcome.status) == (web.url("/new/article"), "added")


def test_a_feed_item_whose_page_is_refused_is_not_asked_for_every_poll(
    web: LocalWeb, ingestor: Ingestor, clock: Clock
) -> None:
    """A 404 (or robots.txt, or a page without article text) is reported once; later polls
    leave the page alone until its feed entry changes or two days have passed."""
    web.route("/gone", Route(b"no", status=404))
    items = [publish(web, "/a", "Quake hits Kelby", QUAKE), {"title": "Gone", "link": "/gone"}]
    ingestor.follow(web.route("/feed", Route(rss(items))))
    first = ingestor.poll()
    assert {(o.url.rsplit("/", 1)[1], o.status) for o in first.articles} == {
        ("a", "added"),
        ("gone", "skipped"),
    }
    second = ingestor.poll()  # (the article, two days young, is checked again)
    assert web.hits("/gone") == 1
    assert not [o for o in second.articles if o.url.endswith("/gone")]
    assert second.unchanged_entries == 1
    renamed = {"title": "Gone, now with a new title", "link": "/gone"}
    web.route("/feed", Route(rss([items[0], renamed])))
    ingestor.poll()  # the entry changed: asked again
    assert web.hits("/gone") == 2
    clock.now += timedelta(days=3)  # past the recheck time
    ingestor.poll()
    assert web.hits("/gone") == 3


def test_a_refused_page_that_comes_back_is_fetched_and_forgotten_as_refused(
    web: LocalWeb, ingestor: Ingestor, clock: Clock
) -> None:
    web.route("/late", Route(b"not yet", status=404))
    items = [{"title": "Late story", "link": "/late", "pubDate": "Fri, 20 Nov 2026 08:00:00 GMT"}]
    ingestor.follow(web.route("/feed", Route(rss(items))))
    ingestor.poll()
    web.route("/late", Route(article_html("Late story", QUAKE)))
    assert ingestor.fetch([web.url("/late")]).articles[0].status == "added"  # asked directly
    assert ingestor.state.read().refused == {}
