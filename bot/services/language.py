"""Which language to speak with whom: a person's choice, the platform's, the server's.

    person's /language  >  the platform's locale (Discord client, Telegram app)  >
    the server's or group's /language server  >  English

Public posts (giveaway announcements) speak the server's default instead: they are read by
everyone there. Each platform boundary asks `for_event` once per event and sets the result
with bot.i18n.set_locale; nothing below the boundary picks a language again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot import i18n
from bot.domain.credits import UserRef
from bot.domain.locales import LocaleStore


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

    async def for_event(self, user: UserRef, community: str, *platform: str | None) -> str:
        """The language of one person's event here; `platform`: the platform's own codes,
        most specific first (Discord: the interaction's locale, then the guild's)."""
        chosen = await self.store.chosen(user, community)
        return pick(chosen.person, *platform, chosen.place)

    async def for_place(self, user: UserRef, community: str, *platform: str | None) -> str:
        """The language of a public post here: the server's default, then the platform's."""
        chosen = await self.store.chosen(user, community)
        return pick(chosen.place, *platform)

    async def for_community(self, community: str) -> str:
        """A public post with no person behind it (a timer's announcement): the default."""
        return await self.for_place(UserRef("", ""), community)

    async def choose(self, account_id: int, code: str | None, by: str) -> None:
        await self.store.choose_for_account(account_id, code, by, self.clock())

    async def choose_for_place(self, community: str, code: str | None, by: str) -> None:
        await self.store.choose_for_place(community, code, by, self.clock())


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
