"""The one place where settings become components.

The CLI, the Discord bot and the benchmarks build everything through these functions, so a
setting means the same thing everywhere. Heavy libraries are imported inside the functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import NewsdeskError
from core.settings import Settings

if TYPE_CHECKING:
    from bot.answer import Answerer, AnswerPolicy
    from bot.following import Following
    from bot.service import AnswerService
    from index.builder import BuildOptions, BuildReport
    from index.embedding import Embedder
    from index.retriever import Retriever
    from index.store import StoredIndex
    from index.types import Mode
    from ingest.update import Ingestor, UpdateReport

Progress = Callable[[str], Awaitable[None]]
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class ReindexFailedError(NewsdeskError):
    """The rebuild process ended with an error; the previous index is still current."""


class UpdateFailedError(NewsdeskError):
    """The feed update process ended without a report; the corpus is as it was left."""


def configure_search_threads() -> None:
    """Process-wide thread policy for searching: FAISS on one thread.

    Single queries are 2-3x faster on one OpenMP thread here, and the cores stay free for
    question encoding and for concurrent answers. Set once, at the edge (never by a
    component: it would change every other FAISS user in the process), and only after the
    model's ONNX sessions exist: set before them, it slowed question encoding from 6.2 to
    7.2 ms and hybrid queries by 3-4 ms (measured on RTQA, p50).
    """
    import faiss

    faiss.omp_set_num_threads(1)


@contextlib.contextmanager
def torch_kept_out(settings: Settings) -> Iterator[None]:
    """While a command runs with an ONNX backend, ``import torch`` fails fast.

    Nothing those commands run needs torch (the one-time ONNX export runs in a process of
    its own), but thinc, under spaCy, imports it when installed only to offer it as a
    backend: that import alone took 2.2 of the 8.3 s an index update of 10 articles took
    (profiled on RTQA). The torch backend and ``py:`` embedders are left alone, and so is a
    process that imported torch already; torch is importable again afterwards.
    """
    uses_torch = settings.embedding_backend == "torch" or settings.embedding_model.startswith("py:")
    if uses_torch or "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` -> ImportError
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def load_embedder(settings: Settings, *, serving: bool = False) -> Embedder:
    """The configured embedder (texts embedded two side by side: a build's chunks, an
    answer's sentences). ``serving`` (a process that searches: query, ask, eval, serve)
    then sets the search thread policy (see ``configure_search_threads``)."""
    from index.embedding import load_embedder as load

    embedder = load(
        settings.embedding_model,
        backend=settings.embedding_backend,
        cache_dir=settings.cache_dir,
        batch_size=settings.embed_batch_size,
    )
    if serving:
        configure_search_threads()
    return embedder


def build_options(settings: Settings) -> BuildOptions:
    from index.builder import BuildOptions
    from index.store import FaissSpec

    return BuildOptions(
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        faiss=FaissSpec(kind=settings.faiss_index, hnsw_m=settings.hnsw_m),
        max_article_chars=settings.max_article_chars,
        max_segments=settings.index_max_segments,
    )


def answer_policy(settings: Settings) -> AnswerPolicy:
    from bot.answer import AnswerPolicy

    return AnswerPolicy(max_excerpts=settings.max_excerpts)


def load_index(settings: Settings, *, check_model: bool = True) -> StoredIndex:
    """The current index version; with ``check_model``, refuse one built with another model
    before paying for loading the model."""
    from index.embedding import canonical_model_name, resolve_model_path
    from index.onnx_embedding import check_model_folder
    from index.store import StoredIndex, check_model_name

    name = settings.embedding_model
    if check_model and not name.startswith("py:") and settings.embedding_backend != "torch":
        check_model_folder(resolve_model_path(name))  # a missing folder is the first problem
    index = StoredIndex.load(settings.index_dir)
    if check_model and not name.startswith("py:"):
        check_model_name(index.manifest, canonical_model_name(name))
    return index


def open_retriever(
    settings: Settings, index: StoredIndex, embedder: Embedder, *, mode: Mode | None = None
) -> Retriever:
    from index.retriever import Retriever

    return Retriever(
        index,
        embedder,
        mode=mode or settings.search_mode,
        max_query_chars=settings.max_query_chars,
        ef_search=settings.hnsw_ef_search,
    )


def open_answerer(
    settings: Settings, index: StoredIndex, embedder: Embedder, *, mode: Mode | None = None
) -> Answerer:
    from bot.answer import Answerer

    retriever = open_retriever(settings, index, embedder, mode=mode)
    answerer = Answerer(retriever, embedder, policy=answer_policy(settings))
    answerer.mentions.nlp  # noqa: B018 - spaCy is loaded now, not by the first question
    return answerer


def user_agent(settings: Settings) -> str:
    """``Newsdesk/0.1.0 (+contact)``: robots.txt rules for "Newsdesk" apply to it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("newsdesk")
    except PackageNotFoundError:
        release = "dev"
    contact = f"; +{settings.fetch_contact}" if settings.fetch_contact else ""
    return f"Newsdesk/{release} (news question-answering bot{contact})"


@contextlib.contextmanager
def open_ingestor(settings: Settings) -> Iterator[Ingestor]:
    """An ``Ingestor`` over the configured corpus and state folders, its fetcher closed on
    exit."""
    from ingest.fetcher import Fetcher, FetchPolicy
    from ingest.netguard import AddressPolicy
    from ingest.state import StateFile
    from ingest.update import Ingestor

    policy = FetchPolicy(
        user_agent=user_agent(settings),
        connect_timeout=min(settings.fetch_timeout_seconds, 10.0),
        read_timeout=settings.fetch_timeout_seconds,
        max_bytes=int(settings.fetch_max_mb * 1024 * 1024),
        host_interval_seconds=settings.fetch_host_interval_seconds,
    )
    addresses = AddressPolicy(allow_loopback=settings.fetch_allow_loopback)
    with Fetcher(policy, addresses) as fetcher:
        yield Ingestor(
            fetcher,
            StateFile(settings.state_dir),
            settings.corpus_dir,
            max_items=settings.feed_max_items,
            recheck_hours=settings.feed_recheck_hours,
        )


def build_service(settings: Settings, embedder: Embedder | None = None) -> AnswerService:
    """The answering service the bot runs: one embedder, answerers for each index version,
    and rebuilds in a separate process."""
    from bot.service import AnswerService

    model = embedder or load_embedder(settings, serving=True)
    return AnswerService(
        settings.index_dir,
        lambda index: open_answerer(settings, index, model),
        rebuild=SubprocessRebuild(settings),
        max_concurrent_answers=settings.max_concurrent_answers,
        as_of=settings.as_of,
    )


def build_following(settings: Settings, service: AnswerService) -> Following:
    """The bot's feeds: changes in this process, polls in a child process."""
    from bot.following import Following

    return Following(lambda: open_ingestor(settings), SubprocessUpdate(settings), service)


async def run_newsdesk(
    settings: Settings, *args: str, on_line: Callable[[str], Awaitable[bool]] | None = None
) -> tuple[int, bytes, list[str]]:
    """Run ``newsdesk ARGS`` in a child process with exactly these settings (secrets left
    out); returns its exit status, standard output, and the stderr lines ``on_line`` did not
    take. Cancelling kills the child."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
        **settings.to_env(),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p
        ),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "newsdesk",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    lines: list[str] = []
    try:
        stdout_task = asyncio.create_task(process.stdout.read())
        async for raw in process.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line and not (on_line is not None and await on_line(line)):
                lines.append(line)
        out = await stdout_task
        code = await process.wait()
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    return code, out, lines


def _failure(code: int, lines: list[str]) -> str:
    reason = lines[-1] if lines else f"exit status {code}"
    return reason.removeprefix("newsdesk: error: ")


class SubprocessRebuild:
    """Runs ``newsdesk index build`` in a child process with these exact settings.

    A child process has its own interpreter and threads, so a long rebuild does not take the
    GIL from the event loop that answers questions; it is also crash-safe like any build.
    Progress lines are passed on as short texts.
    """

    _PROGRESS = re.compile(r"^(attributing|embedding): (\d+)/(\d+) (articles|chunks)$")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, progress: Progress | None = None) -> BuildReport:
        from index.builder import BuildReport

        async def on_line(line: str) -> bool:
            match = self._PROGRESS.match(line)
            if match and progress is not None:
                await progress(f"{match[1]} {match[2]}/{match[3]} {match[4]}")
            return match is not None

        code, out, lines = await run_newsdesk(
            self.settings, "index", "build", "--json", on_line=on_line
        )
        if code != 0:
            raise ReindexFailedError(_failure(code, lines))
        return BuildReport.from_json(json.loads(out))


class SubprocessUpdate:
    """Runs ``newsdesk update --no-index`` in a child process: fetching and extracting pages
    (lxml, trafilatura) is CPU work that must not take the GIL from the bot's event loop,
    and a crash there cannot take the bot down. Indexing is the service's rebuild."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self) -> UpdateReport:
        from ingest.update import UpdateReport

        code, out, lines = await run_newsdesk(
            self.settings, "update", "--scheduled", "--no-index", "--json"
        )
        try:
            return UpdateReport.from_json(json.loads(out)["fetched"])
        except (ValueError, KeyError, TypeError):
            raise UpdateFailedError(_failure(code, lines)) from None
