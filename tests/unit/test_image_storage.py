"""Pictures stored by content with their jobs, on SQLite and PostgreSQL: one row per
picture however often it is used, a job's pictures back in order, after a reopen too."""

import hashlib
import io
import time

from PIL import Image

from adapters.storage.database import open_database
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from bot.domain.credits import UserRef
from bot.domain.jobs import EDIT, GENERATE, Job
from bot.domain.providers import InputImage
from bot.services.image_intake import normalise

ANA = UserRef("telegram", "20", "Ana")


def picture(colour: tuple[int, int, int], size: tuple[int, int] = (32, 24)) -> InputImage:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return normalise(out.getvalue())


def a_job(account: int, job_id: str, images: tuple[InputImage, ...] = (), kind: str = EDIT,
          parent: str | None = None) -> Job:
    return Job(id=job_id, account_id=account, platform="telegram", user_id="20",
               prompt="make the sky purple", model_id="flux-pro", intent="general",
               reason="r", aspect="1:1", seed=1, cost=5, event_key=f"ev-{job_id}",
               created_at=time.time(), request_key=f"ev-{job_id}", kind=kind,
               parent_id=parent, images=images)


async def test_a_picture_used_twice_is_stored_once(db):
    jobs, ledger = SqlJobStore(db), SqlLedger(db)
    account = await ledger.open_account(ANA, 50)
    red = picture((255, 0, 0))
    await jobs.enqueue(a_job(account, "job0000001", (red,)), 5)
    await jobs.enqueue(a_job(account, "job0000002", (red,)), 5)
    count = await db.run(lambda c: c.execute("SELECT COUNT(*) FROM images").fetchone()[0])
    assert count == 1
    assert [i.digest for i in await jobs.job_images("job0000002")] == [red.digest]


async def test_a_jobs_pictures_come_back_in_order_with_their_bytes(db):
    jobs, ledger = SqlJobStore(db), SqlLedger(db)
    account = await ledger.open_account(ANA, 50)
    given = (picture((0, 0, 255)), picture((255, 0, 0)), picture((0, 255, 0), (16, 16)))
    await jobs.enqueue(a_job(account, "job0000003", given), 5)
    back = await jobs.job_images("job0000003")
    assert back == list(given)
    assert hashlib.sha256(back[2].data).hexdigest() == back[2].digest
    job = await jobs.get_job("job0000003")
    assert job is not None and job.kind == EDIT and job.images == ()


async def test_a_refused_charge_still_keeps_the_job_counted_but_no_money_moves(db):
    jobs, ledger = SqlJobStore(db), SqlLedger(db)
    account = await ledger.open_account(ANA, 2)
    queued = await jobs.enqueue(a_job(account, "job0000004", (picture((9, 9, 9)),)), 5)
    assert queued.short_of == 2 and await ledger.balance(account) == 2


async def test_an_output_is_stored_and_linked_and_a_plain_job_is_a_generate(db):
    jobs, ledger = SqlJobStore(db), SqlLedger(db)
    account = await ledger.open_account(ANA, 50)
    await jobs.enqueue(a_job(account, "job0000005", kind=GENERATE), 5)
    made = picture((1, 2, 3))
    await jobs.save_output("job0000005", made)
    job = await jobs.get_job("job0000005")
    assert job is not None and job.kind == GENERATE and job.output_digest == made.digest
    assert await jobs.get_image(made.digest) == made
    assert await jobs.get_image("0" * 64) is None
    assert await jobs.job_images("job0000005") == []


async def test_pictures_and_links_survive_a_reopen(db_url):
    first = await open_database(db_url)
    jobs, ledger = SqlJobStore(first), SqlLedger(first)
    account = await ledger.open_account(ANA, 50)
    given = (picture((10, 20, 30)), picture((30, 20, 10)))
    await jobs.enqueue(a_job(account, "job0000006", given, parent="job0000005"), 5)
    await first.close()
    again = await open_database(db_url)
    try:
        store = SqlJobStore(again)
        assert await store.job_images("job0000006") == list(given)
        job = await store.get_job("job0000006")
        assert job is not None and job.parent_id == "job0000005" and job.kind == EDIT
    finally:
        await again.close()
