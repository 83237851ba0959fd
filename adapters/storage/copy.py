"""`imagine-bot migrate --to postgresql://...`: copy a SQLite bot into an empty PostgreSQL.

Everything is copied in one PostgreSQL transaction (all or nothing), ids included, so every
button, job id and giveaway id keeps working. Then it checks: row counts match table by table
and every balance equals the sum of its ledger rows. A target that already has rows is
refused, so an operator cannot merge two bots by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn

# Parents before children (foreign keys). Process bookkeeping (workers, identify_slots) is
# not copied: it belongs to the processes running now.
TABLES = (
    "accounts", "identities", "ledger", "holds", "jobs", "members", "link_codes",
    "link_attempts", "giveaways", "giveaway_entries", "admin_log", "purchases",
    "safety_levels", "safety_words", "safety_bans", "safety_audit", "images", "job_images",
    "locale_prefs",
)  # fmt: skip
NOT_COPIED = ("workers", "identify_slots", "rate_buckets")
IDENTITY_COLUMNS = {"accounts": "id", "ledger": "id", "admin_log": "id", "safety_audit": "id"}


class CopyRefused(Exception):
    pass


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    accounts_checked: int = 0
    credits_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"copied": self.rows, "accounts_checked": self.accounts_checked,
                "credits_total": self.credits_total, "verified": True}


def _columns(conn: SqlConn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _read_source(conn: SqlConn) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    tables = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()}
    unknown = tables - set(TABLES) - set(NOT_COPIED)
    if unknown:
        raise CopyRefused(f"this copier does not know the tables {sorted(unknown)}")
    out = {}
    for table in TABLES:
        columns = _columns(conn, table)
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        out[table] = (columns, [tuple(r) for r in rows])
    return out


def _write_target(conn: SqlConn, data: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
                  ) -> CopyReport:
    busy = [t for t in TABLES if conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
    if busy:
        raise CopyRefused(f"the target database is not empty (rows in {', '.join(busy)})")
    report = CopyReport()
    for table in TABLES:
        columns, rows = data[table]
        if table == "accounts":  # merges point at other accounts: link them once all exist
            merged = [(r[columns.index("merged_into")], r[columns.index("id")])
                      for r in rows if r[columns.index("merged_into")] is not None]
            rows = [tuple(None if c == "merged_into" else v for c, v in zip(columns, r,
                                                                            strict=True))
                    for r in rows]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        for row in rows:
            conn.execute(sql, row)
        if table == "accounts":
            for target, account in merged:
                conn.execute("UPDATE accounts SET merged_into = ? WHERE id = ?", (target, account))
        report.rows[table] = len(rows)
    for table, column in IDENTITY_COLUMNS.items():  # new rows continue after the copied ids
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )
    _verify(conn, report)
    return report


def _verify(conn: SqlConn, report: CopyReport) -> None:
    for table, expected in report.rows.items():
        count = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if count != expected:
            raise CopyRefused(f"{table}: copied {expected} rows but the target has {count}")
    wrong = conn.execute(
        "SELECT a.id, a.balance, COALESCE(SUM(l.delta), 0) FROM accounts a "
        "LEFT JOIN ledger l ON l.account_id = a.id GROUP BY a.id, a.balance "
        "HAVING a.balance != COALESCE(SUM(l.delta), 0)"
    ).fetchall()
    if wrong:
        account, balance, total = wrong[0]
        raise CopyRefused(
            f"account {account}: balance {balance} but its ledger adds up to {total} "
            f"({len(wrong)} account(s) disagree); nothing was copied"
        )
    row = conn.execute("SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM accounts").fetchone()
    report.accounts_checked, report.credits_total = int(row[0]), int(row[1])


async def copy_database(source: Database, target: Database) -> CopyReport:
    if source.engine != "sqlite" or target.engine != "postgresql":
        raise CopyRefused("migrate copies a SQLite database into a PostgreSQL one")
    data = await source.run(_read_source)
    return await target.run(lambda conn: _write_target(conn, data))
