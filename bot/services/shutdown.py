"""The one shutdown policy of every surface: a grace for the work in flight, then refunds.

On stop, each chat surface stops taking requests (Telegram stops polling, Discord answers
"restarting") and calls `Shutdown.drain()` while it can still post. Jobs in flight (and the
surfaces' requests, from the service call to the posted reply) get SHUTDOWN_GRACE_SECONDS to
finish and be delivered. Then each job somebody still waits for here goes to a live process
of the fleet that serves its platform (the person's status stays; that process posts the
result), or is stopped and refunded, and the person is told so. Jobs nobody waits for here
go back to the queue when the runner stops. A request that arrives meanwhile is refused
with `ShuttingDown` before anything is charged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.domain.errors import STOPPED_AND_REFUNDED, HandedOff, ShuttingDown

if TYPE_CHECKING:
    from bot.services.job_delivery import Waiter
    from bot.services.worker import JobRunner

log = logging.getLogger(__name__)

TELL_SECONDS = 10.0  # after the grace: time the surfaces get to tell their people


class Requests:
    """The tasks answering a request in this process (a surface's handler: the service call,
    then the posting of its outcome). A task counts until it ends."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def enter(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def busy(self, besides: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
        return {t for t in self._tasks if not t.done() and t not in besides}


class Shutdown:
    def __init__(self, runner: JobRunner, grace: float) -> None:
        self.runner, self.grace = runner, grace
        self.requests = Requests()
        self.closing = False  # no new requests
        self._drain: asyncio.Future[None] | None = None
        self._callers: set[asyncio.Task[Any]] = set()  # never wait for who waits for us

    async def drain(self) -> None:
        """Apply the policy once (idempotent; every surface may call it, they share it)."""
        caller = asyncio.current_task()
        if caller is not None:
            self._callers.add(caller)
        if self._drain is None:
            self.closing = True
            self._drain = asyncio.ensure_future(self._run())
        await asyncio.shield(self._drain)

    async def _run(self) -> None:
        runner = self.runner
        await runner.stop_claiming()
        busy = {*runner.running.values(), *runner.background,
                *self.requests.busy(self._callers)}
        if busy and self.grace > 0:
            log.info("stopping: up to %.0f s for the work in flight (%d job(s), %d request(s))",
                     self.grace, len(runner.running), len(self.requests.busy(self._callers)))
            await asyncio.wait(busy, timeout=self.grace)
        await self._give_up_waiting()
        telling = self.requests.busy(self._callers)
        if telling:
            await asyncio.wait(telling, timeout=TELL_SECONDS)

    async def _give_up_waiting(self) -> None:
        """The end of the grace: each job somebody still waits for here goes to a live process
        serving its platform, or is stopped and refunded; either way the person's surface
        hears it (HandedOff, ShuttingDown)."""
        runner = self.runner
        alive: dict[str, bool] = {}
        handed: list[Waiter] = []
        stopped: list[Waiter] = []
        for waiter in list(runner.waiters.values()):
            platform = waiter.job.platform
            if platform not in alive:
                try:
                    alive[platform] = await runner.peers_for(platform)
                except Exception:  # noqa: BLE001 - cannot ask the fleet: refund here
                    log.warning("could not look for live peers", exc_info=True)
                    alive[platform] = False
            (handed if alive[platform] else stopped).append(waiter)
        await runner.hand_back(only={w.job.id for w in handed if w.job.id in runner.running})
        for waiter in stopped:
            task = runner.running.get(waiter.job.id)
            if task is not None:
                task.cancel()  # the runner ends it cancelled, refunded
                await asyncio.gather(task, return_exceptions=True)
            elif not await runner.jobs.cancel_queued(
                    waiter.job, "stopped before it started", runner.clock()):
                handed.append(waiter)  # another process claimed it meanwhile: it posts it
                continue
            if not waiter.future.done():
                waiter.future.set_exception(ShuttingDown(STOPPED_AND_REFUNDED, key="stopped-and-refunded"))
        for waiter in handed:  # a queued one stays queued: a live process claims it
            if not waiter.future.done():
                waiter.future.set_exception(HandedOff(waiter.job.id))
        if stopped:
            log.info("stopped %d job(s) after the shutdown grace; refunded", len(stopped))
