"""Attribution in worker processes: each holds its own spaCy pipeline.

Kept apart from ``index/attribution.py``, whose code is fingerprinted into the index
(``index/rules.py``): how the work is spread over processes decides nothing a sentence is
attributed, so changing it must not re-attribute the archive.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from index.attribution import Attributor, load_pipeline
from index.types import Statement


def attribute_texts(
    texts: Sequence[str],
    attributor: Attributor,
    *,
    workers: int = 1,
    group: int = 64,
    progress: Callable[[int], None] | None = None,
    started: AttributionWorkers | None = None,
) -> list[list[Statement]]:
    """``attributor.statements_many`` over many texts, ``group`` texts at a time: in
    ``started`` worker processes when given, else in ``workers`` processes (each loading
    ``attributor.model``) when there is more than one group, else here. Results are in the
    order of ``texts``; ``progress`` gets the number of texts done after each group."""
    groups = [texts[n : n + group] for n in range(0, len(texts), group)]
    out: list[list[Statement]] = []

    def collect(results: Iterable[list[list[Statement]]]) -> None:
        for found in results:
            out.extend(found)
            if progress is not None:
                progress(len(out))

    if started is not None:
        collect(started.map(groups))
    elif workers <= 1 or len(groups) == 1:
        collect(map(attributor.statements_many, groups))
    else:
        with AttributionWorkers(attributor.model, attributor.batch_size, workers) as pool:
            collect(pool.map(groups))
    return out


def pipeline_loaded() -> bool:
    """Whether this process holds a spaCy pipeline already (``load_pipeline``)."""
    return load_pipeline.cache_info().currsize > 0


class AttributionWorkers:
    """Processes that attribute groups of texts, each with its own spaCy pipeline.

    One starts at once and loads spaCy (about a second) while its builder reads the corpus
    and the previous index; more start, up to ``workers``, while groups wait. Spawned, not
    forked: a forked worker would inherit the build lock's file descriptor and keep the
    index locked if the build were killed; each one exits when its parent is gone."""

    def __init__(self, model: str, batch_size: int, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max(1, workers),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(model, batch_size, os.getpid(), sys.modules.get("torch", 0) is None),
        )
        self._pool.submit(_ready)

    def map(self, groups: Sequence[Sequence[str]]) -> Iterable[list[list[Statement]]]:
        return self._pool.map(_attribute_group, groups)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> AttributionWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_WORKER_ATTRIBUTOR: Attributor | None = None  # a worker process's own


def _start_worker(model: str, batch_size: int, parent: int, torch_hidden: bool) -> None:
    global _WORKER_ATTRIBUTOR
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    if torch_hidden:  # as in the build (newsdesk.wiring.torch_kept_out): thinc skips it
        sys.modules["torch"] = None  # type: ignore[assignment]
    _WORKER_ATTRIBUTOR = Attributor(model=model, batch_size=batch_size)
    _WORKER_ATTRIBUTOR.nlp  # noqa: B018 - loaded before the first group arrives


def _exit_with(parent: int) -> None:
    """End this worker when the build that started it is gone (a killed build must not
    leave workers waiting for work that will never come)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _ready() -> None:
    """A first task: makes the pool start a worker now."""


def _attribute_group(texts: Sequence[str]) -> list[list[Statement]]:
    assert _WORKER_ATTRIBUTOR is not None
    return _WORKER_ATTRIBUTOR.statements_many(texts)
