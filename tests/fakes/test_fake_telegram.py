"""Self-tests of the fake Telegram Bot API, driven by a real PTB Application over HTTP."""

from __future__ import annotations

import asyncio
import io
import json
import time

import aiohttp
import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import FakeTelegram, WaitTimeout

TOKEN = "123:ABC"


def make_png(width: int = 64, height: int = 48, color: str = "navy") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def imagine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    prompt = " ".join(context.args or []) or "nothing"
    await update.effective_message.reply_photo(
        photo=make_png(),
        filename="grid.png",
        caption=prompt,
        reply_markup=keyboard("u:1", "u:2", "v:1"),
    )


async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Working on it")
    await context.bot.send_message(query.message.chat.id, f"clicked {query.data}")


def build_app(tg: FakeTelegram, token: str = TOKEN) -> Application:
    app = (
        Application.builder()
        .token(token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .build()
    )
    app.add_handler(CommandHandler("imagine", imagine))
    app.add_handler(CallbackQueryHandler(on_click))
    return app


@pytest.fixture
async def tg():
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def app(tg: FakeTelegram):
    application = build_app(tg)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@pytest.fixture
def alice(tg: FakeTelegram) -> dict:
    return tg.make_user(1001, "Alice", username="alice")


async def api(tg: FakeTelegram, method: str, token: str = TOKEN, **kwargs) -> tuple[int, dict]:
    """Raw HTTP call to the fake (kwargs go to aiohttp: data=, json=, params=)."""
    async with aiohttp.ClientSession() as session:
        url = f"{tg.url}/bot{token}/{method}"
        async with session.post(url, **kwargs) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            return resp.status, await resp.json()


# ----------------------------------------------------------------------------- PTB end to end


async def test_imagine_command_sends_photo_with_keyboard(tg, app, alice):
    since = len(tg.calls)
    msg = tg.user_sends_text(tg.private_chat(alice), alice, "/imagine a blue cat")
    assert msg["entities"] == [{"type": "bot_command", "offset": 0, "length": 8}]

    call = await tg.wait_for("sendPhoto", since=since, timeout=5)
    assert call.ok and call["chat_id"] == alice["id"] and call["caption"] == "a blue cat"
    upload = call.files["photo"]
    assert upload.filename == "grid.png" and upload.content_type == "image/png"
    assert upload.data.startswith(b"\x89PNG")
    largest = call.result["photo"][-1]
    assert (largest["width"], largest["height"]) == (64, 48)
    assert tg.file_bytes(largest["file_id"]) == upload.data
    assert call.result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "u:1"
    [stored] = tg.messages(alice["id"])
    assert stored["message_id"] == call.result["message_id"] > msg["message_id"]


async def test_click_is_answered(tg, app, alice):
    chat = tg.private_chat(alice)
    tg.user_sends_text(chat, alice, "/imagine@imagine_test_bot fox")
    photo = await tg.wait_for("sendPhoto", timeout=5)

    query_id = tg.user_clicks(chat, alice, photo.result, "u:2")
    done = await tg.wait_for("sendMessage", lambda c: c["text"] == "clicked u:2", timeout=5)
    assert done.ok
    assert tg.callback_answers[query_id]["text"] == "Working on it"
    assert tg.unanswered_callback_queries() == []
    with pytest.raises(ValueError, match="no button"):
        tg.user_clicks(chat, alice, photo.result, "u:9")


async def test_429_is_retried_by_aio_rate_limiter(tg, app, alice):
    tg.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    msg = await app.bot.send_message(alice["id"], "after a flood wait")
    assert msg.text == "after a flood wait"
    assert time.monotonic() - started >= 1.0
    first, second = tg.calls_to("sendMessage")
    assert first.status == 429 and first.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert second.ok


async def test_callback_data_over_64_bytes_is_refused(tg, app, alice):
    # PTB shows "Button_data_invalid" (it strips "Bad Request: " and capitalizes).
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await app.bot.send_message(alice["id"], "too long", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):  # bytes, not chars
        await app.bot.send_message(alice["id"], "emoji", reply_markup=keyboard("\U0001f600" * 17))
    await app.bot.send_message(alice["id"], "ok", reply_markup=keyboard("x" * 64))
    refused = tg.calls_to("sendMessage")[0]
    assert refused.response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: BUTTON_DATA_INVALID",
    }


