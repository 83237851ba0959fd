"""Buying credits through the real service and storage, on SQLite and PostgreSQL: packs as
validated data, payments credited exactly once, refunds that never go below zero."""

import asyncio
from pathlib import Path

import pytest

from adapters.storage.community import SqlCommunity
from adapters.storage.database import Database
from adapters.storage.ledger import SqlLedger
from adapters.storage.purchases import SqlPurchases
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import PermissionDenied, RequestError
from bot.domain.store import Pack, Store, load_store, parse_payload, payload
from bot.services.community import CommunityService
from bot.services.store import StarPayment, StoreService
from tests.conftest import DATA

ANA = UserRef("telegram", "20", "Ana")
BEN = UserRef("discord", "30", "Ben")
OPERATOR = UserRef("telegram", "1", "Op")
PACKS = Store([
    Pack("starter", "Starter pack", 100, 50, discord_sku_id="111"),
    Pack("big", "Big pack", 500, 200),
    Pack("retired", "Old pack", 10, 5, discord_sku_id="222", on_sale=False),
])


def build(db: Database, packs: Store = PACKS, **kw) -> StoreService:  # type: ignore[no-untyped-def]
    community = CommunityService(SqlLedger(db), SqlCommunity(db), welcome_credits=5,
                                 admin_ids={"telegram:1"})
    return StoreService(packs, SqlPurchases(db), community, **kw)


async def wallet(store: StoreService, user: UserRef) -> int:
    ledger = store.community.ledger
    account = await store.community.account(user)
    balance = await ledger.balance(account)
    assert await ledger.ledger_sum(account) == balance
    return balance


def paid(charge: str, pack: Pack, user: UserRef = ANA, stars: int | None = None) -> StarPayment:
    return StarPayment(charge, user, payload(pack), pack.stars if stars is None else stars)


# -- packs as data ------------------------------------------------------------------------


def test_the_shipped_store_file_loads_and_sells_nothing_until_the_operator_says_so():
    store = load_store(DATA / "store.toml")
    assert len(store.packs) >= 1 and store.on_sale() == []


def test_a_missing_store_file_means_nothing_is_for_sale(tmp_path: Path):
    assert load_store(tmp_path / "none.toml").on_sale() == []


@pytest.mark.parametrize("entry, complaint", [
    ('id = "Bad Id"\nlabel = "x"\ncredits = 1\nstars = 1', "id must be"),
    ('id = "a"\nlabel = ""\ncredits = 1\nstars = 1', "label must be"),
    ('id = "a"\nlabel = "x"\ncredits = 0\nstars = 1', "credits must be"),
    ('id = "a"\nlabel = "x"\ncredits = 1\nstars = 1.5', "stars must be"),
    ('id = "a"\nlabel = "x"\ncredits = 1\nstars = 1\ndiscord_sku_id = "abc"', "discord_sku_id"),
    ('id = "a"\nlabel = "x"\ncredits = 1\nstars = 1\non_sale = "yes"', "on_sale"),
])
def test_a_bad_pack_stops_the_load_with_what_is_wrong(tmp_path: Path, entry: str,
                                                      complaint: str):
    path = tmp_path / "store.toml"
    path.write_text(f"[[packs]]\n{entry}\n")
    with pytest.raises(ValueError, match=complaint):
        load_store(path)


def test_two_packs_on_one_sku_are_refused():
    with pytest.raises(ValueError, match="SKU"):
        Store([Pack("a", "A", 1, 1, "9"), Pack("b", "B", 1, 1, "9")])


def test_the_payload_names_pack_price_and_credits_and_fits_telegram():
    text = payload(PACKS.get("starter"))
    assert text == "v1:starter:50:100" and len(text.encode()) <= 128
    assert parse_payload(text).credits == 100
    assert parse_payload("v2:starter:50:100") is None and parse_payload("junk") is None


def test_pre_checkout_accepts_a_good_invoice_and_explains_every_refusal(db: Database):
    store = build(db)
    good = payload(PACKS.get("starter"))
    assert store.pre_checkout(good, "XTR", 50) is None
    assert "does not match" in store.pre_checkout(good, "XTR", 49)
    assert "does not match" in store.pre_checkout(good, "USD", 50)
    assert "not on sale" in store.pre_checkout(payload(PACKS.get("retired")), "XTR", 5)
    assert "not on sale" in store.pre_checkout("v1:gone:5:5", "XTR", 5)
    assert "not from this bot" in store.pre_checkout("hello", "XTR", 5)


def test_an_invoice_for_a_pack_off_sale_is_refused(db: Database):
    store = build(db)
    with pytest.raises(RequestError, match="not on sale"):
        store.invoice("retired")
    assert store.invoice("starter").stars == 50


# -- exactly once ---------------------------------------------------------------------------


async def test_a_payment_is_credited_once_however_often_it_arrives(db: Database):
    store = build(db)
    first = await store.paid_on_telegram(paid("ch-1", PACKS.get("starter")))
    again = await store.paid_on_telegram(paid("ch-1", PACKS.get("starter")))
    assert first.new and not again.new
    assert first.balance == again.balance == 105 == await wallet(store, ANA)
    rows = await store.community.ledger.history(await store.community.account(ANA))
    assert [r.reason for r in rows].count("purchase") == 1


async def test_two_concurrent_deliveries_of_one_charge_credit_once(db: Database):
    store = build(db)
    await store.community.account(ANA)
    results = await asyncio.gather(*[
        store.paid_on_telegram(paid("ch-race", PACKS.get("big"))) for _ in range(2)])
    assert sorted(r.new for r in results) == [False, True]
    assert await wallet(store, ANA) == 505


