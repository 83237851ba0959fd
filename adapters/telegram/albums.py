"""Albums: several pictures sent as one media group, read as one edit request.

Telegram delivers each part of an album as its own message, sharing a `media_group_id`,
with the caption on one part only. The parts are gathered here until none has arrived for
`ALBUM_WAIT` seconds, then handed to `TelegramEdits.edit_album` once. The charge does not
rest on this buffer: it is keyed by the group id (`keys.album_event`), so a part or an
album delivered again, or parts split between two processes, are charged once at most.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.ext import ContextTypes, MessageHandler, filters

if TYPE_CHECKING:
    from .editing import TelegramEdits

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE

# Parts of one album arrive within a few hundred milliseconds of each other; a second of
# quiet after the last one means the album is complete.
ALBUM_WAIT = 1.0
_REMEMBERED = 512  # albums already handled: a late or redelivered part is not a new album


class _InAlbum(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return message.media_group_id is not None


class AlbumEdits:
    def __init__(self, edits: TelegramEdits, guard: Any, wait: float = ALBUM_WAIT) -> None:
        self.edits = edits
        self.guard = guard
        self.wait = wait
        self._parts: dict[tuple[int, str], list[Update]] = {}
        self._timers: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._handled: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._running: set[asyncio.Task[None]] = set()  # a task nobody holds may be collected

    def handler(self) -> MessageHandler[Any, Any]:
        picture = filters.PHOTO | filters.Document.IMAGE
        return MessageHandler(filters.UpdateType.MESSAGE & picture & _InAlbum(), self.part)

    async def part(self, update: Update, context: Context) -> None:
        """One part: kept, and the album's quiet timer restarted (returns at once)."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or message.media_group_id is None:
            return
        key = (chat.id, message.media_group_id)
        if key in self._handled:
            log.info("a late or repeated part of album %s ignored", message.media_group_id)
            return
        self._parts.setdefault(key, []).append(update)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        task = asyncio.create_task(self._when_quiet(key, context))
        self._timers[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _when_quiet(self, key: tuple[int, str], context: Context) -> None:
        await asyncio.sleep(self.wait)
        self._timers.pop(key, None)
        parts = self._parts.pop(key, [])
        self._handled[key] = None
        while len(self._handled) > _REMEMBERED:
            self._handled.popitem(last=False)
        messages = sorted((p.effective_message for p in parts if p.effective_message),
                          key=lambda m: m.message_id)
        captioned = next((m for m in messages if m.caption), None)
        # Errors are answered under the captioned part (or the first in the album's order:
        # parts may be handled out of order, updates run concurrently), by the boundary.
        anchor = captioned or (messages[0] if messages else None)
        update = next((p for p in parts if p.effective_message is anchor), parts[0])
        await self.guard(functools.partial(self._album, messages, captioned, key[1]))(
            update, context)

    async def _album(self, messages: list[Message], captioned: Message | None, group_id: str,
                     update: Update, context: Context) -> None:
        chat = update.effective_chat
        if captioned is None:
            if chat is not None and chat.type == chat.PRIVATE:
                await self.edits.uncaptioned(update, context)
            return
        await self.edits.edit_album(update, captioned, messages, group_id)
