"""Telegram Stars in the fake Bot API: invoices, pre-checkout, payments, refunds, and the
bot's transaction list (a mixin of :class:`tests.fakes.telegram_api.FakeTelegram`).

Strict like the Bot API (spec: /work/shared/specs/telegram-bot-api.json): ``sendInvoice``
needs title 1-32, description 1-255, payload 1-128 bytes, and for ``XTR`` an empty provider
token, exactly one price with a whole positive amount, and no tips
(``STARS_INVOICE_INVALID``). ``answerPreCheckoutQuery`` must come for a query that was
delivered, once, within 10 seconds, with an ``error_message`` when ``ok`` is false.
``refundStarPayment`` knows each charge and refuses a second refund
(``CHARGE_ALREADY_REFUNDED``). User side::

    outcome = await tg.user_pays(chat, user, invoice_message)   # pre-checkout, then payment
    outcome.charge_id, outcome.error   # error: the bot's error_message, or None
    await tg.user_pays(..., deliver=False)    # paid while the bot was down: no update
    tg.redeliver(outcome.update)               # the same successful_payment again
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_rules import ApiError, bad

PRE_CHECKOUT_DEADLINE = 10.0  # seconds Telegram waits for answerPreCheckoutQuery


@dataclass
class Payment:
    """What one user_pays did: the bot's pre-checkout verdict and, if it said ok, the charge."""

    query_id: str
    ok: bool
    error: str | None
    answered_after: float | None  # seconds from delivery to the answer; None: never
    charge_id: str | None = None
    update: dict | None = None  # the successful_payment update (for redeliver)


