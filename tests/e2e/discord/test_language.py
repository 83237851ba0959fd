"""A Portuguese-speaking member on Discord (issue 12): /imagine -> result -> rerun ->
/balance -> /daily -> a giveaway, through the real bot process and the fake Discord, with
their client in pt-BR: nothing the bot shows them (messages, every edit, embeds, buttons,
menus) is English; editing too (/edit, the Vary and Edit buttons, the Edit modal, the
"Edit image" message command). Slash commands carry pt-BR descriptions that pass Discord's
rules; the "Edit image" menu entry is named in pt-BR."""

from __future__ import annotations

import io
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image

from bot import i18n
from tests.e2e.discord.conftest import (
    GUILD_ID,
    Harness,
    component,
    ephemeral_text,
    has_image,
    running_bot,
)
from tests.e2e.english import english_in
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAMES = ("Alice", "Bob", "alice", "bob", "raposa", "neve", "Sorteio", "Junho", "Imagine",
         "Club", "gato", "png", "notas", "txt")


def prepare(dc: FakeDiscord) -> None:
    dc.world.guild(GUILD_ID).locale = "pt-BR"
    for user_id in ("700001", "700002"):
        dc.set_client_locale(user_id, "pt-BR")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-language"), prepare,
                           WELCOME_CREDITS="50", DAILY_CREDITS="10") as harness:
        yield harness
        harness.dc.assert_no_errors()


