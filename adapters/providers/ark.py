"""Seedream on BytePlus ModelArk over `POST {base}/images/generations` (synchronous).

`watermark: false` is always sent (Ark stamps "AI generated" by default). Seedream 5 takes a
pixel size ("WxH", 3.7 to 16.8 MP) and no seed. A 200 can still carry per-image failures in
`data[i].error`, so every item is checked; `*SensitiveContentDetected` codes are refusals.

Route params: `megapixels` (default 4, Seedream 5's "2K"); anything else is sent as is.

Edits use the same endpoint with `image`: one `data:image/<format>;base64,...` string, or
a list of them for several references (editing.md 1.5). The size keeps the first input's
proportions. Ark has no variation call; a variation is the shared vary instruction.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import data_uri, dims_for, input_dims
from adapters.providers.outcomes import Transient, short
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    Route,
)

SENSITIVE = {
    "InputTextSensitiveContentDetected": "BytePlus's content filter flagged the prompt",
    "InputImageSensitiveContentDetected": "BytePlus's content filter flagged the input image",
    "OutputImageSensitiveContentDetected": "BytePlus's content filter blocked the generated image",
    "SensitiveContentDetected": "BytePlus's content filter flagged the request",
}


def code_error(code: str, message: str) -> ProviderError | None:
    """Ark error codes (`Family.Detail`) to the two outcomes; None for codes not known here."""
    family = code.split(".")[0]
    if family in SENSITIVE:
        return ProviderRejected(SENSITIVE[family])
    if family.startswith(("RateLimitExceeded", "QuotaExceeded", "ServerOverloaded")):
        return Transient(f"BytePlus is busy ({code})")
    if family in ("InvalidParameter", "MissingParameter"):
        return ProviderRejected(f"BytePlus refused the request as invalid: {short(message)}")
    return None


def item_error(error: Any) -> ProviderError:
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    return code_error(code, message) or ProviderUnavailable(
        f"BytePlus could not draw it ({code or 'unknown error'})"
    )


def request_body(
    route: Route, spec: ImageSpec, extra: dict[str, Any], model: str | None = None
) -> dict[str, Any]:
    edit_size = route.edit.params.get("megapixels") if route.edit and spec.images else None
    megapixels = float(edit_size or route.params.get("megapixels", 4.0))
    image: dict[str, Any] = {}
    if spec.images:
        width, height = input_dims(spec.images[0], megapixels, 16)
        uris = [data_uri(i) for i in spec.images]
        image["image"] = uris[0] if len(uris) == 1 else uris
    else:
        width, height = dims_for(spec.aspect, megapixels, 16)
    return {
        "model": model or route.model, "prompt": spec.instruction(), **image,
        "size": f"{width}x{height}",
        "response_format": "b64_json", "watermark": False,
        "sequential_image_generation": "disabled", **extra,
    }


class ArkProvider(HttpProvider):
    name = "ark"
    label = "BytePlus ModelArk"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def error_for(self, resp: httpx.Response, body: Any) -> ProviderError:
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and resp.status_code == 400:
            known = code_error(str(error.get("code", "")), self.scrub(str(error.get("message", ""))))
            if known is not None:
                return known
        return super().error_for(resp, body)

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        edit = self.edit_route(route, spec)
        payload = (request_body(route, spec, self.body_params(route, spec)) if edit is None
                   else request_body(route, spec, self.edit_params(route, edit, spec), edit.model))
        body = await self.call("POST", f"{self.base_url}/images/generations", json=payload)
        failure = item_error(body["error"]) if body.get("error") else None
        for item in body.get("data") or []:
            ref = item.get("b64_json") or item.get("url")
            if ref:
                return await self.image_from(str(ref), route)
            if item.get("error"):
                failure = item_error(item["error"])
        raise failure or ProviderRejected("BytePlus returned no image, so it refused the prompt")
