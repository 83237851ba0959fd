"""The safety policy: levels, the place a request comes from, and which level applies there.

    strict    safe for all ages (the default in DMs and private chats: DM_SAFETY_LEVEL)
    standard  the default in servers and groups
    mature    adult themes; only where the platform allows it (a Discord age-restricted
              channel, a thread of one; a Telegram group whose admins set it)

The operator caps every place at MAX_SAFETY_LEVEL (default standard). `resolve` returns the
level AND the reasons, so /safety can explain it and an admin who sets `mature` where it
cannot apply is told it falls back to `standard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from bot.domain.errors import BotError, RequestError


class Level(IntEnum):
    """Ordered: a higher level allows more."""

    STRICT = 0
    STANDARD = 1
    MATURE = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        word = (text or "").strip().lower()
        for level in cls:
            if level.label == word:
                return level
        raise RequestError(
            f"`{word[:20]}` is not a safety level. Use strict, standard or mature."
        )


@dataclass(frozen=True)
class Place:
    """Where a request (or a click) happens, as its adapter saw it.

    `community` is the server or group (`discord:guild:1`, `telegram:chat:-100`) or the
    private chat (`discord:dm:7`, `telegram:chat:42`). `channel` is the Discord channel id
    whose policy applies: for a thread, its parent's (a thread follows its parent), and
    `age_restricted` is that channel's flag. Telegram groups have no channels."""

    platform: str
    community: str
    channel: str = ""
    age_restricted: bool = False
    is_dm: bool = False

    @classmethod
    def private(cls, platform: str, user_id: str) -> Place:
        kind = "chat" if platform == "telegram" else "dm"
        return cls(platform, f"{platform}:{kind}:{user_id}", is_dm=True)

    def mature_allowed(self) -> bool:
        """Whether the platform lets `mature` apply here at all."""
        if self.is_dm:
            return False
        if self.platform == "discord":
            return self.age_restricted
        return self.platform == "telegram"  # a group whose admins set it (no platform flag)

    def mature_rule_key(self) -> str:
        """Which of the three mature_rule texts applies (dm, discord or group)."""
        return "dm" if self.is_dm else ("discord" if self.platform == "discord" else "group")

    def mature_rule(self) -> str:
        if self.is_dm:
            return "mature never applies in private chats"
        if self.platform == "discord":
            return "mature applies only in age-restricted channels (and their threads)"
        return "mature applies only in groups"


@dataclass(frozen=True)
class Resolution:
    level: Level
    reasons: tuple[str, ...]
    fell_back: bool = False  # mature was set but cannot apply here
    # The same reasons as catalog keys and their values, for readers in other languages.
    keyed: tuple[tuple[str, dict[str, str]], ...] = ()


def resolve(
    place: Place,
    *,
    server: Level | None,
    channel: Level | None,
    dm_level: Level,
    max_level: Level,
) -> Resolution:
    """The level that applies at `place`, and why (in the order the rules apply)."""
    reasons: list[str] = []
    keyed: list[tuple[str, dict[str, str]]] = []
    fell_back = False
    if place.is_dm:
        level = dm_level
        reasons.append(f"private chat: the bot's DM level is {level.label}")
        keyed.append(("why-dm", {"level": level.label}))
    else:
        level = server if server is not None else Level.STANDARD
        reasons.append(f"server default: {level.label}" + ("" if server is not None
                                                              else " (not set)"))
        keyed.append(("why-server" if server is not None else "why-server-unset",
                      {"level": level.label}))
        if channel is not None:
            level = channel
            reasons.append(f"channel override: {level.label}")
            keyed.append(("why-channel", {"level": level.label}))
    if level is Level.MATURE and not place.mature_allowed():
        level = Level.STANDARD
        fell_back = True
        reasons.append(f"platform rule: {place.mature_rule()}, so standard")
        keyed.append(("why-platform-" + place.mature_rule_key(), {}))
    if level > max_level:
        level = max_level
        reasons.append(f"operator cap: nothing looser than {max_level.label}")
        keyed.append(("why-cap", {"level": max_level.label}))
    return Resolution(level, tuple(reasons), fell_back, tuple(keyed))


class SafetyBlocked(BotError):
    """A request the policy stops before anything is charged. `kind` names the rule kind
    (never the matched term)."""

    def __init__(self, user_message: str, *, kind: str) -> None:
        super().__init__(user_message)
        self.kind = kind


@dataclass(frozen=True)
class Ban:
    until: float | None  # None: until an admin lifts it
    reason: str
    by: str
    auto: bool = False  # an automatic timeout after repeated blocks


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit: a block, a refusal, a flagged result, a timeout."""

    at: float
    platform: str
    community: str
    user_id: str
    verdict: str  # blocked | banned | refused | flagged | spoilered | timeout
    rule: str = ""  # operator | level | server | ban | the vendor's category
    channel: str = ""
    model_id: str = ""
    route: str = ""
    vendor_reason: str = ""
    prompt: str | None = None  # kept only when SAFETY_LOG_PROMPTS=true


@dataclass(frozen=True)
class Gate:
    """What the check before a request needs, read together: the person's active ban there
    (or None), the server's level and the channel's override (None where not set), and the
    server's own words (as stored)."""

    ban: Ban | None
    server: Level | None
    channel: Level | None
    words: tuple[str, ...]


class SafetyStore(Protocol):
    async def gate(self, community: str, channel: str, platform: str, user_id: str,
                   now: float, place_rules: bool) -> Gate:
        """The ban, levels and words of one check in one round trip (`place_rules` False,
        a private chat: only the ban)."""
        ...

    async def levels(self, community: str, channel: str) -> tuple[Level | None, Level | None]:
        """(the server's level, the channel's override), None where not set."""
        ...

    async def set_level(self, community: str, channel: str, level: Level | None, by: str,
                        now: float) -> None: ...
    async def words(self, community: str) -> list[str]: ...

    async def add_word(self, community: str, word: str, by: str, now: float,
                       limit: int) -> bool | None:
        """True: added; False: already there; None: the list is full."""
        ...

    async def remove_word(self, community: str, word: str) -> bool: ...
    async def ban(self, community: str, platform: str, user_id: str, ban: Ban,
                  now: float) -> None: ...
    async def unban(self, community: str, platform: str, user_id: str) -> bool: ...
    async def active_ban(self, community: str, platform: str, user_id: str,
                         now: float) -> Ban | None: ...

    async def audit(self, entry: AuditEntry, keep_after: float) -> None:
        """Write `entry`; rows older than `keep_after` go in the same transaction."""
        ...

    async def count(self, community: str, platform: str, user_id: str, verdict: str,
                    since: float) -> int: ...
    async def log(self, community: str, platform: str | None, user_id: str | None,
                  limit: int) -> list[AuditEntry]: ...


@dataclass(frozen=True)
class ChannelRef:
    """A channel an admin named (Discord's channel option)."""

    id: str
    name: str = ""
    age_restricted: bool = False
