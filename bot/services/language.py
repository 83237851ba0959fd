"""Which language to speak with whom: a person's choice, the platform's, the server's.

    person's /language  >  the platform's locale (Discord client, Telegram app)  >
    the server's or group's /language server  >  English

Public posts (giveaway announcements) speak the server's default instead: they are read by
everyone there. Each platform boundary asks `for_event` once per event and sets the result
with bot.i18n.set_locale; nothing below the boundary picks a language again.

Choices are cached per process for CACHE_SECONDS: reading them was one database round trip
on every event, on the hot path of every reply. A choice made through this process applies at
once (the cache is dropped); one made through another process of the fleet, or a wallet link
that changes whose choice counts, applies within CACHE_SECONDS. Only words depend on it, never
money.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot import i18n
from bot.domain.credits import UserRef
from bot.domain.locales import Chosen, LocaleStore

CACHE_SECONDS = 30.0
CACHE_MAX = 20_000  # people and places remembered at once; all forgotten when over


def pick(*codes: str | None) -> str:
    """The first of `codes` that names a supported language (normalised), else English."""
    for code in codes:
        found = i18n.match(code)
        if found:
            return found
    return i18n.DEFAULT


class LanguageService:
    def __init__(self, store: LocaleStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[tuple[str, str, str], tuple[Chosen, float]] = {}

    async def _chosen(self, user: UserRef, community: str) -> Chosen:
        key = (user.platform, user.user_id, community)
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        chosen = await self.store.chosen(user, community)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[key] = (chosen, now + CACHE_SECONDS)
        return chosen

    async def for_event(self, user: UserRef, community: str, *platform: str | None) -> str:
        """The language of one person's event here; `platform`: the platform's own codes,
        most specific first (Discord: the interaction's locale, then the guild's)."""
        chosen = await self._chosen(user, community)
        return pick(chosen.person, *platform, chosen.place)

    async def for_place(self, user: UserRef, community: str, *platform: str | None) -> str:
        """The language of a public post here: the server's default, then the platform's."""
        chosen = await self._chosen(user, community)
        return pick(chosen.place, *platform)

    async def for_community(self, community: str) -> str:
        """A public post with no person behind it (a timer's announcement): the default."""
        return await self.for_place(UserRef("", ""), community)

    async def choose(self, account_id: int, code: str | None, by: str) -> None:
        await self.store.choose_for_account(account_id, code, by, self.clock())
        self._cache.clear()  # whoever spoke through this process hears the change at once

    async def choose_for_place(self, community: str, code: str | None, by: str) -> None:
        await self.store.choose_for_place(community, code, by, self.clock())
        self._cache.clear()


def name_of(code: str) -> str:
    """A language's own name: English, español, português (Brasil), русский ..."""
    try:
        name = i18n.locale_of(code).get_display_name(i18n.locale_of(code)) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]


def choices() -> str:
    """Every supported language, as `code` (name), for /language and its refusals."""
    return ", ".join(f"`{code}` ({name_of(code)})" for code in i18n.supported())
