"""Telegram's limits, in the one place every request passes: PTB's rate limiter.

- Per chat (this process): every write to a chat takes a slot, about one a second with short
  bursts (`ChatPacer`), so a compare's photos after a few status edits never trip the flood
  limit; after a 429 that chat waits as Telegram asked. No send has to remember to pace.
- Per bot and per group (the whole fleet): PTB's AIORateLimiter keeps its limits inside one
  process, and several processes on one token would together send N times as much, so every
  request that names a chat also takes a token from buckets all processes share in the
  database: about 30 a second for the bot, 20 a minute per group.
- AIORateLimiter still runs inside, for its retry after a 429.

The shared buckets cost a database turn per token, and a burst's sends queue one behind the
other: so the sender whose turn it is takes tokens for the senders queued behind it too (up
to LEASE_MAX in one turn, waiting at most BATCH_DELAY longer for them), and they use them
without asking again. A token taken this way is used within LEASE_SECONDS or dropped (never
handed on later), so across the fleet a bucket still lets through at most its burst plus its
rate over any window (plus rate x LEASE_SECONDS), and a lone send waits no longer than before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.domain.fleet import Fleet

from .pacing import ChatPacer, retry_seconds

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0
GROUP_PER_MINUTE = 20.0
MAX_QUEUES = 10_000
MAX_WAIT = 30.0  # never hold a send longer than this on the shared budget (the DB is down?)
LEASE_MAX = 10  # tokens one database turn takes for the sends queued on a bucket
LEASE_SECONDS = 0.5  # a token taken for a queued send is used by then, or dropped
BATCH_DELAY = 0.2  # the longest a send waits for more tokens than itself


def _writes_to_chat(endpoint: str) -> bool:
    """Messages the chat sees (not reads, not the chat action, which pace themselves)."""
    return endpoint != "sendChatAction" and endpoint.startswith(
        ("send", "edit", "copy", "forward", "delete", "pin", "unpin", "stop"))


class FleetRateLimiter(BaseRateLimiter[int]):
    def __init__(self, fleet: Fleet, inner: AIORateLimiter,
                 clock: Callable[[], float] = time.time,
                 chats: ChatPacer | None = None) -> None:
        self.fleet, self.inner, self.clock = fleet, inner, clock
        self.chats = chats or ChatPacer()
        # One sender per bucket asks the database at a time, the others queue here in
        # order: a burst of N waiting sends would otherwise all wake at each refill and
        # each ask the shared bucket again (N database turns per token).
        self._queues: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}  # sends waiting for each bucket (its queue and turn)
        self._leases: dict[str, tuple[int, float]] = {}  # tokens taken ahead, and use-by time

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
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        paced = isinstance(chat_id, int) and _writes_to_chat(endpoint)
        if paced:
            await self.chats.turn(chat_id)  # type: ignore[arg-type]
        if chat_id is not None and not data.get("allow_paid_broadcast"):
            await self._turn("telegram:overall", OVERALL_PER_SECOND, OVERALL_PER_SECOND)
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
                await self._turn(f"telegram:group:{chat_id}", GROUP_PER_MINUTE / 60,
                                 GROUP_PER_MINUTE)
        try:
            return await self.inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        except RetryAfter as exc:
            if paced:
                self.chats.back_off(chat_id, retry_seconds(exc))  # type: ignore[arg-type]
            raise

    async def _turn(self, key: str, rate: float, burst: float) -> None:
        start = self.clock()
        queue = self._queues.get(key)
        if queue is None:
            if len(self._queues) > MAX_QUEUES:  # one per group ever written to: forget idle ones
                self._queues = {k: q for k, q in self._queues.items() if q.locked()}
                self._leases = {k: v for k, v in self._leases.items() if k in self._queues}
            queue = self._queues[key] = asyncio.Lock()
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with queue:
                await self._take(key, rate, burst, start)
        finally:
            left = self._waiting[key] - 1
            if left:
                self._waiting[key] = left
            else:
                del self._waiting[key]

    async def _take(self, key: str, rate: float, burst: float, start: float) -> None:
        while (waited := self.clock() - start) < MAX_WAIT:
            now = self.clock()
            held, use_by = self._leases.pop(key, (0, 0.0))
            if held > 0 and now <= use_by:  # taken for this send by the one before it
                if held > 1:
                    self._leases[key] = (held - 1, use_by)
                return
            want = max(1, min(LEASE_MAX, self._waiting[key], int(burst)))
            batch = max(1, min(want, 1 + int(rate * BATCH_DELAY)))
            try:
                taken, wait = await self.fleet.take_tokens(key, rate, burst, now, want, batch)
            except Exception:  # noqa: BLE001 - a send must not fail on the shared budget
                log.warning("shared Telegram rate budget unavailable; sending anyway",
                            exc_info=True)
                return
            if taken > 0:
                if taken > 1:
                    self._leases[key] = (taken - 1, now + LEASE_SECONDS)
                return
            await asyncio.sleep(min(wait, MAX_WAIT - waited))
