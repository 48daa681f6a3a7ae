"""The one split of the RTQA dev questions: knobs are tuned on the earlier weeks only, and
figures are reported on the later weeks, which no knob has seen."""

from __future__ import annotations

from index.evaluation import EvalQuery

TUNE_LAST_WEEK = "20220722"  # weeks up to this one tune; later weeks are held out


def tune(queries: list[EvalQuery]) -> list[EvalQuery]:
    return [q for q in queries if q.week <= TUNE_LAST_WEEK]


def held_out(queries: list[EvalQuery]) -> list[EvalQuery]:
    return [q for q in queries if q.week > TUNE_LAST_WEEK]


def describe(queries: list[EvalQuery]) -> dict[str, object]:
    weeks = sorted({q.week for q in queries})
    return {"questions": len(queries), "weeks": weeks}
