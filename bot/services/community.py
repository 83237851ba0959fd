"""Economy commands shared by every surface: balance, history, daily, give, grant/take,
leaderboard, and linking one wallet across Discord and Telegram."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable

from bot import i18n
from bot.domain.community import CommunityStore, Context, format_duration, parse_amount
from bot.domain.credits import Ledger, LedgerEntry, UserRef
from bot.domain.errors import InsufficientCredits, PermissionDenied, RequestError

log = logging.getLogger(__name__)
DAY = 24 * 3600.0
LINK_TTL = 600.0
SEEN_EVERY = 300.0  # seconds between two `seen` writes for the same unchanged member
_MAX_SEEN = 5000  # remembered members before the expired ones are forgotten
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


def parse_admin_ids(text: str) -> set[str]:
    """`discord:123,telegram:456` -> {"discord:123", "telegram:456"}."""
    return {item.strip().lower() for item in text.split(",") if ":" in item.strip()}


class CommunityService:
    def __init__(
        self,
        ledger: Ledger,
        store: CommunityStore,
        *,
        welcome_credits: int = 50,
        daily_credits: int = 10,
        admin_ids: set[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.welcome_credits = welcome_credits
        self.daily_credits = daily_credits
        self.admin_ids = admin_ids or set()
        self.clock = clock
        # (community, person) -> (username, name, is_bot, next write): every message and
        # interaction says "seen", but an unchanged member is written at most every
        # SEEN_EVERY s (the leaderboard and @name lookups need no fresher last_seen).
        self._seen: dict[tuple[str, str], tuple[str, str, bool, float]] = {}

    async def account(self, user: UserRef) -> int:
        return await self.ledger.open_account(user, self.welcome_credits)

    def is_admin(self, ctx: Context) -> bool:
        return ctx.is_admin or ctx.user.key.lower() in self.admin_ids

    async def require_admin(self, ctx: Context, action: str, detail: str = "") -> None:
        """Refuse non-admins with a clear message; every attempt goes to the admin log."""
        allowed = self.is_admin(ctx)
        await self.store.log_admin(
            ctx.user.platform, ctx.community, ctx.user.key, action, detail, allowed
        )
        if not allowed:
            log.info("admin action refused: %s by %s", action, ctx.user.key)
            raise i18n.error(PermissionDenied, "admins-only", action=action)

    async def seen(self, ctx: Context, username: str = "") -> None:
        key, now = (ctx.community, ctx.user.key), self.clock()
        state = (username, ctx.user.name, ctx.is_bot)
        last = self._seen.get(key)
        if last is not None and last[:3] == state and last[3] > now:
            return
        if len(self._seen) > _MAX_SEEN:
            self._seen = {k: v for k, v in self._seen.items() if v[3] > now}
        # Noted before the write: the person's other interactions of the same moment (a
        # command and a click, /imagine and /balance) do not write the same row again.
        self._seen[key] = (*state, now + SEEN_EVERY)
        try:
            await self.store.seen(ctx.community, ctx.user, username, ctx.is_bot)
        except BaseException:
            if self._seen.get(key) == (*state, now + SEEN_EVERY):
                del self._seen[key]  # not written: the next interaction tries again
            raise

    async def balance(self, ctx: Context, target: UserRef | None = None) -> tuple[UserRef, int]:
        if target is not None and target.key != ctx.user.key:
            await self.require_admin(ctx, "/balance for someone else", target.key)
        who = target or ctx.user
        return who, (await self.ledger.account_balance(who, self.welcome_credits))[1]

    async def find_username(self, platform: str, username: str) -> tuple[UserRef, bool] | None:
        """Someone the bot has seen on this platform, by @username; (person, is a bot)."""
        return await self.store.find_username(platform, username)

    async def history(self, ctx: Context, limit: int = 10) -> list[LedgerEntry]:
        return await self.store.history(await self.account(ctx.user), limit)

    async def daily(self, ctx: Context) -> tuple[int, int]:
        """Claim the daily credits. Returns (credited, balance); raises with the wait time."""
        if self.daily_credits <= 0:
            raise i18n.error(RequestError, "daily-off")
        account = await self.account(ctx.user)
        next_at = await self.store.claim_daily(account, self.daily_credits, self.clock(), DAY)
        if next_at is not None:
            wait = next_at - self.clock()
            raise RequestError(
                f"You already claimed today's credits. The next claim opens in "
                f"{format_duration(wait)}.", key="daily-wait", wait=i18n.Span(wait))
        return self.daily_credits, await self.ledger.balance(account)

    async def give(
        self, ctx: Context, target: UserRef, amount: int | str, target_is_bot: bool = False
    ) -> tuple[int, int]:
        """Move some of my credits to someone else. Returns (amount, my new balance)."""
        amount = parse_amount(amount)
        if target.key == ctx.user.key:
            raise i18n.error(RequestError, "give-self")
        if target_is_bot or await self.store.is_known_bot(target):
            raise i18n.error(RequestError, "give-bot")
        source, dest = await self.account(ctx.user), await self.account(target)
        if source == dest:
            raise i18n.error(RequestError, "give-same-wallet")
        try:
            await self.ledger.transfer(
                source,
                dest,
                amount,
                "transfer",
                f"give:{ctx.event_key}",
                f"{ctx.user.key}->{target.key}",
            )
        except InsufficientCredits as exc:
            raise InsufficientCredits(
                f"You have {exc.balance} credits, so you can't give {amount}.",
                needed=amount,
                balance=exc.balance,
                key="give-not-enough", have=i18n.Count(exc.balance), amount=amount,
            ) from None
        return amount, await self.ledger.balance(source)

    async def grant(
        self, ctx: Context, target: UserRef, amount: int | str, reason: str = ""
    ) -> int:
        amount = parse_amount(amount)
        await self.require_admin(ctx, "/credits grant", f"{target.key} +{amount} {reason}".strip())
        account = await self.account(target)
        await self.ledger.credit(
            account, amount, "grant", f"grant:{ctx.event_key}", f"by {ctx.user.key}: {reason}"[:200]
        )
        return await self.ledger.balance(account)

    async def take(
        self, ctx: Context, target: UserRef, amount: int | str, reason: str = ""
    ) -> tuple[int, int]:
        """Remove up to `amount` (never below zero). Returns (taken, new balance)."""
        amount = parse_amount(amount)
        await self.require_admin(ctx, "/credits take", f"{target.key} -{amount} {reason}".strip())
        account = await self.account(target)
        balance = await self.ledger.balance(account)
        taken = min(amount, balance)
        if taken:
            try:
                await self.ledger.debit(
                    account,
                    taken,
                    "take",
                    f"take:{ctx.event_key}",
                    f"by {ctx.user.key}: {reason}"[:200],
                )
            except InsufficientCredits:  # spent meanwhile: take what is there now
                taken = 0
        return taken, await self.ledger.balance(account)

    async def leaderboard(self, ctx: Context, limit: int = 10) -> list[tuple[str, int]]:
        return await self.store.leaderboard(ctx.user.platform, ctx.community, limit)

    async def link_start(self, ctx: Context) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        await self.store.create_link_code(
            ctx.user, await self.account(ctx.user), _hash(code), self.clock() + LINK_TTL
        )
        return f"{code[:5]}-{code[5:]}"

    async def link_finish(self, ctx: Context, code: str) -> int:
        """Join my wallet with the code owner's. Returns the shared balance."""
        normalised = code.replace("-", "").replace(" ", "").upper()
        if len(normalised) != 10 or any(ch not in CODE_ALPHABET for ch in normalised):
            raise i18n.error(RequestError, "link-format")
        _, balance = await self.store.redeem_link_code(
            _hash(normalised), ctx.user, await self.account(ctx.user), self.clock()
        )
        return balance


def _hash(code: str) -> str:
    # Only hashes are stored: a leaked database does not leak live codes.
    return hashlib.sha256(code.encode()).hexdigest()