async def test_wrong_token_is_invalid_token(tg):
    application = build_app(tg, token="999:WRONG")
    with pytest.raises(InvalidToken):
        await application.initialize()
    status, body = await api(tg, "getMe", token="999:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_identical_edit_is_not_modified(tg, app, alice):
    msg = await app.bot.send_message(alice["id"], "step 1", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await msg.edit_text("step 1", reply_markup=keyboard("a"))
    # Editing the text without reply_markup drops the keyboard, as on Telegram.
    edited = await msg.edit_text("step 1")
    assert edited.reply_markup is None
    assert "reply_markup" not in tg.message(alice["id"], msg.message_id)
    assert "reply_markup" in tg.calls_to("sendMessage")[0].result  # recorded results are snapshots
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=alice["id"], message_id=999)


async def test_get_updates_long_poll_returns_promptly(tg):
    alice = tg.make_user(7, "Alice")

    async def later():
        await asyncio.sleep(0.2)
        tg.user_sends_text(tg.private_chat(alice), alice, "hello")

    task = asyncio.create_task(later())
    started = time.monotonic()
    status, body = await api(tg, "getUpdates", data={"offset": "0", "timeout": "5"})
    elapsed = time.monotonic() - started
    await task
    assert status == 200 and 0.15 < elapsed < 1.5
    [update] = body["result"]
    assert update["message"]["text"] == "hello"

    # Confirming with offset drops it; an empty poll waits for the whole timeout.
    started = time.monotonic()
    offset = str(update["update_id"] + 1)
    status, body = await api(tg, "getUpdates", data={"offset": offset, "timeout": "0.3"})
    assert body["result"] == [] and time.monotonic() - started >= 0.3
    assert tg.pending_updates() == []


# ----------------------------------------------------------------------------- fake behaviour


async def test_params_parsing_and_unknown_methods(tg):
    status, body = await api(tg, "sendMessage", data={"chat_id": "5", "text": "42"})
    assert status == 200 and body["result"]["text"] == "42"  # a String param stays a string
    status, body = await api(tg, "sendmessage", json={"chat_id": 5, "text": "json body"})
    assert body["result"]["message_id"] == 2 and tg.calls[-1].method == "sendMessage"
    status, body = await api(tg, "setChatTitle", data={"chat_id": "-100", "title": "t"})
    assert (status, body) == (200, {"ok": True, "result": True})
    assert tg.calls[-1].params == {"chat_id": -100, "title": "t"}
    status, body = await api(tg, "sendMessage", data={"chat_id": "5", "text": "   "})
    assert body["description"] == "Bad Request: message text is empty"
    status, body = await api(tg, "sendMessage", data={"chat_id": "5", "text": "x" * 4097})
    assert body["description"] == "Bad Request: message is too long"


async def test_parse_mode_is_validated(tg):
    ok = {"chat_id": "5", "parse_mode": "HTML", "text": "<b>bold</b> &lt;3"}
    status, body = await api(tg, "sendMessage", data=ok)
    assert body["result"]["text"] == "bold <3"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    status, body = await api(tg, "sendMessage", data={**ok, "text": "cat <3"})
    assert status == 400 and "can't parse entities" in body["description"]
    md = {"chat_id": "5", "parse_mode": "MarkdownV2", "text": "*done*\\. 1.5"}
    status, body = await api(tg, "sendMessage", data=md)
    assert status == 400 and "Character '.' is reserved" in body["description"]


async def test_callback_queries_strictness(tg, alice):
    chat = tg.private_chat(alice)
    _, sent = await api(
        tg,
        "sendPhoto",
        data={
            "chat_id": str(alice["id"]),
            "caption": "c" * 1025,
            "photo": io.BytesIO(make_png()),
        },
    )
    assert sent["description"] == "Bad Request: message caption is too long"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice["id"]))
    form.add_field("reply_markup", json.dumps(keyboard("go").to_dict()))
    form.add_field("photo", make_png(), filename="p.png", content_type="image/png")
    _, sent = await api(tg, "sendPhoto", data=form)
    msg = sent["result"]

    qid = tg.user_clicks(chat, alice, msg, "go")
    _, body = await api(tg, "answerCallbackQuery", data={"callback_query_id": qid})
    assert body["ok"] is False  # not delivered to the bot yet: unknown to it
    _, body = await api(tg, "getUpdates", data={"timeout": "0"})
    assert body["result"][0]["callback_query"]["message"]["reply_markup"] == msg["reply_markup"]
    assert tg.unanswered_callback_queries() == [qid]
    _, body = await api(
        tg, "answerCallbackQuery", data={"callback_query_id": qid, "text": "y" * 201}
    )
    assert body["description"] == "Bad Request: MESSAGE_TOO_LONG"
    assert (await api(tg, "answerCallbackQuery", data={"callback_query_id": qid}))[0] == 200
    status, body = await api(tg, "answerCallbackQuery", data={"callback_query_id": qid})
    assert status == 400 and "query is too old" in body["description"]
    assert tg.unanswered_callback_queries() == []

    # Redelivery of the same query id, and forged data.
    assert tg.user_clicks_raw(chat, alice, msg["message_id"], "go", query_id=qid) == qid
    tg.user_clicks_raw(chat, alice, msg["message_id"], "forged")
    _, body = await api(tg, "getUpdates", data={"offset": "2", "timeout": "0"})
    assert [u["callback_query"]["data"] for u in body["result"]] == ["go", "forged"]


