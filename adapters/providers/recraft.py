"""Recraft over `POST /v1/images/generations` (OpenAI-style, synchronous).

`model` is always sent: when it is missing Recraft silently uses its newest model. The
size goes as a ratio ("16:9"), which Recraft accepts for every model, so no per-model pixel
table is needed. `b64_json` is asked for so no temporary link is involved.

Recraft's error body is not documented; its message is passed on, and the request id it
sends in `X-Recraft-Requestid` is logged (an id, never the key).

Route params: anything (image_format, controls, ...) is sent in the body as is.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    ProviderError,
    ProviderRejected,
    Route,
)

log = logging.getLogger(__name__)


def request_body(route: Route, spec: ImageSpec, extra: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt": spec.prompt, "model": route.model, "n": 1, "size": spec.aspect,
        "response_format": "b64_json",
    }
    if spec.seed is not None:
        body["random_seed"] = spec.seed
    return {**body, **extra}


class RecraftProvider(HttpProvider):
    name = "recraft"
    label = "Recraft"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def error_for(self, resp: httpx.Response, body: Any) -> ProviderError:
        log.info("recraft error status=%s request_id=%s", resp.status_code,
                 resp.headers.get("x-recraft-requestid", "-"))
        return super().error_for(resp, body)

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        body = await self.call(
            "POST", f"{self.base_url}/v1/images/generations",
            json=request_body(route, spec, self.body_params(route, spec)),
        )
        data = body.get("data") or []
        ref = (data[0].get("b64_json") or data[0].get("url")) if data else None
        if not ref:
            raise ProviderRejected("Recraft returned no image, which means it refused the prompt")
        return await self.image_from(str(ref), route)
