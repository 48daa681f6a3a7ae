"""Newsdesk benchmark: measures on this machine and writes docs/benchmarks.md.

    .venv/bin/python bench/run.py                 # every section (about an hour)
    .venv/bin/python bench/run.py encode latency  # some sections; others keep their last figures

Each section stores its figures in bench/results/<section>.json with their provenance
(bench/record.py); docs/benchmarks.md is rendered from those files only (bench/report.py).
Work files (indexes, corpora) go to bench/out/. Data: the RTQA benchmark in
../shared/data/rtqa, its dev questions split by week (bench/splits.py).
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.report, when run as a script

from core.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared"
RTQA = SHARED / "data" / "rtqa"
WORK = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"
NEWSDESK = [sys.executable, "-m", "newsdesk"]
DEV = RTQA / "queries-dev.jsonl"


def rtqa_corpus() -> Path:
    """A corpus folder holding the RTQA articles (the .jsonl.gz, copied, not linked)."""
    folder = WORK / "rtqa-corpus"
    target = folder / "corpus.jsonl.gz"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(RTQA / "corpus.jsonl.gz", target)
    return folder


def measured_rss_of(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a command: wall seconds, the child's own peak RSS in MB (/usr/bin/time), stdout."""
    timed = ["/usr/bin/time", "-f", "%M %e", *cmd] if Path("/usr/bin/time").exists() else cmd
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run(timed, cwd=ROOT, env=full_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    last = done.stderr.strip().splitlines()[-1].split()
    return float(last[1]), int(last[0]) // 1024, done.stdout


# -- sections ------------------------------------------------------------------------------


def settings(**overrides: object) -> Settings:
    """The benchmark's settings: defaults, without .env, plus ``overrides``."""
    return Settings(_env_file=None, **overrides)  # type: ignore[arg-type]


def section_encode() -> dict:
    """Plain fp32 SentenceTransformer.encode vs the indexing encoder, same chunks, one run."""
    from index.chunking import Chunker
    from index.corpus import read_corpus
    from newsdesk.wiring import load_embedder

    fast = load_embedder(settings())
    plain = load_embedder(settings(embedding_backend="torch"))
    articles = read_corpus(rtqa_corpus()).articles[::25]
    chunker = Chunker(200, 40, model_count=fast.count_tokens, model_limit=fast.max_tokens)
    chunks = [c.text for a in articles for c in chunker.chunk(a)][:1500]
    plain.model.encode(chunks[:32])
    fast.encode_documents(chunks[:32])
    started = time.perf_counter()
    reference = plain.model.encode(chunks, normalize_embeddings=True, convert_to_numpy=True)
    plain_s = time.perf_counter() - started
    started = time.perf_counter()
    vectors = fast.encode_documents(chunks)
    fast_s = time.perf_counter() - started
    cos = (vectors * reference).sum(axis=1)
    tokens = fast.count_tokens(chunks)
    return {
        "chunks": len(chunks),
        "mean_model_tokens": round(float(np.mean(tokens)), 1),
        "plain_fp32_chunks_per_s": round(len(chunks) / plain_s, 1),
        "newsdesk_chunks_per_s": round(len(chunks) / fast_s, 1),
        "ratio": round(plain_s / fast_s, 2),
        "cosine_mean": round(float(cos.mean()), 4),
        "cosine_min": round(float(cos.min()), 4),
    }


def section_build() -> dict:
    """Full builds (seed and RTQA), then an incremental build after adding one article."""
    out: dict = {}
    seed_index = WORK / "seed-index"
    shutil.rmtree(seed_index, ignore_errors=True)
    seconds, rss, stdout = measured_rss_of(
        [*NEWSDESK, "index", "build", "--corpus", "corpus", "--index", str(seed_index)]
    )
    out["seed"] = {"seconds": round(seconds, 2), "summary": stdout.strip(), "peak_rss_mb": rss}
    corpus = rtqa_corpus()
    extra = corpus / "one-more.jsonl"
    extra.unlink(missing_ok=True)
    index = WORK / "rtqa-index"
    shutil.rmtree(index, ignore_errors=True)
    seconds, rss, stdout = measured_rss_of(
        [*NEWSDESK, "index", "build", "--corpus", str(corpus), "--index", str(index)]
    )
    chunks = int(stdout.split(" chunks,")[0].split(", ")[-1])
    out["rtqa"] = {
        "seconds": round(seconds, 1),
        "chunks": chunks,
        "chunks_per_s": round(chunks / seconds, 1),
        "peak_rss_mb": rss,
        "summary": stdout.strip(),
    }
    with gzip.open(RTQA / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        record = json.loads(next(lines))
    record["id"] = "bench-one-more"
    record["text"] = "A new article arrives. " + record["text"]
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    seconds, rss, stdout = measured_rss_of(
        [*NEWSDESK, "index", "build", "--corpus", str(corpus), "--index", str(index)]
    )
    extra.unlink()
    out["incremental_one_article"] = {
        "seconds": round(seconds, 1),
        "share_of_full": round(seconds / out["rtqa"]["seconds"], 3),
        "peak_rss_mb": rss,
        "summary": stdout.strip(),
    }
    return out


def section_fp32() -> dict:
    """An fp32 index of RTQA (the ONNX fp32 export equals torch), for the quality check."""
    index = WORK / "rtqa-index-fp32"
    shutil.rmtree(index, ignore_errors=True)
    seconds, rss, stdout = measured_rss_of(
        [*NEWSDESK, "index", "build", "--corpus", str(rtqa_corpus()), "--index", str(index)],
        env={"NEWSDESK_EMBEDDING_BACKEND": "onnx"},
    )
    return {"seconds": round(seconds, 1), "peak_rss_mb": rss, "summary": stdout.strip()}


def section_eval() -> dict:
    """Retrieval and answers on the tune weeks and on the held-out weeks, every mode, for
    the int8 index (default) and the fp32 one, if built."""
    from bench import splits
    from bot.evaluation import score_answers
    from index.evaluation import evaluate, load_queries
    from index.types import MODES
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    queries = load_queries(DEV)
    parts = {"tune": splits.tune(queries), "held_out": splits.held_out(queries)}
    out: dict = {"splits": {name: splits.describe(qs) for name, qs in parts.items()}}
    for name, folder in (("int8", "rtqa-index"), ("fp32", "rtqa-index-fp32")):
        if not (WORK / folder / "CURRENT").exists():
            continue
        config = settings(index_dir=WORK / folder)
        index = load_index(config)
        answerer = open_answerer(config, index, load_embedder(config, serving=True))
        aliases = {alias for a in index.articles.values() for alias in a.aliases}
        home = {i: a.id for a in index.articles.values() for i in (a.id, *a.aliases)}
        indexed = {chunk.article_id for chunk in index.chunks}
        out[name] = {
            part: {
                "modes": {mode: evaluate(answerer.retriever, qs, mode).to_json() for mode in MODES},
                "answers": score_answers(answerer, qs).to_json(),
                # gold articles whose text another article also has: indexed once, under
                # the other's id (kept as an alias), so they are still found by alias
                "gold_indexed_as_alias": sum(bool(q.gold_ids & aliases) for q in qs),
                # questions whose gold articles have no indexed text at all (a page of
                # video-player furniture): no retrieval can find them
                "gold_without_text": sum(
                    not any(home.get(gold) in indexed for gold in q.gold_ids) for q in qs
                ),
            }
            for part, qs in parts.items()
        }
    return out


def warm_query_latency(retriever: Any, queries: list, mode: str) -> dict[str, float]:
    """p50/p95 of searching every question 3 times in ``mode``, after 10 warm-up searches."""
    return paired_latency({"one": retriever}, queries, mode, repeats=3)["one"]


def paired_latency(
    retrievers: dict[str, Any], queries: list, mode: str, repeats: int = 5
) -> dict[str, dict[str, float]]:
    """p50/p95 per retriever, each question searched by every retriever in turn (the
    order alternating), ``repeats`` times, after 10 warm-up searches each: on this machine
    timings drift by 10% or more from one minute to the next, which one retriever timed
    after the other would report as a difference between them."""
    from bench.record import latency_percentiles

    names = list(retrievers)
    for name in names:
        for q in queries[:10]:
            retrievers[name].search(q.question, 10, mode=mode, as_of=q.as_of)
    times: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(repeats * len(queries)):
        q = queries[turn % len(queries)]
        for name in names if turn % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            retrievers[name].search(q.question, 10, mode=mode, as_of=q.as_of)
            times[name].append(time.perf_counter() - started)
    return {name: latency_percentiles(times[name]) for name in names}


def section_latency() -> dict:
    """Warm query latency per mode at RTQA size; answer-step latency; serving RSS."""
    from bot.evaluation import score_answers
    from index.evaluation import load_queries
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    config = settings(index_dir=WORK / "rtqa-index")
    index = load_index(config)
    embedder = load_embedder(config, serving=True)
    answerer = open_answerer(config, index, embedder)
    retriever = answerer.retriever
    queries = load_queries(DEV)
    out: dict = {"chunks": len(index.chunks)}
    for mode in ("dense", "bm25", "hybrid"):
        out[mode] = warm_query_latency(retriever, queries, mode)
    scores = score_answers(answerer, queries * 2)
    out["answer_step"] = {
        "p50_ms": round(scores.answer_step_p50_ms, 2),
        "p95_ms": round(scores.answer_step_p95_ms, 2),
    }
    out["serving_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


def section_cold() -> dict:
    """Wall time of one `newsdesk query` process, index and model loaded from disk."""
    times = []
    for _ in range(5):
        seconds, rss, _ = measured_rss_of(
            [*NEWSDESK, "query", "did Iran confirm the crash?", "--index", str(WORK / "rtqa-index")]
        )
        times.append(seconds)
    return {
        "median_s": round(statistics.median(times), 2),
        "runs": [round(t, 2) for t in times],
        "peak_rss_mb": rss,
    }


def section_answers() -> dict:
    """Issue 4's measure: do the quoted excerpts contain the answer string?"""
    from bot.evaluation import score_answers
    from index.evaluation import load_queries
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    rtqa, seed_config = (
        settings(index_dir=WORK / "rtqa-index"),
        settings(index_dir=WORK / "seed-index"),
    )
    embedder = load_embedder(rtqa, serving=True)
    queries = load_queries(DEV)
    scores = score_answers(open_answerer(rtqa, load_index(rtqa), embedder), queries)
    seed = open_answerer(seed_config, load_index(seed_config), embedder)
    refused = sum(not seed.answer(q.question, as_of=q.as_of).answered for q in queries)
    return {
        "questions": len(queries),
        "answer_in_excerpts": round(scores.answer_in_excerpts, 3),
        "answered": round(scores.answered, 3),
        "refused_on_seed_index": round(refused / len(queries), 3),
    }


def section_million() -> dict:
    """A million rows of real RTQA text: dense, filtered, BM25 and hybrid (bench/million.py)."""
    from bench.million import measure
    from index.evaluation import load_queries
    from newsdesk.wiring import load_embedder

    embedder = load_embedder(settings(), serving=False)
    return measure(WORK / "rtqa-index", WORK / "million", load_queries(DEV), embedder)


ATTRIBUTION_LABELS = ROOT / "bench" / "data" / "attribution_sentences.jsonl"


def section_attribution() -> dict:
    """Speakers and stances on the hand-labelled sentences (bench/attribution.py), per
    split, and what attributing their articles costs."""
    from bench.attribution import load_labels, rtqa_texts, score
    from index.attribution import Attributor, has_cue, load_pipeline, paragraph_sentences

    labels = load_labels(ATTRIBUTION_LABELS)
    texts = rtqa_texts(RTQA / "corpus.jsonl.gz", {label.article_id for label in labels})
    attributor = Attributor(load_pipeline())  # loaded before the clock starts
    started = time.perf_counter()
    figures = score(labels, texts, attributor)
    seconds = time.perf_counter() - started
    sentences = [
        text[s:e] for text in texts.values() for p in paragraph_sentences(text) for s, e in p
    ]
    cued = sum(has_cue(sentence) for sentence in sentences)
    return {
        **figures,
        "cost": {
            "articles": len(texts),
            "sentences": len(sentences),
            "parsed_sentences": cued,
            "seconds": round(seconds, 1),
            "parsed_per_s": round(cued / seconds, 1),
        },
    }


QUESTION_LABELS = ROOT / "bench" / "data" / "answer_questions.jsonl"


def section_questions() -> dict:
    """Answer decisions on the hand-written questions (bench/questions.py), per split:
    wrong refusals, answering sentence quoted, speaker precision and recall of that quote,
    near misses refused; and the seed question's two quotes with their speakers."""
    from bench.questions import load_questions, score_questions
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    rtqa = settings(index_dir=WORK / "rtqa-index")
    embedder = load_embedder(rtqa, serving=True)
    figures = score_questions(
        open_answerer(rtqa, load_index(rtqa), embedder), load_questions(QUESTION_LABELS)
    )
    seed_config = settings(index_dir=WORK / "seed-index")
    seed = open_answerer(seed_config, load_index(seed_config), embedder)
    answer = seed.answer("did Iran confirm the crash?")
    figures["seed_question"] = [
        {"quote": e.quote, "speaker": e.speaker, "stance": e.stance} for e in answer.excerpts
    ]
    return figures


def section_names() -> dict:
    """Tuning of the answer's rarity floors for names (``AnswerPolicy.min_name_idf``) and
    common nouns (``min_thing_idf``) on tune halves only: the tune weeks' RTQA questions
    (all answerable) and the tune half of the labelled questions. A name or noun the
    passages lack refuses the question only when rarer than its floor."""
    from bench import splits
    from bench.questions import flagged_names, load_questions, name_rarity_threshold
    from index.evaluation import load_queries
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    rtqa = settings(index_dir=WORK / "rtqa-index")
    answerer = open_answerer(rtqa, load_index(rtqa), load_embedder(rtqa, serving=True))
    labelled = [q for q in load_questions(QUESTION_LABELS) if q.split == "tune"]
    answerable = [(q.question, q.as_of) for q in splits.tune(load_queries(DEV))] + [
        (q.question, q.as_of) for q in labelled if q.kind == "answerable"
    ]
    near = [(q.question, q.as_of) for q in labelled if q.kind == "near_miss"]
    wrong, right = flagged_names(answerer, answerable), flagged_names(answerer, near)
    out: dict = {"answerable_questions": len(answerable), "near_misses": len(near)}
    # Names and common nouns get floors of their own ("things": ``Name.thing``).
    for prefix, things in (("", False), ("thing_", True)):
        flagged = [(m, x) for m, x, thing in wrong if thing == things]
        caught = [x for _, x, thing in right if thing == things]
        finite = [x for x in caught if x != float("inf")]
        out |= {
            f"{prefix}wrongly_flagged": [[m, round(x, 2)] for m, x in flagged],
            f"{prefix}near_miss_idf_min": round(min(finite), 2) if finite else None,
            f"{prefix}near_misses_flagged": len(caught),
            f"{prefix}threshold": name_rarity_threshold(
                [x for _, x in flagged], caught, refuse_on_tie=not things
            ),
        }
    return out


SEED_QUESTIONS = ROOT / "bench" / "data" / "seed_paraphrases.jsonl"


def section_mixed() -> dict:
    """The seed articles among the RTQA articles: are they still found for paraphrased
    questions (bench/data/seed_paraphrases.jsonl, written for this check)? Asked as of the
    last RTQA week (its news is then recent and boosted) and as of today."""
    from dataclasses import replace

    from index.builder import build_index
    from index.evaluation import evaluate, load_queries
    from index.types import MODES
    from newsdesk.wiring import build_options, load_embedder, load_index, open_retriever

    corpus = WORK / "mixed-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    shutil.copy(RTQA / "corpus.jsonl.gz", corpus / "corpus.jsonl.gz")
    for seed in sorted((ROOT / "corpus").iterdir()):
        shutil.copy(seed, corpus / seed.name)
    index_dir = WORK / "mixed-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.copytree(WORK / "rtqa-index", index_dir)  # the seed's chunks are embedded on top
    config = settings(index_dir=index_dir)
    report = build_index(corpus, index_dir, load_embedder(config), build_options(config))
    retriever = open_retriever(config, load_index(config), load_embedder(config, serving=True))
    questions = load_queries(SEED_QUESTIONS)
    out: dict = {"questions": len(questions), "build": report.summary()}
    for label, as_of in (("as_of_2022_11_11", date(2022, 11, 11)), ("as_of_today", None)):
        asked = [replace(q, as_of=as_of or date.today()) for q in questions]
        out[label] = {}
        for mode in MODES:
            scores = evaluate(retriever, asked, mode)
            missed = sorted(q for q, rank in scores.ranks.items() if rank is None or rank > 5)
            out[label][mode] = {**scores.to_json(), "missed_at_5": missed}
    return out


def section_swap() -> dict:
    """Worst event-loop stall while the bot loads and swaps in the RTQA index (5 times)."""
    import asyncio

    from newsdesk.wiring import build_service, load_embedder

    config = settings(index_dir=WORK / "rtqa-index")
    embedder = load_embedder(config, serving=True)

    async def one_swap() -> tuple[float, float]:
        service = build_service(config, embedder)  # nothing loaded yet
        worst = 0.0
        running = True

        async def ticker() -> None:
            nonlocal worst
            while running:
                started = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - started - 0.005)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        swapped = await service.refresh()
        seconds = time.perf_counter() - started
        running = False
        await tick
        assert swapped and service.version is not None
        return worst, seconds

    runs = [asyncio.run(one_swap()) for _ in range(5)]
    return {
        "swaps": len(runs),
        "worst_loop_stall_ms": round(1000 * max(w for w, _ in runs), 1),
        "median_loop_stall_ms": round(1000 * statistics.median(w for w, _ in runs), 1),
        "median_swap_s": round(statistics.median(s for _, s in runs), 2),
    }


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def write_web_copy(
    corpus: Path, record: dict, path: str, lead: str, *, published: str | None = "2021-12-31"
) -> None:
    """An RTQA article with a new first sentence, written as `newsdesk update` writes what
    it fetches (Markdown with front matter, under web/)."""
    from ingest.pages import WebArticle
    from ingest.writer import article_path, render, write_article

    url = f"https://bench.example/{path}"
    article = WebArticle(
        url=url,
        fetched_url=url,
        title=f"Copy: {record.get('title') or ''}"[:200],
        text=lead + record["text"],
        source="Bench Daily",
        author=None,
        published=published,
        fetched_at="2026-11-24T00:00:00+00:00",
    )
    write_article(corpus, article_path(url), render(article))


def section_update(trials: int = 5) -> dict:
    """Adding 10 new articles (Markdown files, as `newsdesk update` writes them) to a copy of
    the RTQA index with `newsdesk index build`: wall time of the whole command (start-up,
    model and spaCy load included) and of its build step, and the bytes it writes against
    the index's size; ``trials`` times on a fresh copy (this machine's page cache is
    small, so timings vary by a second or more), median reported. Issue 13's targets:
    <= 5 s and <= 5% of the index's bytes."""

    base_index = WORK / "rtqa-index"
    if not (base_index / "CURRENT").exists():
        raise SystemExit("run the build section first (it makes bench/out/rtqa-index)")
    current = (base_index / "CURRENT").read_text().split()[0]
    if len(json.loads((base_index / current / "manifest.json").read_text())["segments"]) != 1:
        raise SystemExit("merge bench/out/rtqa-index first: newsdesk index build --compact")
    with gzip.open(RTQA / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(10), lines, strict=False)]
    work = WORK / "update"
    runs = []
    for _ in range(trials):
        shutil.rmtree(work, ignore_errors=True)
        corpus, index = work / "corpus", work / "index"
        corpus.mkdir(parents=True)
        shutil.copy(rtqa_corpus() / "corpus.jsonl.gz", corpus / "corpus.jsonl.gz")
        index.mkdir()
        shutil.copytree(base_index / current, index / current)
        shutil.copy(base_index / "CURRENT", index / "CURRENT")
        before = _folder_bytes(index / current)
        for n, record in enumerate(records):
            write_web_copy(corpus, record, f"update/{n}", f"A new report, number {n}, follows. ")
        seconds, rss, stdout = measured_rss_of(
            [*NEWSDESK, "index", "build", "--json", "--corpus", str(corpus), "--index", str(index)]
        )
        report = json.loads(stdout)
        version = report["version"]
        # Files linked from the previous version have two names; only new files were written.
        written = sum(
            p.stat().st_size
            for p in (index / version).rglob("*")
            if p.is_file() and p.stat().st_nlink == 1
        )
        runs.append(
            {
                "seconds": round(seconds, 2),
                "build_seconds": report["seconds"],
                "bytes_written": written,
                "peak_rss_mb": rss,
                "segments": report["segments"],
                "appended": report["appended"],
                "embedded": report["embedded"],
            }
        )
    shutil.rmtree(work, ignore_errors=True)
    middle = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {
        "articles_added": len(records),
        "trials": [r["seconds"] for r in runs],
        "build_trials": [r["build_seconds"] for r in runs],
        "seconds": middle["seconds"],
        "build_seconds": statistics.median(r["build_seconds"] for r in runs),
        "index_bytes": before,
        "bytes_written": middle["bytes_written"],
        "share_written": round(middle["bytes_written"] / before, 4),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "segments_after": middle["segments"],
        "embedded": middle["embedded"],
        "layout": "segments: the update appended one",
    }


def section_segments() -> dict:
    """The RTQA index plus 19 updates of 10 articles (20 segments) against the same rows
    merged into one: warm query latency per mode on the dev questions (the two taking
    turns question by question, ``paired_latency``), and retrieval
    figures on all dev weeks (parity, not quality: the added articles are copies of RTQA
    articles with a new first sentence, as a republished story would be). Then the merge
    itself: wall time and bytes written. Issue 13's target: p50/p95 with 20 segments
    within 10% of the merged index."""
    from index.builder import build_index
    from index.evaluation import evaluate, load_queries
    from newsdesk.wiring import build_options, load_embedder, load_index, open_retriever

    base_index = WORK / "rtqa-index"
    current = (base_index / "CURRENT").read_text().split()[0]
    work = WORK / "segments"
    shutil.rmtree(work, ignore_errors=True)
    corpus, segmented, merged = work / "corpus", work / "segmented", work / "merged"
    corpus.mkdir(parents=True)
    shutil.copy(rtqa_corpus() / "corpus.jsonl.gz", corpus / "corpus.jsonl.gz")
    segmented.mkdir()
    shutil.copytree(base_index / current, segmented / current)
    shutil.copy(base_index / "CURRENT", segmented / "CURRENT")
    with gzip.open(RTQA / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(190), lines, strict=False)]
    config = settings(index_max_segments=25)
    embedder = load_embedder(config)
    options = build_options(config)
    for batch in range(19):
        for n in range(batch * 10, batch * 10 + 10):
            record = records[n]
            write_web_copy(
                corpus,
                record,
                f"segments/{n}",
                f"A republished report, number {n}. ",
                published=record.get("published_at", "")[:10] or None,
            )
        build_index(corpus, segmented, embedder, options)
    shutil.copytree(segmented, merged)
    started = time.perf_counter()
    merge = build_index(corpus, merged, embedder, replace(options, compact=True))
    merge_seconds = time.perf_counter() - started
    out: dict = {
        "merge": {
            "seconds": round(merge_seconds, 1),
            "build_seconds": round(merge.seconds, 1),
            "segments_before": len(load_index(settings(index_dir=segmented)).segments),
            "segments_after": merge.segments,
            "embedded": merge.embedded,
            "bytes_written": _folder_bytes(merged / merge.version),
        }
    }
    queries = load_queries(DEV)
    retrievers = {}
    for name, folder in (("segments_20", segmented), ("merged", merged)):
        served = settings(index_dir=folder)
        index = load_index(served)
        query_embedder = load_embedder(served, serving=True)
        retrievers[name] = open_retriever(served, index, query_embedder)
        out[name] = {"segments": len(index.segments), "rows": len(index.chunks)}
    for mode in ("dense", "bm25", "hybrid"):
        for name, figures in paired_latency(retrievers, queries, mode).items():
            out[name][mode] = figures
            scores = evaluate(retrievers[name], queries, mode, 10).to_json()
            out[name][mode]["recall@5"] = scores["recall@5"]
            out[name][mode]["mrr@10"] = scores["mrr@10"]
    ratio = {
        stat: round(out["segments_20"]["hybrid"][stat] / out["merged"]["hybrid"][stat], 3)
        for stat in ("p50_ms", "p95_ms")
    }
    out["hybrid_ratio"] = ratio
    shutil.rmtree(work, ignore_errors=True)
    return out


