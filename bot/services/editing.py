"""Edit and vary (issue 16): a picture in, a changed picture out, with generation's money.

These are use cases of `GenerationService` (it inherits them), so an edit is one more job
through the same ingress: the safety check before any credit moves, one transaction for
the event key, the charge (the model's `edit_credits`), the hold and the job row *with its
pictures*; then settled once or refunded on any failure. A redelivered event or a double
click is the same event key, so it is charged once.

Where the pictures come from:
- `edit`: pictures the person gave (normalised by image_intake), or a result's.
- `vary` / `edit_result`: the image a job made (stored at success: `Job.output_digest`),
  so a Vary of a Vary works days later and after restarts.
- a rerun / compare of an edit job: that job's own stored pictures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bot.domain.catalog import Model
from bot.domain.credits import UserRef
from bot.domain.errors import BadImage, InsufficientCredits, JobNotFound, RequestError
from bot.domain.jobs import EDIT, VARY, VARY_STRONG, Job
from bot.domain.providers import InputImage
from bot.domain.requests import MAX_PROMPT_CHARS, clean_text
from bot.domain.safety import Place
from bot.services import edit_text
from bot.services.planning import Plan

if TYPE_CHECKING:
    from bot.domain.catalog import Catalog
    from bot.domain.jobs import JobStore
    from bot.services.job_delivery import GenerationResult, ProgressCallback
    from bot.services.planning import Planner


def clean_instruction(text: str) -> str:
    """What to change, checked like a prompt (empty or too long: a specific message)."""
    instruction = clean_text(text or "")
    if not instruction:
        raise RequestError(edit_text.need_instruction())
    if len(instruction) > MAX_PROMPT_CHARS:
        raise RequestError(edit_text.instruction_too_long(len(instruction), MAX_PROMPT_CHARS))
    return instruction


@contextmanager
def _no_rerun_button() -> Iterator[None]:
    """Not enough credits for a Vary or an Edit of a result: the message names the model
    that fits, but no "run on it" button is offered (that button reruns the *parent* job,
    which would be a new generation, not this variation)."""
    try:
        yield
    except InsufficientCredits as exc:
        exc.suggestion = None
        raise


class EditFlows:
    """The edit use cases; mixed into GenerationService (see the module doc)."""

    if TYPE_CHECKING:  # what GenerationService provides
        catalog: Catalog
        planner: Planner
        jobs: JobStore
        _asking: Callable[[], None]
        _allowed: Callable[..., Awaitable[str]]
        account: Callable[[UserRef], Awaitable[int]]
        _run: Callable[..., Awaitable[GenerationResult]]
        _job_or_expired: Callable[[str], Awaitable[Job]]

    async def edit(
        self,
        images: Sequence[InputImage],
        instruction: str,
        user: UserRef,
        event_key: str,
        *,
        model: Model | None = None,
        intent: str | None = None,
        parent_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
        reason: str | None = None,
    ) -> GenerationResult:
        """Change `images` as `instruction` says, on the model asked for or the intent's.
        `reason`: why `model` was chosen when the person did not name it."""
        self._asking()
        if not images:
            raise BadImage(edit_text.no_image())
        text = clean_instruction(instruction)
        plan = self.planner.plan_edit(text, images, model, intent, EDIT, reason=reason)
        level = await self._allowed(place, user, text, plan.model.id)
        account = await self.account(user)
        return await self._run(plan, text, None, user, account, event_key, on_progress,
                               chat_ref, parent_id=parent_id, safety_level=level, place=place,
                               images=tuple(images))

    async def edit_result(
        self,
        job_id: str,
        instruction: str,
        user: UserRef,
        event_key: str,
        *,
        model: Model | None = None,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> GenerationResult:
        """The Edit button (or /edit replying to a result): that image, changed."""
        parent = await self._job_or_expired(job_id)
        source = await self.result_image(parent.id)
        reason = None  # a model the person named: "because you picked it"
        if model is None:
            model = self._editor_for(parent, 1)
            reason = edit_text.source_model_reason(EDIT, self._unable(parent, model))
        with _no_rerun_button():
            return await self.edit([source], instruction, user, event_key, model=model,
                                   parent_id=parent.id, on_progress=on_progress,
                                   chat_ref=chat_ref, place=place, reason=reason)

    async def vary(
        self,
        job_id: str,
        user: UserRef,
        event_key: str,
        *,
        strong: bool = False,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> GenerationResult:
        """One click: a subtle (or strong) variation of the image a job made, on that job's
        model when it can edit, else the nearest model that can. A new seed each time."""
        self._asking()
        parent = await self._job_or_expired(job_id)
        source = await self.result_image(parent.id)
        model = self._editor_for(parent, 1)
        kind = VARY_STRONG if strong else VARY
        reason = edit_text.source_model_reason(kind, self._unable(parent, model))
        plan = Plan(parent.intent, model, reason, self.planner.edit_aspect(model, [source]),
                    kind)
        level = await self._allowed(place, user, parent.prompt, model.id)
        account = await self.account(user)
        with _no_rerun_button():
            return await self._run(plan, parent.prompt, None, user, account, event_key,
                                   on_progress, chat_ref, parent_id=parent.id,
                                   safety_level=level, place=place, images=(source,))

    async def vary_image(
        self,
        image: InputImage,
        user: UserRef,
        event_key: str,
        *,
        strong: bool = False,
        model: Model | None = None,
        on_progress: ProgressCallback | None = None,
        chat_ref: Mapping[str, Any] | None = None,
        place: Place | None = None,
    ) -> GenerationResult:
        """`/vary` replying to any picture (not one of our jobs): a variation of it."""
        self._asking()
        kind = VARY_STRONG if strong else VARY
        plan = self.planner.plan_edit("", [image], model, None, kind)
        level = await self._allowed(place, user, "", plan.model.id)
        account = await self.account(user)
        return await self._run(plan, "", None, user, account, event_key, on_progress,
                               chat_ref, safety_level=level, place=place, images=(image,))

    async def result_image(self, job_id: str) -> InputImage:
        """The stored image a job made; JobNotFound when there is none (nothing charged)."""
        job = await self._job_or_expired(job_id)  # forged or stale: "this button has expired"
        if not job.output_digest:
            raise JobNotFound(edit_text.stored_image_gone())
        image = await self.jobs.get_image(job.output_digest)
        if image is None:
            raise JobNotFound(edit_text.stored_image_gone())
        return image

    async def result_in_chat(self, job_id: str | None, platform: str, chat_field: str,
                             chat_id: str) -> Job | None:
        """The job behind a result message of ours that someone replied to or picked, when
        its buttons name a job of this platform and this chat whose image is still stored;
        else None (the message is then an ordinary picture). Buttons can be forged: the
        stored chat is what proves the message is that job's result."""
        job = await self.jobs.get_job(job_id) if job_id else None
        if (job is None or job.platform != platform
                or str(job.chat_ref.get(chat_field)) != str(chat_id)):
            return None
        try:
            await self.result_image(job.id)
        except JobNotFound:
            return None
        return job

    # -- used by rerun and compare of an edit job ------------------------------------------

    async def _rerun_edit(
        self,
        parent: Job,
        model: Model,
        user: UserRef,
        event_key: str,
        on_progress: ProgressCallback | None,
        chat_ref: Mapping[str, Any] | None,
        place: Place | None,
    ) -> GenerationResult:
        """Again / another model under an edit: the same pictures and instruction, at the
        model's edit price; a model that cannot edit is refused, nothing charged."""
        images = await self._images_of(parent)
        model = self.planner.require_editor(model, len(images))
        same = model.id == parent.model_id
        reason = "again, with a new seed" if same else f"you picked {model.name}"
        plan = Plan(parent.intent, model, reason, self.planner.edit_aspect(model, images),
                    parent.kind)
        level = await self._allowed(place, user, parent.prompt, model.id)
        account = await self.account(user)
        return await self._run(plan, parent.prompt, None if same else parent.seed, user,
                               account, event_key, on_progress, chat_ref,
                               parent_id=self._source_of(parent), safety_level=level,
                               place=place, images=images)

    async def _images_of(self, job: Job) -> tuple[InputImage, ...]:
        if not job.is_edit:
            return ()
        images = tuple(await self.jobs.job_images(job.id))
        if not images:
            raise JobNotFound(edit_text.stored_image_gone())
        return images

    def _source_of(self, job: Job) -> str | None:
        """What a rerun of `job` is an edit of: the same source (for a plain generation,
        the job itself, as reruns always linked)."""
        return job.parent_id if job.is_edit else job.id

    def _unable(self, parent: Job, model: Model) -> str | None:
        """The name of the model that made `parent`, when it is not `model` (it cannot
        edit, so the nearest editor runs instead); None when it is the same model."""
        return self.catalog.get(parent.model_id).name if model.id != parent.model_id else None

    def _editor_for(self, job: Job, count: int) -> Model:
        model = self.catalog.get(job.model_id)
        if self.planner.can_edit(model, count):
            return model
        nearest = self.planner.nearest_editor(model, count)
        if nearest is None:
            return self.planner.require_editor(model, count)  # raises CannotEdit
        return nearest
