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
from bot.services.replies import credits

_GID = r"(?P<gid>[0-9A-Za-z_-]{1,40})"
ENDED_COLOUR = discord.Colour(0x95A5A6)
GIVEAWAY_COLOUR = discord.Colour(0xE67E22)


class EnterHandler(Protocol):
    async def enter(self, interaction: discord.Interaction, giveaway_id: str) -> None: ...


class EnterButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"gw:enter:{_GID}"):
    def __init__(self, giveaway_id: str, *, ended: bool = False) -> None:
        super().__init__(discord.ui.Button(
            label="Ended" if ended else "Enter", emoji="🎉", disabled=ended,
            style=discord.ButtonStyle.secondary if ended else discord.ButtonStyle.success,
            custom_id=f"gw:enter:{giveaway_id}"))
        self.giveaway_id = giveaway_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> EnterButton:
        return cls(match["gid"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.client.surface.first_time(interaction)  # type: ignore[attr-defined,no-any-return]

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
    funded = "funded by the bot" if g.funded_by == "bot" else "funded by the host"
    return f"{g.winners} × {credits(g.credits_each)} ({funded})"


def giveaway_embed(g: Giveaway, winners: Sequence[UserRef] | None = None) -> discord.Embed:
    """Running: prize, entrants, a live countdown (Discord renders `<t:…:R>` itself, so the
    message needs no edits to count down). Ended or cancelled: the winners, no button."""
    running = g.status == "running"
    state = {"ended": " · ended", "cancelled": " · cancelled"}.get(g.status, "")
    embed = discord.Embed(
        title=rendering.clip(f"🎉 {g.title}{state}", 256),
        colour=GIVEAWAY_COLOUR if running else ENDED_COLOUR,
        description="Click **Enter** to join. Winners are drawn at random and paid "
                    "automatically." if running else None,
    )
    embed.add_field(name="Prize", value=_prize(g))
    embed.add_field(name="Host", value=f"<@{g.host_user_id}>")
    embed.add_field(name="Entrants", value=str(g.entrants))
    ends = int(g.ended_at or g.ends_at)
    if running:
        embed.add_field(name="Ends", value=f"<t:{ends}:R>")
    elif g.status == "cancelled":
        embed.add_field(name="Cancelled", value=f"<t:{ends}:R>")
    else:
        names = ", ".join(mention(u) for u in winners or []) or "Nobody entered."
        embed.add_field(name="Winners", value=rendering.clip(names, 1024), inline=False)
    embed.set_footer(text=f"Giveaway {g.id}")
    return embed


def announcement(g: Giveaway, winners: Sequence[UserRef], returned: int) -> str:
    """The channel message when a giveaway ends: winners and host are mentioned (pinged)."""
    host = f"<@{g.host_user_id}>"
    if not winners:
        back = f" The {credits(returned)} went back to {host}." if returned else ""
        return f"🎉 **{g.title}** ended with no entrants, so nobody won.{back} (host: {host})"
    names = ", ".join(mention(u) for u in winners)
    back = f" {credits(returned)} went back to the host." if returned else ""
    return (f"🎉 **{g.title}** has ended! Congratulations {names}: "
            f"{credits(g.credits_each)} each, already in your balance.{back} (host: {host})")
