"""Edit and vary through the real service and storage (SQLite and PostgreSQL): what reaches
the provider, what is charged (edit prices), refunds, double clicks, routing among models
that can edit, and Vary of a Vary from stored images."""

import io

import pytest
from PIL import Image

from bot.domain.credits import UserRef
from bot.domain.errors import (
    BUTTON_EXPIRED,
    BadImage,
    CannotEdit,
    DuplicateEvent,
    GenerationFailed,
    JobNotFound,
)
from bot.domain.providers import ProviderRejected, ProviderUnavailable
from bot.domain.requests import parse_imagine
from bot.services import replies
from bot.services.image_intake import normalise
from tests.unit.scripted import Scripted

ALICE = UserRef("test", "alice", "Alice")


def photo(colour=(20, 120, 220), size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return normalise(out.getvalue())


async def books(service, user=ALICE) -> int:
    account = await service.account(user)
    balance = await service.ledger.balance(account)
    assert await service.ledger.ledger_sum(account) == balance
    assert await service.ledger.open_holds() == []
    return balance


async def test_an_edit_sends_the_pictures_and_charges_the_edit_price(make_service):
    bfl = Scripted("bfl")
    service = make_service({"bfl": bfl})
    pic = photo()
    flux = service.catalog.get("flux-pro")
    result = await service.edit([pic], "make the sky purple", ALICE, "e1", model=flux)
    [(route, spec)] = bfl.calls
    assert spec.images == (pic,) and spec.mode == "edit" and route.edit is not None
    assert spec.prompt == "make the sky purple"
    assert result.cost == flux.edit_credits == 7 and await books(service) == 43
    assert result.job.kind == "edit" and result.job.parent_id is None
    assert replies.result_caption(result).startswith("Edit of your picture.")
    stored = await service.jobs.job_images(result.job.id)
    assert stored == [pic]


async def test_an_edit_fails_over_only_to_routes_that_take_that_many_pictures(make_service):
    xai, replicate = Scripted("xai"), Scripted("replicate")
    service = make_service({"replicate": replicate, "xai": xai})
    grok = service.catalog.get("grok-imagine")
    result = await service.edit([photo(), photo((1, 2, 3))], "blend them", ALICE, "e1",
                                model=grok)
    assert len(xai.calls) == 1 and replicate.calls == []  # replicate's grok takes one
    assert replies.result_caption(result).startswith("Edit of your 2 pictures.")


async def test_an_edit_routes_by_intent_among_models_that_can_edit(make_service):
    service = make_service()
    text = await service.edit([photo()], 'add a sign that says "OPEN"', ALICE, "e1")
    assert text.model.id == "nano-banana-2" and text.cost == 9
    real = await service.edit([photo()], "make it a realistic photo portrait, dslr", ALICE, "e2")
    assert real.model.id != "bitdance" and real.model.can_edit
    assert "cannot edit" in real.reason


async def test_asking_bitdance_to_edit_names_the_nearest_and_charges_nothing(make_service):
    service = make_service()
    with pytest.raises(CannotEdit) as caught:
        await service.edit([photo()], "add a hat", ALICE, "e1",
                           model=service.catalog.get("bitdance"))
    nearest = service.catalog.get(caught.value.suggestion)
    assert nearest.can_edit and nearest.name in caught.value.user_message
    assert "BitDance cannot edit" in caught.value.user_message
    assert await books(service) == 50


async def test_no_picture_or_no_instruction_or_too_many_pictures_costs_nothing(make_service):
    service = make_service()
    with pytest.raises(BadImage):
        await service.edit([], "add a hat", ALICE, "e1")
    with pytest.raises(Exception) as caught:
        await service.edit([photo()], "   ", ALICE, "e2")
    assert "what to change" in caught.value.user_message
    recraft = service.catalog.get("recraft-v4-pro")
    with pytest.raises(BadImage) as many:
        await service.edit([photo(), photo((5, 5, 5))], "x", ALICE, "e3", model=recraft)
    assert "at most 1 picture" in many.value.user_message
    assert await books(service) == 50


async def test_a_vendor_refusing_an_edit_refunds_it(make_service):
    service = make_service({"bfl": Scripted("bfl", ProviderRejected("unsafe input image"))})
    with pytest.raises(GenerationFailed) as caught:
        await service.edit([photo()], "add a hat", ALICE, "e1",
                           model=service.catalog.get("flux-pro"))
    assert caught.value.rejected and "refunded" in caught.value.user_message
    assert await books(service) == 50


async def test_a_double_click_on_an_edit_charges_once(make_service):
    service = make_service()
    flux = service.catalog.get("flux-pro")
    await service.edit([photo()], "add a hat", ALICE, "click", model=flux)
    with pytest.raises(DuplicateEvent):
        await service.edit([photo()], "add a hat", ALICE, "click", model=flux)
    assert await books(service) == 43


async def test_vary_of_a_vary_uses_the_stored_results(make_service):
    bfl = Scripted("bfl")
    service = make_service({"bfl": bfl})
    first = await service.generate(parse_imagine("a fox --model flux-pro", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    parent = await service.job(first.job.id)
    assert parent.output_digest
    varied = await service.vary(first.job.id, ALICE, "v1")
    route, spec = bfl.calls[-1]
    assert spec.mode == "vary" and spec.images[0].digest == parent.output_digest
    assert "subtle variation" in spec.instruction() and "a fox" in spec.instruction()
    assert varied.job.kind == "vary" and varied.job.parent_id == first.job.id
    assert varied.cost == 7 and varied.job.seed != first.job.seed
    assert replies.result_caption(varied).startswith(f"Variation of {first.job.id}.")
    again = await service.vary(varied.job.id, ALICE, "v2", strong=True)
    vary_job = await service.job(varied.job.id)
    assert bfl.calls[-1][1].mode == "vary_strong"
    assert bfl.calls[-1][1].images[0].digest == vary_job.output_digest
    assert again.job.parent_id == varied.job.id
    assert await books(service) == 50 - 5 - 7 - 7


async def test_vary_of_a_bitdance_image_runs_on_the_nearest_editor(make_service):
    service = make_service()
    first = await service.generate(parse_imagine("a fox --model bitdance", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    varied = await service.vary(first.job.id, ALICE, "v1")
    assert varied.model.id != "bitdance" and varied.model.can_edit
    assert varied.reason == ("BitDance made the picture you are varying but cannot edit "
                             "pictures, so the nearest model that can")
    edited = await service.edit_result(first.job.id, "add a hat", ALICE, "e1")
    assert edited.model.id == varied.model.id
    assert edited.reason.startswith("BitDance made the picture you are editing")


async def test_a_forged_or_stale_vary_is_expired_and_free(make_service):
    service = make_service()
    with pytest.raises(JobNotFound) as caught:
        await service.vary("ffffffffff", ALICE, "v1")
    assert caught.value.user_message == BUTTON_EXPIRED
    with pytest.raises(JobNotFound):
        await service.edit_result("", "add a hat", ALICE, "v2")
    assert await books(service) == 50


async def test_edit_of_a_result_keeps_the_parent_link(make_service):
    service = make_service()
    first = await service.generate(parse_imagine("a fox --model flux-pro", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    edited = await service.edit_result(first.job.id, "make the sky purple", ALICE, "e1")
    assert edited.job.parent_id == first.job.id and edited.model.id == "flux-pro"
    assert replies.result_caption(edited).startswith(f"Edit of {first.job.id}.")


async def test_an_edit_or_vary_of_a_result_says_its_model_made_the_picture(make_service):
    service = make_service()
    first = await service.generate(parse_imagine("a fox --model flux-pro", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    edited = await service.edit_result(first.job.id, "make the sky purple", ALICE, "e1")
    caption = replies.result_caption(edited)
    assert "because it made the picture you are editing." in caption
    assert "you picked" not in caption
    varied = await service.vary(first.job.id, ALICE, "v1")
    assert "because it made the picture you are varying." in replies.result_caption(varied)
    named = await service.edit_result(first.job.id, "add a hat", ALICE, "e2",
                                      model=service.catalog.get("nano-banana-2"))
    assert "because you picked Nano Banana 2." in replies.result_caption(named)


async def test_reruns_and_compare_under_an_edit_use_edit_prices_and_its_pictures(make_service):
    bfl, fal = Scripted("bfl"), Scripted("fal")
    service = make_service({"bfl": bfl, "fal": fal})
    pic = photo()
    edited = await service.edit([pic], "add a hat", ALICE, "e1",
                                model=service.catalog.get("flux-pro"))
    labels = [c.label for c in replies.result_choices(edited, service.catalog, service.planner)]
    assert "Flux 2 Klein (2 credits)" in labels and not any("BitDance" in x for x in labels)
    assert {"Vary (7 credits)", "Vary strong (7 credits)", "Edit (7 credits)"} <= set(labels)
    klein = await service.rerun(edited.job.id, ALICE, "r1", "flux-2-klein")
    assert klein.cost == 2 and bfl.calls[-1][1].images == (pic,)
    assert klein.job.kind == "edit"
    with pytest.raises(CannotEdit):
        await service.rerun(edited.job.id, ALICE, "r2", "bitdance")
    assert await books(service) == 50 - 7 - 2


async def test_compare_under_an_edit_runs_three_editors(make_service):
    service = make_service()
    edited = await service.edit([photo()], "add a hat", ALICE, "e1",
                                model=service.catalog.get("flux-2-klein"))
    outcomes = await service.compare(edited.job.id, ALICE, "c1")
    models = [o.model for o in outcomes]
    assert len(models) == 3 and all(m.can_edit for m in models)
    assert all(o.job.kind == "edit" for o in outcomes)
    spent = 2 + sum(m.edit_credits for m in models)
    assert await books(service) == 50 - spent


async def test_an_unavailable_edit_route_refunds(make_service):
    service = make_service({"recraft": Scripted("recraft", ProviderUnavailable("503"))})
    with pytest.raises(GenerationFailed):
        await service.edit([photo()], "make it blue", ALICE, "e1",
                           model=service.catalog.get("recraft-v4-pro"))
    assert await books(service) == 50


async def test_history_says_which_rows_were_an_edit_of_what(db, make_service):
    from adapters.storage.community import SqlCommunity
    from bot.domain.community import Context
    from bot.services.community import CommunityService

    service = make_service()
    first = await service.generate(parse_imagine("a fox --model flux-pro", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    await service.vary(first.job.id, ALICE, "v1")
    community = CommunityService(service.ledger, SqlCommunity(db), welcome_credits=50)
    rows = await community.history(Context(ALICE, "test", event_key="h"), 5)
    kinds = [(r.reason, r.job_kind, r.job_parent) for r in rows if r.reason == "generation"]
    assert kinds[0] == ("generation", "vary", first.job.id)
    assert kinds[1][1] == "generate"


async def test_not_enough_credits_for_a_vary_names_the_cheaper_editor_and_charges_nothing(
        make_service):
    from bot.domain.errors import InsufficientCredits

    service = make_service(welcome=8)
    first = await service.generate(parse_imagine("a fox --model flux-pro", service.catalog,
                                                 service.planner.intents), ALICE, "g1")
    with pytest.raises(InsufficientCredits) as caught:
        await service.vary(first.job.id, ALICE, "v1")
    assert "Flux Pro costs 7 credits and you have 3" in caught.value.user_message
    assert "Flux 2 Klein (2 credits) fits" in caught.value.user_message
    assert caught.value.suggestion is None  # no button that would rerun the parent instead
    assert await books(service) == 3
