"""Who waits for a job in this process, their place in the queue, and where a result goes.

A person's surface waits here (a `Waiter`) for the job it paid for: it hears its place in
the shared queue and the job's progress, and gets the outcome. A job nobody waits for here
(resumed after a restart, or finished for another process) goes to its platform's delivery
(plain REST from any process); until that platform registers, the result is held. An image
that was made but could not be posted is refunded, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import i18n
from bot.domain.catalog import Model
from bot.domain.credits import Ledger
from bot.domain.errors import GenerationFailed, HandedOff
from bot.domain.jobs import QUEUED, RUNNING, SUCCEEDED, Job, JobStore
from bot.domain.providers import GeneratedImage
from bot.services import metrics

log = logging.getLogger(__name__)

NOTIFY_FIRST = 10  # queued people told when their place changes (the rest hear at the start)


@dataclass(frozen=True)
class Progress:
    stage: str  # queued | started | finished | failed
    job_id: str
    model_name: str
    position: int | None = None


ProgressCallback = Callable[[Progress], Awaitable[None]]


@dataclass(frozen=True)
class GenerationResult:
    job: Job
    model: Model
    image: GeneratedImage
    balance: int

    @property
    def cost(self) -> int:
        return self.job.cost

    @property
    def reason(self) -> str:
        return self.job.reason


Outcome = GenerationResult | GenerationFailed
Delivery = Callable[[Job, Outcome], Awaitable[None]]


class NotDelivered(Exception):
    """A delivery could not post the image (the chat refused it, or never confirmed it)."""


@dataclass
class Waiter:
    """A person waiting in this process for their job (the surface that asked)."""

    job: Job
    model_name: str
    on_progress: ProgressCallback | None
    future: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    told_position: int | None = None



class JobDelivery:
    """The waiters of this process and the platforms' deliveries (see the module doc)."""

    def __init__(self, jobs: JobStore, ledger: Ledger, worker_id: str,
                 spawn: Callable[[Coroutine[Any, Any, Any]], None]) -> None:
        self.jobs, self.ledger, self.worker_id = jobs, ledger, worker_id
        self.waiters: dict[str, Waiter] = {}
        self.deliveries: dict[str, Delivery] = {}
        self._undelivered: list[tuple[Job, Outcome]] = []
        self._spawn = spawn

    def register_delivery(self, platform: str, deliver: Delivery) -> None:
        self.deliveries[platform] = deliver
        waiting = [item for item in self._undelivered if item[0].platform == platform]
        self._undelivered = [item for item in self._undelivered if item[0].platform != platform]
        for job, outcome in waiting:
            self._spawn(self.deliver(job, outcome))

    async def watch_waiters(self, running: Mapping[str, asyncio.Task[None]]) -> None:
        """People waiting here for jobs no slot of ours runs: their place in the shared
        queue, or the news that another process took the job."""
        waiting = [w for w in self.waiters.values() if w.job.id not in running]
        if not waiting:
            return
        head = await self.jobs.positions(NOTIFY_FIRST)
        states = await self.jobs.claim_states([w.job.id for w in waiting])
        for waiter in waiting:
            job_id = waiter.job.id
            state = states.get(job_id)
            if state is None or waiter.future.done():
                continue
            status, claimed_by = state
            if status == QUEUED:
                if job_id in head:
                    await self.tell_position(waiter, head.index(job_id) + 1)
            elif claimed_by != self.worker_id:
                if status == RUNNING:
                    await notify(waiter.on_progress,
                                 Progress("started", job_id, waiter.model_name), waiter.job.locale)
                waiter.future.set_exception(HandedOff(job_id))

    async def tell_position(self, waiter: Waiter, position: int) -> None:
        if waiter.told_position != position:
            waiter.told_position = position
            await notify(
                waiter.on_progress, Progress("queued", waiter.job.id, waiter.model_name, position),
                waiter.job.locale,
            )

    def progress(self, job_id: str) -> ProgressCallback:
        """Tell whoever waits here for this job, if anyone does by then."""

        async def tell(progress: Progress) -> None:
            waiter = self.waiters.get(job_id)
            if waiter is not None:
                await notify(waiter.on_progress, progress, waiter.job.locale)

        return tell

    async def resolve(self, job: Job, outcome: Outcome) -> None:
        current = self.waiters.get(job.id)
        if current is not None and not current.future.done():
            current.future.set_result(outcome)
            return
        await self.deliver(job, outcome)

    async def deliver(self, job: Job, outcome: Outcome) -> None:
        """Post a result nobody waits for here, through its platform (held until the
        platform registers, if it is not up yet)."""
        deliver = self.deliveries.get(job.platform)
        if deliver is None:
            self._undelivered.append((job, outcome))
            return
        try:
            with i18n.use(job.locale):  # later, maybe after a restart: the requester's words
                await deliver(job, outcome)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the person must not pay
            if isinstance(exc, NotDelivered):
                log.warning("job %s not delivered: %s", job.id, exc)
            else:
                log.exception("could not deliver job %s", job.id)
            if isinstance(outcome, GenerationResult):
                await self.refund_undelivered(job.id)

    async def refund_held(self) -> None:
        """Stopping: results still held for a platform that never registered are refunded."""
        held, self._undelivered = self._undelivered, []
        for job, outcome in held:
            if isinstance(outcome, GenerationResult):
                await self.refund_undelivered(job.id)

    async def refund_undelivered(self, job_id: str) -> bool:
        """Made and paid for, but not delivered: the credits go back, once per job whoever
        asks (the surface that asked, or the process that delivered). True if they moved."""
        job = await self.jobs.get_job(job_id)
        if job is None or job.status != SUCCEEDED or job.cost == 0:
            return False
        refunded = await self.ledger.credit(
            job.account_id, job.cost, "refund", f"undelivered:{job.id}", job.id
        )
        if refunded:
            metrics.job_refunded(job)
            log.info("job %s undelivered: refunded credits=+%d", job.id, job.cost,
                     extra={"job_id": job.id, "credits_delta": job.cost})
            await self.jobs.update_job(job.id, error="made but not delivered; refunded")
        return refunded


async def notify(callback: ProgressCallback | None, progress: Progress,
                 locale: str | None = None) -> None:
    """Progress goes to chat; a failed status edit must never fail or refund the job.
    `locale`: the requester's (the job's), as the worker's task has no language of its own."""
    if callback is None:
        return
    try:
        with i18n.use(locale) if locale is not None else contextlib.nullcontext():
            await callback(progress)
    except Exception:  # noqa: BLE001
        log.warning("progress callback failed for job %s", progress.job_id, exc_info=True)
