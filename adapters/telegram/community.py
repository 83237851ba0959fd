"""The table's commands on Telegram, through the shared text grammar
(bot.services.community_text): /balance /history /daily /give /credits /leaderboard
/giveaway /link and whatever else is declared, and the giveaway Enter button.

- Who: `Members` builds the Context (chat administrators from Telegram, cached briefly).
  Every message and click from a person records them as a member of the chat first (a
  handler in an earlier group), so `@username` works for anyone the bot has heard from.
- A reply names its target: `/give 10` in reply to Ana's message gives to Ana.
- Private things (replies marked private: /history, new /link codes) asked for in a group
  are sent to the person privately, with a short note in the group. If the bot cannot
  write to them (they never started it, or blocked it), /history is answered in the group
  with a note, but a link code never is: whoever holds a code can join that wallet, so the
  group is told to ask in a private chat instead.
- A new giveaway is posted with an Enter button (giveaway_view.py). `/giveaway end` posts
  the winners through the announcer; the command then adds no second summary.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, TypeHandler

from bot.domain import keys
from bot.domain.credits import UserRef
from bot.services import replies
from bot.services.community_text import CommunityText

from . import keyboards
from .ack import answer
from .giveaway_view import GiveawayMessages
from .members import PLATFORM, Members
from .rendering import send_text

log = logging.getLogger(__name__)

SEEN_GROUP = -1  # handler group that runs before the commands


def command_of(text: str) -> tuple[str, str]:
    """`/give@bot @ana 10` -> ("give", "@ana 10")."""
    head, _, rest = text.strip().partition(" ")
    return head[1:].partition("@")[0].lower(), rest.strip()


def cannot_write(exc: Exception) -> bool:
    """Telegram's ways of saying the bot may not start a private chat with this person."""
    return isinstance(exc, Forbidden) or (
        isinstance(exc, BadRequest) and "chat not found" in str(exc).lower()
    )


class CommunityHandlers:
    def __init__(
        self,
        text: CommunityText,
        members: Members,
        view: GiveawayMessages,
        guard: Any,
    ) -> None:
        """`guard` wraps a handler in the adapter's one error boundary (TelegramHandlers.guard)."""
        self.text = text
        self.commands = text.commands
        self.members = members
        self.view = view
        self.bot = view.bot
        self.command = guard(self._command)
        self.click = guard(self._click)

    def handlers(self) -> list[tuple[BaseHandler[Any, Any, Any], int]]:
        """(handler, group) pairs besides the commands (commands.py registers those, with
        `command` for every one this adapter does not run itself)."""
        return [
            (TypeHandler(Update, self.seen), SEEN_GROUP),
            (CallbackQueryHandler(self.click, pattern=f"^{keyboards.GIVEAWAY_PREFIX}"), 0),
        ]

    async def seen(self, update: Update, context: Any) -> None:
        """Every message and click from a person: they are a member of this chat."""
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None:
            await self.members.seen(chat, user)

    # -- commands ------------------------------------------------------------------------

    async def _command(self, update: Update, context: Any) -> None:
        message, chat, sender = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or sender is None or not message.text:
            return
        name, args = command_of(message.text)
        event = keys.message_event(PLATFORM, chat.id, message.message_id)
        ctx = await self.members.context(chat, sender, event, message=message)
        replied = self.members.replied(message)
        if replied is not None and message.reply_to_message is not None:
            target = message.reply_to_message.from_user
            if target is not None:
                await self.members.seen(chat, target)
        reply = await self.text.handle(ctx, name, args, self.members.resolve, replied)
        if reply.giveaway is not None:
            await self.view.post(reply.giveaway, chat.id, message.message_id, ctx.user)
            return
        words = args.split()
        sub = words[0].lower() if words else ""
        gid = words[1].strip("`") if len(words) > 1 else ""
        if name == "giveaway" and sub == "end" and self.view.just_announced(gid):
            return  # the winners were just posted in this chat by the announcer
        if name == "giveaway" and sub == "cancel":
            await self.view.cancelled(gid)
        if name == "giveaway" and sub in ("enter", "leave"):
            await self.view.refresh(gid)  # the count on the message follows typed entries too
        # An anonymous admin acts as the group itself: there is no private chat to use.
        if reply.private and chat.type != Chat.PRIVATE and ctx.user.user_id != str(chat.id):
            await self._in_private(message, ctx.user, name, reply.text)
        else:
            await self._reply(message, reply.text)

    async def _in_private(self, message: Message, user: UserRef, name: str, text: str) -> None:
        """Send `text` to the person's private chat; a short note goes to the group."""
        user_id = int(user.user_id)
        try:
            await send_text(self.bot, user_id, text)
        except (Forbidden, BadRequest) as exc:
            if not cannot_write(exc):
                raise
            log.info("cannot write privately to %s (%s); answering /%s in the group",
                     user.key, exc, name)
            if name == "link":
                await self._reply(message, replies.LINK_NEEDS_PRIVATE_CHAT)
            else:
                await self._reply(message, f"{replies.NO_PRIVATE_CHAT}\n{text}")
            return
        await self._reply(message, replies.SENT_PRIVATELY)

    async def _reply(self, message: Message, text: str) -> None:
        await send_text(self.bot, message.chat.id, text,
                        reply_to_id=message.message_id)

    # -- the Enter button ----------------------------------------------------------------

    async def _click(self, update: Update, context: Any) -> None:
        query = update.callback_query
        if query is None:
            return
        giveaway_id = keyboards.decode_giveaway(query.data)
        message = query.message
        if giveaway_id is None or message is None:
            log.info("expired or forged giveaway button %r", (query.data or "")[:64])
            await answer(query, replies.GIVEAWAY_EXPIRED)
            return
        ctx = await self.members.context(
            message.chat, query.from_user, keys.callback_event(PLATFORM, query.id), admin=False
        )
        await answer(query, await self.view.toggle(
            ctx, giveaway_id, message.chat.id, message.message_id
        ))
