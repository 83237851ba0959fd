"""`imagine-bot bench` prints one JSON object with every measure (values are not timed here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "ledger_pairs_per_s",
    "sqlite_raw_txn_per_s",
    "ledger_vs_raw",
    "pipeline_per_s",
    "overhead_ms_p50",
    "overhead_ms_p99",
    "rss_mb_10k_inflight",
}


def test_bench_prints_the_json_the_issue_asks_for(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--quick"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert KEYS <= set(data)
    assert all(data[k] > 0 for k in KEYS)
    assert data["ledger_vs_raw"] == round(
        data["ledger_pairs_per_s"] / data["sqlite_raw_txn_per_s"], 3
    )