def shown(message: dict[str, Any]) -> str:
    """Everything a person sees of a message: content, embeds, buttons and menus."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "",
                  (embed.get("footer") or {}).get("text", ""),
                  (embed.get("author") or {}).get("name", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    for row in message.get("components") or []:
        for c in row.get("components") or []:
            parts += [c.get("label") or "", c.get("placeholder") or ""]
            parts += [f"{o.get('label', '')} {o.get('description') or ''}"
                      for o in c.get("options") or []]
    return "\n".join(parts)


def assert_portuguese(h: Harness) -> int:
    checked = 0
    channel = h.dc.world.default_channel(GUILD_ID)["id"]
    for message in h.dc.messages(channel, include_ephemeral=True, include_deleted=True):
        for version in h.dc.message_history(message["id"]):
            text = shown(version)
            found = english_in(text, "pt-BR", NAMES)
            assert not found, (found, text)
            checked += 1
    return checked


async def test_a_portuguese_member_uses_every_feature_without_english(h: Harness):
    done = await ephemeral_text(await h.slash(h.alice, "language", {"code": "server pt-BR"}))
    assert done == i18n.t_in("pt-BR", "language-server-set", name="Português (Brasil)")

    _, result = await h.imagine(h.bob, "uma raposa na neve", model="flux-pro")
    embed = result["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Saldo restante"] == "45 créditos" and fields["Custo"] == "5 créditos"
    assert "você escolheu o Flux Pro" in embed["description"]
    assert component(result, "img:again:")["label"].startswith("De novo no Flux Pro")
    rerun = await h.click(h.bob, result, "img:again:")
    await rerun.wait_message(lambda m: bool(m.get("attachments")), timeout=10)

    assert await ephemeral_text(await h.slash(h.bob, "balance")) == "Você tem 40 créditos."
    daily = await ephemeral_text(await h.slash(h.bob, "daily"))
    assert daily.startswith("+10 créditos! Você tem 50 créditos.")

    start = await h.slash(h.alice, "giveaway start",
                          {"credits": 5, "winners": 1, "duration": "1h", "title": "Sorteio Junho"})
    post = await start.wait_message(lambda m: bool(m["embeds"]))
    assert component(post, "gw:enter:")["label"] == "Participar"
    entered = await ephemeral_text(await h.click(h.bob, post, "gw:enter:"))
    assert entered.startswith("Você está em **Sorteio Junho**!")
    gid = component(post, "gw:enter:")["custom_id"].removeprefix("gw:enter:")
    ended = await ephemeral_text(await h.slash(h.alice, "giveaway end", {"id": gid}))
    assert ended == i18n.t_in("pt-BR", "dg-end-announced", id=gid)
    channel = post["channel_id"]
    await h.dc.wait_until(lambda: [m for m in h.dc.messages(channel, include_ephemeral=False)
                                   if "Parabéns" in (m.get("content") or "")])
    assert assert_portuguese(h) >= 8


async def test_slash_commands_carry_portuguese_descriptions_within_discords_rules(h: Harness):
    commands = {c["name"]: c for c in h.dc.commands()}
    imagine = commands["imagine"]
    assert imagine["description_localizations"]["pt-BR"] == i18n.t_in("pt-BR", "cmd-imagine")
    assert imagine["description"] == i18n.t_in("en", "cmd-imagine")
    for command in commands.values():
        for text in (command.get("description_localizations") or {}).values():
            assert 1 <= len(text) <= 100
        if command.get("type", 1) == 1:
            assert not command.get("name_localizations")  # names stay as people type them
    # "Edit image" is picked from the Apps menu, not typed: its entry is in pt-BR.
    menu = commands["Edit image"]
    assert menu["type"] == 3 and menu["name_localizations"]["pt-BR"] == "Editar imagem"
    assert menu["name_localizations"]["es-ES"] == menu["name_localizations"]["es-419"]
    assert "en-US" not in menu["name_localizations"]
    edit = commands["edit"]
    assert edit["description_localizations"]["pt-BR"] == i18n.t_in("pt-BR", "cmd-edit")
    options = {o["name"]: o for o in edit["options"]}
    assert options["prompt"]["description_localizations"]["ru"] == i18n.t_in(
        "ru", "cmd-edit--prompt")
    assert options["image2"]["description"] == "A second picture (a reference)"


def png(colour: tuple[int, int, int] = (30, 140, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(out, "PNG")
    return out.getvalue()


def text_input(modal: dict[str, Any]) -> dict[str, Any]:
    for top in modal["components"]:
        for c in top.get("components") or [top.get("component")]:
            if c and c.get("type") == 4:
                return c
    raise AssertionError(f"no text input in {modal}")


async def test_a_portuguese_member_edits_and_varies_without_english(h: Harness):
    suggest = await h.dc.autocomplete(h.bob, "edit", {"prompt": "x", "model": ""},
                                      focused="model", guild_id=h.guild_id)
    flux = next(c for c in await suggest.wait_choices() if c["value"] == "flux-pro")
    assert flux["name"] == "Flux Pro — 7 créditos por edição"

    bad = await h.slash(h.bob, "edit", {"image": ("notas.txt", b"texto"), "prompt": "azul"})
    assert await ephemeral_text(bad) == i18n.t_in("pt-BR", "edit-not-an-image",
                                                  label="notas.txt")
    inter = await h.slash(h.bob, "edit", {"image": ("gato.png", png()),
                                          "prompt": "deixe o céu roxo"})
    msg = await inter.wait_message(has_image, timeout=15)
    assert "Edição da sua imagem." in msg["embeds"][0]["description"]
    assert component(msg, "img:vary:")["label"] == "Variar (7 créditos)"
    assert component(msg, "img:varys:")["label"] == "Variar forte (7 créditos)"
    assert component(msg, "img:edit:")["label"] == "Editar (7 créditos)"
    source = h.jobs()[-1]["id"]

    vary = await h.click(h.bob, msg, "img:vary:")
    varied = await vary.wait_message(has_image, timeout=15)
    assert f"Variação de {source}." in varied["embeds"][0]["description"]
    assert "porque: foi ele que criou a imagem da qual você está fazendo uma variação." in (
        varied["embeds"][0]["description"])

    ask = await h.dc.click_button(h.bob, msg, component(msg, "img:edit:")["custom_id"])
    assert (await ask.wait_ack()).ok and ask.modal is not None
    field = text_input(ask.modal)
    assert (ask.modal["title"], field["label"], field["placeholder"]) == (
        "Editar imagem", "O que mudar", "deixe o céu roxo")
    answer = await h.dc.submit_modal(h.bob, ask, {field["custom_id"]: "ponha uma lua cheia"})
    edited = await answer.wait_message(has_image, timeout=15)
    assert f"Edição de {source}." in edited["embeds"][0]["description"]
    job = h.jobs()[-1]
    assert (job["kind"], job["parent_id"], job["locale"]) == ("edit", source, "pt-BR")

    menu = await h.dc.context_menu(h.bob, "Edit image", edited, guild_id=h.guild_id)
    assert (await menu.wait_ack()).ok and menu.modal is not None
    assert menu.modal["title"] == "Editar imagem"
    assert assert_portuguese(h) >= 12
