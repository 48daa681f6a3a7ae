"""Reproduces the tuning of every knob, on the tune weeks and tune halves only.

    .venv/bin/python bench/tune_retrieval.py [--index DIR]

1. Ranking: a grid over the time and evidence knobs (the focus floor among them, its power
   fixed at 2). Each setting is scored on both halves of the tune weeks (the first three
   weeks, the last three) and kept by its worse half (recall@5, then MRR@10), then by all
   tune weeks: a setting that wins on one half by a question or two, which is noise on 56
   questions, does not count. A setting must also keep the ranking's promise
   (``PROMISE``): recency is a preference, so an article that answers, published five days
   before the question, outranks a newer one on another subject. The held-out weeks are
   never read. The same procedure, run on five tune weeks and scored on the sixth in turn,
   estimates what its choice is worth on weeks it did not see.
2. Answer threshold (``AnswerPolicy.min_similarity``): calibrated on labelled questions.
   Answerable: the tune half of bench/data/answer_questions.jsonl and the tune weeks' RTQA
   questions. To be refused: the tune-half near misses and, as questions the articles are
   not about, the tune weeks' RTQA questions asked of an index of the seed articles (two
   articles on another subject); of both, only those the names check lets through (the
   threshold decides only those). Among thresholds that refuse at most 5% of the
   answerable questions (the issue's bound), those refusing the largest share of the
   questions to refuse, net of the share of answerable ones refused; of those, the middle
   one: as far from the answerable questions as from the ones to refuse.

3. Answer passages (``AnswerPolicy.passages`` and ``per_article``: how many retrieved
   passages the answer step reads, and how many of one article): a grid scored as the
   selection below is, each setting retrieving again.

4. Answer selection (``AnswerPolicy``: how much shared rare words and the passage's rank
   add to a sentence's similarity, how many sentences are embedded, how close to the best
   the others must score): a grid scored by the share of the tune half's answerable
   questions whose answering sentence is quoted and the share of tune-week questions
   whose quotes hold the answer string, averaged. The defaults stay unless a setting does
   better; among equals, the one embedding fewer sentences. A setting must also keep the
   answer's promise (``ANSWER_PROMISE``): quotes about Lake Mead do not answer a question
   about Lake Tahoe because a weaker excerpt from another article names Lake Tahoe.

5. The asked source (``AnswerPolicy.speaker_weight`` and ``speaker_extra``): how much a
   sentence said by the source a question asks about ("What did Nadal say …?") is
   preferred, and how many more of its sentences are embedded; scored as the selection.

Writes bench/results/tune.json (with commit, settings and data hashes) and prints the best
settings; the defaults in index/recency.py, index/ranking.py and bot/answer.py are these.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import splits  # noqa: E402
from bench.questions import load_questions, quotes_sentence  # noqa: E402
from bench.record import write_result  # noqa: E402
from bot.answer import Answerer  # noqa: E402
from core.settings import Settings  # noqa: E402
from index.builder import build_index  # noqa: E402
from index.evaluation import answer_matches, evaluate, load_queries  # noqa: E402
from index.ranking import EvidencePolicy  # noqa: E402
from index.recency import TimePolicy  # noqa: E402
from index.retriever import Retriever  # noqa: E402
from index.store import StoredIndex  # noqa: E402
from newsdesk.wiring import load_embedder, load_index, open_answerer  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "rtqa" / "queries-dev.jsonl"
WORK = ROOT / "bench" / "out"
QUESTIONS = ROOT / "bench" / "data" / "answer_questions.jsonl"


def halves(queries) -> list[list]:
    weeks = sorted({q.week for q in queries})
    first = set(weeks[: len(weeks) // 2])
    return [[q for q in queries if q.week in first], [q for q in queries if q.week not in first]]


# The ranking's promise: (title, published, text) articles, a question, its date and the
# article that must come first.
BUDGET = "The city council approved the annual budget after a long debate over road repairs."
PROMISE = (
    [
        ("budget-2019", "2019-03-01", BUDGET),
        ("budget-2022", "2022-09-10", BUDGET.replace("annual", "yearly")),
        ("zoning-2022", "2022-09-12", "The council debated zoning rules for new homes."),
    ],
    "did the council approve the budget?",
    date(2022, 9, 15),
    "budget-2022",
)


# The answer's promise: (file, text) articles, a question that names what only the other
# article mentions (to be refused), and the same question as the articles answer it.
ANSWER_PROMISE = (
    [
        ("mead.md", "Sunken boat emerges from Lake Mead\n\nA sunken boat emerged from Lake "
         "Mead as the water fell. The boat was used to survey the Colorado River decades ago, "
         "divers said.\n"),
        ("ski.md", "Ski resorts open early\n\nResorts around Lake Tahoe opened early after "
         "heavy snow, operators said on Friday.\n"),
    ],
    "Where did the sunken boat at Lake Tahoe come from?",
    "Where did the sunken boat at Lake Mead come from?",
)  # fmt: skip


def promise_retriever(embedder, folder: Path) -> Retriever:
    articles, *_ = PROMISE
    for title, published, text in articles:
        body = f"---\ntitle: {title}\npublished: {published}\n---\n{text}\n"
        (folder / f"{title}.md").write_text(body, encoding="utf-8")
    build_index(folder, folder / ".index", embedder)
    return Retriever(StoredIndex.load(folder / ".index"), embedder)


def keeps_promise(retriever: Retriever) -> bool:
    _, question, as_of, first = PROMISE
    found = retriever.search(question, 3, as_of=as_of).passages
    return bool(found) and found[0].article.title == first


def promise_answerer(embedder, folder: Path) -> Answerer:
    articles, *_ = ANSWER_PROMISE
    corpus = folder / "answer-promise"
    corpus.mkdir()
    for name, text in articles:
        (corpus / name).write_text(text, encoding="utf-8")
    index = folder / "answer-promise-index"
    build_index(corpus, index, embedder)
    return Answerer(Retriever(StoredIndex.load(index), embedder), embedder)


def keeps_answer_promise(answerer: Answerer) -> bool:
    _, elsewhere, answered = ANSWER_PROMISE
    return not answerer.answer(elsewhere).answered and answerer.answer(answered).answered


def tune_ranking(answerer, queries, promise: Retriever) -> dict:
    retriever = answerer.retriever
    base = retriever.policy
    parts = halves(queries)
    rows = []
    ranks: list[dict[str, int | None]] = []
    broken = 0
    grid = itertools.product(
        [0.0, 1.0, 2.0, 4.0], [3, 7, 14], [3.0, 10.0], [2, 3], [0.4, 0.6], [0.0, 0.65, 0.7, 0.75]
    )
    for boost, recent, decay, depth, evidence_decay, focus_floor in grid:
        retriever.policy = promise.policy = replace(
            base,
            time=TimePolicy(recent_days=recent, time_boost=boost, decay_days=decay),
            evidence=EvidencePolicy(depth=depth, decay=evidence_decay, focus_floor=focus_floor),
        )
        if not keeps_promise(promise):
            broken += 1
            continue
        whole = evaluate(retriever, queries, "hybrid")
        worst = worse_half(whole.ranks, parts)
        rows.append((worst, (whole.recall_at_5, whole.mrr_at_10), asdict(retriever.policy)))
        ranks.append(whole.ranks)
        print(f"worse half {worst} whole {rows[-1][1]} {rows[-1][2]}", flush=True)
    retriever.policy = base
    # Equally good worse halves (a question or two apart) are told apart by all tune weeks.
    worst, (recall, mrr), best = max(rows, key=lambda row: (row[0], row[1]))
    return {
        "best": best,
        "worse_half_recall@5": worst[0],
        "worse_half_mrr@10": worst[1],
        "recall@5": recall,
        "mrr@10": mrr,
        "grid_size": len(rows) + broken,
        "broke_the_promise": broken,
        "leave_one_week_out": leave_one_week_out(ranks, queries),
    }


def shares(ranks: dict[str, int | None], queries) -> tuple[float, float]:
    """(recall@5, MRR@10) of ``queries`` from the gold article's rank of each."""
    found = [ranks[q.qid] for q in queries]
    recall = sum(r is not None and r <= 5 for r in found) / len(found)
    mrr = sum(1.0 / r if r is not None and r <= 10 else 0.0 for r in found) / len(found)
    return recall, mrr


