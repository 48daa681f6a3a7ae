"""Searches under load while new index versions are published and swapped in."""

from __future__ import annotations

import threading

from index.builder import build_index
from index.retriever import Retriever
from index.store import StoredIndex, read_pointer
from tests.conftest import write
from tests.fakes import HashEmbedder

THREADS, SEARCHES, VERSIONS = 4, 2000, 20


def test_searches_never_mix_versions_while_twenty_versions_are_swapped_in(tmp_path, seed_corpus):
    index_dir = tmp_path / "index"
    embedder = HashEmbedder()
    build_index(seed_corpus, index_dir, embedder)
    current = {"retriever": Retriever(StoredIndex.load(index_dir), embedder)}
    errors: list[BaseException] = []
    mixed: list[set[str]] = []
    done = threading.Event()

    def searcher(n: int) -> None:
        try:
            for i in range(SEARCHES // THREADS):
                retriever = current["retriever"]  # one reference per search, as the bot does
                passages = retriever.search(f"missiles Iran {i % 7} question {n}", 5).passages
                versions = {p.index_version for p in passages}
                if len(versions) > 1 or versions != {retriever.index.version}:
                    mixed.append(versions)
        except BaseException as exc:
            errors.append(exc)

    def publisher() -> None:
        try:
            for v in range(VERSIONS):
                write(seed_corpus / f"update-{v}.txt", f"Update {v}\n\nMissiles report number {v}.")
                build_index(seed_corpus, index_dir, embedder)
                current["retriever"] = Retriever(StoredIndex.load(index_dir), embedder)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    loads = [0]

    def loader() -> None:
        """Loads race with publication and the removal of old versions."""
        try:
            while not done.is_set():
                index = StoredIndex.load(index_dir)
                assert sum(s.vectors.ntotal for s in index.segments) == len(index.chunks)
                loads[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=loader))
    writer = threading.Thread(target=publisher)
    for thread in [*threads, writer]:
        thread.start()
    for thread in [*threads, writer]:
        thread.join(timeout=300)
    assert loads[0] > 0
    assert errors == [] and mixed == []
    assert done.is_set()
    final = StoredIndex.load(index_dir)
    assert final.version == read_pointer(index_dir)[0]
    assert len(final.articles) == 2 + VERSIONS
