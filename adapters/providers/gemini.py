"""Google Gemini image models (Nano Banana 2 / Pro) over `generateContent`.

Synchronous: the image comes back inline as base64, so there is no job to resume and no
link to expire. The key goes in the `x-goog-api-key` header, never in `?key=`. Gemini 3
image models may send interim "thought" images first; those are skipped. A 200 without an
image part is a refusal, explained from `promptFeedback.blockReason` or `finishReason`.

Route params: `image_size` ("1K" default, "2K", "4K"); anything else is merged into
`generationConfig` (e.g. temperature).

Edits are stateless (editing.md 1.3): each one sends the input image(s) as `inline_data`
parts followed by the instruction, never an earlier model turn, so no `thoughtSignature`
has to be kept and a Vary of a Vary days later works the same. No aspect ratio is sent on
an edit: the model keeps the input's shape. Gemini has no seed in this bot's requests and
no variation call; a variation is the shared vary instruction.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.providers.http_common import HttpProvider
from adapters.providers.media import b64
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

BLOCKED_PROMPT = {
    "SAFETY": "Google's safety filter blocked the prompt",
    "BLOCKLIST": "the prompt contains a term Google blocks",
    "PROHIBITED_CONTENT": "Google's filter flagged the prompt as prohibited content",
    "IMAGE_SAFETY": "Google's safety filter blocked the input image",
}
FINISHED_WITHOUT_IMAGE = {
    "IMAGE_SAFETY": "Google's safety filter blocked the generated image",
    "IMAGE_PROHIBITED_CONTENT": "Google's filter flagged the image as prohibited content",
    "IMAGE_RECITATION": "the image came out too close to existing copyrighted work",
    "SAFETY": "Google's safety filter blocked the answer",
    "PROHIBITED_CONTENT": "Google's filter flagged the request as prohibited content",
    "RECITATION": "the answer came out too close to existing copyrighted work",
    "BLOCKLIST": "the prompt contains a term Google blocks",
    "SPII": "the request touched sensitive personal information",
    "NO_IMAGE": "the model answered without drawing an image",
    "IMAGE_OTHER": "the model stopped without drawing the image",
}


def parse_duration(text: str) -> float | None:
    """Google's Duration JSON ("22s", "1.5s") in seconds."""
    try:
        return max(0.0, float(text.strip().removesuffix("s")))
    except (AttributeError, ValueError):
        return None


def request_body(
    route: Route, spec: ImageSpec, extra: dict[str, Any], image_size: str | None = None
) -> dict[str, Any]:
    extra = dict(extra)
    safety = extra.pop("safetySettings", None)  # a top-level field, not generation config
    image_config: dict[str, Any] = {"imageSize": image_size or str(route.params.get("image_size", "1K"))}
    parts: list[dict[str, Any]] = [
        {"inline_data": {"mime_type": image.mime, "data": b64(image)}} for image in spec.images
    ]
    parts.append({"text": spec.instruction()})
    if not spec.images:
        image_config = {"aspectRatio": spec.aspect, **image_config}
    return {
        **({"safetySettings": safety} if safety else {}),
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {
            # TEXT as well as IMAGE: when the model refuses, the text says why.
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": image_config,
            **extra,
        },
    }


def refusal(body: dict[str, Any]) -> ProviderRejected:
    block = str((body.get("promptFeedback") or {}).get("blockReason", ""))
    if block:
        return ProviderRejected(BLOCKED_PROMPT.get(block, f"Google blocked the prompt ({block})"))
    candidate = (body.get("candidates") or [{}])[0]
    finish = str(candidate.get("finishReason", ""))
    said = " ".join(
        p["text"] for p in (candidate.get("content") or {}).get("parts", [])
        if p.get("text") and not p.get("thought")
    )
    reason = FINISHED_WITHOUT_IMAGE.get(finish) or (
        f"Google returned no image (finish reason {finish})" if finish not in ("", "STOP")
        else "the model replied with text instead of an image"
    )
    return ProviderRejected(f"{reason}; it said: {short(said, 150)}" if said else reason)


class GeminiProvider(HttpProvider):
    name = "gemini"
    label = "Google Gemini"

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._key}

    def error_for(self, resp: httpx.Response, body: Any) -> ProviderError:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().error_for(resp, body)
        status, details = str(error.get("status", "")), error.get("details") or []
        hint = next(
            (parse_duration(str(d.get("retryDelay", ""))) for d in details
             if str(d.get("@type", "")).endswith("RetryInfo")),
            None,
        )
        if status in ("RESOURCE_EXHAUSTED", "UNAVAILABLE") or resp.status_code in (429, 503):
            busy = status or resp.status_code
            return Transient(f"Google Gemini is busy ({busy})", retry_after=hint)
        reasons = {str(d.get("reason", "")) for d in details}
        # A bad key comes back as 400 INVALID_ARGUMENT; it is the operator's problem.
        if "API_KEY_INVALID" in reasons or status in ("FAILED_PRECONDITION", "PERMISSION_DENIED"):
            return ProviderUnavailable(f"Google refused this bot's key or project ({status})")
        return super().error_for(resp, body)

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        edit = self.edit_route(route, spec)
        if edit is None:
            model, payload = route.model, request_body(route, spec, self.body_params(route, spec))
        else:
            size = edit.params.get("image_size")
            model = edit.model
            payload = request_body(route, spec, self.edit_params(route, edit, spec),
                                   str(size) if size else None)
        body = await self.call(
            "POST", f"{self.base_url}/v1beta/models/{model}:generateContent", json=payload,
        )
        images = [
            inline["data"]
            for candidate in body.get("candidates") or []
            for part in (candidate.get("content") or {}).get("parts", [])
            if (inline := part.get("inlineData") or part.get("inline_data") or {}).get("data")
            and not part.get("thought")
        ]
        if not images:
            raise refusal(body)
        # The last one: if the thought marker ever changes, interim drafts still come first.
        return await self.image_from(str(images[-1]), route)
