"""Telegram's ways into editing (issue 16). Thin: the core plans, charges and runs.

- a photo, or an image sent as a document, whose caption starts with `/edit`;
- `/edit <what to change>` or `/vary [strong]` sent as a reply to any photo; a reply to one
  of the bot's own results is an edit (or variation) *of that job*: its stored output is
  used, nothing is downloaded, and the result says "Edit of <job>";
- in a private chat, a photo with a plain caption;
- an album (several pictures sent as one media group) with such a caption on one of its
  parts: one edit of all of them (albums.py gathers the parts);
- the Edit button under a result: a ForceReply prompt that carries the job id (`#<id>` at
  its end), so the answer finds its job after a restart too.

Pictures are downloaded at once through getFile. The file URL contains the bot token: it
is never logged, stored or sent anywhere (only PTB's own download reads it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.domain import keys
from bot.domain.errors import BadImage
from bot.domain.jobs import Job
from bot.domain.providers import InputImage
from bot.domain.requests import parse_edit
from bot.services import edit_text, image_intake
from bot.services.generation import GenerationService

from . import keyboards
from .ack import answer
from .albums import AlbumEdits
from .flow import Runs
from .members import PLATFORM, place_of, user_ref
from .rendering import reply_to, send_text

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE

_EDIT_CAPTION = re.compile(r"^/edit(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_COMMAND = re.compile(r"^/\w+(?:@\w+)?\s*")
_PROMPT_TAG = re.compile(r"#([0-9a-f]{4,32})\s*$")


def prompt_text(job_id: str) -> str:
    """The Edit button's question; the trailing tag names the job the answer edits."""
    return f"{edit_text.edit_prompt_question()} #{job_id}"


