"""A crash while a provider job runs: the next start resumes it (one charge) or refunds it
(exactly once), through the real GenerationService, Recovery and SQLite ledger."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from bot.domain.credits import UserRef
from bot.domain.jobs import FAILED, RUNNING, SUCCEEDED, Job
from bot.domain.providers import GeneratedImage, NotResumable, Route
from bot.services.recovery import Recovery

HANDLE = {"provider": "fal", "route_model": "fal-ai/flux-2/klein/4b", "request_id": "r-1",
          "status_url": "https://queue.example/requests/r-1/status",
          "response_url": "https://queue.example/requests/r-1"}


class ResumingProvider:
    """A provider whose job outlived the process. It must be resumed, never run again."""

    name = "fal"

    def __init__(self, resumable: bool = True) -> None:
        self.resumable = resumable
        self.generated = 0
        self.resumed: list[dict[str, Any]] = []

    async def generate(self, route: Route, spec: Any, record: Any) -> GeneratedImage:
        self.generated += 1
        raise AssertionError("a recorded job must not be submitted (and paid for) again")

    async def resume(
        self, route: Route, spec: Any, handle: Mapping[str, Any], record: Any
    ) -> GeneratedImage:
        self.resumed.append(dict(handle))
        if not self.resumable:
            raise NotResumable("fal.ai no longer has this job", provider="fal")
        return GeneratedImage(b"\x89PNG...", "image/png", 8, 8, "fal", route.model)


async def crash_mid_job(make_service) -> tuple[int, Job]:
    """What a process leaves behind when it dies while the provider is drawing."""
    service = make_service({"fal": ResumingProvider()})
    account = await service.account(UserRef("console", "u1"))
    job = Job(id="job-1", account_id=account, platform="console", user_id="u1",
              prompt="a fox", model_id="flux-2-klein", intent="fast", reason="test",
              aspect="1:1", seed=7, cost=1, event_key="evt-1", created_at=time.time())
    await service.jobs.create_job(job)
    await service.ledger.reserve(account, job.cost, job.hold_key, job.id)
    await service.jobs.update_job(job.id, status=RUNNING, provider="fal", provider_handle=HANDLE)
    return account, job


async def restart(make_service, provider: ResumingProvider) -> tuple[Recovery, list[Any]]:
    recovery = Recovery(make_service({"fal": provider}))
    delivered: list[Any] = []

    async def deliver(job: Job, outcome: Any) -> None:
        delivered.append(outcome)

    recovery.register_delivery("console", deliver)
    return recovery, delivered


async def test_a_recorded_job_is_resumed_after_a_restart_and_charged_once(make_service):
    account, job = await crash_mid_job(make_service)
    provider = ResumingProvider()
    recovery, delivered = await restart(make_service, provider)

    report = await recovery.reconcile()
    await asyncio.gather(*recovery.tasks)

    assert report.resuming == [job.id] and report.refunded == []
    assert provider.generated == 0 and [h["request_id"] for h in provider.resumed] == ["r-1"]
    ledger = recovery.service.ledger
    assert (await recovery.service.jobs.get_job(job.id)).status == SUCCEEDED
    assert await ledger.balance(account) == 50 - 1
    assert [e.delta for e in await ledger.history(account)].count(-1) == 1
    assert await ledger.ledger_sum(account) == await ledger.balance(account)
    assert [type(o).__name__ for o in delivered] == ["GenerationResult"]

    # Another restart finds nothing to do: still one charge, no refund.
    again = await (await restart(make_service, ResumingProvider()))[0].reconcile()
    assert again.resuming == again.refunded == again.orphan_holds_released == []
    assert await ledger.balance(account) == 49


async def test_a_job_that_cannot_be_resumed_is_refunded_exactly_once(make_service):
    account, job = await crash_mid_job(make_service)
    provider = ResumingProvider(resumable=False)
    recovery, delivered = await restart(make_service, provider)

    await recovery.reconcile()
    await asyncio.gather(*recovery.tasks)

    assert provider.generated == 0 and len(provider.resumed) == 1
    stored = await recovery.service.jobs.get_job(job.id)
    assert stored.status == FAILED and "no longer has this job" in (stored.error or "")
    ledger = recovery.service.ledger
    assert await ledger.balance(account) == 50
    history = await ledger.history(account)
    assert sorted(e.delta for e in history if e.delta in (-1, 1)) == [-1, 1]
    assert await ledger.ledger_sum(account) == 50
    assert "refunded" in delivered[0].user_message

    again = await (await restart(make_service, ResumingProvider()))[0].reconcile()
    assert again.refunded == again.orphan_holds_released == []
    assert await ledger.balance(account) == 50


class RecordingResumer(ResumingProvider):
    def __init__(self) -> None:
        super().__init__()
        self.specs: list[Any] = []

    async def resume(self, route: Route, spec: Any, handle: Mapping[str, Any], record: Any
                     ) -> GeneratedImage:
        self.specs.append(spec)
        return await super().resume(route, spec, handle, record)


async def test_an_edit_resumed_after_a_restart_sends_the_stored_pictures(make_service):
    import io

    from PIL import Image

    from bot.services.image_intake import normalise

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (5, 50, 150)).save(out, "PNG")
    picture = normalise(out.getvalue())
    service = make_service({"fal": ResumingProvider()})
    account = await service.account(UserRef("console", "u1"))
    job = Job(id="job-2", account_id=account, platform="console", user_id="u1",
              prompt="make it purple", model_id="flux-2-klein", intent="fast", reason="test",
              aspect="4:3", seed=7, cost=2, event_key="evt-2", created_at=time.time(),
              kind="edit", images=(picture,))
    await service.jobs.create_job(job)
    await service.ledger.reserve(account, job.cost, job.hold_key, job.id)
    await service.jobs.update_job(job.id, status=RUNNING, provider="fal", provider_handle=HANDLE)
    provider = RecordingResumer()
    recovery, delivered = await restart(make_service, provider)
    await recovery.reconcile()
    await asyncio.gather(*recovery.tasks)
    [spec] = provider.specs
    assert spec.images == (picture,) and spec.mode == "edit"
    assert (await recovery.service.jobs.get_job(job.id)).status == SUCCEEDED
    assert await recovery.service.ledger.balance(account) == 50 - 2
