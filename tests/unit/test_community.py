"""Community credits through the real services and SQLite: admin checks, daily, give,
grant/take, leaderboard, wallet links and giveaways (also across a restart)."""

import asyncio

import pytest

from adapters.storage.community import SqlCommunity
from adapters.storage.database import Database, open_database
from adapters.storage.giveaways import SqlGiveaways
from adapters.storage.ledger import SqlLedger
from bot.domain.community import Context, parse_duration
from bot.domain.credits import UserRef
from bot.domain.errors import InsufficientCredits, PermissionDenied, RequestError
from bot.services.community import CommunityService
from bot.services.giveaways import GiveawayService

ADMIN = UserRef("discord", "1", "Ada")
ANA = UserRef("discord", "2", "Ana")
BEN = UserRef("discord", "3", "Ben")
TG_ANA = UserRef("telegram", "20", "Ana")
GUILD = "discord:guild:9"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def ctx(user: UserRef, admin: bool = False, key: str = "", community: str = GUILD) -> Context:
    return Context(user, community, is_admin=admin, event_key=key or f"e-{user.key}-{id(object())}")


def build(db: Database, clock: Clock, **kw):  # type: ignore[no-untyped-def]
    community = CommunityService(SqlLedger(db), SqlCommunity(db), clock=clock, **kw)
    return community, GiveawayService(community, SqlGiveaways(db), clock=clock)


async def wallet(community: CommunityService, user: UserRef) -> int:
    account = await community.account(user)
    balance = await community.ledger.balance(account)
    assert await community.ledger.ledger_sum(account) == balance
    return balance


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_non_admin_grant_is_refused_logged_and_changes_nothing(db, clock):
    community, _ = build(db, clock)
    with pytest.raises(PermissionDenied, match="Only admins of this server or group"):
        await community.grant(ctx(ANA), BEN, 100, "because")
    assert await wallet(community, BEN) == 50
    rows = await db.run(lambda c: c.execute("SELECT actor, allowed FROM admin_log").fetchall())
    assert rows == [("discord:2", 0)]


async def test_admin_grant_and_take_never_below_zero(db, clock):
    community, _ = build(db, clock, admin_ids={"telegram:99"})
    assert await community.grant(ctx(ADMIN, admin=True), BEN, 25, "prize") == 75
    assert await community.take(ctx(UserRef("telegram", "99"), key="t1"), BEN, 500, "oops") == (
        75,
        0,
    )
    history = await community.history(ctx(BEN))
    assert [(h.delta, h.reason) for h in history] == [(-75, "take"), (25, "grant"), (50, "welcome")]


async def test_daily_once_per_24_hours(db, clock):
    community, _ = build(db, clock, daily_credits=10)
    assert await community.daily(ctx(ANA)) == (10, 60)
    clock.now += 3600
    with pytest.raises(RequestError, match="opens in 23h"):
        await community.daily(ctx(ANA))
    clock.now += 23 * 3600
    assert await community.daily(ctx(ANA)) == (10, 70)
    off, _ = build(db, clock, daily_credits=0)
    with pytest.raises(RequestError, match="turned off"):
        await off.daily(ctx(BEN))


async def test_give_moves_credits_atomically_and_refuses_bad_targets(db, clock):
    community, _ = build(db, clock)
    assert await community.give(ctx(ANA, key="g1"), BEN, 20) == (20, 30)
    assert await community.give(ctx(ANA, key="g1"), BEN, 20) == (20, 30)  # redelivered: once
    assert await wallet(community, BEN) == 70
    with pytest.raises(RequestError, match="yourself"):
        await community.give(ctx(ANA), ANA, 1)
    with pytest.raises(RequestError, match="Bots"):
        await community.give(ctx(ANA), UserRef("discord", "7"), 1, target_is_bot=True)
    with pytest.raises(InsufficientCredits, match="you can't give 31"):
        await community.give(ctx(ANA), BEN, 31)
    for bad in ("0", "-5", "ten", "99999999"):
        with pytest.raises(RequestError):
            await community.give(ctx(ANA), BEN, bad)
    assert await wallet(community, ANA) == 30


async def test_two_concurrent_gives_cannot_overdraw(db, clock):
    community, _ = build(db, clock)
    await community.account(ANA)
    results = await asyncio.gather(
        community.give(ctx(ANA, key="a"), BEN, 40),
        community.give(ctx(ANA, key="b"), BEN, 40),
        return_exceptions=True,
    )
    assert sum(isinstance(r, InsufficientCredits) for r in results) == 1
    assert (await wallet(community, ANA), await wallet(community, BEN)) == (10, 90)


async def test_leaderboard_lists_members_seen_here(db, clock):
    community, _ = build(db, clock)
    for user in (ANA, BEN):
        await community.seen(ctx(user), user.name.lower())
    await community.give(ctx(ANA), BEN, 15)
    await community.seen(ctx(ADMIN, community="discord:guild:other"))
    assert await community.leaderboard(ctx(ANA)) == [("Ben", 65), ("Ana", 35)]