class PaymentsMixin:
    def _init_payments(self) -> None:
        self.invoices: dict[tuple[int, int], dict] = {}  # (chat, message id) -> the params
        self.pre_checkouts: dict[str, dict] = {}  # query id -> {"delivered", "answer", ...}
        self.star_transactions: list[dict] = []
        self._charges: dict[str, dict] = {}  # charge id -> {"user", "amount", "refunded"}
        self._charge_ids = itertools.count(1)
        self._pcq_ids = itertools.count(7_000_000_000_000_001)

    # ------------------------------------------------------------------ Bot API methods

    def _api_sendInvoice(self, p: dict, files: dict) -> dict:
        title, description = str(p.get("title") or ""), str(p.get("description") or "")
        payload = str(p.get("payload") or "")
        if not 1 <= len(title) <= 32:
            raise bad("INVOICE_TITLE_EMPTY" if not title else "INVOICE_TITLE_TOO_LONG")
        if not 1 <= len(description) <= 255:
            raise bad("INVOICE_DESCRIPTION_EMPTY" if not description else
                      "INVOICE_DESCRIPTION_TOO_LONG")
        if not 1 <= len(payload.encode()) <= 128:
            raise bad("INVOICE_PAYLOAD_INVALID")
        currency = p.get("currency")
        prices = p.get("prices")
        if not isinstance(prices, list) or not prices:
            raise bad("can't parse prices JSON object")
        for price in prices:
            amount = price.get("amount") if isinstance(price, dict) else None
            if (not isinstance(price, dict) or not str(price.get("label") or "")
                    or not isinstance(amount, int) or isinstance(amount, bool)):
                raise bad("can't parse prices JSON object")
        if currency == "XTR":
            if p.get("provider_token") not in (None, ""):
                raise bad("Payment_provider_invalid")
            if (len(prices) != 1 or prices[0]["amount"] <= 0 or p.get("max_tip_amount")
                    or p.get("suggested_tip_amounts")):
                raise bad("STARS_INVOICE_INVALID")
        elif not p.get("provider_token"):
            raise bad("Payment_provider_invalid")
        markup = p.get("reply_markup")
        if markup:
            first = (markup.get("inline_keyboard") or [[{}]])[0][0]
            if not first.get("pay"):
                raise bad("the first button must be a Pay button")
        total = sum(price["amount"] for price in prices)
        invoice = {"title": title, "description": description,
                   "start_parameter": str(p.get("start_parameter") or ""),
                   "currency": currency, "total_amount": total}
        msg = self._bot_message(p, invoice=invoice)
        self.invoices[(msg["chat"]["id"], msg["message_id"])] = dict(p)
        return msg

    def _api_answerPreCheckoutQuery(self, p: dict, files: dict) -> bool:
        qid = str(p.get("pre_checkout_query_id") or "")
        query = self.pre_checkouts.get(qid)
        if query is None or query.get("delivered") is None or "answer" in query:
            raise bad("QUERY_ID_INVALID")
        if time.monotonic() - query["delivered"] > PRE_CHECKOUT_DEADLINE:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        ok = p.get("ok")
        if not isinstance(ok, bool):
            raise bad("ok must be a Boolean")
        if not ok and not str(p.get("error_message") or ""):
            raise bad("ERROR_MESSAGE_EMPTY")
        query["answer"] = {"ok": ok, "error_message": p.get("error_message"),
                           "after": time.monotonic() - query["delivered"]}
        self._notify()
        return True

    def _api_refundStarPayment(self, p: dict, files: dict) -> bool:
        charge = self._charges.get(str(p.get("telegram_payment_charge_id") or ""))
        if charge is None or str(charge["user"]["id"]) != str(p.get("user_id")):
            raise bad("CHARGE_NOT_FOUND")
        if charge["refunded"]:
            raise bad("CHARGE_ALREADY_REFUNDED")
        self.refund(charge["id"])
        return True

    def _api_getStarTransactions(self, p: dict, files: dict) -> dict:
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        if not 1 <= limit <= 100:
            raise bad("LIMIT_INVALID")
        return {"transactions": [dict(t) for t in self.star_transactions[offset:offset + limit]]}

    # ------------------------------------------------------------------ user side

    async def user_pays(
        self,
        chat: dict | int,
        user: dict,
        invoice_message: dict | int,
        *,
        total_amount: int | None = None,
        payload: str | None = None,
        deliver: bool = True,
        timeout: float = PRE_CHECKOUT_DEADLINE + 2,  # noqa: ASYNC109
    ) -> Payment:
        """Press Pay on an invoice the bot sent: Telegram asks the bot (pre_checkout_query),
        and on ok charges the user and sends ``successful_payment`` (unless ``deliver`` is
        False: the payment then shows only in getStarTransactions). ``total_amount`` /
        ``payload`` forge what the query carries (a tampered or stale invoice)."""
        chat = self._chat_obj(chat)
        mid = invoice_message["message_id"] if isinstance(invoice_message, dict) \
            else invoice_message
        params = self.invoices.get((chat["id"], int(mid)))
        if params is None:
            raise ValueError(f"no invoice {mid} in chat {chat['id']}")
        total = sum(pr["amount"] for pr in params["prices"]) if total_amount is None \
            else total_amount
        invoice_payload = params["payload"] if payload is None else payload
        qid = str(next(self._pcq_ids))
        self.pre_checkouts[qid] = {"delivered": None}
        self.enqueue_update({"pre_checkout_query": {
            "id": qid, "from": user, "currency": params["currency"], "total_amount": total,
            "invoice_payload": invoice_payload}})
        deadline = time.monotonic() + timeout
        while "answer" not in self.pre_checkouts[qid] and time.monotonic() < deadline:
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
        answer = self.pre_checkouts[qid].get("answer")
        if answer is None:
            return Payment(qid, False, None, None)
        outcome = Payment(qid, answer["ok"], answer["error_message"], answer["after"])
        if not answer["ok"]:
            return outcome
        charge_id = f"stxTEST{next(self._charge_ids):08d}"
        self._charges[charge_id] = {"id": charge_id, "user": user, "amount": total,
                                    "payload": invoice_payload, "refunded": False,
                                    "chat": chat["id"], "currency": params["currency"]}
        self.star_transactions.append({
            "id": charge_id, "amount": total, "date": int(time.time()),
            "source": {"type": "user", "transaction_type": "invoice_payment", "user": user,
                       "invoice_payload": invoice_payload}})
        outcome.charge_id = charge_id
        message = self._new_message(chat, user, successful_payment={
            "currency": params["currency"], "total_amount": total,
            "invoice_payload": invoice_payload, "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": ""})
        if deliver:
            outcome.update = self.enqueue_update({"message": message})
        return outcome

    def refund(self, charge_id: str, *, deliver: bool = True) -> None:
        """Refund a charge (as refundStarPayment does, or Telegram support): a transaction
        with the same id to the user, and a ``refunded_payment`` message unless not
        ``deliver`` (refunded while the bot was down)."""
        charge = self._charges[charge_id]
        charge["refunded"] = True
        self.star_transactions.append({
            "id": charge_id, "amount": charge["amount"], "date": int(time.time()),
            "receiver": {"type": "user", "transaction_type": "invoice_payment",
                         "user": charge["user"], "invoice_payload": charge["payload"]}})
        if deliver:
            message = self._new_message(self._chat_obj(charge["chat"]), charge["user"],
                                        refunded_payment={
                "currency": "XTR", "total_amount": charge["amount"],
                "invoice_payload": charge["payload"], "telegram_payment_charge_id": charge_id})
            self.enqueue_update({"message": message})

    def _delivered_pre_checkouts(self, batch: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        for update in batch:
            query = update.get("pre_checkout_query")
            if query and self.pre_checkouts.get(query["id"], {}).get("delivered") is None:
                self.pre_checkouts.setdefault(query["id"], {})["delivered"] = now

    def unanswered_pre_checkouts(self) -> list[str]:
        return [q for q, v in self.pre_checkouts.items()
                if v.get("delivered") is not None and "answer" not in v]


__all__ = ["ApiError", "Payment", "PaymentsMixin"]
