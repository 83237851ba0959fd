"""METRICS_LISTEN on the real bot against the fake Telegram: what a real job moves on
/metrics, /healthz, /readyz going 503 while Telegram is unreachable, and the exit when the
token is refused."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.e2e.botprocess import BotProcess
from tests.e2e.scrape import http_get, scrape, wait_metric, wait_ready
from tests.e2e.telegram.conftest import (
    BOT_USERNAME,
    TOKEN,
    Harness,
    bot_env,
    caption_cost,
    free_port,
    running_bot,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres import connect_or_skip

pytestmark = pytest.mark.asyncio(loop_scope="module")
PORT = free_port()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-metrics"), WELCOME_CREDITS="50",
                           METRICS_LISTEN=f"127.0.0.1:{PORT}") as harness:
        await wait_ready(PORT)
        yield harness


async def test_healthz_answers_and_readyz_is_ready_once_telegram_is_connected(h: Harness):
    status, body = await http_get(PORT, "/healthz")
    assert status == 200 and '"alive": true' in body
    assert await wait_ready(PORT) == {"ready": True, "problems": {}}
    samples = await scrape(PORT)
    assert samples.get("imagine_ready") == 1
    assert samples.get("imagine_platform_connected", platform="telegram") == 1


async def test_one_imagine_moves_the_counters_by_its_price(h: Harness):
    alice = h.tg.make_user(5101, "Alice", username="alice")
    chat = h.tg.private_chat(alice)
    before = await scrape(PORT)
    _, photo = await h.imagine(chat, alice, "/imagine a lighthouse at dusk --model flux-pro")
    price = caption_cost(photo)
    job = dict(model="flux-pro", route="demo")

    def moved(s):
        return s.get("imagine_jobs_total", **job, outcome="succeeded") == before.get(
            "imagine_jobs_total", **job, outcome="succeeded") + 1

    after = await wait_metric(PORT, moved)
    delta = lambda name, **labels: after.get(name, **labels) - before.get(name, **labels)  # noqa: E731
    assert delta("imagine_jobs_total", **job, outcome="succeeded") == 1
    assert delta("imagine_jobs_total", outcome="refunded") == 0
    assert price == 5
    assert delta("imagine_credits_total", flow="spent", reason="generation") == price
    assert delta("imagine_credits_total", flow="granted", reason="welcome") == 50
    assert delta("imagine_credits_total", flow="refunded") == 0
    assert delta("imagine_requests_total", platform="telegram", command="imagine") == 1
    assert delta("imagine_generation_seconds_count", **job) == 1
    assert delta("imagine_queue_wait_seconds_count") == 1
    assert delta("imagine_telegram_update_lag_seconds_count") >= 1
    assert after.get("imagine_queue_depth") == 0
    # No person and no prompt in any label.
    labels = after.label_values()
    assert not {v for v in labels if "5101" in v or "lighthouse" in v or "alice" in v.lower()}


async def test_unknown_commands_and_plain_prompts_are_counted_by_kind_not_by_text(h: Harness):
    bob = h.tg.make_user(5102, "Bob", username="bob")
    chat = h.tg.private_chat(bob)
    before = await scrape(PORT)
    since = h.mark()
    message = h.tg.user_sends_text(chat, bob, "/frobnicate_5102 now")
    await h.text_for(message, since, "/help")
    _, photo = await h.imagine(chat, bob, "a quiet harbour 5102")
    after = await scrape(PORT)
    assert (after.get("imagine_requests_total", platform="telegram", command="unknown")
            - before.get("imagine_requests_total", platform="telegram", command="unknown")) == 1
    assert (after.get("imagine_requests_total", platform="telegram", command="prompt")
            - before.get("imagine_requests_total", platform="telegram", command="prompt")) == 1
    assert "frobnicate" not in after.text and "5102" not in after.text
    assert "harbour" not in after.text


async def test_a_429_is_counted_with_the_wait_telegram_asked_for(h: Harness):
    carol = h.tg.make_user(5103, "Carol", username="carol")
    chat = h.tg.private_chat(carol)
    before = await scrape(PORT)
    h.tg.fail_next("sendPhoto", status=429, retry_after=1)
    await h.imagine(chat, carol, "/imagine a kite over dunes --model flux-2-klein")
    after = await scrape(PORT)
    labels = {"platform": "telegram"}
    assert (after.get("imagine_platform_rate_limited_total", **labels)
            - before.get("imagine_platform_rate_limited_total", **labels)) == 1
    assert (after.get("imagine_platform_rate_limit_wait_seconds_total", **labels)
            - before.get("imagine_platform_rate_limit_wait_seconds_total", **labels)) == 1
    assert (after.get("imagine_platform_api_errors_total", **labels, kind="rate_limited")
            - before.get("imagine_platform_api_errors_total", **labels, kind="rate_limited")) == 1
    assert (after.get("imagine_jobs_total", model="flux-2-klein", outcome="succeeded")
            - before.get("imagine_jobs_total", model="flux-2-klein", outcome="succeeded")) == 1


async def test_readyz_goes_503_while_telegram_is_unreachable_and_recovers(h: Harness):
    labels = {"platform": "telegram", "kind": "server_error"}
    errors = (await scrape(PORT)).get("imagine_platform_api_errors_total", **labels)
    h.tg.fail_next("getUpdates", status=502, times=10**6)  # every long poll fails
    try:
        body = await wait_ready(PORT, 503)
        assert body == {"ready": False, "problems": {"telegram": "getUpdates failed: HTTP 502"}}
        samples = await scrape(PORT)
        assert samples.get("imagine_ready") == 0
        assert samples.get("imagine_platform_connected", platform="telegram") == 0
        assert samples.get("imagine_platform_api_errors_total", **labels) > errors
    finally:
        h.tg.clear_faults()
    assert await wait_ready(PORT, 200, timeout=60) == {"ready": True, "problems": {}}


async def test_a_refused_token_stops_the_bot_with_one_clear_line_and_a_non_zero_exit(tmp_path):
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as tg:
        bot = BotProcess(tmp_path, bot_env(tg, TELEGRAM_TOKEN="7000001:AAE-wrong-token"))
        await bot.start()
        assert bot.proc is not None
        try:
            code = await asyncio.wait_for(bot.proc.wait(), 60)
        finally:
            await bot.stop()
    log = bot.log()
    assert code == 1, log[-2000:]
    [line] = [x for x in log.splitlines() if x.startswith("imagine-bot:")]
    assert line == ("imagine-bot: Telegram refused TELEGRAM_TOKEN; no chat platform is left "
                    "to serve, stopping.")
    assert "wrong-token" not in log and "Traceback" not in log


async def test_readyz_goes_503_when_the_database_is_gone(tmp_path):
    """On PostgreSQL (the fleet's database): the bot's database is dropped under it."""
    server = connect_or_skip()
    port = free_port()
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as tg:
        bot = BotProcess(tmp_path, bot_env(tg, DATABASE_URL=server.url,
                                           METRICS_LISTEN=f"127.0.0.1:{port}"))
        await bot.start()
        try:
            assert await wait_ready(port) == {"ready": True, "problems": {}}
            server.close()  # DROP DATABASE ... WITH (FORCE): its connections are cut
            body = await wait_ready(port, 503)
            assert set(body["problems"]) == {"database"}
            assert body["problems"]["database"]  # the first probe sees its connection cut,
            for _ in range(50):  # the next ones that the database is not there any more
                body = await wait_ready(port, 503)
                if "does not exist" in body["problems"]["database"]:
                    break
                await asyncio.sleep(0.1)
            assert "does not exist" in body["problems"]["database"], body
            status, _ = await http_get(port, "/healthz")
            assert status == 200  # alive, just not ready
            assert (await scrape(port)).get("imagine_ready") == 0
        finally:
            await bot.stop()
            server.close()
    assert TOKEN not in bot.log()


async def test_a_worker_process_serves_metrics_and_health_too(tmp_path):
    port = free_port()
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as tg:
        bot = BotProcess(tmp_path, bot_env(tg, METRICS_LISTEN=f"127.0.0.1:{port}"))
        await bot.start("worker")
        try:
            assert await wait_ready(port) == {"ready": True, "problems": {}}
            status, _ = await http_get(port, "/healthz")
            assert status == 200
            samples = await scrape(port)
            assert samples.get("imagine_platform_connected", platform="telegram") == 1
            assert samples.get("imagine_queue_depth") == 0
        finally:
            code = await bot.stop()
    assert code == 0, bot.log()[-2000:]
    assert tg.calls_to("getUpdates") == []  # a worker takes no updates
