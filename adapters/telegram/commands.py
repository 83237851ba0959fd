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

from bot import i18n
from bot.services.commands import Commands
from bot.services.help import command_key

PLATFORM = "telegram"


def menu(commands: Commands, lang: str = i18n.DEFAULT) -> list[BotCommand]:
    """The command menu, in the table's order (Telegram takes 3-256 characters a line).
    English: the table's menu lines; other languages: their command descriptions."""
    if lang == i18n.DEFAULT:
        return [BotCommand(c.name, (c.menu or c.description)[:256])
                for c in commands.table.on(PLATFORM)]
    return [BotCommand(c.name, i18n.t_in(lang, command_key(c.name))[:256])
            for c in commands.table.on(PLATFORM)]


def telegram_code(lang: str) -> str:
    """Telegram takes two-letter ISO 639-1 codes for setMyCommands (pt-BR -> pt)."""
    return lang.split("-", 1)[0].lower()


def menus(commands: Commands) -> dict[str, list[BotCommand]]:
    """Every language's menu by Telegram language_code ("" = the default, English)."""
    out = {"": menu(commands)}
    for lang in i18n.supported():
        if lang != i18n.DEFAULT:
            out[telegram_code(lang)] = menu(commands, lang)
    return out


def descriptions() -> dict[str, str]:
    """What an empty chat with the bot shows (setMyDescription, up to 512 characters)."""
    return {("" if lang == i18n.DEFAULT else telegram_code(lang)):
            i18n.t_in(lang, "help-intro")[:512] for lang in i18n.supported()}


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
