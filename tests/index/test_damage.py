"""Damaged index files are refused before FAISS reads them, with the file and the fix named."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from core.errors import IndexCorruptError, IndexMismatchError
from index.builder import build_index
from index.store import CURRENT, MANIFEST, StoredIndex, check_compatible, read_pointer
from tests.fakes import HashEmbedder

TRUNCATIONS = 20
FLIPS = 100
FIX = "newsdesk index build"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    index = tmp_path_factory.mktemp("pristine") / "index"
    build_index(corpus, index, HashEmbedder())
    return index


def version_files(index: Path) -> list[Path]:
    folder = index / read_pointer(index)[0]
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def index(tmp_path, pristine) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(pristine, copy)
    return copy


def refused(index: Path, name: str) -> str:
    with pytest.raises((IndexCorruptError, IndexMismatchError)) as error:
        StoredIndex.load(index)
    message = str(error.value)
    assert "\n" not in message and FIX in message
    assert name in message, message
    return message


def test_truncations_at_twenty_offsets_of_every_file_are_refused(index):
    for path in version_files(index):
        data = path.read_bytes()
        offsets = sorted({int(len(data) * i / TRUNCATIONS) for i in range(TRUNCATIONS)})
        for offset in offsets:
            path.write_bytes(data[:offset])
            refused(index, path.name if path.name != MANIFEST else MANIFEST)
        path.write_bytes(data)
    StoredIndex.load(index)


def test_a_hundred_byte_flips_in_every_file_are_refused(index):
    rng = random.Random(6)
    for path in version_files(index):
        data = path.read_bytes()
        for _ in range(FLIPS):
            damaged = bytearray(data)
            position = rng.randrange(len(damaged))
            damaged[position] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(damaged))
            refused(index, path.name)
        path.write_bytes(data)
    StoredIndex.load(index)


@pytest.mark.parametrize(
    "victim", ["articles.jsonl", "chunks.jsonl", "vectors.faiss", "bm25/vocab.index.json"]
)
def test_a_missing_file_is_refused(index, victim):
    (index / read_pointer(index)[0] / victim).unlink()
    refused(index, Path(victim).name)


def _rewrite_with_valid_checksums(index: Path, name: str, change) -> None:
    """Alter a file *and* its manifest entry, as a buggy writer would."""
    import hashlib

    folder = index / read_pointer(index)[0]
    path = folder / name
    path.write_bytes(change(path.read_bytes()))
    manifest = json.loads((folder / MANIFEST).read_text())
    data = path.read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    raw = json.dumps(manifest).encode()
    (folder / MANIFEST).write_bytes(raw)
    version = read_pointer(index)[0]
    (index / CURRENT).write_text(f"{version}\n{hashlib.sha256(raw).hexdigest()}\n")


def test_an_extra_or_missing_metadata_row_is_refused(index, tmp_path):
    backup = tmp_path / "backup"
    shutil.copytree(index, backup)
    _rewrite_with_valid_checksums(index, "chunks.jsonl", lambda d: d + d.splitlines(True)[0])
    assert "vectors" in refused(index, "vectors.faiss")
    shutil.rmtree(index)
    shutil.copytree(backup, index)
    _rewrite_with_valid_checksums(index, "chunks.jsonl", lambda d: b"".join(d.splitlines(True)[1:]))
    refused(index, "vectors.faiss")


def test_an_index_of_another_dimension_is_refused(index):
    manifest = StoredIndex.load(index).manifest
    with pytest.raises(IndexMismatchError, match="32 dims"):
        check_compatible(manifest, manifest.model, 384)
    import hashlib

    folder = index / read_pointer(index)[0]
    data = json.loads((folder / MANIFEST).read_text())
    data["dimension"] = 384
    raw = json.dumps(data).encode()
    (folder / MANIFEST).write_bytes(raw)
    (index / CURRENT).write_text(f"{folder.name}\n{hashlib.sha256(raw).hexdigest()}\n")
    refused(index, "vectors.faiss")
