"""The status message: queued with position, generating, paced edits, removed at the end."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.telegram.conftest import Harness, button, caption_cost, running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")
WRITES = ("sendMessage", "editMessageText", "sendPhoto")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(
        tmp_path_factory.mktemp("tg-status"), QUEUE_CONCURRENCY="1", DEMO_DELAY_SECONDS="0.8",
    ) as harness:
        harness.tg.flood_limit_per_chat = True  # 429 for more than ~1 write/s per chat
        yield harness


def writes_in(h: Harness, chat_id: int, since: int) -> list:
    return [c for c in h.tg.calls[since:] if c.method in WRITES and c["chat_id"] == chat_id]


async def test_a_queued_request_shows_its_position_then_generating(h: Harness):
    first, second = h.tg.make_user(3001, "Fay"), h.tg.make_user(3002, "Gus")
    chats = h.tg.private_chat(first), h.tg.private_chat(second)
    since = h.mark()
    h.tg.user_sends_text(chats[0], first, "/imagine a dune --model flux-2-klein")
    waiting = h.tg.user_sends_text(chats[1], second, "/imagine a cliff --model flux-2-klein")
    await h.photo_for(waiting, since, timeout=15)
    await h.tg.wait_for("deleteMessage", lambda c: c["chat_id"] == second["id"], since=since)

    status = [c for c in writes_in(h, second["id"], since) if c.method != "sendPhoto"]
    texts = [c["text"] for c in status]
    assert texts[0].startswith("Queued: position 1"), texts
    assert any(t.startswith("Generating with Flux 2 Klein") for t in texts[1:]), texts
    assert status[0].method == "sendMessage" and all(
        c.method == "editMessageText" and c["message_id"] == status[0].result["message_id"]
        for c in status[1:]
    )  # one status message, edited in place
    assert [m.get("photo") is not None for m in h.tg.messages(second["id"])] == [True]
    for chat in chats:
        calls = writes_in(h, chat["id"], since)
        assert all(c.ok for c in calls), [(c.method, c.error) for c in calls]


async def test_compare_shares_one_status_message_with_paced_edits(h: Harness):
    hal = h.tg.make_user(3003, "Hal")
    chat = h.tg.private_chat(hal)
    _, photo = await h.imagine(chat, hal, "/imagine a glacier --model flux-2-klein")
    compare = button(photo, "Compare on 3")
    since = h.mark()
    _, results = await h.click(chat, hal, photo, compare["callback_data"], count=3)
    assert len({caption_cost(r) for r in results}) >= 1
    edits = [c for c in writes_in(h, chat["id"], since) if c.method != "sendPhoto"]
    sent = [c for c in edits if c.method == "sendMessage"]
    assert len(sent) == 1 and "Queued" in sent[0]["text"] and "\n" in sent[0]["text"]
    assert len(edits) >= 2  # positions / generating lines were updated in place
    gaps = [b.at - a.at for a, b in zip(edits, edits[1:], strict=False)]
    assert all(gap >= 0.85 for gap in gaps), gaps  # about one edit per second at most
    assert [c.status for c in edits if not c.ok] == []
