"""What the store says: pack buttons, receipts, /paysupport and the console's answer.

Surface-neutral words, shared by Telegram, Discord and the console (layout is theirs).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot import i18n
from bot.domain.store import Credited, Pack, Purchase, Store
from bot.i18n import t
from bot.services.replies import credits

# English constants (the catalog's store.ftl has them in every language: see not_for_sale).
NOT_FOR_SALE = "Buying credits is not available here."
STARS_DISPUTE = ("If a refund is refused, you can report the payment id to Telegram: "
                 "t.me/BotFather?start=starsdispute")


def not_for_sale() -> str:
    return t("not-for-sale")


def star_label(stars: int) -> str:
    return f"{stars} ⭐"


def pack_button(pack: Pack) -> str:
    return t("pack-button", label=pack.label, credits=credits(pack.credits),
             stars=star_label(pack.stars))


def purchase_line(p: Purchase) -> str:
    when = i18n.date_time(datetime.fromtimestamp(p.created_at, UTC))
    price = t("purchase-price", stars=star_label(p.price)) if p.price else ""
    state = ""
    if p.status == "refunded":
        state = (t("purchase-refunded-spent", taken=credits(p.taken_back),
                   spent=credits(p.shortfall)) if p.shortfall
                 else t("purchase-refunded", taken=credits(p.taken_back)))
    return f"{when}  {p.pack_id}: {credits(p.credits)}{price}{state}  id {p.payment_id}"


def support_text(bought: list[Purchase], contact: str, platform: str) -> str:
    lines = ([t("your-purchases"), *map(purchase_line, bought)] if bought
             else [t("no-purchases")])
    lines.append(t("support-contact", contact=contact) if contact else t("support-ask"))
    if platform == "telegram":
        lines.append(t("stars-dispute"))
    return "\n".join(lines)


def receipt_text(done: Credited, store: Store) -> str:
    p = done.purchase
    pack = store.get(p.pack_id)
    head = t("receipt-new") if done.new else t("receipt-again")
    return t("receipt", head=head, credits=credits(p.credits),
             pack=pack.label if pack else p.pack_id, balance=credits(done.balance),
             id=p.payment_id)


def console_text(packs: list[Pack]) -> str:
    """The console cannot take payments (it is the operator's own terminal): say so,
    rather than simulate a purchase nobody paid for."""
    if not packs:
        return f"{NOT_FOR_SALE} No packs are on sale (data/store.toml)."
    lines = ["Buying is not available in the console: it cannot take payments. People buy "
             "packs with /buy on Telegram (Stars) or Discord; here, /credits grant adds "
             "credits.", "Packs on sale:"]
    lines += [f"  {p.id}: {credits(p.credits)} for {star_label(p.stars)}" for p in packs]
    return "\n".join(lines)
