"""The real bot process (`python -m bot run`) against the fake Discord on 127.0.0.1.

`running_bot(...)` starts a FakeDiscord with one guild (alice owns it, bob is a member) and
the bot on the demo renderer with a temp database; `Harness` drives the user side and reads
the ledger read-only. Modules share one bot process (module-scoped fixtures).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.botprocess import BotProcess
from tests.fakes.discord_api import FakeDiscord, FakeInteraction

TOKEN = "MTE5OTk5OTk5OTk5.e2e-Discord.SECRET_t0ken-do-not-log"
GUILD_ID = 900_001
_BALANCE = re.compile(r"(\d+) credits?")
EPHEMERAL = 1 << 6


def has_image(message: dict) -> bool:
    return bool(message.get("attachments")) and bool(message.get("embeds"))


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components", [])
            for c in row.get("components", []) if "custom_id" in c]


def component(message: dict, prefix: str) -> dict:
    for row in message.get("components", []):
        for c in row.get("components", []):
            if c.get("custom_id", "").startswith(prefix):
                return c
    raise AssertionError(f"no component {prefix!r} on {custom_ids(message)}")


def field(message: dict, name: str) -> str:
    for f in message["embeds"][0].get("fields", []):
        if f["name"] == name:
            return f["value"]
    raise AssertionError(f"no embed field {name!r}: {message['embeds'][0]}")


def embed_balance(message: dict) -> int:
    return int(_BALANCE.match(field(message, "Balance left")).group(1))  # type: ignore[union-attr]


def embed_cost(message: dict) -> int:
    return int(_BALANCE.match(field(message, "Cost")).group(1))  # type: ignore[union-attr]


@dataclass
class Harness:
    dc: FakeDiscord
    bot: BotProcess
    tmp: Path
    alice: dict
    bob: dict
    guild_id: int = GUILD_ID

    # -- the ledger, read-only ----------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.tmp / 'bot.db'}?mode=ro", uri=True, timeout=5)

    def balance(self, user: dict) -> int:
        """A Discord user's balance; asserts it equals the sum of their ledger rows."""
        with contextlib.closing(self._db()) as db:
            row = db.execute(
                "SELECT a.id, a.balance FROM identities i JOIN accounts a ON a.id = i.account_id"
                " WHERE i.platform = 'discord' AND i.user_id = ?", (str(user["id"]),),
            ).fetchone()
            assert row is not None, f"no account for {user['username']}"
            (total,) = db.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account_id = ?", (row[0],)
            ).fetchone()
        assert row[1] == total, f"ledger sum {total} != balance {row[1]}"
        return int(row[1])

    def jobs(self, **where: Any) -> list[dict]:
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(f"{k} = ?" for k in where)
        with contextlib.closing(self._db()) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(sql + " ORDER BY created_at", tuple(where.values()))]

    def write(self, sql: str, *params: Any) -> None:
        """Change the database while the bot is stopped (to stage a crash scenario)."""
        assert not self.bot.running
        with contextlib.closing(sqlite3.connect(self.tmp / "bot.db")) as db, db:
            db.execute(sql, params)

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Read the database (read-only connection)."""
        with contextlib.closing(self._db()) as db:
            return db.execute(sql, params).fetchall()

    def ledger(self, user: dict, reason: str | None = None) -> list[tuple[int, str, str]]:
        """(delta, reason, reference) of a Discord user's ledger rows, oldest first."""
        sql = ("SELECT l.delta, l.reason, l.reference FROM ledger l JOIN identities i"
               " ON i.account_id = l.account_id WHERE i.platform = 'discord' AND i.user_id = ?")
        params: list[Any] = [str(user["id"])]
        if reason is not None:
            sql, params = sql + " AND l.reason = ?", [*params, reason]
        return [tuple(r) for r in self.query(sql + " ORDER BY l.id", *params)]  # type: ignore[misc]

    def open_holds(self) -> int:
        with contextlib.closing(self._db()) as db:
            return db.execute("SELECT COUNT(*) FROM holds WHERE status = 'held'").fetchone()[0]

    # -- user side ----------------------------------------------------------------------

    async def imagine(self, user: dict, prompt: str, *, dm: bool = False,
                      size_limit: int | None = None, **options: Any
                      ) -> tuple[FakeInteraction, dict]:
        """`/imagine` with these options; wait for the finished image message."""
        inter = await self.slash(user, "imagine", {"prompt": prompt, **options}, dm=dm,
                                 attachment_size_limit=size_limit)
        return inter, await inter.wait_message(has_image, timeout=10)

    async def slash(self, user: dict, name: str, options: dict | None = None, *,
                    dm: bool = False, **kw: Any) -> FakeInteraction:
        inter = await self.dc.slash_command(user, name, options or {},
                                            guild_id=None if dm else self.guild_id, **kw)
        ack = await inter.wait_ack()
        assert ack.ok, ack
        return inter

    async def click(self, user: dict, message: dict, prefix: str) -> FakeInteraction:
        inter = await self.dc.click_button(user, message, component(message, prefix)["custom_id"])
        ack = await inter.wait_ack()
        assert ack.ok, ack
        return inter

    async def pick(self, user: dict, message: dict, model_id: str) -> FakeInteraction:
        menu = component(message, "img:model:")
        inter = await self.dc.select_option(user, message, menu["custom_id"], [model_id])
        ack = await inter.wait_ack()
        assert ack.ok, ack
        return inter

    async def restart(self, **env: str) -> None:
        self.bot.env.update(env)
        since = self.dc.mark()
        await self.bot.restart()
        await self.dc.wait_for(("PUT", r"/commands$"), since=since, timeout=30)
        await self.dc.wait_connected(30)


async def ephemeral_text(inter: FakeInteraction, timeout: float = 10) -> str:
    """The text of the ephemeral message the bot answered `inter` with."""
    msg = await inter.wait_message(lambda m: bool(m["flags"] & EPHEMERAL), timeout=timeout)
    return msg["content"]


@contextlib.asynccontextmanager
async def running_bot(tmp: Path, prepare: Callable[[FakeDiscord], None] | None = None,
                      **env: str) -> AsyncIterator[Harness]:
    """`prepare(dc)` adds users, roles and members before the bot connects (so the guild
    the bot receives already has them)."""
    async with FakeDiscord(token=TOKEN) as dc:
        alice = dc.make_user(700_001, "alice", global_name="Alice")
        bob = dc.make_user(700_002, "bob", global_name="Bob")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=alice["id"])
        dc.add_member(GUILD_ID, bob)
        if prepare is not None:
            prepare(dc)
        bot = BotProcess(tmp, {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": dc.api_base,
            "DISCORD_GATEWAY_URL": dc.gateway_url,
            "DEMO_DELAY_SECONDS": "0.05",
            **env,
        })
        await bot.start()
        harness = Harness(dc, bot, tmp, alice, bob)
        try:
            await dc.wait_connected(30)
            yield harness
        finally:
            code = await bot.stop()
        log = bot.log()
        assert TOKEN not in log, "the bot token leaked into the log"
        assert "Traceback" not in log, log[-3000:]
        assert code == 0, f"exit code {code}\n{log[-3000:]}"
        assert "discord: closing" in log
        assert harness.open_holds() == 0
