"""/imagine, the info commands and the result's components, in a server and in a DM.

One bot process for the module (demo renderer, 50 welcome credits).
"""

from __future__ import annotations

import io
import signal

import pytest
import pytest_asyncio
from PIL import Image

from tests.e2e.discord.conftest import (
    EPHEMERAL,
    Harness,
    component,
    custom_ids,
    embed_balance,
    embed_cost,
    ephemeral_text,
    field,
    has_image,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-imagine"), WELCOME_CREDITS="50") as harness:
        yield harness
        harness.dc.assert_no_errors()


@pytest.fixture(autouse=True)
def no_errors(h: Harness):
    yield
    h.dc.assert_no_errors()


async def test_commands_are_synced_for_servers_and_dms(h: Harness):
    commands = {c["name"]: c for c in h.dc.commands()}
    assert sorted(commands) == ["Edit image", "balance", "buy", "credits", "daily", "edit",
                                "give", "giveaway", "help", "history", "imagine", "language",
                                "leaderboard", "link", "models", "paysupport", "safety"]
    assert commands["Edit image"]["type"] == 3  # a message command
    for name, command in commands.items():
        # guilds and bot DMs; giveaways need a server full of people
        assert sorted(command["contexts"]) == ([0] if name == "giveaway" else [0, 1])
    options = {o["name"]: o for o in commands["imagine"]["options"]}
    assert list(options) == ["prompt", "model", "intent", "aspect", "seed", "image"]
    assert options["image"]["type"] == 11  # ATTACHMENT
    edit = [o["name"] for o in commands["edit"]["options"]]
    assert edit == ["image", "prompt", "model", "image2", "image3"]
    assert options["prompt"]["required"] is True
    assert options["model"]["autocomplete"] is True
    intents = {c["value"]: c["name"] for c in options["intent"]["choices"]}
    assert "Nano Banana 2 (8 credits)" in intents["text"]


async def test_model_autocomplete_shows_prices(h: Harness):
    inter = await h.dc.autocomplete(h.alice, "imagine", {"prompt": "x", "model": "flux"},
                                    focused="model", guild_id=h.guild_id)
    choices = await inter.wait_choices()
    assert [c["value"] for c in choices] == ["flux-2-klein", "flux-pro"]
    assert choices[1]["name"].startswith("Flux Pro — 5 credits")


async def test_aspect_autocomplete_follows_the_chosen_model(h: Harness):
    inter = await h.dc.autocomplete(h.alice, "imagine", {"prompt": "x", "model": "bitdance",
                                                         "aspect": "2"}, focused="aspect",
                                    guild_id=h.guild_id)
    assert [c["value"] for c in await inter.wait_choices()] == ["2:3"]


async def test_imagine_in_a_server_defers_then_updates_one_message(h: Harness):
    before = 50  # alice's first image: her account opens with the welcome credits
    inter, msg = await h.imagine(h.alice, "a fox in the snow")
    assert inter.callback.callback_type == 5  # deferred at once ("thinking")
    assert [r.kind for r in inter.responses if r.kind != "edit"] == ["callback"]
    assert len(inter.messages) == 1  # one message, updated in place
    embed = msg["embeds"][0]
    assert embed["title"] == "Flux Pro · demo image"
    assert "a fox in the snow" in embed["description"]
    assert "because" in embed["description"]
    assert "demo" in embed["footer"]["text"].lower()
    assert embed["image"]["url"] == f"attachment://{msg['attachments'][0]['filename']}"
    assert embed_cost(msg) == 5
    assert embed_balance(msg) == before - 5 == h.balance(h.alice)
    ids = custom_ids(msg)
    assert len(ids) == len(set(ids)) and all(len(i) <= 100 for i in ids)
    assert component(msg, "img:again:")["label"] == "Again on Flux Pro (5 credits)"
    assert component(msg, "img:cmp:")["label"].startswith("Compare on 3")
    menu = component(msg, "img:model:")
    assert len(menu["options"]) == 7 and "flux-pro" not in [o["value"] for o in menu["options"]]
    assert any(o["label"] == "Flux 2 Klein (1 credit)" for o in menu["options"])
    assert not msg["content"]


async def test_imagine_in_a_dm_works_the_same(h: Harness):
    inter, msg = await h.imagine(h.bob, "a lighthouse at dusk", dm=True)
    assert inter.guild_id is None
    assert msg["channel_id"] == h.dc.dm_channel(h.bob)["id"]
    assert embed_balance(msg) == h.balance(h.bob)
    assert {"img:again:", "img:cmp:", "img:del:", "img:model:", "img:vary:", "img:varys:",
            "img:edit:"} == {i[: i.index(":", 4) + 1] for i in custom_ids(msg)}


async def test_structured_options_pick_model_aspect_and_seed(h: Harness):
    _, msg = await h.imagine(h.alice, "a portrait of a cat", model="bitdance", aspect="16:9",
                             seed=42)
    assert msg["embeds"][0]["title"].startswith("BitDance")
    assert "you picked BitDance" in msg["embeds"][0]["description"]
    assert field(msg, "Seed") == "42"
    data = h.dc.attachment_data(msg["attachments"][0])
    width, height = Image.open(io.BytesIO(data)).size
    assert width > height


async def test_bad_option_gets_a_private_specific_error_and_costs_nothing(h: Harness):
    before = h.balance(h.alice)
    inter = await h.slash(h.alice, "imagine", {"prompt": "a cat", "aspect": "banana"})
    assert inter.callback.callback_type == 4
    text = await ephemeral_text(inter)
    assert "aspect ratio" in text
    assert h.balance(h.alice) == before


async def test_balance_models_and_help_answer_privately(h: Harness):
    inter = await h.slash(h.bob, "balance")
    assert await ephemeral_text(inter) == f"You have {h.balance(h.bob)} credits."
    inter = await h.slash(h.bob, "models", dm=True)
    msg = await inter.wait_message()
    assert msg["flags"] & EPHEMERAL and "Nano Banana Pro" in msg["embeds"][0]["description"]
    inter = await h.slash(h.alice, "help")
    msg = await inter.wait_message()
    assert "/imagine" in msg["embeds"][0]["description"]
    assert "Intents" in msg["embeds"][0]["description"]


async def test_again_by_another_member_is_paid_by_the_clicker(h: Harness):
    _, msg = await h.imagine(h.alice, "a red bicycle")
    alice, bob = h.balance(h.alice), h.balance(h.bob)
    click = await h.click(h.bob, msg, "img:again:")
    assert click.callback.callback_type == 5
    result = await click.wait_message(has_image)
    assert result["id"] != msg["id"]  # a new message with its own components
    assert result["embeds"][0]["title"].startswith("Flux Pro")
    assert result["embeds"][0]["author"]["name"] == "for Bob"
    assert embed_balance(result) == bob - 5 == h.balance(h.bob)
    assert h.balance(h.alice) == alice
    assert custom_ids(result) and set(custom_ids(result)).isdisjoint(custom_ids(msg))


async def test_rerun_on_another_model_via_the_select_menu(h: Harness):
    _, msg = await h.imagine(h.alice, "a mountain lake")
    before = h.balance(h.alice)
    pick = await h.pick(h.alice, msg, "flux-2-klein")
    result = await pick.wait_message(has_image)
    assert result["embeds"][0]["title"].startswith("Flux 2 Klein")
    assert embed_cost(result) == 1
    assert h.balance(h.alice) == before - 1
    job = h.jobs(event_key=f"discord:{pick.id}")[0]
    assert job["model_id"] == "flux-2-klein" and job["parent_id"] is not None


async def test_compare_posts_three_results_each_with_components(h: Harness):
    _, msg = await h.imagine(h.bob, "an owl in a library")
    before = h.balance(h.bob)
    total = int(component(msg, "img:cmp:")["label"].split("(")[1].split()[0])
    click = await h.click(h.bob, msg, "img:cmp:")
    await h.dc.wait_until(lambda: len([m for m in click.messages if has_image(m)]) == 3,
                          timeout=10)
    results = [m for m in click.messages if has_image(m)]
    titles = {m["embeds"][0]["title"] for m in results}
    assert len(titles) == 3 and not any(t.startswith("Flux Pro ") for t in titles)
    assert sum(embed_cost(m) for m in results) == total
    assert h.balance(h.bob) == before - total
    assert {embed_balance(m) for m in results} == {before - total}
    ids = [i for m in results for i in custom_ids(m)]
    # again, compare, delete, the menu, vary, vary strong, edit: each of 3
    assert len(ids) == len(set(ids)) == 21


async def test_a_redelivered_click_is_charged_once(h: Harness):
    _, msg = await h.imagine(h.alice, "a paper boat")
    before = h.balance(h.alice)
    click = await h.click(h.alice, msg, "img:again:")
    await click.wait_message(has_image)
    await h.dc.redeliver(click)
    await h.dc.redeliver(click)
    # A round trip through the same bot: by the time /balance answers, the repeats were seen.
    await ephemeral_text(await h.slash(h.alice, "balance"))
    assert len(h.jobs(event_key=f"discord:{click.id}")) == 1
    assert h.balance(h.alice) == before - 5
    assert len([r for r in click.responses if r.kind == "callback"]) == 1


async def test_forged_or_unknown_buttons_get_a_private_expired_reply(h: Harness):
    channel = h.dc.guild(h.guild_id).channels
    channel_id = next(iter(channel))
    forged = h.dc.seed_message(channel_id, "old", components=[{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Again", "custom_id": "img:again:ffffffffff"},
        {"type": 2, "style": 1, "label": "Old", "custom_id": "img:upscale:1234:2"},
        {"type": 2, "style": 1, "label": "Try", "custom_id": "img:try:ffffffffff:no-such-model"},
    ]}])
    before = h.balance(h.alice)
    for custom_id in custom_ids(forged):
        click = await h.dc.click_button(h.alice, forged, custom_id)
        assert (await click.wait_ack()).ok
        assert "This button has expired" in await ephemeral_text(click)
        assert not [m for m in click.messages if not m["flags"] & EPHEMERAL]
    assert h.balance(h.alice) == before


