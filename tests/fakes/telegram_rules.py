"""Telegram Bot API validation rules used by :mod:`tests.fakes.telegram_api`.

Pure functions, no I/O: formatting (HTML / MarkdownV2 / Markdown) parsing into plain text +
entities, inline keyboard checks, image inspection.  Every check raises :class:`ApiError`
carrying the status code and the description Telegram would send.

Error wordings marked "(verified)" are ones seen in real Bot API responses; the others are
best guesses and tests should match on a stable fragment only.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

try:  # Pillow is a dependency of the bot, but keep the fake importable without it.
    from PIL import Image
except ImportError:  # pragma: no cover
    Image = None  # type: ignore[assignment]

MAX_TEXT = 4096  # message text, counted in code points after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_TEXT = 200
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_PHOTO_BYTES = 10_000_000
MAX_DOCUMENT_BYTES = 50_000_000
MAX_DOWNLOAD_BYTES = 20_000_000
PHOTO_SIZE_BOXES = (90, 320, 800, 1280, 2560)  # s, m, x, y, w thumbnails

CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
BUTTON_ACTIONS = (
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay"
).split()
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)  # (verified)


class ApiError(Exception):
    """An error response: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, description: str, status: int = 400, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    return ApiError(f"Bad Request: {description}", 400)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------- formatting


