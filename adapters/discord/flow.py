"""What the Discord surface does with an interaction: thin calls into GenerationService.

Every slash command and click lands here. Long work is deferred at once (Discord's 3 s);
the answer is one response that updates in place (see reply.py); failures go through the
error boundary (boundary.py), which `Tree.on_error` (commands.py) uses too. On shutdown,
new interactions are answered "restarting" and the core's policy runs while the database
and Discord are still reachable (bot/services/shutdown.py: a grace, then refunds).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import discord

from adapters.discord import ack, components
from adapters.discord.boundary import apology, error_text, report, send_ephemeral, unposted
from adapters.discord.editing import DiscordEdits
from adapters.discord.places import is_server_admin, place_of
from adapters.discord.reply import FIRST_STATUS_DELAY, Reply, Target
from bot import i18n
from bot.domain import keys
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import (
    BotError,
    GenerationFailed,
    HandedOff,
    InsufficientCredits,
    JobNotFound,
)
from bot.domain.jobs import Job
from bot.domain.requests import GenerationRequest
from bot.services import replies
from bot.services.generation import GenerationResult, Progress
from bot.services.job_delivery import NotDelivered
from bot.services.replies import progress_text
from bot.services.surface import SurfaceApp

log = logging.getLogger(__name__)
SEEN_LIMIT = 2048
Start = Callable[[Callable[[Progress], Awaitable[None]], Mapping[str, Any]],
                 Coroutine[Any, Any, GenerationResult]]


# What the Discord surface uses of the running app: the core's one surface Protocol.
App = SurfaceApp


def user_of(interaction: discord.Interaction) -> UserRef:
    return UserRef("discord", str(interaction.user.id), interaction.user.name)


def event_key(interaction: discord.Interaction) -> str:
    return keys.interaction_event("discord", interaction.id)


class Surface:
    def __init__(self, app: App, client: discord.Client) -> None:
        self.app = app
        self.client = client
        self.service = app.service
        self.catalog = app.service.catalog
        self.planner = app.service.planner
        self.ready = asyncio.Event()  # set once logged in (see runner.setup_hook)
        self.closing = False
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.edits = DiscordEdits(self)

    # The same helpers as the module's, for the edit flows (editing.py).
    user_of = staticmethod(user_of)
    event_key = staticmethod(event_key)

    async def enter(self, interaction: discord.Interaction) -> bool:
        """The boundary of every interaction: speak this person's language from here on
        (their /language, the client's locale, the server's, the server default), then
        handle it unless it was handled already."""
        place = place_of(interaction)
        guild = interaction.guild_locale.value if interaction.guild_locale else None
        locale = await self.app.languages.for_event(user_of(interaction), place.community,
                                                    interaction.locale.value, guild)
        i18n.set_locale(locale)
        return self.first_time(interaction)

    def first_time(self, interaction: discord.Interaction) -> bool:
        """A redelivered interaction (same id) was answered already: ignore it."""
        if interaction.id in self._seen:
            log.info("interaction %s delivered again: ignored", interaction.id)
            return False
        self._seen[interaction.id] = None
        while len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def view_for(self, result: GenerationResult) -> discord.ui.View:
        return components.result_view(result, self.catalog, self.planner)

    # -- entry points ------------------------------------------------------------------------

    async def imagine(self, interaction: discord.Interaction, request: GenerationRequest) -> None:
        user, key, place = user_of(interaction), event_key(interaction), place_of(interaction)

        def start(progress: Any, ref: Mapping[str, Any]) -> Coroutine[Any, Any, GenerationResult]:
            return self.service.generate(request, user, key, progress, ref, place)

        await self._single(interaction, start, None)

    async def click(self, interaction: discord.Interaction, action: str, job_id: str,
                    model_id: str | None) -> None:
        """The error boundary of every component callback."""
        try:
            if action == "compare":
                return await self._compare(interaction, job_id)
            if action == "delete":
                return await self._delete(interaction, job_id)
            if action in ("vary", "vary_strong"):
                return await self.edits.vary(interaction, job_id, action == "vary_strong")
            if action == "edit":
                return await self.edits.ask_edit(interaction, job_id)
            if model_id is not None and self.catalog.find(model_id) is None:
                raise JobNotFound(replies.BUTTON_EXPIRED, key="button-expired")
            user, key, place = user_of(interaction), event_key(interaction), place_of(interaction)

            def start(progress: Any, ref: Mapping[str, Any]
                      ) -> Coroutine[Any, Any, GenerationResult]:
                return self.service.rerun(job_id, user, key, model_id, progress, ref, place)

            await self._single(interaction, start, job_id)
        except Exception as exc:  # noqa: BLE001 - the component error boundary
            await self.report(interaction, exc)

    async def _delete(self, interaction: discord.Interaction, job_id: str) -> None:
        """🗑 on a result: the requester, or an admin of this server, removes it."""
        user = user_of(interaction)
        place = place_of(interaction)
        admin = self.app.community.is_admin(Context(
            user, place.community,
            is_admin=is_server_admin(interaction, self.app.settings.discord_admin_role)))
        await self.service.deletable(job_id, user, admin)  # refuses everyone else
        await interaction.response.defer()
        if interaction.message is not None:
            await interaction.message.delete()
        log.info("job %s result deleted by %s", job_id, user.key)

    async def expired(self, interaction: discord.Interaction) -> None:
        """A click on a component none of our templates knows (old or forged)."""
        if await self.enter(interaction):
            await self.report(interaction, JobNotFound(replies.BUTTON_EXPIRED,
                                                       key="button-expired"))

    async def report(self, interaction: discord.Interaction, error: BaseException) -> None:
        await report(interaction, error, self.catalog)

    # -- jobs ----------------------------------------------------------------------------------

    async def _begin(self, interaction: discord.Interaction) -> Reply | None:
        """Defer at once; None if this interaction cannot or need not be answered."""
        if self.closing:
            await send_ephemeral(interaction, replies.RESTARTING)
            return None
        try:
            await ack.defer_thinking(interaction)
        except discord.InteractionResponded:
            return None
        except discord.HTTPException as exc:  # 10062: past 3 s; 40060: answered already
            log.warning("could not acknowledge interaction %s: %s", interaction.id, exc)
            return None
        return Reply(self.client, Target.of(interaction), self.view_for,
                     self.service.status_current,
                     self.service.first_status_delay(FIRST_STATUS_DELAY))

    async def _single(self, interaction: discord.Interaction, start: Start,
                      job_id: str | None) -> None:
        reply = await self._begin(interaction)
        if reply is None:
            return
        try:
            result = await start(reply.progress, reply.target.to_ref())
        except HandedOff:  # another process finishes it and edits this same message
            return await reply.handed_off()
        except BotError as exc:
            return await reply.fail(error_text(exc, self.catalog, job_id),
                                    self._suggestion(exc, job_id))
        except Exception:  # noqa: BLE001
            log.exception("job for interaction %s failed", interaction.id)
            return await reply.fail(apology())
        await self._post(reply, [result])

    async def _compare(self, interaction: discord.Interaction, job_id: str) -> None:
        reply = await self._begin(interaction)
        if reply is None:
            return
        states: dict[str, Progress] = {}

        async def progress(p: Progress) -> None:
            if p.stage in ("queued", "started"):
                states[p.job_id] = p
                reply.status(lambda: "\n".join(progress_text(s) for s in states.values()))

        user = user_of(interaction)
        try:
            outcomes = await self.service.compare(
                job_id, user, event_key(interaction), progress, reply.target.to_ref(),
                place_of(interaction))
        except HandedOff:  # another process finishes them and posts them
            return await reply.handed_off()
        except BotError as exc:
            return await reply.fail(error_text(exc, self.catalog, job_id),
                                    self._suggestion(exc, job_id))
        except Exception:  # noqa: BLE001
            log.exception("compare for interaction %s failed", interaction.id)
            return await reply.fail(apology())
        results = [o for o in outcomes if isinstance(o, GenerationResult)]
        failures = [o.user_message for o in outcomes if isinstance(o, GenerationFailed)]
        if not results:
            return await reply.fail("\n".join(failures) or apology())
        await self._post(reply, results)  # each shows the balance after all three
        for text in failures:
            await reply.note(text)

    async def _post(self, reply: Reply, results: list[GenerationResult]) -> None:
        """The first result replaces the status, the others follow. If one cannot be posted
        anywhere (permissions, upload refused), the person is told so privately."""
        for i, result in enumerate(results):
            try:
                posted = await reply.show(result, first=i == 0)
            except Exception:  # noqa: BLE001
                log.exception("could not post job %s", result.job.id)
                posted = False
            if not posted:
                await self.service.refund_undelivered(result.job.id)
                await (reply.fail(unposted()) if i == 0 else reply.note(unposted()))

    def _suggestion(self, exc: BotError, job_id: str | None) -> discord.ui.View | None:
        if isinstance(exc, InsufficientCredits) and exc.suggestion and job_id:
            return components.try_view(job_id, exc.suggestion, self.catalog)
        return None

    # -- restarts ------------------------------------------------------------------------------

    async def deliver_resumed(self, job: Job, outcome: GenerationResult | GenerationFailed
                              ) -> None:
        """Recovery hook: post a job that finished after a restart where it was asked for."""
        target = Target.from_ref(job.chat_ref)
        if target is None:
            log.warning("job %s has no Discord target; result not posted", job.id)
            return
        await asyncio.wait_for(self.ready.wait(), timeout=120)
        reply = Reply(self.client, target, self.view_for)  # no status: straight to the outcome
        if isinstance(outcome, GenerationResult):
            if not await reply.show(outcome):
                await reply.fail(unposted())
                raise NotDelivered(f"Discord would not take the image of job {job.id}")
        else:
            await reply.fail(outcome.user_message)

    async def shutdown(self) -> None:
        """Take no new interactions, then apply the core's shutdown policy (jobs in flight get
        the grace to finish and be posted, the rest are refunded and their people told);
        call before the client and the database close."""
        self.closing = True
        await self.app.shutdown.drain()
