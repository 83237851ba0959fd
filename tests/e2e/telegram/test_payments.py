"""Buying credits with Telegram Stars, end to end: the real bot against the fake Bot API.

Invoices as the Bot API requires them, the pre-checkout answered while a slow generation
runs, each payment credited once (a redelivered update changes nothing, an old invoice paid
twice counts twice), refusals at pre-checkout, a payment missed while the bot was down
credited by reconciliation, and refunds before and after spending.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.e2e.telegram.conftest import Harness, buttons, running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")
OPERATOR_ID = 9001
STORE = """
[[packs]]
id = "starter"
label = "Starter pack"
credits = 100
stars = 50

[[packs]]
id = "big"
label = "Big pack"
credits = 500
stars = 200

[[packs]]
id = "retired"
label = "Old pack"
credits = 10
stars = 5
on_sale = false
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tg-pay")
    (tmp / "store.toml").write_text(STORE)
    async with running_bot(tmp, STORE_FILE=str(tmp / "store.toml"), WELCOME_CREDITS="10",
                           DEMO_DELAY_SECONDS="6", ADMIN_USER_IDS=f"telegram:{OPERATOR_ID}",
                           PAY_SUPPORT_CONTACT="@imagine_operator") as harness:
        yield harness


async def until(condition, timeout: float = 15) -> None:  # noqa: ASYNC109
    """Wait for something the bot does on its own (no update to wait for)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


async def invoice_for(h: Harness, chat: dict, user: dict, pack: str = "starter"):
    """/buy, then tap the pack: the invoice the bot sends."""
    since = h.mark()
    message = h.tg.user_sends_text(chat, user, "/buy")
    menu = await h.text_for(message, since, "Pick a pack")
    data = f"buy:{pack}"
    assert data in [b["callback_data"] for b in buttons(menu)]
    since = h.mark()
    query_id = h.tg.user_clicks(chat, user, menu.result, data)
    invoice = await h.tg.wait_for("sendInvoice", since=since, ok=True)
    await h.answered(query_id)
    return invoice


async def receipt(h: Harness, since: int, contains: str = "Thank you!"):
    return await h.tg.wait_for("sendMessage", lambda c: contains in str(c.get("text")),
                               since=since, ok=True)


async def test_buy_shows_packs_on_sale_with_prices_and_sends_a_stars_invoice(h: Harness):
    ann = h.tg.make_user(3001, "Ann")
    chat = h.tg.private_chat(ann)
    since = h.mark()
    message = h.tg.user_sends_text(chat, ann, "/buy")
    menu = await h.text_for(message, since, "Pick a pack")
    labels = [b["text"] for b in buttons(menu)]
    assert labels == ["Starter pack: 100 credits for 50 ⭐", "Big pack: 500 credits for 200 ⭐"]
    invoice = await invoice_for(h, chat, ann)
    assert invoice["currency"] == "XTR" and invoice.get("provider_token") in (None, "")
    assert invoice["prices"] == [{"label": "100 credits", "amount": 50}]
    assert invoice["payload"] == "v1:starter:50:100" and invoice["title"] == "Starter pack"


async def test_a_payment_is_credited_once_with_a_receipt_even_when_redelivered(h: Harness):
    bea = h.tg.make_user(3002, "Bea")
    chat = h.tg.private_chat(bea)
    invoice = await invoice_for(h, chat, bea)
    since = h.mark()
    paid = await h.tg.user_pays(chat, bea, invoice.result)
    assert paid.ok and paid.charge_id
    text = (await receipt(h, since))["text"]
    assert "+100 credits" in text and "You have 110 credits" in text and paid.charge_id in text
    h.tg.redeliver(paid.update)
    await h.settle(chat, bea)
    assert h.ledger(bea, "purchase") == [(100, "purchase", "telegram:starter")]
    assert h.balance(bea) == 110
    assert len([c for c in h.tg.calls_to("sendMessage")
                if "Thank you!" in str(c.get("text")) and c["chat_id"] == bea["id"]]) == 1


async def test_an_old_invoice_paid_twice_counts_twice(h: Harness):
    cal = h.tg.make_user(3003, "Cal")
    chat = h.tg.private_chat(cal)
    invoice = await invoice_for(h, chat, cal, "big")
    first = await h.tg.user_pays(chat, cal, invoice.result)
    second = await h.tg.user_pays(chat, cal, invoice.result)
    assert first.charge_id != second.charge_id
    await h.settle(chat, cal)
    assert h.balance(cal) == 1010
    assert len(h.ledger(cal, "purchase")) == 2


async def test_pre_checkout_refuses_a_wrong_amount_an_unknown_or_off_sale_pack(h: Harness):
    dan = h.tg.make_user(3004, "Dan")
    chat = h.tg.private_chat(dan)
    invoice = await invoice_for(h, chat, dan)
    wrong = await h.tg.user_pays(chat, dan, invoice.result, total_amount=1)
    assert not wrong.ok and "does not match" in wrong.error
    unknown = await h.tg.user_pays(chat, dan, invoice.result, payload="v1:nopack:50:100")
    assert not unknown.ok and "not on sale" in unknown.error
    retired = await h.tg.user_pays(chat, dan, invoice.result, payload="v1:retired:50:10")
    assert not retired.ok and "not on sale" in retired.error
    forged = await h.tg.user_pays(chat, dan, invoice.result, payload="free credits")
    assert not forged.ok and "not from this bot" in forged.error
    await h.settle(chat, dan)
    assert h.balance(dan) == 10 and h.ledger(dan, "purchase") == []
    assert h.tg.unanswered_pre_checkouts() == []


async def test_pre_checkout_is_answered_while_a_slow_generation_runs(h: Harness):
    eve = h.tg.make_user(3005, "Eve")
    chat = h.tg.private_chat(eve)
    invoice = await invoice_for(h, chat, eve)
    since = h.mark()
    prompt = h.tg.user_sends_text(chat, eve, "/imagine a slow lighthouse --model flux-2-klein")
    await h.tg.wait_for("sendMessage", since=since, ok=True)  # the status: generation runs
    paid = await h.tg.user_pays(chat, eve, invoice.result)
    assert paid.ok
    photo = await h.photo_for(prompt, since, timeout=30)
    answered = next(i for i, c in enumerate(h.tg.calls)
                    if c.method == "answerPreCheckoutQuery"
                    and c.get("pre_checkout_query_id") == paid.query_id)
    assert answered < h.tg.calls.index(photo)  # answered before the image was done
    await receipt(h, since)
    assert h.balance(eve) == 109


async def test_paysupport_lists_purchases_and_the_operator_contact(h: Harness):
    fay = h.tg.make_user(3006, "Fay")
    chat = h.tg.private_chat(fay)
    invoice = await invoice_for(h, chat, fay)
    paid = await h.tg.user_pays(chat, fay, invoice.result)
    since = h.mark()
    message = h.tg.user_sends_text(chat, fay, "/paysupport")
    text = (await h.text_for(message, since, "Your purchases"))["text"]
    assert paid.charge_id in text and "starter: 100 credits for 50 ⭐" in text
    assert "@imagine_operator" in text


async def test_an_operator_refund_takes_the_credits_back_once(h: Harness):
    gus = h.tg.make_user(3007, "Gus", username="gus")
    op = h.tg.make_user(OPERATOR_ID, "Op", username="op")
    chat, op_chat = h.tg.private_chat(gus), h.tg.private_chat(op)
    invoice = await invoice_for(h, chat, gus)
    paid = await h.tg.user_pays(chat, gus, invoice.result)
    await h.settle(chat, gus)
    assert h.balance(gus) == 110

    since = h.mark()
    denied = h.tg.user_sends_text(chat, gus, f"/credits refund {paid.charge_id}")
    await h.text_for(denied, since, "Only the bot's operators")
    since = h.mark()
    message = h.tg.user_sends_text(op_chat, op, f"/credits refund {paid.charge_id}")
    await h.text_for(message, since, "took back 100 credits")
    await h.tg.wait_for("refundStarPayment", since=since, ok=True)
    await receipt(h, since, "was refunded")  # the refunded_payment update tells the buyer
    await h.settle(chat, gus)
    assert h.balance(gus) == 10
    assert [r[1] for r in h.ledger(gus)][-2:] == ["purchase", "purchase refund"]
    since = h.mark()
    again = h.tg.user_sends_text(op_chat, op, f"/credits refund {paid.charge_id}")
    await h.text_for(again, since, "refunded already")
    assert h.balance(gus) == 10


async def test_a_refund_after_spending_stops_at_zero_and_shows_the_shortfall(h: Harness):
    hal = h.tg.make_user(3008, "Hal", username="hal")
    ivy = h.tg.make_user(3009, "Ivy", username="ivy")
    chat = h.tg.private_chat(hal)
    await h.settle(h.tg.private_chat(ivy), ivy)
    invoice = await invoice_for(h, chat, hal)
    paid = await h.tg.user_pays(chat, hal, invoice.result)
    since = h.mark()
    give = h.tg.user_sends_text(chat, hal, "/give @ivy 90")
    await h.text_for(give, since, "You gave 90 credits")
    h.tg.refund(paid.charge_id)  # Telegram support refunded it: a refunded_payment message
    await receipt(h, since, "was refunded")
    await h.settle(chat, hal)
    assert h.balance(hal) == 0
    assert h.ledger(hal, "purchase refund") == [(-20, "purchase refund",
                                                 f"telegram:{paid.charge_id}")]
    since = h.mark()
    message = h.tg.user_sends_text(chat, hal, "/paysupport")
    text = (await h.text_for(message, since, "Your purchases"))["text"]
    assert "20 credits taken back, 80 credits already spent" in text


async def test_a_payment_and_a_refund_missed_while_down_are_reconciled_at_start(h: Harness):
    jo = h.tg.make_user(3010, "Jo")
    chat = h.tg.private_chat(jo)
    invoice = await invoice_for(h, chat, jo)
    refunded = await h.tg.user_pays(chat, jo, invoice.result)
    # Approved at pre-checkout, then the successful_payment update never reached the bot
    # (a crash after PTB confirmed it, or more than 24 hours down): only the list has it.
    missed = await h.tg.user_pays(chat, jo, invoice.result, deliver=False)
    await h.settle(chat, jo)
    assert missed.ok and h.balance(jo) == 110
    await h.bot.stop()
    h.tg.refund(refunded.charge_id, deliver=False)  # refunded by Telegram while down
    await h.restart()
    await until(lambda: len(h.ledger(jo)) == 4)  # reconciliation runs beside the polling
    assert h.balance(jo) == 110  # 10 + 100 + 100 (missed, credited now) - 100 (refunded)
    assert [r[2] for r in h.ledger(jo, "purchase")] == ["telegram:starter"] * 2
    assert h.ledger(jo, "purchase refund") == [(-100, "purchase refund",
                                                f"telegram:{refunded.charge_id}")]
    since = h.mark()
    await h.restart()  # a second start finds nothing new
    await h.tg.wait_for("getStarTransactions", since=since, ok=True)
    await h.settle(chat, jo)
    assert h.balance(jo) == 110 and len(h.ledger(jo)) == 4
