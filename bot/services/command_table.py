"""The bot's commands: every feature's declarations in one table, and their handlers.

The one place a feature is listed. Its commands then appear on every surface that offers
them (Discord's slash commands, Telegram's menu, the console) and in every /help.
"""

from __future__ import annotations

from bot.domain.commands import CommandTable
from bot.services import (
    credits_commands,
    giveaway_commands,
    image_commands,
    language_commands,
    safety_commands,
    store_commands,
)
from bot.services.commands import Commands
from bot.services.community import CommunityService
from bot.services.credits_commands import CreditCommands
from bot.services.giveaway_commands import GiveawayCommands
from bot.services.giveaways import GiveawayService
from bot.services.language import LanguageService
from bot.services.language_commands import LanguageCommands
from bot.services.safety import SafetyService
from bot.services.safety_commands import SafetyCommands
from bot.services.store import StoreService
from bot.services.store_commands import StoreCommands

TABLE = CommandTable([
    *image_commands.COMMANDS,
    *credits_commands.COMMANDS,
    *store_commands.COMMANDS,
    *giveaway_commands.COMMANDS,
    *safety_commands.COMMANDS,
    *language_commands.COMMANDS,
    *image_commands.LAST,
])


def build_commands(community: CommunityService, giveaways: GiveawayService,
                   store: StoreService, safety: SafetyService | None = None,
                   languages: LanguageService | None = None) -> Commands:
    handlers = {
        **CreditCommands(community).handlers(),
        **GiveawayCommands(giveaways).handlers(),
        **StoreCommands(store).handlers(),
    }
    if safety is not None:
        handlers.update(SafetyCommands(safety, community).handlers())
    if languages is not None:
        handlers.update(LanguageCommands(languages, community).handlers())
    return Commands(TABLE, handlers)
