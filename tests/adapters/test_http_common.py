"""Behaviour every vendor adapter shares, run against each vendor's fake wire format."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from adapters.providers.http_common import HttpProvider, Policy
from adapters.providers.media import decode_base64, dims_for
from adapters.providers.outcomes import retry_after
from adapters.providers.registry import VENDORS, build_providers
from bot.domain.catalog import Model
from bot.domain.providers import ProviderRejected, ProviderUnavailable, Route
from bot.services.provider_router import ProviderRouter
from bot.settings import Settings
from tests.adapters.conftest import MAX_BYTES, ROUTES, SPEC
from tests.adapters.provider_fakes import (
    IMAGE,
    KEY,
    VENDOR_NAMES,
    BackupProvider,
    FakeVendors,
    Reply,
)

URL_VENDORS = ("fal", "bfl", "replicate", "xai", "ark", "recraft")  # Gemini is inline only


def route(vendor: str, **params: object) -> Route:
    base = ROUTES[vendor]
    return Route(base.provider, base.model, {**base.params, **params})


def url_route(vendor: str) -> Route:
    """xAI/Ark/Recraft are asked for base64 by default; their URL form needs a param."""
    return route(vendor, response_format="url") if vendor in ("xai", "ark", "recraft") else route(vendor)


def busy_reply(vendor: str, seconds: int) -> Reply:
    if vendor == "gemini":  # Gemini's hint is in the body: RetryInfo.retryDelay
        return Reply(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
                                     "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                  "retryDelay": f"{seconds}s"}]}})
    return Reply(429, {"error": {"message": "rate limited"}}, {"Retry-After": str(seconds)})


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_success_returns_checked_image_bytes_and_keeps_the_key_out_of_urls(
    vendor, make, fake: FakeVendors, recorder, caplog
):
    caplog.set_level(logging.DEBUG)
    image = await make(vendor).generate(ROUTES[vendor], SPEC, recorder)
    assert image.data == IMAGE
    assert (image.mime, image.width, image.height) == ("image/png", 64, 48)
    assert (image.provider, image.provider_model) == (vendor, ROUTES[vendor].model)
    assert fake.submits(vendor), "the vendor's API was called"
    for seen in fake.seen:
        assert KEY not in seen.url
        if seen.path.startswith("/media/"):  # result links never get our key
            assert KEY not in " ".join(seen.headers.values())
    assert KEY not in caplog.text


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_429_with_a_retry_hint_waits_that_long_then_succeeds(vendor, make, fake, recorder, sleeps):
    fake.fail(vendor, busy_reply(vendor, 3))
    image = await make(vendor).generate(ROUTES[vendor], SPEC, recorder)
    assert image.data == IMAGE
    assert len(fake.submits(vendor)) == 2
    assert 3.0 <= sleeps.delays[0] <= 3.0 * 1.25  # the hint, plus jitter that only adds


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_a_retry_hint_past_the_deadline_fails_over_at_once(vendor, make, fake, recorder, sleeps):
    fake.fail(vendor, busy_reply(vendor, 60))
    with pytest.raises(ProviderUnavailable, match="rate limiting|busy"):
        await make(vendor, deadline=5.0).generate(ROUTES[vendor], SPEC, recorder)
    assert sleeps.delays == [] and len(fake.submits(vendor)) == 1


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_5xx_retries_a_bounded_number_of_times_then_fails_over(vendor, make, fake, catalog):
    fake.fail(vendor, Reply(503, {"error": {"message": "overloaded"}}), times=10)
    model = Model("m", "M", "a", "b", 1, "fast", (), ("1:1",), (ROUTES[vendor], Route("backup", "b")))
    backup = BackupProvider()
    dispatcher = ProviderRouter({vendor: make(vendor, attempts=3), "backup": backup}, BackupProvider())
    seen: list[dict] = []

    async def record(handle):
        seen.append(dict(handle))

    image = await dispatcher.generate(model, SPEC, record)
    assert image.provider == "backup" and backup.calls == 1
    assert len(fake.submits(vendor)) == 3


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_a_vendor_that_hangs_is_cut_off_at_the_route_deadline(vendor, make, fake, recorder):
    fake.fail(vendor, Reply(delay=30))
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="did not finish within"):
        await make(vendor, deadline=0.2).generate(ROUTES[vendor], SPEC, recorder)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_a_submit_that_timed_out_is_not_sent_twice(vendor, make, fake, recorder):
    # The vendor may have taken (and billed) the job; repeating the POST could pay twice.
    fake.fail(vendor, Reply(raise_timeout=True))
    with pytest.raises(ProviderUnavailable, match="did not answer in time"):
        await make(vendor).generate(ROUTES[vendor], SPEC, recorder)
    assert len(fake.submits(vendor)) == 1


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
@pytest.mark.parametrize("media", ["not_image", "truncated"])
async def test_a_payload_that_is_not_an_image_is_unavailable(vendor, media, make, fake, recorder):
    fake.media = media
    with pytest.raises(ProviderUnavailable, match="not a readable image"):
        await make(vendor).generate(ROUTES[vendor], SPEC, recorder)


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
async def test_an_oversized_payload_is_unavailable(vendor, make, fake, recorder):
    fake.media = "oversized"
    with pytest.raises(ProviderUnavailable, match=f"limit of {MAX_BYTES:,} bytes"):
        await make(vendor).generate(ROUTES[vendor], SPEC, recorder)


@pytest.mark.parametrize("vendor", URL_VENDORS)
async def test_an_expired_result_url_is_unavailable(vendor, make, fake, recorder):
    fake.media = "expired"
    with pytest.raises(ProviderUnavailable, match="expired"):
        await make(vendor).generate(url_route(vendor), SPEC, recorder)
    assert any(s.path.startswith("/media/") for s in fake.seen)


@pytest.mark.parametrize("vendor", URL_VENDORS)
async def test_result_urls_are_downloaded_into_bytes(vendor, make, fake, recorder):
    image = await make(vendor).generate(url_route(vendor), SPEC, recorder)
    assert image.data == IMAGE and not image.data.startswith(b"http")


async def test_an_error_that_echoes_the_key_is_scrubbed(make, fake, recorder):
    fake.fail("xai", Reply(400, {"code": "invalid-argument", "error": f"bad key {KEY} here"}))
    with pytest.raises(ProviderRejected) as caught:
        await make("xai").generate(ROUTES["xai"], SPEC, recorder)
    assert KEY not in caught.value.reason and "[key]" in caught.value.reason


async def test_api_redirects_are_not_followed_so_key_headers_stay_home(make, fake, recorder):
    fake.fail("bfl", Reply(302, b"", {"location": "http://elsewhere.test/steal"}))
    with pytest.raises(ProviderUnavailable, match="HTTP 302"):
        await make("bfl").generate(ROUTES["bfl"], SPEC, recorder)
    assert not any("elsewhere" in s.url for s in fake.seen)


async def test_a_response_in_an_unexpected_shape_is_unavailable(make, fake, recorder):
    fake.fail("bfl", Reply(200, {"unexpected": True}))
    with pytest.raises(ProviderUnavailable, match="could not read"):
        await make("bfl").generate(ROUTES["bfl"], SPEC, recorder)


async def test_a_bad_key_is_unavailable_not_the_prompts_fault(client, fake, recorder):
    from adapters.providers.xai import XaiProvider

    provider = XaiProvider(client, "wrong", fake.base_url("xai"), policy=Policy(attempts=1))
    with pytest.raises(ProviderUnavailable, match="401"):
        await provider.generate(ROUTES["xai"], SPEC, recorder)


async def test_backoff_without_a_hint_doubles(make, fake, recorder, sleeps):
    fake.fail("recraft", Reply(502, {"message": "bad gateway"}), times=2)
    provider: HttpProvider = make("recraft", attempts=3)
    await provider.generate(ROUTES["recraft"], SPEC, recorder)
    assert sleeps.delays == [1.0 * 1.125, 2.0 * 1.125]  # base 1 s doubling, jitter 0.5 * 25 %


def test_retry_after_reads_seconds_and_http_dates():
    def resp(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after(resp("7")) == 7.0
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= (retry_after(resp(when)) or 0) <= 31
    assert retry_after(resp("soon")) is None


def test_sizes_are_multiples_of_16_near_the_requested_megapixels():
    assert dims_for("1:1", 1.0) == (1024, 1024)
    for aspect in ("16:9", "9:16", "21:9", "3:2", "4:5"):
        w, h = dims_for(aspect, 4.0)
        assert w % 16 == 0 and h % 16 == 0
        assert 3_686_400 <= w * h <= 4.5 * 1024 * 1024  # Seedream 5's pixel range


def test_base64_over_the_cap_is_refused_before_decoding():
    with pytest.raises(ProviderUnavailable, match="limit"):
        decode_base64("A" * 4000, 1000, "X")
    assert decode_base64("data:image/png;base64,aGk=", 10, "X") == b"hi"


def _settings(**keys: str) -> Settings:
    blank = {f: None for f in ("fal_key", "bfl_api_key", "gemini_api_key", "xai_api_key",
                               "ark_api_key", "recraft_api_token", "replicate_api_token")}
    return Settings(_env_file=None, **{**blank, **keys})  # type: ignore[call-arg]


async def test_registry_builds_one_adapter_per_key_and_none_without_keys():
    async with httpx.AsyncClient() as client:
        assert build_providers(_settings(), client) == {}
        built = build_providers(_settings(bfl_api_key="k1", replicate_api_token="k2"), client)
        assert sorted(built) == ["bfl", "replicate"]
        assert all(p.name == name for name, p in built.items())


def test_catalog_routes_have_adapters_and_valid_options(catalog):
    for model in catalog:
        for r in model.routes:
            assert r.provider in VENDORS, (model.id, r.provider)
            assert r.params.get("aspect_field", "aspect_ratio") in ("aspect_ratio", "image_size")
            assert isinstance(r.params.get("send_seed", True), bool)
