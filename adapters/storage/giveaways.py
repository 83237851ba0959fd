"""Giveaways on SQLite. Starting (with the host's hold), ending (draw + pay every winner),
cancelling and rerolling are each one unit: all of it happens, or none of it does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from adapters.storage.community import current_account
from adapters.storage.database import Database
from adapters.storage.ledger import _apply
from adapters.storage.sql import SqlConn
from bot.domain.community import Giveaway, GiveawayOutcome
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError

Chooser = Callable[[Sequence[tuple[str, str, str]], int], list[tuple[str, str, str]]]
_COLS = (
    "id, platform, community, host_platform, host_user_id, host_account, funded_by, "
    "credits_each, winners, title, ends_at, status, message_ref, event_key, created_at, ended_at"
)


def _row(conn: SqlConn, row: tuple) -> Giveaway:  # type: ignore[type-arg]
    fields = dict(zip([c.strip() for c in _COLS.split(",")], row, strict=True))
    fields["message_ref"] = json.loads(fields["message_ref"] or "{}")
    g = Giveaway(**fields)
    g.entrants = conn.execute(
        "SELECT COUNT(*) FROM giveaway_entries WHERE giveaway_id = ?", (g.id,)
    ).fetchone()[0]
    return g


def _get(conn: SqlConn, giveaway_id: str, lock: bool = False) -> Giveaway:
    """The giveaway; `lock` holds its row until commit (a timer in every process may end it:
    the first ends it, the others wait and then see it ended)."""
    suffix = conn.dialect.for_update if lock else ""
    row = conn.execute(
        f"SELECT {_COLS} FROM giveaways WHERE id = ?{suffix}", (giveaway_id,)
    ).fetchone()
    if row is None:
        raise RequestError(f"There is no giveaway `{giveaway_id[:20]}`. See /giveaway list.",
                           key="giveaway-unknown", id=giveaway_id[:20])
    return _row(conn, row)


def _pay(
    conn: SqlConn, g: Giveaway, picked: list[tuple[str, str, str]], tag: str
) -> list[UserRef]:
    """Credit each picked entrant exactly once (one idempotency key per giveaway and winner)."""
    winners = []
    for platform, user_id, name in picked:
        account = conn.execute(
            "SELECT account_id FROM identities WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        ).fetchone()
        if account is None:
            continue
        conn.execute(
            "UPDATE giveaway_entries SET won = 1 WHERE giveaway_id = ? AND platform = ? AND user_id = ?",
            (g.id, platform, user_id),
        )
        key = f"giveaway:{g.id}:win:{platform}:{user_id}"
        if (
            conn.execute("SELECT 1 FROM ledger WHERE idempotency_key = ?", (key,)).fetchone()
            is None
        ):
            _apply(
                conn,
                current_account(conn, account[0]),
                g.credits_each,
                "giveaway",
                key,
                f"{tag} {g.id}",
            )
        winners.append(UserRef(platform, user_id, name))
    return winners


class SqlGiveaways:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, g: Giveaway) -> tuple[Giveaway, bool]:
        """Insert; a host-funded giveaway holds its total from the host in the same unit."""

        def unit(conn: SqlConn) -> tuple[Giveaway, bool]:
            old = conn.execute(
                f"SELECT {_COLS} FROM giveaways WHERE event_key = ?", (g.event_key,)
            ).fetchone()
            if old:
                return _row(conn, old), False
            conn.execute(
                f"INSERT INTO giveaways ({_COLS}) VALUES ({', '.join('?' * 16)})",
                (
                    g.id,
                    g.platform,
                    g.community,
                    g.host_platform,
                    g.host_user_id,
                    g.host_account,
                    g.funded_by,
                    g.credits_each,
                    g.winners,
                    g.title,
                    g.ends_at,
                    g.status,
                    json.dumps(g.message_ref),
                    g.event_key,
                    g.created_at,
                    g.ended_at,
                ),
            )
            if g.funded_by == "host":
                _apply(conn, g.host_account, -g.total, "giveaway hold", g.hold_key, g.id)
                conn.execute(
                    "INSERT INTO holds (key, account_id, amount, status, reference, created_at, updated_at) "
                    "VALUES (?, ?, ?, 'held', ?, ?, ?)",
                    (g.hold_key, g.host_account, g.total, g.id, g.created_at, g.created_at),
                )
            return g, True

        return await self.db.run(unit)

    async def get(self, giveaway_id: str) -> Giveaway:
        return await self.db.run(lambda conn: _get(conn, giveaway_id))

    async def set_message(self, giveaway_id: str, message_ref: dict) -> None:  # type: ignore[type-arg]
        await self.db.run(
            lambda conn: conn.execute(
                "UPDATE giveaways SET message_ref = ? WHERE id = ?",
                (json.dumps(message_ref), giveaway_id),
            )
        )

    async def running(self, community: str | None = None) -> list[Giveaway]:
        def unit(conn: SqlConn) -> list[Giveaway]:
            sql = f"SELECT {_COLS} FROM giveaways WHERE status = 'running'"
            args: tuple[str, ...] = ()
            if community is not None:
                sql, args = sql + " AND community = ?", (community,)
            return [_row(conn, r) for r in conn.execute(sql + " ORDER BY ends_at", args).fetchall()]

        return await self.db.run(unit)

    async def toggle_entry(
        self, giveaway_id: str, user: UserRef, leave: bool | None
    ) -> tuple[bool, Giveaway]:
        """Enter, or leave when already in (leave=None toggles). Returns (is_in, giveaway)."""

        def unit(conn: SqlConn) -> tuple[bool, Giveaway]:
            g = _get(conn, giveaway_id, lock=True)
            if g.status != "running":
                raise RequestError("This giveaway has ended.", key="giveaway-has-ended")
            key = (g.id, user.platform, user.user_id)
            inside = (
                conn.execute(
                    "SELECT 1 FROM giveaway_entries WHERE giveaway_id = ? AND platform = ? AND user_id = ?",
                    key,
                ).fetchone()
                is not None
            )
            if inside and leave is not False:
                conn.execute(
                    "DELETE FROM giveaway_entries WHERE giveaway_id = ? AND platform = ? AND user_id = ?",
                    key,
                )
            elif not inside and leave is not True:
                conn.execute(
                    "INSERT INTO giveaway_entries (giveaway_id, platform, user_id, name, entered_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (*key, user.name, time.time()),
                )
            g = _get(conn, giveaway_id)
            now_in = (
                conn.execute(
                    "SELECT 1 FROM giveaway_entries WHERE giveaway_id = ? AND platform = ? AND user_id = ?",
                    key,
                ).fetchone()
                is not None
            )
            return now_in, g

        return await self.db.run(unit)

    async def finish(self, giveaway_id: str, choose: Chooser, now: float) -> GiveawayOutcome:
        """End a running giveaway: draw, pay each winner once, return what is left to the host."""

        def unit(conn: SqlConn) -> GiveawayOutcome:
            g = _get(conn, giveaway_id, lock=True)
            if g.status != "running":
                winners = [
                    UserRef(p, u, n)
                    for p, u, n in conn.execute(
                        "SELECT platform, user_id, name FROM giveaway_entries WHERE giveaway_id = ? AND won = 1",
                        (g.id,),
                    ).fetchall()
                ]
                return GiveawayOutcome(g, winners, already_ended=True)
            entries = conn.execute(
                "SELECT platform, user_id, name FROM giveaway_entries WHERE giveaway_id = ? ORDER BY entered_at",
                (g.id,),
            ).fetchall()
            picked = list(entries) if len(entries) <= g.winners else choose(entries, g.winners)
            winners = _pay(conn, g, picked, "winner of giveaway")
            returned = 0
            if g.funded_by == "host":
                conn.execute(
                    "UPDATE holds SET status = 'settled', updated_at = ? WHERE key = ?",
                    (now, g.hold_key),
                )
                returned = g.total - g.credits_each * len(winners)
                if returned:
                    _apply(
                        conn,
                        current_account(conn, g.host_account),
                        returned,
                        "giveaway refund",
                        f"giveaway:{g.id}:rest",
                        g.id,
                    )
            conn.execute(
                "UPDATE giveaways SET status = 'ended', ended_at = ? WHERE id = ?", (now, g.id)
            )
            g.status, g.ended_at = "ended", now
            return GiveawayOutcome(g, winners, returned)

        return await self.db.run(unit)

    async def unannounced(self, ended_before: float | None = None) -> list[GiveawayOutcome]:
        """Ended giveaways whose end was never announced (the process died in between);
        `ended_before` leaves out fresh ends, which the process that ended them announces."""

        def unit(conn: SqlConn) -> list[GiveawayOutcome]:
            rows = conn.execute(
                f"SELECT {_COLS} FROM giveaways WHERE status = 'ended' AND announced_at IS NULL "
                "AND ended_at <= ?",
                (float("inf") if ended_before is None else ended_before,),
            ).fetchall()
            outcomes = []
            for row in rows:
                g = _row(conn, row)
                winners = [
                    UserRef(p, u, n)
                    for p, u, n in conn.execute(
                        "SELECT platform, user_id, name FROM giveaway_entries "
                        "WHERE giveaway_id = ? AND won = 1",
                        (g.id,),
                    ).fetchall()
                ]
                returned = g.total - g.credits_each * len(winners) if g.funded_by == "host" else 0
                outcomes.append(GiveawayOutcome(g, winners, returned))
            return outcomes

        return await self.db.run(unit)

    async def mark_announced(self, giveaway_id: str, now: float) -> bool:
        """Record the announcement; False if another process recorded one first."""

        def unit(conn: SqlConn) -> bool:
            return bool(conn.execute(
                "UPDATE giveaways SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
                (now, giveaway_id),
            ).rowcount)

        return await self.db.run(unit)

    async def cancel(self, giveaway_id: str, now: float) -> Giveaway:
        def unit(conn: SqlConn) -> Giveaway:
            g = _get(conn, giveaway_id, lock=True)
            if g.status != "running":
                raise RequestError("This giveaway has already ended.", key="giveaway-already-ended")
            hold = conn.execute(
                "UPDATE holds SET status = 'released', updated_at = ? WHERE key = ? AND status = 'held' "
                "RETURNING amount",
                (now, g.hold_key),
            ).fetchone()
            if hold:
                _apply(
                    conn,
                    current_account(conn, g.host_account),
                    hold[0],
                    "giveaway refund",
                    f"release:{g.hold_key}",
                    g.id,
                )
            conn.execute(
                "UPDATE giveaways SET status = 'cancelled', ended_at = ? WHERE id = ?", (now, g.id)
            )
            g.status, g.ended_at = "cancelled", now
            return g

        return await self.db.run(unit)

    async def reroll(self, giveaway_id: str, count: int, choose: Chooser) -> list[UserRef]:
        """Draw `count` more winners among entrants who have not won; the bot pays them."""

        def unit(conn: SqlConn) -> list[UserRef]:
            g = _get(conn, giveaway_id, lock=True)
            if g.status != "ended":
                raise RequestError("Only an ended giveaway can be rerolled. End it first.",
                                   key="giveaway-reroll-running")
            pool = conn.execute(
                "SELECT platform, user_id, name FROM giveaway_entries WHERE giveaway_id = ? AND won = 0",
                (g.id,),
            ).fetchall()
            if not pool:
                raise RequestError("Everyone who entered has already won; nobody is left to draw.",
                                   key="giveaway-nobody-left")
            picked = list(pool) if len(pool) <= count else choose(pool, count)
            return _pay(conn, g, picked, "reroll winner of giveaway")

        return await self.db.run(unit)
