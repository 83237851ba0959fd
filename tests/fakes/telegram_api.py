"""A strict fake Telegram Bot API server for black-box tests (aiohttp, in the pytest process).

Usage::

    async with FakeTelegram(token="123:ABC") as tg:
        env = {"TG_BASE_URL": tg.base_url, "TG_BASE_FILE_URL": tg.base_file_url}
        ...  # start the bot (subprocess or in-process PTB Application) with those URLs
        alice = tg.make_user(1001, "Alice", username="alice")
        chat = tg.private_chat(alice)
        since = len(tg.calls)
        tg.user_sends_text(chat, alice, "/imagine a blue cat")
        call = await tg.wait_for("sendPhoto", since=since)
        png = call.files["photo"].data
        query_id = tg.user_clicks(chat, alice, call.result, "u:1")
        await tg.wait_for("answerCallbackQuery", lambda c: c["callback_query_id"] == query_id)
        assert tg.unanswered_callback_queries() == []

``tg.base_url`` is ``http://127.0.0.1:PORT/bot`` (PTB appends the token) and ``tg.base_file_url``
is ``http://127.0.0.1:PORT/file/bot``.  Everything goes over real HTTP.

What the fake enforces like Telegram (400 "Bad Request: ..." unless noted): wrong token (401),
callback_data outside 1..64 bytes, text empty / over 4096 chars and caption over 1024 chars after
parse_mode parsing (invalid HTML / MarkdownV2 is refused too), more than 100 buttons or 8 per row,
buttons without an action, photo over 10 MB / bad dimensions / not an image, document over 50 MB
(413), editing a missing message, a user's message, text of a media message (and vice versa) or
with identical content ("message is not modified"), replying to a missing message, unknown or
already answered callback queries and answer text over 200 chars, unknown chat actions,
concurrent getUpdates (409), getUpdates while a webhook is set (409), setWebhook parameters
(HTTPS on ports 443/80/88/8443, max_connections 1..100, secret_token 1..256 of A-Za-z0-9_-).
In webhook mode updates are POSTed to the bot, with the secret header and retries on a non-2xx
answer (:mod:`tests.fakes.telegram_webhook`).  Real side effects are
modelled too: editing text/caption without ``reply_markup`` removes the inline keyboard, and with
``privacy_mode`` (default, like BotFather) group messages that are neither commands, replies to
the bot nor mentions of it are not delivered.  Unmodelled methods answer ``{"ok":true,
"result":true}`` and are recorded.

Layout: this module holds the server, the user-side drivers and the recorder; the Bot API
methods are in :mod:`tests.fakes.telegram_methods`, webhook mode in
:mod:`tests.fakes.telegram_webhook` and the validation rules (with the exact error wordings) in
:mod:`tests.fakes.telegram_rules`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes import telegram_rules as rules
from tests.fakes.telegram_methods import (
    COMMAND_RE,
    FLOOD_METHODS,
    BotApiMethods,
    Call,
    StoredFile,
    Upload,
    chat_id_param,
    commands_key,
    json_response,
    read_params,
    shallow,
)
from tests.fakes.telegram_payments import Payment, PaymentsMixin
from tests.fakes.telegram_rules import ApiError
from tests.fakes.telegram_webhook import Delivery, Webhook, WebhookMixin

__all__ = [
    "ApiError", "Call", "Delivery", "FakeTelegram", "Payment", "StoredFile", "Upload",
    "WaitTimeout", "Webhook",
]

_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


class WaitTimeout(AssertionError):
    """Raised by :meth:`FakeTelegram.wait_for` when nothing matched in time."""


@dataclass
class _Fault:
    method: str
    status: int
    times: int
    description: str | None
    parameters: dict | None
    when: Callable[[dict], bool] | None


class FakeTelegram(BotApiMethods, PaymentsMixin, WebhookMixin):
    """The fake Bot API.  Construct, then ``async with`` (or ``await start()`` / ``stop()``).

    Knobs (plain attributes): ``flood_limit_per_chat`` (429 for more than ~1 send/edit per
    second per private chat, burst 3, and 20/min per group), ``callback_query_ttl`` (seconds
    after delivery a callback query can still be answered; None = forever), ``privacy_mode``,
    and for webhook mode (:mod:`tests.fakes.telegram_webhook`) ``allow_local_webhooks``,
    ``webhook_attempts``, ``webhook_retry_delay``, ``webhook_timeout``.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_username: str = "imagine_test_bot",
        bot_first_name: str = "Imagine Test Bot",
        privacy_mode: bool = True,
        host: str = "127.0.0.1",
        allow_local_webhooks: bool = False,
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user = {
            "id": int(head) if head.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.privacy_mode = privacy_mode
        self.flood_limit_per_chat = False
        self.callback_query_ttl: float | None = None
        self.host = host
        self.port: int | None = None
        # recorder
        self.calls: list[Call] = []
        self.callback_answers: dict[str, dict] = {}
        self.commands: dict[str, list[dict]] = {}  # key: f"{scope_json}|{language_code}"
        self.descriptions: dict[str, str] = {}  # setMyDescription, by language_code
        self.files: dict[str, StoredFile] = {}
        self.history: list[dict] = []  # every Update queued, in order (copies)
        self._init_webhooks(allow_local_webhooks)
        self._init_payments()
        # state
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._confirmed = 0  # every update_id below this was confirmed via offset
        self._allowed: list[str] | None = None
        self._delivered_queries: dict[str, float] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._chats: dict[int, dict] = {}
        self._messages: dict[int, dict[int, dict]] = {}
        self._next_msg: dict[int, int] = {}
        self._users: dict[int, dict] = {}
        self._admins: dict[int, list[int]] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._buckets: dict[int, tuple[float, float]] = {}
        self._media_groups = itertools.count(13_000_000_000_000_001)
        self._changed = asyncio.Event()
        self._poller: asyncio.Future | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_404)
        # handler_cancellation: a long poll whose client went away (bot killed or stopped)
        # is cancelled instead of delivering updates into a dead socket.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self._stop_webhooks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ configuration

    def set_admins(self, chat_id: int, user_ids: list[int]) -> None:
        """Administrators of a chat; the first one is reported as the creator."""
        self._admins[int(chat_id)] = [int(u) for u in user_ids]

    def block_bot(self, chat_id: int, blocked: bool = True) -> None:
        """Sends/edits to this chat get 403 "Forbidden: bot was blocked by the user"."""
        (self._blocked.add if blocked else self._blocked.discard)(int(chat_id))

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        description: str | None = None,
        parameters: dict | None = None,
        when: Callable[[dict], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail with ``status``.

        429 sends ``parameters.retry_after``; other statuses send ``description`` (default
        "Internal Server Error" for 5xx).  ``when(params)`` limits the fault to matching calls.
        """
        if status == 429 and parameters is None:
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        self._faults.append(_Fault(method, status, times, description, parameters, when))

    def clear_faults(self) -> None:
        """Forget every fault `fail_next` set up (an outage is over)."""
        self._faults = []

    # ------------------------------------------------------------------ user-side drivers

    def make_user(
        self, id: int, first_name: str = "User", username: str | None = None, is_bot: bool = False,
        language_code: str = "en",
    ) -> dict:
        user = {"id": int(id), "is_bot": is_bot, "first_name": first_name,
                "language_code": language_code}
        if username:
            user["username"] = username
        self._users[user["id"]] = user
        return user

    def private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        self._chats[chat["id"]] = chat
        return chat

    def group_chat(self, id: int, title: str = "Test Group", type: str = "supergroup") -> dict:
        chat = {"id": int(id), "type": type, "title": title}
        self._chats[chat["id"]] = chat
        return chat

    def enqueue_update(self, payload: dict) -> dict:
        """Queue ``{"message": ...}`` / ``{"callback_query": ...}``; returns the full Update."""
        update = self.make_update(payload)
        self._updates.append(update)
        self.history.append(_copy(update))
        self._notify()
        return update

    def make_update(self, payload: dict) -> dict:
        """An Update with the next update_id, NOT queued (for ``post_update``)."""
        return {"update_id": next(self._update_ids), **_copy(payload)}

    def _next_update_id(self) -> int:
        return next(self._update_ids)

    def redeliver(self, update: dict) -> dict:
        """Queue the same payload again under a new update_id (Telegram-style redelivery)."""
        payload = {k: v for k, v in update.items() if k != "update_id"}
        return self.enqueue_update(payload)

    def user_sends_text(
        self,
        chat: dict | int,
        user: dict,
        text: str,
        *,
        reply_to_message: dict | int | None = None,
        deliver: bool | None = None,
    ) -> dict:
        """A user writes ``text``; returns the Message.  /commands get bot_command entities.

        In groups with ``privacy_mode`` the update is only queued for commands (not addressed
        to another bot), replies to the bot and @mentions of it; ``deliver`` overrides that.
        """
        chat = self._chat_obj(chat)
        msg = self._new_message(chat, user, text=text)
        entities = []
        for m in COMMAND_RE.finditer(text):
            entities.append(
                {
                    "type": "bot_command",
                    "offset": rules.utf16_len(text[: m.start()]),
                    "length": rules.utf16_len(m.group()),
                }
            )
        if entities:
            msg["entities"] = entities
        replied = None
        if reply_to_message is not None:
            replied = self._find(chat["id"], reply_to_message)
            if replied is None:
                raise ValueError(f"no message {reply_to_message!r} in chat {chat['id']}")
            msg["reply_to_message"] = shallow(replied)
        if deliver is None:
            deliver = self._bot_sees(chat, text, entities, replied)
        if deliver:
            self.enqueue_update({"message": msg})
        return _copy(msg)

    def anonymous_admin_sends_text(self, chat: dict | int, text: str) -> dict:
        """An administrator in anonymous mode writes `text`: Telegram sends it on behalf of
        the group (`sender_chat` is the chat itself, `from` is the GroupAnonymousBot)."""
        chat = self._chat_obj(chat)
        anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                     "username": "GroupAnonymousBot"}
        msg = self._new_message(chat, anonymous, text=text, sender_chat=shallow(chat))
        entities = [{"type": "bot_command", "offset": rules.utf16_len(text[: m.start()]),
                     "length": rules.utf16_len(m.group())} for m in COMMAND_RE.finditer(text)]
        if entities:
            msg["entities"] = entities
        self.enqueue_update({"message": msg})
        return _copy(msg)

    def user_sends_photo(
        self, chat: dict | int, user: dict, data: bytes, caption: str | None = None
    ) -> dict:
        """A user sends a photo (getFile/download work for it); returns the Message."""
        chat = self._chat_obj(chat)
        info = rules.inspect_image(data)
        msg = self._new_message(chat, user, photo=self._store_photo(data, info))
        if caption:
            msg["caption"] = caption
        if chat["type"] == "private" or not self.privacy_mode:
            self.enqueue_update({"message": msg})
        return _copy(msg)

    def user_sends_media_group(
        self, chat: dict | int, user: dict, photos: list[bytes], caption: str | None = None,
        caption_index: int = 0,
    ) -> list[dict]:
        """A user sends an album: one message per photo, sharing a `media_group_id`, the
        caption on one part only (as Telegram clients send it). Returns the Messages."""
        chat = self._chat_obj(chat)
        group_id = str(next(self._media_groups))
        sent = []
        for i, data in enumerate(photos):
            info = rules.inspect_image(data)
            msg = self._new_message(chat, user, photo=self._store_photo(data, info),
                                    media_group_id=group_id)
            if caption and i == caption_index:
                msg["caption"] = caption
            if chat["type"] == "private" or not self.privacy_mode:
                self.enqueue_update({"message": msg})
            sent.append(_copy(msg))
        return sent

    def user_sends_document(
        self, chat: dict | int, user: dict, data: bytes, file_name: str, mime_type: str,
        caption: str | None = None,
    ) -> dict:
        """A user sends a file as a document (Bot API `Document`: file_id, file_unique_id,
        file_name, mime_type, file_size); getFile/download work for it. Returns the Message."""
        chat = self._chat_obj(chat)
        f = self._new_file("document", data, "." + file_name.rpartition(".")[2])
        document = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                    "file_name": file_name, "mime_type": mime_type, "file_size": len(data)}
        msg = self._new_message(chat, user, document=document)
        if caption:
            msg["caption"] = caption
        if chat["type"] == "private" or not self.privacy_mode:
            self.enqueue_update({"message": msg})
        return _copy(msg)

    def set_reply_markup(self, chat: dict | int, message: dict | int, markup: dict) -> None:
        """Replace the keyboard of a stored message (a stale or forged keyboard, as a client
        holding an old copy would echo it in `reply_to_message`)."""
        stored = self._find(self._chat_obj(chat)["id"], message)
        if stored is None:
            raise ValueError(f"message {message!r} not found")
        stored["reply_markup"] = _copy(markup)

    def user_clicks(self, chat: dict | int, user: dict, message: dict | int, data: str) -> str:
        """Click the button with callback_data ``data`` on the bot's ``message``.

        The message must exist and currently carry that button (a real client cannot click
        anything else); use :meth:`user_clicks_raw` for forged data.  Returns the query id.
        """
        chat = self._chat_obj(chat)
        stored = self._find(chat["id"], message)
        if stored is None:
            raise ValueError(f"message {message!r} not found in chat {chat['id']}")
        available = rules.keyboard_callback_data(stored.get("reply_markup"))
        if data not in available:
            raise ValueError(f"no button with callback_data {data!r}; message has {available}")
        return self.user_clicks_raw(chat, user, stored, data)

    def user_clicks_raw(
        self,
        chat: dict | int,
        user: dict,
        message: dict | int,
        data: str | None,
        *,
        query_id: str | None = None,
    ) -> str:
        """Queue a CallbackQuery without any check (forged data, stale messages...).

        A message dict is embedded as given (so an old copy simulates a stale message); a
        message id embeds the stored current version.  Pass an earlier ``query_id`` to deliver
        the same query again (idempotency tests).
        """
        chat = self._chat_obj(chat)
        msg = message if isinstance(message, dict) else self._find(chat["id"], message)
        if msg is None:
            raise ValueError(f"message {message!r} not found in chat {chat['id']}")
        qid = query_id or str(next(self._query_ids))
        query = {
            "id": qid,
            "from": user,
            "message": msg,
            "chat_instance": str(abs(hash(("ci", chat["id"]))) % 10**18),
        }
        if data is not None:
            query["data"] = data
        self.enqueue_update({"callback_query": query})
        return qid

    # ------------------------------------------------------------------ inspection

    def messages(self, chat_id: int, *, include_user: bool = False) -> list[dict]:
        """Current (edited, not deleted) messages in a chat, oldest first; bot's only by default."""
        msgs = self._messages.get(int(chat_id), {}).values()
        bot_id = self.bot_user["id"]
        return [_copy(m) for m in msgs if include_user or m.get("from", {}).get("id") == bot_id]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        found = self._messages.get(int(chat_id), {}).get(int(message_id))
        return _copy(found) if found is not None else None

    def unanswered_callback_queries(self) -> list[str]:
        """Ids of callback queries the bot received (via getUpdates) but never answered."""
        return [q for q in self._delivered_queries if q not in self.callback_answers]

    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by the bot (getUpdates offset)."""
        return [u for u in self._updates if u["update_id"] >= self._confirmed]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        return self.commands.get(commands_key(scope, language_code), [])

    async def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 15,  # noqa: ASYNC109 - part of the documented helper API
        count: int = 1,
        since: int = 0,
        ok: bool | None = None,
    ) -> Call:
        """Wait for the ``count``-th call to ``method`` (None = any) in ``calls[since:]``.

        Calls made before the wait started count (use ``since=len(tg.calls)`` to ignore them).
        ``predicate`` receives the :class:`Call`; ``ok=True/False`` filters on success.
        Raises :class:`WaitTimeout` (an AssertionError) listing what was called.
        """
        deadline = time.monotonic() + timeout
        while True:
            event = self._changed
            found = 0
            for call in self.calls[since:]:
                if method is not None and call.method != method:
                    continue
                if ok is not None and call.ok != ok:
                    continue
                if predicate is not None and not predicate(call):
                    continue
                found += 1
                if found == count:
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [f"{c.method}({c.status})" for c in self.calls[since:]]
                raise WaitTimeout(
                    f"no call #{count} to {method!r} within {timeout}s (matched {found}); "
                    f"calls since {since}: {seen}"
                )
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    # ------------------------------------------------------------------ HTTP plumbing

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _handle_404(self, request: web.Request) -> web.Response:
        return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response(_UNAUTHORIZED, 401)
        method = _canonical(request.match_info["method"])
        call = Call(method, {}, {})
        try:
            call.params, call.files = await read_params(request)
            result = await self._dispatch(method, call.params, call.files)
            # A snapshot: later edits of a stored message do not change recorded results.
            call.status, call.response = 200, _copy({"ok": True, "result": result})
        except ApiError as err:
            call.status, call.response = err.status, err.body()
        except Exception as exc:  # noqa: BLE001 - a fake bug must not look like a hang
            call.status = 500
            call.response = {"ok": False, "error_code": 500, "description": f"fake error: {exc!r}"}
        self.calls.append(call)
        self._notify()
        return json_response(call.response, call.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response(_UNAUTHORIZED, 401)
        path = request.match_info["path"]
        for f in self.files.values():
            if f.file_path == path:
                return web.Response(body=f.data, content_type="application/octet-stream")
        return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _dispatch(self, method: str, p: dict, files: dict[str, Upload]) -> Any:
        self._apply_faults(method, p)
        chat_id = chat_id_param(p) if "chat_id" in p else None
        if chat_id is not None and method in FLOOD_METHODS:
            if chat_id in self._blocked:
                raise ApiError("Forbidden: bot was blocked by the user", 403)
            self._check_flood(chat_id)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return True
        result = handler(p, files)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    def _apply_faults(self, method: str, params: dict) -> None:
        for fault in self._faults:
            if fault.method not in ("*", method) or fault.times <= 0:
                continue
            if fault.when is not None and not fault.when(params):
                continue
            fault.times -= 1
            self._faults = [f for f in self._faults if f.times > 0]
            desc = fault.description or (
                "Internal Server Error" if fault.status >= 500 else f"Error {fault.status}"
            )
            raise ApiError(desc, fault.status, fault.parameters)

    def _check_flood(self, chat_id: int) -> None:
        if not self.flood_limit_per_chat:
            return
        capacity, rate = (3.0, 1.0) if chat_id > 0 else (20.0, 20 / 60)
        now = time.monotonic()
        tokens, last = self._buckets.get(chat_id, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1:
            retry = max(1, math.ceil((1 - tokens) / rate))
            self._buckets[chat_id] = (tokens, now)
            raise ApiError(f"Too Many Requests: retry after {retry}", 429, {"retry_after": retry})
        self._buckets[chat_id] = (tokens - 1, now)


# ---------------------------------------------------------------------- module helpers

_CANONICAL: dict[str, str] = {}


def _copy(obj: Any) -> Any:
    """A deep, JSON-shaped copy (what the bot would see on the wire)."""
    return json.loads(json.dumps(obj))


def _canonical(method: str) -> str:
    """Bot API method names are case-insensitive; record the documented spelling."""
    if not _CANONICAL:
        for name in dir(FakeTelegram):
            if name.startswith("_api_"):
                _CANONICAL[name[5:].lower()] = name[5:]
    return _CANONICAL.get(method.lower(), method)
