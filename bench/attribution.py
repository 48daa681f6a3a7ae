"""Speaker and stance figures on hand-labelled RTQA sentences.

bench/data/attribution_sentences.jsonl: each line is a sentence of an RTQA article (by
id and character span) with the speaker a careful reader gives it from the sentence and
its paragraph (null when the text names none there) and its stance. Labelled by reading,
not from the program's output; split by article into "tune" (rules were adjusted while
reading these) and "report" (only measured), no article in both: by a hash of its id (the
first byte of its sha256 even: tune), except one random sample put whole in the tune half
(s341–s388; 23 of its articles hash to report). s423–s462, s463–s502, s503–s542,
s543–s582 and s583–s622 are five later random samples of sentences with a cue (seeds
20261124 to 20261128), one per article not labelled before, split by the hash, labelled
before the program was run on them.

A predicted speaker is right when it contains the labelled one (compared case-folded, so
"Rami Abdulrahman, the head of the Observatory" is right for "Rami Abdulrahman") and is at
most 15 words longer; otherwise it is wrong. Precision: right / predicted; recall: right /
labelled with a speaker.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from index.attribution import Attributor
from index.evaluation import normalise


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    split: str
    pattern: str
    article_id: str
    start: int
    end: int
    speaker: str | None
    stance: str


@dataclass(slots=True)
class Scores:
    sentences: int = 0
    labelled_speakers: int = 0
    predicted: int = 0
    right: int = 0
    stance_right: int = 0
    wrong: list[dict[str, object]] = field(default_factory=list)
    missed: Counter = field(default_factory=Counter)

    def to_json(self) -> dict[str, object]:
        return {
            "sentences": self.sentences,
            "with_speaker": self.labelled_speakers,
            "speaker_precision": round(self.right / max(self.predicted, 1), 3),
            "speaker_recall": round(self.right / max(self.labelled_speakers, 1), 3),
            "stance_accuracy": round(self.stance_right / max(self.sentences, 1), 3),
            "wrong_speakers": self.wrong,
            "missed_by_pattern": dict(self.missed.most_common()),
        }


def load_labels(path: Path) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Labelled(**{k: r[k] for k in Labelled.__dataclass_fields__}) for r in rows]


def right_speaker(predicted: str, labelled: str) -> bool:
    got, want = normalise(predicted), normalise(labelled)
    return want in got and len(got.split()) <= len(want.split()) + 15


def score(labels: list[Labelled], texts: dict[str, str], attributor: Attributor) -> dict:
    """Per split: speaker precision and recall, stance accuracy, and the mistakes."""
    by_article: dict[str, dict[int, tuple[str | None, str]]] = {}
    for article_id in {label.article_id for label in labels}:
        text = texts[article_id]
        found = attributor.statements(text)
        by_article[article_id] = {s.start: (s.speaker, s.stance) for s in found}
    out = {}
    for split in ("tune", "report"):
        scores = Scores()
        for label in (x for x in labels if x.split == split):
            speaker, stance = by_article[label.article_id].get(label.start, (None, "claim"))
            scores.sentences += 1
            scores.stance_right += stance == label.stance
            if label.speaker is not None:
                scores.labelled_speakers += 1
            if speaker is not None:
                scores.predicted += 1
                if label.speaker is not None and right_speaker(speaker, label.speaker):
                    scores.right += 1
                else:
                    scores.wrong.append(
                        {"id": label.id, "predicted": speaker, "labelled": label.speaker}
                    )
            elif label.speaker is not None:
                scores.missed[label.pattern] += 1
        out[split] = scores.to_json()
    return out


def rtqa_texts(corpus: Path, ids: set[str]) -> dict[str, str]:
    texts = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["id"] in ids:
                texts[row["id"]] = row["text"]
    return texts
