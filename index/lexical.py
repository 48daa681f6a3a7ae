"""BM25 over chunk texts (``bm25s``), stored as plain ``.npy`` and JSON files, never pickle."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Files bm25s writes for an index (allow_pickle=False); the corpus itself is not stored.
FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
SETTINGS = {"k1": 1.5, "b": 0.75, "stopwords": "en", "stemmer": "english"}


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer(SETTINGS["stemmer"])


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words."""
    import bm25s

    with _quiet():
        return bm25s.tokenize(
            list(texts),
            stopwords=SETTINGS["stopwords"],
            stemmer=_stemmer(),
            return_ids=False,
            show_progress=False,
        )


class LexicalIndex:
    """A BM25 index whose document ``i`` is row ``i`` of the vector index."""

    def __init__(self, model: Any, size: int) -> None:
        self._model = model
        self.size = size
        self._vocab: dict[str, int] = model.vocab_dict
        self._idf: dict[str, float] | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25(k1=SETTINGS["k1"], b=SETTINGS["b"])
        with _quiet():
            model.index(tokenize(texts) if texts else [[]], show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        folder.mkdir()
        with _quiet():
            self._model.save(str(folder), show_progress=False)
        for leftover in set(p.name for p in folder.iterdir()) - set(FILES):
            (folder / leftover).unlink()

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        import bm25s

        with _quiet():
            model = bm25s.BM25.load(str(folder), load_corpus=False, show_progress=False)
        return cls(model, size)

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every word in the vocabulary (BM25's formula)."""
        if self._idf is None:
            df = np.diff(np.asarray(self._model.scores["indptr"]))
            n = max(self.size, 1)
            values = np.log1p((n - df + 0.5) / (df + 0.5))
            self._idf = {
                word: float(values[i]) for word, i in self._vocab.items() if i < len(values)
            }
        return self._idf

    def search(
        self, query: str, k: int, *, ranges: list[tuple[int, int]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row numbers and BM25 scores of the best ``k`` chunks within each row range (the
        whole index by default), scored once for all ranges."""
        tokens = [t for t in tokenize([query])[0] if t in self._vocab]
        if not tokens or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._model.get_scores(tokens)
        tops = [_top(scores[lo:hi], k) + lo for lo, hi in (ranges or [(0, self.size)])]
        top = np.unique(np.concatenate(tops))
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top].astype(np.float32)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


@contextlib.contextmanager
def _quiet():
    """bm25s logs and prints progress of its own; keep the CLI's output clean."""
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):
        yield