class _AnswersEditPrompt(filters.MessageFilter):
    """A text reply to the bot's Edit prompt (checked by its tag, not by memory)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied is not None and replied.from_user is not None
                    and replied.from_user.is_bot and _PROMPT_TAG.search(replied.text or ""))


def _picture_of(message: Message | None) -> Any:
    """The largest photo size, or an image document, of a message; None if it has none."""
    if message is None:
        return None
    if message.photo:
        return message.photo[-1]
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document
    return None


class TelegramEdits:
    def __init__(self, service: GenerationService, runs: Runs) -> None:
        self.service = service
        self.runs = runs
        self.bot = runs.bot

    def handlers(self, guard: Any) -> list[MessageHandler[Any, Any]]:
        """Message handlers, to install before the private-chat prompt catch-all."""
        new = filters.UpdateType.MESSAGE
        picture = filters.PHOTO | filters.Document.IMAGE
        private = filters.ChatType.PRIVATE
        albums = AlbumEdits(self, guard)
        return [
            albums.handler(),  # first: an album's parts are not edits one by one
            MessageHandler(new & picture & filters.CaptionRegex(_EDIT_CAPTION),
                           guard(self.captioned)),
            MessageHandler(new & private & picture & filters.CAPTION, guard(self.captioned)),
            MessageHandler(new & private & picture & ~filters.CAPTION, guard(self.uncaptioned)),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND & _AnswersEditPrompt(),
                           guard(self.answered)),
        ]

    async def captioned(self, update: Update, context: Context) -> None:
        """A photo whose caption is `/edit …` (anywhere) or plain words (private chat)."""
        message = update.effective_message
        if message is None:
            return
        caption = message.caption or ""
        if caption.startswith("/") and not _EDIT_CAPTION.match(caption):
            return  # another command in a caption: not an edit request
        await self._edit(update, message, _COMMAND.sub("", caption, count=1), message)

    async def uncaptioned(self, update: Update, context: Context) -> None:
        """A photo alone in a private chat: say how to ask for an edit (nothing charged)."""
        message, chat = update.effective_message, update.effective_chat
        if message is not None and chat is not None:
            await send_text(self.bot, chat.id, edit_text.photo_needs_caption(),
                            reply_to_id=message.message_id)

    async def edit_command(self, update: Update, context: Context) -> None:
        """`/edit <what to change>`, as a reply to a picture."""
        message = update.effective_message
        if message is None:
            return
        instruction = _COMMAND.sub("", message.text or "", count=1)
        await self._edit(update, message, instruction, message.reply_to_message)

    async def vary_command(self, update: Update, context: Context) -> None:
        """`/vary [strong]`, as a reply to a picture: a variation of it."""
        message = update.effective_message
        if message is None:
            return
        strong = "strong" in _COMMAND.sub("", message.text or "", count=1).lower()
        mode = "vary_strong" if strong else "vary"
        await self._edit(update, message, "", message.reply_to_message, mode=mode)

    async def answered(self, update: Update, context: Context) -> None:
        """The answer to an Edit button's prompt: edit that job's image."""
        message = update.effective_message
        chat, sender = update.effective_chat, update.effective_user
        if message is None or chat is None or sender is None or message.reply_to_message is None:
            return
        tag = _PROMPT_TAG.search(message.reply_to_message.text or "")
        if tag is None:
            return
        user, place = user_ref(sender), place_of(chat)
        key = keys.message_event(PLATFORM, chat.id, message.message_id)
        job_id, text = tag.group(1), message.text or ""
        await self.runs.run(
            chat.id, message.message_id,
            lambda progress, ref: self.service.edit_result(
                job_id, text, user, key, on_progress=progress, chat_ref=ref, place=place),
            requester=None if chat.type == chat.PRIVATE else user.name,
        )

    async def ask(self, query: Any, job_id: str, message: Any) -> None:
        """The Edit button: answer the click, then ask what to change (ForceReply)."""
        await self.service.result_image(job_id)  # nothing stored: say so now, not later
        await answer(query, edit_text.edit_prompt_question())
        await self.bot.send_message(
            message.chat.id, prompt_text(job_id), reply_parameters=reply_to(message.message_id),
            reply_markup=ForceReply(selective=True,
                                    input_field_placeholder=edit_text.edit_prompt_placeholder()))

    async def _edit(self, update: Update, message: Message, instruction: str,
                    source: Message | None, mode: str = "edit") -> None:
        chat, sender = update.effective_chat, update.effective_user
        if chat is None or sender is None:
            return
        request = parse_edit(instruction, self.service.catalog)  # before the download
        parent = await self.result_job(source)
        image = None if parent is not None else await self.download(source)
        user, place = user_ref(sender), place_of(chat)
        key = keys.message_event(PLATFORM, chat.id, message.message_id)
        strong = mode == "vary_strong"

        def start(progress, ref):  # type: ignore[no-untyped-def]
            common = {"on_progress": progress, "chat_ref": ref, "place": place}
            if parent is not None and mode == "edit":
                return self.service.edit_result(parent.id, request.instruction, user, key,
                                                model=request.model, **common)
            if parent is not None:
                return self.service.vary(parent.id, user, key, strong=strong, **common)
            assert image is not None
            if mode == "edit":
                return self.service.edit([image], request.instruction, user, key,
                                         model=request.model, **common)
            return self.service.vary_image(image, user, key, strong=strong, **common)

        await self.runs.run(chat.id, message.message_id, start,
                            requester=None if chat.type == chat.PRIVATE else user.name)

    async def edit_album(self, update: Update, captioned: Message,
                         sources: Sequence[Message], group_id: str) -> None:
        """One edit of every picture of an album, asked by the caption of `captioned`:
        charged once for the album (its media group id is the event), answered under the
        captioned part. The caption names what to change; a plain caption is an edit in a
        private chat only (as for one photo); another command is not an edit at all."""
        chat, sender = update.effective_chat, update.effective_user
        caption = captioned.caption or ""
        if chat is None or sender is None or (caption.startswith("/")
                                              and not _EDIT_CAPTION.match(caption)):
            return
        if chat.type != chat.PRIVATE and not _EDIT_CAPTION.match(caption):
            return
        request = parse_edit(_COMMAND.sub("", caption, count=1), self.service.catalog)
        if request.model is not None:  # too many for it: say so before any download
            self.service.planner.require_editor(request.model, len(sources))
        images = [await self.download(source) for source in sources]
        user, place = user_ref(sender), place_of(chat)
        key = keys.album_event(PLATFORM, chat.id, group_id)
        await self.runs.run(
            chat.id, captioned.message_id,
            lambda progress, ref: self.service.edit(
                images, request.instruction, user, key, model=request.model,
                on_progress=progress, chat_ref=ref, place=place),
            requester=None if chat.type == chat.PRIVATE else user.name)

    async def result_job(self, source: Message | None) -> Job | None:
        """The job whose result `source` is, or None for any other picture (then it is
        downloaded like one). A result is a photo this bot sent; its buttons name the job
        (Telegram echoes them in `reply_to_message`), and the job's stored chat must be the
        chat the photo is in, so a stale or forged keyboard cannot reach a job elsewhere.
        A job that does not exist, or whose image is no longer stored, is no result."""
        if (source is None or source.from_user is None or source.from_user.id != self.bot.id
                or _picture_of(source) is None):
            return None
        candidates = [keyboards.decode(d) for d in keyboards.all_callback_data(
            source.reply_markup)]
        job_id = next((c.job_id for c in candidates if c is not None), None)
        return await self.service.result_in_chat(job_id, PLATFORM, "chat_id",
                                                 str(source.chat.id))

    async def download(self, message: Message | None) -> InputImage:
        """The picture of `message`, downloaded now and normalised (BadImage if none)."""
        picture = _picture_of(message)
        if picture is None:
            raise BadImage(edit_text.no_image())
        image_intake.check_size(getattr(picture, "file_size", None))
        file = await self.bot.get_file(picture.file_id)
        data = await file.download_as_bytearray()
        label = getattr(picture, "file_name", "") or ""
        log.info("picture downloaded for an edit bytes=%d", len(data))  # never the file URL
        return await image_intake.normalise_async(bytes(data), label=label)
