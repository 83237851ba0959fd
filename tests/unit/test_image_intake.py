"""The intake: real pictures made with Pillow in, normalised bytes out; broken bytes get a
specific message."""

import hashlib
import io

import pytest
from PIL import Image

from bot.domain.errors import BadImage
from bot.services import edit_text
from bot.services.image_intake import MAX_INPUT_BYTES, check_size, normalise, sniff


def picture(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_accepted_format_comes_out_normalised_with_its_digest(fmt: str):
    image = normalise(picture(fmt))
    assert (image.width, image.height) == (64, 48)
    assert image.mime in ("image/png", "image/jpeg")
    assert image.digest == hashlib.sha256(image.data).hexdigest()
    with Image.open(io.BytesIO(image.data)) as back:
        assert back.size == (64, 48)


def test_a_photo_stays_jpeg_and_a_transparent_png_keeps_its_alpha():
    assert normalise(picture("JPEG")).mime == "image/jpeg"
    clear = normalise(picture("PNG", mode="RGBA"))
    assert clear.mime == "image/png"
    with Image.open(io.BytesIO(clear.data)) as back:
        assert back.mode == "RGBA"


def test_heic_from_a_phone_is_decoded():
    from pillow_heif import from_pillow

    heif = from_pillow(Image.new("RGB", (40, 30), (10, 200, 10)))
    out = io.BytesIO()
    heif.save(out, quality=80)
    assert sniff(out.getvalue()) == "heif"
    image = normalise(out.getvalue())
    assert (image.width, image.height) == (40, 30) and image.mime == "image/jpeg"


def test_exif_is_stripped_and_its_rotation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to stand upright
    exif[0x010F] = "SecretCam"  # the camera maker: must not survive
    raw = picture("JPEG", (80, 40), exif=exif.tobytes())
    image = normalise(raw)
    assert (image.width, image.height) == (40, 80)
    assert b"SecretCam" not in image.data
    with Image.open(io.BytesIO(image.data)) as back:
        assert not back.getexif()


def test_a_big_picture_is_downscaled_to_4096_a_side_and_about_4_megapixels():
    wide = normalise(picture("PNG", (6000, 500)))
    assert wide.width == 4096 and wide.height <= 500
    square = normalise(picture("JPEG", (3000, 3000)))
    assert square.width * square.height <= 4_000_000 and square.width == square.height


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    image = normalise(out.getvalue())
    with Image.open(io.BytesIO(image.data)) as back:
        assert back.convert("RGB").getpixel((5, 5))[0] > 200  # red: the first frame


def test_the_same_picture_twice_has_the_same_digest():
    raw = picture("PNG")
    assert normalise(raw).digest == normalise(raw).digest


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", edit_text.no_image()),
        (b"<html>not found</html>", edit_text.not_an_image()),
        (b"%PDF-1.7 a document", edit_text.not_an_image()),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, edit_text.corrupted()),
        (b"GIF89a\x10\x00\x10\x00\x00\x00\x00;", edit_text.no_first_frame()),
    ],
)
def test_bad_bytes_get_a_specific_message(data: bytes, message: str):
    with pytest.raises(BadImage) as caught:
        normalise(data)
    assert caught.value.user_message == message


def test_a_truncated_jpeg_is_called_damaged():
    raw = picture("JPEG", (300, 300))
    with pytest.raises(BadImage) as caught:
        normalise(raw[: len(raw) // 3])
    assert caught.value.user_message == edit_text.corrupted()


def test_over_20_mb_is_refused_with_the_limit_in_the_message():
    with pytest.raises(BadImage) as caught:
        normalise(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_INPUT_BYTES)
    assert "20.0 MB" in caught.value.user_message or "21.0 MB" in caught.value.user_message
    with pytest.raises(BadImage):
        check_size(MAX_INPUT_BYTES + 1)
    check_size(None)
    check_size(1000)


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(BadImage) as caught:
        normalise(_bomb())
    assert "more than I can take" in caught.value.user_message


def _bomb() -> bytes:
    # A PNG header claiming 20000x20000 pixels: tiny on disk, huge decoded.
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")
