"""Webhook mode: the real bot serves PTB's webhook server; the fake Telegram POSTs updates to it.

One bot process for most of the module (module-scoped `h`); start-up refusals run their own
short-lived processes; the fleet test runs two bot processes on one SQLite file behind a
round-robin proxy (tests/e2e/roundrobin.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr

from adapters.telegram.webhook import (
    MAX_CONNECTIONS,
    WebhookConfigError,
    parse_listen,
    webhook_config,
)
from bot.settings import Settings
from tests.e2e.botprocess import BotProcess
from tests.e2e.roundrobin import RoundRobin
from tests.e2e.telegram.conftest import (
    BOT_USERNAME,
    TOKEN,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    Harness,
    bot_env,
    button,
    caption_balance,
    caption_cost,
    free_port,
    replies_to,
    running_bot,
    wait_listening,
    webhook_env,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_webhook import SECRET_HEADER

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tg-webhook")
    async with running_bot(tmp, webhook=True, WELCOME_CREDITS="50") as harness:
        harness.tg.webhook_attempts = 5  # Telegram retries too; the bot binds after setWebhook
        yield harness


def person(h: Harness, uid: int, name: str) -> tuple[dict, dict]:
    user = h.tg.make_user(uid, name, username=name.lower())
    return user, h.tg.private_chat(user)


async def in_log(bot: BotProcess, text: str, count: int = 1, timeout: float = 10) -> None:  # noqa: ASYNC109
    """Until `text` appears `count` times in the bot's log."""
    deadline = time.monotonic() + timeout
    while bot.log().count(text) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} x{count} not in the log: {bot.log()[-2000:]}")
        await asyncio.sleep(0.05)


def job_of(photo) -> str:
    """The job id a result photo's buttons carry (`r:<job id>:...`)."""
    return button(photo, "Again")["callback_data"].split(":")[1]


def photos_in(h: Harness, chat: dict) -> list:
    return [c for c in h.tg.calls_to("sendPhoto") if c.ok and c["chat_id"] == chat["id"]]


# -- one bot in webhook mode ----------------------------------------------------------------


async def test_the_bot_sets_its_webhook_with_the_secret_and_never_polls(h: Harness):
    [registered] = h.tg.calls_to("setWebhook")
    assert registered.ok
    assert registered["url"] == f"http://127.0.0.1:{h.webhook_port}{WEBHOOK_PATH}"
    assert registered["secret_token"] == WEBHOOK_SECRET
    assert registered["allowed_updates"] == ["message", "callback_query", "pre_checkout_query"]
    assert registered["max_connections"] == MAX_CONNECTIONS
    assert h.tg.webhook is not None and h.tg.webhook.secret_token == WEBHOOK_SECRET
    assert h.tg.calls_to("getUpdates") == [] and h.tg.calls_to("deleteWebhook") == []
    # The "running" line follows setWebhook by a moment: wait for it, do not race it.
    line = f"webhook on http://127.0.0.1:{h.webhook_port}{WEBHOOK_PATH}"
    deadline = time.monotonic() + 10
    while line not in h.bot.log():
        assert time.monotonic() < deadline, h.bot.log()
        await asyncio.sleep(0.05)


async def test_imagine_by_webhook_answers_with_a_photo(h: Harness):
    ann, chat = person(h, 6001, "Ann")
    message, photo = await h.imagine(chat, ann, "/imagine a lighthouse --model flux-pro")
    assert "Flux Pro" in photo["caption"] and photo.files["photo"].data.startswith(b"\x89PNG")
    assert caption_balance(photo) == 45 == h.balance(ann)
    update = h.tg.update_with(message=message)
    [delivery] = h.tg.deliveries_of(update["update_id"])
    assert (delivery.status, delivery.secret) == (200, WEBHOOK_SECRET)


async def test_a_button_click_by_webhook_runs_and_is_answered(h: Harness):
    ben, chat = person(h, 6002, "Ben")
    _, photo = await h.imagine(chat, ben, "/imagine a canyon --model flux-2-klein")
    query_id, [again] = await h.click(chat, ben, photo, button(photo, "BitDance")["callback_data"])
    assert "BitDance" in again["caption"] and caption_balance(again) == 45 == h.balance(ben)
    assert h.tg.callback_answers[query_id]["text"]  # answered, with a status line
    assert h.tg.unanswered_callback_queries() == []


