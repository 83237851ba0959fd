"""The safety policy on Discord through the real bot process and the fake Discord: the
server default (standard) in a normal channel, mature only in an age-restricted channel,
a DM (strict), admins only for changes, a rerun clicked where the policy became stricter,
and nothing charged on any block. One bot for the module; tests build on each other."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.discord.conftest import GUILD_ID, Harness, ephemeral_text, has_image, running_bot
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
CHANNELS: dict[str, dict] = {}
PEOPLE: dict[str, dict] = {}


def prepare(dc: FakeDiscord) -> None:
    PEOPLE["zed"] = dc.make_user(700_050, "zed", global_name="Zed")
    dc.add_member(GUILD_ID, PEOPLE["zed"])
    CHANNELS["after-dark"] = dc.add_channel(GUILD_ID, name="after-dark")
    CHANNELS["after-dark"]["nsfw"] = True  # age-restricted
    CHANNELS["lobby"] = dc.add_channel(GUILD_ID, name="lobby")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-safety"), prepare,
                           WELCOME_CREDITS="50", MAX_SAFETY_LEVEL="mature",
                           SAFETY_BLOCK_STRIKES="10") as harness:
        yield harness


async def ask(h: Harness, user: dict, command: str, options: dict | None = None,
              **kw) -> str:  # type: ignore[no-untyped-def]
    return await ephemeral_text(await h.slash(user, command, options, **kw))


async def blocked(h: Harness, user: dict, prompt: str, words: str, **kw) -> None:  # type: ignore[no-untyped-def]
    before, jobs = h.balance(user), len(h.jobs())
    text = await ask(h, user, "imagine", {"prompt": prompt}, **kw)
    assert words in text, text
    assert "Nothing was charged" in text
    assert h.balance(user) == before and len(h.jobs()) == jobs  # no job: no provider call


async def test_a_normal_channel_is_standard(h: Harness):
    await h.imagine(h.bob, "a woman in a bikini")
    await blocked(h, h.bob, "a nude statue", "not allowed at the standard")
    shown = await ask(h, h.bob, "safety show")
    assert shown.startswith("Safety level here: standard.") and "not set" in shown


async def test_only_admins_change_it_and_mature_falls_back_outside_age_restricted(h: Harness):
    assert "Only admins" in await ask(h, h.bob, "safety set", {"level": "mature"})
    reply = await ask(h, h.alice, "safety set", {"level": "mature"})  # the owner
    assert "falls back to standard" in reply and "age-restricted" in reply
    await blocked(h, h.bob, "a nude statue", "not allowed at the standard")


async def test_mature_applies_in_the_age_restricted_channel(h: Harness):
    dark = CHANNELS["after-dark"]["id"]
    shown = await ask(h, h.bob, "safety show", channel_id=dark)
    assert shown.startswith("Safety level here: mature.")
    inter = await h.slash(h.bob, "imagine", {"prompt": "a nude statue"}, channel_id=dark)
    await inter.wait_message(has_image, timeout=10)
    await blocked(h, h.bob, "a nude child", "refused everywhere", channel_id=dark)
    # A channel override, picked as a channel option.
    reply = await ask(h, h.alice, "safety set", {"level": "strict",
                                                 "channel": CHANNELS["lobby"]["id"]})
    assert reply.startswith("Safety set: strict for #lobby. Now applies there: strict.")
    await blocked(h, h.bob, "a woman in a bikini", "not allowed at the strict",
                  channel_id=CHANNELS["lobby"]["id"])


async def test_a_dm_is_strict(h: Harness):
    await blocked(h, h.bob, "a woman in a bikini", "not allowed at the strict", dm=True)
    assert "Safety level here: strict" in await ask(h, h.bob, "safety show", dm=True)


async def test_a_rerun_clicked_where_the_policy_is_stricter_is_blocked(h: Harness):
    _, image = await h.imagine(h.alice, "a zombie covered in blood")
    await ask(h, h.alice, "safety set", {"level": "strict"})
    before, jobs = h.balance(h.bob), len(h.jobs())
    text = await ephemeral_text(await h.click(h.bob, image, "img:again:"))
    assert "not allowed at the strict" in text and "Nothing was charged" in text
    assert h.balance(h.bob) == before and len(h.jobs()) == jobs
    await ask(h, h.alice, "safety set", {"level": "default"})
    log = await ask(h, h.alice, "safety log")
    assert "blocked (level)" in log and "blocked (operator)" in log
    h.dc.assert_no_errors()


async def test_flagged_images_are_refunded_or_posted_as_spoilers(tmp_path):
    async with running_bot(tmp_path, prepare, WELCOME_CREDITS="50", MAX_SAFETY_LEVEL="mature",
                           DEMO_FAIL="flagged") as fh:
        text = await ask(fh, fh.bob, "imagine", {"prompt": "a fox", "model": "flux-2-klein"})
        assert "not posted here" in text and "refunded" in text and fh.balance(fh.bob) == 50
        await ask(fh, fh.alice, "safety set", {"level": "mature"})
        dark = CHANNELS["after-dark"]["id"]
        inter = await fh.slash(fh.bob, "imagine", {"prompt": "a fox", "model": "flux-2-klein"},
                               channel_id=dark)
        message = await inter.wait_message(has_image, timeout=10)
        [attachment] = message["attachments"]
        assert attachment["filename"].startswith("SPOILER_")
        assert not message["embeds"][0].get("image")  # not shown unblurred in the embed
        assert fh.balance(fh.bob) == 49


async def test_delete_is_for_the_requester_and_the_servers_admins(h: Harness):
    zed = PEOPLE["zed"]

    def gone(message: dict) -> bool:
        return not any(m["id"] == message["id"] for m in h.dc.messages(message["channel_id"]))

    _, mine = await h.imagine(h.bob, "a kite", model="flux-2-klein")
    refused = await ephemeral_text(await h.click(zed, mine, "img:del:"))
    assert "Only the person who asked" in refused and not gone(mine)
    await h.click(h.bob, mine, "img:del:")
    await h.dc.wait_until(lambda: gone(mine), timeout=5, what="the deleted result")
    _, other = await h.imagine(h.bob, "a kite", model="flux-2-klein")
    await h.click(h.alice, other, "img:del:")  # the owner: an admin here
    await h.dc.wait_until(lambda: gone(other), timeout=5, what="the deleted result")
    h.dc.assert_no_errors()
