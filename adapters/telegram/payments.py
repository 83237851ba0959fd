"""Telegram Stars: /buy, invoices, pre-checkout, payments, refunds and reconciliation.

Thin: the store service decides (packs, prices, crediting once). Here:
- /buy shows the packs on sale as buttons (`buy:<pack>`); a tap answers the query and sends
  an invoice (currency XTR, no provider token, one price, the versioned payload).
- A pre_checkout_query is answered at once from the payload alone, no database: updates are
  handled concurrently (runner.py), so a long generation never holds it past 10 seconds.
- successful_payment credits once, keyed by telegram_payment_charge_id, then a receipt.
- refunded_payment (and `/credits refund`, through refundStarPayment) takes the credits back.
- At start and then every PAYMENTS_RECONCILE_SECONDS, getStarTransactions is read: a payment
  the bot never saw (PTB confirms updates before handling them, and Telegram keeps them for
  24 hours only) is credited, a refund it never saw is reversed. Same keys: never twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    TransactionPartnerUser,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.domain.errors import RequestError
from bot.domain.store import Purchase
from bot.i18n import t
from bot.services.replies import credits
from bot.services.retrying import every
from bot.services.store import CURRENCY, StarPayment, StoreService
from bot.services.store_text import not_for_sale, pack_button

from .ack import answer
from .members import user_ref
from .rendering import send_text

log = logging.getLogger(__name__)
BUY_PREFIX = "buy:"
PAGE = 100  # getStarTransactions' largest page
Guard = Callable[[Callable[[Update, Any], Awaitable[None]]], Callable[[Update, Any], Any]]


def buy_keyboard(store: StoreService) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(pack_button(p),
                                                       callback_data=f"{BUY_PREFIX}{p.id}")]
                                 for p in store.for_sale()])


class TelegramPayments:
    def __init__(self, store: StoreService, bot: Any, guard: Guard) -> None:
        self.store = store
        self.bot = bot
        self.guard = guard
        store.register_refunder("telegram", self.refund_at_telegram)

    def handlers(self) -> list[tuple[BaseHandler[Any, Any, Any], int]]:
        return [
            (CallbackQueryHandler(self.guard(self.pick), pattern=f"^{BUY_PREFIX}"), 0),
            (PreCheckoutQueryHandler(self.pre_checkout), 0),
            (MessageHandler(filters.SUCCESSFUL_PAYMENT, self.guard(self.paid)), 0),
            (MessageHandler(filters.StatusUpdate.REFUNDED_PAYMENT, self.guard(self.refunded)),
             0),
        ]

    async def buy(self, update: Update, context: Any) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return
        reply_to = message.message_id if message else None
        if not self.store.for_sale():
            await send_text(self.bot, chat.id, not_for_sale(), reply_to_id=reply_to)
            return
        await send_text(self.bot, chat.id, t("tg-buy-pick"),
                        reply_to_id=reply_to, markup=buy_keyboard(self.store))

    async def pick(self, update: Update, context: Any) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        try:
            invoice = self.store.invoice((query.data or "")[len(BUY_PREFIX):])
        except RequestError as exc:  # a pack gone since the buttons were sent
            await answer(query, exc.user_message)
            return
        await answer(query, t("tg-sending-invoice"))
        await self.bot.send_invoice(
            chat_id=query.message.chat.id, title=invoice.title,
            description=invoice.description, payload=invoice.payload, currency=CURRENCY,
            prices=[LabeledPrice(invoice.label, invoice.stars)], provider_token="",
        )

    async def pre_checkout(self, update: Update, context: Any) -> None:
        query = update.pre_checkout_query
        if query is None:
            return
        try:
            error = self.store.pre_checkout(query.invoice_payload, query.currency,
                                            query.total_amount)
        except Exception:  # noqa: BLE001 - Telegram still needs an answer
            log.exception("pre-checkout check failed")
            error = t("tg-payment-sorry")
        if error:
            log.info("pre-checkout %s refused: %s", query.id, error)
            await query.answer(ok=False, error_message=error)
        else:
            await query.answer(ok=True)

    async def paid(self, update: Update, context: Any) -> None:
        message = update.effective_message
        if message is None or message.successful_payment is None or message.from_user is None:
            return
        sp = message.successful_payment
        done = await self.store.paid_on_telegram(StarPayment(
            sp.telegram_payment_charge_id, user_ref(message.from_user), sp.invoice_payload,
            sp.total_amount))
        if done.new:  # a redelivery was told once already
            await send_text(self.bot, message.chat.id, self.store.receipt(done),
                            reply_to_id=message.message_id)

    async def refunded(self, update: Update, context: Any) -> None:
        message = update.effective_message
        if message is None or message.refunded_payment is None:
            return
        done = await self.store.refunded("telegram",
                                         message.refunded_payment.telegram_payment_charge_id)
        # Told even when `/credits refund` reversed it first: this message is how the buyer
        # learns of it (Telegram sends it once per refund).
        if done is not None:
            short = (t("tg-refunded-short", spent=credits(done.shortfall))
                     if done.shortfall else "")
            await send_text(self.bot, message.chat.id,
                            t("tg-refunded", id=done.purchase.payment_id,
                              taken=credits(done.taken), short=short,
                              balance=credits(done.balance)))

    async def refund_at_telegram(self, purchase: Purchase) -> None:
        try:
            await self.bot.refund_star_payment(
                user_id=int(purchase.user_id), telegram_payment_charge_id=purchase.payment_id)
        except BadRequest as exc:
            if "CHARGE_ALREADY_REFUNDED" not in str(exc).upper():
                raise
            log.info("telegram payment %s was refunded already", purchase.payment_id)

    # -- reconciliation -----------------------------------------------------------------

    async def reconcile(self) -> None:
        payments: list[StarPayment] = []
        refunds: list[str] = []
        offset = 0
        while True:
            page = await self.bot.get_star_transactions(offset=offset, limit=PAGE)
            for tx in page.transactions:
                source, receiver = tx.source, tx.receiver
                if (isinstance(source, TransactionPartnerUser)
                        and source.transaction_type == "invoice_payment"):
                    payments.append(StarPayment(tx.id, user_ref(source.user),
                                                source.invoice_payload or "", tx.amount,
                                                tx.date.timestamp()))
                elif isinstance(receiver, TransactionPartnerUser):
                    refunds.append(tx.id)  # a refund carries its payment's id
            if len(page.transactions) < PAGE:
                break
            offset += len(page.transactions)
        done = await self.store.reconcile_telegram(payments, refunds)
        log.info("telegram payments reconciled: %s", done)

    async def reconcile_every(self, seconds: float, stop: asyncio.Event) -> None:
        """At start, then every `seconds`, until `stop`. Never raises."""
        await every(seconds, stop, self.reconcile, (TelegramError,), log,
                    "read Telegram's star transactions")