async def test_an_update_delivered_again_is_charged_once(h: Harness):
    cat, chat = person(h, 6003, "Cat")
    since = h.mark()
    message = h.tg.user_sends_text(chat, cat, "/imagine a glacier --model flux-pro")
    await h.photo_for(message, since)
    update = h.tg.update_with(message=message)
    duplicates = h.bot.log().count("duplicate event for job")
    h.tg.deliver_again(update)  # Telegram did not see our 200 in time: the same update_id again
    await h.tg.wait_delivered(lambda d: d.update_id == update["update_id"] and d.ok, count=2)
    await in_log(h.bot, "duplicate event for job", duplicates + 1)
    assert [d.update_id for d in h.tg.deliveries_of(update["update_id"]) if d.ok] == [
        update["update_id"]] * 2
    assert len(photos_in(h, chat)) == 1 and h.balance(cat) == 45


async def test_the_same_update_arriving_three_times_at_once_is_charged_once(h: Harness):
    dan, chat = person(h, 6004, "Dan")
    message = h.tg.user_sends_text(chat, dan, "/imagine a volcano --model flux-pro", deliver=False)
    update = h.tg.make_update({"message": message})
    duplicates = h.bot.log().count("duplicate event for job")
    since = h.mark()
    statuses = await asyncio.gather(*(h.tg.post_update(update) for _ in range(3)))
    assert statuses == [200] * 3  # all accepted and handled at once; the database keeps one
    photo = await h.photo_for(message, since)
    await in_log(h.bot, "duplicate event for job", duplicates + 2)
    await h.settle(chat, dan)
    assert caption_balance(photo) == 45 == h.balance(dan)
    [charge] = h.ledger(dan, "generation")
    assert charge[0] == -5
    assert [c.method for c in h.tg.calls[since:] if replies_to(c, message)] == ["sendPhoto"]


async def test_a_click_arriving_twice_at_once_is_charged_once(h: Harness):
    eve, chat = person(h, 6005, "Eve")
    _, photo = await h.imagine(chat, eve, "/imagine a meadow --model flux-2-klein")
    data = button(photo, "Again")["callback_data"]
    since = h.mark()
    query_id = h.tg.user_clicks(chat, eve, photo.result, data)
    update = h.tg.update_with(query_id=query_id)
    h.tg.deliver_again(update)
    again = await h.photo_for(photo.result, since)
    await h.answered(query_id)
    await h.tg.wait_delivered(lambda d: d.update_id == update["update_id"] and d.ok, count=2)
    await h.settle(chat, eve)
    assert caption_balance(again) == 48 == h.balance(eve)
    assert len(photos_in(h, chat)) == 2  # the first image and one re-run, not two


