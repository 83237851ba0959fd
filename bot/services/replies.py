"""Platform-neutral words for chat surfaces: captions, choices, model lists (help: help.py).

Every surface (console, Telegram, Discord) says the same things; only layout differs. The
words come from the catalogs (data/locales/*/replies.ftl) in the current locale; the short
lines below (`replies.SORRY` ...) are read at use time, so they are in the locale of the
event that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import i18n
from bot.domain import errors
from bot.domain.catalog import Catalog, Model
from bot.domain.intents import IntentTable
from bot.i18n import t
from bot.services import edit_text
from bot.services.generation import GenerationResult, Progress
from bot.services.planning import Planner, price


def text_hint(exc: BaseException) -> str:
    """For text surfaces: how to pick the cheaper model an InsufficientCredits suggests."""
    # Only for a shortfall: other errors that carry a suggestion (CannotEdit) name it already.
    suggestion = (getattr(exc, "suggestion", None)
                  if isinstance(exc, errors.InsufficientCredits) else None)
    return t("add-model-hint", model=suggestion) if suggestion else ""


def credits(n: int) -> str:
    return i18n.count_in(i18n.current(), "credits", n)


@dataclass(frozen=True)
class Choice:
    """One button under a result. `action` is again | model | compare | vary | vary_strong |
    edit; `model_id` for model."""

    action: str
    label: str
    model_id: str | None = None


def reason_of(intent: str, reason: str) -> str:
    """Why the model was picked. English shows the planner's own words, as stored on the
    job (they quote the prompt); other languages say the same kind of reason from their
    catalog: the person's pick, the intent they asked for, or the intent's reason."""
    if i18n.current() == i18n.DEFAULT:
        return reason
    reason, fallback = edit_text.split_fallback(reason)  # "… (X cannot edit pictures, so Y)"
    return _reason_words(intent, reason) + fallback


def _reason_words(intent: str, reason: str) -> str:
    own = edit_text.reason_words(reason)  # an edit's "it made the picture you are editing"
    if own is not None:
        return own
    key = f"intent-{intent}-why"
    if not i18n.has(key):
        return reason
    if reason.startswith(PICKED):
        return t("reason-picked", model=reason.removeprefix(PICKED))
    if reason.startswith(f"{ASKED}{intent}:"):
        return t("reason-asked", intent=intent, why=t(key))
    return t(key)


PICKED, ASKED = "you picked ", "you asked for "  # the planner's words (planning.py)


def intent_phrase(intent_id: str, phrase: str) -> str:
    key = f"intent-{intent_id}-phrase"
    if i18n.current() == i18n.DEFAULT or not i18n.has(key):
        return phrase
    return t(key)


def _data(key: str, english: str) -> str:
    """Operator data (models.toml, intents.toml) in English, or its catalog translation."""
    if i18n.current() == i18n.DEFAULT or not i18n.has(key):
        return english
    return t(key)


def strengths(model: Model) -> str:
    return _data(f"model-{model.id}-strengths", ", ".join(model.strengths))


def speed(model: Model) -> str:
    return _data(f"speed-{model.speed}", model.speed)


def result_caption(result: GenerationResult) -> str:
    demo = t("demo-suffix") if result.image.is_demo else ""
    reason = reason_of(result.job.intent, result.reason)
    origin = edit_text.kind_line(result.job.kind, result.job.parent_id,
                                 len(result.job.images))
    lines = [
        *([origin] if origin else []),
        t("caption-model", model=result.model.name, demo=demo, reason=reason),
        t("caption-cost", cost=credits(result.cost), balance=credits(result.balance),
          seed=str(result.job.seed)),
    ]
    return "\n".join(lines)


def result_choices(result: GenerationResult, catalog: Catalog, planner: Planner) -> list[Choice]:
    """Again; every other model; compare on 3; then Vary, Vary strong and Edit of this
    image (when some model can edit it; last, so older choice numbers keep their meaning).
    Under an edit, only models that can edit, at their edit prices."""
    job = result.job
    kind = job.kind
    own = price(result.model, kind)
    choices = [Choice("again", t("choice-again", model=result.model.name, price=credits(own)))]
    count = len(result.job.images) or 1
    others = [m for m in catalog.others(job.model_id)
              if not job.is_edit or planner.can_edit(m, count)]
    for model in others:
        choices.append(Choice("model", choice_label(model, kind), model.id))
    if job.is_edit:
        trio = planner.edit_compare_models(job.intent, job.model_id, count)
    else:
        trio = planner.compare_models(job.intent, job.model_id, job.aspect)
    if trio:
        total = sum(price(m, kind) for m in trio)
        choices.append(Choice("compare", t("choice-compare", price=credits(total))))
    return choices + vary_choices(result, planner)


def vary_choices(result: GenerationResult, planner: Planner) -> list[Choice]:
    """Vary, Vary strong and Edit, priced on the model that would run them (this one, or
    the nearest that can edit); none when no model here can edit."""
    model = result.model
    if not planner.can_edit(model, 1):
        nearest = planner.nearest_editor(model, 1)
        if nearest is None:
            return []
        model = nearest
    cost = price(model, "edit")
    return [Choice("vary", edit_text.vary_button(cost)),
            Choice("vary_strong", edit_text.vary_strong_button(cost)),
            Choice("edit", edit_text.edit_button(cost))]


def progress_text(progress: Progress) -> str:
    name = progress.model_name
    if progress.stage == "queued":
        return t("progress-queued", position=progress.position, model=name)
    if progress.stage == "started":
        return t("progress-started", model=name)
    if progress.stage == "finished":
        return t("progress-finished", model=name)
    return t("progress-failed", model=name)


def model_lines(catalog: Catalog, demo_mode: bool = False) -> list[str]:
    lines = [
        t("model-line", name=m.name, id=m.id, price=credits(m.credits), speed=speed(m),
          strengths=strengths(m))
        for m in catalog
    ]
    if demo_mode:
        lines.append(t("models-demo"))
    return lines


def intent_lines(intents: IntentTable, catalog: Catalog) -> list[str]:
    return [t("intent-line", id=i.id, phrase=intent_phrase(i.id, i.phrase),
              model=catalog.get(i.default_model).name) for i in intents]


# -- short, surface-neutral lines shared by the chat adapters -------------------------------
# Read as `replies.SORRY`: module __getattr__ renders them in the locale of the moment.

_LINES = {
    "BUTTON_EXPIRED": "button-expired",
    "DELETED": "deleted",
    "ALREADY_COUNTED": "already-counted",
    "SORRY": "sorry",
    "SHUTTING_DOWN": "stopped-and-refunded",
    "RESTARTING": "restarting",
    # giveaways and private replies (chat surfaces with buttons and private chats)
    "GIVEAWAY_ENTER": "giveaway-enter",
    "GIVEAWAY_IN": "giveaway-in",
    "GIVEAWAY_LEFT": "giveaway-left",
    "GIVEAWAY_EXPIRED": "giveaway-expired",
    "SENT_PRIVATELY": "sent-privately",
    "NO_PRIVATE_CHAT": "no-private-chat",
    "LINK_NEEDS_PRIVATE_CHAT": "link-needs-private-chat",
}


def __getattr__(name: str) -> str:
    key = _LINES.get(name)
    if key is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return t(key)


def working_on(what: str) -> str:
    """The instant acknowledgement of a button press, e.g. `On it: Flux Pro (5 credits)…`."""
    return t("working-on", what=what)


def not_delivered(model_name: str, job_id: str) -> str:
    """The image was made but the chat would not take it (the service refunded it)."""
    return t("not-delivered", model=model_name, job=job_id)


def maybe_not_delivered(model_name: str, job_id: str) -> str:
    """The chat did not confirm the image in time: it may or may not have arrived."""
    return t("maybe-not-delivered", model=model_name, job=job_id)


def unknown_command(command: str) -> str:
    return t("unknown-command", command=command[:30])


def cheaper_option(model: Model) -> str:
    """The hint under an 'insufficient credits' message when a cheaper model fits."""
    return t("cheaper-option", model=model.name, price=credits(model.credits))


def choice_label(model: Model, kind: str = "generate") -> str:
    """A short button label: a model and its price (for an edit: its edit price)."""
    return t("choice-model", model=model.name, price=credits(price(model, kind)))
