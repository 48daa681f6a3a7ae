"""Grid over the ranking knobs on the RTQA dev questions (used to choose RankingPolicy).

    .venv/bin/python bench/tune_retrieval.py --index DIR [--queries FILE]

Prints recall@5 / MRR@10 for each setting, best last. Tune on dev; the held-out weeks are
scored the same way by the maintainers.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from core.settings import Settings
from index.evaluation import evaluate, load_queries
from index.ranking import EvidencePolicy
from index.recency import TimePolicy
from newsdesk.wiring import load_embedder, load_index, open_retriever

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "rtqa" / "queries-dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=DEV)
    parser.add_argument("--modes", default="hybrid")
    args = parser.parse_args()
    queries = load_queries(args.queries)
    settings = Settings(_env_file=None, index_dir=args.index)
    retriever = open_retriever(
        settings, load_index(settings), load_embedder(settings, serving=True, queries_only=True)
    )
    base = retriever.policy
    rows = []
    grid = itertools.product([0.0, 0.5, 1.0, 2.0, 4.0], [3, 7, 14], [3.0, 10.0, 30.0], [1, 2])
    for boost, recent, decay, per_article in grid:
        retriever.policy = replace(
            base,
            time=TimePolicy(recent_days=recent, time_boost=boost, decay_days=decay),
            evidence=replace(EvidencePolicy(), max_per_article=per_article),
        )
        for mode in args.modes.split(","):
            s = evaluate(retriever, queries, mode)  # type: ignore[arg-type]
            rows.append(
                (
                    s.recall_at_5,
                    s.mrr_at_10,
                    mode,
                    boost,
                    recent,
                    decay,
                    per_article,
                    s.recall_at_1,
                    s.recall_at_10,
                    s.answer_at_5,
                )
            )
            print(*rows[-1][2:7], f"r@5 {s.recall_at_5:.3f} mrr {s.mrr_at_10:.3f}", flush=True)
    print("best:")
    for row in sorted(rows)[-10:]:
        print(row)


if __name__ == "__main__":
    main()
