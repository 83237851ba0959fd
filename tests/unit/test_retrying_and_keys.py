"""The shared connect-retry loop, and the keys every process must spell the same way."""

from __future__ import annotations

import asyncio
import logging

from bot.domain import keys
from bot.services.retrying import every, until_stopped

log = logging.getLogger("test")


async def test_a_connection_is_tried_again_on_the_schedule_until_it_works(caplog):
    tries: list[float] = []

    async def attempt() -> str:
        tries.append(asyncio.get_running_loop().time())
        if len(tries) < 3:
            raise ConnectionError("down")
        return "up"

    caplog.set_level(logging.WARNING)
    got = await until_stopped(attempt, asyncio.Event(), (0.01, 0.02), (ConnectionError,), log,
                              "cannot reach it")
    assert got == "up" and len(tries) == 3
    assert [r.getMessage() for r in caplog.records] == [
        "cannot reach it (down); retrying in 0 s", "cannot reach it (down); retrying in 0 s"]


async def test_a_stop_ends_the_wait_at_once_and_other_errors_are_not_retried():
    stop = asyncio.Event()

    async def never() -> str:
        raise ConnectionError("down")

    task = asyncio.create_task(until_stopped(never, stop, (3600.0,), (ConnectionError,), log, "x"))
    await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(task, 2) is None  # not an hour later

    async def broken() -> str:
        raise ValueError("a bug")

    try:
        await until_stopped(broken, asyncio.Event(), (0.01,), (ConnectionError,), log, "x")
    except ValueError:
        pass
    else:
        raise AssertionError("a bug must not be retried")


def test_event_keys_keep_the_spelling_stored_by_earlier_versions():
    # Redelivered events across an upgrade are found only if these never change.
    assert keys.interaction_event("discord", 123) == "discord:123"
    assert keys.message_event("telegram", -100, 7) == "telegram:msg:-100:7"
    assert keys.callback_event("telegram", "abc") == "telegram:cb:abc"
    assert keys.community("discord", "guild", 9) == "discord:guild:9"
    assert keys.job_hold("j1") == "hold:j1" and keys.is_job_hold("hold:j1")
    assert not keys.is_job_hold("giveaway:g1") and keys.giveaway_hold("g1") == "giveaway:g1"
    assert keys.giveaway_event("discord:5") == "giveaway:discord:5"


async def test_every_keeps_going_through_errors_and_ends_on_stop(caplog) -> None:  # type: ignore[no-untyped-def]
    stop, calls = asyncio.Event(), []

    async def body() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise ConnectionError("platform down")  # expected: one warning line
        if len(calls) == 2:
            raise KeyError("bug")  # unexpected: a traceback, and still the next turn runs
        stop.set()

    caplog.set_level(logging.WARNING)
    await asyncio.wait_for(every(0.01, stop, body, (ConnectionError,),
                                 logging.getLogger("t"), "reach it"), 5)
    assert calls == [0, 1, 2]
    assert "could not reach it: platform down" in caplog.text
    assert any(r.exc_info for r in caplog.records if "reach it failed" in r.getMessage())
