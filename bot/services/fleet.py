"""The identify gate: whose turn it is to open a Discord gateway session, for every process
on one database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.domain.fleet import Fleet


class DatabaseIdentifyGate:
    """Every process on one database: the bucket's window is a row all of them share."""

    def __init__(self, fleet: Fleet, clock: Callable[[], float] = time.time) -> None:
        self.fleet, self.clock = fleet, clock

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None:
        while (wait := await self.fleet.identify_turn(bucket, window, self.clock())) > 0:
            await asyncio.sleep(wait)
