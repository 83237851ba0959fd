"""The fleet on PostgreSQL, end to end (issue 9, item 6): two `imagine-bot run` processes in
Telegram webhook mode behind a round-robin balancer plus an `imagine-bot worker`, all on one
schema, against the fake Telegram (and a BFL fake where a job must be resumable).

Each test runs its own fleet on a fresh schema (tests/e2e/fleet/conftest.py), which at the end
also checks every process's log (no token, no secret, no traceback), every exit code, that
every account's balance equals the sum of its ledger rows, and that no job or generation hold
is left open.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.fleet.conftest import Fleet, in_log, job_of, running_fleet, until
from tests.e2e.telegram.conftest import (
    WEBHOOK_SECRET,
    button,
    buttons,
    caption_balance,
    caption_cost,
    replies_to,
    reply_target,
)
from tests.fakes.telegram_api import Call

pytestmark = pytest.mark.asyncio

LIMIT_TEXT = "You already have 1 images in progress"


def person(f: Fleet, uid: int, name: str) -> tuple[dict, dict]:
    user = f.tg.make_user(uid, name, username=name.lower())
    return user, f.tg.private_chat(user)


def photos_for(f: Fleet, message: dict) -> list[Call]:
    return [c for c in f.tg.calls_to("sendPhoto") if c.ok and replies_to(c, message)]


def backends_of(f: Fleet, message: dict) -> list[int]:
    """Which backend (run process) got each delivery of the update carrying `message`."""
    assert f.lb is not None
    update = f.tg.update_with(message=message)
    return f.lb.update_backends().get(update["update_id"], [])


# -- 1. one wallet, requests split over both processes ----------------------------------------


async def test_a_users_requests_split_over_both_processes_share_one_wallet(
    tmp_path: Path, fleet_db: str
):
    async with running_fleet(tmp_path, fleet_db, WELCOME_CREDITS="50",
                             MAX_JOBS_PER_USER="10") as f:
        assert f.lb is not None
        ivy, chat = person(f, 7101, "Ivy")
        # One at a time: the balancer alternates, so the requests split evenly over both.
        models = ["flux-pro", "flux-2-klein", "bitdance", "flux-pro", "flux-2-klein", "bitdance"]
        photos = []
        for n, model in enumerate(models):
            message, photo = await f.imagine(chat, ivy, f"/imagine a lantern {n} --model {model}")
            assert backends_of(f, message) == [n % 2], n
            assert f.queued_by(job_of(photo)) == [f.runs[n % 2]], n  # paid where it came in
            photos.append(photo)
        assert f.lb.hits == [3, 3]
        assert sum(caption_cost(p) for p in photos) == 20
        assert caption_balance(photos[-1]) == 30 == f.balance(ivy)

        # A button on an image asked through run 1, clicked through run 0.
        since = f.mark()
        query_id = f.tg.user_clicks(chat, ivy, photos[1].result,
                                    button(photos[1], "Again")["callback_data"])
        rerun = await f.photo_for(photos[1].result, since)
        await f.answered(query_id)
        [click] = [u for u in f.tg.history if u.get("callback_query", {}).get("id") == query_id]
        assert f.lb.update_backends()[click["update_id"]] == [0]
        assert f.queued_by(job_of(rerun)) == [f.runs[0]]
        assert caption_balance(rerun) == 29 == f.balance(ivy)

        # A burst at once: both processes take requests for the one wallet at the same time.
        since = f.mark()
        burst = [f.tg.user_sends_text(chat, ivy, f"/imagine a kite {n} --model flux-2-klein")
                 for n in range(6)]
        shots = [await f.photo_for(m, since, timeout=30) for m in burst]
        came_in = [backends_of(f, m) for m in burst]
        assert sorted(b for [b] in came_in) == [0, 0, 0, 1, 1, 1]
        for [backend], shot in zip(came_in, shots, strict=True):
            assert f.queued_by(job_of(shot)) == [f.runs[backend]]
        await f.settle(chat, ivy)

        account = f.account_id(ivy)
        jobs = f.job_rows(account_id=account)
        assert len(jobs) == 13 and {j["status"] for j in jobs} == {"succeeded"}
        charges = f.ledger(ivy, "generation")  # one row per request, each for its own job
        assert sorted(ref for _, _, ref in charges) == sorted(j["id"] for j in jobs)
        assert -sum(d for d, _, _ in charges) == sum(j["cost"] for j in jobs) == 27
        assert [r for r in f.ledger(ivy) if r[1] not in ("welcome", "generation")] == []
        assert f.balance(ivy) == 23
        for j in jobs:  # each job ran to its end in exactly one process
            assert f.log_count(f"job {j['id']} succeeded") == 1, j["id"]
            assert f.owner(j["id"]) is not None
        for message in burst:
            assert len(photos_for(f, message)) == 1
        assert f.log_count("duplicate event") == 0


# -- 2. 1,000 concurrent spends on one 500-credit wallet --------------------------------------


class Answers:
    """Per request message: the photos and the not-enough-credits replies it got (read
    incrementally: the fake records thousands of calls here)."""

    def __init__(self, f: Fleet, refusal: str) -> None:
        self.f, self.refusal = f, refusal
        self.photos: dict[tuple[int, int], list[Call]] = {}
        self.refused: dict[tuple[int, int], list[Call]] = {}
        self._read = 0

    def update(self) -> int:
        calls = self.f.tg.calls
        for call in calls[self._read:]:
            if not call.ok or call.method not in ("sendPhoto", "sendMessage"):
                continue
            target = reply_target(call)
            if target is None:
                continue
            key = (int(call["chat_id"]), int(target))
            if call.method == "sendPhoto":
                self.photos.setdefault(key, []).append(call)
            elif self.refusal in call["text"]:
                self.refused.setdefault(key, []).append(call)
        self._read = len(calls)
        return len(self.photos.keys() | self.refused.keys())

    def twice(self) -> list[str]:
        """Requests answered more than once: per message, the jobs on its photos (or
        "refused") and the processes that logged those jobs' ends."""
        out = []
        for key in self.photos.keys() | self.refused.keys():
            calls = self.photos.get(key, []) + self.refused.get(key, [])
            if len(calls) > 1:
                jobs = [job_of(c) if c.method == "sendPhoto" else "refused" for c in calls]
                ends = {j: [self.f.name(b) for b in self.f.processes
                            if f"job {j} succeeded" in b.log()] for j in set(jobs)}
                out.append(f"{key}: {jobs} ended by {ends}")
        return sorted(out)


