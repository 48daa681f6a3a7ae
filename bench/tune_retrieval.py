"""Reproduces the tuning of every knob, on the tune weeks only (``bench/splits.py``).

    .venv/bin/python bench/tune_retrieval.py [--index DIR] [--seed-index DIR]

1. Ranking: a grid over the time and evidence knobs. Each setting is scored on both halves
   of the tune weeks (the first three weeks, the last three) and kept by its worse half
   (recall@5, then MRR@10): a setting that wins on one half by a question or two, which is
   noise on 56 questions, does not count. The held-out weeks are never read.
2. Answer threshold: the best sentence similarity of every tune-week question, asked of the
   RTQA index (answerable) and of the seed-only index (nothing there answers them); the
   threshold is the midpoint between the 1st percentile of the first and the 99th
   percentile of the second.

Writes bench/results/tune.json (with commit, settings and data hashes) and prints the best
settings; the defaults in index/recency.py, index/ranking.py and bot/answer.py are these.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import splits  # noqa: E402
from bench.record import write_result  # noqa: E402
from core.settings import Settings  # noqa: E402
from index.evaluation import evaluate, load_queries  # noqa: E402
from index.ranking import EvidencePolicy  # noqa: E402
from index.recency import TimePolicy  # noqa: E402
from newsdesk.wiring import load_embedder, load_index, open_answerer  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "rtqa" / "queries-dev.jsonl"
WORK = ROOT / "bench" / "out"


def halves(queries) -> list[list]:
    weeks = sorted({q.week for q in queries})
    first = set(weeks[: len(weeks) // 2])
    return [[q for q in queries if q.week in first], [q for q in queries if q.week not in first]]


def tune_ranking(answerer, queries) -> dict:
    retriever = answerer.retriever
    base = retriever.policy
    parts = halves(queries)
    rows = []
    grid = itertools.product([0.0, 1.0, 2.0, 4.0], [3, 7, 14], [3.0, 10.0], [2, 3], [0.4, 0.6])
    for boost, recent, decay, depth, evidence_decay in grid:
        retriever.policy = replace(
            base,
            time=TimePolicy(recent_days=recent, time_boost=boost, decay_days=decay),
            evidence=EvidencePolicy(depth=depth, decay=evidence_decay),
        )
        scores = [evaluate(retriever, part, "hybrid") for part in parts]
        worst = (min(s.recall_at_5 for s in scores), min(s.mrr_at_10 for s in scores))
        whole = evaluate(retriever, queries, "hybrid")
        rows.append((worst, (whole.recall_at_5, whole.mrr_at_10), asdict(retriever.policy)))
        print(f"worse half {worst} whole {rows[-1][1]} {rows[-1][2]}", flush=True)
    retriever.policy = base
    worst, (recall, mrr), best = max(rows, key=lambda row: row[0])
    return {
        "best": best,
        "worse_half_recall@5": worst[0],
        "worse_half_mrr@10": worst[1],
        "recall@5": recall,
        "mrr@10": mrr,
        "grid_size": len(rows),
    }


def best_similarities(answerer, queries) -> list[float]:
    return [answerer.best_similarity(answerer.retrieve(q.question, as_of=q.as_of)) for q in queries]


def tune_threshold(answerer, seed_answerer, queries) -> dict:
    answerable = best_similarities(answerer, queries)
    unanswerable = best_similarities(seed_answerer, queries)
    low = float(np.percentile(answerable, 1))
    high = float(np.percentile(unanswerable, 99))
    return {
        "answerable_p1": round(low, 3),
        "unanswerable_p99": round(high, 3),
        "threshold": round((low + high) / 2, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=WORK / "rtqa-index")
    parser.add_argument("--seed-index", type=Path, default=WORK / "seed-index")
    args = parser.parse_args()
    started = time.perf_counter()
    queries = splits.tune(load_queries(DEV))
    rtqa = Settings(_env_file=None, index_dir=args.index)
    embedder = load_embedder(rtqa, serving=True)
    answerer = open_answerer(rtqa, load_index(rtqa), embedder)
    seed = Settings(_env_file=None, index_dir=args.seed_index)
    seed_answerer = open_answerer(seed, load_index(seed), embedder)
    figures = {
        "split": splits.describe(queries),
        "ranking": tune_ranking(answerer, queries),
        "answer_threshold": tune_threshold(answerer, seed_answerer, queries),
    }
    write_result(
        "tune",
        figures,
        command=".venv/bin/python bench/tune_retrieval.py",
        settings={"index": str(args.index), "seed_index": str(args.seed_index)},
        data=[DEV, ROOT.parent / "shared" / "data" / "rtqa" / "corpus.jsonl.gz"],
        seconds=time.perf_counter() - started,
    )
    print(figures)


if __name__ == "__main__":
    main()
