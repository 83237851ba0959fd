"""One declaration reaches every surface: a throwaway command declared in a test-only table
shows up in the Telegram menu and handlers, the Discord command payload, every help text
and the console, and runs, with no adapter code written for it. And the bot's own table is
registered exactly, everywhere."""

from types import SimpleNamespace

import pytest
from telegram.ext import CommandHandler

from adapters.console.chat import ConsoleChat
from adapters.discord.runner import ImagineClient
from adapters.telegram.commands import command_handlers, menu
from bot.bootstrap import build_app
from bot.domain import keys
from bot.domain.commands import SURFACES, Command, CommandTable, Kind, Option
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.services import image_commands
from bot.services.command_table import TABLE
from bot.services.commands import Call, Cancelled, Commands, Gift, Reply, Standings
from bot.services.help import help_text, usage
from bot.settings import Settings

PING = Command(
    "ping", "Answer with a few pongs", usage="/ping N [note]", help="pong, N times",
    section="Testing", missing="Say how many: `/ping 3`.",
    options=(Option("times", Kind.INTEGER, "How many pongs", required=True, min=1, max=5),
             Option("note", Kind.TEXT, "Something to add", max=50, rest=True)),
)


async def ping(call: Call) -> Reply:
    note = call.args.get("note")
    return Reply(" ".join(["pong"] * int(call.args.get("times"))) + (f" ({note})" if note else ""))


@pytest.fixture
async def app(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                        discord_token="x", telegram_token="1:x")
    app = await build_app(settings)
    yield app
    await app.close()


@pytest.fixture
def with_ping(app):
    table = CommandTable([*image_commands.COMMANDS, *image_commands.LAST, PING])
    app.commands = Commands(table, {"ping": ping})
    return app


class Response:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def is_done(self) -> bool:
        return bool(self.sent)

    async def send_message(self, text: str, *, ephemeral: bool = False, **_: object) -> None:
        self.sent.append((text, ephemeral))


def interaction() -> SimpleNamespace:
    user = SimpleNamespace(id=5, name="ana", display_name="Ana", bot=False, mention="<@5>")
    # With a proxy configured, the first answer goes through discord.py's own call (see
    # adapters/discord/ack.py): here, this stub's response.
    state = SimpleNamespace(http=SimpleNamespace(proxy="http://proxy.invalid"),
                            allowed_mentions=None)
    return SimpleNamespace(id=77, guild_id=None, user=user, response=Response(), _state=state,
                           permissions=SimpleNamespace(manage_guild=False, administrator=False))


async def test_a_declared_command_is_in_the_telegram_menu_and_handled(with_ping):
    commands = with_ping.commands
    assert ("ping", "Answer with a few pongs") in [(c.command, c.description)
                                                   for c in menu(commands)]
    shared = object()
    own = {"imagine": 1, "models": 2, "help": 3, "start": 3, "edit": 4, "vary": 5}
    handlers = command_handlers(commands, own, shared)
    assert all(isinstance(h, CommandHandler) for h in handlers)
    assert [h.callback for h in handlers if "ping" in h.commands] == [shared]


async def test_a_declared_command_is_a_discord_command_with_typed_options(with_ping):
    client = ImagineClient(with_ping)
    payload = {c.name: c.to_dict(client.tree) for c in client.tree.get_commands()}
    assert sorted(payload) == ["Edit image", "edit", "help", "imagine", "models", "ping"]
    times, note = payload["ping"]["options"]
    assert (times["type"], times["required"], times["min_value"], times["max_value"]) == (
        4, True, 1, 5)
    assert (note["type"], note["required"], note["max_length"]) == (3, False, 50)
    assert payload["ping"]["description"] == "Answer with a few pongs"
    command = client.tree.get_command("ping")
    assert command is not None
    event = interaction()
    await command.callback(event, times=2, note="hi")  # type: ignore[call-arg]
    assert event.response.sent == [("pong pong (hi)", True)]  # the handler's reply, privately


