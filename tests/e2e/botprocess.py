"""Run the real bot (`python -m bot run`) as a subprocess for end-to-end tests.

The child gets a clean environment: only what the test passes plus PATH/HOME, a temp
database, and NO_PROXY for loopback. Its stderr goes to a log file the test can read
(and which is checked for leaked secrets).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every bot process made during the running test: tests/e2e/conftest.py reads their logs for
# leaked secrets when the test ends.
STARTED: list[BotProcess] = []
_SECRET_SETTING = re.compile(r"(TOKEN|_KEY|SECRET)$")


class BotProcess:
    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.log_path = tmp_path / "bot.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self._log = None
        STARTED.append(self)

    def secrets(self) -> dict[str, str]:
        """The secret settings this bot was given (tokens, keys, the webhook secret)."""
        return {k: v for k, v in self.env.items() if _SECRET_SETTING.search(k) and v}

    async def start(self, *args: str) -> BotProcess:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *(args or ("run",)),
            cwd=str(self.tmp_path),
            env=self._child_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        return self

    def _child_env(self) -> dict[str, str]:
        # The bot reads data/*.toml relative to its package, and is run from tmp_path so
        # its relative paths (out/, .env) never touch the repository.
        return {**self.env, "PYTHONPATH": str(ROOT)}

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        """Ask the bot to stop (SIGTERM by default, as containers do); kill if it hangs."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    async def kill(self) -> None:
        """A crash: SIGKILL, no clean-up in the bot."""
        await self.stop(signal.SIGKILL)

    async def restart(self, *args: str) -> BotProcess:
        await self.stop()
        return await self.start(*args)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
