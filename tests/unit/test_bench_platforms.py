"""`imagine-bot bench --platforms --quick` prints the JSON the issue asks for (shape and
signs only: timings are never asserted in tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSITIVE = {
    f"{p}_{who}_{what}"
    for p in ("tg", "dc")
    for who in ("bot", "bare")
    for what in ("cpu_ms_per_reply", "replies_per_s")
} | {
    "tg_bare_unpaced_cpu_ms_per_reply",
    "tg_cpu_vs_bare",
    "dc_cpu_vs_bare",
    "dc_ack_ms_p50",
    "dc_ack_ms_p99",
    "dc_ack_ms_max",
    "dc_ack_500_ms_p50",
    "dc_ack_500_ms_p99",
    "dc_ack_500_ms_max",
}


def test_platform_bench_prints_cpu_per_reply_for_the_bot_and_the_bare_frameworks(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--platforms", "--quick"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT),
             "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert POSITIVE <= set(data)
    assert all(data[k] > 0 for k in POSITIVE), {k: data[k] for k in POSITIVE}
    for p in ("tg", "dc"):  # bare divided by the bot (from unrounded medians)
        ratio = data[f"{p}_bare_cpu_ms_per_reply"] / data[f"{p}_bot_cpu_ms_per_reply"]
        assert data[f"{p}_cpu_vs_bare"] == pytest.approx(ratio, rel=0.02)
        assert len(data[f"{p}_cpu_vs_bare_rounds"]) == data["rounds"]
    assert isinstance(data["dc_late_acks"], int)
    assert data["dc_concurrent_interactions"] > 0
    assert data["quick"] is True
    assert not (tmp_path / "x.db").exists()  # the bot's own database is never touched
