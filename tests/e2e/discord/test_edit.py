"""Editing on Discord through the real bot process and the fake Discord: /edit with an
attachment (downloaded from the fake CDN), /imagine with an image, the "Edit image" message
command and its modal, the Vary and Edit buttons (also after a restart), and bad requests
that cost nothing."""

from __future__ import annotations

import io

import pytest
import pytest_asyncio
from PIL import Image

from tests.e2e.discord.conftest import (
    Harness,
    component,
    embed_balance,
    embed_cost,
    ephemeral_text,
    has_image,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-edit"), WELCOME_CREDITS="80") as harness:
        yield harness
        harness.dc.assert_no_errors()


def png(colour=(30, 140, 90), size=(96, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def text_input_id(modal: dict) -> str:
    for top in modal["components"]:
        inner = top.get("components") or [top.get("component")]
        for c in inner:
            if c and c.get("type") == 4:
                return str(c["custom_id"])
    raise AssertionError(f"no text input in {modal}")


def last_job(h: Harness) -> dict:
    return h.jobs()[-1]


async def test_edit_with_an_attachment_is_downloaded_and_charged_the_edit_price(h: Harness):
    before = h.balance(h.alice) if h.jobs() else 80
    since = h.dc.mark()
    inter = await h.slash(h.alice, "edit", {"image": ("cat.png", png()),
                                            "prompt": "make the sky purple"})
    msg = await inter.wait_message(has_image, timeout=15)
    assert "Edit of your picture." in msg["embeds"][0]["description"]
    assert embed_cost(msg) == 7 and embed_balance(msg) == before - 7 == h.balance(h.alice)
    await h.dc.wait_for(lambda r: "/attachments/" in r.path and r.method == "GET", since=since)
    job = last_job(h)
    assert (job["kind"], job["cost"], job["status"]) == ("edit", 7, "succeeded")
    assert h.query("SELECT COUNT(*) FROM job_images WHERE job_id = ?", job["id"]) == [(1,)]
    for prefix in ("img:vary:", "img:varys:", "img:edit:"):
        assert component(msg, prefix)["custom_id"].endswith(job["id"])


async def test_imagine_with_an_image_edits_it(h: Harness):
    inter = await h.slash(h.bob, "imagine", {"prompt": "add a red hat",
                                             "image": ("hat.png", png((200, 20, 20)))})
    msg = await inter.wait_message(has_image, timeout=15)
    assert "Edit of your picture." in msg["embeds"][0]["description"]
    assert last_job(h)["kind"] == "edit"


async def test_vary_and_edit_buttons_work_and_keep_the_parent(h: Harness):
    _, result = await h.imagine(h.alice, "a lighthouse", model="flux-pro")
    source = last_job(h)["id"]
    vary = await h.click(h.alice, result, "img:vary:")
    varied = await vary.wait_message(has_image, timeout=15)
    assert f"Variation of {source}." in varied["embeds"][0]["description"]
    job = last_job(h)
    assert (job["kind"], job["parent_id"], job["cost"]) == ("vary", source, 7)
    ask = await h.dc.click_button(h.alice, result, component(result, "img:edit:")["custom_id"])
    ack = await ask.wait_ack()
    assert ack.ok and ask.callback_type == 9 and ask.modal is not None
    answer = await h.dc.submit_modal(h.alice, ask, {text_input_id(ask.modal): "make it night"})
    edited = await answer.wait_message(has_image, timeout=15)
    assert f"Edit of {source}." in edited["embeds"][0]["description"]
    job = last_job(h)
    assert (job["kind"], job["parent_id"], job["prompt"]) == ("edit", source, "make it night")


async def test_the_edit_image_message_command_on_a_result_edits_that_job(h: Harness):
    _, result = await h.imagine(h.bob, "a red fox", model="flux-2-klein")
    source = last_job(h)["id"]
    since = h.dc.mark()
    menu = await h.dc.context_menu(h.bob, "Edit image", result, guild_id=h.guild_id)
    ack = await menu.wait_ack()
    assert ack.ok and menu.callback_type == 9
    answer = await h.dc.submit_modal(h.bob, menu, {text_input_id(menu.modal): "make it blue"})
    edited = await answer.wait_message(has_image, timeout=15)
    assert f"Edit of {source}." in edited["embeds"][0]["description"]
    job = last_job(h)
    assert (job["kind"], job["parent_id"], job["prompt"]) == ("edit", source, "make it blue")
    # the stored output was used: the bot's own attachment is never downloaded back
    assert not [r for r in h.dc.requests[since:] if "/attachments/" in r.path]


async def test_the_edit_image_message_command_on_a_forged_result_reaches_no_job(h: Harness):
    channel_id = next(iter(h.dc.guild(h.guild_id).channels))
    forged = h.dc.seed_message(channel_id, "old", components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Vary", "custom_id": "img:vary:ffffffffff"}]}])
    before = h.balance(h.bob)
    menu = await h.dc.context_menu(h.bob, "Edit image", forged, guild_id=h.guild_id)
    assert "I need a picture to edit" in await ephemeral_text(menu)
    assert h.balance(h.bob) == before


async def test_bad_pictures_and_non_editing_models_cost_nothing(h: Harness):
    inter = await h.slash(h.bob, "edit", {"image": ("notes.txt", b"just some text"),
                                          "prompt": "make it blue"})
    before = h.balance(h.bob)
    assert "is not a picture I can read" in await ephemeral_text(inter)
    inter = await h.slash(h.bob, "edit", {"image": ("cat.png", png()), "prompt": "add a hat",
                                          "model": "bitdance"})
    assert "BitDance cannot edit pictures" in await ephemeral_text(inter)
    assert h.balance(h.bob) == before


async def test_a_redelivered_vary_click_is_charged_once(h: Harness):
    _, msg = await h.imagine(h.alice, "a paper crane", model="flux-pro")
    before = h.balance(h.alice)
    click = await h.click(h.alice, msg, "img:vary:")
    await click.wait_message(has_image, timeout=15)
    await h.dc.redeliver(click)
    await h.dc.redeliver(click)
    await ephemeral_text(await h.slash(h.alice, "balance"))  # the repeats were seen by now
    assert len(h.jobs(event_key=f"discord:{click.id}")) == 1
    assert h.balance(h.alice) == before - 7


async def test_forged_vary_and_edit_buttons_are_expired_and_free(h: Harness):
    channel_id = next(iter(h.dc.guild(h.guild_id).channels))
    forged = h.dc.seed_message(channel_id, "old", components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Vary", "custom_id": "img:vary:ffffffffff"},
        {"type": 2, "style": 2, "label": "Edit", "custom_id": "img:edit:ffffffffff"},
    ]}])
    before = h.balance(h.alice)
    for custom_id in ("img:vary:ffffffffff", "img:edit:ffffffffff"):
        click = await h.dc.click_button(h.alice, forged, custom_id)
        assert (await click.wait_ack()).ok
        assert "This button has expired" in await ephemeral_text(click)
    assert h.balance(h.alice) == before


async def test_vary_buttons_work_after_a_restart(h: Harness):
    _, result = await h.imagine(h.alice, "a quiet harbour", model="flux-pro")
    source = last_job(h)["id"]
    await h.restart()
    vary = await h.click(h.alice, result, "img:varys:")
    varied = await vary.wait_message(has_image, timeout=15)
    assert f"Strong variation of {source}." in varied["embeds"][0]["description"]
    assert last_job(h)["kind"] == "vary_strong"


async def test_edit_model_autocomplete_lists_only_editors_with_edit_prices(h: Harness):
    inter = await h.dc.autocomplete(h.alice, "edit", {"prompt": "x", "model": ""},
                                    focused="model", guild_id=h.guild_id)
    choices = await inter.wait_choices()
    values = [c["value"] for c in choices]
    assert "bitdance" not in values and "flux-pro" in values
    flux = next(c for c in choices if c["value"] == "flux-pro")
    assert flux["name"].startswith("Flux Pro — 7 credits an edit")
