"""The vendor safety fields per level, from data/models.toml, as each vendor fake received
them: for every route of the catalog and every level. Routes with no knob are marked
vendor-fixed and send no safety field; no level below mature is looser than the vendor's
default."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.domain.catalog import Catalog, load_catalog
from bot.domain.providers import Route
from tests.adapters.conftest import SPEC
from tests.conftest import DATA

CATALOG: Catalog = load_catalog(DATA / "models.toml")
ROUTES = [(m.id, r) for m in CATALOG for r in m.routes]
LEVELS = ("strict", "standard", "mature")
SAFETY_KEYS = {"safety_tolerance", "enable_safety_checker", "disable_safety_checker",
               "safetySettings", "safety_filter_level"}
# The vendor's own default for the knob (what a request without it gets): research in
# ../shared/safety.md. A smaller tolerance is stricter.
DEFAULT_TOLERANCE = {("bfl", "flux-2"): 2, ("fal", "fal-ai/flux-2"): 2,
                     ("replicate", "black-forest-labs/flux-2"): 2, ("fal", "fal-ai/nano-banana"): 4}


def sent_fields(vendor: str, body: Any) -> dict[str, Any]:
    """Where each vendor takes request fields."""
    if vendor == "replicate":
        return dict(body["input"])
    return dict(body)


def route_id(item: tuple[str, Route]) -> str:
    return f"{item[0]}:{item[1].provider}"


def test_every_route_declares_its_safety_fields_or_is_vendor_fixed():
    for model_id, route in ROUTES:
        assert route.vendor_fixed or set(route.safety) == set(LEVELS), (model_id, route)
        assert not (route.vendor_fixed and route.safety)


@pytest.mark.parametrize("item", ROUTES, ids=[route_id(i) for i in ROUTES])
def test_no_level_below_mature_is_looser_than_the_vendor_default(item):
    _, route = item
    default = next((v for (p, prefix), v in DEFAULT_TOLERANCE.items()
                    if route.provider == p and route.model.startswith(prefix)), None)
    for level in ("strict", "standard"):
        fields = route.safety_fields(level)
        if "safety_tolerance" in fields:
            assert default is not None, f"no known default for {route}"
            assert int(fields["safety_tolerance"]) <= default, (route, level)
        assert fields.get("enable_safety_checker", True) is True
        assert fields.get("disable_safety_checker", False) is False
        for setting in fields.get("safetySettings", []):
            assert setting["threshold"] in ("BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE")
    strict, standard = (int(route.safety_fields(lv).get("safety_tolerance", 0))
                        for lv in ("strict", "standard"))
    assert strict <= standard


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("item", ROUTES, ids=[route_id(i) for i in ROUTES])
async def test_the_vendor_receives_the_fields_of_the_level(make, fake, recorder, item, level):
    model_id, route = item
    spec = dataclasses.replace(SPEC, model_id=model_id, safety_level=level)
    await make(route.provider).generate(route, spec, recorder)
    submit = fake.submits(route.provider)[-1]
    fields = sent_fields(route.provider, submit.body)
    expected = dict(route.safety_fields(level))
    assert {k: fields[k] for k in fields if k in SAFETY_KEYS} == expected
    if route.vendor_fixed:
        assert not SAFETY_KEYS & set(fields)
