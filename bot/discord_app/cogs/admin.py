"""Admin: /reindex (Manage Server), and picking up index versions built elsewhere.

A rebuild of a large corpus outlives an interaction's 15-minute token, so /reindex answers
at once and then reports through a channel message the bot owns, edited as the build
advances. The build itself runs in a separate process (see ``newsdesk.wiring``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_app.embeds import short_text
from bot.discord_app.errors import NO_PINGS, error_reply
from bot.service import ReindexBusyError

if TYPE_CHECKING:
    from bot.discord_app.client import NewsdeskBot

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 5.0


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.reindex_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        seconds = self.bot.index_poll_seconds
        if seconds > 0:
            self.watch_index.change_interval(seconds=seconds)
            self.watch_index.start()

    async def cog_unload(self) -> None:
        self.watch_index.cancel()
        if self.reindex_task is not None:
            self.reindex_task.cancel()

    @tasks.loop(seconds=30)
    async def watch_index(self) -> None:
        """Pick up index versions that `newsdesk index build` publishes while we run."""
        try:
            await self.bot.service.refresh()
        except Exception:
            log.exception("checking for a new index version failed")

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.bot.service.reindexing or (
            self.reindex_task is not None and not self.reindex_task.done()
        ):
            raise ReindexBusyError("A reindex is already running; I will report when it is done.")
        acknowledged = asyncio.Event()
        # Created before the first await, so a second /reindex sees it at once.
        self.reindex_task = asyncio.create_task(
            self._reindex(interaction.channel, acknowledged), name="newsdesk-reindex"
        )
        try:
            await interaction.response.send_message(
                "Reindexing the corpus; progress and the result follow in this channel.",
                allowed_mentions=NO_PINGS,
            )
        finally:
            acknowledged.set()

    async def _reindex(self, channel: object, acknowledged: asyncio.Event) -> None:
        await acknowledged.wait()
        status = await self._post(channel, "Reindex: reading the corpus …")
        last = 0.0

        async def progress(text: str) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                last = time.monotonic()
                await self._edit(status, f"Reindex: {text} …")

        try:
            result = await self.bot.service.reindex(progress)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._edit(status, f"Reindex failed: {error_reply(exc)}")
            return
        await self._edit(
            status,
            f"Reindexed: {result.added} articles added, {result.removed} removed; "
            f"{result.report.summary()}",
        )

    async def _post(self, channel: object, text: str) -> discord.Message | None:
        if not isinstance(channel, discord.abc.Messageable):
            return None
        try:
            return await channel.send(short_text(text), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.exception("cannot post the reindex status")
            return None

    async def _edit(self, message: discord.Message | None, text: str) -> None:
        if message is None:
            log.info("%s", text)
            return
        try:
            await message.edit(content=short_text(text), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.exception("cannot update the reindex status")
