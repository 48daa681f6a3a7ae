"""The Discord bot: a ``commands.Bot`` whose features live in cogs, over ``AnswerService``.

No privileged intents: slash commands, mentions and DMs carry their text without the
message-content intent. Every message is sent with ``AllowedMentions.none()``. There are
no prefix commands: a mention is a question (``cogs/asking.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord.ext import commands

from bot.discord_app.checks import Cooldown
from bot.discord_app.cogs.admin import AdminCog
from bot.discord_app.cogs.asking import AskingCog
from bot.discord_app.cogs.feeds import FeedsCog
from bot.discord_app.cogs.sources import SourcesCog
from bot.discord_app.errors import NO_PINGS, on_app_command_error
from bot.following import Following
from bot.service import AnswerService
from core.settings import Settings

log = logging.getLogger(__name__)


class NewsdeskBot(commands.Bot):
    """Newsdesk in Discord: /ask, /sources, /reindex, /follow, /unfollow, /feeds, and
    questions by mention."""

    def __init__(
        self, settings: Settings, service: AnswerService, following: Following | None = None
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),
            allowed_mentions=NO_PINGS,
        )
        self.service = service
        self.following = following
        self.feed_interval_minutes = settings.feed_interval_minutes
        self.state_dir = settings.state_dir
        self.guild_id = settings.discord_guild_id
        self.max_question_chars = settings.discord_max_question_chars
        self.index_poll_seconds = settings.index_poll_seconds
        self.cooldown = Cooldown(settings.discord_cooldown_seconds)
        self.tree.error(on_app_command_error)

    def cogs_to_load(self) -> list[commands.Cog]:
        """One cog per feature; feeds only when the bot can fetch them."""
        cogs: list[commands.Cog] = [AskingCog(self), SourcesCog(self), AdminCog(self)]
        if self.following is not None:
            cogs.append(FeedsCog(self, self.following, self.feed_interval_minutes))
        return cogs

    async def setup_hook(self) -> None:
        for cog in self.cogs_to_load():
            await self.add_cog(cog)
        await self.sync_commands()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are questions, answered by the asking cog."""

    async def on_ready(self) -> None:
        log.info("ready as %s", self.user)

    async def sync_commands(self) -> bool:
        """Sync to the dev guild (instant) or globally, only when the commands changed."""
        guild = discord.Object(id=self.guild_id) if self.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        scope = str(self.guild_id or "global")
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
