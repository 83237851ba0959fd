"""Persistent components under a result: `DynamicItem` templates keyed by a short job id.

custom_id scheme (<= 100 chars, unique per message; the job id is 10 hex chars):

    img:again:<job_id>            button  "Again on <model>"           same model, new seed
    img:model:<job_id>            select  "Rerun on…" (values: model ids)  another model
    img:cmp:<job_id>              button  "Compare on 3"
    img:try:<job_id>:<model_id>   button  on an ephemeral "not enough credits" notice:
                                          rerun on the model the person can afford
    img:del:<job_id>              button  "Delete": the requester or the server's admins
    img:vary:<job_id>             button  "Vary": a subtle variation of this image
    img:varys:<job_id>            button  "Vary strong": a bolder one
    img:edit:<job_id>             button  "Edit": a modal asks what to change

Nothing else is in the id: the job is looked up in the database, so buttons keep working
after a restart and weeks later. Clicks go to `interaction.client.surface` (see flow.py),
which holds the one error boundary for components.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.domain.catalog import Catalog
from bot.i18n import t
from bot.services import replies
from bot.services.generation import GenerationResult
from bot.services.planning import Planner

PREFIX = "img:"
_JOB = r"(?P<job>[0-9A-Za-z_-]{1,40})"
_MODEL = r"(?P<model>[0-9A-Za-z._-]{1,40})"
MAX_OPTIONS = 25


class ClickHandler(Protocol):
    async def enter(self, interaction: discord.Interaction) -> bool: ...

    async def click(
        self, interaction: discord.Interaction, action: str, job_id: str, model_id: str | None
    ) -> None: ...


def _handler(interaction: discord.Interaction) -> ClickHandler:
    return interaction.client.surface  # type: ignore[attr-defined,no-any-return]


class _JobItem:
    """Shared behaviour: each interaction is handled once; clicks go to the surface."""

    job_id: str

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await _handler(interaction).enter(interaction)


class AgainButton(_JobItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=rf"img:again:{_JOB}"):
    def __init__(self, job_id: str, label: str = "Again") -> None:
        super().__init__(discord.ui.Button(
            label=label[:80], style=discord.ButtonStyle.primary, emoji="🔁",
            custom_id=f"img:again:{job_id}", row=0))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> AgainButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).click(interaction, "again", self.job_id, None)


class CompareButton(_JobItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=rf"img:cmp:{_JOB}"):
    def __init__(self, job_id: str, label: str = "Compare on 3") -> None:
        super().__init__(discord.ui.Button(
            label=label[:80], style=discord.ButtonStyle.secondary, emoji="🆚",
            custom_id=f"img:cmp:{job_id}", row=0))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> CompareButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).click(interaction, "compare", self.job_id, None)


class RerunSelect(_JobItem, discord.ui.DynamicItem[discord.ui.Select[Any]],
                  template=rf"img:model:{_JOB}"):
    def __init__(self, job_id: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(
            custom_id=f"img:model:{job_id}", placeholder=t("rerun-placeholder"), min_values=1,
            max_values=1, options=(options or [])[:MAX_OPTIONS], row=1))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> RerunSelect:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or [""]
        await _handler(interaction).click(interaction, "model", self.job_id, str(values[0]))


class TryButton(_JobItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                template=rf"img:try:{_JOB}:{_MODEL}"):
    def __init__(self, job_id: str, model_id: str, label: str = "Run on this model") -> None:
        super().__init__(discord.ui.Button(
            label=label[:80], style=discord.ButtonStyle.success,
            custom_id=f"img:try:{job_id}:{model_id}"))
        self.job_id, self.model_id = job_id, model_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> TryButton:
        return cls(match["job"], match["model"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).click(interaction, "model", self.job_id, self.model_id)


class DeleteButton(_JobItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=rf"img:del:{_JOB}"):
    def __init__(self, job_id: str) -> None:
        super().__init__(discord.ui.Button(
            label=t("button-delete"), style=discord.ButtonStyle.danger, emoji="🗑",
            custom_id=f"img:del:{job_id}", row=0))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> DeleteButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).click(interaction, "delete", self.job_id, None)


class _EditItem(_JobItem):
    """Vary, Vary strong and Edit: the same shape, one action each (row 2)."""

    action = ""
    prefix = ""
    emoji = ""

    def __init__(self, job_id: str, label: str = "") -> None:
        # A mixin: each subclass's DynamicItem base is the one that takes the button.
        super().__init__(discord.ui.Button(  # type: ignore[call-arg]
            label=(label or self.action)[:80], style=discord.ButtonStyle.secondary,
            emoji=self.emoji, custom_id=f"img:{self.prefix}:{job_id}", row=2))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> Any:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).click(interaction, self.action, self.job_id, None)


class VaryButton(_EditItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=rf"img:vary:{_JOB}"):
    action, prefix, emoji = "vary", "vary", "🎲"


class VaryStrongButton(_EditItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=rf"img:varys:{_JOB}"):
    action, prefix, emoji = "vary_strong", "varys", "🌀"


class EditButton(_EditItem, discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=rf"img:edit:{_JOB}"):
    action, prefix, emoji = "edit", "edit", "✏️"


EDIT_BUTTONS = {"vary": VaryButton, "vary_strong": VaryStrongButton, "edit": EditButton}
DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AgainButton, CompareButton, RerunSelect, TryButton, DeleteButton, VaryButton,
    VaryStrongButton, EditButton)


def result_view(result: GenerationResult, catalog: Catalog, planner: Planner) -> discord.ui.View:
    """Again · Compare on 3 (row 1), the "Rerun on…" menu with every other model, then
    Vary · Vary strong · Edit (row 3)."""
    view = discord.ui.View(timeout=None)
    options: list[discord.SelectOption] = []
    for choice in replies.result_choices(result, catalog, planner):
        if choice.action == "again":
            view.add_item(AgainButton(result.job.id, choice.label))
        elif choice.action in EDIT_BUTTONS:
            view.add_item(EDIT_BUTTONS[choice.action](  # type: ignore[arg-type]
                result.job.id, choice.label))  # each one is a DynamicItem (see _EditItem)
        elif choice.action == "compare":
            view.add_item(CompareButton(result.job.id, choice.label))
        elif choice.model_id is not None and len(options) < MAX_OPTIONS:
            model = catalog.get(choice.model_id)
            options.append(discord.SelectOption(
                label=choice.label[:100], value=model.id,
                description=replies.strengths(model)[:100] or None))
    view.add_item(DeleteButton(result.job.id))
    if options:
        view.add_item(RerunSelect(result.job.id, options))
    return view


def try_view(job_id: str, model_id: str, catalog: Catalog) -> discord.ui.View:
    model = catalog.get(model_id)
    view = discord.ui.View(timeout=None)
    view.add_item(TryButton(job_id, model_id,
                            t("run-on", model=model.name, price=replies.credits(model.credits))))
    return view


def is_ours(custom_id: str, message: discord.Message | None,
            items: tuple[type[discord.ui.DynamicItem[Any]], ...] = DYNAMIC_ITEMS) -> bool:
    """Would one of our templates handle this click? (A custom_id that matches no template,
    or is missing from the message, is silently dropped by discord.py.)"""
    if not any(item.__discord_ui_compiled_template__.fullmatch(custom_id)
               for item in items):
        return False
    if message is None:
        return False
    for row in message.components:
        for child in getattr(row, "children", [row]):
            if getattr(child, "custom_id", None) == custom_id:
                return True
    return False
