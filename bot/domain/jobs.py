"""Generation jobs: the row written before any provider call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)


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

    @property
    def hold_key(self) -> str:
        return f"hold:{self.id}"


class JobStore(Protocol):
    async def create_job(self, job: Job) -> tuple[Job, bool]:
        """Insert the job; if its event_key exists, return (existing job, False)."""
        ...

    async def get_job(self, job_id: str) -> Job | None: ...

    async def update_job(self, job_id: str, **fields: Any) -> None: ...

    async def unfinished_jobs(self) -> list[Job]: ...
