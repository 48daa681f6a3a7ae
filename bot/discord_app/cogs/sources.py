"""Sources: /sources lists the indexed articles, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.embeds import sources_embed
from bot.discord_app.errors import NO_PINGS

if TYPE_CHECKING:
    from bot.discord_app.client import NewsdeskBot


class SourcesCog(commands.Cog):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles Newsdesk can quote")
    @app_commands.describe(page="Page number")
    async def sources(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        # The list was sorted when the index version was loaded (off the event loop).
        embed = sources_embed(self.bot.service.sources(), page=page)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_PINGS)
