"""One attempt at a claimed job: run it, resume it, or decide that it is refunded.

A job claimed again after a crash is resumed from its provider handle, run if no provider
was asked yet, and refunded if a provider was asked without a handle to resume from (the
image may be paid for at the vendor, but it cannot be fetched) or its deadline passed.
The attempt returns the outcome and the state the runner ends the job in (settled or
refunded, in one conditional change: see worker.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from bot import i18n
from bot.domain.catalog import Catalog, Model
from bot.domain.errors import GenerationFailed
from bot.domain.jobs import FAILED, SUCCEEDED, Job, JobStore
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    InputImage,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from bot.i18n import Count
from bot.services import edit_text, image_intake, metrics
from bot.services.job_delivery import (
    GenerationResult,
    Outcome,
    Progress,
    ProgressCallback,
    notify,
)
from bot.services.provider_router import ProviderRouter

log = logging.getLogger(__name__)


def _credits(n: int) -> str:
    return f"{n} credit" + ("" if n == 1 else "s")


class JobAttempt:
    def __init__(
        self,
        jobs: JobStore,
        router: ProviderRouter,
        catalog: Catalog,
        *,
        timeout: float,
        worker_id: str,
        clock: Callable[[], float],
        spawn: Callable[[Coroutine[Any, Any, Any]], None],
    ) -> None:
        self.jobs, self.router, self.catalog = jobs, router, catalog
        self.timeout, self.worker_id, self.clock = timeout, worker_id, clock
        self._spawn = spawn

    def _known(self) -> set[str]:
        return {m.id for m in self.catalog}

    async def run(self, job: Job, progress: ProgressCallback
                  ) -> tuple[Outcome, str, str | None]:
        """Run (or resume) the job; returns its outcome and the state to end it in."""
        if job.model_id not in self._known():
            why = "that model is no longer offered"
            return GenerationFailed(f"I could not make this image: {why}. Your "
                                    f"{_credits(job.cost)} were refunded.",
                                    key="fail-model-gone", credits=Count(job.cost)), FAILED, why
        model = self.catalog.get(job.model_id)
        now = self.clock()
        if job.deadline_at is None:
            job.deadline_at = now + self.timeout
            await self.jobs.set_deadline(job.id, self.worker_id, job.deadline_at)
        elif now >= job.deadline_at:
            why = "it could not finish before its deadline"
            return GenerationFailed(
                f"{model.name} could not finish your image in time ({why}). "
                f"Your {_credits(job.cost)} were refunded.", key="fail-deadline",
                model=model.name, credits=Count(job.cost)), FAILED, why
        resuming = bool(job.provider_handle)
        if not resuming and job.called_at is not None:
            why = "interrupted by a restart before it finished"
            return GenerationFailed(
                f"I restarted before your image was ready. Your {_credits(job.cost)} were "
                "refunded; please try again.", key="fail-restarted",
                credits=Count(job.cost)), FAILED, why
        # An edit's pictures come from storage, so a resume after a restart (or a worker of
        # another process) sends the very bytes the person gave.
        images = tuple(await self.jobs.job_images(job.id)) if job.is_edit else ()
        if job.is_edit and not images:
            why = "its pictures are no longer stored"
            # Keyed: read later (a delivery, maybe after a restart) in the requester's words.
            with i18n.use(i18n.DEFAULT):
                english = edit_text.pictures_gone(_credits(job.cost))
            return GenerationFailed(english, key="edit-pictures-gone",
                                    refunded=Count(job.cost)), FAILED, why
        try:
            async with metrics.job_attempt(job), asyncio.timeout(max(0.0, job.deadline_at - now)):
                image = await self._call(job, model, resuming, progress, images)
        except ProviderRejected as exc:
            return self._failed(job, model, f"{model.name} refused this prompt: {exc.reason}.",
                                progress, rejected=True, key="fail-refused",
                                reason=exc.reason)
        except ProviderUnavailable as exc:
            log.warning("job %s unavailable: %s", job.id, exc.reason)
            if resuming:
                return self._resume_failed(job, model, exc.reason)
            return self._failed(
                job, model, f"{model.name} is unavailable right now. "
                "Please try again in a minute or pick another model.", progress,
                key="fail-unavailable")
        except ProviderError as exc:
            return self._resume_failed(job, model, exc.reason)
        except TimeoutError:
            return self._failed(
                job, model, f"{model.name} took longer than {self.timeout:.0f} seconds, "
                "so I stopped waiting.", progress, key="fail-timeout",
                seconds=round(self.timeout))
        if image.flagged and job.safety_level != "mature":
            # Never posted outside mature, and never tried on another route (a moderation
            # verdict, not an outage).
            return self._failed(job, model, f"{image.flag_reason}, so it is not posted "
                                "here.", progress, rejected=True, key="fail-flagged",
                                reason=image.flag_reason)
        await notify(progress, Progress("finished", job.id, model.name))
        log.info("job %s succeeded provider=%s", job.id, image.provider)
        await self._keep_output(job, image)
        if image.provider != job.provider:  # vendors that answer at once left no handle
            job.provider = image.provider  # who made it prices it (`imagine-bot report`)
            await self.jobs.update_job(job.id, provider=image.provider)
        return GenerationResult(job, model, image, 0), SUCCEEDED, None

    async def _call(self, job: Job, model: Model, resuming: bool,
                    progress: ProgressCallback | None,
                    images: tuple[InputImage, ...] = ()) -> GeneratedImage:
        async def record(handle: Mapping[str, Any]) -> None:
            job.provider_handle = dict(handle)
            job.provider = str(handle.get("provider", ""))
            await self.jobs.update_job(
                job.id, provider=str(handle.get("provider", "")), provider_handle=handle
            )

        spec = ImageSpec(job.prompt, job.aspect, job.seed, model.id, model.name,
                         safety_level=job.safety_level, images=images, mode=job.kind)
        await notify(progress, Progress("started", job.id, model.name))
        if resuming:
            image = await self.router.resume(model, spec, job.provider_handle, record)
            log.info("job %s resumed", job.id)
            return image
        await self.jobs.mark_called(job.id, self.worker_id, self.clock())
        return await self.router.generate(model, spec, record)

    async def _keep_output(self, job: Job, image: GeneratedImage) -> None:
        """Store what was made, normalised like any input, so Vary and Edit on this result
        work days later (and a Vary of a Vary). Bookkeeping: never fails the job."""
        try:
            kept = await image_intake.normalise_async(image.data)
            await self.jobs.save_output(job.id, kept)
            job.output_digest = kept.digest
        except Exception as exc:  # noqa: BLE001 - the person still gets the image they paid for
            log.warning("job %s: could not store its image for Vary/Edit: %s", job.id,
                        type(exc).__name__)

    def _failed(self, job: Job, model: Model, why: str, progress: ProgressCallback | None,
                rejected: bool = False, key: str = "", **params: Any
                ) -> tuple[Outcome, str, str]:
        """`key`/`params`: the catalog message of `why` (with the refund), for the reader."""
        self._spawn(notify(progress, Progress("failed", job.id, model.name)))
        failed = GenerationFailed(f"{why} Your {_credits(job.cost)} were refunded.",
                                  rejected=rejected, key=key, model=model.name,
                                  credits=Count(job.cost), **params)
        return failed, FAILED, why

    def _resume_failed(self, job: Job, model: Model, reason: str) -> tuple[Outcome, str, str]:
        reason = reason or "it could not be picked up after a restart"
        failed = GenerationFailed(
            f"{model.name} could not finish your image after a restart ({reason}). "
            f"Your {_credits(job.cost)} were refunded.", key="fail-not-resumed",
            model=model.name, reason=reason, credits=Count(job.cost))
        return failed, FAILED, f"not resumed: {reason}"
