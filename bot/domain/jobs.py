"""Generation jobs: the row written (and paid for) before any provider call.

A job is `queued` once it is paid for; any process with a free slot claims it (`running`,
with a lease it renews); it ends `succeeded`, `failed` or `cancelled` in one conditional
change that also settles or refunds its hold, so it is paid for or refunded exactly once
whichever process finishes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.domain.credits import UserRef
from bot.domain.keys import job_hold
from bot.domain.providers import InputImage

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
# What a job does with pictures: text-to-image, an edit, or a (strong) variation.
GENERATE, EDIT, VARY, VARY_STRONG = "generate", "edit", "vary", "vary_strong"
KINDS = (GENERATE, EDIT, VARY, VARY_STRONG)


@dataclass
class Job:
    id: str
    account_id: int
    platform: str
    user_id: str
    prompt: str
    model_id: str
    intent: str
    reason: str
    aspect: str
    seed: int | None
    cost: int
    event_key: str
    status: str = QUEUED
    parent_id: str | None = None
    provider: str | None = None
    provider_handle: Mapping[str, Any] = field(default_factory=dict)
    chat_ref: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: float = 0.0
    finished_at: float | None = None
    request_key: str = ""  # the jobs of one request (a compare's three) share it
    claimed_by: str | None = None  # the worker running it
    lease_until: float | None = None  # it is that worker's until then, unless renewed
    deadline_at: float | None = None  # set at the first claim: give up (refund) after it
    called_at: float | None = None  # when a provider was first asked (it may bill)
    safety_level: str = "strict"  # the policy level where it was asked (vendor knobs)
    kind: str = GENERATE  # generate | edit | vary | vary_strong (parent_id: the job edited)
    output_digest: str | None = None  # the stored image this job made (for Vary of it)
    locale: str = ""  # the requester's language when asked ("": English), for a late delivery
    # The input pictures, in order: written with the job at ingress, read back by
    # `JobStore.job_images` (claims do not carry the bytes).
    images: tuple[InputImage, ...] = field(default=(), repr=False, compare=False)

    @property
    def is_edit(self) -> bool:
        return self.kind != GENERATE

    @property
    def hold_key(self) -> str:
        return job_hold(self.id)


@dataclass(frozen=True)
class Enqueued:
    """What ingress did: the job (new or the one this event made before), whether it is new,
    the balance after the charge, and the shortfall when the person could not pay."""

    job: Job
    created: bool
    balance: int = 0
    short_of: int | None = None  # the balance, when the charge was refused
    position: int | None = None  # 1-based place in the shared queue, when asked for


class JobStore(Protocol):
    async def create_job(self, job: Job) -> tuple[Job, bool]:
        """Insert the job; if its event_key exists, return (existing job, False)."""
        ...

    async def enqueue(self, job: Job, max_open_requests: int, position: bool = False,
                      opening: tuple[UserRef, int] | None = None) -> Enqueued:
        """Ingress, one transaction: the event key (a repeat stops here), the per-person
        limit on requests in flight (raises TooManyJobs), the conditional charge (refused:
        the job is recorded as failed), the hold and the queued job row; with `position`,
        also the new job's place in the queue (what `position_of` says, no second trip).
        `opening` (the person, their welcome grant): their account is opened (or found)
        first, in the same transaction, and becomes `job.account_id`."""
        ...

    async def claim(
        self,
        worker: str,
        now: float,
        lease: float,
        limit: int,
        platforms: Sequence[str] | None,
        queued: bool = True,
    ) -> list[Job]:
        """Take up to `limit` jobs of these platforms (None: any): lapsed leases first
        (their worker stopped renewing; never this worker's own), then, with `queued`, the
        oldest queued. Claimed rows are this worker's."""
        ...

    async def set_deadline(self, job_id: str, worker: str, deadline: float) -> None: ...

    async def cancel_queued(self, job: Job, error: str, now: float) -> bool:
        """Cancel and refund a job nobody has claimed. False if it was claimed."""
        ...

    async def renew(self, worker: str, until: float) -> int: ...

    async def mark_called(self, job_id: str, worker: str, at: float) -> None: ...

    async def finish(
        self, job: Job, worker: str | None, status: str, error: str | None, now: float
    ) -> bool:
        """End the job (settle the hold on success, refund it otherwise) if `worker` still
        holds it (None: whoever does, or nobody). False: someone else already ended it."""
        ...

    async def hand_back(self, job_id: str, worker: str) -> bool:
        """Put a claimed job back in the queue (this process is stopping)."""
        ...

    async def positions(self, limit: int) -> list[str]:
        """The ids of the first `limit` queued jobs, oldest first: the shared queue."""
        ...

    async def queue_depth(self) -> int:
        """How many jobs are queued (not claimed yet), fleet-wide."""
        ...

    async def position_of(self, job: Job) -> int:
        """1-based place of a queued job in the shared queue."""
        ...

    async def get_job(self, job_id: str) -> Job | None: ...

    async def get_jobs(self, job_ids: Sequence[str]) -> list[Job]: ...

    async def claim_states(self, job_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """job id -> (status, claimed_by) of those that exist: what a waiter's watch needs,
        without reading (and decoding) whole rows."""
        ...

    async def update_job(self, job_id: str, **fields: Any) -> None: ...

    async def unfinished_jobs(self) -> list[Job]: ...

    async def job_images(self, job_id: str) -> list[InputImage]:
        """A job's input pictures, in the order they were given."""
        ...

    async def save_output(self, job_id: str, image: InputImage) -> None:
        """Store the image a job made (content-addressed) and link it as its output."""
        ...

    async def get_image(self, digest: str) -> InputImage | None: ...
