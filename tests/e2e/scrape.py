"""Read a running bot's /metrics, /healthz and /readyz (METRICS_LISTEN) from a test."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def http_get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=10)
    ) as response:
        return response.status, await response.text()


@dataclass(frozen=True)
class Samples:
    """One scrape: every sample by (name, labels)."""

    values: dict[tuple[str, frozenset[tuple[str, str]]], float]
    text: str

    def get(self, name: str, **labels: str) -> float:
        """The sample's value (0 if it does not exist yet), or the sum over the samples
        whose labels include `labels`."""
        return sum(v for (n, ls), v in self.values.items()
                   if n == name and set(labels.items()) <= ls)

    def names(self) -> set[str]:
        return {n for n, _ in self.values}

    def label_values(self) -> set[str]:
        return {v for _, ls in self.values for _, v in ls}


async def scrape(port: int) -> Samples:
    status, text = await http_get(port, "/metrics")
    assert status == 200, (status, text[:500])
    values = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }
    return Samples(values, text)


async def wait_ready(port: int, status: int = 200, timeout: float = 30) -> dict:  # noqa: ASYNC109
    """Poll /readyz until it answers `status`; returns its JSON body."""
    deadline = time.monotonic() + timeout
    last: tuple[int, str] | None = None
    while time.monotonic() < deadline:
        try:
            last = await http_get(port, "/readyz")
        except aiohttp.ClientError:
            last = None
        if last is not None and last[0] == status:
            return json.loads(last[1])
        await asyncio.sleep(0.1)
    raise AssertionError(f"/readyz never answered {status}; last: {last}")


async def wait_metric(port: int, check, timeout: float = 10) -> Samples:  # noqa: ASYNC109
    """Scrape until `check(samples)` holds (counters move right after the reply is sent)."""
    deadline = time.monotonic() + timeout
    while True:
        samples = await scrape(port)
        if check(samples) or time.monotonic() > deadline:
            return samples
        await asyncio.sleep(0.1)
