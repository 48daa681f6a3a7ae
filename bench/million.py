"""A million rows of real news text: what one question costs at that size.

The rows are spans of the RTQA articles: the index's own chunks, every sentence, and every
window of two and three consecutive sentences of a paragraph, topped up with four-sentence
windows to exactly 1,000,000. Chunks and sentences are embedded by the product's document
encoder (the sentence vectors are cached in bench/out/million, keyed by their texts).
Embedding the windows too would take hours on two cores, so a window's vector is the
normalised mean of its sentences' vectors; how close that is to encoding the window is
measured on a sample and reported next to the figures.

Measured with the product's own ``Retriever`` over an in-memory index of these rows
(rows in date order, BM25 over the same rows, HNSW for the vectors):
- dense search alone, over all rows and over each question's date window (a filtered HNSW
  search), p50 / p95, recall@10 against exact search over the same rows;
- BM25 alone over the same rows, p50 / p95;
- the whole hybrid query (encoding, both searches, fusion, time and article ranking),
  p50 / p95, and how many of its top-10 rows an exact dense search would also return.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.record import latency_percentiles
from index.dense import EXACT_WINDOW_ROWS
from index.store import ChunkRef, StoredIndex

TOTAL = 1_000_000
SAMPLE = 1000  # windows encoded for real, to measure the mean-of-sentences stand-in


def sentence_rows(index: StoredIndex) -> list[list[ChunkRef]]:
    """Per article, the sentences of its indexed (not furniture) paragraphs, in order."""
    from index.sentences import paragraphs, sentences

    out = []
    for article in index.articles.values():
        spans = [
            ChunkRef(article.id, s, e)
            for paragraph in paragraphs(article.text)
            if not paragraph.furniture
            for s, e in sentences(article.text, paragraph.start, paragraph.end)
        ]
        if spans:
            out.append(spans)
    return out


def encode_cached(
    texts: list[str], encode: Callable[[list[str]], np.ndarray], folder: Path, tag: str
) -> np.ndarray:
    """``encode(texts)``, stored once under a key made of the encoder tag and the texts."""
    digest = hashlib.sha256(tag.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = folder / f"vectors-{digest.hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    folder.mkdir(parents=True, exist_ok=True)
    vectors = np.vstack([encode(texts[i : i + 2048]) for i in range(0, len(texts), 2048)]).astype(
        np.float32
    )
    partial = path.with_suffix(".partial.npy")
    np.save(partial, vectors)
    partial.replace(path)
    return vectors


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def measure(
    rtqa_index: Path, work: Path, queries: list, embedder, hnsw_m: int = 32, total: int = TOTAL
) -> dict:
    """Build the million-row index in memory and time questions against it."""
    import faiss

    from index.lexical import LexicalIndex
    from index.retriever import Retriever

    base = StoredIndex.load(rtqa_index, lexical=False)
    if len(base.segments) != 1:
        raise SystemExit("merge the RTQA index's segments first: newsdesk index build --compact")
    text = {aid: a.text for aid, a in base.articles.items()}

    def span(ref: ChunkRef) -> str:
        return text[ref.article_id][ref.start : ref.end]

    groups = sentence_rows(base)
    flat = [ref for group in groups for ref in group]
    started = time.perf_counter()
    sentence_vectors = encode_cached(
        [span(r) for r in flat], embedder.encode_documents, work, embedder.document_encoder
    )
    encode_s = time.perf_counter() - started
    position = {ref: i for i, ref in enumerate(flat)}

    # Windows of 2, 3, 4 ... consecutive sentences of an article, every one of a size
    # until the next size would pass TOTAL; that size is sampled to fill up exactly.
    chunk_vectors = base.segments[0].vectors.reconstruct_n(0, len(base.chunks))
    rows: list[ChunkRef] = list(base.chunks) + flat
    needed = total - len(rows)
    rng = np.random.default_rng(7)
    chosen: list[tuple[ChunkRef, list[int]]] = []
    size = 2
    while len(chosen) < needed:
        windows = [
            (
                ChunkRef(g[i].article_id, g[i].start, g[i + size - 1].end),
                [position[r] for r in g[i : i + size]],
            )
            for g in groups
            for i in range(len(g) - size + 1)
        ]
        if not windows:
            raise RuntimeError("the corpus has too few sentences for a million rows")
        room = needed - len(chosen)
        if len(windows) > room:
            windows = [windows[i] for i in sorted(rng.permutation(len(windows))[:room])]
        chosen += windows
        size += 1
    if needed <= 0:
        raise ValueError(f"{len(rows)} chunks and sentences already pass {total} rows")
    window_vectors = _normalised(
        np.vstack([sentence_vectors[members].mean(axis=0) for _, members in chosen])
    ).astype(np.float32)
    rows += [ref for ref, _ in chosen]
    vectors = np.vstack([chunk_vectors, sentence_vectors, window_vectors]).astype(np.float32)

    # How close is a mean of sentence vectors to the window's own encoding?
    sample = rng.choice(len(chosen), size=min(SAMPLE, len(chosen)), replace=False)
    real = embedder.encode_documents([span(chosen[i][0]) for i in sample])
    fidelity = np.sum(real * window_vectors[sample], axis=1)

    # Rows in date order (undated first), as an index stores them.
    days = {aid: a.published or "" for aid, a in base.articles.items()}
    order = sorted(range(len(rows)), key=lambda i: days[rows[i].article_id])
    rows = [rows[i] for i in order]
    vectors = vectors[order]

    started = time.perf_counter()
    lexical = LexicalIndex.build([span(r) for r in rows])
    bm25_build_s = time.perf_counter() - started
    faiss.omp_set_num_threads(2)
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    hnsw_build_s = time.perf_counter() - started
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    del vectors
    faiss.omp_set_num_threads(1)  # as when serving (newsdesk.wiring)

    manifest = replace(base.manifest, faiss={"kind": "hnsw", "hnsw_m": hnsw_m}, counts={})
    index = StoredIndex.of(manifest, base.articles, rows, hnsw, lexical, version="million")
    exact_index = StoredIndex.of(manifest, base.articles, rows, exact, lexical, version="exact")
    out: dict = {
        "rows": len(rows),
        "rows_by_kind": {
            "chunks (encoded)": len(base.chunks),
            "sentences (encoded)": len(flat),
            "sentence windows (mean of their sentences)": len(chosen),
        },
        "window_stand_in_cosine": {
            "sample": len(sample),
            "mean": round(float(fidelity.mean()), 4),
            "p5": round(float(np.percentile(fidelity, 5)), 4),
        },
        "sentence_encode_s": round(encode_s, 1),
        "bm25_build_s": round(bm25_build_s, 1),
        "hnsw_build_s": round(hnsw_build_s, 1),
        "hnsw_m": hnsw_m,
        "questions": len(queries),
    }
    exact_retriever = Retriever(index=exact_index, encoder=embedder)
    sizes = []
    for q in queries:
        window = exact_retriever.time.window(q.question, q.as_of)
        lo, hi = exact_retriever.time.ranges(window, q.as_of)[-1]
        sizes.append(hi - lo)
    out["window_rows"] = {
        "p50": int(np.median(sizes)),
        "p95": int(np.percentile(sizes, 95)),
        "exact_limit": EXACT_WINDOW_ROWS,
        "exact_share": round(float(np.mean(np.array(sizes) <= EXACT_WINDOW_ROWS)), 3),
    }
    for ef in (64, 128, 256):
        retriever = Retriever(index=index, encoder=embedder, ef_search=ef)
        out[f"ef{ef}"] = _time_questions(retriever, exact_retriever, queries)
    return out


def _time_questions(retriever, exact_retriever, queries: list) -> dict:
    """Dense (whole index and date window), BM25 and hybrid: latency and agreement."""
    dense_all, dense_window, bm25, hybrid = [], [], [], []
    hits = {"dense_all": 0, "dense_window": 0, "hybrid": 0}
    totals = {"dense_all": 0, "dense_window": 0, "hybrid": 0}
    for _round in range(2):
        for q in queries:
            found = retriever.search(q.question, 10, mode="hybrid", as_of=q.as_of)
            question = found.question
            ranges = retriever.time.ranges(question.window, question.as_of)
            for name, rng_, times in (
                ("dense_all", ranges[0], dense_all),
                ("dense_window", ranges[-1], dense_window),
            ):
                started = time.perf_counter()
                got = retriever.dense.search(question.vector, 10, [[rng_]])
                times.append(time.perf_counter() - started)
                truth = exact_retriever.dense.search(question.vector, 10, [[rng_]])
                hits[name] += len(set(got) & set(truth))
                totals[name] += len(truth)
            started = time.perf_counter()
            retriever.lexical.search(
                question.terms, 100, retriever.time.selections(question.window, question.as_of)
            )
            bm25.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = retriever.search(q.question, 10, mode="hybrid", as_of=q.as_of)
            hybrid.append(time.perf_counter() - started)
            truth = {
                (p.article.id, p.char_start)
                for p in exact_retriever.search(
                    q.question, 10, mode="hybrid", as_of=q.as_of
                ).passages
            }
            hits["hybrid"] += len({(p.article.id, p.char_start) for p in found.passages} & truth)
            totals["hybrid"] += len(truth)
    share = {name: round(hits[name] / max(totals[name], 1), 4) for name in hits}
    return {
        "dense_all": {**latency_percentiles(dense_all), "recall@10": share["dense_all"]},
        "dense_window": {**latency_percentiles(dense_window), "recall@10": share["dense_window"]},
        "bm25": latency_percentiles(bm25),
        "hybrid": {**latency_percentiles(hybrid), "top10_same_as_exact": share["hybrid"]},
    }
