"""The fleet end to end: real bot processes on one PostgreSQL schema.

`running_fleet(tmp, db_url)` starts the fake Telegram (webhook mode), a round-robin balancer
(tests/e2e/roundrobin.py) in front of two `imagine-bot run` processes in webhook mode, and
`workers` `imagine-bot worker` processes; every process gets the same DATABASE_URL (a fresh
schema of the test server: the `fleet_db` fixture). With `bfl=True` a local BFL fake is
configured too (BFL_API_KEY + BFL_BASE_URL), so the models on BFL routes (flux-pro,
flux-2-klein) run on the real BFL adapter; `fleet.bfl.held` keeps every BFL job "Pending"
until the test lets it go. Without it every model runs on the demo renderer.

`Fleet` is the Telegram `Harness` (user side: imagine, photo_for, text_for, click...) whose
books are read from PostgreSQL with psycopg, plus the processes: `runs[i]` serves
`ports[i]` (backend i of the balancer), `workers[j]`, `start_worker()`, `restart_run(i)`,
`owner(job)` (the process whose runner claimed a job).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.adapters.provider_fakes import KEY, FakeVendors, Seen
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
    free_port,
    wait_listening,
    webhook_env,
)
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.postgres import PostgresServer

WORKER_READY = "results only (worker)"


@pytest.fixture
def fleet_db(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty schema on the test server, shared by every process of one test."""
    schema = postgres_server.new_schema()
    yield postgres_server.schema_url(schema)
    postgres_server.drop_schema(schema)


class HeldBfl(FakeVendors):
    """Black Forest Labs' API (submit, then poll `polling_url`) on 127.0.0.1. A job is ready
    at its first poll, unless `held`: then every poll of every job says "Pending"."""

    def __init__(self) -> None:
        super().__init__()
        self.pending_polls = 0
        self.held = False

    def _tick(self, job_id: str) -> bool:
        return not self.held

    def env(self) -> dict[str, str]:
        return {"BFL_API_KEY": KEY, "BFL_BASE_URL": f"{self.base}/bfl"}

    def submitted(self) -> list[Seen]:
        return self.submits("bfl")

    def polls(self, since: int = 0) -> list[Seen]:
        """Polls of any job's polling_url in `seen[since:]`."""
        return [s for s in self.seen[since:] if s.method == "GET" and s.path.endswith("/get_result")]


async def until(check: Callable[[], Any], timeout: float = 15, what: str = "condition",  # noqa: ASYNC109
                every: float = 0.05) -> Any:
    """Poll `check()` until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout}s")
        await asyncio.sleep(every)


async def in_log(bot: BotProcess, text: str, count: int = 1, timeout: float = 15) -> None:  # noqa: ASYNC109
    """Until `text` appears `count` times in the bot's log."""
    try:
        await until(lambda: bot.log().count(text) >= count, timeout, f"{text!r} x{count} in log")
    except AssertionError:
        raise AssertionError(f"{text!r} x{count} not in the log: {bot.log()[-3000:]}") from None


def job_of(photo: Call | dict) -> str:
    """The job id a result photo's buttons carry (`r:<job id>:...`)."""
    return button(photo, "Again")["callback_data"].split(":")[1]


def pid_in(worker_id: str | None) -> int | None:
    """The process id in a runner's id (`host:pid:random`)."""
    if not worker_id:
        return None
    return int(worker_id.split(":")[1])


