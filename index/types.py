"""Small typed records that cross module boundaries, each carrying its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import numpy as np

    from index.timeframe import TimeWindow

Mode = Literal["dense", "bm25", "hybrid"]
Stance = Literal["claim", "denial", "unconfirmed"]
STANCES: tuple[Stance, ...] = get_args(Stance)
MODES: tuple[Mode, ...] = get_args(Mode)
RowRange = tuple[int, int]  # rows lo..hi-1 of an index version


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: its original text, unchanged, and the metadata it states."""

    id: str
    title: str
    text: str
    path: str
    source: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    content_hash: str = ""
    aliases: tuple[str, ...] = ()  # ids of exact duplicates, indexed once under this id
    # Where ``text`` starts in the file at ``path`` (characters of the decoded file; after
    # front matter), so ``file[text_offset + start : text_offset + end]`` is a passage;
    # None for records of a JSON file, whose text is a field.
    text_offset: int | None = None

    def meta(self) -> dict[str, str | int | None]:
        """Metadata without the text, as shown next to every quote."""
        fields = ("id", "title", "source", "author", "published", "url", "path", "text_offset")
        return {name: getattr(self, name) for name in fields}


@dataclass(frozen=True, slots=True)
class Chunk:
    """A span of an article's text: ``article.text[start:end] == text``."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with its rank, its article's score and its own.

    ``score`` is the article's relevance (the fused rank scores of its best passages with
    the date preference applied); result lists are sorted by it, so it never rises down a
    list. ``passage_score`` is this passage's own fused score.
    """

    rank: int
    score: float
    text: str
    char_start: int
    char_end: int
    article: Article
    index_version: str = field(default="", compare=False)
    passage_score: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "passage_score": round(self.passage_score, 6),
            "text": self.text,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "article": self.article.meta(),
        }


@dataclass(frozen=True, slots=True)
class Question:
    """A question as retrieval understood it: cleaned text, date, vector and BM25 terms.

    Handed on with the passages so the answer step neither encodes the question again nor
    reaches into the index for word weights.
    """

    text: str
    as_of: date
    window: TimeWindow
    vector: np.ndarray | None  # the query embedding (None when the mode used none)
    terms: tuple[str, ...]  # stemmed BM25 terms, stop words removed
    term_weights: Mapping[str, float]  # each term's inverse document frequency


@dataclass(frozen=True, slots=True)
class Retrieval:
    """What one search found: the question as understood, and the passages, best first."""

    question: Question
    passages: list[Passage]
    searchable_rows: int = -1  # rows published on or before the question's date (-1: unknown)


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence of an article (``article.text[start:end]``) with its source and stance,
    or a photo caption (``index/captions.py``), which is never quoted."""

    start: int
    end: int
    speaker: str | None
    cue: str | None  # the cue's lemma ("say", "according to"), None without one
    stance: Stance = "claim"
    caption: bool = False

    def to_json(self) -> dict[str, object]:
        row: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "cue": self.cue,
            "stance": self.stance,
        }
        if self.caption:
            row["caption"] = True
        return row

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Statement:
        stance = row.get("stance", "claim")
        if stance not in STANCES:
            raise ValueError(f"unknown stance {stance!r}")
        return cls(
            int(row["start"]),
            int(row["end"]),
            row.get("speaker"),
            row.get("cue"),
            stance,
            bool(row.get("caption", False)),
        )
