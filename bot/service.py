"""The answering service the bot runs: loaded once, asked from many coroutines, hot-swapped.

No Discord here. Everything slow runs off the event loop: answering (``asyncio.to_thread``),
loading an index version together with everything derived from it (its retriever, the
sorted source list), and rebuilding (a callable the wiring provides; by default a separate
process). A version is swapped in only if it is still the one ``CURRENT`` names, so a slow
load can never replace a newer index with an older one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.answer import Answer, Answerer
from core.errors import NewsdeskError
from index.builder import BuildReport
from index.stats import newest_first
from index.store import StoredIndex, read_pointer
from index.types import Article

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]
Rebuild = Callable[[Progress | None], Awaitable[BuildReport]]


class ReindexBusyError(NewsdeskError):
    """A rebuild is already running."""


class IndexUnavailableError(NewsdeskError):
    """The service has no usable index (missing or damaged)."""


@dataclass(frozen=True, slots=True)
class ReindexResult:
    report: BuildReport
    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One index version, ready to answer: built entirely off the event loop."""

    version: str
    answerer: Answerer
    sources: tuple[Article, ...]  # newest first


class AnswerService:
    """Owns the current index version's answerer; safe to call from the event loop."""

    def __init__(
        self,
        index_dir: Path,
        open_answerer: Callable[[StoredIndex], Answerer],
        *,
        rebuild: Rebuild | None = None,
        max_concurrent_answers: int = 2,
        as_of: date | None = None,
    ) -> None:
        self.index_dir = index_dir
        self._open_answerer = open_answerer
        self._rebuild = rebuild
        self._as_of = as_of
        self._loaded: _Loaded | None = None
        self._loading = asyncio.Lock()
        self._reindex_lock = asyncio.Lock()
        # Worker threads running Python code contend with the event loop for the GIL: with
        # many at once the loop stalled for most of a second (measured, 1,000 questions).
        self._answering = asyncio.Semaphore(max_concurrent_answers)
        self.unavailable_reason: str | None = None

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Load the current version (blocking: at start-up, before the bot connects)."""
        try:
            self._loaded = self._open()
            self.unavailable_reason = None
        except NewsdeskError as exc:
            self._loaded = None
            self.unavailable_reason = str(exc)
            log.error("index unavailable: %s", exc)

    def _open(self) -> _Loaded:
        index = StoredIndex.load(self.index_dir)
        answerer = self._open_answerer(index)
        return _Loaded(index.version, answerer, tuple(newest_first(list(index.articles.values()))))

    async def refresh(self) -> bool:
        """Swap in the version ``CURRENT`` names if it is not the one answering (for example
        one ``newsdesk index build`` published). Cheap when nothing changed: one small file
        is read. Returns whether it swapped."""
        try:
            version, _ = read_pointer(self.index_dir)
        except NewsdeskError:
            return False
        if self._loading.locked() or (self._loaded and self._loaded.version == version):
            return False
        return await self._reload()

    async def _reload(self) -> bool:
        """Load what ``CURRENT`` names, off the loop, and swap it in if it is still current."""
        async with self._loading:
            for _ in range(3):  # a newer version may be published while one loads
                try:
                    loaded = await asyncio.to_thread(self._open)
                except NewsdeskError as exc:
                    log.error("index version not loaded: %s", exc)
                    return False
                if self._loaded is not None and self._loaded.version == loaded.version:
                    return False
                try:
                    current = read_pointer(self.index_dir)[0]
                except NewsdeskError:
                    current = None
                if current == loaded.version:
                    self._loaded = loaded
                    self.unavailable_reason = None
                    log.info("switched to index version %s", loaded.version)
                    return True
            return False

    @property
    def version(self) -> str | None:
        return self._loaded.version if self._loaded else None

    @property
    def index(self) -> StoredIndex | None:
        return self._loaded.answerer.retriever.index if self._loaded else None

    # -- questions -----------------------------------------------------------------------

    async def ask(self, question: str, *, as_of: date | None = None) -> Answer:
        loaded = self._loaded  # one version for the whole answer
        if loaded is None:
            raise IndexUnavailableError("the index is unavailable, an admin can run /reindex")
        async with self._answering:
            return await asyncio.to_thread(
                loaded.answerer.answer, question, as_of=as_of or self._as_of
            )

    def sources(self) -> tuple[Article, ...]:
        """The indexed articles, newest first (sorted when the version was loaded)."""
        return self._loaded.sources if self._loaded else ()

    # -- reindex -------------------------------------------------------------------------

    @property
    def reindexing(self) -> bool:
        return self._reindex_lock.locked()

    async def reindex(self, progress: Progress | None = None) -> ReindexResult:
        """Rebuild (off the loop) and swap the new version in; refuses to run twice at once."""
        if self._rebuild is None:
            raise ReindexBusyError("this service cannot rebuild its index")
        if self._reindex_lock.locked():
            raise ReindexBusyError("a reindex is already running; wait for it to finish")
        async with self._reindex_lock:
            before = {a.id for a in self.sources()}
            report = await self._rebuild(progress)
            await self._reload()
            after = {a.id for a in self.sources()}
            return ReindexResult(report, added=len(after - before), removed=len(before - after))
