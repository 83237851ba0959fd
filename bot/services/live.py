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
    """A write waits on a loop timer, not in a sleeping task: most status lines are
    replaced or dropped before they are due (a job handed to a worker, a quick result), and
    a timer costs one handle to arm and cancel where a task costs a task, a sleep and a
    cancellation (issue 15). A write that is due runs in a task of its own."""

    def __init__(self, interval: float = 1.0, first_delay: float = 0.0) -> None:
        self.interval = interval
        self._pending: Write | None = None
        self._timer: asyncio.TimerHandle | None = None  # armed for the pending write
        self._task: asyncio.Task[None] | None = None  # a write in flight
        self._first = asyncio.get_running_loop().time() + first_delay
        self._last: float | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def push(self, write: Write) -> None:
        """Non-blocking: `write` replaces any write still waiting."""
        if self._closed:
            return
        self._pending = write
        if self._timer is None and self._task is None:
            self._arm()

    def _wait(self) -> float:
        due = self._first if self._last is None else self._last + self.interval
        return due - asyncio.get_running_loop().time()

    def _arm(self) -> None:
        delay = self._wait()
        if delay > 0:
            # The timer keeps the pushing task's context (its language) for the write.
            self._timer = asyncio.get_running_loop().call_later(delay, self._due)
        else:
            self._due()

    def _due(self) -> None:
        self._timer = None
        if self._pending is not None and not self._closed:
            write, self._pending = self._pending, None
            self._task = asyncio.get_running_loop().create_task(self._write(write))

    async def _write(self, write: Write) -> None:
        try:
            await write()
        except Exception as exc:  # noqa: BLE001 - a status write must never fail a job
            log.warning("live message write failed: %s", exc)
        finally:
            self._last = asyncio.get_running_loop().time()
            self._task = None
            if self._pending is not None and not self._closed:
                self._arm()

    async def close(self, keep_spacing: bool = True) -> None:
        """No more writes: drop the waiting one, wait for one in flight, and (keep_spacing)
        wait out the interval, so the caller's final write is spaced like the others."""
        self._closed, self._pending = True, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            await asyncio.wait({self._task})
        if keep_spacing and self._last is not None and (delay := self._wait()) > 0:
            await asyncio.sleep(delay)
