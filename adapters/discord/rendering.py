"""How results look on Discord: embeds, attachments that fit the upload limit, the help.

Words come from `bot.services.replies` (the same on every surface); this module only lays
them out for Discord's limits (embed description 4096, field 1024, title 256, footer 2048).
"""

from __future__ import annotations

import io
import logging

import discord
from PIL import Image

from bot.domain.catalog import Catalog
from bot.domain.requests import MAX_PROMPT_CHARS
from bot.i18n import t
from bot.services import edit_text, replies
from bot.services.generation import GenerationResult

log = logging.getLogger(__name__)

COLOUR = discord.Colour(0x5865F2)
DEMO_COLOUR = discord.Colour(0xF1C40F)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
# Lossy encodings tried in turn before shrinking the picture itself.
ENCODINGS = (("WEBP", "webp", 90), ("JPEG", "jpg", 90), ("WEBP", "webp", 75), ("JPEG", "jpg", 75))
MIN_SIDE = 64


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_embed(result: GenerationResult, requester: str, filename: str) -> discord.Embed:
    """Model, why it was chosen, credits charged, balance left, prompt; demo images say so."""
    demo = result.image.is_demo
    title = t("embed-demo-title", model=result.model.name) if demo else result.model.name
    reason = replies.reason_of(result.job.intent, result.reason)
    origin = edit_text.kind_line(result.job.kind, result.job.parent_id,
                                 len(result.job.images))  # "Edit of <job>."
    quoted = f"“{clip(result.job.prompt, MAX_PROMPT_CHARS)}”\n\n" if result.job.prompt else ""
    description = (f"{origin}\n" if origin else "") + quoted + clip(
        t("embed-reason", model=result.model.name, reason=reason), 1000
    )
    embed = discord.Embed(
        title=clip(title, 256), description=description, colour=DEMO_COLOUR if demo else COLOUR
    )
    if requester:
        embed.set_author(name=clip(t("embed-for", name=requester), 256))
    embed.add_field(name=t("embed-cost"), value=replies.credits(result.cost))
    embed.add_field(name=t("embed-balance-left"), value=replies.credits(result.balance))
    embed.add_field(name=t("embed-seed"), value=str(result.job.seed))
    if not result.image.flagged:  # a flagged image goes as a spoiler file, not in the embed
        embed.set_image(url=f"attachment://{filename}")
    footer = t("embed-job", job=result.job.id)
    if demo:
        footer = t("embed-demo-footer", model=result.model.name, job=result.job.id)
    embed.set_footer(text=clip(footer, 2048))
    return embed


def image_bytes(data: bytes, mime: str, limit: int) -> tuple[bytes, str]:
    """The image as it can be uploaded under `limit` bytes: unchanged if it fits, else
    re-encoded (WebP/JPEG), then downscaled step by step. Returns (bytes, extension).
    CPU-bound: call it in a thread."""
    ext = EXTENSIONS.get(mime, "png")
    if len(data) <= limit:
        return data, ext
    with Image.open(io.BytesIO(data)) as original:
        picture = original.convert("RGB")
    scale = 1.0
    while True:
        size = (max(MIN_SIDE, round(picture.width * scale)),
                max(MIN_SIDE, round(picture.height * scale)))
        frame = picture if scale == 1.0 else picture.resize(size, Image.Resampling.LANCZOS)
        for fmt, extension, quality in ENCODINGS:
            out = io.BytesIO()
            frame.save(out, format=fmt, quality=quality)
            if out.tell() <= limit:
                log.info("image re-encoded %d -> %d bytes (%s, %dx%d) for a %d-byte limit",
                         len(data), out.tell(), fmt, *size, limit)
                return out.getvalue(), extension
        if min(size) <= MIN_SIDE:
            # Cannot get smaller than this; send the smallest and let Discord decide.
            return out.getvalue(), extension
        scale *= 0.7


def file_name(result: GenerationResult, ext: str) -> str:
    """A flagged image (posted only where mature applies) is a spoiler attachment."""
    spoiler = "SPOILER_" if result.image.flagged else ""
    return f"{spoiler}{result.model.id}-{result.job.id}.{ext}"


def help_embed(text: str) -> discord.Embed:
    """The help (bot.services.help, in Markdown) as an embed."""
    return discord.Embed(title="imagine-bot", description=clip(text, 4096), colour=COLOUR)


def models_embed(catalog: Catalog, demo_mode: bool) -> discord.Embed:
    text = "\n".join(replies.model_lines(catalog, demo_mode))
    return discord.Embed(title=t("models-title"), description=clip(text, 4096),
                         colour=COLOUR)
