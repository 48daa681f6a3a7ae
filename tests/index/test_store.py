"""The index folder: save/load round trip, atomic versions, and refusal of damaged files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from core.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
)
from index.builder import build_index
from index.lexical import FILES as BM25_FILES
from index.lexical import LENGTHS
from index.store import CHUNKS, CURRENT, VECTORS, StoredIndex, check_compatible
from tests.conftest import write


@pytest.fixture
def built(tmp_path, seed_corpus, fake_embedder) -> Path:
    folder = tmp_path / "index"
    build_index(seed_corpus, folder, fake_embedder)
    return folder


def current_folder(root: Path) -> Path:
    return root / (root / CURRENT).read_text().split("\n")[0]


def test_round_trip_keeps_articles_spans_and_vectors(built, seed_corpus):
    index = StoredIndex.load(built)
    assert index.segments[0].vectors.ntotal == len(index.chunks) > 0
    assert set(index.articles) == {"000_c0181eb0cece6f71", "004_6d7dcd92801b1fc8"}
    for row, ref in enumerate(index.chunks):
        text = (seed_corpus / index.articles[ref.article_id].path).read_text(encoding="utf-8")
        assert index.chunk_text(row) == text[ref.start : ref.end]
    manifest = index.manifest
    assert manifest.format_version == 2 and manifest.dimension == 32
    assert manifest.chunking["tokens"] == 200
    assert {"articles.jsonl", "chunks.jsonl", "vectors.faiss"} < set(manifest.files)
    assert {name for name in manifest.files if name.startswith("bm25/")} == {
        f"bm25/{name}" for name in (*BM25_FILES, LENGTHS)
    }
    assert set(manifest.articles) == set(index.articles)


def test_index_folder_holds_plain_files_only(built):
    folder = current_folder(built)
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == sorted(
        ["articles.jsonl", "chunks.jsonl", "manifest.json", "statements.jsonl", "vectors.faiss"]
        + [f"bm25/{name}" for name in (*BM25_FILES, LENGTHS)]
    )
    for path in folder.rglob("*.npy"):
        np.load(path, allow_pickle=False)  # refuses pickled content


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError, match="newsdesk index build"):
        StoredIndex.load(tmp_path / "nothing")


@pytest.mark.parametrize(
    "name",
    [
        "articles.jsonl",
        CHUNKS,
        VECTORS,
        "manifest.json",
        "statements.jsonl",
        "bm25/vocab.index.json",
    ],
)
def test_a_flipped_byte_in_any_file_is_refused_naming_the_file(built, name):
    path = current_folder(built) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=Path(name).name.replace(".", r"\.")):
        StoredIndex.load(built)


@pytest.mark.parametrize("name", [CHUNKS, VECTORS])
def test_truncated_and_missing_files_are_refused(built, name):
    path = current_folder(built) / name
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(IndexCorruptError, match="damaged"):
        StoredIndex.load(built)
    path.unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        StoredIndex.load(built)


def test_a_damaged_pointer_is_refused(built):
    (built / CURRENT).write_text("garbage")
    with pytest.raises(IndexCorruptError, match="CURRENT"):
        StoredIndex.load(built)


def test_another_model_is_refused_with_the_fix(built):
    manifest = StoredIndex.load(built).manifest
    with pytest.raises(IndexMismatchError, match="NEWSDESK_EMBEDDING_MODEL"):
        check_compatible(manifest, "other/model", 32)
    with pytest.raises(IndexMismatchError, match="768 dims"):
        check_compatible(manifest, manifest.model, 768)


def test_a_rebuild_switches_versions_and_keeps_only_the_previous_one(
    built, seed_corpus, fake_embedder
):
    versions = [StoredIndex.load(built).version]
    for n in range(3):
        write(seed_corpus / f"new{n}.txt", f"Headline {n}\n\nFresh text number {n}.")
        versions.append(build_index(seed_corpus, built, fake_embedder).version)
    assert StoredIndex.load(built).version == versions[-1]
    on_disk = sorted(p.name for p in built.iterdir() if p.is_dir())
    assert on_disk == sorted(versions[-2:])


@pytest.mark.parametrize("failing", ["write", "fsync", "rename", "replace"])
def test_disk_errors_leave_the_old_index_and_no_temporary_files(
    built, seed_corpus, fake_embedder, monkeypatch, failing
):
    before = StoredIndex.load(built).version
    write(seed_corpus / "extra.txt", "Extra\n\nAnother article arrives.")
    real = {"fsync": os.fsync, "rename": os.rename, "replace": os.replace}

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        monkeypatch.setattr("index.store._write_jsonl", boom)
    else:
        monkeypatch.setattr(os, failing, boom)
    with pytest.raises(IndexWriteError, match="No space left on device"):
        build_index(seed_corpus, built, fake_embedder)
    for name, func in real.items():
        monkeypatch.setattr(os, name, func)
    assert StoredIndex.load(built).version == before
    leftovers = [p.name for p in built.iterdir() if p.name.startswith((".tmp", "CURRENT."))]
    assert leftovers == []
    assert len([p for p in built.iterdir() if p.is_dir()]) == 1
