"""One live message (a status, a giveaway's entrant count): latest text wins, at most one
write per interval.

Every surface shows progress by editing one message. Writes are slow and rate-limited, and
progress comes in bursts, so only the newest wanted write waits; the ones it replaced are
dropped. The first write can wait a little (a quick job goes straight to its result). A
write that fails is logged and dropped: a status line must never fail a job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[object]]


class LiveMessage:
    def __init__(self, interval: float = 1.0, first_delay: float = 0.0) -> None:
        self.interval = interval
        self._pending: Write | None = None
        self._task: asyncio.Task[None] | None = None
        self._first = asyncio.get_running_loop().time() + first_delay
        self._last: float | None = None
        self._closed = False
        self._writing = False

    @property
    def closed(self) -> bool:
        return self._closed

    def push(self, write: Write) -> None:
        """Non-blocking: `write` replaces any write still waiting; one runner drains them."""
        if self._closed:
            return
        self._pending = write
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    def _wait(self) -> float:
        due = self._first if self._last is None else self._last + self.interval
        return due - asyncio.get_running_loop().time()

    async def _drain(self) -> None:
        while self._pending is not None:
            delay = self._wait()
            if delay > 0:
                await asyncio.sleep(delay)
                continue  # close() may have dropped the pending write meanwhile
            write, self._pending = self._pending, None
            self._writing = True
            try:
                await write()
            except Exception as exc:  # noqa: BLE001 - a status write must never fail a job
                log.warning("live message write failed: %s", exc)
            finally:
                self._writing = False
                self._last = asyncio.get_running_loop().time()

    async def close(self, keep_spacing: bool = True) -> None:
        """No more writes: drop the waiting one, wait for one in flight, and (keep_spacing)
        wait out the interval, so the caller's final write is spaced like the others."""
        self._closed, self._pending = True, None
        if self._task is not None and not self._task.done():
            if not self._writing:
                self._task.cancel()  # only ever cancelled while sleeping, never mid-write
            await asyncio.wait({self._task})
        if keep_spacing and self._last is not None and (delay := self._wait()) > 0:
            await asyncio.sleep(delay)
