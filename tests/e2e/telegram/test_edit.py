"""Editing on Telegram through the real bot process and the fake Bot API: a photo with an
/edit caption, a plain caption in a private chat, /edit and /vary as replies (to the bot's
own results too: an edit of that job, from its stored image), the Vary and Edit buttons (a ForceReply the
person answers), and bad requests that cost nothing."""

from __future__ import annotations

import asyncio
import io

import pytest
import pytest_asyncio
from PIL import Image

from tests.e2e.telegram.conftest import (
    Harness,
    button,
    caption_balance,
    caption_cost,
    replies_to,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-edit"), WELCOME_CREDITS="50") as harness:
        yield harness


def person(h: Harness, uid: int, name: str) -> tuple[dict, dict]:
    user = h.tg.make_user(uid, name, username=name.lower())
    return user, h.tg.private_chat(user)


def jpeg(colour=(40, 90, 200), size=(96, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def last_job(h: Harness) -> tuple:
    return h.query("SELECT id, kind, parent_id, cost, status FROM jobs ORDER BY created_at DESC "
                   "LIMIT 1")[0]


async def test_a_photo_with_an_edit_caption_is_edited_at_the_edit_price(h: Harness):
    ana, chat = person(h, 3001, "Ana")
    since = h.mark()
    message = h.tg.user_sends_photo(chat, ana, jpeg(), caption="/edit make the sky purple")
    photo = await h.photo_for(message, since)
    assert "Edit of your picture." in photo["caption"]
    assert caption_cost(photo) == 7 and caption_balance(photo) == 43 == h.balance(ana)
    job_id, kind, parent, cost, status = last_job(h)
    assert (kind, parent, cost, status) == ("edit", None, 7, "succeeded")
    [(size,)] = h.query("SELECT LENGTH(i.data) FROM job_images j JOIN images i "
                        "ON i.digest = j.digest WHERE j.job_id = ?", job_id)
    assert size > 0
    assert [c for c in h.tg.calls_to("getFile") if c.ok]
    assert button(photo, "Vary (7 credits)") and button(photo, "Edit (7 credits)")


async def test_a_plain_caption_in_a_private_chat_is_an_edit(h: Harness):
    ben, chat = person(h, 3002, "Ben")
    since = h.mark()
    message = h.tg.user_sends_photo(chat, ben, jpeg((200, 30, 30)), caption="add a red hat")
    photo = await h.photo_for(message, since)
    assert "Edit of your picture." in photo["caption"]
    assert last_job(h)[1] == "edit"


async def test_edit_and_vary_replying_to_the_bots_own_result_edit_that_job(h: Harness):
    cai, chat = person(h, 3003, "Cai")
    _, result = await h.imagine(chat, cai, "/imagine a fox --model flux-pro")
    source = last_job(h)[0]
    since = h.mark()
    ask = h.tg.user_sends_text(chat, cai, "/edit make the fox blue",
                               reply_to_message=result.result["message_id"])
    edited = await h.photo_for(ask, since)
    assert f"Edit of {source}." in edited["caption"]
    assert last_job(h)[1:4] == ("edit", source, 7)
    since = h.mark()
    again = h.tg.user_sends_text(chat, cai, "/vary strong",
                                 reply_to_message=result.result["message_id"])
    varied = await h.photo_for(again, since)
    assert f"Strong variation of {source}." in varied["caption"]
    assert last_job(h)[1:4] == ("vary_strong", source, 7)
    # the stored output was used: the bot's own photos are never downloaded back
    assert not [c for c in h.tg.calls[since:] if c.method == "getFile"]
    assert h.balance(cai) == 50 - 5 - 7 - 7
    rows = h.query("SELECT kind, parent_id FROM jobs WHERE parent_id = ?", source)
    assert sorted(rows) == [("edit", source), ("vary_strong", source)]


async def test_a_bot_photo_whose_buttons_name_a_missing_job_is_downloaded_instead(h: Harness):
    """A keyboard naming a job that does not exist (forged, or the job was purged) reaches
    no job: the photo is edited as any other picture, at the edit price."""
    cat, chat = person(h, 3013, "Cat")
    _, result = await h.imagine(chat, cat, "/imagine a fox --model flux-pro")
    stored = h.tg.message(chat["id"], result.result["message_id"])
    assert stored is not None
    h.tg.set_reply_markup(chat["id"], stored["message_id"], {"inline_keyboard": [[
        {"text": "Vary", "callback_data": "v:ffffffffff"}]]})
    since = h.mark()
    ask = h.tg.user_sends_text(chat, cat, "/edit make the fox blue",
                               reply_to_message=stored["message_id"])
    edited = await h.photo_for(ask, since)
    assert "Edit of your picture." in edited["caption"]
    assert last_job(h)[1:4] == ("edit", None, 7)
    assert [c for c in h.tg.calls[since:] if c.method == "getFile" and c.ok]
    assert h.balance(cat) == 50 - 5 - 7
    h.check_books()


async def test_the_vary_button_varies_that_result(h: Harness):
    dee, chat = person(h, 3004, "Dee")
    _, result = await h.imagine(chat, dee, "/imagine a fox --model flux-pro")
    source = last_job(h)[0]
    data = button(result, "Vary (")["callback_data"]
    _, [varied] = await h.click(chat, dee, result, data)
    assert f"Variation of {source}." in varied["caption"]
    job_id, kind, parent, cost, _ = last_job(h)
    assert (kind, parent, cost) == ("vary", source, 7)
    assert h.balance(dee) == 50 - 5 - 7


async def test_the_edit_button_asks_then_the_answer_edits_that_result(h: Harness):
    eve = h.tg.make_user(3005, "Eve", username="eve")
    group = h.tg.group_chat(-100777, "Edits")
    _, result = await h.imagine(group, eve, "/imagine a lighthouse --model flux-pro")
    source = last_job(h)[0]
    since = h.mark()
    query = h.tg.user_clicks(group, eve, result.result, button(result, "Edit (")["callback_data"])
    await h.answered(query)
    prompt = await h.tg.wait_for("sendMessage", lambda c: f"#{source}" in str(c.get("text")),
                                 since=since, ok=True, timeout=10)
    assert "force_reply" in str(prompt.get("reply_markup"))
    since = h.mark()
    answer = h.tg.user_sends_text(group, eve, "make the sky purple",
                                  reply_to_message=prompt.result["message_id"])
    edited = await h.photo_for(answer, since)
    assert f"Edit of {source}." in edited["caption"]
    job_id, kind, parent, cost, _ = last_job(h)
    assert (kind, parent, cost) == ("edit", source, 7)
    assert h.balance(eve) == 50 - 5 - 7


async def test_edit_without_a_picture_or_a_forged_vary_costs_nothing(h: Harness):
    fay, chat = person(h, 3006, "Fay")
    since = h.mark()
    message = h.tg.user_sends_text(chat, fay, "/edit make it blue")
    await h.text_for(message, since, "I need a picture to edit")
    _, result = await h.imagine(chat, fay, "/imagine a fox --model flux-pro")
    query = h.tg.user_clicks_raw(chat, fay, result.result, "v:ffffffffff")
    answered = await h.answered(query)
    assert "expired" in str(answered.get("text"))
    assert h.balance(fay) == 45
    h.check_books()


async def test_an_image_sent_as_a_document_is_edited_losslessly(h: Harness):
    gus, chat = person(h, 3007, "Gus")
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (10, 200, 10, 120)).save(out, "PNG")
    since = h.mark()
    message = h.tg.user_sends_document(chat, gus, out.getvalue(), "logo.png", "image/png",
                                       caption="/edit make the background white")
    photo = await h.photo_for(message, since)
    assert "Edit of your picture." in photo["caption"]
    job_id = last_job(h)[0]
    [(mime,)] = h.query("SELECT i.mime FROM job_images j JOIN images i ON i.digest = j.digest "
                        "WHERE j.job_id = ?", job_id)
    assert mime == "image/png"  # a document keeps its transparency: no JPEG recompression


async def test_a_document_that_is_not_an_image_is_refused_for_free(h: Harness):
    hal, chat = person(h, 3008, "Hal")
    since = h.mark()
    message = h.tg.user_sends_document(chat, hal, b"%PDF-1.7 not a picture", "fake.png",
                                       "image/png", caption="/edit make it blue")
    await h.text_for(message, since, "is not a picture I can read")
    assert h.account(hal) is None or h.balance(hal) == 50


async def test_a_redelivered_edit_update_is_charged_once(h: Harness):
    ivy, chat = person(h, 3009, "Ivy")
    since = h.mark()
    message = h.tg.user_sends_photo(chat, ivy, jpeg((9, 9, 90)), caption="/edit add snow")
    await h.photo_for(message, since)
    h.tg.redeliver({"message": message})  # the same message again, a new update_id
    await h.settle(chat, ivy)  # a round trip: the redelivery has been handled
    photos = [c for c in h.tg.calls_to("sendPhoto") if c.ok and replies_to(c, message)]
    assert len(photos) == 1 and h.balance(ivy) == 50 - 7


async def test_a_photo_alone_in_a_private_chat_gets_a_hint_and_costs_nothing(h: Harness):
    joy, chat = person(h, 3010, "Joy")
    since = h.mark()
    message = h.tg.user_sends_photo(chat, joy, jpeg((90, 90, 9)))
    await h.text_for(message, since, "with a caption saying what to change")
    assert h.account(joy) is None or h.balance(joy) == 50


async def test_vary_and_edit_buttons_work_after_a_restart(h: Harness):
    kim, chat = person(h, 3011, "Kim")
    _, result = await h.imagine(chat, kim, "/imagine a red barn --model flux-pro")
    source = last_job(h)[0]
    await h.restart()
    _, [varied] = await h.click(chat, kim, result, button(result, "Vary (")["callback_data"])
    assert f"Variation of {source}." in varied["caption"]
    since = h.mark()
    query = h.tg.user_clicks(chat, kim, result.result, button(result, "Edit (")["callback_data"])
    await h.answered(query)
    prompt = await h.tg.wait_for("sendMessage", lambda c: f"#{source}" in str(c.get("text")),
                                 since=since, ok=True, timeout=10)
    await h.restart()  # the prompt's answer finds its job by the tag, not by memory
    since = h.mark()
    answer = h.tg.user_sends_text(chat, kim, "paint it blue",
                                  reply_to_message=prompt.result["message_id"])
    edited = await h.photo_for(answer, since)
    assert f"Edit of {source}." in edited["caption"]
    assert h.balance(kim) == 50 - 5 - 7 - 7


async def test_an_edit_reply_may_name_its_model_and_a_non_editor_is_refused_for_free(h: Harness):
    lou, chat = person(h, 3012, "Lou")
    _, result = await h.imagine(chat, lou, "/imagine a fox --model flux-pro")
    source = last_job(h)[0]
    since = h.mark()
    refused = h.tg.user_sends_text(chat, lou, "/edit make it blue --model bitdance",
                                   reply_to_message=result.result["message_id"])
    await h.text_for(refused, since, "BitDance cannot edit pictures")
    since = h.mark()
    wrong = h.tg.user_sends_text(chat, lou, "/edit make it blue --ar 16:9",
                                 reply_to_message=result.result["message_id"])
    await h.text_for(wrong, since, "does not apply to an edit")
    assert h.balance(lou) == 45
    since = h.mark()
    named = h.tg.user_sends_text(chat, lou, "/edit --model nano-banana-2 make it blue",
                                 reply_to_message=result.result["message_id"])
    photo = await h.photo_for(named, since)
    assert "“make it blue”" in photo["caption"]  # the instruction, without the option
    assert f"Edit of {source}." in photo["caption"]
    assert "Nano Banana 2" in photo["caption"]
    assert caption_cost(photo) == 9 and h.balance(lou) == 45 - 9
    h.check_books()


def downloads(h: Harness, since: int) -> list:
    return [c for c in h.tg.calls[since:] if c.method == "getFile" and c.ok]


async def test_an_album_with_an_edit_caption_is_one_edit_of_all_its_pictures(h: Harness):
    mia, chat = person(h, 3014, "Mia")
    since = h.mark()
    parts = h.tg.user_sends_media_group(
        chat, mia, [jpeg((200, 0, 0)), jpeg((0, 200, 0)), jpeg((0, 0, 200))],
        caption="/edit blend them into one --model flux-pro", caption_index=1)
    assert len({p["media_group_id"] for p in parts}) == 1
    photo = await h.photo_for(parts[1], since, timeout=15)
    assert "Edit of your 3 pictures." in photo["caption"]
    assert caption_cost(photo) == 7 and h.balance(mia) == 50 - 7
    job_id, kind, parent, cost, status = last_job(h)
    assert (kind, parent, cost, status) == ("edit", None, 7, "succeeded")
    [(count,)] = h.query("SELECT COUNT(*) FROM job_images WHERE job_id = ?", job_id)
    assert count == 3 and len(downloads(h, since)) == 3
    # one answer, under the captioned part; the others got no hint and no edit of their own
    answers = [c for c in h.tg.calls[since:] if c.ok and c.method in ("sendPhoto",
               "sendMessage") and any(replies_to(c, p) for p in (parts[0], parts[2]))]
    assert answers == []
    # the album delivered again after a restart (no memory of it) is charged once
    await h.restart()
    again = h.mark()
    for part in parts:
        h.tg.redeliver({"message": part})
    await asyncio.sleep(2.5)  # past the album's quiet time
    await h.settle(chat, mia)
    assert len(downloads(h, again)) == 3  # it was read again, and refused by its key
    photos = [c for c in h.tg.calls_to("sendPhoto") if c.ok and replies_to(c, parts[1])]
    assert len(photos) == 1 and h.balance(mia) == 50 - 7
    assert h.query("SELECT COUNT(*) FROM jobs WHERE kind = 'edit' AND event_key LIKE ?",
                   f"telegram:album:{chat['id']}:%") == [(1,)]
    h.check_books()


async def test_an_album_over_the_models_picture_limit_is_refused_for_free(h: Harness):
    ned, chat = person(h, 3015, "Ned")
    since = h.mark()
    parts = h.tg.user_sends_media_group(
        chat, ned, [jpeg((i * 40, 10, 10)) for i in range(4)],
        caption="/edit blend them --model grok-imagine")
    await h.text_for(parts[0], since, "Grok Imagine takes at most 3 pictures per edit",
                     timeout=15)
    assert downloads(h, since) == []  # refused before any download
    assert h.account(ned) is None or h.balance(ned) == 50


async def test_an_album_without_a_caption_gets_one_hint(h: Harness):
    oli, chat = person(h, 3016, "Oli")
    since = h.mark()
    parts = h.tg.user_sends_media_group(chat, oli, [jpeg(), jpeg((9, 9, 9))])
    await h.text_for(parts[0], since, "with a caption saying what to change", timeout=15)
    await asyncio.sleep(0.5)
    hints = [c for c in h.tg.calls[since:] if c.method == "sendMessage" and c.ok]
    assert len(hints) == 1
    assert h.account(oli) is None or h.balance(oli) == 50
