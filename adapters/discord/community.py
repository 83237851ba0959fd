"""Community credits on Discord: who acts where, and the economy slash commands.

    /balance [user]   /history   /daily   /give user amount   /leaderboard   /link [code]
    /credits grant|take user amount [reason]      (admins)

Admins: members with Manage Server in that server, or with the role named
DISCORD_ADMIN_ROLE; operator ids (ADMIN_USER_IDS) are added by the service, in DMs too.
Private answers are ephemeral; a gift and the leaderboard are public. Validation and
permission checks happen in the services: their BotErrors reach `Tree.on_error` (the one
boundary), which answers privately; nothing changes on a refusal.
(No `from __future__ import annotations` here: discord.py reads these annotations at runtime.)
"""

import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord import rendering
from adapters.discord.boundary import send_ephemeral
from adapters.discord.flow import App
from bot.domain.community import MAX_AMOUNT, Context
from bot.domain.credits import UserRef
from bot.services.replies import credits

log = logging.getLogger(__name__)
Amount = app_commands.Range[int, 1, MAX_AMOUNT]
Reason = app_commands.Range[str, 1, 200]
LinkCode = app_commands.Range[str, 1, 20]
PUBLIC_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True)


def ref_of(user: discord.abc.User) -> UserRef:
    return UserRef("discord", str(user.id), user.display_name)


def is_server_admin(interaction: discord.Interaction, admin_role: str) -> bool:
    """Manage Server (or Administrator) in this server, or the configured admin role.
    The role is matched by name on the member's cached roles (Discord keeps them current
    through the guilds intent)."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    wanted = admin_role.strip().casefold()
    roles = getattr(interaction.user, "roles", None) or []
    return bool(wanted) and any(role.name.casefold() == wanted for role in roles)


def context_of(interaction: discord.Interaction, admin_role: str) -> Context:
    """The one place a Discord interaction becomes a community `Context`."""
    user = interaction.user
    if interaction.guild_id is not None:
        community = f"discord:guild:{interaction.guild_id}"
    else:
        community = f"discord:dm:{user.id}"
    return Context(
        user=ref_of(user),
        community=community,
        is_admin=is_server_admin(interaction, admin_role),
        event_key=f"discord:{interaction.id}",
        is_bot=user.bot,
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


async def _no_lookup(word: str) -> None:
    return None


def community_commands(app: App) -> list[Any]:
    """The economy commands (a list of app commands and the /credits group)."""
    role = app.settings.discord_admin_role

    def ctx_of(interaction: discord.Interaction) -> Context:
        return context_of(interaction, role)

    async def note(ctx: Context, user: discord.abc.User) -> None:
        await app.community.seen(member_context(ctx, user), user.name)

    async def text_of(ctx: Context, command: str, args: str = "") -> str:
        return (await app.community_text.handle(ctx, command, args, _no_lookup)).text

    @app_commands.command(name="balance", description="How many credits you have")
    @app_commands.describe(user="Admins only: whose balance to see")
    async def balance(interaction: discord.Interaction, user: discord.User | None = None) -> None:
        ctx = ctx_of(interaction)
        target = ref_of(user) if user is not None else None
        who, amount = await app.community.balance(ctx, target)
        owner = "You have" if who.key == ctx.user.key else f"<@{who.user_id}> has"
        await send_ephemeral(interaction, f"{owner} {credits(amount)}.")

    @app_commands.command(name="history", description="Your last credit changes")
    async def history(interaction: discord.Interaction) -> None:
        await send_ephemeral(interaction, await text_of(ctx_of(interaction), "history"))

    @app_commands.command(name="daily", description="Claim your daily free credits")
    async def daily(interaction: discord.Interaction) -> None:
        await send_ephemeral(interaction, await text_of(ctx_of(interaction), "daily"))

    @app_commands.command(name="give", description="Give some of your credits to someone")
    @app_commands.describe(user="Who gets them", amount="How many credits")
    async def give(interaction: discord.Interaction, user: discord.User, amount: Amount) -> None:
        ctx = ctx_of(interaction)
        await note(ctx, user)
        given, left = await app.community.give(ctx, ref_of(user), amount, user.bot)
        await interaction.response.send_message(
            f"{interaction.user.mention} gave {user.mention} {credits(given)}.",
            allowed_mentions=discord.AllowedMentions(users=[user]),
        )
        await send_ephemeral(interaction, f"You have {credits(left)} left.")

    group = app_commands.Group(name="credits", description="Admins: grant or take credits")

    @group.command(name="grant", description="Admins: add credits to someone's balance")
    @app_commands.describe(user="Who gets them", amount="How many credits", reason="Why")
    async def grant(interaction: discord.Interaction, user: discord.User, amount: Amount,
                    reason: Reason | None = None) -> None:
        ctx = ctx_of(interaction)
        balance_now = await app.community.grant(ctx, ref_of(user), amount, reason or "")
        await note(ctx, user)
        await send_ephemeral(interaction, f"Granted {credits(amount)} to {user.mention}. "
                                          f"They have {credits(balance_now)}.")

    @group.command(name="take", description="Admins: remove credits from someone's balance")
    @app_commands.describe(user="From whom", amount="How many credits (at most all)",
                           reason="Why")
    async def take(interaction: discord.Interaction, user: discord.User, amount: Amount,
                   reason: Reason | None = None) -> None:
        ctx = ctx_of(interaction)
        taken, balance_now = await app.community.take(ctx, ref_of(user), amount, reason or "")
        await send_ephemeral(interaction, f"Took {credits(taken)} from {user.mention}. "
                                          f"They have {credits(balance_now)}.")

    @app_commands.command(name="leaderboard", description="Top balances in this server")
    async def leaderboard(interaction: discord.Interaction) -> None:
        board = await app.community.leaderboard(ctx_of(interaction))
        lines = [f"{i}. {rendering.clip(name, 60)}: {credits(amount)}"
                 for i, (name, amount) in enumerate(board, start=1)]
        embed = discord.Embed(title="Top balances here", colour=rendering.COLOUR,
                              description="\n".join(lines) or "Nobody here has credits yet.")
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="link", description="Share one wallet with your Telegram account")
    @app_commands.describe(code="A code from /link on your other platform (empty: get one)")
    async def link(interaction: discord.Interaction, code: LinkCode | None = None) -> None:
        await send_ephemeral(interaction, await text_of(ctx_of(interaction), "link", code or ""))

    return [balance, history, daily, give, group, leaderboard, link]
