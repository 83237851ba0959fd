"""The one error boundary of the Discord surface: what a person is told when something fails.

A `BotError` becomes its `user_message`, privately (ephemeral); anything else is logged with
its traceback and the person gets a short apology (the service has refunded already).
Nothing here raises: a failed answer is logged and dropped.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from adapters.discord.rendering import clip
from adapters.discord.reply import NETWORK_ERRORS
from bot.domain.catalog import Catalog
from bot.domain.errors import BotError, InsufficientCredits
from bot.services import replies

log = logging.getLogger(__name__)

APOLOGY = replies.SORRY  # the same words on every surface
UNPOSTED = ("Your image was made, but I could not post it here, so your credits were "
            "refunded. Please try again in a moment or ask an admin to check my permissions "
            "in this channel.")
EXPIRED = replies.BUTTON_EXPIRED
RESTARTING = replies.RESTARTING


def error_text(exc: BotError, catalog: Catalog, job_id: str | None) -> str:
    """The error's own words; a "not enough credits" hint is phrased for Discord."""
    text = exc.user_message
    if isinstance(exc, InsufficientCredits) and exc.suggestion:
        model = catalog.find(exc.suggestion)
        hint = ("use the button below" if job_id
                else f"run /imagine again with model: {model.name if model else exc.suggestion}")
        text = f"{text} To use it, {hint}."
    return text


def describe(error: BaseException, catalog: Catalog, interaction_id: int) -> str:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, BotError):
        return error_text(error, catalog, None)
    if isinstance(error, app_commands.CommandNotFound):
        return "That command is gone. Try /help for the current ones."
    if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
        return f"I could not use that input: {error}"
    log.error("unexpected error for interaction %s", interaction_id,
              exc_info=(type(error), error, error.__traceback__))
    return APOLOGY


async def report(interaction: discord.Interaction, error: BaseException, catalog: Catalog
                 ) -> None:
    """Tell the person what went wrong, privately. Never raises."""
    await send_ephemeral(interaction, describe(error, catalog, interaction.id))


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer the interaction (or follow up) with a message only the person sees."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(clip(text, 2000), ephemeral=True)
        else:
            await interaction.response.send_message(clip(text, 2000), ephemeral=True)
    except NETWORK_ERRORS as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)
