"""Retry edges the move onto tenacity could shift: deadline, jitter, transport errors, logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from adapters.providers.http_common import HttpProvider, Policy
from adapters.providers.registry import VENDORS
from bot.domain.providers import ProviderUnavailable
from tests.adapters.conftest import MAX_BYTES, ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY, FakeVendors, Reply, Sleeps

Fault = Callable[[httpx.Request], httpx.Response]


def is_media(request: httpx.Request) -> bool:
    return request.url.path.startswith("/media/")


@asynccontextmanager
async def provider(
    fake: FakeVendors,
    vendor: str,
    *,
    when: Callable[[httpx.Request], bool] = lambda r: False,
    fault: Fault | None = None,
    times: int = 1,
    **knobs: object,
) -> AsyncIterator[tuple[HttpProvider, list[httpx.Request]]]:
    """An adapter whose first `times` requests matching `when` get `fault` instead of the fake.

    Yields the adapter and the requests that were faulted (they never reach `fake.seen`).
    """
    inner = fake.transport()
    faulted: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if fault is not None and when(request) and len(faulted) < times:
            faulted.append(request)
            return fault(request)
        return await inner.handle_async_request(request)

    timing: dict[str, Any] = {
        "deadline": 5.0,
        "attempts": 3,
        "poll_interval": 0.01,
        "jitter": lambda: 0.5,
        **knobs,
    }
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        cls = VENDORS[vendor][0]
        adapter = cls(
            client, KEY, fake.base_url(vendor), max_image_bytes=MAX_BYTES, policy=Policy(**timing)
        )
        yield adapter, faulted


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("fake read timeout", request=request)


async def test_a_hint_that_no_longer_fits_the_shrinking_deadline_gives_up_with_the_vendors_reason(
    fake, recorder
):
    # Real pauses: the first 0.68 s wait fits a 1 s route, the second no longer does. The
    # person hears the vendor's reason at once, not a timeout after sleeping to the end.
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        await asyncio.sleep(seconds)

    fake.fail("recraft", Reply(429, {"message": "slow down"}, {"Retry-After": "0.6"}), times=5)
    async with provider(fake, "recraft", deadline=1.0, attempts=5, sleep=sleep) as (adapter, _):
        with pytest.raises(ProviderUnavailable, match="rate limiting") as caught:
            await adapter.generate(ROUTES["recraft"], SPEC, recorder)
    assert "did not finish" not in caught.value.reason
    assert waited == [0.6 * 1.125] and len(fake.submits("recraft")) == 2


@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
async def test_jitter_never_makes_the_wait_shorter_than_retry_after(jitter, fake, recorder):
    fake.fail("xai", Reply(429, {"error": "busy"}, {"Retry-After": "2"}))
    sleeps = Sleeps()
    async with provider(fake, "xai", sleep=sleeps, jitter=lambda: jitter) as (adapter, _):
        await adapter.generate(ROUTES["xai"], SPEC, recorder)
    (delay,) = sleeps.delays
    assert 2.0 <= delay < 2.5 and delay == pytest.approx(2.0 * (1 + 0.25 * jitter))


async def test_backoff_without_a_hint_stops_growing_at_max_backoff(fake, recorder):
    fake.fail("ark", Reply(503, {"error": {"code": "ServerOverloaded"}}), times=4)
    sleeps = Sleeps()
    async with provider(
        fake, "ark", sleep=sleeps, attempts=5, max_backoff=2.5, jitter=lambda: 0.0
    ) as (adapter, _):
        await adapter.generate(ROUTES["ark"], SPEC, recorder)
    assert sleeps.delays == [1.0, 2.0, 2.5, 2.5]


async def test_a_submit_that_never_left_is_sent_again(fake, recorder):
    # A refused connection cannot have reached the vendor, so even a POST is safe to repeat.
    sleeps = Sleeps()
    async with provider(
        fake, "xai", when=lambda r: r.method == "POST", fault=refused, sleep=sleeps
    ) as (adapter, faulted):
        image = await adapter.generate(ROUTES["xai"], SPEC, recorder)
    assert image.data == IMAGE
    assert len(faulted) == 1 and len(fake.submits("xai")) == 1 and len(sleeps.delays) == 1


async def test_a_vendor_that_cannot_be_reached_is_unavailable_in_its_own_name(fake, recorder):
    sleeps = Sleeps()
    async with provider(
        fake, "xai", when=lambda r: True, fault=refused, times=99, sleep=sleeps
    ) as (adapter, faulted):
        with pytest.raises(ProviderUnavailable, match=r"could not reach xAI \(ConnectError\)"):
            await adapter.generate(ROUTES["xai"], SPEC, recorder)
    assert len(faulted) == 3 and len(sleeps.delays) == 2  # attempts=3: bounded, then fail over


async def test_a_poll_that_timed_out_is_asked_again_but_the_submit_is_not(fake, recorder):
    # A status read changes nothing at the vendor, so a read timeout on it is repeated.
    def poll(request: httpx.Request) -> bool:
        return request.method == "GET" and not is_media(request)

    async with provider(fake, "bfl", when=poll, fault=read_timeout, sleep=Sleeps()) as (
        adapter,
        faulted,
    ):
        image = await adapter.generate(ROUTES["bfl"], SPEC, recorder)
    assert image.data == IMAGE
    assert len(faulted) == 1 and len(fake.submits("bfl")) == 1


async def test_a_download_that_met_a_server_error_is_fetched_again(fake, recorder):
    sleeps = Sleeps()
    async with provider(
        fake, "bfl", when=is_media, fault=lambda r: httpx.Response(503), sleep=sleeps
    ) as (adapter, faulted):
        image = await adapter.generate(ROUTES["bfl"], SPEC, recorder)
    assert image.data == IMAGE
    assert len(faulted) == 1 and [s for s in fake.seen if s.path.startswith("/media/")]
    assert len(fake.submits("bfl")) == 1  # only the download was repeated, never the job


async def test_each_retry_is_logged_with_the_reason_and_never_the_key(fake, recorder, caplog):
    caplog.set_level(logging.INFO)
    fake.fail(
        "gemini",
        Reply(
            503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": f"overloaded {KEY}"}}
        ),
        times=2,
    )
    async with provider(fake, "gemini", sleep=Sleeps()) as (adapter, _):
        await adapter.generate(ROUTES["gemini"], SPEC, recorder)
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert retries == [
        "gemini: Google Gemini is busy (UNAVAILABLE); retry 1 in 1.1s",
        "gemini: Google Gemini is busy (UNAVAILABLE); retry 2 in 2.2s",
    ]
    assert KEY not in caplog.text
