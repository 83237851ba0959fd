"""The intent prefilter (IntentTable._may_match) only skips signals that cannot match: with
it and without it, every prompt routes the same way, with the same reason and score."""

from __future__ import annotations

import random
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.intents import IntentTable, load_intents, prompt_words
from bot.settings import DATA_DIR

TABLE = load_intents(DATA_DIR / "intents.toml")
TERMS = sorted({t for entry in tomllib.loads((DATA_DIR / "intents.toml").read_text())["intents"]
                for s in entry.get("signals", []) for t in [*s["terms"], *s.get("unless", [])]
                if not t.startswith("re:")})
FILLER = ["a", "the", "fox", "in", "snow", "neo-noir", "T-shirt", "1990s", "16:9", "with",
          '"HELLO"', "'hi'", "İstanbul", "ſtrange", "café", "dalí", "KELVIN", "—", ",", "."]


def unfiltered(table: IntentTable, prompt: str) -> tuple[str, str, float]:
    saved = table._may_match
    table._may_match = lambda text: None  # type: ignore[method-assign]
    try:
        decision = table.classify(prompt)
    finally:
        del table._may_match
    assert table._may_match == saved
    return decision.intent.id, decision.reason, decision.score


def routed(prompt: str) -> tuple[str, str, float]:
    decision = TABLE.classify(prompt)
    return decision.intent.id, decision.reason, decision.score


@pytest.mark.parametrize("term", TERMS)
def test_every_term_routes_the_same_with_the_prefilter(term: str) -> None:
    for prompt in (term, term.upper(), f"a {term}s at dawn", f"two {term}es,", f"({term})",
                   f"neo-{term}", f"{term}-like", f"x{term}", f"my {term.title()}!"):
        assert routed(prompt) == unfiltered(TABLE, prompt), prompt


def test_mixed_prompts_route_the_same_with_the_prefilter() -> None:
    rng = random.Random(15)
    for _ in range(3000):
        words = rng.sample(TERMS, 3) + rng.sample(FILLER, 3)
        rng.shuffle(words)
        prompt = " ".join(words)
        assert routed(prompt) == unfiltered(TABLE, prompt), prompt


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdefghiklmnoprstuwy KSİıſ\"'-,.:")),
               max_size=40))
def test_any_text_routes_the_same_with_the_prefilter(prompt: str) -> None:
    assert routed(prompt) == unfiltered(TABLE, prompt)


def test_words_of_an_ascii_prompt_include_their_singular_and_others_are_not_filtered() -> None:
    assert {"foxes", "fox", "foxe", "snow"} <= (prompt_words("Two FOXES in snow") or set())
    assert prompt_words("İstanbul at night") is None  # every signal is searched


def test_a_plain_prompt_skips_the_signals_it_holds_no_key_of() -> None:
    assert TABLE._may_match("fox snow cabin") == set()
    # "a" is a key ("a.s.a.p."): that one signal is searched, and still finds nothing
    assert len(TABLE._may_match("a fox in the snow") or ()) == 1
