"""fal.ai queue protocol against the fake: submit, follow status_url, fetch response_url."""

from __future__ import annotations

import pytest

from bot.domain.providers import NotResumable, ProviderRejected, ProviderUnavailable, Route
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY


async def test_submit_then_poll_the_returned_urls(make, fake, recorder):
    fake.pending_polls = 2
    image = await make("fal").generate(ROUTES["fal"], SPEC, recorder)
    assert image.data == IMAGE
    submit, *rest = fake.to("fal")
    assert (submit.method, submit.path) == ("POST", "/fal/fal-ai/flux-2/klein/4b")
    assert submit.headers["authorization"] == f"Key {KEY}"
    assert submit.body == {"prompt": SPEC.prompt, "image_size": {"width": 1360, "height": 768},
                           "seed": 7}
    # Status and result live under the base app id: the URLs were followed, not rebuilt.
    assert [s.path.endswith("/status") for s in rest] == [True, True, True, False]
    assert all(s.path.startswith("/fal/fal-ai/flux-2/requests/") for s in rest)
    handle = recorder.handles[0]
    assert handle["status_url"].endswith("/status") and handle["response_url"]
    assert recorder.requests_before == [1], "the handle is recorded before any polling"


async def test_aspect_ratio_apps_get_a_ratio_and_no_seed_when_told(make, fake, recorder):
    route = Route("fal", "fal-ai/nano-banana-2", {"aspect_field": "aspect_ratio", "send_seed": False,
                                                  "resolution": "1K"})
    await make("fal").generate(route, SPEC, recorder)
    body = fake.submits("fal")[0].body
    assert body == {"prompt": SPEC.prompt, "aspect_ratio": "16:9", "resolution": "1K"}


async def test_content_policy_422_on_the_result_is_a_rejection(make, fake, recorder):
    fake.outcome["fal"] = "moderated"
    with pytest.raises(ProviderRejected, match="content checker flagged"):
        await make("fal").generate(ROUTES["fal"], SPEC, recorder)
    assert len(fake.submits("fal")) == 1  # refusals are never retried


@pytest.mark.parametrize(("outcome", "flagged", "why"), [
    ("ok", False, ""), ("nsfw", True, "fal.ai's safety checker flagged the image"),
    ("nsfw_unreadable", True, "fal.ai's safety signal could not be read"),  # fails closed
])
async def test_the_nsfw_flag_becomes_the_images_verdict(make, fake, recorder, outcome, flagged,
                                                        why):
    fake.outcome["fal"] = outcome
    image = await make("fal").generate(ROUTES["fal"], SPEC, recorder)
    assert (image.flagged, image.flag_reason) == (flagged, why)


async def test_resume_finishes_the_recorded_job_without_a_second_submit(make, fake, recorder):
    fake.pending_polls = 10**6  # the job outlives the first process
    with pytest.raises(ProviderUnavailable):
        await make("fal", deadline=0.1).generate(ROUTES["fal"], SPEC, recorder)
    fake.pending_polls = 0
    for job in fake._jobs.values():
        job["polls"] = 0
    image = await make("fal").resume(ROUTES["fal"], SPEC, recorder.handles[0], recorder)
    assert image.data == IMAGE
    assert len(fake.submits("fal")) == 1


async def test_resume_of_a_job_fal_forgot_is_not_resumable(make, fake, recorder):
    handle = {"request_id": "nope", "status_url": f"{fake.base}/fal/fal-ai/x/requests/nope/status",
              "response_url": f"{fake.base}/fal/fal-ai/x/requests/nope"}
    with pytest.raises(NotResumable):
        await make("fal").resume(ROUTES["fal"], SPEC, handle, recorder)
    with pytest.raises(NotResumable):
        await make("fal").resume(ROUTES["fal"], SPEC, {"request_id": "x"}, recorder)
