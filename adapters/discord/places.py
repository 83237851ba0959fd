"""Where a Discord interaction happens (the place facts of the safety policy) and whether
the person acting is an admin of that server."""

from typing import Any

import discord

from bot.domain import keys
from bot.domain.safety import ChannelRef, Place


def place_of(interaction: discord.Interaction) -> Place:
    """Where an interaction happens, for the safety policy. A thread follows its parent
    channel (its id and its age restriction); a channel the cache does not know counts as
    not age-restricted."""
    if interaction.guild_id is None:
        return Place.private("discord", str(interaction.user.id))
    channel = interaction.channel
    channel_id = interaction.channel_id
    if isinstance(channel, discord.Thread):
        channel_id = channel.parent_id
    is_nsfw = getattr(channel, "is_nsfw", None)
    return Place("discord", keys.community("discord", "guild", interaction.guild_id),
                 channel=str(channel_id or ""),
                 age_restricted=bool(is_nsfw()) if callable(is_nsfw) else False)


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


def channel_ref(channel: Any) -> ChannelRef:
    """A channel picked in a slash option."""
    return ChannelRef(str(channel.id), getattr(channel, "name", "") or "",
                      bool(getattr(channel, "nsfw", False)))
