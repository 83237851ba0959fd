"""The safety policy's tables, on either engine: levels per server and channel, each
server's own words, bans and automatic timeouts, and the audit (pruned as it is written)."""

from __future__ import annotations

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn
from bot.domain.safety import AuditEntry, Ban, Gate, Level

SERVER = ""  # the channel column of a server-wide level
_AUDIT_COLUMNS = ("at, platform, community, channel, user_id, model_id, route, verdict, rule, "
                  "vendor_reason, prompt")


class SqlSafety:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def gate(self, community: str, channel: str, platform: str, user_id: str,
                   now: float, place_rules: bool) -> Gate:
        """The three reads of a check (ban, levels, words) as one unit: one round trip."""

        def unit(conn: SqlConn) -> Gate:
            ban = _active_ban(conn, community, platform, user_id, now)
            if not place_rules:
                return Gate(ban, None, None, ())
            server, override = _levels(conn, community, channel)
            return Gate(ban, server, override, tuple(_words(conn, community)))

        return await self.db.run(unit)

    async def levels(self, community: str, channel: str) -> tuple[Level | None, Level | None]:
        return await self.db.run(lambda conn: _levels(conn, community, channel))

    async def set_level(self, community: str, channel: str, level: Level | None, by: str,
                        now: float) -> None:
        """`level` None clears the setting (the default applies again)."""

        def unit(conn: SqlConn) -> None:
            if level is None:
                conn.execute("DELETE FROM safety_levels WHERE community = ? AND channel = ?",
                             (community, channel))
                return
            conn.execute(
                "INSERT INTO safety_levels (community, channel, level, set_by, set_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (community, channel) DO UPDATE "
                "SET level = excluded.level, set_by = excluded.set_by, set_at = excluded.set_at",
                (community, channel, level.label, by, now),
            )

        await self.db.run(unit)

    async def words(self, community: str) -> list[str]:
        return await self.db.run(lambda conn: _words(conn, community))

    async def add_word(self, community: str, word: str, by: str, now: float,
                       limit: int) -> bool | None:
        def unit(conn: SqlConn) -> bool | None:
            # The limit is a courtesy (two admins racing may pass it by one), not money.
            count = conn.execute("SELECT COUNT(*) FROM safety_words WHERE community = ?",
                                 (community,)).fetchone()[0]
            if count >= limit:
                exists = conn.execute("SELECT 1 FROM safety_words WHERE community = ? AND "
                                      "word = ?", (community, word)).fetchone()
                return False if exists else None
            cur = conn.execute(
                "INSERT INTO safety_words (community, word, added_by, added_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (community, word) DO NOTHING",
                (community, word, by, now),
            )
            return cur.rowcount > 0

        return await self.db.run(unit)

    async def remove_word(self, community: str, word: str) -> bool:
        def unit(conn: SqlConn) -> bool:
            cur = conn.execute("DELETE FROM safety_words WHERE community = ? AND word = ?",
                               (community, word))
            return cur.rowcount > 0

        return await self.db.run(unit)

    async def ban(self, community: str, platform: str, user_id: str, ban: Ban,
                  now: float) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute(
                "INSERT INTO safety_bans (community, platform, user_id, until, reason, banned_by, "
                "auto, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (community, platform, user_id) DO UPDATE SET until = excluded.until, "
                "reason = excluded.reason, banned_by = excluded.banned_by, auto = excluded.auto, "
                "created_at = excluded.created_at",
                (community, platform, user_id, ban.until, ban.reason, ban.by, int(ban.auto), now),
            )

        await self.db.run(unit)

    async def unban(self, community: str, platform: str, user_id: str) -> bool:
        def unit(conn: SqlConn) -> bool:
            cur = conn.execute(
                "DELETE FROM safety_bans WHERE community = ? AND platform = ? AND user_id = ?",
                (community, platform, user_id),
            )
            return cur.rowcount > 0

        return await self.db.run(unit)

    async def active_ban(self, community: str, platform: str, user_id: str,
                         now: float) -> Ban | None:
        return await self.db.run(lambda conn: _active_ban(conn, community, platform, user_id, now))

    async def audit(self, entry: AuditEntry, keep_after: float) -> None:
        def unit(conn: SqlConn) -> None:
            conn.execute("DELETE FROM safety_audit WHERE at < ?", (keep_after,))
            conn.execute(
                f"INSERT INTO safety_audit ({_AUDIT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.at, entry.platform, entry.community, entry.channel, entry.user_id,
                 entry.model_id, entry.route, entry.verdict, entry.rule,
                 entry.vendor_reason[:300], entry.prompt),
            )

        await self.db.run(unit)

    async def count(self, community: str, platform: str, user_id: str, verdict: str,
                    since: float) -> int:
        def unit(conn: SqlConn) -> int:
            row = conn.execute(
                "SELECT COUNT(*) FROM safety_audit WHERE community = ? AND platform = ? "
                "AND user_id = ? AND verdict = ? AND at >= ?",
                (community, platform, user_id, verdict, since),
            ).fetchone()
            return int(row[0])

        return await self.db.run(unit)

    async def log(self, community: str, platform: str | None, user_id: str | None,
                  limit: int) -> list[AuditEntry]:
        def unit(conn: SqlConn) -> list[AuditEntry]:
            sql = f"SELECT {_AUDIT_COLUMNS} FROM safety_audit WHERE community = ?"
            params: list[object] = [community]
            if user_id is not None:
                sql += " AND platform = ? AND user_id = ?"
                params += [platform, user_id]
            rows = conn.execute(sql + " ORDER BY at DESC, id DESC LIMIT ?",
                                (*params, limit)).fetchall()
            return [AuditEntry(at=r[0], platform=r[1], community=r[2], channel=r[3],
                               user_id=r[4], model_id=r[5], route=r[6], verdict=r[7],
                               rule=r[8], vendor_reason=r[9], prompt=r[10]) for r in rows]

        return await self.db.run(unit)


def _levels(conn: SqlConn, community: str, channel: str) -> tuple[Level | None, Level | None]:
    rows = conn.execute(
        "SELECT channel, level FROM safety_levels WHERE community = ? AND channel IN (?, ?)",
        (community, SERVER, channel or SERVER),
    ).fetchall()
    found = {r[0]: Level.parse(r[1]) for r in rows}
    return found.get(SERVER), (found.get(channel) if channel else None)


def _words(conn: SqlConn, community: str) -> list[str]:
    rows = conn.execute(
        "SELECT word FROM safety_words WHERE community = ? ORDER BY added_at, word",
        (community,),
    ).fetchall()
    return [r[0] for r in rows]


def _active_ban(conn: SqlConn, community: str, platform: str, user_id: str,
                now: float) -> Ban | None:
    row = conn.execute(
        "SELECT until, reason, banned_by, auto FROM safety_bans WHERE community = ? "
        "AND platform = ? AND user_id = ? AND (until IS NULL OR until > ?)",
        (community, platform, user_id, now),
    ).fetchone()
    return Ban(row[0], row[1], row[2], bool(row[3])) if row else None
