"""Ports for what a fleet of bot processes shares: whose turn it is to connect, and so on."""

from __future__ import annotations

from typing import Protocol


class IdentifyGate(Protocol):
    """Discord allows `max_concurrency` IDENTIFYs per 5 seconds for the whole bot, in
    buckets `shard_id % max_concurrency`. Every process asks the gate before it identifies a
    shard, so processes on one database never identify in the same bucket and window."""

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None: ...
