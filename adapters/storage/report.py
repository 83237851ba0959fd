"""Per-day totals for `imagine-bot report`, summed by the database (both engines).

An image is a succeeded job (the vendor made it, whatever happened after). Credits charged
are a job's "generation" ledger rows, refunds its "refund" rows (both name the job id as
their reference); the other reasons (welcome, daily, grants, giveaways, purchases) are summed
as they are.
"""

from __future__ import annotations

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn
from bot.domain.report import ImageCount, ModelCredits, ReasonCredits, UsageTotals

# Ledger reasons that are not a job's charge or refund, reported per day.
COMMUNITY_REASONS = ("welcome", "daily", "grant", "take", "giveaway", "giveaway hold",
                     "giveaway refund", "purchase")


def _day(conn: SqlConn, column: str) -> str:
    """The UTC day number of a Unix-seconds column (PostgreSQL's CAST rounds, so FLOOR)."""
    if conn.dialect.name == "postgresql":
        return f"CAST(FLOOR({column} / 86400) AS BIGINT)"
    return f"CAST({column} / 86400 AS INTEGER)"


def usage_since(conn: SqlConn, since: float) -> UsageTotals:
    totals = UsageTotals()
    day = _day(conn, "created_at")
    for d, model, provider, n in conn.execute(
        f"SELECT {day}, model_id, COALESCE(provider, ''), COUNT(*) FROM jobs "
        f"WHERE status = 'succeeded' AND created_at >= ? GROUP BY 1, 2, 3",
        (since,),
    ).fetchall():
        totals.images.append(ImageCount(int(d), model, provider, int(n)))
    ledger_day = _day(conn, "l.created_at")
    for reason, into in (("generation", totals.charged), ("refund", totals.refunded)):
        for d, model, credits in conn.execute(
            f"SELECT {ledger_day}, j.model_id, SUM(l.delta) FROM ledger l "
            f"JOIN jobs j ON j.id = l.reference WHERE l.reason = ? AND l.created_at >= ? "
            f"GROUP BY 1, 2",
            (reason, since),
        ).fetchall():
            into.append(ModelCredits(int(d), model, abs(int(credits))))
    marks = ", ".join("?" * len(COMMUNITY_REASONS))
    for d, reason, credits in conn.execute(
        f"SELECT {day}, reason, SUM(delta) FROM ledger WHERE reason IN ({marks}) "
        f"AND created_at >= ? GROUP BY 1, 2",
        (*COMMUNITY_REASONS, since),
    ).fetchall():
        totals.by_reason.append(ReasonCredits(int(d), reason, int(credits)))
    return totals


class SqlUsage:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def usage_since(self, since: float) -> UsageTotals:
        return await self.db.run(lambda conn: usage_since(conn, since))
