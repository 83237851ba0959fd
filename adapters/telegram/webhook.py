"""Webhook mode: PTB's own webhook server (tornado) instead of long polling.

Set TELEGRAM_WEBHOOK_URL (the public HTTPS URL Telegram posts to; TLS usually ends at a
proxy or load balancer in front of this process), TELEGRAM_WEBHOOK_SECRET (required) and
TELEGRAM_WEBHOOK_LISTEN (host:port this process serves, plain HTTP). The server answers only
POSTs to the path of the webhook URL; PTB answers 403 to a request whose
X-Telegram-Bot-Api-Secret-Token header is missing or wrong, before the body is read, so such
a request changes nothing.

Several replicas behind one load balancer each call setWebhook with the same URL and secret
(idempotent) and each get a share of the updates. Nothing here coordinates them: a
redelivered update is stopped by the event id the services record (a unique key in the
database). On shutdown the server stops; the webhook is NOT deleted, since other replicas
may still be serving it (a stopped fleet just lets Telegram queue updates for up to 24 h).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.settings import parse_listen as settings_parse_listen

if TYPE_CHECKING:
    from bot.settings import Settings

SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Simultaneous connections Telegram may open to the webhook URL (1-100; Telegram's default is
# 40). It is shared by all replicas behind the URL, and each replica's PTB handles updates
# concurrently, so the default suits a fleet of a few processes.
MAX_CONNECTIONS = 40


class WebhookConfigError(ValueError):
    """The webhook settings are unusable; the message says which one and why (no secrets)."""


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # given to setWebhook
    url_path: str  # the path this process serves (the path of `url`)
    listen: str  # address to bind
    port: int
    secret: str

    def start_kwargs(self, allowed_updates: list[str]) -> dict[str, Any]:
        """Keyword arguments for `Updater.start_webhook`."""
        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.url_path,
            "webhook_url": self.url,
            "secret_token": self.secret,
            "allowed_updates": allowed_updates,
            "max_connections": MAX_CONNECTIONS,
        }

    def describe(self) -> str:
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}{self.url_path}"


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """None for long polling (no webhook URL); raises WebhookConfigError when unusable."""
    url = settings.telegram_webhook_url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookConfigError(
            "TELEGRAM_WEBHOOK_URL must be an absolute URL such as https://bot.example.com/telegram"
        )
    if parts.query or parts.fragment:
        raise WebhookConfigError("TELEGRAM_WEBHOOK_URL must not have a query or a fragment")
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if any(part and part in url for part in (token, token.partition(":")[2])):
        raise WebhookConfigError(
            "TELEGRAM_WEBHOOK_URL must not contain the bot token (it would reach access logs); "
            "use any other path, TELEGRAM_WEBHOOK_SECRET authenticates Telegram"
        )
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise WebhookConfigError(
            "TELEGRAM_WEBHOOK_SECRET is required in webhook mode: without it anyone who finds "
            "the URL could post fake updates"
        )
    if not SECRET_RE.fullmatch(secret.get_secret_value()):
        raise WebhookConfigError(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    listen, port = parse_listen(settings.telegram_webhook_listen)
    return WebhookConfig(
        url=url,
        url_path=parts.path or "/",
        listen=listen,
        port=port,
        secret=secret.get_secret_value(),
    )


def parse_listen(value: str) -> tuple[str, int]:
    """"0.0.0.0:8443", "127.0.0.1:9000", "[::]:8443" or ":8443" (every address)."""
    try:
        return settings_parse_listen(value)
    except ValueError:
        raise WebhookConfigError(
            f"TELEGRAM_WEBHOOK_LISTEN must be host:port, e.g. 0.0.0.0:8443 (got {value!r})"
        ) from None
