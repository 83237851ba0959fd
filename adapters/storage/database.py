"""One SQLite database over aiosqlite, with group commit.

Every unit of work is a plain function over a `sqlite3.Connection` that runs whole on
aiosqlite's worker thread: one thread hop per *batch*, not per statement. Work that arrives
while a batch runs is queued and goes into the next batch, each unit inside its own
SAVEPOINT, with one COMMIT per batch. A unit that raises is rolled back alone and its
exception is re-raised to its caller. Never read, await, then write: put both in one unit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from adapters.storage.schema import MIGRATIONS

T = TypeVar("T")
Unit = Callable[[sqlite3.Connection], Any]


def sqlite_path(database_url: str) -> str:
    """`sqlite:///data/imagine.db` (relative), `sqlite:////abs/path.db`, `sqlite:///:memory:`."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise ValueError(
            f"DATABASE_URL must start with {prefix!r} (only SQLite is supported so far)"
        )
    return database_url[len(prefix) :] or ":memory:"


def _run_batch(conn: sqlite3.Connection, units: list[Unit]) -> list[tuple[bool, Any]]:
    results: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for unit in units:
            conn.execute("SAVEPOINT unit")
            try:
                results.append((True, unit(conn)))
                conn.execute("RELEASE unit")
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                results.append((False, exc))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return results


class Database:
    def __init__(self, conn: aiosqlite.Connection, max_batch: int = 512) -> None:
        self._conn = conn
        self._max_batch = max_batch
        self._pending: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, database_url: str) -> Database:
        path = sqlite_path(database_url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn)
        await db.run(_migrate)
        return db

    async def run(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run `unit(conn)` atomically on the database thread and return its result."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((unit, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            # One loop turn first: callers woken by the last batch queue their next unit,
            # so it rides this batch instead of costing a thread hop of its own.
            await asyncio.sleep(0)
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                # aiosqlite has no public "run this callable on your thread"; `_execute` is
                # that, and `_conn` the sqlite3 connection it owns (aiosqlite is pinned below 0.23 in pyproject.toml).
                results = await self._conn._execute(
                    _run_batch, self._conn._conn, [u for u, _ in batch]
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
        await self._conn.close()


def _migrate(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
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
