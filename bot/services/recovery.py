"""Start-up reconciliation: nothing is lost or paid twice across a crash or restart.

Jobs that were queued or running when the process stopped are resumed when the provider
gave us a job handle (so we do not pay for the same image twice), and refunded otherwise.
Job holds left without a running job are released, each with a ledger row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.errors import GenerationFailed
from bot.domain.jobs import FAILED, SUCCEEDED, Job
from bot.domain.providers import ImageSpec, ProviderError
from bot.services.generation import GenerationResult, GenerationService

log = logging.getLogger(__name__)

Delivery = Callable[[Job, GenerationResult | GenerationFailed], Awaitable[None]]


@dataclass
class ReconcileReport:
    refunded: list[str] = field(default_factory=list)
    resuming: list[str] = field(default_factory=list)
    orphan_holds_released: list[str] = field(default_factory=list)


class Recovery:
    def __init__(self, service: GenerationService) -> None:
        self.service = service
        self.deliveries: dict[str, Delivery] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        # Results that finished before their platform was up: posted once it registers.
        self._undelivered: list[tuple[Job, GenerationResult | GenerationFailed]] = []

    def register_delivery(self, platform: str, deliver: Delivery) -> None:
        """Chat surfaces register how to post a resumed job's result to its chat."""
        self.deliveries[platform] = deliver
        waiting = [item for item in self._undelivered if item[0].platform == platform]
        self._undelivered = [item for item in self._undelivered if item[0].platform != platform]
        for job, outcome in waiting:
            self._spawn(self._deliver(job, outcome))

    def _spawn(self, coro) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reconcile(
        self, resume: bool = True, platforms: set[str] | None = None
    ) -> ReconcileReport:
        """Refund or resume the jobs a restart interrupted. With `platforms`, only jobs of
        those platforms: a console opened on a live bot's database must not touch the bot's
        jobs in flight."""
        report = ReconcileReport()
        ledger, jobs = self.service.ledger, self.service.jobs
        unfinished = await jobs.unfinished_jobs()
        known = {m.id for m in self.service.catalog}
        for job in unfinished:
            if platforms is not None and job.platform not in platforms:
                continue
            if resume and job.provider_handle and job.model_id in known:
                report.resuming.append(job.id)
                self._spawn(self._resume(job))
            else:
                await self._refund(job, "interrupted by a restart before it finished")
                report.refunded.append(job.id)
                # Tell the chat, so a stale "Generating…" does not hang there forever.
                credits = f"{job.cost} credit" + ("" if job.cost == 1 else "s")
                failed = GenerationFailed(
                    f"I restarted before your image was ready. Your {credits} were refunded; "
                    "please try again."
                )
                self._spawn(self._deliver(job, failed))
        in_flight = {job.hold_key for job in unfinished}
        for hold in await ledger.open_holds():
            # Only generation holds of jobs that are not in flight anywhere: giveaways hold
            # credits on purpose for days.
            if hold.key.startswith("hold:") and hold.key not in in_flight:
                if await ledger.release(hold.key):
                    report.orphan_holds_released.append(hold.key)
        if report.refunded or report.resuming or report.orphan_holds_released:
            log.info(
                "reconciled: refunded=%d resuming=%d orphan_holds=%d",
                len(report.refunded),
                len(report.resuming),
                len(report.orphan_holds_released),
            )
        return report

    async def _refund(self, job: Job, why: str) -> None:
        await self.service.ledger.release(job.hold_key)
        await self.service.jobs.update_job(
            job.id, status=FAILED, error=why, finished_at=time.time()
        )

    async def _resume(self, job: Job) -> None:
        model = self.service.catalog.get(job.model_id)
        spec = ImageSpec(job.prompt, job.aspect, job.seed, model.id, model.name)

        async def record(handle: Mapping[str, Any]) -> None:
            await self.service.jobs.update_job(job.id, provider_handle=handle)

        outcome: GenerationResult | GenerationFailed
        try:
            async with asyncio.timeout(self.service.timeout):
                image = await self.service.dispatcher.resume(
                    model, spec, job.provider_handle, record
                )
            await self.service.ledger.settle(job.hold_key)
            await self.service.jobs.update_job(job.id, status=SUCCEEDED, finished_at=time.time())
            balance = await self.service.ledger.balance(job.account_id)
            outcome = GenerationResult(job, model, image, balance)
            log.info("job %s resumed after restart", job.id)
        except (ProviderError, TimeoutError) as exc:
            reason = getattr(exc, "reason", "") or "it could not be picked up after a restart"
            await self._refund(job, f"not resumed: {reason}")
            outcome = GenerationFailed(
                f"{model.name} could not finish your image after a restart ({reason}). "
                f"Your {job.cost} credits were refunded."
            )
        except BaseException:
            await self._refund(job, "failed while resuming")
            raise
        await self._deliver(job, outcome)

    async def _deliver(self, job: Job, outcome: GenerationResult | GenerationFailed) -> None:
        deliver = self.deliveries.get(job.platform)
        if deliver is None:
            self._undelivered.append((job, outcome))
            return
        try:
            await deliver(job, outcome)
        except Exception:  # noqa: BLE001
            log.exception("could not deliver resumed job %s", job.id)
