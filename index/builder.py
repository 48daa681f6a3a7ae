"""Building an index from a corpus folder, incrementally.

Articles whose text is unchanged keep their chunks, vectors and statements (who said what,
``index/attribution.py``) from the current index; only new or changed articles are
embedded and attributed, and removed ones are dropped. An unchanged corpus writes nothing.

What is written follows what changed: new and changed articles become a new segment of
the index, and the older segments' copies of changed or removed articles are marked
deleted; the older segments' files are linked, not rewritten (``index/store.py``). When
the index would hold more than ``max_segments`` segments, when settings changed, or on
``compact``, every live row is written into one new base segment instead (no article is
re-embedded for that). The new version is switched in atomically by ``StoredIndex.save``.
"""

from __future__ import annotations

import calendar
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from core.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    NothingToIndexError,
)
from index.chunking import TIKTOKEN_ENCODING, Chunker
from index.corpus import CorpusReading, Problem, Skipped, read_corpus
from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.lexical import fingerprint as lexical_fingerprint
from index.rules import attribution_rules, chunk_rules
from index.store import (
    ChunkRef,
    FaissSpec,
    Manifest,
    Segment,
    StoredIndex,
    build_lock,
    current_manifest,
    new_faiss_index,
    new_segment_name,
)
from index.types import Article, Statement

if TYPE_CHECKING:
    from index.attribution import Attributor
    from index.attribution_workers import AttributionWorkers

# (stage, done, total): ("attributing", n, articles) and ("embedding", n, chunks), which run
# side by side (from two threads).
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass(slots=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    articles: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # indexed, with a caveat
    seconds: float = 0.0
    version: str = ""
    written: bool = False
    note: str = ""  # why the previous index could not be reused, if it could not
    segments: int = 0  # in the version now current
    appended: int = 0  # articles written as a new segment (0: none, or a whole rewrite)
    compacted: bool = False  # several segments were merged into one

    def to_json(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reused": self.reused,
            "removed": self.removed,
            "skipped": [asdict(s) for s in self.skipped],
            "problems": [asdict(p) for p in self.problems],
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "written": self.written,
            "note": self.note,
            "segments": self.segments,
            "appended": self.appended,
            "compacted": self.compacted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildReport:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["skipped"] = [Skipped(**s) for s in data.get("skipped", [])]
        fields["problems"] = [Problem(**p) for p in data.get("problems", [])]
        return cls(**fields)

    def summary(self) -> str:
        action = f"wrote {self.version}" if self.written else "index unchanged"
        if self.written and self.appended:
            action += f": a segment of {self.appended} articles appended"
        elif self.compacted:
            action += ": segments merged into one"
        if self.segments > 1:
            action += f"; {self.segments} segments"
        return (
            f"{self.articles} articles, {self.chunks} chunks, {self.embedded} embedded, "
            f"{self.reused} reused, {self.removed} removed, {len(self.skipped)} skipped, "
            f"{self.seconds:.1f} s ({action})"
        )


@dataclass(frozen=True, slots=True)
class BuildOptions:
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    faiss: FaissSpec = field(default_factory=FaissSpec)
    max_article_chars: int = 2_000_000
    encode_batch: int = 256
    # Processes that attribute articles (spaCy parses one sentence stream per process).
    attribution_workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))
    # Updates append segments up to this many; one more merges them all into one.
    max_segments: int = 10
    compact: bool = False  # merge every segment into one now
    # A process that builds once and exits (`newsdesk index build`): start an attribution
    # worker before the corpus is read when it likely changed (``_workers_ahead``), so
    # spaCy loads meanwhile. A long-lived process keeps attributing in its own pipeline.
    attribute_ahead: bool = False


