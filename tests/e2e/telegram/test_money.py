"""Not enough credits: specific answers with the cheapest option, nothing charged."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.telegram.conftest import Harness, button, buttons, caption_balance, running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-money"), WELCOME_CREDITS="6") as harness:
        yield harness


async def test_imagine_beyond_the_balance_names_a_model_that_fits(h: Harness):
    ann = h.tg.make_user(2001, "Ann")
    chat = h.tg.private_chat(ann)
    since = h.mark()
    message = h.tg.user_sends_text(chat, ann, "/imagine a palace --model nano-banana-pro")
    reply = await h.text_for(message, since, "costs 15 credits")
    assert "you have 6" in reply["text"] and "flux-2-klein" in reply["text"]
    assert h.balance(ann) == 6


async def test_a_click_beyond_the_balance_offers_the_cheapest_model_as_a_button(h: Harness):
    ben = h.tg.make_user(2002, "Ben")
    chat = h.tg.private_chat(ben)
    _, photo = await h.imagine(chat, ben, "/imagine a garden --model flux-pro")
    assert caption_balance(photo) == 1 == h.balance(ben)

    since = h.mark()
    query_id = h.tg.user_clicks(chat, ben, photo.result,
                                button(photo, "Nano Banana Pro")["callback_data"])
    warning = await h.text_for(photo.result, since, "costs 15 credits")
    answer = (await h.answered(query_id))["text"]  # the clicker is told why, at once
    assert "costs 15 credits" in answer and "you have 1" in answer
    assert "you have 1" in warning["text"] and "Flux 2 Klein" in warning["text"]
    [offer] = buttons(warning.result)
    assert offer["text"] == "Flux 2 Klein (1 credit)" and len(offer["callback_data"]) <= 64
    assert h.balance(ben) == 1

    _, [cheap] = await h.click(chat, ben, warning, offer["callback_data"])
    assert "Flux 2 Klein" in cheap["caption"] and caption_balance(cheap) == 0 == h.balance(ben)


async def test_compare_beyond_the_balance_charges_nothing(h: Harness):
    cat = h.tg.make_user(2003, "Cat")
    chat = h.tg.private_chat(cat)
    _, photo = await h.imagine(chat, cat, "/imagine a river --model flux-pro")
    since = h.mark()
    query_id = h.tg.user_clicks(chat, cat, photo.result,
                                button(photo, "Compare on 3")["callback_data"])
    warning = await h.text_for(photo.result, since, "Compare on 3 costs")
    assert "Compare on 3 costs" in (await h.answered(query_id))["text"]
    assert "you have 1" in warning["text"]
    assert button(warning.result, "Flux 2 Klein (1 credit)")  # the one thing that still fits
    assert h.balance(cat) == 1


async def test_with_nothing_left_no_model_is_offered(h: Harness):
    dan = h.tg.make_user(2004, "Dan")
    chat = h.tg.private_chat(dan)
    _, photo = await h.imagine(chat, dan, "/imagine a hill --model flux-2-klein")
    _, [second] = await h.click(chat, dan, photo, button(photo, "Seedream 5.0")["callback_data"])
    assert caption_balance(second) == 0
    since = h.mark()
    message = h.tg.user_sends_text(chat, dan, "another hill")
    reply = await h.text_for(message, since, "you have 0")
    assert "No model fits your balance" in reply["text"] and not buttons(reply.result)
    assert h.balance(dan) == 0
