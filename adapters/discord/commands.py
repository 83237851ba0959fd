"""Slash commands: /imagine, /models, /help (servers and DMs); the community commands
(/balance, /daily, /give, /credits, /giveaway ...) come from community.py and giveaways.py.

The catalog and intents are data (operators edit them), so the commands are built at start
from them: `intent` is a fixed choice list, `model` and `aspect` autocomplete with prices
("Flux Pro — 5 credits"). Structured options go through `build_request`, the same
validation as the text grammar. Errors escaping a command reach `Tree.on_error`.
(No `from __future__ import annotations` here: discord.py reads these annotations at runtime.)
"""

from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord import rendering
from adapters.discord.boundary import send_ephemeral
from adapters.discord.flow import Surface, user_of
from bot.domain.catalog import Catalog
from bot.domain.errors import RequestError
from bot.domain.intents import IntentTable
from bot.domain.requests import MAX_PROMPT_CHARS, MAX_SEED, build_request
from bot.services import replies

MAX_CHOICES = 25
Prompt = app_commands.Range[str, 1, MAX_PROMPT_CHARS]
Seed = app_commands.Range[int, 0, MAX_SEED]


class Tree(app_commands.CommandTree):
    """The command tree with the one app-command error boundary."""

    def __init__(self, client: discord.Client, surface: Surface,
                 extra: Sequence[Any] = ()) -> None:
        super().__init__(
            client,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self.surface = surface
        for command in [*build_commands(surface), *extra]:
            self.add_command(command)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return self.surface.first_time(interaction)

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        await self.surface.report(interaction, error)


def model_choices(catalog: Catalog, current: str) -> list[app_commands.Choice[str]]:
    needle = (current or "").strip().lower()
    found = [m for m in catalog if needle in m.id or needle in m.name.lower()] or list(catalog)
    return [
        app_commands.Choice(
            name=rendering.clip(f"{m.name} — {replies.credits(m.credits)} · {m.speed}, "
                                f"{', '.join(m.strengths)}", 100),
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
        name = f"{intent.id}: {intent.phrase} → {model.name} ({replies.credits(model.credits)})"
        out.append(app_commands.Choice(name=rendering.clip(name, 100), value=intent.id))
    return out


def build_commands(surface: Surface) -> list[app_commands.Command]:  # type: ignore[type-arg]
    catalog, intents = surface.catalog, surface.planner.intents

    @app_commands.command(name="imagine", description="Make an image; I pick the right model")
    @app_commands.describe(
        prompt="What to draw",
        model="A model to use (default: picked from your prompt)",
        intent="What the image is for; picks the model",
        aspect="Aspect ratio, like 16:9",
        seed="A seed, for repeatable images",
    )
    @app_commands.choices(intent=intent_choices(catalog, intents))
    async def imagine(
        interaction: discord.Interaction, prompt: Prompt, model: str | None = None,
        intent: str | None = None, aspect: str | None = None, seed: Seed | None = None,
    ) -> None:
        try:
            request = build_request(catalog, intents, prompt, model=model, intent=intent,
                                    aspect=aspect, seed=seed)
        except RequestError as exc:
            return await send_ephemeral(interaction, exc.user_message)
        await surface.imagine(interaction, request)

    @imagine.autocomplete("model")
    async def model_autocomplete(interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        return model_choices(catalog, current)

    @imagine.autocomplete("aspect")
    async def aspect_autocomplete(interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        return aspect_choices(catalog, getattr(interaction.namespace, "model", None), current)

    @app_commands.command(name="models", description="Models and their prices in credits")
    async def models(interaction: discord.Interaction) -> None:
        embed = rendering.models_embed(catalog, surface.app.dispatcher.demo_mode)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="help", description="How to use this bot")
    async def help_(interaction: discord.Interaction) -> None:
        credits = await surface.service.balance(user_of(interaction))
        embed = rendering.help_embed(catalog, intents, credits, surface.app.dispatcher.demo_mode)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    return [imagine, models, help_]

