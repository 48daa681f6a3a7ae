"""Sizes for the reliability campaign: quick in CI, full with NEWSDESK_RELIABILITY=full."""

from __future__ import annotations

import os

FULL = os.environ.get("NEWSDESK_RELIABILITY") == "full"


def size(quick: int, full: int) -> int:
    """How many runs, examples or users a test uses in this run."""
    return full if FULL else quick
