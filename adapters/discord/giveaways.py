"""Giveaways on Discord: /giveaway start|end|cancel|reroll|list, the Enter button, the live
entrant count, and the announcement when one ends.

- start: the service validates and holds; the public message (embed + Enter button) is the
  interaction's response, and its reference is stored with the giveaway (`attach_message`)
  so it can be found after a restart. If it cannot be posted, the giveaway is cancelled
  (a host-funded hold goes back).
- Enter: an ephemeral answer; the count on the public message is edited with the bot token
  (interaction tokens die after 15 min), at most once per EDIT_INTERVAL per giveaway; the
  count is re-read when the edit goes out, so the latest one wins.
- end (on time, after a restart, or /giveaway end): the service pays, then calls
  `announce`: the message shows the winners with its button disabled, and a channel
  message (bot token) mentions the winners and the host.
(No `from __future__ import annotations` here: discord.py reads these annotations at runtime.)
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord import rendering
from adapters.discord.boundary import send_ephemeral
from adapters.discord.community import PUBLIC_MENTIONS, context_of, run_command
from adapters.discord.flow import App, Surface
from adapters.discord.giveaway_views import announcement, giveaway_embed, giveaway_view, mention
from adapters.discord.reply import NETWORK_ERRORS
from adapters.discord.slash import Feature
from bot import i18n
from bot.domain.commands import Source
from bot.domain.community import Context, Giveaway, GiveawayOutcome
from bot.domain.credits import UserRef
from bot.i18n import t
from bot.services import replies
from bot.services.commands import Cancelled, Reply, Rerolled
from bot.services.live import LiveMessage

log = logging.getLogger(__name__)
EDIT_INTERVAL = 2.0  # seconds between two edits of one giveaway message
READY_TIMEOUT = 120.0


class GiveawayBoard:
    """The Discord side of giveaways: posting, entering, counting, announcing."""

    def __init__(self, app: App, client: discord.Client, surface: Surface) -> None:
        self.app = app
        self.client = client
        self.surface = surface
        self._pacers: dict[str, LiveMessage] = {}  # one live entrant count per giveaway

    def ctx(self, interaction: discord.Interaction) -> Context:
        return context_of(interaction, self.app.settings.discord_admin_role)

    async def post(self, interaction: discord.Interaction, g: Giveaway) -> None:
        async def send() -> dict[str, str | None]:
            callback = await interaction.response.send_message(
                embed=giveaway_embed(g), view=giveaway_view(g))
            return {
                "channel_id": str(interaction.channel_id),
                "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
                "message_id": str(callback.message_id) if callback.message_id else None,
            }

        # Not posted: the core cancels it (and returns a host's hold).
        await self.app.giveaways.publish(g, send)

    async def enter(self, interaction: discord.Interaction, giveaway_id: str) -> None:
        """The Enter button: enter, or leave when already in (the answer says which)."""
        try:
            inside, g = await self.app.giveaways.toggle(self.ctx(interaction), giveaway_id)
            if inside:
                text = t("dg-entered", title=g.title, when=f"<t:{int(g.ends_at)}:R>")
            else:
                text = t("dg-left", title=g.title)
            await send_ephemeral(interaction, text)
            if interaction.message is not None and interaction.channel_id is not None:
                self._recount(g.id, {"channel_id": str(interaction.channel_id),
                                     "guild_id": interaction.guild_id,
                                     "message_id": str(interaction.message.id)})
        except Exception as exc:  # noqa: BLE001 - the boundary of this button
            await self.surface.report(interaction, exc)

    # -- the public message --------------------------------------------------------------

    def _message(self, ref: dict[str, Any]) -> discord.PartialMessage | None:
        if not ref.get("channel_id") or not ref.get("message_id"):
            return None
        guild = ref.get("guild_id")
        channel = self.client.get_partial_messageable(
            int(ref["channel_id"]), guild_id=int(guild) if guild else None)
        return channel.get_partial_message(int(ref["message_id"]))

    def _recount(self, giveaway_id: str, ref: dict[str, Any]) -> None:
        pacer = self._pacers.get(giveaway_id)
        if pacer is None:
            pacer = self._pacers[giveaway_id] = LiveMessage(EDIT_INTERVAL)
        pacer.push(lambda: self._refresh(giveaway_id, ref))

    async def _refresh(self, giveaway_id: str, ref: dict[str, Any]) -> None:
        g = await self.app.giveaways.get(giveaway_id)
        message = self._message(ref)
        if g.status == "running" and message is not None:
            with i18n.use(await self.app.giveaways.locale_of(g.community)):  # a public post
                embed, view = giveaway_embed(g), giveaway_view(g)
            await message.edit(embed=embed, view=view)

    async def _stop_counting(self, giveaway_id: str) -> None:
        pacer = self._pacers.pop(giveaway_id, None)
        if pacer is not None:
            await pacer.close()  # an edit in flight lands before the final one

    async def show_closed(self, g: Giveaway, winners: Sequence[UserRef] = ()) -> None:
        """Edit the giveaway message: ended (winners) or cancelled, button disabled."""
        await self._stop_counting(g.id)
        message = self._message(g.message_ref or {})
        if message is None:
            return
        with i18n.use(await self.app.giveaways.locale_of(g.community)):  # a public post
            embed, view = giveaway_embed(g, winners), giveaway_view(g)
        try:
            await message.edit(embed=embed, view=view)
        except NETWORK_ERRORS as exc:
            log.warning("could not update the message of giveaway %s: %s", g.id, exc)

    # -- the end ---------------------------------------------------------------------------

    async def announce(self, outcome: GiveawayOutcome) -> None:
        """Announcer registered with the service: runs once when a giveaway ends."""
        g = outcome.giveaway
        try:
            await asyncio.wait_for(self.surface.ready.wait(), READY_TIMEOUT)
        except TimeoutError:
            log.error("giveaway %s ended while Discord is unreachable; not announced", g.id)
            return
        await self.show_closed(g, outcome.winners)
        ref = g.message_ref or {}
        if not ref.get("channel_id"):
            log.warning("giveaway %s has no channel; winners not announced", g.id)
            return
        guild = ref.get("guild_id")
        channel = self.client.get_partial_messageable(
            int(ref["channel_id"]), guild_id=int(guild) if guild else None)
        reference = None
        if ref.get("message_id"):
            reference = discord.MessageReference(
                message_id=int(ref["message_id"]), channel_id=int(ref["channel_id"]),
                fail_if_not_exists=False)
        text = announcement(g, outcome.winners, outcome.returned_to_host)
        try:
            await channel.send(rendering.clip(text, 2000), allowed_mentions=PUBLIC_MENTIONS,
                               reference=reference)  # type: ignore[arg-type]
        except NETWORK_ERRORS as exc:
            log.error("could not announce giveaway %s in channel %s: %s", g.id,
                      ref["channel_id"], exc)
        log.info("giveaway %s announced: %d winners", g.id, len(outcome.winners))

    async def shutdown(self) -> None:
        pacers, self._pacers = list(self._pacers.values()), {}
        if pacers:
            await asyncio.wait([asyncio.ensure_future(p.close()) for p in pacers],
                               timeout=EDIT_INTERVAL + 1)


class GiveawayFeature:
    """The giveaway commands whose answers are special here (the rest, like /giveaway list,
    take the shared renderer): the public post, the end, the closed message, the winners."""

    def __init__(self, board: GiveawayBoard) -> None:
        self.board = board
        self.giveaways = board.app.giveaways

    def feature(self) -> Feature:
        return Feature(
            renderers={"giveaway start": self.start, "giveaway end": self.end,
                       "giveaway cancel": self.cancel, "giveaway reroll": self.reroll},
            suggest={Source.RUNNING_GIVEAWAYS: self.running_ids},
        )

    async def running_ids(self, interaction: discord.Interaction, current: str
                          ) -> list[app_commands.Choice[str]]:
        needle = (current or "").lower()
        return [
            app_commands.Choice(
                name=rendering.clip(f"{g.id} · {g.title} · {g.entrants} entered", 100),
                value=g.id)
            for g in await self.giveaways.list(self.board.ctx(interaction))
            if needle in f"{g.id} {g.title}".lower()
        ][:25]

    async def _run(self, path: str, interaction: discord.Interaction, v: dict[str, Any]
                   ) -> Reply:
        return await run_command(self.board.app, path, interaction, v)

    async def start(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        g = (await self._run("giveaway start", interaction, v)).giveaway
        assert g is not None
        await self.board.post(interaction, g)

    async def end(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self._run("giveaway end", interaction, v)
        outcome = reply.outcome
        assert isinstance(outcome, GiveawayOutcome)
        text = (reply.text if outcome.already_ended else
                t("dg-end-announced", id=outcome.giveaway.id))
        await send_ephemeral(interaction, text)

    async def cancel(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        reply = await self._run("giveaway cancel", interaction, v)
        assert isinstance(reply.outcome, Cancelled)
        await send_ephemeral(interaction, reply.text)
        await self.board.show_closed(reply.outcome.giveaway)

    async def reroll(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        rerolled = (await self._run("giveaway reroll", interaction, v)).outcome
        assert isinstance(rerolled, Rerolled)
        g, new = rerolled.giveaway, rerolled.winners
        names = ", ".join(mention(u) for u in new)
        await interaction.response.send_message(
            f"🎉 New winner(s) of **{g.title}**: {names}: {replies.credits(g.credits_each)} "
            "each, already in your balance.", allowed_mentions=PUBLIC_MENTIONS)
