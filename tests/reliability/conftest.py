"""Sizes for the reliability campaign: quick in CI, full with RELIABILITY=full.

At full size the load and soak tests run on the RTQA index (bench/out/rtqa-index, built by
`bench/run.py build`) when it exists, with the RTQA dev questions mixed in; in CI they run
on the two seed articles. Their figures say which.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import ROOT

FULL = os.environ.get("RELIABILITY") == "full"
RTQA_INDEX = ROOT / "bench" / "out" / "rtqa-index"
RTQA_QUESTIONS = ROOT.parent / "shared" / "data" / "rtqa" / "queries-dev.jsonl"


def size(quick: int, full: int) -> int:
    """How many runs, examples or users a test uses in this run."""
    return full if FULL else quick


def on_rtqa() -> bool:
    return FULL and (RTQA_INDEX / "CURRENT").exists()


def index_name() -> str:
    return "the RTQA index" if on_rtqa() else "the seed index (2 articles)"


def rtqa_questions() -> list[str]:
    if not on_rtqa():
        return []
    rows = RTQA_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in rows if line.strip()]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bot's settings, over the RTQA index at full size (read-only use)."""
    if on_rtqa():
        return settings.model_copy(update={"index_dir": Path(RTQA_INDEX)})
    return settings
