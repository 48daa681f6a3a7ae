"""The answering service: questions keep being answered while a rebuild swaps the index."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.service import AnswerService, IndexUnavailableError, ReindexBusyError
from core.settings import Settings
from index.builder import build_index
from index.store import StoredIndex
from newsdesk.wiring import build_service
from tests.conftest import SEED_CORPUS, write

QUESTIONS = [
    "did Iran confirm the crash?",
    "What did U.S. officials tell CNN?",
    "How many missiles did the four ships fire?",
    "What did Putin insist?",
] * 5


@pytest.fixture
def own_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The bot's settings over a corpus this test may change."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    return settings.model_copy(update={"corpus_dir": corpus})


@pytest.fixture
def service(own_settings: Settings, real_embedder) -> AnswerService:
    service = build_service(own_settings, real_embedder)
    service.load()
    return service


async def test_a_reindex_during_questions_loses_none_and_swaps_in_the_new_articles(
    service, own_settings
):
    write(
        own_settings.corpus_dir / "dam.txt",
        "Dam bursts in Ruritania\n\nThe Ruritanian dam burst on Monday, officials said.",
    )
    before = service.version
    progress: list[str] = []

    async def report(text: str) -> None:
        progress.append(text)

    reindex = asyncio.create_task(service.reindex(report))
    await asyncio.sleep(0)
    assert service.reindexing
    with pytest.raises(ReindexBusyError, match="already running"):
        await service.reindex()
    answers = await asyncio.gather(*(service.ask(q) for q in QUESTIONS))
    result = await reindex
    assert all(a.answered for a in answers) and len(answers) == len(QUESTIONS)
    assert result.added == 1 and result.removed == 0 and result.report.written
    assert service.version != before and "dam" in service.index.articles
    # From the build process: its two stages advance side by side.
    assert {line.split()[0] for line in progress} == {"attributing", "embedding"}
    after = await service.ask("Did the Ruritanian dam burst?")
    assert any("Ruritanian dam burst" in e.quote for e in after.excerpts)


async def test_a_failed_rebuild_is_one_line_and_keeps_the_index(service, own_settings):
    shutil.rmtree(own_settings.corpus_dir)
    before = service.version
    with pytest.raises(Exception, match=r"corpus folder .* does not exist") as failure:
        await service.reindex()
    assert "\n" not in str(failure.value) and "Traceback" not in str(failure.value)
    assert service.version == before and not service.reindexing


async def test_a_missing_index_makes_the_service_say_so(tmp_path, real_embedder):
    settings = Settings(_env_file=None, index_dir=tmp_path / "none")
    service = build_service(settings, real_embedder)
    service.load()
    assert "no index at" in service.unavailable_reason
    with pytest.raises(IndexUnavailableError, match="an admin can run /reindex"):
        await service.ask("anything")


async def test_refresh_swaps_in_a_version_built_by_another_process(
    service, own_settings, real_embedder
):
    assert await service.refresh() is False  # nothing new
    write(own_settings.corpus_dir / "dam.txt", "Dam news\n\nThe Ruritanian dam burst.")
    build_index(own_settings.corpus_dir, own_settings.index_dir, real_embedder)
    assert await service.refresh() is True
    assert "dam" in service.index.articles


async def test_a_slow_poll_never_replaces_a_newer_index_with_an_older_one(
    service, own_settings, real_embedder, monkeypatch
):
    """A poll starts loading version A; meanwhile a rebuild publishes and swaps in B; when
    A's load finishes, B stays."""
    write(own_settings.corpus_dir / "a.txt", "Version A\n\nThe first new article arrived.")
    build_index(own_settings.corpus_dir, own_settings.index_dir, real_embedder)
    release = threading.Event()
    started = threading.Event()
    real_load = StoredIndex.load

    def slow_load(root, **kwargs):
        index = real_load(root, **kwargs)
        if not started.is_set():
            started.set()
            release.wait(10)
        return index

    monkeypatch.setattr(StoredIndex, "load", slow_load)
    poll = asyncio.create_task(service.refresh())
    await asyncio.to_thread(started.wait, 10)
    write(own_settings.corpus_dir / "b.txt", "Version B\n\nThe second new article arrived.")
    build_index(own_settings.corpus_dir, own_settings.index_dir, real_embedder)
    release.set()
    await poll
    assert service.index is not None and "b" in service.index.articles


async def test_sources_are_sorted_when_a_version_loads_not_when_asked(service):
    sources = service.sources()
    assert [a.published or "" for a in sources] == sorted(
        (a.published or "" for a in sources), reverse=True
    )
    assert service.sources() is sources  # the same tuple: nothing is sorted per request


def test_the_service_has_no_settings_of_its_own_to_interpret(service):
    assert not hasattr(service, "settings")
    assert isinstance(service, AnswerService)
