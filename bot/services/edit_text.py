"""Every user-facing line of editing and varying (issue 16), as small functions.

Kept in one module on purpose: the localisation work converts this file into catalog
entries in one go. Nothing here decides anything; callers pass the facts in.
"""

from __future__ import annotations


def _credits(n: int) -> str:
    return f"{n} credit" + ("" if n == 1 else "s")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


# -- the intake: what is wrong with a picture --------------------------------------------


def no_image() -> str:
    return ("I need a picture to edit: attach one, or reply to an image with "
            "`/edit what to change`.")


def too_large(size: int, cap: int) -> str:
    return (f"That file is {_mb(size)}; I take pictures up to {_mb(cap)}. "
            "Please send a smaller one.")


def not_an_image(label: str = "") -> str:
    what = f"`{label[:40]}`" if label else "That file"
    return (f"{what} is not a picture I can read. Send a PNG, JPEG, WebP, GIF or HEIC image.")


def corrupted() -> str:
    return "That picture looks damaged: I could not decode it. Please send it again."


def no_first_frame() -> str:
    return "That animation has no first frame I can use. Please send a still picture."


def too_many_pixels(width: int = 0, height: int = 0) -> str:
    size = f"{width}×{height} pixels" if width and height else "too many pixels"
    return f"That picture is {size}, more than I can take. Please send a smaller one."


def too_many_images(model_name: str, most: int) -> str:
    return f"{model_name} takes at most {most} picture{'s' if most != 1 else ''} per edit."


def unreadable_path(path: str) -> str:
    return f"I can't read the file `{path[:80]}`."


# -- routing and prices -------------------------------------------------------------------


def model_cannot_edit(model_name: str, nearest_name: str | None, nearest_id: str | None) -> str:
    if nearest_name is None:
        return f"{model_name} cannot edit pictures, and no model here can right now."
    return (f"{model_name} cannot edit pictures. {nearest_name} can: pick `{nearest_id}` "
            "instead. Nothing was charged.")


def no_edit_models() -> str:
    return "No model on this bot can edit pictures right now. Nothing was charged."


def instruction_too_long(length: int, limit: int) -> str:
    return f"That is {length:,} characters; the limit is {limit:,}. Please shorten it."


def editor_fallback(default_name: str, picked_name: str) -> str:
    """Added to the reason when the intent's model cannot edit and another one does."""
    return f" ({default_name} cannot edit pictures, so {picked_name})"


def source_model_reason(kind: str, cannot_edit_name: str | None = None) -> str:
    """Why an edit or variation of a result ran where it did when nobody named a model
    (read after "because"): the model that made the picture, or, when that one cannot
    edit, the nearest one that can."""
    verb = "editing" if kind == "edit" else "varying"
    if cannot_edit_name:
        return (f"{cannot_edit_name} made the picture you are {verb} but cannot edit "
                "pictures, so the nearest model that can")
    return f"it made the picture you are {verb}"


def need_instruction() -> str:
    return "Tell me what to change, like `/edit make the sky purple`."


# -- what a result says --------------------------------------------------------------------


def kind_line(kind: str, parent_id: str | None, pictures: int = 1) -> str:
    """The caption line saying where an edit came from ("" for a plain generation)."""
    if not parent_id and kind == "edit" and pictures > 1:  # an album, or /edit image2...
        return f"Edit of your {pictures} pictures."
    if not parent_id:
        return {"edit": "Edit of your picture.", "vary": "Variation of your picture.",
                "vary_strong": "Strong variation of your picture."}.get(kind, "")
    return {"edit": f"Edit of {parent_id}.", "vary": f"Variation of {parent_id}.",
            "vary_strong": f"Strong variation of {parent_id}."}.get(kind, "")


def history_label(kind: str, parent_id: str | None) -> str:
    """A short tag for /history rows of edit and vary jobs."""
    if kind == "edit":
        return f"edit of {parent_id}" if parent_id else "edit"
    if kind == "vary":
        return f"variation of {parent_id}" if parent_id else "variation"
    if kind == "vary_strong":
        return f"strong variation of {parent_id}" if parent_id else "strong variation"
    return ""


def vary_button(price: int) -> str:
    return f"Vary ({_credits(price)})"


def vary_strong_button(price: int) -> str:
    return f"Vary strong ({_credits(price)})"


def edit_button(price: int) -> str:
    return f"Edit ({_credits(price)})"


def edit_prompt_question() -> str:
    """Asked when the Edit button is pressed (a ForceReply on Telegram, a modal on Discord)."""
    return "What should I change in this picture?"


def edit_modal_title() -> str:
    return "Edit image"


def edit_modal_label() -> str:
    return "What to change"


def edit_prompt_placeholder() -> str:
    return "make the sky purple"


def no_result_number(n: str) -> str:
    return f"There is no result {n[:10]} yet. Make an image first, then `/vary 1`."


def edit_usage() -> str:
    return "Usage: /edit <file path or result number> <what to change>"


def vary_usage() -> str:
    return "Usage: /vary [N] [strong]"


def stored_image_gone() -> str:
    return "I no longer have that picture stored, so I can't vary it. Nothing was charged."


def pictures_gone(refunded: str) -> str:
    return f"I no longer have the pictures of this edit stored. Your {refunded} were refunded."


def vary_working(strong: bool) -> str:
    return "a strong variation" if strong else "a variation"


def photo_needs_caption() -> str:
    """A photo with no words in a private chat: how to ask for an edit."""
    return ("Nice picture! To change it, send it again with a caption saying what to change, "
            "or reply to it with `/edit make the sky purple` (or `/vary`).")
