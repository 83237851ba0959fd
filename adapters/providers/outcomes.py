"""How vendor answers map onto the port's two failures, in words a person can read.

`ProviderUnavailable` (fail over, retry later) or `ProviderRejected` (moderation, invalid
input: never retried). `Transient` marks the unavailable answers worth repeating the same
call for (429, 5xx, network); retries.py (on tenacity) acts on it.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx

from bot.domain.providers import ProviderError, ProviderRejected, ProviderUnavailable


class Transient(ProviderUnavailable):
    """Unavailable, and worth trying the same call again after a pause (429, 5xx, network)."""


def retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_text(body: Any) -> str:
    """The human part of the usual error shapes: {"error": {"message"}}, {"detail": [...]}."""
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "msg", "title"):
            if body.get(key):
                return error_text(body[key])
        return ""
    if isinstance(body, list):
        return error_text(body[0]) if body else ""
    return str(body) if body is not None else ""


def nsfw_flags(value: Any, label: str) -> tuple[bool, str]:
    """A `has_nsfw_concepts`-style signal as one verdict: (flagged, why). Absent means the
    route has no such signal; anything but a list of booleans counts as flagged."""
    if value is None:
        return False, ""
    if not isinstance(value, list) or not all(isinstance(v, bool) for v in value):
        return True, f"{label}'s safety signal could not be read"
    if any(value):
        return True, f"{label}'s safety checker flagged the image"
    return False, ""


def short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_error(label: str, resp: httpx.Response, message: str) -> ProviderError:
    """The default meaning of an HTTP error status, for vendors without special codes."""
    status, said = resp.status_code, f": {message}" if message else ""
    if status == 429:
        return Transient(f"{label} is rate limiting requests", retry_after=retry_after(resp))
    if status in (408, 425) or status >= 500:
        return Transient(f"{label} had a server error ({status})", retry_after=retry_after(resp))
    # Key and account problems are the operator's, not the prompt's: fail over, don't blame.
    if status == 401:
        return ProviderUnavailable(f"{label} refused this bot's API key (401)")
    if status == 402:
        return ProviderUnavailable(f"the {label} account is out of credits (402)")
    if status == 403:
        return ProviderUnavailable(f"{label} says this bot's key may not do that (403){said}")
    if status == 404:
        return ProviderUnavailable(f"{label} does not know this model or job (404)")
    if 400 <= status < 500:
        return ProviderRejected(f"{label} refused the request{said}")
    return ProviderUnavailable(f"{label} gave an unexpected answer (HTTP {status})")
