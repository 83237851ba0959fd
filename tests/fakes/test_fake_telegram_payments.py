"""Self-tests of the fake Bot API's Stars payments, driven by a real PTB Bot over HTTP:
the invoice rules of the spec, the pre-checkout answer rules, and refunds."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, LabeledPrice
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123:ABC"


@pytest.fixture
async def tg():
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram):
    async with Bot(TOKEN, base_url=tg.base_url, request=HTTPXRequest()) as b:
        yield b


def stars(amount: int = 50) -> list[LabeledPrice]:
    return [LabeledPrice("100 credits", amount)]


async def invoice(bot: Bot, chat_id: int, **kw):  # type: ignore[no-untyped-def]
    args = {"chat_id": chat_id, "title": "Starter", "description": "100 credits",
            "payload": "v1:starter:50:100", "currency": "XTR", "prices": stars()} | kw
    return await bot.send_invoice(**args)


@pytest.mark.parametrize("bad, error", [
    ({"title": ""}, "INVOICE_TITLE_EMPTY"),
    ({"title": "x" * 33}, "INVOICE_TITLE_TOO_LONG"),
    ({"description": "d" * 256}, "INVOICE_DESCRIPTION_TOO_LONG"),
    ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
    ({"provider_token": "284685063:TEST"}, "Payment_provider_invalid"),
    ({"prices": [LabeledPrice("a", 1), LabeledPrice("b", 2)]}, "STARS_INVOICE_INVALID"),
    ({"max_tip_amount": 5}, "STARS_INVOICE_INVALID"),
])
async def test_a_stars_invoice_that_breaks_the_spec_is_refused(tg, bot, bad, error):
    user = tg.make_user(5, "Ann")
    tg.private_chat(user)
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await invoice(bot, user["id"], **bad)


async def test_a_valid_invoice_is_paid_after_an_ok_pre_checkout(tg, bot):
    user = tg.make_user(6, "Bea")
    chat = tg.private_chat(user)
    sent = await invoice(bot, user["id"])
    assert sent.invoice.total_amount == 50 and sent.invoice.currency == "XTR"

    async def answer_ok():  # the bot's side, by hand
        updates = await bot.get_updates(timeout=5)
        query = updates[-1].pre_checkout_query
        with pytest.raises(BadRequest, match="(?i)ERROR_MESSAGE_EMPTY"):
            await bot.answer_pre_checkout_query(query.id, ok=False)
        await bot.answer_pre_checkout_query(query.id, ok=True)
        with pytest.raises(BadRequest, match="(?i)QUERY_ID_INVALID"):
            await bot.answer_pre_checkout_query(query.id, ok=True)  # once only
        return updates[-1].update_id

    paying = asyncio.create_task(tg.user_pays(chat, user, sent.message_id))
    last = await answer_ok()
    paid = await paying
    assert paid.ok and paid.charge_id
    updates = await bot.get_updates(offset=last + 1, timeout=5)
    payment = updates[-1].message.successful_payment
    assert payment.telegram_payment_charge_id == paid.charge_id
    assert payment.invoice_payload == "v1:starter:50:100"

    assert await bot.refund_star_payment(user["id"], paid.charge_id)
    with pytest.raises(BadRequest, match="(?i)CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(user["id"], paid.charge_id)
    txs = (await bot.get_star_transactions()).transactions
    assert [t.id for t in txs] == [paid.charge_id, paid.charge_id]
    assert txs[0].source.invoice_payload == "v1:starter:50:100" and txs[1].receiver is not None


async def test_an_unanswered_pre_checkout_fails_the_payment(tg, bot):
    user = tg.make_user(7, "Cal")
    chat = tg.private_chat(user)
    sent = await invoice(bot, user["id"])
    await bot.get_updates(timeout=0)
    paid = await tg.user_pays(chat, user, sent.message_id, timeout=0.3)
    assert not paid.ok and paid.charge_id is None and tg.star_transactions == []
