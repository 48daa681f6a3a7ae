"""The answering service the bot runs: loaded once, asked from many coroutines, hot-swapped.

Encode, search and composition run in worker threads (``asyncio.to_thread``) so the event
loop keeps its heartbeats. A rebuild runs in the background while questions keep being
answered from the current index; the new one is swapped in with a single reference
assignment, so every answer comes from one index version.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.answer import Answer, Answerer, AnswerPolicy
from index.builder import BuildOptions, BuildReport, build_index
from index.embedding import Embedder
from index.retriever import Retriever
from index.store import FaissSpec, StoredIndex, read_pointer
from index.types import Article
from newsdesk.errors import NewsdeskError
from newsdesk.settings import Settings

log = logging.getLogger(__name__)


class ReindexBusyError(NewsdeskError):
    """A rebuild is already running."""


class IndexUnavailableError(NewsdeskError):
    """The service has no usable index (missing or damaged)."""


@dataclass(frozen=True, slots=True)
class ReindexResult:
    report: BuildReport
    added: int
    removed: int


class AnswerService:
    """Owns the embedder and the current ``Answerer``; safe to call from the event loop."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._answerer: Answerer | None = None
        self._reindex_lock = asyncio.Lock()
        # Worker threads running Python code contend with the event loop for the GIL: with
        # many at once the loop stalled for most of a second (measured, 1,000 questions).
        self._answering = asyncio.Semaphore(settings.max_concurrent_answers)
        self.unavailable_reason: str | None = None

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Load the index from disk (blocking; call at start-up or in a thread)."""
        try:
            index = StoredIndex.load(self.settings.index_dir)
            self._answerer = self._answerer_for(index)
            self.unavailable_reason = None
        except NewsdeskError as exc:
            self._answerer = None
            self.unavailable_reason = str(exc)
            log.error("index unavailable: %s", exc)

    def _answerer_for(self, index: StoredIndex) -> Answerer:
        retriever = Retriever(
            index,
            self.embedder,
            mode=self.settings.search_mode,
            max_query_chars=self.settings.max_query_chars,
            ef_search=self.settings.hnsw_ef_search,
        )
        return Answerer(retriever, policy=AnswerPolicy(max_excerpts=self.settings.max_excerpts))

    async def refresh(self) -> bool:
        """Swap in a version another process published (``newsdesk index build``), if any.

        Cheap when nothing changed: one small file is read. Returns whether it swapped.
        """
        try:
            version, _ = read_pointer(self.settings.index_dir)
        except NewsdeskError:
            return False
        current = self.index
        if self._reindex_lock.locked() or (current is not None and current.version == version):
            return False
        try:
            index = await asyncio.to_thread(StoredIndex.load, self.settings.index_dir)
        except NewsdeskError as exc:
            log.error("new index version %s not loaded: %s", version, exc)
            return False
        self._answerer = self._answerer_for(index)
        self.unavailable_reason = None
        log.info("switched to index version %s", index.version)
        return True

    @property
    def index(self) -> StoredIndex | None:
        return self._answerer.retriever.index if self._answerer else None

    # -- questions -----------------------------------------------------------------------

    async def ask(self, question: str, *, as_of: date | None = None) -> Answer:
        answerer = self._answerer  # one version for the whole answer
        if answerer is None:
            raise IndexUnavailableError("the index is unavailable, an admin can run /reindex")
        async with self._answering:
            return await asyncio.to_thread(
                answerer.answer, question, as_of=as_of or self.settings.as_of
            )

    def sources(self) -> list[Article]:
        index = self.index
        if index is None:
            return []
        return sorted(
            index.articles.values(), key=lambda a: (a.published or "", a.title), reverse=True
        )

    # -- reindex -------------------------------------------------------------------------

    @property
    def reindexing(self) -> bool:
        return self._reindex_lock.locked()

    async def reindex(self, corpus_dir: Path | None = None) -> ReindexResult:
        """Rebuild in a thread and swap the new index in; refuses to run twice at once."""
        if self._reindex_lock.locked():
            raise ReindexBusyError("a reindex is already running; wait for it to finish")
        async with self._reindex_lock:
            before = set(self.index.articles) if self.index else set()
            report = await asyncio.to_thread(self._build, corpus_dir or self.settings.corpus_dir)
            index = await asyncio.to_thread(StoredIndex.load, self.settings.index_dir)
            self._answerer = self._answerer_for(index)
            self.unavailable_reason = None
            after = set(index.articles)
            return ReindexResult(report, added=len(after - before), removed=len(before - after))

    def _build(self, corpus_dir: Path) -> BuildReport:
        options = BuildOptions(
            chunk_tokens=self.settings.chunk_tokens,
            chunk_overlap=self.settings.chunk_overlap,
            faiss=FaissSpec(kind=self.settings.faiss_index, hnsw_m=self.settings.hnsw_m),
            max_article_chars=self.settings.max_article_chars,
        )
        return build_index(corpus_dir, self.settings.index_dir, self.embedder, options)
