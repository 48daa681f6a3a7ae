"""Retrieval: a question in, ranked passages with their articles out.

The retriever composes small components: a dense searcher (``index/dense.py``), a lexical
searcher (``index/lexical.py``), rank fusion (``index/fusion.py``), time ranking
(``index/recency.py``) and per-article ranking (``index/ranking.py``). Three modes: ``dense``,
``bm25`` and ``hybrid`` (both, fused). Every mode knows "now" (``as_of``): articles published
after it are not candidates, and the dates the question points at are preferred.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

import numpy as np

from core.errors import QueryError
from index.dense import (
    SMALL_INDEX_ROWS,
    DenseSearcher,
    FaissSearcher,
    SegmentedDense,
    merged_flat,
)
from index.fusion import reciprocal_rank_fusion
from index.lexical import SegmentedLexical, tokenize
from index.ranking import EvidencePolicy, article_focus, focus_factors, rank_rows
from index.recency import TimePolicy, TimeRanker
from index.store import Segment, StoredIndex, check_compatible
from index.timeframe import TimeWindow
from index.types import MODES, Mode, Passage, Question, Retrieval, RowRange


class QueryEncoder(Protocol):
    """What retrieval needs of an embedder: its identity and question vectors."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class LexicalSearcher(Protocol):
    """Scores rows by shared words; also weighs the words (for the answer step)."""

    def search(
        self,
        terms: Sequence[str],
        k: int,
        selections: Sequence[Sequence[RowRange]] | None = None,
    ) -> dict[int, float]:
        """The best ``k`` rows of each selection (a list of row ranges)."""
        ...

    def weights(self, terms: Sequence[str]) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class RankingPolicy:
    """Every ranking knob (see docs/benchmarks.md, "Tuning", for how they were chosen)."""

    candidates: int = 100  # per ranker, from the whole index and from the time window each
    rrf_k: int = 60
    dense_margin: float = 0.5  # dense candidates this far below the best one are dropped
    time: TimePolicy = field(default_factory=TimePolicy)
    evidence: EvidencePolicy = field(default_factory=EvidencePolicy)


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
        encoder: QueryEncoder,
        *,
        mode: Mode = "hybrid",
        policy: RankingPolicy | None = None,
        max_query_chars: int = 1000,
        ef_search: int | None = None,
        dense: DenseSearcher | None = None,
        lexical: LexicalSearcher | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        check_compatible(index.manifest, encoder.name, encoder.dimension)
        self.index = index
        self.encoder = encoder
        self.mode = _check_mode(mode)
        self.max_query_chars = max_query_chars
        groups = search_groups([len(segment.chunks) for segment in index.segments])
        # Each group's mask of deleted rows, for both searchers (computed once a version).
        excluded = [_deleted_rows([index.segments[i] for i in group]) for group in groups]
        self.dense = dense or _dense(index, groups, excluded, ef_search)
        self.lexical = lexical or _lexical(index, groups, excluded)
        self.time = TimeRanker(index.row_days(), segments=index.bounds)
        # Equal scores (copies of one text) are ordered by day, article and place, not by
        # row number, so a search ranks alike however the rows are split into segments.
        self._place = _places(index)
        self._focus = _focus(index)
        self.policy = policy or RankingPolicy()
        self._today = today

    @property
    def policy(self) -> RankingPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: RankingPolicy) -> None:
        """Replace the ranking knobs (the tuning scripts do), time knobs included."""
        self._policy = policy
        self.time.policy = policy.time
        self._unfocused = focus_factors(self._focus, policy.evidence)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Mode | None = None,
        as_of: date | None = None,
        per_article: int | None = None,
    ) -> Retrieval:
        """The ``k`` best passages for ``query`` as of ``as_of`` (default: today), best first;
        ``per_article`` passages of one article at most (default: the ranking policy's; the
        answer step reads more of each article than a result list shows)."""
        if k < 1:
            raise QueryError(f"k must be at least 1, not {k}")
        mode = _check_mode(mode or self.mode)
        text = clean_query(query, self.max_query_chars)
        as_of = as_of or self._today()
        window = self.time.window(text, as_of)
        terms = tuple(tokenize([text])[0])
        vector = self.encoder.encode([text])[0] if mode != "bm25" else None
        question = Question(text, as_of, window, vector, terms, self.lexical.weights(terms))
        selections = self.time.selections(window, as_of)
        if not selections:
            return Retrieval(question, [], searchable_rows=0)
        rankings = []
        if vector is not None:
            rankings.append(self._dense(vector, selections))
        if mode != "dense":
            rankings.append(self.lexical.search(terms, self.policy.candidates, selections))
        fused = reciprocal_rank_fusion(rankings, self.policy.rrf_k, self._place.__getitem__)
        final = {row: s * self._factor(row, window) for row, s in fused.items()}
        searchable = sum(hi - lo for lo, hi in selections[0])
        evidence = self.policy.evidence
        if per_article is not None:
            evidence = replace(evidence, max_per_article=per_article)
        passages = self._passages(final, k, evidence)
        return Retrieval(question, passages, searchable_rows=searchable)

    def _factor(self, row: int, window: TimeWindow) -> float:
        """The date preference and, for a digest of many subjects, its lack of focus."""
        unfocused = self._unfocused.get(self.index.chunks[row].article_id, 1.0)
        return self.time.factor(row, window) * unfocused

    def _dense(self, vector: np.ndarray, selections: list[list[RowRange]]) -> dict[int, float]:
        found = self.dense.search(vector, self.policy.candidates, selections)
        if not found:
            return found
        # Far less similar than the best is not a match, however recent.
        floor = max(found.values()) - self.policy.dense_margin
        return {row: score for row, score in found.items() if score >= floor}

    def _passages(
        self, scores: Mapping[int, float], k: int, evidence: EvidencePolicy
    ) -> list[Passage]:
        chunks = self.index.chunks
        rows = rank_rows(
            scores, lambda r: chunks[r].article_id, k, evidence, tiebreak=self._place.__getitem__
        )
        passages: list[Passage] = []
        for row, article_score in rows:
            ref = chunks[row]
            article = self.index.articles[ref.article_id]
            passages.append(
                Passage(
                    rank=len(passages) + 1,
                    score=article_score,
                    passage_score=scores[row],
                    text=article.text[ref.start : ref.end],
                    char_start=ref.start,
                    char_end=ref.end,
                    article=article,
                    index_version=self.index.version,
                )
            )
        return passages


