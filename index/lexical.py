"""BM25 over chunk texts (``bm25s``), stored as plain ``.npy`` and JSON files, never pickle.

bm25s is kept quiet with its own options (``show_progress=False``); its logger is filtered
at the edge (``core/logs.py``). Nothing here touches process-wide state such as
``sys.stdout``: the bot tokenises from several worker threads at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.types import RowRange

# Files bm25s writes for an index (allow_pickle=False); the corpus itself is not stored.
FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
SETTINGS = {"k1": 1.5, "b": 0.75, "stopwords": "en", "stemmer": "english"}

_local = threading.local()


def _stemmer() -> Any:
    """This thread's stemmer: PyStemmer objects must not be shared between threads."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer(SETTINGS["stemmer"])
    return stemmer


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words."""
    import bm25s

    return bm25s.tokenize(
        list(texts),
        stopwords=SETTINGS["stopwords"],
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )


def fingerprint() -> str:
    """Names the BM25 settings and library: an index built with others must be rebuilt."""
    import bm25s

    described = json.dumps({**SETTINGS, "bm25s": bm25s.__version__}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


class LexicalIndex:
    """A BM25 index whose document ``i`` is row ``i`` of the vector index."""

    def __init__(self, model: Any, size: int) -> None:
        self._model = model
        self.size = size
        self._vocab: dict[str, int] = model.vocab_dict
        self._idf_lock = threading.Lock()
        self._idf: np.ndarray | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25(k1=SETTINGS["k1"], b=SETTINGS["b"])
        model.index(tokenize(texts) if texts else [[]], show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        folder.mkdir()
        self._model.save(str(folder), show_progress=False)
        for leftover in {p.name for p in folder.iterdir()} - set(FILES):
            (folder / leftover).unlink()

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25.load(str(folder), load_corpus=False, show_progress=False)
        return cls(model, size)

    def weights(self, terms: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency of each term (BM25's formula); 0 for unknown terms."""
        idf = self._idf_values()
        out: dict[str, float] = {}
        for term in terms:
            column = self._vocab.get(term)
            out[term] = float(idf[column]) if column is not None and column < len(idf) else 0.0
        return out

    def _idf_values(self) -> np.ndarray:
        with self._idf_lock:
            if self._idf is None:
                df = np.diff(np.asarray(self._model.scores["indptr"]))
                n = max(self.size, 1)
                self._idf = np.log1p((n - df + 0.5) / (df + 0.5))
            return self._idf

    def search(
        self, terms: Sequence[str], k: int, ranges: Sequence[RowRange] | None = None
    ) -> dict[int, float]:
        """BM25 scores of the best ``k`` rows within each row range (the whole index by
        default), scored once for all ranges; rows scoring 0 are left out."""
        known = [t for t in terms if t in self._vocab]
        if not known or self.size == 0:
            return {}
        scores = self._model.get_scores(known)
        tops = [_top(scores[lo:hi], k) + lo for lo, hi in (ranges or [(0, self.size)])]
        top = np.unique(np.concatenate(tops))
        top = top[scores[top] > 0]
        return dict(zip(top.tolist(), scores[top].astype(float).tolist(), strict=True))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
