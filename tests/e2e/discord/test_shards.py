"""Gateway shards: one process running every shard, two processes splitting them over one
SQLite file, identify pacing, and settings that cannot work.

Guild 900_001 is on shard 0 of 2, guild 555_555_555_555_555_555 on shard 1; DMs go to shard
0. Which process got an interaction is read from the operating system: the fake records the
client port of each gateway connection and request, and /proc says which process owns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

from adapters.discord.shards import (
    IDENTIFY_MARGIN,
    IDENTIFY_WINDOW,
    IdentifyLimits,
    IdentifyPacer,
    ShardConfigError,
    ShardPlan,
    plan_shards,
)
from bot.settings import Settings
from tests.e2e.botprocess import BotProcess
from tests.e2e.discord.conftest import (
    GUILD_ID,
    TOKEN,
    Harness,
    embed_balance,
    embed_cost,
    has_image,
    running_bot,
)
from tests.fakes.discord_api import FakeDiscord, FakeInteraction

GUILD_B = 555_555_555_555_555_555
WELCOME = 100


def add_guild_b(dc: FakeDiscord) -> None:
    assert (dc.shard_of(GUILD_ID, 2), dc.shard_of(GUILD_B, 2)) == (0, 1)
    dc.add_guild(GUILD_B, "Shard One Club", owner_id=700_002)  # bob owns it
    dc.add_member(GUILD_B, 700_001)  # alice is in both


def assert_clean(bot: BotProcess, code: int | None) -> None:
    log = bot.log()
    assert TOKEN not in log, "the bot token leaked into the log"
    assert "Traceback" not in log, log[-3000:]
    assert code == 0, f"exit code {code}\n{log[-3000:]}"


# -- which process owns a socket (Linux /proc) ----------------------------------------------

def _inodes_of_local_port(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    return inodes


def owner_of(peer: tuple[str, int] | None, bots: list[BotProcess]) -> int | None:
    """Index of the bot process whose socket has local port ``peer[1]`` (None: none)."""
    assert peer is not None
    inodes = _inodes_of_local_port(peer[1])
    for i, bot in enumerate(bots):
        if bot.proc is None or not bot.running:
            continue
        for fd in Path(f"/proc/{bot.proc.pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return i
    return None


needs_proc = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


# -- settings ------------------------------------------------------------------------------

def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[arg-type]


def test_shard_settings_become_this_process_slice():
    assert plan_shards(settings()) is None  # one plain connection, as before
    assert plan_shards(settings(DISCORD_SHARD_COUNT="3")) == ShardPlan(3, [0, 1, 2])
    assert plan_shards(settings(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="3, 1")) == ShardPlan(
        4, [1, 3])


@pytest.mark.parametrize(("env", "says"), [
    ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_COUNT is not"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, "2 not in 0..1"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "-1"}, "-1 not in 0..1"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,1"}, "lists 1 twice"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "zero"}, "comma-separated"),
])
def test_shard_settings_that_cannot_work_are_refused(env, says):
    with pytest.raises(ShardConfigError, match=says):
        plan_shards(settings(**env))


def test_identify_limits_come_from_the_session_start_limit():
    assert IdentifyLimits.parse({"max_concurrency": 16}) == IdentifyLimits(16, IDENTIFY_WINDOW)
    assert IdentifyLimits.parse({"max_concurrency": 0, "identify_window_ms": 250}) == (
        IdentifyLimits(1, 0.25))
    assert IdentifyLimits.parse({"identify_window_ms": -5}).window == IDENTIFY_WINDOW


@pytest.mark.parametrize(("env", "says"), [
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"},
     "invalid Discord shard settings: DISCORD_SHARD_IDS 2 not in 0..1 (DISCORD_SHARD_COUNT=2)"),
    ({"DISCORD_SHARD_IDS": "1"}, "invalid Discord shard settings: DISCORD_SHARD_IDS is set but"),
])
async def test_a_bot_with_impossible_shard_settings_stops_with_one_clear_line(
        tmp_path, env, says):
    async with FakeDiscord(token=TOKEN) as dc:
        bot = BotProcess(tmp_path, {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": dc.api_base,
                                    "DISCORD_GATEWAY_URL": dc.gateway_url, **env})
        await bot.start()
        assert bot.proc is not None
        try:
            await asyncio.wait_for(bot.proc.wait(), 30)  # it stops by itself
        finally:
            code = await bot.stop()
        errors = [line for line in bot.log().splitlines() if " ERROR " in line]
        assert len(errors) == 1 and says in errors[0], bot.log()[-3000:]
        assert dc.gateway.connections == [] and dc.requests == []
        assert_clean(bot, code)


async def test_discord_refusing_the_shard_layout_is_one_line_not_a_traceback(tmp_path):
    def too_big_for_one_shard(dc: FakeDiscord) -> None:
        add_guild_b(dc)
        dc.gateway.max_guilds_per_shard = 1  # Discord closes 4011: sharding required

    async with FakeDiscord(token=TOKEN) as dc:
        dc.make_user(700_001, "alice")
        dc.make_user(700_002, "bob")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=700_001)
        too_big_for_one_shard(dc)
        bot = BotProcess(tmp_path, {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": dc.api_base,
                                    "DISCORD_GATEWAY_URL": dc.gateway_url})
        await bot.start()
        assert bot.proc is not None
        try:
            await asyncio.wait_for(bot.proc.wait(), 30)
        finally:
            code = await bot.stop()
        assert [c for _, c in dc.gateway.refused] == [4011]
        errors = [line for line in bot.log().splitlines() if " ERROR " in line]
        assert len(errors) == 1 and "(code 4011: sharding required" in errors[0], errors
        assert_clean(bot, code)


# -- one process, every shard ----------------------------------------------------------------

async def imagine(dc: FakeDiscord, user: dict, prompt: str, guild_id: int | None
                  ) -> tuple[FakeInteraction, dict]:
    inter = await dc.slash_command(user, "imagine", {"prompt": prompt}, guild_id=guild_id)
    ack = await inter.wait_ack()
    assert ack.ok and ack.callback_type == 5, ack
    return inter, await inter.wait_message(has_image, timeout=15)


async def test_one_process_runs_both_shards_and_serves_a_guild_on_each(tmp_path):
    def prepare(dc: FakeDiscord) -> None:
        add_guild_b(dc)
        dc.max_concurrency = 2  # shards 0 and 1 are in different buckets: no wait

    async with running_bot(tmp_path, prepare, DISCORD_SHARD_COUNT="2",
                           WELCOME_CREDITS=str(WELCOME)) as h:
        await h.dc.wait_connected(30, shards=2)
        assert [(r.shard_id, r.shard_count) for r in h.dc.gateway.identifies] == [(0, 2), (1, 2)]
        spent = 0
        for gid, shard in ((GUILD_ID, 0), (GUILD_B, 1), (None, 0)):
            inter, msg = await imagine(h.dc, h.alice, f"a fox on shard {shard}", gid)
            assert inter.shard_id == shard and len(inter.deliveries) == 1
            spent += embed_cost(msg)
            assert embed_balance(msg) == WELCOME - spent
        assert h.balance(h.alice) == WELCOME - spent  # and the ledger sums to it
        log = h.bot.log()
        assert "discord shard 0/2 connected" in log and "discord shard 1/2 connected" in log
        assert "shards 0,1 of 2, max_concurrency 2" in log
        h.dc.assert_no_errors()


async def test_identifies_in_one_bucket_are_a_window_apart(tmp_path):
    window = 1.0

    def prepare(dc: FakeDiscord) -> None:
        add_guild_b(dc)
        dc.max_concurrency = 2  # buckets: shards 0 and 2, shards 1 and 3
        dc.identify_window = window  # advertised to the bot in GET /gateway/bot

    async with running_bot(tmp_path, prepare, DISCORD_SHARD_COUNT="4") as h:
        await h.dc.wait_connected(30, shards=4)
        at = {r.shard_id: r.at for r in h.dc.gateway.identifies}
        assert sorted(at) == [0, 1, 2, 3] and len(h.dc.gateway.identifies) == 4
        assert h.dc.gateway.identify_violations() == []
        assert at[2] - at[0] >= window and at[3] - at[1] >= window
        assert at[1] - at[0] < window  # another bucket does not wait for the first
        _, msg = await imagine(h.dc, h.alice, "a fox after a paced start", GUILD_ID)
        assert has_image(msg)
        h.dc.assert_no_errors()


# -- two processes, one database -------------------------------------------------------------

@dataclass
class Fleet:
    dc: FakeDiscord
    bots: list[BotProcess]
    h: Harness  # reads the shared database

    def serving(self, inter: FakeInteraction) -> int | None:
        """Which process got the interaction over its gateway connection."""
        return owner_of(inter.deliveries[-1].peer, self.bots)

    def answering(self, inter: FakeInteraction) -> int | None:
        """Which process sent the interaction's first response (the defer)."""
        callback = next(r for r in inter.responses if r.kind == "callback")
        return owner_of(callback.request.peer, self.bots)


