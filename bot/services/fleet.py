"""Identify gates: whose turn it is to open a Discord gateway session."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable

from bot.domain.fleet import Fleet


class LocalIdentifyGate:
    """One process: identifies in a bucket at least `window` seconds apart."""

    def __init__(self) -> None:
        self._next: defaultdict[int, float] = defaultdict(float)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None:
        async with self._locks[bucket]:
            delay = self._next[bucket] - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next[bucket] = time.monotonic() + window


class DatabaseIdentifyGate:
    """Every process on one database: the bucket's window is a row all of them share."""

    def __init__(self, fleet: Fleet, clock: Callable[[], float] = time.time) -> None:
        self.fleet, self.clock = fleet, clock

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None:
        while (wait := await self.fleet.identify_turn(bucket, window, self.clock())) > 0:
            await asyncio.sleep(wait)
