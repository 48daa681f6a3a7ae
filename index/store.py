"""The on-disk index: a folder of plain files, switched atomically, verified on load.

Layout of an index folder ``ROOT``::

    ROOT/CURRENT              "<version>\\n<sha256 of its manifest>\\n"
    ROOT/<version>/manifest.json   format, model, dimension, chunking, hashes of every file
    ROOT/<version>/articles.jsonl  one article a line, text included
    ROOT/<version>/chunks.jsonl    row i of the FAISS index: article id and character span
    ROOT/<version>/vectors.faiss   normalised embeddings, inner product
    ROOT/<version>/bm25/*          BM25 over the same rows (bm25s: .npy and .json files)
    ROOT/<version>/statements.jsonl  per article, its attributed sentences (speaker, stance)
    ROOT/.lock                     held by the one build allowed at a time

Rows are ordered by the article's publication date (undated first), so a date window is
a contiguous range of rows. A build writes a complete version into ``ROOT/.tmp-*``, renames
it into place and only then replaces ``CURRENT`` (``os.replace``): a reader sees the old
or the new index, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
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
from index.lexical import LexicalIndex
from index.types import Article, Statement

FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
BM25 = "bm25"
STATEMENTS = "statements.jsonl"
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
    format_version: int = FORMAT_VERSION
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("manifest is not an object")
        if data.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index format {data.get('format_version')!r} is not the supported "
                f"{FORMAT_VERSION}; {_REBUILD}"
            )
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(slots=True)
class StoredIndex:
    """An index in memory: manifest, articles, chunk spans and the FAISS index."""

    manifest: Manifest
    articles: dict[str, Article]
    chunks: list[ChunkRef]
    vectors: Any  # faiss.Index
    lexical: LexicalIndex | None  # None when loaded for a rebuild only
    version: str = ""
    # Per article id, its attributed sentences in text order (index/attribution.py); None
    # for an index built before attribution, which answers cannot use.
    statements: dict[str, tuple[Statement, ...]] | None = None
    _days: np.ndarray | None = field(default=None, repr=False, compare=False)

    def row_days(self) -> np.ndarray:
        """Each row's publication date as a day ordinal, -1 when undated (non-decreasing).

        Computed once (the load checks the order with it, the retriever ranks with it); a
        loaded index's rows do not change."""
        if self._days is None or len(self._days) != len(self.chunks):
            days = {aid: _day(a.published) for aid, a in self.articles.items()}
            self._days = np.fromiter(
                (days[c.article_id] for c in self.chunks), dtype=np.int64, count=len(self.chunks)
            )
        return self._days

    def chunk_text(self, row: int) -> str:
        ref = self.chunks[row]
        return self.articles[ref.article_id].text[ref.start : ref.end]

    def article_vectors(self) -> dict[str, tuple[list[ChunkRef], np.ndarray]]:
        """Each article's chunks with their stored vectors (for reuse by a rebuild)."""
        if not self.chunks:
            return {}
        matrix = self.vectors.reconstruct_n(0, len(self.chunks))
        rows: dict[str, list[int]] = {}
        for row, ref in enumerate(self.chunks):
            rows.setdefault(ref.article_id, []).append(row)
        return {aid: ([self.chunks[r] for r in rs], matrix[rs]) for aid, rs in rows.items()}

    # -- writing -------------------------------------------------------------------------

    def save(self, root: Path) -> str:
        """Write this index as a new version of ``root`` and make it current."""
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexWriteError(_write_message(root, exc)) from None
        previous = _current_version(root)
        tmp = root / f"{_TMP_PREFIX}{uuid.uuid4().hex[:12]}"
        version = time.strftime("v%Y%m%d-%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:8]
        try:
            tmp.mkdir()
            files = {
                ARTICLES: _write_jsonl(
                    tmp / ARTICLES, (_article_row(a) for a in self.articles.values())
                ),
                CHUNKS: _write_jsonl(tmp / CHUNKS, (asdict(c) for c in self.chunks)),
                VECTORS: _write_faiss(tmp / VECTORS, self.vectors),
            }
            if self.lexical is None:
                raise ValueError("an index without its BM25 part cannot be saved")
            if self.statements is None:
                raise ValueError("an index without its statements cannot be saved")
            files[STATEMENTS] = _write_jsonl(
                tmp / STATEMENTS,
                (
                    {"article_id": aid, "statements": [s.to_json() for s in found]}
                    for aid, found in self.statements.items()
                    if found
                ),
            )
            self.lexical.save(tmp / BM25)
            for name in BM25_FILES:
                files[f"{BM25}/{name}"] = _checksum(tmp / BM25 / name)
            self.manifest.files = files
            self.manifest.counts = {"articles": len(self.articles), "chunks": len(self.chunks)}
            self.manifest.created_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            manifest_bytes = self.manifest.to_json().encode("utf-8")
            _write_bytes(tmp / MANIFEST, manifest_bytes)
            _fsync_dir(tmp / BM25)
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
        _collect_garbage(root, keep={version, previous})
        return version

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path, *, lexical: bool = True) -> StoredIndex:
        """Load the current version, verifying every file against the manifest first.

        ``lexical=False`` skips the BM25 files (a rebuild, which only reuses vectors).
        """
        for attempt in range(3):
            try:
                return cls._load_once(root, lexical)
            except FileNotFoundError:
                # A concurrent build replaced and removed the version we were reading.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_once(cls, root: Path, with_lexical: bool) -> StoredIndex:
        version, manifest_hash = read_pointer(root)
        folder = root / version
        if not folder.is_dir():
            raise IndexCorruptError(f"index version folder {folder} is missing; {_REBUILD}")
        manifest = read_manifest(folder, manifest_hash)
        blobs = {
            name: _read_verified(folder, name, manifest) for name in (ARTICLES, CHUNKS, VECTORS)
        }
        try:
            articles = {a.id: a for a in map(_article_from_row, _jsonl(blobs[ARTICLES]))}
            chunks = [ChunkRef(**row) for row in _jsonl(blobs[CHUNKS])]
        except (ValueError, TypeError, KeyError) as exc:
            raise IndexCorruptError(
                f"index metadata in {folder} cannot be read ({exc}); {_REBUILD}"
            ) from None
        vectors = _read_faiss(blobs[VECTORS], folder / VECTORS)
        if vectors.ntotal != len(chunks) or vectors.d != manifest.dimension:
            raise IndexCorruptError(
                f"{folder / VECTORS} holds {vectors.ntotal} vectors of dimension {vectors.d} "
                f"but the metadata lists {len(chunks)} chunks of dimension {manifest.dimension}; "
                f"{_REBUILD}"
            )
        if any(c.article_id not in articles for c in chunks):
            raise IndexCorruptError(f"{folder / CHUNKS} names unknown articles; {_REBUILD}")
        lexical = None
        if with_lexical:
            for name in BM25_FILES:
                _read_verified(folder, f"{BM25}/{name}", manifest)
            try:
                lexical = LexicalIndex.load(folder / BM25, len(chunks))
            except (ValueError, OSError, KeyError) as exc:
                raise IndexCorruptError(
                    f"{folder / BM25} cannot be read ({exc}); {_REBUILD}"
                ) from None
        statements = None
        if manifest.attribution:
            try:
                statements = {aid: () for aid in articles}
                for row in _jsonl(_read_verified(folder, STATEMENTS, manifest)):
                    found = tuple(map(Statement.from_json, row["statements"]))
                    if row["article_id"] not in articles:
                        raise ValueError(f"statements of an unknown article {row['article_id']}")
                    statements[row["article_id"]] = found
            except (ValueError, TypeError, KeyError) as exc:
                raise IndexCorruptError(
                    f"{folder / STATEMENTS} cannot be read ({exc}); {_REBUILD}"
                ) from None
        index = cls(manifest, articles, chunks, vectors, lexical, version, statements)
        days = index.row_days()
        if len(days) > 1 and bool((np.diff(days) < 0).any()):
            raise IndexCorruptError(f"{folder / CHUNKS} is not in date order; {_REBUILD}")
        return index


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
    if len(data) != expected.get("bytes") or hashlib.sha256(data).hexdigest() != expected.get(
        "sha256"
    ):
        raise IndexCorruptError(
            f"index file {path} is damaged (size or checksum differs from the manifest); {_REBUILD}"
        )
    return data


def _read_faiss(data: bytes, path: Path) -> Any:
    import faiss

    try:
        return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError:
        raise IndexCorruptError(f"index file {path} cannot be read by FAISS; {_REBUILD}") from None


def _jsonl(data: bytes) -> Iterator[dict[str, Any]]:
    """Rows of a JSON Lines file, parsed line by line from the bytes.

    Decoding and splitting 37 MB (the RTQA articles) in single calls held the GIL for
    200 ms and stalled the bot's event loop during a hot swap; one short line at a time
    lets other threads run in between.
    """
    for line in io.BytesIO(data):
        if line.strip():
            yield json.loads(line)


def _article_row(article: Article) -> dict[str, Any]:
    return asdict(article)


def _article_from_row(row: dict[str, Any]) -> Article:
    return Article(**{**row, "aliases": tuple(row.get("aliases", ()))})
