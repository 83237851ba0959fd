"""The bare baselines of `imagine-bot bench --platforms`: the same libraries the bot uses,
with their defaults, answering with a constant reply (no database, no logic).

    python -m tests.bench.bare_bots telegram   # TELEGRAM_TOKEN, TELEGRAM_BASE_URL, ..._FILE_URL
    python -m tests.bench.bare_bots discord    # DISCORD_TOKEN, DISCORD_API_BASE, ..._GATEWAY_URL

Telegram: python-telegram-bot's `Application` with its defaults, `run_polling`, one
CommandHandler for /balance; with BARE_RATE_LIMITER=1 also PTB's own AIORateLimiter (its
defaults: 30 messages a second overall, as Telegram asks and as the bot sends). Discord: discord.py's `Client` (default intents) with a
CommandTree, /imagine and /balance answered with a constant message (/balance privately,
as the bot does). They live in the checkout next to the fakes the bench runs them against.
"""

from __future__ import annotations

import os
import sys

REPLY = "You have 50 credits."


def telegram() -> None:
    from telegram import Update
    from telegram.ext import AIORateLimiter, Application, CommandHandler, ContextTypes

    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .base_file_url(os.environ["TELEGRAM_BASE_FILE_URL"])
    )
    if os.environ.get("BARE_RATE_LIMITER") == "1":  # PTB's own limiter, its defaults: 30/s
        builder = builder.rate_limiter(AIORateLimiter())
    app = builder.build()

    async def balance(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(REPLY)

    app.add_handler(CommandHandler("balance", balance))
    app.run_polling(timeout=10)  # stops on SIGTERM / SIGINT


def discord_bot() -> None:
    import discord
    import yarl
    from discord import app_commands

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])

    class Bare(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default())
            self.tree = app_commands.CommandTree(self)

        async def setup_hook(self) -> None:
            await self.tree.sync()

    client = Bare()

    @client.tree.command(name="balance", description="Your credits")
    async def balance(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(REPLY, ephemeral=True)

    @client.tree.command(name="imagine", description="Generate an image")
    @app_commands.describe(prompt="What to draw")
    async def imagine(interaction: discord.Interaction, prompt: str) -> None:
        await interaction.response.send_message(REPLY)

    client.run(os.environ["DISCORD_TOKEN"], log_handler=None)  # stops on SIGINT


if __name__ == "__main__":
    {"telegram": telegram, "discord": discord_bot}[sys.argv[1]]()
