"""Webhook mode of the fake Telegram Bot API: setWebhook, getWebhookInfo, deleteWebhook and
delivery of updates by HTTP POST, as Telegram does it.

While a webhook is set, every update the test makes (``user_sends_text``, ``user_clicks``...)
is POSTed as JSON (``Content-Type: application/json``) to the webhook URL with the header
``X-Telegram-Bot-Api-Secret-Token`` when a secret was given; ``getUpdates`` answers 409.  A
non-2xx answer (or a refused connection) is retried ``webhook_attempts`` times in all, with a
growing pause, then the update is dropped and the error shows in getWebhookInfo
(``last_error_date`` / ``last_error_message``), as on Telegram.  Up to ``max_connections``
deliveries run at once, so neither order nor single delivery is promised (nor is it on
Telegram).

Test hooks: :meth:`WebhookMixin.deliver_again` queues the very same Update (same
``update_id``) again; :meth:`WebhookMixin.post_update` POSTs one update once, with the right,
a wrong or no secret, and returns the HTTP status; every attempt is recorded in
``deliveries`` and :meth:`WebhookMixin.wait_delivered` waits for one.

setWebhook is checked against the Bot API spec (Bot API 10.1): ``url`` a String, HTTPS on
port 443, 80, 88 or 8443 (an empty url removes the webhook); ``max_connections`` an Integer
1-100 (default 40); ``secret_token`` 1-256 characters of ``A-Za-z0-9_-``; ``allowed_updates``
an Array of String ("if not specified, the previous setting will be used"; shared with
getUpdates); ``drop_pending_updates`` a Boolean; ``ip_address`` an IP address; ``certificate``
an uploaded file.  With ``allow_local_webhooks`` (for tests that run a real bot) plain HTTP on
any port is accepted too, but only for loopback hosts.  Whatever the settings, the fake never
sends a request anywhere but 127.0.0.1 / localhost / ::1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakes.telegram_rules import ApiError, bad

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PORTS = (443, 80, 88, 8443)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SET_WEBHOOK_FIELDS = {  # name -> spec type (Bot API 10.1, setWebhook)
    "url": "String",
    "certificate": "InputFile",
    "ip_address": "String",
    "max_connections": "Integer",
    "allowed_updates": "Array of String",
    "drop_pending_updates": "Boolean",
    "secret_token": "String",
}
REGISTERED = object()  # post_update(secret=REGISTERED): the secret given to setWebhook


@dataclass
class Webhook:
    """The webhook as set by the last successful setWebhook."""

    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    has_custom_certificate: bool


@dataclass
class Delivery:
    """One POST of an update to the webhook (``status`` None: no HTTP answer)."""

    update_id: int
    url: str
    attempt: int  # 1 for the first try of an update, 2 for its first retry...
    secret: str | None  # the header sent, None when there was none
    status: int | None
    error: str | None
    manual: bool  # sent by post_update (never retried)
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookMixin:
    """Mixin for FakeTelegram: the state below is set up by :meth:`_init_webhooks`."""

    # knobs
    allow_local_webhooks: bool
    webhook_attempts: int  # tries per update, the first included
    webhook_retry_delay: float  # seconds before the first retry; doubles after each
    webhook_timeout: float  # seconds to wait for the bot's answer

    def _init_webhooks(self, allow_local_webhooks: bool) -> None:
        self.allow_local_webhooks = allow_local_webhooks
        self.webhook_attempts = 3
        self.webhook_retry_delay = 0.2
        self.webhook_timeout = 10.0
        self.webhook: Webhook | None = None
        self.deliveries: list[Delivery] = []
        self._last_error: tuple[int, str] | None = None
        self._sending: dict[int, dict] = {}  # id(update object) -> update, while in flight
        self._webhook_tasks: set[asyncio.Task] = set()
        self._webhook_loop: asyncio.Task | None = None
        self._webhook_slots: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def webhook_url(self) -> str:
        return self.webhook.url if self.webhook is not None else ""

    # ------------------------------------------------------------------ test hooks

    def deliver_again(self, update: dict) -> dict:
        """Queue this exact Update (same update_id) once more, as Telegram does when the
        webhook did not answer in time.  In webhook mode it is POSTed again."""
        copy = json.loads(json.dumps(update))
        self._updates.append(copy)
        self.history.append(copy)
        self._notify()
        return copy

    async def post_update(
        self, update: dict, *, secret: Any = REGISTERED, url: str | None = None
    ) -> int | None:
        """POST ``update`` once (no retry) to ``url`` (default: the webhook) and return the
        HTTP status (None if nothing answered).  ``secret``: the registered one by default, a
        string to send that header, None to send no header at all."""
        hook = self.webhook
        if url is None:
            if hook is None:
                raise RuntimeError("no webhook is set (pass url=...)")
            url = hook.url
        if secret is REGISTERED:
            secret = hook.secret_token if hook is not None else None
        query = update.get("callback_query")
        fresh = query is not None and query["id"] not in self._delivered_queries
        if fresh:
            self._delivered_queries[query["id"]] = time.monotonic()
        delivery = await self._post(url, update, secret, attempt=1, manual=True)
        if fresh and not delivery.ok and query["id"] not in self.callback_answers:
            del self._delivered_queries[query["id"]]  # the bot never saw it
        return delivery.status

    def update_with(self, message: dict | None = None, query_id: str | None = None) -> dict:
        """The last Update made for a user's ``message`` or for a callback ``query_id``."""
        for update in reversed(self.history):
            if message is not None and "message" in update:
                got = update["message"]
                if (got["chat"]["id"], got["message_id"]) == (
                    message["chat"]["id"], message["message_id"]
                ):
                    return json.loads(json.dumps(update))
            if query_id is not None and update.get("callback_query", {}).get("id") == query_id:
                return json.loads(json.dumps(update))
        raise LookupError(f"no update for message={message!r} query_id={query_id!r}")

    def deliveries_of(self, update_id: int) -> list[Delivery]:
        return [d for d in self.deliveries if d.update_id == update_id]

    async def wait_delivered(
        self,
        predicate: Callable[[Delivery], bool] | None = None,
        *,
        count: int = 1,
        since: int = 0,
        timeout: float = 15,  # noqa: ASYNC109 - part of the documented helper API
    ) -> Delivery:
        """Wait for the ``count``-th delivery in ``deliveries[since:]`` matching ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            event = self._changed
            matched = [d for d in self.deliveries[since:] if predicate is None or predicate(d)]
            if len(matched) >= count:
                return matched[count - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(d.update_id, d.status, d.error) for d in self.deliveries[since:]]
                raise AssertionError(
                    f"no delivery #{count} within {timeout}s (matched {len(matched)}): {seen}"
                )
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_idle(self, timeout: float = 15) -> None:  # noqa: ASYNC109
        """Wait until no update is waiting for (or in) webhook delivery."""
        deadline = time.monotonic() + timeout
        while self.webhook is not None and (self._sending or self._deliverable()):
            event = self._changed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"webhook deliveries still pending after {timeout}s")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    # ------------------------------------------------------------------ Bot API methods

    def _api_setWebhook(self, p: dict, files: dict) -> bool:
        _check_types(p, files)
        url = p.get("url")
        if url is None:
            raise bad("parameter \"url\" is required")
        if url == "":
            self._remove_webhook(bool(p.get("drop_pending_updates")))
            return True
        self._check_webhook_url(url)
        max_connections = p.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise bad("bad webhook: max_connections must be between 1 and 100")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad("bad webhook: secret token contains unallowed characters or is too long")
        ip = p.get("ip_address")
        if ip is not None:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise bad("bad webhook: invalid IP address specified") from None
        allowed = p.get("allowed_updates")
        if allowed is not None:
            self._allowed = list(allowed) if allowed else None
        if self._poller is not None and not self._poller.done():
            self._poller.set_result("webhook")  # a long poll ends when a webhook is set
        self._updates = [u for u in self._updates if u["update_id"] >= self._confirmed]
        if p.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = Webhook(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            ip_address=ip,
            has_custom_certificate="certificate" in files or "certificate" in p,
        )
        self._webhook_slots = asyncio.Semaphore(max_connections)
        if self._webhook_loop is None or self._webhook_loop.done():
            self._webhook_loop = asyncio.get_running_loop().create_task(self._deliver_forever())
        self._notify()
        return True

    def _api_deleteWebhook(self, p: dict, files: dict) -> bool:
        drop = p.get("drop_pending_updates")
        if drop is not None and not isinstance(drop, bool):
            raise bad('field "drop_pending_updates" must be of type Boolean')
        self._remove_webhook(bool(drop))
        return True

    def _api_getWebhookInfo(self, p: dict, files: dict) -> dict:
        hook = self.webhook
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": bool(hook and hook.has_custom_certificate),
            "pending_update_count": len(self.pending_updates()),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if self._allowed is not None:
                info["allowed_updates"] = list(self._allowed)
            if self._last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._last_error
        return info

    # ------------------------------------------------------------------ internals

    def _check_webhook_url(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise bad("bad webhook: invalid webhook URL specified") from None
        host = (parts.hostname or "").lower()
        if not host or parts.scheme not in ("http", "https"):
            raise bad("bad webhook: invalid webhook URL specified")
        if self.allow_local_webhooks and host in LOOPBACK_HOSTS:
            return
        if parts.scheme != "https":
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if (port or 443) not in WEBHOOK_PORTS:
            raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")

    def _remove_webhook(self, drop_pending: bool) -> None:
        self.webhook = None
        self._webhook_slots = None
        self._last_error = None
        if drop_pending:
            self._drop_pending()
        self._notify()  # the delivery loop sees it and ends; retries stop

    def _drop_pending(self) -> None:
        self._updates = []
        self._confirmed = max(self._confirmed, self._next_update_id())

    def _deliverable(self) -> list[dict]:
        return [u for u in self._updates if self._wanted(u) and id(u) not in self._sending]

    async def _deliver_forever(self) -> None:
        while self.webhook is not None and not self._closing:
            event = self._changed
            for update in self._deliverable():
                self._sending[id(update)] = update
                task = asyncio.get_running_loop().create_task(self._deliver(update))
                self._webhook_tasks.add(task)
                task.add_done_callback(self._webhook_tasks.discard)
            await event.wait()

    async def _deliver(self, update: dict) -> None:
        """Deliver one update with retries; it leaves the queue once answered 2xx or given up
        (it stays queued, for getUpdates, if the webhook is removed meanwhile)."""
        try:
            query = update.get("callback_query")
            for attempt in range(1, self.webhook_attempts + 1):
                hook, slots = self.webhook, self._webhook_slots
                if hook is None or slots is None or self._closing:
                    return
                if query is not None:
                    self._delivered_queries.setdefault(query["id"], time.monotonic())
                self._delivered_pre_checkouts([update])
                async with slots:
                    delivery = await self._post(hook.url, update, hook.secret_token, attempt)
                if delivery.ok:
                    break
                if attempt < self.webhook_attempts:
                    await asyncio.sleep(self.webhook_retry_delay * 2 ** (attempt - 1))
            else:
                if query is not None and query["id"] not in self.callback_answers:
                    self._delivered_queries.pop(query["id"], None)
            self._updates = [u for u in self._updates if u is not update]
        finally:
            self._sending.pop(id(update), None)
            self._notify()

    async def _post(
        self, url: str, update: dict, secret: str | None, attempt: int, manual: bool = False
    ) -> Delivery:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        status: int | None = None
        error: str | None = None
        if (urlsplit(url).hostname or "").lower() not in LOOPBACK_HOSTS:
            error = "the fake delivers to loopback addresses only"
        else:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.post(
                    url,
                    data=json.dumps(update).encode(),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                    ssl=False,
                ) as resp:
                    status = resp.status
                    await resp.read()
                    if not 200 <= status < 300:
                        error = f"Wrong response from the webhook: {status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = (
                    "Read timeout expired"
                    if isinstance(exc, TimeoutError)
                    else f"Connection failed: {type(exc).__name__}"
                )
        delivery = Delivery(update["update_id"], url, attempt, secret, status, error, manual)
        self.deliveries.append(delivery)
        if error is not None and not manual:
            self._last_error = (int(time.time()), error)
        self._notify()
        return delivery

    async def _stop_webhooks(self) -> None:
        tasks = [t for t in (self._webhook_loop, *self._webhook_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    if TYPE_CHECKING:  # provided by FakeTelegram
        _updates: list[dict]
        _confirmed: int
        _allowed: list[str] | None
        _poller: asyncio.Future | None
        _closing: bool
        _delivered_queries: dict[str, float]
        _changed: asyncio.Event
        callback_answers: dict[str, dict]
        history: list[dict]

        def _notify(self) -> None: ...
        def _wanted(self, update: dict) -> bool: ...
        def _next_update_id(self) -> int: ...
        def pending_updates(self) -> list[dict]: ...

def _type_ok(kind: str, value: Any) -> bool:
    if kind == "String":
        return isinstance(value, str)
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "Array of String":
        return isinstance(value, list) and all(isinstance(s, str) for s in value)
    return isinstance(value, str)  # InputFile given as a file_id / URL instead of a part


def _check_types(p: dict, files: dict) -> None:
    """The spec's parameter types for setWebhook (values arrive JSON-decoded)."""
    for name, kind in _SET_WEBHOOK_FIELDS.items():
        if name in files and kind == "InputFile":
            continue
        if name in p and not _type_ok(kind, p[name]):
            raise ApiError(f'Bad Request: field "{name}" must be of type {kind}', 400)
