"""Discord's ways into editing (issue 16). Thin: the core plans, charges and runs.

- `/edit image:<attachment> prompt:<text> [model] [image2] [image3]`, and `/imagine` with
  its optional `image` (then the prompt edits that picture);
- the message context-menu command "Edit image" (no privileged intent needed: Discord
  hands the full target message, attachments included), which opens a modal; on one of the
  bot's own results it edits *that job* (its stored image; the result says "Edit of <job>");
- the Vary, Vary strong and Edit buttons under a result (components.py); Edit opens a modal.

Attachments are downloaded at once (CDN links are signed and expire), after the deferral
(a download may take longer than Discord's 3 seconds), and normalised by the core intake.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.boundary import send_ephemeral
from adapters.discord.components import DYNAMIC_ITEMS
from adapters.discord.places import place_of
from bot import i18n
from bot.domain.catalog import Model
from bot.domain.errors import BadImage, BotError
from bot.domain.jobs import Job
from bot.domain.providers import InputImage
from bot.domain.requests import MAX_PROMPT_CHARS, pick_model
from bot.services import edit_text, image_intake
from bot.services.generation import GenerationResult

if TYPE_CHECKING:
    from adapters.discord.flow import Surface

log = logging.getLogger(__name__)
MODAL_MAX = min(MAX_PROMPT_CHARS, 4000)  # a text input holds at most 4000 characters
Submit = Callable[[discord.Interaction, str], Awaitable[None]]
MENU_KEY = "menu-edit-image"


class EditModal(discord.ui.Modal):
    """Asks what to change; the answer goes to `submit` (the surface's error boundary)."""

    def __init__(self, submit: Submit, on_error: Callable[..., Awaitable[None]]) -> None:
        super().__init__(title=edit_text.edit_modal_title(), timeout=900)
        self.what: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=edit_text.edit_modal_label(), placeholder=edit_text.edit_prompt_placeholder(),
            style=discord.TextStyle.paragraph, max_length=MODAL_MAX, required=True)
        self.add_item(self.what)
        self._submit, self._on_error = submit, on_error

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """The answer is an interaction of its own: the boundary speaks its sender's
        language (and a redelivered answer is dropped), as for every component."""
        return await interaction.client.surface.enter(interaction)  # type: ignore[attr-defined,no-any-return]

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.what.value)

    async def on_error(  # type: ignore[override]  # a Modal's errors carry no item
            self, interaction: discord.Interaction, error: Exception, /) -> None:
        await self._on_error(interaction, error)


def is_picture(attachment: discord.Attachment) -> bool:
    """An attachment that says it is an image (the intake checks the bytes anyway)."""
    kind = attachment.content_type or ""
    name = attachment.filename.lower()
    return kind.startswith("image/") or name.endswith(
        (".png", ".jpg", ".jpeg", ".webp", ".gif", ".heic", ".heif"))


async def download(attachment: discord.Attachment) -> InputImage:
    """The attachment's bytes, fetched now, normalised (BadImage with the reason)."""
    image_intake.check_size(attachment.size)
    try:
        data = await attachment.read()
    except (discord.HTTPException, discord.NotFound) as exc:
        log.warning("could not download an attachment: %s", exc)
        raise BadImage(edit_text.corrupted()) from None
    return await image_intake.normalise_async(data, label=attachment.filename)


def _job_in_components(message: discord.Message) -> str | None:
    """The job id our result buttons carry (the first one that matches a template)."""
    for row in message.components:
        for child in getattr(row, "children", [row]):
            custom_id = getattr(child, "custom_id", None) or ""
            for item in DYNAMIC_ITEMS:
                match = item.__discord_ui_compiled_template__.fullmatch(custom_id)
                if match is not None:
                    return str(match["job"])
    return None


