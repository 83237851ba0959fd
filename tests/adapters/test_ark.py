"""Seedream on BytePlus Ark against the fake: pixel size, no watermark, per-image errors."""

from __future__ import annotations

import pytest

from bot.domain.providers import NotResumable, ProviderRejected
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY


async def test_request_shape(make, fake, recorder):
    image = await make("ark").generate(ROUTES["ark"], SPEC, recorder)
    assert image.data == IMAGE
    (call,) = fake.to("ark")
    assert (call.method, call.path) == ("POST", "/ark/api/v3/images/generations")
    assert call.headers["authorization"] == f"Bearer {KEY}"
    body = call.body
    assert (body["model"], body["prompt"]) == ("seedream-5-0-260128", SPEC.prompt)
    assert body["watermark"] is False and body["response_format"] == "b64_json"
    width, height = (int(x) for x in body["size"].split("x"))
    assert width > height and width % 16 == 0 and height % 16 == 0
    assert width * height >= 3_686_400  # Seedream 5's minimum
    assert "seed" not in body  # not supported on Seedream 4.x/5.x


async def test_a_per_image_error_inside_a_200_is_a_rejection(make, fake, recorder):
    fake.outcome["ark"] = "moderated"
    with pytest.raises(ProviderRejected, match="blocked the generated image"):
        await make("ark").generate(ROUTES["ark"], SPEC, recorder)


async def test_sensitive_input_400_is_a_rejection(make, fake, recorder):
    fake.outcome["ark"] = "moderated_input"
    with pytest.raises(ProviderRejected, match="flagged the prompt"):
        await make("ark").generate(ROUTES["ark"], SPEC, recorder)
    assert len(fake.to("ark")) == 1


async def test_nothing_to_resume(make, recorder):
    with pytest.raises(NotResumable):
        await make("ark").resume(ROUTES["ark"], SPEC, {}, recorder)
