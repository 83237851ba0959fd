"""Buying credits: packs, invoices, payments credited exactly once, refunds, reconciliation.

Both platforms call this one service. A payment is credited by its platform's own payment id
(Telegram's telegram_payment_charge_id, a Discord entitlement id), so a redelivered update,
a gateway replay and the start-up reconciliation all land on the same row and credit once;
an old invoice paid twice is two charge ids and counts twice.

Refund policy (when part of the credits are spent already): take back what is left, never
below zero, and record the shortfall on the payment; /paysupport and the operator's report
show it. Every movement is a ledger row (`purchase`, `purchase refund`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot import i18n
from bot.domain import keys
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import PermissionDenied, RequestError
from bot.domain.store import (
    Credited,
    Offer,
    Pack,
    Purchase,
    PurchaseStore,
    Reversed,
    Store,
    parse_payload,
    payload,
)
from bot.i18n import t
from bot.services import store_text
from bot.services.community import CommunityService
from bot.services.replies import credits

log = logging.getLogger(__name__)
CURRENCY = "XTR"  # Telegram Stars
NOT_FOR_SALE = store_text.NOT_FOR_SALE
Refunder = Callable[[Purchase], Awaitable[None]]


@dataclass(frozen=True)
class Invoice:
    title: str
    description: str
    payload: str
    label: str
    stars: int


@dataclass(frozen=True)
class StarPayment:
    """A payment as Telegram reports it (live, or from getStarTransactions)."""

    charge_id: str
    user: UserRef
    payload: str
    stars: int
    at: float = 0.0


@dataclass
class Reconciled:
    credited: int = 0
    reversed: int = 0
    seen: int = 0
    consumed: int = 0

    def __str__(self) -> str:
        return (f"{self.seen} seen, {self.credited} credited, {self.reversed} reversed, "
                f"{self.consumed} consumed")


class StoreService:
    def __init__(
        self,
        store: Store,
        purchases: PurchaseStore,
        community: CommunityService,
        *,
        support_contact: str = "",
        discord_test_purchases: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.purchases = purchases
        self.community = community
        self.support_contact = support_contact.strip()
        self.discord_test_purchases = discord_test_purchases
        self.clock = clock
        self._refunders: dict[str, Refunder] = {}

    def register_refunder(self, platform: str, refund: Refunder) -> None:
        """How `platform` gives a buyer their money back (Telegram: refundStarPayment)."""
        self._refunders[platform] = refund

    # -- Telegram Stars -----------------------------------------------------------------

    def for_sale(self) -> list[Pack]:
        return self.store.on_sale()

    def invoice(self, pack_id: str) -> Invoice:
        pack = self.store.get(pack_id)
        if pack is None or not pack.on_sale:
            raise i18n.error(RequestError, "pack-gone")
        return Invoice(
            title=pack.label,
            description=t("invoice-description", credits=credits(pack.credits)),
            payload=payload(pack), label=credits(pack.credits), stars=pack.stars,
        )

    def pre_checkout(self, invoice_payload: str, currency: str, total_amount: int) -> str | None:
        """Telegram asks before it charges: None = go ahead, else the reason shown to the
        person. Pure and fast (no database): Telegram wants the answer within 10 seconds."""
        offer = parse_payload(invoice_payload)
        if offer is None:
            return t("invoice-foreign")
        pack = self.store.get(offer.pack_id)
        if pack is None or not pack.on_sale:
            return t("invoice-pack-gone")
        if currency != CURRENCY or total_amount != offer.stars:
            return t("invoice-price-mismatch")
        return None

    async def paid_on_telegram(self, payment: StarPayment) -> Credited:
        """Credit a Telegram payment once (keyed by its charge id). Telegram has charged the
        person already, so an invoice whose pack has gone since still gets what it offered."""
        offer = parse_payload(payment.payload)
        if offer is None:
            log.error("telegram payment %s has a payload this bot never wrote; not credited",
                      payment.charge_id)
            raise i18n.error(RequestError, "payment-unmatched", id=payment.charge_id)
        if offer.stars != payment.stars:  # pre-checkout refuses this; keep what was paid
            log.warning("telegram payment %s: paid %d stars for an offer of %d",
                        payment.charge_id, payment.stars, offer.stars)
        return await self._credit("telegram", payment.charge_id, payment.user, offer,
                                  payment.stars, payment.payload, payment.at)

    async def reconcile_telegram(
        self, payments: Iterable[StarPayment], refunds: Iterable[str]
    ) -> Reconciled:
        """What Telegram's transaction list says against what the bot recorded: payments it
        never saw are credited, refunds it never saw are reversed (the same keys as live)."""
        done = Reconciled()
        for payment in payments:
            done.seen += 1
            if await self.purchases.find("telegram", payment.charge_id) is not None:
                continue
            try:
                if (await self.paid_on_telegram(payment)).new:
                    done.credited += 1
            except RequestError:
                continue  # logged; nothing to credit
        for charge_id in refunds:
            done.seen += 1
            reversed_ = await self.refunded("telegram", charge_id)
            if reversed_ is not None and reversed_.new:
                done.reversed += 1
        return done

    # -- Discord entitlements -----------------------------------------------------------

    def pack_for_sku(self, sku_id: str) -> Pack | None:
        return self.store.by_sku(str(sku_id))

    async def entitled(
        self, entitlement_id: str, sku_id: str, user: UserRef, *, test: bool
    ) -> Credited | None:
        """Credit a Discord entitlement once (keyed by its id). None when it is not ours to
        credit (an unknown SKU, or a test purchase while those are off): leave it alone."""
        pack = self.pack_for_sku(sku_id)
        if pack is None:
            log.warning("discord entitlement %s is for SKU %s, which no pack sells; left alone",
                        entitlement_id, sku_id)
            return None
        if test and not self.discord_test_purchases:
            log.info("discord test entitlement %s not credited (DISCORD_TEST_PURCHASES is off)",
                     entitlement_id)
            return None
        offer = Offer(pack.id, 0, pack.credits)
        return await self._credit("discord", entitlement_id, user, offer, 0, "")

    async def consumed(self, platform: str, payment_id: str) -> None:
        await self.purchases.mark_consumed(platform, payment_id)

    async def unconsumed(self, platform: str) -> list[Purchase]:
        return await self.purchases.unconsumed(platform)

    # -- refunds ------------------------------------------------------------------------

    async def refunded(self, platform: str, payment_id: str) -> Reversed | None:
        """The platform refunded a payment: take its credits back (what is left of them)."""
        done = await self.purchases.reverse(
            platform, payment_id, keys.purchase_refund(platform, payment_id))
        if done is None:
            log.warning("%s refund of unknown payment %s", platform, payment_id)
        elif done.new:
            log.info("%s payment %s refunded: took back %d credits, shortfall %d", platform,
                     payment_id, done.taken, done.shortfall)
        return done

    async def refund(self, ctx: Context, payment_id: str) -> Reversed:
        """`/credits refund <payment id>`: operators only (the money is theirs)."""
        operator = ctx.user.key.lower() in self.community.admin_ids
        await self.community.store.log_admin(
            ctx.user.platform, ctx.community, ctx.user.key, "/credits refund", payment_id,
            operator)
        if not operator:
            raise PermissionDenied("Only the bot's operators (ADMIN_USER_IDS) can refund "
                                   "payments.")
        payment_id = payment_id.strip()
        purchase = await self.purchases.find("telegram", payment_id)
        if purchase is None:
            if await self.purchases.find("discord", payment_id) is not None:
                raise RequestError("Discord purchases are refunded by Discord; the credits are "
                                   "taken back when Discord tells me.")
            raise RequestError(f"I have no payment with the id {payment_id[:80]}.")
        refund = self._refunders.get("telegram")
        if purchase.status == "credited":
            if refund is None:
                raise RequestError("Telegram refunds need the Telegram bot running here.")
            await refund(purchase)  # "already refunded" counts as done (the adapter says)
        done = await self.refunded("telegram", payment_id)
        assert done is not None
        return done

    # -- /paysupport --------------------------------------------------------------------

    async def support(self, user: UserRef) -> str:
        account = await self.community.account(user)
        bought = await self.purchases.of_account(account, 10)
        return store_text.support_text(bought, self.support_contact, user.platform)

    def receipt(self, done: Credited) -> str:
        return store_text.receipt_text(done, self.store)

    def console_text(self) -> str:
        return store_text.console_text(self.for_sale())

    async def report(self) -> dict[str, object]:
        """The operator's view: what was sold, refunded, and what refunds could not take back
        because it was spent (`imagine-bot purchases`)."""
        short = await self.purchases.shortfalls()
        return {**await self.purchases.totals(), "shortfalls": [
            {"platform": p.platform, "payment_id": p.payment_id, "user_id": p.user_id,
             "pack": p.pack_id, "credits": p.credits, "taken_back": p.taken_back,
             "shortfall": p.shortfall} for p in short]}

    async def totals(self) -> dict[str, int]:
        return await self.purchases.totals()

    # -- the one crediting path ---------------------------------------------------------

    async def _credit(self, platform: str, payment_id: str, user: UserRef, offer: Offer,
                      price: int, invoice_payload: str, at: float = 0.0) -> Credited:
        account = await self.community.account(user)
        purchase = Purchase(platform, payment_id, account, user.user_id, offer.pack_id,
                            offer.credits, price, "credited", at or self.clock())
        done = await self.purchases.credit(
            purchase, keys.purchase(platform, payment_id), f"{platform}:{offer.pack_id}",
            invoice_payload)
        if done.new:
            log.info("%s payment %s credited: +%d credits to account %d (pack %s)", platform,
                     payment_id, offer.credits, account, offer.pack_id)
        return done
