"""Chosen languages: a person's own (/language es) and a server's or group's default.

A person's choice is kept on their account, so it follows their linked wallets to every
platform; a server's on its community key ("discord:guild:1", "telegram:chat:-100").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.credits import UserRef


def place_scope(community: str) -> str:
    return f"community:{community}"


@dataclass(frozen=True)
class Chosen:
    """What was chosen for one event: the person's language and the place's, if any."""

    person: str | None = None
    place: str | None = None


class LocaleStore(Protocol):
    async def chosen(self, user: UserRef, community: str) -> Chosen:
        """The person's and the place's choice, in one look-up (every event asks)."""

    async def choose_for_account(self, account_id: int, locale: str | None, by: str,
                                 now: float) -> None:
        """Set (None: forget) the language of an account."""

    async def choose_for_place(self, community: str, locale: str | None, by: str,
                               now: float) -> None:
        """Set (None: forget) the default language of a server or group."""
