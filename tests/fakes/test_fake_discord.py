"""Self-test of the fake Discord: a real discord.py Client + CommandTree talks to it over HTTP
and websocket (in this process), and raw aiohttp requests probe the strict validation."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from PIL import Image

from tests.fakes.discord_api import FakeDiscord, FakeDiscordUsageError, P

TOKEN = "fake-token"
ALICE, BOB, GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222, 333_333_333_333_333_333


def png(size: int = 64, noise: bool = False) -> bytes:
    img = Image.new("RGB", (size, size), (40, 90, 200))
    if noise:
        img = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class PersistentVary(discord.ui.DynamicItem[discord.ui.Button], template=r"persist:(?P<job>\w+)"):
    def __init__(self, job: str) -> None:
        super().__init__(discord.ui.Button(label="Vary", custom_id=f"persist:{job}"))
        self.job = job

    @classmethod
    async def from_custom_id(cls, interaction, item, match):  # type: ignore[override]
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"persistent vary {self.job}")


class ImagineView(discord.ui.View):
    def __init__(self, harness: Harness) -> None:
        super().__init__(timeout=60)
        self.harness = harness

    @discord.ui.button(label="Vary", custom_id="imagine:vary:abc:1")
    async def vary(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message("varying", ephemeral=True)

    @discord.ui.button(label="Done", custom_id="imagine:done:abc")
    async def done(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="done!", view=None)

    @discord.ui.button(label="Later", custom_id="imagine:later:abc")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()  # type 6 on a component: deferred update
        await interaction.edit_original_response(content="updated later")

    @discord.ui.select(
        custom_id="imagine:model:abc",
        options=[discord.SelectOption(label=m, value=m) for m in ("flux-pro", "sdxl")],
    )
    async def model(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"model={select.values[0]}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="What do you think?", custom_id="fb:text")

    def __init__(self, harness: Harness) -> None:
        super().__init__()
        self.harness = harness

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}")


async def _no_pause(shard_id: int | None, *, initial: bool = False) -> None:
    return None


class Harness:
    """A small discord.py bot running in the test process against the fake."""

    def __init__(self, dc: FakeDiscord, shards: int | None = None) -> None:
        self.dc = dc
        self.client: discord.Client = discord.Client(intents=discord.Intents.default())
        if shards is not None:  # every shard in this process, identifying without a pause
            self.client = discord.AutoShardedClient(
                intents=discord.Intents.default(), shard_count=shards
            )
            self.client.before_identify_hook = _no_pause  # type: ignore[method-assign]
        self.tree = app_commands.CommandTree(self.client)
        self.results: dict[str, Any] = {}
        self.gate = asyncio.Event()
        self.big_png = False
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        self._task: asyncio.Task[None] | None = None
        self._register()

    def _register(self) -> None:
        tree, h = self.tree, self

        @tree.command(name="imagine", description="Generate an image")
        @app_commands.describe(prompt="What to draw", model="Model")
        async def imagine(
            interaction: discord.Interaction, prompt: str, model: str | None = None
        ) -> None:
            h.results[f"limit:{interaction.id}"] = interaction.filesize_limit
            await interaction.response.defer(thinking=True)
            data = png(128, noise=True) if h.big_png else png()
            try:
                msg = await interaction.followup.send(
                    f"**{prompt}** ({model or 'default'})",
                    file=discord.File(io.BytesIO(data), "image.png"),
                    view=ImagineView(h),
                    wait=True,
                )
                h.results[str(interaction.id)] = msg
            except discord.HTTPException as e:
                h.results[str(interaction.id)] = e

        @imagine.autocomplete("model")
        async def model_ac(interaction: discord.Interaction, current: str):
            names = ["flux-pro", "flux-dev", "sdxl"]
            return [app_commands.Choice(name=n, value=n) for n in names if current in n]

        @tree.command(name="slow", description="Waits for the test before acknowledging")
        async def slow(interaction: discord.Interaction) -> None:
            await h.gate.wait()
            try:
                await interaction.response.defer()
                h.results[str(interaction.id)] = "ok"
            except discord.HTTPException as e:
                h.results[str(interaction.id)] = e

        @tree.command(name="later", description="Defers, waits for the test, then follows up")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await h.gate.wait()
            try:
                await interaction.followup.send("late result")
                h.results[str(interaction.id)] = "ok"
            except discord.HTTPException as e:
                h.results[str(interaction.id)] = e

        @tree.command(name="rows", description="Posts a message with 6 action rows")
        async def rows(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            rows = [
                {
                    "type": 1,
                    "components": [{"type": 2, "style": 1, "label": "x", "custom_id": f"r{i}"}],
                }
                for i in range(6)
            ]
            route = discord.http.Route(
                "POST", "/channels/{channel_id}/messages", channel_id=interaction.channel_id
            )
            try:
                await h.client.http.request(route, json={"content": "rows", "components": rows})
                h.results[str(interaction.id)] = "ok"
            except discord.HTTPException as e:
                h.results[str(interaction.id)] = e
            await interaction.followup.send("tried")

        @tree.command(name="private", description="Ephemeral defer, then followups")
        async def private(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            first = await interaction.followup.send("secret", wait=True)
            second = await interaction.followup.send("public?", wait=True)
            await interaction.edit_original_response(content="secret, edited")
            await interaction.followup.delete_message(second.id)
            h.results[str(interaction.id)] = (first.id, second.id)

        @tree.context_menu(name="Profile")
        async def profile(interaction: discord.Interaction, member: discord.Member) -> None:
            await interaction.response.send_message(f"profile of {member.name}")

        @self.client.event
        async def on_message(message: discord.Message) -> None:
            h.results[f"on_message:{message.id}"] = message.content

        @tree.command(name="feedback", description="Opens a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal(h))

        giveaway = app_commands.Group(
            name="giveaway",
            description="Giveaways",
            default_permissions=discord.Permissions(manage_guild=True),
        )

        @giveaway.command(name="start", description="Start a giveaway")
        async def start(interaction: discord.Interaction, credits: int) -> None:
            await interaction.response.send_message(f"giveaway of {credits}")

        tree.add_command(giveaway)

        async def setup_hook() -> None:
            self.client.add_dynamic_items(PersistentVary)
            await self.tree.sync()

        self.client.setup_hook = setup_hook  # type: ignore[method-assign]

    async def start(self) -> None:
        discord.http.Route.BASE = self.dc.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.dc.gateway_url)
        await self.client.login(TOKEN)
        self._task = asyncio.create_task(self.client.connect(reconnect=True))
        await self.dc.wait_connected(10)

    async def close(self) -> None:
        try:
            await self.client.close()
            if self._task is not None:
                try:
                    await asyncio.wait_for(self._task, 5)
                except (TimeoutError, asyncio.CancelledError, Exception):
                    self._task.cancel()
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved

    async def result(self, key: Any, timeout: float = 10.0) -> Any:
        key = str(key)
        await self.dc.wait_until(lambda: key in self.results, timeout, f"bot result {key}")
        return self.results[key]


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        fake.make_user(ALICE, "alice")
        fake.make_user(BOB, "bob")
        fake.add_guild(GUILD, "Test Guild", owner_id=ALICE)
        fake.add_member(GUILD, BOB)
        yield fake


@pytest.fixture
async def bot(dc: FakeDiscord) -> AsyncIterator[Harness]:
    h = Harness(dc)
    try:
        await h.start()
        yield h
    finally:
        await h.close()


async def imagine_and_wait(dc: FakeDiscord, **kw: Any):
    inter = await dc.slash_command(ALICE, "imagine", {"prompt": "a blue cat"}, **kw)
    ack = await inter.wait_ack()
    assert ack.ok and ack.callback_type == 5
    msg = await inter.wait_message(lambda m: bool(m["attachments"]))
    return inter, msg


def custom_ids(msg: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in msg["components"] for c in row["components"]]


# ------------------------------------------------------------------------------------------------
# discord.py against the fake
# ------------------------------------------------------------------------------------------------
async def test_login_and_sync_records_commands(dc: FakeDiscord, bot: Harness) -> None:
    names = sorted(c["name"] for c in dc.commands())
    assert names == [
        "Profile",
        "feedback",
        "giveaway",
        "imagine",
        "later",
        "private",
        "rows",
        "slow",
    ]
    imagine = dc.command("imagine")
    assert imagine is not None and imagine["application_id"] == dc.application_id
    assert [(o["name"], o["type"], o.get("required", False)) for o in imagine["options"]] == [
        ("prompt", 3, True),
        ("model", 3, False),
    ]
    put = await dc.wait_for(("PUT", rf"^/applications/{dc.application_id}/commands$", 200))
    assert put.headers["Authorization"] == f"Bot {TOKEN}"
    assert [r.path for r in dc.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    identify = [f for f in dc.gateway_frames if f.direction == "recv" and f.op == 2]
    assert identify and identify[0].d["token"] == TOKEN
    assert bot.client.user is not None and str(bot.client.user.id) == dc.bot_user["id"]
    dc.assert_no_errors()


async def test_json_content_type_and_auth(dc: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(
            f"{dc.api_base}/users/@me", headers={"Authorization": f"Bot {TOKEN}"}
        ) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "application/json"
        async with s.get(f"{dc.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as r:
            assert r.status == 401 and r.headers["Content-Type"] == "application/json"
    assert [e.status for e in dc.errors] == [401]
    client = discord.Client(intents=discord.Intents.none())
    saved = discord.http.Route.BASE
    discord.http.Route.BASE = dc.api_base
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("wrong-token")
    finally:
        discord.http.Route.BASE = saved
        await client.close()


@pytest.mark.parametrize("where", ["guild", "dm"])
async def test_imagine_defer_then_followup_with_file_and_components(
    dc: FakeDiscord, bot: Harness, where: str
) -> None:
    guild_id = GUILD if where == "guild" else None
    inter, msg = await imagine_and_wait(dc, guild_id=guild_id)
    assert inter.payload["context"] == (0 if guild_id else 1)
    assert ("member" in inter.payload) == bool(guild_id) and ("user" in inter.payload) != bool(
        guild_id
    )
    # the first followup after the defer edited the "thinking" original (same id)
    assert msg["id"] == inter.original_message_id
    assert msg["flags"] & 128 == 0 and msg["content"] == "**a blue cat** (default)"
    (att,) = msg["attachments"]
    assert att["filename"] == "image.png" and att["content_type"] == "image/png"
    assert (att["width"], att["height"]) == (64, 64)
    assert dc.attachment_data(att) == png() and att["size"] == len(png())
    assert custom_ids(msg) == [
        "imagine:vary:abc:1",
        "imagine:done:abc",
        "imagine:later:abc",
        "imagine:model:abc",
    ]
    assert [r["type"] for r in msg["components"]] == [1, 1]
    follow = next(r for r in inter.responses if r.kind == "followup")
    assert follow.files[0].field == "files[0]" and follow.payload["attachments"][0]["id"] == 0
    assert "Authorization" not in follow.request.headers
    assert dc.messages(inter.channel_id)[-1]["id"] == msg["id"]
    sent = await bot.result(inter.id)
    assert isinstance(sent, discord.WebhookMessage) and sent.id == int(msg["id"])
    assert await bot.result(f"limit:{inter.id}") == 10 * 1024 * 1024
    # the CDN url serves the bytes
    async with aiohttp.ClientSession() as s, s.get(att["url"]) as r:
        assert r.status == 200 and await r.read() == png()
    dc.assert_no_errors()


async def test_button_select_and_update_callbacks(dc: FakeDiscord, bot: Harness) -> None:
    _, msg = await imagine_and_wait(dc, guild_id=GUILD)
    click = await dc.click_button(ALICE, msg, "imagine:vary:abc:1")
    assert click.payload["message"]["id"] == msg["id"]
    ack = await click.wait_ack()
    assert ack.callback_type == 4 and ack.ok
    assert click.original["content"] == "varying" and click.original["flags"] & 64

    pick = await dc.select_option(BOB, msg, "imagine:model:abc", ["sdxl"])
    assert (await pick.wait_ack()).callback_type == 4
    assert pick.original["content"] == "model=sdxl"

    done = await dc.click_button(ALICE, msg, "imagine:done:abc")
    ack = await done.wait_ack()
    assert ack.callback_type == 7 and ack.ok
    current = dc.message(msg["id"])
    assert current["content"] == "done!" and current["components"] == []
    assert current["edited_timestamp"] is not None
    with pytest.raises(FakeDiscordUsageError):  # the buttons are gone now
        await dc.click_button(ALICE, msg, "imagine:vary:abc:1")
    dc.assert_no_errors()


async def test_ack_after_deadline_gets_10062(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.slash_command(ALICE, "slow", guild_id=GUILD)
    dc.advance_time(3.5)
    bot.gate.set()
    err = await bot.result(inter.id)
    assert isinstance(err, discord.NotFound) and err.code == 10062
    assert [(e.status, e.error_code) for e in dc.errors] == [(404, 10062)]
    assert inter.ack_expired and not inter.acked


async def test_redelivered_interaction_second_ack_gets_40060(dc: FakeDiscord, bot: Harness) -> None:
    bot.gate.set()
    inter = await dc.slash_command(ALICE, "slow", guild_id=GUILD)
    await inter.wait_ack()
    await dc.redeliver(inter)
    await inter.wait_response("callback", ok=False)
    assert [(e.status, e.error_code) for e in dc.errors] == [(400, 40060)]
    assert [r.ok for r in dc.interaction_responses(inter.id)] == [True, False]


async def test_followup_after_token_expiry_gets_50027(dc: FakeDiscord, bot: Harness) -> None:
    dc.interaction_token_ttl = 0.5
    inter = await dc.slash_command(ALICE, "later", guild_id=GUILD)
    await inter.wait_ack()
    dc.advance_time(1.0)
    bot.gate.set()
    err = await bot.result(inter.id)
    assert isinstance(err, discord.HTTPException) and err.status == 401 and err.code == 50027


async def test_429_with_via_is_retried(dc: FakeDiscord, bot: Harness) -> None:
    dc.fail_next("POST", r"^/webhooks/", status=429, retry_after=0.2, with_via=True)
    inter, msg = await imagine_and_wait(dc, guild_id=GUILD)
    posts = [r for r in dc.requests if r.method == "POST" and r.path.startswith("/webhooks/")]
    assert [(r.status, r.injected) for r in posts] == [(429, True), (200, False)]
    assert posts[0].response["retry_after"] == 0.2 and posts[1].files[0].data == png()
    assert isinstance(await bot.result(inter.id), discord.WebhookMessage)
    dc.assert_no_errors()


async def test_429_without_via_is_not_retried(dc: FakeDiscord, bot: Harness) -> None:
    dc.fail_next("POST", r"^/webhooks/", status=429, retry_after=0.2, with_via=False)
    inter = await dc.slash_command(ALICE, "imagine", {"prompt": "x"}, guild_id=GUILD)
    err = await bot.result(inter.id)
    assert isinstance(err, discord.HTTPException) and err.status == 429


async def test_oversize_attachment_gets_413(dc: FakeDiscord, bot: Harness) -> None:
    bot.big_png = True
    inter = await dc.slash_command(
        ALICE, "imagine", {"prompt": "x"}, guild_id=GUILD, attachment_size_limit=1000
    )
    err = await bot.result(inter.id)
    assert await bot.result(f"limit:{inter.id}") == 1000
    assert isinstance(err, discord.HTTPException) and err.status == 413 and err.code == 40005
    assert [(e.status, e.error_code) for e in dc.errors] == [(413, 40005)]
    assert inter.original["flags"] & 128  # still "thinking"


async def test_six_action_rows_rejected_with_50035(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.slash_command(ALICE, "rows", guild_id=GUILD)
    err = await bot.result(inter.id)
    assert isinstance(err, discord.HTTPException) and err.status == 400 and err.code == 50035
    (bad,) = dc.errors
    assert bad.path.startswith("/channels/") and "components" in bad.response["errors"]
    await inter.wait_message(lambda m: m["content"] == "tried")


async def test_dynamic_item_on_message_the_client_never_saw(dc: FakeDiscord, bot: Harness) -> None:
    channel = dc.world.default_channel(GUILD)["id"]
    old = dc.seed_message(
        channel,
        "job from a previous run",
        components=[
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 2, "label": "Vary", "custom_id": "persist:job42"}
                ],
            }
        ],
    )
    inter = await dc.click_button(BOB, old, "persist:job42")
    ack = await inter.wait_ack()
    assert ack.ok and ack.callback_type == 4
    assert inter.original["content"] == "persistent vary job42"
    with pytest.raises(FakeDiscordUsageError, match="not on message"):
        await dc.click_button(BOB, old, "persist:other")
    dc.assert_no_errors()


async def test_autocomplete_returns_choices(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.autocomplete(ALICE, "imagine", {"prompt": "cat", "model": "flux"}, "model")
    choices = await inter.wait_choices()
    assert [c["value"] for c in choices] == ["flux-pro", "flux-dev"]
    assert inter.callback_type == 8
    dc.assert_no_errors()


async def test_subcommand_and_default_permissions(dc: FakeDiscord, bot: Harness) -> None:
    giveaway = dc.command("giveaway")
    assert giveaway["default_member_permissions"] == str(P.MANAGE_GUILD)
    with pytest.raises(FakeDiscordUsageError, match="hidden"):
        await dc.slash_command(BOB, "giveaway start", {"credits": 5}, guild_id=GUILD)
    carol = dc.make_user(444, "carol")
    dc.add_member(GUILD, carol, permissions=str(P.MANAGE_GUILD))
    inter = await dc.slash_command(carol, "giveaway", {"start": {"credits": 100}}, guild_id=GUILD)
    assert inter.payload["data"]["options"] == [
        {"name": "start", "type": 1, "options": [{"name": "credits", "type": 4, "value": 100}]}
    ]
    assert int(inter.payload["member"]["permissions"]) & P.MANAGE_GUILD
    await inter.wait_message(lambda m: m["content"] == "giveaway of 100")
    dc.assert_no_errors()


async def test_modal_roundtrip(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.slash_command(ALICE, "feedback", guild_id=GUILD)
    assert (await inter.wait_ack()).callback_type == 9
    submit = await dc.submit_modal(ALICE, inter, {"fb:text": "great"})
    assert (await submit.wait_ack()).callback_type == 4
    assert submit.original["content"] == "thanks: great"
    dc.assert_no_errors()


async def test_reconnect_resumes_and_commands_still_work(dc: FakeDiscord, bot: Harness) -> None:
    await dc.request_reconnect()
    await dc.wait_until(lambda: dc.gateway.resume_count == 1 and dc.connected, 10, "RESUME")
    assert dc.gateway.connections[-1].path == "/gateway-resume"
    assert dc.gateway.identify_count == 1
    seqs = [f.s for f in dc.gateway_frames if f.direction == "sent" and f.s is not None]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    await imagine_and_wait(dc, guild_id=GUILD)
    dc.assert_no_errors()


async def test_driver_refuses_impossible_user_actions(dc: FakeDiscord, bot: Harness) -> None:
    with pytest.raises(FakeDiscordUsageError, match="missing required"):
        await dc.slash_command(ALICE, "imagine", {}, guild_id=GUILD)
    with pytest.raises(FakeDiscordUsageError, match="unknown option"):
        await dc.slash_command(ALICE, "imagine", {"prompt": "x", "size": 3}, guild_id=GUILD)
    with pytest.raises(FakeDiscordUsageError, match="not synced"):
        await dc.slash_command(ALICE, "nope", guild_id=GUILD)
    with pytest.raises(FakeDiscordUsageError, match="not a member"):
        await dc.slash_command(
            dc.make_user(999, "stranger"), "imagine", {"prompt": "x"}, guild_id=GUILD
        )
    _, msg = await imagine_and_wait(dc)  # DM with alice
    with pytest.raises(FakeDiscordUsageError, match="another user's DM"):
        await dc.click_button(BOB, msg, "imagine:vary:abc:1")
    with pytest.raises(FakeDiscordUsageError, match="not options"):
        await dc.select_option(ALICE, msg, "imagine:model:abc", ["dalle"])


async def test_ephemeral_defer_followups_edit_and_delete(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.slash_command(ALICE, "private", guild_id=GUILD)
    first_id, second_id = await bot.result(inter.id)
    assert str(first_id) == inter.original_message_id  # first followup filled the defer
    original = inter.original
    assert original["content"] == "secret, edited" and original["flags"] == 64
    assert dc.message(second_id) is None  # deleted via the webhook
    kinds = [(r.kind, r.status) for r in inter.responses]
    assert kinds == [
        ("callback", 200),
        ("followup", 200),
        ("followup", 200),
        ("edit", 200),
        ("delete", 204),
    ]
    assert [m["content"] for m in dc.message_history(first_id)] == ["", "secret", "secret, edited"]
    # ephemeral messages are not visible through the bot-token channel API
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        url = f"{dc.api_base}/channels/{inter.channel_id}/messages/{first_id}"
        async with s.get(url) as r:
            assert r.status == 404
    dc.errors.clear()
    with pytest.raises(FakeDiscordUsageError, match="ephemeral"):
        await dc.click_button(BOB, original, "x")


async def test_deferred_update_then_edit_original_edits_clicked_message(
    dc: FakeDiscord, bot: Harness
) -> None:
    _, msg = await imagine_and_wait(dc, guild_id=GUILD)
    click = await dc.click_button(ALICE, msg, "imagine:later:abc")
    assert (await click.wait_ack()).callback_type == 6
    edit = await click.wait_response("edit")
    assert edit.ok and edit.message_id == msg["id"]
    await dc.wait_until(lambda: dc.message(msg["id"])["content"] == "updated later", 5)
    dc.assert_no_errors()


async def test_context_menu_and_user_messages(dc: FakeDiscord, bot: Harness) -> None:
    inter = await dc.context_menu(ALICE, "Profile", BOB, guild_id=GUILD)
    assert inter.payload["data"]["target_id"] == str(BOB)
    await inter.wait_message(lambda m: m["content"] == "profile of bob")
    dm = dc.dm_channel(ALICE)["id"]
    msg = await dc.user_sends_message(ALICE, dm, "hello bot")
    assert await bot.result(f"on_message:{msg['id']}") == "hello bot"
    channel = dc.world.default_channel(GUILD)["id"]
    msg = await dc.user_sends_message(ALICE, channel, "no content intent")
    assert await bot.result(f"on_message:{msg['id']}") == ""  # MESSAGE_CONTENT not requested
    dc.assert_no_errors()


async def test_invalid_session_forces_identify(dc: FakeDiscord, bot: Harness) -> None:
    await dc.invalidate_session(resumable=False)
    await dc.wait_until(lambda: dc.gateway.identify_count == 2 and dc.connected, 10, "IDENTIFY")
    inter = await dc.slash_command(ALICE, "imagine", {"prompt": "again"}, guild_id=GUILD)
    await inter.wait_message(lambda m: bool(m["attachments"]))
    dc.assert_no_errors()


# ------------------------------------------------------------------------------------------------
# strict validation, probed with raw HTTP (no discord.py client needed)
# ------------------------------------------------------------------------------------------------
def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def button(cid: str | None = "b", **kw: Any) -> dict[str, Any]:
    b = {"type": 2, "style": kw.pop("style", 1), "label": kw.pop("label", "ok"), **kw}
    if cid is not None:
        b["custom_id"] = cid
    return b


def select(cid: str = "s", n: int = 2, **kw: Any) -> dict[str, Any]:
    opts = [{"label": f"o{i}", "value": f"v{i}"} for i in range(n)]
    return {"type": 3, "custom_id": cid, "options": opts, **kw}


BAD_MESSAGES = {
    "content_2001": {"content": "x" * 2001},
    "11_embeds": {"embeds": [{"title": "t"}] * 11},
    "embed_title_257": {"embeds": [{"title": "t" * 257}]},
    "embed_description_4097": {"embeds": [{"description": "d" * 4097}]},
    "embed_26_fields": {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
    "embed_field_value_1025": {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
    "embed_footer_2049": {"embeds": [{"footer": {"text": "f" * 2049}}]},
    "embeds_total_6001": {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
    "6_rows": {"components": [row(button(f"b{i}")) for i in range(6)]},
    "6_buttons": {"components": [row(*[button(f"b{i}") for i in range(6)])]},
    "select_not_alone": {"components": [row(select(), button())]},
    "select_26_options": {"components": [row(select(n=26))]},
    "select_0_options": {"components": [row(select(n=0))]},
    "option_label_101": {
        "components": [row({**select(n=1), "options": [{"label": "l" * 101, "value": "v"}]})]
    },
    "custom_id_101": {"components": [row(button("c" * 101))]},
    "custom_id_empty": {"components": [row(button(""))]},
    "duplicate_custom_ids": {"components": [row(button("same"), button("same"))]},
    "button_label_81": {"components": [row(button(label="l" * 81))]},
    "link_without_url": {"components": [row(button(None, style=5))]},
    "button_without_custom_id": {"components": [row(button(None))]},
    "top_level_button": {"components": [button()]},
    "premium_without_sku": {"components": [row(button(None, style=6, label=None))]},
    "premium_with_label": {"components": [row(button(None, style=6, sku_id="1"))]},
    "premium_with_custom_id": {"components": [row(button("p", style=6, label=None,
                                                         sku_id="1"))]},
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
async def test_invalid_message_rejected_with_50035(dc: FakeDiscord, name: str) -> None:
    channel = dc.world.default_channel(GUILD)["id"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        url = f"{dc.api_base}/channels/{channel}/messages"
        async with s.post(url, json={"content": "hi", **BAD_MESSAGES[name]}) as r:
            body = await r.json(content_type=None)
            assert (r.status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
            assert body["errors"]
        async with s.post(
            url, json={"content": "fine", "components": [row(button(), select())]}
        ) as r:
            assert r.status == 400  # control: select + button in one row
        async with s.post(
            url, json={"content": "fine", "components": [row(button("a")), row(select())]}
        ) as r:
            assert r.status == 200, await r.text()
    assert dc.messages(channel)[-1]["content"] == "fine"


async def test_empty_message_and_missing_channel(dc: FakeDiscord) -> None:
    channel = dc.world.default_channel(GUILD)["id"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        async with s.post(f"{dc.api_base}/channels/{channel}/messages", json={}) as r:
            assert r.status == 400 and (await r.json())["code"] == 50006
        async with s.post(f"{dc.api_base}/channels/1/messages", json={"content": "x"}) as r:
            assert r.status == 404 and (await r.json())["code"] == 10003


async def test_bot_token_channel_and_dm_messages(dc: FakeDiscord) -> None:
    shy = dc.make_user(555, "shy", dms_open=False)
    channel = dc.world.default_channel(GUILD)["id"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        api = dc.api_base
        async with s.post(f"{api}/users/@me/channels", json={"recipient_id": str(ALICE)}) as r:
            dm = await r.json()
            assert r.status == 200 and dm["type"] == 1 and dm["recipients"][0]["id"] == str(ALICE)
        form = aiohttp.FormData(quote_fields=False)
        payload = {"content": "your image", "attachments": [{"id": 0, "filename": "a.png"}]}
        form.add_field("payload_json", json.dumps(payload))
        form.add_field("files[0]", png(), filename="a.png", content_type="application/octet-stream")
        async with s.post(f"{api}/channels/{dm['id']}/messages", data=form) as r:
            sent = await r.json()
            assert r.status == 200 and sent["attachments"][0]["content_type"] == "image/png"
            assert sent["author"]["id"] == dc.bot_user["id"] and sent["type"] == 0
        url = f"{api}/channels/{dm['id']}/messages/{sent['id']}"
        async with s.patch(url, json={"content": "edited", "attachments": []}) as r:
            edited = await r.json()
            assert edited["content"] == "edited" and edited["attachments"] == []
            assert edited["edited_timestamp"] is not None
        async with s.delete(url) as r:
            assert r.status == 204
        async with s.get(url) as r:
            assert (r.status, (await r.json())["code"]) == (404, 10008)
        async with s.post(f"{api}/users/@me/channels", json={"recipient_id": shy["id"]}) as r:
            shy_dm = await r.json()
        async with s.post(f"{api}/channels/{shy_dm['id']}/messages", json={"content": "x"}) as r:
            assert (r.status, (await r.json())["code"]) == (403, 50007)
        user_msg = await dc.user_sends_message(ALICE, channel, "mine")
        async with s.patch(
            f"{api}/channels/{channel}/messages/{user_msg['id']}", json={"content": "x"}
        ) as r:
            assert (r.status, (await r.json())["code"]) == (403, 50005)
        async with s.get(f"{api}/channels/{channel}") as r:
            assert (await r.json())["guild_id"] == str(GUILD)
        async with s.get(f"{api}/guilds/{GUILD}/members/{BOB}") as r:
            assert (await r.json())["user"]["username"] == "bob"
        async with s.get(f"{api}/guilds/{GUILD}/members/1") as r:
            assert (r.status, (await r.json())["code"]) == (404, 10007)
    assert dc.messages(dm["id"], include_deleted=True)[0]["content"] == "edited"
    assert [e.error_code for e in dc.errors] == [10008, 50007, 50005, 10007]


async def test_fault_injection_500_then_ok(dc: FakeDiscord) -> None:
    dc.fail_next("GET", r"^/users/@me$", status=500, times=2)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        statuses = []
        for _ in range(3):
            async with s.get(f"{dc.api_base}/users/@me") as r:
                statuses.append((r.status, r.headers["Content-Type"]))
    assert statuses == [(500, "application/json")] * 2 + [(200, "application/json")]
    assert len(dc.injected) == 2 and dc.errors == []
    rec = await dc.wait_for(("GET", r"^/users/@me$", 200))
    assert rec.index == 2


BAD_COMMANDS = {
    "uppercase_name": {"name": "Imagine", "description": "d"},
    "name_33": {"name": "n" * 33, "description": "d"},
    "description_101": {"name": "imagine", "description": "d" * 101},
    "no_description": {"name": "imagine"},
    "26_options": {
        "name": "imagine",
        "description": "d",
        "options": [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)],
    },
    "26_choices": {
        "name": "imagine",
        "description": "d",
        "options": [
            {
                "type": 3,
                "name": "o",
                "description": "d",
                "choices": [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)],
            }
        ],
    },
    "bad_option_type": {
        "name": "imagine",
        "description": "d",
        "options": [{"type": 12, "name": "o", "description": "d"}],
    },
    "required_after_optional": {
        "name": "imagine",
        "description": "d",
        "options": [
            {"type": 3, "name": "a", "description": "d"},
            {"type": 3, "name": "b", "description": "d", "required": True},
        ],
    },
}


@pytest.mark.parametrize("name", list(BAD_COMMANDS))
async def test_invalid_command_sync_rejected(dc: FakeDiscord, name: str) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        url = f"{dc.api_base}/applications/{dc.application_id}/commands"
        async with s.put(url, json=[BAD_COMMANDS[name]]) as r:
            body = await r.json()
            assert (r.status, body["code"]) == (400, 50035) and "0" in body["errors"]
    assert dc.commands() == []


# ------------------------------------------------------------------------------------------------
# gateway sharding
# ------------------------------------------------------------------------------------------------
GUILD_2 = 555_555_555_555_555_555  # on shard 1 of 2 (GUILD is on shard 0)


def add_second_guild(dc: FakeDiscord) -> None:
    assert (dc.shard_of(GUILD, 2), dc.shard_of(GUILD_2, 2)) == (0, 1)
    dc.add_guild(GUILD_2, "Second Guild", owner_id=BOB)
    dc.add_member(GUILD_2, ALICE)


@contextlib.asynccontextmanager
async def raw_gateway(dc: FakeDiscord, shard: Any = None) -> AsyncIterator[Any]:
    """A gateway connection opened by hand: HELLO, then IDENTIFY (with ``shard`` if given)."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{dc.gateway_url}?v=10&encoding=json") as ws:
            assert (await ws.receive_json(timeout=5))["op"] == 10
            d: dict[str, Any] = {"token": TOKEN, "intents": 1,
                                 "properties": {"os": "linux", "browser": "t", "device": "t"}}
            if shard is not None:
                d["shard"] = shard
            await ws.send_json({"op": 2, "d": d})
            yield ws


