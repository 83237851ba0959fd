"""Recraft images/generations against the fake: model always sent, ratio size, seed."""

from __future__ import annotations

import pytest

from bot.domain.providers import NotResumable, ProviderRejected
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY


async def test_request_shape_always_names_the_model(make, fake, recorder):
    image = await make("recraft").generate(ROUTES["recraft"], SPEC, recorder)
    assert image.data == IMAGE
    (call,) = fake.to("recraft")
    assert (call.method, call.path) == ("POST", "/recraft/v1/images/generations")
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.body == {"prompt": SPEC.prompt, "model": "recraftv4_pro", "n": 1, "size": "16:9",
                         "response_format": "b64_json", "random_seed": 7}


async def test_a_refusal_passes_on_recrafts_words(make, fake, recorder):
    fake.outcome["recraft"] = "moderated"
    with pytest.raises(ProviderRejected, match="Prompt violates the content policy"):
        await make("recraft").generate(ROUTES["recraft"], SPEC, recorder)


async def test_nothing_to_resume(make, recorder):
    with pytest.raises(NotResumable):
        await make("recraft").resume(ROUTES["recraft"], SPEC, {}, recorder)
