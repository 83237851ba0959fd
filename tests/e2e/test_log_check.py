"""The suite-wide log check itself: it finds a leaked secret, a leaked interaction token and
a non-JSON line, and passes a clean log (no bot is started here)."""

from __future__ import annotations

from tests.e2e.botprocess import STARTED, BotProcess
from tests.e2e.conftest import find_leaks

TOKEN = "7000001:AAE-check-SECRET-token_zz9"
INTERACTION = "aW50ZXJhY3Rpb246MTIz:Zm9vYmFyLXNlY3JldC10b2tlbi14eXo"


def bot_with_log(tmp_path, name: str, text: str, **env: str) -> BotProcess:
    (tmp_path / name).mkdir()
    bot = BotProcess(tmp_path / name, {"TELEGRAM_TOKEN": TOKEN, "FAL_KEY": "fal-key-abc123", **env})
    bot.log_path.write_text(text)
    STARTED.remove(bot)  # never started: keep it out of this test's own check
    return bot


def test_a_clean_log_passes(tmp_path):
    clean = bot_with_log(tmp_path, "a", "INFO bot: GET /bot[REDACTED]/getMe 200\n")
    assert find_leaks([clean], [INTERACTION]) == []


def test_each_kind_of_leak_is_named(tmp_path):
    bots = [
        bot_with_log(tmp_path, "token", f"GET /bot{TOKEN}/getMe\n"),
        bot_with_log(tmp_path, "half", f"secret part {TOKEN.split(':')[1]}\n"),
        bot_with_log(tmp_path, "key", "Authorization: Key fal-key-abc123\n"),
        bot_with_log(tmp_path, "interaction", f"POST /interactions/1/{INTERACTION.split(':')[1]}\n"),
    ]
    found = find_leaks(bots, [INTERACTION])
    assert [p.split(" leaked into ")[0] for p in found] == [
        "FAL_KEY", "TELEGRAM_TOKEN", "TELEGRAM_TOKEN", "a Discord interaction token"]
    assert all(TOKEN not in p and "fal-key-abc123" not in p for p in found)


def test_a_json_bot_must_write_only_json_lines(tmp_path):
    good = bot_with_log(tmp_path, "good", '{"level": "INFO"}\n{"level": "WARNING"}\n',
                        LOG_FORMAT="json")
    bad = bot_with_log(tmp_path, "bad", '{"level": "INFO"}\nTraceback (most recent call last):\n',
                       LOG_FORMAT="json")
    assert find_leaks([good], []) == []
    (problem,) = find_leaks([bad], [])
    assert problem.endswith("bot.log:2 is not a JSON line: Traceback (most recent call last):")
