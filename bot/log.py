"""Logging setup: readable text lines (the default) or one JSON object per line, and no
secret in either.

Every line passes one redactor before it is written, whoever logged it (our code, discord.py,
PTB, httpx, which logs request URLs with the Telegram token in them at INFO) and whatever it
holds (message, arguments, traceback): the configured secrets are replaced by value, and
token shapes and the URL parts that carry tokens (`/bot<token>/`, Discord's
`/webhooks/<app>/<token>` and `/interactions/<id>/<token>/callback`, auth headers, `?key=`)
by pattern, so a secret that is not configured here (another bot's, a vendor's echo) is
caught too. httpx/httpcore stay at WARNING anyway: one line per request is noise.

Ids that say what a line is about (job, platform, user key, model, credits delta) ride along
in context variables set where a request or a job is handled (`log_context`), or in
`extra=`; the JSON format writes them as fields.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TextIO

REDACTED = "[REDACTED]"
CONTEXT_FIELDS = ("job_id", "platform", "user", "model", "credits_delta")
NOISY = ("httpx", "httpcore", "psycopg.pool", "discord.gateway", "telegram.ext.Updater")
# Shorter configured values are not replaced by value (a 3-letter "secret" would blank out
# every word that contains it); the patterns still apply.
MIN_SECRET_LENGTH = 4

_TOKEN_CHARS = r"[A-Za-z0-9_\-]"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Discord interaction tokens in webhook and callback URLs (the ids before them stay).
    (re.compile(r"(/webhooks/\d+/)[^/\s?#\"'<>]+"), rf"\1{REDACTED}"),
    (re.compile(r"(/interactions/\d+/)[^/\s?#\"'<>]+"), rf"\1{REDACTED}"),
    # Telegram bot tokens, in Bot API URLs (/bot<token>/, /file/bot<token>/) or alone.
    (re.compile(r"(bot)\d+:[^/\s?#\"'<>]+"), rf"\1{REDACTED}"),
    (re.compile(rf"\b\d{{6,}}:{_TOKEN_CHARS}{{30,}}"), REDACTED),
    # Auth headers and their values as printed by libraries (dicts, reprs, header dumps).
    (
        re.compile(
            r"((?:authorization|x-goog-api-key|x-api-key|x-telegram-bot-api-secret-token)"
            r"['\"]?\s*[:=,]\s*['\"]?)(?:(?:bot|bearer|key|token)\s+)?[^\s'\",}\]]+",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"\b(Bot|Bearer|Key|Token) [A-Za-z0-9._~+/=:\-]{16,}"), rf"\1 {REDACTED}"),
    # Keys in query strings (Gemini accepts ?key=).
    (
        re.compile(r"([?&](?:key|api_key|apikey|token|access_token|secret)=)[^&\s\"'#]+", re.I),
        rf"\1{REDACTED}",
    ),
    # Vendor key shapes: Gemini, xAI, Replicate, fal (uuid:hex).
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), REDACTED),
    (re.compile(r"\bxai-[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"\br8_[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}:[0-9a-f]{32}\b"), REDACTED),
    # Discord bot tokens (and JWT-shaped strings): three base64url parts joined by dots.
    (re.compile(rf"\b{_TOKEN_CHARS}{{16,}}\.{_TOKEN_CHARS}{{4,}}\.{_TOKEN_CHARS}{{20,}}"), REDACTED),
)


# A cheap test that a line may hold a secret: each pattern above needs one of these (a
# literal of it, or a run of 16 token characters, which every token shape has), so a line
# with none of them goes out as it is, without running the patterns (most lines: about
# 6 us instead of 75). Keep it in step with _PATTERNS (test_logging checks each shape).
_HINTS = ("/webhooks/", "/interactions/", "Bot ", "Bearer ", "Key ", "Token ", "AIza", "xai-",
          "r8_")
_HINTS_ANY_CASE = ("authorization", "api-key", "secret-token", "key=", "token=", "secret=")
_HINT_PATTERNS = (re.compile(r"bot\d"), re.compile(rf"{_TOKEN_CHARS}{{16}}"))


def _may_hold_secret(text: str) -> bool:
    if any(hint in text for hint in _HINTS):
        return True
    lowered = text.lower()
    if any(hint in lowered for hint in _HINTS_ANY_CASE):
        return True
    return any(p.search(text) is not None for p in _HINT_PATTERNS)


class Redactor:
    """Replaces configured secrets (by value) and secret shapes (by pattern) in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                values.add(secret)
                values.add(json.dumps(secret)[1:-1])  # as it appears inside JSON text
            # A Telegram token's secret half is a secret on its own.
            _, _, tail = secret.partition(":")
            if len(tail) >= 8:
                values.add(tail)
        ordered = sorted(values, key=len, reverse=True)  # longest first: no partial leftovers
        self._ordered = tuple(ordered)
        self._values = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if not _may_hold_secret(text) and not any(v in text for v in self._ordered):
            return text
        if self._values is not None:
            text = self._values.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context")


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach ids (job_id, platform, user, model) to every line logged inside, in this task
    and the tasks it starts. Fields given as None are left out."""
    token = _context.set({**_context.get({}), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class _ContextFilter(logging.Filter):
    """Copies the current log context onto each record (`extra=` fields win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get({}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class TextFormatter(logging.Formatter):
    """Today's readable lines, redacted (message, arguments and traceback alike)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context
    ids that apply, and the traceback as `exc_info`."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        line: dict[str, Any] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value if isinstance(value, int | float) else self.redact(str(value))
        if record.exc_info:
            line["exc_info"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack_info"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class _RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler whose own error report (a bad format string, say) is redacted too:
    logging's default prints the record's arguments as they are."""

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        super().__init__(stream)
        self.redact = redact

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        kind, exc = sys.exc_info()[:2]
        note = f"logging error in {record.name} ({record.pathname}:{record.lineno}): {exc!r}"
        try:
            self.stream.write(self.redact(note) + self.terminator)
        except Exception:  # noqa: BLE001 - the stream itself is gone: nothing left to tell
            pass


def setup_logging(
    level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Send every logger's lines through one redacting handler on stderr. Called again (tests
    run main() more than once), it replaces its own handler and leaves others alone."""
    redact = Redactor(secrets)
    handler = _RedactingHandler(sys.stderr if stream is None else stream, redact)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    handler.addFilter(_ContextFilter())
    handler.set_name("imagine-bot")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "imagine-bot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    _log_uncaught()


def _log_uncaught() -> None:
    """A crash's traceback (httpx errors name the URL, token and all) is a log line too."""
    crash = logging.getLogger("bot.crash")

    def excepthook(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        crash.critical("uncaught exception", exc_info=(kind, exc, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            crash.critical(
                "uncaught exception in thread %s",
                args.thread.name if args.thread else "?",
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
