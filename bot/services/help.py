"""The /help text of every surface, built from the command table.

Each surface lists the commands it offers, in the table's order: the image commands at the
top, then each section ("Credits", "Giveaways"), with who may use a command when that is
not everyone. Text surfaces show how commands are typed (`/give @name 10`); Discord shows
the slash command and its options (`/give` `user` `amount`), in Markdown.
"""

from __future__ import annotations

from bot import i18n
from bot.domain.catalog import Catalog
from bot.domain.commands import Access, Command, CommandTable
from bot.domain.intents import IntentTable
from bot.i18n import t
from bot.services.replies import credits, intent_lines, model_lines

INTRO = "I make images from your words and pick the right model for what you ask."
_ACCESS = {Access.ADMINS: "access-admins", Access.HOST_OR_ADMIN: "access-host-or-admins",
           Access.OPERATORS: "access-operators"}


def command_key(path: str) -> str:
    """The catalog key of a command's description: "credits grant" -> cmd-credits-grant."""
    return "cmd-" + path.replace(" ", "-").replace("_", "-")


def option_key(path: str, option: str) -> str:
    return f"{command_key(path)}--{option.replace('_', '-')}"


def _says(path: str, leaf: Command) -> str:
    """English: the table's own help words (and its notes); other languages: the
    command's translated description (the catalogs hold descriptions, not help lines)."""
    if i18n.current() == i18n.DEFAULT or not i18n.has(command_key(path)):
        return leaf.help or leaf.description
    return t(command_key(path))


def _notes(leaf: Command) -> tuple[str, ...]:
    return leaf.notes if i18n.current() == i18n.DEFAULT else ()


def section_name(name: str) -> str:
    key = f"help-section-{name.lower()}"
    return t(key) if i18n.has(key) else name


def usage(path: str, command: Command, slash: bool) -> str:
    if not slash:
        return command.usage or f"/{path}"
    words = [f"`{o.name}`" if o.required else f"`[{o.name}]`" for o in command.options]
    return " ".join([f"**/{path}**", *words])


def command_lines(table: CommandTable, surface: str, slash: bool = False
                  ) -> dict[str, list[str]]:
    """Help lines by section ("" first), one per command a person can run, then its notes."""
    sections: dict[str, list[str]] = {"": []}
    for command in table.on(surface):
        if not command.in_help:
            continue
        leaves = [(f"{command.name} {s.name}", s) for s in command.subcommands]
        lines = sections.setdefault(command.section, [])
        for path, leaf in leaves or [(command.name, command)]:
            who = f" ({t(_ACCESS[leaf.access])})" if leaf.access is not Access.EVERYONE else ""
            lines.append(f"{usage(path, leaf, slash)}: {_says(path, leaf)}{who}")
            lines += [f"  {note}" for note in _notes(leaf)]
    return sections


def help_text(table: CommandTable, surface: str, catalog: Catalog, intents: IntentTable,
              balance: int | None, demo_mode: bool) -> str:
    """The help of `surface`; Discord's is Markdown."""
    slash = surface == "discord"
    sections = command_lines(table, surface, slash)
    indent = "" if slash else "  "

    def heading(name: str, more: str = "") -> str:
        return f"**{name}**{more}" if slash else f"{name}{more}:"

    parts = [t("help-intro"), "", *sections.pop("")]
    parts += ["", heading(t("help-intents"), t("help-intents-more")),
              *(indent + line for line in intent_lines(intents, catalog))]
    parts += ["", heading(t("help-models"), t("help-models-more")),
              *(indent + line for line in model_lines(catalog, demo_mode))]
    for name, lines in sections.items():
        parts += ["", heading(section_name(name)), *(indent + line for line in lines)]
    if balance is not None:
        cheapest = catalog.by_price()[0]
        parts += ["", t("help-balance", balance=credits(balance), model=cheapest.name,
                        price=credits(cheapest.credits))]
    return "\n".join(parts)
