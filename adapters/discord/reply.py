"""One interaction response that updates in place, with a fallback to channel messages.

A `Reply` owns the deferred response of one interaction (`@original` of its webhook):
paced status edits (at most one a second, the latest text wins), then the result, or an
ephemeral notice on failure. Interaction tokens live 15 minutes; a job that outlives its
token is posted as a normal channel message mentioning the person. The `Target` (ids,
token, time, upload limit) is stored in the job's `chat_ref`, so a job resumed after a
restart is delivered the same way.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from adapters.discord import rendering
from bot.services.generation import GenerationResult, Progress
from bot.services.live import LiveMessage
from bot.services.replies import progress_text

log = logging.getLogger(__name__)

TOKEN_TTL = 15 * 60.0
TOKEN_MARGIN = 30.0  # stop using a token this long before Discord does
EDIT_INTERVAL = 1.0
FIRST_STATUS_DELAY = 0.5
ORIGINAL = "@original"
# What a request to Discord can raise besides bugs: HTTP errors after discord.py's own
# rate-limit handling, connection failures, a session closed during shutdown.
NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, RuntimeError)
ViewFactory = Callable[[GenerationResult], discord.ui.View]


@dataclass(frozen=True)
class Target:
    """Where an interaction's answer goes. Ids are strings (JSON-safe in `chat_ref`)."""

    app_id: str
    token: str
    channel_id: str
    user_id: str
    user_name: str
    created: float  # epoch seconds of the interaction
    size_limit: int
    guild_id: str | None = None

    @classmethod
    def of(cls, interaction: discord.Interaction) -> Target:
        return cls(
            app_id=str(interaction.application_id), token=interaction.token,
            channel_id=str(interaction.channel_id), user_id=str(interaction.user.id),
            user_name=interaction.user.display_name,
            # The snowflake's time, as created_at has it, without building a datetime.
            created=((interaction.id >> 22) + discord.utils.DISCORD_EPOCH) / 1000,
            size_limit=interaction.filesize_limit,
            guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        )

    @classmethod
    def from_ref(cls, ref: Mapping[str, Any]) -> Target | None:
        try:
            return cls(**{k: ref[k] for k in cls.__dataclass_fields__ if k in ref})
        except TypeError:
            return None

    def to_ref(self) -> dict[str, Any]:
        return dict(vars(self))  # flat fields: no need for asdict's deep copy

    def token_alive(self) -> bool:
        return time.time() < self.created + TOKEN_TTL - TOKEN_MARGIN


class Reply:
    def __init__(
        self, client: discord.Client, target: Target, view_for: ViewFactory,
        current: Callable[[Progress], Awaitable[bool]] | None = None,
        first_delay: float = FIRST_STATUS_DELAY,
    ) -> None:
        self.client = client
        self.target = target
        self.view_for = view_for
        self.current = current  # is a job's status line still true, just before it is written
        # The first status waits: Discord already shows "thinking…".
        self.pacer = LiveMessage(EDIT_INTERVAL, first_delay)

    @functools.cached_property
    def webhook(self) -> discord.Webhook:
        """What `Interaction.followup` builds: an application webhook bound to the client
        state. Built on first use: a request handed to a worker never needs it."""
        payload = {"id": int(self.target.app_id), "type": 3, "token": self.target.token}
        return discord.Webhook.from_state(payload, self.client._connection)  # type: ignore[arg-type]

    # -- status ----------------------------------------------------------------------------

    async def progress(self, progress: Progress) -> None:
        if progress.stage in ("queued", "started"):
            self.status(lambda: progress_text(progress), progress)

    def status(self, text: Callable[[], str], progress: Progress | None = None) -> None:
        """`text` is worded when the line is written: most lines are replaced or dropped
        first (a job handed to a worker, a quick result)."""
        if not self.target.token_alive():
            return
        current = self.current

        async def write() -> None:
            # Another process may have taken the job since: it answers here, not this line.
            if progress is None or current is None or await current(progress):
                await self._edit_original(content=rendering.clip(text(), 2000))

        self.pacer.push(write)

    async def handed_off(self) -> None:
        """Another process finishes this job and answers here: drop a status edit still
        waiting, so it never lands on that answer (or on the message it took down)."""
        await self.pacer.close(keep_spacing=False)

    async def _edit_original(self, **kwargs: Any) -> None:
        # `@original` is the message id Discord documents for interaction webhooks.
        await self.webhook.edit_message(ORIGINAL, **kwargs)  # type: ignore[call-overload]

    # -- outcomes ----------------------------------------------------------------------------

    async def show(self, result: GenerationResult, *, first: bool = True) -> bool:
        """The image with its embed and buttons: in place of the status (`first`), else as
        a new followup message; as a channel message once the token is too old.
        False if it could not be posted anywhere."""
        if first:
            await self.pacer.close()
        data, ext = await asyncio.to_thread(
            rendering.image_bytes, result.image.data, result.image.mime, self.target.size_limit)
        name = rendering.file_name(result, ext)
        embed = rendering.result_embed(result, self.target.user_name, name)
        view = self.view_for(result)
        if self.target.token_alive():
            try:
                file = discord.File(io.BytesIO(data), filename=name)
                if first:
                    await self._edit_original(content=None, embed=embed, attachments=[file],
                                              view=view)
                else:
                    await self.webhook.send(embed=embed, file=file, view=view, wait=True)
                return True
            except NETWORK_ERRORS as exc:
                log.warning("could not post job %s to its interaction (%s); "
                            "posting to the channel", result.job.id, exc)
        return await self._to_channel(
            embed=embed, file=discord.File(io.BytesIO(data), filename=name), view=view)

    async def fail(self, text: str, view: discord.ui.View | None = None) -> None:
        """Take the public status down and tell the person privately (ephemeral)."""
        await self.pacer.close()
        if self.target.token_alive():
            try:
                await self.webhook.delete_message(ORIGINAL)  # type: ignore[arg-type]
            except NETWORK_ERRORS as exc:
                log.info("could not remove the status message: %s", exc)
            if await self.note(text, view):
                return
        await self._to_channel(content=rendering.clip(text, 1900))

    async def note(self, text: str, view: discord.ui.View | None = None) -> bool:
        """An ephemeral followup (only the person sees it). False if it could not be sent."""
        kwargs: dict[str, Any] = {"ephemeral": True, "wait": True}
        if view is not None:
            kwargs["view"] = view
        try:
            await self.webhook.send(rendering.clip(text, 2000), **kwargs)
            return True
        except NETWORK_ERRORS as exc:
            log.warning("could not send an ephemeral notice: %s", exc)
            return False

    async def _to_channel(self, content: str = "", **kwargs: Any) -> bool:
        """A normal channel message (bot token): works after the interaction token expired."""
        channel = self.client.get_partial_messageable(
            int(self.target.channel_id),
            guild_id=int(self.target.guild_id) if self.target.guild_id else None,
        )
        mention = f"<@{self.target.user_id}>"
        try:
            await channel.send(
                rendering.clip(f"{mention} {content}".strip(), 2000),
                allowed_mentions=discord.AllowedMentions(users=True), **kwargs,
            )
            return True
        except NETWORK_ERRORS as exc:
            log.error("could not post to channel %s: %s", self.target.channel_id, exc)
            return False
