"""Which provider adapters this bot has: one per vendor whose key is set in settings."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.providers.ark import ArkProvider
from adapters.providers.bfl import BflProvider
from adapters.providers.fal import FalProvider
from adapters.providers.gemini import GeminiProvider
from adapters.providers.http_common import HttpProvider, Policy
from adapters.providers.recraft import RecraftProvider
from adapters.providers.replicate import ReplicateProvider
from adapters.providers.xai import XaiProvider
from bot.domain.providers import ImageProvider

# provider name -> (adapter, settings field with the key, settings field with the base URL)
VENDORS: dict[str, tuple[type[HttpProvider], str, str]] = {
    "fal": (FalProvider, "fal_key", "fal_base_url"),
    "bfl": (BflProvider, "bfl_api_key", "bfl_base_url"),
    "gemini": (GeminiProvider, "gemini_api_key", "gemini_base_url"),
    "xai": (XaiProvider, "xai_api_key", "xai_base_url"),
    "ark": (ArkProvider, "ark_api_key", "ark_base_url"),
    "recraft": (RecraftProvider, "recraft_api_token", "recraft_base_url"),
    "replicate": (ReplicateProvider, "replicate_api_token", "replicate_base_url"),
}


def route_deadline(settings: Any) -> float:
    """Half the job's timeout per route: a route that hangs still leaves time to fail over."""
    return max(1.0, float(settings.generation_timeout_seconds) / 2)


def configured(settings: Any) -> list[str]:
    """Names of the vendors whose key is set, in VENDORS order."""
    return [name for name, (_, key, _) in VENDORS.items() if getattr(settings, key, None)]


def build_providers(
    settings: Any, client: httpx.AsyncClient, policy: Policy | None = None
) -> dict[str, ImageProvider]:
    """Vendor adapters for every key that is set. Empty = demo mode."""
    policy = policy or Policy(deadline=route_deadline(settings))
    providers: dict[str, ImageProvider] = {}
    for name in configured(settings):
        cls, key_field, url_field = VENDORS[name]
        # fal alone has a second host: its storage, where edit input images are uploaded.
        extra = ({"storage_base_url": getattr(settings, "fal_storage_base_url", "")}
                 if cls is FalProvider else {})
        providers[name] = cls(
            client,
            getattr(settings, key_field).get_secret_value(),
            getattr(settings, url_field),
            max_image_bytes=settings.provider_max_image_bytes,
            policy=policy,
            **extra,
        )
    return providers