async def test_a_declared_command_is_in_every_help_and_runs_on_the_console(with_ping, tmp_path):
    table = with_ping.commands.table
    for surface in SURFACES:
        text = help_text(table, surface, with_ping.catalog, with_ping.intents, 5, True)
        assert "Testing" in text
        assert f"{usage('ping', PING, surface == 'discord')}: pong, N times" in text
    lines: list[str] = []
    chat = ConsoleChat(with_ping, tmp_path, write=lines.append)
    for line in ("/ping 3 well done", "/ping", "/ping note:hi times:2", "/balance", "/help"):
        await chat.handle(line)
    assert lines[:3] == ["pong pong pong (well done)", "⚠️ Say how many: `/ping 3`.",
                         "pong pong (hi)"]
    assert lines[3] == "⚠️ I don't know /balance. Try /help."  # not declared here
    assert "/ping N [note]: pong, N times" in lines[4]


async def test_every_command_of_the_bot_is_registered_on_every_surface(app, tmp_path):
    client = ImagineClient(app)  # raises if a declared command had nothing to run it
    synced = {c.name: c.to_dict(client.tree) for c in client.tree.get_commands()}
    declared = TABLE.on("discord")
    # plus the "Edit image" message command, which goes with /edit (the table declares
    # chat commands only)
    assert sorted(synced) == sorted([c.name for c in declared] + ["Edit image"])
    assert synced["Edit image"]["type"] == 3
    for command in declared:
        subs = [o["name"] for o in synced[command.name]["options"] if o["type"] == 1]
        assert subs == [s.name for s in command.subcommands]
        assert synced[command.name]["contexts"] == ([0, 1] if command.dms else [0])
    assert [c.command for c in menu(app.commands)] == [
        c.name for c in TABLE.on("telegram")]
    ConsoleChat(app, tmp_path)  # raises likewise
    for surface in SURFACES:
        text = help_text(TABLE, surface, app.catalog, app.intents, None, False)
        for path, leaf in TABLE.leaves(surface):
            assert usage(path, leaf, surface == "discord") in text or not leaf.in_help, path


class Picked:
    """Option values as a surface has them, with the people already picked."""

    def __init__(self, people: dict[str, tuple[UserRef, bool]], **values: object) -> None:
        self.people, self.values = people, values

    def get(self, name: str) -> object:
        return self.values.get(name)

    async def user(self, name: str) -> tuple[UserRef, bool] | None:
        return self.people.get(name)


async def test_special_renderers_get_the_handlers_typed_outcomes(app):
    """Discord posts a gift, the leaderboard and giveaway ends its own way, from these."""
    ana, bo = UserRef("discord", "1", "ana"), UserRef("discord", "2", "bo")
    here = keys.community("discord", "guild", 9)
    ctx = Context(ana, here, is_admin=True, event_key="discord:i1")
    for person in (ana, bo):
        await app.community.seen(Context(person, here), person.name)
    gave = await app.commands.run("give", Call(ctx, Picked({"user": (bo, False)}, amount=10)))
    assert gave.outcome == Gift(bo, 10, 40) and gave.text.startswith("You gave 10 credits")
    board = await app.commands.run("leaderboard", Call(ctx, Picked({})))
    assert board.outcome == Standings([("bo", 60), ("ana", 40)])
    started = await app.commands.run("giveaway start", Call(
        Context(ana, here, is_admin=True, event_key="discord:i2"),
        Picked({}, credits=5, winners=1, duration="1h", title="drop", from_me=False)))
    assert started.giveaway is not None
    cancelled = await app.commands.run("giveaway cancel", Call(
        Context(ana, here, is_admin=True, event_key="discord:i3"),
        Picked({}, id=started.giveaway.id)))
    assert isinstance(cancelled.outcome, Cancelled)
    assert cancelled.outcome.giveaway.id == started.giveaway.id
    assert cancelled.outcome.giveaway.status == "cancelled"
