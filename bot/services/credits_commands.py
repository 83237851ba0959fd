"""The credit commands: declared once, and the CommunityService call behind each.

    /balance [user]   /history   /daily   /give user amount   /leaderboard   /link [code]
    /credits grant|take user amount [reason]      (admins)
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot import i18n
from bot.domain.commands import Access, Command, Kind, Option
from bot.domain.community import MAX_AMOUNT
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.i18n import t
from bot.services import edit_text, store_commands
from bot.services.commands import Call, Gift, Handler, Reply, Standings
from bot.services.community import CommunityService
from bot.services.replies import credits

SECTION = "Credits"


def _amount(description: str) -> Option:
    return Option("amount", Kind.INTEGER, description, required=True, min=1, max=MAX_AMOUNT)


def _grant_or_take(name: str, description: str, help: str, who: str, amount: str) -> Command:
    return Command(
        name, description, usage=f"/credits {name} @name 50 [reason]", help=help,
        access=Access.ADMINS,
        options=(Option("user", Kind.USER, who, required=True), _amount(amount),
                 Option("reason", Kind.TEXT, "Why", min=1, max=200, rest=True)),
        missing=f"Say who and how much: `/credits {name} @name 50`.",
    )


_DECLARED = (
    Command("balance", "How many credits you have", menu="Your credits",
            usage="/balance [@name]", help="your credits (someone else's: admins)",
            options=(Option("user", Kind.USER, "Admins only: whose balance to see"),)),
    Command("daily", "Claim your daily free credits", menu="Claim your free daily credits",
            help="free credits once a day"),
    Command("give", "Give some of your credits to someone",
            menu="Give credits: /give @name 10, or reply to someone with /give 10",
            usage="/give @name 10", help="give some of your credits (or reply to someone's "
            "message with /give 10)",
            options=(Option("user", Kind.USER, "Who gets them", required=True),
                     _amount("How many credits")),
            missing="Say who and how much: `/give @name 10`."),
    Command("history", "Your last credit changes",
            menu="Your last credit changes (sent privately)", help="your last credit changes"),
    Command("leaderboard", "Top balances in this server", menu="Top balances in this chat",
            help="top balances here"),
    Command("credits", "Admins: grant, take or refund credits",
            menu="Admins: /credits grant|take @name 50 [reason]", access=Access.ADMINS,
            missing="Use `/credits grant @name 50 [reason]` or `/credits take @name 50 [reason]`.",
            subcommands=(
                _grant_or_take("grant", "Admins: add credits to someone's balance",
                               "add credits", "Who gets them", "How many credits"),
                _grant_or_take("take", "Admins: remove credits from someone's balance",
                               "remove credits (never below 0)", "From whom",
                               "How many credits (at most all)"),
                store_commands.REFUND,
            )),
    Command("link", "Share one wallet with your Telegram account",
            menu="One wallet on Discord and Telegram: /link, then /link CODE there",
            usage="/link [CODE]", help="one wallet on Discord and Telegram: get a code on "
            "one, send it on the other",
            options=(Option("code", Kind.TEXT,
                            "A code from /link on your other platform (empty: get one)",
                            min=1, max=20),)),
)
COMMANDS = tuple(dataclasses.replace(c, section=SECTION) for c in _DECLARED)


class CreditCommands:
    def __init__(self, community: CommunityService) -> None:
        self.community = community

    def handlers(self) -> dict[str, Handler]:
        return {"balance": self.balance, "history": self.history, "daily": self.daily,
                "give": self.give, "credits grant": self.grant, "credits take": self.take,
                "leaderboard": self.leaderboard, "link": self.link}

    async def balance(self, call: Call) -> Reply:
        target = await call.args.user("user")
        who, balance = await self.community.balance(call.ctx, target[0] if target else None)
        if who.key == call.ctx.user.key:
            return Reply(t("balance-you", credits=credits(balance)))
        return Reply(t("balance-other", name=call.name(who), credits=credits(balance)))

    async def history(self, call: Call) -> Reply:
        rows = await self.community.history(call.ctx, 10)
        if not rows:
            return Reply(t("history-empty"), private=True)
        lines = [t("history-title")]
        for row in rows:
            when = i18n.date_time(datetime.fromtimestamp(row.created_at, UTC))
            label = edit_text.history_label(row.job_kind, row.job_parent)
            what = f"{row.reason} ({label})" if label else row.reason
            lines.append(f"{when}  {row.delta:+d}  {what}  → {row.balance_after}")
        return Reply("\n".join(lines), private=True)

    async def daily(self, call: Call) -> Reply:
        amount, balance = await self.community.daily(call.ctx)
        return Reply(t("daily-claimed", amount=credits(amount), balance=credits(balance)))

    async def give(self, call: Call) -> Reply:
        amount = call.args.get("amount")
        target, is_bot = await self._person(call)
        given, left = await self.community.give(call.ctx, target, amount, is_bot)
        return Reply(t("gave", amount=credits(given), name=call.name(target),
                       left=credits(left)), outcome=Gift(target, given, left))

    async def grant(self, call: Call) -> Reply:
        amount, reason = call.args.get("amount"), call.args.get("reason") or ""
        await self._admins_first(call, "/credits grant", amount)
        target, _ = await self._person(call)
        balance = await self.community.grant(call.ctx, target, amount, reason)
        return Reply(t("granted", amount=credits(int(amount)), name=call.name(target),
                       balance=credits(balance)))

    async def take(self, call: Call) -> Reply:
        amount, reason = call.args.get("amount"), call.args.get("reason") or ""
        await self._admins_first(call, "/credits take", amount)
        target, _ = await self._person(call)
        taken, balance = await self.community.take(call.ctx, target, amount, reason)
        return Reply(t("took", amount=credits(taken), name=call.name(target),
                       balance=credits(balance)))

    async def leaderboard(self, call: Call) -> Reply:
        board = await self.community.leaderboard(call.ctx)
        standings = Standings(list(board))
        if not board:
            return Reply(t("leaderboard-empty"), outcome=standings)
        lines = [t("leaderboard-line", rank=i, name=name, credits=credits(balance))
                 for i, (name, balance) in enumerate(board, start=1)]
        return Reply("\n".join([t("leaderboard-title"), *lines]), outcome=standings)

    async def link(self, call: Call) -> Reply:
        code = call.args.get("code")
        if code:
            balance = await self.community.link_finish(call.ctx, code)
            return Reply(t("linked", credits=credits(balance)))
        code = await self.community.link_start(call.ctx)
        return Reply(t("link-code", code=code), private=True)

    async def _admins_first(self, call: Call, action: str, amount: object) -> None:
        """Refuse (and log) a non-admin before looking anyone up: a refusal tells nothing
        about who exists."""
        if not self.community.is_admin(call.ctx):
            await self.community.require_admin(call.ctx, action, str(amount))

    @staticmethod
    async def _person(call: Call) -> tuple[UserRef, bool]:
        person = await call.args.user("user")
        if person is None:  # surfaces raise first; this keeps a new surface honest
            raise i18n.error(RequestError, "name-someone")
        return person
