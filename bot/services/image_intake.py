"""The picture a person gives, turned into the exact bytes every vendor gets.

Checked by content, never by file name or the platform's content type (both lie): the magic
bytes say PNG, JPEG, WebP, GIF or HEIC/HEIF, then Pillow must decode it fully. EXIF (GPS,
camera serials) is dropped by re-encoding the pixels alone, after applying its rotation so
the picture still stands the right way up. Large pictures are downscaled to what every edit
route accepts (4096 px a side, about 4 MP: within Recraft's 16 MP, BFL pro's 9 MP budget,
fal Recraft's 5 MB). The digest of the result is its content address in storage.

Every refusal is a `BadImage` with a specific message; nothing is charged for one.
Blocking (Pillow decodes on the calling thread): use `normalise_async` from async code.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings

from PIL import Image, ImageOps

from bot.domain.errors import BadImage
from bot.domain.providers import InputImage
from bot.services import edit_text

MAX_INPUT_BYTES = 20 * 1024 * 1024  # Telegram's getFile cap; Gemini's inline request cap
MAX_SIDE = 4096
MAX_PIXELS = 4_000_000
# Refused before decoding: a tiny file can claim a gigapixel canvas (a decompression bomb).
MAX_SOURCE_PIXELS = 80_000_000
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")

try:  # HEIC/HEIF from phones; pillow-heif is a declared dependency, but stay usable without
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - the dependency is always installed in tests
    HEIF = False


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce: png, jpeg, webp, gif, heif, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    return None


def check_size(size: int | None) -> None:
    """Refuse a file by its announced size, before downloading it (None: unknown)."""
    if size is not None and size > MAX_INPUT_BYTES:
        raise BadImage(edit_text.too_large(size, MAX_INPUT_BYTES))


def normalise(data: bytes, *, label: str = "", max_side: int = MAX_SIDE,
              max_pixels: int = MAX_PIXELS) -> InputImage:
    """Bytes in, a normalised `InputImage` out, or `BadImage` with the reason."""
    if not data:
        raise BadImage(edit_text.no_image())
    check_size(len(data))
    kind = sniff(data)
    if kind is None or (kind == "heif" and not HEIF):
        raise BadImage(edit_text.not_an_image(label))
    image = _decode(data, kind)
    try:
        image = _upright_and_small(image, max_side, max_pixels)
        return _encode(image, photo=kind in ("jpeg", "heif"))
    finally:
        image.close()


async def normalise_async(data: bytes, *, label: str = "") -> InputImage:
    return await asyncio.to_thread(normalise, data, label=label)


def _decode(data: bytes, kind: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise BadImage(edit_text.too_many_pixels(width, height))
            if getattr(image, "n_frames", 1) < 1:
                raise BadImage(edit_text.no_first_frame())
            image.seek(0)  # an animation: its first frame is the picture
            image.load()
            return image
    except BadImage:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadImage(edit_text.too_many_pixels()) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        # A GIF header with no image block decodes to nothing: say so, not "damaged".
        if kind == "gif" and b"\x2c" not in data[13:]:
            raise BadImage(edit_text.no_first_frame()) from None
        raise BadImage(edit_text.corrupted()) from None


def _upright_and_small(image: Image.Image, max_side: int, max_pixels: int) -> Image.Image:
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA"):
        has_alpha = upright.mode in ("LA", "PA") or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    width, height = upright.size
    scale = min(1.0, max_side / max(width, height), (max_pixels / (width * height)) ** 0.5)
    if scale < 1.0:
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        upright = upright.resize(size, Image.Resampling.LANCZOS)
    return upright


def _encode(image: Image.Image, *, photo: bool) -> InputImage:
    """JPEG for photos (small, and what they were), PNG for everything else and for any
    picture with transparency. No metadata is written: EXIF is gone."""
    out = io.BytesIO()
    if photo and image.mode == "RGB":
        image.save(out, "JPEG", quality=92, optimize=True)
        mime = "image/jpeg"
    else:
        image.save(out, "PNG", optimize=True)
        mime = "image/png"
    data = out.getvalue()
    return InputImage(data, mime, image.width, image.height, hashlib.sha256(data).hexdigest())
