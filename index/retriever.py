"""Retrieval: a question in, ranked passages with their articles out.

Three modes: ``dense`` (FAISS), ``bm25`` (bm25s) and ``hybrid`` (reciprocal rank fusion of
both). Every mode knows "now" (``as_of``): articles published after it are not candidates,
and articles of the dates the question points at (its time words, else the days before
``as_of``) get a soft boost that decays with distance in days. Undated articles get no boost
and no penalty, so an old or undated article that answers the question still ranks first.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.embedding import Embedder
from index.store import StoredIndex, check_compatible
from index.timeframe import TimeWindow, question_window
from index.types import MODES, Mode, Passage
from newsdesk.errors import QueryError


@dataclass(frozen=True, slots=True)
class RankingPolicy:
    """Fusion and time knobs (tuned on the RTQA dev questions, see docs/benchmarks.md)."""

    candidates: int = 100  # per ranker, from the whole index and from the time window each
    rrf_k: int = 60
    recent_days: int = 7  # the window a question without time words points at
    time_boost: float = 2.0  # a candidate inside the window scores (1 + time_boost) times more
    decay_days: float = 3.0  # how fast the boost fades outside the window
    dense_margin: float = 0.5  # dense candidates this far below the best one are dropped
    evidence_depth: int = 3  # an article scores by its best chunks: s1 + d*s2 + d^2*s3
    evidence_decay: float = 0.4
    max_per_article: int = 2  # passages of one article in one result list


def clean_query(query: str, max_chars: int) -> str:
    """Normalise a question: drop control and zero-width characters, cap its length."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in query
        if unicodedata.category(ch) != "Cf"
    )
    text = " ".join(text.split())
    if not text:
        raise QueryError('the question is empty; ask something, e.g. "did Iran confirm the crash?"')
    return text[:max_chars]


