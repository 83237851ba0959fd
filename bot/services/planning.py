"""Turn a request into a plan: which intent, which model, why, and what it costs.

Edits and variations (issue 16) plan the same way among the models that can take that many
pictures (`can_edit`: the router's word on which routes are configured), and cost each
model's `edit_credits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import i18n
from bot.domain.catalog import Catalog, Model
from bot.domain.errors import BadImage, CannotEdit, InsufficientCredits, RequestError
from bot.domain.intents import IntentTable
from bot.domain.jobs import EDIT, GENERATE
from bot.domain.providers import InputImage
from bot.domain.requests import GenerationRequest
from bot.services import edit_text


def price(model: Model, kind: str = GENERATE) -> int:
    """What one image of this kind costs on this model (edits: `edit_credits`)."""
    if kind != GENERATE and model.edit_credits is not None:
        return model.edit_credits
    return model.credits


def price_label(model: Model, kind: str = GENERATE) -> str:
    n = price(model, kind)
    return f"{n} credit" + ("" if n == 1 else "s")


def _catalog_can_edit(model: Model, count: int) -> bool:
    return model.can_edit and 0 < count <= model.max_input_images()


@dataclass(frozen=True)
class Plan:
    intent: str
    model: Model
    reason: str
    aspect: str
    kind: str = GENERATE

    @property
    def credits(self) -> int:
        return price(self.model, self.kind)


class Planner:
    def __init__(self, catalog: Catalog, intents: IntentTable,
                 can_edit: Callable[[Model, int], bool] = _catalog_can_edit) -> None:
        self.catalog = catalog
        self.intents = intents
        # Which models can run an edit with N pictures; the service swaps in the router's
        # answer (only configured routes that take images count).
        self.can_edit = can_edit

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

    def not_enough(self, model: Model, balance: int, aspect: str, kind: str = GENERATE,
                   images: int = 0) -> InsufficientCredits:
        if kind == GENERATE:
            cheaper = self.catalog.cheapest_affordable(balance, aspect)
        else:
            cheaper = next((m for m in self.editors(images, by_price=True)
                            if price(m, kind) <= balance), None)
        message = f"{model.name} costs {price_label(model, kind)} and you have {balance}."
        if cheaper is not None and cheaper.id != model.id:
            # Each surface says how to pick it (a flag, an option, a button): see
            # InsufficientCredits.suggestion.
            message += f" {cheaper.name} ({price_label(cheaper, kind)}) fits your balance."
        else:
            message += " No model fits your balance right now."
        words = ({"key": "not-enough-cheaper", "cheaper": cheaper.name,
                  "cheaper_price": i18n.Count(price(cheaper, kind))}
                 if cheaper is not None and cheaper.id != model.id else {"key": "not-enough-none"})
        error = InsufficientCredits(message, needed=price(model, kind), balance=balance,
                                    model=model.name, price=i18n.Count(price(model, kind)),
                                    have=balance, **words)
        error.suggestion = cheaper.id if cheaper is not None and cheaper.id != model.id else None
        return error

    # -- edits and variations --------------------------------------------------------------

    def editors(self, count: int, by_price: bool = False) -> list[Model]:
        """The models that can run an edit with `count` pictures (catalog or price order)."""
        models = [m for m in self.catalog if self.can_edit(m, count)]
        return sorted(models, key=lambda m: (price(m, "edit"), m.id)) if by_price else models

    def nearest_editor(self, model: Model, count: int) -> Model | None:
        """For a model that cannot edit: the first editor in the compare list of the intent
        it is the default of (models with the same strengths), else the closest in price."""
        for intent in self.intents:
            if intent.default_model == model.id:
                for other in intent.compare:
                    candidate = self.catalog.get(other)
                    if candidate.id != model.id and self.can_edit(candidate, count):
                        return candidate
        editors = self.editors(count)
        return min(editors, key=lambda m: abs(price(m, "edit") - model.credits), default=None)


    def plan_edit(self, instruction: str, images: Sequence[InputImage], model: Model | None,
                  intent: str | None = None, kind: str = EDIT, *,
                  reason: str | None = None) -> Plan:
        """The model for an edit: the one asked for (if it can take these pictures), else
        the intent's default, else the first of its compare list that can, else the first
        editor in the catalog. Raises CannotEdit / BadImage, before anything is charged.
        `reason` says why `model` was chosen when the person did not name it."""
        count = len(images)
        if model is not None:
            return Plan(intent or self._intent_of(instruction), self.require_editor(model, count),
                        reason or f"you picked {model.name}", self.edit_aspect(model, images),
                        kind)
        if intent is not None:
            chosen = self.intents.get(intent)
            assert chosen is not None  # validated by the parser
            reason = f"you asked for {chosen.id}: {chosen.why}"
        else:
            decision = self.intents.classify(instruction)
            chosen, reason = decision.intent, decision.reason
        default = self.catalog.get(chosen.default_model)
        ordered = [default] + [self.catalog.get(m) for m in chosen.compare] + list(self.catalog)
        picked = next((m for m in ordered if self.can_edit(m, count)), None)
        if picked is None:
            self._too_many_or_none(count)
        assert picked is not None
        if picked.id != default.id:
            reason += edit_text.editor_fallback(default.name, picked.name)
        return Plan(chosen.id, picked, reason, self.edit_aspect(picked, images), kind)

    def require_editor(self, model: Model, count: int) -> Model:
        """`model` if it can run this edit; else CannotEdit naming the nearest that can."""
        if self.can_edit(model, count):
            return model
        if model.can_edit and count > model.max_input_images() > 0:
            raise BadImage(edit_text.too_many_images(model.name, model.max_input_images()))
        nearest = self.nearest_editor(model, count)
        raise CannotEdit(
            edit_text.model_cannot_edit(model.name, nearest.name if nearest else None,
                                        nearest.id if nearest else None),
            nearest.id if nearest else None)

    def _too_many_or_none(self, count: int) -> None:
        most = max((m.max_input_images() for m in self.editors(1)), default=0)
        if most and count > most:
            raise BadImage(edit_text.too_many_images_anywhere(most))
        raise CannotEdit(edit_text.no_edit_models())

    def _intent_of(self, instruction: str) -> str:
        return self.intents.classify(instruction).intent.id if instruction else "general"

    def edit_aspect(self, model: Model, images: Sequence[InputImage]) -> str:
        """The model's aspect ratio closest to the first picture's (edits keep the shape)."""
        if not images or not model.aspect_ratios:
            return "1:1"
        target = math.log(images[0].width / images[0].height)

        def distance(aspect: str) -> float:
            w, h = (int(x) for x in aspect.split(":"))
            return abs(math.log(w / h) - target)

        return min(model.aspect_ratios, key=distance)

    def edit_compare_models(self, intent_id: str, exclude: str | None, count: int) -> list[Model]:
        """Three editors for "Compare on 3" under an edit: the intent's list, then the rest."""
        intent = self.intents.get(intent_id) or self.intents.fallback
        picked: list[Model] = []
        for model in [self.catalog.get(m) for m in intent.compare] + list(self.catalog):
            if model.id != exclude and model not in picked and self.can_edit(model, count):
                picked.append(model)
        return picked[:3]
