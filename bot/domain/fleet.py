"""Ports for what a fleet of bot processes shares: whose turn it is to connect, and so on."""

from __future__ import annotations

from typing import Protocol


class IdentifyGate(Protocol):
    """Discord allows `max_concurrency` IDENTIFYs per 5 seconds for the whole bot, in
    buckets `shard_id % max_concurrency`. Every process asks the gate before it identifies a
    shard, so processes on one database never identify in the same bucket and window."""

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None: ...


class Fleet(Protocol):
    """The processes sharing one database: heartbeats, and who is still alive."""

    async def heartbeat(
        self, worker: str, host: str, pid: int, platforms: str, now: float
    ) -> None: ...

    async def peers(self, worker: str, since: float) -> list[set[str]]: ...

    async def leave(self, worker: str) -> None: ...

    async def expire_dead_on_host(
        self, worker: str, host: str, pid: int, now: float
    ) -> list[str]: ...

    async def identify_turn(self, bucket: int, window: float, now: float) -> float: ...

    async def take_token(self, key: str, rate: float, burst: float, now: float) -> float:
        """Take one send from a bucket all processes share: 0.0, or seconds to wait."""
        ...

    async def take_tokens(self, key: str, rate: float, burst: float, now: float,
                          want: int, batch: int = 1) -> tuple[int, float]:
        """Take up to `want` sends at once: (how many, 0.0), or (0, seconds until `batch`
        of them are there; `batch` is at most `want`)."""
        ...