async def test_linking_merges_balances_exactly_and_spending_shares_one_wallet(db, clock):
    community, _ = build(db, clock)
    await community.give(ctx(ANA), BEN, 10)  # Ana 40 on Discord
    await community.account(TG_ANA)  # Ana 50 on Telegram
    code = await community.link_start(ctx(ANA))
    tg = ctx(TG_ANA, community="telegram:chat:20")
    assert await community.link_finish(tg, code) == 90
    assert await wallet(community, ANA) == await wallet(community, TG_ANA) == 90
    with pytest.raises(RequestError, match="wrong, used or expired"):
        await community.link_finish(tg, code)  # single use
    await community.give(ctx(TG_ANA, community="telegram:chat:20"), BEN, 5)
    assert await wallet(community, ANA) == 85
    reasons = [h.reason for h in await community.history(ctx(ANA), 20)]
    assert "welcome" in reasons and reasons.count("link") == 2  # both histories stay


async def test_link_codes_expire_and_cannot_be_guessed(db, clock):
    community, _ = build(db, clock)
    code = await community.link_start(ctx(ANA))
    clock.now += 601
    with pytest.raises(RequestError, match="expired"):
        await community.link_finish(ctx(TG_ANA), code)
    fresh = await community.link_start(ctx(ANA))
    for _ in range(4):
        with pytest.raises(RequestError, match="wrong"):
            await community.link_finish(ctx(TG_ANA), "ZZZZZ-ZZZZZ")
    with pytest.raises(RequestError, match="Too many wrong codes"):
        await community.link_finish(ctx(TG_ANA), fresh)  # locked out, even with the right one
    assert await wallet(community, TG_ANA) == 50 and await wallet(community, ANA) == 50


def test_durations():
    assert parse_duration("1h30m") == 5400 and parse_duration("2d") == 172800
    assert parse_duration("30s") == 30 and parse_duration("10m") == 600
    for bad in ("5s", "31d", "soon", "", "1x", "h"):
        with pytest.raises(RequestError):
            parse_duration(bad)


