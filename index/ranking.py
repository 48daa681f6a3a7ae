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

from collections.abc import Callable, Iterator, Mapping, Sequence
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


def article_focus(
    read: Callable[[int, int], np.ndarray],
    article_ids: Sequence[str | None],
    block: int = 65_536,
) -> dict[str, float]:
    """Each article's focus: the mean cosine of its rows' (unit) vectors to their
    normalised centroid; 1.0 for an article of one row. ``read(start, stop)`` gives the
    vectors of rows ``start:stop``, read ``block`` rows at a time (two passes) so that a
    large index is never copied whole; rows whose id is None are left out."""
    from scipy.sparse import csr_matrix

    codes: dict[str, int] = {}
    which = np.fromiter(
        (-1 if a is None else codes.setdefault(a, len(codes)) for a in article_ids),
        dtype=np.int64,
        count=len(article_ids),
    )
    if not codes:
        return {}

    def blocks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, len(which), block):
            stop = min(start + block, len(which))
            live = which[start:stop] >= 0
            yield read(start, stop)[live], which[start:stop][live]

    centroids: np.ndarray | None = None  # sums of each article's vectors, then unit
    for vectors, members in blocks():
        spread = csr_matrix(
            (np.ones(len(members), dtype=np.float32), (members, np.arange(len(members)))),
            shape=(len(codes), len(members)),
        )
        summed = np.asarray(spread @ vectors)
        if centroids is None:
            centroids = summed
        else:
            centroids += summed
    assert centroids is not None  # some row is live: ``codes`` is not empty
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    totals = np.zeros(len(codes), dtype=np.float64)
    for vectors, members in blocks():
        cosines = np.einsum("ij,ij->i", vectors, centroids[members])
        totals += np.bincount(members, weights=cosines, minlength=len(codes))
    means = totals / np.bincount(which[which >= 0], minlength=len(codes))
    return {name: min(1.0, float(mean)) for name, mean in zip(codes, means, strict=True)}


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
