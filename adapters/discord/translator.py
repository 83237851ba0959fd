"""Slash command descriptions in the client's language: discord.py's Translator over the
catalogs (data/locales/*/commands.ftl).

SlashBuilder marks each description with its catalog key (`locale_str(english, key=...)`);
at sync, discord.py asks `translate` once per Discord locale and sends the answers as
`description_localizations`. Names are not translated: people type the same /imagine on
every platform and in every help text, so localised names would only confuse. The one
exception is the "Edit image" message command: people pick it from the Apps menu, so its
name is shown in their language (`menu-edit-image`). A name localisation a catalog might
add later is checked against Discord's rules all the same.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands

from bot import i18n

# Discord's rule for command and option names (lower case where a lower case exists).
NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
MAX_DESCRIPTION = 100
MAX_MENU_NAME = 32  # a context-menu entry ("Edit image"): any case, spaces allowed
_NAMES = (app_commands.TranslationContextLocation.command_name,
          app_commands.TranslationContextLocation.group_name,
          app_commands.TranslationContextLocation.parameter_name)


def catalog_language(locale: discord.Locale) -> str | None:
    """The catalog of a Discord locale (es-ES and es-419 -> es, pt-BR -> pt-BR), None for
    English (the default text) and for languages without a catalog."""
    lang = i18n.match(locale.value)
    return None if lang in (None, i18n.DEFAULT) else lang


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name)) and name == name.lower()


class CatalogTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        lang = catalog_language(locale)
        render = string.extras.get("render")  # words built from data (intent choices)
        if render is not None and lang is not None:
            with i18n.use(lang):
                return str(render())[:MAX_DESCRIPTION]
        if not key or lang is None or key not in i18n.catalog().ids[lang]:
            return None
        text = i18n.t_in(lang, key)
        if context.location in _NAMES:
            if isinstance(context.data, app_commands.ContextMenu):  # picked, not typed
                return text if 1 <= len(text) <= MAX_MENU_NAME else None
            return text if valid_name(text) else None  # never break a sync over a name
        return text[:MAX_DESCRIPTION]
