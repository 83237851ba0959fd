"""The job runner: claims paid-for jobs from the shared queue and works them to the end.

Every process that works jobs has one (`WORKER_CONCURRENCY` slots; 0 = none). It claims
the oldest queued jobs (or jobs whose lease ran out: their process died), renews its leases
while it works, and ends each job with one conditional change that settles or refunds it.
What one attempt at a job does (run, resume or refund) is job_attempt.py's; who waits for
it here and where its result goes is job_delivery.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from bot.domain.catalog import Catalog
from bot.domain.credits import Ledger
from bot.domain.errors import HandedOff
from bot.domain.fleet import Fleet
from bot.domain.jobs import CANCELLED, QUEUED, RUNNING, SUCCEEDED, Job, JobStore
from bot.log import log_context
from bot.services import metrics
from bot.services.job_attempt import JobAttempt
from bot.services.job_delivery import (
    Delivery,
    GenerationResult,
    JobDelivery,
    Outcome,
    Progress,
    ProgressCallback,
    Waiter,
)
from bot.services.provider_router import ProviderRouter

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often an idle runner looks for jobs other processes queued
NO_PLATFORM = "-"  # beaten by a process serving no platform yet ("" would mean any)


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
        self._handing_back: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self._beat = asyncio.Event()  # beat now: what this process can post changed
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stopped = False
        self.delivery = JobDelivery(jobs, ledger, self.worker_id, self._spawn)
        self.waiters = self.delivery.waiters  # the people waiting here, by job id
        self.attempt = JobAttempt(jobs, router, catalog, timeout=timeout,
                                  worker_id=self.worker_id, clock=clock, spawn=self._spawn)

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
        await self.stop_claiming()
        if grace and self.running:
            await asyncio.wait(list(self.running.values()), timeout=grace)
        await self.hand_back(only_unwatched=True)
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        await self.delivery.refund_held()  # made for a platform that never came up
        for task in [*self._loops, *self._background]:
            task.cancel()  # the lease renewals last until every job is settled
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        try:
            await self.fleet.leave(self.worker_id)
        except Exception:  # noqa: BLE001 - the lease runs out anyway
            log.warning("could not sign this worker off", exc_info=True)

    async def stop_claiming(self) -> None:
        """Let the claim loop finish its turn instead of cancelling it: a claim cancelled
        while its transaction commits would leave a job claimed here that nobody runs."""
        self._stopping = True
        self._wake.set()
        claims = [t for t in self._loops if t.get_name() == "job-claims" and not t.done()]
        if claims:
            _, late = await asyncio.wait(claims, timeout=15)
            for task in late:
                task.cancel()

    async def hand_back(self, only_unwatched: bool = False,
                        only: Collection[str] | None = None) -> list[str]:
        """Put the jobs this process works (or `only` those) back in the queue for the rest of
        the fleet, and claim no more. The people waiting here are told the result comes from
        another worker."""
        await self.stop_claiming()
        handed = []
        for job_id, task in list(self.running.items()):
            if (only_unwatched and job_id in self.waiters) or (only is not None
                                                               and job_id not in only):
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
        self.delivery.register_delivery(platform, deliver)
        self._beat.set()  # peers learn at once that this process posts to `platform`
        self._wake.set()  # and its jobs are claimed from now on

    async def deliver(self, job: Job, outcome: Outcome) -> None:
        await self.delivery.deliver(job, outcome)

    async def refund_undelivered(self, job_id: str) -> bool:
        return await self.delivery.refund_undelivered(job_id)

    def first_status_delay(self, default: float) -> float:
        """How long a surface waits before a job's first status line. A process with no
        slots of its own (the fleet's chat-only ingress) hands every job to another one: its
        claim (that process's poll) and this process's watch (its next turn) take up to two
        polls, and a line due sooner would mostly say "queued" of a job already taken."""
        return default if self.concurrency else max(default, 2 * self.poll + 0.2)

    def saturated(self) -> bool:
        """Every slot of this process is busy (or it has none): a new job will wait."""
        return len(self.running) >= self.concurrency

    async def wait_for(self, job: Job, model_name: str, on_progress: ProgressCallback | None,
                       position: int | None = None) -> Outcome:
        """Queue a paid-for job's person here and wait for its outcome (`position`: its
        place in the queue, if ingress read it already)."""
        waiter = Waiter(job, model_name, on_progress)
        self.waiters[job.id] = waiter
        self.start()
        if self.saturated():  # it will wait: say where it stands
            if position is None:
                position = await self.jobs.position_of(job)
            await self.delivery.tell_position(waiter, position)
        else:
            # A free slot claims it now. With none, waking the loop would only run the
            # waiters' watch again (it looks every poll): a burst would re-read them all
            # once per new request.
            self._wake.set()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(job))
            raise
        finally:
            self.waiters.pop(job.id, None)

    async def status_current(self, progress: Progress) -> bool:
        """Just before a person's status line is written: is it still true? A job this
        process works is told in order (its result follows the status here). A job waiting
        in the shared queue may have been taken, even finished, by another process since the
        line was wanted (the watch only notices on its next turn): then that process answers
        the person, and the line must not land on its answer (or on the message it removed)."""
        if progress.job_id in self.running:
            return True
        state = (await self.jobs.claim_states([progress.job_id])).get(progress.job_id)
        if state is None:
            return False
        status, claimed_by = state
        if status == QUEUED:
            return progress.stage == "queued"
        return status == RUNNING and progress.stage == "started" and claimed_by != self.worker_id

    async def _abandon(self, job: Job) -> None:
        """The person's request was cancelled (the surface is shutting down)."""
        task = self.running.get(job.id)
        if task is not None:
            task.cancel()  # _work refunds it
            await asyncio.gather(task, return_exceptions=True)
            return
        if await self.jobs.cancel_queued(job, "stopped before it started", self.clock()):
            metrics.job_ended(job, CANCELLED, True)
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
                    scope = self.claim_scope()
                    claimed = await self.jobs.claim(
                        self.worker_id, self.clock(), self.lease, free, scope
                    )
                    for job in claimed:
                        self._start_job(job)
                    if claimed:
                        continue
                await self.delivery.watch_waiters(self.running)
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
        while True:
            self._beat.clear()
            try:
                scope = self.claim_scope()  # what peers may count on this process to post
                platforms = "" if scope is None else ",".join(scope) or NO_PLATFORM
                now = self.clock()
                await self.fleet.heartbeat(self.worker_id, self.host, self.pid, platforms, now)
                if self.running:
                    await self.jobs.renew(self.worker_id, now + self.lease)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("job runner: could not renew leases", exc_info=True)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.lease / 3):
                    await self._beat.wait()

    def claim_scope(self) -> list[str] | None:
        """The platforms whose jobs this process claims: those it serves whose surface
        started and registered a delivery (a surface that failed to start, say with bad
        shard settings, leaves its jobs to the processes that can post them). None: any
        platform (one process serving everything: tests, benches)."""
        if self.platforms is None:
            return None
        return sorted(self.platforms & self.delivery.deliveries.keys())

    # -- one job --------------------------------------------------------------------------

    def _start_job(self, job: Job) -> None:
        metrics.job_claimed(job, self.clock())
        # The task copies the context: every line it logs names its job, person and model.
        with log_context(job_id=job.id, platform=job.platform,
                         user=f"{job.platform}:{job.user_id}", model=job.model_id):
            task = asyncio.create_task(self._work(job), name=f"job-{job.id}")
        self.running[job.id] = task

        def done(_: asyncio.Task[None]) -> None:
            self.running.pop(job.id, None)
            self._wake.set()

        task.add_done_callback(done)

    def _known(self) -> set[str]:
        return {m.id for m in self.catalog}

    async def _work(self, job: Job) -> None:
        stopped = "stopped before it finished"
        error: str | None
        try:
            outcome, status, error = await self.attempt.run(job, self.delivery.progress(job.id))
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
        await self.delivery.resolve(job, outcome)

    async def _end(self, job: Job, status: str, error: str | None) -> bool:
        done = await self.jobs.finish(job, self.worker_id, status, error, self.clock())
        metrics.job_ended(job, status, done)
        if done and status != SUCCEEDED and job.cost:
            log.info("job %s %s: refunded credits=+%d", job.id, status, job.cost,
                     extra={"credits_delta": job.cost})
        return done

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @property
    def background(self) -> set[asyncio.Task[Any]]:
        return self._background


