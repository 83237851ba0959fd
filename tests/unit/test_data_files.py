"""The operator-editable data files load and every cross-reference holds."""

from bot.domain.catalog import Catalog
from bot.domain.intents import IntentTable
from tests.conftest import DATA

PRODUCT_PRICES = {
    "flux-2-klein": 1,
    "bitdance": 4,
    "flux-pro": 5,
    "seedream-5": 5,
    "grok-imagine": 7,
    "nano-banana-2": 8,
    "recraft-v4-pro": 8,
    "nano-banana-pro": 15,
}
PRODUCT_DEFAULTS = {
    "fast": "flux-2-klein",
    "photo": "bitdance",
    "general": "flux-pro",
    "text": "nano-banana-2",
    "design": "recraft-v4-pro",
    "creative": "grok-imagine",
    "hero": "nano-banana-pro",
}
KNOWN_PROVIDERS = {"fal", "bfl", "gemini", "xai", "ark", "recraft", "replicate"}


def test_catalog_has_the_eight_models_at_their_prices(catalog: Catalog):
    assert {m.id: m.credits for m in catalog} == PRODUCT_PRICES


def test_every_model_has_routes_on_known_providers_and_ratios(catalog: Catalog):
    for model in catalog:
        assert model.routes, model.id
        assert {r.provider for r in model.routes} <= KNOWN_PROVIDERS, model.id
        assert "1:1" in model.aspect_ratios, model.id
        for ratio in model.aspect_ratios:
            w, h = ratio.split(":")
            assert int(w) > 0 and int(h) > 0


def test_intents_reference_real_models(catalog: Catalog, intents: IntentTable):
    ids = {m.id for m in catalog}
    assert {i.id: i.default_model for i in intents} == PRODUCT_DEFAULTS
    for intent in intents:
        assert intent.phrase and intent.why
        assert set(intent.compare) <= ids, intent.id
        assert len(intent.compare) >= 3, intent.id
    assert intents.fallback.id == "general"


def test_model_names_match_by_id_or_name_ignoring_case(catalog: Catalog):
    assert catalog.find("flux pro").id == "flux-pro"
    assert catalog.find("Flux-Pro").id == "flux-pro"
    assert catalog.find("NANO BANANA PRO").id == "nano-banana-pro"
    assert catalog.find("seedream 5.0").id == "seedream-5"
    assert catalog.find("nope") is None


def test_every_route_carries_a_vendor_price_in_usd(catalog: Catalog):
    for model in catalog:
        for route in model.routes:
            assert route.usd_per_image is not None, (model.id, route.provider)
            assert 0 < route.usd_per_image < 1, (model.id, route.provider)
            assert catalog.usd_per_image(model.id, route.provider) == route.usd_per_image
        assert catalog.usd_per_image(model.id, "demo") == 0.0  # the offline renderer is free
    assert catalog.usd_per_image("flux-2-klein", "bfl") == 0.014
    assert catalog.usd_per_image("retired-model", "fal") is None


def test_a_bad_vendor_price_is_refused_with_the_route_named(tmp_path):
    import pytest

    from bot.domain.catalog import load_catalog

    text = (DATA / "models.toml").read_text(encoding="utf-8")
    for bad in ("-0.5", '"cheap"', "true", "1000"):
        path = tmp_path / "models.toml"
        path.write_text(text.replace("usd_per_image = 0.01,", f"usd_per_image = {bad},", 1))
        with pytest.raises(ValueError, match="'bitdance', route 'fal': usd_per_image must be"):
            load_catalog(path)