class _Builder:
    """Accumulates plain text and entities (offsets in UTF-16 code units, like Telegram)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # utf-16 position
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            ent = {"type": type_, "offset": start, "length": self.pos - start}
            ent.update({k: v for k, v in extra.items() if v})
            self.entities.append(ent)

    def text(self) -> str:
        return "".join(self.parts)


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""\s*([a-zA-Z_-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")


def _parse_html(src: str) -> _Builder:
    out, stack, i = _Builder(), [], 0
    while i < len(src):
        ch = src[i]
        if ch == "&":
            m = _HTML_ENTITY.match(src, i)
            if m:
                name = m.group(1)
                if name.startswith("#x"):
                    out.add(chr(int(name[2:], 16)))
                elif name.startswith("#"):
                    out.add(chr(int(name[1:])))
                else:
                    out.add(_HTML_NAMED[name])
                i = m.end()
                continue
            out.add("&")
            i += 1
            continue
        if ch != "<":
            j = i
            while j < len(src) and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
            continue
        at = _byte_offset(src, i)
        end = src.find(">", i)
        if end == -1:
            raise bad(f"can't parse entities: Unclosed start tag at byte offset {at}")
        inner = src[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise bad(f"can't parse entities: Unexpected end tag at byte offset {at}")
            tag, start, attrs = stack.pop()
            if name != tag:
                raise bad(
                    f"can't parse entities: Unmatched end tag at byte offset {at}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            type_ = _HTML_TAGS[tag]
            if tag == "a":
                out.entity("text_link", start, url=attrs.get("href"))
            elif tag == "pre":
                out.entity("pre", start, language=attrs.get("language"))
            elif tag == "code" and stack and stack[-1][0] == "pre":
                lang = attrs.get("class", "")
                if lang.startswith("language-"):
                    stack[-1][2]["language"] = lang[len("language-") :]
            elif tag == "blockquote" and "expandable" in attrs:
                out.entity("expandable_blockquote", start)
            elif tag == "tg-emoji":
                out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id"))
            else:
                out.entity(type_, start)
        else:
            m = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
            name = m.group(1).lower() if m else inner.split(" ")[0]
            if not m or name not in _HTML_TAGS:
                raise bad(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {at}'
                )
            attrs = {
                a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
                for a in _ATTR.finditer(inner[m.end() :])
                if a.group(1)
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise bad('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
            stack.append((name, out.pos, attrs))
        i = end + 1
    if stack:
        raise bad(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    return out


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_TOGGLES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def _md2_scan_code(src: str, i: int, fence: str) -> tuple[str, int]:
    """Read a code/pre body starting at i up to the closing fence; return (body, index after)."""
    body, j = [], i
    while j < len(src):
        if src[j] == "\\" and j + 1 < len(src):
            body.append(src[j + 1])
            j += 2
        elif src.startswith(fence, j):
            return "".join(body), j + len(fence)
        else:
            body.append(src[j])
            j += 1
    kind = "Pre" if fence == "```" else "Code"
    raise bad(f"can't parse entities: Can't find end of {kind} entity at byte offset {i}")


def _parse_markdown_v2(src: str) -> _Builder:
    out, stack, i = _Builder(), [], 0  # stack: (type, start_pos, src_index)
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src) and 1 <= ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
        elif src.startswith("```", i):
            body, i = _md2_scan_code(src, i + 3, "```")
            lang, sep, rest = body.partition("\n")
            language = lang.strip() if sep and lang.strip() and " " not in lang.strip() else None
            start = out.pos
            out.add(rest if language else body)
            out.entity("pre", start, language=language)
        elif ch == "`":
            body, i = _md2_scan_code(src, i + 1, "`")
            start = out.pos
            out.add(body)
            out.entity("code", start)
        elif src.startswith("__", i) or src.startswith("||", i) or ch in "*_~":
            token = src[i : i + 2] if src[i : i + 2] in ("__", "||") else ch
            type_ = _MD2_TOGGLES[token]
            if stack and stack[-1][0] == type_:
                _, start, _ = stack.pop()
                out.entity(type_, start)
            elif any(t == type_ for t, _, _ in stack):
                top = stack[-1]
                raise bad(
                    f"can't parse entities: Can't find end of {_MD2_NAMES.get(top[0], top[0])} "
                    f"entity at byte offset {_byte_offset(src, top[2])}"
                )
            else:
                stack.append((type_, out.pos, i))
            i += len(token)
        elif ch == "[":
            stack.append(("text_link", out.pos, i))
            i += 1
        elif ch == "]" and stack and stack[-1][0] == "text_link":
            _, start, _ = stack.pop()
            i += 1
            if src.startswith("(", i):
                url, i = _md2_scan_code(src, i + 1, ")")
                out.entity("text_link", start, url=url)
        elif ch == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1  # blockquote marker at line start (entity not modelled)
        elif ch in _MD2_RESERVED:
            raise bad(
                f"can't parse entities: Character '{ch}' is reserved and must be escaped "
                "with the preceding '\\'"
            )  # (verified)
        else:
            out.add(ch)
            i += 1
    if stack:
        type_, _, idx = stack[-1]
        raise bad(
            f"can't parse entities: Can't find end of {_MD2_NAMES.get(type_, type_)} entity "
            f"at byte offset {_byte_offset(src, idx)}"
        )
    return out


def _parse_markdown_legacy(src: str) -> _Builder:
    out, i = _Builder(), 0
    marks = {"*": "bold", "_": "italic", "`": "code"}
    while i < len(src):
        ch = src[i]
        if src.startswith("```", i) or ch in marks:
            fence = "```" if src.startswith("```", i) else ch
            end = src.find(fence, i + len(fence))
            if end == -1:
                raise bad(
                    "can't parse entities: Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(src, i)}"
                )
            start = out.pos
            out.add(src[i + len(fence) : end])
            out.entity("pre" if fence == "```" else marks[fence], start)
            i = end + len(fence)
        elif ch == "[" and (m := re.match(r"\[([^\]]*)\]\(([^)]*)\)", src[i:])):
            start = out.pos
            out.add(m.group(1))
            out.entity("text_link", start, url=m.group(2))
            i += m.end()
        else:
            out.add(ch)
            i += 1
    return out


def parse_formatted(
    text: Any, parse_mode: Any, entities: Any = None, *, what: str = "text"
) -> tuple[str, list[dict]]:
    """Return (plain text, entities) as Telegram would store them.

    Leading/trailing whitespace is stripped, as Telegram does.  ``what`` is "text" or "caption"
    (only used for the empty-text error, which captions do not have).
    """
    text = "" if text is None else str(text)
    mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        built = _parse_html(text)
    elif mode == "markdownv2":
        built = _parse_markdown_v2(text)
    elif mode == "markdown":
        built = _parse_markdown_legacy(text)
    elif mode:
        raise bad(f"unsupported parse_mode {parse_mode}")
    else:
        built = _Builder()
        built.add(text)
        if isinstance(entities, list):
            built.entities = [dict(e) for e in entities if isinstance(e, dict)]
    plain = built.text()
    stripped = plain.lstrip()
    shift = utf16_len(plain) - utf16_len(stripped)
    plain = stripped.rstrip()
    limit = utf16_len(plain)
    ents = []
    for ent in built.entities:
        start = max(0, ent["offset"] - shift)
        stop = min(limit, ent["offset"] + ent["length"] - shift)
        if stop > start:
            ents.append({**ent, "offset": start, "length": stop - start})
    if what == "text" and not plain:
        raise bad("message text is empty")  # (verified)
    return plain, ents


def check_text(text: Any, parse_mode: Any, entities: Any = None) -> tuple[str, list[dict]]:
    plain, ents = parse_formatted(text, parse_mode, entities, what="text")
    if len(plain) > MAX_TEXT:
        raise bad("message is too long")  # (verified)
    return plain, ents


def check_caption(caption: Any, parse_mode: Any, entities: Any = None) -> tuple[str, list[dict]]:
    plain, ents = parse_formatted(caption, parse_mode, entities, what="caption")
    if len(plain) > MAX_CAPTION:
        raise bad("message caption is too long")  # (verified)
    return plain, ents


# --------------------------------------------------------------------------- keyboards


def check_reply_markup(markup: Any) -> dict | None:
    """Validate ``reply_markup``; return the inline keyboard to echo on the Message, or None.

    Reply keyboards / ReplyKeyboardRemove / ForceReply are accepted but, like on Telegram,
    are not part of the returned Message.
    """
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    total = sum(len(r) for r in rows)
    if total > MAX_BUTTONS or any(len(r) > MAX_BUTTONS_PER_ROW for r in rows):
        raise bad("reply markup is too long")  # (verified for too many buttons)
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            actions = [a for a in BUTTON_ACTIONS if a in button]
            if not actions:
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                data = data if isinstance(data, str) else str(data)
                if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise bad("BUTTON_DATA_INVALID")  # (verified)
            if "url" in button:
                url = str(button["url"])
                if not re.match(r"^(https?://[^/\s]+|tg://\S+)", url):
                    raise bad("BUTTON_URL_INVALID")
    return {"inline_keyboard": rows}


def keyboard_callback_data(markup: dict | None) -> list[str]:
    """All callback_data values on an inline keyboard."""
    if not markup:
        return []
    return [
        str(b["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


# --------------------------------------------------------------------------- images


@dataclass
class ImageInfo:
    width: int
    height: int
    format: str
    image: Any  # a loaded PIL image (or None without Pillow)


def inspect_image(data: bytes) -> ImageInfo:
    """Decode an uploaded image; a non-image gives Telegram's IMAGE_PROCESS_FAILED."""
    if Image is None:  # pragma: no cover
        return ImageInfo(0, 0, "unknown", None)
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # noqa: BLE001 - any decode failure is a bad image
        raise bad("IMAGE_PROCESS_FAILED") from exc
    return ImageInfo(img.width, img.height, img.format or "unknown", img)


def check_photo_dimensions(info: ImageInfo) -> None:
    w, h = info.width, info.height
    if not w or not h:
        return
    if w + h > 10000 or max(w, h) / min(w, h) > 20:
        raise bad("PHOTO_INVALID_DIMENSIONS")


def photo_sizes(info: ImageInfo) -> list[tuple[int, int]]:
    """(width, height) of the PhotoSizes Telegram would create, smallest first.

    Telegram keeps thumbnails for the boxes 90/320/800/1280 smaller than the image, then the
    largest size capped at 2560 px on the long side.
    """
    w, h = info.width, info.height
    if not w or not h:
        return [(w, h)]
    long_side = max(w, h)
    sizes = []
    for box in PHOTO_SIZE_BOXES:
        if box >= long_side:
            break
        scale = box / long_side
        sizes.append((max(1, round(w * scale)), max(1, round(h * scale))))
    if long_side > PHOTO_SIZE_BOXES[-1]:
        return sizes  # the 2560 box is the largest
    sizes.append((w, h))
    return sizes


def thumbnail_jpeg(info: ImageInfo, size: tuple[int, int]) -> bytes:
    if info.image is None:  # pragma: no cover
        return b""
    img = info.image.convert("RGB").resize(size)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()
