"""/imagine, plain text, commands and buttons through the real bot process and the fake API."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.e2e.telegram.conftest import (
    BOT_USERNAME,
    TOKEN,
    Harness,
    button,
    buttons,
    caption_balance,
    caption_cost,
    price_in,
    reply_target,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-imagine"), WELCOME_CREDITS="50") as harness:
        yield harness


def person(h: Harness, uid: int, name: str) -> tuple[dict, dict]:
    user = h.tg.make_user(uid, name, username=name.lower())
    return user, h.tg.private_chat(user)


async def test_commands_are_registered_with_telegram(h: Harness):
    names = [c["command"] for c in h.tg.my_commands()]
    assert sorted(names) == [
        "balance", "buy", "credits", "daily", "edit", "give", "giveaway", "help", "history",
        "imagine", "language", "leaderboard", "link", "models", "paysupport", "safety", "start",
        "vary",
    ]


async def test_imagine_in_private_chat_posts_photo_with_facts_and_keyboard(h: Harness):
    alice, chat = person(h, 1001, "Alice")
    message, photo = await h.imagine(chat, alice, "/imagine a fox in the snow --model flux-pro")
    caption = photo["caption"]
    assert "Flux Pro" in caption and "you picked Flux Pro" in caption
    assert caption_cost(photo) == 5 and caption_balance(photo) == 45 == h.balance(alice)
    assert caption.startswith("“a fox in the snow”")
    assert photo.files["photo"].data.startswith(b"\x89PNG")
    rows = photo.result["reply_markup"]["inline_keyboard"]
    assert all(len(row) <= 2 for row in rows)
    data = [b["callback_data"] for b in buttons(photo)]
    assert len(data) == 13 and all(len(d.encode()) <= 64 for d in data)
    assert button(photo, "🗑 Delete")
    assert button(photo, "Again on Flux Pro (5 credits)")
    assert button(photo, "Nano Banana Pro (15 credits)") and button(photo, "Compare on 3")
    # an instant image needs no status message: only the photo is in the chat
    assert [m["message_id"] for m in h.tg.messages(chat["id"])] == [photo.result["message_id"]]
    assert not [c for c in h.tg.calls_to("sendMessage") if c["chat_id"] == chat["id"]]
    assert any(c["action"] == "upload_photo" for c in h.tg.calls_to("sendChatAction"))


async def test_plain_text_in_private_chat_is_a_prompt(h: Harness):
    bob, chat = person(h, 1002, "Bob")
    _, photo = await h.imagine(chat, bob, "a neon sign that says OPEN")
    assert "Nano Banana 2" in photo["caption"]  # text in the image -> the text model
    assert caption_balance(photo) == 50 - 8 == h.balance(bob)


async def test_imagine_in_a_group_with_the_bot_name(h: Harness):
    carol = h.tg.make_user(1003, "Carol")
    group = h.tg.group_chat(-100_555, "Artists")
    _, photo = await h.imagine(group, carol, f"/imagine@{BOT_USERNAME} a lighthouse --seed 7")
    assert "For Carol" in photo["caption"] and "seed 7" in photo["caption"]
    assert caption_balance(photo) == h.balance(carol)
    assert all(len(d["callback_data"].encode()) <= 64 for d in buttons(photo))


async def test_group_chatter_and_other_bots_commands_are_ignored(h: Harness):
    dave = h.tg.make_user(1004, "Dave")
    group = h.tg.group_chat(-100_556, "Chatty")
    since = h.mark()
    h.tg.user_sends_text(group, dave, "just chatting about foxes", deliver=True)
    h.tg.user_sends_text(group, dave, "/imagine@other_bot a fox", deliver=True)
    await asyncio.sleep(0.3)
    await h.settle(group, dave)
    sent = [c for c in h.tg.calls[since:] if c.method in ("sendMessage", "sendPhoto")]
    assert len(sent) == 1 and "You have 50 credits" in sent[0]["text"]  # only /balance


async def test_imagine_without_a_prompt_explains_the_usage(h: Harness):
    erin, chat = person(h, 1005, "Erin")
    since = h.mark()
    message = h.tg.user_sends_text(chat, erin, "/imagine")
    reply = await h.text_for(message, since, "Tell me what to draw")
    assert "/imagine a fox in the snow" in reply["text"]
    message = h.tg.user_sends_text(chat, erin, "/imagine a cat --model nope")
    await h.text_for(message, since, "I don't know the model")
    assert h.account(erin) is None  # nothing happened to any wallet


async def test_help_models_and_balance(h: Harness):
    frank, chat = person(h, 1006, "Frank")
    since = h.mark()
    message = h.tg.user_sends_text(chat, frank, "/start")
    help_reply = await h.text_for(message, since, "Nano Banana Pro")
    assert "15 credits" in help_reply["text"] and "You have 50 credits" in help_reply["text"]
    message = h.tg.user_sends_text(chat, frank, "/models")
    await h.text_for(message, since, "Flux 2 Klein")
    message = h.tg.user_sends_text(chat, frank, "/frobnicate")
    await h.text_for(message, since, "Try /help")


async def test_buttons_again_other_model_and_compare_charge_the_listed_prices(h: Harness):
    gina, chat = person(h, 1007, "Gina")
    _, photo = await h.imagine(chat, gina, "/imagine a castle --model flux-2-klein")
    assert h.balance(gina) == 49
    again = button(photo, "Again on Flux 2 Klein")
    _, [second] = await h.click(chat, gina, photo, again["callback_data"])
    assert "Flux 2 Klein" in second["caption"] and caption_balance(second) == 48
    other = button(photo, "BitDance")
    query_id, [third] = await h.click(chat, gina, photo, other["callback_data"])
    assert h.tg.callback_answers[query_id]["text"] == "On it: BitDance (4 credits)…"
    assert "BitDance" in third["caption"] and caption_balance(third) == 48 - price_in(other["text"])
    before = h.balance(gina)
    compare = button(photo, "Compare on 3")
    _, results = await h.click(chat, gina, photo, compare["callback_data"], count=3)
    assert sum(caption_cost(r) for r in results) == price_in(compare["text"])
    assert h.balance(gina) == before - price_in(compare["text"])
    assert min(caption_balance(r) for r in results) == h.balance(gina)
    for result in results:  # each result has its own keyboard
        assert button(result, "Compare on 3")


async def test_after_a_compare_every_result_shows_the_final_balance(h: Harness):
    """As on Discord: the balance after all three were charged, not the one after each."""
    kim, chat = person(h, 1017, "Kim")
    _, photo = await h.imagine(chat, kim, "/imagine a lighthouse --model flux-2-klein")
    _, results = await h.click(chat, kim, photo, button(photo, "Compare on 3")["callback_data"],
                               count=3)
    assert [caption_balance(r) for r in results] == [h.balance(kim)] * 3


async def test_someone_else_clicking_pays_themselves(h: Harness):
    owner, helper = h.tg.make_user(1008, "Hana"), h.tg.make_user(1009, "Ivan")
    group = h.tg.group_chat(-100_557, "Shared")
    _, photo = await h.imagine(group, owner, "/imagine a bridge --model flux-2-klein")
    _, [result] = await h.click(group, helper, photo, button(photo, "Again")["callback_data"])
    assert "For Ivan" in result["caption"]
    assert h.balance(owner) == 49 and h.balance(helper) == 49


async def test_a_callback_delivered_twice_is_charged_once(h: Harness):
    jack, chat = person(h, 1010, "Jack")
    _, photo = await h.imagine(chat, jack, "/imagine a robot --model flux-2-klein")
    query_id, _ = await h.click(chat, jack, photo, button(photo, "Again")["callback_data"])
    balance, photos = h.balance(jack), len(h.tg.calls_to("sendPhoto"))
    since = h.mark()
    h.tg.user_clicks_raw(chat, jack, photo.result, button(photo, "Again")["callback_data"],
                         query_id=query_id)  # the same query again (a redelivered update)
    await h.tg.wait_for("answerCallbackQuery",
                        lambda c: c.get("callback_query_id") == query_id, since=since)
    await asyncio.sleep(0.3)
    await h.settle(chat, jack)
    assert h.balance(jack) == balance and len(h.tg.calls_to("sendPhoto")) == photos


async def test_a_redelivered_message_is_charged_once(h: Harness):
    kate, chat = person(h, 1011, "Kate")
    since = h.mark()
    message = h.tg.user_sends_text(chat, kate, "/imagine a tree --model flux-2-klein")
    await h.photo_for(message, since)
    h.tg.redeliver({"update_id": 0, "message": message})  # same message, a new update_id
    await asyncio.sleep(0.3)
    await h.settle(chat, kate)
    assert h.balance(kate) == 49
    assert len([c for c in h.tg.calls_to("sendPhoto") if c["chat_id"] == chat["id"]]) == 1


async def test_forged_or_stale_buttons_expire_and_charge_nothing(h: Harness):
    liam, chat = person(h, 1012, "Liam")
    _, photo = await h.imagine(chat, liam, "/imagine a kite --model flux-2-klein")
    jobs, balance = h.jobs(), h.balance(liam)
    job_id = button(photo, "Compare")["callback_data"].split(":")[1]
    forged = ["r:00000000ff:a", "c:0000000000", f"r:{job_id}:no-such-model", f"c:{job_id}:x",
              "zzz", "r:x", "c:", f"R:{job_id}:a", "r:" + "a" * 60 + ":a"]
    for data in forged:
        query_id = h.tg.user_clicks_raw(chat, liam, photo.result, data)
        answer = await h.answered(query_id)
        assert "expired" in answer["text"], data
    assert h.jobs() == jobs and h.balance(liam) == balance


async def test_a_429_from_telegram_is_retried(h: Harness):
    mia, chat = person(h, 1013, "Mia")
    h.tg.fail_next("sendPhoto", 429, retry_after=1)
    _, photo = await h.imagine(chat, mia, "/imagine a boat --model flux-2-klein")
    statuses = [c.status for c in h.tg.calls_to("sendPhoto") if c["chat_id"] == chat["id"]]
    assert statuses == [429, 200]
    assert caption_balance(photo) == 49 == h.balance(mia)


async def test_a_server_error_on_upload_is_retried_and_a_refused_photo_becomes_a_document(
    h: Harness,
):
    noah, chat = person(h, 1014, "Noah")
    h.tg.fail_next("sendPhoto", 502)
    _, photo = await h.imagine(chat, noah, "/imagine a moon --model flux-2-klein")
    assert caption_balance(photo) == 49
    h.tg.fail_next("sendPhoto", 400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    since = h.mark()
    message = h.tg.user_sends_text(chat, noah, "/imagine a sun --model flux-2-klein")
    doc = await h.tg.wait_for("sendDocument", since=since, ok=True)
    assert reply_target(doc) == message["message_id"] and "balance 48" in doc["caption"]


async def test_an_image_telegram_refuses_entirely_is_explained(h: Harness):
    pia, chat = person(h, 1016, "Pia")
    h.tg.fail_next("sendPhoto", 400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    h.tg.fail_next("sendDocument", 400, description="Bad Request: wrong file")
    h.tracebacks += 1  # logged as an error, with its traceback
    since = h.mark()
    message = h.tg.user_sends_text(chat, pia, "/imagine a star --model flux-2-klein")
    reply = await h.text_for(message, since, "could not post it here")
    assert "Flux 2 Klein" in reply["text"] and "refunded" in reply["text"]
    assert h.balance(pia) == 50  # made but never delivered: the credit came back


async def test_a_blocked_chat_does_not_break_the_bot(h: Harness):
    olga, chat = person(h, 1015, "Olga")
    h.tg.block_bot(chat["id"])
    h.tg.user_sends_text(chat, olga, "/balance")
    await asyncio.sleep(0.3)
    h.tg.block_bot(chat["id"], False)
    await h.settle(chat, olga)


async def test_the_token_never_reaches_the_log(h: Harness):
    log = h.bot.log()
    assert "Telegram bot @imagine_test_bot is running" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
