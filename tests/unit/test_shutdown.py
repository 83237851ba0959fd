"""The one shutdown policy (bot/services/shutdown.py) and what a run process claims.

On stop, work in flight gets the grace to finish and be posted by the task that asked; a job
that outlives it is refunded exactly once and its person told; a request that arrives while
stopping is refused before anything is charged. A process claims only the jobs of the
platforms whose surface registered a delivery.
"""

import asyncio

import pytest

from adapters.providers.demo import DemoProvider
from bot.domain.credits import UserRef
from bot.domain.errors import ShuttingDown
from bot.domain.requests import parse_imagine
from bot.services import replies

ALICE = UserRef("test", "alice", "Alice")


def req(service, text: str = "a fox --model flux-pro"):
    return parse_imagine(text, service.catalog, service.planner.intents)


async def refunds(service, user=ALICE) -> list[int]:
    account = await service.account(user)
    return [e.delta for e in await service.ledger.history(account, 50) if e.reason == "refund"]


async def until(predicate, what: str) -> None:
    async with asyncio.timeout(10):
        while not await predicate():
            await asyncio.sleep(0.02)


async def asked(service, user=ALICE):
    """The one job `user` has, once it is recorded (paid for and queued or running)."""
    account = await service.account(user)

    async def recorded() -> bool:
        return any(j.account_id == account for j in await service.jobs.unfinished_jobs())

    await until(recorded, "the job is recorded")
    return next(j for j in await service.jobs.unfinished_jobs() if j.account_id == account)


async def _running(service, job_id: str) -> bool:
    return job_id in service.runner.running


def surface(service, posted: list, told: list):
    """What a chat surface does: ask, then post the outcome (or say what went wrong)."""

    async def handle() -> None:
        try:
            result = await service.generate(req(service), ALICE, "e1")
        except ShuttingDown as exc:
            told.append(exc.user_message)
            return
        await asyncio.sleep(0)  # posting takes a turn of its own
        posted.append(result.job.id)

    return asyncio.create_task(handle())


async def test_a_job_that_finishes_within_the_grace_is_posted_and_kept(make_service):
    service = make_service(demo=DemoProvider(delay=0.3))
    service.shutdown.grace = 30.0
    posted, told = [], []
    request = surface(service, posted, told)
    job = await asked(service)
    # In flight: claimed and running here. (Recorded is not enough: a job still queued when
    # the stop comes is not claimed any more, and is refunded after the grace; see below.)
    await until(lambda: _running(service, job.id), "the job runs here")
    await service.shutdown.drain()  # returns once the work in flight is done
    assert request.done() and posted == [job.id] and told == []
    assert (await service.job(job.id)).status == "succeeded"
    assert await service.balance(ALICE) == 45 and await refunds(service) == []


async def test_a_job_that_outlives_the_grace_is_refunded_once_and_its_person_told(make_service):
    service = make_service(demo=DemoProvider(delay=60))
    service.shutdown.grace = 0.1
    posted, told = [], []
    request = surface(service, posted, told)
    job = await asked(service)
    await service.shutdown.drain()
    assert request.done() and posted == [] and told == [replies.SHUTTING_DOWN]
    assert (await service.job(job.id)).status == "cancelled"
    await service.runner.stop()
    assert await service.balance(ALICE) == 50 and await refunds(service) == [5]  # once
    assert await service.ledger.open_holds() == []


async def test_a_queued_job_past_the_grace_is_refunded_before_it_starts(make_service):
    service = make_service(demo=DemoProvider(delay=60), concurrency=0)  # nothing runs here
    service.shutdown.grace = 0.1
    posted, told = [], []
    surface(service, posted, told)
    job = await asked(service)
    await service.shutdown.drain()
    assert told == [replies.SHUTTING_DOWN] and posted == []
    assert (await service.job(job.id)).status == "cancelled"
    assert await service.balance(ALICE) == 50 and await refunds(service) == [5]


async def test_a_request_while_stopping_is_refused_and_charges_nothing(make_service):
    service = make_service()
    await service.shutdown.drain()
    with pytest.raises(ShuttingDown) as refused:
        await service.generate(req(service), ALICE, "e2")
    assert refused.value.user_message == replies.RESTARTING
    assert await service.balance(ALICE) == 50 and await service.jobs.unfinished_jobs() == []


async def test_a_run_process_claims_only_the_platforms_that_registered_a_delivery(make_service):
    service = make_service(platforms={"telegram", "discord"})
    runner = service.runner
    tg, dc = UserRef("telegram", "1", "Tia"), UserRef("discord", "2", "Dov")

    async def nowhere(job, outcome):  # type: ignore[no-untyped-def]
        raise AssertionError("nothing is delivered: the person waits here")

    runner.register_delivery("telegram", nowhere)
    assert runner.claim_scope() == ["telegram"]  # Discord never started here
    waiting = asyncio.create_task(service.generate(req(service), dc, "d1"))
    queued = await asked(service, dc)  # queued first: the oldest job
    result = await service.generate(req(service), tg, "t1")
    assert result.job.platform == "telegram"
    still = await service.job(queued.id)
    assert still.status == "queued" and still.claimed_by is None and not waiting.done()
    assert await runner.fleet.peers("another-process", 0) == [{"telegram"}]
    runner.register_delivery("discord", nowhere)  # a surface that came up late
    assert runner.claim_scope() == ["discord", "telegram"]
    assert (await waiting).job.id == queued.id

    async def told_peers() -> bool:  # the next beat says so at once, not a lease later
        return await runner.fleet.peers("another-process", 0) == [{"discord", "telegram"}]

    await until(told_peers, "the fleet hears Discord is served here")
