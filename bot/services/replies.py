"""Platform-neutral words for chat surfaces: captions, choices, model lists (help: help.py).

Every surface (console, Telegram, Discord) says the same things; only layout differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import errors
from bot.domain.catalog import Catalog, Model
from bot.domain.intents import IntentTable
from bot.services import edit_text
from bot.services.generation import GenerationResult, Progress
from bot.services.planning import Planner, price


def text_hint(exc: BaseException) -> str:
    """For text surfaces: how to pick the cheaper model an InsufficientCredits suggests."""
    # Only for a shortfall: other errors that carry a suggestion (CannotEdit) name it already.
    suggestion = getattr(exc, "suggestion", None) if isinstance(exc, errors.InsufficientCredits) else None
    return f" Add `--model {suggestion}` to use it." if suggestion else ""


def credits(n: int) -> str:
    return f"{n} credit" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class Choice:
    """One button under a result. `action` is again | model | compare | vary | vary_strong |
    edit; `model_id` for model."""

    action: str
    label: str
    model_id: str | None = None


def result_caption(result: GenerationResult) -> str:
    demo = " (offline demo renderer)" if result.image.is_demo else ""
    origin = edit_text.kind_line(result.job.kind, result.job.parent_id,
                                 len(result.job.images))
    lines = [
        *([origin] if origin else []),
        f"{result.model.name}{demo}, because {result.reason}.",
        f"Cost {credits(result.cost)} · balance {credits(result.balance)} · seed {result.job.seed}",
    ]
    return "\n".join(lines)


def result_choices(result: GenerationResult, catalog: Catalog, planner: Planner) -> list[Choice]:
    """Again; every other model; compare on 3; then Vary, Vary strong and Edit of this
    image (when some model can edit it; last, so older choice numbers keep their meaning).
    Under an edit, only models that can edit, at their edit prices."""
    job = result.job
    kind = job.kind
    own = price(result.model, kind)
    choices = [Choice("again", f"Again on {result.model.name} ({credits(own)})")]
    count = len(result.job.images) or 1
    others = [m for m in catalog.others(job.model_id)
              if not job.is_edit or planner.can_edit(m, count)]
    for model in others:
        choices.append(Choice("model", f"{model.name} ({credits(price(model, kind))})", model.id))
    if job.is_edit:
        trio = planner.edit_compare_models(job.intent, job.model_id, count)
    else:
        trio = planner.compare_models(job.intent, job.model_id, job.aspect)
    if trio:
        total = sum(price(m, kind) for m in trio)
        choices.append(Choice("compare", f"Compare on 3 ({credits(total)})"))
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
    if progress.stage == "queued":
        return f"Queued: position {progress.position}. {progress.model_name} will start soon."
    if progress.stage == "started":
        return f"Generating with {progress.model_name}…"
    if progress.stage == "finished":
        return f"{progress.model_name} finished. Uploading…"
    return f"{progress.model_name} failed."


def model_lines(catalog: Catalog, demo_mode: bool = False) -> list[str]:
    lines = [
        f"{m.name} (`{m.id}`): {credits(m.credits)}, {m.speed}, {', '.join(m.strengths)}"
        for m in catalog
    ]
    if demo_mode:
        lines.append("No provider keys are set: every model runs on the offline demo renderer.")
    return lines


def intent_lines(intents: IntentTable, catalog: Catalog) -> list[str]:
    return [f"{i.id}: “{i.phrase}” → {catalog.get(i.default_model).name}" for i in intents]


# -- short, surface-neutral lines shared by the chat adapters -------------------------------

BUTTON_EXPIRED = errors.BUTTON_EXPIRED
DELETED = "Deleted."
ALREADY_COUNTED = "Already counted: that request was handled once."
SORRY = "Sorry, something went wrong on my side. If credits were taken for it, they were refunded."
SHUTTING_DOWN = errors.STOPPED_AND_REFUNDED
RESTARTING = errors.RESTARTING


# giveaways and private replies (chat surfaces with buttons and private chats)
GIVEAWAY_ENTER = "🎉 Enter"
GIVEAWAY_IN = "You're in! Tap again to leave."
GIVEAWAY_LEFT = "You left the giveaway."
GIVEAWAY_EXPIRED = "This button has expired: that giveaway is not running here."
SENT_PRIVATELY = "I sent it to you in a private chat."
NO_PRIVATE_CHAT = "I can't message you privately (start a chat with me first), so here it is:"
LINK_NEEDS_PRIVATE_CHAT = (
    "Link codes are private, so I only send them in a private chat, and I can't message you "
    "yet. Open a chat with me, press Start, and send /link there."
)


def working_on(what: str) -> str:
    """The instant acknowledgement of a button press, e.g. `On it: Flux Pro (5 credits)…`."""
    return f"On it: {what}…"


def not_delivered(model_name: str, job_id: str) -> str:
    """The image was made but the chat would not take it (the service refunded it)."""
    return (f"Sorry, the {model_name} image was made but I could not post it here "
            f"(job {job_id}), so your credits were refunded.")


def maybe_not_delivered(model_name: str, job_id: str) -> str:
    """The chat did not confirm the image in time: it may or may not have arrived."""
    return (f"Telegram did not confirm the {model_name} image in time (job {job_id}). In case "
            "it did not reach you, your credits were refunded.")


def unknown_command(command: str) -> str:
    return f"I don't know {command[:30]}. Try /help."


def cheaper_option(model: Model) -> str:
    """The hint under an 'insufficient credits' message when a cheaper model fits."""
    return f"Tap below to run it on {model.name} for {credits(model.credits)}."


def choice_label(model: Model) -> str:
    """A short button label: a model and its price."""
    return f"{model.name} ({credits(model.credits)})"
