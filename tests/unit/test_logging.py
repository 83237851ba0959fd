"""Logs: JSON lines that parse, today's text lines, the ids that apply, and no secret in either
format, from our code, from library loggers (httpx) or in tracebacks."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from bot.log import _PATTERNS, REDACTED, Redactor, _may_hold_secret, log_context, setup_logging
from tests.conftest import ROOT

TELEGRAM = "7123456789:AAHk2-fake_TelegramToken-0123456789ab"
DISCORD = "MTE5OTk5OTk5OTk5OTk5OTk5.GhIjKl.fake-discord-token_abcdefghijklmnop"
WEBHOOK_SECRET = "hook_Secret-42x"
FAL = "0b9f2c1e-1111-4222-8333-444455556666:0123456789abcdef0123456789abcdef"
GEMINI = "AIzaSyFAKE-gemini-key_0123456789abcdefg"
INTERACTION = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5:c2VjcmV0LWludGVyYWN0aW9uLXRva2Vu"
SHORT_KEY = "k3y-short-but-set"  # a configured key with no recognisable shape
SECRETS = [TELEGRAM, DISCORD, WEBHOOK_SECRET, FAL, GEMINI, SHORT_KEY]


@pytest.fixture
def capture() -> Iterator[Callable[[str], io.StringIO]]:
    """setup_logging into a buffer; afterwards the root logger and hooks are as before."""
    root = logging.getLogger()
    before = (root.level, list(root.handlers), sys.excepthook, threading.excepthook)
    httpx_level = logging.getLogger("httpx").level

    def start(fmt: str) -> io.StringIO:
        buffer = io.StringIO()
        setup_logging("INFO", fmt, SECRETS, stream=buffer)
        return buffer

    yield start
    for handler in [h for h in root.handlers if h.get_name() == "imagine-bot"]:
        root.removeHandler(handler)
    root.setLevel(before[0])
    sys.excepthook, threading.excepthook = before[2], before[3]
    logging.getLogger("httpx").setLevel(httpx_level)


def json_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def assert_clean(text: str) -> None:
    for secret in [*SECRETS, INTERACTION, TELEGRAM.split(":")[1]]:
        assert secret not in text, f"a secret leaked: {secret[:6]}…"


def test_json_lines_parse_and_carry_the_ids_that_apply(capture):
    buffer = capture("json")
    log = logging.getLogger("bot.services.worker")
    with log_context(job_id="j1a2b3", platform="telegram", user="telegram:42", model="flux-pro"):
        log.info("job %s succeeded", "j1a2b3")
        log.info("job %s refunded", "j1a2b3", extra={"credits_delta": 5})
    logging.getLogger("discord.client").warning("no context here")
    first, refund, plain = json_lines(buffer)
    assert first["message"] == "job j1a2b3 succeeded"
    assert (first["level"], first["logger"]) == ("INFO", "bot.services.worker")
    assert first["time"].endswith("Z") and first["time"][10] == "T"
    assert {k: first[k] for k in ("job_id", "platform", "user", "model")} == {
        "job_id": "j1a2b3", "platform": "telegram", "user": "telegram:42", "model": "flux-pro"}
    assert "credits_delta" not in first and refund["credits_delta"] == 5
    assert plain["logger"] == "discord.client" and "job_id" not in plain


def test_the_text_format_stays_readable_lines(capture):
    buffer = capture("text")
    logging.getLogger("bot").info("worker %s: %d job slots", "w1", 4)
    line = buffer.getvalue().strip()
    assert line.endswith(" INFO bot: worker w1: 4 job slots")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_traceback_holding_a_token_is_redacted(capture, fmt):
    buffer = capture(fmt)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TELEGRAM}/sendPhoto failed "
                           f"with {DISCORD} and {SHORT_KEY}")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("error in handler %s", FAL)
    text = buffer.getvalue()
    assert_clean(text)
    assert "Traceback (most recent call last)" in text and "RuntimeError" in text
    assert f"/bot{REDACTED}/sendPhoto" in text
    if fmt == "json":
        (line,) = json_lines(buffer)
        assert line["message"] == f"error in handler {REDACTED}"
        assert "RuntimeError" in line["exc_info"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_httpx_request_urls_are_redacted_even_at_info(capture, fmt):
    buffer = capture(fmt)
    logging.getLogger("httpx").setLevel(logging.INFO)  # what an operator's DEBUG would do
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with client:
        client.get(f"https://api.telegram.org/bot{TELEGRAM}/getMe")
        client.get(f"https://api.telegram.org/file/bot{TELEGRAM}/photos/1.jpg")
        client.post(f"https://discord.com/api/v10/interactions/123/{INTERACTION}/callback")
        client.patch(f"https://discord.com/api/v10/webhooks/456/{INTERACTION}/messages/@original")
        client.get(f"https://generativelanguage.googleapis.com/v1beta/models?key={GEMINI}")
    text = buffer.getvalue()
    assert text.count("HTTP Request:") == 5, text
    assert_clean(text)
    for kept in (f"/bot{REDACTED}/getMe", f"/file/bot{REDACTED}/photos", f"/interactions/123/{REDACTED}/callback",
                 f"/webhooks/456/{REDACTED}/messages", f"?key={REDACTED}"):
        assert kept in text, kept


@pytest.mark.parametrize(
    "line",
    [
        f"headers={{'Authorization': 'Bot {DISCORD}'}}",
        "Authorization: Key " + FAL,
        f"('authorization', 'Bearer r8_{'x' * 30}')",
        f"x-goog-api-key: {GEMINI}",
        f"X-Telegram-Bot-Api-Secret-Token: {WEBHOOK_SECRET}",
        f"token {TELEGRAM} alone",
        f"xai key xai-{'Q' * 40}",
    ],
)
def test_secret_shapes_are_redacted_even_when_not_configured(line):
    cleaned = Redactor()(line)
    assert REDACTED in cleaned
    for secret in (DISCORD, FAL, GEMINI, TELEGRAM, "r8_" + "x" * 30, "xai-" + "Q" * 40):
        assert secret not in cleaned
    if "Secret-Token" in line:
        assert WEBHOOK_SECRET not in cleaned


# One line per shape of _PATTERNS (the order of the tuple), as a library might print it.
SHAPES = [
    f"POST /webhooks/456/{INTERACTION}/messages/@original",
    f"POST /interactions/123/{INTERACTION}/callback",
    f"GET /bot{TELEGRAM}/getMe",
    f"token {TELEGRAM} alone",
    f"x-goog-api-key: {GEMINI}",
    f"headers={{'Authorization': 'Bot {DISCORD}'}}",
    f"GET /v1beta/models?key={GEMINI}",
    f"gemini {GEMINI}",
    f"xai key xai-{'Q' * 40}",
    f"replicate r8_{'x' * 30}",
    f"fal {FAL}",
    f"discord {DISCORD}",
]


def test_the_cheap_pre_check_lets_every_secret_shape_through_to_the_patterns():
    assert len(SHAPES) == len(_PATTERNS)
    for (pattern, _), line in zip(_PATTERNS, SHAPES, strict=True):
        assert pattern.search(line), (pattern.pattern, line)
        assert _may_hold_secret(line), line
    for secret in SECRETS:  # a configured value of no known shape is still replaced
        assert REDACTED in Redactor(SECRETS)(f"value {secret} here")


def test_the_token_is_redacted_from_messages_args_and_tracebacks(capture):
    """The root redactor covers what the Telegram runner's own filter once did."""
    buffer = capture("text")
    token = TELEGRAM
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError:
        logging.getLogger("telegram.ext.Updater").error("url %s", f"/bot{token}", exc_info=True)
    text = buffer.getvalue()
    assert token not in text and token.split(":")[1] not in text
    assert f"url /bot{REDACTED}" in text and "RuntimeError" in text


