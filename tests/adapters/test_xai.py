"""xAI images/generations against the fake: aspect_ratio, silent moderation."""

from __future__ import annotations

import pytest

from bot.domain.providers import NotResumable, ProviderRejected
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY, Reply


async def test_request_shape(make, fake, recorder):
    image = await make("xai").generate(ROUTES["xai"], SPEC, recorder)
    assert image.data == IMAGE
    (call,) = fake.to("xai")
    assert (call.method, call.path) == ("POST", "/xai/v1/images/generations")
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.body == {"model": "grok-imagine-image", "prompt": SPEC.prompt, "n": 1,
                         "aspect_ratio": "16:9", "response_format": "b64_json"}
    assert "size" not in call.body and "seed" not in call.body  # xAI rejects / lacks these


async def test_respect_moderation_false_is_a_rejection(make, fake, recorder):
    fake.outcome["xai"] = "moderated"
    with pytest.raises(ProviderRejected, match="moderation blocked the generated image"):
        await make("xai").generate(ROUTES["xai"], SPEC, recorder)


async def test_empty_data_is_a_rejection_not_a_retry(make, fake, recorder):
    fake.outcome["xai"] = "moderated_input"
    with pytest.raises(ProviderRejected, match="moderation refused"):
        await make("xai").generate(ROUTES["xai"], SPEC, recorder)
    assert len(fake.to("xai")) == 1


async def test_invalid_argument_is_a_rejection_with_the_vendor_words(make, fake, recorder):
    fake.fail("xai", Reply(400, {"code": "invalid-argument", "error": "Argument not supported: size"}))
    with pytest.raises(ProviderRejected, match="Argument not supported: size"):
        await make("xai").generate(ROUTES["xai"], SPEC, recorder)


async def test_nothing_to_resume(make, recorder):
    with pytest.raises(NotResumable):
        await make("xai").resume(ROUTES["xai"], SPEC, {}, recorder)
