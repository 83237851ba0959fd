"""A scripted in-memory provider for service tests: each call takes the next outcome."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from typing import Any

from PIL import Image

from bot.domain.providers import GeneratedImage, ImageSpec, JobHandleRecorder, Route


def png(width: int = 8, height: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


class Scripted:
    """`outcomes`: "ok", an exception instance to raise, or ("sleep", seconds)."""

    def __init__(self, name: str, *outcomes: Any, default: Any = "ok") -> None:
        self.name = name
        self.outcomes = list(outcomes)
        self.default = default
        self.calls: list[tuple[Route, ImageSpec]] = []
        self.started = asyncio.Event()

    async def generate(
        self, route: Route, spec: ImageSpec, record: JobHandleRecorder
    ) -> GeneratedImage:
        self.calls.append((route, spec))
        await record({"request_id": f"r{len(self.calls)}"})
        self.started.set()
        outcome = self.outcomes.pop(0) if self.outcomes else self.default
        if isinstance(outcome, tuple) and outcome[0] == "sleep":
            await asyncio.sleep(outcome[1])
        elif isinstance(outcome, BaseException):
            raise outcome
        return GeneratedImage(png(), "image/png", 8, 8, self.name, route.model)

    async def resume(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        return await self.generate(route, spec, record)
