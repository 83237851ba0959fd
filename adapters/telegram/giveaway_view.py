"""Giveaway messages on Telegram: the post with its Enter button and a live entrant count,
entering and leaving by clicking, and the end (winners by mention, the message closed).

Live count: a click only marks its giveaway dirty; one flusher per giveaway re-reads the
giveaway from the database (so the latest count wins, whatever order clicks finish in) and
edits the message at most once per EDIT_EVERY seconds (the rate limiter paces the chat). Closing
the message (ended, cancelled) takes the same per-giveaway lock as the flusher, and the
flusher re-reads the status under it, so a late count edit never puts the button back.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot import i18n
from bot.domain.community import Context, Giveaway, GiveawayOutcome
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.i18n import t
from bot.services import replies
from bot.services.community_text import giveaway_text
from bot.services.giveaways import GiveawayService
from bot.services.live import LiveMessage

from . import keyboards
from .members import PLATFORM, chat_of, community_of
from .pacing import not_modified
from .rendering import HTML, ref_int, reply_to, to_html

log = logging.getLogger(__name__)

EDIT_EVERY = 2.0  # seconds between two edits of one giveaway message
_ANNOUNCED_KEEP = 120.0  # seconds a "just announced" mark is kept for the /giveaway end reply


def mention(user: UserRef) -> str:
    """An HTML mention of a Telegram user (a plain name for anyone else)."""
    name = html.escape(user.name or user.user_id, quote=False)
    if user.platform != PLATFORM or not user.user_id.isdigit():
        return name
    return f'<a href="tg://user?id={user.user_id}">{name}</a>'


def host_of(g: Giveaway, name: str = "") -> UserRef:
    """The host; their name is kept with the message reference when the giveaway is posted."""
    name = name or str(g.message_ref.get("host_name") or "") or "the host"
    return UserRef(g.host_platform, g.host_user_id, name)


def prize(g: Giveaway, winners: int) -> str:
    each = replies.credits(g.credits_each)
    return t("tg-each", credits=each) if winners > 1 else each


def ended_html(outcome: GiveawayOutcome) -> str:
    g = outcome.giveaway
    head = t("tg-ended-head", title=html.escape(g.title, quote=False), entrants=g.entrants)
    if outcome.winners:
        names = ", ".join(mention(w) for w in outcome.winners)
        body = t("tg-winners-line", count=len(outcome.winners), names=names,
                 prize=prize(g, len(outcome.winners)))
    else:
        body = t("tg-nobody")
    return f"{head}\n{body}\nid <code>{g.id}</code>"


def announcement_html(outcome: GiveawayOutcome) -> str:
    g = outcome.giveaway
    title = html.escape(g.title, quote=False)
    if outcome.winners:
        names = ", ".join(mention(w) for w in outcome.winners)
        text = t("tg-congrats", names=names, prize=prize(g, len(outcome.winners)), title=title)
    else:
        text = t("tg-no-entrants", title=title)
    text += "\n" + t("tg-host-ended", host=mention(host_of(g)))
    if outcome.returned_to_host:
        text += t("tg-back-to-you", credits=replies.credits(outcome.returned_to_host))
    return text


class _Live:
    """One giveaway message: its count edits go through the core's latest-wins helper; the
    final edit (ended, cancelled) takes the lock, so it never races a count edit."""

    def __init__(self, chat_id: int, message_id: int) -> None:
        self.chat_id, self.message_id = chat_id, message_id
        self.lock = asyncio.Lock()
        self.closed = False
        self.writes = LiveMessage(interval=EDIT_EVERY)


class GiveawayMessages:
    def __init__(
        self, giveaways: GiveawayService, bot: Bot, ready: asyncio.Event
    ) -> None:
        self.giveaways = giveaways
        self.bot = bot
        self.ready = ready  # set once the bot is connected: announcements wait for it
        self._live: dict[str, _Live] = {}
        self._announced: dict[str, float] = {}

    def running_html(self, g: Giveaway, host_name: str = "") -> str:
        return (f"{to_html(giveaway_text(g, self.giveaways.clock()))}\n"
                + t("tg-hosted-by", host=mention(host_of(g, host_name))))

    def keyboard(self, g: Giveaway) -> InlineKeyboardMarkup:
        return keyboards.giveaway_keyboard(g.id, replies.GIVEAWAY_ENTER)

    async def post(self, g: Giveaway, chat_id: int, reply_to_id: int | None, host: UserRef) -> bool:
        """Post a new giveaway with its Enter button. Not posted: the core cancels it (a
        host's hold goes back) and this returns False."""
        if g.message_ref.get("message_id"):
            return True  # the same command delivered twice: it is posted already

        async def send() -> dict[str, int | str]:
            sent = await self.bot.send_message(
                chat_id, self.running_html(g, host.name), parse_mode=HTML,
                reply_markup=self.keyboard(g), reply_parameters=reply_to(reply_to_id),
            )
            return {"chat_id": chat_id, "message_id": sent.message_id, "host_name": host.name}

        posted = await self.giveaways.publish(g, send)
        if posted:
            log.info("giveaway %s posted in chat %s", g.id, chat_id)
        return posted

    async def toggle(self, ctx: Context, giveaway_id: str, chat_id: int, message_id: int) -> str:
        """A click on Enter: enter, or leave when already in. Returns the answer to show."""
        try:
            g = await self.giveaways.get(giveaway_id)
        except RequestError:
            g = None
        if g is None or g.platform != PLATFORM or g.community != community_of(chat_id):
            log.info("giveaway button for an unknown giveaway %r", giveaway_id)
            return replies.GIVEAWAY_EXPIRED
        inside, g = await self.giveaways.toggle(ctx, giveaway_id)  # refuses bots, ended ones
        log.info("giveaway %s: %s %s (%d in)", g.id, ctx.user.key,
                 "entered" if inside else "left", g.entrants)
        self._touch(g, ref_int(g.message_ref, "chat_id") or chat_id,
                    ref_int(g.message_ref, "message_id") or message_id)
        return replies.GIVEAWAY_IN if inside else replies.GIVEAWAY_LEFT

    async def refresh(self, giveaway_id: str) -> None:
        """Update the count on the message after an entry typed as a command."""
        g = await self.giveaways.get(giveaway_id)
        chat_id, message_id = (ref_int(g.message_ref, k) for k in ("chat_id", "message_id"))
        if g.platform == PLATFORM and g.status == "running" and chat_id and message_id:
            self._touch(g, chat_id, message_id)

    # -- the live count ------------------------------------------------------------------

    def _touch(self, g: Giveaway, chat_id: int, message_id: int) -> None:
        live = self._live.get(g.id)
        if live is None:
            live = self._live[g.id] = _Live(chat_id, message_id)
        live.writes.push(lambda: self._write_count(g.id, live))

    async def _write_count(self, giveaway_id: str, live: _Live) -> None:
        async with live.lock:
            g = await self.giveaways.get(giveaway_id)
            if live.closed or g.status != "running":
                live.closed = True
                if self._live.get(giveaway_id) is live:
                    del self._live[giveaway_id]
                return
            with i18n.use(await self.giveaways.locale_of(g.community)):  # a public post
                text, markup = self.running_html(g), self.keyboard(g)
            if not await self._edit(live, text, markup):
                live.writes.push(lambda: self._write_count(giveaway_id, live))  # after back-off

    async def _edit(self, live: _Live, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """One edit; False when Telegram asked to wait (worth trying again)."""
        try:
            await self.bot.edit_message_text(text, chat_id=live.chat_id, parse_mode=HTML,
                                             message_id=live.message_id, reply_markup=markup)
        except RetryAfter as exc:
            log.info("giveaway count edit rate-limited in chat %s (%s)", live.chat_id, exc)
            return False
        except BadRequest as exc:
            if not not_modified(exc):
                log.warning("giveaway message edit refused in chat %s: %s", live.chat_id, exc)
        except TelegramError as exc:
            log.warning("giveaway message edit failed in chat %s: %s", live.chat_id, exc)
        return True

    # -- the end -------------------------------------------------------------------------

    async def announce(self, outcome: GiveawayOutcome) -> None:
        """The service's announcer: winners by mention, the host told, the message closed."""
        await self.ready.wait()
        g = outcome.giveaway
        chat_id = ref_int(g.message_ref, "chat_id") or chat_of(g.community)
        if chat_id is None:
            log.warning("giveaway %s has no Telegram chat to announce in", g.id)
            return
        message_id = ref_int(g.message_ref, "message_id")
        await self._close(g, chat_id, message_id, ended_html(outcome))
        try:
            await self.bot.send_message(chat_id, announcement_html(outcome), parse_mode=HTML,
                                        reply_parameters=reply_to(message_id))
        except TelegramError as exc:
            log.warning("could not announce giveaway %s in chat %s: %s", g.id, chat_id, exc)
            return
        now = time.monotonic()
        self._announced = {k: t for k, t in self._announced.items() if t > now - _ANNOUNCED_KEEP}
        self._announced[g.id] = now

    def just_announced(self, giveaway_id: str) -> bool:
        """True once if this process announced the giveaway in the last minutes."""
        return self._announced.pop(giveaway_id, None) is not None

    async def cancelled(self, giveaway_id: str) -> None:
        """Close the message of a giveaway cancelled by /giveaway cancel."""
        g = await self.giveaways.get(giveaway_id)
        chat_id = ref_int(g.message_ref, "chat_id")
        if g.status == "cancelled" and g.platform == PLATFORM and chat_id is not None:
            title = html.escape(g.title, quote=False)
            text = t("tg-cancelled", title=title) + f"\nid <code>{g.id}</code>"
            await self._close(g, chat_id, ref_int(g.message_ref, "message_id"), text)

    async def _close(self, g: Giveaway, chat_id: int, message_id: int | None, text: str) -> None:
        """Replace the giveaway message with its final text, without the button."""
        live = self._live.pop(g.id, None) or _Live(chat_id, message_id or 0)
        live.closed = True
        await live.writes.close(keep_spacing=False)  # a count edit in flight lands first
        if message_id is None:
            return
        async with live.lock:
            live.chat_id, live.message_id = chat_id, message_id
            await self._edit(live, text, None)
