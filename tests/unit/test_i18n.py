"""The catalogs: every key in every language, the same placeholders, the plural forms each
language needs (CLDR), valid Fluent, and the locale rules (normalise, fallback, context)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from babel import Locale
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot import i18n
from bot.domain.commands import SURFACES
from bot.domain.errors import RequestError
from bot.services.command_table import TABLE
from bot.services.help import command_key, option_key

# Every folder is a language: an eighth one is checked by these tests with no change here.
LANGUAGES = tuple(sorted(p.name for p in i18n.LOCALES_DIR.iterdir() if p.is_dir()))
ISSUE_12 = {"en", "es", "pt-BR", "ru", "de", "fr", "tr"}
CLDR = {"zero", "one", "two", "few", "many", "other"}


def _messages(lang: str) -> dict[str, ast.Message]:
    found: dict[str, ast.Message] = {}
    for name, text in i18n.catalog().sources[lang].items():
        resource = FluentParser().parse(text)
        junk = [e for e in resource.body if isinstance(e, ast.Junk)]
        assert not junk, f"{lang}/{name}: not valid Fluent: {junk[0].content[:80]!r}"
        for entry in resource.body:
            if isinstance(entry, ast.Message):
                assert entry.id.name not in found, f"{lang}: {entry.id.name} twice"
                found[entry.id.name] = entry
    return found


def _variables(node: object) -> set[str]:
    names: set[str] = set()

    class Walk(Visitor):
        def visit_VariableReference(self, ref: ast.VariableReference) -> None:  # noqa: N802
            names.add(ref.id.name)

    Walk().visit(node)  # type: ignore[arg-type]
    return names


def _plural_selects(node: object) -> list[set[str]]:
    """The variant keys of each select expression that picks by plural category."""
    selects: list[set[str]] = []

    class Walk(Visitor):
        def visit_SelectExpression(self, sel: ast.SelectExpression) -> None:  # noqa: N802
            keys = {v.key.name for v in sel.variants if isinstance(v.key, ast.Identifier)}
            if keys & CLDR:
                selects.append(keys)
            self.generic_visit(sel)

    Walk().visit(node)  # type: ignore[arg-type]
    return selects


def test_the_languages_are_the_folders_and_english_comes_first() -> None:
    assert i18n.supported()[0] == "en"
    assert set(i18n.supported()) == set(LANGUAGES) >= ISSUE_12


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_key_with_the_same_placeholders(lang: str) -> None:
    english, other = _messages("en"), _messages(lang)
    assert sorted(set(english) - set(other)) == [], f"{lang} lacks these keys"
    assert sorted(set(other) - set(english)) == [], f"{lang} has keys English lacks"
    for key, message in english.items():
        assert _variables(other[key]) == _variables(message), f"{lang}: {key} placeholders"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_messages_cover_the_categories_the_language_needs(lang: str) -> None:
    needed = set(Locale.parse(lang.replace("-", "_")).plural_form.tags) | {"other"}
    for key, message in _messages(lang).items():
        for keys in _plural_selects(message):
            assert needed <= keys, f"{lang}: {key} lacks {sorted(needed - keys)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_renders_as_its_id_or_with_bidi_marks(lang: str) -> None:
    sample = {"n": 3, "model": "Flux Pro"}
    for key, message in _messages(lang).items():
        args = {name: sample.get(name, "X") for name in _variables(message)}
        text = i18n.t_in(lang, key, **args)
        assert text and text != key
        assert "\u2068" not in text and "\u2069" not in text


@pytest.mark.parametrize(("n", "expected"), [(1, "1 кредит"), (3, "3 кредита"),
                                             (5, "5 кредитов"), (21, "21 кредит"),
                                             (1000, "1\xa0000 кредитов")])
def test_russian_counts_take_their_plural_form(n: int, expected: str) -> None:
    assert i18n.t_in("ru", "credits", n=n) == expected


def test_english_counts_keep_their_digits() -> None:
    assert i18n.t_in("en", "credits", n=1) == "1 credit"
    assert i18n.t_in("en", "credits", n=1000) == "1000 credits"


@pytest.mark.parametrize(("code", "expected"), [
    ("pt-br", "pt-BR"), ("pt", "pt-BR"), ("pt_PT", "pt-BR"), ("es-419", "es"),
    ("es-ES", "es"), ("en-GB", "en"), ("en-US", "en"), ("ru-RU", "ru"), ("de", "de"),
    ("fr-CA", "fr"), ("tr", "tr"), ("ja", "en"), ("zh-hans", "en"), ("", "en"), (None, "en"),
])
def test_platform_codes_map_to_the_nearest_supported_language(code: str | None,
                                                              expected: str) -> None:
    assert i18n.normalise(code) == expected


def test_use_speaks_a_language_inside_the_block_only() -> None:
    assert i18n.current() == "en"
    with i18n.use("es-419"):
        assert i18n.t("deleted") == i18n.t_in("es", "deleted")
    assert i18n.t("deleted") == "Deleted."


async def test_concurrent_events_keep_their_own_language() -> None:
    async def event(code: str) -> str:
        i18n.set_locale(code)
        await asyncio.sleep(0)
        return i18n.t("deleted")

    said = await asyncio.gather(event("de"), event("ru"), event("en"))
    assert said == [i18n.t_in("de", "deleted"), i18n.t_in("ru", "deleted"), "Deleted."]


def test_a_key_missing_in_a_language_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "xx").mkdir()
    (tmp_path / "en" / "a.ftl").write_text("hello = Hello\nbye = Bye\n")
    (tmp_path / "xx" / "a.ftl").write_text("hello = Hallo\n")
    loaded = i18n.load(tmp_path)
    assert loaded.languages == ("en", "xx")
    assert loaded.ids["xx"] == {"hello"}


def test_keyed_errors_speak_the_readers_language_and_log_english() -> None:
    error = i18n.error(RequestError, "give-self")
    assert str(error) == "You can't give credits to yourself."
    with i18n.use("es"):
        assert error.user_message == i18n.t_in("es", "give-self")
    assert error.user_message == "You can't give credits to yourself."


def test_durations_are_composed_for_the_locale() -> None:
    assert i18n.duration(5400, "en") == "1h30m"
    assert i18n.duration(5400, "es") != "1h30m"
    assert "30" in i18n.duration(5400, "ru") and "1" in i18n.duration(5400, "ru")


def test_english_command_descriptions_equal_the_table() -> None:
    for surface in SURFACES:
        for path, leaf in [*((c.name, c) for c in TABLE.on(surface)), *TABLE.leaves(surface)]:
            assert i18n.t_in("en", command_key(path)) == leaf.description, path
            for option in leaf.options:
                assert i18n.t_in("en", option_key(path, option.name)) == option.description


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_descriptions_fit_discord_and_telegram(lang: str) -> None:
    for key in i18n.catalog().ids[lang]:
        if key.startswith("cmd-"):
            text = i18n.t_in(lang, key)
            assert 1 <= len(text) <= 100, f"{lang}: {key} is {len(text)} characters"


# Where the edit feature's words are shown, and the most each place takes: Discord's modal
# title and field label (45), its context-menu name (32), Telegram's input placeholder (64),
# a button label (Discord: 80, with the longest price in it).
EDIT_LIMITS = {"edit-modal-title": 45, "edit-modal-label": 45, "menu-edit-image": 32,
               "edit-prompt-placeholder": 64, "edit-vary-button": 80,
               "edit-vary-strong-button": 80, "edit-edit-button": 80}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_edit_words_fit_where_they_are_shown(lang: str) -> None:
    for key, most in EDIT_LIMITS.items():
        text = i18n.t_in(lang, key, price=i18n.Count(1_000_000))
        assert 1 <= len(text) <= most, f"{lang}: {key} is {len(text)} characters: {text!r}"
    # The Edit prompt is followed by its " #<job>" tag on Telegram: a translation that ends
    # in a tag of its own would be read as the job.
    assert "#" not in i18n.t_in(lang, "edit-prompt-question")


@pytest.mark.parametrize(("n", "expected"), [(1, "1 картинки"), (3, "3 картинок"),
                                             (5, "5 картинок"), (21, "21 картинки")])
def test_russian_edit_limits_take_their_plural_form(n: int, expected: str) -> None:
    assert expected in i18n.t_in("ru", "edit-too-many-images", model="Flux", most=n)