async def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(h: Harness):
    fay, chat = person(h, 6006, "Fay")
    message = h.tg.user_sends_text(chat, fay, "/imagine a forgery --model flux-pro", deliver=False)
    update = h.tg.make_update({"message": message})
    jobs, calls = h.jobs(), h.mark()
    for secret in ("wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1], None):
        assert await h.tg.post_update(update, secret=secret) == 403, secret
    # PTB refuses before the update is queued, so there is nothing in flight to wait for.
    assert h.tg.calls[calls:] == [] and h.jobs() == jobs and h.account(fay) is None
    url = f"http://127.0.0.1:{h.webhook_port}"
    async with aiohttp.ClientSession() as session:
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        async with session.post(f"{url}/other/path", json=update, headers=headers) as resp:
            assert resp.status == 404
        async with session.get(f"{url}{WEBHOOK_PATH}", headers=headers) as resp:
            assert resp.status == 405
    assert h.tg.calls[calls:] == [] and h.jobs() == jobs
    # The very same update with the right secret is real work: the refusals were the secret.
    since = h.mark()
    assert await h.tg.post_update(update) == 200
    photo = await h.photo_for(message, since)
    assert caption_balance(photo) == 45 == h.balance(fay)


async def test_sigterm_finishes_work_in_flight_stops_the_server_and_keeps_the_webhook(
    h: Harness,
):
    gus, chat = person(h, 6007, "Gus")
    await h.restart(DEMO_DELAY_SECONDS="1.5")
    since = h.mark()
    message = h.tg.user_sends_text(chat, gus, "/imagine a slow sunrise --model flux-pro")
    await h.tg.wait_for("sendChatAction", lambda c: c["chat_id"] == gus["id"], since=since)
    assert await h.bot.stop() == 0  # SIGTERM: a clean exit, after the photo went out
    photo = await h.photo_for(message, since, timeout=1)
    assert caption_balance(photo) == 45 == h.balance(gus)
    log = h.bot.log()
    assert "Telegram bot stopping" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log and WEBHOOK_SECRET not in log
    assert h.tg.calls_to("deleteWebhook") == [] and h.tg.webhook is not None  # other replicas
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", h.webhook_port)
    await h.restart(DEMO_DELAY_SECONDS="0.05")  # back up for the fixture's checks at the end
    assert len(h.tg.calls_to("setWebhook")) == 3
    _, photo = await h.imagine(chat, gus, "/imagine after a restart --model flux-2-klein")
    assert caption_balance(photo) == 44


# -- refusing to start ----------------------------------------------------------------------


async def refused_start(tmp: Path, tg: FakeTelegram, **env: str) -> str:
    """Run the bot with a bad webhook set-up; it must exit by itself. Returns its log."""
    bot = BotProcess(tmp, bot_env(tg, **env))
    await bot.start()
    assert bot.proc is not None
    try:
        await asyncio.wait_for(bot.proc.wait(), 30)
    finally:
        await bot.stop()
    return bot.log()


async def test_webhook_mode_refuses_to_start_without_a_valid_secret_or_with_the_token_in_the_url(
    tmp_path: Path,
):
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, allow_local_webhooks=True) as tg:
        port = free_port()
        cases = {
            "no-secret": ({"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET is required"),
            "bad-secret": ({"TELEGRAM_WEBHOOK_SECRET": "not allowed!"}, "must be 1-256 characters"),
            "long-secret": ({"TELEGRAM_WEBHOOK_SECRET": "a" * 257}, "must be 1-256 characters"),
            "token-url": (
                {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/{TOKEN}"},
                "must not contain the bot token",
            ),
            "bad-listen": ({"TELEGRAM_WEBHOOK_LISTEN": "8443"}, "TELEGRAM_WEBHOOK_LISTEN must be"),
        }
        for name, (override, why) in cases.items():
            (tmp_path / name).mkdir()
            log = await refused_start(tmp_path / name, tg, **{**webhook_env(port), **override})
            assert "Telegram webhook mode is misconfigured" in log and why in log, name
            assert TOKEN not in log and "Traceback" not in log, name
        assert tg.calls == []  # it never even said hello to Telegram


async def test_a_webhook_url_telegram_refuses_stops_the_telegram_bot_with_a_clear_error(
    tmp_path: Path,
):
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as strict:  # HTTPS only
        log = await refused_start(tmp_path, strict, **webhook_env(free_port()))
    [refused] = strict.calls_to("setWebhook")
    assert refused.status == 400 and "HTTPS URL must be provided" in refused.error
    assert "Telegram refused the webhook (TELEGRAM_WEBHOOK_URL)" in log
    assert "https url must be provided" in log.lower() and TOKEN not in log
    assert strict.calls_to("getUpdates") == []


async def test_webhook_settings_are_parsed_into_the_server_arguments():
    base: dict = {"_env_file": None, "telegram_token": SecretStr(TOKEN),
                  "telegram_webhook_secret": SecretStr("s-1_X")}
    assert webhook_config(Settings(**base)) is None  # no URL: long polling
    config = webhook_config(Settings(**base, telegram_webhook_url="https://bot.example.com"))
    assert config is not None
    assert config.start_kwargs(["message"]) == {
        "listen": "0.0.0.0", "port": 8443, "url_path": "/", "webhook_url": "https://bot.example.com",
        "secret_token": "s-1_X", "allowed_updates": ["message"], "max_connections": 40,
    }
    config = webhook_config(Settings(
        **base, telegram_webhook_url="https://lb.example.com:8443/tg/in",
        telegram_webhook_listen="[::1]:9000",
    ))
    assert config is not None and (config.url_path, config.listen, config.port) == (
        "/tg/in", "::1", 9000)
    assert parse_listen(":8080") == ("0.0.0.0", 8080)
    for bad in ("8443", "host:", "host:0", "host:70000", "::1:80", "a:b"):
        with pytest.raises(WebhookConfigError):
            parse_listen(bad)
    for url in ("bot.example.com/hook", "ftp://bot.example.com", "https://b.example.com/?x=1",
                f"https://b.example.com/{TOKEN.split(':')[1]}"):
        with pytest.raises(WebhookConfigError):
            webhook_config(Settings(**base, telegram_webhook_url=url))


# -- two replicas behind one load balancer --------------------------------------------------


async def test_two_webhook_replicas_on_one_database_share_the_updates_and_one_wallet(
    tmp_path: Path,
):
    ports = [free_port(), free_port()]
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    async with (
        FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, allow_local_webhooks=True) as tg,
        RoundRobin([f"http://127.0.0.1:{p}" for p in ports]) as lb,
    ):
        tg.webhook_attempts = 5
        bots = []
        for name, port in zip("ab", ports, strict=True):
            (tmp_path / name).mkdir()
            env = webhook_env(port, url=f"{lb.url}{WEBHOOK_PATH}")
            bot = BotProcess(tmp_path / name, bot_env(
                tg, DATABASE_URL=database, WELCOME_CREDITS="50", MAX_JOBS_PER_USER="10", **env))
            since = len(tg.calls)
            await bot.start()
            bots.append(bot)
            await tg.wait_for("setWebhook", since=since, ok=True, timeout=30)
            await wait_listening(port)
        h = Harness(tg, bots[0], tmp_path, ready="setWebhook")
        try:
            await fleet_scenario(h, lb, bots)
        finally:
            codes = [await bot.stop() for bot in bots]
        assert codes == [0, 0]
        for bot in bots:
            log = bot.log()
            assert TOKEN not in log and WEBHOOK_SECRET not in log and "Traceback" not in log
        assert tg.unanswered_callback_queries() == []
        assert {c["url"] for c in tg.calls_to("setWebhook")} == {f"{lb.url}{WEBHOOK_PATH}"}


async def fleet_scenario(h: Harness, lb: RoundRobin, bots: list[BotProcess]) -> None:
    tg = h.tg
    ivy, chat = person(h, 6101, "Ivy")
    # One at a time: the balancer alternates, so the requests split evenly over both.
    models = ["flux-pro", "flux-2-klein", "bitdance", "flux-pro", "flux-2-klein", "bitdance"]
    photos = []
    for n, model in enumerate(models):
        message, photo = await h.imagine(chat, ivy, f"/imagine a lantern {n} --model {model}")
        photos.append(photo)
    spent = sum(caption_cost(p) for p in photos)
    assert spent == 20 and caption_balance(photos[-1]) == 30 == h.balance(ivy)
    assert lb.hits == [3, 3] and [i for i, _, _ in lb.log] == [0, 1] * 3
    for n, photo in enumerate(photos):  # each request was taken (and logged) by its replica
        assert job_of(photo) in bots[n % 2].log(), n

    # A button on an image replica 1 made, clicked through replica 0: the job is in the database.
    assert lb.log[1][0] == 1
    since = h.mark()
    query_id = tg.user_clicks(chat, ivy, photos[1].result, button(photos[1], "Again")["callback_data"])
    rerun = await h.photo_for(photos[1].result, since)
    await h.answered(query_id)
    assert lb.log[-1][0] == 0 and caption_balance(rerun) == 29

    # The same update again lands on the other replica, which refuses it from the database.
    update = tg.update_with(query_id=query_id)
    tg.deliver_again(update)
    await tg.wait_delivered(lambda d: d.update_id == update["update_id"] and d.ok, count=2)
    assert lb.log[-1][0] == 1
    await in_log(bots[1], "duplicate event for job")

    # A burst: four requests at once, two on each replica, all on the one wallet.
    since = h.mark()
    burst = [tg.user_sends_text(chat, ivy, f"/imagine a kite {n} --model flux-2-klein")
             for n in range(4)]
    for message in burst:
        await h.photo_for(message, since)
    await h.settle(chat, ivy)
    assert h.balance(ivy) == 25 and h.check_books() >= 1
    assert lb.hits[0] >= 5 and lb.hits[1] >= 5
    charges = h.ledger(ivy, "generation")  # one row per request, each for its own job
    assert len(charges) == 11 and len({job for _, _, job in charges}) == 11
    assert -sum(delta for delta, _, _ in charges) == 25
    assert [r for r in h.ledger(ivy) if r[1] not in ("welcome", "generation")] == []
    assert "duplicate event" not in bots[0].log()
