"""The safety policy enforced in the core: before any credit moves or provider is called,
for /imagine, reruns and compare clicks (checked where they are clicked, as the clicker),
bans, automatic timeouts on a fake clock, the audit, and the /safety commands."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.storage.community import SqlCommunity
from adapters.storage.ledger import SqlLedger
from adapters.storage.safety import SqlSafety
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import GenerationFailed, PermissionDenied, RequestError
from bot.domain.prompt_filter import load_rules
from bot.domain.requests import parse_imagine
from bot.domain.safety import ChannelRef, Level, Place, SafetyBlocked
from bot.services.command_table import build_commands
from bot.services.community import CommunityService
from bot.services.community_text import CommunityText
from bot.services.giveaways import GiveawayService
from bot.services.safety import Escalation, SafetyService, parse_span
from tests.conftest import DATA, build_service
from tests.unit.scripted import Scripted

ANA = UserRef("discord", "1", "Ana")
BEN = UserRef("discord", "2", "Ben")
G = "discord:guild:9"
GENERAL = Place("discord", G, channel="10")
NSFW = Place("discord", G, channel="11", age_restricted=True)
KIDS = Place("discord", G, channel="12")
DM = Place.private("discord", "1")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(db, clock):  # type: ignore[no-untyped-def]
    provider = Scripted("demo")
    service = build_service(db, demo=provider)
    safety = SafetyService(SqlSafety(db), load_rules(DATA / "safety.toml"),
                           max_level=Level.MATURE, clock=clock, log_prompts=True)
    service.safety = safety
    community = CommunityService(SqlLedger(db), SqlCommunity(db), clock=clock)
    text = CommunityText(build_commands(community, GiveawayService(community, None),  # type: ignore[arg-type]
                                        store=None, safety=safety))  # type: ignore[arg-type]
    return service, safety, provider, text


def req(service, text: str):  # type: ignore[no-untyped-def]
    return parse_imagine(text, service.catalog, service.planner.intents)


async def balance(service, user=ANA) -> int:  # type: ignore[no-untyped-def]
    account = await service.account(user)
    value = await service.ledger.balance(account)
    assert await service.ledger.ledger_sum(account) == value
    return value


async def run(text: CommunityText, line: str, user=ANA, admin=True, place=GENERAL,
              resolve=None) -> str:  # type: ignore[no-untyped-def]
    command, _, args = line.lstrip("/").partition(" ")
    ctx = Context(user, place.community, is_admin=admin, event_key=f"e{id(object())}",
                  place=place)

    async def nobody(word):  # type: ignore[no-untyped-def]
        return None

    return (await text.handle(ctx, command, args, resolve or nobody)).text


async def test_a_blocked_prompt_costs_nothing_and_calls_no_provider(world):
    service, safety, provider, _ = world
    before = await balance(service)
    for prompt, kind in (("a nude woman", "level"), ("a nude child", "operator")):
        with pytest.raises(SafetyBlocked) as caught:
            await service.generate(req(service, prompt), ANA, f"e-{prompt}", place=GENERAL)
        assert caught.value.kind == kind
        assert "nude" not in caught.value.user_message and "Nothing was charged" in \
            caught.value.user_message
    assert provider.calls == [] and await balance(service) == before
    log = await safety.log(G, ANA)
    assert [(r.verdict, r.rule, r.channel) for r in log] == [
        ("blocked", "operator", "10"), ("blocked", "level", "10")]
    assert log[0].prompt == "a nude child"  # SAFETY_LOG_PROMPTS=true here


async def test_each_place_has_its_level(world):
    service, safety, provider, _ = world
    await safety.store.set_level(G, "", Level.MATURE, "admin", 0.0)
    # Mature applies in the age-restricted channel only; elsewhere it falls back.
    result = await service.generate(req(service, "a nude statue"), ANA, "e1", place=NSFW)
    assert result.job.status in ("succeeded", "running") and len(provider.calls) == 1
    assert provider.calls[-1][1].safety_level == "mature"  # the vendor knobs of the place
    assert (await service.job(result.job.id)).safety_level == "mature"
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a nude statue"), ANA, "e2", place=GENERAL)
    # DMs are strict by default, whatever the server says.
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a woman in a bikini"), ANA, "e3", place=DM)
    await service.generate(req(service, "a woman in a bikini"), ANA, "e4", place=GENERAL)
    assert provider.calls[-1][1].safety_level == "standard"
    # No place named: treated as a private chat.
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a woman in a bikini"), ANA, "e5")
    assert len(provider.calls) == 2


async def test_a_rerun_clicked_in_a_stricter_channel_is_blocked(world):
    service, safety, provider, _ = world
    safety.escalation = Escalation(strikes=0)  # three blocks in a row: no timeout here
    await safety.store.set_level(G, "12", Level.STRICT, "admin", 0.0)
    first = await service.generate(req(service, "a zombie covered in blood"), ANA, "e1",
                                   place=GENERAL)
    before = await balance(service, BEN)
    for click in (service.rerun(first.job.id, BEN, "c1", place=KIDS),
                  service.rerun(first.job.id, BEN, "c2", "flux-pro", place=KIDS),
                  service.compare(first.job.id, BEN, "c3", place=KIDS)):
        with pytest.raises(SafetyBlocked) as caught:
            await click
        assert caught.value.kind == "level"
    assert len(provider.calls) == 1 and await balance(service, BEN) == before
    await service.rerun(first.job.id, BEN, "c4", place=GENERAL)  # fine where it was made
    assert len(provider.calls) == 2


async def test_a_banned_member_cannot_generate_or_rerun_someone_elses_image(world, clock):
    service, safety, provider, text = world
    first = await service.generate(req(service, "a fox"), ANA, "e1", place=GENERAL)
    reply = await run(text, "/safety ban discord:2 1h30m spamming", place=GENERAL)
    assert "cannot make images here until" in reply
    before = await balance(service, BEN)
    with pytest.raises(SafetyBlocked) as caught:
        await service.rerun(first.job.id, BEN, "c1", place=GENERAL)
    assert caught.value.kind == "ban" and "spamming" in caught.value.user_message
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a fox"), BEN, "e2", place=NSFW)
    # Only in this server; and it expires.
    await service.generate(req(service, "a fox"), BEN, "e3",
                           place=Place("discord", "discord:guild:77", channel="1"))
    clock.now += parse_span("1h31m")
    await service.rerun(first.job.id, BEN, "c2", place=GENERAL)
    assert len(provider.calls) == 3 and await balance(service, BEN) == before - 10
    # Until lifted, then lifted.
    await run(text, "/safety ban discord:2", place=GENERAL)
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a fox"), BEN, "e4", place=GENERAL)
    assert "again" in await run(text, "/safety unban discord:2", place=GENERAL)
    await service.generate(req(service, "a fox"), BEN, "e5", place=GENERAL)


async def test_repeated_blocks_escalate_to_timeouts(world, clock):
    service, safety, provider, _ = world
    assert safety.escalation == Escalation(3, 86400.0, (3600.0, 21600.0, 86400.0))

    async def blocked(n: int) -> str:
        with pytest.raises(SafetyBlocked) as caught:
            await service.generate(req(service, "porn"), BEN, f"b{clock.now}{n}",
                                   place=GENERAL)
        return caught.value.user_message

    async def can_generate() -> bool:
        try:
            await service.generate(req(service, "a fox"), BEN, f"ok{clock.now}", place=GENERAL)
        except SafetyBlocked:
            return False
        return True

    for expected in (3600, 6 * 3600, 86400, 86400):
        assert "timed out" not in await blocked(1)
        assert "timed out" not in await blocked(2)
        assert "timed out here for" in await blocked(3)
        assert not await can_generate()
        clock.now += expected - 60
        assert not await can_generate()  # a minute before the end
        clock.now += 61
        assert await can_generate()
        clock.now += 86400  # the earlier blocks leave the 24-hour window
    # Blocks spread out over more than a day never add up.
    for _ in range(5):
        await blocked(9)
        await blocked(8)
        clock.now += 86401
    assert await can_generate()


async def test_safety_commands_show_set_words_log(world):
    service, safety, provider, text = world
    shown = await run(text, "/safety", admin=False, place=GENERAL)
    assert shown.startswith("Safety level here: standard.") and "not set" in shown
    reply = await run(text, "/safety set mature", place=GENERAL)
    assert "falls back to standard" in reply and "age-restricted" in reply
    assert "Now applies there: standard" in reply
    assert "strict" in await run(text, "/safety set strict", place=GENERAL)
    assert (await safety.policy(GENERAL)).level is Level.STRICT
    assert "Safety level here: strict" in await run(text, "/safety show", admin=False,
                                                      place=NSFW)
    # A channel override (Discord passes the picked channel as a ChannelRef).
    ctx = Context(ANA, G, is_admin=True, event_key="x", place=GENERAL)
    from bot.services.commands import Call

    class Args:
        def get(self, name):  # type: ignore[no-untyped-def]
            return {"level": "mature", "channel": ChannelRef("11", "after-dark", True)}[name]

        async def user(self, name):  # type: ignore[no-untyped-def]
            return None

    reply = (await text.commands.run("safety set", Call(ctx, Args()))).text
    assert reply.startswith("Safety set: mature for #after-dark. Now applies there: mature.")
    assert (await safety.policy(NSFW)).level is Level.MATURE
    assert "channel override: mature" in await run(text, "/safety", admin=False, place=NSFW)
    # Words.
    assert "Blocked here: clown" in await run(text, "/safety words add clown", place=GENERAL)
    assert "re:\\bcorp\\b" in await run(text, "/safety words add re:\\bcorp\\b", place=GENERAL)
    assert "clown" in await run(text, "/safety words list", place=GENERAL)
    with pytest.raises(SafetyBlocked) as caught:
        await service.generate(req(service, "a c l o w n"), ANA, "w1", place=NSFW)
    assert caught.value.kind == "server"
    assert "No longer" in await run(text, "/safety words remove clown", place=GENERAL)
    await service.generate(req(service, "a clown"), ANA, "w2", place=NSFW)
    with pytest.raises(RequestError):
        await run(text, "/safety words add re:(a+)+", place=GENERAL)
    log = await run(text, "/safety log", place=GENERAL)
    assert "blocked (server)" in log
    # Back to the default.
    assert "back to the default" in await run(text, "/safety set default", place=GENERAL)
    assert (await safety.policy(GENERAL)).level is Level.STANDARD


@pytest.mark.parametrize("line", ["/safety set strict", "/safety words add x",
                                  "/safety words list", "/safety ban discord:1",
                                  "/safety unban discord:1", "/safety log"])
async def test_non_admins_are_refused_and_logged(world, db, line):
    service, safety, _, text = world
    with pytest.raises(PermissionDenied) as caught:
        await run(text, line, user=BEN, admin=False, place=GENERAL)
    assert "Only admins" in caught.value.user_message
    assert (await safety.policy(GENERAL)).level is Level.STANDARD
    assert await safety.words(G) == []

    def rows(conn):  # type: ignore[no-untyped-def]
        return conn.execute("SELECT actor, action, allowed FROM admin_log").fetchall()

    logged = await db.run(rows)
    assert [tuple(r) for r in logged][-1][0] == "discord:2" and logged[-1][2] == 0


async def test_settings_in_a_dm_are_refused_with_the_reason(world):
    _, _, _, text = world
    with pytest.raises(RequestError) as caught:
        await run(text, "/safety set mature", place=DM)
    assert "Private chats use the bot's level (strict)" in caught.value.user_message
    assert "Safety level here: strict" in await run(text, "/safety", admin=False, place=DM)


async def test_a_telegram_group_can_be_mature_and_a_channel_option_is_refused(world):
    service, safety, provider, text = world
    group = Place("telegram", "telegram:chat:-100")
    tg = UserRef("telegram", "5", "Tom")
    assert "Now applies there: mature" in await run(text, "/safety set mature", user=tg,
                                                     place=group)
    await service.generate(req(service, "a nude statue"), tg, "t1", place=group)
    with pytest.raises(RequestError):
        await run(text, "/safety set strict channel:#x", user=tg, place=group)
    private = Place.private("telegram", "5")
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a nude statue"), tg, "t2", place=private)


async def test_the_operator_cap_wins(world):
    service, safety, _, text = world
    safety.max_level = Level.STANDARD
    await safety.store.set_level(G, "11", Level.MATURE, "admin", 0.0)
    assert (await safety.policy(NSFW)).level is Level.STANDARD
    assert "operator cap" in await run(text, "/safety", place=NSFW)
    with pytest.raises(SafetyBlocked):
        await service.generate(req(service, "a nude statue"), ANA, "c1", place=NSFW)


@pytest.mark.parametrize("bad", ["soon", "0m", "400d", "5x"])
def test_ban_durations_are_checked(bad):
    with pytest.raises(RequestError):
        parse_span(bad)


class Flagging(Scripted):
    """A vendor whose moderation signal flags every image."""

    async def generate(self, route, spec, record):  # type: ignore[no-untyped-def]
        image = await super().generate(route, spec, record)
        return dataclasses.replace(image, flagged=True, flag_reason="the checker flagged it")


async def test_flagged_output_is_refunded_outside_mature_and_a_spoiler_inside(db, clock):
    provider = Flagging("demo")
    service = build_service(db, demo=provider)
    safety = SafetyService(SqlSafety(db), load_rules(DATA / "safety.toml"),
                           max_level=Level.MATURE, clock=clock)
    service.safety = safety
    await safety.store.set_level(G, "11", Level.MATURE, "admin", 0.0)
    before = await balance(service)
    with pytest.raises(GenerationFailed) as caught:
        await service.generate(req(service, "a fox"), ANA, "f1", place=GENERAL)
    assert caught.value.rejected and "not posted here" in caught.value.user_message
    assert "refunded" in caught.value.user_message
    assert await balance(service) == before and len(provider.calls) == 1  # no other route
    result = await service.generate(req(service, "a fox"), ANA, "f2", place=NSFW)
    assert result.image.flagged  # posted, as a spoiler, by each surface
    assert await balance(service) == before - result.job.cost
    log = await safety.log(G, ANA)
    assert [(r.verdict, r.rule, r.channel) for r in log] == [
        ("spoilered", "vendor", "11"), ("refused", "vendor", "10")]
    assert "not posted here" in log[1].vendor_reason and log[0].prompt is None


async def test_an_edit_instruction_is_checked_before_any_charge(world):
    """Edits and variations pass the same policy: a blocked instruction costs nothing and
    reaches no provider."""
    import io

    from PIL import Image

    from bot.services.image_intake import normalise

    service, safety, provider, _ = world
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(out, "PNG")
    before = await balance(service)
    with pytest.raises(SafetyBlocked):
        await service.edit([normalise(out.getvalue())], "make her nude", ANA, "e-edit",
                           place=GENERAL)
    safety.escalation = Escalation(strikes=0)  # repeated blocks: no timeout here
    await safety.store.set_level(G, "12", Level.STRICT, "admin", 0.0)
    first = await service.generate(req(service, "a zombie covered in blood --model flux-pro"),
                                   ANA, "e-g", place=GENERAL)
    spent = await balance(service)
    assert provider.calls[-1][1].images == ()
    calls = len(provider.calls)
    with pytest.raises(SafetyBlocked):  # varied where it is clicked: a stricter channel
        await service.vary(first.job.id, ANA, "e-vary", place=KIDS)
    with pytest.raises(SafetyBlocked):
        await service.edit_result(first.job.id, "more blood", ANA, "e-edit2", place=KIDS)
    assert len(provider.calls) == calls and await balance(service) == spent < before
    await service.vary(first.job.id, ANA, "e-vary2", place=GENERAL)  # fine where it was made
    assert provider.calls[-1][1].mode == "vary"
