"""The console chat, run as a real process with piped stdin."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    child_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env,
        timeout=60,
    )


def books(tmp_path: Path) -> tuple[int, int]:
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        balance = conn.execute("SELECT balance FROM accounts").fetchone()[0]
        total = conn.execute("SELECT SUM(delta) FROM ledger").fetchone()[0]
    return balance, total


def test_piped_imagine_then_balance_saves_a_png(tmp_path):
    out = run_cli(
        tmp_path, "console", "--out", "pics", stdin="/imagine a red fox in the snow\n/balance\n"
    )
    assert out.returncode == 0, out.stderr
    pngs = list((tmp_path / "pics").glob("*.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes().startswith(b"\x89PNG")
    routed = json.loads(run_cli(tmp_path, "route", "a red fox in the snow").stdout)
    assert f"You have {50 - routed['credits']} credits." in out.stdout
    assert "offline demo renderer" in out.stdout
    assert books(tmp_path) == (50 - routed["credits"], 50 - routed["credits"])


def test_buttons_as_numbered_choices(tmp_path):
    out = run_cli(
        tmp_path,
        "console",
        stdin="/imagine a fox --model flux-pro\n/rerun 2\n/rerun 1\n/compare\n/balance\n",
    )
    assert out.returncode == 0, out.stderr
    assert "/rerun 2   Flux 2 Klein (1 credit)" in out.stdout
    assert "because you picked Flux 2 Klein" in out.stdout
    assert "because again, with a new seed" in out.stdout
    assert out.stdout.count("Saved ") == 6
    balance, total = books(tmp_path)
    assert balance == total and f"You have {balance} credits." in out.stdout


def test_bad_input_never_crashes_or_charges(tmp_path):
    lines = [
        "/imagine",
        "/imagine " + "x" * 5000,
        "/imagine a fox --model nope",
        "/rerun 1",
        "/compare",
        "/frobnicate",
        "/imagine a fox --seed -5",
        "\x00\x1b\x7f",
        "/rerun abc",
        "/imagine a fox --model nano-banana-pro --ar 7:3",
        "/balance",
    ]
    out = run_cli(tmp_path, "console", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert out.stdout.count("⚠️") == len(lines) - 2  # all but the stripped line and /balance
    assert "You have 50 credits." in out.stdout
    assert books(tmp_path) == (50, 50)


def test_run_without_tokens_opens_the_console(tmp_path):
    out = run_cli(tmp_path, "run", stdin="/balance\n")
    assert out.returncode == 0, out.stderr
    assert "opening the console chat" in out.stdout and "You have 50 credits." in out.stdout


def test_route_reads_prompts_from_stdin(tmp_path):
    out = run_cli(tmp_path, "route", stdin='a neon sign that says "OPEN"\nlogo for a bakery\n')
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["intent"], r["model"], r["credits"]) for r in rows] == [
        ("text", "nano-banana-2", 8),
        ("design", "recraft-v4-pro", 8),
    ]
    assert all(r["reason"] for r in rows)


def test_community_commands_in_the_console(tmp_path):
    lines = [
        "/daily",
        "/daily",
        "/credits grant console:7 30 launch gift",
        "/give console:7 5",
        "/give console:7 5000",
        "/giveaway start credits:10 winners:2 duration:1h Summer drop",
        "/giveaway list",
        "/giveaway start credits:10 winners:99 duration:1h",
        "/history",
        "/link",
        "/balance",
    ]
    out = run_cli(tmp_path, "console", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "+10 credits! You have 60 credits." in text and "already claimed" in text
    assert "Granted 30 credits to 7. They have 80 credits." in text
    assert "You gave 5 credits to 7. You have 55 credits left." in text
    assert "so you can't give 5000" in text
    assert "Summer drop: 2 winner(s) get 10 credits each (funded by the bot)" in text
    assert "A giveaway has 1 to 50 winners." in text
    assert "Your link code is" in text and "You have 55 credits." in text
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        for account, balance in conn.execute("SELECT id, balance FROM accounts"):
            total = conn.execute("SELECT SUM(delta) FROM ledger WHERE account_id = ?", (account,))
            assert total.fetchone()[0] == balance


def test_buy_in_the_console_says_it_takes_no_payments_and_changes_nothing(tmp_path):
    store = tmp_path / "store.toml"
    store.write_text('[[packs]]\nid = "starter"\nlabel = "Starter"\ncredits = 100\nstars = 50\n')
    out = run_cli(tmp_path, "console", stdin="/buy\n/balance\n/paysupport\n",
                  STORE_FILE=str(store))
    assert out.returncode == 0, out.stderr
    assert "Buying is not available in the console" in out.stdout
    assert "starter: 100 credits for 50 ⭐" in out.stdout
    assert "You have 50 credits" in out.stdout and "not bought anything" in out.stdout
    assert books(tmp_path) == (50, 50)
    nothing = run_cli(tmp_path, "console", stdin="/buy\n")  # the shipped packs are off sale
    assert "Buying credits is not available here" in nothing.stdout


def test_a_broken_store_file_stops_the_start_with_what_is_wrong(tmp_path):
    store = tmp_path / "store.toml"
    store.write_text('[[packs]]\nid = "starter"\nlabel = "Starter"\ncredits = -1\nstars = 50\n')
    out = run_cli(tmp_path, "console", stdin="/buy\n", STORE_FILE=str(store))
    assert out.returncode != 0 and "credits must be a whole number" in out.stderr
