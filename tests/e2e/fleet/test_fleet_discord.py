"""The Discord side of the fleet on PostgreSQL (issue 9, item 6): two `imagine-bot run`
processes on two gateway shards (DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS=0 and 1) and one
schema, against the fake Discord.

Process 0 takes requests on shard 0 but works no jobs (WORKER_CONCURRENCY=0), so every image
is made and posted by process 1, the other shard's process: a button on a result in shard 0's
guild is taken in by process 0 and finished by process 1, through the database alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.e2e.botprocess import BotProcess
from tests.e2e.discord.conftest import GUILD_ID, TOKEN, component, embed_cost, has_image
from tests.e2e.fleet.conftest import Books, pid_in
from tests.fakes.discord_api import FakeDiscord, FakeInteraction

pytestmark = pytest.mark.asyncio

GUILD_B = 555_555_555_555_555_555  # on shard 1 of 2 (GUILD_ID is on shard 0)
WELCOME = 100


@dataclass
class Shards:
    dc: FakeDiscord
    bots: list[BotProcess]  # bots[i] runs shard i
    books: Books
    alice: dict
    bob: dict

    def job_of(self, inter: FakeInteraction) -> dict[str, Any]:
        [job] = self.books.job_rows(event_key=f"discord:{inter.id}")  # one job per request
        return job

    def taken_in_by(self, job: dict[str, Any]) -> list[int]:
        """The processes that logged the paid ingress of this job."""
        return [i for i, b in enumerate(self.bots) if f"job {job['id']} queued" in b.log()]

    def worked_by(self, job: dict[str, Any]) -> int | None:
        pid = pid_in(job["claimed_by"])
        return next((i for i, b in enumerate(self.bots) if b.proc and b.proc.pid == pid), None)


@contextlib.asynccontextmanager
async def two_shards(tmp: Path, db_url: str, env: dict[int, dict[str, str]]
                     ) -> AsyncIterator[Shards]:
    async with FakeDiscord(token=TOKEN) as dc:
        alice = dc.make_user(700_001, "alice", global_name="Alice")
        bob = dc.make_user(700_002, "bob", global_name="Bob")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=alice["id"])
        dc.add_member(GUILD_ID, bob)
        dc.add_guild(GUILD_B, "Shard One Club", owner_id=bob["id"])
        dc.add_member(GUILD_B, alice)
        assert (dc.shard_of(GUILD_ID, 2), dc.shard_of(GUILD_B, 2)) == (0, 1)
        dc.max_concurrency = 2  # the two shards identify in different buckets: no wait
        bots = []
        for i in range(2):
            (tmp / f"shard{i}").mkdir()
            bots.append(BotProcess(tmp / f"shard{i}", {
                "DISCORD_TOKEN": TOKEN,
                "DISCORD_API_BASE": dc.api_base,
                "DISCORD_GATEWAY_URL": dc.gateway_url,
                "DATABASE_URL": db_url,
                "DISCORD_SHARD_COUNT": "2",
                "DISCORD_SHARD_IDS": str(i),
                "DEMO_DELAY_SECONDS": "0.05",
                "WELCOME_CREDITS": str(WELCOME),
                **env.get(i, {}),
            }))
        pg = psycopg.connect(db_url, autocommit=True)
        codes: list[int | None] = []
        try:
            await asyncio.gather(*(bot.start() for bot in bots))  # at once, as a fleet
            await dc.wait_connected(45, shards=2)
            yield Shards(dc, bots, Books(pg, "discord"), alice, bob)
            dc.assert_no_errors()
        finally:
            codes = list(await asyncio.gather(*(bot.stop() for bot in bots)))
            books = Books(pg, "discord")
            try:
                checked = books.check_books(), books.open_generation_holds(), books.open_jobs()
            finally:
                pg.close()
        for i, (bot, code) in enumerate(zip(bots, codes, strict=True)):
            log = bot.log()
            assert TOKEN not in log, "the bot token leaked into the log"
            assert "Traceback" not in log, f"shard {i}:\n{log[-4000:]}"
            assert code == 0, f"shard {i} exit code {code}\n{log[-3000:]}"
            assert f"discord shard {i}/2 connected" in log
            assert f"discord shard {1 - i}/2 connected" not in log
        assert checked[1:] == ([], [])


async def imagine(s: Shards, user: dict, prompt: str, guild_id: int
                  ) -> tuple[FakeInteraction, dict]:
    inter = await s.dc.slash_command(user, "imagine", {"prompt": prompt}, guild_id=guild_id)
    ack = await inter.wait_ack()
    assert ack.ok and ack.callback_type == 5, ack
    return inter, await inter.wait_message(has_image, timeout=20)


async def test_two_shard_processes_on_postgresql_share_wallets_and_buttons(
    tmp_path: Path, fleet_db: str
):
    async with two_shards(tmp_path, fleet_db, {0: {"WORKER_CONCURRENCY": "0"}}) as s:
        books = s.books
        results = {}
        for gid, shard in ((GUILD_ID, 0), (GUILD_B, 1)):
            inter, msg = await imagine(s, s.alice, f"a fox on shard {shard}", gid)
            assert inter.shard_id == shard
            job = s.job_of(inter)
            assert s.taken_in_by(job) == [shard]  # paid where it came in
            assert s.worked_by(job) == 1 and job["status"] == "succeeded"
            assert msg["id"] == inter.original_message_id  # the interaction's reply, finished
            results[shard] = (inter, msg, job)

        # Bob clicks "Again" on the result in shard 0's guild: process 0 takes the click in,
        # process 1 (the other shard's) makes and posts the image, and both find the job in
        # the database alone.
        _, msg_a, job_a = results[0]
        click = await s.dc.click_button(s.bob, msg_a, component(msg_a, "img:again:")["custom_id"])
        assert (await click.wait_ack()).ok and click.shard_id == 0
        again = await click.wait_message(has_image, timeout=20)
        rerun = s.job_of(click)
        assert rerun["parent_id"] == job_a["id"] and rerun["status"] == "succeeded"
        assert s.taken_in_by(rerun) == [0] and s.worked_by(rerun) == 1

        # One wallet per person across both processes, each request charged once.
        spent_alice = sum(embed_cost(m) for _, m, _ in results.values())
        assert books.balance(s.alice["id"]) == WELCOME - spent_alice
        assert books.balance(s.bob["id"]) == WELCOME - embed_cost(again)
        for user, jobs in ((s.alice, [j for _, _, j in results.values()]), (s.bob, [rerun])):
            rows = books.ledger(user["id"])
            assert [(d, r) for d, r, _ in rows if d > 0] == [(WELCOME, "welcome")], rows
            assert sorted(ref for _, r, ref in rows if r == "generation") == sorted(
                j["id"] for j in jobs), rows
            assert [r for _, r, _ in rows if r not in ("welcome", "generation")] == [], rows
        assert len(books.job_rows()) == 3
        for i, bot in enumerate(s.bots):
            assert bot.log().count(" succeeded provider=") == (0 if i == 0 else 3)
