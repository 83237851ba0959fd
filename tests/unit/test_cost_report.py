"""`imagine-bot report`: the figures against a database with known rows (both engines), the
CSV, the PNG, and bad --since values."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image

from adapters.storage.database import Database, open_database
from adapters.storage.report import SqlUsage
from adapters.storage.sql import SqlConn
from bot.domain.catalog import Catalog
from bot.domain.errors import RequestError
from bot.domain.report import ImageCount, ModelCredits, ReasonCredits, UsageTotals
from bot.services.cost_chart import HEIGHT_PX, WIDTH_PX, write_png
from bot.services.cost_report import (
    CreditsDay,
    ModelDay,
    build_report,
    parse_since,
    render_text,
    write_csv,
)
from tests.conftest import ROOT


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


DAY_A, DAY_B, DAY_C = date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)
A, B_LAST, C_FIRST = ts("2026-11-19T10:00:00"), ts("2026-11-20T23:59:59"), ts("2026-11-21T00:00:00")
BEFORE = ts("2026-11-10T08:00:00")
# (job id, model, provider, status, cost, created_at); each is charged, failed ones refunded.
JOBS = [
    ("a1", "flux-pro", "bfl", "succeeded", 5, A),
    ("a2", "flux-pro", "fal", "succeeded", 5, A),
    ("a3", "nano-banana-pro", "gemini", "failed", 15, A),
    ("a4", "nano-banana-2", "demo", "succeeded", 8, A),
    ("b1", "nano-banana-pro", "gemini", "succeeded", 15, B_LAST),
    ("b2", "flux-pro", None, "succeeded", 5, B_LAST),  # from before routes were recorded
    ("c1", "grok-imagine", "xai", "succeeded", 7, C_FIRST),
    ("old", "flux-pro", "bfl", "succeeded", 5, BEFORE),
]
# (reason, delta, reference, created_at)
OTHER_LEDGER = [
    ("refund", 15, "a3", A),
    ("refund", 15, "b1", B_LAST),  # made but not delivered: refunded after the fact
    ("welcome", 50, "", A),
    ("daily", 10, "", A),
    ("giveaway", 100, "g1", A),  # the bot's prize
    ("purchase", 200, "p1", A),
    ("giveaway hold", -60, "g2", B_LAST),  # a host's own prize: moves credits, creates none
    ("giveaway", 40, "g2", B_LAST),
    ("giveaway refund", 20, "g2", B_LAST),
    ("grant", 30, "", B_LAST),
    ("take", -10, "", B_LAST),
    ("generation", -3, "spend:bench1", A),  # a charge that is no job's: not a model's
    ("welcome", 50, "", BEFORE),
]


def seed(conn: SqlConn) -> None:
    conn.execute("INSERT INTO accounts (id, balance, created_at) VALUES (1, 1000, ?)", (BEFORE,))
    rows = [("generation", -cost, job, at) for job, _, _, _, cost, at in JOBS] + OTHER_LEDGER
    for n, (reason, delta, reference, at) in enumerate(rows):
        conn.execute(
            "INSERT INTO ledger (account_id, delta, balance_after, reason, reference, "
            "idempotency_key, created_at) VALUES (1, ?, 1000, ?, ?, ?, ?)",
            (delta, reason, reference, f"seed:{n}", at),
        )
    for job, model, provider, status, cost, at in JOBS:
        conn.execute(
            "INSERT INTO jobs (id, account_id, platform, user_id, prompt, model_id, intent, "
            "reason, aspect, seed, cost, event_key, status, provider, created_at, finished_at) "
            "VALUES (?, 1, 'telegram', '42', 'a fox', ?, 'general', 'why', '1:1', 1, ?, ?, ?, ?, ?, ?)",
            (job, model, cost, f"event:{job}", status, provider, at, at + 5),
        )


EXPECTED_MODELS = [
    ModelDay(DAY_A, "flux-pro", 2, 10, 0, 0.06, 0),
    ModelDay(DAY_A, "nano-banana-2", 1, 8, 0, 0.0, 0),  # the demo renderer costs nothing
    ModelDay(DAY_A, "nano-banana-pro", 0, 15, 15, 0.0, 0),
    ModelDay(DAY_B, "flux-pro", 1, 5, 0, 0.0, 1),
    ModelDay(DAY_B, "nano-banana-pro", 1, 15, 15, 0.134, 0),
    ModelDay(DAY_C, "grok-imagine", 1, 7, 0, 0.02, 0),
]
EXPECTED_CREDITS = [
    CreditsDay(DAY_A, welcome=50, daily=10, giveaways=100, grants=0, bought=200),
    CreditsDay(DAY_B, welcome=0, daily=0, giveaways=0, grants=20, bought=0),
]


async def test_the_report_sums_known_rows_per_utc_day_and_model(db: Database, catalog: Catalog):
    await db.run(seed)
    since = parse_since("2026-11-19", now=C_FIRST)
    report = build_report(await SqlUsage(db).usage_since(since), catalog, since)
    assert report.since == DAY_A
    assert report.models == EXPECTED_MODELS
    assert report.credits == EXPECTED_CREDITS
    assert [c.given for c in report.credits] == [160, 20]
    text = render_text(report)
    assert "2026-11-20  nano-banana-pro       1       15       15       0.13" in text
    assert "0.00*" in text and "without usd_per_image" in text  # b2 is not priced
    assert "2026-11-19       50     10       100      0    160    200" in text


async def test_rows_before_since_are_left_out(db: Database, catalog: Catalog):
    await db.run(seed)
    since = parse_since("2026-11-21", now=C_FIRST)
    report = build_report(await SqlUsage(db).usage_since(since), catalog, since)
    assert report.models == [EXPECTED_MODELS[-1]] and report.credits == []


def test_the_csv_has_one_row_per_day_and_model_and_the_credit_days(tmp_path, catalog):
    day = (DAY_A - date(1970, 1, 1)).days
    totals = UsageTotals(
        images=[ImageCount(day, "flux-pro", "bfl", 3)],
        charged=[ModelCredits(day, "flux-pro", 20)],
        refunded=[ModelCredits(day, "flux-pro", 5)],
        by_reason=[ReasonCredits(day, "welcome", 50), ReasonCredits(day, "purchase", 100)],
    )
    path = tmp_path / "usage.csv"
    write_csv(build_report(totals, catalog, day * 86400.0), path)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {"day": "2026-11-19", "model": "flux-pro", "images": "3", "credits_charged": "20",
         "credits_refunded": "5", "vendor_usd": "0.090000", "unpriced_images": "0",
         "credits_given": "", "credits_bought": ""},
        {"day": "2026-11-19", "model": "*", "images": "", "credits_charged": "",
         "credits_refunded": "", "vendor_usd": "", "unpriced_images": "",
         "credits_given": "50", "credits_bought": "100"},
    ]


def test_the_png_is_an_image_of_the_expected_size(tmp_path, catalog):
    report = build_report(UsageTotals(), catalog, ts("2026-11-19T00:00:00"))
    for name, r in (("empty.png", report), ("full.png", _full_report(catalog))):
        path = tmp_path / name
        write_png(r, path)
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
            assert len(image.getcolors(maxcolors=100_000) or []) > 2  # drawn, not blank


def _full_report(catalog):
    days = range(20400, 20430)
    return build_report(UsageTotals(
        images=[ImageCount(d, m, "fal", 1 + d % 3) for d in days for m in ("flux-pro", "bitdance")],
        charged=[ModelCredits(d, "flux-pro", 5 + d % 4) for d in days],
    ), catalog, 20400 * 86400.0)


@pytest.mark.parametrize(
    ("text", "first"),
    [("7d", date(2026, 11, 15)), ("1d", DAY_C), ("2w", date(2026, 11, 8)),
     (" 30D ", date(2026, 10, 23)), ("2026-11-01", date(2026, 11, 1))],
)
def test_since_takes_days_weeks_or_a_date(text, first):
    since = parse_since(text, now=ts("2026-11-21T15:30:00"))
    assert datetime.fromtimestamp(since, UTC).date() == first
    assert since % 86400 == 0  # whole days


@pytest.mark.parametrize(
    ("text", "says"),
    [("7x", "not a period"), ("0d", "at least 1 day"), ("-3d", "not a period"),
     ("2027-01-01", "in the future"), ("", "not a period"), ("2026-13-01", "not a period")],
)
def test_a_bad_since_is_refused_with_a_clear_message(text, says):
    with pytest.raises(RequestError, match=says):
        parse_since(text, now=ts("2026-11-21T15:30:00"))


def _cli(tmp_path: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database}
    return subprocess.run([sys.executable, "-m", "bot", "report", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


def test_the_command_refuses_a_bad_since_with_exit_2(tmp_path):
    out = _cli(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", "--since", "a week")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "report: --since 'a week' is not a period" in out.stderr
    assert not (tmp_path / "bot.db").exists()  # refused before anything was opened


async def test_the_command_prints_the_tables_and_writes_csv_and_png(tmp_path):
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    db = await open_database(database)
    await db.run(seed)
    await db.close()
    out = _cli(tmp_path, database, "--since", "2026-11-19", "--csv", "u.csv", "--png", "u.png")
    assert out.returncode == 0, out.stderr
    assert "Usage since 2026-11-19 (UTC days)" in out.stdout
    assert "2026-11-21  grok-imagine          1        7        0       0.02" in out.stdout
    assert "Credits given away versus bought" in out.stdout
    with (tmp_path / "u.csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(EXPECTED_MODELS) + len(EXPECTED_CREDITS)
    with Image.open(tmp_path / "u.png") as image:
        assert image.size == (WIDTH_PX, HEIGHT_PX)


async def test_jobs_run_by_the_service_are_reported_on_the_route_that_made_them(
    make_service, catalog: Catalog
):
    from bot.domain.credits import UserRef
    from bot.domain.errors import GenerationFailed
    from bot.domain.providers import ProviderRejected, ProviderUnavailable
    from bot.domain.requests import parse_imagine
    from tests.unit.scripted import Scripted

    bfl = Scripted("bfl", ProviderUnavailable("429"), ProviderRejected("moderated"))
    service = make_service({"bfl": bfl, "fal": Scripted("fal")})
    alice = UserRef("test", "alice", "Alice")

    def ask(text: str):
        return parse_imagine(text, service.catalog, service.planner.intents)

    made = await service.generate(ask("a fox --model flux-pro"), alice, "e1")  # fails over
    with pytest.raises(GenerationFailed):
        await service.generate(ask("a cat --model flux-pro"), alice, "e2")  # refused: refunded
    assert (await service.job(made.job.id)).provider == "fal"
    since = parse_since("2d")  # today and yesterday: a run across midnight still counts all
    report = build_report(await SqlUsage(service.ledger.db).usage_since(since), catalog, since)
    rows = report.models
    assert {r.model_id for r in rows} == {"flux-pro"}
    assert [sum(getattr(r, f) for r in rows) for f in
            ("images", "credits_charged", "credits_refunded", "unpriced_images")] == [1, 10, 5, 0]
    assert sum(r.vendor_usd for r in rows) == catalog.usd_per_image("flux-pro", "fal") == 0.03
    assert [sum(getattr(c, f) for c in report.credits) for f in
            ("welcome", "given", "bought")] == [50, 50, 0]
