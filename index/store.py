"""The on-disk index: a folder of plain files, switched atomically, verified on load.

Layout of an index folder ``ROOT``::

    ROOT/CURRENT              "<version>\n<sha256 of its manifest>\n"
    ROOT/<version>/manifest.json   format, model, dimension, chunking, segments, hashes of
                                   every file
    ROOT/<version>/articles.jsonl  the base segment: one article a line, text included
    ROOT/<version>/chunks.jsonl    row i of its FAISS index: article id and character span
    ROOT/<version>/vectors.faiss   normalised embeddings, inner product
    ROOT/<version>/bm25/*          BM25 over the same rows (bm25s: .npy and .json files)
    ROOT/<version>/statements.jsonl  per article, its attributed sentences (speaker, stance)
    ROOT/<version>/segments/<name>/...  segments appended by updates, the same five parts
    ROOT/.lock                     held by the one build allowed at a time

An index version is a list of immutable segments (as in Lucene): a full build writes one,
an update appends one holding only the new and changed articles and lists, in the new
manifest, the articles of older segments it replaces or the corpus dropped (their rows are
never returned). A segment's files are written once; later versions hard-link them (a copy
where the file system cannot link), so an update writes its new segment and a manifest,
not the archive. Compaction merges every segment into a new base segment.

Within a segment, rows are ordered by the article's publication date (undated first), so a
date window is one contiguous range of rows per segment. A build writes a complete version
into ``ROOT/.tmp-*``, renames it into place and only then replaces ``CURRENT``
(``os.replace``): a reader sees the old or the new index, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import (
    ConfigError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
)
from index.lexical import FILES as BM25_FILES
from index.lexical import LENGTHS, LexicalIndex
from index.types import Article, Statement

FORMAT_VERSION = 2  # 2: segments; a version-1 index is read as one base segment
_READABLE_FORMATS = (1, FORMAT_VERSION)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
BM25 = "bm25"
STATEMENTS = "statements.jsonl"
SEGMENTS = "segments"
_TMP_PREFIX = ".tmp-"
_REBUILD = "rebuild it with `newsdesk index build`"


@dataclass(frozen=True, slots=True)
class ChunkRef:
    """Row ``i`` of the vector index: a span of one article."""

    article_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FaissSpec:
    """How the vector index is built: exact (flat) or approximate (HNSW)."""

    kind: str = "flat"
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80


@dataclass(slots=True)
class Manifest:
    """What an index holds and how it was made; checked before any other file is read."""

    model: str
    dimension: int
    chunking: dict[str, Any]
    faiss: dict[str, Any]
    articles: dict[str, str]  # article id -> content hash
    encoder: str = ""  # how the documents were encoded, e.g. "onnx-int8"
    lexical: str = ""  # fingerprint of the BM25 settings (a change rebuilds BM25 only)
    attribution: str = ""  # fingerprint of the attribution rules and model ("" before them)
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # In row order: {"name", "articles", "chunks", "deleted": [article ids]}; "" is the base
    # segment (files at the version's root). Empty in a version-1 manifest: one base segment.
    segments: list[dict[str, Any]] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("manifest is not an object")
        if data.get("format_version") not in _READABLE_FORMATS:
            raise IndexMismatchError(
                f"index format {data.get('format_version')!r} is not one this Newsdesk reads "
                f"({', '.join(map(str, _READABLE_FORMATS))}); {_REBUILD}"
            )
        manifest = cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        if not manifest.segments:
            counts = manifest.counts
            manifest.segments = [
                {
                    "name": "",
                    "articles": counts.get("articles", 0),
                    "chunks": counts.get("chunks", 0),
                    "deleted": [],
                }
            ]
        return manifest


_SEGMENT_NAME = re.compile(r"seg-[0-9a-z-]{1,40}")


def segment_files() -> tuple[str, ...]:
    """The files every segment has, relative to its folder."""
    return (ARTICLES, CHUNKS, VECTORS, STATEMENTS, *(f"{BM25}/{n}" for n in BM25_FILES))


# Files a segment may have: BM25 row lengths are missing from indexes built before them.
_OPTIONAL_FILES = (f"{BM25}/{LENGTHS}",)


def new_segment_name() -> str:
    return time.strftime("seg-%Y%m%d%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:8]


@dataclass(slots=True)
class Segment:
    """An immutable part of an index version: some articles, their chunk rows (in date
    order), vectors, BM25 and statements. ``deleted`` names its articles that a later
    segment replaced or a build removed: their rows are never returned."""

    name: str  # "" for the base segment, whose files are at the version's root
    articles: dict[str, Article]
    chunks: list[ChunkRef]
    vectors: Any  # faiss.Index; None when loaded without them (read by ``vector_index``)
    lexical: LexicalIndex | None  # None when loaded for a rebuild only
    statements: dict[str, tuple[Statement, ...]] | None
    deleted: frozenset[str] = frozenset()
    # Where a stored segment's files are, and their checksums: saving links them.
    folder: Path | None = None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{SEGMENTS}/{self.name}/" if self.name else ""

    def vector_index(self) -> Any:
        """The segment's FAISS index, read from its folder (and verified) if it was loaded
        without it."""
        if self.vectors is None:
            if self.folder is None or VECTORS not in self.files:
                raise ValueError(f"segment {self.name!r} has no vectors to read")
            path = self.folder / VECTORS
            try:
                data = _verified(path, path.read_bytes(), self.files[VECTORS])
            except FileNotFoundError:
                raise IndexCorruptError(f"index file {path} is missing; {_REBUILD}") from None
            self.vectors = _checked_faiss(data, path, len(self.chunks), None)
        return self.vectors

    def excluded(self) -> np.ndarray | None:
        """A mask of the rows of deleted articles; None when every row is live."""
        if not self.deleted:
            return None
        return np.fromiter(
            (c.article_id in self.deleted for c in self.chunks), dtype=bool, count=len(self.chunks)
        )


@dataclass(slots=True)
class StoredIndex:
    """An index version in memory: its manifest and segments, and their live articles.

    Rows are numbered across segments in order (segment ``i``'s rows are
    ``bounds[i][0]..bounds[i][1]-1``); ``chunks`` lists every row, deleted ones included
    (search never returns those), and ``articles`` and ``statements`` only live articles.
    """

    manifest: Manifest
    segments: list[Segment]
    version: str = ""
    articles: dict[str, Article] = field(init=False)
    chunks: list[ChunkRef] = field(init=False)
    # Per article id, its attributed sentences in text order (index/attribution.py); None
    # for an index built before attribution, which answers cannot use.
    statements: dict[str, tuple[Statement, ...]] | None = field(init=False)
    bounds: list[tuple[int, int]] = field(init=False)
    _days: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.articles, self.chunks, self.bounds = {}, [], []
        attributed = all(segment.statements is not None for segment in self.segments)
        self.statements = {} if attributed else None
        for segment in self.segments:
            self.bounds.append((len(self.chunks), len(self.chunks) + len(segment.chunks)))
            self.chunks.extend(segment.chunks)
            for aid, article in segment.articles.items():
                if aid in segment.deleted:
                    continue
                if aid in self.articles:
                    raise ValueError(f"article {aid} is live in two segments")
                self.articles[aid] = article
                if self.statements is not None and segment.statements is not None:
                    self.statements[aid] = segment.statements.get(aid, ())

    @classmethod
    def of(
        cls,
        manifest: Manifest,
        articles: dict[str, Article],
        chunks: list[ChunkRef],
        vectors: Any,
        lexical: LexicalIndex | None,
        *,
        statements: dict[str, tuple[Statement, ...]] | None = None,
        version: str = "",
    ) -> StoredIndex:
        """An index of one (base) segment."""
        return cls(manifest, [Segment("", articles, chunks, vectors, lexical, statements)], version)

    def row_days(self) -> np.ndarray:
        """Each row's publication date as a day ordinal, -1 when undated (non-decreasing
        within each segment).

        Computed once (the load checks the order with it, the retriever ranks with it); a
        loaded index's rows do not change."""
        if self._days is None or len(self._days) != len(self.chunks):
            days: dict[str, int] = {}
            for segment in self.segments:
                days.update((aid, _day(a.published)) for aid, a in segment.articles.items())
            self._days = np.fromiter(
                (days[c.article_id] for c in self.chunks), dtype=np.int64, count=len(self.chunks)
            )
        return self._days

    def live_rows(self) -> np.ndarray:
        """A mask of the rows search may return (not those of deleted articles)."""
        masks = []
        for segment in self.segments:
            excluded = segment.excluded()
            masks.append(
                np.ones(len(segment.chunks), dtype=bool) if excluded is None else ~excluded
            )
        return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)

    def chunk_text(self, row: int) -> str:
        ref = self.chunks[row]
        return self.articles[ref.article_id].text[ref.start : ref.end]

    def article_chunks(self) -> dict[str, list[ChunkRef]]:
        """Each live article's chunk rows, in text order."""
        out: dict[str, list[ChunkRef]] = {}
        for segment in self.segments:
            for ref in segment.chunks:
                if ref.article_id not in segment.deleted:
                    out.setdefault(ref.article_id, []).append(ref)
        return out

    def article_vectors(
        self, ids: Collection[str] | None = None
    ) -> dict[str, tuple[list[ChunkRef], np.ndarray]]:
        """Live articles' chunks with their stored vectors (for reuse by a rebuild): those
        of ``ids``, or all. Only segments holding one of them have their vectors read."""
        out: dict[str, tuple[list[ChunkRef], np.ndarray]] = {}
        wanted = None if ids is None else set(ids)
        for segment in self.segments:
            rows: dict[str, list[int]] = {}
            for row, ref in enumerate(segment.chunks):
                aid = ref.article_id
                if aid not in segment.deleted and (wanted is None or aid in wanted):
                    rows.setdefault(aid, []).append(row)
            if not rows:
                continue
            matrix = segment.vector_index().reconstruct_n(0, len(segment.chunks))
            out.update(
                (aid, ([segment.chunks[r] for r in rs], matrix[rs])) for aid, rs in rows.items()
            )
        return out

    # -- writing -------------------------------------------------------------------------

    def save(self, root: Path) -> str:
        """Write this index as a new version of ``root`` and make it current.

        Segments loaded from ``root`` are hard-linked from their folder (copied where the
        file system cannot link): only new segments and the manifest are written."""
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexWriteError(_write_message(root, exc)) from None
        previous = _current_version(root)
        tmp = root / f"{_TMP_PREFIX}{uuid.uuid4().hex[:12]}"
        version = time.strftime("v%Y%m%d-%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:8]
        try:
            tmp.mkdir()
            written = [self._save_segment(segment, tmp) for segment in self.segments]
            self.manifest.files = {
                segment.prefix + name: entry
                for segment, files in zip(self.segments, written, strict=True)
                for name, entry in files.items()
            }
            self.manifest.segments = [
                {
                    "name": segment.name,
                    "articles": len(segment.articles),
                    "chunks": len(segment.chunks),
                    "deleted": sorted(segment.deleted),
                }
                for segment in self.segments
            ]
            self.manifest.counts = {
                "articles": len(self.articles),
                "chunks": len(self.chunks),
                "segments": len(self.segments),
            }
            self.manifest.format_version = FORMAT_VERSION
            self.manifest.created_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            manifest_bytes = self.manifest.to_json().encode("utf-8")
            _write_bytes(tmp / MANIFEST, manifest_bytes)
            for segment in self.segments:
                _fsync_dir(tmp / segment.prefix / BM25)
                _fsync_dir(tmp / segment.prefix)
            if (tmp / SEGMENTS).is_dir():
                _fsync_dir(tmp / SEGMENTS)
            _fsync_dir(tmp)
            os.rename(tmp, root / version)
            _fsync_dir(root)
            pointer = f"{version}\n{hashlib.sha256(manifest_bytes).hexdigest()}\n"
            _write_bytes(root / f"{CURRENT}.tmp", pointer.encode())
            os.replace(root / f"{CURRENT}.tmp", root / CURRENT)
            _fsync_dir(root)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            with contextlib.suppress(OSError):
                (root / f"{CURRENT}.tmp").unlink(missing_ok=True)
            if _current_version(root) == version:
                reason = exc.strerror or str(exc)
                raise IndexWriteError(
                    f"the new index {version} is in place in {root}, but flushing it to disk "
                    f"failed: {reason}; check the disk, then build again"
                ) from None
            shutil.rmtree(root / version, ignore_errors=True)
            raise IndexWriteError(_write_message(root, exc)) from None
        self.version = version
        for segment, files in zip(self.segments, written, strict=True):
            segment.folder, segment.files = root / version / segment.prefix, files
        _collect_garbage(root, keep={version, previous})
        return version

    @staticmethod
    def _save_segment(segment: Segment, tmp: Path) -> dict[str, dict[str, Any]]:
        """Write (or link) one segment's files under ``tmp``; their checksums by name."""
        target = tmp / segment.prefix
        target.mkdir(parents=True, exist_ok=True)
        if segment.folder is not None and segment.files:
            (target / BM25).mkdir()
            for name in segment.files:
                _link_or_copy(segment.folder / name, target / name)
            return dict(segment.files)
        if segment.lexical is None:
            raise ValueError("an index without its BM25 part cannot be saved")
        if segment.statements is None:
            raise ValueError("an index without its statements cannot be saved")
        files = {
            ARTICLES: _write_jsonl(
                target / ARTICLES, (_article_row(a) for a in segment.articles.values())
            ),
            CHUNKS: _write_jsonl(target / CHUNKS, (asdict(c) for c in segment.chunks)),
            VECTORS: _write_faiss(target / VECTORS, segment.vectors),
            STATEMENTS: _write_jsonl(
                target / STATEMENTS,
                (
                    {"article_id": aid, "statements": [s.to_json() for s in found]}
                    for aid, found in segment.statements.items()
                    if found
                ),
            ),
        }
        segment.lexical.save(target / BM25)
        for name in (*BM25_FILES, LENGTHS):
            if name != LENGTHS or segment.lexical.lengths is not None:
                files[f"{BM25}/{name}"] = _checksum(target / BM25 / name)
        return files

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path, *, lexical: bool = True, vectors: bool = True) -> StoredIndex:
        """Load the current version, verifying every file against the manifest first.

        ``lexical=False`` skips the BM25 files (a rebuild, which only reuses vectors);
        ``vectors=False`` defers each segment's vectors until ``Segment.vector_index`` (an
        update that appends a segment never reads the older ones' vectors).
        """
        for attempt in range(3):
            try:
                return cls._load_once(root, lexical, vectors)
            except FileNotFoundError:
                # A concurrent build replaced and removed the version we were reading.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_once(cls, root: Path, with_lexical: bool, with_vectors: bool) -> StoredIndex:
        version, manifest_hash = read_pointer(root)
        folder = root / version
        if not folder.is_dir():
            raise IndexCorruptError(f"index version folder {folder} is missing; {_REBUILD}")
        manifest = read_manifest(folder, manifest_hash)
        segments = [
            _load_segment(folder, entry, manifest, with_lexical, with_vectors)
            for entry in manifest.segments
        ]
        try:
            index = cls(manifest, segments, version)
        except ValueError as exc:
            raise IndexCorruptError(f"{folder / MANIFEST}: {exc}; {_REBUILD}") from None
        days = index.row_days()
        for lo, hi in index.bounds:
            if hi - lo > 1 and bool((np.diff(days[lo:hi]) < 0).any()):
                raise IndexCorruptError(f"{folder}: rows are not in date order; {_REBUILD}")
        return index