def _places(index: StoredIndex) -> list[int]:
    """Each row's place in (publication day, article id, start) order: the row order of a
    merged index (``index/builder.py``), the same in any segment layout."""
    chunks, days = index.chunks, index.row_days()
    order = sorted(
        range(len(chunks)), key=lambda r: (days[r], chunks[r].article_id, chunks[r].start)
    )
    places = [0] * len(chunks)
    for place, row in enumerate(order):
        places[row] = place
    return places


def _focus(index: StoredIndex) -> dict[str, float]:
    """Each live article's focus (``index/ranking.py``), from its rows' stored vectors."""
    focus: dict[str, float] = {}
    for segment in index.segments:
        deleted = segment.deleted
        ids = [None if c.article_id in deleted else c.article_id for c in segment.chunks]
        focus.update(article_focus(_rows_of(segment.vector_index()), ids))
    return focus


def _rows_of(vectors: Any) -> Callable[[int, int], np.ndarray]:
    """Reads rows ``start:stop`` of a FAISS index."""
    return lambda start, stop: vectors.reconstruct_n(start, stop - start)


def search_groups(sizes: Sequence[int], small: int = SMALL_INDEX_ROWS) -> list[list[int]]:
    """Segments (by their row counts, in order) searched together: consecutive segments of
    at most ``small`` rows in all form one group, merged in memory when a version is
    loaded, so that the updates appended since the last merge cost one search, not one
    each; a bigger segment is searched on its own."""
    groups: list[list[int]] = []
    rows = 0
    for i, size in enumerate(sizes):
        if groups and rows + size <= small:
            groups[-1].append(i)
            rows += size
        else:
            groups.append([i])
            rows = size
    return groups


def _deleted_rows(segments: Sequence[Segment]) -> np.ndarray | None:
    """A mask of the deleted rows of ``segments`` taken as one (None when all are live)."""
    masks = [segment.excluded() for segment in segments]
    if all(mask is None for mask in masks):
        return None
    return np.concatenate(
        [
            np.zeros(len(segment.chunks), dtype=bool) if mask is None else mask
            for segment, mask in zip(segments, masks, strict=True)
        ]
    )


def _dense(
    index: StoredIndex,
    groups: list[list[int]],
    excluded: list[np.ndarray | None],
    ef_search: int | None,
) -> DenseSearcher:
    searchers: list[DenseSearcher] = []
    bounds: list[RowRange] = []
    for group, mask in zip(groups, excluded, strict=True):
        if len(group) == 1:
            vectors = index.segments[group[0]].vectors
        else:
            vectors = merged_flat([index.segments[i].vectors for i in group])
        searchers.append(FaissSearcher(vectors, ef_search=ef_search, excluded=mask))
        bounds.append((index.bounds[group[0]][0], index.bounds[group[-1]][1]))
    return searchers[0] if len(searchers) == 1 else SegmentedDense(searchers, bounds)


def _lexical(
    index: StoredIndex, groups: list[list[int]], excluded: list[np.ndarray | None]
) -> LexicalSearcher:
    lexicals = [segment.lexical for segment in index.segments]
    if any(lexical is None for lexical in lexicals):
        raise ValueError("the index was loaded without its BM25 part")
    if len(index.segments) == 1 and excluded[0] is None:
        return lexicals[0]  # type: ignore[return-value]
    return SegmentedLexical(lexicals, groups, excluded)  # type: ignore[arg-type]


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    return mode  # type: ignore[return-value]
