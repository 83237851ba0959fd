"""`imagine-bot bench --fleet N`: N worker processes on one database; jobs per second.

For k = 1..N the coordinator (this process) enqueues a fresh batch of paid jobs through the
real ingress (`SqlJobStore.enqueue`: charge, hold, queued row in one transaction), starts k
worker processes, lets them go at once and times until every job of the batch has been
delivered. Each worker is the real thing: `build_app` (real storage, the real JobRunner with
WORKER_CONCURRENCY slots, the real BFL adapter through its base URL) with a delivery for the
jobs' platform (`bench`) that only reports the job id. The provider is a local fake speaking
BFL's wire format (bench.FakeBfl) that takes a fixed time per image.

Definitions:
- fleet_jobs_per_s[k]: batch size / seconds from "go" to the last delivery, with k workers.
  The batch is `jobs_per_worker` x k, so every k runs the same number of waves per slot.
  Worker start-up (imports, pool, migrations) is not timed: a worker says "ready" first.
- fleet_scaling: fleet_jobs_per_s[N] / (N x fleet_jobs_per_s[1]); 1.0 is perfect scaling.
- After every batch the money check runs (bench.FleetStore.check_batch): every job
  succeeded, was delivered exactly once and charged exactly once (one settled hold, one
  ledger row, no refund), the fake provider was asked once per job, and every balance
  equals its ledger sum; anything else raises BenchFailed.
Database: DATABASE_URL's engine; PostgreSQL in a fresh schema the bench creates and drops,
SQLite in a temp file (never the bot's own database).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections import Counter
from typing import Any

from bot.bench import BenchFailed, FakeBfl, FleetStore, engine_of, fleet_database
from bot.bootstrap import build_app
from bot.log import setup_logging
from bot.services.job_delivery import GenerationResult, Outcome
from bot.settings import DATA_DIR, Settings

WORKER_CONCURRENCY = 4
START_TIMEOUT = 60.0  # seconds for a worker to say "ready"
BATCH_TIMEOUT = 120.0  # seconds for a batch to finish before the bench gives up


def _sizes(quick: bool) -> tuple[float, int]:
    """(seconds per image, jobs per worker per batch)."""
    return (0.05, 8) if quick else (0.2, 40)


async def run_fleet(workers: int, quick: bool = False, database_url: str = "") -> dict[str, Any]:
    url_in = database_url or Settings().database_url
    engine = engine_of(url_in)
    image_seconds, per_worker = _sizes(quick)
    rates: dict[str, float] = {}
    checks: dict[str, dict[str, int]] = {}
    fake = FakeBfl(image_seconds)
    async with fleet_database(url_in) as url:
        base = await fake.start()
        store = await FleetStore.open(url)
        try:
            for k in range(1, workers + 1):
                tag = f"fleet:{k}:"
                ids = await store.enqueue_batch(tag, per_worker * k)
                asked = sum(fake.submits.values())
                seconds, delivered = await _run_workers(k, url, base, len(ids))
                checks[str(k)] = await store.check_batch(tag, ids, delivered)
                calls = sum(fake.submits.values()) - asked
                if calls != len(ids):
                    raise BenchFailed(
                        f"fleet bench {tag}: {calls} provider calls for {len(ids)} jobs"
                    )
                checks[str(k)]["provider_calls"] = calls
                rates[str(k)] = round(len(ids) / seconds, 2)
        finally:
            await store.close()
            await fake.close()
    return {
        "engine": engine,
        "fleet_workers": workers,
        "worker_concurrency": WORKER_CONCURRENCY,
        "image_seconds": image_seconds,
        "jobs_per_worker": per_worker,
        "provider": f"bfl wire format, local fake ({next(iter(fake.submits), 'none')})",
        "fleet_jobs_per_s": rates,
        "fleet_scaling": round(rates[str(workers)] / (workers * rates["1"]), 3),
        "fleet_checks": checks,
        "quick": quick,
    }


def _worker_env() -> dict[str, str]:
    """This environment minus every bot setting (a worker reads only its config), plus the
    path to this checkout."""
    ours = {name.upper() for name in Settings.model_fields} | {"QUEUE_CONCURRENCY"}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(DATA_DIR.parent), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr = bytearray()
        assert proc.stderr is not None
        self._drain = asyncio.create_task(self._read_stderr(proc.stderr))

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.stderr += chunk

    async def line(self) -> str:
        assert self.proc.stdout is not None
        raw = await self.proc.stdout.readline()
        if not raw:
            await self.proc.wait()
            await self._drain
            tail = self.stderr.decode(errors="replace")[-2000:]
            raise BenchFailed(f"a fleet worker exited ({self.proc.returncode}): {tail}")
        return raw.decode().strip()

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.proc.stdin.write(f"{text}\n".encode())

    async def stop(self) -> None:
        self.send("stop")
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await self._drain


async def _run_workers(k: int, url: str, base: str, jobs: int) -> tuple[float, Counter[str]]:
    """Start k workers, release them together, time until `jobs` deliveries; stop them."""
    config = {"database_url": url, "bfl_base_url": base, "concurrency": WORKER_CONCURRENCY}
    env = _worker_env()
    pipe = asyncio.subprocess.PIPE
    workers: list[_Worker] = []
    try:
        for _ in range(k):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.bench_fleet", json.dumps(config),
                stdin=pipe, stdout=pipe, stderr=pipe, env=env,
            )  # fmt: skip
            workers.append(_Worker(proc))
        for worker in workers:
            async with asyncio.timeout(START_TIMEOUT):
                if (said := await worker.line()) != "ready":
                    raise BenchFailed(f"a fleet worker said {said!r} instead of ready")
        delivered: Counter[str] = Counter()
        failed: list[str] = []
        start = time.perf_counter()
        for worker in workers:
            worker.send("go")

        async def listen(worker: _Worker) -> None:
            while sum(delivered.values()) + len(failed) < jobs:
                kind, _, rest = (await worker.line()).partition(" ")
                if kind == "done":
                    delivered[rest] += 1
                else:
                    failed.append(rest)
                if sum(delivered.values()) + len(failed) >= jobs:
                    done.set()

        done = asyncio.Event()
        listeners = [asyncio.create_task(listen(w)) for w in workers]
        waiter = asyncio.create_task(done.wait())
        try:
            async with asyncio.timeout(BATCH_TIMEOUT):
                finished, _ = await asyncio.wait(
                    [waiter, *listeners], return_when=asyncio.FIRST_COMPLETED
                )
                for task in finished:
                    if task is not waiter:
                        task.result()  # a worker died: raise its error
                        await waiter
        finally:
            for task in (waiter, *listeners):
                task.cancel()
        seconds = time.perf_counter() - start
        if failed:
            raise BenchFailed(f"fleet bench: {len(failed)} job(s) failed, e.g. {failed[0]}")
        return seconds, delivered
    finally:
        await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)


# -- one worker process -------------------------------------------------------------------


async def worker_main(config: dict[str, Any]) -> int:
    """A worker of the fleet: the real app for the `bench` platform, released by "go"."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg] # pydantic-settings' init-only option
        database_url=config["database_url"],
        bfl_api_key="x",
        bfl_base_url=config["bfl_base_url"],
        worker_concurrency=config["concurrency"],
        log_level="WARNING",
    )
    setup_logging(settings.log_level)
    app = await build_app(settings, {FleetStore.PLATFORM})

    async def deliver(job: Any, outcome: Outcome) -> None:
        if isinstance(outcome, GenerationResult) and outcome.image.provider == "bfl":
            print(f"done {job.id}", flush=True)
        else:
            print(f"failed {job.id} {getattr(outcome, 'user_message', outcome)!s}", flush=True)

    app.runner.register_delivery(FleetStore.PLATFORM, deliver)
    try:
        print("ready", flush=True)
        if (await asyncio.to_thread(sys.stdin.readline)).strip() == "go":
            app.runner.start()
            await asyncio.to_thread(sys.stdin.readline)  # "stop", or the coordinator is gone
    finally:
        await app.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(worker_main(json.loads(sys.argv[1]))))
