"""One request in a chat: a paced status message, the service call, then the result(s).

Known outcomes (BotError) become the status message's final line (or, for a click refused
before any work, the answer to the click); the rest propagates to the handlers' error
boundary. Also posts results of jobs resumed after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError, TimedOut

from bot.domain.catalog import Catalog
from bot.domain.errors import (
    BotError,
    DuplicateEvent,
    GenerationFailed,
    HandedOff,
    InsufficientCredits,
)
from bot.domain.jobs import Job
from bot.services import replies
from bot.services.generation import GenerationResult, GenerationService, Progress
from bot.services.job_delivery import NotDelivered

from . import keyboards
from .ack import Ack
from .pacing import StatusMessage
from .rendering import chat_ref, ref_int, send_result, send_text, to_html

log = logging.getLogger(__name__)

Outcome = GenerationResult | list[GenerationResult | GenerationFailed]
Start = Callable[[Callable[[Progress], Awaitable[None]], Mapping[str, Any]], Awaitable[Outcome]]


class Runs:
    def __init__(self, service: GenerationService, bot: Bot) -> None:
        self.service = service
        self.catalog: Catalog = service.catalog
        self.bot = bot
        self.ready = asyncio.Event()  # set once the bot is connected (deliveries wait for it)
        self._background: set[asyncio.Task[Any]] = set()

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def run(
        self,
        chat_id: int,
        reply_to_id: int | None,
        start: Start,
        *,
        requester: str | None = None,
        parent: Job | None = None,
        ack: Ack | None = None,
        working: str = "",
    ) -> None:
        """Run `start` with a status message; `ack` answers the click that asked for it."""
        ref = chat_ref(chat_id, reply_to_id)
        board: dict[str, Progress] = {}

        async def created(status_id: int) -> None:
            ref["status_id"] = status_id
            for job_id in list(board):
                await self._remember(job_id, ref)

        status = StatusMessage(self.bot, chat_id, reply_to_id, created)

        async def progress(event: Progress) -> None:
            first = event.job_id not in board
            board[event.job_id] = event
            if ack is not None and not ack.sent:
                self._spawn(ack(working))  # the job is recorded and paid for: say so now
            if first and "status_id" in ref:
                await self._remember(event.job_id, ref)
            if event.stage == "started":
                status.typing()
            if event.stage == "finished" and len(board) == 1:
                return  # the photo follows at once; an "uploading" edit would be wasted
            status.show(to_html("\n".join(replies.progress_text(p) for p in board.values())))

        try:
            outcome = await start(progress, ref)
        except HandedOff as exc:
            # Another process finishes the job and posts it (and clears this status).
            log.info("job %s handed to another worker", exc.job_id)
            await status.hold()
            if ack is not None and not ack.sent:
                await ack(working)
            return
        except DuplicateEvent as exc:
            log.info("duplicate event for job %s ignored", exc.job_id)
            await status.finish()
            if ack is not None:
                await ack(replies.ALREADY_COUNTED)
            return
        except InsufficientCredits as exc:
            await status.finish()
            text, markup = self._cannot_afford(exc, parent)
            if ack is not None:
                await ack(exc.user_message)  # the clicker alone sees why
            if ack is None or markup is not None:
                who = f"{requester}: " if requester else ""
                await send_text(self.bot, chat_id, f"⚠️ {who}{text}", reply_to_id=reply_to_id,
                                markup=markup)
            return
        except BotError as exc:
            if ack is not None and await ack(exc.user_message):
                await status.finish()  # refused before any work: the answer says why
            else:
                await status.finish(to_html(f"⚠️ {exc.user_message}"))
            return
        except asyncio.CancelledError:
            await asyncio.shield(status.finish(to_html(f"⚠️ {replies.SHUTTING_DOWN}")))
            raise
        except BaseException:
            await asyncio.shield(status.finish())
            raise
        await status.hold()
        problems = await self._post(chat_id, reply_to_id, outcome, requester)
        await status.finish(to_html("\n".join(f"⚠️ {p}" for p in problems)) if problems else None)

    async def _post(
        self, chat_id: int, reply_to_id: int | None, outcome: Outcome, requester: str | None,
        refund: bool = True,
    ) -> list[str]:
        """Post each image; returns the lines to leave in the status (failures)."""
        problems: list[str] = []
        for result in outcome if isinstance(outcome, list) else [outcome]:
            if isinstance(result, GenerationFailed):
                problems.append(result.user_message)
                continue
            try:
                await send_result(self.bot, chat_id, result, self.catalog,
                                  self.service.planner, reply_to_id=reply_to_id,
                                  requester=requester)
            except TimedOut:
                # Maybe posted, maybe not: never sent twice, and never paid for if lost.
                log.warning("job %s: Telegram did not confirm the image in time", result.job.id)
                if refund:
                    await self.service.refund_undelivered(result.job.id)
                problems.append(replies.maybe_not_delivered(result.model.name, result.job.id))
            except TelegramError:
                log.error("job %s: made, but Telegram refused the image", result.job.id,
                          exc_info=True)
                if refund:
                    await self.service.refund_undelivered(result.job.id)
                problems.append(replies.not_delivered(result.model.name, result.job.id))
        return problems

    async def _remember(self, job_id: str, ref: Mapping[str, Any]) -> None:
        """Keep the status message id on the job, so a resumed job can clean it up."""
        try:
            await self.service.attach_chat_ref(job_id, dict(ref))
        except Exception:  # noqa: BLE001 - bookkeeping only; never fail the job for it
            log.warning("could not store the chat reference of job %s", job_id, exc_info=True)

    def _cannot_afford(
        self, exc: InsufficientCredits, parent: Job | None
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The service's specific message, plus a button for the cheapest option if we can."""
        if parent is None:
            return exc.user_message + replies.text_hint(exc), None
        suggestion = exc.suggestion  # the core picked the model that fits, if any
        if suggestion is None or suggestion not in {m.id for m in self.catalog}:
            return exc.user_message, None
        model = self.catalog.get(suggestion)
        data = keyboards.ButtonData(
            "rerun", parent.id, None if model.id == parent.model_id else model.id
        )
        text = f"{exc.user_message}\n{replies.cheaper_option(model)}"
        return text, keyboards.single_button(replies.choice_label(model), data)

    async def deliver(self, job: Job, outcome: GenerationResult | GenerationFailed) -> None:
        """A job resumed after a restart: post its result where it was asked for."""
        await self.ready.wait()
        chat_id = ref_int(job.chat_ref, "chat_id")
        if chat_id is None:
            log.warning("resumed job %s has no Telegram chat to post to", job.id)
            return
        reply_to_id = ref_int(job.chat_ref, "reply_to")
        status = StatusMessage(self.bot, chat_id, reply_to_id)
        status.message_id = ref_int(job.chat_ref, "status_id")
        if isinstance(outcome, GenerationResult):
            # Posted here as in `_post`: a refusal or a timeout leaves the reason in the
            # status, and the runner refunds (NotDelivered).
            problems = await self._post(chat_id, reply_to_id, outcome, None, refund=False)
            await status.finish(to_html("\n".join(f"⚠️ {p}" for p in problems)) if problems
                                else None)
            if problems:
                raise NotDelivered(f"Telegram would not take the image of job {job.id}")
        else:
            await status.finish(to_html(f"⚠️ {outcome.user_message}"))
