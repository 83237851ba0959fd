"""SQLite engine: one connection on a thread this module owns, with group commit.

Every unit runs whole on that thread: one thread hop per *batch*, not per statement. Work
that arrives while a batch runs is queued and goes into the next batch, with one COMMIT per
batch. A unit that raises is rolled back alone and its exception is re-raised to its caller
(the batch is then run again with a SAVEPOINT per unit; see _run_batch). `BEGIN IMMEDIATE` takes the write lock up front,
so other processes on the same file wait (busy_timeout) instead of failing mid-batch.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from adapters.storage.schema import MIGRATIONS
from adapters.storage.sql import SQLITE, T, Unit, drop_pending, pending_mark, run_pending


class SqliteConn(sqlite3.Connection):
    """sqlite3's own connection, labelled with its dialect for the units."""

    dialect = SQLITE


def sqlite_path(database_url: str) -> str:
    """`sqlite:///data/imagine.db` (relative), `sqlite:////abs/path.db`, `sqlite:///:memory:`."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise ValueError(f"a SQLite DATABASE_URL starts with {prefix!r}")
    return database_url[len(prefix) :] or ":memory:"


def _connect(path: str) -> SqliteConn:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, factory=SqliteConn, timeout=10
    )
    for attempt in range(50):  # a new file: another process may be switching it to WAL now
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.1)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn  # type: ignore[return-value]


class _Retry(Exception):
    """A unit raised in the fast pass: the batch is rolled back and run again unit by unit."""


def _run_batch(conn: Any, units: list[Unit[Any]]) -> list[tuple[bool, Any]]:
    """Every unit of the batch, one COMMIT. First without savepoints (two statements fewer
    per unit, the common case); if any unit raises, the whole batch is rolled back and run
    again with a SAVEPOINT per unit, so only that unit is undone. Units are safe to run
    again: PostgreSQL retries them the same way."""
    try:
        return _transaction(conn, units, savepoints=False)
    except _Retry:
        return _transaction(conn, units, savepoints=True)


def _transaction(conn: Any, units: list[Unit[Any]], savepoints: bool) -> list[tuple[bool, Any]]:
    results: list[tuple[bool, Any]] = []
    drop_pending()
    conn.execute("BEGIN IMMEDIATE")
    try:
        for unit in units:
            if not savepoints:
                try:
                    results.append((True, unit(conn)))
                except Exception as exc:  # noqa: BLE001 - the slow pass runs it again
                    raise _Retry() from exc
                continue
            conn.execute("SAVEPOINT unit")
            mark = pending_mark()
            try:
                results.append((True, unit(conn)))
                conn.execute("RELEASE unit")
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                drop_pending(mark)
                results.append((False, exc))
        conn.execute("COMMIT")
    except BaseException:
        drop_pending()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    run_pending()
    return results


def _migrate(conn: SqliteConn) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in split_statements(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


def split_statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would COMMIT our transaction)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


class SqliteDatabase:
    engine = "sqlite"
    dialect = SQLITE

    def __init__(self, conn: SqliteConn, thread: ThreadPoolExecutor, max_batch: int = 512):
        self._conn = conn
        self._thread = thread
        self._max_batch = max_batch
        self._pending: list[tuple[Unit[Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, database_url: str) -> SqliteDatabase:
        path = sqlite_path(database_url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        conn = await asyncio.get_running_loop().run_in_executor(thread, _connect, path)
        db = cls(conn, thread)
        await db.run(_migrate)  # type: ignore[arg-type]
        return db

    async def run(self, unit: Unit[T]) -> T:
        """Run `unit(conn)` atomically on the database thread and return its result."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((unit, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            # One loop turn first: callers woken by the last batch queue their next unit,
            # so it rides this batch instead of costing a thread hop of its own.
            await asyncio.sleep(0)
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                results = await loop.run_in_executor(
                    self._thread, _run_batch, self._conn, [u for u, _ in batch]
                )
            except BaseException as exc:  # the COMMIT itself failed: every unit failed
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, fut), (ok, value) in zip(batch, results, strict=True):
                if fut.done():
                    continue
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)

    async def close(self) -> None:
        while self._flusher is not None and not self._flusher.done():
            await self._flusher
        await asyncio.get_running_loop().run_in_executor(self._thread, self._conn.close)
        self._thread.shutdown(wait=True)
