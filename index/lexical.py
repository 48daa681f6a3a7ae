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
from dataclasses import dataclass
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
# Each row's length in terms, which bm25s does not keep: with it, a segment's scores can be
# given the average length of the whole index (``SegmentedLexical``).
LENGTHS = "doclen.index.npy"
# Words of one character count too (bm25s drops them by default): "Plan B", "Vitamin D",
# "6 missiles" and the "G" of "G-7" are what a question asks about.
SETTINGS = {
    "k1": 1.5,
    "b": 0.75,
    "stopwords": "en",
    "stemmer": "english",
    "token_pattern": r"(?u)\b\w+\b",
}

_local = threading.local()


def _stemmer() -> Any:
    """This thread's stemmer: PyStemmer objects must not be shared between threads."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer(SETTINGS["stemmer"])
    return stemmer


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words, single characters kept."""
    import bm25s

    return bm25s.tokenize(
        list(texts),
        stopwords=SETTINGS["stopwords"],
        token_pattern=SETTINGS["token_pattern"],
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )


def fingerprint() -> str:
    """Names the BM25 settings and library: an index built with others must be rebuilt."""
    import bm25s

    described = json.dumps(
        {**SETTINGS, "bm25s": bm25s.__version__, "lengths": LENGTHS}, sort_keys=True
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]


