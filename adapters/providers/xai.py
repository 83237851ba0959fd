"""xAI Grok Imagine over `POST /v1/images/generations` (OpenAI-style, synchronous).

xAI takes `aspect_ratio` (it rejects `size`) and has no seed. Its moderation is silent: a
blocked prompt can come back as HTTP 200 with empty `data` or a `block_reason`, and a
flagged image as `respect_moderation: false`. Those are refusals, never retried (they are
often billed). `b64_json` is asked for so no short-lived imgen.x.ai link is involved.

Route params: anything (resolution "1k"/"2k", response_format) is sent in the body as is.
"""

from __future__ import annotations

from typing import Any

from adapters.providers.http_common import HttpProvider
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    ProviderRejected,
    Route,
)


def request_body(route: Route, spec: ImageSpec, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": route.model, "prompt": spec.prompt, "n": 1, "aspect_ratio": spec.aspect,
        "response_format": "b64_json", **extra,
    }


class XaiProvider(HttpProvider):
    name = "xai"
    label = "xAI"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        body = await self.call(
            "POST", f"{self.base_url}/v1/images/generations",
            json=request_body(route, spec, self.body_params(route, spec)),
        )
        if body.get("block_reason"):
            raise ProviderRejected(f"xAI's moderation blocked the prompt ({body['block_reason']})")
        data = body.get("data") or []
        if not data:
            raise ProviderRejected("xAI's moderation refused the prompt (no image came back)")
        item = data[0]
        if item.get("respect_moderation") is False:
            raise ProviderRejected("xAI's moderation blocked the generated image")
        ref = item.get("b64_json") or item.get("url")
        if not ref:
            raise ProviderRejected("xAI returned no image, which means it refused the prompt")
        return await self.image_from(str(ref), route)
