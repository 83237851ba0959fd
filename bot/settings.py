"""All configuration: one pydantic-settings class, built once in main.

Values come from the environment or `.env`. Secrets are SecretStr so they never print.
Every field here is listed in `.env.example` (a test checks that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DATABASE_URL = "sqlite:///data/imagine.db"


# The settings that hold secrets (SecretStr): never logged, never baked into an image.
SECRET_SETTINGS = (
    "telegram_token",
    "telegram_webhook_secret",
    "discord_token",
    "fal_key",
    "bfl_api_key",
    "gemini_api_key",
    "xai_api_key",
    "ark_api_key",
    "recraft_api_token",
    "replicate_api_token",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Core
    database_url: str = DEFAULT_DATABASE_URL
    models_file: Path = DATA_DIR / "models.toml"
    intents_file: Path = DATA_DIR / "intents.toml"
    store_file: Path = DATA_DIR / "store.toml"
    welcome_credits: int = Field(50, ge=0)
    max_jobs_per_user: int = Field(2, ge=1)
    # Jobs this process works at once (0: a chat-only process that leaves every job to the
    # fleet's workers). QUEUE_CONCURRENCY is the old name and still read.
    worker_concurrency: int = Field(
        4, ge=0, validation_alias=AliasChoices("WORKER_CONCURRENCY", "QUEUE_CONCURRENCY")
    )
    job_lease_seconds: float = Field(30.0, gt=0)
    generation_timeout_seconds: float = Field(300.0, gt=0)
    # On stop, jobs in flight get this long to finish and be posted; then they are refunded
    # (or handed to the live processes of the fleet).
    shutdown_grace_seconds: float = Field(8.0, ge=0)
    log_level: str = "INFO"
    log_format: str = "text"  # "text" (readable lines) or "json" (one object per line)
    # host:port serving /metrics, /healthz and /readyz (empty: off), e.g. 127.0.0.1:9464
    metrics_listen: str = ""

    # Community credits
    daily_credits: int = Field(10, ge=0)
    admin_user_ids: str = ""  # operator ids on every platform: "discord:123,telegram:456"
    discord_admin_role: str = ""  # members with this role name are admins too

    # Buying credits (packs are in STORE_FILE)
    pay_support_contact: str = ""  # how buyers reach the operator (/paysupport shows it)
    discord_test_purchases: bool = False  # credit Discord test-mode entitlements (type 4)
    payments_reconcile_seconds: float = Field(3600.0, gt=0)

    # Content safety
    safety_file: Path = DATA_DIR / "safety.toml"
    dm_safety_level: Literal["strict", "standard", "mature"] = "strict"
    max_safety_level: Literal["strict", "standard", "mature"] = "standard"
    safety_log_prompts: bool = False
    safety_log_days: float = Field(30.0, gt=0)
    safety_block_strikes: int = Field(3, ge=0)
    safety_block_window: str = "24h"
    safety_timeouts: str = "1h,6h,24h"

    # Offline demo renderer (used when no provider key is set)
    demo_delay_seconds: float = Field(0.0, ge=0)
    demo_fail: str = ""  # "", "unavailable" or "rejected": make the demo fail, for tests

    # Chat platforms
    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str = ""  # set: webhook mode (the public URL given to setWebhook)
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0:8443"
    discord_token: SecretStr | None = None
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    discord_guild_ids: str = ""
    discord_shard_count: int | None = Field(None, ge=1)
    discord_shard_ids: str = ""  # this process's shards, e.g. "0,1" (empty: all of them)

    # Providers: keys (all optional) and base URLs (proxies, gateways, local fakes)
    fal_key: SecretStr | None = None
    fal_base_url: str = "https://queue.fal.run"
    # fal's storage, where edit input images are uploaded (the host fal's own client uses);
    # empty: edits send the images to fal as data: URIs instead.
    fal_storage_base_url: str = "https://rest.alpha.fal.ai"
    bfl_api_key: SecretStr | None = None
    bfl_base_url: str = "https://api.bfl.ai"
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    xai_api_key: SecretStr | None = None
    xai_base_url: str = "https://api.x.ai"
    ark_api_key: SecretStr | None = None
    ark_base_url: str = "https://ark.ap-southeast.bytepluses.com/api/v3"
    recraft_api_token: SecretStr | None = None
    recraft_base_url: str = "https://external.api.recraft.ai"
    replicate_api_token: SecretStr | None = None
    replicate_base_url: str = "https://api.replicate.com"
    provider_max_image_bytes: int = Field(20_000_000, gt=0)

    @field_validator("demo_fail")
    @classmethod
    def _demo_fail_mode(cls, value: str) -> str:
        if value not in ("", "unavailable", "rejected", "flagged"):
            raise ValueError("DEMO_FAIL must be empty, 'unavailable', 'rejected' or 'flagged'")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be 'text' or 'json'")
        return value.lower()

    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, keys, webhook secret): the logs redact them."""
        values = (getattr(self, name) for name in SECRET_SETTINGS)
        return [v.get_secret_value() for v in values if v is not None]

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_listen_is_host_port(cls, value: str) -> str:
        value = value.strip()
        if value:
            parse_listen(value)  # raises ValueError with the example
        return value

    def metrics_address(self) -> tuple[str, int] | None:
        return parse_listen(self.metrics_listen) if self.metrics_listen else None

    @field_validator(*SECRET_SETTINGS, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_database_is_the_default(cls, value: object) -> object:
        # `DATABASE_URL=` in a .env file means "not set", as for the tokens.
        return DEFAULT_DATABASE_URL if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_url_names_an_engine(cls, value: str) -> str:
        value = value.strip()
        scheme, sep, rest = value.partition(":")
        engine = scheme.lower()
        if engine == "sqlite" and value[len(scheme):].startswith(":///"):
            return value
        if engine in ("postgresql", "postgres") and sep and rest.startswith("//") and rest[2:]:
            return value
        # Only the scheme is echoed: the rest of a URL may hold a password.
        raise ValueError("must look like sqlite:///data/imagine.db or "
                         f"postgresql://user@host/dbname (got {scheme[:20]!r}:...)")

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _blank_count_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def shard_ids(self) -> list[int] | None:
        ids = [int(s) for s in self.discord_shard_ids.replace(" ", "").split(",") if s]
        return ids or None

    def guild_ids(self) -> list[int]:
        return [int(g) for g in self.discord_guild_ids.replace(" ", "").split(",") if g]


def parse_listen(value: str) -> tuple[str, int]:
    """"127.0.0.1:9464", "0.0.0.0:9464", "[::1]:9464" or ":9464" (every address)."""
    host, sep, port_text = value.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        sep = ""  # a bare IPv6 address needs brackets
    if not sep or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"must be host:port, e.g. 127.0.0.1:9464 (got {value!r})")
    return host or "0.0.0.0", int(port_text)
