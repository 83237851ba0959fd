"""Start and stop the Discord surface inside the shared event loop.

`run_discord(app, stop)` points discord.py at `DISCORD_API_BASE` / `DISCORD_GATEWAY_URL`
(the one test seam; also what operators with a REST/gateway proxy set), logs in, syncs the
slash commands (globally, or to DISCORD_GUILD_IDS for instant updates) and connects as a
task, so Telegram can run in the same loop. When `stop` is set (SIGINT or SIGTERM: the CLI
installs both), new interactions are answered "restarting" and the core's shutdown policy
runs (bot/services/shutdown.py: jobs in flight get the grace to finish and be posted, then
are refunded, their people told), then the client closes. This process claims Discord jobs
only once logged in (setup_hook registers the delivery). The token is never logged.

With DISCORD_SHARD_COUNT the client is an `AutoShardedClient` running DISCORD_SHARD_IDS (or
every shard), each IDENTIFY paced by the app's identify gate (see shards.py); without it, one
plain connection as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
import yarl

from adapters.discord import components, giveaway_views, observed
from adapters.discord.commands import Tree, slash_commands
from adapters.discord.community import seen
from adapters.discord.flow import App, Surface
from adapters.discord.giveaways import GiveawayBoard
from adapters.discord.shards import IdentifyPacer, ShardConfigError, ShardPlan, plan_shards
from adapters.discord.store import DiscordStore
from adapters.discord.translator import CatalogTranslator
from bot.services.retrying import until_stopped

log = logging.getLogger(__name__)
LOGIN_PAUSES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)  # the last one repeats
UNREACHABLE = (OSError, aiohttp.ClientError, discord.DiscordServerError)
CLOSE_TIMEOUT = 10.0
DYNAMIC_ITEMS = (*components.DYNAMIC_ITEMS, *giveaway_views.DYNAMIC_ITEMS)
CLOSE_HINTS = {  # gateway close codes after which discord.py does not reconnect
    4004: "the bot token was refused",
    4010: "invalid shard, check DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS",
    4011: "sharding required, set DISCORD_SHARD_COUNT (one shard per 2,500 guilds at most)",
    4012: "invalid API version",
    4013: "invalid intents",
}


class ImagineClient(discord.Client):
    def __init__(self, app: App, **options: Any) -> None:
        # This bot has no voice: skip discord.py's "PyNaCl/davey is not installed" warnings.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # interactions need no other intent
        super().__init__(
            intents=intents,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=observed.trace_config(),  # metrics of every REST call and callback
            **options,
        )
        self.app = app
        self.surface = Surface(app, self)
        self.board = GiveawayBoard(app, self, self.surface)
        self.shop = DiscordStore(app, self)
        self.tree = Tree(self, self.surface,
                         slash_commands(app, self.surface, self.board, self.shop.feature()))
        # The declared names, for the request counter: the tree is complete from here on.
        self.command_names = frozenset(c.name for c in self.tree.get_commands())
        self.stopping = asyncio.Event()
        self._reconciling: asyncio.Task[None] | None = None

    deliver_only = False  # a worker: REST only, no gateway, commands left to the run processes

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.tree.set_translator(CatalogTranslator())  # descriptions per locale
        if not self.deliver_only:
            await self.sync_commands()
        self.surface.ready.set()  # logged in: REST and webhooks work (results can be posted)
        # Only now does this process claim Discord jobs (results held meanwhile follow).
        self.app.recovery.register_delivery("discord", self.surface.deliver_resumed)

    async def sync_commands(self) -> None:
        guild_ids = self.app.settings.guild_ids()
        try:
            if not guild_ids:
                synced = await self.tree.sync()
                log.info("synced %d slash commands globally", len(synced))
            for guild_id in guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d slash commands to guild %s", len(synced), guild_id)
        except discord.HTTPException as exc:
            # The commands registered last time keep working; say why this sync failed.
            log.error("could not sync slash commands: %s", exc)

    async def on_ready(self) -> None:
        user = self.user
        log.info("discord connected as %s (%s), %d guilds", user, user.id if user else "?",
                 len(self.guilds))
        self.app.health.up("discord")
        if self._reconciling is None:  # once per process: SKU check, then entitlements
            self._reconciling = asyncio.create_task(self.shop.reconcile_every(
                self.app.settings.payments_reconcile_seconds, self.stopping),
                name="discord-entitlements")

    async def on_resumed(self) -> None:
        self.app.health.up("discord")

    async def on_disconnect(self) -> None:
        self.app.health.down("discord", "the gateway connection dropped")

    async def on_entitlement_create(self, entitlement: discord.Entitlement) -> None:
        await self.shop.entitled(entitlement)

    async def on_entitlement_delete(self, entitlement: discord.Entitlement) -> None:
        await self.shop.deleted(entitlement)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction: remember who acts where (leaderboard, @names). A click on a
        component our templates do not handle would otherwise go unanswered ("This
        interaction failed"): answer it as expired."""
        observed.count_interaction(interaction, self.command_names)
        if interaction.type is discord.InteractionType.component:
            data: dict[str, object] = dict(interaction.data or {})
            custom_id = str(data.get("custom_id", ""))
            if not components.is_ours(custom_id, interaction.message, DYNAMIC_ITEMS):
                await self.surface.expired(interaction)
        await seen(self.app, interaction)

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        log.exception("error in discord event %s", event_method)


