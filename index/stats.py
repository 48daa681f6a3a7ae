"""What an index holds, for people: counts per outlet, the publication dates, the sizes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from index.store import StoredIndex
from index.types import Article


@dataclass(frozen=True, slots=True)
class IndexStats:
    index: str
    version: str
    created_at: str
    model: str
    dimension: int
    faiss: str
    articles: int
    chunks: int
    bytes: int
    outlets: dict[str, int]  # outlet -> articles ("(no outlet)" for articles without one)
    first_published: str | None
    last_published: str | None
    undated: int

    @classmethod
    def of(cls, index: StoredIndex, folder: Path) -> IndexStats:
        manifest = index.manifest
        dated = sorted(a.published for a in index.articles.values() if a.published)
        outlets = Counter(a.source or "(no outlet)" for a in index.articles.values())
        return cls(
            index=str(folder),
            version=index.version,
            created_at=manifest.created_at,
            model=manifest.model,
            dimension=manifest.dimension,
            faiss=str(manifest.faiss.get("kind", "flat")),
            articles=len(index.articles),
            chunks=len(index.chunks),
            bytes=sum(int(entry["bytes"]) for entry in manifest.files.values()),
            outlets=dict(sorted(outlets.items(), key=lambda item: (-item[1], item[0]))),
            first_published=dated[0] if dated else None,
            last_published=dated[-1] if dated else None,
            undated=len(index.articles) - len(dated),
        )

    def date_range(self) -> str:
        """The publication dates in plain words."""
        if self.first_published is None:
            return "no article carries a publication date"
        span = (
            f"from {_words(self.first_published)} to {_words(self.last_published)}"
            if self.first_published != self.last_published
            else f"on {_words(self.first_published)}"
        )
        undated = f"; {self.undated} without a date" if self.undated else ""
        return f"published {span}{undated}"

    def lines(self) -> list[str]:
        outlets = ", ".join(f"{name} {count}" for name, count in self.outlets.items())
        return [
            f"index       {self.index} (version {self.version}, built {self.created_at})",
            f"articles    {self.articles:,} in {self.chunks:,} passages, {self.date_range()}",
            f"outlets     {outlets}",
            f"model       {self.model} ({self.dimension} dimensions, {self.faiss} FAISS index)",
            f"size        {_size(self.bytes)}",
        ]


def newest_first(articles: list[Article]) -> list[Article]:
    """Articles by publication date, newest first, undated last, then by title."""
    return sorted(articles, key=lambda a: (a.published or "", a.title), reverse=True)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} KB"


def _words(iso: str | None) -> str:
    day = date.fromisoformat(iso or "")
    return f"{day.day} {day:%B %Y}"
