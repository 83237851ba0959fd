"""Who acts, and where: the community Context of a Telegram update.

- `community` is the chat: `telegram:chat:<chat_id>` (a group, or a private chat).
- Admins are the chat's administrators, asked from Telegram (`getChatAdministrators`) and
  cached per chat for ADMIN_TTL seconds; in a private chat nobody is (operator ids from
  ADMIN_USER_IDS are added by the service). A failed lookup means "not an admin" and is not
  cached, so the next command asks again.
- Every person the bot hears from is recorded as a member of the chat (`seen`), so
  `@username` lookups and /leaderboard know the group. Writes are throttled in memory: the
  same person in the same chat with the same names is written at most every SEEN_EVERY s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot, Chat, Message, User
from telegram.error import TelegramError

from bot.domain import keys
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.safety import Place
from bot.services.community import CommunityService

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ADMIN_TTL = 60.0  # seconds a chat's administrator list is trusted
SEEN_EVERY = 300.0  # seconds between two `seen` writes for the same unchanged member
_MAX_CACHED = 5000


def community_of(chat_id: int) -> str:
    return keys.community(PLATFORM, "chat", chat_id)


def chat_of(community: str) -> int | None:
    """The chat id in `telegram:chat:<id>`; None for anything else."""
    head, _, tail = community.rpartition(":")
    if head != "telegram:chat":
        return None
    try:
        return int(tail)
    except ValueError:
        return None


def place_of(chat: Chat) -> Place:
    """Where a Telegram update happens, for the safety policy. A group has one policy (the
    Bot API has no age flag: mature applies where the group's admins set it)."""
    if chat.type == Chat.PRIVATE:
        return Place.private(PLATFORM, str(chat.id))
    return Place(PLATFORM, community_of(chat.id))


def is_anonymous_admin(message: Message | None) -> bool:
    """A message sent on behalf of the group itself: only its administrators can do that
    (Telegram's anonymous admin mode)."""
    return (message is not None and message.sender_chat is not None
            and message.sender_chat.id == message.chat.id and message.chat.type != Chat.PRIVATE)


def user_ref(user: User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.full_name or user.username or str(user.id))


class AdminCache:
    """Chat administrators per chat, asked from Telegram at most once per `ttl` seconds
    (concurrent questions about one chat share one request)."""

    def __init__(
        self, bot: Bot, ttl: float = ADMIN_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.bot = bot
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[int, tuple[float, frozenset[int]]] = {}
        self._pending: dict[int, asyncio.Future[frozenset[int]]] = {}

    async def is_admin(self, chat: Chat, user_id: int) -> bool:
        if chat.type == Chat.PRIVATE:
            return False
        return user_id in await self.admins(chat.id)

    async def admins(self, chat_id: int) -> frozenset[int]:
        cached = self._cache.get(chat_id)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        pending = self._pending.get(chat_id)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(chat_id))
            self._pending[chat_id] = pending
            pending.add_done_callback(lambda _: self._pending.pop(chat_id, None))
        return await asyncio.shield(pending)

    async def _fetch(self, chat_id: int) -> frozenset[int]:
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("could not get the administrators of chat %s: %s", chat_id, exc)
            return frozenset()
        ids = frozenset(m.user.id for m in members)
        now = self.clock()
        if len(self._cache) > _MAX_CACHED:
            self._cache = {c: v for c, v in self._cache.items() if v[0] > now}
        self._cache[chat_id] = (now + self.ttl, ids)
        return ids


class Members:
    def __init__(self, community: CommunityService, admins: AdminCache) -> None:
        self.community = community
        self.admins = admins
        self.bot = admins.bot
        self._seen: dict[tuple[int, int], tuple[str, str, float]] = {}

    async def context(self, chat: Chat, user: User, event_key: str, *, admin: bool = True,
                      message: Message | None = None) -> Context:
        """The one place a Context is built. `admin=False` skips the administrator lookup
        (for actions that never need it, like entering a giveaway). A `message` sent on
        behalf of the group (an anonymous admin) acts as the group, and is an admin."""
        if admin and is_anonymous_admin(message):
            assert message is not None and message.sender_chat is not None
            group = message.sender_chat
            return Context(UserRef(PLATFORM, str(group.id), group.title or "group admins"),
                           community_of(chat.id), is_admin=True, event_key=event_key,
                           place=place_of(chat))
        return Context(
            user=user_ref(user),
            community=community_of(chat.id),
            is_admin=admin and not user.is_bot and await self.admins.is_admin(chat, user.id),
            event_key=event_key,
            is_bot=user.is_bot,
            place=place_of(chat),
        )

    async def seen(self, chat: Chat, user: User) -> None:
        """Record `user` as a member of `chat` (throttled); never raises."""
        ref = user_ref(user)
        key, now = (chat.id, user.id), time.monotonic()
        last = self._seen.get(key)
        if last is not None and last[:2] == (user.username or "", ref.name) and last[2] > now:
            return
        try:
            ctx = Context(ref, community_of(chat.id), event_key="seen", is_bot=user.is_bot)
            await self.community.seen(ctx, user.username or "")
        except Exception:  # noqa: BLE001 - bookkeeping; the command itself must go on
            log.warning("could not record member %s of chat %s", user.id, chat.id, exc_info=True)
            return
        if len(self._seen) > _MAX_CACHED:
            self._seen = {k: v for k, v in self._seen.items() if v[2] > now}
        self._seen[key] = (user.username or "", ref.name, now + SEEN_EVERY)

    async def resolve(self, word: str) -> tuple[UserRef, bool] | None:
        """`@username` (or a bare username) of someone the bot has seen on Telegram."""
        return await self.community.find_username(PLATFORM, word)

    def replied(self, message: Message) -> tuple[UserRef, bool] | None:
        """The author of the message this one replies to: a reply names its target.
        Not this bot (people reply to its messages to talk to it), and not the opening
        message of a forum topic (every message in a topic "replies" to it)."""
        target = message.reply_to_message
        if target is None or target.from_user is None or target.from_user.id == self.bot.id:
            return None
        if message.is_topic_message and target.forum_topic_created is not None:
            return None
        return user_ref(target.from_user), target.from_user.is_bot