def _load_segment(
    version_folder: Path,
    entry: dict[str, Any],
    manifest: Manifest,
    with_lexical: bool,
    with_vectors: bool,
) -> Segment:
    name = entry.get("name", "")
    if not isinstance(name, str) or (name and not _SEGMENT_NAME.fullmatch(name)):
        raise IndexCorruptError(f"{version_folder / MANIFEST} names a bad segment; {_REBUILD}")
    prefix = f"{SEGMENTS}/{name}/" if name else ""
    folder = version_folder / prefix
    files = {
        part: manifest.files[prefix + part]
        for part in (*segment_files(), *_OPTIONAL_FILES)
        if prefix + part in manifest.files
    }
    complete = all(part in files for part in segment_files())
    # Vectors can wait only where the segment's files are all listed (to verify later).
    deferred = not with_vectors and complete
    parts = (ARTICLES, CHUNKS) if deferred else (ARTICLES, CHUNKS, VECTORS)
    blobs = {part: _read_verified(version_folder, prefix + part, manifest) for part in parts}
    try:
        articles = {a.id: a for a in map(_article_from_row, _jsonl(blobs[ARTICLES]))}
        chunks = [ChunkRef(**row) for row in _jsonl(blobs[CHUNKS])]
        deleted = frozenset(str(d) for d in entry.get("deleted", []))
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(
            f"index metadata in {folder} cannot be read ({exc}); {_REBUILD}"
        ) from None
    vectors = None
    if not deferred:
        vectors = _checked_faiss(blobs[VECTORS], folder / VECTORS, len(chunks), manifest.dimension)
    if any(c.article_id not in articles for c in chunks) or not deleted <= set(articles):
        raise IndexCorruptError(f"{folder / CHUNKS} names unknown articles; {_REBUILD}")
    lexical = None
    if with_lexical:
        with_lengths = f"{prefix}{BM25}/{LENGTHS}" in manifest.files
        for bm25_name in (*BM25_FILES, LENGTHS) if with_lengths else BM25_FILES:
            _read_verified(version_folder, f"{prefix}{BM25}/{bm25_name}", manifest)
        try:
            lexical = LexicalIndex.load(folder / BM25, len(chunks), lengths=with_lengths)
        except (ValueError, OSError, KeyError) as exc:
            raise IndexCorruptError(f"{folder / BM25} cannot be read ({exc}); {_REBUILD}") from None
    statements = None
    if manifest.attribution:
        try:
            statements = {aid: () for aid in articles}
            raw = _read_verified(version_folder, prefix + STATEMENTS, manifest)
            for row in _jsonl(raw):
                found = tuple(map(Statement.from_json, row["statements"]))
                if row["article_id"] not in articles:
                    raise ValueError(f"statements of an unknown article {row['article_id']}")
                statements[row["article_id"]] = found
        except (ValueError, TypeError, KeyError) as exc:
            raise IndexCorruptError(
                f"{folder / STATEMENTS} cannot be read ({exc}); {_REBUILD}"
            ) from None
    return Segment(
        name,
        articles,
        chunks,
        vectors,
        lexical,
        statements,
        deleted,
        folder=folder,
        files=files if complete else {},
    )


