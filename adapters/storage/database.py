"""Open the database that DATABASE_URL names: SQLite (the embedded default) or PostgreSQL.

Both engines run the same units (`adapters/storage/sql.py`); the storage adapters never
know which one they are on, except through `conn.dialect` where the SQL must differ.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from adapters.storage.sql import Dialect, T, Unit

_USER_PASSWORD = re.compile(r"://[^:/@]*:([^@]*)@")


class DatabaseUnavailable(Exception):
    """The database a URL names cannot be opened (unreachable, refused, a path that cannot
    be created). Its message is one line for the operator, with any password masked."""


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


def masked(database_url: str) -> str:
    """The URL with its password (if any) replaced by ***, fit to print."""
    try:
        parts = urlsplit(database_url)
        if parts.password is None:
            return database_url
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    except ValueError:  # not even a URL: print nothing of it
        return database_url.partition(":")[0] + ":..."


def _unavailable(database_url: str, exc: BaseException) -> DatabaseUnavailable:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    # Drivers echo the URL they could not parse: never print its password.
    reason = reason.replace(database_url, masked(database_url))
    password = _password(database_url)
    if password:
        reason = reason.replace(password, "***")
    return DatabaseUnavailable(f"cannot open the database {masked(database_url)}: {reason}")


def _password(database_url: str) -> str | None:
    try:
        return urlsplit(database_url).password
    except ValueError:  # a URL urllib cannot read may still carry user:password@
        found = _USER_PASSWORD.search(database_url)
        return found.group(1) if found else None


async def open_database(database_url: str) -> Database:
    """Open (and migrate) the database; DatabaseUnavailable when it cannot be reached."""
    try:
        engine = engine_of(database_url)
    except ValueError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    if engine == "postgresql":
        import psycopg  # only when PostgreSQL is asked for

        from adapters.storage.postgres import PostgresDatabase

        try:
            return await PostgresDatabase.open(database_url)
        except psycopg.Error as exc:
            raise _unavailable(database_url, exc) from None
    from adapters.storage.sqlite import SqliteDatabase

    try:
        return await SqliteDatabase.open(database_url)
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise _unavailable(database_url, exc) from None
