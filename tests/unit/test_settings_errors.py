"""A bad value in .env or the environment names the setting; no traceback."""

import subprocess
import sys

from tests.conftest import ROOT


def test_a_bad_setting_is_named_and_the_command_exits_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DISCORD_SHARD_COUNT": "0",
           "WORKER_CONCURRENCY": "lots"}
    out = subprocess.run([sys.executable, "-m", "bot", "route", "a fox"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "DISCORD_SHARD_COUNT: Input should be greater than or equal to 1" in out.stderr
    assert "WORKER_CONCURRENCY" in out.stderr


def test_a_worker_without_any_chat_token_says_what_it_needs(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    out = subprocess.run([sys.executable, "-m", "bot", "worker"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "TELEGRAM_TOKEN" in out.stderr


def test_a_metrics_listen_that_is_not_host_port_is_named(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "METRICS_LISTEN": "9464"}
    out = subprocess.run([sys.executable, "-m", "bot", "route", "a fox"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "METRICS_LISTEN: Value error, must be host:port, e.g. 127.0.0.1:9464" in out.stderr


def test_a_metrics_address_in_use_is_one_clear_line_and_exit_2(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
               "METRICS_LISTEN": f"127.0.0.1:{port}"}
        out = subprocess.run([sys.executable, "-m", "bot", "console"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=60, input="")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"imagine-bot: cannot serve METRICS_LISTEN=127.0.0.1:{port}:" in out.stderr
