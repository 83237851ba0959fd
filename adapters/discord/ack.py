"""The first answer to an interaction, sent without reading back what Discord returns.

discord.py's `InteractionResponse` asks Discord to send the new message back
(`?with_response=1`), builds a `Message` of it, and takes its webhook adapter's per-token
lock and retry loop on the way: measured with `imagine-bot bench --platforms` (issue 15),
0.1-0.15 ms of a Discord reply's ~0.75 ms of CPU, for a message this bot never reads. The two first
answers on every hot path, "thinking…" (every job) and a private text (/balance and most
commands, every error), go here instead: the same payload (built by discord.py's own
helpers), posted on discord.py's own session (so the REST trace still counts it and times
the acknowledgement: observed.py), then the response is marked done, so what follows
(followups, edits of `@original`, the error boundary) works as if discord.py had sent it.

Refusals raise what discord.py raises (NotFound for an expired interaction, HTTPException
with Discord's code for one answered already). A 429 or a 5xx goes through discord.py's
own call, with its waits and retries; so does everything when a proxy is configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import discord
from discord.http import Route, json_or_text
from discord.webhook.async_ import interaction_message_response_params, interaction_response_params

_EPHEMERAL = discord.MessageFlags(ephemeral=True)
_JSON = {"Content-Type": "application/json"}


async def defer_thinking(interaction: discord.Interaction) -> None:
    """`interaction.response.defer(thinking=True)`: "<bot> is thinking…" for everyone."""
    kind = discord.InteractionResponseType.deferred_channel_message
    await _answer(interaction, kind, interaction_response_params(type=kind.value).payload,
                  lambda: interaction.response.defer(thinking=True))


async def ephemeral_text(interaction: discord.Interaction, text: str) -> None:
    """`interaction.response.send_message(text, ephemeral=True)`."""
    kind = discord.InteractionResponseType.channel_message
    params = interaction_message_response_params(
        type=kind.value, content=text, flags=_EPHEMERAL,
        previous_allowed_mentions=interaction._state.allowed_mentions)
    await _answer(interaction, kind, params.payload,
                  lambda: interaction.response.send_message(text, ephemeral=True))


async def _answer(interaction: discord.Interaction, kind: discord.InteractionResponseType,
                  payload: dict[str, Any],
                  by_discord_py: Callable[[], Awaitable[object]]) -> None:
    response = interaction.response
    if response.is_done():
        raise discord.InteractionResponded(interaction)
    if interaction._state.http.proxy is None:
        # The URL discord.py builds (Route quotes the token the same way).
        url = (f"{Route.BASE}/interactions/{interaction.id}/"
               f"{quote(interaction.token)}/callback")
        async with interaction._session.post(url, data=discord.utils._to_json(payload),
                                             headers=_JSON) as reply:
            if reply.status < 300:
                response._response_type = kind  # done, as discord.py's own call leaves it
                return
            if reply.status != 429 and reply.status < 500:
                raise _refusal(reply, await json_or_text(reply))
    # A proxy, or a 429 / 5xx: discord.py's own call, which waits and tries again.
    await by_discord_py()


def _refusal(reply: Any, data: Any) -> discord.HTTPException:
    if reply.status == 404:
        return discord.NotFound(reply, data)
    if reply.status == 403:
        return discord.Forbidden(reply, data)
    return discord.HTTPException(reply, data)
