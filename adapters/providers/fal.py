"""fal.ai over its queue protocol: submit, poll the returned status_url, fetch response_url.

The URLs fal returns are followed as given, never rebuilt: for multi-segment app ids the
status and result live under the base app id, not the submit path (providers.md 2.1).

Route params: `aspect_field` = "image_size" (default: {"width", "height"} at `megapixels`,
default 1) or "aspect_ratio" (a "16:9" string, e.g. nano-banana, grok); `send_seed = false`
for apps without a seed; anything else is sent in the body as is.

Edits go to the route's `edit.model` endpoint (`.../edit`) with `image_urls`. The bytes are
uploaded to fal's storage first (FAL_STORAGE_BASE_URL: initiate, then PUT to the signed
upload URL it returns) and the returned file URL is sent: fal documents URLs as working on
every model, while `data:` URIs are accepted only by some apps and make the queue payload
large (editing.md 1.2). `image_transport = "data_uri"` in a route's edit params (or no storage
URL configured) sends data URIs instead. The shape is left out of an edit so the output
follows the input image (fal's edit apps default to the input size or `auto`); an edit
table can still set one (`image_size = "auto_2K"`). A variation is the shared vary
instruction with the caller's new seed, where the app takes a seed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider, Policy
from adapters.providers.media import data_uri, dims_for
from adapters.providers.outcomes import nsfw_flags
from bot.domain.providers import (
    EditRoute,
    GeneratedImage,
    ImageSpec,
    InputImage,
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


def edit_body(
    route: Route, edit: EditRoute, spec: ImageSpec, urls: list[str], extra: Mapping[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"prompt": spec.instruction(), "image_urls": urls}
    if "image_size" in edit.params:  # an adapter option for Gemini, a field here
        body["image_size"] = edit.params["image_size"]
    send_seed = edit.params.get("send_seed", route.params.get("send_seed", True))
    if spec.seed is not None and send_seed:
        body["seed"] = spec.seed
    return {**body, **extra}


# fal's storage (fal's official client, storage.ts): where an upload is initiated.
UPLOAD_INITIATE = "/storage/upload/initiate?storage_type=fal-cdn-v3"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


class FalProvider(HttpProvider):
    name = "fal"
    label = "fal.ai"

    def __init__(
        self,
        client: httpx.AsyncClient,
        key: str,
        base_url: str,
        *,
        max_image_bytes: int = 20_000_000,
        policy: Policy | None = None,
        storage_base_url: str = "",
    ) -> None:
        super().__init__(client, key, base_url, max_image_bytes=max_image_bytes, policy=policy)
        self.storage_base_url = storage_base_url.rstrip("/")

    async def image_urls(self, edit: EditRoute, images: tuple[InputImage, ...]) -> list[str]:
        if edit.params.get("image_transport", "upload") == "data_uri" or not self.storage_base_url:
            return [data_uri(image) for image in images]
        return [await self.upload(image) for image in images]

    async def upload(self, image: InputImage) -> str:
        """Put the bytes in fal's storage; returns the file URL fal's apps will fetch."""
        initiated = await self.call(
            "POST", f"{self.storage_base_url}{UPLOAD_INITIATE}",
            json={"content_type": image.mime,
                  "file_name": f"{image.digest[:16]}.{EXTENSIONS.get(image.mime, 'png')}"},
        )
        upload_url, file_url = str(initiated["upload_url"]), str(initiated["file_url"])
        if not upload_url.startswith(("https://", "http://")):
            raise ProviderUnavailable("fal.ai's storage pointed at a URL this bot will not call")

        async def once() -> None:
            # A signed URL: it carries its own authorisation, so our key is not sent there.
            resp = await self.client.put(upload_url, content=image.data,
                                         headers={"Content-Type": image.mime},
                                         follow_redirects=False)
            if not resp.is_success:
                raise self.error_for(resp, None)

        # Putting the same bytes at the same signed URL twice is harmless.
        await self.retrying(once, idempotent=True)
        return file_url

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
        edit = self.edit_route(route, spec)
        if edit is None:
            model, body = route.model, request_body(route, spec, self.body_params(route, spec))
        else:
            urls = await self.image_urls(edit, spec.images)
            model = edit.model
            body = edit_body(route, edit, spec, urls, self.edit_params(route, edit, spec))
        submitted = await self.call("POST", f"{self.base_url}/{model}", json=body)
        handle = {
            "request_id": str(submitted["request_id"]),
            "status_url": str(submitted["status_url"]),
            "response_url": str(submitted["response_url"]),
            "cancel_url": str(submitted.get("cancel_url", "")),
        }
        log.info("fal submitted request_id=%s model=%s images=%d", handle["request_id"], model,
                 len(spec.images))
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
