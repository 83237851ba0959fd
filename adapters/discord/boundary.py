"""The one error boundary of the Discord surface: what a person is told when something fails.

A `BotError` becomes its `user_message`, privately (ephemeral); anything else is logged with
its traceback and the person gets a short apology (the service has refunded already).
Nothing here raises: a failed answer is logged and dropped.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from adapters.discord import ack
from adapters.discord.rendering import clip
from adapters.discord.reply import NETWORK_ERRORS
from bot.domain.catalog import Catalog
from bot.domain.errors import BotError, InsufficientCredits
from bot.i18n import t
from bot.services import replies

log = logging.getLogger(__name__)

# The words below are read when said (in the locale of the event), never at import.


def apology() -> str:
    return replies.SORRY  # the same words on every surface


def unposted() -> str:
    return t("unposted")


def error_text(exc: BotError, catalog: Catalog, job_id: str | None) -> str:
    """The error's own words; a "not enough credits" hint is phrased for Discord."""
    text = exc.user_message
    if isinstance(exc, InsufficientCredits) and exc.suggestion:
        if job_id:
            return t("hint-button", text=text)
        model = catalog.find(exc.suggestion)
        return t("hint-rerun", text=text, model=model.name if model else exc.suggestion)
    return text


def describe(error: BaseException, catalog: Catalog, interaction_id: int) -> str:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, BotError):
        return error_text(error, catalog, None)
    if isinstance(error, app_commands.CommandNotFound):
        return t("command-gone")
    if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
        return t("bad-input", error=str(error))
    log.error("unexpected error for interaction %s", interaction_id,
              exc_info=(type(error), error, error.__traceback__))
    return apology()


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
            await ack.ephemeral_text(interaction, clip(text, 2000))
    except NETWORK_ERRORS as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)
