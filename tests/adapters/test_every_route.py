"""Every model in data/models.toml, on every route it lists, produces an image through the
real adapter against the fake vendors (the catalog and the adapters agree); and every route
with an edit table runs an edit and both variations. The fakes check each request against
the vendor's own definition, so a route whose fields or ids the vendor does not know fails
here."""

from __future__ import annotations

import base64

import pytest

from bot.domain.catalog import load_catalog
from bot.domain.providers import VARY_INSTRUCTIONS, ImageSpec
from tests.adapters.conftest import images
from tests.adapters.provider_fakes import KEY
from tests.conftest import DATA

CATALOG = load_catalog(DATA / "models.toml")
ROUTES = [(m, r) for m in CATALOG for r in m.routes]
EDIT_ROUTES = [(m, r) for m, r in ROUTES if r.edit is not None]


@pytest.mark.parametrize("model, route", ROUTES, ids=[f"{m.id}@{r.provider}" for m, r in ROUTES])
async def test_model_runs_on_route(model, route, make, fake, recorder):
    spec = ImageSpec("a lighthouse at dusk", "16:9", 11, model.id, model.name)
    image = await make(route.provider).generate(route, spec, recorder)
    assert (image.provider, image.provider_model) == (route.provider, route.model)
    assert image.data and image.width > 0 and image.height > 0
    assert fake.violations == []
    submit = fake.submits(route.provider)[0]
    assert route.model in submit.url or submit.body.get("model") == route.model
    assert "a lighthouse at dusk" in str(submit.body)
    assert all(KEY not in seen.url for seen in fake.seen)


def sent_text(body) -> str:
    """The request as text (multipart form fields included), for finding the instruction."""
    return str(body[0]) if isinstance(body, tuple) else str(body)


@pytest.mark.parametrize("model, route", EDIT_ROUTES,
                         ids=[f"{m.id}@{r.provider}" for m, r in EDIT_ROUTES])
async def test_model_edits_on_route_with_the_exact_bytes(model, route, make, fake, recorder):
    # As many references as the route takes, up to three (image, image2, image3).
    given = images(min(3, route.edit.max_images))
    spec = ImageSpec("make the sky purple", "1:1", 12, model.id, model.name,
                     images=given, mode="edit")
    image = await make(route.provider).generate(route, spec, recorder)
    assert image.data and (image.provider, image.provider_model) == (route.provider,
                                                                      route.edit.model)
    assert fake.violations == []
    # The vendor received the normalised bytes, unchanged and in order.
    assert fake.received[route.provider] == [i.data for i in given]
    submit = fake.submits(route.provider)[0]
    assert route.edit.model in submit.url or route.edit.model in sent_text(submit.body)
    assert "make the sky purple" in sent_text(submit.body)
    assert all(KEY not in seen.url for seen in fake.seen)
    # Bytes travel in the body or to fal's storage, never as a URL query.
    encoded = base64.b64encode(given[0].data).decode()
    assert all(encoded not in seen.url for seen in fake.seen)


@pytest.mark.parametrize("mode", ["vary", "vary_strong"])
@pytest.mark.parametrize("model, route", EDIT_ROUTES,
                         ids=[f"{m.id}@{r.provider}" for m, r in EDIT_ROUTES])
async def test_model_varies_on_route(model, route, mode, make, fake, recorder):
    given = images(1)
    spec = ImageSpec("", "1:1", 99, model.id, model.name, images=given, mode=mode)
    await make(route.provider).generate(route, spec, recorder)
    assert fake.violations == []
    assert fake.received[route.provider] == [given[0].data]
    assert VARY_INSTRUCTIONS[mode] in sent_text(fake.submits(route.provider)[0].body)
