"""Start-up reconciliation: nothing is lost or paid twice across a crash or restart.

Jobs whose process died (on this host: its pid is gone; elsewhere: its lease lapsed) are
taken over: resumed when the provider gave us a job handle (so we do not pay for the same
image twice), run when no provider was asked yet, refunded otherwise. Queued jobs are not
touched: they still run. Generation holds left without an open job are released, each with
a ledger row. Deliveries go through the runner (`register_delivery`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.domain.keys import is_job_hold
from bot.services.generation import GenerationService
from bot.services.job_delivery import Delivery, Outcome

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    refunded: list[str] = field(default_factory=list)
    resuming: list[str] = field(default_factory=list)
    orphan_holds_released: list[str] = field(default_factory=list)


class Recovery:
    def __init__(self, service: GenerationService) -> None:
        self.service = service
        self.runner = service.runner

    @property
    def tasks(self) -> set[asyncio.Task[Any]]:
        """Work started by reconciling (resumes, deliveries): tests wait for it."""
        return {*self.runner.running.values(), *self.runner.background}

    def register_delivery(self, platform: str, deliver: Delivery) -> None:
        """Chat surfaces register how to post a result nobody waits for in this process."""
        self.runner.register_delivery(platform, deliver)

    async def _deliver(self, job: Any, outcome: Outcome) -> None:
        await self.runner.deliver(job, outcome)

    async def reconcile(
        self, resume: bool = True, platforms: set[str] | None = None
    ) -> ReconcileReport:
        """Take over the jobs of dead processes. With `platforms`, only jobs of those
        platforms: a console opened on a live bot's database leaves the bot's jobs alone."""
        report = ReconcileReport()
        if resume:
            report.refunded, report.resuming = await self.runner.take_over(platforms)
        ledger, jobs = self.service.ledger, self.service.jobs
        in_flight = {job.hold_key for job in await jobs.unfinished_jobs()}
        for hold in await ledger.open_holds():
            # Only generation holds of jobs that are not open anywhere: giveaways hold
            # credits on purpose for days.
            if is_job_hold(hold.key) and hold.key not in in_flight:
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
