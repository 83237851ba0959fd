"""Money and size limits: not enough credits, failed generations, oversized images.

One bot process for the module with 6 welcome credits (Flux Pro costs 5, Flux 2 Klein 1).
"""

from __future__ import annotations

import io

import pytest
import pytest_asyncio
from PIL import Image

from tests.e2e.discord.conftest import (
    EPHEMERAL,
    Harness,
    component,
    embed_balance,
    ephemeral_text,
    has_image,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-limits"), WELCOME_CREDITS="6") as harness:
        yield harness


@pytest.fixture(autouse=True)
def no_errors(h: Harness):
    yield
    h.dc.assert_no_errors()


def public(inter) -> list[dict]:
    return [m for m in inter.messages if not m["flags"] & EPHEMERAL]


async def test_click_without_enough_credits_offers_the_affordable_model(h: Harness):
    _, msg = await h.imagine(h.alice, "a fox in the snow")  # Flux Pro: 6 -> 1
    assert h.balance(h.alice) == 1
    click = await h.click(h.alice, msg, "img:again:")
    notice = await click.wait_message(lambda m: bool(m["flags"] & EPHEMERAL))
    assert "Flux Pro costs 5 credits and you have 1" in notice["content"]
    assert "Flux 2 Klein (1 credit) fits your balance" in notice["content"]
    assert public(click) == []  # the public "thinking" message was taken down
    assert h.balance(h.alice) == 1
    offer = component(notice, "img:try:")
    assert offer["label"] == "Run on Flux 2 Klein (1 credit)"
    run = await h.click(h.alice, notice, "img:try:")
    result = await run.wait_message(has_image)
    assert result["embeds"][0]["title"].startswith("Flux 2 Klein")
    assert embed_balance(result) == 0 == h.balance(h.alice)


async def test_imagine_without_enough_credits_says_which_model_fits(h: Harness):
    inter = await h.slash(h.bob, "imagine", {"prompt": "a castle", "model": "nano-banana-pro"})
    text = await ephemeral_text(inter)
    assert "Nano Banana Pro costs 15 credits and you have 6" in text
    assert "model: Flux 2 Klein" in text
    assert public(inter) == []
    assert h.balance(h.bob) == 6


async def test_compare_without_enough_credits_is_refused_before_anything_runs(h: Harness):
    _, msg = await h.imagine(h.bob, "a quick sketch of a cat", model="flux-2-klein")
    assert h.balance(h.bob) == 5
    click = await h.click(h.bob, msg, "img:cmp:")
    text = await ephemeral_text(click)
    assert text.startswith("Compare on 3 costs") and "you have 5" in text
    assert public(click) == [] and h.balance(h.bob) == 5


async def test_a_compare_that_does_not_fit_offers_the_model_that_does(h: Harness):
    """As on Telegram: the core names the model that fits, and the notice has its button."""
    dora = h.dc.make_user(700_009, "dora")
    h.dc.add_member(h.guild_id, dora)
    _, msg = await h.imagine(dora, "a pencil sketch of a fox", model="flux-2-klein")
    left = h.balance(dora)
    click = await h.click(dora, msg, "img:cmp:")
    notice = await click.wait_message(lambda m: bool(m["flags"] & EPHEMERAL))
    assert notice["content"].startswith("Compare on 3 costs")
    offer = component(notice, "img:try:")
    assert offer["label"] == "Run on Flux 2 Klein (1 credit)" and h.balance(dora) == left == 5


async def test_oversized_image_is_reencoded_to_fit_the_upload_limit(h: Harness):
    carol = h.dc.make_user(700_003, "carol")
    h.dc.add_member(h.guild_id, carol)
    limit = 6_000
    inter = await h.slash(carol, "imagine", {"prompt": "a detailed city map", "model":
                                              "flux-2-klein"}, attachment_size_limit=limit)
    msg = await inter.wait_message(has_image)
    attachment = msg["attachments"][0]
    assert attachment["size"] <= limit
    assert attachment["filename"].endswith((".webp", ".jpg"))
    assert msg["embeds"][0]["image"]["url"] == f"attachment://{attachment['filename']}"
    image = Image.open(io.BytesIO(h.dc.attachment_data(attachment)))
    assert image.format in ("WEBP", "JPEG")


async def test_a_rate_limited_edit_is_retried_by_discord_py_not_duplicated(h: Harness):
    erin = h.dc.make_user(700_005, "erin")
    h.dc.add_member(h.guild_id, erin)
    h.dc.fail_next("PATCH", r"/messages/@original$", status=429, retry_after=0.3)
    inter = await h.slash(erin, "imagine", {"prompt": "a queue of snails", "model":
                                             "flux-2-klein"})
    msg = await inter.wait_message(has_image)
    assert len(h.dc.injected) == 1
    assert len(inter.messages) == 1 and msg["id"] == inter.original_message_id
    assert h.balance(erin) == 5


async def test_a_failed_generation_is_refunded_and_explained_privately(h: Harness):
    await h.restart(DEMO_FAIL="unavailable")
    dave = h.dc.make_user(700_004, "dave")
    h.dc.add_member(h.guild_id, dave)
    inter = await h.slash(dave, "imagine", {"prompt": "a boat"})
    text = await ephemeral_text(inter)
    assert "unavailable right now" in text and "refunded" in text
    assert public(inter) == []
    assert h.balance(dave) == 6
    assert h.jobs(event_key=f"discord:{inter.id}")[0]["status"] == "failed"

