"""Intent routing: the labelled set scores at least 90%, and reasons explain the choice."""

from collections import Counter

from bot.domain.catalog import Catalog
from bot.domain.intents import IntentTable
from bot.domain.requests import parse_imagine
from bot.services.planning import Planner
from tests.unit.routing_labelled import LABELLED


def test_labelled_set_covers_every_intent_with_ten_prompts(intents: IntentTable):
    counts = Counter(label for _, label in LABELLED)
    assert set(counts) == set(intents.ids())
    assert min(counts.values()) >= 10


def test_routing_agrees_with_the_labelled_set(intents: IntentTable):
    misses = [
        (p, want, intents.classify(p).intent.id)
        for p, want in LABELLED
        if intents.classify(p).intent.id != want
    ]
    score = 1 - len(misses) / len(LABELLED)
    assert score >= 0.9, f"routing score {score:.2%}; misses: {misses}"
    per_intent = Counter(want for _, want, _ in misses)
    assert max(per_intent.values(), default=0) <= 3, misses


def test_reason_names_the_signal(intents: IntentTable):
    decision = intents.classify('a shop sign that says "OPEN"')
    assert decision.intent.id == "text"
    assert "text rendering needed" in decision.reason
    general = intents.classify("a fox in the snow")
    assert general.intent.id == "general" and "all-rounder" in general.reason


def test_weak_words_alone_do_not_route(intents: IntentTable):
    # "fast" describing the subject is not a request for speed.
    assert intents.classify("a fast car on a mountain road").intent.id == "general"
    assert intents.classify("a portrait of a queen, oil painting").intent.id == "general"


def test_explicit_model_and_intent_win(catalog: Catalog, intents: IntentTable):
    planner = Planner(catalog, intents)
    plan = planner.plan(
        parse_imagine('a sign that says "HI" --model flux-2-klein', catalog, intents)
    )
    assert plan.model.id == "flux-2-klein" and "you picked" in plan.reason
    plan = planner.plan(parse_imagine("a fox in the snow --intent hero", catalog, intents))
    assert plan.model.id == "nano-banana-pro" and plan.intent == "hero"


def test_unsupported_aspect_moves_to_a_model_that_has_it(catalog: Catalog, intents: IntentTable):
    planner = Planner(catalog, intents)
    plan = planner.plan(parse_imagine("a weird surreal melting city --ar 21:9", catalog, intents))
    assert plan.intent == "creative"
    assert "21:9" in plan.model.aspect_ratios and plan.model.id != "grok-imagine"
    assert "Grok Imagine has no 21:9" in plan.reason


def test_not_enough_credits_offers_the_cheapest_that_fits(catalog: Catalog, intents: IntentTable):
    planner = Planner(catalog, intents)
    error = planner.not_enough(catalog.get("nano-banana-pro"), 3, "1:1")
    assert "Nano Banana Pro costs 15 credits and you have 3" in error.user_message
    assert error.suggestion == "flux-2-klein"
    assert planner.not_enough(catalog.get("flux-2-klein"), 0, "1:1").suggestion is None
