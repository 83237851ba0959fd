"""Retrying a connection until it works or the process is asked to stop, on tenacity.

Both chat surfaces (and the worker's delivery-only mode) connect at start while the platform
may be unreachable: they try again on the surface's schedule (the last pause repeats), and a
stop signal ends the wait at once instead of after the pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, RetryError, retry_if_exception_type

T = TypeVar("T")


def _schedule(pauses: Sequence[float]) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        return pauses[min(state.attempt_number - 1, len(pauses) - 1)]

    return wait


async def until_stopped(
    attempt: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    pauses: Sequence[float],
    retry_on: tuple[type[BaseException], ...],
    log: logging.Logger,
    what: str,
) -> T | None:
    """`attempt()` until it returns; on `retry_on` errors wait the next pause and try again.
    None if `stop` was set first."""

    async def pause(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    def tell(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0
        log.warning("%s (%s); retrying in %.0f s", what, exc, seconds)

    if stop.is_set():
        return None
    try:
        async for trying in AsyncRetrying(
            retry=retry_if_exception_type(retry_on),
            wait=_schedule(pauses),
            stop=lambda _state: stop.is_set(),
            sleep=pause,
            before_sleep=tell,
        ):
            with trying:
                return await attempt()
    except RetryError:  # stopped while the platform was still unreachable
        return None
    return None


async def every(
    seconds: float,
    stop: asyncio.Event,
    body: Callable[[], Awaitable[object]],
    expected: tuple[type[BaseException], ...],
    log: logging.Logger,
    what: str,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """`body()` now, then every `seconds`, until `stop` (or `until()`). Never raises: an
    `expected` error is one warning line, anything else a traceback, and the next turn tries
    again (the payment reconcilers of both platforms run on this)."""
    while not stop.is_set() and not until():
        try:
            await body()
        except expected as exc:
            log.warning("could not %s: %s", what, exc)
        except Exception:  # noqa: BLE001 - try again next time
            log.exception("%s failed", what)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
