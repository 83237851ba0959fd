"""The offline demo renderer: a deterministic picture made with Pillow, no network, no key.

Same prompt + seed + model + aspect ratio = the same bytes. Every image says DEMO in large
letters, so nobody mistakes it for a real model's output. It can be told to be slow or to
fail, for tests and benchmarks.

Edits and variations work offline too: the output is derived from the (first) input image,
tinted by a colour taken from the instruction (stronger for an edit or a strong variation
than for a subtle one), with the other references as thumbnails, the instruction written on
it and the same DEMO banner, so editing can be tried end to end with no key.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import textwrap
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.domain.providers import (
    GeneratedImage,
    ImageSpec,
    JobHandleRecorder,
    ProviderRejected,
    ProviderUnavailable,
    Route,
)

LONG_SIDE = 768


def demo_size(aspect: str) -> tuple[int, int]:
    w, h = (int(x) for x in aspect.split(":"))
    if w >= h:
        return LONG_SIDE, max(64, round(LONG_SIDE * h / w / 16) * 16)
    return max(64, round(LONG_SIDE * w / h / 16) * 16), LONG_SIDE


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def render_demo(spec: ImageSpec) -> bytes:
    digest = hashlib.sha256(
        f"{spec.prompt}|{spec.seed}|{spec.model_id}|{spec.aspect}".encode()
    ).digest()
    width, height = demo_size(spec.aspect or "1:1")
    top = tuple(digest[0:3])
    bottom = tuple(digest[3:6])
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):  # vertical gradient
        t = y / max(1, height - 1)
        fill = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=fill)
    for i in range(6):  # a few shapes placed by the hash
        b = digest[6 + i * 4 : 10 + i * 4]
        x, y, r = b[0] * width // 255, b[1] * height // 255, 20 + b[2] % 120
        colour = (b[3], 255 - b[2], b[1])
        shape = draw.ellipse if i % 2 else draw.rectangle
        shape([x - r, y - r, x + r, y + r], outline=colour, width=6)
    draw.rectangle([0, 0, width, 64], fill=(0, 0, 0))
    draw.text((16, 10), "DEMO", font=_font(40), fill=(255, 210, 0))
    label = f"{spec.model_name or spec.model_id} (offline demo renderer)"
    draw.text((150, 22), label, font=_font(20), fill=(255, 255, 255))
    body = textwrap.fill(spec.prompt[:300], width=max(20, width // 14))
    draw.multiline_text(
        (18, 84), body, font=_font(24), fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0)
    )
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


# How far the tint moves the picture: a subtle variation barely, an edit visibly.
TINT = {"vary": 0.15, "vary_strong": 0.45, "edit": 0.35}


def render_demo_edit(spec: ImageSpec) -> tuple[bytes, int, int]:
    """The first input image, recoloured and labelled; (png bytes, width, height)."""
    text = spec.instruction()
    digest = hashlib.sha256(f"{text}|{spec.seed}|{spec.model_id}|{spec.mode}".encode()).digest()
    with Image.open(io.BytesIO(spec.images[0].data)) as src:
        base = ImageOps.contain(src.convert("RGB"), (LONG_SIDE, LONG_SIDE))
    width, height = max(base.width, 256), max(base.height, 160)
    img = Image.new("RGB", (width, height), (0, 0, 0))
    img.paste(base, ((width - base.width) // 2, (height - base.height) // 2))
    tint = Image.new("RGB", img.size, tuple(digest[0:3]))
    img = Image.blend(img, tint, TINT.get(spec.mode, TINT["edit"]))
    for n, extra in enumerate(spec.images[1:4]):  # the other references, as thumbnails
        with Image.open(io.BytesIO(extra.data)) as ref:
            thumb = ImageOps.contain(ref.convert("RGB"), (96, 96))
        img.paste(thumb, (width - 104 - n * 104, height - 104))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, width, 64], fill=(0, 0, 0))
    draw.text((16, 10), "DEMO", font=_font(40), fill=(255, 210, 0))
    kind = {"vary": "variation", "vary_strong": "strong variation"}.get(spec.mode, "edit")
    label = f"{spec.model_name or spec.model_id} ({kind}, offline demo renderer)"
    draw.text((150, 22), label, font=_font(16), fill=(255, 255, 255))
    body = textwrap.fill(text[:200], width=max(20, width // 14))
    draw.multiline_text(
        (18, 84), body, font=_font(22), fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0)
    )
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue(), width, height


class DemoProvider:
    name = "demo"

    def __init__(self, delay: float = 0.0, fail: str = "") -> None:
        self.delay = delay
        self.fail = fail

    async def generate(
        self, route: Route, spec: ImageSpec, record: JobHandleRecorder
    ) -> GeneratedImage:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail == "unavailable":
            raise ProviderUnavailable(
                "the demo renderer was told to be unavailable", provider="demo"
            )
        if self.fail == "rejected":
            raise ProviderRejected(
                "the demo renderer was told to refuse this prompt", provider="demo"
            )
        if spec.images:
            data, width, height = await asyncio.to_thread(render_demo_edit, spec)
        else:
            data = await asyncio.to_thread(render_demo, spec)
            width, height = demo_size(spec.aspect or "1:1")
        flagged = self.fail == "flagged"  # stands in for a vendor's has_nsfw_concepts
        return GeneratedImage(data, "image/png", width, height, "demo", route.model, is_demo=True,
                              flagged=flagged,
                              flag_reason="the demo renderer was told to flag its image"
                              if flagged else "")

    async def resume(
        self, route: Route, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        # Demo images are deterministic, so "resuming" is drawing the same picture again.
        return await self.generate(route, spec, record)