def test_ids_and_ordinary_text_are_left_alone():
    redact = Redactor(SECRETS)
    line = ("job 3f2a9c01de queued account=12 model=nano-banana-2 credits=-8 "
            "interaction 1199999999999 on shard 0; adapters.telegram.webhook listening on "
            "0.0.0.0:8443; Nano Banana 2, because quoted words")
    assert redact(line) == line


def test_an_uncaught_crash_is_logged_through_the_redactor(tmp_path):
    program = (
        "from bot.log import setup_logging\n"
        f"setup_logging('INFO', 'json', [{SHORT_KEY!r}])\n"
        f"raise RuntimeError('GET https://api.telegram.org/bot{TELEGRAM}/getMe with {SHORT_KEY}')\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
                         timeout=60)
    assert out.returncode == 1
    (line,) = [json.loads(s) for s in out.stderr.splitlines()]
    assert line["level"] == "CRITICAL" and "RuntimeError" in line["exc_info"]
    assert_clean(out.stderr)


def test_a_bad_log_format_is_named_and_exits_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LOG_FORMAT": "xml"}
    out = subprocess.run([sys.executable, "-m", "bot", "route", "a fox"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "LOG_FORMAT" in out.stderr and "Traceback" not in out.stderr


def test_a_broken_log_call_reports_itself_without_the_secret(capture):
    buffer = capture("text")
    (ours,) = [h for h in logging.getLogger().handlers if h.get_name() == "imagine-bot"]
    record = logging.LogRecord("bot", logging.INFO, "bot/x.py", 7, "two args %s %s",
                               (f"https://x/bot{TELEGRAM}/getMe",), None)
    ours.handle(record)  # directly: pytest's own capture handler would raise on this record
    text = buffer.getvalue()
    assert "logging error in bot" in text and "not enough arguments" in text
    assert_clean(text)
