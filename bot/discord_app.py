"""The Discord client: a thin adapter from slash commands and mentions to ``AnswerService``.

No privileged intents: slash commands, mentions and DMs carry their text without the
message-content intent. Every message is sent with ``AllowedMentions.none()``. Interactions
are deferred at once, and the work runs off the event loop (see ``bot/service.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import discord
from discord import app_commands

from bot.discord_render import answer_embed, short_text, sources_embed
from bot.service import AnswerService, IndexUnavailableError, ReindexBusyError
from newsdesk.errors import NewsdeskError, QueryError
from newsdesk.settings import Settings

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
FAILED = "Sorry, something went wrong while answering; the error has been logged."


class Cooldown:
    """At most one question per ``seconds`` for each user."""

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


class NewsdeskClient(discord.Client):
    """Newsdesk in Discord: /ask, /sources, /reindex, and questions by mention."""

    def __init__(self, settings: Settings, service: AnswerService, *, state_dir: Path) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_PINGS)
        self.settings = settings
        self.service = service
        self.state_dir = state_dir
        self.cooldown = Cooldown(settings.discord_cooldown_seconds)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error
        self._register()

    # -- set-up --------------------------------------------------------------------------

    def _register(self) -> None:
        @self.tree.command(name="ask", description="Ask a question about the news articles")
        @app_commands.describe(question="Your question, in plain words")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await self.handle_ask(interaction, question)

        @self.tree.command(name="sources", description="List the articles Newsdesk can quote")
        @app_commands.describe(page="Page number")
        async def sources(interaction: discord.Interaction, page: int = 1) -> None:
            embed = sources_embed(self.service.sources(), page=page)
            await interaction.response.send_message(embed=embed, allowed_mentions=NO_PINGS)

        @self.tree.command(name="reindex", description="Rebuild the index from the corpus")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def reindex(interaction: discord.Interaction) -> None:
            await self.handle_reindex(interaction)

    async def setup_hook(self) -> None:
        await self.sync_commands()
        if self.settings.index_poll_seconds > 0:
            self._watcher = asyncio.create_task(self._watch_index(), name="newsdesk-index-watch")

    async def _watch_index(self) -> None:
        """Pick up index versions that `newsdesk index build` publishes while we run."""
        while not self.is_closed():
            await asyncio.sleep(self.settings.index_poll_seconds)
            try:
                await self.service.refresh()
            except Exception:
                log.exception("checking for a new index version failed")

    async def sync_commands(self) -> bool:
        """Sync to the dev guild (instant) or globally, only when the commands changed."""
        guild_id = self.settings.discord_guild_id
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        scope = str(guild_id or "global")
        marker = self.state_dir / "synced-commands.json"
        try:
            synced = json.loads(marker.read_text())
        except (OSError, ValueError):
            synced = {}
        if synced.get(scope) == digest:
            log.info("slash commands unchanged for %s; not syncing", scope)
            return False
        await self.tree.sync(guild=guild)
        synced[scope] = digest
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps(synced))
        except OSError as exc:
            log.warning("cannot record the command sync in %s: %s", marker, exc)
        log.info("slash commands synced for %s", scope)
        return True

    async def on_ready(self) -> None:
        log.info("ready as %s", self.user)

    # -- handlers ------------------------------------------------------------------------

    async def handle_ask(self, interaction: discord.Interaction, question: str) -> None:
        problem = self._check(interaction.user.id, question)
        if problem:
            await interaction.response.send_message(
                problem, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        await interaction.response.defer(thinking=True)
        try:
            answer = await self.service.ask(question)
            await interaction.followup.send(embed=answer_embed(answer), allowed_mentions=NO_PINGS)
        except (IndexUnavailableError, QueryError) as exc:
            await interaction.followup.send(short_text(str(exc)), allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("answering /ask failed")
            await interaction.followup.send(FAILED, allowed_mentions=NO_PINGS)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None:
            return
        mentioned = self.user in message.mentions
        if not mentioned and message.guild is not None:
            return
        question = re.sub(rf"<@!?{self.user.id}>", " ", message.content).strip()
        if not question:
            return
        problem = self._check(message.author.id, question)
        try:
            if problem:
                await message.reply(problem, allowed_mentions=NO_PINGS, mention_author=False)
                return
            async with message.channel.typing():
                answer = await self.service.ask(question)
            await message.reply(
                embed=answer_embed(answer), allowed_mentions=NO_PINGS, mention_author=False
            )
        except (IndexUnavailableError, QueryError) as exc:
            await message.reply(
                short_text(str(exc)), allowed_mentions=NO_PINGS, mention_author=False
            )
        except Exception:
            log.exception("answering a mention failed")
            await message.reply(FAILED, allowed_mentions=NO_PINGS, mention_author=False)

    async def handle_reindex(self, interaction: discord.Interaction) -> None:
        member = interaction.user
        permissions = getattr(member, "guild_permissions", None)
        if permissions is None or not permissions.manage_guild:
            await interaction.response.send_message(
                "Only members with the Manage Server permission can reindex.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        if self.service.reindexing:
            await interaction.response.send_message(
                "A reindex is already running; I will report when it is done.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.defer(thinking=True)
        try:
            result = await self.service.reindex()
        except ReindexBusyError as exc:
            await interaction.followup.send(short_text(str(exc)), allowed_mentions=NO_PINGS)
            return
        except NewsdeskError as exc:
            await interaction.followup.send(
                short_text(f"Reindex failed: {exc}"), allowed_mentions=NO_PINGS
            )
            return
        except Exception:
            log.exception("reindex failed")
            await interaction.followup.send(FAILED, allowed_mentions=NO_PINGS)
            return
        report = result.report
        await interaction.followup.send(
            short_text(
                f"Reindexed: {result.added} articles added, {result.removed} removed; "
                f"{report.summary()}"
            ),
            allowed_mentions=NO_PINGS,
        )

    def _check(self, user_id: int, question: str) -> str | None:
        """A one-line reason to refuse the question, or None."""
        if not question.strip():
            return "Please ask a question, e.g. “did Iran confirm the crash?”."
        if len(question) > self.settings.discord_max_question_chars:
            return (
                f"That question is too long ({len(question)} characters); please keep it "
                f"under {self.settings.discord_max_question_chars}."
            )
        wait = self.cooldown.retry_after(user_id)
        if wait > 0:
            return f"Please wait {math.ceil(wait)} s before asking again."
        return None

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("slash command failed", exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(FAILED, ephemeral=True, allowed_mentions=NO_PINGS)
            else:
                await interaction.response.send_message(
                    FAILED, ephemeral=True, allowed_mentions=NO_PINGS
                )
        except discord.HTTPException:
            log.exception("could not report the failure to the user")
