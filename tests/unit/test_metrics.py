"""The metrics facade: what each job outcome and ledger row moves, on both engines, and that
no label value ever carries a person or a prompt."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from adapters.storage.ledger import SqlLedger
from bot.domain.credits import UserRef
from bot.domain.errors import GenerationFailed
from bot.domain.providers import ProviderRejected, ProviderUnavailable
from bot.domain.requests import parse_imagine
from bot.services import metrics
from tests.unit.scripted import Scripted

USER_ID = "987654321"
NAME = "Zelda Quux"
PROMPT = "a purple walrus reading tax forms"
PERSON = UserRef("telegram", USER_ID, NAME)


def value(name: str, **labels: str) -> float:
    """Sum of the samples named `name` whose labels include `labels` (0 if none yet)."""
    total = 0.0
    for family in REGISTRY.collect():
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def all_label_values() -> set[str]:
    return {v for family in REGISTRY.collect() for s in family.samples for v in s.labels.values()}


def req(service, text: str):
    return parse_imagine(text, service.catalog, service.planner.intents)


async def run(service, text: str, key: str) -> None:
    try:
        await service.generate(req(service, text), PERSON, key)
    except GenerationFailed:
        pass


async def test_each_job_outcome_is_counted_once_with_its_model_and_route(make_service):
    provider = Scripted("bfl", "ok", ProviderRejected("flagged"), ProviderUnavailable("503"),
                        ("sleep", 5))
    service = make_service({"bfl": provider}, timeout=0.5, max_jobs=1)
    job = {"model": "flux-pro", "route": "bfl"}
    before = {o: value("imagine_jobs_total", **job, outcome=o) for o in metrics.JOB_OUTCOMES}
    spent = value("imagine_credits_total", flow="spent", reason="generation")
    refunded = value("imagine_credits_total", flow="refunded", reason="refund")
    seconds = value("imagine_generation_seconds_count", **job)
    errors = {k: value("imagine_provider_errors_total", vendor="bfl", kind=k)
              for k in ("rejected", "unavailable")}
    for i in range(4):
        await run(service, f"{PROMPT} --model flux-pro", f"event-{i}")
    moved = {o: value("imagine_jobs_total", **job, outcome=o) - before[o]
             for o in metrics.JOB_OUTCOMES}
    assert moved == {"succeeded": 1, "refused": 1, "unavailable": 1, "timed_out": 1,
                     "cancelled": 0, "failed": 0, "refunded": 0}
    assert value("imagine_credits_total", flow="spent", reason="generation") - spent == 4 * 5
    assert value("imagine_credits_total", flow="refunded", reason="refund") - refunded == 3 * 5
    assert value("imagine_generation_seconds_count", **job) - seconds == 1  # only the image
    assert {k: value("imagine_provider_errors_total", vendor="bfl", kind=k) - errors[k]
            for k in errors} == {"rejected": 1, "unavailable": 1}
    # Nothing of the person or the prompt made it into a label.
    words = {USER_ID, NAME.lower(), "zelda", "walrus", "purple", "telegram:987654321"}
    assert not {v for v in all_label_values() if any(w in v.lower() for w in words)}


async def test_a_repeated_ledger_key_counts_its_credits_once(db):
    ledger = SqlLedger(db)
    account = await ledger.open_account(UserRef("test", "metrics-once"), 0)
    before = value("imagine_credits_total", flow="granted", reason="grant")
    assert await ledger.credit(account, 7, "grant", "grant:metrics-once")
    assert not await ledger.credit(account, 7, "grant", "grant:metrics-once")  # rolled back
    assert value("imagine_credits_total", flow="granted", reason="grant") - before == 7


async def test_a_unit_rolled_back_after_its_ledger_row_counts_nothing(db):
    from adapters.storage.ledger import _apply

    ledger = SqlLedger(db)
    account = await ledger.open_account(UserRef("test", "metrics-rollback"), 0)
    before = value("imagine_credits_total", flow="granted", reason="daily")

    def unit(conn):
        _apply(conn, account, 10, "daily", "daily:rolled-back", "")
        raise RuntimeError("something later in the unit failed")

    with pytest.raises(RuntimeError):
        await db.run(unit)
    assert await ledger.balance(account) == 0
    assert value("imagine_credits_total", flow="granted", reason="daily") == before


def test_label_values_are_names_from_bounded_sets_whatever_the_caller_passes():
    before = value("imagine_requests_total", platform="telegram", command="unknown")
    metrics.request("telegram", PROMPT)
    metrics.request("telegram", USER_ID)
    metrics.request("telegram", "x" * 200)
    assert value("imagine_requests_total", platform="telegram", command="unknown") - before == 3
    metrics.request("somewhere:" + USER_ID, "help")
    assert value("imagine_requests_total", platform="other", command="help") >= 1
    metrics.credits_moved("gift from " + NAME, 3)  # a reason the table does not know
    assert value("imagine_credits_total", flow="other", reason="other") >= 3
    metrics.api_error("discord", "oops " + USER_ID)
    assert value("imagine_platform_api_errors_total", platform="discord", kind="other") >= 1
    assert not {v for v in all_label_values()
                if USER_ID in v or "walrus" in v or "zelda" in v.lower()}


def test_transfers_count_their_credits_once_and_takes_as_removed():
    moved = value("imagine_credits_total", flow="moved", reason="transfer")
    metrics.credits_moved("transfer", -4)
    metrics.credits_moved("transfer", 4)
    assert value("imagine_credits_total", flow="moved", reason="transfer") - moved == 4
    removed = value("imagine_credits_total", flow="removed", reason="take")
    metrics.credits_moved("take", -2)
    assert value("imagine_credits_total", flow="removed", reason="take") - removed == 2
    bought = value("imagine_credits_total", flow="bought", reason="purchase")
    metrics.credits_moved("purchase", 100)
    assert value("imagine_credits_total", flow="bought", reason="purchase") - bought == 100


def test_generation_buckets_reach_several_minutes():
    assert max(metrics.GENERATION_BUCKETS) >= 300
    assert metrics.http_status_kind(429) == "rate_limited"
    assert metrics.http_status_kind(502) == "server_error"
