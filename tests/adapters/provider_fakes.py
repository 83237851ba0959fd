"""One local fake of all seven image vendors, following each documented wire format.

The same handler serves tests through `httpx.MockTransport` (in-process) and through a
real aiohttp server on 127.0.0.1 (for the CLI subprocess test). Paths are prefixed by the
vendor name (`/fal/...`, `/bfl/...`); result images live under `/media/`. Every request is
kept in `seen` so tests can assert paths, headers and bodies.

Every API request is first checked against the vendor's own definition (vendor_specs.py,
parsed from tests/adapters/vendor_specs_data/): an unknown endpoint id, an unknown or mistyped
field or a bad enum value gets the vendor's error answer (and is kept in `violations`),
for text-to-image and edits alike. Input images the fake received (decoded from base64,
data URIs, multipart parts or fal storage uploads) are kept per vendor in `received`, so
tests can compare them with the bytes that were sent.

Knobs: `outcome[vendor]` ("ok", "moderated", "moderated_input", "moderated_image" (an edit's
input image; Gemini, Ark), "nsfw", "nsfw_unreadable"), `media` ("ok", "expired", "not_image",
"truncated", "oversized"), `pending_polls` (how many polls say "still running")
and `fail(vendor, Reply, times)` for replies served before the normal ones (429, 5xx, hangs).
"""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import io
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from aiohttp import web
from PIL import Image

from tests.adapters import vendor_specs

KEY = "sk-TEST-key-0123456789"
VENDOR_NAMES = ("fal", "bfl", "gemini", "xai", "ark", "recraft", "replicate")
AUTH = {
    "fal": ("authorization", f"Key {KEY}"),
    "bfl": ("x-key", KEY),
    "gemini": ("x-goog-api-key", KEY),
    "xai": ("authorization", f"Bearer {KEY}"),
    "ark": ("authorization", f"Bearer {KEY}"),
    "recraft": ("authorization", f"Bearer {KEY}"),
    "replicate": ("authorization", f"Bearer {KEY}"),
}


def png(width: int = 64, height: int = 48, noise: bool = False) -> bytes:
    """Real PNG bytes; `noise` makes a file that does not compress (for size caps)."""
    if noise:
        img = Image.frombytes("RGB", (width, height), random.Random(1).randbytes(width * height * 3))
    else:
        img = Image.new("RGB", (width, height), (200, 80, 40))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


IMAGE = png()
DRAFT = png(16, 16)  # Gemini's interim "thought" image: must never be the result
BIG = png(256, 256, noise=True)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, bytes -> raw
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to hang before answering
    raise_timeout: bool = False  # MockTransport only: the client sees httpx.ReadTimeout


