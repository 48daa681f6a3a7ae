"""A build killed with SIGKILL at any moment leaves the previous or the new index, whole."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from index.builder import BuildOptions, build_index
from index.retriever import Retriever
from index.store import StoredIndex
from tests.conftest import ROOT, write
from tests.fakes import HashEmbedder
from tests.reliability.conftest import size

RUNS = size(30, 200)
MERGE_RUNS = size(10, 50)


def make_corpus(folder: Path, generation: int, size: int = 300) -> set[str]:
    """``size`` articles; each generation changes a tenth of them and adds one."""
    ids = set()
    for n in range(size + generation):
        changed = generation if n % 10 == generation % 10 else 0
        body = " ".join(f"Paragraph {n} word {w} of version {changed}." for w in range(40))
        write(folder / f"a{n:04}.txt", f"Article {n}\n\n{body}\n")
        ids.add(f"a{n:04}")
    return ids


def start_build(corpus: Path, index: Path, *options: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "NEWSDESK_EMBEDDING_MODEL": "py:tests.fakes:hash_embedder",
        "NEWSDESK_INDEX_MAX_SEGMENTS": "25",
        "TEST_ENCODE_DELAY": "0.02",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsdesk",
            "index",
            "build",
            "--corpus",
            str(corpus),
            "--index",
            str(index),
            *options,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_at_random_moments_always_leaves_a_loadable_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    expected = {len(make_corpus(corpus, 0))}
    started = time.perf_counter()
    assert start_build(corpus, index).wait(timeout=120) == 0
    full = time.perf_counter() - started
    rng = random.Random(20261121)
    outcomes = {"old": 0, "new": 0}
    generation = 0
    for _ in range(RUNS):
        before = StoredIndex.load(index).version
        generation += 1
        expected.add(len(make_corpus(corpus, generation)))
        process = start_build(corpus, index)
        time.sleep(rng.uniform(0.2, full * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        loaded = StoredIndex.load(index)  # raises if anything is half-written
        assert (
            sum(s.vectors.ntotal for s in loaded.segments)
            == len(loaded.chunks)
            == loaded.manifest.counts["chunks"]
        )
        assert len(loaded.articles) in expected
        outcomes["old" if loaded.version == before else "new"] += 1
    assert outcomes["old"] > 0, outcomes  # some kills must land before the switch
    # Whatever the kills left, the next build completes and cleans up after them.
    assert start_build(corpus, index).wait(timeout=120) == 0
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp")]
    assert len(StoredIndex.load(index).articles) == 300 + generation


def test_sigkill_during_a_merge_of_20_segments_always_leaves_an_index_that_answers(tmp_path):
    """`index build --compact` over 20 segments, killed at random moments: the index loads
    with its 20 segments or with one, and answers the same question either way."""
    corpus, template = tmp_path / "corpus", tmp_path / "template"
    make_corpus(corpus, 0, size=600)
    options = BuildOptions(max_segments=25)
    build_index(corpus, template, HashEmbedder(), options)
    for n in range(19):
        write(corpus / f"new{n:02}.txt", f"Update {n}\n\nA short update number {n} on the dam.")
        build_index(corpus, template, HashEmbedder(), options)
    assert len(StoredIndex.load(template).segments) == 20
    index = tmp_path / "index"
    shutil.copytree(template, index, symlinks=False)
    started = time.perf_counter()
    assert start_build(corpus, index, "--compact").wait(timeout=120) == 0
    merge = time.perf_counter() - started
    assert len(StoredIndex.load(index).segments) == 1
    expected = answer(StoredIndex.load(index))
    rng = random.Random(20261124)
    outcomes = {20: 0, 1: 0}
    for _ in range(MERGE_RUNS):
        shutil.rmtree(index)
        shutil.copytree(template, index)
        process = start_build(corpus, index, "--compact")
        time.sleep(rng.uniform(0.1, merge * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        loaded = StoredIndex.load(index)  # raises if anything is half-written
        outcomes[len(loaded.segments)] += 1
        assert len(loaded.articles) == 619
        assert answer(loaded) == expected
    assert outcomes[20] > 0, outcomes  # some kills land before the switch


def answer(index: StoredIndex) -> list[tuple[str, int, int]]:
    found = Retriever(index, HashEmbedder(), mode="hybrid").search(
        "update number 7 on the dam", k=5, as_of=date(2030, 1, 1)
    )
    return [(p.article.id, p.char_start, p.char_end) for p in found.passages]