async def sync_imagine(dc: FakeDiscord) -> None:
    """Register /imagine as a bot would (the drivers only use synced commands)."""
    cmd = {"name": "imagine", "description": "Generate an image", "options": [
        {"type": 3, "name": "prompt", "description": "What to draw", "required": True}]}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
        url = f"{dc.api_base}/applications/{dc.application_id}/commands"
        async with s.put(url, json=[cmd]) as r:
            assert r.status == 200


async def dispatches(ws: Any, n: int) -> list[dict[str, Any]]:
    """The next ``n`` DISPATCH frames on a raw connection."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = await ws.receive_json(timeout=5)
        if frame["op"] == 0:
            out.append(frame)
    return out


async def test_sharded_client_gets_each_guild_on_its_shard_and_dms_on_shard_0(
    dc: FakeDiscord,
) -> None:
    add_second_guild(dc)
    h = Harness(dc, shards=2)
    try:
        await h.start()  # waits until shards 0 and 1 are both connected
        assert sorted(dc.gateway.sessions) == [0, 1] and dc.gateway.identify_count == 2
        for shard, gid in ((0, GUILD), (1, GUILD_2)):
            conn = dc.gateway.sessions[shard].conn
            assert conn is not None
            ready = conn.dispatched("READY")[0].d
            assert ready["shard"] == [shard, 2]
            assert [g["id"] for g in ready["guilds"]] == [str(gid)]
            assert [f.d["id"] for f in conn.dispatched("GUILD_CREATE")] == [str(gid)]
        identified = [f.d["shard"] for f in dc.gateway_frames if f.direction == "recv" and f.op == 2]
        assert identified == [[0, 2], [1, 2]]
        await dc.wait_until(lambda: len(h.client.guilds) == 2, 10, "both guilds cached")
        assert {g.id: g.shard_id for g in h.client.guilds} == {GUILD: 0, GUILD_2: 1}

        delivered: dict[int, Any] = {}
        for gid, shard in ((GUILD, 0), (GUILD_2, 1), (None, 0)):  # None: a DM
            inter, _ = await imagine_and_wait(dc, guild_id=gid)
            delivered[inter.id] = inter
            assert inter.shard_id == shard, (gid, inter.shard_id)
        for shard in (0, 1):
            conn = dc.gateway.sessions[shard].conn
            assert conn is not None
            got = {f.d["id"] for f in conn.dispatched("INTERACTION_CREATE")}
            assert got == {i for i, inter in delivered.items() if inter.shard_id == shard}

        # One shard resumes on its own; the other keeps its connection.
        before = dc.gateway.sessions[0].conn
        await dc.request_reconnect(shard_id=1)
        await dc.wait_until(lambda: dc.gateway.resume_count == 1 and dc.connected, 10, "RESUME")
        assert dc.gateway.identify_count == 2 and dc.gateway.sessions[0].conn is before
        inter, _ = await imagine_and_wait(dc, guild_id=GUILD_2)
        assert inter.shard_id == 1 and inter.deliveries[-1].path == "/gateway-resume"
        dc.assert_no_errors()
    finally:
        await h.close()


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [1], [0, True], "0,2"])
async def test_invalid_shard_is_closed_with_4010(dc: FakeDiscord, shard: Any) -> None:
    async with raw_gateway(dc, shard) as ws:
        msg = await ws.receive(timeout=5)
        assert (msg.type, msg.data, msg.extra) == (aiohttp.WSMsgType.CLOSE, 4010, "Invalid shard")
    assert dc.gateway.identify_count == 0 and dc.gateway.sessions == {}
    assert [code for _, code in dc.gateway.refused] == [4010]


async def test_too_many_guilds_on_one_shard_is_closed_with_4011(dc: FakeDiscord) -> None:
    add_second_guild(dc)
    dc.gateway.max_guilds_per_shard = 1
    async with raw_gateway(dc) as ws:  # unsharded: both guilds on one connection
        msg = await ws.receive(timeout=5)
        assert (msg.data, msg.extra) == (4011, "Sharding required")
    async with raw_gateway(dc, [1, 2]) as ws:
        ready, guild = await dispatches(ws, 2)
        assert ready["t"] == "READY" and ready["d"]["shard"] == [1, 2]
        assert [g["id"] for g in ready["d"]["guilds"]] == [str(GUILD_2)]
        assert (guild["t"], guild["d"]["id"]) == ("GUILD_CREATE", str(GUILD_2))
    assert [code for _, code in dc.gateway.refused] == [4011]


# GET /gateway/bot in discord/discord-api-spec (specs/openapi.json @74fda0f):
# GatewayBotResponse {url: string, shards: int32, session_start_limit} and
# GatewayBotSessionStartLimitResponse {max_concurrency, remaining, reset_after, total: int32},
# every field required.
GATEWAY_BOT_KEYS = {"url": str, "shards": int, "session_start_limit": dict}
SESSION_START_KEYS = {"max_concurrency": int, "remaining": int, "reset_after": int, "total": int}


async def test_gateway_bot_reports_shards_and_session_start_limit(dc: FakeDiscord) -> None:
    async def get() -> dict[str, Any]:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as s:
            async with s.get(f"{dc.api_base}/gateway/bot") as r:
                assert r.status == 200
                body = await r.json()
        for key, kind in GATEWAY_BOT_KEYS.items():
            assert isinstance(body[key], kind), key
        for key, kind in SESSION_START_KEYS.items():
            assert isinstance(body["session_start_limit"][key], kind), key
        return body

    body = await get()
    limit = body["session_start_limit"]
    assert body["shards"] == 1 and body["url"] == dc.gateway_url
    assert limit["max_concurrency"] == 1 and limit["remaining"] == limit["total"] == 1000
    assert "identify_window_ms" not in limit  # Discord's own 5 s: nothing to say
    dc.recommended_shards, dc.max_concurrency, dc.identify_window = 4, 16, 0.25
    async with raw_gateway(dc, [3, 4]) as ws:
        await dispatches(ws, 1)
    body = await get()
    limit = body["session_start_limit"]
    assert (body["shards"], limit["max_concurrency"], limit["remaining"]) == (4, 16, 999)
    assert limit["identify_window_ms"] == 250


async def test_identifies_are_timed_per_bucket_and_too_close_ones_listed(dc: FakeDiscord) -> None:
    add_second_guild(dc)
    dc.max_concurrency, dc.identify_window = 2, 30.0
    await sync_imagine(dc)
    async with raw_gateway(dc, [0, 2]), raw_gateway(dc, [1, 2]):
        await dc.wait_connected(5, shards=2)
        assert dc.connected
        assert dc.gateway.identify_violations() == []  # buckets 0 and 1: no limit between them
        assert len(dc.gateway.identify_violations(max_concurrency=1)) == 1  # one bucket: too close
        # A second IDENTIFY of shard 0 (say, a restarted process) takes over its events at once.
        async with raw_gateway(dc, [0, 2]) as again:
            await dispatches(again, 2)
            [(first, second)] = dc.gateway.identify_violations()
            assert (first.shard_id, second.shard_id) == (0, 0) and second.at > first.at
            assert dc.gateway.identify_violations(window=0.0) == []
            assert len(dc.gateway.identify_times(bucket=0)) == 2
            inter = await dc.slash_command(ALICE, "imagine", {"prompt": "a dm"})
            assert inter.deliveries == [dc.gateway.connections[-1]]
            (got,) = await dispatches(again, 1)
            assert got["t"] == "INTERACTION_CREATE" and got["d"]["id"] == inter.id


async def test_entitlements_list_consume_and_dispatch(dc: FakeDiscord, bot: Harness) -> None:
    """SKUs and consumable entitlements through discord.py itself: list, consume, the
    events, and the filters of List Entitlements."""
    dc.add_sku(42, "100 credits")
    dc.add_sku(43, "A badge", type=2)
    client = bot.client
    created: list[discord.Entitlement] = []
    deleted: list[discord.Entitlement] = []
    client.on_entitlement_create = lambda e: _append(created, e)  # type: ignore[attr-defined]
    client.on_entitlement_delete = lambda e: _append(deleted, e)  # type: ignore[attr-defined]
    skus = await client.fetch_skus()
    assert [(s.id, s.type) for s in skus] == [(42, discord.SKUType.consumable),
                                              (43, discord.SKUType.durable)]
    alice = dc.world.users[str(ALICE)]
    first = await dc.user_buys(alice, 42)
    with pytest.raises(FakeDiscordUsageError):
        await dc.user_buys(alice, 42)  # unconsumed: Discord does not sell it again
    for _ in range(100):
        if created:
            break
        await asyncio.sleep(0.02)
    assert [e.id for e in created] == [int(first["id"])]
    listed = [e async for e in client.entitlements(skus=[discord.Object(42)])]
    assert [(e.id, e.consumed) for e in listed] == [(int(first["id"]), False)]
    await listed[0].consume()
    assert dc.consumed == [first["id"]]
    second = await dc.user_buys(alice, 42, dispatch=False)
    await dc.refund_entitlement(first["id"])
    live = [e.id async for e in client.entitlements()]
    assert live == [int(second["id"])]  # deleted ones are left out by default
    later = discord.utils.utcnow() + datetime.timedelta(days=1)
    everything = [e async for e in client.entitlements(before=later, exclude_deleted=False)]
    assert sorted((e.id, e.deleted) for e in everything) == sorted(
        [(int(first["id"]), True), (int(second["id"]), False)])
    refunded = next(e for e in everything if e.deleted)
    with pytest.raises(discord.NotFound):
        await refunded.consume()


async def _append(bucket: list, item: object) -> None:
    bucket.append(item)
