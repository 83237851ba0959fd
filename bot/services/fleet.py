"""Fleet coordination that needs no database: the one-process identify gate."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict


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
