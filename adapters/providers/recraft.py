"""Recraft over `POST /v1/images/generations` (OpenAI-style, synchronous).

`model` is always sent: when it is missing Recraft silently uses its newest model. The
size goes as a ratio ("16:9"), which Recraft accepts for every model, so no per-model pixel
table is needed. `b64_json` is asked for so no temporary link is involved.

Recraft's error body is not documented; its message is passed on, and the request id it
sends in `X-Recraft-Requestid` is logged (an id, never the key).

Route params: anything (image_format, controls, ...) is sent in the body as is.

Edits use `POST /v1/images/imageToImage` as multipart (the image as a file part, as Recraft's
generated client sends it) with `strength`: 0 keeps the picture, 1 moves far from it. An
edit uses the route's `edit.params.strength` (default 0.5); a variation uses the shared vary
instruction with a low strength (`vary_strength`, default 0.2) and a strong one a higher
strength (`vary_strong_strength`, default 0.6), editing.md 5. Recraft's own `variateImage`
is not used: it is not in Recraft's generated client (the definition the fakes check) and
whether it runs V4 models is unverified (editing.md 1.6), so imageToImage serves both.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider
from bot.domain.providers import (
    EditRoute,
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


STRENGTH = {"edit": ("strength", 0.5), "vary": ("vary_strength", 0.2),
            "vary_strong": ("vary_strong_strength", 0.6)}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


def edit_form(edit: EditRoute, spec: ImageSpec, extra: dict[str, Any]) -> dict[str, str]:
    key, default = STRENGTH.get(spec.mode, STRENGTH["edit"])
    form: dict[str, Any] = {
        "prompt": spec.instruction(), "model": edit.model, "n": 1,
        "strength": float(edit.params.get(key, default)), "response_format": "b64_json",
    }
    if spec.seed is not None:
        form["random_seed"] = spec.seed
    form.update(extra)
    # Multipart fields are text; booleans the way Recraft's client writes them.
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in form.items()}


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
        edit = self.edit_route(route, spec)
        if edit is None:
            body = await self.call(
                "POST", f"{self.base_url}/v1/images/generations",
                json=request_body(route, spec, self.body_params(route, spec)),
            )
        else:
            image = spec.images[0]
            name = f"{image.digest[:16]}.{EXTENSIONS.get(image.mime, 'png')}"
            body = await self.call(
                "POST", f"{self.base_url}/v1/images/imageToImage",
                form=edit_form(edit, spec, self.edit_params(route, edit, spec)),
                files={"image": (name, image.data, image.mime)},
            )
        data = body.get("data") or []
        ref = (data[0].get("b64_json") or data[0].get("url")) if data else None
        if not ref:
            raise ProviderRejected("Recraft returned no image, which means it refused the prompt")
        return await self.image_from(str(ref), route)
