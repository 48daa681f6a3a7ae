"""Dense search over one FAISS index, restricted to row ranges (date windows).

``DenseSearcher`` is the narrow protocol the retriever needs; ``FaissSearcher`` implements
it for flat (exact) and HNSW indexes. Thread policy (``faiss.omp_set_num_threads``) is not
set here: it is process-wide, and set once at the edge (``newsdesk.wiring``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from index.types import RowRange


class DenseSearcher(Protocol):
    """Scores rows by similarity to a query vector."""

    def search(
        self, vector: np.ndarray, k: int, selections: Sequence[Sequence[RowRange]]
    ) -> dict[int, float]:
        """The best ``k`` rows of each selection (a list of row ranges: a date window in
        every segment) with their similarity (higher is closer)."""
        ...


# A date window of at most this many rows is scored exactly, row by row, even in an HNSW
# index: a filtered graph search finds few of a narrow window's rows (on a million rows of
# RTQA text, a question's 7-day window holds ~2% of them and efSearch 128 found 83% of the
# exact top 10), while scoring 50,000 rows takes a few milliseconds (bench/million.py).
EXACT_WINDOW_ROWS = 50_000
# An index (segment) this small is always scored row by row: a FAISS search call costs
# more than the product itself.
SMALL_INDEX_ROWS = 4096
# Wider windows use the graph with efSearch raised for the share of rows the filter
# excludes, up to this many times the configured value.
MAX_EF_FACTOR = 8


class FaissSearcher:
    """Inner-product search in a FAISS index whose row ``i`` is chunk ``i``."""

    def __init__(
        self,
        vectors: Any,
        *,
        ef_search: int | None = None,
        exact_window_rows: int = EXACT_WINDOW_ROWS,
        excluded: np.ndarray | None = None,
    ) -> None:
        """``excluded``: a mask of rows never to return (deleted articles' rows)."""
        self.vectors = vectors
        self.size = int(vectors.ntotal)
        self._excluded = excluded if excluded is not None and excluded.any() else None
        self._hnsw = hasattr(vectors, "hnsw")
        self._ef_search = ef_search
        # The vectors as one array (an HNSW index keeps them in a flat storage), where date
        # windows are scored row by row; None for other index types.
        self._stored = _flat_view(_storage(vectors) if self._hnsw else vectors)
        self._exact_window_rows = exact_window_rows

    def search(
        self, vector: np.ndarray, k: int, selections: Sequence[Sequence[RowRange]]
    ) -> dict[int, float]:
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        found: dict[int, float] = {}
        if self._stored is not None and self.size <= SMALL_INDEX_ROWS:
            # A small index (one small segment, or several merged with a window in each):
            # one product scores every row, then each selection keeps its best.
            every = self._stored @ query[0]
            if self._excluded is not None:
                every[self._excluded] = -np.inf
            for selection in selections:
                rows = _rows_of(selection)
                found.update(_top_rows(rows, every[rows], k))
            return found
        for selection in selections:
            best: dict[int, float] = {}
            for lo, hi in selection:
                best.update(self._search_range(query, k, lo, hi))
            if len(selection) > 1 and len(best) > k:
                rows = np.fromiter(best, dtype=np.int64, count=len(best))
                best = _top_rows(rows, np.fromiter(best.values(), dtype=np.float32), k)
            found.update(best)
        return found

    def _search_range(self, query: np.ndarray, k: int, lo: int, hi: int) -> dict[int, float]:
        """The best ``k`` live rows of ``lo..hi``."""
        want = min(k, hi - lo)
        if want <= 0:
            return {}
        excluded = self._excluded
        if self._stored is not None and (self._exact(lo, hi) or excluded is not None):
            # A date window is a slice of rows: score just those (a filtered FAISS
            # search would still visit every vector, or miss some in a graph).
            window = self._stored[lo:hi] @ query[0]
            if excluded is not None:
                window[excluded[lo:hi]] = -np.inf
            top = np.argpartition(-window, want - 1)[:want]
            scores, rows = window[top], top + lo
        else:
            # Deleted rows are asked for too, then dropped (a graph index).
            extra = int(excluded[lo:hi].sum()) if excluded is not None else 0
            selector, params = self._params(lo, hi)
            found_scores, found_rows = self.vectors.search(
                query, min(want + extra, hi - lo), params=params
            )
            del selector  # kept alive until here: params.sel does not own it
            rows, scores = found_rows[0], found_scores[0]
        keep = (rows >= 0) & np.isfinite(scores)
        if excluded is not None:
            keep &= ~excluded[np.maximum(rows, 0)]
        rows, scores = rows[keep], scores[keep]
        if len(rows) > want:  # deleted rows were asked for too
            best = np.argsort(-scores, kind="stable")[:want]
            rows, scores = rows[best], scores[best]
        return dict(zip(rows.tolist(), scores.tolist(), strict=True))

    def _exact(self, lo: int, hi: int) -> bool:
        """Score rows ``lo..hi`` one by one rather than through the index?"""
        if self.size <= SMALL_INDEX_ROWS:
            return True  # a small segment: one product beats a FAISS call's overhead
        if (lo, hi) == (0, self.size):
            return False
        return not self._hnsw or hi - lo <= self._exact_window_rows

    def _params(self, lo: int, hi: int) -> tuple[Any, Any]:
        """Search parameters for rows ``lo..hi`` and the selector they point at."""
        import faiss

        whole = (lo, hi) == (0, self.size)
        if self._hnsw:
            params = faiss.SearchParametersHNSW()
            ef = self._ef_search or self.vectors.hnsw.efSearch
            # The filter drops the rows outside the window: look at more to keep k of them.
            params.efSearch = ef * min(MAX_EF_FACTOR, max(1, round(self.size / (hi - lo))))
        elif whole:
            return None, None
        else:
            params = faiss.SearchParameters()
        selector = None if whole else faiss.IDSelectorRange(lo, hi)
        if selector is not None:
            params.sel = selector
        return selector, params


def _storage(vectors: Any) -> Any:
    """The flat index an HNSW index keeps its vectors in."""
    import faiss

    return faiss.downcast_index(vectors.storage)


def _flat_view(vectors: Any) -> np.ndarray | None:
    """A zero-copy view of a flat index's vectors (None for other index types)."""
    import faiss

    if not isinstance(vectors, faiss.IndexFlat) or vectors.ntotal == 0:
        return None
    data = faiss.rev_swig_ptr(vectors.get_xb(), vectors.ntotal * vectors.d)
    return np.asarray(data).reshape(vectors.ntotal, vectors.d)


def _rows_of(selection: Sequence[RowRange]) -> np.ndarray:
    """The row numbers of ``selection``'s ranges, in order."""
    if len(selection) == 1:
        lo, hi = selection[0]
        return np.arange(lo, hi)
    return np.concatenate([np.arange(lo, hi) for lo, hi in selection] or [np.zeros(0, int)])


def _top_rows(rows: np.ndarray, scores: np.ndarray, k: int) -> dict[int, float]:
    """The ``k`` best of ``rows`` by ``scores`` (same length), leaving out -inf (deleted)."""
    if len(rows) > k:
        top = np.argpartition(-scores, k - 1)[:k]
        rows, scores = rows[top], scores[top]
    keep = np.isfinite(scores)
    return dict(zip(rows[keep].tolist(), scores[keep].tolist(), strict=True))


def merged_flat(indexes: Sequence[Any]) -> Any:
    """One flat inner-product index of the vectors of ``indexes``, in order: several small
    segments searched as one (``SMALL_INDEX_ROWS`` rows at most, so scored exactly)."""
    import faiss

    merged = faiss.IndexFlatIP(int(indexes[0].d))
    for index in indexes:
        if index.ntotal:
            merged.add(index.reconstruct_n(0, index.ntotal))
    return merged


class SegmentedDense:
    """Dense search over an index in several parts (a segment, or small segments merged):
    each range goes to the part that holds it (row numbers offset by the part's first row),
    and each selection keeps the best of what the parts found, as one search of the merged
    index would; scores are comparable across parts (one model, normalised vectors)."""

    def __init__(self, searchers: Sequence[DenseSearcher], bounds: Sequence[RowRange]) -> None:
        self.searchers = list(searchers)
        self.bounds = list(bounds)

    def search(
        self, vector: np.ndarray, k: int, selections: Sequence[Sequence[RowRange]]
    ) -> dict[int, float]:
        """The best ``k`` rows of each selection within each part (the caller keeps the
        best ``k`` of each selection across parts)."""
        found: dict[int, float] = {}
        for (first, last), searcher in zip(self.bounds, self.searchers, strict=True):
            local = [
                [
                    (max(lo, first) - first, min(hi, last) - first)
                    for lo, hi in selection
                    if lo < last and hi > first
                ]
                for selection in selections
            ]
            local = [selection for selection in local if selection]
            if local:
                found.update(
                    (row + first, s) for row, s in searcher.search(vector, k, local).items()
                )
        return _best_of_each(found, selections, k)


def _best_of_each(
    found: dict[int, float], selections: Sequence[Sequence[RowRange]], k: int
) -> dict[int, float]:
    """The best ``k`` rows of ``found`` within each selection."""
    if len(found) <= k:
        return found
    rows = np.fromiter(found, dtype=np.int64, count=len(found))
    scores = np.fromiter(found.values(), dtype=np.float64, count=len(found))
    kept: set[int] = set()
    for selection in selections:
        inside = np.zeros(len(rows), dtype=bool)
        for lo, hi in selection:
            inside |= (rows >= lo) & (rows < hi)
        candidates = np.flatnonzero(inside)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        kept.update(rows[candidates].tolist())
    return {row: found[row] for row in kept}
