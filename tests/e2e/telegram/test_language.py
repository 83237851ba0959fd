"""A Spanish-speaking member on Telegram (issue 12): /imagine -> result -> rerun -> /balance
-> /daily -> a giveaway, through the real bot process and the fake Bot API, with no English
in anything the bot shows them; a person whose app language is unsupported gets English;
/language persists across a restart; the menu is registered per language. Editing too: a
photo with an /edit caption, the Vary and Edit buttons, the Edit prompt and its answer."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
import pytest_asyncio
from PIL import Image

from bot import i18n
from tests.e2e.english import english_in
from tests.e2e.telegram.conftest import Harness, buttons, replies_to, running_bot
from tests.fakes.telegram_api import Call

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUP_ID = -1007001
SHOWN = ("sendMessage", "editMessageText", "sendPhoto", "editMessageCaption",
         "answerCallbackQuery", "sendDocument")
PEOPLE = ("Lucía", "Mateo", "Sorteo", "Verano", "zorro", "nieve", "Hiro")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("tg-language"), WELCOME_CREDITS="50",
                           DAILY_CREDITS="10") as harness:
        yield harness
        harness.check_books()


def shown_text(call: Call) -> str:
    """Everything a person sees of one call: text or caption, and the button labels."""
    parts = [str(call.get("text") or ""), str(call.get("caption") or "")]
    markup = call.get("reply_markup")
    if isinstance(markup, dict):
        parts += [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]
        parts.append(str(markup.get("input_field_placeholder") or ""))  # a ForceReply's
    return "\n".join(parts)


def assert_spanish(h: Harness, since: int) -> int:
    """No English in anything shown since `since`; returns how many calls were checked."""
    checked = 0
    for call in h.tg.calls[since:]:
        if call.method in SHOWN and call.status == 200:
            text = shown_text(call)
            assert not english_in(text, "es", PEOPLE), (call.method, text)
            checked += 1
    return checked


async def reply(h: Harness, chat: dict, user: dict, text: str, since: int) -> Call:
    message = h.tg.user_sends_text(chat, user, text)
    return await h.tg.wait_for("sendMessage", lambda c: replies_to(c, message), since=since,
                               ok=True, timeout=15)


async def test_a_spanish_member_uses_every_feature_without_english(h: Harness):
    tg = h.tg
    lucia = tg.make_user(7001, "Lucía", username="lucia", language_code="es")
    mateo = tg.make_user(7002, "Mateo", username="mateo", language_code="es-419")
    private = tg.private_chat(lucia)
    group = tg.group_chat(GROUP_ID, "Club")
    tg.set_admins(GROUP_ID, [mateo["id"]])
    since = h.mark()

    message, photo = await h.imagine(private, lucia, "/imagine un zorro en la nieve")
    caption = photo["caption"]
    assert "porque" in caption and "Coste: 5 créditos" in caption, caption
    [again] = [b for b in buttons(photo) if b["text"].startswith("Otra vez")]
    _, [rerun] = await h.click(private, lucia, photo, again["callback_data"])
    assert "saldo: 40 créditos" in rerun["caption"]

    balance = await reply(h, private, lucia, "/balance", since)
    assert balance["text"] == "Tienes 40 créditos."
    daily = await reply(h, private, lucia, "/daily", since)
    assert daily["text"].startswith("¡+10 créditos! Tienes 50 créditos.")

    # the group's admin makes Spanish the group's default (its public posts), then a giveaway
    done = await reply(h, group, mateo, "/language server es", since)
    assert done["text"] == i18n.t_in("es", "language-server-set", name="Español")
    post = await reply(h, group, mateo,
                       "/giveaway start credits:5 winners:1 duration:1h Sorteo de Verano", since)
    assert "🎉 Sorteo de Verano: 1 ganador recibe 5 créditos" in post["text"]
    [enter] = buttons(post)
    assert enter["text"] == "🎉 Participar"
    query = tg.user_clicks(group, lucia, post.result, enter["callback_data"])
    answered = await h.answered(query)
    assert answered.get("text", "").startswith("¡Ya participas!")
    gid = re.search(r"id (\w+)", post.result["text"]).group(1)  # type: ignore[union-attr]
    news_since = h.mark()
    tg.user_sends_text(group, mateo, f"/giveaway end {gid}")
    news = await tg.wait_for("sendMessage", lambda c: "Enhorabuena" in c["text"],
                             since=news_since, ok=True, timeout=15)
    assert "Sorteo de Verano" in news["text"]
    await asyncio.sleep(0.5)  # the closing edit of the post lands too
    assert assert_spanish(h, since) >= 10


async def test_an_unsupported_app_language_gets_english(h: Harness):
    hiro = h.tg.make_user(7003, "Hiro", username="hiro", language_code="ja")
    answer = await reply(h, h.tg.private_chat(hiro), hiro, "/balance", h.mark())
    assert answer["text"] == "You have 50 credits."


async def test_language_persists_across_a_restart(h: Harness):
    ana = h.tg.make_user(7004, "Ana", username="ana7", language_code="en")
    chat = h.tg.private_chat(ana)
    chosen = await reply(h, chat, ana, "/language de", h.mark())
    assert chosen["text"] == i18n.t_in("de", "language-set", name="Deutsch")
    await h.restart()
    answer = await reply(h, chat, ana, "/balance", h.mark())
    assert answer["text"] == "Du hast 50 Credits."


async def test_the_menu_and_description_are_registered_for_each_language(h: Harness):
    for code, lang in (("es", "es"), ("pt", "pt-BR"), ("ru", "ru"), ("de", "de"),
                       ("fr", "fr"), ("tr", "tr")):
        menu = {c["command"]: c["description"] for c in h.tg.my_commands(None, code)}
        assert menu["imagine"] == i18n.t_in(lang, "cmd-imagine")
        assert h.tg.descriptions[code] == i18n.t_in(lang, "help-intro")
    assert h.tg.descriptions[""] == i18n.t_in("en", "help-intro")


def jpeg(colour: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(out, "JPEG")
    return out.getvalue()


def last_job(h: Harness) -> tuple:
    return h.query("SELECT id, kind, parent_id FROM jobs ORDER BY created_at DESC LIMIT 1")[0]


async def test_a_spanish_member_edits_and_varies_without_english(h: Harness):
    tg = h.tg
    sofia = tg.make_user(7011, "Sofía", username="sofia", language_code="es")
    chat = tg.private_chat(sofia)
    since = h.mark()

    alone = tg.user_sends_photo(chat, sofia, jpeg())  # no caption: how to ask, for free
    hint = await h.text_for(alone, since, "¡Qué buena imagen!")
    assert "<code>/edit pon el cielo morado</code>" in hint["text"]  # Markdown as HTML
    bare = tg.user_sends_text(chat, sofia, "/edit pon el cielo morado")  # and no picture
    await h.text_for(bare, since, "Necesito una imagen para editar")
    wrong = tg.user_sends_photo(chat, sofia, jpeg(), caption="/edit más luz --seed 4")
    await h.text_for(wrong, since, "<code>--seed</code> no sirve para una edición")
    assert h.account(sofia) is None  # nothing charged (no wallet yet)

    message = tg.user_sends_photo(chat, sofia, jpeg(), caption="/edit pon el cielo morado")
    photo = await h.photo_for(message, since)
    assert "Edición de tu imagen." in photo["caption"]
    assert "porque" in photo["caption"] and "Coste: 7 créditos" in photo["caption"]
    labels = [b["text"] for b in buttons(photo)]
    assert {"Variar (7 créditos)", "Variar fuerte (7 créditos)", "Editar (7 créditos)"} <= set(
        labels), labels
    source, kind, parent = last_job(h)
    assert (kind, parent) == ("edit", None)

    [vary] = [b for b in buttons(photo) if b["text"].startswith("Variar (")]
    _, [varied] = await h.click(chat, sofia, photo, vary["callback_data"])
    assert f"Variación de {source}." in varied["caption"]
    assert "porque: creó la imagen que estás variando." in varied["caption"]
    assert last_job(h)[1:] == ("vary", source)

    [edit] = [b for b in buttons(photo) if b["text"].startswith("Editar (")]
    asked = h.mark()
    query = tg.user_clicks(chat, sofia, photo.result, edit["callback_data"])
    answered = await h.answered(query)
    assert answered.get("text") == "¿Qué quieres que cambie en esta imagen?"
    prompt = await tg.wait_for("sendMessage", lambda c: f"#{source}" in str(c.get("text")),
                               since=asked, ok=True, timeout=10)
    assert prompt["text"] == f"¿Qué quieres que cambie en esta imagen? #{source}"
    assert prompt["reply_markup"]["input_field_placeholder"] == "pon el cielo morado"
    answered_at = h.mark()
    answer = tg.user_sends_text(chat, sofia, "añade una luna llena",
                                reply_to_message=prompt.result["message_id"])
    edited = await h.photo_for(answer, answered_at)
    assert f"Edición de {source}." in edited["caption"]
    assert last_job(h)[1:] == ("edit", source)
    assert h.balance(sofia) == 50 - 3 * 7

    history = await reply(h, chat, sofia, "/history", since)
    assert f"(variación de {source})" in history["text"]
    assert f"(edición de {source})" in history["text"]
    assert assert_spanish(h, since) >= 10
    h.check_books()
