"""From scored chunks to a result list: articles ranked by their evidence, then passages.

An article scores by its best chunks with decaying weights (``s1 + d*s2 + d^2*s3``), so an
article that matches in several places beats one lucky chunk; each article then shows at
most ``max_per_article`` passages, together (a list may be shorter than asked for).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EvidencePolicy:
    depth: int = 3  # an article scores by its best chunks: s1 + d*s2 + d^2*s3
    decay: float = 0.4
    max_per_article: int = 2  # passages of one article in one result list


def rank_rows(
    scores: Mapping[int, float],
    article_of: Callable[[int], str],
    k: int,
    policy: EvidencePolicy | None = None,
    tiebreak: Callable[[int], object] | None = None,
) -> list[tuple[int, float]]:
    """The rows to show with their article's score, best article first, at most ``k``;
    equal scores are ordered by ``tiebreak(row)`` (default: the row number)."""
    policy = policy or EvidencePolicy()
    order = tiebreak or (lambda row: row)
    by_article: dict[str, list[int]] = {}
    for row in sorted(scores, key=lambda r: (-scores[r], order(r))):
        by_article.setdefault(article_of(row), []).append(row)

    def evidence(rows: list[int]) -> float:
        best = rows[: policy.depth]
        return sum(scores[r] * policy.decay**i for i, r in enumerate(best))

    scored = [(evidence(rows), aid, rows) for aid, rows in by_article.items()]
    scored.sort(key=lambda item: (-item[0], item[1]))
    cap = policy.max_per_article
    return [(row, score) for score, _, rows in scored for row in rows[:cap]][:k]
