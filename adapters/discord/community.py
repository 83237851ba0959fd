"""Community credits on Discord: who acts where, the shared renderer of the table's
commands (the core handler's reply, privately: /balance, /daily, /history, /link,
/credits grant|take ...), and the credit commands whose answers are public (/give,
/leaderboard).

Admins: members with Manage Server in that server, or with the role named
DISCORD_ADMIN_ROLE; operator ids (ADMIN_USER_IDS) are added by the service, in DMs too.
Private answers are ephemeral; a gift and the leaderboard are public. Validation and
permission checks happen in the services: their BotErrors reach `Tree.on_error` (the one
boundary), which answers privately; nothing changes on a refusal.
"""

import logging
from collections.abc import Callable
from typing import Any

import discord

from adapters.discord import rendering
from adapters.discord.boundary import send_ephemeral
from adapters.discord.flow import App
from adapters.discord.giveaway_views import mention
from adapters.discord.places import channel_ref, is_server_admin, place_of
from adapters.discord.slash import Feature, Renderer
from bot.domain import keys
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.i18n import t
from bot.services.commands import Call, Gift, Reply, Standings
from bot.services.replies import credits

log = logging.getLogger(__name__)
PUBLIC_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True)


def ref_of(user: discord.abc.User) -> UserRef:
    return UserRef("discord", str(user.id), user.display_name)


def context_of(interaction: discord.Interaction, admin_role: str) -> Context:
    """The one place a Discord interaction becomes a community `Context`."""
    user = interaction.user
    if interaction.guild_id is not None:
        community = keys.community("discord", "guild", interaction.guild_id)
    else:
        community = keys.community("discord", "dm", user.id)
    return Context(
        user=ref_of(user),
        community=community,
        is_admin=is_server_admin(interaction, admin_role),
        event_key=keys.interaction_event("discord", interaction.id),
        is_bot=user.bot,
        place=place_of(interaction),
    )


def member_context(ctx: Context, user: discord.abc.User) -> Context:
    """Someone named in a command, in the same place (to record them as a member)."""
    return Context(ref_of(user), ctx.community, is_bot=user.bot)


async def seen(app: App, interaction: discord.Interaction) -> None:
    """Remember who acts where (leaderboard, @username lookups). Never raises."""
    try:
        ctx = context_of(interaction, app.settings.discord_admin_role)
        await app.community.seen(ctx, interaction.user.name)
    except Exception:  # noqa: BLE001 - bookkeeping must not break an interaction
        log.warning("could not record member of interaction %s", interaction.id, exc_info=True)


class SlashArgs:
    """The option values of one slash command, for a core handler (bot.services.commands)."""

    def __init__(self, app: App, ctx: Context, values: dict[str, Any]) -> None:
        self.app, self.ctx, self.values = app, ctx, values

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, discord.app_commands.AppCommandChannel | discord.abc.GuildChannel):
            return channel_ref(value)
        return value

    async def user(self, name: str) -> tuple[UserRef, bool] | None:
        """The person picked; recorded as a member here (leaderboard, @username lookups)."""
        user = self.values.get(name)
        if user is None:
            return None
        await self.app.community.seen(member_context(self.ctx, user), user.name)
        return ref_of(user), user.bot


async def run_command(app: App, path: str, interaction: discord.Interaction,
                      values: dict[str, Any]) -> Reply:
    """The core handler of a declared command, for this interaction: its typed reply."""
    ctx = context_of(interaction, app.settings.discord_admin_role)
    return await app.commands.run(path, Call(ctx, SlashArgs(app, ctx, values), name=mention))


def shared_renderer(app: App) -> Callable[[str], Renderer]:
    """A command with no Discord renderer of its own: its core handler's reply, privately."""

    def renderer(path: str) -> Renderer:
        async def render(interaction: discord.Interaction, values: dict[str, Any]) -> None:
            reply = await run_command(app, path, interaction, values)
            await send_ephemeral(interaction, reply.text)

        return render

    return renderer


class CreditsFeature:
    """The credit commands whose answers are public here: a gift, the leaderboard (the
    core handlers' outcomes, rendered as a post and an embed)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def feature(self) -> Feature:
        return Feature(renderers={"give": self.give, "leaderboard": self.leaderboard})

    async def give(self, interaction: discord.Interaction, values: dict[str, Any]) -> None:
        gift = (await run_command(self.app, "give", interaction, values)).outcome
        assert isinstance(gift, Gift)
        user = values["user"]
        await interaction.response.send_message(
            t("dg-gave", giver=interaction.user.mention, receiver=user.mention,
              amount=credits(gift.given)),
            allowed_mentions=discord.AllowedMentions(users=[user]),
        )
        await send_ephemeral(interaction, t("dg-left-after", left=credits(gift.left)))

    async def leaderboard(self, interaction: discord.Interaction,
                          values: dict[str, Any]) -> None:
        standings = (await run_command(self.app, "leaderboard", interaction, values)).outcome
        assert isinstance(standings, Standings)
        lines = [f"{i}. {rendering.clip(name, 60)}: {credits(amount)}"
                 for i, (name, amount) in enumerate(standings.rows, start=1)]
        embed = discord.Embed(title=t("leaderboard-heading"), colour=rendering.COLOUR,
                              description="\n".join(lines) or t("leaderboard-empty"))
        await interaction.response.send_message(embed=embed)
