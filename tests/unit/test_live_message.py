"""LiveMessage: the latest wanted write wins, at most one write per interval, close drops
what waits and lets a write in flight land; each write speaks its pusher's language."""

from __future__ import annotations

import asyncio
import gc

from bot import heap, i18n
from bot.services.live import LiveMessage


async def test_writes_wait_for_the_first_delay_and_the_latest_wins() -> None:
    live = LiveMessage(interval=0.05, first_delay=0.05)
    written: list[str] = []
    for text in ("queued 3", "queued 2", "queued 1"):
        live.push(lambda text=text: _append(written, text))
    await asyncio.sleep(0.01)
    assert written == []  # not due yet
    await asyncio.sleep(0.08)
    assert written == ["queued 1"]


async def test_writes_are_spaced_by_the_interval() -> None:
    loop = asyncio.get_running_loop()
    live = LiveMessage(interval=0.1)
    times: list[float] = []
    live.push(lambda: _append(times, loop.time()))
    await asyncio.sleep(0.02)
    live.push(lambda: _append(times, loop.time()))
    await asyncio.sleep(0.2)
    assert len(times) == 2
    assert times[1] - times[0] >= 0.09


async def test_close_drops_a_waiting_write_and_nothing_runs_later() -> None:
    live = LiveMessage(interval=0.05, first_delay=0.05)
    written: list[str] = []
    live.push(lambda: _append(written, "late"))
    await live.close(keep_spacing=False)
    await asyncio.sleep(0.1)
    assert written == [] and live.closed
    live.push(lambda: _append(written, "after close"))
    await asyncio.sleep(0.1)
    assert written == []


async def test_close_waits_for_the_write_in_flight() -> None:
    live = LiveMessage(interval=0.05)
    started, release = asyncio.Event(), asyncio.Event()
    written: list[str] = []

    async def slow() -> None:
        started.set()
        await release.wait()
        written.append("landed")

    live.push(slow)
    await started.wait()
    closing = asyncio.create_task(live.close(keep_spacing=False))
    await asyncio.sleep(0.01)
    assert not closing.done()  # the edit in flight lands before the caller's final one
    release.set()
    await closing
    assert written == ["landed"]


async def test_a_failed_write_is_dropped_and_the_next_still_runs() -> None:
    live = LiveMessage(interval=0.02)
    written: list[str] = []

    async def broken() -> None:
        raise RuntimeError("discord said no")

    live.push(broken)
    await asyncio.sleep(0.01)
    live.push(lambda: _append(written, "next"))
    await asyncio.sleep(0.08)
    assert written == ["next"]


async def test_a_write_speaks_the_language_of_the_task_that_pushed_it() -> None:
    live = LiveMessage(interval=0.01, first_delay=0.02)
    heard: list[str] = []

    async def pusher() -> None:
        i18n.set_locale("de")
        live.push(lambda: _append(heard, i18n.current()))

    await asyncio.create_task(pusher())
    assert i18n.current() == "en"
    await asyncio.sleep(0.06)
    assert heard == ["de"]


def test_settling_the_heap_freezes_what_exists_and_widens_the_young_generation() -> None:
    before = gc.get_threshold()
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def _append(out: list, value: object) -> None:
    out.append(value)
