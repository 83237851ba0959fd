"""Community credits on Telegram (issue 6) through the real bot process and the fake Bot API:
daily, give (by @username and by reply), admin grant/take, leaderboard, giveaways with the
Enter button (live count, end, cancel, a restart before the end), private answers and links.

The tests of this module share one bot and one group, and build on each other in order.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import pytest_asyncio
from telegram import Chat
from telegram.error import NetworkError

from adapters.telegram import keyboards
from adapters.telegram.members import AdminCache
from tests.e2e.botprocess import ROOT
from tests.e2e.telegram.conftest import Harness, buttons, replies_to, running_bot
from tests.fakes.telegram_api import Call

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUP_ID = -1006001
SIDE_ID = -1006002
_GIVEAWAY_ID = re.compile(r"id (\w+)")


@dataclass
class World:
    group: dict
    side: dict  # a second group: replies are paced per chat, so busy tests spread out
    ada: dict  # the group's administrator
    ana: dict
    ben: dict
    cal: dict  # no @username: reachable by reply only
    robo: dict  # another bot in the group


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(
        tmp_path_factory.mktemp("tg-community"), WELCOME_CREDITS="50", DAILY_CREDITS="10"
    ) as harness:
        yield harness
        harness.check_books()


@pytest.fixture(scope="module")
def w(h: Harness) -> World:
    tg = h.tg
    world = World(
        group=tg.group_chat(GROUP_ID, "Credits Club"),
        side=tg.group_chat(SIDE_ID, "Side Room"),
        ada=tg.make_user(6001, "Ada", username="ada"),
        ana=tg.make_user(6002, "Ana", username="ana"),
        ben=tg.make_user(6003, "Ben", username="ben"),
        cal=tg.make_user(6004, "Cal"),
        robo=tg.make_user(6005, "Robo", username="robo_bot", is_bot=True),
    )
    tg.set_admins(GROUP_ID, [world.ada["id"]])
    return world


async def say(h: Harness, chat: dict, user: dict, text: str, expect: str,
              reply_to: dict | None = None, timeout: float = 10) -> tuple[dict, Call]:
    """`user` writes `text` in `chat`; returns their message and the bot's reply whose text
    (as shown, after HTML parsing) contains `expect`."""
    since = h.mark()
    message = h.tg.user_sends_text(chat, user, text, reply_to_message=reply_to)
    reply = await h.tg.wait_for(
        "sendMessage", lambda c: replies_to(c, message) and expect in c.result["text"],
        since=since, ok=True, timeout=timeout,
    )
    return message, reply


async def answer_to(h: Harness, chat: dict, user: dict, message: dict, data: str,
                    raw: bool = False) -> str:
    click = h.tg.user_clicks_raw if raw else h.tg.user_clicks
    query_id = click(chat, user, message["message_id"], data)
    return (await h.answered(query_id)).get("text", "")


def link_urls(call: Call) -> list[str]:
    return [e["url"] for e in call.result.get("entities", []) if e["type"] == "text_link"]


def mention_of(user: dict) -> str:
    return f"tg://user?id={user['id']}"


async def until(check, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def start_giveaway(h: Harness, w: World, host: dict, options: str,
                         chat: dict | None = None) -> tuple[str, dict]:
    """Start a giveaway in the group; returns its id and its posted message."""
    _, post = await say(h, chat or w.group, host, f"/giveaway start {options}", "🎉")
    [enter] = buttons(post)
    assert enter["text"] == "🎉 Enter" and len(enter["callback_data"].encode()) <= 64
    giveaway_id = _GIVEAWAY_ID.search(post.result["text"]).group(1)
    assert enter["callback_data"] == f"g:{giveaway_id}"
    return giveaway_id, post.result


# -- in-process checks of the adapter's pieces (no bot process) ----------------------------


async def test_giveaway_callback_data_is_short_and_strict():
    data = keyboards.giveaway_data("a1b2c3")
    assert data == "g:a1b2c3" and keyboards.decode_giveaway(data) == "a1b2c3"
    for forged in (None, "", "g:", "g:XYZ123", "g:a1b2c3:x", "r:a1b2c3:a", "g:" + "a" * 40):
        assert keyboards.decode_giveaway(forged) is None
    assert keyboards.decode(data) is None  # never mistaken for an image button


async def test_chat_admins_are_asked_once_per_ttl_and_never_for_private_chats():
    asked: list[int] = []
    fail = False

    class Bot:
        async def get_chat_administrators(self, chat_id: int) -> list:
            asked.append(chat_id)
            await asyncio.sleep(0.01)
            if fail:
                raise NetworkError("down")
            return [SimpleNamespace(user=SimpleNamespace(id=7))]

    now = [1000.0]
    admins = AdminCache(Bot(), ttl=60, clock=lambda: now[0])  # type: ignore[arg-type]
    group, private = Chat(-5, Chat.SUPERGROUP), Chat(7, Chat.PRIVATE)
    together = await asyncio.gather(admins.is_admin(group, 7), admins.is_admin(group, 8))
    assert together == [True, False] and asked == [-5]  # one request for both
    assert await admins.is_admin(private, 7) is False and asked == [-5]
    now[0] += 61
    fail = True
    assert await admins.is_admin(group, 7) is False  # unknown: not an admin, and not cached
    fail = False
    assert await admins.is_admin(group, 7) is True and asked == [-5, -5, -5]


# -- the wallet ----------------------------------------------------------------------------


async def test_community_commands_are_in_the_command_list_and_help(h: Harness, w: World):
    names = {c["command"] for c in h.tg.my_commands()}
    assert {"daily", "give", "credits", "leaderboard", "giveaway", "link", "history"} <= names
    _, reply = await say(h, h.tg.private_chat(w.ana), w.ana, "/help", "Giveaways:")
    assert "/give @name 10" in reply["text"] and "/credits grant" in reply["text"]


async def test_daily_twice_refuses_the_second_claim_with_the_wait(h: Harness, w: World):
    chat = h.tg.private_chat(w.ana)
    await say(h, chat, w.ana, "/daily", "+10 credits! You have 60 credits.")
    _, second = await say(h, chat, w.ana, "/daily", "already claimed")
    assert "The next claim opens in 23h59m" in second["text"]
    assert h.balance(w.ana) == 60 and len(h.ledger(w.ana, "daily")) == 1


async def test_give_by_username_and_by_reply_moves_exactly_the_amount(h: Harness, w: World):
    await say(h, w.group, w.ben, "/balance", "You have 50 credits")  # Ben is seen in the group
    await say(h, w.group, w.ana, "/give @ben 10", "You gave 10 credits to Ben. You have 50")
    assert (h.balance(w.ana), h.balance(w.ben)) == (50, 60)

    hello = h.tg.user_sends_text(w.group, w.cal, "hi all")  # not delivered: privacy mode
    await say(h, w.group, w.ana, "/give 5", "You gave 5 credits to Cal. You have 45",
              reply_to=hello)
    assert (h.balance(w.ana), h.balance(w.cal)) == (45, 55)
    assert h.ledger(w.ana, "transfer") == [
        (-10, "transfer", "telegram:6002->telegram:6003"),
        (-5, "transfer", "telegram:6002->telegram:6004"),
    ]
    assert [r[0] for r in h.ledger(w.ben, "transfer")] == [10]


async def test_giving_more_than_you_have_or_to_a_bot_is_refused(h: Harness, w: World):
    await say(h, w.side, w.ana, "/give @ben 1000", "You have 45 credits, so you can't give 1000")
    beep = h.tg.user_sends_text(w.side, w.robo, "beep")
    await say(h, w.side, w.ana, "/give 5", "Bots don't need credits", reply_to=beep)
    await say(h, w.side, w.ana, "/give @nobody 5", "I haven't seen @nobody yet")
    await say(h, w.side, w.ana, "/give @ana 5", "You can't give credits to yourself")
    assert (h.balance(w.ana), h.balance(w.ben)) == (45, 60)
    assert h.account(w.robo) is None
    assert len(h.ledger(w.ana, "transfer")) == 2


async def test_a_non_admin_grant_in_a_group_is_refused_and_changes_nothing(h: Harness, w: World):
    await say(h, w.group, w.ben, "/credits grant @ben 500 myself",
              "Only admins of this server or group can use /credits grant.")
    await say(h, w.group, w.ben, "/credits take @ana 10", "Only admins of this server or group can use /credits take.")
    assert (h.balance(w.ana), h.balance(w.ben)) == (45, 60)
    assert h.query("SELECT COUNT(*) FROM ledger WHERE reason IN ('grant', 'take')") == [(0,)]
    logged = h.query("SELECT actor, action, allowed FROM admin_log ORDER BY at")
    assert logged == [("telegram:6003", "/credits grant", 0), ("telegram:6003", "/credits take", 0)]


async def test_an_admin_grants_and_takes(h: Harness, w: World):
    await say(h, w.group, w.ada, "/credits grant @ben 50 welcome gift",
              "Granted 50 credits to Ben. They have 110 credits.")
    await say(h, w.group, w.ada, "/credits take @ben 20 oops", "Took 20 credits from Ben. They have 90")
    assert h.balance(w.ben) == 90
    assert [(d, r) for d, r, _ in h.ledger(w.ben) if r in ("grant", "take")] == [
        (50, "grant"), (-20, "take"),
    ]
    # nobody is an admin in a private chat
    await say(h, h.tg.private_chat(w.ada), w.ada, "/credits grant @ben 5", "Only admins of this server or group")
    assert h.balance(w.ben) == 90
    # the administrator list was asked once for this group (cached), never for the private chat
    asked = [c["chat_id"] for c in h.tg.calls_to("getChatAdministrators")]
    assert sorted(asked) == [SIDE_ID, GROUP_ID]


async def test_leaderboard_lists_this_groups_members_by_balance(h: Harness, w: World):
    outsider = h.tg.make_user(6099, "Zed", username="zed")
    await say(h, h.tg.group_chat(-1006099, "Elsewhere"), outsider, "/balance", "You have")
    _, board = await say(h, w.group, w.ana, "/leaderboard", "Top balances here:")
    assert board["text"].splitlines()[1:] == [
        "1. Ben: 90 credits", "2. Cal: 55 credits", "3. Ana: 45 credits",
    ]


# -- giveaways -----------------------------------------------------------------------------


async def test_a_giveaway_members_enter_and_leave_with_the_button(h: Harness, w: World):
    gid, post = await start_giveaway(
        h, w, w.ada, "credits:100 winners:2 duration:10m Summer drop"
    )
    assert "Summer drop: 2 winner(s) get 100 credits each (funded by the bot)" in post["text"]
    assert "0 entered" in post["text"] and mention_of(w.ada) in [
        e.get("url") for e in post["entities"]
    ]

    def stored() -> tuple:
        sql = ("SELECT json_extract(message_ref, '$.chat_id'), "
               "json_extract(message_ref, '$.message_id') FROM giveaways WHERE id = ?")
        return h.query(sql, gid)[0]

    await until(lambda: stored() == (GROUP_ID, post["message_id"]))  # stored right after posting

    data = f"g:{gid}"
    assert (await answer_to(h, w.group, w.ana, post, data)).startswith("You're in!")
    assert (await answer_to(h, w.group, w.ben, post, data)).startswith("You're in!")
    assert (await answer_to(h, w.group, w.cal, post, data)).startswith("You're in!")
    assert await answer_to(h, w.group, w.cal, post, data) == "You left the giveaway."
    assert await answer_to(h, w.group, w.robo, post, data) == "Bots can't enter giveaways."
    for forged in ("g:zz", "g:abcdef", "g:" + "f" * 40):
        assert (await answer_to(h, w.group, w.ana, post, forged, raw=True)).startswith(
            "This button has expired"
        )

    def shown() -> str:
        return h.tg.message(GROUP_ID, post["message_id"])["text"]

    await until(lambda: "2 entered" in shown())
    await asyncio.sleep(2.5)  # nothing later overwrites the latest count
    assert "2 entered" in shown() and buttons(h.tg.message(GROUP_ID, post["message_id"]))
    edits = [c.at for c in h.tg.calls_to("editMessageText")
             if c["message_id"] == post["message_id"]]
    assert edits and all(b - a >= 1.9 for a, b in zip(edits, edits[1:], strict=False)), edits
    await say(h, w.group, w.ana, "/giveaway list", f"{gid} Summer drop: 2 x 100 credits, 2 entered")

    # entering by command moves the count on the message too
    eve = h.tg.make_user(6007, "Eve", username="eve")
    await say(h, w.group, eve, f"/giveaway enter {gid}", f"You are in giveaway {gid} (3 entered)")
    await until(lambda: "3 entered" in shown())
    await say(h, w.group, eve, f"/giveaway leave {gid}", f"You left giveaway {gid} (2 entered)")
    await until(lambda: "2 entered" in shown())


async def test_ending_a_giveaway_pays_each_winner_once_and_closes_the_message(
    h: Harness, w: World
):
    [(gid, message_id)] = h.query(
        "SELECT id, json_extract(message_ref, '$.message_id') FROM giveaways "
        "WHERE title = 'Summer drop'"
    )
    before = {u["id"]: h.balance(u) for u in (w.ana, w.ben, w.cal)}
    since = h.mark()
    command = h.tg.user_sends_text(w.group, w.ada, f"/giveaway end {gid}")
    news = await h.tg.wait_for("sendMessage", lambda c: "Congratulations" in c["text"],
                               since=since, ok=True)
    assert set(link_urls(news)) == {mention_of(w.ana), mention_of(w.ben), mention_of(w.ada)}
    assert "You won 100 credits each" in news["text"]
    assert news["reply_parameters"]["message_id"] == message_id
    closed = h.tg.message(GROUP_ID, message_id)
    assert "has ended" in closed["text"] and "Winners: Ana, Ben" in closed["text"]
    assert "reply_markup" not in closed  # the Enter button is gone
    after = {u["id"]: h.balance(u) for u in (w.ana, w.ben, w.cal)}
    assert after == {6002: before[6002] + 100, 6003: before[6003] + 100, 6004: before[6004]}
    for winner in (w.ana, w.ben):
        assert h.ledger(winner, "giveaway") == [(100, "giveaway", f"winner of giveaway {gid}")]

    # ending it again, or clicking the old button, pays nobody twice
    await say(h, w.group, w.ada, f"/giveaway end {gid}", "Winners: Ana, Ben")
    late = await answer_to(h, w.group, w.cal, {"message_id": message_id}, f"g:{gid}", raw=True)
    assert late == "This giveaway has ended."
    assert len(h.query("SELECT 1 FROM ledger WHERE reason = 'giveaway'")) == 2
    assert not [c for c in h.tg.calls_to("sendMessage") if replies_to(c, command)]


async def test_cancelling_a_members_giveaway_returns_the_hold(h: Harness, w: World):
    await say(h, w.side, w.cal, "/giveaway start credits:1000 winners:2 duration:1h Big",
              "pays 2 x 1000 = 2000 credits from your balance, and you have 55")
    gid, post = await start_giveaway(h, w, w.ben, "credits:10 winners:3 duration:1h Ben's treat",
                                     chat=w.side)
    assert "(funded by the host)" in post["text"]
    before = h.balance(w.ben) + 30
    assert h.ledger(w.ben)[-1] == (-30, "giveaway hold", gid)

    await say(h, w.side, w.cal, f"/giveaway cancel {gid}",
              "Only the host or an admin can use /giveaway cancel.")
    assert h.balance(w.ben) == before - 30
    await say(h, w.side, w.ben, f"/giveaway cancel {gid}",
              f"Giveaway {gid} cancelled. The held credits went back to the host.")
    assert h.balance(w.ben) == before and h.ledger(w.ben)[-1] == (30, "giveaway refund", gid)
    closed = h.tg.message(SIDE_ID, post["message_id"])
    assert "was cancelled" in closed["text"] and "reply_markup" not in closed


async def test_a_giveaway_that_cannot_be_posted_is_cancelled_and_its_hold_returned(
    h: Harness, w: World
):
    """As on Discord: a giveaway nobody can see is cancelled at once, the host's credits back."""
    before = h.balance(w.ana)
    h.tg.fail_next("sendMessage", status=403,
                   description="Forbidden: bot is not a member of the supergroup chat",
                   when=lambda p: "g:" in str(p.get("reply_markup")))
    since = h.mark()
    h.tg.user_sends_text(w.side, w.ana, "/giveaway start credits:5 winners:2 duration:1h Hidden")
    await h.tg.wait_for("sendMessage", lambda c: "g:" in str(c.get("reply_markup")),
                        since=since, timeout=10)  # the refused post
    await until(lambda: h.query("SELECT status FROM giveaways WHERE title = 'Hidden'")
                == [("cancelled",)])
    assert h.balance(w.ana) == before
    [(gid,)] = h.query("SELECT id FROM giveaways WHERE title = 'Hidden'")
    assert h.ledger(w.ana)[-2:] == [(-10, "giveaway hold", gid), (10, "giveaway refund", gid)]
    assert not h.query("SELECT 1 FROM holds WHERE status = 'held' AND reference IN "
                       "(SELECT id FROM giveaways WHERE title = 'Hidden')")


