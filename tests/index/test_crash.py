"""A build killed with SIGKILL at any moment leaves the previous or the new index, whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from index.store import StoredIndex
from tests.conftest import ROOT, write
from tests.reliability.conftest import size

RUNS = size(30, 200)


def make_corpus(folder: Path, generation: int, size: int = 300) -> set[str]:
    """``size`` articles; each generation changes a tenth of them and adds one."""
    ids = set()
    for n in range(size + generation):
        changed = generation if n % 10 == generation % 10 else 0
        body = " ".join(f"Paragraph {n} word {w} of version {changed}." for w in range(40))
        write(folder / f"a{n:04}.txt", f"Article {n}\n\n{body}\n")
        ids.add(f"a{n:04}")
    return ids


def start_build(corpus: Path, index: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "NEWSDESK_EMBEDDING_MODEL": "py:tests.fakes:hash_embedder",
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
        assert loaded.vectors.ntotal == len(loaded.chunks) == loaded.manifest.counts["chunks"]
        assert len(loaded.articles) in expected
        outcomes["old" if loaded.version == before else "new"] += 1
    assert outcomes["old"] > 0, outcomes  # some kills must land before the switch
    # Whatever the kills left, the next build completes and cleans up after them.
    assert start_build(corpus, index).wait(timeout=120) == 0
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp")]
    assert len(StoredIndex.load(index).articles) == 300 + generation
