"""Black Forest Labs against the fake: submit, poll the returned polling_url, download."""

from __future__ import annotations

import time

import pytest

from bot.domain.providers import NotResumable, ProviderRejected, ProviderUnavailable
from tests.adapters.conftest import ROUTES, SPEC
from tests.adapters.provider_fakes import IMAGE, KEY


async def test_submit_poll_the_returned_cluster_and_download(make, fake, recorder):
    fake.pending_polls = 2
    image = await make("bfl").generate(ROUTES["bfl"], SPEC, recorder)
    assert image.data == IMAGE and (image.width, image.height) == (64, 48)
    submit, *polls = fake.to("bfl")
    assert (submit.method, submit.path) == ("POST", "/bfl/v1/flux-2-klein-4b")
    assert submit.headers["x-key"] == KEY
    assert submit.body == {"prompt": SPEC.prompt, "width": 1360, "height": 768, "seed": 7}
    assert [p.path for p in polls] == ["/bfl-us3/v1/get_result"] * 3  # the polling_url as given
    assert all(p.headers["x-key"] == KEY for p in polls)
    media = [s for s in fake.seen if s.path.startswith("/media/")]
    assert media and "x-key" not in media[0].headers
    assert recorder.handles[0]["id"] and recorder.requests_before == [1]


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [("moderated", "flagged the prompt"), ("moderated_output", "blocked the generated image")],
)
async def test_moderation_statuses_are_rejections(make, fake, recorder, outcome, reason):
    fake.outcome["bfl"] = outcome
    with pytest.raises(ProviderRejected, match=reason):
        await make("bfl").generate(ROUTES["bfl"], SPEC, recorder)


async def test_resume_finishes_the_recorded_job_without_a_second_submit(make, fake, recorder):
    fake.pending_polls = 10**6
    with pytest.raises(ProviderUnavailable):
        await make("bfl", deadline=0.1).generate(ROUTES["bfl"], SPEC, recorder)
    for job in fake._jobs.values():
        job["polls"] = 0
    image = await make("bfl").resume(ROUTES["bfl"], SPEC, recorder.handles[0], recorder)
    assert image.data == IMAGE and len(fake.submits("bfl")) == 1


async def test_old_or_unknown_jobs_are_not_resumable(make, fake, recorder):
    url = f"{fake.base}/bfl-us3/v1/get_result?id=gone"
    old = {"id": "t1", "polling_url": url, "submitted_at": time.time() - 11 * 60}
    with pytest.raises(NotResumable, match="10 minutes"):
        await make("bfl").resume(ROUTES["bfl"], SPEC, old, recorder)
    fresh = {"id": "gone", "polling_url": url, "submitted_at": time.time()}
    with pytest.raises(NotResumable, match="no longer has"):
        await make("bfl").resume(ROUTES["bfl"], SPEC, fresh, recorder)
