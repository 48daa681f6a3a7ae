"""Load and soak: many users through the offline Discord harness, many questions in one process."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import threading
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.reliability.conftest import FULL, index_name, rtqa_questions, size

FIGURES = ROOT / "bench" / "results"
QUESTIONS = [
    "did Iran confirm the crash?",
    "What did U.S. officials tell CNN?",
    "What did Putin insist?",
    "How many missiles did the four ships fire?",
    "What is the capital of Australia?",
    "Who is Rami Abdulrahman?",
    "What did Carter warn?",
    "@everyone did Russia deny it?",
    *rtqa_questions(),
]


class LoopWatchdog:
    """Measures how late the event loop runs a callback posted from another thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, every: float = 0.02) -> None:
        self.loop, self.every = loop, every
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            posted = time.perf_counter()
            done = threading.Event()

            def ran(posted: float = posted, done: threading.Event = done) -> None:
                self.worst = max(self.worst, time.perf_counter() - posted)
                done.set()

            self.loop.call_soon_threadsafe(ran)
            done.wait(5)
            self._stop.wait(self.every)

    def __enter__(self) -> LoopWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def record(name: str, figures: dict) -> None:
    """Keep the full run's figures for docs/reliability.md, saying which index they ran on."""
    if FULL:
        FIGURES.mkdir(parents=True, exist_ok=True)
        payload = {"index": index_name(), **figures}
        (FIGURES / f"reliability-{name}.json").write_text(json.dumps(payload, indent=1) + "\n")


async def test_users_asking_as_fast_as_they_can_through_the_harness(simcord_env):
    """simcord runs one user action at a time: this is the bot's full path under a
    back-to-back stream; the concurrent form is the next test."""
    users_n, each = size(8, 50), size(4, 20)
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("news")
    users = [guild.add_member(simcord_env.create_user(f"user{i}")) for i in range(users_n)]
    now = [0.0]
    simcord_env.bot.cooldown._clock = lambda: now[0]
    latencies: dict[str, list[float]] = {"answer": [], "cooldown": []}
    answered = cooled = 0
    rng = random.Random(9)
    with LoopWatchdog(asyncio.get_running_loop()) as watchdog:
        for _ in range(each // 2):
            for user in users:
                for attempt in range(2):  # ask, then at once again: the second one waits
                    started = time.perf_counter()
                    result = await user.slash(channel, "ask", question=rng.choice(QUESTIONS))
                    latencies["cooldown" if attempt else "answer"].append(
                        time.perf_counter() - started
                    )
                    if attempt:
                        assert result.ephemeral
                        assert result.response.content.startswith("Please wait")
                        cooled += 1
                    else:
                        assert not result.ephemeral and result.response.embeds, result
                        answered += 1
            now[0] += 5
    assert answered + cooled == users_n * each and answered > 0 and cooled > 0
    # Every cooldown reply came from the command tree's one error handler.
    assert {type(e).__name__ for e in simcord_env.errors} == {"CommandOnCooldown"}
    assert watchdog.worst < 0.25, f"event loop stalled {watchdog.worst * 1000:.0f} ms"
    record(
        "harness",
        {
            "users": users_n,
            "questions_each": each,
            "answered": answered,
            "cooldown_replies": cooled,
            "worst_loop_stall_ms": round(watchdog.worst * 1000, 1),
            **{
                f"{group}_{k}": v
                for group in latencies
                for k, v in percentiles(latencies[group]).items()
            },
        },
    )


async def test_concurrent_questions_keep_the_event_loop_responsive(service):
    total = size(100, 1000)
    rng = random.Random(4)
    latencies: list[float] = []

    async def one(question: str) -> None:
        started = time.perf_counter()
        answer = await service.ask(question)
        latencies.append(time.perf_counter() - started)
        assert answer.question == question

    with LoopWatchdog(asyncio.get_running_loop()) as watchdog:
        await asyncio.gather(*(one(rng.choice(QUESTIONS)) for _ in range(total)))
    assert len(latencies) == total
    assert watchdog.worst < 0.25, f"event loop stalled {watchdog.worst * 1000:.0f} ms"
    record(
        "concurrent",
        {
            "questions": total,
            "worst_loop_stall_ms": round(watchdog.worst * 1000, 1),
            **percentiles(latencies),
        },
    )


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def test_memory_stays_flat_over_many_questions(settings, real_embedder):
    from newsdesk.wiring import load_index, open_answerer

    answerer = open_answerer(settings, load_index(settings), real_embedder)
    rng = random.Random(12)
    total = size(300, 10_000)

    def question(i: int) -> str:
        if i % 10 == 0:
            return "".join(rng.choice("abcxyz0123456789") for _ in range(12_000))
        return rng.choice(QUESTIONS) + f" {i}"

    for i in range(100):
        answerer.answer(question(i))
    warm = rss_mb()
    for i in range(100, total):
        answerer.answer(question(i))
    growth = rss_mb() - warm
    assert growth < 100, f"RSS grew {growth:.0f} MB"
    record(
        "soak",
        {"questions": total, "rss_after_warmup_mb": round(warm), "growth_mb": round(growth, 1)},
    )
