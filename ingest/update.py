"""Following feeds and fetching pages into the corpus, with a report of what happened.

``Ingestor.poll()`` asks every followed feed once (conditional GET), fetches the pages of
new items (newest first, ``max_items`` per feed per poll; the rest wait for the next
poll), of items whose feed entry changed, and, conditionally, of items first seen less
than ``recheck_hours`` ago (developing stories change), and writes each article into the
corpus. An article is one canonical URL: the same page under another URL, or the same text
under another address, is not written twice; changed text under the same URL replaces
the file. A feed that fails is reported, waits (longer after each failure), and does not
stop the others. Indexing is the caller's next step (``newsdesk update`` runs the build).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from core.errors import FeedError, FetchError
from index.corpus import content_hash
from ingest.feeds import FeedEntry, ParsedFeed, discover_feed, parse_feed
from ingest.fetcher import Fetcher, Response
from ingest.pages import WebArticle, canonical_url, extract_article
from ingest.state import Feed, IngestState, Item, Refusal, StateFile
from ingest.writer import article_path, render, write_article

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_RETRY_BASE = timedelta(minutes=5)
_RETRY_CAP = timedelta(hours=6)

Status = Literal["added", "updated", "unchanged", "skipped", "failed"]
STATUSES: tuple[Status, ...] = ("added", "updated", "unchanged", "skipped", "failed")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one article URL."""

    url: str
    status: Status
    reason: str | None = None
    title: str | None = None
    path: str | None = None  # in the corpus folder
    feed: str | None = None

    def line(self) -> str:
        what = f"{self.title} ({self.path})" if self.title and self.path else self.url
        why = f": {self.reason}" if self.reason else ""
        return f"{self.status:<9} {what}{why}"


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What happened to one feed in a poll."""

    name: str
    url: str
    status: Literal["polled", "not modified", "failed", "waiting"]
    reason: str | None = None
    entries: int = 0
    deferred: int = 0  # new items left for the next poll


@dataclass(slots=True)
class UpdateReport:
    feeds: list[FeedOutcome] = field(default_factory=list)
    articles: list[Outcome] = field(default_factory=list)
    unchanged_entries: int = 0  # feed items known and not fetched again

    @property
    def changed(self) -> bool:
        return any(o.status in ("added", "updated") for o in self.articles)

    def counts(self) -> dict[str, int]:
        counts = Counter(o.status for o in self.articles)
        counts["unchanged"] += self.unchanged_entries
        return {status: counts[status] for status in STATUSES}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        if not self.feeds:
            return f"Fetched {len(self.articles)} page(s): {counts}."
        failed = sum(f.status == "failed" for f in self.feeds)
        waiting = sum(f.status == "waiting" for f in self.feeds)
        polled = len(self.feeds) - waiting
        head = f"Polled {polled} feed(s)" + (f" ({failed} failed)" if failed else "")
        if waiting:
            head += f", {waiting} waiting after failures"
        deferred = sum(f.deferred for f in self.feeds)
        tail = f"; {deferred} older item(s) left for the next poll" if deferred else ""
        return f"{head}: {counts}{tail}."

    def lines(self) -> list[str]:
        """One line per feed that failed and per article that was not unchanged."""
        out = [
            f"feed {f.status} {f.name}: {f.reason}"
            for f in self.feeds
            if f.status in ("failed", "waiting")
        ]
        out += [o.line() for o in self.articles if o.status != "unchanged"]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UpdateReport:
        """The report ``to_json`` wrote (the bot reads it from ``newsdesk update --json``)."""
        feeds = [FeedOutcome(**f) for f in data["feeds"]]
        articles = [Outcome(**a) for a in data["articles"]]
        counted = Counter(a.status for a in articles)
        return cls(feeds, articles, data["counts"]["unchanged"] - counted["unchanged"])

    def to_json(self) -> dict[str, object]:
        return {
            "counts": self.counts(),
            "feeds": [asdict(f) for f in self.feeds],
            "articles": [asdict(o) for o in self.articles],
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Ingestor:
    """Feeds and pages into the corpus folder, remembering what it fetched in ``state``."""

    def __init__(
        self,
        fetcher: Fetcher,
        state: StateFile,
        corpus_dir: Path,
        *,
        max_items: int = 50,
        recheck_hours: float = 48.0,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.fetcher = fetcher
        self.state = state
        self.corpus_dir = corpus_dir
        self.max_items = max_items
        self.recheck = timedelta(hours=recheck_hours)
        self._now = now

    # -- feeds -------------------------------------------------------------------------

    def follow(self, url: str, name: str | None = None) -> Feed:
        """Follow the feed at ``url`` (or the feed an HTML page there advertises); the feed
        is fetched once now, so a wrong address fails here, not at the next poll."""
        response = self.fetcher.get(url, accept=FEED_ACCEPT)
        try:
            parsed = parse_feed(response.body, response.url)
            feed_url = url
        except FeedError:
            found = discover_feed(response.body, response.url)
            if found is None:
                raise
            response = self.fetcher.get(found, accept=FEED_ACCEPT)
            parsed = parse_feed(response.body, response.url)
            feed_url = found
        with self.state.edit() as state:
            existing = state.feed(feed_url)
            if existing is not None and existing.url == feed_url:
                raise FeedError(f"{feed_url} is already followed as {existing.name!r}")
            chosen = _feed_name(name, parsed, feed_url, state)
            feed = Feed(
                name=chosen,
                url=feed_url,
                added_at=self._stamp(),
                title=parsed.title,
            )
            state.feeds.append(feed)
        return feed

    def unfollow(self, name_or_url: str) -> Feed:
        """Stop following a feed; the articles it brought stay in the corpus."""
        with self.state.edit() as state:
            feed = state.feed(name_or_url)
            if feed is None:
                names = ", ".join(f.name for f in state.feeds) or "none"
                raise FeedError(
                    f"no followed feed is named or at {name_or_url!r} (followed: {names}); "
                    "see `newsdesk feeds list`"
                )
            state.feeds.remove(feed)
        return feed

    def feeds(self) -> list[Feed]:
        return self.state.read().feeds

    # -- polling -----------------------------------------------------------------------

    def poll(self, *, due_only: bool = False) -> UpdateReport:
        """Poll every followed feed once; with ``due_only``, feeds still waiting after a
        failure are left for later (the bot's schedule), otherwise all are asked."""
        report = UpdateReport()
        now = self._now()
        for feed in self.state.read().feeds:
            retry_at = _parse_time(feed.retry_at)
            if due_only and retry_at is not None and now < retry_at:
                reason = f"{feed.last_error}; next try after {feed.retry_at}"
                report.feeds.append(FeedOutcome(feed.name, feed.url, "waiting", reason))
                continue
            self._poll_feed(feed, report)
        return report

    def _poll_feed(self, feed: Feed, report: UpdateReport) -> None:
        try:
            response = self.fetcher.get(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
            # Relative links resolve against where the feed was found, after redirects.
            entries = (
                [] if response.not_modified else parse_feed(response.body, response.url).entries
            )
        except (FetchError, FeedError) as exc:
            reason = _short(exc, feed.url)
            retry_at = self._failed(feed, reason)
            report.feeds.append(
                FeedOutcome(feed.name, feed.url, "failed", f"{reason}; retried after {retry_at}")
            )
            return
        self._polled(feed, response)
        state = self.state.read()
        fresh: list[tuple[str, FeedEntry | None, Item | None]] = []
        again: list[tuple[str, FeedEntry | None, Item | None]] = []
        listed: set[str] = set()
        for entry in entries:
            item = state.item_for(entry.link) or state.item_for(canonical_url(entry.link))
            if item is None and self._still_refused(state.refused.get(entry.link), entry):
                report.unchanged_entries += 1  # reported when it was refused
            elif item is None:
                fresh.append((entry.link, entry, None))
            elif item.entry != entry.fingerprint or self._recent(item):
                again.append((entry.link, entry, item))
                listed.add(item.url)
            else:
                report.unchanged_entries += 1
        if response.not_modified:  # the feed is the same; its recent pages may not be
            again += [
                (item.url, None, item)
                for item in state.items.values()
                if item.feed == feed.name and item.url not in listed and self._recent(item)
            ]
        fresh_now = fresh[: self.max_items]
        again_now = again[: self.max_items - len(fresh_now)]
        deferred = len(fresh) - len(fresh_now)
        report.unchanged_entries += len(again) - len(again_now)
        status = "not modified" if response.not_modified else "polled"
        report.feeds.append(FeedOutcome(feed.name, feed.url, status, None, len(entries), deferred))
        for url, entry, item in fresh_now + again_now:
            report.articles.append(self._fetch_page(url, feed=feed.name, entry=entry, known=item))

    def _still_refused(self, refusal: Refusal | None, entry: FeedEntry) -> bool:
        """Whether a page refused before is left alone this poll: its entry is the same
        and the recheck time has not passed."""
        return (
            refusal is not None
            and refusal.entry == entry.fingerprint
            and self._within_recheck(refusal.at)
        )

    def _recent(self, item: Item) -> bool:
        return self._within_recheck(item.first_seen)

    def _within_recheck(self, stamp: str) -> bool:
        """Whether the ISO time ``stamp`` is less than the recheck time ago."""
        at = _parse_time(stamp)
        return at is not None and self._now() - at < self.recheck

    def _failed(self, feed: Feed, reason: str) -> str:
        with self.state.edit() as state:
            current = state.feed(feed.url)
            if current is None:  # unfollowed meanwhile
                return "never (no longer followed)"
            current.failures += 1
            current.last_error = reason
            current.last_polled = self._stamp()
            delay = min(_RETRY_BASE * 2 ** (current.failures - 1), _RETRY_CAP)
            current.retry_at = (self._now() + delay).isoformat(timespec="seconds")
            return current.retry_at

    def _polled(self, feed: Feed, response: Response) -> None:
        with self.state.edit() as state:
            current = state.feed(feed.url)
            if current is None:
                return
            current.failures = 0
            current.last_error = current.retry_at = None
            current.last_polled = self._stamp()
            if not response.not_modified:
                current.etag, current.last_modified = response.etag, response.last_modified

    # -- pages -------------------------------------------------------------------------

    def fetch(self, urls: list[str]) -> UpdateReport:
        """Fetch single article pages (``newsdesk fetch URL…``)."""
        report = UpdateReport()
        for url in urls:
            state = self.state.read()
            known = state.item_for(url) or state.item_for(canonical_url(url))
            report.articles.append(self._fetch_page(url, feed=None, entry=None, known=known))
        return report

    def _fetch_page(
        self, url: str, *, feed: str | None, entry: FeedEntry | None, known: Item | None
    ) -> Outcome:
        on_disk = known is not None and (self.corpus_dir / known.path).is_file()
        try:
            response = self.fetcher.get(
                url,
                etag=known.etag if on_disk and known else None,
                last_modified=known.last_modified if on_disk and known else None,
                accept=PAGE_ACCEPT,
            )
            if response.not_modified and known is not None:
                self._checked(known.url, response, entry)
                return Outcome(url, "unchanged", path=known.path, feed=feed)
            if response.content_type not in _HTML_TYPES:
                kind = response.content_type
                raise FetchError(f"{url}: not an HTML page ({kind}); give the article's address")
            article = extract_article(
                response.body,
                response.url,
                fetched_at=self._stamp(),
                published=entry.published if entry else None,
                title=entry.title if entry else None,
            )
        except FetchError as exc:
            reason = _short(exc, url)
            if not exc.transient and entry is not None:
                self._refused(url, reason, entry)
            return Outcome(url, "failed" if exc.transient else "skipped", reason, feed=feed)
        return self._store(url, article, response, entry, feed)

    def _refused(self, url: str, reason: str, entry: FeedEntry) -> None:
        """Remember a feed item's page that cannot be used, so polls stop asking for it."""
        with self.state.edit() as state:
            state.refused[url] = Refusal(url, reason, self._stamp(), entry.fingerprint)

    def _store(
        self,
        url: str,
        article: WebArticle,
        response: Response,
        entry: FeedEntry | None,
        feed: str | None,
    ) -> Outcome:
        digest = content_hash(article.text)
        with self.state.edit() as state:
            item = state.items.get(article.url) or state.item_for(url)
            twin = state.item_with_text(digest)
            if item is None and twin is not None:
                _also(twin, url)
                return Outcome(
                    url, "skipped", f"same text as {twin.url}", article.title, twin.path, feed
                )
            stamp = self._stamp()
            if item is not None and item.url != article.url:  # the canonical URL moved
                del state.items[item.url]
            if (
                item is not None
                and item.content_hash == digest
                and (self.corpus_dir / item.path).is_file()
            ):
                status: Status = "unchanged"
            else:
                rel = item.path if item is not None else article_path(article.url)
                write_article(self.corpus_dir, rel, render(article))
                status = "updated" if item is not None else "added"
            new = Item(
                url=article.url,
                path=item.path if item is not None else article_path(article.url),
                content_hash=digest,
                first_seen=item.first_seen if item is not None else stamp,
                checked=stamp,
                seen_as=list(item.seen_as) if item is not None else [],
                etag=response.etag,
                last_modified=response.last_modified,
                feed=(item.feed if item is not None else None) or feed,
                entry=entry.fingerprint if entry else (item.entry if item else None),
            )
            _also(new, url)
            state.items[new.url] = new
            state.refused.pop(url, None)
        return Outcome(url, status, None, article.title, new.path, feed)

    def _checked(self, canonical: str, response: Response, entry: FeedEntry | None) -> None:
        with self.state.edit() as state:
            item = state.items.get(canonical)
            if item is None:
                return
            item.checked = self._stamp()
            if entry is not None:
                item.entry = entry.fingerprint

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="seconds")


def _also(item: Item, url: str) -> None:
    """Remember that ``url`` led to ``item`` too."""
    if url != item.url and url not in item.seen_as:
        item.seen_as.append(url)


def _feed_name(wanted: str | None, parsed: ParsedFeed, url: str, state: IngestState) -> str:
    if wanted is not None:
        name = wanted.strip()
        if not re.fullmatch(r"[\w][\w .&'-]{0,39}", name):
            raise FeedError(
                f"feed name {wanted!r} must be 1 to 40 letters, digits, spaces or .&'- "
                "starting with a letter or digit"
            )
        if state.feed(name) is not None:
            raise FeedError(f"a feed named {name!r} is already followed; choose another --name")
        return name
    base = re.sub(r"[^\w .&'-]+", "", parsed.title or "").strip()[:40] or (
        urlsplit(url).hostname or "feed"
    )
    name, n = base, 2
    while state.feed(name) is not None:
        name, n = f"{base} {n}", n + 1
    return name


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _short(exc: Exception, url: str) -> str:
    """The error without the URL it starts with (the report names the URL already)."""
    return str(exc).removeprefix(f"{url}: ")
