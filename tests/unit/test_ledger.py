"""Ledger invariants on the real SQLite adapter."""

import asyncio
import sqlite3

import pytest

from adapters.storage.database import Database, open_database
from adapters.storage.ledger import SqlLedger
from bot.domain.credits import UserRef
from bot.domain.errors import InsufficientCredits

ALICE = UserRef("test", "alice", "Alice")
BOB = UserRef("test", "bob", "Bob")


async def assert_books_balance(ledger: SqlLedger, account: int) -> None:
    assert await ledger.ledger_sum(account) == await ledger.balance(account)


async def test_first_use_grants_welcome_credits_once(ledger):
    a = await ledger.open_account(ALICE, 50)
    assert await ledger.open_account(ALICE, 50) == a
    assert await ledger.balance(a) == 50
    [row] = await ledger.history(a)
    assert (row.delta, row.reason) == (50, "welcome")


async def test_thousand_concurrent_reserves_against_500_succeed_exactly_500_times(ledger):
    a = await ledger.open_account(ALICE, 500)

    async def one(i: int) -> bool:
        try:
            await ledger.reserve(a, 1, f"hold:{i}", f"job{i}")
            return True
        except InsufficientCredits:
            return False

    results = await asyncio.gather(*(one(i) for i in range(1000)))
    assert sum(results) == 500
    assert await ledger.balance(a) == 0
    await assert_books_balance(ledger, a)


async def test_repeated_idempotency_key_charges_once(ledger):
    a = await ledger.open_account(ALICE, 50)
    await asyncio.gather(*(ledger.reserve(a, 5, "hold:same", "job") for _ in range(10)))
    assert await ledger.balance(a) == 45
    assert await ledger.credit(a, 7, "grant", "grant:1") is True
    assert await ledger.credit(a, 7, "grant", "grant:1") is False
    assert await ledger.balance(a) == 52
    await assert_books_balance(ledger, a)


async def test_release_refunds_once_and_settle_keeps(ledger):
    a = await ledger.open_account(ALICE, 50)
    await ledger.reserve(a, 8, "hold:x", "x")
    await ledger.reserve(a, 5, "hold:y", "y")
    await ledger.settle("hold:y")
    assert await ledger.release("hold:x") is True
    assert await ledger.release("hold:x") is False  # a second refund changes nothing
    assert await ledger.release("hold:y") is False  # settled credits are spent
    assert await ledger.balance(a) == 45
    reasons = [e.reason for e in await ledger.history(a)]
    assert reasons == ["refund", "generation", "generation", "welcome"]
    await assert_books_balance(ledger, a)


async def test_insufficient_credits_changes_nothing(ledger):
    a = await ledger.open_account(ALICE, 3)
    with pytest.raises(InsufficientCredits) as info:
        await ledger.reserve(a, 5, "hold:big", "big")
    assert (info.value.needed, info.value.balance) == (5, 3)
    assert await ledger.balance(a) == 3 and await ledger.open_holds() == []
    await assert_books_balance(ledger, a)


async def test_concurrent_transfers_cannot_overdraw(ledger):
    a = await ledger.open_account(ALICE, 10)
    b = await ledger.open_account(BOB, 0)

    async def send(i: int) -> bool:
        try:
            return await ledger.transfer(a, b, 4, "transfer", f"t{i}")
        except InsufficientCredits:
            return False

    assert sum(await asyncio.gather(*(send(i) for i in range(5)))) == 2
    assert (await ledger.balance(a), await ledger.balance(b)) == (2, 8)
    await assert_books_balance(ledger, a)
    await assert_books_balance(ledger, b)


async def test_database_refuses_negative_balances_and_ledger_edits(db: Database, ledger):
    a = await ledger.open_account(ALICE, 5)
    refused = integrity_errors(db)
    with pytest.raises(refused, match="(?i)check"):
        await db.run(lambda c: c.execute("UPDATE accounts SET balance = -1 WHERE id = ?", (a,)))
    with pytest.raises(refused, match="append-only"):
        await db.run(lambda c: c.execute("UPDATE ledger SET delta = 500"))
    with pytest.raises(refused, match="append-only"):
        await db.run(lambda c: c.execute("DELETE FROM ledger"))
    assert await ledger.balance(a) == 5  # the failed units rolled back alone


async def test_a_failing_unit_does_not_spoil_its_batch(db: Database, ledger):
    a = await ledger.open_account(ALICE, 5)

    async def boom() -> None:
        await db.run(lambda c: (c.execute("UPDATE accounts SET balance = 999"), 1 / 0))

    results = await asyncio.gather(
        boom(), ledger.credit(a, 1, "grant", "g1"), return_exceptions=True
    )
    assert isinstance(results[0], ZeroDivisionError) and results[1] is True
    assert await ledger.balance(a) == 6


async def test_schema_is_migrated_once_and_survives_reopen(db_url):
    db = await open_database(db_url)
    a = await SqlLedger(db).open_account(ALICE, 50)
    await db.close()
    db = await open_database(db_url)
    try:
        assert await SqlLedger(db).balance(a) == 50
        if db.engine == "sqlite":
            mode = await db.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
            assert mode == "wal"
    finally:
        await db.close()


async def test_processes_starting_together_migrate_once(db_url):
    """Several processes start on one empty database: one migrates, the others wait."""
    dbs = await asyncio.gather(*(open_database(db_url) for _ in range(4)))
    try:
        accounts = [await SqlLedger(d).open_account(UserRef("t", str(i)), 1) for i, d in enumerate(dbs)]
        assert len(set(accounts)) == 4
    finally:
        for d in dbs:
            await d.close()


def integrity_errors(db: Database) -> tuple[type[Exception], ...]:
    if db.engine == "sqlite":
        return (sqlite3.IntegrityError,)
    import psycopg

    return (psycopg.errors.IntegrityError, psycopg.errors.RaiseException)


async def test_the_same_key_from_two_processes_at_once_applies_once(db_url):
    """Two connections (two processes) race one credit, one transfer and one debit each with
    the same key: each applies once, the loser is told False, nothing raises."""
    one, two = await open_database(db_url), await open_database(db_url)
    try:
        a, b = SqlLedger(one), SqlLedger(two)
        alice = await a.open_account(ALICE, 10)
        bob = await a.open_account(UserRef("test", "bob"), 0)
        for i in range(5):
            assert sorted(await asyncio.gather(
                a.credit(alice, 3, "grant", f"c{i}"), b.credit(alice, 3, "grant", f"c{i}")
            )) == [False, True]
            assert sorted(await asyncio.gather(
                a.transfer(alice, bob, 2, "give", f"g{i}"), b.transfer(alice, bob, 2, "give", f"g{i}")
            )) == [False, True]
            assert sorted(await asyncio.gather(
                a.debit(alice, 1, "spend", f"s{i}"), b.debit(alice, 1, "spend", f"s{i}")
            )) == [False, True]
            assert await a.credit(alice, 3, "grant", f"c{i}") is False  # and again later
        assert (await a.balance(alice), await a.balance(bob)) == (10 + 5 * (3 - 2 - 1), 10)
        await assert_books_balance(a, alice)
        await assert_books_balance(a, bob)
    finally:
        await one.close()
        await two.close()