SECTIONS: dict[str, Callable[[], dict]] = {
    "encode": section_encode,
    "build": section_build,
    "fp32": section_fp32,
    "eval": section_eval,
    "latency": section_latency,
    "cold": section_cold,
    "answers": section_answers,
    "million": section_million,
    "attribution": section_attribution,
    "questions": section_questions,
    "names": section_names,
    "swap": section_swap,
    "mixed": section_mixed,
    "update": section_update,
    "segments": section_segments,
}


def recorded_settings() -> dict:
    """The settings every section runs with (defaults, no .env), and the ranking and answer
    knobs, as recorded next to the figures."""
    from dataclasses import asdict

    from index.retriever import RankingPolicy
    from newsdesk.wiring import answer_policy

    config = settings().model_dump(
        mode="json", exclude={"discord_token", "cache_dir", "index_dir", "state_dir"}
    )
    return {
        **config,
        "ranking": asdict(RankingPolicy()),
        "answer": asdict(answer_policy(settings())),
    }


# The data each section reads (hashed into its result).
DATA = {
    "encode": [RTQA / "corpus.jsonl.gz"],
    "build": [RTQA / "corpus.jsonl.gz", *sorted((ROOT / "corpus").iterdir())],
    "fp32": [RTQA / "corpus.jsonl.gz"],
    "eval": [RTQA / "corpus.jsonl.gz", DEV],
    "latency": [RTQA / "corpus.jsonl.gz", DEV],
    "cold": [RTQA / "corpus.jsonl.gz"],
    "answers": [RTQA / "corpus.jsonl.gz", DEV, *sorted((ROOT / "corpus").iterdir())],
    "million": [RTQA / "corpus.jsonl.gz", DEV],
    "attribution": [RTQA / "corpus.jsonl.gz", ATTRIBUTION_LABELS],
    "questions": [RTQA / "corpus.jsonl.gz", QUESTION_LABELS, *sorted((ROOT / "corpus").iterdir())],
    "names": [RTQA / "corpus.jsonl.gz", DEV, QUESTION_LABELS],
    "swap": [RTQA / "corpus.jsonl.gz"],
    "mixed": [RTQA / "corpus.jsonl.gz", *sorted((ROOT / "corpus").iterdir()), SEED_QUESTIONS],
    "update": [RTQA / "corpus.jsonl.gz"],
    "segments": [RTQA / "corpus.jsonl.gz", DEV],
}


def run_section(name: str) -> None:
    """Measure one section in this process and store its figures with their provenance."""
    from bench.record import write_result

    started = time.perf_counter()
    figures = SECTIONS[name]()
    write_result(
        name,
        figures,
        command=f".venv/bin/python bench/run.py {name}",
        settings=recorded_settings(),
        data=DATA[name],
        seconds=time.perf_counter() - started,
    )
    print(json.dumps(figures, indent=1), flush=True)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        run_section(argv[1])
        return
    chosen = argv or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        # Each section in a process of its own, so memory figures are its own.
        print(f"[bench] {name} ...", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--one", name],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
    from bench.report import write_report

    write_report(RESULTS, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main(sys.argv[1:])
