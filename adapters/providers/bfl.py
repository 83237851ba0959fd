"""Black Forest Labs (FLUX.2): submit, then poll the `polling_url` the submit returned.

The polling URL names the cluster that took the job (api.us3.bfl.ai, ...), so it is used as
given. FLUX.2 takes width/height (multiples of 16), not a ratio. `result.sample` is a signed
link that dies 10 minutes after the image is made, so it is downloaded at once, and a saved
job older than that cannot be picked up after a restart.

Route params: `megapixels` (default 1); anything else (safety_tolerance, output_format, ...)
is sent in the body as is.

Edits go to the same endpoint (the route's `edit.model`) with `input_image`, `input_image_2`
... as bare base64 (BFL also fetches URLs, but a chat platform's link expires or leaks a
token, so the bytes are sent). The output takes the first input's proportions. A variation
is the shared vary instruction with the caller's new seed: FLUX.2 has no variation call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import b64, dims_for, input_dims
from bot.domain.providers import (
    EditRoute,
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    NotResumable,
    ProviderRejected,
    ProviderUnavailable,
    Route,
)

log = logging.getLogger(__name__)

RESULT_LIFETIME = 600.0  # seconds a BFL delivery link stays valid
REFUSED = {
    "Request Moderated": "Black Forest Labs' content filter flagged the prompt",
    "Content Moderated": "Black Forest Labs' content filter blocked the generated image",
}


def request_body(route: Route, spec: ImageSpec, extra: Mapping[str, Any]) -> dict[str, Any]:
    width, height = dims_for(spec.aspect, float(route.params.get("megapixels", 1.0)), 16)
    body: dict[str, Any] = {"prompt": spec.prompt, "width": width, "height": height}
    if spec.seed is not None:
        body["seed"] = spec.seed
    return {**body, **extra}


def edit_body(
    route: Route, edit: EditRoute, spec: ImageSpec, extra: Mapping[str, Any]
) -> dict[str, Any]:
    megapixels = float(edit.params.get("megapixels", route.params.get("megapixels", 1.0)))
    width, height = input_dims(spec.images[0], megapixels, 16)
    body: dict[str, Any] = {"prompt": spec.instruction(), "width": width, "height": height}
    for n, image in enumerate(spec.images, start=1):
        body["input_image" if n == 1 else f"input_image_{n}"] = b64(image)
    if spec.seed is not None:
        body["seed"] = spec.seed
    return {**body, **extra}


class BflProvider(HttpProvider):
    name = "bfl"
    label = "Black Forest Labs"

    def auth_headers(self) -> dict[str, str]:
        return {"x-key": self._key}

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        edit = self.edit_route(route, spec)
        if edit is None:
            model, body = route.model, request_body(route, spec, self.body_params(route, spec))
        else:
            model, body = edit.model, edit_body(route, edit, spec,
                                                self.edit_params(route, edit, spec))
        submitted = await self.call("POST", f"{self.base_url}/v1/{model}", json=body)
        handle = {
            "id": str(submitted["id"]),
            "polling_url": str(submitted["polling_url"]),
            "submitted_at": time.time(),
        }
        log.info("bfl submitted id=%s model=%s images=%d", handle["id"], model, len(spec.images))
        await record(handle)
        return await self._finish_job(route, handle, resuming=False)

    async def pick_up(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        if not handle.get("polling_url"):
            raise NotResumable("the saved Black Forest Labs job has no polling link")
        if time.time() - float(handle.get("submitted_at", 0)) > RESULT_LIFETIME:
            raise NotResumable("Black Forest Labs deletes finished images after 10 minutes")
        log.info("bfl resuming id=%s", handle.get("id"))
        return await self._finish_job(route, handle, resuming=True)

    async def _finish_job(
        self, route: Route, handle: Mapping[str, Any], *, resuming: bool
    ) -> GeneratedImage:
        async def step() -> str | None:
            polled = await self.call("GET", str(handle["polling_url"]))
            status = str(polled.get("status", ""))
            if status == "Ready":
                return str(polled["result"]["sample"])
            if status in REFUSED:
                raise ProviderRejected(REFUSED[status])
            if status == "Task not found":
                if resuming:
                    raise NotResumable("Black Forest Labs no longer has this job")
                raise ProviderUnavailable("Black Forest Labs lost the job")
            if status in ("Error", "Failed"):
                raise ProviderUnavailable("Black Forest Labs reported an error while drawing")
            return None  # Pending (or a state added later): keep waiting

        sample = await self.poll(step)
        return await self.image_from(sample, route)
