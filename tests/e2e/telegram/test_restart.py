"""Restarts: old buttons keep working, interrupted jobs are refunded, failures are refunded."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.telegram.conftest import Harness, button, caption_balance, running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-restart"), WELCOME_CREDITS="50") as harness:
        yield harness


async def test_a_button_still_works_after_the_bot_restarts(h: Harness):
    ada = h.tg.make_user(4001, "Ada")
    chat = h.tg.private_chat(ada)
    _, photo = await h.imagine(chat, ada, "/imagine a harbour --model flux-2-klein")
    await h.restart()
    other = button(photo, "BitDance (4 credits)")
    _, [result] = await h.click(chat, ada, photo, other["callback_data"])
    assert "BitDance" in result["caption"] and caption_balance(result) == 45 == h.balance(ada)
    _, [again] = await h.click(chat, ada, photo, button(photo, "Again")["callback_data"])
    assert caption_balance(again) == 44 == h.balance(ada)


async def test_a_job_killed_mid_way_is_refunded_at_the_next_start(h: Harness):
    bo = h.tg.make_user(4002, "Bo")
    chat = h.tg.private_chat(bo)
    await h.restart(DEMO_DELAY_SECONDS="5")
    since = h.mark()
    h.tg.user_sends_text(chat, bo, "/imagine a storm --model flux-pro")
    await h.tg.wait_for("sendChatAction", lambda c: c["chat_id"] == bo["id"], since=since)
    assert h.account(bo) == (45, 45)  # reserved
    await h.bot.kill()
    since = h.mark()
    h.bot.env["DEMO_DELAY_SECONDS"] = "0.05"
    await h.bot.start()
    await h.tg.wait_for("deleteWebhook", since=since, timeout=30)
    await h.settle(chat, bo)
    assert h.balance(bo) == 50  # the hold was released, with a ledger row
    assert not [c for c in h.tg.calls[since:] if c.method == "sendPhoto"]


async def test_sigterm_lets_a_request_in_flight_finish(h: Harness):
    di = h.tg.make_user(4004, "Di")
    chat = h.tg.private_chat(di)
    await h.restart(DEMO_DELAY_SECONDS="1.5")
    since = h.mark()
    message = h.tg.user_sends_text(chat, di, "/imagine a sunset --model flux-pro")
    await h.tg.wait_for("sendChatAction", lambda c: c["chat_id"] == di["id"], since=since)
    assert await h.bot.stop() == 0  # SIGTERM: clean exit, after the photo went out
    photo = await h.photo_for(message, since, timeout=1)
    assert caption_balance(photo) == 45 == h.balance(di)


async def test_sigterm_refunds_a_request_that_outlives_the_grace_once_and_says_so(h: Harness):
    ed = h.tg.make_user(4005, "Ed")
    chat = h.tg.private_chat(ed)
    await h.restart(DEMO_DELAY_SECONDS="30", SHUTDOWN_GRACE_SECONDS="0.5")
    since = h.mark()
    h.tg.user_sends_text(chat, ed, "/imagine a long night --model flux-pro")
    await h.tg.wait_for("sendChatAction", lambda c: c["chat_id"] == ed["id"], since=since)
    assert await h.bot.stop() == 0  # SIGTERM: a clean exit, after the person was told
    assert "Traceback" not in h.bot.log()
    [status] = h.tg.messages(ed["id"])  # one message: the status, now the final line
    assert "restarting" in status["text"] and "refunded" in status["text"]
    assert not [c for c in h.tg.calls[since:] if c.method == "sendPhoto"]
    assert h.balance(ed) == 50
    assert [d for d, r, _ in h.ledger(ed, "refund")] == [5]  # refunded exactly once
    await h.restart(DEMO_DELAY_SECONDS="0.05", SHUTDOWN_GRACE_SECONDS="8")
    await h.settle(chat, ed)
    assert h.balance(ed) == 50 and len(h.ledger(ed, "refund")) == 1


async def test_a_failed_generation_says_so_in_the_status_and_refunds(h: Harness):
    cy = h.tg.make_user(4003, "Cy")
    chat = h.tg.private_chat(cy)
    await h.restart(DEMO_FAIL="unavailable", DEMO_DELAY_SECONDS="0.8")
    since = h.mark()
    h.tg.user_sends_text(chat, cy, "/imagine a comet --model flux-pro")
    final = await h.tg.wait_for(
        "editMessageText", lambda c: "unavailable" in c["text"], since=since, ok=True
    )
    assert final["chat_id"] == cy["id"] and "refunded" in final["text"]
    assert h.balance(cy) == 50
    [status] = h.tg.messages(cy["id"])  # one message: the status, now the final line
    assert status["message_id"] == final["message_id"]
