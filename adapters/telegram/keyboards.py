"""Inline keyboards and their callback_data (at most 64 bytes, everything else in the database).

callback_data grammar (ASCII only, so bytes == characters):

    r:<job_id>:a          run the job's prompt again on the same model (a fresh seed)
    r:<job_id>:<model_id> run it on that model (catalog id, e.g. `nano-banana-pro`)
    c:<job_id>            compare on three models
    x:<job_id>            delete the result (the requester or the chat's admins)
    v:<job_id>            a subtle variation of the result (Vary)
    s:<job_id>            a strong variation of the result (Vary strong)
    e:<job_id>            edit the result: asks what to change (a ForceReply prompt)
    g:<giveaway_id>       enter a giveaway, or leave it when already in (a toggle)

Model ids rather than catalog positions: an operator may reorder or reprice models.toml,
and an old button must still mean the model its label names (or expire if it is gone).
Anything that does not parse is treated as an expired button.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.catalog import Catalog
from bot.i18n import t
from bot.services.generation import GenerationResult
from bot.services.planning import Planner
from bot.services.replies import Choice, result_choices

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64
BUTTONS_PER_ROW = 2
AGAIN = "a"
DELETE_LABEL = "🗑 Delete"  # in English; the button says it in the reader's language
_PATTERN = re.compile(r"^(?:r:(?P<rjob>[0-9a-f]{4,32}):(?P<target>[a-z0-9][a-z0-9._-]{0,50})"
                      r"|c:(?P<cjob>[0-9a-f]{4,32})|x:(?P<xjob>[0-9a-f]{4,32})"
                      r"|(?P<edit>[vse]):(?P<ejob>[0-9a-f]{4,32}))$")
_EDIT_ACTIONS = {"v": "vary", "s": "vary_strong", "e": "edit"}
_EDIT_LETTERS = {action: letter for letter, action in _EDIT_ACTIONS.items()}
_GIVEAWAY = re.compile(r"^g:([0-9a-f]{4,32})$")
GIVEAWAY_PREFIX = "g:"  # every callback_data starting with this goes to the giveaway handler


@dataclass(frozen=True)
class ButtonData:
    action: str  # "rerun" | "compare" | "delete" | "vary" | "vary_strong" | "edit"
    job_id: str
    model_id: str | None = None  # None = the job's own model (rerun) / not used (compare)


def encode(data: ButtonData) -> str:
    if data.action == "compare":
        text = f"c:{data.job_id}"
    elif data.action == "delete":
        text = f"x:{data.job_id}"
    elif data.action in _EDIT_LETTERS:
        text = f"{_EDIT_LETTERS[data.action]}:{data.job_id}"
    else:
        text = f"r:{data.job_id}:{data.model_id or AGAIN}"
    if len(text.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {text!r}")
    return text


def decode(text: str | None) -> ButtonData | None:
    """Parse callback_data; None for anything unknown, forged or malformed."""
    if not text or len(text.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    m = _PATTERN.match(text)
    if m is None:
        return None
    if m.group("cjob"):
        return ButtonData("compare", m.group("cjob"))
    if m.group("xjob"):
        return ButtonData("delete", m.group("xjob"))
    if m.group("ejob"):
        return ButtonData(_EDIT_ACTIONS[m.group("edit")], m.group("ejob"))
    target = m.group("target")
    return ButtonData("rerun", m.group("rjob"), None if target == AGAIN else target)


def giveaway_data(giveaway_id: str) -> str:
    text = f"g:{giveaway_id}"
    if not _GIVEAWAY.match(text):
        raise ValueError(f"not a giveaway id: {giveaway_id!r}")
    return text


def decode_giveaway(text: str | None) -> str | None:
    """The giveaway id of an Enter button; None for anything else (forged, malformed)."""
    m = _GIVEAWAY.match(text or "")
    return m.group(1) if m else None


def giveaway_keyboard(giveaway_id: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label[:64], callback_data=giveaway_data(giveaway_id))]]
    )


def _button(label: str, data: ButtonData) -> InlineKeyboardButton | None:
    try:
        return InlineKeyboardButton(label[:64], callback_data=encode(data))
    except ValueError:
        log.warning("model id too long for a Telegram button: %s", data.model_id)
        return None


def _rows(buttons: list[InlineKeyboardButton | None]) -> InlineKeyboardMarkup | None:
    kept = [b for b in buttons if b is not None]
    if not kept:
        return None
    return InlineKeyboardMarkup(
        [kept[i : i + BUTTONS_PER_ROW] for i in range(0, len(kept), BUTTONS_PER_ROW)]
    )


def choice_data(job_id: str, choice: Choice) -> ButtonData:
    if choice.action in ("compare", *_EDIT_LETTERS):
        return ButtonData(choice.action, job_id)
    return ButtonData("rerun", job_id, choice.model_id if choice.action == "model" else None)


def result_keyboard(
    result: GenerationResult, catalog: Catalog, planner: Planner
) -> InlineKeyboardMarkup | None:
    """Again on the same model, each other model with its price, compare on three; then
    Delete on a row of its own."""
    job_id = result.job.id
    markup = _rows(
        [_button(c.label, choice_data(job_id, c)) for c in result_choices(result, catalog, planner)]
    )
    delete = InlineKeyboardButton(f"🗑 {t('button-delete')}", callback_data=encode(ButtonData("delete", job_id)))
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup([*rows, [delete]])


def single_button(label: str, data: ButtonData) -> InlineKeyboardMarkup | None:
    return _rows([_button(label, data)])


def all_callback_data(markup: InlineKeyboardMarkup | None) -> list[str]:
    if markup is None:
        return []
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row if b.callback_data]
