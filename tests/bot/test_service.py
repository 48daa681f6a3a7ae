"""The answering service: questions keep being answered while a rebuild swaps the index."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bot.service import AnswerService, IndexUnavailableError, ReindexBusyError
from newsdesk.settings import Settings
from tests.conftest import SEED_CORPUS, write

QUESTIONS = [
    "did Iran confirm the crash?",
    "What did U.S. officials tell CNN?",
    "How many missiles did the four ships fire?",
    "What did Putin insist?",
] * 5


@pytest.fixture
def service(tmp_path, seed_index, real_embedder) -> AnswerService:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=index)
    service = AnswerService(settings, real_embedder)
    service.load()
    return service


async def test_a_reindex_during_questions_loses_none_and_swaps_in_the_new_articles(service):
    write(
        service.settings.corpus_dir / "dam.txt",
        "Dam bursts in Ruritania\n\nThe Ruritanian dam burst on Monday, officials said.",
    )
    before = service.index.version
    reindex = asyncio.create_task(service.reindex())
    await asyncio.sleep(0)
    assert service.reindexing
    with pytest.raises(ReindexBusyError, match="already running"):
        await service.reindex()
    answers = await asyncio.gather(*(service.ask(q) for q in QUESTIONS))
    result = await reindex
    assert all(a.answered for a in answers) and len(answers) == len(QUESTIONS)
    assert result.added == 1 and result.removed == 0
    assert service.index.version != before and "dam" in service.index.articles
    after = await service.ask("Did the Ruritanian dam burst?")
    assert any("Ruritanian dam burst" in e.quote for e in after.excerpts)


async def test_a_missing_index_makes_the_service_say_so(tmp_path, real_embedder):
    settings = Settings(_env_file=None, index_dir=tmp_path / "none")
    service = AnswerService(settings, real_embedder)
    service.load()
    assert "no index at" in service.unavailable_reason
    with pytest.raises(IndexUnavailableError, match="an admin can run /reindex"):
        await service.ask("anything")


async def test_refresh_swaps_in_a_version_built_by_another_process(service, real_embedder):
    from index.builder import build_index

    assert await service.refresh() is False  # nothing new
    write(service.settings.corpus_dir / "dam.txt", "Dam news\n\nThe Ruritanian dam burst.")
    build_index(service.settings.corpus_dir, service.settings.index_dir, real_embedder)
    assert await service.refresh() is True
    assert "dam" in service.index.articles
