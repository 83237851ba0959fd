"""Every Bot API call, observed: PTB's HTTP request class with metrics and health around it.

All calls pass `post` here, including getUpdates (which skips the rate limiter): failures
are counted by kind, 429s with the wait Telegram asked for (AIORateLimiter retries each one,
so every 429 is seen), and the long poll says whether Telegram is reachable: a failed poll
marks Telegram down for /readyz, the next poll that returns marks it up again.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import TypeHandler
from telegram.request import HTTPXRequest

from bot.domain.commands import CommandTable
from bot.services import metrics
from bot.services.health import Health

from .members import PLATFORM
from .pacing import retry_seconds

# Most specific first: BadRequest and TimedOut are NetworkErrors too.
_KINDS: tuple[tuple[type[TelegramError], str], ...] = (
    (RetryAfter, "rate_limited"),
    (InvalidToken, "unauthorized"),
    (Forbidden, "forbidden"),
    (Conflict, "conflict"),
    (BadRequest, "bad_request"),
    (TimedOut, "timeout"),
    (NetworkError, "network"),
)


def error_kind(exc: TelegramError) -> str:
    return next((kind for cls, kind in _KINDS if isinstance(exc, cls)), "other")


class ObservedRequest(HTTPXRequest):
    def __init__(self, health: Health | None, *, polling: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.health, self.polling = health, polling

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super().post(*args, **kwargs)
        except TelegramError as exc:
            kind = error_kind(exc)
            metrics.api_error(PLATFORM, kind)
            if isinstance(exc, RetryAfter):
                metrics.rate_limited(PLATFORM, retry_seconds(exc))
            if self.polling and self.health is not None and kind in ("network", "timeout", "conflict"):
                self.health.down(PLATFORM, f"getUpdates failed: {type(exc).__name__}")
            raise
        if self.polling and self.health is not None:
            self.health.up(PLATFORM)
        return result


def update_counter(table: CommandTable) -> TypeHandler[Update, Any, Any]:
    """A handler that runs before all others (group -1) and only counts: each command by
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
