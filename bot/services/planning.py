"""Turn a request into a plan: which intent, which model, why, and what it costs."""

from __future__ import annotations

from dataclasses import dataclass

from bot import i18n
from bot.domain.catalog import Catalog, Model
from bot.domain.errors import InsufficientCredits, RequestError
from bot.domain.intents import IntentTable
from bot.domain.requests import GenerationRequest


@dataclass(frozen=True)
class Plan:
    intent: str
    model: Model
    reason: str
    aspect: str

    @property
    def credits(self) -> int:
        return self.model.credits


class Planner:
    def __init__(self, catalog: Catalog, intents: IntentTable) -> None:
        self.catalog = catalog
        self.intents = intents

    def plan(self, request: GenerationRequest) -> Plan:
        aspect = request.aspect or "1:1"
        if request.model is not None:
            intent = request.intent or self.intents.classify(request.prompt).intent.id
            return Plan(intent, request.model, f"you picked {request.model.name}", aspect)
        if request.intent is not None:
            chosen = self.intents.get(request.intent)
            assert chosen is not None  # validated by the parser
            reason = f"you asked for {chosen.id}: {chosen.why}"
        else:
            decision = self.intents.classify(request.prompt)
            chosen, reason = decision.intent, decision.reason
        model = self.catalog.get(chosen.default_model)
        if aspect not in model.aspect_ratios:
            alternative = self._model_with_aspect(chosen.compare, aspect)
            if alternative is None:
                raise RequestError(f"No model here supports the aspect ratio {aspect}.",
                                   key="no-aspect", aspect=aspect)
            reason += f" ({model.name} has no {aspect}, so {alternative.name})"
            model = alternative
        return Plan(chosen.id, model, reason, aspect)

    def _model_with_aspect(self, preferred: tuple[str, ...], aspect: str) -> Model | None:
        ordered = [self.catalog.get(m) for m in preferred] + list(self.catalog)
        return next((m for m in ordered if aspect in m.aspect_ratios), None)

    def compare_models(self, intent_id: str, exclude: str | None, aspect: str) -> list[Model]:
        """Three models for "Compare on 3": the intent's list, then the rest of the catalog."""
        intent = self.intents.get(intent_id) or self.intents.fallback
        picked: list[Model] = []
        for model in [self.catalog.get(m) for m in intent.compare] + list(self.catalog):
            if model.id != exclude and model not in picked and aspect in model.aspect_ratios:
                picked.append(model)
        return picked[:3]

    def not_enough(self, model: Model, balance: int, aspect: str) -> InsufficientCredits:
        cheaper = self.catalog.cheapest_affordable(balance, aspect)
        message = f"{model.name} costs {model.price_label} and you have {balance}."
        if cheaper is not None and cheaper.id != model.id:
            # Each surface says how to pick it (a flag, an option, a button): see
            # InsufficientCredits.suggestion.
            message += f" {cheaper.name} ({cheaper.price_label}) fits your balance."
        else:
            message += " No model fits your balance right now."
        words = ({"key": "not-enough-cheaper", "cheaper": cheaper.name,
                  "cheaper_price": i18n.Count(cheaper.credits)}
                 if cheaper is not None and cheaper.id != model.id else {"key": "not-enough-none"})
        error = InsufficientCredits(message, needed=model.credits, balance=balance,
                                    model=model.name, price=i18n.Count(model.credits),
                                    have=balance, **words)
        error.suggestion = cheaper.id if cheaper is not None and cheaper.id != model.id else None
        return error
