"""Dense search over row ranges: exact where the index is flat or the window is narrow."""

import faiss
import numpy as np
import pytest

from index.dense import FaissSearcher


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    rows = np.random.default_rng(0).normal(size=(6000, 32)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, query: np.ndarray, lo: int, hi: int, k: int) -> set[int]:
    scores = vectors[lo:hi] @ query
    return {int(i) + lo for i in np.argsort(-scores)[:k]}


def hnsw(vectors: np.ndarray, ef_search: int = 16) -> faiss.Index:
    index = faiss.IndexHNSWFlat(vectors.shape[1], 8, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 16
    index.add(vectors)
    index.hnsw.efSearch = ef_search
    return index


def test_a_flat_index_scores_a_window_exactly(vectors):
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    searcher = FaissSearcher(index)
    for query in vectors[:20]:
        found = searcher.search(query, 10, [[(1000, 1400)]])
        assert set(found) == exact_top(vectors, query, 1000, 1400, 10)


def test_a_narrow_window_of_an_hnsw_index_is_scored_exactly(vectors):
    """A small graph search filtered to 2% of the rows misses some of them; row by row
    over the window's slice of the stored vectors, none is missed."""
    searcher = FaissSearcher(hnsw(vectors), exact_window_rows=500)
    for query in vectors[:20]:
        found = searcher.search(query, 10, [[(3000, 3120)]])
        assert set(found) == exact_top(vectors, query, 3000, 3120, 10)
        assert found == pytest.approx({row: float(vectors[row] @ query) for row in found}, abs=1e-5)


def test_a_wide_window_of_an_hnsw_index_looks_further_through_the_graph(vectors, monkeypatch):
    """Above the exact limit the graph is searched, filtered to the window, with efSearch
    raised for the share of rows the filter drops: more of the true top 10 is found."""
    index = hnsw(vectors)

    def recall() -> float:
        searcher = FaissSearcher(index, exact_window_rows=100)
        hits = 0
        for query in vectors[:20]:
            found = searcher.search(query, 10, [[(2000, 2600)]])
            assert all(2000 <= row < 2600 for row in found)
            hits += len(set(found) & exact_top(vectors, query, 2000, 2600, 10))
        return hits / 200

    raised = recall()
    monkeypatch.setattr("index.dense.MAX_EF_FACTOR", 1)
    assert raised > recall() + 0.2


def test_the_whole_index_is_searched_through_the_graph(vectors):
    searcher = FaissSearcher(hnsw(vectors, ef_search=64), exact_window_rows=10_000)
    found = searcher.search(vectors[5], 10, [[(0, len(vectors))]])
    assert 5 in found and len(found) == 10


@pytest.mark.parametrize("split", [100, 4500])  # a small part after a big one; two big parts
def test_parts_searched_apart_find_what_one_search_finds(vectors, split):
    """A selection spanning parts (the rows before now, in every segment) keeps its best
    k across them, not k from each part; a window in each part likewise."""
    from index.dense import SegmentedDense, merged_flat

    def flat(rows: np.ndarray) -> faiss.Index:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(rows)
        return index

    parts = [vectors[:split], vectors[split:]]
    segmented = SegmentedDense(
        [FaissSearcher(flat(part)) for part in parts], [(0, split), (split, len(vectors))]
    )
    whole = FaissSearcher(merged_flat([flat(part) for part in parts]))
    query = vectors[7]
    windows = [(50, 90), (split + 10, split + 400)]
    for selections in ([[(0, len(vectors))]], [[(0, len(vectors))], windows]):
        found = segmented.search(query, 10, selections)
        assert found.keys() == whole.search(query, 10, selections).keys()
        expected = exact_top(vectors, query, 0, len(vectors), 10)
        if len(selections) > 1:
            inside = np.concatenate([np.arange(lo, hi) for lo, hi in windows])
            expected |= set(inside[np.argsort(-(vectors[inside] @ query))[:10]].tolist())
        assert set(found) == expected