class DiscordEdits:
    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.service = surface.service
        self.catalog = surface.catalog

    async def slash_edit(self, interaction: discord.Interaction,
                         attachments: Sequence[discord.Attachment | None], prompt: str,
                         model_name: str | None, parent_id: str | None = None) -> None:
        """/edit (and /imagine with an image): defer, download, then the core's edit."""
        try:
            model = self._model(model_name)
        except BotError as exc:
            return await send_ephemeral(interaction, exc.user_message)
        files = [a for a in attachments if a is not None]
        user, key = self.surface.user_of(interaction), self.surface.event_key(interaction)
        place = place_of(interaction)

        async def start(progress: Any, ref: Any) -> GenerationResult:
            if not files:
                raise BadImage(edit_text.no_image())
            images = [await download(a) for a in files]
            return await self.service.edit(images, prompt, user, key, model=model,
                                           parent_id=parent_id, on_progress=progress,
                                           chat_ref=ref, place=place)

        await self.surface._single(interaction, start, None)

    async def context_menu(self, interaction: discord.Interaction,
                           message: discord.Message) -> None:
        """ "Edit image" on any message: a modal asks what to change in its pictures."""
        parent = await self.result_job(interaction, message)
        if parent is not None:
            return await self.ask_edit(interaction, parent.id)
        pictures = [a for a in message.attachments if is_picture(a)][:3]
        if not pictures:
            return await send_ephemeral(interaction, edit_text.no_image())

        async def submit(answer: discord.Interaction, text: str) -> None:
            await self.slash_edit(answer, pictures, text, None)

        await interaction.response.send_modal(EditModal(submit, self.surface.report))

    async def result_job(self, interaction: discord.Interaction,
                         message: discord.Message) -> Job | None:
        """The job whose result `message` is, or None for any other message (its pictures
        are then downloaded). A result is a message this bot posted; its buttons' custom ids
        name the job, and the job's stored channel must be the message's, so a stale or
        forged button cannot reach a job elsewhere. A job that does not exist, or whose image
        is no longer stored, is no result."""
        me = interaction.client.user
        if me is None or message.author.id != me.id:
            return None
        return await self.service.result_in_chat(_job_in_components(message), "discord",
                                                 "channel_id", str(message.channel.id))

    async def ask_edit(self, interaction: discord.Interaction, job_id: str) -> None:
        """The Edit button: a modal; its answer edits that job's stored image."""
        await self.service.result_image(job_id)  # nothing stored: say so now, not later
        user = self.surface.user_of(interaction)

        async def submit(answer: discord.Interaction, text: str) -> None:
            key, place = self.surface.event_key(answer), place_of(answer)

            def start(progress: Any, ref: Any) -> Coroutine[Any, Any, GenerationResult]:
                return self.service.edit_result(job_id, text, user, key, on_progress=progress,
                                                chat_ref=ref, place=place)

            await self.surface._single(answer, start, job_id)

        await interaction.response.send_modal(EditModal(submit, self.surface.report))

    async def vary(self, interaction: discord.Interaction, job_id: str, strong: bool) -> None:
        user, key = self.surface.user_of(interaction), self.surface.event_key(interaction)
        place = place_of(interaction)

        def start(progress: Any, ref: Any) -> Coroutine[Any, Any, GenerationResult]:
            return self.service.vary(job_id, user, key, strong=strong, on_progress=progress,
                                     chat_ref=ref, place=place)

        await self.surface._single(interaction, start, job_id)

    def _model(self, name: str | None) -> Model | None:
        return pick_model(self.catalog, name) if name and name.strip() else None

    def menu(self) -> app_commands.ContextMenu:
        """ "Edit image" in the Apps menu: a name people pick, not type, so it is shown in
        their language (the Translator renders `menu-edit-image` per locale at sync)."""
        name = app_commands.locale_str(i18n.t_in(i18n.DEFAULT, MENU_KEY), key=MENU_KEY)
        return app_commands.ContextMenu(name=name, callback=self.context_menu)
