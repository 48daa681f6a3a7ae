"""The Discord adapter: slash commands and mentions over the answering service."""

from bot.discord_app.client import NewsdeskBot

__all__ = ["NewsdeskBot"]
