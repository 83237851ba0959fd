"""The bot's Prometheus metrics: the metric objects and the one-line calls that move them.

Core and adapters call these functions (never the metric objects), so instrumentation stays
one line wherever it sits, and every label value passes through here first. Labels come only
from bounded sets: platforms, command names the bot declares, catalog model ids, provider
names, outcome and error kinds, ledger reasons. Never a user id, a chat id or a prompt
(Prometheus keeps one time series per label combination; see tests/unit/test_metrics.py).

Each process counts what it did itself, so sum counters over the fleet's processes. The
queue depth is the shared queue's, read from the database at scrape time: take its max, not
its sum.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from bot.domain.providers import NotResumable, ProviderRejected, ProviderUnavailable

if TYPE_CHECKING:
    from bot.domain.jobs import Job

disable_created_metrics()  # no `_created` twin of every series: half the series, same facts

PLATFORMS = frozenset({"telegram", "discord", "console"})
# Generation takes seconds to minutes (GENERATION_TIMEOUT_SECONDS defaults to 300 s); the
# client's default buckets stop at 10 s.
GENERATION_BUCKETS = (0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600)
QUEUE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
# Discord wants the first answer within 3 s; Telegram update dates have 1 s resolution.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 5, 10)
LAG_BUCKETS = (0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 900)

# Every ledger reason the code writes, and what kind of money movement it is.
CREDIT_FLOWS = {
    "generation": "spent",
    "refund": "refunded",
    "giveaway refund": "refunded",
    "welcome": "granted",
    "daily": "granted",
    "grant": "granted",
    "giveaway": "granted",
    "purchase": "bought",
    "transfer": "moved",
    "link": "moved",
    "giveaway hold": "held",
    "take": "removed",
}
JOB_OUTCOMES = (
    "succeeded", "refused", "unavailable", "timed_out", "cancelled", "failed", "refunded"
)
API_ERROR_KINDS = frozenset({
    "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "rate_limited",
    "server_error", "network", "timeout", "other",
})
_NAME = re.compile(r"^[a-z][a-z0-9_.:-]{0,39}$")  # a label value that is a name, not text

REQUESTS = Counter(
    "imagine_requests", "Commands, prompts and clicks received", ["platform", "command"]
)
JOBS = Counter(
    "imagine_jobs", "Jobs ended, by how they ended (refunded: made but not delivered)",
    ["model", "route", "outcome"],
)
GENERATION = Histogram(
    "imagine_generation_seconds", "Time a provider took to return an image",
    ["model", "route"], buckets=GENERATION_BUCKETS,
)
QUEUE_DEPTH = Gauge("imagine_queue_depth", "Jobs queued in the shared queue (fleet-wide)")
JOBS_RUNNING = Gauge("imagine_jobs_running", "Jobs this process is working on")
QUEUE_WAIT = Histogram(
    "imagine_queue_wait_seconds", "Time from a paid-for job to its start", buckets=QUEUE_BUCKETS
)
CREDITS = Counter(
    "imagine_credits", "Credits moved by committed ledger rows (absolute amounts)",
    ["flow", "reason"],
)
PROVIDER_ERRORS = Counter(
    "imagine_provider_errors", "Failed provider calls", ["vendor", "kind"]
)
API_ERRORS = Counter(
    "imagine_platform_api_errors", "Chat platform API calls that failed", ["platform", "kind"]
)
RATE_LIMITED = Counter(
    "imagine_platform_rate_limited", "429 answers from a chat platform", ["platform"]
)
RATE_LIMIT_WAIT = Counter(
    "imagine_platform_rate_limit_wait_seconds", "Seconds a chat platform told us to wait",
    ["platform"],
)
DISCORD_ACK = Histogram(
    "imagine_discord_ack_seconds", "Interaction creation to the bot's first answer",
    buckets=ACK_BUCKETS,
)
TELEGRAM_LAG = Histogram(
    "imagine_telegram_update_lag_seconds", "Message date to the bot receiving its update",
    buckets=LAG_BUCKETS,
)
CONNECTED = Gauge(
    "imagine_platform_connected", "1 while a configured chat platform is connected",
    ["platform"],
)
READY = Gauge("imagine_ready", "1 while /readyz answers 200")


def name(value: object, allowed: Iterable[str] | None = None, fallback: str = "other") -> str:
    """A label value: `value` if it is a short name (and in `allowed`, if given)."""
    text = str(value or "").strip().lower()
    if not _NAME.match(text) or (allowed is not None and text not in allowed):
        return fallback
    return text


def _platform(platform: str) -> str:
    return name(platform, PLATFORMS)


# -- chat surfaces --------------------------------------------------------------------------


def request(platform: str, command: str) -> None:
    """One command, prompt (`prompt`) or click (`button`). `command` must already be a name
    the bot declares (the adapter maps anything else to `unknown`)."""
    REQUESTS.labels(_platform(platform), name(command, fallback="unknown")).inc()


def api_error(platform: str, kind: str) -> None:
    API_ERRORS.labels(_platform(platform), name(kind, API_ERROR_KINDS)).inc()


def rate_limited(platform: str, wait_seconds: float) -> None:
    RATE_LIMITED.labels(_platform(platform)).inc()
    RATE_LIMIT_WAIT.labels(_platform(platform)).inc(max(0.0, wait_seconds))


def discord_ack(created_at: float, now: float | None = None) -> None:
    """`created_at`: the interaction's snowflake time (Unix seconds)."""
    DISCORD_ACK.observe(max(0.0, (time.time() if now is None else now) - created_at))


