"""What every vendor adapter shares: the deadline, retries, error mapping, polling, downloads.

Each adapter subclasses `HttpProvider` and writes only its wire format (`run`, `pick_up`,
`auth_headers`, and `error_for` where the vendor has its own error codes). Everything below
(with outcomes.py for error mapping and media.py for bytes) is the same for all of them:

- one overall deadline per route (submit + wait + download); past it the route is
  unavailable, so the provider router can fail over while the job's own timeout still has time;
- bounded retries with jitter for 429/5xx/network errors, honouring Retry-After (or a hint an
  adapter parsed, like Gemini's retryDelay), never sleeping past the deadline (retries.py,
  on tenacity);
- keys only in headers, never in URLs or logs, and never sent across a redirect;
- result bytes downloaded at once, capped, and checked to be an image.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json as jsonlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx

from adapters.providers import retries
from adapters.providers.media import decode_base64, inspect_image, oversized
from adapters.providers.outcomes import Transient, error_text, short, status_error
from bot.domain.providers import (
    EditRoute,
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
T = TypeVar("T")

# Route param keys that steer the adapter; every other param goes into the request body.
ADAPTER_OPTIONS = frozenset({"aspect_field", "megapixels", "send_seed", "wait", "image_size"})
# Keys of a route's `edit.params` that say how the route takes images (models.toml): never
# sent as request fields. `image_field` names the vendor's input field (Replicate),
# `image_list` whether it takes a list, `image_transport` "upload" or "data_uri" (fal), and
# `strength` / `vary_strength` / `vary_strong_strength` the image-to-image strength (Recraft).
EDIT_OPTIONS = frozenset({
    "image_field", "image_list", "image_transport",
    "strength", "vary_strength", "vary_strong_strength",
})


@dataclass(frozen=True)
class Policy:
    """Timing knobs. Tests pass a `sleep` that returns at once so the suite stays fast."""

    deadline: float = 150.0  # seconds per route, submit to downloaded bytes
    attempts: int = 4  # tries per HTTP call for transient failures
    backoff: float = 1.0  # first pause without a server hint; doubles per try
    max_backoff: float = 30.0
    poll_interval: float = 1.0
    max_poll_interval: float = 5.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (jsonlib.JSONDecodeError, UnicodeDecodeError):
        return None


def _labelled(image: GeneratedImage, route: Route, spec: ImageSpec) -> GeneratedImage:
    """An edit was made by the route's edit model (often the same id): say which, so
    reports and captions name the model that actually drew it."""
    if spec.images and route.edit is not None and image.provider_model != route.edit.model:
        return dataclasses.replace(image, provider_model=route.edit.model)
    return image


class HttpProvider:
    """Base for vendor adapters over one shared, injected httpx.AsyncClient."""

    name = ""
    label = ""  # the vendor as a person would say it, for reasons shown to users

    def __init__(
        self,
        client: httpx.AsyncClient,
        key: str,
        base_url: str,
        *,
        max_image_bytes: int = 20_000_000,
        policy: Policy | None = None,
    ) -> None:
        self.client = client
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.max_image_bytes = max_image_bytes
        self.policy = policy or Policy()

    # -- what each vendor writes ----------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    async def run(self, route: Route, spec: ImageSpec, record: JobHandleRecorder) -> GeneratedImage:
        raise NotImplementedError

    async def pick_up(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        raise NotResumable(
            f"{self.label} answers in a single request, so there is no job to pick up again",
            provider=self.name,
        )

    def error_for(self, resp: httpx.Response, body: Any) -> ProviderError:
        return status_error(self.label, resp, self.scrub(short(error_text(body))))

    # -- the port ---------------------------------------------------------------------------

    async def generate(
        self, route: Route, spec: ImageSpec, record: JobHandleRecorder
    ) -> GeneratedImage:
        return _labelled(await self._bounded(lambda: self.run(route, spec, record)), route, spec)

    async def resume(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        image = await self._bounded(lambda: self.pick_up(route, spec, handle, record))
        return _labelled(image, route, spec)

    async def _bounded(self, work: Callable[[], Awaitable[GeneratedImage]]) -> GeneratedImage:
        limit = self.policy.deadline
        token = retries.deadline.set(asyncio.get_running_loop().time() + limit)
        try:
            async with asyncio.timeout(limit):
                return await work()
        except TimeoutError:
            raise ProviderUnavailable(
                f"{self.label} did not finish within {limit:.0f} seconds", provider=self.name
            ) from None
        except ProviderError as exc:
            exc.provider = exc.provider or self.name
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # A response shape we did not expect: the vendor changed something. Fail over.
            log.warning("%s: unreadable response (%r)", self.name, type(exc), exc_info=True)
            raise ProviderUnavailable(
                f"{self.label} sent an answer this bot could not read", provider=self.name
            ) from None
        finally:
            retries.deadline.reset(token)

    # -- shared helpers ---------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        return text.replace(self._key, "[key]") if self._key else text

    def body_params(self, route: Route, spec: ImageSpec | None = None) -> dict[str, Any]:
        """The route's request fields, and its safety fields for the job's level."""
        fields = {k: v for k, v in route.params.items() if k not in ADAPTER_OPTIONS}
        if spec is not None:
            fields.update(route.safety_fields(spec.safety_level))
        return fields

    def edit_route(self, route: Route, spec: ImageSpec) -> EditRoute | None:
        """The route's edit table when `spec` carries input images, else None.

        Routing never sends images to a route that cannot take them; this is the second
        line: a text-only route or too many references is the request's fault, not the
        vendor's, so it is a rejection (no failover to a route that would do the same)."""
        if not spec.images:
            return None
        if route.edit is None:
            raise ProviderRejected(
                f"{self.label} cannot take input images on {route.model}; "
                "pick a model that can edit", provider=self.name,
            )
        if len(spec.images) > route.edit.max_images:
            raise ProviderRejected(
                f"{self.label} takes at most {route.edit.max_images} input image"
                f"{'' if route.edit.max_images == 1 else 's'} on {route.edit.model}; "
                f"{len(spec.images)} were given", provider=self.name,
            )
        return route.edit

    def edit_params(self, route: Route, edit: EditRoute, spec: ImageSpec) -> dict[str, Any]:
        """Request fields for an edit: the route's own fields, then its edit table's
        (which win), then the safety fields of the job's level."""
        fields = {k: v for k, v in route.params.items() if k not in ADAPTER_OPTIONS}
        fields.update(
            {k: v for k, v in edit.params.items() if k not in ADAPTER_OPTIONS | EDIT_OPTIONS}
        )
        fields.update(route.safety_fields(spec.safety_level))
        return fields

    async def call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        on_status: Mapping[int, ProviderError] | None = None,
        form: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """One authenticated JSON call with retries; returns the parsed body or raises.

        Redirects are not followed: httpx would carry custom key headers (x-key,
        x-goog-api-key) to whatever host a redirect names.
        """
        if not url.startswith(("https://", "http://")):
            raise ProviderUnavailable(f"{self.label} pointed at a URL this bot will not call")

        async def once() -> Any:
            # `form`/`files`: a multipart body (Recraft's imageToImage takes the image so).
            resp = await self.client.request(
                method, url, json=json, data=form, files=files,
                headers={**self.auth_headers(), **(headers or {})}, follow_redirects=False,
            )
            if on_status and resp.status_code in on_status:
                raise on_status[resp.status_code]
            body = _body(resp)
            if not resp.is_success:
                raise self.error_for(resp, body)
            if body is None:
                # Repeating a POST the vendor answered could pay twice; a poll is safe to repeat.
                error = Transient if idempotent else ProviderUnavailable
                raise error(f"{self.label} sent a reply that is not JSON")
            return body

        idempotent = method in ("GET", "HEAD")
        return await self.retrying(once, idempotent=idempotent)

    async def retrying(self, once: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """`once()` again while it fails in a way worth repeating (see retries.py)."""
        retrier = retries.calls(
            self.policy, idempotent=idempotent, name=self.name, reason=self._reason
        )
        try:
            return await retrier(once)
        except httpx.TransportError as exc:
            # httpx's own words name no vendor; say which one could not be reached.
            raise Transient(self._transport_reason(exc)) from None

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, httpx.TransportError):
            return self._transport_reason(exc)
        return exc.reason if isinstance(exc, ProviderError) else type(exc).__name__

    def _transport_reason(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"{self.label} did not answer in time"
        return f"could not reach {self.label} ({type(exc).__name__})"

    async def poll(self, step: Callable[[], Awaitable[T | None]]) -> T:
        """Call `step` until it returns something; the route deadline bounds the wait."""
        # polls() only returns once the step gave an answer, so the result is never None.
        return cast("T", await retries.polls(self.policy)(step))

    async def image_from(self, ref: str, route: Route) -> GeneratedImage:
        """A result URL, `data:` URI or bare base64 string, as checked image bytes."""
        if ref.startswith(("https://", "http://")):
            data = await self.download(ref)
        else:
            data = decode_base64(ref, self.max_image_bytes, self.label)
        return await self.finish(data, route)

    async def finish(self, data: bytes, route: Route) -> GeneratedImage:
        if len(data) > self.max_image_bytes:
            raise oversized(self.label, len(data), self.max_image_bytes)
        mime, width, height = await asyncio.to_thread(inspect_image, data, self.label)
        return GeneratedImage(data, mime, width, height, self.name, route.model)

    async def download(self, url: str) -> bytes:
        """Fetch result bytes now (links expire), without our key, stopping at the size cap."""
        cap = self.max_image_bytes

        async def once() -> bytes:
            async with self.client.stream("GET", url, follow_redirects=True) as resp:
                if resp.status_code in (403, 404, 410):
                    # Signed delivery links answer like this once they expire.
                    raise ProviderUnavailable(
                        f"the finished image's link at {self.label} had already expired"
                    )
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise status_error(self.label, resp, "")
                if not resp.is_success:
                    raise ProviderUnavailable(
                        f"could not download the finished image from {self.label} "
                        f"(HTTP {resp.status_code})"
                    )
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise oversized(self.label, int(declared), cap)
                data = bytearray()
                async for chunk in resp.aiter_bytes():
                    data += chunk
                    if len(data) > cap:
                        raise oversized(self.label, len(data), cap)
                return bytes(data)

        return await self.retrying(once, idempotent=True)