class ShardedImagineClient(ImagineClient, discord.AutoShardedClient):
    """This process's slice of the gateway shards; each IDENTIFY waits for its bucket."""

    def __init__(self, app: App, plan: ShardPlan) -> None:
        super().__init__(app, shard_count=plan.count, shard_ids=plan.ids)
        self.plan = plan
        self.pacer = IdentifyPacer(app.identify_gate, plan)
        for shard_id in plan.ids:  # ready once every shard of this process is
            app.health.down("discord", "connecting", part=str(shard_id))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Replaces discord.py's 5 s sleep before a re-IDENTIFY: the gate spaces every one.
        await self.pacer.wait(self.http, shard_id)

    async def on_shard_connect(self, shard_id: int) -> None:
        log.info("discord shard %d/%d connected", shard_id, self.plan.count)

    async def on_shard_ready(self, shard_id: int) -> None:
        guilds = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info("discord shard %d/%d ready, %d guilds", shard_id, self.plan.count, guilds)
        self.app.health.up("discord", part=str(shard_id))

    # Readiness per shard: the client-wide events do not say which shard they are about.
    async def on_resumed(self) -> None:
        pass

    async def on_disconnect(self) -> None:
        pass

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.app.health.up("discord", part=str(shard_id))

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.app.health.down("discord", "the gateway connection dropped", part=str(shard_id))


def make_client(app: App) -> ImagineClient:
    """The sharded client when DISCORD_SHARD_COUNT is set; raises ShardConfigError."""
    plan = plan_shards(app.settings)
    return ImagineClient(app) if plan is None else ShardedImagineClient(app, plan)


async def run_discord(app: App, stop: asyncio.Event, deliver_only: bool = False) -> None:
    """Serve Discord until `stop`. `deliver_only` (an `imagine-bot worker`): log in for REST
    only, to post the results of jobs this process finished and giveaway ends; no gateway."""
    settings = app.settings
    if settings.discord_token is None:
        return
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    try:
        client = ImagineClient(app) if deliver_only else make_client(app)
    except ShardConfigError as exc:
        log.error("invalid Discord shard settings: %s; Discord is not started", exc)
        return
    client.deliver_only = deliver_only
    # Before any await: a giveaway that ended while the bot was down ends at start-up, and
    # its announcer waits until Discord is reachable.
    app.giveaways.register_announcer("discord", client.board.announce)
    token = settings.discord_token.get_secret_value().strip()
    serving = asyncio.create_task(_serve(client, token, stop, connect=not deliver_only),
                                  name="discord")
    stopping = asyncio.create_task(stop.wait(), name="discord-stop")
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        client.stopping.set()
        if client._reconciling is not None:
            await asyncio.gather(client._reconciling, return_exceptions=True)
        if not client.is_closed():
            log.info("discord: closing")
            await client.surface.shutdown()  # while Discord and the database are reachable
            await client.board.shutdown()
            # discord.py's own wait for the guilds' member chunks may still be running (a
            # short session on a busy machine); it dispatches `ready` after the close, on a
            # client with no loop, and logs a traceback. close() does not cancel it.
            ready = getattr(client._connection, "_ready_task", None)
            if ready is not None:
                ready.cancel()
            await client.close()
        try:
            await asyncio.wait_for(serving, CLOSE_TIMEOUT)
        except (TimeoutError, asyncio.CancelledError):
            pass
        except Exception:  # noqa: BLE001 - a dead Discord connection must not crash Telegram
            log.exception("discord client stopped with an error")


async def _serve(client: ImagineClient, token: str, stop: asyncio.Event,
                 connect: bool = True) -> None:
    async def login() -> bool:
        try:
            await client.login(token)
            return True
        except discord.LoginFailure:
            log.error("Discord refused the bot token (DISCORD_TOKEN); Discord is not started")
            client.app.health.refused("discord", "Discord refused DISCORD_TOKEN")
            return False
        except UNREACHABLE:
            await client.http.close()  # a fresh session for the next try
            raise

    if not await until_stopped(login, stop, LOGIN_PAUSES, UNREACHABLE, log,
                               "cannot reach Discord"):
        return
    if stop.is_set():
        return
    if not connect:
        log.info("discord: logged in for posting results (no gateway)")
        client.app.health.up("discord")
        await stop.wait()
        return
    try:
        await client.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the gateway intents; Discord is stopped")
    except discord.ConnectionClosed as exc:
        hint = CLOSE_HINTS.get(exc.code or 0, "")
        shard = f" for shard {exc.shard_id}" if exc.shard_id is not None else ""
        if exc.code == 4004:
            client.app.health.refused("discord", "Discord refused DISCORD_TOKEN")
        log.error("Discord closed the gateway%s (code %s%s); Discord is stopped", shard,
                  exc.code, f": {hint}" if hint else "")
