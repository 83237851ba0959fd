"""The seam between the storage adapters and the two database engines.

Every storage operation is a *unit*: a plain function over an `SqlConn`, run whole as one
transaction by the engine (SQLite: in its group commit; PostgreSQL: on a pooled connection,
retried on a serialization failure, deadlock or lost insert race). Units write portable SQL
with `?` placeholders; the few places where the engines differ read `conn.dialect`.
Never read, await, then write: put both in one unit.
"""

from __future__ import annotations

import logging
import threading
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


# -- after commit -------------------------------------------------------------------------
# A unit may ask for something to happen only once its transaction commits (counting the
# credits of a ledger row in the metrics): a unit rolled back, or run again after a lost
# race, must not count. Units run on the engine's threads, one at a time per thread, so the
# actions wait in a per-thread list that the engine runs after COMMIT or drops on rollback.
_pending = threading.local()


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current unit's transaction has committed (never if not)."""
    actions: list[Callable[[], None]] | None = getattr(_pending, "actions", None)
    if actions is None:
        actions = _pending.actions = []
    actions.append(action)


def pending_mark() -> int:
    """How many actions wait now (a savepoint's rollback drops those after its mark)."""
    return len(getattr(_pending, "actions", None) or ())


def drop_pending(mark: int = 0) -> None:
    actions = getattr(_pending, "actions", None)
    if actions:
        del actions[mark:]


def run_pending() -> None:
    """After COMMIT: run (and clear) the actions; one that raises never fails the unit."""
    actions = getattr(_pending, "actions", None)
    if not actions:
        return
    _pending.actions = []
    for action in actions:
        try:
            action()
        except Exception:  # noqa: BLE001 - bookkeeping must not undo a committed unit
            logging.getLogger(__name__).warning("after-commit action failed", exc_info=True)