# -- private answers and wallet links ------------------------------------------------------


async def test_history_and_link_codes_asked_in_a_group_go_to_the_private_chat(
    h: Harness, w: World
):
    since = h.mark()
    await say(h, w.group, w.ana, "/history", "I sent it to you in a private chat.")
    history = await h.tg.wait_for("sendMessage", lambda c: c["chat_id"] == w.ana["id"],
                                  since=since, ok=True)
    assert "Your last credit changes:" in history["text"] and "giveaway" in history["text"]

    since = h.mark()
    await say(h, w.group, w.ana, "/link", "I sent it to you in a private chat.")
    code = await h.tg.wait_for("sendMessage", lambda c: c["chat_id"] == w.ana["id"],
                               since=since, ok=True)
    assert re.search(r"Your link code is [A-Z2-9]{5}-[A-Z2-9]{5}", code["text"])
    group_texts = [c["text"] for c in h.tg.calls_to("sendMessage") if c["chat_id"] == GROUP_ID]
    assert not [t for t in group_texts if "link code is" in t]


async def test_without_a_private_chat_history_comes_with_a_note_but_a_link_code_never(
    h: Harness, w: World
):
    dee = h.tg.make_user(6006, "Dee", username="dee")
    h.tg.block_bot(dee["id"])
    _, note = await say(h, w.group, dee, "/link", "Link codes are private")
    assert "send /link there" in note["text"]
    await say(h, w.group, dee, "/history", "I can't message you privately")
    assert not [c for c in h.tg.calls_to("sendMessage")
                if c["chat_id"] == GROUP_ID and "link code is" in c["text"]]


