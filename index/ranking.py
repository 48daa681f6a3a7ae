"""From scored chunks to a result list: articles ranked by their evidence, then passages.

An article scores by its best chunks with decaying weights (``s1 + d*s2 + ...``), so an
article that matches in several places beats one lucky chunk; each article then shows at
most ``max_per_article`` passages, together (a list may be shorter than asked for).

An article about many subjects at once (a digest: "5 things to know for June 13: Gun laws,
January 6, Covid …") matches many questions with one paragraph each and would outrank the
reports it sums up. Its *focus*, how close its chunks' vectors lie to their centroid, tells
it apart (about 0.55 for a digest, 0.8 and more for a report): rows of articles less
focused than ``focus_floor`` are scored down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class EvidencePolicy:
    """Evidence knobs, chosen by bench/tune_retrieval.py on the RTQA tune weeks."""

    depth: int = 2  # an article scores by its best chunks: s1 + d*s2 (+ d^2*s3 ...)
    decay: float = 0.6
    max_per_article: int = 2  # passages of one article in one result list
    focus_floor: float = 0.65  # articles less focused score (focus / floor) ** power; 0: off
    focus_power: float = 2.0


def article_focus(vectors: np.ndarray, article_ids: Sequence[str]) -> dict[str, float]:
    """Each article's focus: the mean cosine of its rows' (unit) vectors to their
    normalised centroid; 1.0 for an article of one row."""
    from scipy.sparse import csr_matrix

    if not len(article_ids):
        return {}
    codes: dict[str, int] = {}
    which = np.fromiter(
        (codes.setdefault(a, len(codes)) for a in article_ids),
        dtype=np.int64,
        count=len(article_ids),
    )
    names = list(codes)
    rows = np.arange(len(which))
    members = csr_matrix((np.ones(len(which), dtype=np.float32), (which, rows)))
    centroids = np.asarray(members @ vectors)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    cosines = np.einsum("ij,ij->i", vectors, centroids[which])
    counts = np.bincount(which, minlength=len(names))
    means = np.bincount(which, weights=cosines, minlength=len(names)) / counts
    return {str(name): min(1.0, float(mean)) for name, mean in zip(names, means, strict=True)}


def focus_factors(focus: Mapping[str, float], policy: EvidencePolicy) -> dict[str, float]:
    """The factor of each article scored down for its lack of focus (the others: 1)."""
    floor = policy.focus_floor
    if floor <= 0:
        return {}
    return {
        article: (value / floor) ** policy.focus_power
        for article, value in focus.items()
        if value < floor
    }


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
