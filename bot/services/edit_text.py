"""Every user-facing line of editing and varying (issue 16), as small functions.

Kept in one module on purpose: each function names its catalog message
(data/locales/<lang>/edit.ftl) and passes the facts in, so callers stay unchanged and
speak the locale of the event. Nothing here decides anything.

The reasons a model was picked (`editor_fallback`, `source_model_reason`) are the
planner's words, stored on the job in English like its "you picked ..."; `reason_words`
and `split_fallback` say them in the reader's language (replies.reason_of).
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import numbers as babel_numbers
from fluent.runtime.types import fluent_number

from bot import i18n
from bot.i18n import Count, t

_KINDS = ("edit", "vary", "vary_strong")


def _mb(n: int) -> str:
    """Megabytes with one decimal, in the locale's digits ("12.3", "12,3")."""
    if i18n.current() == i18n.DEFAULT:
        return f"{n / 1_000_000:.1f}"
    return babel_numbers.format_decimal(round(n / 1_000_000, 1), format="#,##0.0",
                                        locale=i18n.locale_of())


def _grouped(n: int) -> object:
    """A count with thousands separators in every language ("4,321" in English too, as
    before catalogs), still a number for the plural form."""
    return fluent_number(n, useGrouping=True)


# -- the intake: what is wrong with a picture --------------------------------------------


def no_image() -> str:
    return t("edit-no-image")


def too_large(size: int, cap: int) -> str:
    return t("edit-too-large", size=_mb(size), cap=_mb(cap))


def not_an_image(label: str = "") -> str:
    if not label:
        return t("edit-not-an-image-unnamed")
    return t("edit-not-an-image", label=label[:40])


def corrupted() -> str:
    return t("edit-corrupted")


def no_first_frame() -> str:
    return t("edit-no-first-frame")


def too_many_pixels(width: int = 0, height: int = 0) -> str:
    if not (width and height):
        return t("edit-too-many-pixels-unknown")
    return t("edit-too-many-pixels", width=str(width), height=str(height))


def too_many_images(model_name: str, most: int) -> str:
    return t("edit-too-many-images", model=model_name, most=most)


def too_many_images_anywhere(most: int) -> str:
    """No model here takes that many pictures (the most any of them takes: `most`)."""
    return t("edit-too-many-images-any", most=most)


def unreadable_path(path: str) -> str:
    return t("edit-unreadable-path", path=path[:80])


# -- routing and prices -------------------------------------------------------------------


def model_cannot_edit(model_name: str, nearest_name: str | None, nearest_id: str | None) -> str:
    if nearest_name is None:
        return t("edit-model-cannot-edit-none", model=model_name)
    return t("edit-model-cannot-edit", model=model_name, nearest=nearest_name, id=nearest_id)


def no_edit_models() -> str:
    return t("edit-no-edit-models")


def instruction_too_long(length: int, limit: int) -> str:
    return t("edit-instruction-too-long", length=_grouped(length), limit=_grouped(limit))


def editor_fallback(default_name: str, picked_name: str) -> str:
    """Added to the reason when the intent's model cannot edit and another one does (in
    English: a stored reason; see split_fallback)."""
    return i18n.t_in(i18n.DEFAULT, "edit-editor-fallback", model=default_name,
                     picked=picked_name)


def source_model_reason(kind: str, cannot_edit_name: str | None = None) -> str:
    """Why an edit or variation of a result ran where it did when nobody named a model
    (read after "because"): the model that made the picture, or, when that one cannot
    edit, the nearest one that can. In English: a stored reason (see reason_words)."""
    kind = kind if kind in _KINDS else "vary"  # as before: anything but an edit varies
    if cannot_edit_name:
        return i18n.t_in(i18n.DEFAULT, "edit-source-reason-nearest", kind=kind,
                         model=cannot_edit_name)
    return i18n.t_in(i18n.DEFAULT, "edit-source-reason", kind=kind)


