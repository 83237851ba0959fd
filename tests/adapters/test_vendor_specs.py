"""The checkers the vendor fakes use (vendor_specs.py): they accept what each vendor's own
definition accepts and refuse unknown endpoint ids, unknown or mistyped fields and bad enum
values. And a request the definition refuses fails an adapter test, so a wrong route in
data/models.toml cannot pass unnoticed."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.catalog import load_catalog
from bot.domain.providers import EditRoute, ProviderRejected, ProviderUnavailable, Route
from tests.adapters import vendor_specs as specs
from tests.adapters.conftest import ROUTES, SPEC
from tests.conftest import DATA

CATALOG = load_catalog(DATA / "models.toml")


# -- fal ------------------------------------------------------------------------------------


def test_the_fal_endpoint_map_is_read_from_the_client_types():
    endpoints = specs.fal_endpoints()
    assert len(endpoints) > 1000
    assert endpoints["fal-ai/flux-2/klein/4b/edit"] == "Flux2Klein4bEditInput"
    # Seedream 5 Lite lives under bytedance/, unlike v4 and v4.5 (issue 16).
    assert "bytedance/seedream/v5/lite/text-to-image" in endpoints
    assert "fal-ai/bytedance/seedream/v5/lite/text-to-image" not in endpoints
    assert "bytedance/seedream/v5/lite/edit" in endpoints


@pytest.mark.parametrize(("endpoint", "body", "problem"), [
    ("fal-ai/bytedance/seedream/v5/lite/text-to-image", {"prompt": "x"}, "unknown fal endpoint"),
    ("bytedance/seedream/v5/lite/text-to-image", {"prompt": "x", "seed": 1}, "seed: unknown"),
    ("fal-ai/flux-2/klein/4b", {"prompt": "x", "safety_tolerance": "2"}, "safety_tolerance"),
    ("fal-ai/flux-2/klein/4b", {"prompt": 3}, "prompt: 3 is not a string"),
    ("fal-ai/flux-2/klein/4b", {"prompt": "x", "seed": "7"}, "seed"),
    ("fal-ai/flux-2/klein/4b", {"prompt": "x", "image_size": {"width": "9"}}, "image_size"),
    ("fal-ai/flux-2/klein/4b/edit", {"prompt": "x"}, "image_urls: required"),
    ("fal-ai/flux-2/klein/4b/edit", {"prompt": "x", "image_urls": "a"}, "not a list"),
    ("fal-ai/nano-banana-2/edit", {"prompt": "x", "resolution": "8K"}, "'8K' is not one of"),
    ("fal-ai/nano-banana-2", {"prompt": "x", "safety_tolerance": 4}, "safety_tolerance"),
    ("xai/grok-imagine-image", {"prompt": "x", "aspect_ratio": "5:4"}, "aspect_ratio"),
])
def test_fal_checker_refuses(endpoint, body, problem):
    assert any(problem in p for p in specs.check_fal(endpoint, body)), specs.check_fal(endpoint,
                                                                                        body)


@pytest.mark.parametrize(("endpoint", "body"), [
    ("fal-ai/flux-2/klein/4b", {"prompt": "x", "image_size": {"width": 1, "height": 2},
                                "seed": 3, "enable_safety_checker": True}),
    ("fal-ai/flux-2/klein/4b", {"prompt": "x", "image_size": "square_hd"}),
    ("bytedance/seedream/v5/lite/edit", {"prompt": "x", "image_urls": ["a", "b"],
                                         "image_size": "auto_2K"}),
    ("fal-ai/nano-banana-pro/edit", {"prompt": "x", "image_urls": ["a"], "resolution": "2K",
                                     "safety_tolerance": "4", "aspect_ratio": "auto"}),
])
def test_fal_checker_accepts(endpoint, body):
    assert specs.check_fal(endpoint, body) == []


# -- the other vendors --------------------------------------------------------------------


def test_bfl_checker_uses_the_sdk_models():
    ok = {"prompt": "x", "width": 1024, "height": 768, "seed": 1, "safety_tolerance": 2,
          "input_image": "AAAA", "input_image_2": "BBBB"}
    assert specs.check_bfl("/v1/flux-2-pro", ok) == []
    assert specs.check_bfl("/v1/flux-3", ok) == ["unknown BFL endpoint '/v1/flux-3'"]
    assert any("Extra inputs" in p for p in specs.check_bfl("/v1/flux-2-pro", {**ok, "ratio": 1}))
    assert specs.check_bfl("/v1/flux-2-pro", {**ok, "safety_tolerance": 9})
    assert specs.check_bfl("/v1/flux-2-pro", {**ok, "width": 2048, "height": 4096})  # > 4 MP
    five = {**ok, **{f"input_image_{n}": "A" for n in range(3, 6)}}
    assert specs.check_bfl("/v1/flux-2-pro", five) == []
    assert any("at most 4" in p for p in specs.check_bfl("/v1/flux-2-klein-4b", five))


def test_gemini_checker_reads_the_protos():
    path = "/v1beta/models/gemini-3-pro-image:generateContent"
    ok = {"contents": [{"role": "user", "parts": [
        {"inline_data": {"mime_type": "image/png", "data": "AAAA"}}, {"text": "hi"}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"],
                             "imageConfig": {"aspectRatio": "1:1", "imageSize": "2K"}}}
    assert specs.check_gemini(path, ok) == []
    bad = {"contents": [{"parts": [{"image": "AAAA"}]}],
           "generationConfig": {"responseModalities": ["PICTURE"],
                                "imageConfig": {"outputMimeType": "image/png"}}}
    problems = specs.check_gemini(path, bad)
    assert any("image: unknown field of Part" in p for p in problems)
    assert any("'PICTURE' is not one of" in p for p in problems)
    # The SDK says output_mime_type is not supported in the Gemini API: not accepted.
    assert any("outputMimeType: unknown field" in p for p in problems)
    assert specs.check_gemini("/v1beta/models/x:predict", ok)


def test_xai_checker_reads_the_proto_enums():
    ok = {"model": "grok-imagine-image", "prompt": "x", "n": 1, "aspect_ratio": "19.5:9",
          "resolution": "2k", "response_format": "b64_json"}
    assert specs.check_xai("/v1/images/generations", ok) == []
    assert specs.check_xai("/v1/images/generations", {**ok, "size": "1024x1024"})
    assert specs.check_xai("/v1/images/generations", {**ok, "aspect_ratio": "5:4"})
    assert specs.check_xai("/v1/images/generations", {**ok, "resolution": "4k"})
    edit = {**ok, "image": {"url": "data:image/png;base64,AA"}}
    assert specs.check_xai("/v1/images/edits", edit) == []
    assert specs.check_xai("/v1/images/generations", edit), "images go to /edits"
    assert specs.check_xai("/v1/images/edits", {**edit, "images": [edit["image"]]})
    assert specs.check_xai("/v1/images/edits", {**ok, "images": [edit["image"]] * 4})


def test_ark_checker_reads_the_sdk_signature():
    ok = {"model": "m", "prompt": "x", "size": "2048x2048", "watermark": False,
          "image": ["data:image/png;base64,AAAA"]}
    path = "/api/v3/images/generations"
    assert specs.check_ark(path, ok) == []
    assert specs.check_ark(path, {**ok, "n": 1}) == ["n: unknown field"]
    assert specs.check_ark(path, {**ok, "watermark": "no"})
    assert specs.check_ark(path, {"prompt": "x"}) == ["model: required field missing"]
    assert specs.check_ark(path, {**ok, "image": "data:image/PNG;base64,AAAA"})


def test_recraft_checkers_read_the_generated_client():
    ok = {"prompt": "x", "model": "recraftv3", "size": "1024x1024", "n": 1}
    assert specs.check_recraft_generate(ok) == []
    assert specs.check_recraft_generate({**ok, "model": "recraftv4_pro", "size": "16:9"}) == []
    assert specs.check_recraft_generate({**ok, "model": "dall-e"})
    assert specs.check_recraft_generate({**ok, "seed": 1}) == ["seed: unknown field"]
    form = {"prompt": "x", "strength": "0.2", "model": "recraftv4_pro"}
    assert specs.check_recraft_image_to_image(form, {"image": b"png"}) == []
    assert specs.check_recraft_image_to_image(form, {})  # no image part
    assert specs.check_recraft_image_to_image({**form, "strength": "1.5"}, {"image": b"p"})
    assert specs.check_recraft_image_to_image({**form, "size": "16:9"}, {"image": b"p"})


def test_replicate_checker_reads_the_sdk_params():
    path = "/v1/models/google/nano-banana-2/predictions"
    assert specs.check_replicate(path, {"input": {"prompt": "x"}}) == []
    assert specs.check_replicate(path, {"prompt": "x"})  # fields belong in input
    assert specs.check_replicate("/v1/predictions", {"input": {}}) == [
        "version: required field missing"]


# -- the fakes refuse what the definitions refuse, and tests fail on it --------------------


async def test_an_unknown_field_on_a_route_fails_against_the_fake(make, fake, recorder):
    route = dataclasses.replace(ROUTES["fal"], params={"sharpness": 3})
    with pytest.raises(ProviderRejected, match="sharpness: unknown field"):
        await make("fal").generate(route, SPEC, recorder)
    assert fake.violations == [("fal", ["sharpness: unknown field"])]


async def test_the_old_seedream_fal_id_is_not_an_endpoint(make, fake, recorder):
    route = Route("fal", "fal-ai/bytedance/seedream/v5/lite/text-to-image")
    with pytest.raises(ProviderUnavailable, match="does not know"):
        await make("fal").generate(route, SPEC, recorder)
    assert fake.violations and "unknown fal endpoint" in fake.violations[0][1][0]


@pytest.mark.parametrize("vendor", ["bfl", "gemini", "xai", "ark", "recraft", "replicate"])
async def test_every_fake_refuses_a_field_its_vendor_does_not_know(vendor, make, fake, recorder):
    route = ROUTES[vendor]
    if vendor == "replicate":
        # A route param goes into `input`, whose schema is per model and in no definition:
        # what the SDK types do define is the path, so an unknown one stands in.
        route = dataclasses.replace(route, model="owner/name/extra")
    else:
        route = dataclasses.replace(route, params={"no_such_field": True})
    with pytest.raises((ProviderRejected, ProviderUnavailable)):
        await make(vendor).generate(route, SPEC, recorder)
    assert fake.violations and fake.violations[0][0] == vendor


async def test_an_edit_on_the_wrong_fal_edit_id_fails(make, fake, recorder):
    from tests.adapters.conftest import images

    route = Route("fal", "bytedance/seedream/v5/lite/text-to-image",
                  edit=EditRoute("fal-ai/bytedance/seedream/v5/lite/edit", 10))
    edit = dataclasses.replace(SPEC, images=images(1), mode="edit")
    with pytest.raises(ProviderUnavailable):
        await make("fal").generate(route, edit, recorder)
    assert "unknown fal endpoint" in fake.violations[0][1][0]


def test_the_catalog_seedream_fal_route_matches_the_definition():
    route = next(r for r in CATALOG.get("seedream-5").routes if r.provider == "fal")
    assert route.model == "bytedance/seedream/v5/lite/text-to-image"
    assert route.params.get("send_seed") is False
    assert route.edit is not None and route.edit.model == "bytedance/seedream/v5/lite/edit"