class Retriever:
    """Searches one loaded index version."""

    def __init__(
        self,
        index: StoredIndex,
        embedder: Embedder,
        *,
        mode: Mode = "hybrid",
        policy: RankingPolicy | None = None,
        max_query_chars: int = 1000,
        ef_search: int | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        check_compatible(index.manifest, embedder.name, embedder.dimension)
        if index.lexical is None:
            raise ValueError("the index was loaded without its BM25 part")
        import faiss

        faiss.omp_set_num_threads(1)  # single queries: one thread is 2-3x faster here
        if ef_search is not None and hasattr(index.vectors, "hnsw"):
            index.vectors.hnsw.efSearch = ef_search
        self.index = index
        self.embedder = embedder
        self.mode = _check_mode(mode)
        self.policy = policy or RankingPolicy()
        self.max_query_chars = max_query_chars
        self._today = today
        self._ef_search = ef_search
        self._days = index.row_days()
        self._flat = _flat_vectors(index.vectors)

    def search(
        self, query: str, k: int = 5, *, mode: Mode | None = None, as_of: date | None = None
    ) -> list[Passage]:
        """The ``k`` best passages for ``query`` as of ``as_of`` (default: today), best first."""
        text = clean_query(query, self.max_query_chars)
        if k < 1:
            raise QueryError(f"k must be at least 1, not {k}")
        mode = _check_mode(mode or self.mode)
        as_of = as_of or self._today()
        window = question_window(text, as_of, recent_days=self.policy.recent_days)
        known = int(np.searchsorted(self._days, as_of.toordinal(), side="right"))
        if known == 0:
            return []
        ranges = [(0, known)]
        lo, hi = self._rows_between(window.start, min(window.end, as_of))
        if lo < hi and (lo, hi) != (0, known):
            ranges.append((lo, hi))

        fused: dict[int, float] = {}
        if mode in ("dense", "hybrid"):
            self._fuse(fused, self._dense(text, ranges))
        if mode in ("bm25", "hybrid"):
            self._fuse(fused, self._lexical(text, ranges))
        return self._passages(fused, window, k)

    # -- candidates ----------------------------------------------------------------------

    def _dense(self, text: str, ranges: list[tuple[int, int]]) -> dict[int, float]:
        import faiss

        vector = self.embedder.encode([text])
        found: dict[int, float] = {}
        total = len(self.index.chunks)
        for lo, hi in ranges:
            want = min(self.policy.candidates, hi - lo)
            if (lo, hi) == (0, total):
                scores, rows = self.index.vectors.search(vector, want)
            elif self._flat is not None:
                # A date window is a slice of rows: score just those (a filtered FAISS
                # search would still visit every vector).
                window = self._flat[lo:hi] @ vector[0]
                top = np.argpartition(-window, want - 1)[:want]
                scores, rows = window[top][None, :], (top + lo)[None, :]
            else:
                params = self._search_params(faiss.IDSelectorRange(lo, hi))
                scores, rows = self.index.vectors.search(vector, want, params=params)
            found.update(
                (int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0
            )
        if found:
            # Far less similar than the best is not a match, however recent.
            floor = max(found.values()) - self.policy.dense_margin
            found = {row: score for row, score in found.items() if score >= floor}
        return found

    def _search_params(self, selector: object) -> object:
        import faiss

        if hasattr(self.index.vectors, "hnsw"):
            params = faiss.SearchParametersHNSW()
            params.efSearch = self._ef_search or self.index.vectors.hnsw.efSearch
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        return params

    def _lexical(self, text: str, ranges: list[tuple[int, int]]) -> dict[int, float]:
        assert self.index.lexical is not None
        hits, scores = self.index.lexical.search(text, self.policy.candidates, ranges=ranges)
        return dict(zip(hits.tolist(), scores.tolist(), strict=True))

    def _fuse(self, fused: dict[int, float], scores: dict[int, float]) -> None:
        """Reciprocal rank fusion: each ranker adds 1 / (rrf_k + its rank)."""
        ranked = sorted(scores, key=lambda row: (-scores[row], row))
        for rank, row in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (self.policy.rrf_k + rank)

    # -- ranking -------------------------------------------------------------------------

    def _rows_between(self, start: date, end: date) -> tuple[int, int]:
        lo = int(np.searchsorted(self._days, start.toordinal(), side="left"))
        hi = int(np.searchsorted(self._days, end.toordinal(), side="right"))
        return lo, max(lo, hi)

    def _time_factor(self, row: int, window: TimeWindow) -> float:
        day = int(self._days[row])
        if day < 0:
            return 1.0
        published = date.fromordinal(day)
        if window.contains(published):
            distance = 0
        elif published < window.start:
            distance = (window.start - published).days
        else:
            distance = (published - window.end).days
        return 1.0 + self.policy.time_boost * math.exp(-distance / self.policy.decay_days)

    def _passages(self, fused: dict[int, float], window: TimeWindow, k: int) -> list[Passage]:
        """Articles ranked by their evidence, each with its best passages, best first.

        An article's score sums its best chunk scores with decaying weights, so an article
        that matches in several places beats one lucky chunk; each article then shows at
        most ``max_per_article`` passages, together.
        """
        final = {row: score * self._time_factor(row, window) for row, score in fused.items()}
        by_article: dict[str, list[int]] = {}
        for row in sorted(final, key=lambda r: (-final[r], r)):
            by_article.setdefault(self.index.chunks[row].article_id, []).append(row)
        policy = self.policy

        def evidence(rows: list[int]) -> float:
            best = rows[: policy.evidence_depth]
            return sum(final[r] * policy.evidence_decay**i for i, r in enumerate(best))

        ranked = sorted(by_article.items(), key=lambda item: (-evidence(item[1]), item[0]))
        cap = policy.max_per_article
        chosen = [(aid, row) for aid, rows in ranked for row in rows[:cap]]
        if len(chosen) < k:  # few articles: diversity must not starve the list
            chosen += [(aid, row) for aid, rows in ranked for row in rows[cap:]]
        passages: list[Passage] = []
        for article_id, row in chosen[:k]:
            article = self.index.articles[article_id]
            ref = self.index.chunks[row]
            passages.append(
                Passage(
                    rank=len(passages) + 1,
                    score=final[row],
                    text=article.text[ref.start : ref.end],
                    char_start=ref.start,
                    char_end=ref.end,
                    article=article,
                    index_version=self.index.version,
                )
            )
        return passages


def _flat_vectors(vectors: object) -> np.ndarray | None:
    """A zero-copy view of a flat index's vectors (None for other index types)."""
    import faiss

    if not isinstance(vectors, faiss.IndexFlat) or vectors.ntotal == 0:
        return None
    data = faiss.rev_swig_ptr(vectors.get_xb(), vectors.ntotal * vectors.d)
    return np.asarray(data).reshape(vectors.ntotal, vectors.d)


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    return mode  # type: ignore[return-value]