async def test_an_old_invoice_paid_twice_counts_twice(db: Database):
    store = build(db)
    await store.paid_on_telegram(paid("ch-a", PACKS.get("starter")))
    await store.paid_on_telegram(paid("ch-b", PACKS.get("starter")))
    assert await wallet(store, ANA) == 205


async def test_a_payment_for_a_pack_taken_off_sale_since_is_still_credited(db: Database):
    store = build(db)
    done = await store.paid_on_telegram(paid("ch-old", PACKS.get("retired")))
    assert done.new and await wallet(store, ANA) == 15


async def test_a_discord_entitlement_credits_once_and_test_ones_only_when_allowed(db: Database):
    store = build(db)
    assert (await store.entitled("e1", "111", BEN, test=False)).new
    assert not (await store.entitled("e1", "111", BEN, test=False)).new
    assert await store.entitled("e2", "999", BEN, test=False) is None  # unknown SKU
    assert await store.entitled("e3", "111", BEN, test=True) is None  # test purchases off
    assert await wallet(store, BEN) == 105
    assert [p.payment_id for p in await store.unconsumed("discord")] == ["e1"]
    await store.consumed("discord", "e1")
    assert await store.unconsumed("discord") == []
    allowed = build(db, discord_test_purchases=True)
    assert (await allowed.entitled("e3", "111", BEN, test=True)).new


# -- refunds ----------------------------------------------------------------------------------


async def test_a_refund_before_spending_takes_everything_back_once(db: Database):
    store = build(db)
    await store.paid_on_telegram(paid("ch-r", PACKS.get("starter")))
    done = await store.refunded("telegram", "ch-r")
    assert done.new and done.taken == 100 and done.shortfall == 0
    assert not (await store.refunded("telegram", "ch-r")).new
    assert await wallet(store, ANA) == 5
    rows = await store.community.ledger.history(await store.community.account(ANA))
    assert [r.reason for r in rows][:2] == ["purchase refund", "purchase"]


async def test_a_refund_after_spending_stops_at_zero_and_records_the_shortfall(db: Database):
    store = build(db)
    await store.paid_on_telegram(paid("ch-s", PACKS.get("starter")))
    account = await store.community.account(ANA)
    await store.community.ledger.debit(account, 80, "generation", "spent")
    done = await store.refunded("telegram", "ch-s")
    assert (done.taken, done.shortfall, done.balance) == (25, 75, 0)
    assert await wallet(store, ANA) == 0
    text = await store.support(ANA)
    assert "refunded (25 credits taken back, 75 credits already spent)" in text
    assert (await store.totals())["shortfall"] == 75


async def test_the_refund_command_is_for_operators_and_calls_the_platform_once(db: Database):
    store = build(db)
    asked: list[str] = []

    async def refund_at_telegram(purchase) -> None:  # type: ignore[no-untyped-def]
        asked.append(purchase.payment_id)

    store.register_refunder("telegram", refund_at_telegram)
    await store.paid_on_telegram(paid("ch-op", PACKS.get("starter")))
    with pytest.raises(PermissionDenied):
        await store.refund(Context(ANA, "telegram:chat:5", is_admin=True), "ch-op")
    operator = Context(OPERATOR, "telegram:chat:1")
    with pytest.raises(RequestError, match="no payment"):
        await store.refund(operator, "nope")
    done = await store.refund(operator, "ch-op")
    again = await store.refund(operator, "ch-op")
    assert done.new and not again.new and asked == ["ch-op"]
    await store.entitled("e9", "111", BEN, test=False)
    with pytest.raises(RequestError, match="refunded by Discord"):
        await store.refund(operator, "e9")


async def test_reconciliation_credits_missed_payments_and_reverses_missed_refunds(
        db: Database):
    store = build(db)
    await store.paid_on_telegram(paid("seen", PACKS.get("starter")))
    report = await store.reconcile_telegram(
        [paid("seen", PACKS.get("starter")), paid("missed", PACKS.get("big"))], ["seen"])
    assert (report.credited, report.reversed) == (1, 1)
    assert await wallet(store, ANA) == 505
    again = await store.reconcile_telegram([paid("missed", PACKS.get("big"))], ["seen"])
    assert (again.credited, again.reversed) == (0, 0)


async def test_paysupport_lists_purchases_and_the_contact(db: Database):
    store = build(db, support_contact="@operator")
    assert "not bought anything" in await store.support(ANA)
    await store.paid_on_telegram(paid("ch-list", PACKS.get("big")))
    text = await store.support(ANA)
    assert "big: 500 credits for 200 ⭐" in text and "id ch-list" in text
    assert "@operator" in text and "starsdispute" in text


async def test_the_operator_report_lists_refund_shortfalls(db: Database):
    store = build(db)
    await store.paid_on_telegram(paid("ch-rep", PACKS.get("starter")))
    account = await store.community.account(ANA)
    await store.community.ledger.debit(account, 100, "generation", "spent-rep")
    await store.refunded("telegram", "ch-rep")
    report = await store.report()
    assert report["purchases"] == 1 and report["stars"] == 50 and report["refunded"] == 1
    assert report["shortfalls"] == [{"platform": "telegram", "payment_id": "ch-rep",
                                     "user_id": "20", "pack": "starter", "credits": 100,
                                     "taken_back": 5, "shortfall": 95}]


def test_the_purchases_command_prints_the_report(tmp_path: Path, capsys, monkeypatch):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env from the repository
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    assert main(["purchases"]) == 0
    out = capsys.readouterr().out
    assert '"credits_sold": 0' in out and '"shortfalls": []' in out
