"""Image bytes from providers: size caps, base64, checking the bytes really are an image.

Chat platforms get bytes we have looked at, never a provider URL: provider links expire in
minutes, and an HTML error page or a 200 MB file must not reach Discord or Telegram.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import warnings

from PIL import Image

from bot.domain.providers import InputImage, ProviderUnavailable

# Formats both Discord and Telegram show inline.
MIME_BY_FORMAT = {
    "PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif",
}
_DATA_URI = re.compile(r"^data:[^,;]*(;[^,]*)?,", re.I)


def oversized(label: str, size: int, cap: int) -> ProviderUnavailable:
    # Unavailable, not rejected: the prompt is fine; another route may send a smaller file.
    return ProviderUnavailable(
        f"{label} sent an image of {size:,} bytes, over this bot's limit of {cap:,} bytes"
    )


def decode_base64(text: str, cap: int, label: str) -> bytes:
    """Base64 (or a `data:` URI) to bytes, refusing anything over `cap` before decoding it."""
    payload = _DATA_URI.sub("", text.strip(), count=1)
    if len(payload) * 3 // 4 > cap:
        raise oversized(label, len(payload) * 3 // 4, cap)
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        raise ProviderUnavailable(f"{label} sent image data that is not valid base64") from None


def inspect_image(data: bytes, label: str) -> tuple[str, int, int]:
    """(mime, width, height) read from the bytes themselves; fully decoded to catch truncation.

    Blocking (Pillow decodes on this thread): call it through `asyncio.to_thread`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format or "", img.size
                img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        # Unavailable rather than rejected: a broken file is the provider's fault, not the
        # prompt's, and another route may well deliver a good one.
        raise ProviderUnavailable(f"{label} sent a file that is not a readable image") from None
    mime = MIME_BY_FORMAT.get(fmt)
    if mime is None:
        raise ProviderUnavailable(f"{label} sent a {fmt or 'unknown'} file; chats cannot show it")
    return mime, width, height


def ratio(aspect: str) -> tuple[int, int]:
    w, h = (int(x) for x in (aspect or "1:1").split(":"))
    if w <= 0 or h <= 0:
        raise ValueError(f"bad aspect ratio {aspect!r}")
    return w, h


def dims_for(aspect: str, megapixels: float = 1.0, multiple: int = 16) -> tuple[int, int]:
    """Width and height for an aspect ratio at about `megapixels`, each a multiple of `multiple`.

    For vendors that take pixel sizes rather than ratios (BFL, Ark, some fal apps).
    """
    w, h = ratio(aspect)
    area = megapixels * 1024 * 1024
    width = math.sqrt(area * w / h)
    height = width * h / w

    def snap(x: float) -> int:
        return max(64, int(round(x / multiple)) * multiple)

    return snap(width), snap(height)


def b64(image: InputImage) -> str:
    """The input image's bytes as bare base64 (BFL's `input_image`, Gemini's inline data)."""
    return base64.b64encode(image.data).decode("ascii")


def data_uri(image: InputImage) -> str:
    """A `data:image/png;base64,...` URI (lower-case format: Ark requires it)."""
    return f"data:{image.mime.lower()};base64,{b64(image)}"


def input_dims(image: InputImage, megapixels: float, multiple: int = 16) -> tuple[int, int]:
    """An output size with the input image's shape, for vendors that need a pixel size on
    an edit (BFL, Ark): an edit keeps the picture's proportions unless asked otherwise."""
    area = megapixels * 1024 * 1024
    width = math.sqrt(area * image.width / max(1, image.height))
    height = width * image.height / max(1, image.width)

    def snap(x: float) -> int:
        return max(64, int(round(x / multiple)) * multiple)

    return snap(width), snap(height)
