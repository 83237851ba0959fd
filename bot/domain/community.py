"""Community credits: who is acting where, giveaways, and the text option grammar.

Text surfaces (Telegram, console) write options as Discord names them, `name:value` in any
order: `/giveaway start credits:100 winners:2 duration:1h30m Summer drop`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.domain.credits import LedgerEntry, UserRef
from bot.domain.errors import RequestError
from bot.domain.keys import giveaway_hold
from bot.domain.safety import Place

MIN_GIVEAWAY_SECONDS = 10
MAX_GIVEAWAY_SECONDS = 30 * 24 * 3600
MAX_WINNERS = 50
MAX_AMOUNT = 1_000_000
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_OPTION = re.compile(r"^([a-z_]+):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    """Who acts, and where. `community` names the server or group ("discord:guild:1",
    "telegram:chat:-100"), or the private chat. `is_admin` is the platform's verdict
    (Manage Server, chat administrator); operator ids from settings are added by the service."""

    user: UserRef
    community: str
    is_admin: bool = False
    event_key: str = ""
    is_bot: bool = False
    place: Place | None = None  # the channel or chat, for the safety policy


@dataclass
class Giveaway:
    id: str
    platform: str
    community: str
    host_platform: str
    host_user_id: str
    host_account: int
    funded_by: str  # bot | host
    credits_each: int
    winners: int
    title: str
    ends_at: float
    status: str  # running | ended | cancelled
    message_ref: dict[str, Any] = field(default_factory=dict)
    event_key: str = ""
    created_at: float = 0.0
    ended_at: float | None = None
    entrants: int = 0

    @property
    def total(self) -> int:
        return self.credits_each * self.winners

    @property
    def hold_key(self) -> str:
        return giveaway_hold(self.id)


@dataclass(frozen=True)
class GiveawayOutcome:
    giveaway: Giveaway
    winners: list[UserRef]
    returned_to_host: int = 0
    already_ended: bool = False


def parse_duration(text: str) -> int:
    """`30s`, `10m`, `1h30m`, `2d` -> seconds, between 10 seconds and 30 days."""
    m = _DURATION.match(text.strip().lower())
    if not text.strip() or not m or not any(m.groups()):
        raise RequestError(f"`{text[:20]}` is not a duration. Write it like 30s, 10m, 1h30m or 2d.",
                           key="not-duration", value=text[:20])
    days, hours, minutes, seconds = (int(g or 0) for g in m.groups())
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if total < MIN_GIVEAWAY_SECONDS:
        raise RequestError("A giveaway lasts at least 10 seconds.", key="giveaway-too-short")
    if total > MAX_GIVEAWAY_SECONDS:
        raise RequestError("A giveaway lasts at most 30 days.", key="giveaway-too-long")
    return total


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts[:2])


_WHAT_KEYS = {"amount": "amount", "prize": "prize", "number of winners": "winners"}


def parse_amount(value: str | int, what: str = "amount") -> int:
    # The catalog key names what is counted (amount-..., prize-..., winners-...).
    slug = _WHAT_KEYS.get(what, "amount")
    try:
        amount = int(str(value).strip())
    except ValueError:
        shown = str(value)[:20]
        raise RequestError(f"The {what} must be a whole number, not `{shown}`.",
                           key=f"{slug}-not-number", value=shown) from None
    if amount <= 0:
        raise RequestError(f"The {what} must be at least 1.", key=f"{slug}-too-small")
    if amount > MAX_AMOUNT:
        raise RequestError(f"The {what} can be at most {MAX_AMOUNT:,}.",
                           key=f"{slug}-too-big", max=MAX_AMOUNT)
    return amount


def parse_winners(value: str | int) -> int:
    winners = parse_amount(value, "number of winners")
    if winners > MAX_WINNERS:
        raise RequestError(f"A giveaway has 1 to {MAX_WINNERS} winners.", key="winners-range",
                           max=MAX_WINNERS)
    return winners


def split_options(text: str, names: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Pull `name:value` options (known names only) out of text; the rest stays in order."""
    options: dict[str, str] = {}
    rest: list[str] = []
    for word in text.split():
        m = _OPTION.match(word)
        if m and m.group(1).lower() in names:
            name = m.group(1).lower()
            if name in options:
                raise RequestError(f"`{name}:` is given twice; give it once.", key="given-twice",
                                   option=f"{name}:")
            options[name] = m.group(2)
        else:
            rest.append(word)
    return options, rest


class CommunityStore(Protocol):
    async def seen(
        self, community: str, user: UserRef, username: str = "", is_bot: bool = False
    ) -> None: ...
    async def find_username(self, platform: str, username: str) -> tuple[UserRef, bool] | None: ...
    async def is_known_bot(self, user: UserRef) -> bool: ...
    async def leaderboard(
        self, platform: str, community: str, limit: int = 10
    ) -> list[tuple[str, int]]: ...
    async def claim_daily(
        self, account_id: int, amount: int, now: float, period: float
    ) -> float | None: ...
    async def history(self, account_id: int, limit: int) -> list[LedgerEntry]: ...
    async def log_admin(
        self, platform: str, community: str, actor: str, action: str, detail: str, allowed: bool
    ) -> None: ...
    async def create_link_code(
        self, user: UserRef, account_id: int, code_hash: str, expires_at: float
    ) -> None: ...
    async def redeem_link_code(
        self, code_hash: str, user: UserRef, account_id: int, now: float
    ) -> tuple[int, int]: ...


Entry = tuple[str, str, str]  # platform, user id, name


class GiveawayStore(Protocol):
    async def create(self, g: Giveaway) -> tuple[Giveaway, bool]: ...
    async def get(self, giveaway_id: str) -> Giveaway: ...
    async def set_message(self, giveaway_id: str, message_ref: dict[str, Any]) -> None: ...
    async def running(self, community: str | None = None) -> list[Giveaway]: ...
    async def toggle_entry(
        self, giveaway_id: str, user: UserRef, leave: bool | None
    ) -> tuple[bool, Giveaway]: ...
    async def finish(
        self, giveaway_id: str, choose: Callable[[Sequence[Entry], int], list[Entry]], now: float
    ) -> GiveawayOutcome: ...
    async def cancel(self, giveaway_id: str, now: float) -> Giveaway: ...
    async def unannounced(self, ended_before: float | None = None) -> list[GiveawayOutcome]: ...

    async def mark_announced(self, giveaway_id: str, now: float) -> bool:
        """Record the announcement; False if it was recorded before."""
        ...
    async def reroll(
        self, giveaway_id: str, count: int, choose: Callable[[Sequence[Entry], int], list[Entry]]
    ) -> list[UserRef]: ...
