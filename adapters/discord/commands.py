"""The slash command tree, and /imagine, /models, /help on Discord (servers and DMs).

Every command comes from the command table (slash.py builds them); the community ones are
rendered by community.py and giveaways.py, or by the shared renderer. The catalog and
intents are data (operators edit them), so their option values are built at start from
them: `intent` is a fixed choice list, `model` and `aspect` autocomplete with prices
("Flux Pro — 5 credits"). Structured options go through `build_request`, the same
validation as the text grammar. Errors escaping a command reach `Tree.on_error`.
"""

from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord import rendering
from adapters.discord.boundary import send_ephemeral
from adapters.discord.community import CreditsFeature, shared_renderer
from adapters.discord.flow import App, Surface, user_of
from adapters.discord.giveaways import GiveawayBoard, GiveawayFeature
from adapters.discord.slash import PLATFORM, AppCommand, Feature, build_slash
from bot import i18n
from bot.domain.catalog import Catalog, Model
from bot.domain.commands import Source
from bot.domain.errors import RequestError
from bot.domain.intents import Intent, IntentTable
from bot.domain.jobs import EDIT
from bot.domain.requests import build_request
from bot.services import edit_text, replies
from bot.services.help import help_text
from bot.services.planning import price

MAX_CHOICES = 25


class Tree(app_commands.CommandTree):
    """The command tree with the one app-command error boundary."""

    def __init__(self, client: discord.Client, surface: Surface,
                 commands: Sequence[AppCommand]) -> None:
        super().__init__(
            client,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self.surface = surface
        for command in commands:
            self.add_command(command)
        if any(c.name == "edit" for c in commands):  # editing is on: "Edit image" too
            self.add_command(surface.edits.menu())

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.surface.enter(interaction)

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        await self.surface.report(interaction, error)


def model_choices(catalog: Catalog, current: str) -> list[app_commands.Choice[str]]:
    needle = (current or "").strip().lower()
    found = [m for m in catalog if needle in m.id or needle in m.name.lower()] or list(catalog)
    return [
        app_commands.Choice(
            name=rendering.clip(f"{m.name} — {replies.credits(m.credits)} · {replies.speed(m)}, "
                                f"{replies.strengths(m)}", 100),
            value=m.id)
        for m in found[:MAX_CHOICES]
    ]


def aspect_choices(catalog: Catalog, model: str | None, current: str
                   ) -> list[app_commands.Choice[str]]:
    chosen = catalog.find(model) if model else None
    ratios: list[str] = []
    for m in [chosen] if chosen else list(catalog):
        ratios += [r for r in m.aspect_ratios if r not in ratios]
    needle = (current or "").strip()
    picked = [r for r in ratios if r.startswith(needle)] or ratios
    return [app_commands.Choice(name=r, value=r) for r in picked[:MAX_CHOICES]]


def intent_choices(catalog: Catalog, intents: IntentTable) -> list[app_commands.Choice[str]]:
    out = []
    for intent in list(intents)[:MAX_CHOICES]:
        model = catalog.get(intent.default_model)

        def name(intent: Intent = intent, model: Model = model) -> str:
            """The choice's words in the locale of the moment (the Translator calls it
            once per language at sync)."""
            phrase = replies.intent_phrase(intent.id, intent.phrase)
            return rendering.clip(f"{intent.id}: {phrase} → {model.name} "
                                  f"({replies.credits(model.credits)})", 100)

        label = app_commands.locale_str(name(), render=name)
        out.append(app_commands.Choice(name=label, value=intent.id))
    return out


class ImageFeature:
    """/imagine, /models and /help: a live generation, and embeds."""

    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.catalog, self.intents = surface.catalog, surface.planner.intents

    def feature(self) -> Feature:
        return Feature(
            renderers={"imagine": self.imagine, "models": self.models, "help": self.help,
                       "edit": self.edit},
            suggest={Source.MODELS: self.model_suggest, Source.ASPECTS: self.aspect_suggest,
                     Source.EDITORS: self.editor_suggest},
            choices={Source.INTENTS: intent_choices(self.catalog, self.intents)},
        )

    async def imagine(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        if v.get("image") is not None:  # a picture to start from: the prompt edits it
            return await self.surface.edits.slash_edit(interaction, [v["image"]], v["prompt"],
                                                       v["model"])
        try:
            request = build_request(self.catalog, self.intents, v["prompt"], model=v["model"],
                                    intent=v["intent"], aspect=v["aspect"], seed=v["seed"])
        except RequestError as exc:
            return await send_ephemeral(interaction, exc.user_message)
        await self.surface.imagine(interaction, request)

    async def edit(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        await self.surface.edits.slash_edit(
            interaction, [v["image"], v.get("image2"), v.get("image3")], v["prompt"],
            v.get("model"))

    async def model_suggest(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        # Autocomplete skips interaction_check: the client's language, without a look-up.
        i18n.set_locale(interaction.locale.value)
        return model_choices(self.catalog, current)

    async def editor_suggest(self, interaction: discord.Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
        """/edit's model: only the models that can edit here, at their edit prices."""
        i18n.set_locale(interaction.locale.value)  # autocomplete skips interaction_check
        needle = (current or "").strip().lower()
        editors = self.surface.planner.editors(1)
        found = [m for m in editors if needle in m.id or needle in m.name.lower()] or editors
        return [app_commands.Choice(
            name=rendering.clip(edit_text.editor_choice(m.name, price(m, EDIT)), 100),
            value=m.id)
            for m in found[:MAX_CHOICES]]

    async def aspect_suggest(self, interaction: discord.Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
        model = getattr(interaction.namespace, "model", None)
        return aspect_choices(self.catalog, model, current)

    async def models(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        embed = rendering.models_embed(self.catalog, self.surface.app.router.demo_mode)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def help(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        app = self.surface.app
        balance = await self.surface.service.balance(user_of(interaction))
        text = help_text(app.commands.table, PLATFORM, self.catalog,
                         self.intents, balance, app.router.demo_mode)
        await interaction.response.send_message(embed=rendering.help_embed(text),
                                                ephemeral=True)


def slash_commands(app: App, surface: Surface, board: GiveawayBoard,
                   shop: Feature | None = None) -> list[AppCommand]:
    """Every command of the table Discord offers: the one registration point. Features
    render what is special here; everything else gets the core handler's reply."""
    levels = [app_commands.Choice(name=n, value=n)
              for n in ("strict", "standard", "mature", "default")]
    features = [ImageFeature(surface).feature(), CreditsFeature(app).feature(),
                GiveawayFeature(board).feature(), Feature(choices={Source.SAFETY_LEVELS: levels}),
                *([shop] if shop else [])]
    return build_slash(app.commands, features, shared_renderer(app))
