"""The words of editing (bot/services/edit_text.py) come from the catalogs: in English they
are byte for byte what they were before catalogs, and in another language nothing of them
is English (every function, every branch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import i18n
from bot.services import edit_text as et
from bot.services.replies import reason_of
from tests.e2e.english import english_in

# (function, arguments, today's English): every function and every branch of one.
ENGLISH: list[tuple[Callable[..., str], tuple[Any, ...], str]] = [
    (et.no_image, (), "I need a picture to edit: attach one, or reply to an image with "
                      "`/edit what to change`."),
    (et.too_large, (12_345_678, 10_000_000),
     "That file is 12.3 MB; I take pictures up to 10.0 MB. Please send a smaller one."),
    (et.not_an_image, ("notes.txt",), "`notes.txt` is not a picture I can read. Send a PNG, "
                                      "JPEG, WebP, GIF or HEIC image."),
    (et.not_an_image, ("x" * 50,), f"`{'x' * 40}` is not a picture I can read. Send a PNG, "
                                   "JPEG, WebP, GIF or HEIC image."),
    (et.not_an_image, (), "That file is not a picture I can read. Send a PNG, JPEG, WebP, GIF "
                          "or HEIC image."),
    (et.corrupted, (), "That picture looks damaged: I could not decode it. Please send it "
                       "again."),
    (et.no_first_frame, (), "That animation has no first frame I can use. Please send a still "
                            "picture."),
    (et.too_many_pixels, (12000, 9000), "That picture is 12000×9000 pixels, more than I can "
                                        "take. Please send a smaller one."),
    (et.too_many_pixels, (), "That picture is too many pixels, more than I can take. Please "
                             "send a smaller one."),
    (et.too_many_images, ("Flux Kontext", 1), "Flux Kontext takes at most 1 picture per edit."),
    (et.too_many_images, ("Flux Kontext", 4), "Flux Kontext takes at most 4 pictures per edit."),
    (et.too_many_images_anywhere, (3,), "Every model here takes at most 3 pictures per edit."),
    (et.unreadable_path, ("p" * 90,), f"I can't read the file `{'p' * 80}`."),
    (et.model_cannot_edit, ("BitDance", "Flux Kontext", "flux-kontext"),
     "BitDance cannot edit pictures. Flux Kontext can: pick `flux-kontext` instead. Nothing "
     "was charged."),
    (et.model_cannot_edit, ("BitDance", None, None),
     "BitDance cannot edit pictures, and no model here can right now."),
    (et.no_edit_models, (), "No model on this bot can edit pictures right now. Nothing was "
                            "charged."),
    (et.instruction_too_long, (4321, 4000),
     "That is 4,321 characters; the limit is 4,000. Please shorten it."),
    (et.editor_fallback, ("Flux Pro", "Flux Kontext"),
     " (Flux Pro cannot edit pictures, so Flux Kontext)"),
    (et.source_model_reason, ("edit",), "it made the picture you are editing"),
    (et.source_model_reason, ("vary",), "it made the picture you are varying"),
    (et.source_model_reason, ("vary_strong", "BitDance"),
     "BitDance made the picture you are varying but cannot edit pictures, so the nearest "
     "model that can"),
    (et.source_model_reason, ("edit", "BitDance"),
     "BitDance made the picture you are editing but cannot edit pictures, so the nearest "
     "model that can"),
    (et.need_instruction, (), "Tell me what to change, like `/edit make the sky purple`."),
    (et.kind_line, ("edit", None, 3), "Edit of your 3 pictures."),
    (et.kind_line, ("edit", None), "Edit of your picture."),
    (et.kind_line, ("vary", None), "Variation of your picture."),
    (et.kind_line, ("vary_strong", None), "Strong variation of your picture."),
    (et.kind_line, ("edit", "ab12cd34ef"), "Edit of ab12cd34ef."),
    (et.kind_line, ("vary", "ab12cd34ef"), "Variation of ab12cd34ef."),
    (et.kind_line, ("vary_strong", "ab12cd34ef", 2), "Strong variation of ab12cd34ef."),
    (et.kind_line, ("generate", None), ""),
    (et.kind_line, ("generate", "ab12cd34ef"), ""),
    (et.history_label, ("edit", "ab12"), "edit of ab12"),
    (et.history_label, ("edit", None), "edit"),
    (et.history_label, ("vary", "ab12"), "variation of ab12"),
    (et.history_label, ("vary", None), "variation"),
    (et.history_label, ("vary_strong", "ab12"), "strong variation of ab12"),
    (et.history_label, ("vary_strong", None), "strong variation"),
    (et.history_label, ("generate", "ab12"), ""),
    (et.vary_button, (1,), "Vary (1 credit)"),
    (et.vary_button, (7,), "Vary (7 credits)"),
    (et.vary_strong_button, (7,), "Vary strong (7 credits)"),
    (et.edit_button, (1000,), "Edit (1000 credits)"),
    (et.editor_choice, ("Flux Pro", 7), "Flux Pro — 7 credits an edit"),
    (et.edit_prompt_question, (), "What should I change in this picture?"),
    (et.edit_modal_title, (), "Edit image"),
    (et.edit_modal_label, (), "What to change"),
    (et.edit_prompt_placeholder, (), "make the sky purple"),
    (et.no_result_number, ("12345678901234",),
     "There is no result 1234567890 yet. Make an image first, then `/vary 1`."),
    (et.edit_usage, (), "Usage: /edit <file path or result number> <what to change>"),
    (et.vary_usage, (), "Usage: /vary [N] [strong]"),
    (et.stored_image_gone, (), "I no longer have that picture stored, so I can't vary it. "
                               "Nothing was charged."),
    (et.pictures_gone, ("7 credits",), "I no longer have the pictures of this edit stored. "
                                       "Your 7 credits were refunded."),
    (et.vary_working, (True,), "a strong variation"),
    (et.vary_working, (False,), "a variation"),
    (et.photo_needs_caption, (), "Nice picture! To change it, send it again with a caption "
                                 "saying what to change, or reply to it with `/edit make the "
                                 "sky purple` (or `/vary`)."),
]
OTHERS = [lang for lang in i18n.supported() if lang != i18n.DEFAULT]
# Words a translation rightly shares with English here: formats, and a model name.
SHARED = ("PNG", "JPEG", "WebP", "GIF", "HEIC", "Flux", "Kontext", "Pro", "BitDance", "notes",
          "txt", "credits")


def _name(case: tuple[Callable[..., str], tuple[Any, ...], str]) -> str:
    return f"{case[0].__name__}{case[1]!r}"[:60]


def test_every_function_of_edit_text_is_checked() -> None:
    public = {name for name, value in vars(et).items() if callable(value)
              and not name.startswith("_") and getattr(value, "__module__", "") == et.__name__}
    readers = {"split_fallback", "reason_words"}  # they read stored reasons (tested below)
    assert public - readers == {fn.__name__ for fn, _, _ in ENGLISH}


@pytest.mark.parametrize("case", ENGLISH, ids=_name)
def test_english_is_todays_english(case: tuple[Callable[..., str], tuple[Any, ...], str]
                                   ) -> None:
    fn, args, expected = case
    assert fn(*args) == expected


# The planner's reasons: stored on the job in English, said in the reader's language by
# replies.reason_of when a caption is made.
STORED = (et.editor_fallback, et.source_model_reason)


@pytest.mark.parametrize("lang", OTHERS)
def test_no_english_is_left_in_another_language(lang: str) -> None:
    with i18n.use(lang):
        for fn, args, expected in ENGLISH:
            if fn in STORED:
                assert fn(*args) == expected  # the job keeps English
                said = reason_of("photo", expected.strip())
                assert not english_in(said, lang, SHARED), (lang, fn.__name__, said)
                continue
            args = tuple(i18n.t("credits", n=7) if a == "7 credits" else a for a in args)
            said = fn(*args)
            assert (said == "") == (expected == ""), (fn.__name__, args)
            if expected:
                assert not english_in(said, lang, SHARED), (lang, fn.__name__, said)


@pytest.mark.parametrize(("lang", "n", "expected"), [
    ("ru", 3, "3 ваших картинок"), ("ru", 21, "21 вашей картинки"), ("es", 3, "tus 3 imágenes"),
    ("de", 3, "deiner 3 Bilder"), ("tr", 3, "3 görselinizin"),
])
def test_an_album_counts_its_pictures_in_the_language(lang: str, n: int, expected: str) -> None:
    with i18n.use(lang):
        assert expected in et.kind_line("edit", None, n)


def test_numbers_take_the_languages_digits() -> None:
    with i18n.use("de"):
        assert "12,3 MB" in et.too_large(12_345_678, 10_000_000)
        assert "4.321 Zeichen" in et.instruction_too_long(4321, 4000)
    with i18n.use("ru"):
        assert "4\xa0321 символ," in et.instruction_too_long(4321, 4000)
        assert et.vary_button(5) == "Вариация (5 кредитов)"


@pytest.mark.parametrize("lang", OTHERS)
def test_a_stored_edit_reason_is_said_in_the_readers_language(lang: str) -> None:
    fallback = et.editor_fallback("Flux Pro", "Flux Kontext")
    asked = "you asked for photo: it should look like a real photo (sharp)"
    with i18n.use(lang):
        assert reason_of("photo", et.source_model_reason("edit")) == i18n.t(
            "edit-source-reason", kind="edit")
        assert reason_of("photo", et.source_model_reason("vary_strong", "BitDance")) == i18n.t(
            "edit-source-reason-nearest", kind="vary_strong", model="BitDance")
        said = reason_of("photo", asked + fallback)  # the intent's words, then the fallback
        assert said == reason_of("photo", asked) + i18n.t(
            "edit-editor-fallback", model="Flux Pro", picked="Flux Kontext")
        assert said.startswith(i18n.t("reason-asked", intent="photo",
                                      why=i18n.t("intent-photo-why")))
    assert reason_of("photo", asked + fallback) == asked + fallback  # English: as stored