def check_index_folder(root: Path) -> None:
    """Refuse an index path that names a file (or something else that is not a folder)."""
    if root.exists() and not root.is_dir():
        raise ConfigError(
            f"{root} is a file, not an index folder; pass --index with a folder "
            "(or set NEWSDESK_INDEX_DIR)"
        )


def read_pointer(root: Path) -> tuple[str, str]:
    """The current version's folder name and manifest hash."""
    check_index_folder(root)
    if not root.exists():
        raise IndexMissingError(f"no index at {root}; build one with `newsdesk index build`")
    try:
        lines = (root / CURRENT).read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise IndexMissingError(
            f"no index at {root}; build one with `newsdesk index build`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{root / CURRENT} cannot be read ({exc}); {_REBUILD}") from None
    if len(lines) < 2 or not lines[0].startswith("v") or "/" in lines[0] or len(lines[1]) != 64:
        raise IndexCorruptError(f"{root / CURRENT} is damaged; {_REBUILD}")
    return lines[0], lines[1]


def current_manifest(root: Path) -> Manifest | None:
    """The current version's manifest (checked against its pointer), or None where there
    is no readable index."""
    try:
        version, manifest_hash = read_pointer(root)
        return read_manifest(root / version, manifest_hash)
    except (ConfigError, IndexMissingError, IndexCorruptError, IndexMismatchError):
        return None


