"""The one place that turns a request into an image: plan, job row, reserve, run, settle.

Money flow per job: reserve (credits held) -> provider call under a deadline -> settle on
success, release on *any* other outcome (rejection, unavailability, timeout, cancel, bug).
The job row is written before the provider is called, so a restart can resume or refund.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.catalog import Model
from bot.domain.credits import Ledger, UserRef
from bot.domain.errors import (
    DuplicateEvent,
    GenerationFailed,
    InsufficientCredits,
    JobNotFound,
    TooManyJobs,
)
from bot.domain.jobs import CANCELLED, FAILED, RUNNING, SUCCEEDED, Job, JobStore
from bot.domain.providers import GeneratedImage, ImageSpec, ProviderRejected, ProviderUnavailable
from bot.domain.requests import GenerationRequest
from bot.services.dispatch import Dispatcher
from bot.services.planning import Plan, Planner
from bot.services.queue import JobQueue

log = logging.getLogger(__name__)


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


def new_job_id() -> str:
    return secrets.token_hex(5)  # 10 hex chars: short enough for any button payload


class GenerationService:
    def __init__(
        self,
        planner: Planner,
        ledger: Ledger,
        jobs: JobStore,
        dispatcher: Dispatcher,
        queue: JobQueue,
        *,
        welcome_credits: int = 50,
        max_jobs_per_user: int = 2,
        timeout: float = 300.0,
    ) -> None:
        self.planner = planner
        self.catalog = planner.catalog
        self.ledger = ledger
        self.jobs = jobs
        self.dispatcher = dispatcher
        self.queue = queue
        self.welcome_credits = welcome_credits
        self.max_jobs_per_user = max_jobs_per_user
        self.timeout = timeout
        self._in_flight_counts: defaultdict[int, int] = defaultdict(int)  # a compare counts once

    async def account(self, user: UserRef) -> int:
        return await self.ledger.open_account(user, self.welcome_credits)

    async def balance(self, user: UserRef) -> int:
        return await self.ledger.balance(await self.account(user))

    # -- public use cases -------------------------------------------------------------

    async def generate(
        self,
        request: GenerationRequest,
        user: UserRef,
        event_key: str,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
    ) -> GenerationResult:
        plan = self.planner.plan(request)
        account = await self.account(user)
        with self._in_flight(account):
            return await self._run(
                plan, request.prompt, request.seed, user, account, event_key, on_progress, chat_ref
            )

    async def rerun(
        self,
        job_id: str,
        user: UserRef,
        event_key: str,
        model_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
    ) -> GenerationResult:
        """Run a job's prompt again: same model (a fresh seed) or another model (same seed)."""
        parent = await self._job_or_expired(job_id)
        if model_id and model_id not in {m.id for m in self.catalog}:
            raise JobNotFound("This button has expired. Start a new one with /imagine.")
        model = self.catalog.get(model_id or parent.model_id)
        same = model.id == parent.model_id
        reason = "again, with a new seed" if same else f"you picked {model.name}"
        plan = Plan(parent.intent, model, reason, self._aspect_for(model, parent.aspect))
        account = await self.account(user)
        seed = None if same else parent.seed
        with self._in_flight(account):
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
            )

    async def compare(
        self,
        job_id: str,
        user: UserRef,
        event_key: str,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
    ) -> list[GenerationResult | GenerationFailed]:
        """The same prompt on three other models at once, each charged its own price."""
        parent = await self._job_or_expired(job_id)
        models = self.planner.compare_models(parent.intent, parent.model_id, parent.aspect)
        account = await self.account(user)
        total = sum(m.credits for m in models)
        balance = await self.ledger.balance(account)
        if total > balance:
            prices = " + ".join(f"{m.name} {m.credits}" for m in models)
            raise InsufficientCredits(
                f"Compare on 3 costs {total} credits ({prices}) and you have {balance}.",
                needed=total,
                balance=balance,
            )
        with self._in_flight(account):
            outcomes = await asyncio.gather(
                *(
                    self._run(
                        Plan(parent.intent, m, f"compare: {m.name}", parent.aspect),
                        parent.prompt,
                        parent.seed,
                        user,
                        account,
                        f"{event_key}:{i}",
                        on_progress,
                        chat_ref,
                        parent_id=parent.id,
                    )
                    for i, m in enumerate(models)
                ),
                return_exceptions=True,
            )
        duplicates = [o for o in outcomes if isinstance(o, DuplicateEvent)]
        if len(duplicates) == len(outcomes):
            raise duplicates[0]  # the whole compare click was a repeat
        results: list[GenerationResult | GenerationFailed] = []
        for outcome in outcomes:
            if isinstance(outcome, GenerationResult | GenerationFailed):
                results.append(outcome)
            elif isinstance(outcome, InsufficientCredits | DuplicateEvent):
                results.append(GenerationFailed(outcome.user_message))
            elif isinstance(outcome, BaseException):
                raise outcome
        return results

    async def job(self, job_id: str) -> Job | None:
        return await self.jobs.get_job(job_id)

    async def refund_undelivered(self, job_id: str) -> bool:
        """The image was made and paid for, but the chat would not take it: give the credits
        back (once per job, whoever asks twice). Returns whether credits moved."""
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

    async def attach_chat_ref(self, job_id: str, chat_ref: Mapping[str, Any]) -> None:
        """Remember where a job's status and result live in chat (for delivery after a restart)."""
        await self.jobs.update_job(job_id, chat_ref=chat_ref)

    # -- the job itself -----------------------------------------------------------------

    async def _run(
        self,
        plan: Plan,
        prompt: str,
        seed: int | None,
        user: UserRef,
        account: int,
        event_key: str,
        on_progress: ProgressCallback | None,
        chat_ref: Mapping[str, Any] | None,
        parent_id: str | None = None,
    ) -> GenerationResult:
        job = Job(
            id=new_job_id(),
            account_id=account,
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
        )
        job, created = await self.jobs.create_job(job)
        if not created:
            raise DuplicateEvent("Already on it: that request was counted once.", job.id)
        try:
            balance = await self.ledger.reserve(account, job.cost, job.hold_key, job.id)
        except InsufficientCredits as exc:
            await self._finish(job, FAILED, "insufficient credits")
            raise self.planner.not_enough(plan.model, exc.balance, plan.aspect) from None
        log.info(
            "job %s reserved account=%s model=%s credits=-%d",
            job.id,
            account,
            job.model_id,
            job.cost,
        )
        settled = False
        try:
            image = await self._execute(job, plan.model, on_progress)
            await self.ledger.settle(job.hold_key)
            settled = True
            await self._finish(job, SUCCEEDED)
            log.info("job %s succeeded provider=%s", job.id, image.provider)
            return GenerationResult(job, plan.model, image, balance)
        except ProviderRejected as exc:
            raise await self._fail(
                job,
                plan.model,
                f"{plan.model.name} refused this prompt: {exc.reason}.",
                rejected=True,
                on_progress=on_progress,
            ) from None
        except ProviderUnavailable as exc:
            log.warning("job %s unavailable: %s", job.id, exc.reason)
            raise await self._fail(
                job,
                plan.model,
                f"{plan.model.name} is unavailable right now. "
                "Please try again in a minute or pick another model.",
                on_progress=on_progress,
            ) from None
        except TimeoutError:
            raise await self._fail(
                job,
                plan.model,
                f"{plan.model.name} took longer than {self.timeout:.0f} seconds, "
                "so I stopped waiting.",
                on_progress=on_progress,
            ) from None
        finally:
            if not settled:
                # Any other way out (cancel, bug) still gives the credits back.
                if await self.ledger.release(job.hold_key):
                    log.info("job %s released credits=+%d", job.id, job.cost)
                current = await self.jobs.get_job(job.id)
                if current is not None and current.status not in (FAILED, CANCELLED, SUCCEEDED):
                    await self._finish(job, CANCELLED, "stopped before it finished")

    async def _execute(
        self, job: Job, model: Model, on_progress: ProgressCallback | None
    ) -> GeneratedImage:
        async def position(n: int) -> None:
            await _notify(on_progress, Progress("queued", job.id, model.name, n))

        async def record(handle: Mapping[str, Any]) -> None:
            await self.jobs.update_job(
                job.id, provider=str(handle.get("provider", "")), provider_handle=handle
            )

        async with self.queue.slot(position):
            await self.jobs.update_job(job.id, status=RUNNING)
            await _notify(on_progress, Progress("started", job.id, model.name))
            spec = ImageSpec(job.prompt, job.aspect, job.seed, model.id, model.name)
            async with asyncio.timeout(self.timeout):
                image = await self.dispatcher.generate(model, spec, record)
        await _notify(on_progress, Progress("finished", job.id, model.name))
        return image

    async def _fail(
        self,
        job: Job,
        model: Model,
        why: str,
        *,
        rejected: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> GenerationFailed:
        await self.ledger.release(job.hold_key)
        await self._finish(job, FAILED, why)
        await _notify(on_progress, Progress("failed", job.id, model.name))
        credits = f"{job.cost} credit" + ("" if job.cost == 1 else "s")
        return GenerationFailed(f"{why} Your {credits} were refunded.", rejected=rejected)

    async def _finish(self, job: Job, status: str, error: str | None = None) -> None:
        job.status, job.error = status, error
        await self.jobs.update_job(job.id, status=status, error=error, finished_at=time.time())

    async def _job_or_expired(self, job_id: str) -> Job:
        job = await self.jobs.get_job(job_id) if job_id else None
        if job is None or job.model_id not in {m.id for m in self.catalog}:
            raise JobNotFound("This button has expired. Start a new one with /imagine.")
        return job

    def _aspect_for(self, model: Model, aspect: str) -> str:
        return aspect if aspect in model.aspect_ratios else "1:1"

    def _in_flight(self, account: int) -> _FlightGuard:
        return _FlightGuard(self._in_flight_counts, account, self.max_jobs_per_user)


class _FlightGuard:
    def __init__(self, counts: defaultdict[int, int], account: int, limit: int) -> None:
        self.counts, self.account, self.limit = counts, account, limit

    def __enter__(self) -> None:
        if self.counts[self.account] >= self.limit:
            raise TooManyJobs(
                f"You already have {self.limit} images in progress. "
                "Wait for one to finish, then try again."
            )
        self.counts[self.account] += 1

    def __exit__(self, *exc: object) -> None:
        self.counts[self.account] -= 1
        if self.counts[self.account] <= 0:
            del self.counts[self.account]


async def _notify(callback: ProgressCallback | None, progress: Progress) -> None:
    """Progress goes to chat; a failed status edit must never fail or refund the job."""
    if callback is None:
        return
    try:
        await callback(progress)
    except Exception:  # noqa: BLE001
        log.warning("progress callback failed for job %s", progress.job_id, exc_info=True)