@contextlib.asynccontextmanager
async def fleet(tmp: Path, *shard_ids: str, max_concurrency: int = 2,
                window: float | None = None, barrier: bool = False,
                env: dict[int, dict[str, str]] | None = None) -> AsyncIterator[Fleet]:
    """One process per entry of ``shard_ids`` (its DISCORD_SHARD_IDS), all on one database
    file, started at the same time; ``env[i]`` adds settings for process i. ``window``:
    the identify window the fake advertises (Discord's 5 s if None)."""
    async with FakeDiscord(token=TOKEN) as dc:
        alice = dc.make_user(700_001, "alice", global_name="Alice")
        bob = dc.make_user(700_002, "bob", global_name="Bob")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=alice["id"])
        dc.add_member(GUILD_ID, bob)
        add_guild_b(dc)
        dc.max_concurrency = max_concurrency
        if window is not None:
            dc.identify_window = window
        if barrier:
            dc.gateway.hello_barrier = len(shard_ids)
        # The file exists in WAL mode before the fleet starts, as after a first deployment:
        # two processes switching a brand-new file to WAL at the same moment can fail at
        # start ("database is locked" at PRAGMA journal_mode, adapters/storage/sqlite.py).
        with contextlib.closing(sqlite3.connect(tmp / "bot.db")) as db:
            assert db.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        bots = []
        for i, ids in enumerate(shard_ids):
            (tmp / f"p{i}").mkdir()
            bots.append(BotProcess(tmp / f"p{i}", {
                "DISCORD_TOKEN": TOKEN,
                "DISCORD_API_BASE": dc.api_base,
                "DISCORD_GATEWAY_URL": dc.gateway_url,
                "DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}",  # one file for both
                "DISCORD_SHARD_COUNT": "2",
                "DISCORD_SHARD_IDS": ids,
                "DEMO_DELAY_SECONDS": "0.05",
                "WELCOME_CREDITS": str(WELCOME),
                **(env or {}).get(i, {}),
            }))
        await asyncio.gather(*(bot.start() for bot in bots))  # at the same time, as a fleet
        codes: list[int | None] = []
        try:
            await dc.wait_connected(30, shards=2)
            yield Fleet(dc, bots, Harness(dc, bots[0], tmp, alice, bob))
        finally:
            codes = list(await asyncio.gather(*(bot.stop() for bot in bots)))
        for bot, code in zip(bots, codes, strict=True):
            assert_clean(bot, code)


