"""Telegram's per-bot limits, kept by the whole fleet and not just by one process.

PTB's AIORateLimiter keeps the limits inside one process. Several processes on one bot token
would together send N times as much, so every message-sending request (one that names a
chat, as AIORateLimiter counts them) first takes a token from buckets all processes share in
the database: about 30 a second for the bot, 20 a minute per group. AIORateLimiter still
runs inside, for its per-process pacing and its retry after a 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.domain.fleet import Fleet

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0
GROUP_PER_MINUTE = 20.0
MAX_WAIT = 30.0  # never hold a send longer than this on the shared budget (the DB is down?)


class FleetRateLimiter(BaseRateLimiter[int]):
    def __init__(self, fleet: Fleet, inner: AIORateLimiter,
                 clock: Callable[[], float] = time.time) -> None:
        self.fleet, self.inner, self.clock = fleet, inner, clock

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is not None and not data.get("allow_paid_broadcast"):
            await self._turn("telegram:overall", OVERALL_PER_SECOND, OVERALL_PER_SECOND)
            with contextlib.suppress(ValueError, TypeError):
                chat_id = int(chat_id)
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
                await self._turn(f"telegram:group:{chat_id}", GROUP_PER_MINUTE / 60,
                                 GROUP_PER_MINUTE)
        return await self.inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _turn(self, key: str, rate: float, burst: float) -> None:
        waited = 0.0
        while waited < MAX_WAIT:
            try:
                wait = await self.fleet.take_token(key, rate, burst, self.clock())
            except Exception:  # noqa: BLE001 - a send must not fail on the shared budget
                log.warning("shared Telegram rate budget unavailable; sending anyway",
                            exc_info=True)
                return
            if wait <= 0:
                return
            wait = min(wait, MAX_WAIT - waited)
            waited += wait
            await asyncio.sleep(wait)
