"""Reciprocal rank fusion: rankings of different scales combined by rank alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def reciprocal_rank_fusion(
    rankings: Iterable[Mapping[int, float]],
    k: int = 60,
    tiebreak: Callable[[int], object] | None = None,
) -> dict[int, float]:
    """Each ranking adds ``1 / (k + rank)`` to the rows it holds; equal scores are ranked
    by ``tiebreak(row)`` (default: the row number)."""
    order = tiebreak or (lambda row: row)
    fused: dict[int, float] = {}
    for scores in rankings:
        ranked = sorted(scores, key=lambda row: (-scores[row], order(row)))
        for rank, row in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return fused
