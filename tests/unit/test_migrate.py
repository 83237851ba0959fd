"""`imagine-bot migrate --to postgresql://...`: a SQLite bot with money, jobs, giveaways and a
linked wallet moves to PostgreSQL whole, verified; a non-empty target is refused."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from adapters.storage.community import SqlCommunity
from adapters.storage.copy import CopyRefused, copy_database
from adapters.storage.database import open_database
from adapters.storage.giveaways import SqlGiveaways
from adapters.storage.ledger import SqlLedger
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.services.community import CommunityService
from bot.services.giveaways import GiveawayService
from tests.conftest import ROOT, build_service
from tests.postgres import PostgresServer

ANA, BEN, TG_ANA = UserRef("discord", "2", "Ana"), UserRef("discord", "3", "Ben"), UserRef(
    "telegram", "20", "Ana")
ADMIN = UserRef("discord", "1", "Ada")


def ctx(user: UserRef, admin: bool = False, key: str = "") -> Context:
    return Context(user, "discord:guild:9", is_admin=admin, event_key=key or f"e{id(object())}")


async def a_lived_in_bot(url: str) -> dict[str, int]:
    """Spend, give, link two wallets, run a giveaway and make an image, on SQLite."""
    db = await open_database(url)
    community = CommunityService(SqlLedger(db), SqlCommunity(db), admin_ids={"discord:1"})
    giveaways = GiveawayService(community, SqlGiveaways(db))
    await community.give(ctx(ANA), BEN, 10)
    await community.account(TG_ANA)
    code = await community.link_start(ctx(ANA))
    await community.link_finish(Context(TG_ANA, "telegram:chat:20", event_key="l"), code)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="g1"), 7, 1, "1h")
    await giveaways.toggle(ctx(BEN), g.id)
    await giveaways.finish(g.id)
    held = await giveaways.start(ctx(ANA, key="g2"), 5, 2, "1d")  # still running: a hold
    service = build_service(db)
    from bot.domain.requests import parse_imagine

    request = parse_imagine("a fox --model flux-pro", service.catalog, service.planner.intents)
    await service.generate(request, BEN, "img-1")
    await service.runner.stop()
    balances = {u.key: await community.ledger.balance(await community.account(u))
                for u in (ANA, BEN, TG_ANA, ADMIN)}
    balances["giveaway"] = len(held.id)
    await db.close()
    return balances


async def test_migrate_copies_everything_and_verifies_it(tmp_path, postgres_server: PostgresServer):
    source_url = f"sqlite:///{tmp_path / 'bot.db'}"
    before = await a_lived_in_bot(source_url)
    schema = postgres_server.new_schema()
    target_url = postgres_server.schema_url(schema)
    source, target = await open_database(source_url), await open_database(target_url)
    try:
        report = await copy_database(source, target)
        assert report.rows["ledger"] >= 8 and report.rows["jobs"] == 1
        assert report.rows["giveaways"] == 2 and report.rows["giveaway_entries"] == 1
        assert report.accounts_checked == 4  # Ada, Ben and Ana's two wallets (one merged)
        # The copy works as the bot: same balances, linked wallets still one, new ids go on.
        ledger = SqlLedger(target)
        for key, balance in before.items():
            if ":" in key:
                platform, user_id = key.split(":")
                account = await ledger.find_account(platform, user_id)
                assert await ledger.balance(account) == balance, key
        assert await ledger.find_account("discord", "2") == await ledger.find_account("telegram", "20")
        new = await ledger.open_account(UserRef("discord", "99"), 5)
        assert new > max(await target.run(lambda c: [r[0] for r in c.execute(
            "SELECT id FROM accounts WHERE id != ?", (new,)).fetchall()]))
        assert len(await ledger.open_holds()) == 1  # the running giveaway's hold came along
        with pytest.raises(CopyRefused, match="not empty"):
            await copy_database(source, target)  # a second copy onto it is refused
    finally:
        await source.close()
        await target.close()
        postgres_server.drop_schema(schema)


def test_migrate_command_prints_what_it_copied_and_refuses_a_busy_target(
    tmp_path, postgres_server: PostgresServer
):
    import asyncio

    source_url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(a_lived_in_bot(source_url))
    schema = postgres_server.new_schema()
    target = postgres_server.schema_url(schema)
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": source_url, "PYTHONPATH": str(ROOT)}
    try:
        first = subprocess.run([sys.executable, "-m", "bot", "migrate", "--to", target],
                               capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert first.returncode == 0, first.stderr
        out = json.loads(first.stdout)
        assert out["verified"] is True and out["copied"]["jobs"] == 1
        again = subprocess.run([sys.executable, "-m", "bot", "migrate", "--to", target],
                               capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert again.returncode == 1 and "not empty" in again.stderr
        wrong = subprocess.run([sys.executable, "-m", "bot", "migrate", "--to", source_url],
                               capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert wrong.returncode == 2 and "PostgreSQL" in wrong.stderr
    finally:
        postgres_server.drop_schema(schema)
