"""A shared FIFO queue with fixed concurrency that tells waiters their position.

Positions are derived from tickets (position = ticket - tickets served), so 10,000 waiters
cost O(1) each; only the first few waiters are told when their position changes, because
only they have a status message worth updating.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

PositionCallback = Callable[[int], Awaitable[None]]
NOTIFY_FIRST = 10


class _Waiter:
    __slots__ = ("future", "on_position", "last_told")

    def __init__(self, future: asyncio.Future[None], on_position: PositionCallback | None):
        self.future = future
        self.on_position = on_position
        self.last_told = 0


class JobQueue:
    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.active = 0
        self._waiters: deque[_Waiter] = deque()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @contextlib.asynccontextmanager
    async def slot(self, on_position: PositionCallback | None = None) -> AsyncIterator[None]:
        """Wait for a free slot (reporting the queue position), hold it for the block."""
        if self.active < self.concurrency and not self._waiters:
            self.active += 1
        else:
            waiter = _Waiter(asyncio.get_running_loop().create_future(), on_position)
            self._waiters.append(waiter)
            self._tell(waiter, len(self._waiters))
            try:
                await waiter.future  # the releaser hands its slot over (active unchanged)
            except BaseException:
                if waiter.future.done() and not waiter.future.cancelled():
                    self._release()  # we were handed a slot but will not use it
                else:
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_result(None)
                for position, other in enumerate(list(self._waiters)[:NOTIFY_FIRST], start=1):
                    self._tell(other, position)
                return
        self.active -= 1

    def _tell(self, waiter: _Waiter, position: int) -> None:
        if waiter.on_position is None or waiter.last_told == position:
            return
        waiter.last_told = position
        task = asyncio.ensure_future(waiter.on_position(position))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
