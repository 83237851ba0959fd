"""Readiness: platforms (and shards) that say how they stand, the database asked each time,
and the HTTP server that answers /healthz, /readyz and /metrics on one listener."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from adapters.monitoring.server import MonitoringServer
from bot.services import health as health_module
from bot.services.health import Health


async def database_ok() -> None:
    return None


async def database_gone() -> None:
    raise ConnectionError("connection to server at 127.0.0.1 failed\n  Connection refused")


async def database_hung() -> None:
    await asyncio.sleep(60)


async def test_ready_only_when_every_expected_platform_is_up_and_the_database_answers():
    health = Health()
    health.expect("telegram")
    health.expect("discord")
    result = await health.check(database_ok)
    assert not result.ready
    assert result.problems == {"discord": "connecting", "telegram": "connecting"}
    health.up("telegram")
    health.up("discord")
    assert (await health.check(database_ok)).ready
    health.down("discord", "the gateway connection dropped")
    assert (await health.check(database_ok)).problems == {
        "discord": "the gateway connection dropped"}
    health.up("discord")
    result = await health.check(database_gone)
    assert not result.ready and list(result.problems) == ["database"]
    assert result.problems["database"].startswith("ConnectionError: connection to server")
    assert "\n" not in result.problems["database"]


async def test_a_hung_database_reads_as_not_ready_instead_of_hanging(monkeypatch):
    monkeypatch.setattr(health_module, "DATABASE_TIMEOUT", 0.05)
    result = await Health().check(database_hung)
    assert result.problems == {"database": "no answer within 0.05 s"}


async def test_a_sharded_platform_is_up_when_every_shard_of_this_process_is():
    health = Health()
    health.expect("discord")
    for shard in ("0", "1"):
        health.down("discord", "connecting", part=shard)
    health.up("discord", part="0")
    assert not health.connected("discord")
    assert health.platform_problems() == {"discord": "shard 1: connecting"}
    health.up("discord", part="1")
    assert health.connected("discord")
    health.down("discord", "the gateway connection dropped", part="1")
    assert health.platform_problems() == {"discord": "shard 1: the gateway connection dropped"}


def test_all_refused_only_when_every_platform_refused_its_token():
    health = Health()
    assert not health.all_refused()  # the console serves no platform: nothing to refuse
    health.expect("telegram")
    health.expect("discord")
    health.refused("telegram", "Telegram refused TELEGRAM_TOKEN")
    assert not health.all_refused()
    health.refused("discord", "Discord refused DISCORD_TOKEN")
    assert health.all_refused()
    assert list(health.refusals().values()) == [
        "Telegram refused TELEGRAM_TOKEN", "Discord refused DISCORD_TOKEN"]


@pytest.fixture
async def server():
    health = Health()
    health.expect("telegram")
    state = {"database": database_ok, "refreshed": 0}

    async def refresh() -> None:
        state["refreshed"] += 1

    srv = MonitoringServer(health, lambda: state["database"](), refresh)
    await srv.start("127.0.0.1", 0)
    yield srv, health, state
    await srv.close()


async def get(srv: MonitoringServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{srv.port}{path}"
    ) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_one_listener_serves_healthz_readyz_and_metrics(server):
    srv, health, state = server
    status, _, body = await get(srv, "/healthz")
    assert status == 200 and json.loads(body) == {"alive": True}
    status, kind, body = await get(srv, "/readyz")
    assert status == 503 and kind.startswith("application/json")
    assert json.loads(body) == {"ready": False, "problems": {"telegram": "connecting"}}
    health.up("telegram")
    status, _, body = await get(srv, "/readyz")
    assert status == 200 and json.loads(body) == {"ready": True, "problems": {}}
    state["database"] = database_gone
    status, _, body = await get(srv, "/readyz")
    assert status == 503 and list(json.loads(body)["problems"]) == ["database"]
    status, kind, body = await get(srv, "/metrics")
    assert status == 200 and kind.startswith("text/plain")
    assert "imagine_ready 0.0" in body and 'imagine_platform_connected{platform="telegram"} 1.0' in body
    assert state["refreshed"] == 1
    status, _, _ = await get(srv, "/nothing-here")
    assert status == 404


async def test_a_taken_address_raises_so_the_cli_can_say_so(server):
    srv, health, _ = server
    second = MonitoringServer(health, database_ok)
    with pytest.raises(OSError):
        await second.start("127.0.0.1", srv.port)
