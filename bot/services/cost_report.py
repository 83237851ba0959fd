"""`imagine-bot report`: what people spent and what the vendors charged, per day and model.

Per UTC day and model: images made, credits charged, credits refunded, and the estimated
vendor cost (images times the `usd_per_image` of the route that made them, from
data/models.toml). Per day: credits given away (welcome, /daily, giveaways, admin grants net
of takes) versus bought (ledger reason "purchase"). A giveaway counts as what it created:
the bot's prizes; a host's own prize moves credits between people (hold, payouts and the
returned rest sum to zero).
"""

from __future__ import annotations

import csv
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.catalog import Catalog
from bot.domain.errors import RequestError
from bot.domain.report import UsageTotals

_SINCE = re.compile(r"^(\d{1,4})([dw])$")
_EPOCH = date(1970, 1, 1)
GIVEN_REASONS = {
    "welcome": "welcome",
    "daily": "daily",
    "giveaway": "giveaways",
    "giveaway hold": "giveaways",
    "giveaway refund": "giveaways",
    "grant": "grants",
    "take": "grants",
}


def parse_since(text: str, now: float | None = None) -> float:
    """`7d`, `2w` or a date `2026-11-01` (UTC) -> the first second counted. The whole first
    day counts: `7d` is today and the six days before."""
    text = text.strip().lower()
    today = datetime.fromtimestamp(time.time() if now is None else now, UTC).date()
    match = _SINCE.match(text)
    if match:
        count = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        if count < 1:
            raise RequestError("--since needs at least 1 day, e.g. 7d.")
        first = today - timedelta(days=count - 1)
    else:
        try:
            first = date.fromisoformat(text)
        except ValueError:
            raise RequestError(
                f"--since {text[:20]!r} is not a period: use days or weeks like 7d or 2w, "
                "or a date like 2026-11-01."
            ) from None
        if first > today:
            raise RequestError(f"--since {text} is in the future.")
    return float((first - _EPOCH).days * 86400)


@dataclass(frozen=True)
class ModelDay:
    day: date
    model_id: str
    images: int
    credits_charged: int
    credits_refunded: int
    vendor_usd: float
    unpriced_images: int  # made on a route with no usd_per_image (or no longer listed)


@dataclass(frozen=True)
class CreditsDay:
    day: date
    welcome: int
    daily: int
    giveaways: int
    grants: int
    bought: int

    @property
    def given(self) -> int:
        return self.welcome + self.daily + self.giveaways + self.grants


@dataclass(frozen=True)
class Report:
    since: date
    models: list[ModelDay]
    credits: list[CreditsDay]

    @property
    def days(self) -> list[date]:
        return sorted({r.day for r in self.models} | {r.day for r in self.credits})


def _date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def build_report(totals: UsageTotals, catalog: Catalog, since: float) -> Report:
    keys: set[tuple[int, str]] = set()
    images: dict[tuple[int, str], int] = defaultdict(int)
    usd: dict[tuple[int, str], float] = defaultdict(float)
    unpriced: dict[tuple[int, str], int] = defaultdict(int)
    for row in totals.images:
        key = (row.day, row.model_id)
        keys.add(key)
        images[key] += row.images
        price = catalog.usd_per_image(row.model_id, row.provider)
        if price is None:
            unpriced[key] += row.images
        else:
            usd[key] += price * row.images
    charged = {(r.day, r.model_id): r.credits for r in totals.charged}
    refunded = {(r.day, r.model_id): r.credits for r in totals.refunded}
    keys |= set(charged) | set(refunded)
    models = [
        ModelDay(_date(d), m, images[(d, m)], charged.get((d, m), 0), refunded.get((d, m), 0),
                 round(usd[(d, m)], 6), unpriced[(d, m)])
        for d, m in sorted(keys)
    ]
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for given in totals.by_reason:
        column = "bought" if given.reason == "purchase" else GIVEN_REASONS.get(given.reason)
        if column:
            sums[given.day][column] += given.credits
    credits = [CreditsDay(_date(d), **{c: s[c] for c in
                                        ("welcome", "daily", "giveaways", "grants", "bought")})
               for d, s in sorted(sums.items())]
    return Report(_date(int(since // 86400)), models, credits)


def render_text(report: Report) -> str:
    lines = [f"Usage since {report.since.isoformat()} (UTC days)", ""]
    head = f"{'day':<10}  {'model':<16} {'images':>6} {'charged':>8} {'refunded':>8} {'vendor USD':>10}"
    lines += [head, "-" * len(head)]
    for r in report.models:
        usd = f"{r.vendor_usd:.2f}" + ("*" if r.unpriced_images else "")
        lines.append(f"{r.day.isoformat():<10}  {r.model_id:<16} {r.images:>6} "
                     f"{r.credits_charged:>8} {r.credits_refunded:>8} {usd:>10}")
    if not report.models:
        lines.append("(no images in this period)")
    total_usd = sum(r.vendor_usd for r in report.models)
    lines.append(f"{'total':<10}  {'':<16} {sum(r.images for r in report.models):>6} "
                 f"{sum(r.credits_charged for r in report.models):>8} "
                 f"{sum(r.credits_refunded for r in report.models):>8} {total_usd:>10.2f}")
    if any(r.unpriced_images for r in report.models):
        lines.append("* some images came from a route without usd_per_image in models.toml")
    lines += ["", "Credits given away versus bought"]
    head = (f"{'day':<10}  {'welcome':>7} {'daily':>6} {'giveaways':>9} {'grants':>6} "
            f"{'given':>6} {'bought':>6}")
    lines += [head, "-" * len(head)]
    for c in report.credits:
        lines.append(f"{c.day.isoformat():<10}  {c.welcome:>7} {c.daily:>6} {c.giveaways:>9} "
                     f"{c.grants:>6} {c.given:>6} {c.bought:>6}")
    if not report.credits:
        lines.append("(none in this period)")
    return "\n".join(lines)


CSV_COLUMNS = ("day", "model", "images", "credits_charged", "credits_refunded", "vendor_usd",
               "unpriced_images", "credits_given", "credits_bought")


def csv_rows(report: Report) -> Iterable[list[str]]:
    """One row per day and model; a day's given/bought credits on its rows with model "*"."""
    yield list(CSV_COLUMNS)
    for r in report.models:
        yield [r.day.isoformat(), r.model_id, str(r.images), str(r.credits_charged),
               str(r.credits_refunded), f"{r.vendor_usd:.6f}", str(r.unpriced_images), "", ""]
    for c in report.credits:
        yield [c.day.isoformat(), "*", "", "", "", "", "", str(c.given), str(c.bought)]


def write_csv(report: Report, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(csv_rows(report))
