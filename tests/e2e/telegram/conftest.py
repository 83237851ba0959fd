"""The real bot process (`python -m bot run`) against the fake Telegram Bot API on 127.0.0.1.

`running_bot(...)` starts a FakeTelegram and the bot with the demo renderer and a temp
database; `Harness` drives the user side and reads the ledger read-only. Modules share one
bot process (module-scoped fixtures) to keep the suite fast. `running_bot(tmp, webhook=True)`
runs the bot in webhook mode instead: it serves http://127.0.0.1:<free port>/telegram/hook
(`webhook_env`) with WEBHOOK_SECRET, and the fake POSTs every update there.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.botprocess import BotProcess
from tests.fakes.telegram_api import Call, FakeTelegram

TOKEN = "7000001:AAE-e2e-SECRET-token_9f3k"
BOT_USERNAME = "imagine_test_bot"
WEBHOOK_SECRET = "e2e-Webhook_secret-7Qx"
WEBHOOK_PATH = "/telegram/hook"
_BALANCE = re.compile(r"balance (\d+) credits?")
_COST = re.compile(r"Cost (\d+) credits?")


def reply_target(call: Call) -> int | None:
    params = call.get("reply_parameters")
    if isinstance(params, dict):
        return params.get("message_id")
    value = call.get("reply_to_message_id")
    return int(value) if value is not None else None


def replies_to(call: Call, message: dict) -> bool:
    return (str(call.get("chat_id")) == str(message["chat"]["id"])
            and reply_target(call) == message["message_id"])


def caption_balance(call: Call) -> int:
    m = _BALANCE.search(call["caption"])
    assert m, call["caption"]
    return int(m.group(1))


def caption_cost(call: Call) -> int:
    m = _COST.search(call["caption"])
    assert m, call["caption"]
    return int(m.group(1))


def buttons(call_or_message: Call | dict) -> list[dict]:
    message = call_or_message.result if isinstance(call_or_message, Call) else call_or_message
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row]


def button(call_or_message: Call | dict, label_start: str) -> dict:
    for b in buttons(call_or_message):
        if b["text"].startswith(label_start):
            return b
    raise AssertionError(f"no button starting {label_start!r}: {buttons(call_or_message)}")


def price_in(label: str) -> int:
    m = re.search(r"\((\d+) credits?\)", label)
    assert m, label
    return int(m.group(1))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_env(port: int, url: str | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    """Webhook mode: serve 127.0.0.1:port; register `url` (default: that server) with Telegram."""
    return {
        "TELEGRAM_WEBHOOK_URL": url or f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
    }


async def wait_listening(port: int, timeout: float = 30) -> None:  # noqa: ASYNC109
    """Until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on 127.0.0.1:{port}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@dataclass
