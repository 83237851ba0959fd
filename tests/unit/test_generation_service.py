"""The generation service: charges, refunds on every failure path, limits, reruns, compare."""

import asyncio

import pytest

from adapters.storage.database import open_database
from bot.domain.credits import UserRef
from bot.domain.errors import (
    DuplicateEvent,
    GenerationFailed,
    InsufficientCredits,
    JobNotFound,
    TooManyJobs,
)
from bot.domain.providers import ProviderRejected, ProviderUnavailable
from bot.domain.requests import parse_imagine
from bot.services.generation import Progress
from bot.services.recovery import Recovery
from tests.conftest import build_service
from tests.unit.scripted import Scripted

ALICE = UserRef("test", "alice", "Alice")
BOB = UserRef("test", "bob", "Bob")


def req(service, text: str):
    return parse_imagine(text, service.catalog, service.planner.intents)


async def books(service, user=ALICE) -> int:
    account = await service.account(user)
    balance = await service.ledger.balance(account)
    assert await service.ledger.ledger_sum(account) == balance
    assert await service.ledger.open_holds() == []
    return balance


async def test_success_charges_the_routed_price_and_reports_why(make_service):
    service = make_service()
    events: list[Progress] = []

    async def on_progress(p: Progress) -> None:
        events.append(p)

    result = await service.generate(req(service, 'a sign that says "HI"'), ALICE, "e1", on_progress)
    assert result.model.id == "nano-banana-2" and result.cost == 8
    assert "text rendering needed" in result.reason
    assert result.balance == 42 and await books(service) == 42
    assert result.image.is_demo and result.image.data.startswith(b"\x89PNG")
    assert [e.stage for e in events] == ["started", "finished"]
    job = await service.job(result.job.id)
    assert job.status == "succeeded" and job.cost == 8


@pytest.mark.parametrize(
    "failure, words",
    [
        (ProviderRejected("the prompt was flagged by moderation"), "refused this prompt"),
        (ProviderUnavailable("503"), "unavailable right now"),
        (RuntimeError("a bug"), None),
    ],
)
async def test_every_failure_refunds(make_service, failure, words):
    service = make_service({"bfl": Scripted("bfl", failure)})
    with pytest.raises(Exception) as info:
        await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    if words:
        assert isinstance(info.value, GenerationFailed)
        assert words in info.value.user_message and "refunded" in info.value.user_message
    assert await books(service) == 50


async def test_timeout_refunds(make_service):
    service = make_service({"bfl": Scripted("bfl", ("sleep", 5))}, timeout=0.2)
    with pytest.raises(GenerationFailed, match="took longer"):
        await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    assert await books(service) == 50


async def test_cancel_refunds(make_service):
    provider = Scripted("bfl", ("sleep", 30))
    service = make_service({"bfl": provider})
    task = asyncio.create_task(
        service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    )
    await provider.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await books(service) == 50
    statuses = await service.ledger.db.run(
        lambda c: c.execute("SELECT status FROM jobs").fetchall()
    )
    assert statuses == [("cancelled",)]


async def test_unavailable_route_fails_over_to_the_next(make_service):
    first, second = Scripted("bfl", ProviderUnavailable("429")), Scripted("fal")
    service = make_service({"bfl": first, "fal": second})
    result = await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    assert result.image.provider == "fal" and len(first.calls) == len(second.calls) == 1
    assert await books(service) == 45


async def test_rejection_never_fails_over(make_service):
    first, second = Scripted("bfl", ProviderRejected("moderated")), Scripted("fal")
    service = make_service({"bfl": first, "fal": second})
    with pytest.raises(GenerationFailed):
        await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    assert second.calls == [] and await books(service) == 50


async def test_double_click_charges_once(make_service):
    service = make_service()
    first = await service.generate(req(service, "a fox"), ALICE, "click-1")
    with pytest.raises(DuplicateEvent):
        await service.generate(req(service, "a fox"), ALICE, "click-1")
    assert await books(service) == 50 - first.cost


async def test_concurrent_double_click_charges_once(make_service):
    service = make_service({"bfl": Scripted("bfl", ("sleep", 0.2))})
    results = await asyncio.gather(
        *(
            service.generate(req(service, "a fox --model flux-pro"), ALICE, "same")
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DuplicateEvent) for r in results) == 1
    assert await books(service) == 45


async def test_insufficient_credits_offers_a_cheaper_model(make_service):
    service = make_service(welcome=3)
    with pytest.raises(InsufficientCredits) as info:
        await service.generate(req(service, "a fox --model nano-banana-pro"), ALICE, "e1")
    assert "you have 3" in info.value.user_message and info.value.suggestion == "flux-2-klein"
    assert await books(service) == 3


async def test_per_user_limit_on_requests_in_flight(make_service):
    provider = Scripted("bfl", default=("sleep", 0.3))
    service = make_service({"bfl": provider}, max_jobs=2)
    r = req(service, "a fox --model flux-pro")
    running = [asyncio.create_task(service.generate(r, ALICE, f"e{i}")) for i in range(2)]
    await asyncio.sleep(0.05)
    with pytest.raises(TooManyJobs):
        await service.generate(r, ALICE, "e3")
    other = await service.generate(r, BOB, "b1")  # someone else is not blocked
    await asyncio.gather(*running)
    assert other.balance == 45 and await books(service) == 40


