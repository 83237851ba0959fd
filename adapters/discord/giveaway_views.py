"""How a giveaway looks on Discord: its embed and its persistent Enter button.

custom_id scheme (the giveaway id is 6 hex chars; nothing else is in the id, the giveaway
is looked up in the database, so the button works after a restart):

    gw:enter:<giveaway_id>    button "Enter" on the public giveaway message. A click enters;
                              a click by someone already in leaves (the ephemeral answer says
                              so and how to rejoin). Disabled ("Ended") once it is over.

Clicks go to `interaction.client.board` (see giveaways.py), which answers through the
error boundary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from adapters.discord import rendering
from bot.domain.community import Giveaway
from bot.domain.credits import UserRef
from bot.i18n import t
from bot.services.replies import credits

_GID = r"(?P<gid>[0-9A-Za-z_-]{1,40})"
ENDED_COLOUR = discord.Colour(0x95A5A6)
GIVEAWAY_COLOUR = discord.Colour(0xE67E22)


class EnterHandler(Protocol):
    async def enter(self, interaction: discord.Interaction, giveaway_id: str) -> None: ...


class EnterButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"gw:enter:{_GID}"):
    def __init__(self, giveaway_id: str, *, ended: bool = False) -> None:
        super().__init__(discord.ui.Button(
            label=t("dg-button-ended" if ended else "dg-button-enter"), emoji="🎉", disabled=ended,
            style=discord.ButtonStyle.secondary if ended else discord.ButtonStyle.success,
            custom_id=f"gw:enter:{giveaway_id}"))
        self.giveaway_id = giveaway_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> EnterButton:
        return cls(match["gid"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await interaction.client.surface.enter(interaction)  # type: ignore[attr-defined,no-any-return]

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: EnterHandler = interaction.client.board  # type: ignore[attr-defined]
        await handler.enter(interaction, self.giveaway_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (EnterButton,)


def giveaway_view(g: Giveaway) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(EnterButton(g.id, ended=g.status != "running"))
    return view


def mention(user: UserRef) -> str:
    return f"<@{user.user_id}>" if user.platform == "discord" else (user.name or user.key)


def _prize(g: Giveaway) -> str:
    funded = t("giveaway-funded-bot" if g.funded_by == "bot" else "giveaway-funded-host")
    return t("dg-prize", winners=g.winners, each=credits(g.credits_each), funded=funded)


def giveaway_embed(g: Giveaway, winners: Sequence[UserRef] | None = None) -> discord.Embed:
    """Running: prize, entrants, a live countdown (Discord renders `<t:…:R>` itself, so the
    message needs no edits to count down). Ended or cancelled: the winners, no button."""
    running = g.status == "running"
    state = {"ended": t("dg-state-ended"), "cancelled": t("dg-state-cancelled")
             }.get(g.status, "")
    embed = discord.Embed(
        title=rendering.clip(f"🎉 {g.title}{state}", 256),
        colour=GIVEAWAY_COLOUR if running else ENDED_COLOUR,
        description=t("dg-description") if running else None,
    )
    embed.add_field(name=t("dg-field-prize"), value=_prize(g))
    embed.add_field(name=t("dg-field-host"), value=f"<@{g.host_user_id}>")
    embed.add_field(name=t("dg-field-entrants"), value=str(g.entrants))
    ends = int(g.ended_at or g.ends_at)
    if running:
        embed.add_field(name=t("dg-field-ends"), value=f"<t:{ends}:R>")
    elif g.status == "cancelled":
        embed.add_field(name=t("dg-field-cancelled"), value=f"<t:{ends}:R>")
    else:
        names = ", ".join(mention(u) for u in winners or []) or t("dg-nobody")
        embed.add_field(name=t("dg-field-winners"), value=rendering.clip(names, 1024),
                        inline=False)
    embed.set_footer(text=t("dg-footer", id=g.id))
    return embed


def announcement(g: Giveaway, winners: Sequence[UserRef], returned: int) -> str:
    """The channel message when a giveaway ends: winners and host are mentioned (pinged)."""
    host = f"<@{g.host_user_id}>"
    if not winners:
        back = t("dg-announce-none-back", credits=credits(returned), host=host) if returned else ""
        return t("dg-announce-none", title=g.title, back=back, host=host)
    names = ", ".join(mention(u) for u in winners)
    back = t("dg-announce-back", credits=credits(returned)) if returned else ""
    return t("dg-announce", title=g.title, names=names, each=credits(g.credits_each),
             back=back, host=host)
