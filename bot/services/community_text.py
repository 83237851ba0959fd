"""The text grammar of the declared commands, shared by the console and Telegram.

Options are written as Discord names them (`credits:100 winners:2`), in any order, or
positionally in their declared order (`/give @ana 10`); the last option that takes words
may take all the remaining ones (a reason, a title). A command declared `named` takes its
options by name only. A user is named by replying to their message, by `@username` of
someone the bot has seen, by numeric id, or (operators) `platform:id`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot import i18n
from bot.domain.commands import Command, Kind, Option
from bot.domain.community import Context, Giveaway, GiveawayOutcome, split_options
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.i18n import t
from bot.services.commands import Call, Commands, Reply, unknown_command
from bot.services.replies import credits

Resolver = Callable[[str], Awaitable[tuple[UserRef, bool] | None]]
Person = tuple[UserRef, bool]
TRUE_WORDS = ("me", "yes", "true", "on")  # `from:me`


class CommunityText:
    """A line of words -> the declared command it names -> its handler's reply."""

    def __init__(self, commands: Commands) -> None:
        self.commands = commands

    async def handle(
        self,
        ctx: Context,
        command: str,
        args: str,
        resolve: Resolver,
        replied: Person | None = None,
    ) -> Reply:
        """`/give @ana 10` arrives as ("give", "@ana 10"); the surface is the user's platform."""
        declared = self.commands.table.get(ctx.user.platform, command)
        if declared is None:
            raise unknown_command(command)
        path, leaf, words = _leaf(declared, args)
        values = parse_words(leaf, words, replied is not None, path)
        call = Call(ctx, TextArgs(leaf, values, ctx, resolve, replied))
        return await self.commands.run(path, call)


def _leaf(command: Command, args: str) -> tuple[str, Command, str]:
    if not command.subcommands:
        return command.name, command, args
    words = args.split()
    sub = command.sub(words[0].lower()) if words else None
    if sub is None and not words and command.default:
        sub, words = command.sub(command.default), [command.default]
    if sub is None:
        usage = command.usage or "/" + command.name
        # English: the declaration's own words; other languages: "use <usage>" from a catalog.
        raise RequestError(command.missing or f"Use {usage}.", key="use-usage", usage=usage)
    return f"{command.name} {sub.name}", sub, " ".join(words[1:])


def parse_words(command: Command, text: str, replied: bool, path: str = "") -> dict[str, str]:
    """The words of each option, by declared name. A person may come from the reply: then
    a leading number is the amount, not someone's id. Missing words -> `missing`."""
    written = {o.written: o.name for o in command.options}
    named, rest = split_options(text, tuple(written))
    values = {written[k]: v for k, v in named.items()}
    pending = [o for o in command.options if o.name not in values
               and o.kind is not Kind.BOOLEAN and (o.rest or not command.named)]
    for i, option in enumerate(pending):
        if option.rest:
            if rest:
                values[option.name] = " ".join(rest)
            break
        if option.kind is Kind.USER and replied and _number_for(pending[i + 1:], rest):
            continue
        if not rest:
            break
        values[option.name] = rest.pop(0)
    missing = [o.written + ":" for o in command.options
               if o.required and o.kind is not Kind.USER and o.name not in values]
    if missing:
        usage = command.usage or f"/{path or command.name}"
        message = command.missing or "Missing {missing} Try `" + usage + "`."
        raise RequestError(message.format(missing=", ".join(missing)), key="missing-words",
                           missing=", ".join(missing), usage=usage)
    return values


def _number_for(after: list[Option], rest: list[str]) -> bool:
    """Replying with `/give 10`: the 10 is the next option's, the person is the reply's."""
    number = not rest or rest[0].lstrip("-").isdigit()
    return number and bool(after) and after[0].kind is Kind.INTEGER


class TextArgs:
    def __init__(self, command: Command, values: dict[str, str], ctx: Context,
                 resolve: Resolver, replied: Person | None) -> None:
        self.options = {o.name: o for o in command.options}
        self.values = values
        self.ctx = ctx
        self.resolve = resolve
        self.replied = replied

    def get(self, name: str) -> Any:
        option = self.options[name]
        if name not in self.values:
            return option.default
        value = self.values[name]
        return value.lower() in TRUE_WORDS if option.kind is Kind.BOOLEAN else value

    async def user(self, name: str) -> Person | None:
        word = self.values.get(name)
        if word is None:
            if self.replied is not None or not self.options[name].required:
                return self.replied
            raise i18n.error(RequestError, "name-someone-or-id")
        word = word.removeprefix("user:")
        if m := re.fullmatch(r"(discord|telegram|console):(\d+|\w+)", word):
            return UserRef(m.group(1), m.group(2)), False
        if re.fullmatch(r"<@!?(\d+)>", word):  # a pasted Discord mention
            return UserRef(self.ctx.user.platform, re.sub(r"\D", "", word)), False
        if word.isdigit():
            return UserRef(self.ctx.user.platform, word), False
        found = await self.resolve(word)
        if found is None:
            raise i18n.error(RequestError, "not-seen", name=word[:40])
        return found


def giveaway_text(g: Giveaway, now: float) -> str:
    funded = t("giveaway-funded-bot" if g.funded_by == "bot" else "giveaway-funded-host")
    return t("giveaway-post", title=g.title, winners=g.winners, each=credits(g.credits_each),
             funded=funded, entrants=g.entrants, ends=i18n.duration(g.ends_at - now), id=g.id)


def outcome_text(outcome: GiveawayOutcome) -> str:
    g = outcome.giveaway
    if outcome.already_ended and g.status == "cancelled":
        return t("giveaway-was-cancelled", id=g.id)
    if not outcome.winners:
        back = t("giveaway-went-back") if g.funded_by == "host" else ""
        return t("giveaway-no-entrants", id=g.id, title=g.title, back=back)
    names = ", ".join(u.name or u.user_id for u in outcome.winners)
    return t("giveaway-ended", id=g.id, title=g.title, names=names, each=credits(g.credits_each))
