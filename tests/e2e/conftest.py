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

from tests.e2e.botprocess import STARTED, BotProcess
from tests.fakes.discord_drivers import ISSUED_TOKENS


def _forms(secret: str) -> list[str]:
    _, _, tail = secret.partition(":")
    return [secret, tail] if len(tail) >= 8 else [secret]


def find_leaks(bots: list[BotProcess], issued: list[str]) -> list[str]:
    """What is wrong with these bots' logs: a secret they were given or an issued interaction
    token in it, or (LOG_FORMAT=json) a line that is not JSON. Names the secret, not its value."""
    problems = []
    for bot in bots:
        log = bot.log()
        secrets = [*bot.secrets().items(), *(("a Discord interaction token", t) for t in issued)]
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
    return sorted(set(problems))


@pytest.fixture(autouse=True)
def no_secret_in_any_bot_log() -> Iterator[None]:
    STARTED.clear()
    ISSUED_TOKENS.clear()
    yield
    bots = list(STARTED)
    STARTED.clear()
    problems = find_leaks(bots, ISSUED_TOKENS)
    if problems:
        pytest.fail("\n".join(problems) + f"\n({len(bots)} bot logs checked)")
