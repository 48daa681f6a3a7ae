"""Feeds: /follow and /unfollow (Manage Server), /feeds, and the scheduled poll.

Every ``NEWSDESK_FEED_INTERVAL_MINUTES`` the followed feeds are polled in a child process
and new articles indexed (``bot.following``); the first poll runs when the bot starts, and
another right after a /follow, so a new feed's articles do not wait for the schedule.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_app.embeds import escape, short_text, shorten
from bot.discord_app.errors import NO_PINGS
from bot.following import Following

if TYPE_CHECKING:
    from bot.discord_app.client import NewsdeskBot

log = logging.getLogger(__name__)


class FeedsCog(commands.Cog):
    def __init__(self, bot: NewsdeskBot, following: Following, interval_minutes: float) -> None:
        self.bot = bot
        self.following = following
        self.interval_minutes = interval_minutes
        self.poll_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        if self.interval_minutes > 0:
            self.poll_feeds.change_interval(minutes=self.interval_minutes)
            self.poll_feeds.start()

    async def cog_unload(self) -> None:
        self.poll_feeds.cancel()
        if self.poll_task is not None:
            self.poll_task.cancel()

    @tasks.loop(minutes=30)
    async def poll_feeds(self) -> None:
        await self.poll_once()

    async def poll_once(self) -> None:
        """Poll and index; failures are logged, never raised into the loop."""
        try:
            result = await self.following.poll()
        except Exception:
            log.exception("polling the feeds failed")
            return
        if result is None:
            return
        log.info("feeds: %s", result.report.summary())
        if result.reindex is not None:
            log.info("feeds indexed: %s", result.reindex.report.summary())

    @app_commands.command(name="follow", description="Follow a news feed (RSS or Atom)")
    @app_commands.describe(url="The feed's address", name="A short name for it")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_guild=True)
    async def follow(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000],
        name: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True)  # checking the feed takes a request
        feed = await self.following.follow(url.strip(), name)
        every = (
            f"every {self.interval_minutes:g} minutes"
            if self.interval_minutes > 0
            else "when an admin runs `newsdesk update`"
        )
        await interaction.followup.send(
            short_text(
                f"Following **{escape(feed.name)}** (<{feed.url}>): its new articles are "
                f"fetched now and {every}."
            ),
            allowed_mentions=NO_PINGS,
        )
        if self.interval_minutes > 0 and (self.poll_task is None or self.poll_task.done()):
            self.poll_task = asyncio.create_task(self.poll_once(), name="newsdesk-feed-poll")

    @app_commands.command(name="unfollow", description="Stop following a news feed")
    @app_commands.describe(feed="The feed's name or address")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unfollow(self, interaction: discord.Interaction, feed: str) -> None:
        removed = await self.following.unfollow(feed)
        await interaction.response.send_message(
            f"Stopped following **{escape(removed.name)}**; its articles stay searchable.",
            allowed_mentions=NO_PINGS,
        )

    @unfollow.autocomplete("feed")
    async def _feed_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        feeds = await self.following.feeds()
        wanted = current.lower()
        return [
            app_commands.Choice(name=f.feed.name, value=f.feed.name)
            for f in feeds
            if wanted in f.feed.name.lower() or wanted in f.feed.url.lower()
        ][:25]

    @app_commands.command(name="feeds", description="List the news feeds Newsdesk follows")
    async def feeds(self, interaction: discord.Interaction) -> None:
        followed = await self.following.feeds()
        embed = discord.Embed(title="Followed feeds")
        if not followed:
            embed.description = "No feeds are followed yet; an admin can add one with /follow."
        lines = []
        for item in followed:
            feed = item.feed
            status = f"last polled {feed.last_polled}" if feed.last_polled else "not polled yet"
            if feed.last_error:
                status = f"failing: {feed.last_error}"
            lines.append(
                f"**{escape(feed.name)}** <{feed.url}>\n{item.articles} articles; {escape(status)}"
            )
        if lines:
            embed.description = shorten("\n".join(lines), 4000)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_PINGS)