def chunking_spec(options: BuildOptions, embedder: Embedder) -> dict[str, object]:
    return {
        "tokens": options.chunk_tokens,
        "overlap": options.chunk_overlap,
        "encoding": TIKTOKEN_ENCODING,
        "model_limit": embedder.max_tokens,
        "rules": chunk_rules(),
    }


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions | None = None,
    *,
    progress: Progress | None = None,
    attributor: Attributor | None = None,
) -> BuildReport:
    """Bring the index at ``index_dir`` up to date with ``corpus_dir``.

    ``attributor`` finds who said what (default: spaCy's English pipeline, loaded only when
    an article needs attributing)."""
    options = options or BuildOptions()
    started = time.perf_counter()
    report = BuildReport()
    with (
        build_lock(index_dir),
        _workers_ahead(corpus_dir, index_dir, attributor, options) as workers,
    ):
        reading = read_corpus(corpus_dir, max_article_chars=options.max_article_chars)
        report.skipped = reading.skipped
        report.problems = reading.problems
        if not reading.articles:
            raise NothingToIndexError(
                f"nothing to index in {corpus_dir}: no usable article"
                + (f" ({len(reading.skipped)} skipped, listed above)" if reading.skipped else "")
                + "; add .txt, .md, .json or .jsonl articles (the previous index is unchanged)",
                details=tuple(f"skipped {s}" for s in reading.skipped),
            )
        _build(reading, index_dir, embedder, options, progress, attributor, workers, report)
    report.seconds = time.perf_counter() - started
    return report


def _build(
    reading: CorpusReading,
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions,
    progress: Progress | None,
    attributor: Attributor | None,
    workers: AttributionWorkers | None,
    report: BuildReport,
) -> None:
    """The build itself, under the build lock: fills in ``report``."""
    spec = chunking_spec(options, embedder)
    previous, reuse, report.note = _previous(index_dir, embedder, spec)
    # Stored chunk rows of live articles; their vectors are read only where needed.
    reusable = previous.article_chunks() if previous and reuse else {}

    chunker = Chunker(
        options.chunk_tokens,
        options.chunk_overlap,
        model_count=embedder.count_tokens,
        model_limit=embedder.max_tokens,
    )
    # Per article, in corpus order: its chunk spans, and whether they are reused.
    per_article: list[tuple[Article, list[ChunkRef], bool]] = []
    pending: list[str] = []
    for article in reading.articles:
        old = previous.articles.get(article.id) if previous else None
        if old is not None and old.content_hash == article.content_hash and article.id in reusable:
            refs = reusable[article.id]
            per_article.append((article, refs, True))
            report.reused += len(refs)
            continue
        chunks = chunker.chunk(article)
        per_article.append(
            (article, [ChunkRef(c.article_id, c.start, c.end) for c in chunks], False)
        )
        pending.extend(c.text for c in chunks)

    attribution = attribution_rules()
    # Attributing (spaCy) and embedding (ONNX Runtime) both spend their time in native
    # code: side by side they share the cores (an update of 10 RTQA articles: -0.8 s).
    attributed = _in_background(
        _statements,
        reading.articles,
        previous if previous and previous.manifest.attribution == attribution else None,
        attributor,
        options.attribution_workers,
        progress,
        workers,
    )
    new_vectors = _encode(embedder, pending, options.encode_batch, progress)
    statements = attributed()
    report.embedded = len(pending)
    report.articles = len(reading.articles)
    if previous:
        report.removed = len(set(previous.articles) - {a.id for a in reading.articles})

    cursor = 0
    rows: list[Row] = []
    for article, refs, reused in per_article:
        vectors = None
        if not reused:
            vectors = new_vectors[cursor : cursor + len(refs)]
            cursor += len(refs)
        rows.append((article, refs, vectors))
    # Date order makes every date window a contiguous range of rows (undated first).
    rows.sort(key=lambda row: (row[0].published or "", row[0].id))
    report.chunks = sum(len(refs) for _, refs, _ in rows)

    articles = {article.id: article for article, _, _ in rows}
    manifest = Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunking=spec,
        faiss={"kind": options.faiss.kind, "hnsw_m": options.faiss.hnsw_m},
        encoder=embedder.document_encoder,
        lexical=lexical_fingerprint(),
        attribution=attribution,
        articles={a.id: a.content_hash for a in articles.values()},
    )
    statements = {aid: statements[aid] for aid in articles}
    if (
        previous
        and _same(previous, manifest, articles, statements)
        and not (options.compact and len(previous.segments) > 1)
    ):
        report.version = previous.version
        report.segments = len(previous.segments)
    else:
        segments = None
        if previous and reuse and _settings_equal(previous.manifest, manifest):
            segments = _appended(previous, rows, articles, statements, embedder, options)
        if segments is None:
            report.compacted = previous is not None and len(previous.segments) > 1
            full = _with_vectors(rows, previous)
            segments = [_segment("", full, statements, embedder, options)]
        elif segments and segments[-1].folder is None:
            report.appended = len(segments[-1].articles)
        stored = StoredIndex(manifest, segments)
        report.version = stored.save(index_dir)
        report.written = True
        report.segments = len(segments)


