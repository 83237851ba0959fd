"""Every Bot API call, observed: PTB's HTTP request class with metrics and health around it.

Every call passes here, getUpdates too (it skips the rate limiter): failures are counted by
kind, 429s with the wait Telegram asked for (AIORateLimiter retries each one, so every 429
is seen), and the long poll says whether Telegram is reachable: a failed poll marks
Telegram down for /readyz, the next poll that returns marks it up again.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import TypeHandler
from telegram.request import HTTPXRequest

from bot.domain.commands import CommandTable
from bot.services import metrics
from bot.services.health import Health

from .members import PLATFORM


class ObservedRequest(HTTPXRequest):
    """`do_request` is PTB's extension point: it sees the HTTP status and body of every
    call (PTB turns them into exceptions afterwards) and the transport errors."""

    def __init__(self, health: Health | None, *, polling: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.health, self.polling = health, polling

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            status, payload = await super().do_request(*args, **kwargs)
        except TelegramError as exc:  # NetworkError / TimedOut: Telegram was not reached
            kind = "timeout" if isinstance(exc, TimedOut) else "network"
            metrics.api_error(PLATFORM, kind)
            self._reachable(False, type(exc).__name__)
            raise
        if status >= 400:
            metrics.api_error(PLATFORM, metrics.http_status_kind(status))
        if status == 429:
            metrics.rate_limited(PLATFORM, _retry_after(payload))
        # Any error status (a 5xx, a 409: another process polls this token) means no updates.
        self._reachable(status < 400, f"HTTP {status}")
        return status, payload

    def _reachable(self, ok: bool, why: str) -> None:
        if not self.polling or self.health is None:
            return
        if ok:
            self.health.up(PLATFORM)
        else:
            self.health.down(PLATFORM, f"getUpdates failed: {why}")


def _retry_after(payload: bytes) -> float:
    try:
        return float(json.loads(payload)["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return 0.0


def update_counter(table: CommandTable) -> TypeHandler[Update, Any, Any]:
    """A handler that runs before all others (group -2) and only counts: each command by
    its name (names the table does not declare are `unknown`: people type anything), each
    prompt in a private chat, each button; and how late a message's update arrived."""

    async def observe(update: Update, context: Any) -> None:
        command = _command_of(update, table)
        if command is not None:
            metrics.request(PLATFORM, command)
        message = update.message
        if message is not None and message.date is not None:
            metrics.telegram_update_lag(message.date.timestamp())

    return TypeHandler(Update, observe)


def _command_of(update: Update, table: CommandTable) -> str | None:
    if update.callback_query is not None:
        return "button"
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption or ""
    if text.startswith("/"):
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
        return name if table.get(PLATFORM, name) is not None else "unknown"
    if message.chat.type == message.chat.PRIVATE:
        return "prompt"
    return None  # group chatter the bot ignores
