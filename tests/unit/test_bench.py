"""`imagine-bot bench` prints one JSON object with every measure (values are not timed here)."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "ledger_pairs_per_s",
    "ledger_spends_per_s",
    "pairs_vs_raw",
    "raw_txn_per_s",
    "ledger_vs_raw",
    "pipeline_per_s",
    "overhead_ms_p50",
    "overhead_ms_p99",
    "rss_mb_10k_inflight",
}
POSTGRES_KEYS = KEYS | {"raw_pair_per_s", "ledger_vs_raw_pair", "pool_size", "rounds"}
QUICK_ROUNDS = {"sqlite": 3, "postgresql": 1}  # bench --quick: rounds of raw vs ledger runs


def check_rounds(data: dict, rounds: int) -> None:
    """ledger_vs_raw is the median of per-round ratios of adjacent raw and ledger runs, in
    wall and in CPU time; the rates reported are the medians of those runs."""
    assert data["rounds"] == rounds
    for key in ("ledger_vs_raw_rounds", "ledger_vs_raw_cpu_rounds"):
        assert len(data[key]) == rounds and all(v > 0 for v in data[key])
    spends, raws = data["ledger_spends_per_s_rounds"], data["raw_txn_per_s_rounds"]
    assert len(spends) == len(raws) == rounds
    for ratio, spend, raw in zip(data["ledger_vs_raw_rounds"], spends, raws, strict=True):
        assert ratio == pytest.approx(spend / raw, abs=0.002)
    assert data["ledger_vs_raw"] == round(statistics.median(data["ledger_vs_raw_rounds"]), 3)
    assert data["ledger_vs_raw_cpu"] == round(
        statistics.median(data["ledger_vs_raw_cpu_rounds"]), 3
    )
    assert data["ledger_spends_per_s"] == round(statistics.median(spends), 1)
    assert data["raw_txn_per_s"] == round(statistics.median(raws), 1)
    assert data["ledger_spends_per_cpu_s"] > 0 and data["raw_txn_per_cpu_s"] > 0


def bench(tmp_path: Path, database_url: str, *args: str) -> dict:
    """The real command in a fresh process, on the database given (never a .env's)."""
    out = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--quick", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_bench_prints_the_json_the_issue_asks_for(tmp_path):
    data = bench(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    assert KEYS | {"sqlite_raw_txn_per_s"} <= set(data)
    assert all(data[k] > 0 for k in KEYS)
    assert data["engine"] == data["pipeline_engine"] == data["memory_engine"] == "sqlite"
    assert data["raw_txn_per_s"] == data["sqlite_raw_txn_per_s"]
    check_rounds(data, QUICK_ROUNDS["sqlite"])
    assert not (tmp_path / "bot.db").exists()  # the bot's own database is never touched


def test_bench_on_postgresql_measures_the_ledger_in_a_schema_of_its_own(tmp_path, postgres_server):
    import psycopg

    def schemas() -> set[str]:
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            rows = conn.execute("SELECT nspname FROM pg_namespace").fetchall()
        return {r[0] for r in rows}

    before = schemas()
    data = bench(tmp_path, postgres_server.url)
    assert POSTGRES_KEYS <= set(data)
    assert all(data[k] > 0 for k in POSTGRES_KEYS)
    assert data["engine"] == "postgresql"
    assert data["pipeline_engine"] == data["memory_engine"] == "sqlite"
    assert "sqlite_raw_txn_per_s" not in data
    check_rounds(data, QUICK_ROUNDS["postgresql"])
    assert schemas() == before  # its scratch schemas are dropped, nothing else is created


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_fleet_bench_does_every_job_once(tmp_path, request, engine):
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        url = request.getfixturevalue("postgres_server").url
    data = bench(tmp_path, url, "--fleet", "2")
    assert data["engine"] == engine
    assert set(data["fleet_jobs_per_s"]) == {"1", "2"}
    assert all(rate > 0 for rate in data["fleet_jobs_per_s"].values())
    assert data["fleet_scaling"] > 0
    for k, check in data["fleet_checks"].items():
        jobs = data["jobs_per_worker"] * int(k)
        assert check == {
            "jobs": jobs,
            "succeeded": jobs,
            "delivered_once": jobs,
            "provider_calls": jobs,
        }
