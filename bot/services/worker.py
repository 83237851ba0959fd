"""The job runner: claims paid-for jobs from the shared queue and works them to the end.

Every process that works jobs has one (`WORKER_CONCURRENCY` slots; 0 = none). It claims
the oldest queued jobs (or jobs whose lease ran out: their process died), renews its leases
while it works, and ends each job with one conditional change that settles or refunds it.
A job claimed again after a crash is resumed from its provider handle, run if no provider
was asked yet, and refunded if a provider was asked without a handle to resume from (the
image may be paid for at the vendor, but it cannot be fetched) or its deadline passed.

The result goes to the person who asked, if they wait in this process (the surface then
renders it as a reply); otherwise to the platform's delivery (plain REST from any process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.catalog import Catalog, Model
from bot.domain.credits import Ledger
from bot.domain.errors import GenerationFailed, HandedOff
from bot.domain.fleet import Fleet
from bot.domain.jobs import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, Job, JobStore
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from bot.services.provider_router import ProviderRouter

log = logging.getLogger(__name__)

NOTIFY_FIRST = 10  # queued people told when their place changes (the rest hear at the start)
POLL_SECONDS = 0.5  # how often an idle runner looks for jobs other processes queued


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


def _credits(n: int) -> str:
    return f"{n} credit" + ("" if n == 1 else "s")


class JobRunner:
    def __init__(
        self,
        jobs: JobStore,
        ledger: Ledger,
        fleet: Fleet,
        router: ProviderRouter,
        catalog: Catalog,
        *,
        concurrency: int,
        lease: float,
        timeout: float,
        platforms: set[str] | None = None,
        poll: float = POLL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.jobs, self.ledger, self.fleet = jobs, ledger, fleet
        self.router, self.catalog = router, catalog
        self.concurrency, self.lease, self.timeout, self.poll = concurrency, lease, timeout, poll
        self.platforms = platforms  # None: any platform (one process, tests)
        self.clock = clock
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.worker_id = f"{self.host}:{self.pid}:{secrets.token_hex(3)}"
        self.running: dict[str, asyncio.Task[None]] = {}
        self.waiters: dict[str, Waiter] = {}
        self.deliveries: dict[str, Delivery] = {}
        self._undelivered: list[tuple[Job, Outcome]] = []
        self._handing_back: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start claiming (idempotent; the first request starts it if nobody did)."""
        if self._loops or self._stopping:
            return
        self._loops = [
            asyncio.create_task(self._heartbeat_loop(), name="job-leases"),
            asyncio.create_task(self._claim_loop(), name="job-claims"),
        ]

    async def stop(self, grace: float = 0.0) -> None:
        """Stop claiming. Jobs in progress get `grace` seconds; then those nobody waits for
        here go back to the queue (they run again, or resume, in the next process to claim
        them), and those somebody waits for here are cancelled and refunded."""
        if self._stopped:
            return
        self._stopped = True
        await self._stop_claiming()
        if grace and self.running:
            await asyncio.wait(list(self.running.values()), timeout=grace)
        await self.hand_back(only_unwatched=True)
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        for task in [*self._loops, *self._background]:
            task.cancel()  # the lease renewals last until every job is settled
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        try:
            await self.fleet.leave(self.worker_id)
        except Exception:  # noqa: BLE001 - the lease runs out anyway
            log.warning("could not sign this worker off", exc_info=True)

    async def _stop_claiming(self) -> None:
        """Let the claim loop finish its turn instead of cancelling it: a claim cancelled
        while its transaction commits would leave a job claimed here that nobody runs."""
        self._stopping = True
        self._wake.set()
        claims = [t for t in self._loops if t.get_name() == "job-claims" and not t.done()]
        if claims:
            _, late = await asyncio.wait(claims, timeout=15)
            for task in late:
                task.cancel()

    async def hand_back(self, only_unwatched: bool = False) -> list[str]:
        """Put the jobs this process works back in the queue for the rest of the fleet (and
        claim no more). The people waiting here are told the result comes from another
        worker."""
        await self._stop_claiming()
        handed = []
        for job_id, task in list(self.running.items()):
            if only_unwatched and job_id in self.waiters:
                continue
            self._handing_back.add(job_id)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            if await self.jobs.hand_back(job_id, self.worker_id):
                handed.append(job_id)
                waiter = self.waiters.pop(job_id, None)
                if waiter is not None and not waiter.future.done():
                    waiter.future.set_exception(HandedOff(job_id))
        if handed:
            log.info("handed %d job(s) back to the queue", len(handed))
        return handed

    async def any_peers(self) -> bool:
        """Is any other process of the fleet alive (it beat within one lease)?"""
        return bool(await self.fleet.peers(self.worker_id, self.clock() - self.lease))

    async def peers_for(self, platform: str) -> bool:
        """Is another live process able to finish (and deliver) a job of this platform?"""
        alive = await self.fleet.peers(self.worker_id, self.clock() - self.lease)
        return any(platform in p or not p for p in alive)

    # -- what the services call -----------------------------------------------------------

    def register_delivery(self, platform: str, deliver: Delivery) -> None:
        self.deliveries[platform] = deliver
        waiting = [item for item in self._undelivered if item[0].platform == platform]
        self._undelivered = [item for item in self._undelivered if item[0].platform != platform]
        for job, outcome in waiting:
            self._spawn(self.deliver(job, outcome))

    async def wait_for(self, job: Job, model_name: str, on_progress: ProgressCallback | None
                       ) -> Outcome:
        """Queue a paid-for job's person here and wait for its outcome."""
        waiter = Waiter(job, model_name, on_progress)
        self.waiters[job.id] = waiter
        self.start()
        if len(self.running) >= self.concurrency:  # it will wait: say where it stands
            await self._tell_position(waiter, await self.jobs.position_of(job))
        self._wake.set()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(job))
            raise
        finally:
            self.waiters.pop(job.id, None)

    async def _abandon(self, job: Job) -> None:
        """The person's request was cancelled (the surface is shutting down)."""
        task = self.running.get(job.id)
        if task is not None:
            task.cancel()  # _work refunds it
            await asyncio.gather(task, return_exceptions=True)
            return
        if await self.jobs.cancel_queued(job, "stopped before it started", self.clock()):
            log.info("job %s cancelled before it started; refunded", job.id)

    async def take_over(self, platforms: set[str] | None) -> tuple[list[str], list[str]]:
        """Claim every job whose process died (its lease lapsed) and finish it: refunds at
        once, resumes and reruns in the background. Returns (refunded ids, continuing ids)."""
        await self.fleet.expire_dead_on_host(self.worker_id, self.host, self.pid, self.clock())
        # Rows from before the shared queue were marked running just before the provider
        # call, and have no claim: count them as called.
        legacy = {j.id for j in await self.jobs.unfinished_jobs()
                  if j.status == RUNNING and j.claimed_by is None}
        scope = sorted(platforms) if platforms is not None else None
        claimed = await self.jobs.claim(
            self.worker_id, self.clock(), self.lease, 10_000, scope, queued=False
        )
        refunded, continuing = [], []
        for job in claimed:
            if job.id in legacy and job.called_at is None:
                job.called_at = job.created_at
            if job.model_id in self._known() and (job.provider_handle or job.called_at is None):
                continuing.append(job.id)
                self._start_job(job)
            else:
                refunded.append(job.id)
                await self._work(job)
        return refunded, continuing

    # -- the loops ------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        await self.fleet.expire_dead_on_host(self.worker_id, self.host, self.pid, self.clock())
        while not self._stopping:
            try:
                self._wake.clear()
                free = self.concurrency - len(self.running)
                if free > 0:
                    scope = sorted(self.platforms) if self.platforms is not None else None
                    claimed = await self.jobs.claim(
                        self.worker_id, self.clock(), self.lease, free, scope
                    )
                    for job in claimed:
                        self._start_job(job)
                    if claimed:
                        continue
                await self._watch_waiters()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database blip must not stop the runner
                log.exception("job runner: claiming failed; trying again")
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel that lands
            # just as the event fires, and this loop would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()

    async def _heartbeat_loop(self) -> None:
        platforms = ",".join(sorted(self.platforms or ()))
        while True:
            try:
                now = self.clock()
                await self.fleet.heartbeat(self.worker_id, self.host, self.pid, platforms, now)
                if self.running:
                    await self.jobs.renew(self.worker_id, now + self.lease)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("job runner: could not renew leases", exc_info=True)
            await asyncio.sleep(self.lease / 3)

    async def _watch_waiters(self) -> None:
        """People waiting here for jobs no slot of ours runs: their place in the shared
        queue, or the news that another process took the job."""
        waiting = [w for w in self.waiters.values() if w.job.id not in self.running]
        if not waiting:
            return
        head = await self.jobs.positions(NOTIFY_FIRST)
        states = {j.id: j for j in await self.jobs.get_jobs([w.job.id for w in waiting])}
        for waiter in waiting:
            job = states.get(waiter.job.id)
            if job is None or waiter.future.done():
                continue
            if job.status == QUEUED:
                if job.id in head:
                    await self._tell_position(waiter, head.index(job.id) + 1)
            elif job.claimed_by != self.worker_id:
                if job.status == RUNNING:
                    await _notify(waiter.on_progress, Progress("started", job.id, waiter.model_name))
                waiter.future.set_exception(HandedOff(job.id))

    async def _tell_position(self, waiter: Waiter, position: int) -> None:
        if waiter.told_position != position:
            waiter.told_position = position
            await _notify(
                waiter.on_progress, Progress("queued", waiter.job.id, waiter.model_name, position)
            )

    # -- one job --------------------------------------------------------------------------

    def _start_job(self, job: Job) -> None:
        task = asyncio.create_task(self._work(job), name=f"job-{job.id}")
        self.running[job.id] = task

        def done(_: asyncio.Task[None]) -> None:
            self.running.pop(job.id, None)
            self._wake.set()

        task.add_done_callback(done)

    def _known(self) -> set[str]:
        return {m.id for m in self.catalog}

    def _progress(self, job_id: str) -> ProgressCallback:
        """Tell whoever waits here for this job, if anyone does by then."""

        async def tell(progress: Progress) -> None:
            waiter = self.waiters.get(job_id)
            if waiter is not None:
                await _notify(waiter.on_progress, progress)

        return tell

    async def _work(self, job: Job) -> None:
        stopped = "stopped before it finished"
        error: str | None
        try:
            outcome, status, error = await self._attempt(job)
        except asyncio.CancelledError:
            if job.id in self._handing_back:
                self._handing_back.discard(job.id)
                raise  # hand_back() returns it to the queue
            await asyncio.shield(self._end(job, CANCELLED, stopped))
            raise
        except BaseException as exc:
            await asyncio.shield(self._end(job, CANCELLED, stopped))
            waiter = self.waiters.get(job.id)
            if waiter is not None and not waiter.future.done():
                waiter.future.set_exception(exc)  # the surface's error boundary apologises
            if not isinstance(exc, Exception):
                raise
            log.exception("job %s failed with a bug; refunded", job.id)
            return
        if not await self._end(job, status, error):
            return  # another process ended it first (our lease had lapsed): it delivers
        if isinstance(outcome, GenerationResult) and job.id not in self.waiters:
            outcome = GenerationResult(job, outcome.model, outcome.image,
                                       await self.ledger.balance(job.account_id))
        await self._resolve(job, outcome)

    async def _end(self, job: Job, status: str, error: str | None) -> bool:
        done = await self.jobs.finish(job, self.worker_id, status, error, self.clock())
        if done and status != SUCCEEDED and job.cost:
            log.info("job %s %s: refunded credits=+%d", job.id, status, job.cost)
        return done

    async def _attempt(self, job: Job) -> tuple[Outcome, str, str | None]:
        """Run (or resume) the job; returns its outcome and the state to end it in."""
        if job.model_id not in self._known():
            why = "that model is no longer offered"
            return GenerationFailed(f"I could not make this image: {why}. Your "
                                    f"{_credits(job.cost)} were refunded."), FAILED, why
        model = self.catalog.get(job.model_id)
        now = self.clock()
        if job.deadline_at is None:
            job.deadline_at = now + self.timeout
            await self.jobs.set_deadline(job.id, self.worker_id, job.deadline_at)
        elif now >= job.deadline_at:
            why = "it could not finish before its deadline"
            return GenerationFailed(
                f"{model.name} could not finish your image in time ({why}). "
                f"Your {_credits(job.cost)} were refunded."), FAILED, why
        resuming = bool(job.provider_handle)
        if not resuming and job.called_at is not None:
            why = "interrupted by a restart before it finished"
            return GenerationFailed(
                f"I restarted before your image was ready. Your {_credits(job.cost)} were "
                "refunded; please try again."), FAILED, why
        progress = self._progress(job.id)
        try:
            async with asyncio.timeout(max(0.0, job.deadline_at - now)):
                image = await self._call(job, model, resuming, progress)
        except ProviderRejected as exc:
            return self._failed(job, model, f"{model.name} refused this prompt: {exc.reason}.",
                                progress, rejected=True)
        except ProviderUnavailable as exc:
            log.warning("job %s unavailable: %s", job.id, exc.reason)
            if resuming:
                return self._resume_failed(job, model, exc.reason)
            return self._failed(
                job, model, f"{model.name} is unavailable right now. "
                "Please try again in a minute or pick another model.", progress)
        except ProviderError as exc:
            return self._resume_failed(job, model, exc.reason)
        except TimeoutError:
            return self._failed(
                job, model, f"{model.name} took longer than {self.timeout:.0f} seconds, "
                "so I stopped waiting.", progress)
        if image.flagged and job.safety_level != "mature":
            # Never posted outside mature, and never tried on another route (a moderation
            # verdict, not an outage).
            return self._failed(job, model, f"{image.flag_reason}, so it is not posted "
                                "here.", progress, rejected=True)
        await _notify(progress, Progress("finished", job.id, model.name))
        log.info("job %s succeeded provider=%s", job.id, image.provider)
        return GenerationResult(job, model, image, 0), SUCCEEDED, None

    async def _call(self, job: Job, model: Model, resuming: bool,
                    progress: ProgressCallback | None) -> GeneratedImage:
        async def record(handle: Mapping[str, Any]) -> None:
            job.provider_handle = dict(handle)
            await self.jobs.update_job(
                job.id, provider=str(handle.get("provider", "")), provider_handle=handle
            )

        spec = ImageSpec(job.prompt, job.aspect, job.seed, model.id, model.name,
                         safety_level=job.safety_level)
        await _notify(progress, Progress("started", job.id, model.name))
        if resuming:
            image = await self.router.resume(model, spec, job.provider_handle, record)
            log.info("job %s resumed", job.id)
            return image
        await self.jobs.mark_called(job.id, self.worker_id, self.clock())
        return await self.router.generate(model, spec, record)

    def _failed(self, job: Job, model: Model, why: str, progress: ProgressCallback | None,
                rejected: bool = False) -> tuple[Outcome, str, str]:
        self._spawn(_notify(progress, Progress("failed", job.id, model.name)))
        failed = GenerationFailed(f"{why} Your {_credits(job.cost)} were refunded.",
                                  rejected=rejected)
        return failed, FAILED, why

    def _resume_failed(self, job: Job, model: Model, reason: str) -> tuple[Outcome, str, str]:
        reason = reason or "it could not be picked up after a restart"
        failed = GenerationFailed(
            f"{model.name} could not finish your image after a restart ({reason}). "
            f"Your {_credits(job.cost)} were refunded.")
        return failed, FAILED, f"not resumed: {reason}"

    # -- results --------------------------------------------------------------------------

    async def _resolve(self, job: Job, outcome: Outcome) -> None:
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
            await deliver(job, outcome)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the person must not pay
            if isinstance(exc, NotDelivered):
                log.warning("job %s not delivered: %s", job.id, exc)
            else:
                log.exception("could not deliver job %s", job.id)
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
            log.info("job %s undelivered: refunded credits=+%d", job.id, job.cost)
            await self.jobs.update_job(job.id, error="made but not delivered; refunded")
        return refunded

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @property
    def background(self) -> set[asyncio.Task[Any]]:
        return self._background


async def _notify(callback: ProgressCallback | None, progress: Progress) -> None:
    """Progress goes to chat; a failed status edit must never fail or refund the job."""
    if callback is None:
        return
    try:
        await callback(progress)
    except Exception:  # noqa: BLE001
        log.warning("progress callback failed for job %s", progress.job_id, exc_info=True)
