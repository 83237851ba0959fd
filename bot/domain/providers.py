"""The provider port: what every image vendor adapter implements.

Adapters map every outcome onto three results: an image, `ProviderUnavailable` (try again
later or fail over to the next route) or `ProviderRejected` (moderation or invalid input:
never retried, the person is refunded and told the reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class InputImage:
    """A picture a person gave (or an earlier result), already normalised by the intake:
    checked by content, EXIF stripped, downscaled. These are the exact bytes every vendor
    receives; `digest` (sha256 hex of `data`) is its content address in storage."""

    data: bytes
    mime: str  # image/png or image/jpeg
    width: int
    height: int
    digest: str


@dataclass(frozen=True)
class EditRoute:
    """How a route takes input images: the route's `edit = {...}` table in models.toml.
    `model` is the vendor's model or endpoint id for edits (often the route's own); `params`
    are extra fields for edit requests (field names, how images are sent); `max_images` caps
    the references the vendor accepts on this route."""

    model: str
    max_images: int = 1
    params: Mapping[str, Any] = field(default_factory=dict)
    usd_per_image: float | None = None


@dataclass(frozen=True)
class Route:
    """One way to run a catalog model: a provider, that provider's model id, fixed params."""

    provider: str
    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # What the vendor charges for one image on this route, in US dollars: an estimate the
    # operator keeps in data/models.toml, for `imagine-bot report`. None: not priced.
    usd_per_image: float | None = None
    # The vendor's safety fields per level (strict/standard/mature), from models.toml; a
    # vendor with no knob is `vendor_fixed` and gets nothing extra.
    safety: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    vendor_fixed: bool = False
    # None: this route cannot take input images (text-to-image only).
    edit: EditRoute | None = None

    def takes_images(self, count: int) -> bool:
        """Whether this route can run an edit with `count` input images."""
        return count == 0 or (self.edit is not None and 0 < count <= self.edit.max_images)

    def safety_fields(self, level: str) -> Mapping[str, Any]:
        return self.safety.get(level, {})


@dataclass(frozen=True)
class ImageSpec:
    """What to draw. `model_id`/`model_name` are the catalog's, for labelling and demo art."""

    prompt: str
    aspect: str = "1:1"
    seed: int | None = None
    model_id: str = ""
    model_name: str = ""
    safety_level: str = "strict"  # the policy level of the place it was asked in
    # Input images for an edit or a variation; empty for text-to-image.
    images: tuple[InputImage, ...] = ()
    # "generate" (text-to-image), "edit" (change the images as the prompt says),
    # "vary" (a subtle variation: keep subject, composition, palette) or "vary_strong".
    mode: str = "generate"

    @property
    def is_edit(self) -> bool:
        return bool(self.images)

    def instruction(self) -> str:
        """The text a vendor gets: the prompt for generate and edit; for a variation, the
        instruction to vary (vendors with no variation call of their own) with the original
        prompt, when there was one, as context."""
        base = VARY_INSTRUCTIONS.get(self.mode)
        if base is None:
            return self.prompt
        return f"{base} Original prompt: {self.prompt}" if self.prompt else base


# Vendors without a variation call get these as the edit instruction (with a new seed).
VARY_INSTRUCTIONS = {
    "vary": (
        "Make a subtle variation of this image: keep the subject, the composition and the "
        "colour palette; change only small details, textures and lighting."
    ),
    "vary_strong": (
        "Make a bold variation of this image: keep the subject recognisable, but feel free "
        "to change the composition, the pose, the lighting and the style."
    ),
}


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    mime: str
    width: int
    height: int
    provider: str
    provider_model: str
    is_demo: bool = False
    # The vendor's moderation signal said the image may be unsafe (or could not be read):
    # posted only where mature applies, and then as a spoiler.
    flagged: bool = False
    flag_reason: str = ""


class ProviderError(Exception):
    def __init__(self, reason: str, *, provider: str = "", retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.provider = provider
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """429, 5xx, timeouts, connection errors, expired result URLs: fail over or retry later."""


class ProviderRejected(ProviderError):
    """Moderation or invalid input. `reason` is plain words fit for the person."""


class NotResumable(ProviderError):
    """A provider job recorded before a restart cannot be picked up again."""


class JobHandleRecorder(Protocol):
    """Called by adapters with the provider's job handle (ids, polling URLs) *before* waiting,
    so a restart can resume that job instead of paying twice."""

    async def __call__(self, handle: Mapping[str, Any]) -> None: ...


class ImageProvider(Protocol):
    name: str

    async def generate(
        self, route: Route, spec: ImageSpec, record: JobHandleRecorder
    ) -> GeneratedImage: ...

    async def resume(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        """Continue a job from its recorded handle; raise NotResumable when impossible."""
        ...


async def no_record(handle: Mapping[str, Any]) -> None:
    """A recorder for callers that have no job row (operator `generate`)."""
