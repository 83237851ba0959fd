"""How vendor calls are repeated, on tenacity, driven by http_common's `Policy`.

- what is retried: `Transient` answers (429, 5xx, network), and transport errors only when
  repeating cannot pay twice (a GET, or a POST that never left: connect and pool errors);
- how long to wait: the server's hint (Retry-After, Gemini's retryDelay) or a doubling
  backoff, plus jitter that only adds (a hint is the earliest the server wants us back);
- when to stop: after `attempts` tries, or when the next pause would end past the route's
  deadline, so the provider router still has time to fail over to the next route.

The last error is re-raised as it was (`reraise=True`), so the person sees the vendor's
reason ("rate limiting requests"), never tenacity's RetryError.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from adapters.providers.outcomes import Transient

log = logging.getLogger(__name__)

# Errors raised before the request left this machine: safe to repeat even for a POST.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# When the current route must be done (event-loop time); per task, as adapters are shared.
deadline: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=math.inf)


class Timing(Protocol):
    """The parts of http_common.Policy the retries read (a Protocol: no import cycle)."""

    @property
    def attempts(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def max_backoff(self) -> float: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def max_poll_interval(self) -> float: ...
    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]: ...
    @property
    def jitter(self) -> Callable[[], float]: ...


def _failure(state: RetryCallState) -> BaseException | None:
    outcome = state.outcome
    return outcome.exception() if outcome is not None and outcome.failed else None


class wait_for_server(wait_base):  # lower case, like tenacity's own strategies
    """The vendor's hint if it gave one, else `backoff` doubling to `max_backoff`; +0-25 %."""

    def __init__(self, policy: Timing) -> None:
        self.policy = policy

    def __call__(self, retry_state: RetryCallState) -> float:
        hint = getattr(_failure(retry_state), "retry_after", None)
        if hint is None:
            doubled = self.policy.backoff * 2 ** (retry_state.attempt_number - 1)
            hint = min(self.policy.max_backoff, doubled)
        # Jitter spreads retries out but only adds: Retry-After is a floor, not a suggestion.
        return float(hint) * (1 + 0.25 * self.policy.jitter())


class _StopWhenDeadline(stop_base):
    """Stop when the pause tenacity is about to take would outlast the route's deadline."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        remaining = deadline.get() - asyncio.get_running_loop().time()
        return retry_state.upcoming_sleep > remaining


stop_when_deadline = _StopWhenDeadline()


def retryable(idempotent: bool) -> retry_if_exception:
    def worth_repeating(exc: BaseException) -> bool:
        if isinstance(exc, Transient):
            return True
        # A POST that timed out after sending may have been taken (and billed): not again.
        return isinstance(exc, httpx.TransportError) and (idempotent or isinstance(exc, NEVER_SENT))

    return retry_if_exception(worth_repeating)


def calls(
    policy: Timing, *, idempotent: bool, name: str, reason: Callable[[BaseException], str]
) -> AsyncRetrying:
    """A retrier for one HTTP call; `reason` words the failure for the log (never secrets)."""

    def log_retry(state: RetryCallState) -> None:
        failure = _failure(state)
        why = reason(failure) if failure is not None else "no answer"
        log.info("%s: %s; retry %d in %.1fs", name, why, state.attempt_number, state.upcoming_sleep)

    return AsyncRetrying(
        sleep=policy.sleep,
        stop=stop_after_attempt(policy.attempts) | stop_when_deadline,
        wait=wait_for_server(policy),
        retry=retryable(idempotent),
        before_sleep=log_retry,
        reraise=True,
    )


def polls(policy: Timing) -> AsyncRetrying:
    """Ask again while the answer is None, 1.5x slower each time up to `max_poll_interval`.

    No stop: the route's deadline (an asyncio timeout around the whole route) ends a wait
    for a job that never finishes, with its own "did not finish within" reason.
    """
    return AsyncRetrying(
        sleep=policy.sleep,
        wait=wait_exponential(
            multiplier=policy.poll_interval, exp_base=1.5, max=policy.max_poll_interval
        ),
        retry=retry_if_result(lambda result: result is None),
        reraise=True,
    )
