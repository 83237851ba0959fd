"""Gemini generateContent against the fake: inline images, thoughts skipped, refusals."""

from __future__ import annotations

import pytest

from bot.domain.providers import NotResumable, ProviderRejected, ProviderUnavailable
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY, Reply


async def test_request_shape_key_in_header_and_final_image_not_the_thought(make, fake, recorder):
    image = await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)
    assert image.data == IMAGE  # not the 16x16 interim "thought" draft
    (call,) = fake.to("gemini")
    assert call.path == "/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent"
    assert call.headers["x-goog-api-key"] == KEY and "key=" not in call.url
    assert call.body["contents"][0]["parts"][0]["text"] == SPEC.prompt
    config = call.body["generationConfig"]
    assert "IMAGE" in config["responseModalities"] and "TEXT" in config["responseModalities"]
    assert config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "1K"}
    assert recorder.handles == []  # synchronous: nothing to resume


async def test_finish_reason_without_an_image_is_a_rejection_in_plain_words(make, fake, recorder):
    fake.outcome["gemini"] = "moderated"
    with pytest.raises(ProviderRejected) as caught:
        await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)
    assert "safety filter blocked the generated image" in caught.value.reason
    assert "I can't make that image." in caught.value.reason
    assert len(fake.to("gemini")) == 1


async def test_block_reason_on_the_prompt_is_a_rejection(make, fake, recorder):
    fake.outcome["gemini"] = "moderated_input"
    with pytest.raises(ProviderRejected, match="prohibited content"):
        await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)


async def test_an_invalid_key_is_unavailable_not_a_refusal(make, fake, recorder):
    fake.fail("gemini", Reply(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                              "message": "API key not valid.",
                                              "details": [{"reason": "API_KEY_INVALID"}]}}))
    with pytest.raises(ProviderUnavailable, match="key"):
        await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)


async def test_an_invalid_argument_is_a_rejection(make, fake, recorder):
    fake.fail("gemini", Reply(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                              "message": "Unsupported aspect ratio"}}))
    with pytest.raises(ProviderRejected, match="Unsupported aspect ratio"):
        await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)


async def test_only_a_thought_image_is_no_image(make, fake, recorder):
    draft = {"inlineData": {"mimeType": "image/png", "data": "aGk="}, "thought": True}
    fake.fail("gemini", Reply(200, {"candidates": [{"content": {"parts": [draft]},
                                                    "finishReason": "STOP"}]}))
    with pytest.raises(ProviderRejected, match="instead of an image"):
        await make("gemini").generate(ROUTES["gemini"], SPEC, recorder)


async def test_nothing_to_resume(make, recorder):
    with pytest.raises(NotResumable):
        await make("gemini").resume(ROUTES["gemini"], SPEC, {"provider": "gemini"}, recorder)