async def test_a_link_code_from_another_platform_joins_the_wallets(h: Harness, w: World):
    env = {**h.bot.env, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_TOKEN")
    console = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", cwd=str(h.tmp), env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(console.communicate(b"/link\n"), 30)
    assert console.returncode == 0
    code = re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", out.decode()).group(0)
    chat = h.tg.private_chat(w.ana)
    balance = h.balance(w.ana)
    await say(h, chat, w.ana, f"/link {code}",
              f"Linked! Both accounts now share one wallet: {balance + 50} credits.")
    assert h.balance(w.ana) == balance + 50
    await say(h, chat, w.ana, f"/link {code}", "That code is wrong, used or expired.")


# -- a restart before the end --------------------------------------------------------------


async def test_a_giveaway_ends_on_time_after_the_bot_restarts_and_pays_once(
    h: Harness, w: World
):
    gid, post = await start_giveaway(h, w, w.ada, "credits:7 winners:2 duration:10s Quick one")
    assert (await answer_to(h, w.group, w.cal, post, f"g:{gid}")).startswith("You're in!")
    before = h.balance(w.cal), h.balance(w.ben)
    since = h.mark()
    await h.restart()
    # the button still works after the restart (the giveaway lives in the database)
    assert (await answer_to(h, w.group, w.ben, post, f"g:{gid}")).startswith("You're in!")
    news = await h.tg.wait_for("sendMessage", lambda c: "Congratulations" in c["text"],
                               since=since, ok=True, timeout=25)
    [(lasted,)] = h.query("SELECT ended_at - created_at FROM giveaways WHERE id = ?", gid)
    assert 10 <= lasted < 14  # on time, although the bot was down for part of it
    assert {mention_of(w.cal), mention_of(w.ben)} <= set(link_urls(news))
    assert "You won 7 credits each in “Quick one”" in news["text"]
    assert (h.balance(w.cal), h.balance(w.ben)) == (before[0] + 7, before[1] + 7)
    for winner in (w.cal, w.ben):
        assert h.ledger(winner, "giveaway")[-1] == (7, "giveaway", f"winner of giveaway {gid}")
    assert len(h.query("SELECT 1 FROM ledger WHERE reference LIKE ?", f"% {gid}")) == 2
    closed = h.tg.message(GROUP_ID, post["message_id"])
    assert "has ended" in closed["text"] and "reply_markup" not in closed
    await asyncio.sleep(0.5)
    announced = [c for c in h.tg.calls_to("sendMessage")
                 if "Quick one" in c["text"] and "Congratulations" in c["text"]]
    assert announced == [news]