@needs_proc
async def test_two_processes_split_the_shards_and_share_one_ledger(tmp_path):
    async with fleet(tmp_path, "0", "1") as f:
        dc, h = f.dc, f.h
        assert [owner_of(dc.gateway.sessions[s].conn.peer, f.bots) for s in (0, 1)] == [0, 1]

        results = {}
        for where, gid, process in (("A", GUILD_ID, 0), ("B", GUILD_B, 1), ("DM", None, 0)):
            inter, msg = await imagine(dc, h.alice, f"a fox in {where}", gid)
            assert (inter.shard_id, f.serving(inter), f.answering(inter)) == (
                process, process, process), where
            results[where] = (inter, msg)
        logs = [bot.log() for bot in f.bots]  # each has answered on its shard by now
        assert "discord shard 0/2 connected" in logs[0] and "shard 1/2" not in logs[0]
        assert "discord shard 1/2 connected" in logs[1] and "shard 0/2" not in logs[1]

        # Buttons on a result, clicked later: the shard's process finds the job in the file.
        _, msg_b = results["B"]
        again = await h.click(h.bob, msg_b, "img:again:")
        again_msg = await again.wait_message(has_image, timeout=15)
        assert f.serving(again) == f.answering(again) == 1

        for user, msgs in ((h.alice, [m for _, m in results.values()]), (h.bob, [again_msg])):
            assert_charged_once(h, user, msgs)
        for inter in [i for i, _ in results.values()] + [again]:
            (job,) = h.jobs(event_key=f"discord:{inter.id}")  # one job per request
            assert job["status"] == "succeeded"
        dc.assert_no_errors()


