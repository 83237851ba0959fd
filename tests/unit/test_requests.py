"""The request grammar: options, friendly errors, and no crash on any input."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalog import Catalog
from bot.domain.errors import RequestError, UnknownModel
from bot.domain.intents import IntentTable
from bot.domain.requests import MAX_PROMPT_CHARS, build_request, parse_edit, parse_imagine


def parse(text: str, catalog: Catalog, intents: IntentTable):
    return parse_imagine(text, catalog, intents)


def test_all_options_parse(catalog, intents):
    r = parse("/imagine a fox in the snow --model flux pro --ar 16:9 --seed 42", catalog, intents)
    assert (r.prompt, r.model.id, r.aspect, r.seed) == ("a fox in the snow", "flux-pro", "16:9", 42)


@pytest.mark.parametrize(
    "text",
    [
        "a fox --model=Flux-Pro",
        "a fox --model FLUX_PRO",
        "a fox model:flux-pro",
        "a fox --m flux-pro",
    ],
)
def test_model_by_id_or_name_any_case(text, catalog, intents):
    assert parse(text, catalog, intents).model.id == "flux-pro"


def test_intent_and_colon_options(catalog, intents):
    r = parse("/imagine@imagine_bot a cat intent:Photo ar:3:2 seed:7", catalog, intents)
    assert (r.prompt, r.intent, r.aspect, r.seed) == ("a cat", "photo", "3:2", 7)


def test_aspect_variants_normalise(catalog, intents):
    assert parse("a cat --ar 16x9", catalog, intents).aspect == "16:9"
    assert parse("a cat --aspect 09:16", catalog, intents).aspect == "9:16"


def test_control_characters_are_stripped(catalog, intents):
    assert (
        parse("a\x00 fox\x1b[31m \u200bin\tthe\nsnow", catalog, intents).prompt
        == "a fox[31m in the snow"
    )


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "Tell me what to draw"),
        ("/imagine   ", "Tell me what to draw"),
        ("--seed 4", "Tell me what to draw"),
        ("x" * (MAX_PROMPT_CHARS + 1), f"limit is {MAX_PROMPT_CHARS:,}"),
        ("a fox --model fluxx-pro", "Did you mean `flux-pro`"),
        ("a fox --model", "`--model` needs a value"),
        ("a fox --ar 21:9 --model grok-imagine", "Grok Imagine does not do 21:9"),
        ("a fox --ar wide", "not an aspect ratio"),
        ("a fox --ar 0:9", "not an aspect ratio"),
        ("a fox --seed -1", "between 0 and"),
        ("a fox --seed 99999999999", "between 0 and"),
        ("a fox --seed abc", "whole number"),
        ("a fox --style vivid", "I don't know the option `--style`"),
        ("a fox --intent cozy", "I don't know the intent `cozy`"),
        ("a fox --seed 1 --seed 2", "given twice"),
    ],
)
def test_errors_are_specific(text, fragment, catalog, intents):
    with pytest.raises(RequestError) as info:
        parse(text, catalog, intents)
    assert fragment in info.value.user_message


def test_unknown_model_is_its_own_error(catalog, intents):
    with pytest.raises(UnknownModel):
        parse("a fox --model midjourney", catalog, intents)


def test_structured_options_use_the_same_validation(catalog, intents):
    r = build_request(catalog, intents, " a fox ", model="Nano Banana 2", aspect="4:5", seed=3)
    assert (r.prompt, r.model.id, r.aspect, r.seed) == ("a fox", "nano-banana-2", "4:5", 3)
    with pytest.raises(RequestError):
        build_request(catalog, intents, "a fox", model="flux-pro", aspect="4:5")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_fails_politely(catalog, intents, text):
    try:
        r = parse(text, catalog, intents)
    except RequestError as exc:
        assert exc.user_message
    else:
        assert r.prompt and len(r.prompt) <= MAX_PROMPT_CHARS
        assert all(ch.isprintable() or ch == "\u200d" for ch in r.prompt)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "--model",
                "--ar",
                "--seed",
                "--intent",
                "flux",
                "pro",
                "16:9",
                "x",
                "--",
                "—model",
                "model:",
                "seed:9",
                "\x00",
                "“hi”",
            ]
        ),
        max_size=12,
    )
)
def test_option_soup_never_crashes(catalog, intents, words):
    try:
        parse(" ".join(words), catalog, intents)
    except RequestError:
        pass


@pytest.mark.parametrize("text", ["make the sky purple --model nano banana 2",
                                  "--model=nano-banana-2 make the sky purple",
                                  "model:nano-banana-2 make the sky purple"])
def test_edit_takes_a_model_anywhere(text, catalog):
    request = parse_edit(text, catalog)
    assert request.instruction == "make the sky purple"
    assert request.model is not None and request.model.id == "nano-banana-2"


def test_edit_without_options_keeps_every_word(catalog):
    request = parse_edit("  make the  sky purple ", catalog)
    assert (request.instruction, request.model) == ("make the sky purple", None)
    assert parse_edit("", catalog).instruction == ""


@pytest.mark.parametrize("text, words", [
    ("make it red --ar 16:9", "does not apply to an edit"),
    ("make it red --seed 4", "does not apply to an edit"),
    ("make it red --model", "needs a value"),
    ("--model flux-2-klein --model flux-pro red", "given twice"),
])
def test_edit_refuses_options_that_do_not_apply(text, words, catalog):
    with pytest.raises(RequestError, match=words):
        parse_edit(text, catalog)


def test_edit_unknown_model_says_what_it_knows(catalog):
    with pytest.raises(UnknownModel, match="I don't know the model `nanobananna`"):
        parse_edit("make it red --model nanobananna", catalog)
