"""METRICS_LISTEN on the real bot against the fake Discord: what a real /imagine moves on
/metrics (requests, the job, its credits, the ack latency), /readyz going 503 while the
gateway is down and back to 200 after the RESUME, and the exit when the token is refused."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.e2e.botprocess import BotProcess
from tests.e2e.discord.conftest import TOKEN, Harness, embed_balance, embed_cost, running_bot
from tests.e2e.scrape import http_get, scrape, wait_metric, wait_ready
from tests.e2e.telegram.conftest import free_port
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
PORT = free_port()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-metrics"), WELCOME_CREDITS="50",
                           METRICS_LISTEN=f"127.0.0.1:{PORT}") as harness:
        await wait_ready(PORT)
        yield harness
        harness.dc.assert_no_errors()


async def test_healthz_and_readyz_answer_200_once_the_gateway_is_ready(h: Harness):
    status, _ = await http_get(PORT, "/healthz")
    assert status == 200
    assert await wait_ready(PORT) == {"ready": True, "problems": {}}
    assert (await scrape(PORT)).get("imagine_platform_connected", platform="discord") == 1


async def test_one_imagine_moves_the_counters_by_its_price(h: Harness):
    before = await scrape(PORT)
    _, message = await h.imagine(h.bob, "a red bicycle by the canal", model="seedream-5")
    price = embed_cost(message)
    job = dict(model="seedream-5", route="demo")

    def moved(s):
        return s.get("imagine_jobs_total", **job, outcome="succeeded") > before.get(
            "imagine_jobs_total", **job, outcome="succeeded")

    after = await wait_metric(PORT, moved)
    delta = lambda name, **labels: after.get(name, **labels) - before.get(name, **labels)  # noqa: E731
    assert price == 5 and embed_balance(message) == 45 == h.balance(h.bob)
    assert delta("imagine_jobs_total", **job, outcome="succeeded") == 1
    assert delta("imagine_jobs_total") == 1  # nothing else ended
    assert delta("imagine_credits_total", flow="spent", reason="generation") == price
    assert delta("imagine_credits_total", flow="granted", reason="welcome") == 50
    assert delta("imagine_credits_total", flow="refunded") == 0
    assert delta("imagine_requests_total", platform="discord", command="imagine") == 1
    assert delta("imagine_generation_seconds_count", **job) == 1
    # The deferral answered the interaction: one ack, well inside Discord's 3 s.
    assert delta("imagine_discord_ack_seconds_count") >= 1
    assert delta("imagine_discord_ack_seconds_bucket", le="3.0") >= 1
    assert not {v for v in after.label_values()
                if str(h.bob["id"]) in v or "bicycle" in v or "bob" in v.lower()}


async def test_a_click_counts_as_a_button_and_its_job_by_model(h: Harness):
    _, message = await h.imagine(h.alice, "a small paper boat", model="flux-2-klein")
    before = await scrape(PORT)
    inter = await h.click(h.alice, message, "img:again:")
    await inter.wait_message(lambda m: bool(m.get("attachments")), timeout=10)
    after = await wait_metric(PORT, lambda s: s.get(
        "imagine_jobs_total", model="flux-2-klein", outcome="succeeded") > before.get(
        "imagine_jobs_total", model="flux-2-klein", outcome="succeeded"))
    assert (after.get("imagine_requests_total", platform="discord", command="button")
            - before.get("imagine_requests_total", platform="discord", command="button")) == 1
    assert (after.get("imagine_credits_total", flow="spent")
            - before.get("imagine_credits_total", flow="spent")) == 1  # Flux 2 Klein: 1 credit


async def test_readyz_goes_503_while_the_gateway_is_down_and_recovers_on_resume(h: Harness):
    gateway = h.dc.gateway
    gateway.hello_barrier = 99  # the bot reconnects at once; hold its HELLO (no RESUME yet)
    await gateway.close_all()
    body = await wait_ready(PORT, 503)
    assert body == {"ready": False, "problems": {"discord": "the gateway connection dropped"}}
    assert (await scrape(PORT)).get("imagine_platform_connected", platform="discord") == 0
    resumes = gateway.resume_count
    gateway.hello_barrier = 0
    h.dc._notify()  # wakes the held connection: HELLO, RESUME
    assert await wait_ready(PORT, 200, timeout=60) == {"ready": True, "problems": {}}
    assert gateway.resume_count == resumes + 1
    await h.dc.wait_connected(30)


async def test_a_refused_token_stops_the_bot_with_one_clear_line_and_a_non_zero_exit(tmp_path):
    async with FakeDiscord(token=TOKEN) as dc:
        bot = BotProcess(tmp_path, {
            "DISCORD_TOKEN": "MTE5.wrong-discord-token",
            "DISCORD_API_BASE": dc.api_base,
            "DISCORD_GATEWAY_URL": dc.gateway_url,
        })
        await bot.start()
        assert bot.proc is not None
        try:
            code = await asyncio.wait_for(bot.proc.wait(), 60)
        finally:
            await bot.stop()
    log = bot.log()
    assert code == 1, log[-2000:]
    [line] = [x for x in log.splitlines() if x.startswith("imagine-bot:")]
    assert line == ("imagine-bot: Discord refused DISCORD_TOKEN; no chat platform is left to "
                    "serve, stopping.")
    assert "wrong-discord-token" not in log and "Traceback" not in log