async def test_buttons_work_after_a_restart(h: Harness):
    _, msg = await h.imagine(h.alice, "a lantern")
    code = await h.bot.stop(signal.SIGINT)  # SIGINT and SIGTERM both close cleanly
    assert code == 0 and "discord: closing" in h.bot.log()
    await h.restart()
    before = h.balance(h.bob)
    click = await h.click(h.bob, msg, "img:again:")
    result = await click.wait_message(has_image, timeout=10)
    assert embed_balance(result) == before - 5 == h.balance(h.bob)
    pick = await h.pick(h.alice, msg, "flux-2-klein")
    assert (await pick.wait_message(has_image, timeout=10))["embeds"][0]["title"].startswith(
        "Flux 2 Klein")
    h.dc.assert_no_errors()


async def test_a_click_redelivered_after_a_restart_is_not_charged_again(h: Harness):
    _, msg = await h.imagine(h.bob, "a brass bell")
    click = await h.click(h.bob, msg, "img:again:")
    await click.wait_message(has_image)
    before = h.balance(h.bob)
    await h.restart()
    since = h.dc.mark()
    await h.dc.redeliver(click, reset_deadline=True)  # the new process has not seen it
    refused = await h.dc.wait_for(("POST", rf"^/interactions/{click.id}/"), since=since)
    assert refused.error_code == 40060  # Discord: answered already; the bot stops there
    await ephemeral_text(await h.slash(h.bob, "balance"))
    assert len(h.jobs(event_key=f"discord:{click.id}")) == 1
    assert h.balance(h.bob) == before
    assert [e.error_code for e in h.dc.errors] == [40060]
    h.dc.errors.clear()
