"""The credit ledger on SQLite: every write is one unit (one transaction) on the Database."""

from __future__ import annotations

import time

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn, after_commit
from bot import i18n
from bot.domain.credits import Hold, LedgerEntry, UserRef
from bot.domain.errors import InsufficientCredits
from bot.services import metrics


class AlreadyApplied(Exception):
    """The idempotency key was used before: the unit is rolled back, nothing changed."""


def _apply(
    conn: SqlConn,
    account_id: int,
    delta: int,
    reason: str,
    key: str,
    reference: str,
    at: float | None = None,
) -> int:
    """Change a balance and append its ledger row. A debit is one conditional UPDATE: zero
    rows changed means not enough credits (the CHECK constraint is the second guard)."""
    row = conn.execute(
        "UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0 "
        "RETURNING balance",
        (delta, account_id, delta),
    ).fetchone()
    if row is None:
        have = conn.execute("SELECT balance FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if have is None:
            raise KeyError(f"no account {account_id}")
        raise InsufficientCredits(
            f"That needs {-delta} credits and you have {have[0]}.", needed=-delta, balance=have[0],
            key="needs-credits", cost=i18n.Count(-delta), have=have[0])
    # A used key inserts nothing: the change above is then rolled back with the unit. One
    # statement fewer than asking first, on the path every spend takes (and the row count
    # says it, with no row to fetch back).
    written = conn.execute(
        "INSERT INTO ledger (account_id, delta, balance_after, reason, reference, "
        "idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (idempotency_key) DO NOTHING",
        (account_id, delta, row[0], reason, reference, key, time.time() if at is None else at),
    ).rowcount
    if written != 1:
        raise AlreadyApplied(key)
    after_commit(lambda: metrics.credits_moved(reason, delta))
    return int(row[0])


def _open_account(conn: SqlConn, user: UserRef, welcome_credits: int) -> int:
    """The person's account id, created (with its welcome grant) on first use."""
    row = conn.execute(
        "SELECT account_id FROM identities WHERE platform = ? AND user_id = ?",
        (user.platform, user.user_id),
    ).fetchone()
    if row:
        if user.name:
            conn.execute(
                "UPDATE identities SET name = ? WHERE platform = ? AND user_id = ? "
                "AND name != ?",
                (user.name, user.platform, user.user_id, user.name),
            )
        return int(row[0])
    now = time.time()
    account_id = conn.execute(
        "INSERT INTO accounts (balance, created_at) VALUES (0, ?) RETURNING id", (now,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO identities (platform, user_id, account_id, name, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (user.platform, user.user_id, account_id, user.name, now),
    )
    if welcome_credits > 0:
        _apply(conn, account_id, welcome_credits, "welcome", f"welcome:{user.key}", "")
    return int(account_id)


class SqlLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_account(self, user: UserRef, welcome_credits: int) -> int:
        return await self.db.run(lambda conn: _open_account(conn, user, welcome_credits))

    async def account_balance(self, user: UserRef, welcome_credits: int) -> tuple[int, int]:
        """open_account and balance in one unit (one round trip): (account id, balance)."""

        def unit(conn: SqlConn) -> tuple[int, int]:
            account_id = _open_account(conn, user, welcome_credits)
            row = conn.execute(
                "SELECT balance FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            return account_id, int(row[0]) if row else 0

        return await self.db.run(unit)

    async def find_account(self, platform: str, user_id: str) -> int | None:
        def unit(conn: SqlConn) -> int | None:
            row = conn.execute(
                "SELECT account_id FROM identities WHERE platform = ? AND user_id = ?",
                (platform, user_id),
            ).fetchone()
            return int(row[0]) if row else None

        return await self.db.run(unit)

    async def balance(self, account_id: int) -> int:
        def unit(conn: SqlConn) -> int:
            row = conn.execute(
                "SELECT balance FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            return int(row[0]) if row else 0

        return await self.db.run(unit)

    async def reserve(self, account_id: int, amount: int, key: str, reference: str) -> int:
        def unit(conn: SqlConn) -> int:
            now = time.time()
            # The hold row doubles as the idempotency check: a repeated key inserts nothing.
            inserted = conn.execute(
                "INSERT INTO holds (key, account_id, amount, status, reference, created_at, "
                "updated_at) VALUES (?, ?, ?, 'held', ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, account_id, amount, reference, now, now),
            ).rowcount
            if not inserted:
                row = conn.execute("SELECT balance FROM accounts WHERE id = ?", (account_id,))
                return int(row.fetchone()[0])
            return _apply(conn, account_id, -amount, "generation", key, reference)

        return await self.db.run(unit)

    async def settle(self, key: str) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "UPDATE holds SET status = 'settled', updated_at = ? "
                "WHERE key = ? AND status = 'held'",
                (time.time(), key),
            )

        await self.db.run(unit)

    async def release(self, key: str, reason: str = "refund") -> bool:
        def unit(conn: SqlConn) -> bool:
            hold = conn.execute(
                "UPDATE holds SET status = 'released', updated_at = ? "
                "WHERE key = ? AND status = 'held' RETURNING account_id, amount, reference",
                (time.time(), key),
            ).fetchone()
            if hold is None:
                return False
            _apply(conn, hold[0], hold[1], reason, f"release:{key}", hold[2])
            return True

        return await self.db.run(unit)

    async def credit(
        self, account_id: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool:
        return await self._change(account_id, amount, reason, key, reference)

    async def debit(
        self, account_id: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool:
        return await self._change(account_id, -amount, reason, key, reference)

    async def _change(
        self, account_id: int, delta: int, reason: str, key: str, reference: str
    ) -> bool:
        def unit(conn: SqlConn) -> bool:
            _apply(conn, account_id, delta, reason, key, reference)
            return True

        try:
            return await self.db.run(unit)
        except AlreadyApplied:
            return False

    async def transfer(
        self, source: int, target: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool:
        def unit(conn: SqlConn) -> bool:
            _apply(conn, source, -amount, reason, f"{key}:out", reference)
            _apply(conn, target, amount, reason, f"{key}:in", reference)
            return True

        try:
            return await self.db.run(unit)
        except AlreadyApplied:
            return False  # the same transfer again (both rows are written, or neither)

    async def history(self, account_id: int, limit: int = 10) -> list[LedgerEntry]:
        def unit(conn: SqlConn) -> list[LedgerEntry]:
            rows = conn.execute(
                "SELECT account_id, delta, reason, reference, idempotency_key, created_at, "
                "balance_after FROM ledger WHERE account_id = ? ORDER BY id DESC LIMIT ?",
                (account_id, limit),
            ).fetchall()
            return [LedgerEntry(*r) for r in rows]

        return await self.db.run(unit)

    async def open_holds(self) -> list[Hold]:
        def unit(conn: SqlConn) -> list[Hold]:
            rows = conn.execute(
                "SELECT key, account_id, amount, status, reference FROM holds WHERE status = 'held'"
            ).fetchall()
            return [Hold(*r) for r in rows]

        return await self.db.run(unit)

    async def ledger_sum(self, account_id: int) -> int:
        def unit(conn: SqlConn) -> int:
            row = conn.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account_id = ?", (account_id,)
            ).fetchone()
            return int(row[0])

        return await self.db.run(unit)
