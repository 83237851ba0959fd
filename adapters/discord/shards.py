"""Gateway sharding: which shards this process runs, and when each may IDENTIFY.

Discord routes a guild's events to shard `(guild_id >> 22) % shard_count` and DMs to shard 0.
`DISCORD_SHARD_COUNT` is the total across the fleet and `DISCORD_SHARD_IDS` this process's
slice, so K processes can split the shards (`plan_shards` checks them before connecting).

Discord allows `max_concurrency` IDENTIFYs per 5 s, in buckets `shard_id % max_concurrency`,
for the whole bot; going over the daily session starts resets the token. So before every
IDENTIFY the client waits for its bucket's turn at the app's `IdentifyGate`, which processes
sharing a database share too. `max_concurrency` comes from GET /gateway/bot (discord.py
does not call it when the shard count is given, and drops it when it does).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bot.domain.fleet import IdentifyGate
from bot.settings import Settings

log = logging.getLogger(__name__)
IDENTIFY_WINDOW = 5.0  # seconds: Discord's session start window per bucket
IDENTIFY_MARGIN = 0.1  # seconds added to the window: clocks and networks are not exact
MAX_WINDOW = 60.0


class ShardConfigError(ValueError):
    """DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS cannot work; the message says why."""


@dataclass(frozen=True)
class ShardPlan:
    count: int  # shards across the fleet
    ids: list[int]  # the ones this process runs, ascending

    def describe(self) -> str:
        return f"shards {','.join(map(str, self.ids))} of {self.count}"


def plan_shards(settings: Settings) -> ShardPlan | None:
    """This process's shards; None when sharding is off (one connection for everything)."""
    try:
        ids = settings.shard_ids()
    except ValueError:
        raise ShardConfigError(
            f"DISCORD_SHARD_IDS must be comma-separated shard numbers such as 0,1 "
            f"(got {settings.discord_shard_ids!r})"
        ) from None
    count = settings.discord_shard_count
    if count is None:
        if ids is not None:
            raise ShardConfigError(
                "DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not: set the total "
                "number of shards across every process"
            )
        return None
    if ids is None:
        return ShardPlan(count, list(range(count)))
    wrong = [i for i in ids if not 0 <= i < count]
    if wrong:
        raise ShardConfigError(
            f"DISCORD_SHARD_IDS {','.join(map(str, wrong))} not in 0..{count - 1} "
            f"(DISCORD_SHARD_COUNT={count})"
        )
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ShardConfigError(f"DISCORD_SHARD_IDS lists {','.join(map(str, twice))} twice")
    return ShardPlan(count, sorted(ids))


@dataclass(frozen=True)
class IdentifyLimits:
    max_concurrency: int = 1
    window: float = IDENTIFY_WINDOW

    @classmethod
    def parse(cls, limit: dict[str, Any]) -> IdentifyLimits:
        """From GET /gateway/bot `session_start_limit`. `identify_window_ms` is not
        Discord's: a gateway proxy or a test fake may state a window other than 5 s."""
        concurrency = limit.get("max_concurrency")
        window = limit.get("identify_window_ms")
        return cls(
            concurrency if isinstance(concurrency, int) and concurrency >= 1 else 1,
            window / 1000
            if isinstance(window, int | float) and 0 < window <= MAX_WINDOW * 1000
            else IDENTIFY_WINDOW,
        )


class IdentifyPacer:
    """`before_identify_hook` of the sharded client: wait for the bucket's turn."""

    def __init__(self, gate: IdentifyGate, plan: ShardPlan) -> None:
        self.gate = gate
        self.plan = plan
        self.limits: IdentifyLimits | None = None  # fetched once, at the first IDENTIFY

    async def _limits(self, http: discord.http.HTTPClient) -> IdentifyLimits:
        if self.limits is not None:
            return self.limits
        try:
            _, _, raw = await http.get_bot_gateway()
        except (discord.GatewayNotFound, discord.HTTPException, OSError,
                aiohttp.ClientError) as exc:
            # Not cached: the next IDENTIFY asks again. Meanwhile the slowest safe pace.
            log.warning("discord: cannot read the session start limit (%s); identifying one "
                        "shard per %.0f s", type(exc).__name__, IDENTIFY_WINDOW)
            return IdentifyLimits()
        limit = dict(raw)
        self.limits = IdentifyLimits.parse(limit)
        remaining = limit.get("remaining")
        log.info("discord: %s, max_concurrency %d, %s session starts left",
                 self.plan.describe(), self.limits.max_concurrency, remaining)
        if isinstance(remaining, int) and remaining < len(self.plan.ids):
            log.error("discord: only %d session starts left for %d shards (Discord resets "
                      "the token past the daily limit)", remaining, len(self.plan.ids))
        return self.limits

    async def wait(self, http: discord.http.HTTPClient, shard_id: int | None) -> None:
        limits = await self._limits(http)
        bucket = (shard_id or 0) % limits.max_concurrency
        window = limits.window + IDENTIFY_MARGIN
        try:
            await self.gate.wait_turn(bucket, window)
        except Exception as exc:  # noqa: BLE001 - any gate (database) error: still pace
            # Without the gate, waiting one window keeps this process's own pace (other
            # processes are not coordinated with it meanwhile).
            log.warning("discord: identify gate failed (%s); shard %s waits %.1f s",
                        type(exc).__name__, shard_id, window)
            await asyncio.sleep(window)
