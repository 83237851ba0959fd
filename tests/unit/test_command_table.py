"""The command table's rules and the text grammar it drives (Telegram and the console)."""

import pytest

from bot.domain.commands import Command, CommandTable, Kind, Option
from bot.domain.errors import RequestError
from bot.services.command_table import TABLE
from bot.services.commands import Commands, Reply
from bot.services.community_text import parse_words

GIVE = TABLE.get("telegram", "give")
START = TABLE.get("telegram", "giveaway").sub("start")  # type: ignore[union-attr]
GRANT = TABLE.get("telegram", "credits").sub("grant")  # type: ignore[union-attr]
BALANCE = TABLE.get("telegram", "balance")


@pytest.mark.parametrize("bad, why", [
    (Command("Ping", "x"), "a name is"),
    (Command("ping", ""), "description"),
    (Command("ping", "x" * 101), "description"),
    (Command("ping", "x", options=(Option("a", Kind.TEXT, "a"),
                                   Option("b", Kind.TEXT, "b", required=True))), "required"),
    (Command("ping", "x", options=(Option("a", Kind.TEXT, "a"),) * 2), "repeat"),
    (Command("ping", "x", options=(Option("a", Kind.TEXT, "a", rest=True),
                                   Option("b", Kind.TEXT, "b"))), "rest"),
    (Command("ping", "x", surfaces=frozenset({"irc"})), "surfaces"),
    (Command("ping", "x", subcommands=(Command("a", "a", subcommands=(Command("b", "b"),)),)),
     "one level"),
])
def test_a_declaration_any_surface_would_refuse_fails_at_start(bad, why):
    with pytest.raises(ValueError, match=why):
        CommandTable([bad])


def test_surfaces_see_only_their_commands_and_subcommands():
    assert "rerun" not in [c.name for c in TABLE.on("telegram")]
    assert [s.name for s in TABLE.get("discord", "giveaway").subcommands] == [  # type: ignore[union-attr]
        "start", "end", "cancel", "reroll", "list"]
    assert TABLE.get("console", "giveaway").sub("enter") is not None  # type: ignore[union-attr]


def test_a_handler_needs_a_declaration():
    async def handler(call):  # type: ignore[no-untyped-def]
        return Reply("")

    with pytest.raises(ValueError, match="without a declaration"):
        Commands(TABLE, {"frobnicate": handler})


def test_words_fill_options_in_order_or_by_name():
    assert parse_words(GIVE, "@ana 10", replied=False) == {"user": "@ana", "amount": "10"}
    assert parse_words(GIVE, "amount:10 user:@ana", replied=False) == {
        "user": "@ana", "amount": "10"}
    assert parse_words(GRANT, "@ana 50 launch gift", replied=False) == {
        "user": "@ana", "amount": "50", "reason": "launch gift"}


def test_a_reply_names_the_person_when_the_words_start_with_the_amount():
    assert parse_words(GIVE, "10", replied=True) == {"amount": "10"}
    assert parse_words(GIVE, "@ben 10", replied=True) == {"user": "@ben", "amount": "10"}
    assert parse_words(BALANCE, "5", replied=True) == {"user": "5"}  # an id, as before


def test_named_only_options_leave_the_words_to_the_title():
    words = "Summer drop credits:100 winners:2 duration:1h from:me"
    assert parse_words(START, words, replied=False) == {
        "credits": "100", "winners": "2", "duration": "1h", "from_me": "me",
        "title": "Summer drop"}


def test_missing_words_get_the_commands_own_message():
    with pytest.raises(RequestError, match=r"Say who and how much: `/give @name 10`\."):
        parse_words(GIVE, "@ana", replied=False)
    with pytest.raises(RequestError, match=r"\(missing winners:, duration:\)\."):
        parse_words(START, "credits:5 Summer", replied=False)
