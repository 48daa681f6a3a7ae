"""Asking: /ask and questions by mention (or in a DM)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import check_question
from bot.discord_app.embeds import answer_embed
from bot.discord_app.errors import NO_PINGS, error_reply

if TYPE_CHECKING:
    from bot.discord_app.client import NewsdeskBot

log = logging.getLogger(__name__)


async def _may_ask(interaction: discord.Interaction) -> bool:
    """The question is acceptable and the user is not cooling down (in that order, so a
    refused question does not cost the user a turn)."""
    bot: NewsdeskBot = interaction.client  # type: ignore[assignment]
    check_question(str(interaction.namespace.question or ""), bot.max_question_chars)
    bot.cooldown.check(interaction.user.id)
    return True


class AskingCog(commands.Cog):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question about the news articles")
    @app_commands.describe(question="Your question, in plain words")
    @app_commands.check(_may_ask)
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)  # at once: answering takes a moment
        answer = await self.bot.service.ask(question)
        await interaction.followup.send(embed=answer_embed(answer), allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None:
            return
        if me not in message.mentions and message.guild is not None:
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not question:
            return
        try:
            check_question(question, self.bot.max_question_chars)
            self.bot.cooldown.check(message.author.id)
            async with message.channel.typing():
                answer = await self.bot.service.ask(question)
            await message.reply(
                embed=answer_embed(answer), allowed_mentions=NO_PINGS, mention_author=False
            )
        except Exception as exc:
            try:
                await message.reply(
                    error_reply(exc), allowed_mentions=NO_PINGS, mention_author=False
                )
            except discord.HTTPException:
                log.exception("could not reply to a mention")
