"""Edits and variations per vendor against the fakes: how each one takes the images, the
refusals (moderation, too many images, a text-only route), fal's storage upload, and resume
after a restart."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from adapters.providers.demo import DemoProvider
from bot.domain.providers import (
    VARY_INSTRUCTIONS,
    EditRoute,
    ImageSpec,
    ProviderRejected,
    Route,
    no_record,
)
from tests.adapters.conftest import images, input_image
from tests.adapters.provider_fakes import KEY

EDIT = {
    "fal": Route("fal", "fal-ai/flux-2/klein/4b", edit=EditRoute("fal-ai/flux-2/klein/4b/edit", 4)),
    "bfl": Route("bfl", "flux-2-klein-4b", edit=EditRoute("flux-2-klein-4b", 4)),
    "gemini": Route("gemini", "gemini-3.1-flash-image-preview",
                    edit=EditRoute("gemini-3.1-flash-image-preview", 14)),
    "xai": Route("xai", "grok-imagine-image", edit=EditRoute("grok-imagine-image", 3)),
    "ark": Route("ark", "seedream-5-0-260128", edit=EditRoute("seedream-5-0-260128", 14)),
    "recraft": Route("recraft", "recraftv4_pro", edit=EditRoute("recraftv4_pro", 1)),
    "replicate": Route("replicate", "black-forest-labs/flux-2-klein-4b",
                       edit=EditRoute("black-forest-labs/flux-2-klein-4b", 5,
                                      {"image_field": "images"})),
}


def spec(count: int = 1, mode: str = "edit", prompt: str = "make the sky purple") -> ImageSpec:
    return ImageSpec(prompt, "16:9", 21, "m", "M", images=images(count), mode=mode)


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", sorted(EDIT))
async def test_a_route_without_an_edit_table_refuses_before_sending(vendor, make, fake, recorder):
    text_only = dataclasses.replace(EDIT[vendor], edit=None)
    with pytest.raises(ProviderRejected, match="cannot take input images"):
        await make(vendor).generate(text_only, spec(), recorder)
    assert fake.seen == [] and recorder.handles == []


@pytest.mark.parametrize("vendor", sorted(EDIT))
async def test_more_images_than_the_route_takes_is_refused(vendor, make, fake, recorder):
    route = EDIT[vendor]
    assert route.edit is not None
    with pytest.raises(ProviderRejected, match=f"at most {route.edit.max_images}"):
        await make(vendor).generate(route, spec(route.edit.max_images + 1), recorder)
    assert fake.seen == []


MODERATED = {"fal": "moderated", "bfl": "moderated", "gemini": "moderated", "xai": "moderated",
             "ark": "moderated_input", "recraft": "moderated", "replicate": "moderated"}


@pytest.mark.parametrize("vendor", sorted(EDIT))
async def test_the_vendor_refusing_an_edit_is_a_rejection(vendor, make, fake, recorder):
    fake.outcome[vendor] = MODERATED[vendor]
    with pytest.raises(ProviderRejected):
        await make(vendor).generate(EDIT[vendor], spec(), recorder)
    assert fake.violations == []  # refused for its content, not for a malformed request


# -- how each vendor takes the images ---------------------------------------------------------


async def test_bfl_numbers_the_references_and_keeps_the_input_shape(make, fake, recorder):
    await make("bfl").generate(EDIT["bfl"], spec(3), recorder)
    body = fake.submits("bfl")[0].body
    assert [k for k in body if k.startswith("input_image")] == [
        "input_image", "input_image_2", "input_image_3"]
    # 96x64 input: 3:2 at about 1 MP, multiples of 16; not the spec's 16:9.
    assert (body["width"], body["height"]) == (1248, 832)
    assert body["seed"] == 21 and body["prompt"] == "make the sky purple"


async def test_fal_uploads_to_storage_and_sends_the_file_urls(make, fake, recorder):
    await make("fal").generate(EDIT["fal"], spec(2), recorder)
    initiates = [s for s in fake.uploads() if s.method == "POST"]
    puts = [s for s in fake.uploads() if s.method == "PUT"]
    assert len(initiates) == len(puts) == 2
    assert initiates[0].headers["authorization"] == f"Key {KEY}"
    assert initiates[0].body["content_type"] == "image/png"
    assert all("authorization" not in p.headers for p in puts), "the signed URL needs no key"
    submit = fake.submits("fal")[0]
    assert submit.path == "/fal/fal-ai/flux-2/klein/4b/edit"
    assert all(u.startswith(f"{fake.base}/media/cdn/") for u in submit.body["image_urls"])
    assert "image_size" not in submit.body, "an edit follows the input's shape"
    assert recorder.requests_before == [5], "the handle is recorded right after the submit"


@pytest.mark.parametrize("how", ["data_uri", "no storage"])
async def test_fal_can_send_data_uris_instead(how, make, fake, recorder):
    route = EDIT["fal"]
    provider = make("fal")
    if how == "data_uri":
        assert route.edit is not None
        route = dataclasses.replace(route, edit=dataclasses.replace(
            route.edit, params={"image_transport": "data_uri"}))
    else:
        provider.storage_base_url = ""
    given = spec(1)
    await provider.generate(route, given, recorder)
    assert fake.uploads() == []
    urls = fake.submits("fal")[0].body["image_urls"]
    assert urls[0].startswith("data:image/png;base64,")
    assert fake.received["fal"] == [given.images[0].data]


async def test_gemini_sends_inline_data_then_the_instruction_and_no_ratio(make, fake, recorder):
    await make("gemini").generate(EDIT["gemini"], spec(2), recorder)
    body = fake.submits("gemini")[0].body
    parts = body["contents"][0]["parts"]
    assert [list(p) for p in parts] == [["inline_data"], ["inline_data"], ["text"]]
    assert parts[1]["inline_data"]["mime_type"] == "image/jpeg"
    assert len(body["contents"]) == 1, "stateless: no earlier turn is sent"
    assert "aspectRatio" not in body["generationConfig"]["imageConfig"]


@pytest.mark.parametrize(("count", "field"), [(1, "image"), (3, "images")])
async def test_xai_edits_take_image_or_images(count, field, make, fake, recorder):
    await make("xai").generate(EDIT["xai"], spec(count), recorder)
    submit = fake.submits("xai")[0]
    assert submit.path == "/xai/v1/images/edits"
    assert field in submit.body and ({"image", "images"} - {field}).isdisjoint(submit.body)
    assert "aspect_ratio" not in submit.body


@pytest.mark.parametrize("count", [1, 2])
async def test_ark_takes_one_data_uri_or_a_list(count, make, fake, recorder):
    await make("ark").generate(EDIT["ark"], spec(count), recorder)
    image = fake.submits("ark")[0].body["image"]
    assert isinstance(image, str if count == 1 else list)


@pytest.mark.parametrize(("mode", "strength"), [("edit", 0.5), ("vary", 0.2),
                                                ("vary_strong", 0.6)])
async def test_recraft_image_to_image_strength_per_mode(mode, strength, make, fake, recorder):
    await make("recraft").generate(EDIT["recraft"], spec(1, mode), recorder)
    submit = fake.submits("recraft")[0]
    assert submit.path == "/recraft/v1/images/imageToImage"
    form, files = submit.body
    assert float(form["strength"]) == strength and form["model"] == "recraftv4_pro"
    assert set(files) == {"image"}


async def test_recraft_strengths_come_from_the_edit_table(make, fake, recorder):
    route = dataclasses.replace(EDIT["recraft"], edit=EditRoute(
        "recraftv4_pro", 1, {"vary_strength": 0.1}))
    await make("recraft").generate(route, spec(1, "vary"), recorder)
    assert float(fake.submits("recraft")[0].body[0]["strength"]) == 0.1


@pytest.mark.parametrize(("params", "expected"), [
    ({"image_field": "images"}, list), ({"image_field": "image", "image_list": False}, str)])
async def test_replicate_uses_the_models_own_field(params, expected, make, fake, recorder):
    route = dataclasses.replace(EDIT["replicate"], edit=EditRoute(EDIT["replicate"].model, 5,
                                                                   params))
    await make("replicate").generate(route, spec(1), recorder)
    inputs = fake.submits("replicate")[0].body["input"]
    assert isinstance(inputs[params["image_field"]], expected)
    assert "aspect_ratio" not in inputs and inputs["seed"] == 21


@pytest.mark.parametrize("vendor", ["bfl", "fal"])
async def test_a_variation_sends_the_shared_instruction_and_the_new_seed(vendor, make, fake,
                                                                          recorder):
    varied = dataclasses.replace(spec(1, "vary", prompt="a fox"), seed=4242)
    await make(vendor).generate(EDIT[vendor], varied, recorder)
    body = fake.submits(vendor)[0].body
    assert body["prompt"] == f"{VARY_INSTRUCTIONS['vary']} Original prompt: a fox"
    assert body["seed"] == 4242


# -- resume after a restart -------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["bfl", "fal", "replicate"])
async def test_an_edit_resumes_from_its_handle_without_sending_again(vendor, make, fake,
                                                                     recorder):
    fake.pending_polls = 3
    first = make(vendor, deadline=5.0)
    edit = spec(2)

    class Crash(Exception):
        pass

    async def crash_after_recording(handle):
        await recorder(handle)
        raise Crash  # the process dies right after the handle is saved

    with pytest.raises(Crash):
        await first.generate(EDIT[vendor], edit, crash_after_recording)
    submits, uploads = len(fake.submits(vendor)), len(fake.uploads())
    image = await make(vendor).resume(EDIT[vendor], edit, recorder.handles[0], no_record)
    assert image.data
    assert (len(fake.submits(vendor)), len(fake.uploads())) == (submits, uploads)


# -- the offline demo -------------------------------------------------------------------------


async def test_the_demo_edits_offline_from_the_input_image():
    source = input_image(0, 300, 200)
    route = Route("demo", "demo", edit=EditRoute("demo", 3))
    made = {}
    for mode in ("edit", "vary", "vary_strong"):
        demo_spec = ImageSpec("make the sky purple", "1:1", 5, "m", "Model",
                              images=(source,), mode=mode)
        made[mode] = await DemoProvider().generate(route, demo_spec, no_record)
        assert made[mode].is_demo and made[mode].mime == "image/png"
        # The input's shape (3:2), not the spec's 1:1.
        assert made[mode].width * 2 == made[mode].height * 3
    assert len({m.data for m in made.values()}) == 3

    def centre(data: bytes) -> tuple[int, ...]:
        with Image.open(io.BytesIO(data)) as img:
            pixel = img.convert("RGB").getpixel((img.width // 2, img.height - 5))
        assert isinstance(pixel, tuple)
        return pixel

    original = centre(source.data)
    # A subtle variation stays closer to the input's colour than a strong one.
    def distance(data: bytes) -> int:
        return sum(abs(a - b) for a, b in zip(centre(data), original, strict=True))

    assert distance(made["vary"].data) < distance(made["vary_strong"].data)
    again = await DemoProvider().generate(route, ImageSpec(
        "make the sky purple", "1:1", 5, "m", "Model", images=(source,), mode="edit"), no_record)
    assert again.data == made["edit"].data, "deterministic, like demo text-to-image"


# -- settings ---------------------------------------------------------------------------------


async def test_the_fal_storage_host_comes_from_its_setting():
    import httpx

    from adapters.providers.fal import FalProvider
    from adapters.providers.registry import build_providers
    from tests.adapters.test_http_common import _settings

    async with httpx.AsyncClient() as client:
        built = build_providers(_settings(fal_key="k", fal_storage_base_url="http://127.0.0.1:9/"),
                                client)
        fal = built["fal"]
        assert isinstance(fal, FalProvider) and fal.storage_base_url == "http://127.0.0.1:9"
        default = build_providers(_settings(fal_key="k"), client)["fal"]
        assert isinstance(default, FalProvider) and default.storage_base_url.startswith("https://")


def test_every_edit_param_key_in_the_catalog_is_understood():
    from adapters.providers.http_common import ADAPTER_OPTIONS, EDIT_OPTIONS
    from bot.domain.catalog import load_catalog
    from tests.conftest import DATA

    for model in load_catalog(DATA / "models.toml"):
        for route in model.routes:
            if route.edit is None:
                continue
            assert 1 <= route.edit.max_images <= 14
            steering = set(route.edit.params) & (ADAPTER_OPTIONS | EDIT_OPTIONS)
            if route.provider != "replicate":
                assert not {"image_field", "image_list"} & steering, (model.id, route.provider)
            else:
                assert "image_field" in route.edit.params, (model.id, "names its input field")


@pytest.mark.parametrize("vendor", ["gemini", "ark"])
async def test_a_blocked_input_image_is_a_rejection_that_says_so(vendor, make, fake, recorder):
    fake.outcome[vendor] = "moderated_image"
    with pytest.raises(ProviderRejected, match="input image"):
        await make(vendor).generate(EDIT[vendor], spec(), recorder)


# -- over a real socket -----------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["fal", "recraft", "gemini"])
async def test_edits_over_a_local_server_deliver_the_exact_bytes(vendor, fake):
    """The multipart body (Recraft) and fal's upload PUT, through a real HTTP server on
    127.0.0.1 rather than the in-process transport."""
    import httpx

    from adapters.providers.http_common import Policy
    from adapters.providers.registry import VENDORS

    stop = await fake.serve()
    try:
        async with httpx.AsyncClient() as client:
            cls = VENDORS[vendor][0]
            extra = {"storage_base_url": fake.storage_url()} if vendor == "fal" else {}
            provider = cls(client, KEY, fake.base_url(vendor),
                           policy=Policy(deadline=10, poll_interval=0.01), **extra)
            given = spec(1)
            image = await provider.generate(EDIT[vendor], given, no_record)
    finally:
        await stop()
    assert image.data and fake.violations == []
    assert fake.received[vendor] == [given.images[0].data]
