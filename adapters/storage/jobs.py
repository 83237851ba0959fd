"""Job rows and the durable job queue, on either engine.

Ingress (`enqueue`) is one transaction: the event key, the per-person limit, the charge, the
hold and the queued row. Workers `claim` rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so two
workers never take the same row; SQLite: its single writer does the same), hold a lease they
`renew`, and `finish` with one conditional change that also settles or refunds the hold.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from adapters.storage.database import Database
from adapters.storage.ledger import _apply, _open_account
from adapters.storage.sql import SqlConn
from bot.domain.credits import UserRef
from bot.domain.errors import InsufficientCredits, TooManyJobs
from bot.domain.jobs import FAILED, QUEUED, SUCCEEDED, Enqueued, Job
from bot.domain.providers import InputImage

_FIELDS = (
    "id", "account_id", "platform", "user_id", "prompt", "model_id", "intent", "reason",
    "aspect", "seed", "cost", "event_key", "status", "parent_id", "provider",
    "provider_handle", "chat_ref", "error", "created_at", "finished_at", "request_key",
    "claimed_by", "lease_until", "deadline_at", "called_at", "safety_level", "kind",
    "output_digest", "locale",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)
_JSON_FIELDS = ("provider_handle", "chat_ref")
_UPDATABLE = {"status", "provider", "provider_handle", "chat_ref", "error", "finished_at",
              "model_id"}  # fmt: skip
_OPEN = "('queued', 'running')"


def _to_job(row: Sequence[Any]) -> Job:
    values = dict(zip(_FIELDS, row, strict=True))
    for name in _JSON_FIELDS:
        values[name] = json.loads(values[name] or "{}")
    return Job(**values)


def _values(job: Job) -> tuple[Any, ...]:
    return tuple(
        json.dumps(dict(getattr(job, f))) if f in _JSON_FIELDS else getattr(job, f)
        for f in _FIELDS
    )


def _by_event(conn: SqlConn, event_key: str) -> Job | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE event_key = ?", (event_key,)).fetchone()
    return _to_job(row) if row else None


def _insert(conn: SqlConn, job: Job) -> None:
    marks = ", ".join("?" * len(_FIELDS))
    conn.execute(f"INSERT INTO jobs ({_COLUMNS}) VALUES ({marks})", _values(job))
    for position, image in enumerate(job.images):
        _put_image(conn, image, job.created_at)
        conn.execute("INSERT INTO job_images (job_id, position, digest) VALUES (?, ?, ?)",
                     (job.id, position, image.digest))


def _put_image(conn: SqlConn, image: InputImage, now: float) -> None:
    """Stored once per content: the same picture edited ten times is one row."""
    conn.execute(
        "INSERT INTO images (digest, data, mime, width, height, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
        (image.digest, image.data, image.mime, image.width, image.height, now),
    )


def _to_image(row: Sequence[Any]) -> InputImage:
    return InputImage(bytes(row[1]), row[2], int(row[3]), int(row[4]), row[0])


def _position(conn: SqlConn, job: Job) -> int:
    """1-based place of a queued job in the shared queue."""
    ahead = conn.execute(
        "SELECT COUNT(*) FROM jobs WHERE status = 'queued' "
        "AND (created_at < ? OR (created_at = ? AND id < ?))",
        (job.created_at, job.created_at, job.id),
    ).fetchone()[0]
    return int(ahead) + 1


def _settle_or_refund(conn: SqlConn, job: Job, succeeded: bool, now: float) -> None:
    if succeeded:
        conn.execute(
            "UPDATE holds SET status = 'settled', updated_at = ? WHERE key = ? AND status = 'held'",
            (now, job.hold_key),
        )
        return
    hold = conn.execute(
        "UPDATE holds SET status = 'released', updated_at = ? WHERE key = ? AND status = 'held' "
        "RETURNING account_id, amount, reference",
        (now, job.hold_key),
    ).fetchone()
    if hold is not None:
        _apply(conn, hold[0], hold[1], "refund", f"release:{job.hold_key}", hold[2])


class SqlJobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_job(self, job: Job) -> tuple[Job, bool]:
        def unit(conn: SqlConn) -> tuple[Job, bool]:
            old = _by_event(conn, job.event_key)
            if old is not None:
                return old, False
            _insert(conn, job)
            return job, True

        return await self.db.run(unit)

    async def enqueue(self, job: Job, max_open_requests: int, position: bool = False,
                      opening: tuple[UserRef, int] | None = None) -> Enqueued:
        def unit(conn: SqlConn) -> Enqueued:
            if opening is not None:
                job.account_id = _open_account(conn, *opening)
            old = _by_event(conn, job.event_key)
            if old is not None:
                return Enqueued(old, created=False)
            # The wallet's row is the lock that makes the limit hold across processes.
            conn.execute(
                f"SELECT id FROM accounts WHERE id = ?{conn.dialect.for_update}", (job.account_id,)
            )
            open_requests = conn.execute(
                f"SELECT COUNT(DISTINCT request_key) FROM jobs WHERE account_id = ? "
                f"AND status IN {_OPEN} AND request_key != ?",
                (job.account_id, job.request_key),
            ).fetchone()[0]
            if open_requests >= max_open_requests:
                raise TooManyJobs(
                    f"You already have {max_open_requests} images in progress. "
                    "Wait for one to finish, then try again.", key="too-many-jobs",
                    count=max_open_requests)
            try:
                balance = _apply(conn, job.account_id, -job.cost, "generation", job.hold_key, job.id)
            except InsufficientCredits as exc:
                job.status, job.error, job.finished_at = FAILED, "insufficient credits", job.created_at
                _insert(conn, job)  # the event is counted: a redelivery is a duplicate
                return Enqueued(job, created=True, short_of=exc.balance)
            conn.execute(
                "INSERT INTO holds (key, account_id, amount, status, reference, created_at, "
                "updated_at) VALUES (?, ?, ?, 'held', ?, ?, ?)",
                (job.hold_key, job.account_id, job.cost, job.id, job.created_at, job.created_at),
            )
            job.status = QUEUED
            _insert(conn, job)
            place = _position(conn, job) if position else None
            return Enqueued(job, created=True, balance=balance, position=place)

        return await self.db.run(unit)

    async def claim(
        self,
        worker: str,
        now: float,
        lease: float,
        limit: int,
        platforms: Sequence[str] | None,
        queued: bool = True,
    ) -> list[Job]:
        """Lapsed leases first (a NULL lease is a job from before the queue existed), then,
        with `queued`, the oldest queued jobs. `platforms` None: any platform."""
        if limit <= 0 or platforms == []:
            return []
        where, args = ("", ()) if platforms is None else (
            f" AND platform IN ({', '.join('?' * len(platforms))})", tuple(platforms))

        def unit(conn: SqlConn) -> list[Job]:
            lock = conn.dialect.skip_locked
            ids = [
                r[0]
                for r in conn.execute(
                    # Never our own: a lease of ours that lapsed (a stalled loop) is still
                    # a job this worker is running.
                    "SELECT id FROM jobs WHERE status = 'running' "
                    "AND (lease_until IS NULL OR lease_until < ?) "
                    f"AND (claimed_by IS NULL OR claimed_by != ?){where} "
                    f"ORDER BY created_at LIMIT ?{lock}",
                    (now, worker, *args, limit),
                ).fetchall()
            ]
            if queued and len(ids) < limit:
                ids += [
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM jobs WHERE status = 'queued'{where} "
                        f"ORDER BY created_at, id LIMIT ?{lock}",
                        (*args, limit - len(ids)),
                    ).fetchall()
                ]
            claimed = []
            for job_id in ids:
                row = conn.execute(
                    f"UPDATE jobs SET status = 'running', claimed_by = ?, lease_until = ? "
                    f"WHERE id = ? AND status IN {_OPEN} RETURNING {_COLUMNS}",
                    (worker, now + lease, job_id),
                ).fetchone()
                if row is not None:
                    claimed.append(_to_job(row))
            return claimed

        return await self.db.run(unit)

    async def set_deadline(self, job_id: str, worker: str, deadline: float) -> None:
        await self.db.run(
            lambda conn: conn.execute(
                "UPDATE jobs SET deadline_at = ? WHERE id = ? AND claimed_by = ? "
                "AND deadline_at IS NULL",
                (deadline, job_id, worker),
            )
        )

    async def renew(self, worker: str, until: float) -> int:
        def unit(conn: SqlConn) -> int:
            return conn.execute(
                "UPDATE jobs SET lease_until = ? WHERE claimed_by = ? AND status = 'running'",
                (until, worker),
            ).rowcount

        return await self.db.run(unit)

    async def mark_called(self, job_id: str, worker: str, at: float) -> None:
        await self.db.run(
            lambda conn: conn.execute(
                "UPDATE jobs SET called_at = COALESCE(called_at, ?) WHERE id = ? AND claimed_by = ?",
                (at, job_id, worker),
            )
        )

    async def finish(
        self, job: Job, worker: str | None, status: str, error: str | None, now: float
    ) -> bool:
        def unit(conn: SqlConn) -> bool:
            owner = "" if worker is None else " AND claimed_by = ?"
            args: tuple[Any, ...] = (status, error, now, job.id) + (() if worker is None else (worker,))
            changed = conn.execute(
                f"UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_until = NULL "
                f"WHERE id = ? AND status IN {_OPEN}{owner}",
                args,
            ).rowcount
            if changed:
                _settle_or_refund(conn, job, status == SUCCEEDED, now)
            return bool(changed)

        done = await self.db.run(unit)
        if done:
            job.status, job.error, job.finished_at = status, error, now
        return done

    async def cancel_queued(self, job: Job, error: str, now: float) -> bool:
        """Cancel a job nobody has claimed yet, refunding it. False if it was claimed."""

        def unit(conn: SqlConn) -> bool:
            changed = conn.execute(
                "UPDATE jobs SET status = 'cancelled', error = ?, finished_at = ? "
                "WHERE id = ? AND status = 'queued'",
                (error, now, job.id),
            ).rowcount
            if changed:
                _settle_or_refund(conn, job, False, now)
            return bool(changed)

        return await self.db.run(unit)

    async def hand_back(self, job_id: str, worker: str) -> bool:
        def unit(conn: SqlConn) -> bool:
            return bool(
                conn.execute(
                    "UPDATE jobs SET status = 'queued', claimed_by = NULL, lease_until = NULL "
                    "WHERE id = ? AND claimed_by = ? AND status = 'running'",
                    (job_id, worker),
                ).rowcount
            )

        return await self.db.run(unit)

    async def positions(self, limit: int) -> list[str]:
        def unit(conn: SqlConn) -> list[str]:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT ?",
                (limit,),
            ).fetchall()
            return [r[0] for r in rows]

        return await self.db.run(unit)

    async def queue_depth(self) -> int:
        """Jobs queued and not claimed yet, across the fleet (for the metrics)."""

        def unit(conn: SqlConn) -> int:
            return int(conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'"
                                    ).fetchone()[0])

        return await self.db.run(unit)

    async def position_of(self, job: Job) -> int:
        return await self.db.run(lambda conn: _position(conn, job))

    async def get_job(self, job_id: str) -> Job | None:
        def unit(conn: SqlConn) -> Job | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return _to_job(row) if row else None

        return await self.db.run(unit)

    async def claim_states(self, job_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        ids = list(job_ids)

        def unit(conn: SqlConn) -> dict[str, tuple[str, str | None]]:
            out: dict[str, tuple[str, str | None]] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                for job_id, status, claimed_by in conn.execute(
                    f"SELECT id, status, claimed_by FROM jobs WHERE id IN ({marks})", chunk
                ).fetchall():
                    out[job_id] = (status, claimed_by)
            return out

        return await self.db.run(unit)

    async def get_jobs(self, job_ids: Sequence[str]) -> list[Job]:
        ids = list(job_ids)

        def unit(conn: SqlConn) -> list[Job]:
            out: list[Job] = []
            for start in range(0, len(ids), 500):  # SQLite's variable limit is far above
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM jobs WHERE id IN ({marks})", chunk
                ).fetchall()
                out += [_to_job(r) for r in rows]
            return out

        return await self.db.run(unit)

    async def update_job(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update job fields {sorted(unknown)}")
        values = [json.dumps(dict(v)) if k in _JSON_FIELDS else v for k, v in fields.items()]
        assignments = ", ".join(f"{k} = ?" for k in fields)

        def unit(conn: SqlConn) -> None:
            conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*values, job_id))

        await self.db.run(unit)

    async def unfinished_jobs(self) -> list[Job]:
        def unit(conn: SqlConn) -> list[Job]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE status IN {_OPEN}"
            ).fetchall()
            return [_to_job(r) for r in rows]

        return await self.db.run(unit)

    async def job_images(self, job_id: str) -> list[InputImage]:
        def unit(conn: SqlConn) -> list[InputImage]:
            rows = conn.execute(
                "SELECT i.digest, i.data, i.mime, i.width, i.height FROM job_images j "
                "JOIN images i ON i.digest = j.digest WHERE j.job_id = ? ORDER BY j.position",
                (job_id,),
            ).fetchall()
            return [_to_image(r) for r in rows]

        return await self.db.run(unit)

    async def save_output(self, job_id: str, image: InputImage) -> None:
        def unit(conn: SqlConn) -> None:
            _put_image(conn, image, time.time())
            conn.execute("UPDATE jobs SET output_digest = ? WHERE id = ?", (image.digest, job_id))

        await self.db.run(unit)

    async def get_image(self, digest: str) -> InputImage | None:
        def unit(conn: SqlConn) -> InputImage | None:
            row = conn.execute(
                "SELECT digest, data, mime, width, height FROM images WHERE digest = ?",
                (digest,),
            ).fetchone()
            return _to_image(row) if row else None

        return await self.db.run(unit)