def worse_half(ranks: dict[str, int | None], parts: list[list]) -> tuple[float, float]:
    """The tuner's merit: the lower recall@5, then the lower MRR@10, of the two halves."""
    scores = [shares(ranks, part) for part in parts]
    return min(s[0] for s in scores), min(s[1] for s in scores)


def leave_one_week_out(ranks: list[dict[str, int | None]], queries) -> dict:
    """How the ranking procedure does on a week it did not see: for each tune week, the
    setting it picks from the other weeks (worse half, then all of them) is scored on that
    week; the weeks' figures are averaged by their questions. An estimate, on the tune
    weeks alone, of what the procedure's choice is worth on unseen questions."""
    weeks = sorted({q.week for q in queries})
    recall = mrr = 0.0
    picks = []
    for week in weeks:
        seen = [q for q in queries if q.week != week]
        unseen = [q for q in queries if q.week == week]
        parts = halves(seen)
        pick = max(
            range(len(ranks)),
            key=lambda i: (worse_half(ranks[i], parts), shares(ranks[i], seen)),
        )
        week_recall, week_mrr = shares(ranks[pick], unseen)
        recall += week_recall * len(unseen)
        mrr += week_mrr * len(unseen)
        picks.append(pick)
    return {
        "recall@5": round(recall / len(queries), 4),
        "mrr@10": round(mrr / len(queries), 4),
        "settings_picked": len(set(picks)),
    }


