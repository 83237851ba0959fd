"""The one place that turns a request into an image: plan, pay, queue, wait for the result.

Money flow per job (one transaction at ingress, one at the end): the job row, its charge and
its hold are written together and the job is `queued`; a runner of any process claims it;
it ends settled on success or refunded on *any* other outcome (rejection, unavailability,
timeout, cancel, bug), in the same transaction as its final state. A restart resumes or
refunds what was running and still runs what was queued.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any

from bot import i18n
from bot.domain.catalog import Model
from bot.domain.credits import Ledger, UserRef
from bot.domain.errors import (
    BUTTON_EXPIRED,
    RESTARTING,
    DuplicateEvent,
    GenerationFailed,
    HandedOff,
    InsufficientCredits,
    JobNotFound,
    PermissionDenied,
    ShuttingDown,
)
from bot.domain.jobs import Job, JobStore
from bot.domain.providers import InputImage
from bot.domain.requests import GenerationRequest
from bot.domain.safety import Place
from bot.services.editing import EditFlows
from bot.services.job_delivery import GenerationResult, Progress, ProgressCallback
from bot.services.planning import Plan, Planner, price
from bot.services.provider_router import ProviderRouter
from bot.services.safety import SafetyService
from bot.services.shutdown import Shutdown
from bot.services.worker import JobRunner

log = logging.getLogger(__name__)

__all__ = ["GenerationResult", "GenerationService", "Progress", "ProgressCallback", "new_job_id"]


def new_job_id() -> str:
    return secrets.token_hex(5)  # 10 hex chars: short enough for any button payload


class GenerationService(EditFlows):
    def __init__(
        self,
        planner: Planner,
        ledger: Ledger,
        jobs: JobStore,
        router: ProviderRouter,
        runner: JobRunner,
        *,
        welcome_credits: int = 50,
        max_jobs_per_user: int = 2,
        timeout: float = 300.0,
        shutdown: Shutdown | None = None,
        safety: SafetyService | None = None,
    ) -> None:
        self.planner = planner
        self.catalog = planner.catalog
        self.ledger = ledger
        self.jobs = jobs
        self.router = router
        self.runner = runner
        self.welcome_credits = welcome_credits
        self.max_jobs_per_user = max_jobs_per_user  # requests in flight; a compare is one
        self.timeout = timeout
        self.shutdown = shutdown or Shutdown(runner, grace=0.0)
        self.safety = safety  # None only in tests of the money flow itself
        # Edits plan among the models whose *configured* routes take pictures.
        planner.can_edit = router.can_edit

    async def account(self, user: UserRef) -> int:
        return await self.ledger.open_account(user, self.welcome_credits)

    async def balance(self, user: UserRef) -> int:
        return (await self.ledger.account_balance(user, self.welcome_credits))[1]

    # -- public use cases -------------------------------------------------------------

    async def generate(
        self,
        request: GenerationRequest,
        user: UserRef,
        event_key: str,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> GenerationResult:
        self._asking()
        plan = self.planner.plan(request)
        level = await self._allowed(place, user, request.prompt, plan.model.id)
        return await self._run(  # the account is opened by the ingress unit itself
            plan, request.prompt, request.seed, user, None, event_key, on_progress, chat_ref,
            safety_level=level, place=place,
        )

    async def rerun(
        self,
        job_id: str,
        user: UserRef,
        event_key: str,
        model_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> GenerationResult:
        """Run a job's prompt again: same model (a fresh seed) or another model (same seed).
        Checked again where it is clicked, with the clicker's standing."""
        self._asking()
        parent = await self._job_or_expired(job_id)
        if model_id and model_id not in {m.id for m in self.catalog}:
            raise JobNotFound(BUTTON_EXPIRED, key="button-expired")
        model = self.catalog.get(model_id or parent.model_id)
        if parent.is_edit:
            return await self._rerun_edit(parent, model, user, event_key, on_progress,
                                          chat_ref, place)
        level = await self._allowed(place, user, parent.prompt, model.id)
        same = model.id == parent.model_id
        reason = "again, with a new seed" if same else f"you picked {model.name}"
        plan = Plan(parent.intent, model, reason, self._aspect_for(model, parent.aspect))
        account = await self.account(user)
        seed = None if same else parent.seed
        return await self._run(
            plan,
            parent.prompt,
            seed,
            user,
            account,
            event_key,
            on_progress,
            chat_ref,
            parent_id=parent.id,
            safety_level=level,
            place=place,
        )

    async def compare(
        self,
        job_id: str,
        user: UserRef,
        event_key: str,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> list[GenerationResult | GenerationFailed]:
        """The same prompt on three other models at once, each charged its own price."""
        self._asking()
        parent = await self._job_or_expired(job_id)
        images = await self._images_of(parent)
        if parent.is_edit:
            models = self.planner.edit_compare_models(parent.intent, parent.model_id,
                                                      len(images))
        else:
            models = self.planner.compare_models(parent.intent, parent.model_id, parent.aspect)
        level = await self._allowed(place, user, parent.prompt, "compare")
        account = await self.account(user)
        total = sum(price(m, parent.kind) for m in models)
        balance = await self.ledger.balance(account)
        if total > balance:
            prices = " + ".join(f"{m.name} {price(m, parent.kind)}" for m in models)
            short = InsufficientCredits(
                f"Compare on 3 costs {total} credits ({prices}) and you have {balance}.",
                needed=total,
                balance=balance,
                key="compare-not-enough", total=i18n.Count(total), prices=prices,
                have=balance,
            )
            # The one model that fits, which every surface offers as a button or a hint.
            cheapest = (self.catalog.cheapest_affordable(balance, parent.aspect)
                        if not parent.is_edit else next(
                            (m for m in self.planner.editors(len(images), by_price=True)
                             if price(m, parent.kind) <= balance), None))
            short.suggestion = cheapest.id if cheapest is not None else None
            raise short
        outcomes = await asyncio.gather(
            *(
                self._run(
                    Plan(parent.intent, m, f"compare: {m.name}",
                         self.planner.edit_aspect(m, images) if images else parent.aspect,
                         parent.kind),
                    parent.prompt,
                    parent.seed,
                    user,
                    account,
                    f"{event_key}:{i}",
                    on_progress,
                    chat_ref,
                    parent_id=self._source_of(parent),
                    request_key=event_key,
                    safety_level=level,
                    place=place,
                    images=images,
                )
                for i, m in enumerate(models)
            ),
            return_exceptions=True,
        )
        duplicates = [o for o in outcomes if isinstance(o, DuplicateEvent)]
        if len(duplicates) == len(outcomes):
            raise duplicates[0]  # the whole compare click was a repeat
        handed = [o for o in outcomes if isinstance(o, HandedOff)]
        if len(handed) == len(outcomes):
            raise handed[0]  # other processes post all three
        results: list[GenerationResult | GenerationFailed] = []
        for outcome in outcomes:
            if isinstance(outcome, HandedOff):
                continue  # posted by the process that finished it
            if isinstance(outcome, GenerationResult | GenerationFailed):
                results.append(outcome)
            elif isinstance(outcome, InsufficientCredits | DuplicateEvent):
                results.append(GenerationFailed(outcome.english, key=outcome.key,
                                                **outcome.params))
            elif isinstance(outcome, BaseException):
                raise outcome
        # Every result shows the balance after all three settled or were refunded, the same
        # on every surface.
        final = await self.ledger.balance(account)
        return [
            dataclasses.replace(r, balance=final) if isinstance(r, GenerationResult) else r
            for r in results
        ]

    async def deletable(self, job_id: str, user: UserRef, is_admin: bool) -> Job:
        """The job whose result `user` may delete: their own, or any here for an admin."""
        job = await self._job_or_expired(job_id)
        if not is_admin and (job.platform, job.user_id) != (user.platform, user.user_id):
            raise i18n.error(PermissionDenied, "delete-not-yours")
        return job

    async def job(self, job_id: str) -> Job | None:
        return await self.jobs.get_job(job_id)

    async def refund_undelivered(self, job_id: str) -> bool:
        """The image was made and paid for, but the chat would not take it: give the credits
        back (once per job, whoever asks twice). Returns whether credits moved."""
        return await self.runner.refund_undelivered(job_id)

    def first_status_delay(self, default: float) -> float:
        """When a job's first status line is due (see JobRunner.first_status_delay)."""
        return self.runner.first_status_delay(default)

    async def status_current(self, progress: Progress) -> bool:
        """Is this status line still true for its job (see JobRunner.status_current)?"""
        return await self.runner.status_current(progress)

    async def attach_chat_ref(self, job_id: str, chat_ref: Mapping[str, Any]) -> None:
        """Remember where a job's status and result live in chat (for delivery after a restart)."""
        await self.jobs.update_job(job_id, chat_ref=chat_ref)

    async def _allowed(self, place: Place | None, user: UserRef, prompt: str,
                       model_id: str) -> str:
        """The safety policy, before any credit moves (raises SafetyBlocked). A caller
        that names no place is treated as a private chat: the strictest default."""
        if self.safety is None:
            return "strict"
        where = place or Place.private(user.platform, user.user_id)
        return (await self.safety.check(where, user, prompt, model_id)).label

    async def _audit_outcome(self, job: Job, outcome: GenerationResult | GenerationFailed,
                             user: UserRef, place: Place | None) -> None:
        """Vendor refusals and flagged results go to the safety audit of the place."""
        if self.safety is None:
            return
        if isinstance(outcome, GenerationFailed):
            verdict, reason, route = "refused", outcome.user_message, ""
            if not outcome.rejected:
                return
        elif outcome.image.flagged:
            verdict, reason, route = "spoilered", outcome.image.flag_reason, outcome.image.provider
        else:
            return
        where = place or Place.private(user.platform, user.user_id)
        try:
            await self.safety.record(where, user, verdict, "vendor", model_id=job.model_id,
                                     route=route or str(job.provider or ""),
                                     vendor_reason=reason, prompt=job.prompt)
        except Exception:  # noqa: BLE001 - the audit must not change what the person gets
            log.warning("could not audit job %s", job.id, exc_info=True)

    # -- the job itself -----------------------------------------------------------------

    async def _run(
        self,
        plan: Plan,
        prompt: str,
        seed: int | None,
        user: UserRef,
        account: int | None,  # None: opened (or found) in the ingress transaction
        event_key: str,
        on_progress: ProgressCallback | None,
        chat_ref: Mapping[str, Any] | None,
        parent_id: str | None = None,
        request_key: str | None = None,
        safety_level: str = "strict",
        place: Place | None = None,
        images: tuple[InputImage, ...] = (),
    ) -> GenerationResult:
        job = Job(
            id=new_job_id(),
            account_id=account or 0,
            platform=user.platform,
            user_id=user.user_id,
            prompt=prompt,
            model_id=plan.model.id,
            intent=plan.intent,
            reason=plan.reason,
            aspect=plan.aspect,
            seed=seed if seed is not None else secrets.randbelow(2**32),
            cost=plan.credits,
            event_key=event_key,
            parent_id=parent_id,
            chat_ref=dict(chat_ref or {}),
            created_at=time.time(),
            request_key=request_key or event_key,
            safety_level=safety_level,
            kind=plan.kind,
            images=images,
            locale=i18n.current(),  # the boundary set the requester's language
        )
        queued = await self.jobs.enqueue(
            job, self.max_jobs_per_user, position=self.runner.saturated(),
            opening=(user, self.welcome_credits) if account is None else None)
        if not queued.created:
            raise DuplicateEvent("Already on it: that request was counted once.", queued.job.id,
                                 key="already-on-it")
        if queued.short_of is not None:
            raise self.planner.not_enough(plan.model, queued.short_of, plan.aspect, plan.kind,
                                          len(images))
        log.info(
            "job %s queued account=%s model=%s credits=-%d",
            job.id,
            job.account_id,
            job.model_id,
            job.cost,
            extra={"job_id": job.id, "platform": user.platform, "user": user.key,
                   "model": job.model_id, "credits_delta": -job.cost},
        )
        outcome = await self.runner.wait_for(job, plan.model.name, on_progress,
                                             queued.position)
        await self._audit_outcome(job, outcome, user, place)
        if isinstance(outcome, GenerationFailed):
            raise outcome
        if images and not outcome.job.images:  # the buttons under it count the pictures
            outcome.job.images = images
        # The balance right after this job's charge: what the person's reply shows.
        return GenerationResult(outcome.job, outcome.model, outcome.image, queued.balance)

    def _asking(self) -> None:
        """The calling task answers a request: refused once this process is stopping, else
        the shutdown grace waits for it (the same task posts the outcome: shutdown.py)."""
        if self.shutdown.closing:
            raise ShuttingDown(RESTARTING, key="restarting")
        self.shutdown.requests.enter()

    async def _job_or_expired(self, job_id: str) -> Job:
        job = await self.jobs.get_job(job_id) if job_id else None
        if job is None or job.model_id not in {m.id for m in self.catalog}:
            raise JobNotFound(BUTTON_EXPIRED, key="button-expired")
        return job

    def _aspect_for(self, model: Model, aspect: str) -> str:
        return aspect if aspect in model.aspect_ratios else "1:1"