def telegram_update_lag(sent_at: float, now: float | None = None) -> None:
    TELEGRAM_LAG.observe(max(0.0, (time.time() if now is None else now) - sent_at))


def http_status_kind(status: int) -> str:
    """An HTTP error status as an API error kind."""
    kinds = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             409: "conflict", 429: "rate_limited"}
    return kinds.get(status, "server_error" if status >= 500 else "other")


# -- jobs and providers ---------------------------------------------------------------------


@dataclass
class _Attempt:
    """What the provider calls of one job attempt said (the last route tried, its kind)."""

    route: str = ""  # none tried yet
    outcome: str | None = None


# The job attempt under way in this task: the router's provider calls note their route and
# error on it, and `job_ended` reads it, without the worker passing anything around.
_attempt: ContextVar[_Attempt | None] = ContextVar("imagine_job_attempt", default=None)
_attempts: dict[str, _Attempt] = {}  # job id -> its last attempt, until the job ends
_KIND_OUTCOME = {"rejected": "refused", "unavailable": "unavailable", "timeout": "unavailable"}


def _route_of(job: Job, attempt: _Attempt | None) -> str:
    handle = job.provider_handle or {}
    route = attempt.route if attempt is not None else None
    return name(route or job.provider or handle.get("provider"), fallback="none")


def job_claimed(job: Job, now: float) -> None:
    """A job starts in this process: how long it waited in the queue (not for resumed jobs,
    whose wait includes the crash)."""
    if job.called_at is None and job.created_at:
        QUEUE_WAIT.observe(max(0.0, now - job.created_at))


@asynccontextmanager
async def job_attempt(job: Job) -> AsyncIterator[None]:
    """Around a job's provider call and its deadline (outside the deadline, so that a
    deadline that ran out is seen here as the job's `timed_out`)."""
    if len(_attempts) > 10_000:  # jobs handed back to the fleet never end here
        _attempts.clear()
    attempt = _attempts[job.id] = _Attempt()
    token = _attempt.set(attempt)
    try:
        yield
    except TimeoutError:
        attempt.outcome = "timed_out"
        raise
    except Exception as exc:  # no route was tried (none configured), or resuming failed
        if attempt.outcome is None:
            kind = next((k for cls, k in _ERROR_KINDS if isinstance(exc, cls)), "error")
            attempt.outcome = _KIND_OUTCOME.get(kind, "failed")
        raise
    finally:
        _attempt.reset(token)


def job_ended(job: Job, status: str, done: bool) -> None:
    """The one conditional change that ended a job (`done`: it happened here)."""
    attempt = _attempts.pop(job.id, None)
    if not done:
        return
    if status in ("succeeded", "cancelled"):
        outcome = status
    else:
        outcome = (attempt.outcome if attempt is not None else None) or "failed"
    JOBS.labels(name(job.model_id, fallback="unknown"), _route_of(job, attempt),
                name(outcome, JOB_OUTCOMES, "failed")).inc()


def job_refunded(job: Job) -> None:
    """Made and paid for, but not delivered: its credits went back."""
    JOBS.labels(name(job.model_id, fallback="unknown"), _route_of(job, None), "refunded").inc()


def jobs_running(count: int) -> None:
    JOBS_RUNNING.set(count)


def queue_depth(count: int) -> None:
    QUEUE_DEPTH.set(count)


_ERROR_KINDS = (
    (ProviderRejected, "rejected"),
    (NotResumable, "not_resumable"),
    (ProviderUnavailable, "unavailable"),
    (TimeoutError, "timeout"),
)


@asynccontextmanager
async def provider_call(model_id: str, route: str) -> AsyncIterator[None]:
    """Around one provider call on one route: its seconds when it returns an image, its
    error kind when it fails (a cancel, e.g. the job's deadline, is no vendor error)."""
    attempt = _attempt.get()
    if attempt is not None:
        attempt.route = route
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        kind = next((k for cls, k in _ERROR_KINDS if isinstance(exc, cls)), "error")
        PROVIDER_ERRORS.labels(name(route, fallback="unknown"), kind).inc()
        if attempt is not None:
            attempt.outcome = _KIND_OUTCOME.get(kind, "failed")
        raise
    if attempt is not None:
        attempt.outcome = None  # an earlier route failed over to this one
    GENERATION.labels(name(model_id, fallback="unknown"), name(route, fallback="unknown")
                      ).observe(time.monotonic() - started)


# -- money ----------------------------------------------------------------------------------


def credits_moved(reason: str, delta: int) -> None:
    """One committed ledger row. Moves and holds count their credit leg / their debit once."""
    flow = CREDIT_FLOWS.get(reason, "other")
    if flow == "moved" and delta < 0:
        return  # a transfer or link is two rows; count the money once
    if flow == "removed" and delta > 0:
        flow = "other"
    _credits_child(flow, reason if reason in CREDIT_FLOWS else "other").inc(abs(delta))


@functools.cache
def _credits_child(flow: str, reason: str) -> Any:
    """CREDITS' child for one (flow, reason): found once, not on every ledger row (a
    bounded set: the reasons are CREDIT_FLOWS' keys or "other")."""
    return CREDITS.labels(flow, reason)


# -- health ---------------------------------------------------------------------------------


def platform_connected(platform: str, connected: bool) -> None:
    CONNECTED.labels(_platform(platform)).set(1 if connected else 0)


def ready(is_ready: bool) -> None:
    READY.set(1 if is_ready else 0)