def read_manifest(folder: Path, expected_hash: str | None = None) -> Manifest:
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IndexCorruptError(f"{path} is missing; {_REBUILD}") from None
    if expected_hash is not None and hashlib.sha256(raw).hexdigest() != expected_hash:
        raise IndexCorruptError(f"{path} is damaged (checksum mismatch); {_REBUILD}")
    try:
        return Manifest.from_json(raw)
    except (ValueError, TypeError) as exc:
        raise IndexCorruptError(f"{path} cannot be read ({exc}); {_REBUILD}") from None


def check_model_name(manifest: Manifest, model: str) -> None:
    """Refuse an index made with another embedding model, before the model is loaded."""
    if manifest.model != model:
        raise IndexMismatchError(
            f"the index was built with model {manifest.model!r} but the configured model is "
            f"{model!r}; set NEWSDESK_EMBEDDING_MODEL back or {_REBUILD}"
        )


def check_compatible(manifest: Manifest, model: str, dimension: int) -> None:
    """Refuse an index made with another embedding model than the one loaded."""
    if manifest.model != model or manifest.dimension != dimension:
        raise IndexMismatchError(
            f"the index was built with model {manifest.model!r} ({manifest.dimension} dims) but "
            f"the configured model is {model!r} ({dimension} dims); set NEWSDESK_EMBEDDING_MODEL "
            f"back or {_REBUILD}"
        )


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the index folder's build lock; a second builder gets ``IndexBusyError``."""
    check_index_folder(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise IndexWriteError(_write_message(root, exc)) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another build is already writing {root}; wait for it to finish"
            ) from None
        for stale in root.glob(f"{_TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (root / f"{CURRENT}.tmp").unlink()
        yield


def new_faiss_index(dimension: int, spec: FaissSpec) -> Any:
    import faiss

    if spec.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.hnsw_ef_construction
        return index
    return faiss.IndexFlatIP(dimension)


# -- helpers -------------------------------------------------------------------------------


def _current_version(root: Path) -> str | None:
    try:
        return read_pointer(root)[0]
    except (IndexMissingError, IndexCorruptError):
        return None


def _collect_garbage(root: Path, keep: set[str | None]) -> None:
    """Remove versions but the new and the one it replaced (readers may still hold that one)."""
    for path in root.iterdir():
        if path.is_dir() and path.name.startswith("v") and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _write_message(root: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return (
        f"cannot write the index in {root}: {reason}; free space or fix the folder's "
        "permissions and build again (the previous index is unchanged)"
    )


def _write_bytes(path: Path, data: bytes) -> dict[str, Any]:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> dict[str, Any]:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    return _write_bytes(path, data)


def _write_faiss(path: Path, index: Any) -> dict[str, Any]:
    import faiss

    data = faiss.serialize_index(index).tobytes()
    return _write_bytes(path, data)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a stored file into a new version (it is never written again); copy it
    where the file system cannot link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
        with open(target, "rb") as fh:
            os.fsync(fh.fileno())


def _checksum(path: Path) -> dict[str, Any]:
    """Checksum a file another library wrote, after making it durable."""
    with open(path, "rb") as fh:
        data = fh.read()
        os.fsync(fh.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _day(published: str | None) -> int:
    if not published:
        return -1
    try:
        return date.fromisoformat(published).toordinal()
    except ValueError:
        return -1


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_verified(folder: Path, name: str, manifest: Manifest) -> bytes:
    path = folder / name
    expected = manifest.files.get(name)
    if not expected:
        raise IndexCorruptError(f"{folder / MANIFEST} does not list {name}; {_REBUILD}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not folder.exists():
            raise
        raise IndexCorruptError(f"index file {path} is missing; {_REBUILD}") from None
    return _verified(path, data, expected)


def _verified(path: Path, data: bytes, expected: dict[str, Any]) -> bytes:
    """``data``, refused unless its size and checksum are those the manifest lists."""
    if len(data) != expected.get("bytes") or hashlib.sha256(data).hexdigest() != expected.get(
        "sha256"
    ):
        raise IndexCorruptError(
            f"index file {path} is damaged (size or checksum differs from the manifest); {_REBUILD}"
        )
    return data


def _checked_faiss(data: bytes, path: Path, rows: int, dimension: int | None) -> Any:
    """The FAISS index in ``data``, refused unless it holds ``rows`` vectors (of
    ``dimension``, when given)."""
    import faiss

    try:
        vectors = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError:
        raise IndexCorruptError(f"index file {path} cannot be read by FAISS; {_REBUILD}") from None
    if vectors.ntotal != rows or (dimension is not None and vectors.d != dimension):
        raise IndexCorruptError(
            f"{path} holds {vectors.ntotal} vectors of dimension {vectors.d} but the metadata "
            f"lists {rows} chunks of dimension {dimension or vectors.d}; {_REBUILD}"
        )
    return vectors


def _jsonl(data: bytes) -> Iterator[dict[str, Any]]:
    """Rows of a JSON Lines file, parsed a block of lines (about 256 KB) at a time.

    One ``json.loads`` a line spent most of a load in call overhead (46k chunk rows: 170 ms
    against 36 ms in one call), but one call over 37 MB (the RTQA articles) held the GIL
    for 200 ms and stalled the bot's event loop during a hot swap; a block is parsed in a
    few milliseconds, and other threads run in between.
    """
    start, size = 0, len(data)
    while start < size:
        end = data.find(b"\n", min(start + _JSONL_BLOCK, size - 1))
        end = size if end < 0 else end
        lines = [line for line in data[start:end].split(b"\n") if line.strip()]
        if lines:
            yield from json.loads(b"[" + b",".join(lines) + b"]")
        start = end + 1


_JSONL_BLOCK = 256 * 1024


def _article_row(article: Article) -> dict[str, Any]:
    return asdict(article)


def _article_from_row(row: dict[str, Any]) -> Article:
    return Article(**{**row, "aliases": tuple(row.get("aliases", ()))})