@dataclass
class Seen:
    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeVendors:
    def __init__(self, base: str = "http://fake.test") -> None:
        self.base = base
        self.seen: list[Seen] = []
        self.outcome: dict[str, str] = defaultdict(lambda: "ok")
        self.media = "ok"
        self.pending_polls = 1
        self._fails: dict[str, list[Reply]] = defaultdict(list)
        self._jobs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.violations: list[tuple[str, list[str]]] = []  # (vendor, problems) of refused calls
        self.received: dict[str, list[bytes]] = {}  # vendor -> input images of its last call
        self.stored: dict[str, bytes] = {}  # fal storage: upload id -> bytes

    # -- set-up helpers ---------------------------------------------------------------------

    def base_url(self, vendor: str) -> str:
        return f"{self.base}/{vendor}" + ("/api/v3" if vendor == "ark" else "")

    def storage_url(self) -> str:
        return f"{self.base}/fal-storage"

    def fail(self, vendor: str, reply: Reply, times: int = 1) -> None:
        self._fails[vendor].extend([reply] * times)

    def to(self, vendor: str) -> list[Seen]:
        """Requests sent to a vendor's API (not media downloads, not fal's storage)."""
        return [s for s in self.seen if s.path.split("/")[1].split("-")[0] == vendor
                and s.path.split("/")[1] != "fal-storage"]

    def uploads(self) -> list[Seen]:
        """Requests to fal's storage: each upload's initiate call and its PUT."""
        return [s for s in self.seen if s.path.split("/")[1] in ("fal-storage", "upload")]

    def submits(self, vendor: str) -> list[Seen]:
        return [s for s in self.to(vendor) if s.method == "POST"]

    def payload(self) -> bytes:
        return {"not_image": b"<html><body>Bad gateway</body></html>", "oversized": BIG,
                "truncated": IMAGE[: len(IMAGE) // 2]}.get(self.media, IMAGE)

    def b64(self) -> str:
        return base64.b64encode(self.payload()).decode()

    def media_url(self) -> str:
        return f"{self.base}/media/{next(self._ids)}.png?sig=abc"

    # -- the handler ------------------------------------------------------------------------

    async def handle(self, method: str, url: str, headers: dict[str, str], raw: bytes) -> Reply:
        parts = urlsplit(url)
        lowered = {k.lower(): v for k, v in headers.items()}
        body: Any
        if lowered.get("content-type", "").startswith("multipart/form-data"):
            body = parse_multipart(lowered["content-type"], raw)
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
        self.seen.append(Seen(method, url, parts.path, lowered, body))
        top = parts.path.split("/")[1]
        vendor = top.split("-")[0]
        if top == "media":
            return self._media(parts.path)
        if top == "upload":  # fal storage's signed upload URL: its own authorisation
            return self._upload(method, parts.path, raw)
        if vendor not in AUTH:
            return Reply(404, {"detail": "no such fake"})
        name, value = AUTH[vendor]
        if self.seen[-1].headers.get(name) != value:
            return Reply(401, {"error": {"message": "bad key"}})
        if self._fails[vendor]:
            return self._fails[vendor].pop(0)
        if top == "fal-storage":
            return self._fal_storage(method, parts.path, body)
        if method == "POST":
            refused = self._check(vendor, parts.path, body)
            if refused is not None:
                return refused
        return await getattr(self, f"_{vendor}")(method, parts.path, parse_qs(parts.query), body)

    # -- the vendors' own definitions -------------------------------------------------------

    def _check(self, vendor: str, path: str, body: Any) -> Reply | None:
        """The vendor's error answer when its definition refuses the request, else None."""
        local = path[len(f"/{vendor}"):]
        if vendor == "fal" and local.lstrip("/") not in vendor_specs.fal_endpoints():
            self.violations.append((vendor, [f"unknown fal endpoint id {local.lstrip('/')!r}"]))
            return Reply(404, {"detail": f"Application {local.lstrip('/')!r} not found"})
        if vendor == "recraft" and local == "/v1/images/imageToImage":
            form, files = body if isinstance(body, tuple) else ({}, {})
            problems = vendor_specs.check_recraft_image_to_image(form, files)
        elif vendor == "recraft":
            problems = (vendor_specs.check_recraft_generate(body)
                        if local == "/v1/images/generations" else [f"unknown path {local}"])
        else:
            checker = {"fal": vendor_specs.check_fal, "bfl": vendor_specs.check_bfl,
                       "gemini": vendor_specs.check_gemini, "xai": vendor_specs.check_xai,
                       "ark": vendor_specs.check_ark,
                       "replicate": vendor_specs.check_replicate}[vendor]
            target = local.lstrip("/") if vendor == "fal" else local
            problems = checker(target, body if isinstance(body, dict) else {})
        if not problems:
            self._keep_inputs(vendor, body)
            return None
        self.violations.append((vendor, problems))
        detail = [{"loc": ["body", p.split(":")[0]], "msg": p, "type": "value_error"}
                  for p in problems]
        return Reply({"gemini": 400, "ark": 400, "recraft": 400, "xai": 400}.get(vendor, 422),
                     {"detail": detail, "error": {"message": "; ".join(problems),
                                                  "code": "InvalidParameter",
                                                  "status": "INVALID_ARGUMENT"}})

    def _keep_inputs(self, vendor: str, body: Any) -> None:
        """The input image bytes of a request the definition accepted, in order."""
        refs: list[Any] = []
        if vendor == "fal":
            refs = list(body.get("image_urls") or [])
        elif vendor == "bfl":
            keys = sorted((k for k in body if k.startswith("input_image")),
                          key=lambda k: int(k.rsplit("_", 1)[-1]) if k[-1].isdigit() else 1)
            refs = [body[k] for k in keys]
        elif vendor == "gemini":
            refs = [part["inline_data"]["data"] for c in body.get("contents", [])
                    for part in c.get("parts", []) if "inline_data" in part]
        elif vendor == "xai":
            refs = [r["url"] for r in ([body["image"]] if "image" in body else [])
                    + list(body.get("images") or [])]
        elif vendor == "ark":
            image = body.get("image")
            refs = [image] if isinstance(image, str) else list(image or [])
        elif vendor == "recraft" and isinstance(body, tuple):
            refs = [body[1]["image"]] if "image" in body[1] else []
        elif vendor == "replicate":
            for value in body.get("input", {}).values():
                items = value if isinstance(value, list) else [value]
                refs += [v for v in items if isinstance(v, str) and v.startswith("data:")]
        self.received[vendor] = [self._resolve(r) for r in refs]

    def _resolve(self, ref: Any) -> bytes:
        if isinstance(ref, bytes):
            return ref
        cdn = f"{self.base}/media/cdn/"
        if ref.startswith(cdn):
            return self.stored[ref[len(cdn):]]
        return base64.b64decode(ref.split(",", 1)[1] if ref.startswith("data:") else ref)

    # -- fal storage (fal's client: initiate, then PUT to the signed URL) ---------------------

    def _fal_storage(self, method: str, path: str, body: Any) -> Reply:
        if (method, path) != ("POST", "/fal-storage/storage/upload/initiate"):
            return Reply(404, {"detail": "Not found"})
        if not isinstance(body, dict) or not str(body.get("content_type", "")).startswith("image/"):
            return Reply(422, {"detail": "content_type is required"})
        upload = f"u{next(self._ids)}"
        return Reply(200, {"upload_url": f"{self.base}/upload/{upload}?sig=put",
                           "file_url": f"{self.base}/media/cdn/{upload}"})

    def _upload(self, method: str, path: str, raw: bytes) -> Reply:
        upload = path.split("/")[2]
        if method != "PUT" or not upload:
            return Reply(405, b"")
        self.stored[upload] = raw
        return Reply(200, b"")

    def _media(self, path: str = "") -> Reply:
        if path.startswith("/media/cdn/"):
            return Reply(200, self.stored[path.split("/")[3]], {"content-type": "image/png"})
        if self.media == "expired":
            return Reply(403, b"<Error><Code>AuthenticationFailed</Code>Signature expired</Error>",
                         {"content-type": "application/xml"})
        kind = "text/html" if self.media == "not_image" else "image/png"
        return Reply(200, self.payload(), {"content-type": kind})

    def _new_job(self, **info: Any) -> str:
        job_id = f"job{next(self._ids)}"
        self._jobs[job_id] = {"polls": self.pending_polls, **info}
        return job_id

    def _tick(self, job_id: str) -> bool:
        """True once the job is done; each call before that is one 'still running' poll."""
        job = self._jobs[job_id]
        if job["polls"] > 0:
            job["polls"] -= 1
            return False
        return True

    # -- fal: queue protocol (providers.md 2.1) ----------------------------------------------

    async def _fal(self, method: str, path: str, query: Any, body: Any) -> Reply:
        segments = path.split("/")[2:]
        if method == "POST":
            app = "/".join(segments[:2])  # status/result live under the base app id
            job = self._new_job(app=app)
            root = f"{self.base}/fal/{app}/requests/{job}"
            return Reply(200, {"request_id": job, "status_url": f"{root}/status",
                               "response_url": root, "cancel_url": f"{root}/cancel",
                               "queue_position": 0})
        job = segments[3] if len(segments) > 3 else ""
        if job not in self._jobs:
            return Reply(404, {"detail": "Request not found"})
        if segments[-1] == "status":
            state = "COMPLETED" if self._tick(job) else "IN_QUEUE"
            return Reply(200, {"status": state, "queue_position": 0})
        if self.outcome["fal"] == "moderated":
            return Reply(422, {"detail": [{"loc": ["body", "prompt"], "type": "content_policy_violation",
                                           "msg": "The content could not be processed."}]})
        flagged: Any = [self.outcome["fal"] == "nsfw"]
        if self.outcome["fal"] == "nsfw_unreadable":
            flagged = "maybe"
        return Reply(200, {"images": [{"url": self.media_url(), "content_type": "image/png",
                                       "width": 64, "height": 48}],
                           "has_nsfw_concepts": flagged, "seed": 7})

    # -- BFL: submit, poll polling_url on another "cluster" (providers.md 3.1) ---------------

    async def _bfl(self, method: str, path: str, query: Any, body: Any) -> Reply:
        if method == "POST":
            job = self._new_job()
            return Reply(200, {"id": job, "cost": 1.4,
                               "polling_url": f"{self.base}/bfl-us3/v1/get_result?id={job}"})
        job = query.get("id", [""])[0]
        if job not in self._jobs:
            return Reply(200, {"id": job, "status": "Task not found"})
        if not self._tick(job):
            return Reply(200, {"id": job, "status": "Pending", "progress": 0.5})
        refused = {"moderated": "Request Moderated", "moderated_output": "Content Moderated"}
        if self.outcome["bfl"] in refused:
            return Reply(200, {"id": job, "status": refused[self.outcome["bfl"]], "result": None})
        return Reply(200, {"id": job, "status": "Ready",
                           "result": {"sample": self.media_url(), "seed": 7}})

    # -- Gemini generateContent (providers.md 3.5) -------------------------------------------

    async def _gemini(self, method: str, path: str, query: Any, body: Any) -> Reply:
        outcome = self.outcome["gemini"]
        if outcome == "moderated_image":  # the input image of an edit was blocked
            return Reply(200, {"promptFeedback": {"blockReason": "IMAGE_SAFETY"}})
        if outcome == "moderated_input":
            return Reply(200, {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})
        if outcome == "moderated":
            return Reply(200, {"candidates": [{"finishReason": "IMAGE_SAFETY", "content": {
                "role": "model", "parts": [{"text": "I can't make that image."}]}}]})
        draft = base64.b64encode(DRAFT).decode()
        parts = [
            {"text": "Sketching.", "thought": True},
            {"inlineData": {"mimeType": "image/png", "data": draft}, "thought": True},
            {"text": "Here is your image."},
            {"inlineData": {"mimeType": "image/png", "data": self.b64()}},
        ]
        return Reply(200, {"candidates": [{"content": {"role": "model", "parts": parts},
                                           "finishReason": "STOP"}]})

    # -- OpenAI-style synchronous vendors (providers.md 2.4, 3.3, 3.4, 3.6) ------------------

    def _image_item(self, body: Any) -> dict[str, Any]:
        if body.get("response_format") == "url":
            return {"url": self.media_url()}
        return {"b64_json": self.b64()}

    async def _xai(self, method: str, path: str, query: Any, body: Any) -> Reply:
        outcome = self.outcome["xai"]
        if outcome == "moderated_input":
            return Reply(200, {"data": [], "block_reason": None})
        item = {**self._image_item(body), "mime_type": "image/png", "revised_prompt": "x",
                "respect_moderation": outcome != "moderated"}
        return Reply(200, {"data": [item], "usage": {"cost_in_usd_ticks": 200_000_000}})

    async def _ark(self, method: str, path: str, query: Any, body: Any) -> Reply:
        outcome = self.outcome["ark"]
        if outcome == "moderated_image":  # the input image of an edit was blocked
            return Reply(400, {"error": {"code": "InputImageSensitiveContentDetected",
                                         "message": "The request failed because the input "
                                                    "image may contain sensitive information.",
                                         "type": "BadRequest"}})
        if outcome == "moderated_input":
            return Reply(400, {"error": {"code": "InputTextSensitiveContentDetected",
                                         "message": "The request failed because the input text "
                                                    "may contain sensitive information.",
                                         "type": "BadRequest"}})
        item: dict[str, Any] = {**self._image_item(body), "size": body.get("size")}
        if outcome == "moderated":
            item = {"error": {"code": "OutputImageSensitiveContentDetected",
                              "message": "The generated image may contain sensitive content."}}
        return Reply(200, {"model": body.get("model"), "created": 1770000000, "data": [item],
                           "usage": {"generated_images": 0 if outcome == "moderated" else 1}})

    async def _recraft(self, method: str, path: str, query: Any, body: Any) -> Reply:
        if self.outcome["recraft"] == "moderated":
            return Reply(400, {"code": "prompt_blocked",
                               "message": "Prompt violates the content policy"},
                         {"x-recraft-requestid": "rr-1"})
        fields = body[0] if isinstance(body, tuple) else body  # imageToImage is multipart
        item = {"image_id": "img-1", **self._image_item(fields)}
        return Reply(200, {"created": 1770000000, "credits": 250, "data": [item]})

    # -- Replicate predictions (providers.md 2.2) --------------------------------------------

    async def _replicate(self, method: str, path: str, query: Any, body: Any) -> Reply:
        if method == "POST":
            job = self._new_job()
            return Reply(201, self._prediction(job, done=self._tick(job)))
        job = path.rstrip("/").split("/")[-1]
        if job not in self._jobs:
            return Reply(404, {"detail": "Not found.", "status": 404})
        return Reply(200, self._prediction(job, done=self._tick(job)))

    def _prediction(self, job: str, done: bool) -> dict[str, Any]:
        get = f"{self.base}/replicate/v1/predictions/{job}"
        prediction = {"id": job, "status": "processing", "output": None, "error": None,
                      "urls": {"get": get, "cancel": f"{get}/cancel"}}
        if done and self.outcome["replicate"] == "moderated":
            error = "E005: The input or output was flagged as sensitive. Please try again."
            prediction.update(status="failed", error=error)
        elif done:
            prediction.update(status="succeeded", output=[self.media_url()])
        return prediction

    # -- adapters to the two transports -----------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        async def handler(request: httpx.Request) -> httpx.Response:
            reply = await self.handle(request.method, str(request.url), dict(request.headers),
                                      await request.aread())
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.raise_timeout:
                raise httpx.ReadTimeout("fake read timeout", request=request)
            return httpx.Response(reply.status, headers=reply.headers, **_content(reply.body))

        return httpx.MockTransport(handler)

    async def serve(self) -> Callable[[], Awaitable[None]]:
        """Serve on 127.0.0.1, port 0; sets `base`. Returns the stop function."""

        async def handler(request: web.Request) -> web.StreamResponse:
            reply = await self.handle(request.method, str(request.url), dict(request.headers),
                                      await request.read())
            if reply.delay:
                await asyncio.sleep(reply.delay)
            content = _content(reply.body)
            data = content.get("content", json.dumps(content.get("json")).encode())
            kind = reply.headers.get("content-type", "application/json")
            extra = {k: v for k, v in reply.headers.items() if k.lower() != "content-type"}
            return web.Response(status=reply.status, body=data, headers=extra, content_type=kind)

        app = web.Application(client_max_size=50_000_000)
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return runner.cleanup


def parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """A multipart/form-data body as (text fields, file parts), with the standard library."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    form: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if part.get_filename() is not None:
            files[str(name)] = payload
        else:
            form[str(name)] = payload.decode()
    return form, files


def _content(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        return {"content": body}
    return {"json": body}


# -- helpers for adapter tests --------------------------------------------------------------


class Sleeps:
    """An injectable sleep: records each pause and barely waits, so backoff tests are fast."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(min(seconds, 0.002))


class Recorder:
    """A JobHandleRecorder that keeps the handles, and how many requests came before each."""

    def __init__(self, fake: FakeVendors) -> None:
        self.fake = fake
        self.handles: list[dict[str, Any]] = []
        self.requests_before: list[int] = []

    async def __call__(self, handle: Any) -> None:
        self.handles.append(dict(handle))
        self.requests_before.append(len(self.fake.seen))


class BackupProvider:
    """The next route in failover tests: always draws."""

    name = "backup"

    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, route: Any, spec: Any, record: Any) -> Any:
        from bot.domain.providers import GeneratedImage

        self.calls += 1
        return GeneratedImage(IMAGE, "image/png", 64, 48, "backup", route.model)

    async def resume(self, route: Any, spec: Any, handle: Any, record: Any) -> Any:
        return await self.generate(route, spec, record)
