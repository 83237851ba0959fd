"""The light read a waiter's watch makes: each job's status and claimant, on both engines."""

from __future__ import annotations

from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from bot.domain.credits import UserRef
from bot.domain.jobs import Job


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
