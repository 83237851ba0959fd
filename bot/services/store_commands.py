"""The store's commands, declared once:

    /buy          packs as buttons: Telegram Stars invoices, Discord premium buttons
    /paysupport   your purchases and how to reach the operator (Telegram requires it)
    /credits refund <payment id>   (operators) give a Telegram Stars payment back

/buy has no handler here: each platform shows its own payment buttons, and the console says
plainly that it cannot take payments (it is the operator's own terminal; /credits grant is
the way to add credits there).
"""

from __future__ import annotations

import dataclasses

from bot.domain.commands import Access, Command, Kind, Option
from bot.services.commands import Call, Handler, Reply
from bot.services.replies import credits
from bot.services.store import StoreService

SECTION = "Credits"

_DECLARED = (
    Command("buy", "Buy credits", menu="Buy credits with Telegram Stars",
            help="buy credit packs (Telegram Stars, or Discord's store)"),
    Command("paysupport", "Your purchases and payment help",
            menu="Help with a payment: your purchases and who to contact",
            help="your purchases, and who to contact about a payment"),
)
COMMANDS = tuple(dataclasses.replace(c, section=SECTION) for c in _DECLARED)

REFUND = Command(
    "refund", "Operators: refund a Telegram Stars payment and take its credits back",
    usage="/credits refund <payment id>", help="refund a payment",
    access=Access.OPERATORS,
    options=(Option("payment_id", Kind.TEXT, "The payment id (from /paysupport)",
                    required=True, min=1, max=200),),
    missing="Say which payment: `/credits refund <payment id>` (the id is in /paysupport).",
)

class StoreCommands:
    def __init__(self, store: StoreService) -> None:
        self.store = store

    def handlers(self) -> dict[str, Handler]:
        return {"paysupport": self.paysupport, "credits refund": self.refund}

    async def paysupport(self, call: Call) -> Reply:
        return Reply(await self.store.support(call.ctx.user), private=True)

    async def refund(self, call: Call) -> Reply:
        done = await self.store.refund(call.ctx, str(call.args.get("payment_id") or ""))
        p = done.purchase
        if not done.new:
            return Reply(f"Payment {p.payment_id} was refunded already "
                         f"({credits(p.taken_back)} taken back).")
        short = (f" {credits(done.shortfall)} had been spent, so the balance is 0 now."
                 if done.shortfall else "")
        return Reply(f"Refunded payment {p.payment_id}: took back {credits(done.taken)}.{short}")

