"""The light read a waiter's watch makes: each job's status and claimant, on both engines;
and the check before a status line is written."""

from __future__ import annotations

from adapters.storage.fleet import SqlFleet
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from bot.domain.credits import UserRef
from bot.domain.jobs import Job
from bot.services.job_delivery import Progress
from bot.services.worker import JobRunner


async def test_claim_states_say_which_jobs_are_queued_and_who_took_the_others(db):
    ledger, jobs = SqlLedger(db), SqlJobStore(db)
    account = await ledger.open_account(UserRef("discord", "1"), 100)
    made = []
    for n in range(3):
        job = Job(f"j{n}", account, "discord", "1", "a fox", "flux-pro", "general", "", "1:1",
                  None, 5, f"discord:event{n}", created_at=float(n))
        assert (await jobs.enqueue(job, 10)).created
        made.append(job)
    claimed = await jobs.claim("worker-b", 10.0, 60.0, 1, None)
    assert [j.id for j in claimed] == ["j0"]
    states = await jobs.claim_states(["j0", "j1", "j2", "nope"])
    assert states == {"j0": ("running", "worker-b"), "j1": ("queued", None),
                      "j2": ("queued", None)}
    assert await jobs.claim_states([]) == {}


async def test_a_status_line_is_written_only_while_it_is_still_true(db):
    """The chat process of a fleet wants "Queued" for a job another process may take (and
    answer) before the line is written: the runner says whether it is still true."""
    ledger, jobs = SqlLedger(db), SqlJobStore(db)
    runner = JobRunner(jobs, ledger, SqlFleet(db), None, None,  # type: ignore[arg-type]
                       concurrency=0, lease=60.0, timeout=60.0)
    account = await ledger.open_account(UserRef("discord", "1"), 100)
    job = Job("j0", account, "discord", "1", "a fox", "flux-pro", "general", "", "1:1",
              None, 5, "discord:event0", created_at=1.0)
    await jobs.enqueue(job, 10)
    queued, started = Progress("queued", "j0", "Flux", 1), Progress("started", "j0", "Flux")
    assert await runner.status_current(queued)
    assert not await runner.status_current(started)
    await jobs.claim("worker-b", 10.0, 60.0, 1, None)  # another process takes it
    assert not await runner.status_current(queued)
    assert await runner.status_current(started)
    [taken] = await jobs.get_jobs(["j0"])
    assert await jobs.finish(taken, "worker-b", "failed", "no", 11.0)  # and answers
    assert not await runner.status_current(started)
    assert not await runner.status_current(Progress("queued", "nope", "Flux", 1))


async def test_ingress_can_say_the_new_jobs_place_in_the_queue(db):
    ledger, jobs = SqlLedger(db), SqlJobStore(db)
    account = await ledger.open_account(UserRef("discord", "1"), 100)
    for n in range(3):
        job = Job(f"p{n}", account, "discord", "1", "a fox", "flux-pro", "general", "", "1:1",
                  None, 5, f"discord:place{n}", created_at=float(n))
        queued = await jobs.enqueue(job, 10, position=n > 0)
        assert queued.position == (None if n == 0 else n + 1)
        assert await jobs.position_of(job) == n + 1
