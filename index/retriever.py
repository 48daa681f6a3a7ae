"""Retrieval: a question in, ranked passages with their articles out."""

from __future__ import annotations

import unicodedata

from index.embedding import Embedder
from index.store import StoredIndex, check_compatible
from index.types import Passage
from newsdesk.errors import QueryError


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
    """Dense search over one loaded index version."""

    def __init__(
        self, index: StoredIndex, embedder: Embedder, *, max_query_chars: int = 1000
    ) -> None:
        check_compatible(index.manifest, embedder.name, embedder.dimension)
        import faiss

        faiss.omp_set_num_threads(1)  # single queries: one thread is 2-3x faster here
        self.index = index
        self.embedder = embedder
        self.max_query_chars = max_query_chars

    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The ``k`` passages most similar to ``query``, best first."""
        text = clean_query(query, self.max_query_chars)
        if k < 1:
            raise QueryError(f"k must be at least 1, not {k}")
        total = len(self.index.chunks)
        if total == 0:
            return []
        vector = self.embedder.encode([text])
        scores, rows = self.index.vectors.search(vector, min(k, total))
        passages: list[Passage] = []
        for score, row in zip(scores[0], rows[0], strict=True):
            if row < 0:
                continue
            ref = self.index.chunks[row]
            article = self.index.articles[ref.article_id]
            passages.append(
                Passage(
                    rank=len(passages) + 1,
                    score=float(score),
                    text=article.text[ref.start : ref.end],
                    char_start=ref.start,
                    char_end=ref.end,
                    article=article,
                    index_version=self.index.version,
                )
            )
        return passages
