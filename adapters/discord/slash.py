"""Discord's side of the command table: the slash commands, built from the declarations.

discord.py reads a command's options from its callback's signature, so each declared
command gets a callback whose signature is generated from its options: the type (a Range
where the table gives bounds), the default, the description, fixed choices and
autocomplete. The callback passes the option values to a renderer: a feature's own one
where its output is special (an embed, a public message, a live flow), else the shared one
(the core handler's reply, privately). A command nothing would run fails at start.
(No `from __future__ import annotations` here: discord.py reads these annotations at runtime.)
"""

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

from bot.domain.commands import Command, Kind, Option, Source
from bot.services.commands import Commands
from bot.services.help import command_key, option_key

PLATFORM = "discord"
GUILD_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False)
TYPES: dict[Kind, Any] = {Kind.TEXT: str, Kind.INTEGER: int, Kind.BOOLEAN: bool,
                          Kind.USER: discord.User, Kind.CHANNEL: app_commands.AppCommandChannel,
                          Kind.ATTACHMENT: discord.Attachment}
Renderer = Callable[[discord.Interaction, dict[str, Any]], Awaitable[None]]
Suggest = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


@dataclass
class Feature:
    """One feature's Discord side (the cog idea): renderers by command path ("giveaway
    start") for output that is special here, and the option values it can look up."""

    renderers: dict[str, Renderer] = field(default_factory=dict)
    suggest: dict[Source, Suggest] = field(default_factory=dict)
    choices: dict[Source, list[app_commands.Choice[str]]] = field(default_factory=dict)


def annotation(option: Option) -> Any:
    kind = TYPES[option.kind]
    if option.kind in (Kind.TEXT, Kind.INTEGER) and (option.min, option.max) != (None, None):
        kind = app_commands.Range[kind, option.min, option.max]
    return kind if option.required or option.default is not None else kind | None


def signature(options: Sequence[Option]) -> inspect.Signature:
    first = inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              annotation=discord.Interaction)
    return inspect.Signature([first, *(
        inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation(o),
                          default=inspect.Parameter.empty if o.required else o.default)
        for o in options)])


def described(path: str, english: str, option: str | None = None) -> app_commands.locale_str:
    """A description Discord shows as is (English) and the Translator localises by key."""
    key = option_key(path, option) if option else command_key(path)
    return app_commands.locale_str(english, key=key)


class SlashBuilder:
    def __init__(self, commands: Commands, features: Sequence[Feature],
                 shared: Callable[[str], Renderer]) -> None:
        """`shared(path)`: the renderer of a command no feature renders itself."""
        self.commands = commands
        self.shared = shared
        self.renderers: dict[str, Renderer] = {}
        self.suggest: dict[Source, Suggest] = {}
        self.choices: dict[Source, list[app_commands.Choice[str]]] = {}
        for feature in features:
            self.renderers.update(feature.renderers)
            self.suggest.update(feature.suggest)
            self.choices.update(feature.choices)

    def build(self) -> list[AppCommand]:
        missing = self.commands.unhandled(PLATFORM, self.renderers)
        if missing:
            raise LookupError(f"Discord commands nothing runs: {missing}")
        built: list[AppCommand] = []
        for command in self.commands.table.on(PLATFORM):
            contexts = None if command.dms else GUILD_ONLY
            if not command.subcommands:
                built.append(self._command(command.name, command, contexts))
                continue
            group = app_commands.Group(name=command.name,
                                       description=described(command.name, command.description),
                                       allowed_contexts=contexts)
            for sub in command.subcommands:
                group.add_command(self._command(f"{command.name} {sub.name}", sub))
            built.append(group)
        return built

    def _command(self, path: str, command: Command,
                 contexts: app_commands.AppCommandContext | None = None
                 ) -> app_commands.Command[Any, ..., Any]:
        render = self.renderers.get(path) or self.shared(path)

        async def callback(interaction: discord.Interaction, **values: Any) -> None:
            await render(interaction, values)

        callback.__signature__ = signature(command.options)  # type: ignore[attr-defined]
        callback.__name__ = callback.__qualname__ = path.replace(" ", "_")
        options = command.options
        app_commands.describe(**{o.name: described(path, o.description, o.name)
                                 for o in options})(callback)
        fixed = {o.name: self.choices[o.choices] for o in options if o.choices}
        if fixed:
            app_commands.choices(**fixed)(callback)
        typing = {o.name: self.suggest[o.autocomplete] for o in options if o.autocomplete}
        if typing:
            app_commands.autocomplete(**typing)(callback)
        return app_commands.Command(name=command.name,
                                    description=described(path, command.description),
                                    callback=callback, allowed_contexts=contexts)


def build_slash(commands: Commands, features: Sequence[Feature],
                shared: Callable[[str], Renderer]) -> list[AppCommand]:
    return SlashBuilder(commands, features, shared).build()

