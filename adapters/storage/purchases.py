"""Purchases on both engines: a payment row and its ledger row in one unit.

The payment's primary key (platform, payment id) is the first guard: a second delivery of
the same payment inserts nothing and changes nothing. The ledger's idempotency key is the
second. A refund is one conditional state change (credited -> refunded) that takes back
what is left of the credits, never more than the balance, and records the rest as the
shortfall.
"""

from __future__ import annotations

import time

from adapters.storage.database import Database
from adapters.storage.ledger import _apply
from adapters.storage.sql import SqlConn
from bot.domain.store import Credited, Purchase, Reversed

_COLUMNS = ("platform, payment_id, account_id, user_id, pack_id, credits, price, status, "
            "created_at, consumed, taken_back, shortfall")


def _purchase(row: tuple) -> Purchase:
    return Purchase(row[0], row[1], int(row[2]), row[3], row[4], int(row[5]), int(row[6]),
                    row[7], float(row[8]), bool(row[9]), int(row[10]), int(row[11]))


def _find(conn: SqlConn, platform: str, payment_id: str, lock: bool = False) -> Purchase | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM purchases WHERE platform = ? AND payment_id = ?"
        + (conn.dialect.for_update if lock else ""),
        (platform, payment_id),
    ).fetchone()
    return _purchase(row) if row else None


def _balance(conn: SqlConn, account_id: int, lock: bool = False) -> int:
    row = conn.execute(
        "SELECT balance FROM accounts WHERE id = ?" + (conn.dialect.for_update if lock else ""),
        (account_id,),
    ).fetchone()
    return int(row[0])


class SqlPurchases:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def credit(self, purchase: Purchase, key: str, reference: str,
                     payload: str = "") -> Credited:
        def unit(conn: SqlConn) -> Credited:
            p = purchase
            inserted = conn.execute(
                "INSERT INTO purchases (platform, payment_id, account_id, user_id, pack_id, "
                "credits, price, payload, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'credited', ?) "
                "ON CONFLICT (platform, payment_id) DO NOTHING RETURNING payment_id",
                (p.platform, p.payment_id, p.account_id, p.user_id, p.pack_id, p.credits,
                 p.price, payload, p.created_at),
            ).fetchone()
            if inserted is None:  # this payment was credited before: a redelivery
                known = _find(conn, p.platform, p.payment_id)
                assert known is not None
                return Credited(known, False, _balance(conn, known.account_id))
            balance = _apply(conn, p.account_id, p.credits, "purchase", key, reference)
            return Credited(p, True, balance)

        return await self.db.run(unit)

    async def reverse(self, platform: str, payment_id: str, key: str) -> Reversed | None:
        def unit(conn: SqlConn) -> Reversed | None:
            found = _find(conn, platform, payment_id, lock=True)
            if found is None:
                return None
            if found.status == "refunded":
                return Reversed(found, False, found.taken_back, found.shortfall,
                                _balance(conn, found.account_id))
            have = _balance(conn, found.account_id, lock=True)
            taken = min(found.credits, have)
            shortfall = found.credits - taken
            balance = have
            if taken:
                balance = _apply(conn, found.account_id, -taken, "purchase refund", key,
                                 f"{platform}:{payment_id}")
            conn.execute(
                "UPDATE purchases SET status = 'refunded', taken_back = ?, shortfall = ?, "
                "refunded_at = ? WHERE platform = ? AND payment_id = ? AND status = 'credited'",
                (taken, shortfall, time.time(), platform, payment_id),
            )
            done = _find(conn, platform, payment_id)
            assert done is not None
            return Reversed(done, True, taken, shortfall, balance)

        return await self.db.run(unit)

    async def mark_consumed(self, platform: str, payment_id: str) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "UPDATE purchases SET consumed = 1 WHERE platform = ? AND payment_id = ?",
                (platform, payment_id),
            )

        await self.db.run(unit)

    async def find(self, platform: str, payment_id: str) -> Purchase | None:
        return await self.db.run(lambda conn: _find(conn, platform, payment_id))

    async def of_account(self, account_id: int, limit: int = 10) -> list[Purchase]:
        def unit(conn: SqlConn) -> list[Purchase]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM purchases WHERE account_id = ? "
                "ORDER BY created_at DESC, payment_id DESC LIMIT ?",
                (account_id, limit),
            ).fetchall()
            return [_purchase(r) for r in rows]

        return await self.db.run(unit)

    async def unconsumed(self, platform: str) -> list[Purchase]:
        def unit(conn: SqlConn) -> list[Purchase]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM purchases WHERE platform = ? AND consumed = 0 "
                "AND status = 'credited' ORDER BY created_at",
                (platform,),
            ).fetchall()
            return [_purchase(r) for r in rows]

        return await self.db.run(unit)

    async def shortfalls(self, limit: int = 50) -> list[Purchase]:
        """Refunded payments whose credits were partly spent already (newest first)."""
        def unit(conn: SqlConn) -> list[Purchase]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM purchases WHERE shortfall > 0 "
                "ORDER BY refunded_at DESC LIMIT ?", (limit,),
            ).fetchall()
            return [_purchase(r) for r in rows]

        return await self.db.run(unit)

    async def totals(self) -> dict[str, int]:
        def unit(conn: SqlConn) -> dict[str, int]:
            row = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(credits), 0), "
                "COALESCE(SUM(CASE WHEN platform = 'telegram' THEN price ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(shortfall), 0) FROM purchases"
            ).fetchone()
            return {"purchases": int(row[0]), "credits_sold": int(row[1]),
                    "stars": int(row[2]), "refunded": int(row[3]), "shortfall": int(row[4])}

        return await self.db.run(unit)
