"""Updates append segments: only what changed is written, and search over segments finds
what a compacted index finds; replaced and removed articles are never returned."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import IndexCorruptError
from index.builder import BuildOptions, build_index
from index.retriever import Retriever
from index.store import CURRENT, MANIFEST, StoredIndex
from tests.conftest import SEED_CORPUS, write
from tests.fakes import HashEmbedder

NEWS = {
    "dam": "Dam\n\nThe river authority said on Monday the Kelby dam was safe after the quake.",
    "ferry": "Ferries\n\nFerries to Kelby will run every half hour, the ferry company said.",
    "school": "Schools\n\nSchools in Kelby reopened on Tuesday, the education office said.",
    "power": "Power\n\nPower was restored to 3,000 homes in Kelby, the grid operator said.",
}


def seed_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEED_CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    return corpus


def version_bytes(index: Path) -> tuple[int, int]:
    """(bytes of the current version, bytes of files not linked from an older version)."""
    version = (index / CURRENT).read_text().split()[0]
    files = [p for p in (index / version).rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), sum(
        p.stat().st_size for p in files if p.stat().st_nlink == 1
    )


def test_an_update_appends_a_segment_and_links_the_rest(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    write(corpus / "dam.txt", NEWS["dam"])
    report = build_index(corpus, index, HashEmbedder())
    assert (report.appended, report.segments, report.written) == (1, 2, True)
    assert "a segment of 1 articles appended; 2 segments" in report.summary()
    stored = StoredIndex.load(index)
    assert [s.name == "" for s in stored.segments] == [True, False]
    assert len(stored.articles) == 3
    total, new = version_bytes(index)
    assert new < total / 3  # the base segment's files are links, not copies


def test_a_changed_article_replaces_its_old_rows(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    write(corpus / "dam.txt", NEWS["dam"])
    build_index(corpus, index, HashEmbedder())
    write(corpus / "dam.txt", NEWS["dam"].replace("was safe", "was cracked"))
    build_index(corpus, index, HashEmbedder())
    stored = StoredIndex.load(index)
    assert stored.segments[0].deleted == {"dam"}
    assert "was cracked" in stored.articles["dam"].text
    found = Retriever(stored, HashEmbedder(), mode="bm25").search("Kelby dam safe", k=5)
    texts = [p.text for p in found.passages if p.article.id == "dam"]
    assert texts and all("was cracked" in t for t in texts)
    live = stored.live_rows()
    assert sum(live) == len(stored.chunks) - sum(
        c.article_id == "dam" for c in stored.segments[0].chunks
    )


def test_a_removed_article_is_never_returned_and_writes_no_segment(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    write(corpus / "dam.txt", NEWS["dam"])
    build_index(corpus, index, HashEmbedder())
    (corpus / "dam.txt").unlink()
    report = build_index(corpus, index, HashEmbedder())
    assert (report.removed, report.appended, report.segments) == (1, 0, 1)
    stored = StoredIndex.load(index)
    assert "dam" not in stored.articles
    for mode in ("dense", "bm25", "hybrid"):
        found = Retriever(stored, HashEmbedder(), mode=mode).search("Kelby dam quake", k=10)
        assert all(p.article.id != "dam" for p in found.passages)


def test_a_segment_with_nothing_live_left_is_dropped(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    write(corpus / "dam.txt", NEWS["dam"])
    build_index(corpus, index, HashEmbedder())
    write(corpus / "dam.txt", NEWS["dam"] + " It was built in 1961.")
    report = build_index(corpus, index, HashEmbedder())
    assert report.segments == 2  # base + the newest dam; the first dam segment is gone


def test_past_the_limit_segments_are_merged_into_one(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    options = BuildOptions(max_segments=3)
    build_index(corpus, index, HashEmbedder(), options)
    counts = []
    for name, text in NEWS.items():
        write(corpus / f"{name}.txt", text)
        report = build_index(corpus, index, HashEmbedder(), options)
        counts.append((report.segments, report.compacted))
    assert counts == [(2, False), (3, False), (1, True), (2, False)]
    embedder = HashEmbedder()
    report = build_index(corpus, index, embedder, replace(options, compact=True))
    assert (report.segments, report.compacted, embedder.embedded) == (1, True, 0)
    assert len(StoredIndex.load(index).articles) == 6


def test_compact_on_a_single_segment_writes_nothing(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    report = build_index(corpus, index, HashEmbedder(), BuildOptions(compact=True))
    assert not report.written


QUESTIONS = [
    "did Iran confirm the crash?",
    "what did the defence ministry say?",
    "Is the Kelby dam safe after the quake?",
    "When do the ferries run?",
    "How many homes got power back?",
    "Did schools reopen?",
    "Caspian Sea missiles",
    "The dam, the Kelby dam: is the dam safe?",  # a repeated word counts each time
]


@pytest.mark.parametrize("parts", ["merged in memory", "one per segment"])
@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_search_over_segments_finds_what_a_compacted_index_finds(
    tmp_path: Path, real_embedder, mode: str, parts: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    if parts == "one per segment":
        monkeypatch.setattr(
            "index.retriever.search_groups", lambda sizes: [[i] for i in range(len(sizes))]
        )
    corpus = seed_copy(tmp_path)
    segmented, compacted = tmp_path / "segmented", tmp_path / "compacted"
    build_index(corpus, segmented, real_embedder)
    for name, text in NEWS.items():
        write(corpus / f"{name}.txt", text)
        build_index(corpus, segmented, real_embedder)
    build_index(corpus, compacted, real_embedder)
    a, b = StoredIndex.load(segmented), StoredIndex.load(compacted)
    assert (len(a.segments), len(b.segments)) == (5, 1)
    for question in QUESTIONS:
        x = Retriever(a, real_embedder, mode=mode).search(question, k=5)
        y = Retriever(b, real_embedder, mode=mode).search(question, k=5)
        spans = [(p.article.id, p.char_start, p.char_end) for p in x.passages]
        assert spans == [(p.article.id, p.char_start, p.char_end) for p in y.passages]
        assert [p.score for p in x.passages] == pytest.approx(
            [p.score for p in y.passages], rel=1e-4
        )
        assert dict(x.question.term_weights) == pytest.approx(dict(y.question.term_weights))
        assert x.searchable_rows == y.searchable_rows


def test_damage_in_an_appended_segment_is_refused(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    write(corpus / "dam.txt", NEWS["dam"])
    build_index(corpus, index, HashEmbedder())
    version = (index / CURRENT).read_text().split()[0]
    (vectors,) = (index / version / "segments").glob("*/vectors.faiss")
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="damaged"):
        StoredIndex.load(index)


def test_an_index_of_format_1_is_read_as_one_segment(tmp_path: Path) -> None:
    import hashlib

    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    version = (index / CURRENT).read_text().split()[0]
    manifest = json.loads((index / version / MANIFEST).read_bytes())
    manifest["format_version"] = 1
    del manifest["segments"]
    raw = json.dumps(manifest).encode()
    (index / version / MANIFEST).write_bytes(raw)
    (index / CURRENT).write_text(f"{version}\n{hashlib.sha256(raw).hexdigest()}\n")
    stored = StoredIndex.load(index)
    assert len(stored.segments) == 1 and len(stored.articles) == 2
    write(corpus / "dam.txt", NEWS["dam"])
    assert build_index(corpus, index, HashEmbedder()).appended == 1


def test_links_survive_the_old_version_being_collected(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    for name, text in list(NEWS.items())[:3]:
        write(corpus / f"{name}.txt", text)
        build_index(corpus, index, HashEmbedder())
    versions = [p for p in index.iterdir() if p.is_dir() and p.name.startswith("v")]
    assert len(versions) == 2  # the new one and the one it replaced
    stored = StoredIndex.load(index)
    assert len(stored.segments) == 4 and len(stored.articles) == 5
    assert all(os.path.exists(s.folder / "vectors.faiss") for s in stored.segments)


def test_an_update_reads_no_vectors_of_the_segments_it_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.store import Segment

    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    read: list[str] = []
    original = Segment.vector_index

    def spy(segment: Segment):
        read.append(segment.name)
        return original(segment)

    monkeypatch.setattr(Segment, "vector_index", spy)
    write(corpus / "dam.txt", NEWS["dam"])
    assert build_index(corpus, index, HashEmbedder()).appended == 1
    assert read == []
    # A merge needs every live row's vectors: it reads each segment's, once.
    report = build_index(corpus, index, HashEmbedder(), BuildOptions(compact=True))
    assert report.compacted and len(read) == 2 and len(set(read)) == 2


def test_vectors_loaded_later_are_verified_like_the_rest(tmp_path: Path) -> None:
    corpus, index = seed_copy(tmp_path), tmp_path / "index"
    build_index(corpus, index, HashEmbedder())
    stored = StoredIndex.load(index, lexical=False, vectors=False)
    assert stored.segments[0].vectors is None
    full = StoredIndex.load(index)
    later = stored.article_vectors()
    for aid, (refs, vectors) in full.article_vectors().items():
        assert later[aid][0] == refs and (later[aid][1] == vectors).all()
    deferred = StoredIndex.load(index, lexical=False, vectors=False)
    version = (index / CURRENT).read_text().split()[0]
    path = index / version / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="damaged"):
        deferred.segments[0].vector_index()


def test_small_consecutive_segments_are_searched_as_one_part() -> None:
    from index.retriever import search_groups

    # The archive alone; then the updates since the last merge, up to 4,096 rows a part.
    assert search_groups([46_000, 150, 160, 140], small=4096) == [[0], [1, 2, 3]]
    assert search_groups([46_000, 3_000, 2_000, 50_000, 10], small=4096) == [
        [0],
        [1],
        [2],
        [3],
        [4],
    ]
    assert search_groups([9, 3, 4], small=4096) == [[0, 1, 2]]  # a small index: one part
    assert search_groups([], small=4096) == []


def test_a_date_window_is_one_range_per_segment_and_whole_segments_join() -> None:
    from datetime import date

    import numpy as np

    from index.recency import TimeRanker
    from index.timeframe import TimeWindow

    day = date(2022, 6, 10).toordinal()
    # Three segments: an archive (undated, then June 1-12), then two updates of June 9-11.
    days = np.array([-1, day - 9, day - 1, day + 2, day - 1, day, day, day + 1], dtype=np.int64)
    ranker = TimeRanker(days, segments=[(0, 4), (4, 6), (6, 8)])
    window = TimeWindow(date(2022, 6, 9), date(2022, 6, 11), explicit=True)
    known, inside = ranker.selections(window, as_of=date(2022, 6, 11))
    assert known == [(0, 3), (4, 8)]  # the updates hold nothing later: one range for both
    assert inside == [(2, 3), (4, 8)]
