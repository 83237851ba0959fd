"""Where a Discord interaction happens, for the safety policy (the place facts)."""

import discord

from bot.domain import keys
from bot.domain.safety import Place


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
