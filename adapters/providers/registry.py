"""Which provider adapters this bot has: one per vendor whose key is set in settings."""

from __future__ import annotations

from typing import Any

import httpx

from bot.domain.providers import ImageProvider


def build_providers(settings: Any, client: httpx.AsyncClient) -> dict[str, ImageProvider]:
    """Vendor adapters for every key that is set. Empty = demo mode."""
    return {}
