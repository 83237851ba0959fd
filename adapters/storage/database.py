"""Open the database that DATABASE_URL names: SQLite (the embedded default) or PostgreSQL.

Both engines run the same units (`adapters/storage/sql.py`); the storage adapters never
know which one they are on, except through `conn.dialect` where the SQL must differ.
"""

from __future__ import annotations

from typing import Protocol

from adapters.storage.sql import Dialect, T, Unit


class Database(Protocol):
    engine: str
    dialect: Dialect

    async def run(self, unit: Unit[T]) -> T: ...

    async def close(self) -> None: ...


async def ping(db: Database) -> None:
    """One round trip to the database (raises if it is gone): the readiness check."""
    await db.run(lambda conn: conn.execute("SELECT 1").fetchone())


def engine_of(database_url: str) -> str:
    scheme = database_url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    raise ValueError(
        "DATABASE_URL must start with sqlite:/// or postgresql:// "
        f"(got {scheme!r}:...)"
    )


async def open_database(database_url: str) -> Database:
    if engine_of(database_url) == "postgresql":
        from adapters.storage.postgres import PostgresDatabase  # psycopg only when asked for

        return await PostgresDatabase.open(database_url)
    from adapters.storage.sqlite import SqliteDatabase

    return await SqliteDatabase.open(database_url)
