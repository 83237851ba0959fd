"""Telegram's side of the command table: the command menu and one handler per command.

Both come from the table (bot.services.command_table): every command Telegram offers is in
the `setMyCommands` menu and has a CommandHandler (also `/cmd@botname` in groups). The
commands this adapter runs itself (/imagine, /help, ...) are `own`; every other one goes to
the one handler of the shared text grammar. A command nothing would run fails at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import BotCommand
from telegram.ext import CommandHandler, filters

from bot.services.commands import Commands

PLATFORM = "telegram"


def menu(commands: Commands) -> list[BotCommand]:
    """The command menu, in the table's order (Telegram takes 3-256 characters a line)."""
    return [BotCommand(c.name, (c.menu or c.description)[:256])
            for c in commands.table.on(PLATFORM)]


def command_handlers(
    commands: Commands, own: Mapping[str, Any], shared: Any
) -> list[CommandHandler[Any, Any]]:
    """One CommandHandler per command: `own[name]`, else `shared` (the text grammar)."""
    missing = commands.unhandled(PLATFORM, own)
    if missing:
        raise LookupError(f"Telegram commands nothing runs: {missing}")
    new = filters.UpdateType.MESSAGE  # not edits: an edited command is not a new order
    return [CommandHandler(c.name, own.get(c.name, shared), filters=new)
            for c in commands.table.on(PLATFORM)]
