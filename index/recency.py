"""Time ranking: which rows a question may see, and how much its dates favour each row.

Rows are stored in publication-date order (undated first) within each index segment, so
"published on or before now" and "inside the question's window" are one row range per
segment. The preference is soft: a row inside the
window scores ``1 + time_boost`` times more, fading with the distance in days outside it. An
undated row is scored as if it were inside the window: its date is unknown, not old, and
without the boost every dated article of the last days would outrank it (in an index of
2022 news plus the undated seed articles, asked as of 2022-11-11, the seed articles were in
the top 5 for 11 of 24 questions about them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.timeframe import TimeWindow, question_window
from index.types import RowRange


@dataclass(frozen=True, slots=True)
class TimePolicy:
    """The time knobs, chosen by bench/tune_retrieval.py on the RTQA tune weeks only
    (docs/benchmarks.md, "Tuning"), as are ``EvidencePolicy``'s."""

    recent_days: int = 7  # the window a question without time words points at
    time_boost: float = 2.0  # a row inside the window scores (1 + time_boost) times more
    decay_days: float = 3.0  # how fast the boost fades outside the window


class TimeRanker:
    """Date windows and time factors over one index version's rows."""

    def __init__(
        self,
        row_days: np.ndarray,
        policy: TimePolicy | None = None,
        *,
        segments: list[RowRange] | None = None,
    ) -> None:
        """``row_days``: each row's publication day ordinal, -1 when undated, non-decreasing
        within each of ``segments`` (row ranges; default: all rows are one segment)."""
        self.row_days = row_days
        self.policy = policy or TimePolicy()
        self.segments = segments if segments is not None else [(0, len(row_days))]

    def window(self, question: str, as_of: date) -> TimeWindow:
        return question_window(question, as_of, recent_days=self.policy.recent_days)

    def selections(self, window: TimeWindow, as_of: date) -> list[list[RowRange]]:
        """Rows published by ``as_of`` and, when it is narrower, the window's rows, each as
        one row range per segment that has such rows; [] when no row is old enough."""
        end = min(window.end, as_of)
        known: list[RowRange] = []
        inside: list[RowRange] = []
        for first, last in self.segments:
            days = self.row_days[first:last]
            upto = first + int(np.searchsorted(days, as_of.toordinal(), side="right"))
            if upto > first:
                known.append((first, upto))
            lo = first + int(np.searchsorted(days, window.start.toordinal(), side="left"))
            hi = max(lo, first + int(np.searchsorted(days, end.toordinal(), side="right")))
            if lo < hi:
                inside.append((lo, hi))
        if not known:
            return []
        known, inside = _joined(known), _joined(inside)
        return [known, inside] if inside and inside != known else [known]

    def ranges(self, window: TimeWindow, as_of: date) -> list[RowRange]:
        """Every range of ``selections``, in one list."""
        return [r for selection in self.selections(window, as_of) for r in selection]

    def factor(self, row: int, window: TimeWindow) -> float:
        day = int(self.row_days[row])
        if day < 0:  # undated: unknown, not old
            return 1.0 + self.policy.time_boost
        published = date.fromordinal(day)
        if window.contains(published):
            distance = 0
        elif published < window.start:
            distance = (window.start - published).days
        else:
            distance = (published - window.end).days
        return 1.0 + self.policy.time_boost * math.exp(-distance / self.policy.decay_days)


def _joined(ranges: list[RowRange]) -> list[RowRange]:
    """``ranges`` (in order) with adjacent ones joined: a selection that takes whole
    segments is one range, searched as in a merged index."""
    out: list[RowRange] = []
    for lo, hi in ranges:
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out
