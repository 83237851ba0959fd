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
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, "
                "platforms = excluded.platforms",  # a surface that came up since the last beat
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


    async def take_token(self, key: str, rate: float, burst: float, now: float) -> float:
        """One send from the bucket `key` shared by every process (refilling at `rate` per
        second up to `burst`): 0.0 if taken, else the seconds until a token is there."""
        taken, wait = await self.take_tokens(key, rate, burst, now, 1)
        return 0.0 if taken else wait

    async def take_tokens(self, key: str, rate: float, burst: float, now: float,
                          want: int, batch: int = 1) -> tuple[int, float]:
        """Up to `want` sends from the bucket in one unit: (taken, 0.0); or, when not even
        one is there, (0, the seconds until `batch` are)."""
        want, batch = max(1, want), max(1, min(batch, want))

        def unit(conn: SqlConn) -> tuple[int, float]:
            row = conn.execute(
                f"SELECT tokens, updated_at FROM rate_buckets WHERE key = ?{conn.dialect.for_update}",
                (key,),
            ).fetchone()
            if row is None:
                taken = int(min(want, burst))
                conn.execute(
                    "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?)",
                    (key, burst - taken, now),
                )
                return taken, 0.0
            tokens = min(burst, float(row[0]) + max(0.0, now - float(row[1])) * rate)
            taken = min(want, int(tokens + 1e-9))  # float dust must not cost a whole refill
            if taken >= 1:
                conn.execute(
                    "UPDATE rate_buckets SET tokens = ?, updated_at = ? WHERE key = ?",
                    (max(0.0, tokens - taken), now, key),
                )
                return taken, 0.0
            return 0, (min(batch, burst) - tokens) / rate

        return await self.db.run(unit)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
