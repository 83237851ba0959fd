"""Members seen per community, daily claims, wallet links and the admin log, on SQLite."""

from __future__ import annotations

import time

from adapters.storage.database import Database
from adapters.storage.ledger import _apply
from adapters.storage.sql import SqlConn
from bot.domain.credits import LedgerEntry, UserRef
from bot.domain.errors import RequestError

LINK_ATTEMPT_WINDOW = 600.0
LINK_MAX_FAILURES = 5


def current_account(conn: SqlConn, account_id: int) -> int:
    """Follow wallet merges to the account that holds the money now."""
    for _ in range(32):
        row = conn.execute(
            "SELECT merged_into FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        if row is None or row[0] is None:
            return account_id
        account_id = int(row[0])
    return account_id


# Why a link code is refused (English; data/locales/*/credits.ftl has every language).
LINK_REFUSALS = {
    "link-too-many": "Too many wrong codes. Wait 10 minutes, then ask for a new code with /link.",
    "link-wrong": "That code is wrong, used or expired. Codes work once, for 10 minutes.",
    "link-same-platform": "Use the code on your other platform: it links two different platforms.",
    "link-already": "These accounts already share one wallet.",
    "link-busy": "You have an image or a giveaway in progress. Link once it has finished.",
}


class SqlCommunity:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def seen(
        self, community: str, user: UserRef, username: str = "", is_bot: bool = False
    ) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "INSERT INTO members (platform, community, user_id, username, name, is_bot, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, community, user_id) DO UPDATE "
                "SET username = excluded.username, name = excluded.name, is_bot = excluded.is_bot, "
                "last_seen = excluded.last_seen",
                (
                    user.platform,
                    community,
                    user.user_id,
                    username,
                    user.name,
                    int(is_bot),
                    time.time(),
                ),
            )

        await self.db.run(unit)

    async def find_username(self, platform: str, username: str) -> tuple[UserRef, bool] | None:
        """A person the bot has seen on this platform, by @username (case-insensitive)."""

        def unit(conn: SqlConn) -> tuple[UserRef, bool] | None:
            row = conn.execute(
                "SELECT user_id, name, is_bot FROM members WHERE platform = ? AND lower(username) = ? "
                "ORDER BY last_seen DESC LIMIT 1",
                (platform, username.lstrip("@").lower()),
            ).fetchone()
            return (UserRef(platform, row[0], row[1]), bool(row[2])) if row else None

        return await self.db.run(unit)

    async def is_known_bot(self, user: UserRef) -> bool:
        def unit(conn: SqlConn) -> bool:
            row = conn.execute(
                "SELECT MAX(is_bot) FROM members WHERE platform = ? AND user_id = ?",
                (user.platform, user.user_id),
            ).fetchone()
            return bool(row and row[0])

        return await self.db.run(unit)

    async def leaderboard(
        self, platform: str, community: str, limit: int = 10
    ) -> list[tuple[str, int]]:
        def unit(conn: SqlConn) -> list[tuple[str, int]]:
            rows = conn.execute(
                "SELECT m.name, m.username, m.user_id, i.account_id FROM members m "
                "JOIN identities i ON i.platform = m.platform AND i.user_id = m.user_id "
                "WHERE m.platform = ? AND m.community = ? AND m.is_bot = 0",
                (platform, community),
            ).fetchall()
            board: dict[int, tuple[str, int]] = {}
            for name, username, user_id, account in rows:
                account = current_account(conn, account)
                balance = conn.execute(
                    "SELECT balance FROM accounts WHERE id = ?", (account,)
                ).fetchone()[0]
                board.setdefault(account, (name or username or user_id, int(balance)))
            return sorted(board.values(), key=lambda r: (-r[1], r[0]))[:limit]

        return await self.db.run(unit)

    async def claim_daily(
        self, account_id: int, amount: int, now: float, period: float
    ) -> float | None:
        """Credit the daily amount unless claimed within `period`; returns when the next claim
        opens if refused, None if credited. Check and credit are one unit (no double claim)."""

        def unit(conn: SqlConn) -> float | None:
            account = current_account(conn, account_id)
            # Two processes claiming at once: the second waits here and then sees the first.
            conn.execute(f"SELECT id FROM accounts WHERE id = ?{conn.dialect.for_update}", (account,))
            row = conn.execute(
                "SELECT MAX(created_at) FROM ledger WHERE reason = 'daily' AND account_id IN "
                "(SELECT id FROM accounts WHERE id = ? OR merged_into = ?)",
                (account, account),
            ).fetchone()
            if row[0] is not None and now - row[0] < period:
                return float(row[0] + period)
            _apply(conn, account, amount, "daily", f"daily:{account}:{now:.6f}", "", at=now)
            return None

        return await self.db.run(unit)

    async def history(self, account_id: int, limit: int) -> list[LedgerEntry]:
        """Ledger rows of this wallet, including wallets merged into it."""

        def unit(conn: SqlConn) -> list[LedgerEntry]:
            account = current_account(conn, account_id)
            # A charge or refund names its job: its kind and parent say "edit of <job>".
            rows = conn.execute(
                "SELECT l.account_id, l.delta, l.reason, l.reference, l.idempotency_key, "
                "l.created_at, l.balance_after, COALESCE(j.kind, ''), j.parent_id "
                "FROM ledger l LEFT JOIN jobs j ON j.id = l.reference "
                "AND l.reason IN ('generation', 'refund') "
                "WHERE l.account_id IN (SELECT id FROM accounts WHERE id = ? OR merged_into = ?) "
                "ORDER BY l.id DESC LIMIT ?",
                (account, account, limit),
            ).fetchall()
            return [LedgerEntry(*r) for r in rows]

        return await self.db.run(unit)

    async def log_admin(
        self, platform: str, community: str, actor: str, action: str, detail: str, allowed: bool
    ) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "INSERT INTO admin_log (at, platform, community, actor, action, detail, allowed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), platform, community, actor, action, detail, int(allowed)),
            )

        await self.db.run(unit)

    async def create_link_code(
        self, user: UserRef, account_id: int, code_hash: str, expires_at: float
    ) -> None:
        def unit(conn: SqlConn) -> None:
            # One live code per person: a new /link replaces the old one.
            conn.execute(
                "UPDATE link_codes SET used_at = ? WHERE platform = ? AND user_id = ? AND used_at IS NULL",
                (time.time(), user.platform, user.user_id),
            )
            conn.execute(
                "INSERT INTO link_codes (code_hash, platform, user_id, account_id, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code_hash, user.platform, user.user_id, account_id, expires_at),
            )

        await self.db.run(unit)

    async def redeem_link_code(
        self, code_hash: str, user: UserRef, account_id: int, now: float
    ) -> tuple[int, int]:
        """Merge the redeemer's wallet into the code owner's. Returns (wallet id, balance).
        Failures are counted; too many in 10 minutes lock the person out for a while."""

        def unit(conn: SqlConn) -> tuple[int, int] | str:
            failures = conn.execute(
                "SELECT COUNT(*) FROM link_attempts WHERE platform = ? AND user_id = ? AND at > ?",
                (user.platform, user.user_id, now - LINK_ATTEMPT_WINDOW),
            ).fetchone()[0]
            if failures >= LINK_MAX_FAILURES:
                return "link-too-many"
            row = conn.execute(
                "SELECT platform, user_id, account_id, expires_at, used_at FROM link_codes "
                f"WHERE code_hash = ?{conn.dialect.for_update}",
                (code_hash,),
            ).fetchone()
            if row is None or row[4] is not None or row[3] < now:
                conn.execute(
                    "INSERT INTO link_attempts (platform, user_id, at) VALUES (?, ?, ?)",
                    (user.platform, user.user_id, now),
                )
                return "link-wrong"
            if row[0] == user.platform:
                return "link-same-platform"
            target = current_account(conn, int(row[2]))
            source = current_account(conn, account_id)
            if target == source:
                return "link-already"
            if conn.execute(
                "SELECT 1 FROM holds WHERE account_id IN (?, ?) AND status = 'held'",
                (source, target),
            ).fetchone():
                return "link-busy"
            conn.execute("UPDATE link_codes SET used_at = ? WHERE code_hash = ?", (now, code_hash))
            balance = conn.execute(
                "SELECT balance FROM accounts WHERE id = ?", (source,)
            ).fetchone()[0]
            if balance:
                _apply(conn, source, -balance, "link", f"link:{code_hash}:out", f"wallet {target}")
                _apply(conn, target, balance, "link", f"link:{code_hash}:in", f"wallet {source}")
            conn.execute(
                "UPDATE accounts SET merged_into = ? WHERE id = ? OR merged_into = ?",
                (target, source, source),
            )
            conn.execute(
                "UPDATE identities SET account_id = ? WHERE account_id = ?", (target, source)
            )
            new_balance = conn.execute(
                "SELECT balance FROM accounts WHERE id = ?", (target,)
            ).fetchone()[0]
            return target, int(new_balance)

        result = await self.db.run(unit)
        if isinstance(result, str):  # a refusal's catalog key
            raise RequestError(LINK_REFUSALS[result], key=result)
        return result
