"""Buying credits on Discord, end to end: premium buttons, consumable entitlements credited
once and consumed, a consume that failed (a crash between credit and consume), purchases
and refunds made while the bot was down, unknown SKUs, test-mode purchases, the SKU check."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.e2e.discord.conftest import EPHEMERAL, Harness, running_bot
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
STARTER, BIG, DURABLE, MISSING, FOREIGN = 5_001, 5_002, 5_003, 5_004, 5_999
STORE = f"""
[[packs]]
id = "starter"
label = "Starter pack"
credits = 100
stars = 50
discord_sku_id = "{STARTER}"

[[packs]]
id = "big"
label = "Big pack"
credits = 500
stars = 200
discord_sku_id = "{BIG}"

[[packs]]
id = "badge"
label = "Durable thing"
credits = 1
stars = 1
discord_sku_id = "{DURABLE}"
on_sale = false

[[packs]]
id = "ghost"
label = "Not in the portal"
credits = 1
stars = 1
discord_sku_id = "{MISSING}"
on_sale = false

[[packs]]
id = "telegram_only"
label = "Telegram only"
credits = 7
stars = 3
"""


def skus(dc: FakeDiscord) -> None:
    dc.add_sku(STARTER, "100 credits")
    dc.add_sku(BIG, "500 credits")
    dc.add_sku(DURABLE, "A badge", type=2)
    dc.add_sku(FOREIGN, "Something else")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dc-pay")
    (tmp / "store.toml").write_text(STORE)
    async with running_bot(tmp, skus, STORE_FILE=str(tmp / "store.toml"),
                           WELCOME_CREDITS="10") as harness:
        await harness.dc.wait_for(("GET", r"/entitlements$"), timeout=30)
        yield harness


async def until(condition, timeout: float = 15) -> None:  # noqa: ASYNC109
    """Wait for something the bot does on its own (after a gateway event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


def purchases(h: Harness, user: dict) -> list[tuple[int, str, str]]:
    return [r for r in h.ledger(user) if r[1] in ("purchase", "purchase refund")]


async def test_the_sku_check_at_start_names_what_is_wrong(h: Harness):
    log = h.bot.log()
    assert f"SKU {MISSING}, which this application does not have" in log
    assert f"SKU {DURABLE} (durable), which is not a consumable" in log


async def test_buy_answers_privately_with_one_premium_button_per_pack(h: Harness):
    inter = await h.slash(h.alice, "buy")
    msg = await inter.wait_message(lambda m: bool(m["flags"] & EPHEMERAL))
    buttons = [c for row in msg["components"] for c in row["components"]]
    assert [(b["style"], b["sku_id"]) for b in buttons] == [(6, str(STARTER)), (6, str(BIG))]
    assert all("custom_id" not in b and "label" not in b for b in buttons)
    assert "Starter pack: 100 credits" in msg["content"]
    h.dc.assert_no_errors()


async def test_an_entitlement_is_credited_once_then_consumed(h: Harness):
    carol = h.dc.make_user(700_010, "carol")
    ent = await h.dc.user_buys(carol, STARTER)
    await until(lambda: ent["id"] in h.dc.consumed)
    assert h.balance(carol) == 110
    # A replay of the same event (a RESUME, a retry) credits nothing more.
    await h.dc.gateway.dispatch("ENTITLEMENT_CREATE", {**ent, "consumed": False})
    again = await h.dc.user_buys(carol, STARTER)  # consumed, so it can be bought again
    await until(lambda: again["id"] in h.dc.consumed)
    assert h.balance(carol) == 210
    assert purchases(h, carol) == [(100, "purchase", "discord:starter")] * 2


async def test_an_unknown_sku_is_logged_and_left_alone(h: Harness):
    dave = h.dc.make_user(700_011, "dave")
    ent = await h.dc.user_buys(dave, FOREIGN)
    await until(lambda: f"entitlement {ent['id']} is for SKU {FOREIGN}" in h.bot.log())
    assert ent["id"] not in h.dc.consumed
    assert h.query("SELECT COUNT(*) FROM purchases WHERE payment_id = ?", ent["id"]) == [(0,)]


async def test_an_entitlement_for_a_sku_that_is_not_a_consumable_is_not_credited(h: Harness):
    ivan = h.dc.make_user(700_016, "ivan")
    ent = await h.dc.user_buys(ivan, DURABLE)
    await until(lambda: f"entitlement {ent['id']} is for SKU {DURABLE}, which is not a "
                        "consumable" in h.bot.log())
    assert ent["id"] not in h.dc.consumed and h.ledger(ivan) == []


async def test_a_consume_that_failed_is_retried_at_start_without_crediting_again(h: Harness):
    erin = h.dc.make_user(700_012, "erin")
    h.dc.fail_next("POST", r"/consume$", status=403)
    ent = await h.dc.user_buys(erin, BIG)
    await until(lambda: f"could not consume discord entitlement {ent['id']}" in h.bot.log())
    assert h.balance(erin) == 510 and ent["id"] not in h.dc.consumed
    since = h.dc.mark()
    await h.restart()
    await h.dc.wait_for(("GET", r"/entitlements$"), since=since, timeout=30)
    await until(lambda: ent["id"] in h.dc.consumed)
    assert h.balance(erin) == 510
    assert purchases(h, erin) == [(500, "purchase", "discord:big")]


async def test_a_purchase_and_a_refund_made_while_down_are_reconciled(h: Harness):
    fay = h.dc.make_user(700_013, "fay")
    refunded = await h.dc.user_buys(fay, STARTER)
    await until(lambda: refunded["id"] in h.dc.consumed)
    await h.bot.stop()
    bought = await h.dc.user_buys(fay, BIG, dispatch=False)
    await h.dc.refund_entitlement(refunded["id"], dispatch=False)
    await h.restart()
    await until(lambda: bought["id"] in h.dc.consumed and len(purchases(h, fay)) == 3)
    assert h.balance(fay) == 510  # 10 + 100 + 500 - 100
    assert (-100, "purchase refund", f"discord:{refunded['id']}") in purchases(h, fay)


async def test_a_deleted_entitlement_takes_back_what_is_left(h: Harness):
    gus = h.dc.make_user(700_014, "gus")
    h.dc.add_member(h.guild_id, gus)
    ent = await h.dc.user_buys(gus, STARTER)
    await until(lambda: ent["id"] in h.dc.consumed)
    await h.slash(gus, "give", {"user": h.bob, "amount": 60}, dm=False)
    await until(lambda: h.balance(gus) == 50)
    await h.dc.refund_entitlement(ent["id"])
    await until(lambda: len(purchases(h, gus)) == 2)
    assert h.balance(gus) == 0
    assert purchases(h, gus)[-1] == (-50, "purchase refund", f"discord:{ent['id']}")
    assert h.query("SELECT shortfall FROM purchases WHERE payment_id = ?", ent["id"]) == [(50,)]


async def test_test_purchases_are_credited_only_when_allowed(h: Harness):
    hal = h.dc.make_user(700_015, "hal")
    ent = await h.dc.user_buys(hal, STARTER, test=True)
    await until(lambda: f"test entitlement {ent['id']} not credited" in h.bot.log())
    assert ent["id"] not in h.dc.consumed
    await h.restart(DISCORD_TEST_PURCHASES="true")
    await until(lambda: ent["id"] in h.dc.consumed)
    assert h.balance(hal) == 110
