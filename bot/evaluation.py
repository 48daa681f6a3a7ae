"""How well answers quote the answer: issue 4's measure on questions with known answers."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bot.answer import Answerer
from index.evaluation import EvalQuery, answer_matches


@dataclass(frozen=True, slots=True)
class AnswerScores:
    answer_in_excerpts: float  # share of questions whose quotes contain an answer string
    answered: float  # share of questions answered at all
    answer_step_p50_ms: float  # what composing the answer adds to retrieval
    answer_step_p95_ms: float

    def to_json(self) -> dict[str, float]:
        return {
            "answer_in_excerpts": round(self.answer_in_excerpts, 4),
            "answered": round(self.answered, 4),
            "answer_step_p50_ms": round(self.answer_step_p50_ms, 2),
            "answer_step_p95_ms": round(self.answer_step_p95_ms, 2),
        }


def score_answers(answerer: Answerer, queries: list[EvalQuery]) -> AnswerScores:
    """Ask every question as of its date; time the answer step apart from retrieval."""
    hits = answered = 0
    step: list[float] = []
    for query in queries:
        retrieval = answerer.retrieve(query.question, as_of=query.as_of)
        started = time.perf_counter()
        answer = answerer.compose(retrieval)
        step.append(time.perf_counter() - started)
        answered += answer.answered
        hits += answer_matches(query.answers, " ".join(e.quote for e in answer.excerpts))
    step.sort()
    n = len(queries)
    return AnswerScores(
        answer_in_excerpts=hits / n,
        answered=answered / n,
        answer_step_p50_ms=1000 * statistics.median(step),
        answer_step_p95_ms=1000 * step[int(0.95 * (n - 1))],
    )
