"""Replicate predictions against the fake: Prefer wait, then poll urls.get; resume."""

from __future__ import annotations

import time

import pytest

from bot.domain.providers import NotResumable, ProviderRejected, ProviderUnavailable, Route
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY


async def test_create_with_prefer_wait_then_poll(make, fake, recorder):
    fake.pending_polls = 2
    image = await make("replicate").generate(ROUTES["replicate"], SPEC, recorder)
    assert image.data == IMAGE
    create, *polls = fake.to("replicate")
    assert create.path == "/replicate/v1/models/black-forest-labs/flux-2-klein-4b/predictions"
    assert create.headers["authorization"] == f"Bearer {KEY}"
    assert create.headers["prefer"] == "wait=10"
    assert create.body == {"input": {"prompt": SPEC.prompt, "aspect_ratio": "16:9", "seed": 7}}
    assert [p.method for p in polls] == ["GET", "GET"]
    assert recorder.handles[0]["get_url"].endswith(recorder.handles[0]["id"])
    assert recorder.requests_before == [1]


async def test_done_within_the_wait_needs_no_polling(make, fake, recorder):
    fake.pending_polls = 0
    await make("replicate").generate(ROUTES["replicate"], SPEC, recorder)
    assert [s.method for s in fake.to("replicate")] == ["POST"]


async def test_a_pinned_version_uses_the_predictions_endpoint(make, fake, recorder):
    route = Route("replicate", "someone/model:abc123", {"send_seed": False})
    await make("replicate").generate(route, SPEC, recorder)
    create = fake.submits("replicate")[0]
    assert create.path == "/replicate/v1/predictions"
    assert create.body == {"version": "abc123", "input": {"prompt": SPEC.prompt, "aspect_ratio": "16:9"}}


async def test_a_failed_prediction_flagged_as_sensitive_is_a_rejection(make, fake, recorder):
    fake.outcome["replicate"] = "moderated"
    with pytest.raises(ProviderRejected, match="flagged as sensitive"):
        await make("replicate").generate(ROUTES["replicate"], SPEC, recorder)


async def test_resume_finishes_the_recorded_prediction_without_a_second_create(make, fake, recorder):
    fake.pending_polls = 10**6
    with pytest.raises(ProviderUnavailable):
        await make("replicate", deadline=0.1).generate(ROUTES["replicate"], SPEC, recorder)
    for job in fake._jobs.values():
        job["polls"] = 0
    image = await make("replicate").resume(ROUTES["replicate"], SPEC, recorder.handles[0], recorder)
    assert image.data == IMAGE and len(fake.submits("replicate")) == 1


async def test_old_or_unknown_predictions_are_not_resumable(make, fake, recorder):
    url = f"{fake.base}/replicate/v1/predictions/gone"
    with pytest.raises(NotResumable, match="an hour"):
        await make("replicate").resume(ROUTES["replicate"], SPEC,
                                       {"id": "gone", "get_url": url, "created_at": time.time() - 7200},
                                       recorder)
    with pytest.raises(NotResumable, match="no longer has"):
        await make("replicate").resume(ROUTES["replicate"], SPEC,
                                       {"id": "gone", "get_url": url, "created_at": time.time()},
                                       recorder)
