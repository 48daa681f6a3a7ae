"""Logging for people: Newsdesk's own lines at the chosen level, libraries only when they fail.

Libraries log and warn for their own developers (bm25s at DEBUG by default, discord.py about
voice support, onnxruntime about quantisation). A person running ``newsdesk`` should see
Newsdesk's messages, not theirs, so a library's records reach the terminal only at ERROR or
above, unless the chosen level is DEBUG. Python warnings are routed into logging, under the
same rule. Called once, at the edge (``main()``); nothing here runs at import time.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

OWN_PACKAGES = ("core", "index", "bot", "newsdesk", "bench")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OwnOrSevere(logging.Filter):
    """Passes Newsdesk's records at ``level``, and other records only at ERROR or above."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return False
        if self.level <= logging.DEBUG:
            return True
        own = record.name.split(".", 1)[0] in OWN_PACKAGES
        return own or record.levelno >= logging.ERROR


def configure_logging(level: str | int, stream: TextIO | None = None) -> logging.Handler:
    """Send log records to ``stream`` (stderr) with library noise filtered out."""
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_OwnOrSevere(numeric))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_newsdesk", False)]:
        root.removeHandler(old)
    handler._newsdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, numeric))
    logging.captureWarnings(True)
    return handler
