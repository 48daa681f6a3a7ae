"""Faults during a build: a kill at every step of the switch, and disk errors at every write,
fsync and rename. The previous index always loads, and no temporary file is left behind."""

from __future__ import annotations

import builtins
import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import IndexWriteError
from index.builder import build_index
from index.lexical import LexicalIndex
from index.store import StoredIndex
from tests.conftest import write
from tests.fakes import HashEmbedder


class Killed(BaseException):
    """Stands for SIGKILL: not an OSError, so no cleanup code runs."""


class Faults:
    """Counts the filesystem steps of a build and fails the n-th one."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        fail_at: int | None,
        error: Callable[[], BaseException],
    ):
        self.count = 0
        self.fail_at = fail_at
        self.error = error
        self.steps: list[str] = []
        real_open = builtins.open
        faults = self

        def step(name: str) -> None:
            faults.count += 1
            faults.steps.append(name)
            if faults.count == faults.fail_at:
                raise faults.error()

        def wrap(name: str, func: Callable) -> Callable:
            def wrapped(*args, **kwargs):
                step(name)
                return func(*args, **kwargs)

            return wrapped

        class Writer:
            def __init__(self, handle):
                self._handle = handle

            def write(self, data):
                step("write")
                return self._handle.write(data)

            def __getattr__(self, name):
                return getattr(self._handle, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._handle.__exit__(*exc)

        def opener(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            return Writer(handle) if "w" in mode else handle

        monkeypatch.setattr("index.store.open", opener, raising=False)
        for name in ("fsync", "rename", "replace"):
            monkeypatch.setattr(os, name, wrap(name, getattr(os, name)))
        real_save = LexicalIndex.save
        monkeypatch.setattr(
            LexicalIndex, "save", lambda self, folder: (step("bm25"), real_save(self, folder))[1]
        )


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".tmp", "CURRENT.")))


@pytest.fixture
def built(tmp_path, seed_corpus) -> tuple[Path, Path]:
    index = tmp_path / "index"
    build_index(seed_corpus, index, HashEmbedder())
    write(seed_corpus / "new.txt", "New\n\nA new article about a dam.")
    return seed_corpus, index


def count_steps(corpus: Path, index: Path, monkeypatch) -> list[str]:
    scratch = index.parent / "scratch"
    shutil.copytree(index, scratch)
    with monkeypatch.context() as patch:
        faults = Faults(patch, None, Killed)
        build_index(corpus, scratch, HashEmbedder())
    shutil.rmtree(scratch)
    return faults.steps


def test_a_kill_at_every_step_of_the_write_and_switch_leaves_old_or_new(built, monkeypatch):
    corpus, index = built
    steps = count_steps(corpus, index, monkeypatch)
    assert {"write", "fsync", "rename", "replace", "bm25"} <= set(steps)
    pristine = index.parent / "pristine"
    shutil.copytree(index, pristine)
    old = StoredIndex.load(index).version
    outcomes = {"old": 0, "new": 0}
    for n in range(1, len(steps) + 1):
        with monkeypatch.context() as patch:
            Faults(patch, n, Killed)
            with pytest.raises(Killed):
                build_index(corpus, index, HashEmbedder())
        loaded = StoredIndex.load(index)  # never half-written
        assert (
            sum(s.vectors.ntotal for s in loaded.segments)
            == len(loaded.chunks)
            == loaded.manifest.counts["chunks"]
        )
        if loaded.version == old:
            assert set(loaded.articles) == set(StoredIndex.load(pristine).articles)
            outcomes["old"] += 1
        else:
            assert "new" in loaded.articles and len(loaded.articles) == 3
            outcomes["new"] += 1
            shutil.rmtree(index)
            shutil.copytree(pristine, index)
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
    # The next build cleans what a kill left and completes.
    with monkeypatch.context() as patch:
        Faults(patch, steps.index("replace") + 1, Killed)
        with pytest.raises(Killed):
            build_index(corpus, index, HashEmbedder())
    assert leftovers(index) == ["CURRENT.tmp"]  # the kill left debris behind
    orphans = [p for p in index.iterdir() if p.is_dir() and p.name != old]
    assert len(orphans) == 1  # a complete version that never became current
    build_index(corpus, index, HashEmbedder())
    assert leftovers(index) == [] and "new" in StoredIndex.load(index).articles
    assert not orphans[0].exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_disk_errors_at_every_write_fsync_and_rename(built, monkeypatch, code):
    corpus, index = built
    steps = count_steps(corpus, index, monkeypatch)
    pristine = index.parent / "pristine"
    shutil.copytree(index, pristine)
    old = StoredIndex.load(index).version
    for n, name in enumerate(steps, start=1):
        with monkeypatch.context() as patch:
            Faults(patch, n, lambda: OSError(code, os.strerror(code)))
            with pytest.raises(IndexWriteError) as failure:
                build_index(corpus, index, HashEmbedder())
        message = str(failure.value)
        assert "\n" not in message and os.strerror(code) in message, (name, message)
        assert leftovers(index) == [], (n, name)
        loaded = StoredIndex.load(index)
        if "is in place" in message:
            # Only flushing the folder after the switch failed: the new index is complete.
            assert name == "fsync" and "new" in loaded.articles
            shutil.rmtree(index)
            shutil.copytree(pristine, index)
        else:
            assert loaded.version == old, (n, name, message)
