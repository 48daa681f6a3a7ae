"""`newsdesk feeds`, `update` and `fetch`, run as a user runs them, against a local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.localweb import LocalWeb, Route, article_html, rss
from tests.newsdesk.test_cli import FAKE, run

QUAKE = [
    "A magnitude 5.2 earthquake struck the harbour town of Kelby on Thursday morning, "
    "the national seismology institute said.",
    "\u201cWe felt the ground shake for about ten seconds,\u201d said Mayor Anna Berg, adding "
    "that no injuries had been reported so far.",
]


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "NEWSDESK_CORPUS_DIR": str(tmp_path / "corpus"),
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),
        "NEWSDESK_STATE_DIR": str(tmp_path / "state"),
        "NEWSDESK_EMBEDDING_MODEL": FAKE,
        "NEWSDESK_FETCH_ALLOW_LOOPBACK": "true",
        "NEWSDESK_FETCH_HOST_INTERVAL_SECONDS": "0",
    }


def test_follow_update_and_the_article_is_indexed(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    web.route("/news/quake", Route(article_html("Quake hits Kelby", QUAKE)))
    feed = web.route("/rss.xml", Route(rss([{"title": "Quake", "link": "/news/quake"}])))

    added = run("feeds", "add", feed, "--name", "harbour", cwd=tmp_path, env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(f"Following 'harbour': {feed}.")

    update = run("update", "--json", cwd=tmp_path, env=env)
    assert update.returncode == 0, update.stderr
    data = json.loads(update.stdout)
    assert data["fetched"]["counts"]["added"] == 1
    assert data["index"]["articles"] == 1 and data["index"]["written"]

    sources = run("sources", "--json", cwd=tmp_path, env=env)
    (article,) = json.loads(sources.stdout)["articles"]
    assert (article["title"], article["source"]) == ("Quake", "Harbour Daily")

    listed = run("feeds", "list", cwd=tmp_path, env=env)
    assert "harbour  " + feed in listed.stdout and "1 article(s)" in listed.stdout

    again = run("update", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "0 added, 0 updated, 1 unchanged" in again.stdout


def test_fetch_adds_a_single_page_and_reports_a_bad_one(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    good = web.route("/a", Route(article_html("Quake hits Kelby", QUAKE)))
    missing = web.url("/missing")
    result = run("fetch", good, missing, "--no-index", cwd=tmp_path, env=env)
    assert result.returncode == 1  # one of them could not be used
    assert f"skipped   {missing}: HTTP 404 Not Found" in result.stdout
    assert "added     Quake hits Kelby (web/127.0.0.1/a-" in result.stdout
    assert "run `newsdesk index build`" in result.stdout
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "file:// is not fetched; give an http(s) address"),
        ("http://169.254.169.254/latest/", "a link-local address"),
    ],
)
def test_addresses_that_are_not_public_web_pages_are_refused_in_one_line(
    env: dict[str, str], tmp_path: Path, url: str, message: str
) -> None:
    result = run("feeds", "add", url, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_loopback_is_refused_unless_allowed_and_the_error_says_how(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    feed = web.route("/rss.xml", Route(rss([])))
    result = run(
        "feeds", "add", feed, cwd=tmp_path, env={**env, "NEWSDESK_FETCH_ALLOW_LOOPBACK": "false"}
    )
    assert result.returncode == 2
    assert "set NEWSDESK_FETCH_ALLOW_LOOPBACK=true" in result.stderr
    assert web.hits("/rss.xml") == 0


def test_a_page_that_is_not_a_feed_is_refused_when_added(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    page = web.route("/", Route(article_html("Home", QUAKE)))
    result = run("feeds", "add", page, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert f"{page} is not an RSS or Atom feed; give the feed's address" in result.stderr


def test_removing_an_unknown_feed_lists_the_followed_ones(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    run("feeds", "add", web.route("/f", Route(rss([]))), "--name", "harbour", cwd=tmp_path, env=env)
    result = run("feeds", "remove", "harbor", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "(followed: harbour)" in result.stderr
    removed = run("feeds", "remove", "harbour", cwd=tmp_path, env=env)
    assert removed.returncode == 0 and "its articles stay in the corpus" in removed.stdout


def test_update_without_feeds_says_how_to_add_one(env: dict[str, str], tmp_path: Path) -> None:
    result = run("update", cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert "add one with `newsdesk feeds add URL`" in result.stdout


def test_update_exits_non_zero_when_every_feed_failed(
    web: LocalWeb, env: dict[str, str], tmp_path: Path
) -> None:
    feed = web.route("/f", Route(rss([])))
    run("feeds", "add", feed, cwd=tmp_path, env=env)
    web.route("/f", Route(b"gone", status=404))
    result = run("update", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "feed failed Harbour Daily: HTTP 404 Not Found; retried after" in result.stdout
