"""Fixtures for provider adapter tests: the fake vendors over MockTransport, fast timing."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from PIL import Image

from adapters.providers.http_common import HttpProvider, Policy
from adapters.providers.registry import VENDORS
from bot.domain.providers import ImageSpec, InputImage, Route
from tests.adapters.provider_fakes import KEY, FakeVendors, Recorder, Sleeps

ROUTES = {
    "fal": Route("fal", "fal-ai/flux-2/klein/4b"),
    "bfl": Route("bfl", "flux-2-klein-4b"),
    "gemini": Route("gemini", "gemini-3.1-flash-image-preview"),
    "xai": Route("xai", "grok-imagine-image"),
    "ark": Route("ark", "seedream-5-0-260128"),
    "recraft": Route("recraft", "recraftv4_pro"),
    "replicate": Route("replicate", "black-forest-labs/flux-2-klein-4b"),
}
SPEC = ImageSpec("a red fox in the snow", "16:9", 7, "flux-2-klein", "Flux 2 Klein")
MAX_BYTES = 50_000  # small, so the fake's oversized payload (a ~200 KB PNG) trips it


@pytest.fixture
def fake() -> FakeVendors:
    return FakeVendors()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def recorder(fake: FakeVendors) -> Recorder:
    return Recorder(fake)


@pytest.fixture
async def client(fake: FakeVendors) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport(), follow_redirects=True) as c:
        yield c


@pytest.fixture
def make(fake: FakeVendors, client: httpx.AsyncClient, sleeps: Sleeps) -> Callable[..., HttpProvider]:
    def build(vendor: str, *, deadline: float = 5.0, attempts: int = 3) -> HttpProvider:
        cls = VENDORS[vendor][0]
        policy = Policy(deadline=deadline, attempts=attempts, poll_interval=0.01,
                        sleep=sleeps, jitter=lambda: 0.5)
        extra = {"storage_base_url": fake.storage_url()} if vendor == "fal" else {}
        return cls(client, KEY, fake.base_url(vendor), max_image_bytes=MAX_BYTES, policy=policy,
                   **extra)

    return build


def input_image(n: int = 0, width: int = 96, height: int = 64, fmt: str = "PNG") -> InputImage:
    """A normalised input image as the intake hands it over; each `n` gives other bytes."""
    img = Image.new("RGB", (width, height), (30 + 50 * n % 220, 120, 200 - 40 * n % 180))
    img.putpixel((n % width, 0), (255, 255, 255))
    out = io.BytesIO()
    img.save(out, format=fmt)
    data = out.getvalue()
    mime = "image/png" if fmt == "PNG" else "image/jpeg"
    return InputImage(data, mime, width, height, hashlib.sha256(data).hexdigest())


def images(count: int) -> tuple[InputImage, ...]:
    return tuple(input_image(n, fmt="PNG" if n % 2 == 0 else "JPEG") for n in range(count))
