"""Telegram layout of the shared replies: HTML text, captions within limits, photo or document.

Text is sent with parse_mode HTML: everything is escaped and `code` spans from the shared
replies become <code>. Captions are plain text (the prompt is the person's own words) and
stay within 1024 characters by shortening the prompt, never the facts.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import FileSizeLimit, MessageLimit, ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_chain,
    wait_fixed,
)

from bot.domain.catalog import Catalog
from bot.domain.providers import GeneratedImage
from bot.i18n import t
from bot.services import replies
from bot.services.generation import GenerationResult
from bot.services.planning import Planner

from . import keyboards

log = logging.getLogger(__name__)

HTML = ParseMode.HTML
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_PHOTO_BYTES = FileSizeLimit.PHOTOSIZE_UPLOAD  # 10 MB; larger goes as a document
SEND_RETRIES = (1.0, 3.0)  # pauses between attempts to send a finished image
_CODE = re.compile(r"`([^`\n]+)`")
_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def units(text: str) -> int:
    """Telegram counts UTF-16 code units; never fewer than code points, so this is safe."""
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split on line breaks so no message is over the limit (and no tag is cut)."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        step = limit // 2  # code points; even all-surrogate text stays within the limit
        for piece in [line[i : i + step] for i in range(0, len(line), step)] or [""]:
            candidate = f"{current}\n{piece}" if current else piece
            if current and units(candidate) > limit:
                out.append(current)
                candidate = piece
            current = candidate
    return [c for c in [*out, current] if c.strip()]


def shorten(text: str, budget: int) -> str:
    """At most `budget` units; a cut text ends with an ellipsis."""
    if units(text) <= budget:
        return text
    kept, used = [], 0
    for ch in text:
        used += units(ch)
        if used > budget - 1:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "…" if budget >= 1 else ""


def caption(result: GenerationResult, requester: str | None = None) -> str:
    """Prompt (shortened as needed), then the facts: model, why, cost, balance."""
    facts = replies.result_caption(result)
    if requester:
        facts += "\n" + t("tg-for", name=requester)
    if not result.job.prompt:  # a variation of a picture with no prompt of ours
        return shorten(facts, MAX_CAPTION)
    budget = MAX_CAPTION - units(facts) - len("“”\n")
    if budget < 20:  # facts alone are huge (an operator's very long model name): cut them
        return shorten(facts, MAX_CAPTION)
    return f"“{shorten(result.job.prompt, budget)}”\n{facts}"


def reply_to(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


def _fits_photo(image: GeneratedImage) -> bool:
    w, h = image.width, image.height
    ratio_ok = not (w and h) or max(w, h) / max(1, min(w, h)) <= 20
    return len(image.data) <= MAX_PHOTO_BYTES and w + h <= 10000 and ratio_ok


async def send_result(
    bot: Bot,
    chat_id: int,
    result: GenerationResult,
    catalog: Catalog,
    planner: Planner,
    *,
    reply_to_id: int | None = None,
    requester: str | None = None,
) -> Message:
    """The image as a photo (a document when too big for one) with caption and keyboard."""
    image = result.image
    name = f"{result.job.id}-{result.model.id}.{_EXT.get(image.mime, 'png')}"
    kwargs: dict[str, Any] = {
        "caption": caption(result, requester),
        "reply_markup": keyboards.result_keyboard(result, catalog, planner),
        "reply_parameters": reply_to(reply_to_id),
    }
    if image.flagged:  # only ever posted where mature applies: blurred until tapped
        kwargs["has_spoiler"] = True

    def file() -> InputFile:
        return InputFile(image.data, filename=name)

    if _fits_photo(image):
        try:
            return await _persist(lambda: bot.send_photo(chat_id, file(), **kwargs))
        except BadRequest as exc:  # e.g. dimensions Telegram will not take as a photo
            log.warning("job %s: photo refused (%s), sending as a document", result.job.id, exc)
    return await _persist(lambda: bot.send_document(chat_id, file(), **kwargs))


def _is_network_failure(exc: BaseException) -> bool:
    # A refusal (BadRequest) is never retried; nor is a timeout: the upload may have reached
    # Telegram, and sending it again would post the image twice.
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest | TimedOut)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("sending an image failed (%s); retrying in %.0f s", exc,
                state.next_action.sleep if state.next_action else 0)


async def _persist(send: Callable[[], Awaitable[Message]]) -> Message:
    """The image is paid for: retry network failures, SEND_RETRIES apart (429s are
    AIORateLimiter's job)."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_is_network_failure),
        wait=wait_chain(*(wait_fixed(d) for d in SEND_RETRIES)),
        stop=stop_after_attempt(len(SEND_RETRIES) + 1),
        before_sleep=_log_retry,
        reraise=True,
    ):
        with attempt:
            return await send()
    raise AssertionError("unreachable: tenacity re-raises the last failure")


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_to_id: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Shared reply text as HTML, split if long; the keyboard goes on the last part."""
    parts = chunks(to_html(text))
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await bot.send_message(
            chat_id, part, parse_mode=HTML,
            reply_parameters=reply_to(reply_to_id if i == 0 else None),
            reply_markup=markup if last else None,
        )


def chat_ref(chat_id: int, reply_to_id: int | None, **extra: Any) -> dict[str, Any]:
    return {"chat_id": chat_id, "reply_to": reply_to_id, **extra}


def ref_int(ref: Mapping[str, Any], key: str) -> int | None:
    value = ref.get(key)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