def _in_background(call: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start ``call(*args)`` in a daemon thread (an interrupted build never waits for it);
    the returned function waits for its result, or raises its exception."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call(*args)))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="newsdesk-attribute", daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    return result


def _previous(
    index_dir: Path, embedder: Embedder, spec: dict[str, object]
) -> tuple[StoredIndex | None, bool, str]:
    """The current index (to count removals), whether its vectors can be reused, and why not."""
    try:
        previous = StoredIndex.load(index_dir, lexical=False, vectors=False)
    except IndexMissingError:
        return None, False, ""
    except (IndexCorruptError, IndexMismatchError) as exc:
        return None, False, f"previous index not reused: {exc}"
    old = previous.manifest
    if (old.model, old.dimension, old.encoder) != (
        embedder.name,
        embedder.dimension,
        embedder.document_encoder,
    ):
        note = f"previous index used model {old.model!r} ({old.encoder}): re-embedding everything"
        return previous, False, note
    if old.chunking != spec:
        return previous, False, "chunk settings changed: re-embedding everything"
    return previous, True, ""


def _settings_equal(old: Manifest, new: Manifest) -> bool:
    """Whether rows of ``old`` can sit beside rows made now (same model, chunks, BM25, rules)."""
    return (
        old.model == new.model
        and old.dimension == new.dimension
        and old.encoder == new.encoder
        and old.chunking == new.chunking
        and old.faiss == new.faiss
        and old.lexical == new.lexical
        and old.attribution == new.attribution
    )


def _same(
    previous: StoredIndex,
    manifest: Manifest,
    articles: dict[str, Article],
    statements: dict[str, tuple[Statement, ...]],
) -> bool:
    return (
        _settings_equal(previous.manifest, manifest)
        and previous.articles == articles
        and previous.statements == statements
    )


# An article, its chunk rows and their vectors: None while they are still only stored in
# the previous index (an append never reads the vectors of articles it does not rewrite).
Row = tuple[Article, list[ChunkRef], np.ndarray | None]


def _with_vectors(rows: list[Row], previous: StoredIndex | None) -> list[Row]:
    """``rows`` with the stored vectors of reused articles read from ``previous``."""
    stored_ids = [article.id for article, _, vectors in rows if vectors is None]
    if not stored_ids:
        return rows
    assert previous is not None
    stored = previous.article_vectors(stored_ids)
    return [
        (article, refs, stored[article.id][1] if vectors is None else vectors)
        for article, refs, vectors in rows
    ]


def _segment(
    name: str,
    rows: list[Row],
    statements: dict[str, tuple[Statement, ...]],
    embedder: Embedder,
    options: BuildOptions,
) -> Segment:
    """A new segment of ``rows`` (already in date order): vectors, BM25, statements."""
    refs = [ref for _, refs, _ in rows for ref in refs]
    articles = {article.id: article for article, _, _ in rows}
    index = new_faiss_index(embedder.dimension, options.faiss)
    if refs:
        index.add(np.vstack([v for _, _, v in rows]).astype(np.float32, copy=False))
    texts = [articles[r.article_id].text[r.start : r.end] for r in refs]
    return Segment(
        name,
        articles,
        refs,
        index,
        LexicalIndex.build(texts),
        {aid: statements[aid] for aid in articles},
    )


def _appended(
    previous: StoredIndex,
    rows: list[Row],
    articles: dict[str, Article],
    statements: dict[str, tuple[Statement, ...]],
    embedder: Embedder,
    options: BuildOptions,
) -> list[Segment] | None:
    """The previous segments (copies of changed and removed articles marked deleted; a
    segment with nothing live left is dropped) plus one new segment of the new and changed
    articles; None when that would exceed ``max_segments`` or ``compact`` is asked."""
    if options.compact:
        return None
    changed = {aid for aid, article in articles.items() if previous.articles.get(aid) != article}
    gone = changed | (set(previous.articles) - set(articles))
    kept: list[Segment] = []
    for segment in previous.segments:
        deleted = segment.deleted | (gone & set(segment.articles))
        if len(deleted) < len(segment.articles):
            kept.append(replace(segment, deleted=frozenset(deleted)))
    if changed:
        if len(kept) + 1 > options.max_segments:
            return None
        fresh = _with_vectors([row for row in rows if row[0].id in changed], previous)
        kept.append(_segment(new_segment_name(), fresh, statements, embedder, options))
    return kept


@contextlib.contextmanager
def _workers_ahead(
    corpus_dir: Path,
    index_dir: Path,
    attributor: Attributor | None,
    options: BuildOptions,
) -> Iterator[AttributionWorkers | None]:
    """Attribution workers started before the corpus is read, for a build process that
    asked for them (``attribute_ahead``) and will likely attribute: there is no index yet,
    it was attributed by other rules, or a corpus file changed since it was written. The
    first worker loads spaCy while this process reads the corpus and the previous index
    (about a second); more start when there are enough texts. None otherwise: attribution
    then runs in this process, or in workers started when there are enough texts."""
    from index.attribution_workers import AttributionWorkers, pipeline_loaded

    if (
        not options.attribute_ahead
        or attributor is not None
        or options.attribution_workers <= 1
        or pipeline_loaded()
        or not _corpus_changed(corpus_dir, current_manifest(index_dir))
    ):
        yield None
        return
    from index.attribution import SPACY_MODEL, Attributor

    with AttributionWorkers(
        SPACY_MODEL, Attributor().batch_size, options.attribution_workers
    ) as workers:
        yield workers


def _corpus_changed(corpus_dir: Path, manifest: Manifest | None) -> bool:
    """Whether a build may find articles to attribute: no index, other attribution rules,
    or a file of the corpus modified since the index was written (by its clock, to the
    second; a file touched in the same second counts as changed)."""
    if manifest is None or manifest.attribution != attribution_rules():
        return True
    try:
        written = calendar.timegm(time.strptime(manifest.created_at, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return True
    for folder, _, names in os.walk(corpus_dir):
        for name in names:
            with contextlib.suppress(OSError):
                if os.stat(os.path.join(folder, name)).st_mtime >= written:
                    return True
    return False


def _statements(
    articles: list[Article],
    previous: StoredIndex | None,
    attributor: Attributor | None,
    workers: int,
    progress: Progress | None,
    started: AttributionWorkers | None = None,
) -> dict[str, tuple[Statement, ...]]:
    """Each article's statements: kept from ``previous`` (attributed by the same rules)
    when its text is unchanged, found anew otherwise."""
    from index.attribution import Attributor
    from index.attribution_workers import attribute_texts

    kept = previous.statements if previous is not None and previous.statements else {}
    old = previous.articles if previous is not None else {}
    out: dict[str, tuple[Statement, ...]] = {}
    todo: list[Article] = []
    for article in articles:
        before = old.get(article.id)
        if (
            before is not None
            and before.content_hash == article.content_hash
            and article.id in kept
        ):
            out[article.id] = kept[article.id]
        else:
            todo.append(article)
    if todo:
        found = attribute_texts(
            [a.text for a in todo],
            attributor or Attributor(),
            workers=workers,
            progress=(lambda done: progress("attributing", done, len(todo))) if progress else None,
            started=started,
        )
        out.update((a.id, tuple(f)) for a, f in zip(todo, found, strict=True))
    return out


def _encode(
    embedder: Embedder, texts: list[str], batch: int, progress: Progress | None
) -> np.ndarray:
    """Encode in batches, longest first so each batch pads little, in the original order."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    if progress:
        progress("embedding", 0, len(texts))
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        out[rows] = embedder.encode_documents([texts[i] for i in rows])
        if progress:
            progress("embedding", min(start + batch, len(texts)), len(texts))
    return out
