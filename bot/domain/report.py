"""What `imagine-bot report` reads from storage: per-day totals, no SQL here.

Days are UTC calendar days, numbered from the Unix epoch (day 0 = 1970-01-01).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ImageCount:
    day: int
    model_id: str
    provider: str  # the route that made them ("" for jobs from before routes were recorded)
    images: int


@dataclass(frozen=True)
class ModelCredits:
    day: int
    model_id: str
    credits: int  # positive: charged (reason "generation") or refunded (reason "refund")


@dataclass(frozen=True)
class ReasonCredits:
    day: int
    reason: str  # a ledger reason: welcome, daily, grant, take, giveaway..., purchase
    credits: int  # the sum of its deltas (signed)


@dataclass
class UsageTotals:
    images: list[ImageCount] = field(default_factory=list)
    charged: list[ModelCredits] = field(default_factory=list)
    refunded: list[ModelCredits] = field(default_factory=list)
    by_reason: list[ReasonCredits] = field(default_factory=list)


class UsageSource(Protocol):
    async def usage_since(self, since: float) -> UsageTotals:
        """Everything from `since` (Unix seconds) on, summed per UTC day."""
        ...
