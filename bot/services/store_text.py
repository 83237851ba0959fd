"""What the store says: pack buttons, receipts, /paysupport and the console's answer.

Surface-neutral words, shared by Telegram, Discord and the console (layout is theirs).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.store import Credited, Pack, Purchase, Store
from bot.services.replies import credits

NOT_FOR_SALE = "Buying credits is not available here."
STARS_DISPUTE = ("If a refund is refused, you can report the payment id to Telegram: "
                 "t.me/BotFather?start=starsdispute")


def star_label(stars: int) -> str:
    return f"{stars} ⭐"


def pack_button(pack: Pack) -> str:
    return f"{pack.label}: {credits(pack.credits)} for {star_label(pack.stars)}"


def purchase_line(p: Purchase) -> str:
    when = datetime.fromtimestamp(p.created_at, UTC).strftime("%Y-%m-%d %H:%M")
    price = f" for {star_label(p.price)}" if p.price else ""
    state = ""
    if p.status == "refunded":
        state = f", refunded ({credits(p.taken_back)} taken back"
        state += f", {credits(p.shortfall)} already spent)" if p.shortfall else ")"
    return f"{when}  {p.pack_id}: {credits(p.credits)}{price}{state}  id {p.payment_id}"


def support_text(bought: list[Purchase], contact: str, platform: str) -> str:
    lines = (["Your purchases:", *map(purchase_line, bought)] if bought
             else ["You have not bought anything here yet."])
    if contact:
        lines.append(f"Problems with a payment? Contact the operator: {contact} "
                     "(quote the payment id).")
    else:
        lines.append("Problems with a payment? Ask the operator of this bot and quote the "
                     "payment id.")
    if platform == "telegram":
        lines.append(STARS_DISPUTE)
    return "\n".join(lines)


def receipt_text(done: Credited, store: Store) -> str:
    p = done.purchase
    pack = store.get(p.pack_id)
    head = "Thank you!" if done.new else "Already credited:"
    return (f"{head} +{credits(p.credits)} ({pack.label if pack else p.pack_id}). "
            f"You have {credits(done.balance)}.\n"
            f"Payment id {p.payment_id}. Questions or a refund: /paysupport")


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
