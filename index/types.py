"""Small typed records that cross module boundaries, each carrying its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[Mode, ...] = get_args(Mode)


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

    def meta(self) -> dict[str, str | None]:
        """Metadata without the text, as shown next to every quote."""
        fields = ("id", "title", "source", "author", "published", "url", "path")
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
    """A retrieved chunk with its score, rank and article."""

    rank: int
    score: float
    text: str
    char_start: int
    char_end: int
    article: Article
    index_version: str = field(default="", compare=False)

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "article": self.article.meta(),
        }
