"""Shared fixtures: the seed corpus, the real packaged model (loaded once) and its index.

The whole suite runs with logging at DEBUG and a sentinel Discord token in the environment
(so every ``Settings`` built here holds it); a log line carrying the sentinel fails the run.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.discord_app import NewsdeskBot
from bot.service import AnswerService
from core.settings import DEFAULT_MODEL, Settings
from index.builder import BuildOptions, build_index
from index.embedding import Embedder, load_embedder
from index.retriever import Retriever
from index.store import StoredIndex
from newsdesk.wiring import build_service
from tests.fakes import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
SENTINEL_TOKEN = "NDsentinel." + "T0k3n" * 10
# The article fields every JSON output documents (README: `query --json`, `ask --json`).
ARTICLE_FIELDS = {"id", "title", "source", "author", "published", "url", "path", "text_offset"}
os.environ["NEWSDESK_DISCORD_TOKEN"] = SENTINEL_TOKEN


class _SecretWatch(logging.Handler):
    """Records every log line (message, arguments, traceback) that carries the sentinel."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            text = str(record.msg)
        if SENTINEL_TOKEN in text:
            self.leaks.append(text[:300])


SECRET_WATCH = _SecretWatch()


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(SECRET_WATCH)
    root.setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SECRET_WATCH.leaks:
        print("\nthe Discord token appeared in log lines:\n" + "\n".join(SECRET_WATCH.leaks))
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The per-user cache for the whole test session: one ONNX export of the packaged model.

    Also the cache of every ``Settings`` the tests build from the environment, so no test
    writes into the real per-user cache."""
    folder = tmp_path_factory.mktemp("cache")
    previous = os.environ.get("NEWSDESK_CACHE_DIR")
    os.environ["NEWSDESK_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("NEWSDESK_CACHE_DIR", None)
    else:
        os.environ["NEWSDESK_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path) -> Embedder:
    """The packaged MiniLM with the default backend (int8 documents and questions)."""
    return load_embedder(DEFAULT_MODEL, backend="onnx-int8", cache_dir=model_cache)


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    return load_embedder(DEFAULT_MODEL, backend="torch")


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Path:
    """The seed corpus indexed with the real model (built once per test session)."""
    folder = tmp_path_factory.mktemp("seed") / "index"
    build_index(SEED_CORPUS, folder, real_embedder, BuildOptions())
    return folder


@pytest.fixture(scope="session")
def seed_retriever(seed_index: Path, real_embedder: Embedder) -> Retriever:
    return Retriever(StoredIndex.load(seed_index), real_embedder)


@pytest.fixture(scope="session")
def seed_answerer(seed_retriever: Retriever, real_embedder: Embedder) -> Answerer:
    return Answerer(seed_retriever, real_embedder)


def write(path: Path, content: str | bytes) -> Path:
    """Create ``path`` (and its folders) with ``content``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path, seed_index: Path, model_cache: Path) -> Settings:
    """Bot settings over a writable copy of the seed index (the session's model cache)."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    return Settings(
        _env_file=None,
        corpus_dir=SEED_CORPUS,
        index_dir=index,
        state_dir=tmp_path / "state",
        cache_dir=model_cache,
        discord_cooldown_seconds=5,
        discord_max_question_chars=300,
    )


@pytest.fixture
def service(settings: Settings, real_embedder: Embedder) -> AnswerService:
    """The bot's answering service, wired as `newsdesk serve` wires it, loaded."""
    service = build_service(settings, real_embedder)
    service.load()
    return service


@pytest.fixture
def simcord_bot(settings: Settings, service: AnswerService) -> NewsdeskBot:
    """The real Discord bot over the seed index, for simcord's ``simcord_env``."""
    return NewsdeskBot(settings, service)
