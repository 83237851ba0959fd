"""The seam between the storage adapters and the two database engines.

Every storage operation is a *unit*: a plain function over an `SqlConn`, run whole as one
transaction by the engine (SQLite: in its group commit; PostgreSQL: on a pooled connection,
retried on a serialization failure, deadlock or lost insert race). Units write portable SQL
with `?` placeholders; the few places where the engines differ read `conn.dialect`.
Never read, await, then write: put both in one unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Dialect:
    name: str
    # Appended to a SELECT inside a unit that must lock the rows it read until commit.
    # SQLite needs nothing: a write transaction (BEGIN IMMEDIATE) already excludes writers.
    for_update: str
    # Appended to the SELECT that claims a queue row: other workers skip rows already taken.
    skip_locked: str


SQLITE = Dialect("sqlite", for_update="", skip_locked="")
POSTGRES = Dialect("postgresql", for_update=" FOR UPDATE", skip_locked=" FOR UPDATE SKIP LOCKED")


class SqlConn(Protocol):
    dialect: Dialect

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...


Unit = Callable[[SqlConn], T]