def best_similarity(answerer, question: str, as_of: date | None) -> float:
    return answerer.best_similarity(answerer.retrieve(question, as_of=as_of))


def refused_by_name(answerer, question: str, as_of: date | None) -> bool:
    """Is the question refused for a name the passages do not mention (whatever the
    threshold)? Those near misses do not depend on the threshold."""
    policy = answerer.policy
    answerer.policy = replace(policy, min_similarity=0.0)
    try:
        return bool(answerer.answer(question, as_of=as_of).missing)
    finally:
        answerer.policy = policy


def tune_threshold(answerer, queries, labelled, off_topic) -> dict:
    """The threshold (in steps of 0.01) that refuses the largest share of the questions to
    refuse that the names check lets through, net of the share of answerable questions it
    refuses, among those refusing at most 5% of the answerable ones; the middle one of a
    run of equally good thresholds. ``off_topic``: an answerer over articles the tune
    weeks' questions are not about."""
    answerable = [best_similarity(answerer, q.question, q.as_of) for q in queries]
    answerable += [
        best_similarity(answerer, q.question, q.as_of) for q in labelled if q.kind == "answerable"
    ]
    near = [
        best_similarity(answerer, q.question, q.as_of)
        for q in labelled
        if q.kind != "answerable" and not refused_by_name(answerer, q.question, q.as_of)
    ]
    unrelated = [
        best_similarity(off_topic, q.question, q.as_of)
        for q in queries
        if not refused_by_name(off_topic, q.question, q.as_of)
    ]
    refuse = near + unrelated
    scored = []
    for step in range(20, 71):
        threshold = step / 100
        wrong = sum(s < threshold for s in answerable) / len(answerable)
        right = sum(s < threshold for s in refuse) / len(refuse) if refuse else 0.0
        if wrong <= 0.05:
            scored.append((round(right - wrong, 9), threshold))
    top = max(net for net, _ in scored)
    tied = [threshold for net, threshold in scored if net == top]
    threshold = tied[(len(tied) - 1) // 2]
    return {
        "answerable": len(answerable),
        "near_misses_past_the_names_check": len(near),
        "off_topic_past_the_names_check": len(unrelated),
        "threshold": threshold,
        "equally_good": [tied[0], tied[-1]],
        "answerable_refused": sum(s < threshold for s in answerable),
        "near_misses_refused": sum(s < threshold for s in near),
        "off_topic_refused": sum(s < threshold for s in unrelated),
        "answerable_similarity": [round(s, 3) for s in sorted(answerable)[:10]],
        "near_miss_similarity": [round(s, 3) for s in sorted(near)],
        "off_topic_similarity": [round(s, 3) for s in sorted(unrelated)[-10:]],
    }


def retrieved(answerer, queries, labelled) -> tuple[list, list]:
    """Each tune-half answerable question with its answering sentence, and each tune-week
    question with its answer strings, retrieved with the answerer's policy."""
    sentences = [
        (answerer.retrieve(q.question, as_of=q.as_of), q.sentence)
        for q in labelled
        if q.kind == "answerable"
    ]
    strings = [(answerer.retrieve(q.question, as_of=q.as_of), q.answers) for q in queries]
    return sentences, strings


def answer_scores(answerer, sentences, strings) -> tuple[float, float]:
    """(share of answering sentences quoted, share of answer strings in the quotes)."""
    quoted = sum(
        quotes_sentence(answerer.compose(found), sentence) is not None
        for found, sentence in sentences
    )
    held = sum(
        answer_matches(answers, " ".join(e.quote for e in answerer.compose(found).excerpts))
        for found, answers in strings
    )
    return quoted / len(sentences), held / len(strings)


def grid_search(
    stage: str,
    grid: dict[str, list],
    answerer: Answerer,
    promise: Answerer,
    score: Callable[[dict], tuple[float, float] | None],
) -> tuple[list[dict], int]:
    """Each setting of ``grid`` in turn on the answerer (and on the promise's answerer):
    the rows of those kept, scored by ``score(knobs)`` (sentence quoted, answer held), and
    how many were left out, for breaking the answer's promise or by ``score`` (None)."""
    base = answerer.policy
    rows = []
    left_out = 0
    for values in itertools.product(*grid.values()):
        knobs = dict(zip(grid, values, strict=True))
        answerer.policy = promise.policy = replace(base, **knobs)
        if not keeps_answer_promise(promise):
            left_out += 1
            print(f"{stage} {knobs}: breaks the answer's promise", flush=True)
            continue
        scored = score(knobs)
        if scored is None:
            left_out += 1
            continue
        quoted, held = scored
        rows.append({"knobs": knobs, "sentence_quoted": quoted, "answer_held": held})
        print(f"{stage} {knobs}: quoted {quoted:.3f}, answer held {held:.3f}", flush=True)
    answerer.policy = base
    return rows, left_out


def chosen(rows: list[dict], defaults: dict, merit) -> tuple[dict, dict | None]:
    """(the best row, the defaults' row): the defaults stay unless a row does better."""
    before = next((row for row in rows if row["knobs"] == defaults), None)
    best = max(rows, key=merit)
    if before is not None and merit(before)[0] >= merit(best)[0]:
        best = before
    return best, before


def both(row: dict) -> float:
    return (row["sentence_quoted"] + row["answer_held"]) / 2


PASSAGES_GRID = {"passages": [8, 12, 16], "per_article": [2, 3, 4]}


def guarded_search(
    stage: str,
    grid: dict[str, list],
    answerer: Answerer,
    promise: Answerer,
    refused: Callable[[], int],
    floor: int,
    scores: Callable[[], tuple[float, float]],
    merit,
) -> dict:
    """``grid_search`` of a stage whose settings may not refuse fewer tune-half near misses
    (``refused()`` counts them) than ``floor``, scored by ``scores()``; the best setting by
    ``merit`` (the defaults stay unless one does better)."""

    def score(knobs: dict) -> tuple[float, float] | None:
        if (near := refused()) < floor:
            print(f"{stage} {knobs}: refuses {near} near misses, not {floor}", flush=True)
            return None
        return scores()

    defaults = {name: getattr(answerer.policy, name) for name in grid}
    rows, broken = grid_search(stage, grid, answerer, promise, score)
    best, before = chosen(rows, defaults, merit)
    return {
        "best": best["knobs"],
        "sentence_quoted": best["sentence_quoted"],
        "answer_held": best["answer_held"],
        "defaults_before": before,
        "grid": rows,
        "grid_size": len(rows) + broken,
        "left_out": broken,
        "near_misses_refused": floor,
    }


def tune_passages(answerer, queries, labelled, promise: Answerer) -> dict:
    """How many passages the answer step reads (``PASSAGES_GRID``), scored as the selection
    is: each setting retrieves again. The defaults stay unless a setting does better; among
    equals, the one reading fewer passages. Settings that break the answer's promise, or
    refuse fewer of the tune-half near misses than the defaults (more passages may mention
    what a near miss names elsewhere), are left out."""
    near_misses = [q for q in labelled if q.kind == "near_miss"]

    def refused() -> int:
        return sum(not answerer.answer(q.question, as_of=q.as_of).answered for q in near_misses)

    found = guarded_search(
        "passages",
        PASSAGES_GRID,
        answerer,
        promise,
        refused,
        refused(),  # with the defaults: more passages must not answer more near misses
        lambda: answer_scores(answerer, *retrieved(answerer, queries, labelled)),
        lambda row: (both(row), -row["knobs"]["passages"], -row["knobs"]["per_article"]),
    )
    return {**found, "near_misses": len(near_misses)}


SELECTION_GRID = {
    "overlap_weight": [0.1, 0.25, 0.5],
    "passage_weight": [0.05, 0.1, 0.2],
    # Each shortlisted sentence is embedded (~3 ms here): 8 took the answer step's p95 to
    # 60-66 ms on the tune questions, past its 60 ms budget, so 6 is the most it may embed.
    "shortlist": [4, 6],
    "margin": [0.15, 0.25, 0.35],
}


def tune_selection(answerer, answers: tuple[list, list], promise: Answerer) -> dict:
    """The answer selection knobs (``SELECTION_GRID``) on the tune halves; the questions
    come retrieved (``answers``, from ``retrieved``), and only the answer is composed again
    for each setting. Settings that break the answer's promise are left out."""
    sentences, strings = answers
    base = answerer.policy
    rows, broken = grid_search(
        "selection",
        SELECTION_GRID,
        answerer,
        promise,
        lambda knobs: answer_scores(answerer, sentences, strings),
    )
    best, before = chosen(
        rows,
        {name: getattr(base, name) for name in SELECTION_GRID},
        lambda row: (both(row), -row["knobs"]["shortlist"]),
    )
    return {
        "best": best["knobs"],
        "sentence_quoted": best["sentence_quoted"],
        "answer_held": best["answer_held"],
        "defaults_before": before,
        "grid_size": len(rows) + broken,
        "broke_the_promise": broken,
        "answerable": len(sentences),
        "questions": len(strings),
    }


SPEAKER_GRID = {"speaker_weight": [0.0, 0.05, 0.1, 0.2], "speaker_extra": [0, 2, 4]}


def tune_speakers(answerer, answers: tuple[list, list], labelled, promise: Answerer) -> dict:
    """How much a sentence said by the source the question asks about ("What did Nadal
    say …?") is preferred, and how many more of its sentences are embedded
    (``SPEAKER_GRID``), scored as the selection is. The defaults stay unless a setting does
    better; among equals, the one embedding fewer sentences, then the smaller weight.
    Settings that break the answer's promise, or refuse fewer of the tune-half near misses
    than no preference at all, are left out. The questions come retrieved (``answers``):
    these knobs do not change what is retrieved."""
    sentences, strings = answers
    near_misses = [q for q in labelled if q.kind == "near_miss"]
    found = [answerer.retrieve(q.question, as_of=q.as_of) for q in near_misses]

    def refused() -> int:
        return sum(not answerer.compose(retrieval).answered for retrieval in found)

    base = answerer.policy
    answerer.policy = replace(base, speaker_weight=0.0, speaker_extra=0)
    floor = refused()  # with no preference: the preference must not answer more near misses
    answerer.policy = base
    result = guarded_search(
        "speakers",
        SPEAKER_GRID,
        answerer,
        promise,
        refused,
        floor,
        lambda: answer_scores(answerer, sentences, strings),
        lambda row: (both(row), -row["knobs"]["speaker_extra"], -row["knobs"]["speaker_weight"]),
    )
    return {**result, "near_misses": len(near_misses)}


def seed_answerer(embedder, folder: Path):
    """An answerer over an index of the seed articles (corpus/), built in ``folder``."""
    config = Settings(_env_file=None, index_dir=folder / "seed-index")
    build_index(ROOT / "corpus", config.index_dir, embedder)
    return open_answerer(config, load_index(config), embedder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=WORK / "rtqa-index")
    args = parser.parse_args()
    started = time.perf_counter()
    queries = splits.tune(load_queries(DEV))
    labelled = [q for q in load_questions(QUESTIONS) if q.split == "tune"]
    rtqa = Settings(_env_file=None, index_dir=args.index)
    embedder = load_embedder(rtqa, serving=True)
    answerer = open_answerer(rtqa, load_index(rtqa), embedder)
    with tempfile.TemporaryDirectory() as folder:
        promise = promise_retriever(embedder, Path(folder))
        ranking = tune_ranking(answerer, queries, promise)
        best = ranking["best"]
        chosen = replace(
            answerer.retriever.policy,
            time=TimePolicy(**best["time"]),
            evidence=EvidencePolicy(**best["evidence"]),
        )
        off_topic = seed_answerer(embedder, Path(folder))
        answerer.retriever.policy = off_topic.retriever.policy = chosen
        threshold = tune_threshold(answerer, queries, labelled, off_topic)
        answerer.policy = replace(answerer.policy, min_similarity=threshold["threshold"])
        answer_promise = promise_answerer(embedder, Path(folder))
        passages = tune_passages(answerer, queries, labelled, answer_promise)
        answerer.policy = replace(answerer.policy, **passages["best"])
        # Retrieval is settled now: the last two stages compose answers from one retrieval.
        answers = retrieved(answerer, queries, labelled)
        selection = tune_selection(answerer, answers, answer_promise)
        answerer.policy = replace(answerer.policy, **selection["best"])
        speakers = tune_speakers(answerer, answers, labelled, answer_promise)
    figures = {
        "split": splits.describe(queries),
        "ranking": ranking,
        "answer_threshold": threshold,
        "answer_passages": passages,
        "answer_selection": selection,
        "answer_speakers": speakers,
    }
    write_result(
        "tune",
        figures,
        command=".venv/bin/python bench/tune_retrieval.py",
        settings={"index": str(args.index)},
        data=[
            DEV,
            QUESTIONS,
            ROOT.parent / "shared" / "data" / "rtqa" / "corpus.jsonl.gz",
            *sorted((ROOT / "corpus").iterdir()),
        ],
        seconds=time.perf_counter() - started,
    )
    print(figures)


if __name__ == "__main__":
    main()