def assert_charged_once(h: Harness, user: dict, results: list[dict]) -> None:
    """One welcome grant, one debit per result shown, and the ledger sums to the balance."""
    charged = sum(embed_cost(m) for m in results)
    rows = h.ledger(user)
    assert h.balance(user) == WELCOME - charged, rows  # h.balance: ledger sum == balance
    assert sorted(-d for d, _, _ in rows if d < 0) == sorted(embed_cost(m) for m in results), rows
    assert [d for d, reason, _ in rows if d > 0] == [WELCOME], rows


@needs_proc
async def test_a_newcomer_on_both_processes_at_once_gets_one_wallet(tmp_path):
    async with fleet(tmp_path, "0", "1") as f:
        dc, h = f.dc, f.h
        (ia, ma), (ib, mb) = await asyncio.gather(
            imagine(dc, h.bob, "a cat in A", GUILD_ID), imagine(dc, h.bob, "a cat in B", GUILD_B))
        assert [(i.shard_id, f.serving(i)) for i in (ia, ib)] == [(0, 0), (1, 1)]
        assert_charged_once(h, h.bob, [ma, mb])  # welcomed once, each image charged once
        dc.assert_no_errors()


async def finished_next_door(f: Fleet, user: dict, prompt: str) -> tuple[FakeInteraction, dict]:
    """/imagine in guild A (shard 0, process 0); wait for the image wherever it is posted."""
    dc = f.dc
    inter = await dc.slash_command(user, "imagine", {"prompt": prompt}, guild_id=GUILD_ID)
    assert (await inter.wait_ack()).ok and f.answering(inter) == 0

    def posted() -> list[dict]:  # as the interaction's reply, or in the channel for the user
        mine = {m["id"] for m in inter.messages}
        return [m for m in dc.messages(inter.channel_id) if has_image(m)
                and (m["id"] in mine or m["content"] == f"<@{user['id']}>")]

    (msg,) = await dc.wait_until(posted, 15, "the image")
    return inter, msg


def assert_the_reply(inter: FakeInteraction, msg: dict) -> None:
    assert msg["id"] == inter.original_message_id  # the status message, finished
    assert not [m for m in inter.messages if m["flags"] & 64]  # no "another worker" notice


@needs_proc
async def test_a_chat_only_process_leaves_jobs_to_the_other_and_its_reply_is_finished(
        tmp_path):
    # Process 0 holds shard 0 but works no jobs (WORKER_CONCURRENCY=0): process 1 runs them.
    async with fleet(tmp_path, "0", "1", env={0: {"WORKER_CONCURRENCY": "0"}}) as f:
        inter, msg = await finished_next_door(f, f.h.alice, "a fox made next door")
        assert_the_reply(inter, msg)
        assert_charged_once(f.h, f.h.alice, [msg])
        f.dc.assert_no_errors()


@needs_proc
async def test_a_job_taken_over_by_the_other_process_is_still_the_interaction_reply(tmp_path):
    # Process 0 works one job at a time; while it is busy, process 1's idle worker claims the
    # next job process 0 queued.
    slow = {"WORKER_CONCURRENCY": "1", "DEMO_DELAY_SECONDS": "1.5"}
    async with fleet(tmp_path, "0", "1", env={0: slow, 1: {"DEMO_DELAY_SECONDS": "1.5"}}) as f:
        (first, m1), (second, m2) = await asyncio.gather(
            finished_next_door(f, f.h.alice, "a busy fox"),
            finished_next_door(f, f.h.bob, "a fox for next door"))
        for inter, msg in ((first, m1), (second, m2)):
            assert_the_reply(inter, msg)
        # The worker id the job row keeps names the process (host:pid:...): one job each.
        workers = [f.h.jobs(event_key=f"discord:{i.id}")[0]["claimed_by"] for i in (first, second)]
        pids = [f":{bot.proc.pid}:" for bot in f.bots if bot.proc is not None]
        ran_by = sorted([i for i, pid in enumerate(pids) if pid in str(w)] for w in workers)
        assert ran_by == [[0], [1]], workers
        assert_charged_once(f.h, f.h.alice, [m1])
        assert_charged_once(f.h, f.h.bob, [m2])
        f.dc.assert_no_errors()


