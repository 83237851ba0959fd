"""One status message per request, edited in place, at most about one write per second per chat.

`ChatPacer` is the per-chat bucket the bot's rate limiter (fleet_limits.py) takes a slot
from for every write (status edits, result photos, replies), so a compare's three photos
after a few status edits never trip Telegram's flood limit (a 429 would pause every chat:
AIORateLimiter waits globally after one). No send passes a pacer around.
`StatusMessage` coalesces through the core's LiveMessage: `show()` only records the latest
text, and the one waiting write sends whatever is newest, at most one edit per second, so a
burst of progress events becomes one edit. A job that finishes within STATUS_DELAY never gets a status message (the
`upload_photo` chat action shows at once). A failed edit is logged and dropped: it never
fails the job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.services.live import LiveMessage

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0  # seconds between writes to one chat (Telegram: about 1 msg/s per chat)
BURST = 3  # writes one chat may get at once before the 1/s pace applies
CHAT_ACTION_EVERY = 4.5  # a chat action shows for about 5 s
STATUS_DELAY = 0.5  # seconds before the first status text: instant images need none
HTML = "HTML"  # texts given to StatusMessage are already HTML-escaped


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def not_modified(exc: BadRequest) -> bool:
    return "not modified" in str(exc).lower()


class ChatPacer:
    """Per-chat pacing, lock-free (a slot is reserved synchronously, then awaited).

    Every write takes a slot from a per-chat GCRA bucket: on average one per `interval`, with
    bursts of `burst` (Telegram tolerates short bursts). Status edits are spaced by the core
    LiveMessage (see StatusMessage), not here.
    """

    def __init__(
        self,
        interval: float = EDIT_INTERVAL,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.tolerance = (burst - 1) * interval
        self.clock = clock
        self._tat: dict[int, float] = {}  # theoretical arrival time of the next write

    def _prune(self, now: float) -> None:
        if len(self._tat) > 1000:
            self._tat = {c: t for c, t in self._tat.items() if t > now}

    def reserve(self, chat_id: int) -> float:
        """Take a write slot; returns how long to wait for it."""
        now = self.clock()
        self._prune(now)
        tat = max(self._tat.get(chat_id, now), now)
        self._tat[chat_id] = tat + self.interval
        return max(0.0, tat - self.tolerance - now)

    async def turn(self, chat_id: int) -> None:
        """Wait for a write slot (results, replies)."""
        delay = self.reserve(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)

    def back_off(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429: no write to this chat for `seconds`."""
        until = self.clock() + seconds
        self._tat[chat_id] = max(self._tat.get(chat_id, 0.0), until + self.tolerance)


class StatusMessage:
    """The one message that says queued / generating, replaced or removed at the end.

    Texts are HTML (escaped by the caller)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        reply_to: int | None,
        on_created: Callable[[int], Awaitable[None]] | None = None,
        delay: float = STATUS_DELAY,
    ) -> None:
        self.bot, self.chat_id, self.reply_to = bot, chat_id, reply_to
        self.on_created = on_created
        self.message_id: int | None = None
        self._wanted: str | None = None
        self._shown: str | None = None
        self._closed = False
        # The core's latest-wins helper, one edit per interval; the bot's rate limiter paces
        # the chat as a whole (FleetRateLimiter).
        self._live = LiveMessage(interval=EDIT_INTERVAL, first_delay=delay)
        self._action: asyncio.Task[None] | None = None

    def show(self, text: str) -> None:
        """Non-blocking: the newest text wins; at most one write waits."""
        if self._closed:
            return
        self._wanted = text
        self._live.push(self._flush)

    def typing(self) -> None:
        """Keep the `upload_photo` chat action on while the image is being made."""
        if self._action is None and not self._closed:
            self._action = asyncio.create_task(self._keep_action())

    async def _flush(self) -> None:
        if self._closed or self._wanted is None or self._wanted == self._shown:
            return
        if not self._closed and self._wanted is not None:
            await self._write(self._wanted)  # whatever is newest when the turn comes
            if self._wanted != self._shown:  # rate-limited: try again after the back-off
                self._live.push(self._flush)

    async def _write(self, text: str) -> None:
        try:
            if self.message_id is None:
                reply = (ReplyParameters(self.reply_to, allow_sending_without_reply=True)
                         if self.reply_to else None)
                sent = await self.bot.send_message(self.chat_id, text, parse_mode=HTML,
                                                   reply_parameters=reply)
                self.message_id = sent.message_id
                if self.on_created is not None:
                    await self.on_created(sent.message_id)
            else:
                await self.bot.edit_message_text(text, chat_id=self.chat_id, parse_mode=HTML,
                                                 message_id=self.message_id)
            self._shown = text
        except RetryAfter:
            log.warning("status edit rate-limited in chat %s", self.chat_id)
        except BadRequest as exc:
            self._shown = text  # do not retry the same text
            if not not_modified(exc):
                log.warning("status edit refused in chat %s: %s", self.chat_id, exc)
        except TelegramError as exc:
            self._shown = text
            log.warning("status edit failed in chat %s: %s", self.chat_id, exc)
        except Exception:  # noqa: BLE001 - a status line must never fail the job
            self._shown = text
            log.warning("status edit failed in chat %s", self.chat_id, exc_info=True)

    async def _keep_action(self) -> None:
        while not self._closed:
            try:
                await self.bot.send_chat_action(self.chat_id, "upload_photo")
            except TelegramError as exc:
                log.debug("chat action failed in chat %s: %s", self.chat_id, exc)
            await asyncio.sleep(CHAT_ACTION_EVERY)

    async def hold(self, spacing: bool = False) -> None:
        """Stop updating (the result is about to be posted); waits for a write in flight,
        and with `spacing` for the interval after it (a final edit is spaced like the rest)."""
        self._closed = True
        if self._action is not None:
            self._action.cancel()
        await self._live.close(keep_spacing=spacing)

    async def finish(self, final_text: str | None = None) -> None:
        """Remove the status (final_text None) or leave one short final line; never raises."""
        await self.hold(spacing=final_text is not None and self.message_id is not None)
        try:
            if self.message_id is None:
                if final_text:
                    reply = (ReplyParameters(self.reply_to, allow_sending_without_reply=True)
                             if self.reply_to else None)
                    await self.bot.send_message(self.chat_id, final_text, parse_mode=HTML,
                                                reply_parameters=reply)
            elif final_text is None:
                await self.bot.delete_message(self.chat_id, self.message_id)
            elif final_text != self._shown:
                await self.bot.edit_message_text(final_text, chat_id=self.chat_id, parse_mode=HTML,
                                                 message_id=self.message_id)
        except BadRequest as exc:
            if not not_modified(exc):
                log.warning("final status update refused in chat %s: %s", self.chat_id, exc)
        except TelegramError as exc:
            log.warning("final status update failed in chat %s: %s", self.chat_id, exc)