async def _unless_it_exits(bot: BotProcess, ready: Coroutine[Any, Any, None]) -> None:
    """Wait for `ready`, but fail at once (with its log) if the process exits first."""
    assert bot.proc is not None
    waiting = asyncio.ensure_future(ready)
    exited = asyncio.ensure_future(bot.proc.wait())
    await asyncio.wait([waiting, exited], return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        waiting.cancel()
        raise AssertionError(f"the bot exited ({bot.proc.returncode}) before it was ready:\n"
                             f"{bot.log()[-3000:]}")
    exited.cancel()
    waiting.result()


def _pg(sql: str) -> str:
    """The harnesses' SQL (`?` placeholders, as on SQLite) in psycopg's style."""
    return sql.replace("%", "%%").replace("?", "%s")


@dataclass
class Books:
    """The fleet's database, read over one autocommit psycopg connection (every read sees
    what the processes committed so far). Users are (`platform`, user id)."""

    pg: psycopg.Connection[Any]
    platform: str

    def query(self, sql: str, *args: object) -> list[tuple]:
        return self.pg.execute(_pg(sql), args).fetchall()  # type: ignore[arg-type]

    def account_id(self, user_id: int | str) -> int | None:
        rows = self.query("SELECT account_id FROM identities WHERE platform = ? AND user_id = ?",
                          self.platform, str(user_id))
        return rows[0][0] if rows else None

    def account(self, user_id: int | str) -> tuple[int, int] | None:
        """(balance, sum of ledger deltas), None without an account."""
        account = self.account_id(user_id)
        if account is None:
            return None
        [(balance,)] = self.query("SELECT balance FROM accounts WHERE id = ?", account)
        [(total,)] = self.query("SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account_id = ?",
                                account)
        return int(balance), int(total)

    def balance(self, user_id: int | str) -> int:
        found = self.account(user_id)
        assert found is not None, f"no account for {self.platform} user {user_id}"
        balance, total = found
        assert balance == total, f"ledger sum {total} != balance {balance}"
        return balance

    def ledger(self, user_id: int | str, reason: str | None = None) -> list[tuple[int, str, str]]:
        """(delta, reason, reference) rows of a user's wallet, oldest first."""
        rows = self.query(
            "SELECT l.delta, l.reason, l.reference FROM ledger l JOIN identities i "
            "ON i.account_id = l.account_id WHERE i.platform = ? AND i.user_id = ? "
            "ORDER BY l.id", self.platform, str(user_id))
        return [(int(d), r, ref) for d, r, ref in rows if reason is None or r == reason]

    def job_rows(self, **where: Any) -> list[dict[str, Any]]:
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(f"{k} = ?" for k in where)
        with self.pg.cursor(row_factory=dict_row) as cur:
            return cur.execute(_pg(sql + " ORDER BY created_at, id"),
                               tuple(where.values())).fetchall()

    def check_books(self) -> int:
        """Every account: balance == sum of its ledger rows. Returns how many were checked."""
        rows = self.query(
            "SELECT a.id, a.balance, COALESCE(SUM(l.delta), 0) FROM accounts a "
            "LEFT JOIN ledger l ON l.account_id = a.id GROUP BY a.id")
        assert [r for r in rows if r[1] != r[2]] == [], rows
        return len(rows)

    def open_generation_holds(self) -> list[tuple]:
        return self.query("SELECT key, status FROM holds WHERE key LIKE 'hold:%' "
                          "AND status = 'held'")

    def open_jobs(self) -> list[tuple]:
        return self.query("SELECT id, status FROM jobs WHERE status IN ('queued', 'running')")


@dataclass
class Fleet(Harness):
    lb: RoundRobin | None = None
    db_url: str = ""
    base_env: dict[str, str] = field(default_factory=dict)
    run_env: list[dict[str, str]] = field(default_factory=list)
    worker_env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    runs: list[BotProcess] = field(default_factory=list)
    workers: list[BotProcess] = field(default_factory=list)
    bfl: HeldBfl | None = None
    killed: list[BotProcess] = field(default_factory=list)  # SIGKILLed on purpose
    pg: psycopg.Connection[Any] | None = None

    # -- the books, read from PostgreSQL ---------------------------------------------------

    @property
    def books(self) -> Books:
        assert self.pg is not None
        return Books(self.pg, "telegram")

    def query(self, sql: str, *args: object) -> list[tuple]:
        return self.books.query(sql, *args)

    def account_id(self, user: dict) -> int | None:
        return self.books.account_id(user["id"])

    def account(self, user: dict) -> tuple[int, int] | None:
        return self.books.account(user["id"])

    def ledger(self, user: dict, reason: str | None = None) -> list[tuple[int, str, str]]:
        return self.books.ledger(user["id"], reason)

    def jobs(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM jobs")[0][0])

    def job_rows(self, **where: Any) -> list[dict[str, Any]]:
        return self.books.job_rows(**where)

    def job(self, job_id: str) -> dict[str, Any]:
        [row] = self.job_rows(id=job_id)
        return row

    def open_generation_holds(self) -> list[tuple]:
        return self.books.open_generation_holds()

    # -- the processes ---------------------------------------------------------------------

    @property
    def processes(self) -> list[BotProcess]:
        return [*self.runs, *self.workers]

    def name(self, bot: BotProcess | None) -> str:
        if bot is None:
            return "nobody"
        if bot in self.runs:
            return f"run{self.runs.index(bot)}"
        return f"worker{self.workers.index(bot)}"

    def owner(self, job_id: str) -> BotProcess | None:
        """The process whose runner holds (or last held) the job's claim."""
        pid = pid_in(self.job(job_id)["claimed_by"])
        return next((b for b in self.processes if b.proc is not None and b.proc.pid == pid), None)

    def queued_by(self, job_id: str) -> list[BotProcess]:
        """The processes that logged taking this request in (paid ingress)."""
        return [b for b in self.runs if f"job {job_id} queued" in b.log()]

    async def start_run(self, i: int) -> None:
        bot = self.runs[i]
        await bot.start("run")
        await _unless_it_exits(bot, wait_listening(self.ports[i], timeout=45))

    async def restart_run(self, i: int) -> None:
        assert await self.runs[i].stop() == 0, self.runs[i].log()[-3000:]
        await self.start_run(i)

    def new_worker(self, **env: str) -> BotProcess:
        n = len(self.workers)
        where = self.tmp / f"worker{n}"
        where.mkdir()
        bot = BotProcess(where, {**self.base_env, **self.worker_env, **env})
        self.workers.append(bot)
        return bot

    async def start_worker(self, bot: BotProcess | None = None, **env: str) -> BotProcess:
        bot = bot or self.new_worker(**env)
        ready = bot.log().count(WORKER_READY)
        await bot.start("worker")
        await _unless_it_exits(bot, in_log(bot, WORKER_READY, ready + 1, timeout=45))
        return bot

    async def kill(self, bot: BotProcess) -> None:
        self.killed.append(bot)
        await bot.kill()

    def logs(self) -> str:
        return "\n".join(b.log() for b in self.processes)

    def log_count(self, text: str) -> int:
        return sum(b.log().count(text) for b in self.processes)


@contextlib.asynccontextmanager
async def running_fleet(
    tmp: Path,
    db_url: str,
    *,
    workers: int = 1,
    bfl: bool = False,
    runs: tuple[dict[str, str], dict[str, str]] = ({}, {}),
    worker_env: dict[str, str] | None = None,
    **env: str,
) -> AsyncIterator[Fleet]:
    """Two run processes behind the balancer and `workers` workers, on one database. `env`
    goes to every process, `runs[i]` to run process i only, `worker_env` to workers."""
    async with contextlib.AsyncExitStack() as stack:
        tg = await stack.enter_async_context(
            FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, allow_local_webhooks=True))
        tg.webhook_attempts = 5  # Telegram retries too: a backend that is down is skipped
        ports = [free_port(), free_port()]
        lb = await stack.enter_async_context(RoundRobin([f"http://127.0.0.1:{p}" for p in ports]))
        vendor = None
        extra: dict[str, str] = {}
        if bfl:
            vendor = HeldBfl()
            stack.push_async_callback(await vendor.serve())
            extra = vendor.env()
        # The fleet logs JSON lines, as deployed (deploy/): the suite checks each one parses.
        base = bot_env(tg, DATABASE_URL=db_url, LOG_FORMAT="json", **extra, **env)
        run_env = [{**webhook_env(port, url=f"{lb.url}{WEBHOOK_PATH}"), **more}
                   for port, more in zip(ports, runs, strict=True)]
        run_bots = []
        for i in range(2):
            (tmp / f"run{i}").mkdir()
            run_bots.append(BotProcess(tmp / f"run{i}", {**base, **run_env[i]}))
        pg = psycopg.connect(db_url, autocommit=True)
        stack.callback(pg.close)
        fleet = Fleet(tg, run_bots[0], tmp, ready="setWebhook", webhook_port=ports[0], lb=lb,
                      db_url=db_url, base_env=base, run_env=run_env,
                      worker_env=dict(worker_env or {}), ports=ports, runs=run_bots, bfl=vendor,
                      pg=pg)
        for _ in range(workers):
            fleet.new_worker()
        codes: dict[str, int | None] = {}
        try:
            # All at once, as a deployment starts them: the migration lock is exercised too.
            await asyncio.gather(*(fleet.start_run(i) for i in range(2)),
                                 *(fleet.start_worker(w) for w in fleet.workers))
            yield fleet
        finally:
            stopped = await asyncio.gather(*(b.stop() for b in fleet.processes))
            codes = {fleet.name(b): c for b, c in zip(fleet.processes, stopped, strict=True)
                     if b not in fleet.killed}
        for bot in fleet.processes:
            log = bot.log()
            assert TOKEN not in log and TOKEN.split(":")[1] not in log, "the token leaked"
            assert WEBHOOK_SECRET not in log, "the webhook secret leaked"
            assert log.count("Traceback") == 0, f"{fleet.name(bot)}:\n{log[-4000:]}"
        assert all(code == 0 for code in codes.values()), codes
        assert tg.unanswered_callback_queries() == []
        fleet.books.check_books()
        assert fleet.books.open_generation_holds() == []
        assert fleet.books.open_jobs() == []
