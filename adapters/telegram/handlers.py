"""Telegram updates -> service calls. Thin: parsing, money and routing live in the core.

Commands come from the command table (commands.py registers them): /start, /help, /imagine
and /models run here, every other one (/balance, /daily, /give, /giveaway, ...) through the
shared text grammar in community.py; plain text in a private chat is a prompt; other group
chatter is ignored. Buttons carry only a job id and a choice (see keyboards.py). Every
handler runs inside ONE error boundary (`guarded` / `guard`, also reached from PTB's error
handler): BotError -> its message, anything else -> logged with its traceback and a short
apology. Callback queries are always answered.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.domain import keys
from bot.domain.errors import BotError
from bot.domain.requests import parse_imagine
from bot.services import edit_text, replies
from bot.services.generation import GenerationService
from bot.services.help import help_text
from bot.services.language import LanguageService

from . import keyboards
from .ack import Ack, answer
from .commands import command_handlers
from .editing import TelegramEdits
from .flow import Runs
from .members import PLATFORM, place_of, user_ref
from .observed import update_counter
from .rendering import send_text

if TYPE_CHECKING:
    from .community import CommunityHandlers
    from .payments import TelegramPayments

log = logging.getLogger(__name__)

__all__ = ["PLATFORM", "TelegramHandlers", "guarded", "user_ref"]
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Any, Update, Context], Coroutine[Any, Any, None]]


def guarded(fn: Handler) -> Handler:
    """The error boundary around every handler: nothing from the network or the user escapes."""

    @functools.wraps(fn)
    async def wrapper(self: TelegramHandlers, update: Update, context: Context) -> None:
        await self.guard(functools.partial(fn, self))(update, context)

    return wrapper


class TelegramHandlers:
    def __init__(self, service: GenerationService, runs: Runs, *, demo_mode: bool = False,
                 languages: LanguageService | None = None) -> None:
        self.service = service
        self.languages = languages
        self.catalog = service.catalog
        self.intents = service.planner.intents
        self.runs = runs
        self.bot = runs.bot
        self.demo_mode = demo_mode
        self.edits = TelegramEdits(service, runs)

    def guard(self, fn: Callable[[Update, Context], Awaitable[None]]) -> Callable[
        [Update, Context], Coroutine[Any, Any, None]
    ]:
        """The boundary as a wrapper of a bound handler (also for community.py's handlers)."""

        @functools.wraps(fn)
        async def wrapper(update: Update, context: Context) -> None:
            try:
                await self.enter(update)
                await fn(update, context)
            except Exception as exc:  # noqa: BLE001 - this is the boundary
                await self.explain(update, exc)

        return wrapper

    def localised(self, fn: Callable[[Update, Context], Awaitable[Any]]) -> Callable[
        [Update, Context], Coroutine[Any, Any, Any]
    ]:
        """A payment handler (it handles its own errors) in the person's app language. No
        database look-up first: a payment's credit must keep its place in the order of
        the updates (a /paysupport right after it sees the purchase)."""

        @functools.wraps(fn)
        async def wrapper(update: Update, context: Context) -> Any:
            user = update.effective_user
            i18n.set_locale(user.language_code if user else None)
            return await fn(update, context)

        return wrapper

    async def enter(self, update: Update) -> None:
        """Speak this person's language for the whole update: their /language, then their
        app's `language_code`, then the group's /language server, then English."""
        user, chat = update.effective_user, update.effective_chat
        if self.languages is None or user is None:
            i18n.set_locale(user.language_code if user else None)
            return
        community = place_of(chat).community if chat else ""
        i18n.set_locale(await self.languages.for_event(user_ref(user), community,
                                                       user.language_code))

    def install(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        community: CommunityHandlers,
        payments: TelegramPayments,
    ) -> None:
        new = filters.UpdateType.MESSAGE  # not edits: an edited prompt is not a new order
        private = filters.ChatType.PRIVATE
        self.table = community.commands.table
        application.add_handler(update_counter(self.table), group=-2)  # metrics, before all
        self.members = community.members
        own = {"imagine": self.imagine, "models": self.models, "help": self.help,
               "start": self.help, "buy": self.guard(payments.buy),
               "edit": self.guard(self.edits.edit_command),
               "vary": self.guard(self.edits.vary_command)}
        for command in command_handlers(community.commands, own, community.command):
            application.add_handler(command)  # before the catch-alls below
        for handler, group in payments.handlers():
            handler.callback = self.localised(handler.callback)  # their own answers, unguarded
            application.add_handler(handler, group)
        for handler, group in community.handlers():
            application.add_handler(handler, group)
        for handler in self.edits.handlers(self.guard):  # before the private-chat prompt
            application.add_handler(handler)
        application.add_handler(MessageHandler(new & private & filters.COMMAND, self.unknown))
        application.add_handler(
            MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, self.prompt)
        )
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_error_handler(self.on_error)

    # -- commands -----------------------------------------------------------------------

    @guarded
    async def help(self, update: Update, context: Context) -> None:
        balance = await self._balance(update)
        text = help_text(self.table, PLATFORM, self.catalog, self.intents, balance,
                         self.demo_mode)
        await self._reply(update, text)

    @guarded
    async def models(self, update: Update, context: Context) -> None:
        await self._reply(update, "\n".join(replies.model_lines(self.catalog, self.demo_mode)))

    @guarded
    async def unknown(self, update: Update, context: Context) -> None:
        message = update.effective_message
        command = (message.text or "").split(maxsplit=1)[0] if message else "/"
        await self._reply(update, replies.unknown_command(command))

    @guarded
    async def imagine(self, update: Update, context: Context) -> None:
        await self._generate(update)

    @guarded
    async def prompt(self, update: Update, context: Context) -> None:
        await self._generate(update)

    async def _generate(self, update: Update) -> None:
        message, chat = update.effective_message, update.effective_chat
        sender = update.effective_user
        if message is None or chat is None or sender is None or not message.text:
            return
        request = parse_imagine(message.text, self.catalog, self.intents)
        user = user_ref(sender)
        key = keys.message_event(PLATFORM, chat.id, message.message_id)
        place = place_of(chat)
        await self.runs.run(
            chat.id, message.message_id,
            lambda progress, ref: self.service.generate(request, user, key, progress, ref,
                                                        place),
            requester=None if chat.type == chat.PRIVATE else user.name,
        )

    # -- buttons ------------------------------------------------------------------------

    @guarded
    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        data = keyboards.decode(query.data)
        job = await self.service.job(data.job_id) if data is not None else None
        known = {m.id for m in self.catalog}
        message = query.message
        if (data is None or job is None or job.model_id not in known or message is None
                or (data.model_id is not None and data.model_id not in known)):
            log.info("expired or unknown button %r", (query.data or "")[:64])
            await answer(query, replies.BUTTON_EXPIRED)
            return
        if data.action == "delete":
            return await self._delete(query, job.id, message)
        if data.action == "edit":
            return await self.edits.ask(query, job.id, message)
        ack = Ack(query)  # answered as soon as the job is recorded (or refused), before work
        ack.fallback(replies.working_on("your request"))
        user = user_ref(query.from_user)
        key = keys.callback_event(PLATFORM, query.id)
        chat = message.chat
        place = place_of(chat)  # checked where the button is pressed, as the presser
        if data.action == "compare":
            def start(progress, ref):  # type: ignore[no-untyped-def]
                return self.service.compare(job.id, user, key, progress, ref, place)
        elif data.action in ("vary", "vary_strong"):
            strong = data.action == "vary_strong"

            def start(progress, ref):  # type: ignore[no-untyped-def]
                return self.service.vary(job.id, user, key, strong=strong, on_progress=progress,
                                         chat_ref=ref, place=place)
        else:
            def start(progress, ref):  # type: ignore[no-untyped-def]
                return self.service.rerun(job.id, user, key, data.model_id, progress, ref,
                                          place)
        try:
            await self.runs.run(
                chat.id, message.message_id, start,
                requester=None if chat.type == chat.PRIVATE else user.name, parent=job,
                ack=ack, working=replies.working_on(self._what(data, job.model_id)),
            )
        finally:
            ack.cancel_fallback()

    async def _delete(self, query: Any, job_id: str, message: Any) -> None:
        """🗑 on a result: the requester, or an admin of this chat, removes it."""
        ctx = await self.members.context(message.chat, query.from_user,
                                         keys.callback_event(PLATFORM, query.id))
        await self.service.deletable(job_id, ctx.user, self.members.community.is_admin(ctx))
        await self.bot.delete_message(message.chat.id, message.message_id)
        await answer(query, replies.DELETED)
        log.info("job %s result deleted by %s", job_id, ctx.user.key)

    def _what(self, data: keyboards.ButtonData, job_model: str) -> str:
        if data.action == "compare":
            return i18n.t("tg-compare-what")
        if data.action in ("vary", "vary_strong"):
            return edit_text.vary_working(data.action == "vary_strong")
        return replies.choice_label(self.catalog.get(data.model_id or job_model))

    # -- the error boundary -------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """PTB's error handler: errors that escaped a handler, or came from PTB itself."""
        error = context.error or RuntimeError("unknown error")
        if isinstance(update, Update):
            await self.explain(update, error)
        elif isinstance(error, NetworkError | RetryAfter):
            log.warning("Telegram network error: %s", error)
        else:
            log.error("Telegram error outside an update", exc_info=error)

    async def explain(self, update: Update, exc: BaseException) -> None:
        """Known errors -> their message; unknown -> traceback in the log, apology in chat."""
        try:
            if isinstance(exc, BotError):
                log.info("update %s: %s", update.update_id, type(exc).__name__)
                text = exc.user_message
            elif isinstance(exc, Forbidden):
                log.info("update %s: the bot cannot write to this chat (%s)", update.update_id, exc)
                return
            elif isinstance(exc, BadRequest):  # we sent something Telegram refuses: our bug
                log.error("update %s: Telegram refused a request", update.update_id, exc_info=exc)
                text = replies.SORRY
            elif isinstance(exc, NetworkError | RetryAfter):
                log.warning("update %s: Telegram network error: %s", update.update_id, exc)
                text = replies.SORRY
            else:
                log.error("update %s failed", update.update_id, exc_info=exc)
                text = replies.SORRY
            if update.callback_query is not None and await answer(update.callback_query, text):
                return
            chat, message = update.effective_chat, update.effective_message
            if chat is not None:
                await send_text(self.bot, chat.id, f"⚠️ {text}",
                                reply_to_id=message.message_id if message else None)
        except Exception:  # noqa: BLE001 - the boundary itself must never raise
            log.warning("could not tell the user about an error", exc_info=True)

    # -- helpers ------------------------------------------------------------------------

    async def _balance(self, update: Update) -> int | None:
        sender = update.effective_user
        return await self.service.balance(user_ref(sender)) if sender is not None else None

    async def _reply(self, update: Update, text: str) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is not None:
            await send_text(self.bot, chat.id, text,
                            reply_to_id=message.message_id if message else None)