class Harness:
    tg: FakeTelegram
    bot: BotProcess
    tmp: Path
    tracebacks: int = 0  # tracebacks a module expects in the log (errors it provokes on purpose)
    ready: str = "deleteWebhook"  # the call that says the bot is up (setWebhook in webhook mode)
    webhook_port: int | None = None  # the port the bot serves in webhook mode

    async def wait_ready(self, since: int = 0) -> None:
        await self.tg.wait_for(self.ready, since=since, ok=True, timeout=30)
        if self.webhook_port is not None:  # setWebhook is called just before the server binds
            await wait_listening(self.webhook_port)

    # -- the ledger, read-only ----------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.tmp / 'bot.db'}?mode=ro", uri=True, timeout=5)

    def account(self, user: dict) -> tuple[int, int] | None:
        """(balance, sum of ledger deltas) of a Telegram user, None if they have no account."""
        with contextlib.closing(self._db()) as db:
            row = db.execute(
                "SELECT a.id, a.balance FROM identities i JOIN accounts a ON a.id = i.account_id "
                "WHERE i.platform = 'telegram' AND i.user_id = ?", (str(user["id"]),),
            ).fetchone()
            if row is None:
                return None
            (total,) = db.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account_id = ?", (row[0],)
            ).fetchone()
            return row[1], total

    def balance(self, user: dict) -> int:
        found = self.account(user)
        assert found is not None, f"no account for {user}"
        balance, total = found
        assert balance == total, f"ledger sum {total} != balance {balance}"
        return balance

    def ledger(self, user: dict, reason: str | None = None) -> list[tuple[int, str, str]]:
        """(delta, reason, reference) rows of a Telegram user's wallet, oldest first."""
        with contextlib.closing(self._db()) as db:
            rows = db.execute(
                "SELECT l.delta, l.reason, l.reference FROM ledger l JOIN identities i "
                "ON i.account_id = l.account_id WHERE i.platform = 'telegram' AND i.user_id = ? "
                "ORDER BY l.id", (str(user["id"]),),
            ).fetchall()
        return [r for r in rows if reason is None or r[1] == reason]

    def query(self, sql: str, *args: object) -> list[tuple]:
        with contextlib.closing(self._db()) as db:
            return db.execute(sql, args).fetchall()

    def check_books(self) -> int:
        """Every account: balance == sum of its ledger rows. Returns how many were checked."""
        rows = self.query(
            "SELECT a.id, a.balance, COALESCE(SUM(l.delta), 0) FROM accounts a "
            "LEFT JOIN ledger l ON l.account_id = a.id GROUP BY a.id"
        )
        assert [r for r in rows if r[1] != r[2]] == [], rows
        return len(rows)

    def jobs(self) -> int:
        with contextlib.closing(self._db()) as db:
            return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]

    # -- user side ----------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.tg.calls)

    async def photo_for(self, message: dict, since: int, count: int = 1,
                        timeout: float = 10) -> Call:
        """The `count`-th photo sent in reply to `message` since `since`."""
        return await self.tg.wait_for(
            "sendPhoto", lambda c: replies_to(c, message), since=since, count=count,
            ok=True, timeout=timeout,
        )

    async def text_for(self, message: dict, since: int, contains: str,
                       timeout: float = 10) -> Call:
        return await self.tg.wait_for(
            "sendMessage",
            lambda c: replies_to(c, message) and contains in str(c.get("text")),
            since=since, ok=True, timeout=timeout,
        )

    async def imagine(self, chat: dict, user: dict, text: str) -> tuple[dict, Call]:
        since = self.mark()
        message = self.tg.user_sends_text(chat, user, text)
        return message, await self.photo_for(message, since)

    async def click(self, chat: dict, user: dict, photo: Call | dict, data: str,
                    count: int = 1) -> tuple[str, list[Call]]:
        """Click a button on a photo message; waits for `count` photos replying to it."""
        message = photo.result if isinstance(photo, Call) else photo
        since = self.mark()
        query_id = self.tg.user_clicks(chat, user, message, data)
        photos = [await self.photo_for(message, since, n) for n in range(1, count + 1)]
        await self.answered(query_id)
        return query_id, photos

    async def answered(self, query_id: str) -> dict:
        await self.tg.wait_for("answerCallbackQuery",
                               lambda c: c.get("callback_query_id") == query_id, timeout=10)
        return self.tg.callback_answers.get(query_id, {})

    async def settle(self, chat: dict, user: dict) -> None:
        """A round trip (/balance) so updates queued before it have been picked up."""
        since = self.mark()
        message = self.tg.user_sends_text(chat, user, "/balance")
        await self.text_for(message, since, "You have")

    async def restart(self, **env: str) -> None:
        since = self.mark()
        self.bot.env.update(env)
        await self.bot.restart()
        await self.wait_ready(since)


def bot_env(tg: FakeTelegram, **env: str) -> dict[str, str]:
    return {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": tg.base_url,
        "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
        "DEMO_DELAY_SECONDS": "0.05",
        **env,
    }


@contextlib.asynccontextmanager
async def running_bot(tmp: Path, *, webhook: bool = False, **env: str) -> AsyncIterator[Harness]:
    async with FakeTelegram(
        token=TOKEN, bot_username=BOT_USERNAME, allow_local_webhooks=webhook
    ) as tg:
        port = free_port() if webhook else None
        if port is not None:
            env = {**webhook_env(port), **env}
        bot = BotProcess(tmp, bot_env(tg, **env))
        await bot.start()
        harness = Harness(tg, bot, tmp, ready="setWebhook" if webhook else "deleteWebhook",
                          webhook_port=port)
        try:
            await harness.wait_ready()
            yield harness
        finally:
            await bot.stop()
        log = bot.log()
        assert TOKEN not in log, "the bot token leaked into the log"
        assert log.count("Traceback") == harness.tracebacks, log[-3000:]
        assert tg.unanswered_callback_queries() == []
