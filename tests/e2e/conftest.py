"""Every end-to-end test: no secret in any log line of any bot process it ran.

The secrets are the ones the test gave the bot (every *_TOKEN, *_KEY and *_SECRET setting)
and every interaction token the fake Discord handed out; a Telegram token's part after the
colon counts on its own. A bot run with LOG_FORMAT=json must also write nothing but JSON
lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.botprocess import STARTED
from tests.fakes.discord_drivers import ISSUED_TOKENS


def _forms(secret: str) -> list[str]:
    _, _, tail = secret.partition(":")
    return [secret, tail] if len(tail) >= 8 else [secret]


@pytest.fixture(autouse=True)
def no_secret_in_any_bot_log() -> Iterator[None]:
    STARTED.clear()
    ISSUED_TOKENS.clear()
    yield
    problems = []
    for bot in STARTED:
        log = bot.log()
        secrets = [*bot.secrets().items(), *(("a Discord interaction token", t) for t in ISSUED_TOKENS)]
        for name, secret in secrets:
            if any(form in log for form in _forms(secret)):
                problems.append(f"{name} leaked into {bot.log_path}")
        if bot.env.get("LOG_FORMAT") == "json":
            for number, line in enumerate(log.splitlines(), 1):
                try:
                    json.loads(line)
                except ValueError:
                    problems.append(f"{bot.log_path}:{number} is not a JSON line: {line[:200]}")
                    break
    checked = len(STARTED)
    STARTED.clear()
    if problems:
        pytest.fail("\n".join(sorted(set(problems))) + f"\n({checked} bot logs checked)")
