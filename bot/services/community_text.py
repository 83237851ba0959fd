"""The text grammar of the community commands, shared by the console and Telegram.

Options are written as Discord names them (`credits:100 winners:2`), in any order, or
positionally (`/give @ana 10`). A user is named by replying to their message, by
`@username` of someone the bot has seen, by numeric id, or (operators) `platform:id`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.community import Context, Giveaway, GiveawayOutcome, format_duration, split_options
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.services.community import CommunityService
from bot.services.giveaways import GiveawayService
from bot.services.replies import credits

Resolver = Callable[[str], Awaitable[tuple[UserRef, bool] | None]]
COMMANDS = ("balance", "history", "daily", "give", "credits", "leaderboard", "giveaway", "link")


@dataclass(frozen=True)
class TextReply:
    text: str
    giveaway: Giveaway | None = None  # a new giveaway: post it with an Enter button


class CommunityText:
    def __init__(self, community: CommunityService, giveaways: GiveawayService) -> None:
        self.community = community
        self.giveaways = giveaways

    async def handle(
        self,
        ctx: Context,
        command: str,
        args: str,
        resolve: Resolver,
        replied: tuple[UserRef, bool] | None = None,
    ) -> TextReply:
        handler = getattr(self, f"_{command}", None)
        if command not in COMMANDS or handler is None:
            raise RequestError(f"I don't know /{command[:30]}. Try /help.")
        return await handler(ctx, args.split(), resolve, replied)

    async def _target(
        self,
        ctx: Context,
        word: str | None,
        resolve: Resolver,
        replied: tuple[UserRef, bool] | None,
    ) -> tuple[UserRef, bool]:
        if word is None:
            if replied is not None:
                return replied
            raise RequestError(
                "Name someone: reply to their message, or write @username or their id."
            )
        word = word.removeprefix("user:")
        if m := re.fullmatch(r"(discord|telegram|console):(\d+|\w+)", word):
            return UserRef(m.group(1), m.group(2)), False
        if re.fullmatch(r"<@!?(\d+)>", word):  # a pasted Discord mention
            return UserRef(ctx.user.platform, re.sub(r"\D", "", word)), False
        if word.isdigit():
            return UserRef(ctx.user.platform, word), False
        found = await resolve(word)
        if found is None:
            raise RequestError(
                f"I haven't seen {word[:40]} yet. Reply to their message or use their id."
            )
        return found

    async def _balance(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        opts, rest = split_options(" ".join(words), ("user",))
        word = opts.get("user") or (rest[0] if rest else None)
        target = (
            (await self._target(ctx, word, resolve, None))[0]
            if word
            else (replied[0] if replied else None)
        )
        who, balance = await self.community.balance(ctx, target)
        owner = "You have" if who.key == ctx.user.key else f"{who.name or who.user_id} has"
        return TextReply(f"{owner} {credits(balance)}.")

    async def _history(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        rows = await self.community.history(ctx, 10)
        if not rows:
            return TextReply("No credit history yet.")
        lines = ["Your last credit changes:"]
        for row in rows:
            when = datetime.fromtimestamp(row.created_at, UTC).strftime("%Y-%m-%d %H:%M")
            lines.append(f"{when}  {row.delta:+d}  {row.reason}  → {row.balance_after}")
        return TextReply("\n".join(lines))

    async def _daily(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        amount, balance = await self.community.daily(ctx)
        return TextReply(f"+{credits(amount)}! You have {credits(balance)}. Come back in 24 hours.")

    async def _give(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        who, amount, _ = _user_amount_reason(words, replied, "/give @name 10")
        target, is_bot = await self._target(ctx, who, resolve, replied)
        given, left = await self.community.give(ctx, target, amount, is_bot)
        return TextReply(
            f"You gave {credits(given)} to {target.name or target.user_id}. "
            f"You have {credits(left)} left."
        )

    async def _credits(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        if not words or words[0].lower() not in ("grant", "take"):
            raise RequestError(
                "Use `/credits grant @name 50 [reason]` or `/credits take @name 50 [reason]`."
            )
        action = words[0].lower()
        who, amount, reason = _user_amount_reason(words[1:], replied, f"/credits {action} @name 50")
        if not self.community.is_admin(ctx):  # refuse (and log) before resolving anyone
            await self.community.require_admin(ctx, f"/credits {action}", amount)
        target, _ = await self._target(ctx, who, resolve, replied)
        name = target.name or target.user_id
        if action == "grant":
            balance = await self.community.grant(ctx, target, amount, reason)
            return TextReply(
                f"Granted {credits(int(amount))} to {name}. They have {credits(balance)}."
            )
        taken, balance = await self.community.take(ctx, target, amount, reason)
        return TextReply(f"Took {credits(taken)} from {name}. They have {credits(balance)}.")

    async def _leaderboard(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        board = await self.community.leaderboard(ctx)
        if not board:
            return TextReply("Nobody here has credits yet.")
        return TextReply(
            "\n".join(
                ["Top balances here:"]
                + [
                    f"{i}. {name}: {credits(balance)}"
                    for i, (name, balance) in enumerate(board, start=1)
                ]
            )
        )

    async def _link(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        if words:
            balance = await self.community.link_finish(ctx, words[0])
            return TextReply(f"Linked! Both accounts now share one wallet: {credits(balance)}.")
        code = await self.community.link_start(ctx)
        return TextReply(
            f"Your link code is {code}. On your other platform, send `/link {code}` "
            "within 10 minutes. It works once."
        )

    async def _giveaway(self, ctx, words, resolve, replied) -> TextReply:  # type: ignore[no-untyped-def]
        sub = words[0].lower() if words else ""
        rest = words[1:]
        if sub == "start":
            opts, title = split_options(
                " ".join(rest), ("credits", "winners", "duration", "from", "title")
            )
            missing = [n for n in ("credits", "winners", "duration") if n not in opts]
            if missing:
                raise RequestError(
                    "Start one like `/giveaway start credits:100 winners:2 duration:1h30m Summer drop`"
                    f" (missing {', '.join(m + ':' for m in missing)})."
                )
            from_me = opts.get("from", "").lower() == "me"
            g = await self.giveaways.start(
                ctx,
                opts["credits"],
                opts["winners"],
                opts["duration"],
                opts.get("title") or " ".join(title),
                from_me,
            )
            return TextReply(giveaway_text(g, self.giveaways.clock()), giveaway=g)
        if sub == "list":
            running = await self.giveaways.list(ctx)
            if not running:
                return TextReply("No giveaways are running here.")
            now = self.giveaways.clock()
            return TextReply(
                "\n".join(
                    f"`{g.id}` {g.title}: {g.winners} x {credits(g.credits_each)}, "
                    f"{g.entrants} entered, ends in {format_duration(g.ends_at - now)}"
                    for g in running
                )
            )
        if sub in ("end", "cancel", "reroll", "enter", "leave") and rest:
            gid = rest[0].strip("`")
            if sub == "end":
                return TextReply(outcome_text(await self.giveaways.end(ctx, gid)))
            if sub == "cancel":
                g = await self.giveaways.cancel(ctx, gid)
                back = " The held credits went back to the host." if g.funded_by == "host" else ""
                return TextReply(f"Giveaway `{g.id}` cancelled.{back}")
            if sub == "reroll":
                new = await self.giveaways.reroll(ctx, gid, rest[1] if len(rest) > 1 else 1)
                return TextReply("New winner(s): " + ", ".join(u.name or u.user_id for u in new))
            inside, g = await self.giveaways.toggle(ctx, gid, leave=(sub == "leave"))
            return TextReply(
                f"{'You are in' if inside else 'You left'} giveaway `{g.id}` ({g.entrants} entered)."
            )
        raise RequestError("Use /giveaway start|list|end ID|cancel ID|reroll ID|enter ID|leave ID.")


def _user_amount_reason(
    words: list[str], replied: object, example: str
) -> tuple[str | None, str, str]:
    """`@name 50 reason…`, `user:@name amount:50 reason:…`, or `50 reason…` when replying."""
    opts, rest = split_options(" ".join(words), ("user", "amount", "reason"))
    number_first = bool(rest) and rest[0].lstrip("-").isdigit()
    if "user" not in opts and rest and not (replied and number_first):
        opts["user"] = rest.pop(0)
    if "amount" not in opts:
        if not rest:
            raise RequestError(f"Say who and how much: `{example}`.")
        opts["amount"] = rest.pop(0)
    return opts.get("user"), opts["amount"], opts.get("reason") or " ".join(rest)


def giveaway_text(g: Giveaway, now: float) -> str:
    funded = "funded by the bot" if g.funded_by == "bot" else "funded by the host"
    return (
        f"🎉 {g.title}: {g.winners} winner(s) get {credits(g.credits_each)} each ({funded}).\n"
        f"{g.entrants} entered · ends in {format_duration(g.ends_at - now)} · id `{g.id}`"
    )


def outcome_text(outcome: GiveawayOutcome) -> str:
    g = outcome.giveaway
    if outcome.already_ended and g.status == "cancelled":
        return f"Giveaway `{g.id}` was cancelled."
    if not outcome.winners:
        back = " The credits went back to the host." if g.funded_by == "host" else ""
        return f"Giveaway `{g.id}` ({g.title}) ended with no entrants.{back}"
    names = ", ".join(u.name or u.user_id for u in outcome.winners)
    return (
        f"🎉 Giveaway `{g.id}` ({g.title}) ended. Winners: {names}: {credits(g.credits_each)} each."
    )
