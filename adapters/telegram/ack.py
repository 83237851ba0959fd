"""Answering callback queries: exactly once, as soon as the outcome of the click is known.

A click is answered right after the service has recorded the job and reserved the credits
(milliseconds, before any generation work): "On it: Flux Pro (5 credits)…". If the service
refuses at once, the answer says why instead (already counted, not enough credits, ...).
If neither has happened within ACK_FALLBACK seconds, a plain "On it…" goes out anyway.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery
from telegram.constants import CallbackQueryLimit
from telegram.error import BadRequest, TelegramError

from .rendering import shorten

log = logging.getLogger(__name__)

ACK_FALLBACK = 1.5  # seconds
MAX_ANSWER = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH  # 200


async def answer(query: CallbackQuery, text: str) -> bool:
    """Answer a callback query; False if Telegram refused (already answered, too old)."""
    try:
        await query.answer(shorten(text, MAX_ANSWER))
        return True
    except BadRequest as exc:
        log.info("callback query %s not answered: %s", query.id, exc)
    except TelegramError as exc:
        log.warning("callback query %s not answered: %s", query.id, exc)
    return False


class Ack:
    """The one answer to one callback query; later calls do nothing and return False."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query
        self.sent = False
        self._fallback: asyncio.TimerHandle | None = None
        self._late: asyncio.Task[bool] | None = None

    async def __call__(self, text: str) -> bool:
        if self.sent:
            return False
        self.sent = True
        self.cancel_fallback()
        return await answer(self.query, text)

    def fallback(self, text: str, after: float = ACK_FALLBACK) -> None:
        """Answer `text` after `after` seconds unless something was answered by then."""
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._late = loop.create_task(self(text))  # keep a reference until it is done

        self._fallback = loop.call_later(after, fire)

    def cancel_fallback(self) -> None:
        if self._fallback is not None:
            self._fallback.cancel()
            self._fallback = None
