"""Retrieval quality on questions with known answering articles (the RTQA format).

Article recall@k counts a question when one of its gold articles is among the first k
*distinct articles* of the ranked passages; MRR@10 is 1/rank of that article (0 past 10);
answer@5 counts a question when an answer occurs as whole words in the first 5 passages,
matched as the answer check of ``ask`` matches it (``answer_matches``). Each question is
searched as of its own ``date``.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.errors import ConfigError
from index.retriever import Retriever
from index.timeframe import parse_date
from index.types import Mode, Passage


@dataclass(frozen=True, slots=True)
class EvalQuery:
    qid: str
    question: str
    as_of: date | None
    gold_ids: frozenset[str]
    answers: tuple[str, ...]
    week: str = ""  # the quiz week (RTQA: YYYYMMDD), for tune / held-out splits


@dataclass(slots=True)
class ModeScores:
    """Averages over the questions, and the mean search time."""

    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    recall_at_10: float = 0.0
    mrr_at_10: float = 0.0
    answer_at_5: float = 0.0
    mean_ms: float = 0.0
    ranks: dict[str, int | None] = field(default_factory=dict)  # qid -> gold article rank

    def to_json(self) -> dict[str, float]:
        return {
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "recall@10": round(self.recall_at_10, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "answer@5": round(self.answer_at_5, 4),
        }


def load_queries(path: Path) -> list[EvalQuery]:
    """Read questions in the ``queries-dev.jsonl`` format; a bad line is a ConfigError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read queries file {path} ({exc}); pass --queries FILE") from None
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries.append(
                EvalQuery(
                    qid=str(row.get("qid", number)),
                    question=str(row["question"]),
                    as_of=parse_date(row["date"]) if row.get("date") else None,
                    gold_ids=frozenset(map(str, row.get("gold_ids", []))),
                    answers=tuple(map(str, row.get("answers", []))),
                    week=str(row.get("week", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}:{number}: not a query line ({exc}); expected qid, question, date, "
                "gold_ids, answers"
            ) from None
    if not queries:
        raise ConfigError(f"{path} holds no queries")
    return queries


def article_rank(passages: list[Passage], gold: frozenset[str]) -> int | None:
    """1-based rank of the first gold article among the distinct articles, or None.

    An article indexed once for several identical records matches any of their ids.
    """
    seen: list[str] = []
    for passage in passages:
        if passage.article.id not in seen:
            seen.append(passage.article.id)
            if gold & {passage.article.id, *passage.article.aliases}:
                return len(seen)
    return None


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def normalise(text: str) -> str:
    """The form answers and passages are compared in: Unicode-normalised (NFKC), case-folded,
    straight quotes, one space between words."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(text.split())


def answer_matches(answers: tuple[str, ...], text: str) -> bool:
    """An answer occurs in ``text`` as whole words ("6" is not in "26 missiles"), compared
    after ``normalise`` and without the quiz's own quotes around the answer."""
    haystack = normalise(text)
    for answer in answers:
        needle = normalise(answer).strip("\"' ")
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            return True
    return False


def evaluate(retriever: Retriever, queries: list[EvalQuery], mode: Mode, k: int = 10) -> ModeScores:
    """Score one mode over all questions."""
    scores = ModeScores()
    elapsed = 0.0
    for query in queries:
        started = time.perf_counter()
        # Enough passages for 10 distinct articles (an article shows up to a few passages).
        wanted = max(k, 10) * retriever.policy.evidence.max_per_article
        passages = retriever.search(query.question, wanted, mode=mode, as_of=query.as_of).passages
        elapsed += time.perf_counter() - started
        rank = article_rank(passages, query.gold_ids)
        scores.ranks[query.qid] = rank
        if rank is not None:
            scores.recall_at_1 += rank <= 1
            scores.recall_at_5 += rank <= 5
            scores.recall_at_10 += rank <= 10
            scores.mrr_at_10 += 1.0 / rank if rank <= 10 else 0.0
        scores.answer_at_5 += answer_matches(query.answers, " ".join(p.text for p in passages[:5]))
    n = len(queries)
    for name in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "answer_at_5"):
        setattr(scores, name, getattr(scores, name) / n)
    scores.mean_ms = 1000 * elapsed / n
    return scores
