"""The command table: every chat command declared once, as plain data.

Each surface builds what it offers from these declarations: Discord's slash commands (option
types, ranges, choices, autocomplete, where they are offered), Telegram's command menu and
handlers, the console's commands, and every /help text. A declaration says nothing about how
a command runs: its feature module (bot/services/*_commands.py) binds the service call, and a
surface adds a renderer only where its output is special.

The rules checked here are the ones every surface shares (Discord's are the strictest): a
name is 1-32 characters of a-z, 0-9 and _, a description 1-100 characters, at most 25
options or subcommands, required options before optional ones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

SURFACES = frozenset({"discord", "telegram", "console"})
TEXT_SURFACES = frozenset({"telegram", "console"})
MAX_OPTIONS = 25
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Kind(Enum):
    """What an option holds. Text surfaces pass the words on; the services parse them."""

    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    USER = "user"  # a person: picked on Discord; on text surfaces @name, an id, or a reply
    CHANNEL = "channel"  # a Discord channel (picked); text surfaces pass the words on
    ATTACHMENT = "attachment"  # a file (Discord); text surfaces take a photo or a reply


class Access(Enum):
    """Who may use a command. The services enforce it (and log admin attempts); the table
    says it, so every help text and menu says the same."""

    EVERYONE = ""
    ADMINS = "admins"
    HOST_OR_ADMIN = "host or admins"
    OPERATORS = "the bot's operators"  # ADMIN_USER_IDS only: their money, not a server's


class Source(Enum):
    """Option values that are data (operators edit them), so surfaces look them up."""

    MODELS = "models"  # the catalog, with prices
    EDITORS = "editors"  # the models that can edit pictures, with their edit prices
    ASPECTS = "aspects"  # the aspect ratios of the chosen model
    INTENTS = "intents"  # the intents table
    RUNNING_GIVEAWAYS = "running giveaways"  # in this server or group
    SAFETY_LEVELS = "safety levels"  # strict, standard, mature


@dataclass(frozen=True)
class Option:
    name: str
    kind: Kind
    description: str
    required: bool = False
    min: int | None = None  # the least value (INTEGER) or length (TEXT)
    max: int | None = None
    default: int | bool | None = None  # the value when it is not given
    choices: Source | None = None  # a fixed list, built from data at start
    autocomplete: Source | None = None  # suggestions while typing
    text_name: str = ""  # how text surfaces write it (`from:me`), when not `name`
    rest: bool = False  # text surfaces: the remaining words (a title, a reason)

    @property
    def written(self) -> str:
        return self.text_name or self.name


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # one short sentence: Discord's description, the help line by default
    menu: str = ""  # Telegram's command menu line (default: the description)
    usage: str = ""  # how text surfaces write it, e.g. `/give @name 10` (default: its path)
    help: str = ""  # what the help line says after the usage (default: the description)
    notes: tuple[str, ...] = ()  # more help lines under it
    options: tuple[Option, ...] = ()
    subcommands: tuple[Command, ...] = ()
    access: Access = Access.EVERYONE
    dms: bool = True  # offered in direct messages (where it works, the service decides)
    surfaces: frozenset[str] = SURFACES
    section: str = ""  # the help section ("Credits"); "" = the top of the help
    in_help: bool = True
    named: bool = False  # text surfaces take its options only as `name:value` (and the rest)
    missing: str = ""  # text surfaces: the answer when words are missing ({missing}: which)
    default: str = ""  # a group: the subcommand text surfaces run when none is named

    def on(self, surface: str) -> Command | None:
        """This command as `surface` offers it (subcommands it lacks removed), or None."""
        if surface not in self.surfaces:
            return None
        if not self.subcommands:
            return self
        subs = tuple(s for s in (sub.on(surface) for sub in self.subcommands) if s)
        return dataclasses.replace(self, subcommands=subs) if subs else None

    def sub(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)


class CommandTable:
    """The commands of the bot, in the order menus and help list them."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = tuple(commands)
        _check_names([c.name for c in self.commands], "the table")
        for command in self.commands:
            check(command)
        # Each surface's view, worked out once: every update and message asks (issue 15).
        self._on: dict[str, tuple[Command, ...]] = {}
        self._named: dict[str, dict[str, Command]] = {}

    def on(self, surface: str) -> list[Command]:
        if surface not in self._on:
            self._on[surface] = tuple(
                c for c in (command.on(surface) for command in self.commands) if c)
        return list(self._on[surface])

    def get(self, surface: str, name: str) -> Command | None:
        if surface not in self._named:
            self._named[surface] = {c.name: c for c in self.on(surface)}
        return self._named[surface].get(name)

    def leaves(self, surface: str) -> Iterator[tuple[str, Command]]:
        """("credits grant", the grant declaration), ...: everything that runs."""
        for command in self.on(surface):
            if command.subcommands:
                for sub in command.subcommands:
                    yield f"{command.name} {sub.name}", sub
            else:
                yield command.name, command


def check(command: Command, parent: Command | None = None) -> None:
    """Raise ValueError when a declaration breaks a rule of any surface."""
    where = f"/{parent.name} {command.name}" if parent else f"/{command.name}"
    if not _NAME.match(command.name):
        raise ValueError(f"{where}: a name is 1-32 of a-z, 0-9 and _")
    if not 1 <= len(command.description) <= 100:
        raise ValueError(f"{where}: the description needs 1-100 characters")
    if not command.surfaces <= SURFACES:
        raise ValueError(f"{where}: unknown surfaces {sorted(command.surfaces - SURFACES)}")
    if command.subcommands and (command.options or parent is not None):
        raise ValueError(f"{where}: a group has subcommands only, one level deep")
    _check_names([s.name for s in command.subcommands], where)
    _check_names([o.name for o in command.options], where)
    for sub in command.subcommands:
        check(sub, command)
    required = [o.required for o in command.options]
    if required != sorted(required, reverse=True):
        raise ValueError(f"{where}: required options come first")
    for option in command.options:
        if not _NAME.match(option.name) or not 1 <= len(option.description) <= 100:
            raise ValueError(f"{where}: option {option.name!r} breaks the naming rules")
    words = [o for o in command.options if o.kind is not Kind.BOOLEAN]  # booleans are named
    if any(o.rest for o in words[:-1]):
        raise ValueError(f"{where}: only the last option that takes words takes the rest")


def _check_names(names: list[str], where: str) -> None:
    if len(names) > MAX_OPTIONS:
        raise ValueError(f"{where}: at most {MAX_OPTIONS} options or subcommands")
    if len(names) != len(set(names)):
        raise ValueError(f"{where}: names repeat")
