"""One place that turns a failure into the one line a Discord user sees.

Used by the command tree's error handler and by the mention listener alike. Domain errors
(``NewsdeskError``) and refused checks say what happened; anything else is a bug: it is
logged with its traceback and the user gets a generic line.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_app.checks import QuestionRefused, permission_names, wait_text
from bot.discord_app.embeds import short_text
from core.errors import NewsdeskError

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
FAILED = "Sorry, something went wrong while answering; the error has been logged."


def error_reply(error: BaseException, *, command: str | None = None) -> str:
    """The one-line reply for ``error`` (unexpected errors are logged here)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NewsdeskError | QuestionRefused):
        return short_text(str(error))
    if isinstance(error, app_commands.CommandOnCooldown):
        return wait_text(error.retry_after)
    if isinstance(error, app_commands.MissingPermissions):
        action = command or "do that"  # commands are verbs: "can reindex"
        return (
            f"Only members with the {permission_names(error.missing_permissions)} "
            f"permission can {action}."
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    log.error("command failed", exc_info=error)
    return FAILED


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The command tree's one error handler: a one-line reply, private before any answer."""
    command = interaction.command.name if interaction.command else None
    text = error_reply(error, command=command)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.exception("could not report the failure to the user")