async def test_bot_funded_giveaway_pays_each_winner_once(db, clock):
    community, giveaways = build(db, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s1"), 100, 2, "1h", "Summer drop")
    assert g.funded_by == "bot" and await wallet(community, ADMIN) == 50
    for user in (ANA, BEN, TG_ANA):
        await giveaways.toggle(ctx(user), g.id)
    inside, g2 = await giveaways.toggle(ctx(BEN), g.id)  # clicking again leaves
    assert (inside, g2.entrants) == (False, 2)
    await giveaways.toggle(ctx(BEN), g.id)
    # An admin's /giveaway end racing the timer: exactly one of them ends and pays.
    outcomes = await asyncio.gather(
        giveaways.end(ctx(ADMIN, admin=True), g.id), giveaways.finish(g.id)
    )
    [fresh] = [o for o in outcomes if not o.already_ended]
    winners = fresh.winners
    balances = [await wallet(community, u) for u in (ANA, BEN, TG_ANA)]
    assert sorted(balances) == [50, 150, 150] and len(winners) == 2
    with pytest.raises(RequestError, match="ended"):
        await giveaways.toggle(ctx(ANA), g.id)


async def test_host_funded_giveaway_holds_and_returns_the_rest(db, clock):
    community, giveaways = build(db, clock)
    with pytest.raises(InsufficientCredits, match="3 x 20 = 60"):
        await giveaways.start(ctx(ANA), 20, 3, "10m")
    g = await giveaways.start(ctx(ANA, key="s2"), 10, 3, "10m", "Ana's drop")
    assert g.funded_by == "host" and await wallet(community, ANA) == 20
    await giveaways.toggle(ctx(BEN), g.id)
    outcome = await giveaways.end(ctx(ANA), g.id)  # the host may end it
    assert [u.key for u in outcome.winners] == [BEN.key] and outcome.returned_to_host == 20
    assert await wallet(community, ANA) == 40 and await wallet(community, BEN) == 60
    assert await community.ledger.open_holds() == []


async def test_cancel_returns_the_hold_and_only_host_or_admin_may(db, clock):
    community, giveaways = build(db, clock)
    g = await giveaways.start(ctx(ANA, key="s3"), 5, 2, "1h")
    with pytest.raises(PermissionDenied, match="host or an admin"):
        await giveaways.cancel(ctx(BEN), g.id)
    await giveaways.cancel(ctx(ADMIN, admin=True), g.id)
    assert await wallet(community, ANA) == 50


async def test_nobody_entered_gives_the_funds_back(db, clock):
    community, giveaways = build(db, clock)
    g = await giveaways.start(ctx(ANA, key="s4"), 5, 2, "10s")
    outcome = await giveaways.finish(g.id)
    assert outcome.winners == [] and outcome.returned_to_host == 10
    assert await wallet(community, ANA) == 50


async def test_giveaway_ends_on_time_across_a_restart(db_url, clock):
    """The first process starts a giveaway and dies; the next one re-arms it at start-up
    (the end passed while it was down), ends it at once, and pays each winner once."""
    url = db_url
    db1 = await open_database(url)
    community, giveaways = build(db1, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s5"), 7, 1, "30s")
    await giveaways.toggle(ctx(ANA), g.id)
    await giveaways.close()  # the process dies: its timer dies with it
    await db1.close()
    clock.now += 3600  # the bot was down when the giveaway should have ended
    db2 = await open_database(url)
    try:
        community2, giveaways2 = build(db2, clock)
        announced = asyncio.Event()

        async def announce(outcome):  # type: ignore[no-untyped-def]
            announced.set()

        giveaways2.register_announcer("discord", announce)
        assert await giveaways2.rearm() == 1
        await asyncio.wait_for(announced.wait(), 5)
        assert await wallet(community2, ANA) == 57
        assert (await giveaways2.rearm()) == 0
        assert (await giveaways2.finish(g.id)).already_ended
        assert await wallet(community2, ANA) == 57
    finally:
        await giveaways2.close()
        await db2.close()


async def test_reroll_draws_someone_new_admins_only(db, clock):
    community, giveaways = build(db, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s6"), 5, 1, "1h")
    for user in (ANA, BEN):
        await giveaways.toggle(ctx(user), g.id)
    first = (await giveaways.finish(g.id)).winners
    with pytest.raises(PermissionDenied):
        await giveaways.reroll(ctx(ANA), g.id)
    second = await giveaways.reroll(ctx(ADMIN, admin=True), g.id)
    assert {u.key for u in first + second} == {ANA.key, BEN.key}
    with pytest.raises(RequestError, match="nobody is left"):
        await giveaways.reroll(ctx(ADMIN, admin=True), g.id)
    assert await wallet(community, ANA) == await wallet(community, BEN) == 55


@pytest.mark.parametrize(
    "credits, winners, duration, words",
    [
        (0, 1, "1h", "at least 1"),
        (5, 51, "1h", "1 to 50"),
        (5, 1, "5s", "at least 10 seconds"),
        ("x", 1, "1h", "whole number"),
        (5, 1, "45d", "at most 30 days"),
    ],
)
async def test_giveaway_input_errors(db, clock, credits, winners, duration, words):
    community, giveaways = build(db, clock)
    with pytest.raises(RequestError, match=words):
        await giveaways.start(ctx(ADMIN, admin=True), credits, winners, duration)
    assert await giveaways.list(ctx(ADMIN)) == []


async def test_a_giveaway_that_ends_before_its_platform_is_up_is_announced_later(db, clock):
    community, giveaways = build(db, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s7"), 5, 1, "10s")
    await giveaways.toggle(ctx(ANA), g.id)
    await giveaways.finish(g.id)  # no announcer registered yet (platform still starting)
    heard: list[str] = []

    async def announce(outcome):  # type: ignore[no-untyped-def]
        heard.append(outcome.giveaway.id)

    giveaways.register_announcer("discord", announce)
    await asyncio.gather(*giveaways._tasks)
    assert heard == [g.id] and (await giveaways.get(g.id)).status == "ended"
    await giveaways.close()


async def test_an_end_nobody_heard_of_is_announced_after_a_restart_once(db_url, clock):
    url = db_url
    db1 = await open_database(url)
    _, giveaways = build(db1, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s8"), 5, 1, "10s")
    await giveaways.toggle(ctx(ANA), g.id)
    await giveaways.finish(g.id)  # paid, but the process dies before any platform is up
    await giveaways.close()
    await db1.close()
    db2 = await open_database(url)
    try:
        community2, giveaways2 = build(db2, clock)
        heard: list[list[str]] = []

        async def announce(outcome):  # type: ignore[no-untyped-def]
            heard.append([u.key for u in outcome.winners])

        giveaways2.register_announcer("discord", announce)
        await giveaways2.rearm({"discord"})
        await giveaways2.rearm({"discord"})  # a second start does not repeat it
        assert heard == [[ANA.key]]
        assert await wallet(community2, ANA) == 55
    finally:
        await giveaways2.close()
        await db2.close()


async def test_two_processes_starting_together_announce_an_unheard_end_once(db_url, clock):
    db1 = await open_database(db_url)
    _, giveaways = build(db1, clock)
    g = await giveaways.start(ctx(ADMIN, admin=True, key="s9"), 5, 1, "10s")
    await giveaways.toggle(ctx(ANA), g.id)
    await giveaways.finish(g.id)  # paid; the process dies before it could announce
    await giveaways.close()
    await db1.close()
    dbs = [await open_database(db_url) for _ in range(2)]
    heard: list[str] = []

    async def announce(outcome):  # type: ignore[no-untyped-def]
        heard.append(outcome.giveaway.id)

    services = [build(d, clock)[1] for d in dbs]
    try:
        for service in services:
            service.register_announcer("discord", announce)
        await asyncio.gather(*(s.rearm({"discord"}) for s in services))
        assert heard == [g.id]
    finally:
        for service, d in zip(services, dbs, strict=True):
            await service.close()
            await d.close()
