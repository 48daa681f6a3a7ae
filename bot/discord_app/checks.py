"""Who may ask what, and when: the checks slash commands and mentions share."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from discord import app_commands


class QuestionRefused(app_commands.CheckFailure):
    """A question the bot will not take (empty or too long); the message says why."""


class Cooldown:
    """At most one question per ``seconds`` for each user, for /ask and mentions alike."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0 if the user may ask now (and records it), else the seconds left to wait."""
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose cooldown is long over
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0

    def check(self, user_id: int) -> None:
        """Raise ``CommandOnCooldown`` when the user must wait."""
        wait = self.retry_after(user_id)
        if wait > 0:
            raise app_commands.CommandOnCooldown(
                app_commands.Cooldown(1, self.seconds), retry_after=wait
            )


def check_question(question: str, max_chars: int) -> None:
    """Refuse an empty or over-long question with a one-line reason."""
    if not question.strip():
        raise QuestionRefused("Please ask a question, e.g. “did Iran confirm the crash?”.")
    if len(question) > max_chars:
        raise QuestionRefused(
            f"That question is too long ({len(question)} characters); please keep it "
            f"under {max_chars}."
        )


def wait_text(retry_after: float) -> str:
    return f"Please wait {math.ceil(retry_after)} s before asking again."


def permission_names(permissions: list[str]) -> str:
    """'manage_guild' → 'Manage Server', as Discord's client shows it."""
    shown = {"manage_guild": "Manage Server"}
    return ", ".join(shown.get(p, p.replace("_", " ").title()) for p in permissions)
