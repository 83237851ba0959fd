"""Replicate predictions: create with `Prefer: wait=N`, then poll the prediction's get URL.

Official models are addressed as `owner/name` (POST /v1/models/{owner}/{name}/predictions);
`owner/name:version` pins a version (POST /v1/predictions). The wait is short (default
10 s) on purpose: the prediction id is only known once the create call returns, and a
restart before then would lose a job that is still billed. Outputs are deleted after an
hour, so a saved prediction older than that cannot be picked up after a restart.

Route params: `wait` (seconds, 1-60), `aspect_field` (default "aspect_ratio"),
`send_seed = false` for models without a seed; anything else goes into `input` as is.

Edits run the route's `edit.model` with the images in that model's own input field, named
by the edit table: `image_field` ("images", "input_images", "image_input", "image") and
`image_list` (false: one string, e.g. grok's `image`). Images go as `data:` URIs: Replicate's
API types say "Files should be passed as HTTP URLs or data URLs"; they suggest a URL above
256 kB for reuse and metadata, neither of which an edit needs, and the Files API upload that
would give one is not in the definitions the fakes check. No aspect ratio is sent unless the edit table sets one (`aspect_ratio =
"match_input_image"`). A variation is the shared vary instruction with the caller's new seed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import data_uri
from adapters.providers.outcomes import short
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

OUTPUT_LIFETIME = 3600.0  # seconds Replicate keeps API prediction outputs
# Replicate reports filter hits as failed predictions with free text (e.g. E005 "flagged
# as sensitive"); there is no structured code, so match the usual words.
MODERATION_WORDS = (
    "nsfw", "sensitive", "flagged", "safety", "moderation", "content policy", "e005",
)


def request_body(route: Route, spec: ImageSpec, extra: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = {"prompt": spec.prompt}
    inputs[str(route.params.get("aspect_field", "aspect_ratio"))] = spec.aspect
    if spec.seed is not None and route.params.get("send_seed", True):
        inputs["seed"] = spec.seed
    body: dict[str, Any] = {"input": {**inputs, **extra}}
    if ":" in route.model:
        body["version"] = route.model.split(":", 1)[1]
    return body


def edit_body(
    route: Route, edit: EditRoute, spec: ImageSpec, extra: dict[str, Any]
) -> dict[str, Any]:
    uris = [data_uri(image) for image in spec.images]
    field = str(edit.params.get("image_field", "image_input"))
    inputs: dict[str, Any] = {
        "prompt": spec.instruction(),
        field: uris if edit.params.get("image_list", True) else uris[0],
    }
    send_seed = edit.params.get("send_seed", route.params.get("send_seed", True))
    if spec.seed is not None and send_seed:
        inputs["seed"] = spec.seed
    body: dict[str, Any] = {"input": {**inputs, **extra}}
    if ":" in edit.model:
        body["version"] = edit.model.split(":", 1)[1]
    return body


def output_url(output: Any) -> str | None:
    if isinstance(output, list):
        output = output[0] if output else None
    return output if isinstance(output, str) and output else None


class ReplicateProvider(HttpProvider):
    name = "replicate"
    label = "Replicate"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        edit = self.edit_route(route, spec)
        pinned = edit.model if edit is not None else route.model
        model = pinned.split(":", 1)[0]
        url = (f"{self.base_url}/v1/predictions" if ":" in pinned
               else f"{self.base_url}/v1/models/{model}/predictions")
        wait = int(route.params.get("wait", 10))
        body = (request_body(route, spec, self.body_params(route, spec)) if edit is None
                else edit_body(route, edit, spec, self.edit_params(route, edit, spec)))
        prediction = await self.call(
            "POST", url, json=body, headers={"Prefer": f"wait={wait}"},
        )
        handle = {
            "id": str(prediction["id"]),
            "get_url": str(prediction["urls"]["get"]),
            "created_at": time.time(),
        }
        log.info("replicate created id=%s model=%s status=%s", handle["id"], model,
                 prediction.get("status"))
        await record(handle)
        return await self._finish_job(route, handle, prediction, resuming=False)

    async def pick_up(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        if not handle.get("get_url"):
            raise NotResumable("the saved Replicate prediction has no link to poll")
        if time.time() - float(handle.get("created_at", 0)) > OUTPUT_LIFETIME:
            raise NotResumable("Replicate deletes prediction outputs after an hour")
        log.info("replicate resuming id=%s", handle.get("id"))
        return await self._finish_job(route, handle, None, resuming=True)

    async def _finish_job(
        self, route: Route, handle: Mapping[str, Any], first: Mapping[str, Any] | None,
        *, resuming: bool,
    ) -> GeneratedImage:
        gone = {404: NotResumable("Replicate no longer has this prediction")} if resuming else None
        latest = first

        async def step() -> Mapping[str, Any] | None:
            nonlocal latest
            if latest is None:
                latest = await self.call("GET", str(handle["get_url"]), on_status=gone)
            current, latest = latest, None
            return current if current.get("status") in ("succeeded", "failed", "canceled") else None

        done = await self.poll(step)
        if done["status"] == "succeeded":
            url = output_url(done.get("output"))
            if url is None:
                raise ProviderRejected("Replicate finished without an image, so it refused")
            return await self.image_from(url, route)
        error = str(done.get("error") or "")
        if done["status"] == "failed" and any(w in error.lower() for w in MODERATION_WORDS):
            raise ProviderRejected(f"Replicate's safety filter refused it: {short(error, 150)}")
        raise ProviderUnavailable(
            f"Replicate's prediction {done['status']}" + (f": {short(error, 150)}" if error else "")
        )