class LexicalIndex:
    """A BM25 index whose document ``i`` is row ``i`` of the vector index."""

    def __init__(self, model: Any, size: int, lengths: np.ndarray | None = None) -> None:
        """``lengths``: each row's length in terms (None for an index stored without them,
        whose scores then keep their own average length)."""
        self._model = model
        self.size = size
        self.lengths = lengths
        self.average_length = float(lengths.mean()) if lengths is not None and size else None
        self._vocab: dict[str, int] = model.vocab_dict
        self._idf_lock = threading.Lock()
        self._idf: np.ndarray | None = None
        self._scores = model.scores

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25(k1=SETTINGS["k1"], b=SETTINGS["b"])
        tokens = tokenize(texts) if texts else [[]]
        model.index(tokens, show_progress=False)
        lengths = np.array([len(t) for t in tokens] if texts else [], dtype=np.int32)
        return cls(model, len(texts), lengths)

    def save(self, folder: Path) -> None:
        folder.mkdir()
        self._model.save(str(folder), show_progress=False)
        for leftover in {p.name for p in folder.iterdir()} - set(FILES):
            (folder / leftover).unlink()
        if self.lengths is not None:
            np.save(folder / LENGTHS, self.lengths, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, size: int, *, lengths: bool = False) -> LexicalIndex:
        """Load the bm25s files, and the row lengths when ``lengths`` (they were saved)."""
        import bm25s

        model = bm25s.BM25.load(str(folder), load_corpus=False, show_progress=False)
        row_lengths = None
        if lengths:
            row_lengths = np.load(folder / LENGTHS, allow_pickle=False)
            if row_lengths.shape != (size,):
                raise ValueError(f"{LENGTHS} holds {row_lengths.shape} lengths for {size} rows")
        return cls(model, size, row_lengths)

    def weights(self, terms: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency of each term (BM25's formula); 0 for unknown terms."""
        values = self._idf_values()
        out: dict[str, float] = {}
        for term in terms:
            column = self._vocab.get(term)
            out[term] = (
                float(values[column]) if column is not None and column < len(values) else 0.0
            )
        return out

    def tf_parts(self, average_length: float | None) -> np.ndarray:
        """Per stored (row, term) entry, BM25's term-frequency part tf / (tf + K) with
        K = k1 (1 - b + b dl / avgdl), taking ``average_length`` as avgdl (None: this
        index's own).

        bm25s stores idf * tf / (tf + K') under this index's own statistics: dividing by
        its idf gives v = tf / (tf + K'), so tf = v K' / (1 - v), from which the part under
        another average follows (exact up to float32). Computed once per loaded index."""
        own_idf = self._idf_values()
        data = np.asarray(self._scores["data"], dtype=np.float64)
        columns = _entry_columns(np.asarray(self._scores["indptr"]))
        idf_of = own_idf[columns] if len(columns) else np.zeros(0)
        part = np.divide(data, idf_of, out=np.zeros_like(data), where=idf_of > 0)
        if (
            average_length is not None
            and self.lengths is not None
            and self.average_length is not None
            and abs(average_length - self.average_length) > 1e-9
        ):
            k1, b = SETTINGS["k1"], SETTINGS["b"]
            dl = self.lengths[np.asarray(self._scores["indices"])]
            k_own = k1 * (1 - b + b * dl / self.average_length)
            k_new = k1 * (1 - b + b * dl / average_length)
            tf = part * k_own / np.maximum(1 - part, 1e-12)
            part = tf / (tf + k_new)
        return part.astype(np.float32)

    def _idf_values(self) -> np.ndarray:
        with self._idf_lock:
            if self._idf is None:
                self._idf = idf(np.diff(np.asarray(self._scores["indptr"])), self.size)
            return self._idf

    def search(
        self,
        terms: Sequence[str],
        k: int,
        selections: Sequence[Sequence[RowRange]] | None = None,
    ) -> dict[int, float]:
        """BM25 scores of the best ``k`` rows of each selection (a list of row ranges; the
        whole index by default), scored once for all; rows scoring 0 are left out."""
        known = [t for t in terms if t in self._vocab]
        if not known or self.size == 0:
            return {}
        scores = np.asarray(self._model.get_scores(known), dtype=np.float32)
        return _best(scores, k, selections or [[(0, self.size)]])


def _entry_columns(indptr: np.ndarray) -> np.ndarray:
    """The column (term) of each stored entry of a CSC matrix with pointers ``indptr``."""
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def idf(doc_freq: np.ndarray, rows: int) -> np.ndarray:
    """BM25's inverse document frequency ("lucene" variant, as bm25s scores with)."""
    n = max(rows, 1)
    return np.log1p((n - doc_freq + 0.5) / (doc_freq + 0.5))


@dataclass(frozen=True, slots=True)
class Postings:
    """The rows holding each term, with BM25's term-frequency part of each (row, term)
    under one average row length: the searchable form of one segment, or of several small
    segments merged (their rows numbered on, one after the other)."""

    vocab: dict[str, int]
    indptr: np.ndarray  # the rows of column c are indices[indptr[c]:indptr[c + 1]]
    indices: np.ndarray
    parts: np.ndarray  # float32, one per stored (row, term) entry
    size: int  # rows
    excluded: np.ndarray | None  # rows never scored (deleted articles')

    @classmethod
    def of(
        cls,
        lexicals: Sequence[LexicalIndex],
        average_length: float | None,
        excluded: np.ndarray | None,
    ) -> Postings:
        """The postings of ``lexicals`` (consecutive segments) merged, their parts under
        ``average_length``; ``excluded``: the mask of their deleted rows (or None)."""
        size = sum(lexical.size for lexical in lexicals)
        if len(lexicals) == 1:
            (lexical,) = lexicals
            return cls(
                lexical._vocab,
                np.asarray(lexical._scores["indptr"]),
                np.asarray(lexical._scores["indices"]),
                lexical.tf_parts(average_length),
                size,
                excluded,
            )
        vocab: dict[str, int] = {}
        rows, columns, parts = [], [], []
        offset = 0
        for lexical in lexicals:
            indptr = np.asarray(lexical._scores["indptr"])
            width = len(indptr) - 1
            remap = np.zeros(width, dtype=np.int64)
            for term, column in lexical._vocab.items():
                if column < width:
                    remap[column] = vocab.setdefault(term, len(vocab))
            columns.append(remap[_entry_columns(indptr)])
            rows.append(np.asarray(lexical._scores["indices"], dtype=np.int64) + offset)
            parts.append(lexical.tf_parts(average_length))
            offset += lexical.size
        all_rows, all_columns = np.concatenate(rows), np.concatenate(columns)
        order = np.lexsort((all_rows, all_columns))  # by column, then row
        counts = np.bincount(all_columns, minlength=len(vocab))
        return cls(
            vocab,
            np.concatenate([[0], np.cumsum(counts)]),
            all_rows[order].astype(np.int32),
            np.concatenate(parts)[order],
            size,
            excluded,
        )

    @property
    def width(self) -> int:
        """Columns (terms) that have postings."""
        return len(self.indptr) - 1

    def scored(self, column_idf: np.ndarray) -> ScoredPostings:
        """These postings with each part multiplied by its term's idf (``column_idf``, one
        per column): a term's scores are then one slice to add."""
        columns = _entry_columns(self.indptr)
        # In float32, as a query's weight times the part was: the same scores to the bit.
        scores = self.parts * column_idf.astype(np.float32)[columns]
        return ScoredPostings(
            self.vocab, self.indptr, self.indices, scores, self.size, self.excluded
        )


@dataclass(frozen=True, slots=True)
class ScoredPostings:
    """Postings whose entries are whole BM25 scores (idf times term-frequency part) under
    the statistics of the index they are part of: what a search adds up."""

    vocab: dict[str, int]
    indptr: np.ndarray
    indices: np.ndarray
    entry_scores: np.ndarray  # float32, one per stored (row, term) entry
    size: int
    excluded: np.ndarray | None

    def add_scores(self, terms: Sequence[str], out: np.ndarray) -> None:
        """Add every row's score for ``terms`` into ``out`` (a repeated term counts again,
        as in bm25s); excluded rows are set to 0."""
        width = len(self.indptr) - 1
        rows, scores = [], []
        for term in terms:
            column = self.vocab.get(term)
            if column is None or column >= width:
                continue
            lo, hi = int(self.indptr[column]), int(self.indptr[column + 1])
            rows.append(self.indices[lo:hi])
            scores.append(self.entry_scores[lo:hi])
        if rows:  # one unbuffered add, as bm25s scores: faster than one += a term
            np.add.at(out, np.concatenate(rows), np.concatenate(scores))
        if self.excluded is not None:
            out[self.excluded] = 0


class SegmentedLexical:
    """BM25 over an index of several segments, scored as one index: every segment's scores
    use the idf of the whole index (its own document frequencies summed), so a term rare in
    a small new segment is not worth more there than in the archive. Rows are numbered
    across the segments in order; deleted rows are never returned."""

    def __init__(
        self,
        lexicals: Sequence[LexicalIndex],
        groups: Sequence[Sequence[int]],
        excluded: Sequence[np.ndarray | None],
    ) -> None:
        """``lexicals``: the segments' BM25 indexes in row order; ``groups``: consecutive
        segments searched as one part (their postings merged once, here); ``excluded``:
        each group's mask of deleted rows (or None)."""
        if [i for g in groups for i in g] != list(range(len(lexicals))):
            raise ValueError("groups must list every segment once, in order")
        self.size = sum(lexical.size for lexical in lexicals)
        # The whole index's average row length, when every segment kept its row lengths.
        known = all(lexical.lengths is not None for lexical in lexicals)
        total = sum(int(lexical.lengths.sum()) for lexical in lexicals if known)  # type: ignore[union-attr]
        self.average_length = total / self.size if known and self.size else None
        postings = [
            Postings.of([lexicals[i] for i in group], self.average_length, mask)
            for group, mask in zip(groups, excluded, strict=True)
        ]
        # Every term's document frequency in the whole index, once a version: each part's
        # columns are mapped to one vocabulary and their counts summed.
        self._terms: dict[str, int] = {}
        maps = []
        for part in postings:
            ids = np.zeros(part.width, dtype=np.int64)
            for term, column in part.vocab.items():
                if column < part.width:
                    ids[column] = self._terms.setdefault(term, len(self._terms))
            maps.append(ids)
        doc_freq = np.zeros(len(self._terms), dtype=np.int64)
        for part, ids in zip(postings, maps, strict=True):
            np.add.at(doc_freq, ids, np.diff(part.indptr))
        self._idf = idf(doc_freq, self.size)
        self.parts = [part.scored(self._idf[ids]) for part, ids in zip(postings, maps, strict=True)]

    def weights(self, terms: Sequence[str]) -> dict[str, float]:
        out = {}
        for term in terms:
            index = self._terms.get(term)
            out[term] = float(self._idf[index]) if index is not None else 0.0
        return out

    def search(
        self,
        terms: Sequence[str],
        k: int,
        selections: Sequence[Sequence[RowRange]] | None = None,
    ) -> dict[int, float]:
        known = [term for term in terms if term in self._terms]
        if not known or self.size == 0:
            return {}
        scores = np.zeros(self.size, dtype=np.float32)
        start = 0
        for part in self.parts:
            part.add_scores(known, scores[start : start + part.size])
            start += part.size
        return _best(scores, k, selections or [[(0, self.size)]])


def _best(scores: np.ndarray, k: int, selections: Sequence[Sequence[RowRange]]) -> dict[int, float]:
    """The best ``k`` rows of each selection with their scores; rows scoring 0 left out."""
    tops = []
    for selection in selections:
        # Each range's best, then the best of those: no gathering of the ranges' scores.
        best = [_top(scores[lo:hi], k) + lo for lo, hi in selection]
        if len(best) > 1:
            rows = np.concatenate(best)
            best = [rows[_top(scores[rows], k)]]
        tops.extend(best)
    if not tops:
        return {}
    top = np.unique(np.concatenate(tops))
    top = top[scores[top] > 0]
    return dict(zip(top.tolist(), scores[top].astype(float).tolist(), strict=True))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
