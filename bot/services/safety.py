"""The safety policy, enforced: which level applies where, the check every request (and
every click) passes before anything is charged, bans, automatic timeouts, and the audit.

A block costs nothing and calls no provider: `check` raises SafetyBlocked (a BotError)
before GenerationService opens the job. Each block is audited (the prompt only when
SAFETY_LOG_PROMPTS=true) and counts towards an automatic timeout: by default 3 blocks in
24 hours time the person out in that server for 1 h, then 6 h, then 24 h.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot import i18n
from bot.domain.community import format_duration
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.domain.prompt_filter import LEVEL, OPERATOR, SERVER, FilterRules, ServerWord
from bot.domain.safety import (
    AuditEntry,
    Ban,
    Level,
    Place,
    Resolution,
    SafetyBlocked,
    SafetyStore,
    resolve,
)
from bot.i18n import t

log = logging.getLogger(__name__)
DAY = 86400.0
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MIN_BAN, MAX_BAN = 60, 365 * 86400


def parse_span(text: str, what: str = "A ban", low: int = MIN_BAN, high: int = MAX_BAN) -> int:
    """`1h30m`, `2d`, `45m` -> seconds."""
    m = _DURATION.match((text or "").strip().lower())
    if not (text or "").strip() or not m or not any(m.groups()):
        raise RequestError(f"`{text[:20]}` is not a duration. Write it like 45m, 1h30m or 7d.",
                           key="not-ban-duration", value=text[:20])
    d, h, mi, s = (int(g or 0) for g in m.groups())
    total = d * 86400 + h * 3600 + mi * 60 + s
    if not low <= total <= high:
        # Only a ban's range is said to members; the operator's own knobs stay in English.
        raise RequestError(f"{what} lasts between {format_duration(low)} and "
                           f"{format_duration(high)}.", key="ban-range" if what == "A ban" else "",
                           low=i18n.Span(low), high=i18n.Span(high))
    return total


@dataclass(frozen=True)
class Escalation:
    """`strikes` blocks within `window` seconds -> the next timeout of `timeouts`
    (the last one repeats). `strikes` 0 turns it off."""

    strikes: int = 3
    window: float = DAY
    timeouts: tuple[float, ...] = (3600.0, 6 * 3600.0, DAY)

    @classmethod
    def parse(cls, strikes: int, window: str, timeouts: str) -> Escalation:
        spans = tuple(float(parse_span(t, "A timeout")) for t in timeouts.split(",") if t.strip())
        return cls(strikes, float(parse_span(window, "The window")), spans or cls.timeouts)


# What a member is told when a prompt is stopped, in their language (the check runs in
# their event, so the words are rendered at once).
KIND_KEYS = {OPERATOR: "safety-refused-everywhere", SERVER: "safety-server-word"}


def kind_text(kind: str) -> str | None:
    key = KIND_KEYS.get(kind)
    return t(key) if key else None


def level_text(level: Level) -> str:
    return t("safety-level", level=level.label)


def until_text(until: float | None) -> str:
    if until is None:
        return t("until-lifted")
    return t("until-time", time=datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC"))


@dataclass
class SafetyService:
    store: SafetyStore
    rules: FilterRules
    dm_level: Level = Level.STRICT
    max_level: Level = Level.STANDARD
    log_prompts: bool = False
    log_days: float = 30.0
    escalation: Escalation = field(default_factory=Escalation)
    clock: Callable[[], float] = time.time
    max_words: int = 200

    async def policy(self, place: Place) -> Resolution:
        if place.is_dm:
            server, channel = None, None
        else:
            server, channel = await self.store.levels(place.community, place.channel)
        return self._resolve(place, server, channel)

    def _resolve(self, place: Place, server: Level | None, channel: Level | None) -> Resolution:
        return resolve(place, server=server, channel=channel, dm_level=self.dm_level,
                       max_level=self.max_level)

    async def server_words(self, community: str) -> list[ServerWord]:
        return self._parse_words(community, await self.store.words(community))

    @staticmethod
    def _parse_words(community: str, texts: Sequence[str]) -> list[ServerWord]:
        words = []
        for text in texts:
            try:
                words.append(ServerWord.parse(text))
            except RequestError:  # stored by an older rule; skip rather than block everyone
                log.warning("server word of %s no longer parses; ignored", community)
        return words

    async def check(self, place: Place, user: UserRef, prompt: str, model_id: str = "") -> Level:
        """Raise SafetyBlocked if `user` may not make `prompt` at `place`; else the level."""
        now = self.clock()
        # The ban, the levels and the server's words: one read (one round trip), each time,
        # so an admin's change applies to the very next request on every process.
        gate = await self.store.gate(place.community, place.channel, user.platform,
                                     user.user_id, now, place_rules=not place.is_dm)
        if gate.ban is not None:
            await self._audit(place, user, "banned", "ban", model_id, prompt)
            raise SafetyBlocked(self._ban_text(gate.ban), kind="ban")
        policy = self._resolve(place, gate.server, gate.channel)
        words = [] if place.is_dm else self._parse_words(place.community, gate.words)
        verdict = self.rules.check(prompt, policy.level, words)
        if not verdict.blocked:
            return policy.level
        kind = verdict.kind or LEVEL
        log.info("prompt blocked by the %s rule for %s in %s", kind, user.key, place.community)
        await self._audit(place, user, "blocked", kind, model_id, prompt)
        text = kind_text(kind) or level_text(policy.level)
        timeout = await self._escalate(place, user, now)
        if timeout:
            text += t("safety-timed-out-now", strikes=self.escalation.strikes,
                      window=i18n.duration(self.escalation.window),
                      span=i18n.duration(timeout))
        raise SafetyBlocked(text, kind=kind)

    async def record(self, place: Place, user: UserRef, verdict: str, rule: str, *,
                     model_id: str = "", route: str = "", vendor_reason: str = "",
                     prompt: str = "") -> None:
        """An outcome after generation (refused, flagged, spoilered) into the audit."""
        await self._audit(place, user, verdict, rule, model_id, prompt, route, vendor_reason)

    async def _escalate(self, place: Place, user: UserRef, now: float) -> float:
        rule = self.escalation
        if rule.strikes <= 0 or not rule.timeouts:
            return 0.0
        blocks = await self.store.count(place.community, user.platform, user.user_id,
                                        "blocked", now - rule.window)
        if blocks == 0 or blocks % rule.strikes:
            return 0.0
        earlier = await self.store.count(place.community, user.platform, user.user_id,
                                         "timeout", now - self.log_days * DAY)
        span = rule.timeouts[min(earlier, len(rule.timeouts) - 1)]
        reason = f"{blocks} blocked prompts in {format_duration(rule.window)}"
        await self.store.ban(place.community, user.platform, user.user_id,
                             Ban(now + span, reason, "auto", auto=True), now)
        await self._audit(place, user, "timeout", format_duration(span))
        log.info("%s timed out in %s for %ds", user.key, place.community, span)
        return span

    async def _audit(self, place: Place, user: UserRef, verdict: str, rule: str,
                     model_id: str = "", prompt: str = "", route: str = "",
                     vendor_reason: str = "") -> None:
        now = self.clock()
        entry = AuditEntry(now, user.platform, place.community, user.user_id, verdict, rule,
                           channel=place.channel, model_id=model_id, route=route,
                           vendor_reason=vendor_reason,
                           prompt=prompt[:1500] if self.log_prompts and prompt else None)
        await self.store.audit(entry, keep_after=now - self.log_days * DAY)

    def _ban_text(self, ban: Ban) -> str:
        if ban.auto:
            return t("safety-auto-ban", until=until_text(ban.until))
        why = t("safety-ban-why", reason=ban.reason) if ban.reason else ""
        return t("safety-ban", until=until_text(ban.until), why=why)

    # -- for the admin commands -----------------------------------------------------------

    async def set_level(self, place: Place, channel: str, level: Level | None, by: str,
                        age_restricted: bool) -> Resolution:
        """Store the level (None: back to the default); the resolution where it applies."""
        await self.store.set_level(place.community, channel, level, by, self.clock())
        where = Place(place.platform, place.community, channel=channel,
                      age_restricted=age_restricted if channel else place.age_restricted)
        return await self.policy(where)

    async def words(self, community: str) -> list[str]:
        return await self.store.words(community)

    async def add_word(self, community: str, text: str, by: str) -> tuple[str, bool | None]:
        word = ServerWord.parse(text)  # refuses a bad regex before anything is stored
        return word.text, await self.store.add_word(community, word.text, by, self.clock(),
                                                    self.max_words)

    async def remove_word(self, community: str, text: str) -> tuple[str, bool]:
        word = ServerWord.parse(text).text
        return word, await self.store.remove_word(community, word)

    async def ban(self, community: str, user: UserRef, seconds: int | None, reason: str,
                  by: str) -> Ban:
        now = self.clock()
        ban = Ban(now + seconds if seconds else None, reason[:200], by)
        await self.store.ban(community, user.platform, user.user_id, ban, now)
        return ban

    async def unban(self, community: str, user: UserRef) -> bool:
        return await self.store.unban(community, user.platform, user.user_id)

    async def log(self, community: str, user: UserRef | None, limit: int = 15
                  ) -> Sequence[AuditEntry]:
        return await self.store.log(community, user.platform if user else None,
                                    user.user_id if user else None, limit)
