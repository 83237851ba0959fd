"""`imagine-bot bench`: measure the ledger, the whole pipeline and memory; print JSON.

The engine is the one DATABASE_URL names (`engine` in the JSON). The ledger part runs on it:
SQLite in a temp folder (never the bot's own file), PostgreSQL in two fresh schemas the bench
creates on that server and drops at the end (it never touches existing tables). The
pipeline and memory parts run on a temp SQLite file either way (`pipeline_engine`,
`memory_engine`). Everything uses the real services and storage adapters.
Definitions (so the numbers can be compared run to run):
- ledger_spends_per_s: spends per second through the project's ledger (`SqlLedger.debit`:
  the idempotency check, the conditional debit and its ledger row, one unit = one
  transaction), 200 concurrent callers, one account each: the same money write the raw
  baseline does, so ledger_vs_raw = ledger_spends_per_s / raw_txn_per_s (the target).
- ledger_pairs_per_s: reserve+settle pairs per second (`SqlLedger.reserve` then `.settle`, a
  unique hold key each), 200 concurrent callers, each with its own account; the engine's
  connections are opened before timing (200 concurrent balance reads).
- raw_txn_per_s: the raw driver alone (no project code), one transaction per iteration doing
  one conditional `UPDATE accounts SET balance = balance - 1 WHERE id = ? AND balance >= 1`
  and one ledger INSERT with a unique idempotency key. pairs_vs_raw = ledger_pairs / raw:
  a pair is two transactions (a generation's charge and its settlement), so it is heavier.
  SQLite: plain single-threaded sqlite3 (WAL, synchronous=NORMAL, as the engine), also
  reported as sqlite_raw_txn_per_s. PostgreSQL: psycopg 3 sync connections, autocommit with
  an explicit transaction each, POOL_SIZE of them (the engine's pool size), one thread per
  connection; the 200 callers (one account each) are spread over them, so POOL_SIZE
  transactions are in flight at once, as in the engine.
- raw_pair_per_s (PostgreSQL): the same raw set-up running the ledger's own SQL for one
  pair (the statements of reserve + settle, two transactions) on the project's schema;
  ledger_vs_raw_pair = ledger / raw_pair, the cost of the project's code alone, while
  raw_pair / raw_txn is the cost of what a pair does in the database.
- Rounds (both engines): this machine and the server are shared, and a single raw run swung
  between 15k and 45k txn/s from one run to the next, so one raw run then one ledger run
  cannot be compared. After a warm-up run of each (a fifth of the size, not kept), `rounds`
  rounds (SQLite: 5 x 10,000 operations, --quick 3 x 1,000; PostgreSQL: 3 x 4,000, --quick
  1 x 300) each run the raw baseline and the ledger's spends back to back with the same
  count, the order swapped every round (raw, ledger; ledger, raw; ...) so a steady drift
  favours neither. The ratio is taken per round from those two adjacent runs
  (ledger_vs_raw_rounds, with the runs' rates in raw_txn_per_s_rounds and
  ledger_spends_per_s_rounds); ledger_vs_raw is the median of the per-round ratios, and
  ledger_spends_per_s / raw_txn_per_s are the medians of the rates (so ledger_vs_raw is close
  to, not exactly, their quotient). Pairs (and on PostgreSQL raw pairs) run once per round
  after that; pairs_vs_raw and ledger_vs_raw_pair are medians of per-round ratios too.
- Wall and CPU time: every run is timed by both. The rates above are per second of wall
  time (perf_counter); ledger_vs_raw_cpu (with _rounds, ledger_spends_per_cpu_s and
  raw_txn_per_cpu_s) is the same ratio per second of this process's CPU time
  (process_time: all threads, so the ledger pays for its event loop and its driver thread,
  the raw loop for its one thread). The target is ledger_vs_raw, the wall-time one: the
  issue asks for throughput (a shared COMMIT should let more spends through per second than
  one transaction each), and the ledger's driver thread working beside the event loop on a
  second core is part of that throughput. The CPU ratio is the noise check: time other
  processes take from this one is not counted, so with a busy neighbour its per-round
  ratios stayed within 1.03-1.34 while wall time's ranged 0.9-3.0 (the single-threaded raw
  loop loses most when descheduled); it is also the stricter one (about 1.1 where wall time
  gives about 1.5 on a quiet 2-core machine), so a claim that the ledger beats the raw
  driver should hold on both.
- pipeline_per_s: /imagine requests per second through the whole service (parse, route, job
  row, reserve, an instant provider, settle) with 200 in flight.
- overhead_ms_p50/p99: the service's cost per request: each round sends 200 requests at
  once, and a round's wall time / 200 is one sample; p50/p99 over the rounds. (Per-request
  latency with 200 in flight is reported too, as latency_ms_*: by Little's law it is about
  200 x the per-request cost, so it measures the concurrency, not the overhead.)
- rss_mb_10k_inflight: peak RSS of a fresh process holding 10,000 jobs in flight on a slow
  provider (all reserved, all waiting at the provider).
Every ledger run ends with the money check (each balance equals its ledger sum, no hold left
open); a failed check raises BenchFailed. `--fleet N` is in bench_fleet.py; this module holds
what it needs that touches storage, drivers or HTTP (the fake provider, batches, checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from PIL import Image

from adapters.storage.database import Database, engine_of, open_database
from adapters.storage.fleet import SqlFleet
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from adapters.storage.sql import SqlConn
from bot.domain.catalog import load_catalog
from bot.domain.credits import UserRef
from bot.domain.intents import load_intents
from bot.domain.jobs import SUCCEEDED, Job
from bot.domain.providers import GeneratedImage, ImageSpec, JobHandleRecorder, Route
from bot.domain.requests import parse_imagine
from bot.services.generation import GenerationService, new_job_id
from bot.services.planning import Planner
from bot.services.provider_router import ProviderRouter
from bot.services.worker import JobRunner
from bot.settings import DATA_DIR

CONCURRENCY = 200
SCHEMA_PREFIX = "imagine_bench_"


class BenchFailed(RuntimeError):
    """A money or delivery check failed: the numbers must not be trusted."""


def _tiny_png(size: int = 4) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size)).save(buf, "PNG")
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
    ledger, jobs, router = SqlLedger(db), SqlJobStore(db), ProviderRouter({}, provider)
    runner = JobRunner(
        jobs,
        ledger,
        SqlFleet(db),
        router,
        catalog,
        concurrency=concurrency,
        lease=30,
        timeout=600,
    )
    return GenerationService(
        planner,
        ledger,
        jobs,
        router,
        runner,
        welcome_credits=10**9,
        max_jobs_per_user=10**6,
        timeout=600,
    )


# -- the ledger ---------------------------------------------------------------------------


async def open_bench_accounts(url: str) -> list[int]:
    db = await open_database(url)
    try:
        ledger = SqlLedger(db)
        return [
            await ledger.open_account(UserRef("bench", str(i)), 10**9) for i in range(CONCURRENCY)
        ]
    finally:
        await db.close()


def _money_problems(conn: SqlConn) -> list[str]:
    """Balances that differ from their ledger sums, and holds left open."""
    off = conn.execute(
        "SELECT COUNT(*) FROM accounts a WHERE a.balance != "
        "(SELECT COALESCE(SUM(l.delta), 0) FROM ledger l WHERE l.account_id = a.id)"
    ).fetchone()[0]
    held = conn.execute("SELECT COUNT(*) FROM holds WHERE status = 'held'").fetchone()[0]
    problems = [f"{off} balance(s) differ from their ledger sum"] if off else []
    return problems + ([f"{held} hold(s) left open"] if held else [])


class Rate(float):
    """Operations per second of wall time (the float), with `.cpu`: per second of this
    process's CPU time (every thread: the event loop and the driver's own)."""

    cpu: float

    def __new__(cls, count: int, wall: float, cpu: float) -> Rate:
        rate = super().__new__(cls, count / wall)
        rate.cpu = count / cpu if cpu > 0 else float("inf")
        return rate


class _Timer:
    """Wall (perf_counter) and process CPU (process_time) time of a `with` block."""

    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def rate(self, count: int) -> Rate:
        return Rate(count, self.wall, self.cpu)


async def _ledger_rate(
    url: str, count: int, one: Callable[[SqlLedger, int, int], Any], label: str
) -> Rate:
    """`count` calls of `one(ledger, account, i)` per second, 200 concurrent callers each
    with its own account; the money check runs after."""
    db = await open_database(url)
    try:
        ledger = SqlLedger(db)
        accounts = [
            await ledger.open_account(UserRef("bench", str(i)), 10**9) for i in range(CONCURRENCY)
        ]

        async def caller(c: int) -> None:
            for i in range(c, count, CONCURRENCY):
                await one(ledger, accounts[c], i)

        # Connect before timing, as the raw baselines do: a pool opens its connections on
        # demand, and that is not what this measures.
        await asyncio.gather(*(ledger.balance(a) for a in accounts))
        with _Timer() as timer:
            await asyncio.gather(*(caller(c) for c in range(CONCURRENCY)))
        problems = await db.run(_money_problems)
    finally:
        await db.close()
    if problems:
        raise BenchFailed(f"{label}: " + "; ".join(problems))
    return timer.rate(count)


async def bench_ledger(url: str, pairs: int, tag: str = "") -> Rate:
    """Reserve + settle pairs per second (two transactions each: a generation's charge)."""

    async def pair(ledger: SqlLedger, account: int, i: int) -> None:
        await ledger.reserve(account, 1, f"hold:{tag}{i}", str(i))
        await ledger.settle(f"hold:{tag}{i}")

    return await _ledger_rate(url, pairs, pair, "ledger bench")


def bench_raw_sqlite(folder: Path, txns: int, name: str = "raw") -> Rate:
    """The raw baseline on a fresh file `folder/<name>.db`."""
    conn = sqlite3.connect(folder / f"{name}.db", isolation_level=None)
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
    with _Timer() as timer:
        for i in range(txns):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE accounts SET balance = balance - 1 WHERE id = 1 AND balance >= 1")
            conn.execute(
                "INSERT INTO ledger (account_id, delta, reason, idempotency_key, created_at) "
                "VALUES (1, -1, 'generation', ?, ?)",
                (f"k{i}", time.time()),
            )
            conn.execute("COMMIT")
    conn.close()
    return timer.rate(txns)


def _ratios(top: Sequence[Rate], bottom: Sequence[Rate], cpu: bool = False) -> list[float]:
    """Per round: top / bottom, from the two adjacent runs of that round."""
    if cpu:
        return [round(t.cpu / b.cpu, 3) for t, b in zip(top, bottom, strict=True)]
    return [round(t / b, 3) for t, b in zip(top, bottom, strict=True)]


def _median(values: Sequence[float], digits: int = 3) -> float:
    return round(statistics.median(values), digits)


async def alternate(
    rounds: int,
    warm: int,
    count: int,
    raw: Callable[[int, str], Rate],
    spend: Callable[[int, str], Awaitable[Rate]],
) -> tuple[list[Rate], list[Rate]]:
    """A warm-up run of each (`warm` operations, not kept), then `rounds` rounds of one raw
    and one ledger run of `count` operations each, the order swapped every round (raw,
    ledger; ledger, raw; ...) so a steady drift of the machine favours neither side.
    `tag` (the second argument) is unique per run."""
    raw(warm, "w")
    await spend(warm, "w")
    raws: list[Rate] = []
    spends: list[Rate] = []
    for r in range(rounds):
        if r % 2 == 0:
            raws.append(raw(count, str(r)))
            spends.append(await spend(count, str(r)))
        else:
            spends.append(await spend(count, str(r)))
            raws.append(raw(count, str(r)))
    return raws, spends


def ledger_summary(
    raws: Sequence[Rate], spends: Sequence[Rate], pairs: Sequence[Rate]
) -> dict[str, Any]:
    """The ledger keys: the rates are medians over the rounds; every ratio is the median of
    the per-round ratios (so ledger_vs_raw is not exactly ledger_spends / raw_txn)."""
    rounds = _ratios(spends, raws)
    cpu_rounds = _ratios(spends, raws, cpu=True)
    return {
        "ledger_spends_per_s": _median(spends, 1),
        "raw_txn_per_s": _median(raws, 1),
        "ledger_vs_raw": _median(rounds),
        "ledger_vs_raw_rounds": rounds,
        "ledger_spends_per_s_rounds": [round(v, 1) for v in spends],
        "raw_txn_per_s_rounds": [round(v, 1) for v in raws],
        "ledger_vs_raw_cpu": _median(cpu_rounds),
        "ledger_vs_raw_cpu_rounds": cpu_rounds,
        "ledger_spends_per_cpu_s": _median([v.cpu for v in spends], 1),
        "raw_txn_per_cpu_s": _median([v.cpu for v in raws], 1),
        "ledger_pairs_per_s": _median(pairs, 1),
        "pairs_vs_raw": _median(_ratios(pairs, raws)),
        "rounds": len(rounds),
    }


async def bench_sqlite_ledger(folder: Path, quick: bool) -> dict[str, Any]:
    """Spends and raw transactions alternated over rounds (`alternate`), then a pairs run per
    round; each run on a fresh file."""
    count, rounds = (1_000, 3) if quick else (10_000, 5)

    def raw(n: int, tag: str) -> Rate:
        return bench_raw_sqlite(folder, n, f"raw{tag}")

    async def spend(n: int, tag: str) -> Rate:
        return await bench_spends(f"sqlite:///{folder / f'spend{tag}.db'}", n, tag)

    raws, spends = await alternate(rounds, count // 5, count, raw, spend)
    pairs = [
        await bench_ledger(f"sqlite:///{folder / f'pairs{r}.db'}", count, f"{r}:")
        for r in range(rounds)
    ]
    summary = ledger_summary(raws, spends, pairs)
    return {**summary, "sqlite_raw_txn_per_s": summary["raw_txn_per_s"]}


# -- PostgreSQL: scratch schemas and the raw psycopg baselines ------------------------------


def with_search_path(url: str, schema: str) -> str:
    """`url` whose connections use `schema` first (libpq `options`, kept if already set)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    extra = f"-csearch_path={schema}"
    if any(k == "options" for k, _ in query):
        query = [(k, f"{v} {extra}" if k == "options" else v) for k, v in query]
    else:
        query.append(("options", extra))
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextlib.contextmanager
def scratch_schemas(url: str, count: int = 1) -> Iterator[list[str]]:
    """Create `count` fresh schemas on the server; yield a URL for each; drop them after."""
    import psycopg

    names = [f"{SCHEMA_PREFIX}{secrets.token_hex(4)}" for _ in range(count)]
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        for name in names:
            conn.execute(f'CREATE SCHEMA "{name}"')  # type: ignore[arg-type] # our own name
    try:
        yield [with_search_path(url, name) for name in names]
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            for name in names:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')  # type: ignore[arg-type]


RAW_UPDATE = "UPDATE accounts SET balance = balance - 1 WHERE id = %s AND balance >= 1"
RAW_INSERT = (
    "INSERT INTO ledger (account_id, delta, reason, idempotency_key, created_at) "
    "VALUES (%s, -1, 'generation', %s, %s)"
)
# What SqlLedger.reserve and .settle send (adapters/storage/ledger.py), in psycopg's form.
PAIR_HOLD = (
    "INSERT INTO holds (key, account_id, amount, status, reference, created_at, updated_at) "
    "VALUES (%s, %s, %s, 'held', %s, %s, %s) ON CONFLICT (key) DO NOTHING"
)
PAIR_DEBIT = (
    "UPDATE accounts SET balance = balance + %s WHERE id = %s AND balance + %s >= 0 "
    "RETURNING balance"
)
PAIR_LEDGER = (
    "INSERT INTO ledger (account_id, delta, balance_after, reason, reference, "
    "idempotency_key, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
PAIR_SETTLE = (
    "UPDATE holds SET status = 'settled', updated_at = %s WHERE key = %s AND status = 'held'"
)


def _pool_size() -> int:
    from adapters.storage.postgres import POOL_SIZE

    return POOL_SIZE


def create_raw_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE accounts (id BIGINT PRIMARY KEY, "
            "balance BIGINT NOT NULL CHECK (balance >= 0))"
        )
        conn.execute(
            "CREATE TABLE ledger (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "account_id BIGINT, delta BIGINT, reason TEXT, idempotency_key TEXT UNIQUE, "
            "created_at DOUBLE PRECISION)"
        )
        conn.execute(
            "INSERT INTO accounts SELECT g, %s FROM generate_series(1, %s) g",
            (10**9, CONCURRENCY),
        )


def _on_connections(url: str, iterations: int, body: Callable[[Any, int], None]) -> Rate:
    """`body(conn, i)` for every i, the iterations of caller c on connection c % POOL_SIZE,
    one thread per connection; connecting is not timed. Returns iterations per second."""
    import psycopg

    size = _pool_size()
    conns = [psycopg.connect(url, autocommit=True) for _ in range(size)]
    failures: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            for i in range(iterations):
                if (i % CONCURRENCY) % size == slot:
                    body(conns[slot], i)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(size)]
    with _Timer() as timer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for conn in conns:
        conn.close()
    if failures:
        raise failures[0]
    return timer.rate(iterations)


def bench_raw_postgres(url: str, txns: int, tag: str) -> Rate:
    def spend(conn: Any, i: int) -> None:
        account = i % CONCURRENCY + 1
        with conn.transaction():
            conn.execute(RAW_UPDATE, (account,))
            conn.execute(RAW_INSERT, (account, f"{tag}{i}", time.time()))

    return _on_connections(url, txns, spend)


def bench_raw_pair_postgres(url: str, pairs: int, tag: str, accounts: Sequence[int]) -> Rate:
    def pair(conn: Any, i: int) -> None:
        account, key, now = accounts[i % CONCURRENCY], f"hold:raw{tag}{i}", time.time()
        with conn.transaction():
            conn.execute(PAIR_HOLD, (key, account, 1, str(i), now, now))
            balance = conn.execute(PAIR_DEBIT, (-1, account, -1)).fetchone()[0]
            conn.execute(PAIR_LEDGER, (account, -1, balance, "generation", str(i), key, now))
        with conn.transaction():
            conn.execute(PAIR_SETTLE, (time.time(), key))

    return _on_connections(url, pairs, pair)


def _server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else ""


async def bench_spends(url: str, spends: int, tag: str = "") -> Rate:
    """Spends per second through the project's ledger (`SqlLedger.debit`: the conditional
    debit and its ledger row, one unit), 200 concurrent callers."""

    async def spend(ledger: SqlLedger, account: int, i: int) -> None:
        await ledger.debit(account, 1, "generation", f"spend:{tag}{i}")

    return await _ledger_rate(url, spends, spend, "spend bench")


async def bench_postgres_ledger(url: str, quick: bool) -> dict[str, Any]:
    import psycopg

    pairs, rounds = (300, 1) if quick else (4_000, 3)
    raw_pair, ledger = [], []
    with scratch_schemas(url, 2) as (app_url, raw_url):
        accounts = await open_bench_accounts(app_url)  # migrates the fresh schema
        create_raw_tables(raw_url)

        def raw(n: int, tag: str) -> Rate:
            return bench_raw_postgres(raw_url, n, f"r{tag}:")

        async def spend(n: int, tag: str) -> Rate:
            return await bench_spends(app_url, n, f"{tag}:")

        raws, spent = await alternate(rounds, pairs // 5, pairs, raw, spend)
        for r in range(rounds):
            raw_pair.append(bench_raw_pair_postgres(app_url, pairs, f"{r}:", accounts))
            ledger.append(await bench_ledger(app_url, pairs, f"{r}:"))
    return {
        **ledger_summary(raws, spent, ledger),
        "raw_pair_per_s": _median(raw_pair, 1),
        "ledger_vs_raw_pair": _median(_ratios(ledger, raw_pair)),
        "pool_size": _pool_size(),
        "postgres": _server_version(url),
        "psycopg": psycopg.__version__,
    }


# -- the pipeline and memory (SQLite) -------------------------------------------------------


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


async def run_bench(
    quick: bool = False, database_url: str = "sqlite:///:memory:"
) -> dict[str, Any]:
    engine = engine_of(database_url)
    rounds, jobs = (5, 1_000) if quick else (50, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if engine == "postgresql":
            ledger_part = await bench_postgres_ledger(database_url, quick)
        else:
            ledger_part = await bench_sqlite_ledger(folder, quick)
        pipeline = await bench_pipeline(folder, rounds)
    memory = await asyncio.to_thread(bench_memory, jobs)
    return {
        "engine": engine,
        **ledger_part,
        "pipeline_engine": "sqlite",
        **pipeline,
        "memory_engine": "sqlite",
        **memory,
        "quick": quick,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }


# -- what `bench --fleet` needs from storage and HTTP (bench_fleet.py runs it) --------------


@contextlib.asynccontextmanager
async def fleet_database(database_url: str) -> AsyncIterator[str]:
    """The fleet's database: a fresh schema on DATABASE_URL's PostgreSQL server (dropped
    after), or for SQLite a temp file (never the bot's own database)."""
    if engine_of(database_url) == "postgresql":
        with scratch_schemas(database_url, 1) as (url,):
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'fleet.db'}"


class FakeBfl:
    """Black Forest Labs' wire format on 127.0.0.1, so workers use the real BFL adapter:
    `POST /v1/<model>` (x-key) answers `{id, polling_url}`; `GET <polling_url>` answers
    `Ready` with a `result.sample` link once the image's fixed time has passed (a poll that
    comes earlier is held until then, so the adapter's 1 s poll interval does not hide the
    image time); the link serves a small PNG."""

    def __init__(self, image_seconds: float, key: str = "x") -> None:
        self.image_seconds, self.key = image_seconds, key
        self.png = _tiny_png(64)
        self.submits: Counter[str] = Counter()  # model -> submits
        self._ready: dict[str, float] = {}
        self._runner: Any = None
        self.base_url = ""

    async def start(self) -> str:
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/v1/{model}", self._submit)
        app.router.add_get("/v1/get_result", self._result)
        app.router.add_get("/delivery/{task}.png", self._image)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _submit(self, request: Any) -> Any:
        from aiohttp import web

        if request.headers.get("x-key") != self.key:
            return web.json_response({"detail": "Not authenticated"}, status=403)
        body = await request.json()
        if not isinstance(body.get("prompt"), str):
            return web.json_response({"detail": [{"msg": "prompt is required"}]}, status=422)
        task = secrets.token_hex(8)
        self._ready[task] = asyncio.get_running_loop().time() + self.image_seconds
        self.submits[request.match_info["model"]] += 1
        url = f"{self.base_url}/v1/get_result?id={task}"
        return web.json_response({"id": task, "polling_url": url, "cost": 3.0})

    async def _result(self, request: Any) -> Any:
        from aiohttp import web

        if request.headers.get("x-key") != self.key:
            return web.json_response({"detail": "Not authenticated"}, status=403)
        task = request.query.get("id", "")
        ready_at = self._ready.get(task)
        if ready_at is None:
            return web.json_response({"id": task, "status": "Task not found"})
        await asyncio.sleep(max(0.0, ready_at - asyncio.get_running_loop().time()))
        sample = f"{self.base_url}/delivery/{task}.png"
        return web.json_response({"id": task, "status": "Ready", "result": {"sample": sample}})

    async def _image(self, request: Any) -> Any:
        from aiohttp import web

        return web.Response(body=self.png, content_type="image/png")


class FleetStore:
    """The coordinator's side of the fleet bench: paid batches in, money checks out."""

    PLATFORM = "bench"
    MODEL = "flux-pro"  # a BFL route first (flux-2-pro)

    def __init__(self, db: Database, accounts: list[int]) -> None:
        self.db, self.accounts = db, accounts
        self.jobs, self.model = (
            SqlJobStore(db),
            load_catalog(DATA_DIR / "models.toml").get(self.MODEL),
        )

    @classmethod
    async def open(cls, url: str, people: int = 50) -> FleetStore:
        db = await open_database(url)
        ledger = SqlLedger(db)
        accounts = [
            await ledger.open_account(UserRef(cls.PLATFORM, f"p{i}"), 10**9) for i in range(people)
        ]
        return cls(db, accounts)

    async def close(self) -> None:
        await self.db.close()

    async def enqueue_batch(self, tag: str, size: int) -> list[str]:
        """`size` paid jobs through the real ingress (`SqlJobStore.enqueue`); their ids."""

        async def one(i: int) -> str:
            account = self.accounts[i % len(self.accounts)]
            job = Job(
                id=new_job_id(), account_id=account, platform=self.PLATFORM,
                user_id=f"p{i % len(self.accounts)}", prompt=f"a fox in the snow, take {i}",
                model_id=self.model.id, intent="general", reason="bench", aspect="1:1",
                seed=i, cost=self.model.credits, event_key=f"{tag}{i}", created_at=time.time(),
                request_key=f"{tag}{i}",
            )  # fmt: skip
            queued = await self.jobs.enqueue(job, 10**6)
            if not queued.created or queued.short_of is not None:
                raise BenchFailed(f"fleet bench: job {i} of {tag} was not queued and paid")
            return job.id

        ids = []
        for start in range(0, size, 50):
            ids += await asyncio.gather(*(one(i) for i in range(start, min(size, start + 50))))
        return ids

    async def check_batch(
        self, tag: str, ids: Sequence[str], delivered: Counter[str]
    ) -> dict[str, int]:
        """Every job succeeded once, was delivered once and was paid exactly once; every
        balance equals its ledger sum. Raises BenchFailed otherwise."""
        cost, pattern = self.model.credits, f"{tag}%"

        def unit(conn: SqlConn) -> dict[str, Any]:
            def grouped(sql: str) -> dict[str, tuple[int, int]]:
                rows = conn.execute(sql, (pattern,)).fetchall()
                return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}

            return {
                "jobs": grouped(
                    "SELECT status, COUNT(*), 0 FROM jobs WHERE event_key LIKE ? GROUP BY status"
                ),
                "holds": grouped(
                    "SELECT h.status, COUNT(*), SUM(h.amount) FROM holds h "
                    "JOIN jobs j ON h.key = 'hold:' || j.id WHERE j.event_key LIKE ? "
                    "GROUP BY h.status"
                ),
                "ledger": grouped(
                    "SELECT l.reason, COUNT(*), SUM(l.delta) FROM ledger l "
                    "JOIN jobs j ON l.reference = j.id WHERE j.event_key LIKE ? GROUP BY l.reason"
                ),
                "money": _money_problems(conn),
            }

        found = await self.db.run(unit)
        n = len(ids)
        problems = list(found["money"])
        if found["jobs"] != {SUCCEEDED: (n, 0)}:
            problems.append(f"job states {found['jobs']} (want {n} succeeded)")
        if found["holds"] != {"settled": (n, n * cost)}:
            problems.append(f"holds {found['holds']} (want {n} settled)")
        if found["ledger"] != {"generation": (n, -n * cost)}:
            problems.append(f"ledger rows {found['ledger']} (want {n} charges of {cost})")
        twice = sorted(j for j, times in delivered.items() if times != 1)
        missing = set(ids) - set(delivered)
        strangers = set(delivered) - set(ids)
        if twice or missing or strangers:
            problems.append(
                f"deliveries: {len(twice)} not exactly once, {len(missing)} missing, "
                f"{len(strangers)} unknown"
            )
        if problems:
            raise BenchFailed(f"fleet bench {tag}: " + "; ".join(problems))
        return {"jobs": n, "succeeded": n, "delivered_once": n}
