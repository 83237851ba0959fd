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


def _console(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot", "console"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60, input="")


def test_an_empty_database_url_in_dotenv_or_the_environment_is_the_default(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=\n")
    out = _console(tmp_path)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert (tmp_path / "data" / "imagine.db").is_file()
    (tmp_path / ".env").unlink()
    (tmp_path / "data" / "imagine.db").unlink()
    out = _console(tmp_path, DATABASE_URL="  ")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert (tmp_path / "data" / "imagine.db").is_file()


def test_a_database_url_of_no_known_engine_is_one_line_and_exit_2(tmp_path):
    out = _console(tmp_path, DATABASE_URL="mysql://root:hunter2@db/bot")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "imagine-bot: DATABASE_URL: Value error, must look like sqlite:///data/imagine.db or "
        "postgresql://user@host/dbname (got 'mysql':...)"]
    assert not (tmp_path / "data").exists()


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = _console(tmp_path, DATABASE_URL=f"postgresql://bot:hunter2@127.0.0.1:{port}/bot")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "CRITICAL" not in out.stderr and "hunter2" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("imagine-bot: DATABASE_URL: cannot open the database "
                           f"postgresql://bot:***@127.0.0.1:{port}/bot: ")


async def test_a_url_the_driver_cannot_parse_never_echoes_its_password():
    import pytest

    from adapters.storage.database import DatabaseUnavailable, open_database

    with pytest.raises(DatabaseUnavailable) as caught:
        await open_database("postgresql://bot:hunter2@[broken/bot")
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith("cannot open the database postgresql:...")
