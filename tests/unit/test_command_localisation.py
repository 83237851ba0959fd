"""Commands in the platform's language: Discord's description localisations (by catalog
key, within Discord's rules) and Telegram's menu and description per language_code."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from adapters.discord.runner import ImagineClient
from adapters.discord.translator import NAME, CatalogTranslator, catalog_language, valid_name
from adapters.telegram.commands import descriptions, menus, telegram_code
from bot import i18n
from bot.bootstrap import build_app
from bot.settings import Settings

DISCORD_LOCALES = {"es-ES": "es", "es-419": "es", "pt-BR": "pt-BR", "ru": "ru", "de": "de",
                   "fr": "fr", "tr": "tr"}


@pytest.fixture
async def app(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                        discord_token="x", telegram_token="1:x")
    app = await build_app(settings)
    yield app
    await app.close()


async def every_payload(app: Any) -> list[dict[str, Any]]:
    client = ImagineClient(app)
    translator = CatalogTranslator()
    return [await c.get_translated_payload(client.tree, translator)
            for c in client.tree.get_commands()]


async def payloads(app: Any) -> list[dict[str, Any]]:
    """The slash commands (the message command "Edit image" has no description)."""
    return [p for p in await every_payload(app) if p.get("type", 1) == 1]


def walk(payload: dict[str, Any]):
    yield payload
    for option in payload.get("options") or []:
        yield from walk(option)


def test_each_discord_locale_maps_to_its_catalog_or_to_the_english_default():
    for locale in discord.Locale:
        lang = catalog_language(locale)
        assert lang is None or lang in i18n.supported()
    for code, lang in DISCORD_LOCALES.items():
        assert catalog_language(discord.Locale(code)) == lang
    assert catalog_language(discord.Locale("en-US")) is None
    assert catalog_language(discord.Locale("ja")) is None


async def test_every_command_and_option_description_is_localised_for_each_language(app):
    for payload in await payloads(app):
        for item in walk(payload):
            localised = item.get("description_localizations") or {}
            assert set(localised) == set(DISCORD_LOCALES), item["name"]
            for code, text in localised.items():
                assert 1 <= len(text) <= 100
                assert text == i18n.t_in(DISCORD_LOCALES[code], _key_of(item, payload))


async def test_localised_names_pass_discords_name_rules(app):
    for payload in await payloads(app):
        for item in walk(payload):
            assert valid_name(item["name"])
            for name in (item.get("name_localizations") or {}).values():
                assert valid_name(name), name


def test_the_name_rule_is_discords():
    assert valid_name("imagine") and valid_name("идея") and valid_name("görsel-oluştur")
    assert not valid_name("Imagine") and not valid_name("two words") and not valid_name("")
    assert not valid_name("x" * 33) and not NAME.fullmatch("a!")


async def test_english_descriptions_stay_the_tables_own(app):
    for payload in await payloads(app):
        assert i18n.t_in("en", "cmd-" + payload["name"]) == payload["description"]


async def test_the_edit_image_menu_entry_is_named_in_each_language(app):
    """A message command is picked from the Apps menu, not typed: its name is localised,
    within Discord's rule for context-menu names (1-32 characters, any case, spaces)."""
    [menu] = [p for p in await every_payload(app) if p.get("type") == 3]
    assert menu["name"] == "Edit image"
    assert menu["name_localizations"] == {
        code: i18n.t_in(lang, "menu-edit-image") for code, lang in DISCORD_LOCALES.items()}
    assert all(1 <= len(name) <= 32 for name in menu["name_localizations"].values())
    assert not menu.get("description_localizations")


def test_telegram_menus_and_descriptions_exist_for_every_language_within_limits(app):
    all_menus, texts = menus(app.commands), descriptions()
    codes = {""} | {telegram_code(lang) for lang in i18n.supported() if lang != "en"}
    assert set(all_menus) == set(texts) == codes == {"", "es", "pt", "ru", "de", "fr", "tr"}
    english = [c.command for c in all_menus[""]]
    for code, lines in all_menus.items():
        assert code == "" or re.fullmatch(r"[a-z]{2}", code)
        assert [c.command for c in lines] == english  # names stay as people type them
        assert all(1 <= len(c.description) <= 256 for c in lines)
        assert 1 <= len(texts[code]) <= 512
    assert all_menus["es"][0].description == i18n.t_in("es", "cmd-imagine")


def _key_of(item: dict[str, Any], top: dict[str, Any]) -> str:
    """The catalog key a payload item was described with (commands, subcommands, options)."""
    if item is top:
        return f"cmd-{top['name']}"
    for option in top.get("options") or []:
        if option is item:
            return (f"cmd-{top['name']}-{item['name']}" if item["type"] == 1
                    else f"cmd-{top['name']}--{item['name'].replace('_', '-')}")
        for sub in option.get("options") or []:
            if sub is item:
                return f"cmd-{top['name']}-{option['name']}--{sub['name'].replace('_', '-')}"
    raise LookupError(item["name"])


async def test_intent_choices_are_localised_from_the_catalog(app):
    [imagine] = [p for p in await payloads(app) if p["name"] == "imagine"]
    [intent] = [o for o in imagine["options"] if o["name"] == "intent"]
    text = next(c for c in intent["choices"] if c["value"] == "text")
    assert text["name"].startswith("text: It needs text in the image")
    assert set(text["name_localizations"]) == set(DISCORD_LOCALES)
    assert i18n.t_in("pt-BR", "intent-text-phrase") in text["name_localizations"]["pt-BR"]
    for choice in intent["choices"]:
        assert all(1 <= len(n) <= 100 for n in choice["name_localizations"].values())