async def test_queue_reports_positions(make_service):
    service = make_service(
        {"bfl": Scripted("bfl", default=("sleep", 0.1))}, concurrency=1, max_jobs=5
    )
    seen: list[tuple[str, int | None]] = []

    async def on_progress(p: Progress) -> None:
        seen.append((p.stage, p.position))

    r = req(service, "a fox --model flux-pro")
    await asyncio.gather(*(service.generate(r, ALICE, f"e{i}", on_progress) for i in range(3)))
    assert ("queued", 2) in seen and ("queued", 1) in seen
    assert [s for s, _ in seen].count("finished") == 3


async def test_rerun_on_another_model_charges_the_clicker(make_service):
    service = make_service()
    first = await service.generate(req(service, "a fox --model flux-pro --ar 16:9"), ALICE, "e1")
    again = await service.rerun(first.job.id, BOB, "click-1", "nano-banana-pro")
    assert again.model.id == "nano-banana-pro" and again.job.aspect == "16:9"
    assert again.job.seed == first.job.seed and again.job.parent_id == first.job.id
    assert await books(service, ALICE) == 45 and await books(service, BOB) == 35
    same = await service.rerun(first.job.id, BOB, "click-2")
    assert same.model.id == "flux-pro" and await books(service, BOB) == 30


async def test_rerun_of_unknown_job_is_expired(make_service):
    service = make_service()
    with pytest.raises(JobNotFound, match="expired"):
        await service.rerun("forged", ALICE, "c1")


async def test_compare_runs_three_other_models_each_charged(make_service):
    service = make_service()
    first = await service.generate(req(service, "a fox --model flux-2-klein"), ALICE, "e1")
    outcomes = await service.compare(first.job.id, ALICE, "cmp-1")
    models = [o.model.id for o in outcomes]
    assert len(set(models)) == 3 and "flux-2-klein" not in models
    spent = sum(service.catalog.get(m).credits for m in models)
    assert await books(service) == 50 - 1 - spent
    with pytest.raises(DuplicateEvent):
        await service.compare(first.job.id, ALICE, "cmp-1")
    assert await books(service) == 50 - 1 - spent


async def test_compare_refuses_when_the_three_do_not_fit(make_service):
    service = make_service(welcome=10)
    first = await service.generate(req(service, "a fox --model flux-2-klein"), ALICE, "e1")
    with pytest.raises(InsufficientCredits, match="Compare on 3 costs"):
        await service.compare(first.job.id, ALICE, "cmp")
    assert await books(service) == 9


async def test_restart_refunds_interrupted_jobs_once(db_url, make_service):
    """A crash mid-job with no resumable handle is refunded at start-up, exactly once."""
    provider = Scripted("bfl", ("sleep", 30))
    service = make_service({"bfl": provider})
    task = asyncio.create_task(
        service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    )
    await provider.started.wait()
    [job] = await service.jobs.unfinished_jobs()
    await service.jobs.update_job(job.id, provider_handle={})  # nothing to resume from
    # The "restarted process": a second connection to the same file, a fresh service.
    db2 = await open_database(db_url)
    try:
        restarted = build_service(db2)
        recovery = Recovery(restarted)
        told: list[str] = []

        async def deliver(j, outcome):  # type: ignore[no-untyped-def]
            told.append(outcome.user_message)

        recovery.register_delivery("test", deliver)
        report = await recovery.reconcile()
        assert report.refunded == [job.id]
        await asyncio.gather(*recovery.tasks)
        assert told and "refunded" in told[0]  # the chat hears what happened
        again = await Recovery(restarted).reconcile()
        assert again.refunded == [] and again.orphan_holds_released == []
        assert await books(restarted) == 50
        assert (await restarted.job(job.id)).status == "failed"
    finally:
        task.cancel()  # the old "process" dies; its finally finds nothing left to refund
        await asyncio.gather(task, return_exceptions=True)
        await db2.close()
    assert await books(service) == 50


async def test_rerun_on_an_unknown_model_is_expired_not_a_crash(make_service):
    service = make_service()
    first = await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    with pytest.raises(JobNotFound):
        await service.rerun(first.job.id, ALICE, "c1", "no-such-model")
    assert await books(service) == 45


async def test_resumed_result_waits_for_its_platform_to_register(make_service):
    service = make_service()
    recovery = Recovery(service)
    first = await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    delivered = []

    async def deliver(job, outcome):  # type: ignore[no-untyped-def]
        delivered.append(job.id)

    await recovery._deliver(first.job, first)  # finished before the platform came up
    assert delivered == []
    recovery.register_delivery("test", deliver)
    await asyncio.gather(*recovery.tasks)
    assert delivered == [first.job.id]


async def test_reconcile_leaves_other_platforms_jobs_alone(db_url, make_service):
    """A console opened on a live bot's database must not refund the bot's jobs in flight."""
    provider = Scripted("bfl", ("sleep", 30))
    service = make_service({"bfl": provider})
    task = asyncio.create_task(service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1"))
    await provider.started.wait()
    db2 = await open_database(db_url)
    try:
        report = await Recovery(build_service(db2)).reconcile(platforms={"console"})
        assert report.refunded == [] and report.orphan_holds_released == []
        assert len(await service.ledger.open_holds()) == 1  # still held for the live job
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db2.close()
    assert await books(service) == 50


async def test_an_undelivered_image_is_refunded_once(make_service):
    service = make_service()
    result = await service.generate(req(service, "a fox --model flux-pro"), ALICE, "e1")
    assert await books(service) == 45
    assert await service.refund_undelivered(result.job.id) is True
    assert await service.refund_undelivered(result.job.id) is False  # asked twice: once
    assert await service.refund_undelivered("nope") is False
    assert await books(service) == 50
