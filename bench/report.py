"""Renders docs/benchmarks.md from the figures bench/run.py stored in bench/results/."""

from __future__ import annotations

import json
from pathlib import Path

TARGETS = """\
| target (issue 3) | measured | met |
|---|---|---|
{rows}
"""


def _load(results: Path) -> dict[str, dict]:
    runs = {p.stem: json.loads(p.read_text()) for p in sorted(results.glob("*.json"))}
    return {name: run for name, run in runs.items() if isinstance(run, dict) and "figures" in run}


def _get(data: dict, *path: str) -> object:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def write_report(results: Path, target: Path) -> None:
    runs = _load(results)
    fig = {name: run["figures"] for name, run in runs.items()}
    lines = ["# Benchmarks", ""]
    lines += [
        "Figures measured on this project's machine by `bench/run.py` (one section per row of",
        "the run log below); rerun with `.venv/bin/python bench/run.py [SECTION ...]`.",
        "Data: `../shared/data/rtqa` (3,771 news articles, 103 dev questions, each asked as of",
        "its own date).",
        "",
    ]
    machines = {run["machine"] for run in runs.values()}
    lines += [f"Machine: {m}" for m in sorted(machines)] + [""]

    rows = []
    hybrid = _get(fig, "eval", "int8", "modes", "hybrid") or {}
    fp32 = _get(fig, "eval", "fp32", "modes", "hybrid") or {}
    dense8 = _get(fig, "eval", "int8", "modes", "dense") or {}
    dense32 = _get(fig, "eval", "fp32", "modes", "dense") or {}
    if hybrid:
        rows.append(
            ("hybrid recall@5 ≥ 0.90", f"{hybrid['recall@5']:.3f}", hybrid["recall@5"] >= 0.90)
        )
        rows.append(("hybrid MRR@10 ≥ 0.75", f"{hybrid['mrr@10']:.3f}", hybrid["mrr@10"] >= 0.75))
    enc = fig.get("encode")
    if enc:
        rows.append(
            (
                "build ≥ 2.0× plain fp32 encode chunks/s",
                f"{enc['ratio']:.2f}× ({enc['newsdesk_chunks_per_s']} vs "
                f"{enc['plain_fp32_chunks_per_s']} chunks/s)",
                enc["ratio"] >= 2.0,
            )
        )
    if hybrid and fp32:
        gap = fp32["recall@5"] - hybrid["recall@5"]
        rows.append(
            (
                "recall@5 within 0.01 of the fp32 index (hybrid)",
                f"int8 {hybrid['recall@5']:.3f} vs fp32 {fp32['recall@5']:.3f}",
                gap <= 0.01,
            )
        )
    if dense8 and dense32:
        gap = dense32["recall@5"] - dense8["recall@5"]
        rows.append(
            (
                "… and dense alone",
                f"int8 {dense8['recall@5']:.3f} vs fp32 {dense32['recall@5']:.3f}",
                gap <= 0.01,
            )
        )
    lat = fig.get("latency")
    if lat:
        mode = lat["hybrid"]
        rows.append(
            ("warm query p50 ≤ 12 ms (hybrid)", f"{mode['p50_ms']} ms", mode["p50_ms"] <= 12)
        )
        rows.append(
            ("warm query p95 ≤ 25 ms (hybrid)", f"{mode['p95_ms']} ms", mode["p95_ms"] <= 25)
        )
        rows.append(
            (
                "serving RSS ≤ 1 GB",
                f"{lat['serving_peak_rss_mb']} MB",
                lat["serving_peak_rss_mb"] <= 1024,
            )
        )
    hnsw = fig.get("hnsw")
    if hnsw:
        best = max(
            (v for k, v in hnsw.items() if k.startswith("ef")),
            key=lambda v: (v["p95_ms"] <= 30, v["recall@10"]),
        )
        rows.append(
            (
                "HNSW at 1M: p95 ≤ 30 ms with recall ≥ 0.95",
                f"p95 {best['p95_ms']} ms, recall@10 {best['recall@10']}",
                best["p95_ms"] <= 30 and best["recall@10"] >= 0.95,
            )
        )
    build = fig.get("build")
    if build:
        share = build["incremental_one_article"]["share_of_full"]
        rows.append(
            (
                "incremental rebuild (one article) ≤ 5% of full build",
                f"{build['incremental_one_article']['seconds']} s = {100 * share:.1f}%",
                share <= 0.05,
            )
        )
    answers = fig.get("answers")
    if answers:
        rows.append(
            (
                "answer in quoted excerpts ≥ 0.65 (issue 4)",
                f"{answers['answer_in_excerpts']:.3f}",
                answers["answer_in_excerpts"] >= 0.65,
            )
        )
    if lat:
        rows.append(
            (
                "answer step adds a few tens of ms (issue 4)",
                f"p50 {lat['answer_step']['p50_ms']} ms, p95 {lat['answer_step']['p95_ms']} ms",
                lat["answer_step"]["p95_ms"] <= 50,
            )
        )
    lines += ["## Targets", ""]
    lines.append(TARGETS.format(rows="\n".join(f"| {a} | {b} | {_mark(c)} |" for a, b, c in rows)))

    if "eval" in fig:
        lines += ["## Retrieval quality (`newsdesk eval`)", ""]
        lines += [
            "| index | mode | recall@1 | recall@5 | recall@10 | MRR@10 | answer@5 |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, data in fig["eval"].items():
            for mode, s in data["modes"].items():
                lines.append(
                    f"| {name} | {mode} | {s['recall@1']:.3f} | {s['recall@5']:.3f} | "
                    f"{s['recall@10']:.3f} | {s['mrr@10']:.3f} | {s['answer@5']:.3f} |"
                )
        lines.append("")
    if lat:
        lines += [
            "## Warm query latency (RTQA index, 103 questions × 3)",
            "",
            "| mode | p50 ms | p95 ms |",
            "|---|---|---|",
        ]
        for mode in ("dense", "bm25", "hybrid"):
            lines.append(f"| {mode} | {lat[mode]['p50_ms']} | {lat[mode]['p95_ms']} |")
        lines.append("")
    if build:
        lines += [
            "## Builds",
            "",
            "| corpus | seconds | chunks/s | peak RSS MB | summary |",
            "|---|---|---|---|---|",
        ]
        for name in ("seed", "rtqa", "incremental_one_article"):
            b = build[name]
            lines.append(
                f"| {name} | {b['seconds']} | {b.get('chunks_per_s', '')} | "
                f"{b['peak_rss_mb']} | {b['summary']} |"
            )
        lines.append("")
    if "cold" in fig:
        c = fig["cold"]
        lines += [
            f"Cold start of one `newsdesk query` process on the RTQA index: median "
            f"{c['median_s']} s over {len(c['runs'])} runs (peak RSS {c['peak_rss_mb']} MB).",
            "",
        ]
    if hnsw:
        lines += [
            f"## HNSW at {hnsw['vectors']:,} vectors",
            "",
            f"{hnsw['real']:,} real RTQA chunk vectors plus synthetic neighbours of them "
            f"(real vector + Gaussian noise, renormalised); queries are the 103 dev questions; "
            f"recall@10 against exact search over the same vectors. M={hnsw['M']}, built in "
            f"{hnsw['build_s']} s.",
            "",
            "| efSearch | p50 ms | p95 ms | recall@10 |",
            "|---|---|---|---|",
        ]
        for key, v in hnsw.items():
            if key.startswith("ef"):
                lines.append(f"| {key[2:]} | {v['p50_ms']} | {v['p95_ms']} | {v['recall@10']} |")
        lines.append("")
    if answers:
        lines += [
            "## Answers (issue 4)",
            "",
            f"- answer string inside the quoted excerpts: {answers['answer_in_excerpts']:.3f}",
            f"- questions answered: {answers['answered']:.3f}",
            f"- the same questions against the seed-only index (nothing there answers "
            f"them) refused: {answers['refused_on_seed_index']:.3f}",
            "",
        ]
    lines += [
        "## Notes",
        "",
        "- Latency varies by about ±5% from run to run on this shared 2-core machine: two "
        "consecutive runs of the latency section gave hybrid p50 11.6 and 12.0 ms.",
        "- The HNSW figures time the FAISS search alone; a full hybrid question at that size "
        "would add the question's encoding (~4 ms) and BM25 over 1M rows (not measured).",
        "- Six of the 103 dev questions have a gold article whose scraped text is the same as an "
        "unrelated article's (a Powerball story); such duplicates are indexed once, under the "
        "first id, with the others kept as aliases. Recall cannot exceed 97/103 = 0.942.",
        "- The fp32 index is built with the ONNX fp32 export (cosine 1.0000 to torch on the "
        "export check), at 19.7 chunks/s under the load of other work; the encode section "
        "is the side-by-side speed comparison.",
        "",
    ]
    lines += ["## Run log", "", "| section | date | seconds | command |", "|---|---|---|---|"]
    for name, run in runs.items():
        lines.append(f"| {name} | {run['date']} | {run['seconds']} | `{run['command']}` |")
    lines.append("")
    for name, run in runs.items():
        lines += [
            f"<details><summary>{name}: raw figures</summary>",
            "",
            "```json",
            json.dumps(run["figures"], indent=1),
            "```",
            "",
            "</details>",
            "",
        ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines))
