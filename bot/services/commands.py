"""Running a declared command: the service call behind each entry of the command table.

A surface turns its event into a `Call` (who acts where, and the option values through
`Args`) and renders the `Reply`. Discord reads the values from the interaction; the text
surfaces (Telegram, the console) from the words, through the grammar in community_text.py.
Feature modules (*_commands.py) bind one handler per command path ("credits grant");
commands that only a surface can run (/imagine, /help, /models) have none, and each surface
renders them itself. `Commands` refuses a handler without a declaration, and `unhandled`
tells a surface which of its commands nothing would run, so a forgotten one fails at start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.commands import SURFACES, CommandTable
from bot.domain.community import Context, Giveaway, GiveawayOutcome
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.log import log_context


@dataclass(frozen=True)
class Gift:
    target: UserRef
    given: int
    left: int  # the giver's balance after it


@dataclass(frozen=True)
class Standings:
    rows: list[tuple[str, int]]  # (name, balance), highest first


@dataclass(frozen=True)
class Cancelled:
    giveaway: Giveaway


@dataclass(frozen=True)
class Rerolled:
    giveaway: Giveaway
    winners: list[UserRef]


# What a handler did, for a surface that renders it its own way (a public post, an embed);
# the others show `Reply.text`.
Outcome = Gift | Standings | GiveawayOutcome | Cancelled | Rerolled


@dataclass(frozen=True)
class Reply:
    text: str
    giveaway: Giveaway | None = None  # a new giveaway: post it with an Enter button
    private: bool = False  # a secret (a link code, the ledger): never answered in a group
    outcome: Outcome | None = None


class Args(Protocol):
    """The option values of one call, as its surface has them."""

    def get(self, name: str) -> Any:
        """The value, or the declared default. Text surfaces give the words as written
        (the services parse and explain them); booleans are booleans everywhere."""

    async def user(self, name: str) -> tuple[UserRef, bool] | None:
        """The person the option names and whether it is a bot; None when not given.
        Raises RequestError when a required person is not named or not found."""


def plain_name(user: UserRef) -> str:
    return user.name or user.user_id


@dataclass(frozen=True)
class Call:
    ctx: Context
    args: Args
    name: Callable[[UserRef], str] = plain_name  # how the surface names a person


Handler = Callable[[Call], Awaitable[Reply]]


def unknown_command(name: str) -> RequestError:
    return RequestError(f"I don't know /{name[:30]}. Try /help.", key="unknown-command",
                        command=f"/{name[:30]}")


class Commands:
    """The table and the handlers bound to its commands."""

    def __init__(self, table: CommandTable, handlers: Mapping[str, Handler]) -> None:
        declared = {path for surface in SURFACES for path, _ in table.leaves(surface)}
        stray = sorted(set(handlers) - declared)
        if stray:
            raise ValueError(f"handlers without a declaration in the table: {stray}")
        self.table = table
        self._handlers = dict(handlers)

    def handles(self, path: str) -> bool:
        return path in self._handlers

    def unhandled(self, surface: str, rendered: Iterable[str]) -> list[str]:
        """Commands `surface` offers that neither a handler nor its renderers run."""
        own = set(rendered)
        return [path for path, _ in self.table.leaves(surface)
                if path not in self._handlers and path not in own]

    async def run(self, path: str, call: Call) -> Reply:
        handler = self._handlers.get(path)
        if handler is None:
            raise unknown_command(path)
        with log_context(platform=call.ctx.user.platform, user=call.ctx.user.key):
            return await handler(call)
