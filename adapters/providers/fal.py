"""fal.ai over its queue protocol: submit, poll the returned status_url, fetch response_url.

The URLs fal returns are followed as given, never rebuilt: for multi-segment app ids the
status and result live under the base app id, not the submit path (providers.md 2.1).

Route params: `aspect_field` = "image_size" (default: {"width", "height"} at `megapixels`,
default 1) or "aspect_ratio" (a "16:9" string, e.g. nano-banana, grok); `send_seed = false`
for apps without a seed; anything else is sent in the body as is.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import dims_for
from adapters.providers.outcomes import nsfw_flags
from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    NotResumable,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    Route,
)

log = logging.getLogger(__name__)

RUNNING = {"IN_QUEUE", "IN_PROGRESS"}
FAILED = {"FAILED", "CANCELED", "CANCELLED", "ERROR"}
# fal's `detail[].type` for filter hits is not pinned down in its docs; match the family.
MODERATION_WORDS = ("content_policy", "nsfw", "safety", "moderation")


def request_body(route: Route, spec: ImageSpec, extra: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"prompt": spec.prompt}
    if route.params.get("aspect_field", "image_size") == "aspect_ratio":
        body["aspect_ratio"] = spec.aspect
    else:
        width, height = dims_for(spec.aspect, float(route.params.get("megapixels", 1.0)))
        body["image_size"] = {"width": width, "height": height}
    if spec.seed is not None and route.params.get("send_seed", True):
        body["seed"] = spec.seed
    return {**body, **extra}


class FalProvider(HttpProvider):
    name = "fal"
    label = "fal.ai"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self._key}"}

    def error_for(self, resp: httpx.Response, body: Any) -> ProviderError:
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, list):
            kinds = " ".join(str(d.get("type", "")) for d in detail if isinstance(d, dict))
            if any(word in kinds.lower() for word in MODERATION_WORDS):
                return ProviderRejected("fal.ai's content checker flagged the prompt or the image")
        return super().error_for(resp, body)

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        submitted = await self.call(
            "POST", f"{self.base_url}/{route.model}",
            json=request_body(route, spec, self.body_params(route, spec)),
        )
        handle = {
            "request_id": str(submitted["request_id"]),
            "status_url": str(submitted["status_url"]),
            "response_url": str(submitted["response_url"]),
            "cancel_url": str(submitted.get("cancel_url", "")),
        }
        log.info("fal submitted request_id=%s model=%s", handle["request_id"], route.model)
        await record(handle)
        return await self._finish_job(route, handle, resuming=False)

    async def pick_up(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        if not handle.get("status_url") or not handle.get("response_url"):
            raise NotResumable("the saved fal.ai job has no status or result link")
        log.info("fal resuming request_id=%s", handle.get("request_id"))
        return await self._finish_job(route, handle, resuming=True)

    async def _finish_job(
        self, route: Route, handle: Mapping[str, Any], *, resuming: bool
    ) -> GeneratedImage:
        gone = {404: NotResumable("fal.ai no longer has this job")} if resuming else None

        async def step() -> bool | None:
            status = await self.call("GET", str(handle["status_url"]), on_status=gone)
            state = str(status.get("status", "")).upper()
            if state == "COMPLETED":
                return True
            if state in FAILED:
                raise ProviderUnavailable(f"fal.ai reported the job as {state.lower()}")
            return None  # IN_QUEUE, IN_PROGRESS, or a state added later: keep waiting

        await self.poll(step)
        # COMPLETED does not mean success: validation and filter errors come back here.
        result = await self.call("GET", str(handle["response_url"]), on_status=gone)
        images = result.get("images") or []
        if not images or not images[0].get("url"):
            raise ProviderRejected("fal.ai returned no image, which means it refused the prompt")
        flagged, why = nsfw_flags(result.get("has_nsfw_concepts"), "fal.ai")
        image = await self.image_from(str(images[0]["url"]), route)
        # Flagged images are the policy's call (refund, or a spoiler where mature applies).
        return dataclasses.replace(image, flagged=True, flag_reason=why) if flagged else image
