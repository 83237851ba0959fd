"""`imagine-bot bench`: measure the ledger, the whole pipeline and memory; print JSON.

Everything runs on a real SQLite file (WAL) in a temp folder, with the real services.
Definitions (so the numbers can be compared run to run):
- ledger_pairs_per_s: reserve+settle pairs per second, 200 concurrent callers.
- sqlite_raw_txn_per_s: plain single-threaded sqlite3, one transaction per iteration doing
  one conditional UPDATE and one ledger INSERT (same pragmas); ledger_vs_raw = the ratio.
- pipeline_per_s: /imagine requests per second through the whole service (parse, route, job
  row, reserve, an instant provider, settle) with 200 in flight.
- overhead_ms_p50/p99: the service's cost per request: each round sends 200 requests at
  once, and a round's wall time / 200 is one sample; p50/p99 over the rounds. (Per-request
  latency with 200 in flight is reported too, as latency_ms_*: by Little's law it is about
  200 x the per-request cost, so it measures the concurrency, not the overhead.)
- rss_mb_10k_inflight: peak RSS of a fresh process holding 10,000 jobs in flight on a slow
  provider (all reserved, all waiting at the provider).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from adapters.storage.database import Database, open_database
from adapters.storage.fleet import SqlFleet
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from bot.domain.catalog import load_catalog
from bot.domain.credits import UserRef
from bot.domain.intents import load_intents
from bot.domain.providers import GeneratedImage, ImageSpec, JobHandleRecorder, Route
from bot.domain.requests import parse_imagine
from bot.services.dispatch import Dispatcher
from bot.services.generation import GenerationService
from bot.services.planning import Planner
from bot.services.worker import JobRunner
from bot.settings import DATA_DIR

CONCURRENCY = 200


def _tiny_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


class InstantProvider:
    name = "instant"

    def __init__(self, delay: float = 0.0, gate: asyncio.Event | None = None) -> None:
        self.png, self.delay, self.gate = _tiny_png(), delay, gate

    async def generate(
        self, route: Route, spec: ImageSpec, record: JobHandleRecorder
    ) -> GeneratedImage:
        if self.gate is not None:
            await self.gate.wait()
        elif self.delay:
            await asyncio.sleep(self.delay)
        return GeneratedImage(self.png, "image/png", 4, 4, "instant", route.model)

    async def resume(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        return await self.generate(route, spec, record)


def _service(db: Database, provider: InstantProvider, concurrency: int) -> GenerationService:
    catalog = load_catalog(DATA_DIR / "models.toml")
    planner = Planner(catalog, load_intents(DATA_DIR / "intents.toml"))
    ledger, jobs, dispatcher = SqlLedger(db), SqlJobStore(db), Dispatcher({}, provider)
    runner = JobRunner(jobs, ledger, SqlFleet(db), dispatcher, catalog,
                       concurrency=concurrency, lease=30, timeout=600)
    return GenerationService(
        planner,
        ledger,
        jobs,
        dispatcher,
        runner,
        welcome_credits=10**9,
        max_jobs_per_user=10**6,
        timeout=600,
    )


async def bench_ledger(folder: Path, pairs: int) -> float:
    db = await open_database(f"sqlite:///{folder / 'ledger.db'}")
    ledger = SqlLedger(db)
    accounts = [
        await ledger.open_account(UserRef("bench", str(i)), 10**9) for i in range(CONCURRENCY)
    ]

    async def caller(c: int) -> None:
        for i in range(c, pairs, CONCURRENCY):
            await ledger.reserve(accounts[c], 1, f"hold:{i}", str(i))
            await ledger.settle(f"hold:{i}")

    start = time.perf_counter()
    await asyncio.gather(*(caller(c) for c in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await db.close()
    return pairs / elapsed


def bench_raw_sqlite(folder: Path, txns: int) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, "
        "balance INTEGER NOT NULL CHECK (balance >= 0))"
    )
    conn.execute(
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, account_id INTEGER, delta INTEGER, "
        "reason TEXT, idempotency_key TEXT UNIQUE, created_at REAL)"
    )
    conn.execute("INSERT INTO accounts VALUES (1, ?)", (10**9,))
    start = time.perf_counter()
    for i in range(txns):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE accounts SET balance = balance - 1 WHERE id = 1 AND balance >= 1")
        conn.execute(
            "INSERT INTO ledger (account_id, delta, reason, idempotency_key, created_at) "
            "VALUES (1, -1, 'generation', ?, ?)",
            (f"k{i}", time.time()),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return txns / elapsed


async def bench_pipeline(folder: Path, rounds: int) -> dict[str, float]:
    db = await open_database(f"sqlite:///{folder / 'pipeline.db'}")
    service = _service(db, InstantProvider(), CONCURRENCY)
    users = [UserRef("bench", str(i)) for i in range(CONCURRENCY)]
    for user in users:
        await service.account(user)
    per_request: list[float] = []
    latencies: list[float] = []
    counter = 0

    async def one(user: UserRef, n: int) -> None:
        t0 = time.perf_counter()
        request = parse_imagine(
            "/imagine a fox in the snow --ar 16:9", service.catalog, service.planner.intents
        )
        await service.generate(request, user, f"bench:{n}")
        latencies.append(time.perf_counter() - t0)

    total_start = time.perf_counter()
    for _ in range(rounds):
        t0 = time.perf_counter()
        await asyncio.gather(*(one(u, counter + i) for i, u in enumerate(users)))
        counter += len(users)
        per_request.append((time.perf_counter() - t0) / len(users))
    total = time.perf_counter() - total_start
    await service.runner.stop()
    await db.close()
    q = statistics.quantiles
    return {
        "pipeline_per_s": round(counter / total, 1),
        "overhead_ms_p50": round(statistics.median(per_request) * 1000, 3),
        "overhead_ms_p99": round(q(per_request, n=100)[98] * 1000, 3),
        "latency_ms_p50_at_200": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p99_at_200": round(q(latencies, n=100)[98] * 1000, 2),
    }


async def hold_inflight(jobs: int) -> dict[str, float]:
    """Run in a fresh process: `jobs` generations parked at a slow provider, then measure."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(f"sqlite:///{Path(tmp) / 'mem.db'}")
        gate = asyncio.Event()
        service = _service(db, InstantProvider(gate=gate), jobs)
        request = parse_imagine("a fox in the snow", service.catalog, service.planner.intents)
        tasks = [
            asyncio.create_task(service.generate(request, UserRef("bench", str(i)), f"m{i}"))
            for i in range(jobs)
        ]
        while len(service.runner.running) < jobs:  # all paid for, claimed, at the provider
            await asyncio.sleep(0.05)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        gate.set()
        await asyncio.gather(*tasks)
        await service.runner.stop()
        await db.close()
    return {"rss_mb_10k_inflight": round(peak_mb, 1), "inflight_jobs": jobs}


def bench_memory(jobs: int) -> dict[str, float]:
    code = (
        "import asyncio, json; from bot.bench import hold_inflight; "
        f"print(json.dumps(asyncio.run(hold_inflight({jobs}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(DATA_DIR.parent)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


async def run_bench(quick: bool = False) -> dict[str, Any]:
    pairs, txns, rounds, jobs = (2_000, 2_000, 5, 1_000) if quick else (20_000, 20_000, 50, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ledger_rate = await bench_ledger(folder, pairs)
        raw_rate = bench_raw_sqlite(folder, txns)
        pipeline = await bench_pipeline(folder, rounds)
    memory = await asyncio.to_thread(bench_memory, jobs)
    return {
        "ledger_pairs_per_s": round(ledger_rate, 1),
        "sqlite_raw_txn_per_s": round(raw_rate, 1),
        "ledger_vs_raw": round(ledger_rate / raw_rate, 3),
        **pipeline,
        **memory,
        "quick": quick,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }
