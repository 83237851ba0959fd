"""Every model in data/models.toml, on every route it lists, produces an image through the
real adapter against the fake vendors (the catalog and the adapters agree)."""

from __future__ import annotations

import pytest

from bot.domain.catalog import load_catalog
from bot.domain.providers import ImageSpec
from tests.adapters.provider_fakes import KEY
from tests.conftest import DATA

CATALOG = load_catalog(DATA / "models.toml")
ROUTES = [(m, r) for m in CATALOG for r in m.routes]


@pytest.mark.parametrize("model, route", ROUTES, ids=[f"{m.id}@{r.provider}" for m, r in ROUTES])
async def test_model_runs_on_route(model, route, make, fake, recorder):
    spec = ImageSpec("a lighthouse at dusk", "16:9", 11, model.id, model.name)
    image = await make(route.provider).generate(route, spec, recorder)
    assert (image.provider, image.provider_model) == (route.provider, route.model)
    assert image.data and image.width > 0 and image.height > 0
    submit = fake.submits(route.provider)[0]
    assert route.model in submit.url or submit.body.get("model") == route.model
    assert "a lighthouse at dusk" in str(submit.body)
    assert all(KEY not in seen.url for seen in fake.seen)