@needs_proc
async def test_a_shard_moved_to_another_process_keeps_its_buttons(tmp_path):
    # Shard 0 is identified again soon after the fleet started: the shared gate makes it
    # wait out the bucket's window, shrunk here.
    async with fleet(tmp_path, "0", "1", window=0.5) as f:
        dc, h = f.dc, f.h
        inter, msg = await imagine(dc, h.alice, "a fox before the move", GUILD_ID)
        assert f.serving(inter) == 0
        assert await f.bots[0].stop() == 0  # process 0 goes away; its shard is left alone
        await dc.wait_until(lambda: not dc.gateway.shard_live(0), 10, "shard 0 down")
        f.bots[1].env["DISCORD_SHARD_IDS"] = "0,1"  # process 1 takes both shards
        await f.bots[1].restart()
        await dc.wait_connected(30, shards=2)
        assert [owner_of(dc.gateway.sessions[s].conn.peer, f.bots) for s in (0, 1)] == [1, 1]
        click = await h.click(h.bob, msg, "img:again:")
        done = await click.wait_message(has_image, timeout=15)
        assert f.serving(click) == 1 and f.answering(click) == 1
        (job,) = h.jobs(event_key=f"discord:{click.id}")
        assert job["status"] == "succeeded"
        assert h.balance(h.alice) == WELCOME - embed_cost(msg)
        assert h.balance(h.bob) == WELCOME - embed_cost(done)
        dc.assert_no_errors()


async def test_two_processes_identify_a_window_apart_in_one_bucket(tmp_path):
    # max_concurrency 1: shards 0 and 1 share bucket 0. The fake holds HELLO until both
    # processes are connected, so only a gate shared through the database spaces their
    # IDENTIFYs (with one gate per process they arrive a few milliseconds apart).
    window = 1.0
    async with fleet(tmp_path, "0", "1", max_concurrency=1, window=window, barrier=True) as f:
        first, second = sorted(f.dc.gateway.identifies, key=lambda r: r.at)
        assert {first.shard_id, second.shard_id} == {0, 1}
        assert second.at - first.at >= window
        assert f.dc.gateway.identify_violations() == []


# -- the pacer on its own (no process) -------------------------------------------------------

class FakeHttp:
    def __init__(self, *answers: dict | Exception) -> None:
        self.answers, self.calls = list(answers), 0

    async def get_bot_gateway(self) -> tuple[int, str, dict]:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return 1, "ws://127.0.0.1:1/gateway", answer


class RecordingGate:
    def __init__(self, fail: bool = False) -> None:
        self.turns: list[tuple[int, float]] = []
        self.fail = fail

    async def wait_turn(self, bucket: int, window: float = 5.0) -> None:
        self.turns.append((bucket, window))
        if self.fail:
            raise OSError("database is gone")


async def test_each_identify_waits_for_its_bucket_with_limits_read_once():
    gate, http = RecordingGate(), FakeHttp({"max_concurrency": 4, "remaining": 900,
                                            "identify_window_ms": 200})
    pacer = IdentifyPacer(gate, ShardPlan(8, [1, 5, 6]))
    for shard in (1, 5, 6, 1):
        await pacer.wait(http, shard)  # type: ignore[arg-type]
    window = 0.2 + IDENTIFY_MARGIN
    assert gate.turns == [(1, window), (1, window), (2, window), (1, window)]
    assert http.calls == 1


async def test_without_the_session_start_limit_every_shard_shares_one_bucket():
    gate = RecordingGate()
    http = FakeHttp(discord.GatewayNotFound(), {"max_concurrency": 2})
    pacer = IdentifyPacer(gate, ShardPlan(2, [0, 1]))
    await pacer.wait(http, 1)  # type: ignore[arg-type]
    await pacer.wait(http, 1)  # type: ignore[arg-type]  # asks again: now it knows
    assert gate.turns == [(0, IDENTIFY_WINDOW + IDENTIFY_MARGIN),
                          (1, IDENTIFY_WINDOW + IDENTIFY_MARGIN)]


async def test_a_failing_gate_still_paces_by_the_window():
    gate, http = RecordingGate(fail=True), FakeHttp({"max_concurrency": 1,
                                                     "identify_window_ms": 1})
    pacer = IdentifyPacer(gate, ShardPlan(1, [0]))
    await asyncio.wait_for(pacer.wait(http, 0), 5)  # type: ignore[arg-type]
    assert gate.turns == [(0, 0.001 + IDENTIFY_MARGIN)]
