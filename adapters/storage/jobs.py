"""Job rows on SQLite. Written before any provider call; buttons look jobs up by id."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from adapters.storage.database import Database
from bot.domain.jobs import Job

_COLUMNS = (
    "id, account_id, platform, user_id, prompt, model_id, intent, reason, aspect, seed, cost, "
    "event_key, status, parent_id, provider, provider_handle, chat_ref, error, created_at, "
    "finished_at"
)
_JSON_FIELDS = ("provider_handle", "chat_ref")
_UPDATABLE = {
    "status",
    "provider",
    "provider_handle",
    "chat_ref",
    "error",
    "finished_at",
    "model_id",
}


def _to_job(row: sqlite3.Row | tuple[Any, ...]) -> Job:
    values = dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))
    for name in _JSON_FIELDS:
        values[name] = json.loads(values[name] or "{}")
    return Job(**values)


class SqliteJobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_job(self, job: Job) -> tuple[Job, bool]:
        def unit(conn: sqlite3.Connection) -> tuple[Job, bool]:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE event_key = ?", (job.event_key,)
            ).fetchone()
            if row:
                return _to_job(row), False
            conn.execute(
                f"INSERT INTO jobs ({_COLUMNS}) VALUES ({', '.join('?' * 20)})",
                (
                    job.id,
                    job.account_id,
                    job.platform,
                    job.user_id,
                    job.prompt,
                    job.model_id,
                    job.intent,
                    job.reason,
                    job.aspect,
                    job.seed,
                    job.cost,
                    job.event_key,
                    job.status,
                    job.parent_id,
                    job.provider,
                    json.dumps(dict(job.provider_handle)),
                    json.dumps(dict(job.chat_ref)),
                    job.error,
                    job.created_at,
                    job.finished_at,
                ),
            )
            return job, True

        return await self.db.run(unit)

    async def get_job(self, job_id: str) -> Job | None:
        def unit(conn: sqlite3.Connection) -> Job | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return _to_job(row) if row else None

        return await self.db.run(unit)

    async def update_job(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update job fields {sorted(unknown)}")
        values = [json.dumps(dict(v)) if k in _JSON_FIELDS else v for k, v in fields.items()]
        assignments = ", ".join(f"{k} = ?" for k in fields)

        def unit(conn: sqlite3.Connection) -> None:
            conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*values, job_id))

        await self.db.run(unit)

    async def unfinished_jobs(self) -> list[Job]:
        def unit(conn: sqlite3.Connection) -> list[Job]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchall()
            return [_to_job(r) for r in rows]

        return await self.db.run(unit)