async def test_privacy_mode_admins_and_files(tg, alice):
    group = tg.group_chat(-1001234, "Artists")
    tg.user_sends_text(group, alice, "hello everyone")  # not for the bot
    tg.user_sends_text(group, alice, "/imagine@other_bot x")  # for another bot
    cmd = tg.user_sends_text(group, alice, "/imagine cat")
    assert [u["message"]["message_id"] for u in tg.pending_updates()] == [cmd["message_id"]]

    tg.set_admins(group["id"], [alice["id"], 55])
    _, body = await api(tg, "getChatAdministrators", data={"chat_id": str(group["id"])})
    assert [m["status"] for m in body["result"]] == ["creator", "administrator"]
    member = {"chat_id": str(group["id"]), "user_id": "77"}
    assert (await api(tg, "getChatMember", data=member))[1]["result"]["status"] == "member"

    form = aiohttp.FormData()
    form.add_field("chat_id", str(group["id"]))
    form.add_field("document", b"%PDF-1.4 fake", filename="a.pdf", content_type="application/pdf")
    _, sent = await api(tg, "sendDocument", data=form)
    doc = sent["result"]["document"]
    assert doc["file_name"] == "a.pdf" and doc["mime_type"] == "application/pdf"
    _, got = await api(tg, "getFile", data={"file_id": doc["file_id"]})
    async with aiohttp.ClientSession() as session:
        url = f"{tg.base_file_url}{TOKEN}/{got['result']['file_path']}"
        async with session.get(url) as resp:
            assert await resp.read() == b"%PDF-1.4 fake"


async def test_flood_limit_and_wait_for(tg, alice):
    tg.flood_limit_per_chat = True
    statuses = []
    for i in range(4):
        status, _ = await api(tg, "sendMessage", data={"chat_id": "9", "text": f"m{i}"})
        statuses.append(status)
    assert statuses == [200, 200, 200, 429]
    assert tg.calls[-1].response["parameters"]["retry_after"] >= 1

    assert (await tg.wait_for("sendMessage", count=2)).get("text") == "m1"
    with pytest.raises(WaitTimeout, match="sendPhoto"):
        await tg.wait_for("sendPhoto", timeout=0.1)
    tg.fail_next("getMe", status=500)
    status, body = await api(tg, "getMe")
    assert status == 500 and body["description"] == "Internal Server Error"
    assert (await api(tg, "getMe"))[1]["result"]["username"] == "imagine_test_bot"


async def test_concurrent_get_updates_conflict(tg):
    first = asyncio.create_task(api(tg, "getUpdates", data={"timeout": "3"}))
    await asyncio.sleep(0.1)
    status, body = await api(tg, "getUpdates", data={"timeout": "0"})
    assert status == 200
    status, body = await first
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")


async def test_retry_after_without_rate_limiter(tg, alice):
    bot_app = Application.builder().token(TOKEN).base_url(tg.base_url).build()
    async with bot_app:
        tg.fail_next("sendMessage", retry_after=3)
        with pytest.raises(RetryAfter):
            await bot_app.bot.send_message(alice["id"], "no retry")
