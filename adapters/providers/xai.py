"""xAI Grok Imagine over `POST /v1/images/generations` (OpenAI-style, synchronous).

xAI takes `aspect_ratio` (it rejects `size`) and has no seed. Its moderation is silent: a
blocked prompt can come back as HTTP 200 with empty `data` or a `block_reason`, and a
flagged image as `respect_moderation: false`. Those are refusals, never retried (they are
often billed). `b64_json` is asked for so no short-lived imgen.x.ai link is involved.

Route params: anything (resolution "1k"/"2k", response_format) is sent in the body as is.

Edits go to `POST /v1/images/edits` (JSON; editing.md 1.4) with the route's `edit.model`:
`image` for one input, `images` for two or three, each `{"url": "data:...;base64,..."}` (a
public link is never involved). No aspect ratio on an edit: the output follows the first
input. xAI has no seed and no variation call; a variation is the shared vary instruction.
"""

from __future__ import annotations

from typing import Any

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import data_uri
from bot.domain.providers import (
    EditRoute,
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


def edit_body(edit: EditRoute, spec: ImageSpec, extra: dict[str, Any]) -> dict[str, Any]:
    refs = [{"url": data_uri(image)} for image in spec.images]
    images: dict[str, Any] = {"image": refs[0]} if len(refs) == 1 else {"images": refs}
    return {
        "model": edit.model, "prompt": spec.instruction(), "n": 1, **images,
        "response_format": "b64_json", **extra,
    }


class XaiProvider(HttpProvider):
    name = "xai"
    label = "xAI"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        edit = self.edit_route(route, spec)
        if edit is None:
            path, payload = "generations", request_body(route, spec, self.body_params(route, spec))
        else:
            path, payload = "edits", edit_body(edit, spec, self.edit_params(route, edit, spec))
        body = await self.call("POST", f"{self.base_url}/v1/images/{path}", json=payload)
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
