"""Articles ranked by their evidence, and digests of many subjects scored down."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from index.builder import build_index
from index.ranking import EvidencePolicy, article_focus, focus_factors, rank_rows
from index.retriever import Retriever
from index.store import StoredIndex
from tests.conftest import write


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_an_article_on_one_subject_is_more_focused_than_a_digest():
    vectors = unit([1, 0.1, 0], [1, 0, 0.1], [0, 1, 0], [0, 0, 1], [1, 1, 1])
    ids = ["report", "report", "digest", "digest", "single"]
    focus = article_focus(lambda a, b: vectors[a:b], ids)
    assert focus["report"] > 0.99
    assert focus["digest"] == pytest.approx(np.sqrt(0.5))
    assert focus["single"] == 1.0


def test_focus_is_the_same_read_in_blocks_and_leaves_out_deleted_rows():
    rng = np.random.default_rng(7)
    vectors = unit(*rng.normal(size=(50, 8)).tolist())
    ids = [f"a{i % 7}" for i in range(50)]
    whole = article_focus(lambda a, b: vectors[a:b], ids)
    assert article_focus(lambda a, b: vectors[a:b], ids, block=4) == pytest.approx(whole)
    # Deleting an article's rows (None) leaves the other articles' focus as it was.
    gone = [None if a == "a3" else a for a in ids]
    kept = article_focus(lambda a, b: vectors[a:b], gone, block=5)
    assert "a3" not in kept
    assert kept == pytest.approx({a: f for a, f in whole.items() if a != "a3"})


def test_only_articles_below_the_floor_are_scored_down():
    focus = {"report": 0.9, "digest": 0.56}
    factors = focus_factors(focus, EvidencePolicy(focus_floor=0.7, focus_power=2.0))
    assert factors == {"digest": pytest.approx(0.64)}
    assert focus_factors(focus, EvidencePolicy(focus_floor=0.0)) == {}


def test_an_article_matching_in_several_places_beats_one_lucky_chunk():
    scores = {0: 0.9, 1: 0.8, 2: 0.7, 3: 1.0}
    articles = {0: "a", 1: "a", 2: "a", 3: "b"}
    ranked = rank_rows(scores, articles.__getitem__, 4)
    assert [articles[row] for row, _ in ranked] == ["a", "a", "b"]


DIGEST = [
    "The Harbour Town council approved a new ferry timetable on Monday, adding two evening "
    "crossings to the island.",
    "Storms closed the mountain pass for a third day, and snowploughs worked through the "
    "night to clear drifts on the northern road.",
    "Astronomers spotted a comet that will pass close enough to Earth next spring to be seen "
    "without a telescope.",
    "Shares in chipmakers fell sharply after a weak sales forecast from the largest supplier "
    "of memory chips.",
    "The national football team named a new captain ahead of the World Cup qualifiers in Lisbon.",
    "A local bakery won the national bread prize for its rye sourdough, beating 200 entries "
    "from across the country.",
    "Schools will open an hour later next term after parents campaigned for more sleep for "
    "teenagers.",
]
REPORT = [
    "Ferries to the island will run later into the evening from next month under a timetable "
    "the council backed this week.",
    "Two extra sailings, at 8pm and 10pm, were added after commuters complained that the last "
    "boat left too early for shift workers.",
    "The ferry operator said the change would cost about 40,000 pounds a year, paid from the "
    "harbour budget.",
    "Councillors who opposed the plan said the money should go to repairing the harbour wall "
    "instead.",
]


def test_a_report_outranks_a_digest_that_sums_it_up_in_one_paragraph(tmp_path, real_embedder):
    # Each paragraph repeated, so that each is a chunk of its own.
    for name, paragraphs, times in (("digest", DIGEST, 6), ("report", REPORT, 3)):
        body = "\n\n".join(" ".join([p] * times) for p in paragraphs)
        write(tmp_path / f"{name}.md", f"---\ntitle: {name}\npublished: 2022-09-12\n---\n{body}\n")
    build_index(tmp_path, tmp_path / ".index", real_embedder)
    retriever = Retriever(StoredIndex.load(tmp_path / ".index"), real_embedder)

    def first() -> str:
        found = retriever.search(
            "Did the council approve a new ferry timetable?",
            3,
            mode="dense",
            as_of=date(2022, 9, 15),
        ).passages
        return found[0].article.title

    assert first() == "report"
    policy = retriever.policy
    retriever.policy = replace(policy, evidence=replace(policy.evidence, focus_floor=0.0))
    assert first() == "digest"  # its one ferry paragraph is the closest chunk
