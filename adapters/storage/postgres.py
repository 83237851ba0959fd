"""PostgreSQL engine: psycopg 3, each unit one READ COMMITTED transaction.

The units are the same plain functions the SQLite engine runs, so they run here on a small
thread pool, each thread with a connection of its own (a unit is a handful of statements on
loopback or a LAN: well under a millisecond of work per statement).
Money stays exactly-once because every debit is one conditional UPDATE, every write carries
a UNIQUE key, and a unit that loses a race (a unique violation, a serialization failure or a
deadlock) is rolled back and run again whole: its own checks then see the winner's row.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg import errors

from adapters.storage.schema_postgres import MIGRATIONS
from adapters.storage.sql import POSTGRES, Cursor, T, Unit, drop_pending, run_pending

log = logging.getLogger(__name__)

POOL_SIZE = 10
RETRIES = 5
# A fixed advisory lock key: only one process migrates at a time; the others wait, then
# find the schema current.
MIGRATION_LOCK = 0x1A6E_B07
RETRYABLE = (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected)
_PLACEHOLDER = re.compile(r"\?")


def _translate(sql: str, cache: dict[str, str] = {}) -> str:  # noqa: B006 - a deliberate cache
    """`?` placeholders (the units' portable form) become psycopg's `%s`."""
    out = cache.get(sql)
    if out is None:
        out = cache[sql] = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
    return out


class PgConn:
    """What a unit sees: `execute(sql, params)` with `?` placeholders, and the dialect."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        return self._conn.execute(_translate(sql), tuple(parameters))  # type: ignore[return-value]


def _migrate(conn: psycopg.Connection[Any]) -> int:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        version = row[0] if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute(script)  # type: ignore[arg-type] # a migration is our own literal SQL
            conn.execute("UPDATE schema_version SET version = %s", (number,))
    return len(MIGRATIONS)


class PostgresDatabase:
    """Each of `pool_size` threads owns one connection for the life of the database (a
    checkout from a shared pool per unit measurably cost more than it saved). A connection
    found broken is dropped and opened again for the next unit."""

    engine = "postgresql"
    dialect = POSTGRES

    def __init__(self, database_url: str, threads: ThreadPoolExecutor) -> None:
        self._url = database_url
        self._threads = threads
        self._local = threading.local()
        self._all: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    @classmethod
    async def open(cls, database_url: str, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="pg")
        db = cls(database_url, threads)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(threads, lambda: _migrate(db._conn()))
        except BaseException:
            await db.close()
            raise
        return db

    def _conn(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            # autocommit: each unit opens its own transaction explicitly.
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=15)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _run_unit(self, unit: Unit[T]) -> T:
        for attempt in range(1, RETRIES + 1):
            conn = self._conn()
            drop_pending()  # what a lost attempt asked for never happened
            try:
                with conn.transaction():
                    result = unit(PgConn(conn))
                run_pending()
                return result
            except RETRYABLE as exc:
                if attempt == RETRIES:
                    drop_pending()
                    raise
                log.debug("unit lost a race (%s); running it again", type(exc).__name__)
            except BaseException:
                drop_pending()
                raise
        raise AssertionError("unreachable")

    async def run(self, unit: Unit[T]) -> T:
        """Run `unit(conn)` as one transaction on this thread's connection; its result."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run_unit, unit)

    async def close(self) -> None:
        self._threads.shutdown(wait=True)  # lets every unit under way finish first
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
