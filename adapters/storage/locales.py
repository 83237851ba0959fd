"""The chosen languages (/language), on either engine: one row per account or place."""

from __future__ import annotations

from adapters.storage.database import Database
from adapters.storage.sql import SqlConn
from bot.domain.credits import UserRef
from bot.domain.locales import Chosen, place_scope


def account_scope(account_id: int) -> str:
    return f"account:{account_id}"


class SqlLocales:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def chosen(self, user: UserRef, community: str) -> Chosen:
        place = place_scope(community)

        def unit(conn: SqlConn) -> Chosen:
            # One statement on the path of every event: the person's row is found through
            # their identity (no account is created for a look-up).
            rows = conn.execute(
                "SELECT scope, locale FROM locale_prefs WHERE scope = ? OR scope = "
                "(SELECT 'account:' || account_id FROM identities "
                "WHERE platform = ? AND user_id = ?)",
                (place, user.platform, user.user_id),
            ).fetchall()
            found = {r[0]: r[1] for r in rows}
            person = next((v for k, v in found.items() if k != place), None)
            return Chosen(person=person, place=found.get(place))

        return await self.db.run(unit)

    async def choose_for_account(self, account_id: int, locale: str | None, by: str,
                                 now: float) -> None:
        await self._choose(account_scope(account_id), locale, by, now)

    async def choose_for_place(self, community: str, locale: str | None, by: str,
                               now: float) -> None:
        await self._choose(place_scope(community), locale, by, now)

    async def _choose(self, scope: str, locale: str | None, by: str, now: float) -> None:
        def unit(conn: SqlConn) -> None:
            if locale is None:
                conn.execute("DELETE FROM locale_prefs WHERE scope = ?", (scope,))
                return
            conn.execute(
                "INSERT INTO locale_prefs (scope, locale, set_by, set_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET locale = excluded.locale, "
                "set_by = excluded.set_by, set_at = excluded.set_at",
                (scope, locale, by, now),
            )

        await self.db.run(unit)
