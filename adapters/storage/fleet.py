"""The fleet's shared bookkeeping: which processes are alive, and Discord identify windows."""

from __future__ import annotations

import os

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn


class SqlFleet:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def heartbeat(
        self, worker: str, host: str, pid: int, platforms: str, now: float
    ) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "INSERT INTO workers (id, host, pid, platforms, started_at, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                (worker, host, pid, platforms, now, now),
            )

        await self.db.run(unit)

    async def peers(self, worker: str, since: float) -> list[set[str]]:
        """The platforms each other process alive at `since` or later can deliver to."""

        def unit(conn: SqlConn) -> list[set[str]]:
            rows = conn.execute(
                "SELECT platforms FROM workers WHERE id != ? AND seen_at >= ?", (worker, since)
            ).fetchall()
            return [set(filter(None, r[0].split(","))) for r in rows]

        return await self.db.run(unit)

    async def leave(self, worker: str) -> None:
        await self.db.run(lambda conn: conn.execute("DELETE FROM workers WHERE id = ?", (worker,)))

    async def expire_dead_on_host(self, worker: str, host: str, pid: int, now: float) -> list[str]:
        """Processes on this host that are gone (their pid is not running, or it is ours now)
        lose their leases at once, so their jobs are taken over without waiting for the lease
        to run out. Processes on other hosts are judged by their leases alone."""

        def unit(conn: SqlConn) -> list[str]:
            rows = conn.execute(
                "SELECT id, pid FROM workers WHERE host = ? AND id != ?", (host, worker)
            ).fetchall()
            dead = [w for w, p in rows if p == pid or not _pid_alive(int(p))]
            for w in dead:
                conn.execute(
                    "UPDATE jobs SET lease_until = 0 WHERE claimed_by = ? AND status = 'running'",
                    (w,),
                )
                conn.execute("DELETE FROM workers WHERE id = ?", (w,))
            return dead

        return await self.db.run(unit)

    async def identify_turn(self, bucket: int, window: float, now: float) -> float:
        """Take the bucket's identify window if it is free: 0.0. Else how long to wait."""

        def unit(conn: SqlConn) -> float:
            taken = conn.execute(
                "INSERT INTO identify_slots (bucket, next_at) VALUES (?, ?) "
                "ON CONFLICT (bucket) DO UPDATE SET next_at = excluded.next_at "
                "WHERE identify_slots.next_at <= ?",
                (bucket, now + window, now),
            ).rowcount
            if taken:
                return 0.0
            row = conn.execute(
                "SELECT next_at FROM identify_slots WHERE bucket = ?", (bucket,)
            ).fetchone()
            return max(0.01, float(row[0]) - now)

        return await self.db.run(unit)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
