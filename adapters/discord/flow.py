"""What the Discord surface does with an interaction: thin calls into GenerationService.

Every slash command and click lands here. Long work is deferred at once (Discord's 3 s);
the answer is one response that updates in place (see reply.py); failures go through the
error boundary (boundary.py), which `Tree.on_error` (commands.py) uses too. On shutdown,
jobs in progress are stopped while the database and Discord are still reachable: the
service refunds them and each person is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import Any, TypeVar

import discord

from adapters.discord import components
from adapters.discord.boundary import (
    APOLOGY,
    EXPIRED,
    RESTARTING,
    UNPOSTED,
    Stopped,
    error_text,
    report,
    send_ephemeral,
)
from adapters.discord.reply import Reply, Target
from bot.domain import keys
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
from bot.services.generation import GenerationResult, Progress
from bot.services.replies import progress_text
from bot.services.surface import SurfaceApp
from bot.services.worker import NotDelivered

log = logging.getLogger(__name__)
T = TypeVar("T")
SEEN_LIMIT = 2048
SHUTDOWN_GRACE = 8.0
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
        self._jobs: set[asyncio.Task[Any]] = set()  # service calls in progress
        self._handlers: set[asyncio.Task[Any]] = set()  # interactions being answered

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
        user, key = user_of(interaction), event_key(interaction)

        def start(progress: Any, ref: Mapping[str, Any]) -> Coroutine[Any, Any, GenerationResult]:
            return self.service.generate(request, user, key, progress, ref)

        await self._single(interaction, start, None)

    async def click(self, interaction: discord.Interaction, action: str, job_id: str,
                    model_id: str | None) -> None:
        """The error boundary of every component callback."""
        try:
            if action == "compare":
                return await self._compare(interaction, job_id)
            if model_id is not None and self.catalog.find(model_id) is None:
                raise JobNotFound(EXPIRED)
            user, key = user_of(interaction), event_key(interaction)

            def start(progress: Any, ref: Mapping[str, Any]
                      ) -> Coroutine[Any, Any, GenerationResult]:
                return self.service.rerun(job_id, user, key, model_id, progress, ref)

            await self._single(interaction, start, job_id)
        except Exception as exc:  # noqa: BLE001 - the component error boundary
            await self.report(interaction, exc)

    async def expired(self, interaction: discord.Interaction) -> None:
        """A click on a component none of our templates knows (old or forged)."""
        if self.first_time(interaction):
            await self.report(interaction, JobNotFound(EXPIRED))

    async def report(self, interaction: discord.Interaction, error: BaseException) -> None:
        await report(interaction, error, self.catalog)

    # -- jobs ----------------------------------------------------------------------------------

    async def _begin(self, interaction: discord.Interaction) -> Reply | None:
        """Defer at once; None if this interaction cannot or need not be answered."""
        if self.closing:
            await send_ephemeral(interaction, RESTARTING)
            return None
        try:
            await interaction.response.defer(thinking=True)
        except discord.InteractionResponded:
            return None
        except discord.HTTPException as exc:  # 10062: past 3 s; 40060: answered already
            log.warning("could not acknowledge interaction %s: %s", interaction.id, exc)
            return None
        return Reply(self.client, Target.of(interaction), interaction.followup, self.view_for)

    @contextlib.contextmanager
    def _handling(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            yield
        finally:
            self._handlers.discard(task)  # type: ignore[arg-type]

    async def _job(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a service call as its own task, so shutdown can stop it (the service refunds)."""
        task = asyncio.ensure_future(work)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self.closing and task.cancelled() and not (current and current.cancelling()):
                raise Stopped() from None
            raise

    async def _single(self, interaction: discord.Interaction, start: Start,
                      job_id: str | None) -> None:
        reply = await self._begin(interaction)
        if reply is None:
            return
        with self._handling():
            try:
                result = await self._job(start(reply.progress, reply.target.to_ref()))
            except HandedOff:  # another process finishes it and edits this same message
                return await reply.handed_off()
            except BotError as exc:
                return await reply.fail(error_text(exc, self.catalog, job_id),
                                        self._suggestion(exc, job_id))
            except Exception:  # noqa: BLE001
                log.exception("job for interaction %s failed", interaction.id)
                return await reply.fail(APOLOGY)
            await self._post(reply, [result])

    async def _compare(self, interaction: discord.Interaction, job_id: str) -> None:
        reply = await self._begin(interaction)
        if reply is None:
            return
        states: dict[str, Progress] = {}

        async def progress(p: Progress) -> None:
            if p.stage in ("queued", "started"):
                states[p.job_id] = p
                reply.status("\n".join(progress_text(s) for s in states.values()))

        user = user_of(interaction)
        with self._handling():
            try:
                outcomes = await self._job(self.service.compare(
                    job_id, user, event_key(interaction), progress, reply.target.to_ref()))
            except HandedOff:  # another process finishes them and posts them
                return await reply.handed_off()
            except BotError as exc:
                return await reply.fail(error_text(exc, self.catalog, job_id),
                                        self._suggestion(exc, job_id))
            except Exception:  # noqa: BLE001
                log.exception("compare for interaction %s failed", interaction.id)
                return await reply.fail(APOLOGY)
            results = [o for o in outcomes if isinstance(o, GenerationResult)]
            failures = [o.user_message for o in outcomes if isinstance(o, GenerationFailed)]
            if not results:
                return await reply.fail("\n".join(failures) or APOLOGY)
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
                await (reply.fail(UNPOSTED) if i == 0 else reply.note(UNPOSTED))

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
        reply = Reply.resumed(self.client, target, self.view_for)
        if isinstance(outcome, GenerationResult):
            if not await reply.show(outcome):
                await reply.fail(UNPOSTED)
                raise NotDelivered(f"Discord would not take the image of job {job.id}")
        else:
            await reply.fail(outcome.user_message)

    async def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop jobs in progress (refunded by the service) and tell their people, then
        return; call before the client and the database close."""
        self.closing = True
        if self._jobs:
            log.info("discord: stopping %d jobs in progress", len(self._jobs))
        for task in list(self._jobs):
            task.cancel()
        pending = {t for t in self._handlers if not t.done()}
        if pending:
            await asyncio.wait(pending, timeout=grace)