@lru_cache(maxsize=16)
def _english(key: str, kind: str = "") -> re.Pattern[str]:
    """The English words of `key` as a pattern, its model names as the groups."""
    names = ("model", "picked")
    text = i18n.t_in(i18n.DEFAULT, key, kind=kind, **{n: f"\x00{n}\x00" for n in names})
    pattern = re.escape(text)
    for name in names:
        pattern = pattern.replace(re.escape(f"\x00{name}\x00"), f"(?P<{name}>.+?)")
    return re.compile(pattern, re.DOTALL)


def split_fallback(reason: str) -> tuple[str, str]:
    """A stored reason without its editor_fallback ending, and that ending in the current
    language ("" when there is none)."""
    found = re.fullmatch(f"(?P<rest>.*){_english('edit-editor-fallback').pattern}", reason,
                         re.DOTALL)
    if found is None:
        return reason, ""
    return found["rest"], t("edit-editor-fallback", model=found["model"],
                            picked=found["picked"])


def reason_words(reason: str) -> str | None:
    """A stored source_model_reason in the current language; None for any other reason."""
    for kind in _KINDS:
        if _english("edit-source-reason", kind).fullmatch(reason):
            return t("edit-source-reason", kind=kind)
        found = _english("edit-source-reason-nearest", kind).fullmatch(reason)
        if found is not None:
            return t("edit-source-reason-nearest", kind=kind, model=found["model"])
    return None


def need_instruction() -> str:
    return t("edit-need-instruction")


# -- what a result says --------------------------------------------------------------------


def kind_line(kind: str, parent_id: str | None, pictures: int = 1) -> str:
    """The caption line saying where an edit came from ("" for a plain generation)."""
    if not parent_id and kind == "edit" and pictures > 1:  # an album, or /edit image2...
        return t("edit-kind-line-album", n=pictures)
    if kind not in _KINDS:
        return ""
    if not parent_id:
        return t("edit-kind-line-own", kind=kind)
    return t("edit-kind-line", kind=kind, parent=parent_id)


def history_label(kind: str, parent_id: str | None) -> str:
    """A short tag for /history rows of edit and vary jobs."""
    if kind not in _KINDS:
        return ""
    if parent_id:
        return t("edit-history-label", kind=kind, parent=parent_id)
    return t("edit-history-label-own", kind=kind)


def vary_button(price: int) -> str:
    return t("edit-vary-button", price=Count(price))


def vary_strong_button(price: int) -> str:
    return t("edit-vary-strong-button", price=Count(price))


def edit_button(price: int) -> str:
    return t("edit-edit-button", price=Count(price))


def editor_choice(model_name: str, price: int) -> str:
    """An /edit model suggestion (Discord's autocomplete): a model and its edit price."""
    return t("edit-editor-choice", model=model_name, price=Count(price))


def edit_prompt_question() -> str:
    """Asked when the Edit button is pressed (a ForceReply on Telegram, a modal on Discord)."""
    return t("edit-prompt-question")


def edit_modal_title() -> str:
    return t("edit-modal-title")


def edit_modal_label() -> str:
    return t("edit-modal-label")


def edit_prompt_placeholder() -> str:
    return t("edit-prompt-placeholder")


def no_result_number(n: str) -> str:
    return t("edit-no-result", number=n[:10])


def edit_usage() -> str:
    return t("edit-usage")


def vary_usage() -> str:
    return t("edit-vary-usage")


def stored_image_gone() -> str:
    return t("edit-stored-image-gone")


def pictures_gone(refunded: str) -> str:
    return t("edit-pictures-gone", refunded=refunded)


def vary_working(strong: bool) -> str:
    return t("edit-vary-working", kind="vary_strong" if strong else "vary")


def photo_needs_caption() -> str:
    """A photo with no words in a private chat: how to ask for an edit."""
    return t("edit-photo-needs-caption")
