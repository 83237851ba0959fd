"""Community credits on Discord, end to end: daily, give, admin grant/take, leaderboard,
giveaways (Enter button, live count, end, reroll, cancel, a restart before the end), /link
(also joined with a Telegram account, in a process running both platforms).

One bot process for the module. People in the guild: alice owns it (admin), bob and erin
are plain members, dave has Manage Server, carol has the DISCORD_ADMIN_ROLE role, and
robo is another bot. Balances carry over between tests, so each test compares with what
it read first; `h.balance()` also checks that the ledger sums to the balance.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
import pytest_asyncio

from tests.e2e.botprocess import BotProcess
from tests.e2e.discord.conftest import (
    EPHEMERAL,
    GUILD_ID,
    TOKEN,
    Harness,
    component,
    ephemeral_text,
    running_bot,
)
from tests.fakes.discord_api import FakeDiscord, FakeDiscordUsageError
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.asyncio(loop_scope="module")
MANAGE_GUILD = 1 << 5
ADMIN_ROLE = "Credits Admin"
PEOPLE: dict[str, dict] = {}


def prepare(dc: FakeDiscord) -> None:
    role = dc.add_role(GUILD_ID, name=ADMIN_ROLE)
    PEOPLE["carol"] = dc.make_user(700_003, "carol", global_name="Carol")
    PEOPLE["dave"] = dc.make_user(700_004, "dave", global_name="Dave")
    PEOPLE["erin"] = dc.make_user(700_005, "erin", global_name="Erin")
    PEOPLE["robo"] = dc.make_user(700_009, "robo", bot=True)
    PEOPLE["frank"] = dc.make_user(700_006, "frank", global_name="Frank")  # the operator
    dc.add_member(GUILD_ID, PEOPLE["carol"], roles=[role["id"]])
    dc.add_member(GUILD_ID, PEOPLE["dave"], permissions=str(MANAGE_GUILD))
    dc.add_member(GUILD_ID, PEOPLE["erin"])
    dc.add_member(GUILD_ID, PEOPLE["robo"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-community"), prepare,
                           WELCOME_CREDITS="50", DAILY_CREDITS="10",
                           DISCORD_ADMIN_ROLE=ADMIN_ROLE,
                           ADMIN_USER_IDS="discord:700006") as harness:
        yield harness


def public(h: Harness, channel_id: str) -> list[dict]:
    return h.dc.messages(channel_id, include_ephemeral=False)


async def ask(h: Harness, user: dict, command: str, options: dict | None = None) -> str:
    """Run a command; return its ephemeral answer."""
    return await ephemeral_text(await h.slash(user, command, options))


async def start_giveaway(h: Harness, host: dict, **options) -> tuple[str, dict]:
    """`/giveaway start`; returns (giveaway id, its public message)."""
    inter = await h.slash(host, "giveaway start", options)
    msg = await inter.wait_message(lambda m: bool(m["embeds"]))
    assert not msg["flags"] & EPHEMERAL
    gid = component(msg, "gw:enter:")["custom_id"].removeprefix("gw:enter:")
    await h.dc.wait_until(lambda: h.query(
        "SELECT message_ref FROM giveaways WHERE id = ? AND message_ref LIKE ?", gid,
        f'%"message_id": "{msg["id"]}"%'), timeout=5, what="the stored message reference")
    return gid, msg


async def open_wallets(h: Harness, *users: dict) -> None:
    for user in users:
        assert (await ask(h, user, "balance")).startswith("You have ")


async def enter(h: Harness, user: dict, msg: dict) -> str:
    return await ephemeral_text(await h.click(user, msg, "gw:enter:"))


def field(msg: dict, name: str) -> str:
    return next(f["value"] for f in msg["embeds"][0]["fields"] if f["name"] == name)


def giveaway_rows(h: Harness, gid: str) -> list[tuple]:
    """(user id, delta) of the prize rows of one giveaway."""
    return h.query(
        "SELECT i.user_id, l.delta FROM ledger l JOIN identities i ON i.account_id = l.account_id"
        " WHERE l.reason = 'giveaway' AND l.idempotency_key LIKE ? ORDER BY i.user_id",
        f"giveaway:{gid}:win:%")


async def test_daily_pays_once_and_then_says_how_long_to_wait(h: Harness):
    before = h.balance(h.bob) if h.ledger(h.bob) else 50
    first = await ask(h, h.bob, "daily")
    assert first == f"+10 credits! You have {before + 10} credits. Come back in 24 hours."
    second = await ask(h, h.bob, "daily")
    assert re.fullmatch(r"You already claimed today's credits\. The next claim opens in "
                        r"2[34]h\d+m\.", second), second
    assert h.balance(h.bob) == before + 10
    assert [row[0] for row in h.ledger(h.bob, "daily")] == [10]
    history = await ask(h, h.bob, "history")
    assert history.startswith("Your last credit changes:") and "+10  daily" in history
    h.dc.assert_no_errors()


async def test_give_moves_exactly_the_amount_and_refuses_bots_and_overdrafts(h: Harness):
    erin = PEOPLE["erin"]
    await open_wallets(h, h.alice, erin)
    alice_before, erin_before = h.balance(h.alice), h.balance(erin)
    inter = await h.slash(h.alice, "give", {"user": erin, "amount": 7})
    note = await ephemeral_text(inter)
    shown = next(m for m in inter.messages if not m["flags"] & EPHEMERAL)
    assert shown["content"] == f"<@{h.alice['id']}> gave <@{erin['id']}> 7 credits."
    assert note == f"You have {alice_before - 7} credits left."
    assert (h.balance(h.alice), h.balance(erin)) == (alice_before - 7, erin_before + 7)

    to_bot = await ask(h, h.alice, "give", {"user": PEOPLE["robo"], "amount": 1})
    assert to_bot == "Bots don't need credits; give them to a person."
    too_much = await ask(h, erin, "give", {"user": h.bob, "amount": erin_before + 1000})
    assert too_much == (f"You have {erin_before + 7} credits, so you can't give "
                        f"{erin_before + 1000}.")
    assert (h.balance(h.alice), h.balance(erin)) == (alice_before - 7, erin_before + 7)
    h.dc.assert_no_errors()


async def test_a_non_admin_grant_is_refused_and_changes_nothing(h: Harness):
    erin = PEOPLE["erin"]
    rows_before, balance_before = h.ledger(erin), h.balance(erin)
    for command in ("credits grant", "credits take"):
        text = await ask(h, h.bob, command, {"user": erin, "amount": 100, "reason": "pls"})
        assert text == f"Only admins of this server or group can use /{command}."
    peek = await ask(h, h.bob, "balance", {"user": erin})
    assert peek == "Only admins of this server or group can use /balance for someone else."
    assert h.ledger(erin) == rows_before and h.balance(erin) == balance_before
    assert h.query("SELECT action, allowed FROM admin_log WHERE actor = ? ORDER BY id",
                   f"discord:{h.bob['id']}") == [
        ("/credits grant", 0), ("/credits take", 0), ("/balance for someone else", 0)]
    h.dc.assert_no_errors()


async def test_admins_by_permission_or_role_grant_and_take(h: Harness):
    erin, dave, carol = PEOPLE["erin"], PEOPLE["dave"], PEOPLE["carol"]
    before = h.balance(erin)
    granted = await ask(h, dave, "credits grant", {"user": erin, "amount": 25,
                                                   "reason": "art contest"})
    assert granted == f"Granted 25 credits to <@{erin['id']}>. They have {before + 25} credits."
    assert h.ledger(erin, "grant")[-1] == (25, "grant", f"by discord:{dave['id']}: art contest")
    peek = await ask(h, carol, "balance", {"user": erin})
    assert peek == f"<@{erin['id']}> has {before + 25} credits."
    taken = await ask(h, carol, "credits take", {"user": erin, "amount": 1_000})
    assert taken == f"Took {before + 25} credits from <@{erin['id']}>. They have 0 credits."
    assert h.balance(erin) == 0
    back = await ask(h, h.alice, "credits grant", {"user": erin, "amount": before})
    assert back.endswith(f"They have {before} credits.") and h.balance(erin) == before
    h.dc.assert_no_errors()


async def test_in_dms_only_operators_are_admins(h: Harness):
    erin = PEOPLE["erin"]
    before = h.balance(erin)
    inter = await h.slash(h.alice, "credits grant", {"user": erin, "amount": 5}, dm=True)
    assert await ephemeral_text(inter) == "Only admins of this server or group can use /credits grant."
    inter = await h.slash(PEOPLE["frank"], "credits grant", {"user": erin, "amount": 5}, dm=True)
    assert await ephemeral_text(inter) == (f"Granted 5 credits to <@{erin['id']}>. "
                                           f"They have {before + 5} credits.")
    assert h.balance(erin) == before + 5
    h.dc.assert_no_errors()


async def test_leaderboard_ranks_members_by_balance(h: Harness):
    await ask(h, h.alice, "credits grant", {"user": PEOPLE["dave"], "amount": 500})
    inter = await h.slash(h.bob, "leaderboard")
    msg = await inter.wait_message(lambda m: bool(m["embeds"]))
    assert not msg["flags"] & EPHEMERAL
    lines = msg["embeds"][0]["description"].splitlines()
    assert lines[0] == f"1. Dave: {h.balance(PEOPLE['dave'])} credits"
    names = [re.match(r"\d+\. (\w+):", line).group(1) for line in lines]  # type: ignore[union-attr]
    assert "robo" not in names and {"Alice", "Bob", "Erin"} <= set(names)
    h.dc.assert_no_errors()


async def test_giveaway_entries_live_count_end_pays_each_winner_once_and_reroll(h: Harness):
    erin, dave = PEOPLE["erin"], PEOPLE["dave"]
    alice_before = h.balance(h.alice)
    gid, msg = await start_giveaway(h, h.alice, credits=30, winners=2, duration="10m",
                                    title="Spring drop")
    assert msg["embeds"][0]["title"] == "🎉 Spring drop"
    assert field(msg, "Prize") == "2 × 30 credits (funded by the bot)"
    assert field(msg, "Entrants") == "0"
    choices = await (await h.dc.autocomplete(h.alice, "giveaway end", {"id": ""},
                                             focused="id", guild_id=GUILD_ID)).wait_choices()
    assert gid in [c["value"] for c in choices]

    people = [h.bob, erin, dave]
    before = {p["id"]: h.balance(p) for p in people}
    since = h.dc.mark()
    for person in people:
        assert (await enter(h, person, msg)).startswith("You're in **Spring drop**!")
    assert await enter(h, erin, msg) == "You left **Spring drop**. Click Enter again to rejoin."
    assert (await enter(h, erin, msg)).startswith("You're in")
    assert await enter(h, PEOPLE["robo"], msg) == "Bots can't enter giveaways."
    await h.dc.wait_until(lambda: field(h.dc.message(msg["id"]), "Entrants") == "3",
                          timeout=10, what="the live count")
    edits = [r.at for r in h.dc.requests[since:]
             if r.method == "PATCH" and r.path.endswith(f"/messages/{msg['id']}")]
    assert 1 <= len(edits) <= 3, edits  # five clicks, throttled
    assert all(b - a >= 1.9 for a, b in zip(edits, edits[1:], strict=False)), edits

    ended = await ask(h, h.alice, "giveaway end", {"id": gid})
    assert ended == f"Giveaway `{gid}` ended; the winners are announced here."
    announced = await h.dc.wait_until(lambda: [
        m for m in public(h, msg["channel_id"]) if "**Spring drop** has ended" in m["content"]])
    rows = giveaway_rows(h, gid)
    assert [delta for _, delta in rows] == [30, 30]  # two winners, each paid once
    winners = {uid for uid, _ in rows}
    assert winners < set(before)
    text = announced[0]["content"]
    assert all(f"<@{uid}>" in text for uid in winners) and f"(host: <@{h.alice['id']}>)" in text
    assert str(announced[0]["message_reference"]["message_id"]) == msg["id"]  # a reply to it
    post = next(r for r in h.dc.requests[since:] if r.method == "POST"
                and r.path == f"/channels/{msg['channel_id']}/messages")
    assert post.json["allowed_mentions"]["parse"] == ["users"]  # winners and host are pinged
    for p in people:
        assert h.balance(p) == before[p["id"]] + (30 if p["id"] in winners else 0)
    assert h.balance(h.alice) == alice_before  # the bot paid
    final = h.dc.message(msg["id"])
    assert final["embeds"][0]["title"] == "🎉 Spring drop · ended"
    assert component(final, "gw:enter:")["disabled"] is True
    with pytest.raises(FakeDiscordUsageError, match="disabled"):
        await h.dc.click_button(erin, final, f"gw:enter:{gid}")
    again = await ask(h, h.alice, "giveaway end", {"id": gid})
    assert again.startswith(f"🎉 Giveaway `{gid}` (Spring drop) ended.")
    assert len(giveaway_rows(h, gid)) == 2

    loser = next(p for p in people if p["id"] not in winners)
    reroll = await h.slash(h.bob, "giveaway reroll", {"id": gid})
    assert await ephemeral_text(reroll) == "Only admins of this server or group can use /giveaway reroll."
    reroll = await h.slash(h.alice, "giveaway reroll", {"id": gid})
    shown = await reroll.wait_message()
    assert shown["content"].startswith(f"🎉 New winner(s) of **Spring drop**: <@{loser['id']}>")
    assert h.balance(loser) == before[loser["id"]] + 30
    h.dc.assert_no_errors()


async def test_cancel_gives_a_host_funded_hold_back(h: Harness):
    erin = PEOPLE["erin"]
    bob_before = h.balance(h.bob)
    refused = await ask(h, h.bob, "giveaway start", {"credits": 1000, "winners": 1,
                                                     "duration": "1h"})
    assert refused == (f"This giveaway pays 1 x 1000 = 1000 credits from your balance, "
                       f"and you have {bob_before}.")
    too_short = await ask(h, h.bob, "giveaway start", {"credits": 1, "winners": 1,
                                                       "duration": "5s"})
    assert too_short == "A giveaway lasts at least 10 seconds."
    gid, msg = await start_giveaway(h, h.bob, credits=5, winners=2, duration="1h",
                                    title="Bob's treat")
    assert field(msg, "Prize") == "2 × 5 credits (funded by the host)"
    assert h.balance(h.bob) == bob_before - 10 and h.open_holds() == 1
    await enter(h, erin, msg)
    not_yours = await ask(h, erin, "giveaway cancel", {"id": gid})
    assert not_yours == "Only the host or an admin can use /giveaway cancel."
    listed = await ask(h, erin, "giveaway list")
    assert f"`{gid}` Bob's treat: 2 x 5 credits, 1 entered" in listed
    cancelled = await ask(h, h.bob, "giveaway cancel", {"id": gid})
    assert cancelled == f"Giveaway `{gid}` cancelled. The held credits went back to the host."
    assert h.balance(h.bob) == bob_before and h.open_holds() == 0
    await h.dc.wait_until(lambda: h.dc.message(msg["id"])["embeds"][0]["title"]
                          == "🎉 Bob's treat · cancelled", timeout=5)
    assert component(h.dc.message(msg["id"]), "gw:enter:")["disabled"] is True
    assert giveaway_rows(h, gid) == []
    h.dc.assert_no_errors()


async def test_link_gives_a_one_time_code(h: Harness):
    text = await ask(h, h.bob, "link")
    code = re.fullmatch(r"Your link code is ([A-Z2-9]{5}-[A-Z2-9]{5})\. On your other platform, "
                        r"send `/link \1` within 10 minutes\. It works once\.", text)
    assert code, text
    same_platform = await ask(h, h.alice, "link", {"code": code.group(1)})
    assert same_platform == "Use the code on your other platform: it links two different platforms."
    wrong = await ask(h, h.alice, "link", {"code": "nope"})
    assert wrong.startswith("A link code looks like ABCDE-23456.")
    h.dc.assert_no_errors()


async def test_giveaway_commands_exist_only_in_servers(h: Harness):
    assert h.dc.command("giveaway")["contexts"] == [0]
    with pytest.raises(FakeDiscordUsageError, match="not allowed in bot DMs"):
        await h.dc.slash_command(h.bob, "giveaway list", {})
    assert await ephemeral_text(await h.slash(h.bob, "daily", dm=True)) != ""
    h.dc.assert_no_errors()


async def test_giveaways_end_and_pay_once_even_if_the_bot_crashed_before_their_end(h: Harness):
    """One giveaway ends while the bot is down (it ends at start-up, announced once Discord is
    reachable); a second ends a little later on the timer re-armed after the restart."""
    erin = PEOPLE["erin"]
    before = {p["id"]: h.balance(p) for p in (h.bob, erin)}
    gid, msg = await start_giveaway(h, h.alice, credits=11, winners=2, duration="10s",
                                    title="Crash drop")
    late, _ = await start_giveaway(h, h.bob, credits=3, winners=1, duration="12s",
                                   title="Nobody came")
    ends_at = h.query("SELECT ends_at FROM giveaways WHERE id = ?", gid)[0][0]
    await enter(h, h.bob, msg)
    await enter(h, erin, msg)
    await h.bot.kill()  # a crash; the first end passes while the bot is down
    await asyncio.sleep(max(0.0, ends_at - time.time() + 0.3))
    assert h.query("SELECT status FROM giveaways WHERE id IN (?, ?)", gid, late) == [
        ("running",), ("running",)]
    await h.restart()

    def announced(title: str) -> list[dict]:
        return [m for m in public(h, msg["channel_id"]) if f"**{title}**" in m["content"]
                and "ended" in m["content"]]

    await h.dc.wait_until(lambda: announced("Crash drop"), timeout=15)
    assert sorted(giveaway_rows(h, gid)) == sorted([(h.bob["id"], 11), (erin["id"], 11)])
    await h.dc.wait_until(lambda: h.dc.message(msg["id"])["embeds"][0]["title"]
                          == "🎉 Crash drop · ended", timeout=5)
    nobody = (await h.dc.wait_until(lambda: announced("Nobody came"), timeout=15))[0]
    assert nobody["content"] == (f"🎉 **Nobody came** ended with no entrants, so nobody won. "
                                 f"The 3 credits went back to <@{h.bob['id']}>. "
                                 f"(host: <@{h.bob['id']}>)")
    assert {p["id"]: h.balance(p) for p in (h.bob, erin)} == {k: v + 11 for k, v in before.items()}
    assert len(announced("Crash drop")) == 1 and h.open_holds() == 0
    h.dc.assert_no_errors()


async def test_link_joins_a_discord_and_a_telegram_wallet(tmp_path):
    """The code from /link on Discord, sent to the bot on Telegram: one wallet for both."""
    tg_token = "7000003:AAE-link-SECRET"
    async with FakeDiscord(token=TOKEN) as dc, FakeTelegram(token=tg_token,
                                                            bot_username="link_bot") as tg:
        alice = dc.make_user(700_001, "alice", global_name="Alice")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=alice["id"])
        bot = BotProcess(tmp_path, {
            "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": dc.api_base,
            "DISCORD_GATEWAY_URL": dc.gateway_url, "TELEGRAM_TOKEN": tg_token,
            "TELEGRAM_BASE_URL": tg.base_url, "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
            "WELCOME_CREDITS": "50", "DAILY_CREDITS": "10",
        })
        await bot.start()
        try:
            await dc.wait_connected(30)
            await tg.wait_for("deleteWebhook", timeout=30)

            async def discord_says(command: str, options: dict | None = None) -> str:
                inter = await dc.slash_command(alice, command, options or {}, guild_id=GUILD_ID)
                return await ephemeral_text(inter)

            async def telegram_says(text: str, expect: str) -> str:
                since = len(tg.calls)
                tg.user_sends_text(tg.private_chat(tom), tom, text)
                call = await tg.wait_for("sendMessage", lambda c: expect in c["text"],
                                         since=since, ok=True, timeout=10)
                return str(call["text"])

            text = await discord_says("link")
            code = re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", text).group()  # type: ignore[union-attr]
            tom = tg.make_user(4242, "Tom", username="tom")
            linked = await telegram_says(f"/link {code}", "Linked")
            assert "Both accounts now share one wallet: 100 credits." in linked
            assert await discord_says("balance") == "You have 100 credits."
            await telegram_says("/daily", "+10 credits")
            assert await discord_says("balance") == "You have 110 credits."
            again = await telegram_says(f"/link {code}", "code")
            assert again.endswith("That code is wrong, used or expired. Codes work once, "
                                  "for 10 minutes.")
        finally:
            code_rc = await bot.stop()
        log = bot.log()
        assert code_rc == 0, log[-3000:]
        assert TOKEN not in log and tg_token not in log and "Traceback" not in log, log[-3000:]
        dc.assert_no_errors()