async def test_1000_concurrent_spends_on_a_500_credit_wallet_succeed_exactly_500_times(
    tmp_path: Path, fleet_db: str
):
    # One person, 1,000 /imagine on the 1-credit model, each in a group of its own: the bot
    # paces writes per chat (~1 a second), so one chat would take far too long. The model runs
    # on the BFL fake, whose small images keep the fake Telegram (it decodes every photo, in
    # this process) light enough for 2 shared cores: 25-45 s here.
    spends, wallet = 1000, 500
    async with running_fleet(tmp_path, fleet_db, bfl=True, WELCOME_CREDITS=str(wallet),
                             MAX_JOBS_PER_USER=str(spends * 2), WORKER_CONCURRENCY="16"
                             ) as f:
        assert f.lb is not None
        rich = f.tg.make_user(7201, "Rich", username="rich")
        groups = [f.tg.group_chat(-1_007_200_000 - n, f"Room {n}") for n in range(spends)]
        answers = Answers(f, "costs 1 credit and you have 0")
        started = time.monotonic()
        messages = [f.tg.user_sends_text(g, rich, "/imagine a gold coin --model flux-2-klein")
                    for g in groups]
        await until(lambda: answers.update() >= spends, timeout=100, every=0.5,
                    what="an answer to every request")
        elapsed = time.monotonic() - started
        print(f"\n{spends} spends through 2 processes answered in {elapsed:.1f} s")
        await f.tg.wait_idle()
        await asyncio.sleep(1.0)  # nothing more arrives: no request is answered twice
        answers.update()

        keys = {(m["chat"]["id"], m["message_id"]) for m in messages}
        assert answers.photos.keys() | answers.refused.keys() == keys
        twice = answers.twice()
        assert twice == [], f"{len(twice)} requests answered more than once: {twice[:10]}"
        assert len(answers.photos) == wallet and len(answers.refused) == spends - wallet
        assert {c["text"] for [c] in answers.refused.values()} == {
            "⚠️ Rich: Flux 2 Klein costs 1 credit and you have 0. "
            "No model fits your balance right now."}

        assert f.lb.hits == [spends // 2, spends // 2]
        assert {status for _, _, status in f.lb.log} == {200}
        assert f.balance(rich) == 0  # and the ledger sums to it
        rows = f.ledger(rich)
        assert [(d, r) for d, r, _ in rows if r != "generation"] == [(wallet, "welcome")]
        charges = [r for r in rows if r[1] == "generation"]
        assert len(charges) == wallet and {d for d, _, _ in charges} == {-1}
        assert len({ref for _, _, ref in charges}) == wallet  # one job each
        states = dict(f.query("SELECT status, COUNT(*) FROM jobs GROUP BY status"))
        assert states == {"succeeded": wallet, "failed": spends - wallet}
        assert f.query("SELECT DISTINCT error FROM jobs WHERE status = 'failed'") == [
            ("insufficient credits",)]
        taken = [b.log().count(" queued account=") for b in f.runs]
        assert sum(taken) == wallet and min(taken) > 0, taken  # both processes sold credits
        succeeded = [b.log().count(" succeeded provider=") for b in f.processes]
        assert sum(succeeded) == wallet, succeeded


# -- 3. a worker killed mid-job is taken over after its lease ---------------------------------


async def test_a_worker_killed_mid_job_is_taken_over_and_resumed_not_paid_twice(
    tmp_path: Path, fleet_db: str
):
    # The run processes take requests but work none, so the worker claims the job first.
    async with running_fleet(tmp_path, fleet_db, bfl=True, WELCOME_CREDITS="50",
                             JOB_LEASE_SECONDS="2", runs=({"WORKER_CONCURRENCY": "0"},) * 2
                             ) as f:
        assert f.bfl is not None
        f.bfl.held = True
        ann, chat = person(f, 7301, "Ann")
        since = f.mark()
        message = f.tg.user_sends_text(chat, ann, "/imagine a harbour at dawn --model flux-pro")
        await until(lambda: f.bfl.submitted() and f.bfl.polls(), 20, "the worker polls BFL")
        [job] = f.job_rows(account_id=f.account_id(ann))
        first = f.workers[0]
        assert f.owner(job["id"]) is first and job["status"] == "running"
        assert json.loads(job["provider_handle"])["polling_url"]  # saved before waiting on it

        second = await f.start_worker()  # alive before the crash: it must wait for the lease
        await f.kill(first)  # SIGKILL: no hand-back, no clean-up; the lease just stops
        polled = len(f.bfl.seen)
        await until(lambda: f.owner(job["id"]) is second, 20, "the second worker takes over")
        await until(lambda: f.bfl.polls(polled), 20, "the job's BFL poll resumes")
        f.bfl.held = False
        photo = await f.photo_for(message, since, timeout=30)
        await f.settle(chat, ann)

        assert len(f.bfl.submitted()) == 1  # resumed from the handle, not submitted again
        assert {p.url.split("id=")[1] for p in f.bfl.polls()} == {
            json.loads(job["provider_handle"])["id"]}  # the one vendor job, polled throughout
        assert len(photos_for(f, message)) == 1
        assert caption_cost(photo) == 5 and caption_balance(photo) == 45 == f.balance(ann)
        assert [(d, r) for d, r, _ in f.ledger(ann)] == [(50, "welcome"), (-5, "generation")]
        assert f.job(job["id"])["status"] == "succeeded"
        assert f"job {job['id']} resumed" in second.log()
        assert f.log_count(f"job {job['id']} succeeded") == 1


# -- 4. redelivered updates and the webhook secret --------------------------------------------


async def test_a_redelivered_update_charges_once_and_a_wrong_secret_changes_nothing(
    tmp_path: Path, fleet_db: str
):
    async with running_fleet(tmp_path, fleet_db, WELCOME_CREDITS="50") as f:
        assert f.lb is not None
        tg = f.tg
        # Telegram did not see our 200 in time: the same update_id again, at the other process.
        cat, chat = person(f, 7401, "Cat")
        message, photo = await f.imagine(chat, cat, "/imagine a glacier --model flux-pro")
        [first] = backends_of(f, message)
        update = tg.update_with(message=message)
        tg.deliver_again(update)
        await tg.wait_delivered(lambda d: d.update_id == update["update_id"] and d.ok, count=2)
        assert backends_of(f, message) == [first, 1 - first]
        await in_log(f.runs[1 - first], "duplicate event for job")
        await f.settle(chat, cat)
        assert len(photos_for(f, message)) == 1 and f.balance(cat) == 45
        assert len(f.ledger(cat, "generation")) == 1

        # The same update four times at once: two at each process, a newcomer's first words.
        dan, chat = person(f, 7402, "Dan")
        message = tg.user_sends_text(chat, dan, "/imagine a volcano --model flux-pro",
                                     deliver=False)
        update = tg.make_update({"message": message})
        duplicates = f.log_count("duplicate event for job")
        since = f.mark()
        statuses = await asyncio.gather(*(tg.post_update(update) for _ in range(4)))
        assert statuses == [200] * 4
        assert sorted(f.lb.update_backends()[update["update_id"]]) == [0, 0, 1, 1]
        photo = await f.photo_for(message, since)
        await until(lambda: f.log_count("duplicate event for job") == duplicates + 3, 15,
                    "three duplicates refused")
        await f.settle(chat, dan)
        assert caption_balance(photo) == 45 == f.balance(dan)
        assert [(d, r) for d, r, _ in f.ledger(dan)] == [(50, "welcome"), (-5, "generation")]
        assert [c.method for c in tg.calls[since:] if replies_to(c, message)] == ["sendPhoto"]
        assert len(f.job_rows(account_id=f.account_id(dan))) == 1

        # A wrong or missing secret: 403 from both processes, and nothing happens.
        fay, chat = person(f, 7403, "Fay")
        message = tg.user_sends_text(chat, fay, "/imagine a forgery --model flux-pro",
                                     deliver=False)
        update = tg.make_update({"message": message})
        jobs, calls, seen = f.jobs(), f.mark(), len(f.lb.forwarded)
        for secret in ("wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1], None):
            for _ in range(2):  # once at each process
                assert await tg.post_update(update, secret=secret) == 403, secret
        refused = f.lb.forwarded[seen:]
        assert sorted(r.backend for r in refused) == [0] * 4 + [1] * 4
        assert {r.status for r in refused} == {403}
        await asyncio.sleep(0.5)  # PTB refuses before queueing: nothing is in flight
        assert tg.calls[calls:] == [] and f.jobs() == jobs and f.account(fay) is None
        # The very same update with the right secret is real work: the refusals were the secret.
        since = f.mark()
        assert await tg.post_update(update) == 200
        photo = await f.photo_for(message, since)
        assert caption_balance(photo) == 45 == f.balance(fay)


# -- 5. the per-person limit holds across processes -------------------------------------------


async def test_the_per_person_limit_holds_across_processes(tmp_path: Path, fleet_db: str):
    async with running_fleet(tmp_path, fleet_db, bfl=True, WELCOME_CREDITS="50",
                             MAX_JOBS_PER_USER="1") as f:
        assert f.bfl is not None and f.lb is not None
        f.bfl.held = True  # the job that gets in stays in flight until we let it go
        gus, chat = person(f, 7501, "Gus")
        messages = [f.tg.user_sends_text(chat, gus, f"/imagine a comet {n} --model flux-pro",
                                         deliver=False) for n in range(2)]
        updates = [f.tg.make_update({"message": m}) for m in messages]
        since = f.mark()
        statuses = await asyncio.gather(*(f.tg.post_update(u) for u in updates))
        assert statuses == [200, 200]
        assert sorted(f.lb.update_backends()[u["update_id"]][0] for u in updates) == [0, 1]

        def limit_replies() -> list[Call]:
            return [c for c in f.tg.calls[since:] if c.ok and c.method == "sendMessage"
                    and LIMIT_TEXT in c["text"]]

        [refusal] = await until(limit_replies, 20, "the limit message")
        [refused] = [m for m in messages if replies_to(refusal, m)]
        [runs] = [m for m in messages if m is not refused]
        assert f"⚠️ {LIMIT_TEXT}. Wait for one to finish, then try again." in refusal["text"]
        await until(lambda: f.bfl.polls(), 20, "the other request is being drawn")
        f.bfl.held = False
        photo = await f.photo_for(runs, since, timeout=30)
        await f.settle(chat, gus)

        assert caption_balance(photo) == 45 == f.balance(gus)
        assert [(d, r) for d, r, _ in f.ledger(gus)] == [(50, "welcome"), (-5, "generation")]
        [job] = f.job_rows(account_id=f.account_id(gus))  # the refused one left no job
        assert job["status"] == "succeeded" and job["id"] == job_of(photo)
        assert photos_for(f, refused) == [] and len(photos_for(f, runs)) == 1
        assert len(f.bfl.submitted()) == 1
        assert len(limit_replies()) == 1


# -- 6. a giveaway ends once although every process has its timer -----------------------------


GIVEAWAY_ID = re.compile(r"id (\w+)")


async def test_a_giveaway_with_every_process_alive_pays_each_winner_once(
    tmp_path: Path, fleet_db: str
):
    async with running_fleet(tmp_path, fleet_db, WELCOME_CREDITS="50") as f:
        tg = f.tg
        group = tg.group_chat(-1_007_600_001, "Fleet Club")
        hana = tg.make_user(7601, "Hana", username="hana")  # not an admin: she funds it
        ada = tg.make_user(7600, "Ada", username="ada")
        tg.set_admins(group["id"], [ada["id"]])
        entrants = [tg.make_user(7610 + n, name, username=name.lower())
                    for n, name in enumerate(("Ivo", "Jo", "Kim"))]
        since = f.mark()
        start = tg.user_sends_text(group, hana,
                                   "/giveaway start credits:10 winners:2 duration:12s Fleet drop")
        post = await tg.wait_for("sendMessage", lambda c: replies_to(c, start)
                                 and "🎉" in c.result["text"], since=since, ok=True, timeout=15)
        gid = GIVEAWAY_ID.search(post.result["text"]).group(1)
        assert "(funded by the host)" in post.result["text"]
        assert f.ledger(hana)[-1] == (-20, "giveaway hold", gid)
        [host_side] = [i for i, b in enumerate(f.runs) if f"giveaway {gid} started by" in b.log()]

        # Every other process starts again while it runs, so each arms a timer for its end.
        await asyncio.gather(f.restart_run(1 - host_side), restart_worker(f))

        data = button(post, "🎉 Enter")["callback_data"]
        for user in entrants:  # the clicks alternate between the two processes
            query_id = tg.user_clicks(group, user, post.result["message_id"], data)
            assert (await f.answered(query_id)).get("text", "").startswith("You're in!")

        news = await tg.wait_for("sendMessage", lambda c: "Congratulations" in c["text"],
                                 since=since, ok=True, timeout=30)
        await asyncio.sleep(2.0)  # the other timers fire too, and must find it ended
        announced = [c for c in tg.calls_to("sendMessage")
                     if c.ok and "Congratulations" in c["text"]]
        assert announced == [news]
        assert f.log_count(f"giveaway {gid} ended") == 1

        won = [u for u in entrants if f.ledger(u, "giveaway")]
        assert len(won) == 2
        for user in entrants:
            expected = [(10, "giveaway", f"winner of giveaway {gid}")] if user in won else []
            assert f.ledger(user, "giveaway") == expected
            assert f.balance(user) == 50 + (10 if user in won else 0)
        assert [(d, r) for d, r, _ in f.ledger(hana)] == [(50, "welcome"), (-20, "giveaway hold")]
        assert f.balance(hana) == 30
        assert f.query("SELECT status FROM holds WHERE reference = ?", gid) == [("settled",)]
        assert f.query("SELECT status FROM giveaways WHERE id = ?", gid) == [("ended",)]
        assert len(f.query("SELECT 1 FROM ledger WHERE reason = 'giveaway'")) == 2
        closed = tg.message(group["id"], post.result["message_id"])
        assert closed is not None and "has ended" in closed["text"]
        assert not buttons(closed)


async def restart_worker(f: Fleet) -> None:
    [worker] = f.workers
    assert await worker.stop() == 0, worker.log()[-3000:]
    await f.start_worker(worker)


# -- 7. SIGTERM hands a job in progress to the other process ----------------------------------


async def test_sigterm_hands_a_job_in_progress_to_the_other_process(
    tmp_path: Path, fleet_db: str
):
    async with running_fleet(tmp_path, fleet_db, workers=0, bfl=True,
                             WELCOME_CREDITS="50") as f:
        assert f.bfl is not None
        f.bfl.held = True
        eve, chat = person(f, 7701, "Eve")
        since = f.mark()
        message = f.tg.user_sends_text(chat, eve, "/imagine a slow sunrise --model flux-pro")
        await until(lambda: f.bfl.submitted() and f.bfl.polls(), 20, "the job is being drawn")
        [job] = f.job_rows(account_id=f.account_id(eve))
        busy = f.owner(job["id"])
        assert busy is not None and busy in f.runs and job["status"] == "running"
        other = f.runs[1 - f.runs.index(busy)]

        polled = len(f.bfl.seen)
        assert await busy.stop(signal.SIGTERM) == 0  # a clean exit, although a job was running
        assert "handed 1 job(s) back to the queue" in busy.log()
        await until(lambda: f.owner(job["id"]) is other, 20, "the other process claims it")
        await until(lambda: f.bfl.polls(polled), 20, "the other process polls the job")
        f.bfl.held = False
        photo = await f.photo_for(message, since, timeout=30)
        await f.settle(chat, eve)

        assert len(f.bfl.submitted()) == 1  # resumed from its handle: not paid twice
        assert len(photos_for(f, message)) == 1
        assert caption_balance(photo) == 45 == f.balance(eve)
        assert [(d, r) for d, r, _ in f.ledger(eve)] == [(50, "welcome"), (-5, "generation")]
        assert f.job(job["id"])["status"] == "succeeded"
        assert f"job {job['id']} resumed" in other.log()
        assert f"job {job['id']} succeeded" not in busy.log()
