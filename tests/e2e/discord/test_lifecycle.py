"""Time and process life: paced status edits, a job resumed after a crash, SIGTERM during a
job (posted within the shutdown grace, refunded after it), tokens older than 15 minutes,
guild-scoped command sync.

One bot process for the module; jobs take 1.2 s and run one at a time, so statuses
(queued with a position, generating) can be seen.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.discord.conftest import (
    EPHEMERAL,
    Harness,
    component,
    custom_ids,
    embed_balance,
    ephemeral_text,
    has_image,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-life"), DEMO_DELAY_SECONDS="1.2",
                           QUEUE_CONCURRENCY="1", WELCOME_CREDITS="100") as harness:
        yield harness


def edits_of(h: Harness, inter) -> list:
    return [r.request for r in inter.responses if r.kind == "edit" and r.ok]


async def test_status_updates_in_place_queued_then_generating_then_image(h: Harness):
    first = await h.slash(h.alice, "imagine", {"prompt": "a slow sunrise"})
    second = await h.slash(h.bob, "imagine", {"prompt": "a slow sunset"})
    done = await second.wait_message(has_image, timeout=10)
    await first.wait_message(has_image, timeout=10)
    texts = [m["content"] for m in h.dc.message_history(done["id"])]
    assert "Queued: position 1. Flux Pro will start soon." in texts
    assert "Generating with Flux Pro…" in texts
    assert texts.index("Queued: position 1. Flux Pro will start soon.") < texts.index(
        "Generating with Flux Pro…")
    assert len(second.messages) == 1  # all of it in one message
    for inter in (first, second):
        times = [r.at for r in edits_of(h, inter)]
        assert len(times) >= 2
        assert all(b - a >= 0.9 for a, b in zip(times, times[1:], strict=False)), times
    h.dc.assert_no_errors()


async def test_a_job_resumed_after_a_crash_is_posted_to_its_interaction(h: Harness):
    before = h.balance(h.alice)
    inter = await h.slash(h.alice, "imagine", {"prompt": "an interrupted comet"})
    await h.dc.wait_until(lambda: h.jobs(event_key=f"discord:{inter.id}"), timeout=5)
    await h.bot.kill()  # a crash in the middle of the job
    # As a real provider would have: the job handle was recorded before waiting.
    h.write("UPDATE jobs SET provider_handle = ? WHERE event_key = ?",
            '{"provider": "demo", "route_model": "flux-pro"}', f"discord:{inter.id}")
    await h.restart()
    msg = await inter.wait_message(has_image, timeout=10)
    assert msg["id"] == inter.original_message_id  # the same status message, finished
    assert embed_balance(msg) == before - 5 == h.balance(h.alice)
    assert h.jobs(event_key=f"discord:{inter.id}")[0]["status"] == "succeeded"
    h.dc.assert_no_errors()


async def test_sigterm_lets_a_job_finish_within_the_grace_and_posts_it(h: Harness):
    before, refunds = h.balance(h.alice), h.ledger(h.alice, "refund")
    inter = await h.slash(h.alice, "imagine", {"prompt": "a deploy that lands"})
    await h.dc.wait_until(lambda: h.jobs(event_key=f"discord:{inter.id}"), timeout=5)
    assert await h.bot.stop() == 0  # SIGTERM; the 1.2 s job is well within the 8 s grace
    msg = await inter.wait_message(has_image, timeout=1)  # posted before the process ended
    assert embed_balance(msg) == before - 5 == h.balance(h.alice)
    assert h.jobs(event_key=f"discord:{inter.id}")[0]["status"] == "succeeded"
    assert h.ledger(h.alice, "refund") == refunds and h.open_holds() == 0
    await h.restart()
    h.dc.assert_no_errors()


async def test_sigterm_refunds_a_job_that_outlives_the_grace_once_and_tells_the_person(
    h: Harness,
):
    await h.restart(DEMO_DELAY_SECONDS="30", SHUTDOWN_GRACE_SECONDS="0.5")
    before, refunds = h.balance(h.bob), h.ledger(h.bob, "refund")
    inter = await h.slash(h.bob, "imagine", {"prompt": "a deploy in progress"})
    await h.dc.wait_until(lambda: h.jobs(event_key=f"discord:{inter.id}"), timeout=5)
    assert await h.bot.stop() == 0  # SIGTERM, as a container runtime sends it
    assert "Traceback" not in h.bot.log()
    text = await ephemeral_text(inter)
    assert text.startswith("I'm restarting") and "refunded" in text
    assert [m for m in inter.messages if not m["flags"] & EPHEMERAL] == []
    assert h.jobs(event_key=f"discord:{inter.id}")[0]["status"] == "cancelled"
    assert h.balance(h.bob) == before and h.open_holds() == 0
    assert len(h.ledger(h.bob, "refund")) == len(refunds) + 1  # refunded exactly once
    await h.restart(DEMO_DELAY_SECONDS="1.2", SHUTDOWN_GRACE_SECONDS="8")
    assert h.balance(h.bob) == before and len(h.ledger(h.bob, "refund")) == len(refunds) + 1
    h.dc.assert_no_errors()


async def test_a_job_that_outlives_the_token_is_posted_to_the_channel(h: Harness):
    inter = await h.slash(h.alice, "imagine", {"prompt": "a very long render"})
    since = h.dc.mark()
    h.dc.advance_time(15 * 60 + 5)  # the interaction token expires while the job runs
    post = await h.dc.wait_for(("POST", rf"^/channels/{inter.channel_id}/messages$", 200),
                               since=since, timeout=10)
    msg = post.response
    assert msg["content"] == f"<@{h.alice['id']}>"
    assert has_image(msg) and msg["embeds"][0]["title"].startswith("Flux Pro")
    assert {e.error_code for e in h.dc.errors} == {50027}  # only the expired-token refusals
    h.dc.errors.clear()
    # The channel message's buttons are as good as any.
    # again, compare, delete, the menu; vary, vary strong, edit
    assert len(custom_ids(msg)) == 7 and component(msg, "img:again:")
    again = await h.click(h.bob, msg, "img:again:")
    await again.wait_message(has_image, timeout=10)
    h.dc.assert_no_errors()



async def test_commands_can_be_synced_to_guilds_for_instant_updates(h: Harness):
    await h.restart(DISCORD_GUILD_IDS=str(h.guild_id))
    assert sorted(c["name"] for c in h.dc.commands(h.guild_id)) == [
        "Edit image", "balance", "buy", "credits", "daily", "edit", "give", "giveaway", "help",
        "history", "imagine", "language", "leaderboard", "link", "models", "paysupport",
        "safety"]
    _, msg = await h.imagine(h.bob, "a guild-only command")
    assert has_image(msg)
    h.dc.assert_no_errors()
