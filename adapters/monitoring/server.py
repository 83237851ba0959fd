"""/metrics, /healthz and /readyz on METRICS_LISTEN: one small aiohttp server in the loop the
bot already runs (every process: `run`, `worker`, the console).

- `/healthz`: 200 while the process answers at all (a supervisor's liveness probe).
- `/readyz`: 200 when the database answers and every platform this process serves is
  connected; otherwise 503 with the reasons, e.g.
  `{"ready": false, "problems": {"discord": "the gateway connection dropped"}}`.
- `/metrics`: the Prometheus text format (prometheus_client's aiohttp handler). Gauges that
  describe shared state (the queue depth) are read from the database just before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import REGISTRY
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.registry import Collector

from bot.services.health import Health

log = logging.getLogger(__name__)

REFRESH_TIMEOUT = 3.0  # a scrape never waits longer than this for the database


class MonitoringServer:
    def __init__(
        self,
        health: Health,
        database: Callable[[], Awaitable[object]],
        refresh: Callable[[], Awaitable[None]] | None = None,
        registry: Collector = REGISTRY,
    ) -> None:
        """`database`: a cheap round trip (raises if the database is gone); `refresh`: sets
        the gauges read at scrape time."""
        self.health, self.database, self.refresh = health, database, refresh
        self._metrics = make_aiohttp_handler(registry)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._scrape)
        return app

    async def start(self, host: str, port: int) -> None:
        """Bind and serve (raises OSError when the address is taken)."""
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except BaseException:
            await self.close()
            raise
        self.port = self._runner.addresses[0][1]
        log.info("metrics and health checks on http://%s:%d (/metrics /healthz /readyz)",
                 f"[{host}]" if ":" in host else host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def _readyz(self, request: web.Request) -> web.Response:
        readiness = await self.health.check(self.database)
        return web.json_response(readiness.as_dict(), status=200 if readiness.ready else 503)

    async def _scrape(self, request: web.Request) -> web.StreamResponse:
        await self.health.check(self.database)  # imagine_ready and the connection gauges
        if self.refresh is not None:
            try:
                async with asyncio.timeout(REFRESH_TIMEOUT):
                    await self.refresh()
            except Exception as exc:  # noqa: BLE001 - serve the rest; gauges keep their value
                log.warning("could not refresh the metrics read from the database: %s",
                            type(exc).__name__)
        return await self._metrics(request)
