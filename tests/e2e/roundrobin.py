"""A tiny round-robin HTTP load balancer for e2e tests (aiohttp, 127.0.0.1 only).

Each request goes to the next backend in turn, with its method, path, query, headers and body;
the backend's status, headers and body come back unchanged. A backend that does not answer
gives 502 (the next request goes to the next backend; a sender that retries, like Telegram,
lands elsewhere). ``hits[i]`` counts the requests forwarded to backend i and ``log`` records
``(backend index, path, status)`` per request. ``forwarded`` keeps each request's body too
(``Forwarded``), and ``backends_of(match)`` says which backends got the bodies ``match``
accepts (e.g. one Telegram update_id, also when it was delivered twice).

    async with RoundRobin(["http://127.0.0.1:9001", "http://127.0.0.1:9002"]) as lb:
        lb.url  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

_HOP_BY_HOP = frozenset(
    "connection keep-alive proxy-authenticate proxy-authorization te trailers "
    "transfer-encoding upgrade host content-length".split()
)


@dataclass(frozen=True)
class Forwarded:
    """One request the balancer passed on: to which backend, and what came back."""

    backend: int
    method: str
    path: str
    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class RoundRobin:
    def __init__(self, backends: list[str], *, timeout: float = 30.0) -> None:
        for backend in backends:
            if urlsplit(backend).hostname not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError(f"loopback backends only: {backend}")
        self.backends = [b.rstrip("/") for b in backends]
        self.hits = [0] * len(backends)
        self.log: list[tuple[int, str, int]] = []
        self.forwarded: list[Forwarded] = []
        self._turn = itertools.cycle(range(len(backends)))
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RoundRobin:
        self._session = aiohttp.ClientSession(timeout=self._timeout, auto_decompress=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RoundRobin:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def backends_of(self, match: Callable[[Forwarded], bool]) -> list[int]:
        """The backend of every forwarded request `match` accepts, in order."""
        return [f.backend for f in self.forwarded if match(f)]

    def update_backends(self) -> dict[int, list[int]]:
        """Telegram webhooks: update_id -> the backend of each delivery of it, in order."""
        out: dict[int, list[int]] = {}
        for f in self.forwarded:
            body = f.json()
            if isinstance(body, dict) and isinstance(body.get("update_id"), int):
                out.setdefault(body["update_id"], []).append(f.backend)
        return out

    def _record(self, index: int, request: web.Request, status: int, body: bytes) -> None:
        self.log.append((index, request.path, status))
        self.forwarded.append(Forwarded(index, request.method, request.path, status, body))

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        index = next(self._turn)
        self.hits[index] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        body = await request.read()
        try:
            async with self._session.request(
                request.method, self.backends[index] + request.rel_url.path_qs,
                headers=headers, data=body, allow_redirects=False,
            ) as resp:
                payload = await resp.read()
                out = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_BY_HOP}
                self._record(index, request, resp.status, body)
                return web.Response(status=resp.status, headers=out, body=payload)
        except (aiohttp.ClientError, TimeoutError):
            self._record(index, request, 502, body)
            return web.Response(status=502, text="backend unavailable")
