"""Self-tests of the fake Telegram Bot API, driven by a real PTB Application over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import time

import aiohttp
import pytest
from aiohttp import web
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
from tests.fakes.telegram_webhook import SECRET_HEADER

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


# ----------------------------------------------------------------------------- webhook mode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def receiver(answers: list[int]):
    """A webhook endpoint on 127.0.0.1 answering the given statuses in turn (then 200);
    yields (url, received) where received lists (headers, update) per request."""
    received: list[tuple[dict, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


@pytest.fixture
async def local_tg():
    async with FakeTelegram(token=TOKEN, allow_local_webhooks=True) as fake:
        fake.webhook_retry_delay = 0.05
        yield fake


@pytest.fixture
async def hooked_app(local_tg: FakeTelegram):
    """A PTB Application receiving updates by webhook from the fake (secret "s3cr-et_1")."""
    port = free_port()
    application = build_app(local_tg)
    await application.initialize()
    await application.start()
    await application.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="/tg/hook", secret_token="s3cr-et_1",
        webhook_url=f"http://127.0.0.1:{port}/tg/hook", allowed_updates=["message", "callback_query"],
        max_connections=7,
    )
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_set_webhook_parameters_are_checked_like_telegram(tg):
    async def set_webhook(**fields) -> tuple[int, str]:
        status, body = await api(tg, "setWebhook", data={k: str(v) for k, v in fields.items()})
        return status, body.get("description", "")

    assert await set_webhook(url="http://bot.example.com/hook") == (
        400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    status, why = await set_webhook(url="https://bot.example.com:8080/hook")
    assert status == 400 and "ports 80, 88, 443 or 8443" in why
    for bad_count in ("0", "101", "many"):
        status, why = await set_webhook(url="https://bot.example.com/h", max_connections=bad_count)
        assert status == 400 and "max_connections" in why, bad_count
    for bad_secret in ("with space", "x" * 257, "semi;colon", ""):
        status, why = await set_webhook(url="https://bot.example.com/h", secret_token=bad_secret)
        assert status == 400 and "secret" in why, bad_secret
    status, why = await set_webhook(url="https://bot.example.com/h", ip_address="not-an-ip")
    assert status == 400 and "IP address" in why
    status, why = await set_webhook(url="https://bot.example.com/h", allowed_updates='"message"')
    assert why == 'Bad Request: field "allowed_updates" must be of type Array of String'
    assert tg.webhook is None and tg.webhook_url == ""  # nothing was set by a refused call

    ok = await set_webhook(url="https://bot.example.com:8443/h", secret_token="A-z_09" * 40,
                           max_connections=3, allowed_updates='["callback_query"]')
    assert ok == (200, "")
    _, info = await api(tg, "getWebhookInfo")
    assert info["result"] == {
        "url": "https://bot.example.com:8443/h", "has_custom_certificate": False,
        "pending_update_count": 0, "max_connections": 3, "allowed_updates": ["callback_query"],
    }
    assert tg.webhook.secret_token == "A-z_09" * 40
    status, body = await api(tg, "getUpdates", data={"timeout": "0"})
    assert status == 409 and "webhook is active" in body["description"]

    # The fake never leaves the machine: a public URL gets no request, only an error.
    alice = tg.make_user(5, "Alice")
    tg.user_clicks_raw(tg.private_chat(alice), alice, tg.user_sends_text(alice["id"], alice, "hi"),
                       "x")
    failed = await tg.wait_delivered(lambda d: d.error is not None)
    assert failed.status is None and "loopback" in failed.error
    assert (await set_webhook(url="")) == (200, "")  # an empty url removes the webhook
    _, info = await api(tg, "getWebhookInfo")
    assert info["result"]["url"] == ""


async def test_setting_a_webhook_ends_a_long_poll(local_tg):
    poll = asyncio.create_task(api(local_tg, "getUpdates", data={"timeout": "5"}))
    while local_tg._poller is None:  # until the long poll has reached the fake
        await asyncio.sleep(0.01)
    async with receiver([]) as (url, _):
        assert (await api(local_tg, "setWebhook", data={"url": url}))[0] == 200
        status, body = await poll
        assert (status, body["description"]) == (409, "Conflict: terminated by setWebhook request")


async def test_webhook_mode_with_ptb_delivers_updates_with_the_secret(local_tg, hooked_app, alice):
    [registered] = local_tg.calls_to("setWebhook")
    assert registered["secret_token"] == "s3cr-et_1" and registered["max_connections"] == 7
    assert local_tg.webhook.url.endswith("/tg/hook")
    chat = local_tg.private_chat(alice)
    since = len(local_tg.calls)
    message = local_tg.user_sends_text(chat, alice, "/imagine a fox")
    photo = await local_tg.wait_for("sendPhoto", since=since, ok=True, timeout=5)
    assert photo["caption"] == "a fox"
    update = local_tg.update_with(message=message)
    [delivery] = local_tg.deliveries_of(update["update_id"])
    assert (delivery.status, delivery.secret, delivery.attempt) == (200, "s3cr-et_1", 1)

    query_id = local_tg.user_clicks(chat, alice, photo.result, "u:1")
    await local_tg.wait_for("sendMessage", lambda c: c["text"] == "clicked u:1", timeout=5)
    assert local_tg.callback_answers[query_id]["text"] == "Working on it"
    assert local_tg.unanswered_callback_queries() == []
    _, info = await api(local_tg, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 0
    assert info["result"]["allowed_updates"] == ["message", "callback_query"]
    assert (await api(local_tg, "getUpdates", data={"timeout": "0"}))[0] == 409


async def test_a_wrong_or_missing_secret_gets_403_and_the_same_update_can_come_again(
    local_tg, hooked_app, alice
):
    chat = local_tg.private_chat(alice)
    since = len(local_tg.calls)
    message = local_tg.user_sends_text(chat, alice, "/imagine twice")
    await local_tg.wait_for("sendPhoto", since=since, ok=True, timeout=5)
    update = local_tg.update_with(message=message)
    assert await local_tg.post_update(update, secret="wrong") == 403
    assert await local_tg.post_update(update, secret=None) == 403
    forged = local_tg.deliveries[-2:]
    assert [(d.secret, d.status, d.manual) for d in forged] == [
        ("wrong", 403, True), (None, 403, True)]
    assert len(local_tg.calls_to("sendPhoto")) == 1  # PTB dropped both before the handler

    # The same update_id again: PTB itself does not deduplicate, so it answers twice.
    local_tg.deliver_again(update)
    await local_tg.wait_for("sendPhoto", since=since, count=2, ok=True, timeout=5)
    assert [d.update_id for d in local_tg.deliveries if d.ok] == [update["update_id"]] * 2
    assert await local_tg.post_update(update) == 200  # the registered secret by default
    await local_tg.wait_for("sendPhoto", since=since, count=3, ok=True, timeout=5)


async def test_a_non_2xx_answer_is_retried_then_the_update_is_dropped(local_tg, alice):
    chat = local_tg.private_chat(alice)
    async with receiver([500, 502]) as (url, received):
        assert (await api(local_tg, "setWebhook", data={"url": url, "secret_token": "k"}))[0] == 200
        first = local_tg.user_sends_text(chat, alice, "/imagine retried")
        done = await local_tg.wait_delivered(lambda d: d.ok)
        assert [d.status for d in local_tg.deliveries] == [500, 502, 200] and done.attempt == 3
        assert [u["message"]["message_id"] for _, u in received] == [first["message_id"]] * 3
        assert {h[SECRET_HEADER] for h, _ in received} == {"k"}
        assert {h["Content-Type"] for h, _ in received} == {"application/json"}

    # Nothing listens any more: every attempt fails, then Telegram gives up on the update.
    local_tg.user_sends_text(chat, alice, "/imagine lost")
    await local_tg.wait_idle()
    lost = local_tg.deliveries[3:]
    assert [d.attempt for d in lost] == [1, 2, 3] and all(d.status is None for d in lost)
    _, info = await api(local_tg, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 0
    assert info["result"]["last_error_message"].startswith("Connection failed")


async def test_deleting_the_webhook_hands_undelivered_updates_to_get_updates(local_tg, alice):
    local_tg.webhook_retry_delay = 30  # the first try fails, the retry would be much later
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    assert (await api(local_tg, "setWebhook", data={"url": url}))[0] == 200
    message = local_tg.user_sends_text(local_tg.private_chat(alice), alice, "hello")
    await local_tg.wait_delivered()
    assert (await api(local_tg, "deleteWebhook"))[0] == 200
    status, body = await api(local_tg, "getUpdates", data={"timeout": "0"})
    assert status == 200
    assert [u["message"]["message_id"] for u in body["result"]] == [message["message_id"]]
