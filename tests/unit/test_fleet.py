"""What the fleet's processes share through the database, on both engines: who is alive,
whose turn it is to identify a Discord shard, and Telegram's per-bot send budget."""

from __future__ import annotations

import asyncio
import os

from adapters.storage.database import open_database
from adapters.storage.fleet import SqlFleet
from adapters.telegram.fleet_limits import FleetRateLimiter


async def test_a_send_budget_is_shared_by_every_process(db_url):
    one, two = await open_database(db_url), await open_database(db_url)
    try:
        a, b = SqlFleet(one), SqlFleet(two)
        now = 1000.0
        waits = [await (a if i % 2 else b).take_token("k", 30, 30, now) for i in range(30)]
        assert waits == [0.0] * 30  # the burst, taken half by each "process"
        wait = await a.take_token("k", 30, 30, now)
        assert 0 < wait <= 1 / 30 + 1e-9  # the 31st waits for the refill, whoever asks
        assert await b.take_token("k", 30, 30, now + 1 / 30) == 0.0
        assert await b.take_token("other", 1, 1, now) == 0.0  # buckets are separate
    finally:
        await one.close()
        await two.close()


async def test_concurrent_takers_never_overdraw_a_bucket(db_url):
    dbs = [await open_database(db_url) for _ in range(3)]
    try:
        fleets = [SqlFleet(d) for d in dbs]
        waits = await asyncio.gather(
            *(fleets[i % 3].take_token("g", 0.001, 20, 50.0) for i in range(60))
        )
        assert sum(1 for w in waits if w == 0.0) == 20
    finally:
        for d in dbs:
            await d.close()


async def test_one_identify_per_bucket_and_window_across_processes(db_url):
    one, two = await open_database(db_url), await open_database(db_url)
    try:
        a, b = SqlFleet(one), SqlFleet(two)
        got = await asyncio.gather(a.identify_turn(0, 5, 100.0), b.identify_turn(0, 5, 100.0))
        assert sorted(got) == [0.0, 5.0]  # one goes, the other waits the window
        assert await b.identify_turn(1, 5, 100.0) == 0.0  # another bucket is free
        assert await b.identify_turn(0, 5, 105.0) == 0.0
    finally:
        await one.close()
        await two.close()


async def test_dead_processes_on_this_host_lose_their_leases(db):
    fleet = SqlFleet(db)
    await fleet.heartbeat("me", "host", os.getpid(), "telegram", 10.0)
    await fleet.heartbeat("gone", "host", 2**22 + 7, "telegram", 10.0)  # no such pid
    await fleet.heartbeat("elsewhere", "other-host", 1, "discord", 10.0)
    assert sorted(map(sorted, await fleet.peers("me", 5.0))) == [["discord"], ["telegram"]]
    assert await fleet.expire_dead_on_host("me", "host", os.getpid(), 11.0) == ["gone"]
    assert [sorted(p) for p in await fleet.peers("me", 5.0)] == [["discord"]]
    assert await fleet.peers("me", 20.0) == []  # nobody beat since


class _Inner:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
        self.sent.append(endpoint)
        return True


async def test_telegram_sends_wait_for_the_fleet_budget(db_url, monkeypatch):
    one, two = await open_database(db_url), await open_database(db_url)
    clock = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("adapters.telegram.fleet_limits.asyncio.sleep", fake_sleep)
    try:
        inner = _Inner()
        limiters = [FleetRateLimiter(SqlFleet(d), inner, clock=lambda: clock[0])  # type: ignore[arg-type]
                    for d in (one, two)]
        for i in range(25):  # one group, two processes: 20 a minute for the whole fleet
            await limiters[i % 2].process_request(None, (), {}, "sendMessage",
                                                  {"chat_id": -100}, None)
        assert len(inner.sent) == 25 and slept  # the last five had to wait
        assert clock[0] >= 5 * 3 - 1e-6  # a token every 3 s once the burst of 20 is gone
        waits_so_far = len(slept)
        await limiters[0].process_request(None, (), {}, "getMe", {}, None)  # no chat: free
        assert len(slept) == waits_so_far and inner.sent[-1] == "getMe"
    finally:
        await one.close()
        await two.close()


class _CountingFleet(SqlFleet):
    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        super().__init__(db)
        self.turns = 0
        self.taken = 0

    async def take_tokens(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.turns += 1
        taken, wait = await super().take_tokens(*args, **kwargs)
        self.taken += taken
        return taken, wait


async def test_a_burst_of_sends_takes_its_tokens_in_few_database_turns(db_url):
    """Sends queued on the bucket are taken for in one turn; the bucket is never overdrawn:
    at most its burst plus what refilled meanwhile (30 + 30 a second) are let through."""
    one, two = await open_database(db_url), await open_database(db_url)
    try:
        fleets = [_CountingFleet(one), _CountingFleet(two)]
        inner = _Inner()
        limiters = [FleetRateLimiter(f, inner) for f in fleets]  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(
            limiters[i % 2].process_request(None, (), {}, "sendMessage", {"chat_id": 1000 + i},
                                            None)
            for i in range(60)
        ))  # fmt: skip
        elapsed = loop.time() - started
        assert len(inner.sent) == 60
        taken = sum(f.taken for f in fleets)
        assert 60 <= taken <= 30 + 30 * elapsed + 1  # leftovers are dropped, never overdrawn
        assert sum(f.turns for f in fleets) < 30  # not one database turn per send (or more)
    finally:
        await one.close()
        await two.close()
