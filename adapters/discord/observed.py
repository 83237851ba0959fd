"""Discord, observed: every REST call through one aiohttp trace, every interaction counted.

discord.py sends REST calls, interaction callbacks and webhook edits through one aiohttp
session, so a `TraceConfig` on it (the client's `http_trace` option) sees them all:
- a callback (`POST /interactions/{id}/{token}/callback`) is the first answer to an
  interaction, so its end minus the interaction's snowflake time is the ack latency Discord
  holds to 3 s (the token in the path is never looked at, let alone recorded);
- an error status is counted by kind, a 429 with the wait Discord asked for (discord.py
  sleeps and retries by itself).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import aiohttp
import discord

from bot.services import metrics

PLATFORM = "discord"
_CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback$")


def trace_config() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()

    async def on_end(session: Any, context: Any, params: aiohttp.TraceRequestEndParams) -> None:
        status = params.response.status
        if status >= 400:
            metrics.api_error(PLATFORM, metrics.http_status_kind(status))
        if status == 429:
            metrics.rate_limited(PLATFORM, _retry_after(params.response.headers))
        callback = _CALLBACK.search(params.url.path)
        if callback is not None and status < 400:
            metrics.discord_ack(discord.utils.snowflake_time(int(callback.group(1))).timestamp())

    async def on_exception(session: Any, context: Any,
                           params: aiohttp.TraceRequestExceptionParams) -> None:
        metrics.api_error(PLATFORM, "network")

    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_exception)
    return trace


def _retry_after(headers: Any) -> float:
    try:
        return float(headers.get("Retry-After") or headers.get("X-RateLimit-Reset-After") or 0)
    except ValueError:
        return 0.0


def count_interaction(interaction: discord.Interaction, commands: Collection[str]) -> None:
    """One request: a slash command by its name (`unknown` if this bot does not declare it),
    a click or menu pick (`button`), a form sent (`modal`). Autocomplete is not a request."""
    kind = interaction.type
    if kind is discord.InteractionType.application_command:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        metrics.request(PLATFORM, name if name in commands else "unknown")
    elif kind is discord.InteractionType.component:
        metrics.request(PLATFORM, "button")
    elif kind is discord.InteractionType.modal_submit:
        metrics.request(PLATFORM, "modal")
