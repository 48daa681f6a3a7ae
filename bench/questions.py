"""Answer decisions on hand-written questions about RTQA articles.

bench/data/answer_questions.jsonl: each line is a question written for one labelled
sentence of bench/data/attribution_sentences.jsonl (same article split: "tune" or
"report"), asked as of its article's date against the RTQA index.

- ``answerable``: the sentence answers it. Scored: was it answered at all (a refusal is a
  wrong refusal), is the answering sentence among the quotes, and is that quote's speaker
  the labelled one (speaker precision and recall at answer level, the rule of
  bench/attribution.py).
- ``near_miss``: the same question about an entity or number no article on the topic
  mentions (checked by search: no RTQA article holds both the missing name and the
  sentence's speaker); it must be refused.

q240–q268, q269–q292, q293–q316 and q324–q347 were written on the four later random
samples of labelled sentences (s423–s462, s463–s502, s503–s542, s543–s582) before the
program was asked them.
q317–q323 are tune-half near misses of the kinds a names check finds hard (a common
place or firm, a compound noun, an outlet), written on earlier tune sentences before the
program was asked them.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench.attribution import right_speaker
from bot.answer import Answer, Answerer, name_rarity
from index.evaluation import normalise


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    id: str
    split: str
    kind: str  # "answerable" or "near_miss"
    question: str
    as_of: date
    article_id: str
    sentence: str = ""
    speaker: str | None = None
    missing: str | None = None


def load_questions(path: Path) -> list[LabelledQuestion]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(
            LabelledQuestion(
                id=row["id"],
                split=row["split"],
                kind=row["kind"],
                question=row["question"],
                as_of=date.fromisoformat(row["as_of"]),
                article_id=row["article_id"],
                sentence=row.get("sentence", ""),
                speaker=row.get("speaker"),
                missing=row.get("missing"),
            )
        )
    return out


def quotes_sentence(answer: Answer, sentence: str) -> int | None:
    """Index of the excerpt that quotes ``sentence`` (in full, or a quote of 20 characters
    or more inside it: a quote may start after a dateline), or None."""
    wanted = normalise(sentence)
    for n, excerpt in enumerate(answer.excerpts):
        quote = normalise(excerpt.quote)
        if wanted in quote or (len(quote) >= 20 and quote in wanted):
            return n
    return None


@dataclass(slots=True)
class Tally:
    answerable: int = 0
    answered: int = 0
    sentence_quoted: int = 0
    labelled_speakers: int = 0
    predicted_speakers: int = 0
    right_speakers: int = 0
    near_misses: int = 0
    refused: int = 0
    step_ms: list[float] = field(default_factory=list)
    misses: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        def share(a: int, b: int) -> float:
            return round(a / b, 3) if b else 0.0

        steps = sorted(self.step_ms)
        return {
            "answerable": self.answerable,
            "near_misses": self.near_misses,
            "wrong_refusals": share(self.answerable - self.answered, self.answerable),
            "answering_sentence_quoted": share(self.sentence_quoted, self.answerable),
            "speaker_precision": share(self.right_speakers, self.predicted_speakers),
            "speaker_recall": share(self.right_speakers, self.labelled_speakers),
            "near_misses_refused": share(self.refused, self.near_misses),
            "answer_step_p95_ms": round(steps[int(0.95 * (len(steps) - 1))], 1) if steps else 0,
            "mistakes": self.misses,
        }


def score_questions(answerer: Answerer, questions: list[LabelledQuestion]) -> dict[str, dict]:
    """Per split, the figures of ``Tally.to_json``."""
    tallies = {"tune": Tally(), "report": Tally()}
    for q in questions:
        tally = tallies[q.split]
        retrieval = answerer.retrieve(q.question, as_of=q.as_of)
        started = time.perf_counter()
        answer = answerer.compose(retrieval)
        tally.step_ms.append(1000 * (time.perf_counter() - started))
        if q.kind == "near_miss":
            tally.near_misses += 1
            tally.refused += not answer.answered
            if answer.answered:
                tally.misses.append({"id": q.id, "why": "near miss answered"})
            continue
        tally.answerable += 1
        tally.answered += answer.answered
        if not answer.answered:
            tally.misses.append({"id": q.id, "why": "refused", "note": answer.note})
            continue
        n = quotes_sentence(answer, q.sentence)
        if n is None:
            tally.misses.append({"id": q.id, "why": "answering sentence not quoted"})
            continue
        tally.sentence_quoted += 1
        said = answer.excerpts[n].speaker
        tally.labelled_speakers += q.speaker is not None
        if said is not None:
            tally.predicted_speakers += 1
            if q.speaker is not None and right_speaker(said, q.speaker):
                tally.right_speakers += 1
            else:
                tally.misses.append({"id": q.id, "why": "speaker", "said": said})
    return {split: tally.to_json() for split, tally in tallies.items()}


def flagged_names(
    answerer: Answerer, asked: list[tuple[str, date]]
) -> list[tuple[str, float, bool]]:
    """The names and common nouns each question would be refused for if every one counted,
    with their rarity (``bot.answer.name_rarity``: infinite when the index does not hold a
    word) and whether it is a common noun (``Name.thing``)."""
    out = []
    for question, as_of in asked:
        retrieval = answerer.retrieve(question, as_of=as_of)
        named = {name.mention: name for name in answerer.mentions.named(question, things=True)}
        texts = [p.text for p in retrieval.passages]
        for mention in answerer.mentions.absent(list(named.values()), texts):
            name = named[mention]
            rarity = name_rarity(name.words, retrieval.question.term_weights)
            out.append((mention, rarity, name.thing))
    return out


def name_rarity_threshold(
    answerable: list[float], near_misses: list[float], *, refuse_on_tie: bool = True
) -> float:
    """The floor that makes the fewest mistakes: answerable questions refused for a name at
    least that rare, plus near misses let through for a name below it. Floors between two
    neighbouring rarities seen do equally well, so the middle of the best such gap is kept:
    on a tie, the lowest gap (a name that tells refuses), or with ``refuse_on_tie`` False the
    highest (for common nouns: one the passages lack may be another word for theirs, as
    "crackdown" is for "ramping up efforts to seize"). A name no row holds (infinite
    rarity) counts the same at every floor."""
    seen = sorted({x for x in (*answerable, *near_misses) if x != math.inf})
    if not seen:
        return 0.0
    edges = [seen[0] - 1.0, *seen, seen[-1] + 1.0]
    floors = [round((low + high) / 2, 2) for low, high in itertools.pairwise(edges)]

    def mistakes(floor: float) -> int:
        return sum(x >= floor for x in answerable) + sum(x < floor for x in near_misses)

    side = 1 if refuse_on_tie else -1
    return min(floors, key=lambda floor: (mistakes(floor), side * floor))
