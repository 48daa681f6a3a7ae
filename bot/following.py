"""Followed feeds for the running bot: /follow, /unfollow, /feeds and the scheduled poll.

No Discord here. Following and unfollowing change ``feeds.json`` (one fetch to check a new
feed, in a worker thread); a poll runs ``newsdesk update`` in a child process (see
``newsdesk.wiring.SubprocessUpdate``) and, when it wrote new or changed articles, the
service's rebuild indexes them and swaps the new version in. If that rebuild cannot run
now (a /reindex holds it, or it failed), the next poll indexes again even when it fetched
nothing, so fetched articles are never left out of the index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TypeVar

from bot.service import AnswerService, ReindexResult
from core.errors import NewsdeskError
from ingest.state import Feed
from ingest.update import Ingestor, UpdateReport

log = logging.getLogger(__name__)

T = TypeVar("T")
OpenIngestor = Callable[[], AbstractContextManager[Ingestor]]
Update = Callable[[], Awaitable[UpdateReport]]


@dataclass(frozen=True, slots=True)
class FollowedFeed:
    feed: Feed
    articles: int


@dataclass(frozen=True, slots=True)
class PollResult:
    report: UpdateReport
    reindex: ReindexResult | None
    reindex_error: str | None = None


class Following:
    """The bot's feeds; every method is safe to await from the event loop."""

    def __init__(self, open_ingestor: OpenIngestor, update: Update, service: AnswerService):
        self._open_ingestor = open_ingestor
        self._update = update
        self._service = service
        self._polling = asyncio.Lock()
        self._unindexed = False  # fetched articles a rebuild has not taken in yet

    async def follow(self, url: str, name: str | None = None) -> Feed:
        return await asyncio.to_thread(self._with, lambda i: i.follow(url, name))

    async def unfollow(self, name_or_url: str) -> Feed:
        return await asyncio.to_thread(self._with, lambda i: i.unfollow(name_or_url))

    async def feeds(self) -> list[FollowedFeed]:
        def listing(ingestor: Ingestor) -> list[FollowedFeed]:
            state = ingestor.state.read()
            counts = state.articles_per_feed()
            return [FollowedFeed(f, counts[f.name]) for f in state.feeds]

        return await asyncio.to_thread(self._with, listing)

    @property
    def polling(self) -> bool:
        return self._polling.locked()

    async def poll(self) -> PollResult | None:
        """Poll the feeds that are due and index what changed; None if a poll is running."""
        if self._polling.locked():
            return None
        async with self._polling:
            report = await self._update()
            if report.changed:
                self._unindexed = True
            if not self._unindexed:
                return PollResult(report, None)
            try:
                result = await self._service.reindex()
            except NewsdeskError as exc:  # busy with a /reindex, or the build failed
                log.warning("fetched articles not indexed yet: %s", exc)
                return PollResult(report, None, str(exc))
            self._unindexed = False
            return PollResult(report, result)

    def _with(self, call: Callable[[Ingestor], T]) -> T:
        with self._open_ingestor() as ingestor:
            return call(ingestor)
