"""A strict fake Discord (REST API v10 + Gateway) for black-box tests of the bot.

One aiohttp server on 127.0.0.1 (port 0) serves the REST API under ``/api/v10``, the gateway
websocket at ``/gateway`` (and ``/gateway-resume``, the ``resume_gateway_url``), and attachment
bytes under ``/attachments/...``. The bot under test is pointed at it with::

    discord.http.Route.BASE = dc.api_base                                   # DISCORD_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(dc.gateway_url)  # ..._GATEWAY_URL

Typical test::

    async with FakeDiscord(token="fake-token") as dc:
        alice = dc.make_user(111, "alice")
        guild = dc.add_guild(222, "Guild", owner_id=alice["id"])
        start_bot(env={"DISCORD_API_BASE": dc.api_base, "DISCORD_GATEWAY_URL": dc.gateway_url})
        await dc.wait_connected()
        inter = await dc.slash_command(alice, "imagine", {"prompt": "a cat"}, guild_id=guild.id)
        assert (await inter.wait_ack()).callback_type == 5
        msg = await inter.wait_message(lambda m: m["attachments"])
        first_button = msg["components"][0]["components"][0]["custom_id"]
        click = await dc.click_button(alice, msg, first_button)
        await click.wait_ack()
        dc.assert_no_errors()

What it enforces (each violation is answered like Discord and lands in ``dc.errors``):

* ``Authorization: Bot <token>`` on bot routes (401); none needed on interaction/webhook routes.
* The 3 s acknowledgement deadline (``dc.ack_deadline``) -> 404 code 10062; a second callback ->
  400 code 40060; callback types valid for the interaction type; webhook use before the ack ->
  404 code 10015; token lifetime 15 min (``dc.interaction_token_ttl``) -> 401 code 50027.
* Message limits (content, embeds, components, custom_ids, selects, buttons; see
  :mod:`tests.fakes.discord_validate`) -> 400 code 50035 with an ``errors`` object; empty
  message -> 400 code 50006; attachments over the interaction's ``attachment_size_limit`` (or the
  guild limit for channel messages) -> 413 code 40005.
* Application command definitions on ``PUT .../commands`` -> 400 code 50035.
* Drivers refuse what a real client cannot do (unknown option, missing required option, a
  custom_id that is not on the message, a hidden command) with :class:`FakeDiscordUsageError`.
* Sharding (see :mod:`tests.fakes.discord_gateway`): IDENTIFY ``shard: [id, count]`` (4010 /
  4011 closes), one session per shard, guild events only on the owning shard, DMs on shard 0.
  ``GET /gateway/bot`` returns ``shards`` (``dc.recommended_shards``) and
  ``session_start_limit`` (``dc.max_concurrency``; ``remaining`` counts down per IDENTIFY).
  ``dc.identify_window`` (Discord: 5 s) is the window identifies in one bucket must respect;
  when a test shrinks it, ``session_start_limit.identify_window_ms`` says so (a field real
  Discord never sends), and ``dc.gateway.identify_violations()`` lists identifies too close.

Real-Discord behaviours modelled: the first followup after a type-5 defer edits the "thinking"
original (same message id); type 7 / 6 make ``@original`` the clicked message; MESSAGE_CREATE /
UPDATE / DELETE gateway events for non-ephemeral messages (subject to the IDENTIFY intents).
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import logging
import mimetypes
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes import discord_validate as v
from tests.fakes.discord_drivers import UserDrivers
from tests.fakes.discord_gateway import IDENTIFY_WINDOW, Gateway, shard_of
from tests.fakes.discord_records import (
    ApiError,
    FakeDiscordUsageError,
    FakeInteraction,
    RequestRecord,
    ResponseRecord,
    UploadedFile,
)
from tests.fakes.discord_store import StoreMixin
from tests.fakes.discord_world import P, Snowflakes, World, iso, sid

__all__ = [
    "ApiError",
    "FakeDiscord",
    "FakeDiscordUsageError",
    "FakeInteraction",
    "P",
    "RequestRecord",
    "ResponseRecord",
    "UploadedFile",
    "shard_of",
]

log = logging.getLogger(__name__)

MiB = 1024 * 1024
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

Handler = Callable[["Req"], Awaitable[tuple[int, Any]]]


@dataclass
class Req:
    """What a REST handler gets."""

    record: RequestRecord
    groups: tuple[str, ...]
    link: tuple[FakeInteraction, str, int | None] | None = None  # (interaction, kind, cb type)
    message_id: str | None = None

    @property
    def json(self) -> Any:
        return self.record.json

    @property
    def files(self) -> list[UploadedFile]:
        return self.record.files

    @property
    def query(self) -> dict[str, str]:
        return self.record.query


@dataclass
class StoredMessage:
    data: dict[str, Any]
    guild_id: str | None
    interaction_id: str | None = None
    ephemeral_user: str | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StoredAttachment:
    meta: dict[str, Any]
    data: bytes


@dataclass
class Fault:
    method: str
    path_re: re.Pattern[str]
    status: int
    retry_after: float
    with_via: bool
    times: int
    is_global: bool
    scope: str


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:
        return None


class FakeDiscord(UserDrivers, StoreMixin):
    """Fake Discord server. Use ``async with FakeDiscord(token=...) as dc`` (or ``await
    dc.start()`` / ``await dc.stop()``). See the module docstring for an overview."""

    def __init__(
        self,
        token: str = "fake-token",
        *,
        bot_id: int | str | None = None,
        bot_name: str = "imagine-bot",
        application_id: int | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.host, self._port_wanted = host, port
        self.port = 0
        self.snowflake = Snowflakes()
        bid = sid(bot_id) if bot_id is not None else self.snowflake()
        bot_user = {
            "id": bid,
            "username": bot_name,
            "discriminator": "0001",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }
        self.bot_user: dict[str, Any] = bot_user
        self.application_id: str = sid(application_id) if application_id is not None else bid
        self.application_flags = 0
        self.world = World(self.snowflake, bot_user)
        self.client_locales: dict[str, str] = {}
        self.owner = self.world.make_user(username="app-owner")
        self.gateway = Gateway(self)

        # --- knobs (tests may change them at any time) ---
        self.ack_deadline: float = 3.0
        self.interaction_token_ttl: float = 15 * 60.0
        self.default_attachment_size_limit: int = 10 * MiB
        self.message_events: bool = True  # MESSAGE_CREATE/UPDATE/DELETE over the gateway
        self.recommended_shards: int | None = None  # GET /gateway/bot "shards" (None: by guilds)
        self.max_concurrency: int = 1  # identifies allowed per window per bucket
        self.identify_window: float = IDENTIFY_WINDOW  # seconds; advertised when not Discord's
        self.session_start_total: int = 1000
        self.clock: Callable[[], float] = time.monotonic  # injectable; see advance_time()
        self._time_offset = 0.0

        # --- recorded state ---
        self.requests: list[RequestRecord] = []
        self.errors: list[RequestRecord] = []  # 4xx answered by the fake's own rules
        self.injected: list[RequestRecord] = []  # answered by fail_next()
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self.interactions: dict[str, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self._commands: dict[str | None, list[dict[str, Any]]] = {None: []}
        self._messages: dict[str, StoredMessage] = {}
        self._attachments: dict[str, StoredAttachment] = {}
        self._faults: list[Fault] = []
        self._change = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self._init_store()
        self._setup_routes()
        self._store_routes(self._route)

    # ============================================================================================
    # lifecycle / addresses
    # ============================================================================================
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=512 * MiB)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        app.router.add_route("GET", "/gateway-resume", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port_wanted)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def http_base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/api/v10`` -> ``discord.http.Route.BASE``."""
        return f"{self.http_base}/api/v10"

    @property
    def ws_base(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/gateway`` -> ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"{self.ws_base}/gateway"

    # ============================================================================================
    # clock
    # ============================================================================================
    def now(self) -> float:
        """The fake's clock (seconds) used for the ack deadline and the token lifetime."""
        return self.clock() + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Jump the fake's clock forward (e.g. ``dc.advance_time(3.5)`` to miss the ack)."""
        self._time_offset += seconds
        self._notify()

    # ============================================================================================
    # world configuration
    # ============================================================================================
    def make_user(
        self, id: Any = None, username: str | None = None, *, bot: bool = False, **kw: Any
    ) -> dict[str, Any]:
        """Create a user (``global_name=``, ``dms_open=False`` to refuse bot DMs with 50007)."""
        return self.world.make_user(id, username, bot=bot, **kw)

    def add_guild(self, guild_id: Any = None, name: str = "Test Guild", owner_id: Any = None, **kw):
        """Create a guild the bot is in, with @everyone, a bot role and a ``general`` text channel.
        kw: ``channels=["general", ...]``, ``everyone_permissions``, ``bot_permissions``,
        ``locale``, ``features``, ``attachment_size_limit``. Returns a ``Guild`` (``.id``).
        If the shard that owns it is connected, GUILD_CREATE is sent on it at once."""
        g = self.world.add_guild(guild_id, name, owner_id, **kw)
        if self.gateway.owner_live(g.id):  # sent to the shard that owns the guild
            self._spawn(self.gateway.dispatch("GUILD_CREATE", self.world.guild_create(g.id)))
        return g

    def add_role(self, guild_id: Any, role_id: Any = None, name: str = "role", **kw: Any):
        """Add a role (``permissions=int|str``, ``position``, ``color``); returns the role dict."""
        return self.world.add_role(guild_id, role_id, name, **kw)

    def add_member(
        self,
        guild_id: Any,
        user: Any,
        permissions: int | str = "0",
        roles: list | None = None,
        **kw,
    ) -> dict[str, Any]:
        """Add a member; ``permissions`` (e.g. ``str(1 << 5)`` Manage Guild) are granted via a
        private role so the interaction ``member.permissions`` and role math agree."""
        return self.world.add_member(guild_id, user, permissions=permissions, roles=roles, **kw)

    def add_channel(self, guild_id: Any, channel_id: Any = None, name: str = "general", **kw):
        """Add a guild channel (``type=0`` text by default); returns the channel dict."""
        return self.world.add_channel(guild_id, channel_id, name, **kw)

    def dm_channel(self, user: Any) -> dict[str, Any]:
        """The DM channel between the bot and ``user`` (created on first use)."""
        return self.world.dm_channel(user)

    def guild(self, guild_id: Any):
        return self.world.guild(guild_id)

    # ============================================================================================
    # inspection
    # ============================================================================================
    def commands(self, guild_id: Any = None) -> list[dict[str, Any]]:
        """Synced commands (global when ``guild_id`` is None), as echoed to the bot."""
        return copy.deepcopy(self._commands.get(None if guild_id is None else sid(guild_id), []))

    def command(self, name: str, guild_id: Any = None) -> dict[str, Any] | None:
        return next((c for c in self.commands(guild_id) if c["name"] == name), None)

    def message(self, message_id: Any) -> dict[str, Any] | None:
        """Current state of a message (None if unknown or deleted)."""
        m = self._messages.get(sid(message_id))
        return None if m is None or m.deleted else m.data

    def message_history(self, message_id: Any) -> list[dict[str, Any]]:
        """Every version of a message, oldest first, the current one last."""
        m = self._messages[sid(message_id)]
        return [*m.history, m.data]

    def messages(
        self, channel_id: Any, *, include_ephemeral: bool = True, include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        """Messages in a channel in creation order, current state after edits."""
        cid = sid(channel_id)
        return [
            m.data
            for m in self._messages.values()
            if m.data["channel_id"] == cid
            and (include_deleted or not m.deleted)
            and (include_ephemeral or m.ephemeral_user is None)
        ]

    def attachment_data(self, attachment: Any) -> bytes:
        """Bytes of an attachment (attachment dict or id)."""
        return self._attachments[sid(attachment)].data

    def interaction(self, interaction_id: Any) -> FakeInteraction:
        return self.interactions[sid(interaction_id)]

    def interaction_responses(self, interaction_id: Any) -> list[ResponseRecord]:
        """Callback, followups, edits (successful or not) for one interaction, in order;
        ``record.message`` is the message's current state."""
        return self.interaction(interaction_id).responses

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    @property
    def gateway_frames(self):
        return self.gateway.frames

    def mark(self) -> int:
        """Index to pass as ``since=`` to :meth:`wait_for`."""
        return len(self.requests)

    def assert_no_errors(self) -> None:
        """Fail if the fake answered any 4xx of its own or crashed internally."""
        problems = [repr(r) + f" {r.response}" for r in self.errors] + self.internal_errors
        if problems:
            raise AssertionError("fake Discord saw errors:\n" + "\n".join(problems))

    # ============================================================================================
    # waiting
    # ============================================================================================
    def _notify(self) -> None:
        ev, self._change = self._change, asyncio.Event()
        ev.set()

    async def wait_until(
        self, check: Callable[[], Any], timeout: float = 15.0, what: str = ""
    ) -> Any:
        """Re-evaluate ``check()`` whenever the fake's state changes; return its first truthy
        value or raise ``TimeoutError`` (with the last requests, for debugging)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                tail = "\n  ".join(repr(r) for r in self.requests[-12:])
                raise TimeoutError(
                    f"fake Discord: timed out after {timeout}s waiting for {what or check}.\n"
                    f"last requests:\n  {tail}\nerrors: {self.errors}\n"
                    f"internal errors: {self.internal_errors}"
                )
            ev = self._change
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.25))
            except TimeoutError:
                pass

    async def wait_for(
        self,
        match: Callable[[RequestRecord], bool] | tuple,
        timeout: float = 15.0,
        since: int = 0,
    ) -> RequestRecord:
        """Wait for a completed request matching ``match``: a predicate on :class:`RequestRecord`,
        or ``(method, path_regex)`` / ``(method, path_regex, status)`` (``re.search`` on the
        path relative to /api/v10; method ``"*"`` matches any). Only requests with index >=
        ``since`` count (``since = dc.mark()`` before acting)."""
        if isinstance(match, tuple):
            method, pattern, *rest = match
            rx = re.compile(pattern)
            want_status = rest[0] if rest else None

            def pred(r: RequestRecord) -> bool:
                return (
                    (method == "*" or r.method == method.upper())
                    and rx.search(r.path) is not None
                    and (want_status is None or r.status == want_status)
                )

            what = f"{method} {pattern}"
        else:
            pred = match  # type: ignore[assignment]
            what = getattr(match, "__name__", "predicate")

        def check() -> RequestRecord | None:
            return next((r for r in self.requests[since:] if r.done and pred(r)), None)

        return await self.wait_until(check, timeout, what)

    async def wait_connected(self, timeout: float = 15.0, *, shards: int | None = None) -> None:
        """Wait until the bot has IDENTIFYed (or RESUMEd) and got READY + GUILD_CREATEs on
        every shard (``shards=N``: on shards 0..N-1 of N, from however many processes)."""
        if shards is None:
            await self.wait_until(lambda: self.gateway.connected, timeout, "a gateway connection")
            return
        await self.wait_until(
            lambda: all(self.gateway.shard_live(i, shards) for i in range(shards)),
            timeout,
            f"gateway shards 0..{shards - 1} of {shards}",
        )

    async def wait_shard(self, shard_id: int, shard_count: int | None = None,
                         timeout: float = 15.0) -> None:
        """Wait until shard ``shard_id`` (of ``shard_count``, if given) is connected and ready."""
        await self.wait_until(lambda: self.gateway.shard_live(shard_id, shard_count), timeout,
                              f"gateway shard {shard_id}")

    def shard_of(self, guild_id: Any, shard_count: int) -> int:
        """The shard that gets ``guild_id``'s events when the bot runs ``shard_count`` shards."""
        return shard_of(sid(guild_id), shard_count)

    # ============================================================================================
    # fault injection / gateway control
    # ============================================================================================
    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        retry_after: float = 0.5,
        with_via: bool = True,
        times: int = 1,
        *,
        is_global: bool = False,
        scope: str = "user",
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (429 JSON
        ``{"message","retry_after","global"}`` + ``Retry-After``/``X-RateLimit-Scope``, and ``Via``
        when ``with_via``; or a 5xx ``{"message","code":0}``). Recorded in ``dc.injected``."""
        self._faults.append(
            Fault(
                method.upper(),
                re.compile(path_regex),
                status,
                retry_after,
                with_via,
                times,
                is_global,
                scope,
            )
        )

    async def request_reconnect(self, shard_id: int = 0) -> None:
        """Send gateway op 7; the client reconnects to ``resume_gateway_url`` and RESUMEs."""
        await self.gateway.request_reconnect(shard_id)

    async def invalidate_session(self, resumable: bool = False, shard_id: int = 0) -> None:
        await self.gateway.invalidate_session(resumable, shard_id)

    # ============================================================================================
    # HTTP plumbing
    # ============================================================================================
    def _route(self, methods: str, pattern: str, handler: Handler, auth: bool = True) -> None:
        for m in methods.split("|"):
            self._routes.append((m, re.compile(f"^{pattern}$"), handler, auth))

    def _setup_routes(self) -> None:
        r = self._route
        snow = r"(\d+)"
        r("GET", "/users/@me", self._h_me)
        r("GET", f"/users/{snow}", self._h_user)
        r("POST", "/users/@me/channels", self._h_create_dm)
        r("GET", "/oauth2/applications/@me", self._h_app)
        r("GET", "/applications/@me", self._h_app)
        r("GET", "/gateway", self._h_gateway, auth=False)
        r("GET", "/gateway/bot", self._h_gateway_bot)
        r("GET|PUT|POST", f"/applications/{snow}/commands", self._h_commands)
        r("GET|PATCH|DELETE", f"/applications/{snow}/commands/{snow}", self._h_command)
        r("GET|PUT|POST", f"/applications/{snow}/guilds/{snow}/commands", self._h_commands)
        r(
            "GET|PATCH|DELETE",
            f"/applications/{snow}/guilds/{snow}/commands/{snow}",
            self._h_command,
        )
        r("POST", rf"/interactions/{snow}/([^/]+)/callback", self._h_callback, auth=False)
        r("POST", rf"/webhooks/{snow}/([^/]+)", self._h_followup, auth=False)
        r(
            "GET|PATCH|DELETE",
            rf"/webhooks/{snow}/([^/]+)/messages/(@original|\d+)",
            self._h_webhook_message,
            auth=False,
        )
        r("GET", f"/channels/{snow}", self._h_channel)
        r("GET|POST", f"/channels/{snow}/messages", self._h_channel_messages)
        r("GET|PATCH|DELETE", f"/channels/{snow}/messages/{snow}", self._h_channel_message)
        r("POST", f"/channels/{snow}/typing", self._h_typing)
        r("GET", f"/guilds/{snow}", self._h_guild)
        r("GET", f"/guilds/{snow}/channels", self._h_guild_channels)
        r("GET", f"/guilds/{snow}/roles", self._h_guild_roles)
        r("GET", f"/guilds/{snow}/members/{snow}", self._h_member)

    @staticmethod
    def _json_response(status: int, body: Any, headers: dict[str, str] | None = None):
        # Built by hand: web.json_response adds "; charset=utf-8", which discord.py rejects.
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[UploadedFile], dict]:
        ctype = request.content_type
        files: list[UploadedFile] = []
        form: dict[str, str] = {}
        if ctype.startswith("multipart/"):
            payload = None
            reader = await request.multipart()
            seq = 0
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):  # nested multipart: not used by Discord
                    continue
                name = part.name or ""
                data = await part.read(decode=False)
                if name == "payload_json":
                    payload = json.loads(data or b"null")
                elif part.filename is not None or name.startswith("files["):
                    m = re.fullmatch(r"files\[(\d+)\]", name)
                    idx = int(m.group(1)) if m else seq
                    seq += 1
                    files.append(
                        UploadedFile(
                            name,
                            idx,
                            part.filename or name,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(data),
                        )
                    )
                else:
                    form[name] = bytes(data).decode("utf-8", "replace")
            return payload, files, form
        raw = await request.read()
        if not raw:
            return None, files, form
        if ctype == "application/json":
            return json.loads(raw), files, form
        if ctype == "application/x-www-form-urlencoded":
            return None, files, {k: str(v) for k, v in (await request.post()).items()}
        return None, files, form

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for f in self._faults:
            if f.times > 0 and f.method in ("*", method) and f.path_re.search(path):
                f.times -= 1
                if f.times == 0:
                    self._faults.remove(f)
                return f
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        full = request.path
        api = full.startswith("/api/v10/") or full == "/api/v10"
        path = full[len("/api/v10") :] if api else full
        record = RequestRecord(
            index=len(self.requests),
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            files=[],
        )
        peer = request.transport.get_extra_info("peername") if request.transport else None
        record.peer = tuple(peer[:2]) if peer else None
        self.requests.append(record)
        req = Req(record, ())
        try:
            try:
                record.json, record.files, record.form = await self._parse_body(request)
            except ValueError as e:
                raise ApiError(400, 50109, "The request body contains invalid JSON.") from e
            if not api:
                return await self._serve_cdn(record)
            fault = self._take_fault(record.method, path)
            if fault is not None:
                return self._fault_response(record, fault)
            handler = None
            method_seen = False
            for method, rx, h, auth in self._routes:
                m = rx.match(path)
                if m is None:
                    continue
                method_seen = True
                if method == record.method:
                    handler, req.groups = h, m.groups()
                    if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                        raise ApiError(401, 0, "401: Unauthorized")
                    break
            if handler is None:
                if method_seen:
                    raise ApiError(405, 0, "405: Method Not Allowed")
                raise ApiError(404, 0, "404: Not Found")
            status, body = await handler(req)
            return self._finish(req, status, body)
        except ApiError as e:
            return self._finish(req, e.status, e.body(), e.headers)
        except Exception:
            tb = traceback.format_exc()
            log.error("fake Discord crashed on %s %s:\n%s", record.method, path, tb)
            self.internal_errors.append(f"{record.method} {path}\n{tb}")
            return self._finish(req, 500, {"message": "500: Internal Server Error", "code": 0})

    def _finish(
        self, req: Req, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> web.StreamResponse:
        record = req.record
        record.status = status
        record.response = body
        if 400 <= status < 500:
            self.errors.append(record)
        if req.link is not None:
            inter, kind, ctype = req.link
            inter.records.append(ResponseRecord(kind, record, ctype, req.message_id, self))
        self._notify()
        if status == 204 or body is None:
            return web.Response(status=status, headers=headers)
        return self._json_response(status, body, headers)

    def _fault_response(self, record: RequestRecord, f: Fault) -> web.StreamResponse:
        record.injected = True
        record.status = f.status
        self.injected.append(record)
        headers: dict[str, str] = {}
        if f.status == 429:
            body: dict[str, Any] = {
                "message": "You are being rate limited.",
                "retry_after": f.retry_after,
                "global": f.is_global,
            }
            headers = {
                "Retry-After": str(max(1, int(f.retry_after + 0.999))),
                "X-RateLimit-Scope": "global" if f.is_global else f.scope,
            }
            if f.is_global:
                headers["X-RateLimit-Global"] = "true"
            if f.with_via:
                headers["Via"] = "1.1 google"
        else:
            body = {"message": f"{f.status}: Injected failure", "code": 0}
        record.response = body
        self._notify()
        return self._json_response(f.status, body, headers)

    async def _serve_cdn(self, record: RequestRecord) -> web.StreamResponse:
        m = re.fullmatch(r"(?:/media)?/attachments/(\d+)/(\d+)/[^/]+", record.path)
        att = self._attachments.get(m.group(2)) if m and record.method == "GET" else None
        if att is None:
            record.status = 404
            self.errors.append(record)
            self._notify()
            return web.Response(status=404, text="Not Found")
        record.status = 200
        self._notify()
        ctype = att.meta.get("content_type") or "application/octet-stream"
        return web.Response(status=200, body=att.data, headers={"Content-Type": ctype})

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    # ============================================================================================
    # REST: identity, gateway, users, guilds, channels
    # ============================================================================================
    async def _h_me(self, r: Req) -> tuple[int, Any]:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _h_user(self, r: Req) -> tuple[int, Any]:
        u = self.world.users.get(r.groups[0])
        if u is None:
            raise ApiError(404, 10013, "Unknown User")
        return 200, u

    async def _h_app(self, r: Req) -> tuple[int, Any]:
        return 200, {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.owner,
            "team": None,
            "bot": self.bot_user,
            "guild_id": None,
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "rpc_origins": [],
            "tags": [],
            "approximate_guild_count": len(self.world.guilds),
            "integration_types_config": {"0": {}},
        }

    async def _h_gateway(self, r: Req) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _h_gateway_bot(self, r: Req) -> tuple[int, Any]:
        shards = self.recommended_shards
        if shards is None:  # Discord: about one shard per 1,000 guilds
            shards = max(1, -(-len(self.world.guilds) // 1000))
        limit: dict[str, Any] = {
            "total": self.session_start_total,
            "remaining": max(0, self.session_start_total - self.gateway.identify_count),
            "reset_after": 14400000,
            "max_concurrency": self.max_concurrency,
        }
        if self.identify_window != IDENTIFY_WINDOW:
            limit["identify_window_ms"] = round(self.identify_window * 1000)
        return 200, {"url": self.gateway_url, "shards": shards, "session_start_limit": limit}

    async def _h_create_dm(self, r: Req) -> tuple[int, Any]:
        rid = (r.json or {}).get("recipient_id")
        if rid is None or str(rid) not in self.world.users:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return 200, self.world.dm_channel(rid)

    def _channel_or_404(self, cid: str) -> dict[str, Any]:
        ch = self.world.channel(cid)
        if ch is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return ch

    async def _h_channel(self, r: Req) -> tuple[int, Any]:
        return 200, self._channel_or_404(r.groups[0])

    def _guild_or_error(self, gid: str):
        if gid not in self.world.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        return self.world.guilds[gid]

    async def _h_guild(self, r: Req) -> tuple[int, Any]:
        self._guild_or_error(r.groups[0])
        data = self.world.guild_create(r.groups[0])
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        return 200, data

    async def _h_guild_channels(self, r: Req) -> tuple[int, Any]:
        return 200, list(self._guild_or_error(r.groups[0]).channels.values())

    async def _h_guild_roles(self, r: Req) -> tuple[int, Any]:
        return 200, list(self._guild_or_error(r.groups[0]).roles.values())

    async def _h_member(self, r: Req) -> tuple[int, Any]:
        g = self._guild_or_error(r.groups[0])
        if r.groups[1] not in g.members:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, self.world.member_obj(g.id, r.groups[1])

    async def _h_typing(self, r: Req) -> tuple[int, Any]:
        self._channel_or_404(r.groups[0])
        return 204, None

    # ============================================================================================
    # REST: application commands
    # ============================================================================================
    def _commands_key(self, r: Req) -> str | None:
        if r.groups[0] != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if len(r.groups) >= 2 and "/guilds/" in r.record.path:
            gid = r.groups[1]
            if gid not in self.world.guilds:
                raise ApiError(403, 50001, "Missing Access")
            return gid
        return None

    def _store_command(self, key: str | None, cmd: dict[str, Any], old: list[dict]) -> dict:
        ctype = cmd.get("type", 1)
        prev = next((c for c in old if c["name"] == cmd["name"] and c["type"] == ctype), None)
        perms = cmd.get("default_member_permissions")
        stored = {
            "id": prev["id"] if prev else self.snowflake(),
            "application_id": self.application_id,
            "version": self.snowflake(),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": (
                None if perms is None else str(perms)  # echoed as a string, like Discord
            ),
            "dm_permission": cmd.get("dm_permission", True) if key is None else None,
            "nsfw": bool(cmd.get("nsfw", False)),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
        }
        if cmd.get("options"):
            stored["options"] = copy.deepcopy(cmd["options"])
        if key is not None:
            stored["guild_id"] = key
            stored.pop("dm_permission")
        return stored

    async def _h_commands(self, r: Req) -> tuple[int, Any]:
        key = self._commands_key(r)
        current = self._commands.setdefault(key, [])
        method = r.record.method
        if method == "GET":
            return 200, current
        if method == "PUT":
            errs = v.validate_command_list(r.json)
            if errs:
                raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
            new = [self._store_command(key, c, current) for c in r.json]
            self._commands[key] = new
            return 200, new
        errs = v.validate_command(r.json)  # POST = upsert one
        if errs:
            raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
        stored = self._store_command(key, r.json, current)
        existed = any(c["id"] == stored["id"] for c in current)
        self._commands[key] = [c for c in current if c["id"] != stored["id"]] + [stored]
        return (200 if existed else 201), stored

    async def _h_command(self, r: Req) -> tuple[int, Any]:
        key = self._commands_key(r)
        current = self._commands.setdefault(key, [])
        cmd_id = r.groups[-1]
        cmd = next((c for c in current if c["id"] == cmd_id), None)
        if cmd is None:
            raise ApiError(404, 10063, "Unknown application command")
        if r.record.method == "GET":
            return 200, cmd
        if r.record.method == "DELETE":
            current.remove(cmd)
            return 204, None
        merged = {**cmd, **(r.json or {})}
        errs = v.validate_command(merged)
        if errs:
            raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
        stored = self._store_command(key, merged, current)
        current[current.index(cmd)] = stored
        return 200, stored

    # ============================================================================================
    # messages: building, editing, events
    # ============================================================================================
    def _check_sizes(self, files: list[UploadedFile], limit: int) -> None:
        for f in files:
            if f.size > limit:
                raise ApiError(413, 40005, "Request entity too large")

    def _new_attachment(
        self, f: UploadedFile, entry: dict[str, Any], channel_id: str, ephemeral: bool
    ) -> dict[str, Any]:
        aid = self.snowflake()
        filename = entry.get("filename") or f.filename
        ctype = (
            _sniff_image(f.data)
            or mimetypes.guess_type(filename)[0]
            or (f.content_type if f.content_type != "application/octet-stream" else None)
            or "application/octet-stream"
        )
        size = _image_size(f.data) if ctype.startswith("image/") else None
        quoted = re.sub(r"[^\w.\-]", "_", filename)
        meta: dict[str, Any] = {
            "id": aid,
            "filename": filename,
            "size": f.size,
            "url": f"{self.http_base}/attachments/{channel_id}/{aid}/{quoted}",
            "proxy_url": f"{self.http_base}/media/attachments/{channel_id}/{aid}/{quoted}",
            "content_type": ctype,
            "width": size[0] if size else None,
            "height": size[1] if size else None,
        }
        if entry.get("description") is not None:
            meta["description"] = entry["description"]
        if ephemeral:
            meta["ephemeral"] = True
        self._attachments[aid] = StoredAttachment(meta, f.data)
        return meta

    def _build_attachments(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        channel_id: str,
        *,
        existing: list[dict[str, Any]] | None,
        ephemeral: bool,
    ) -> list[dict[str, Any]] | None:
        """Resolve ``payload.attachments`` + uploaded files. None = leave unchanged (edits)."""
        entries = payload.get("attachments")
        by_index = {f.index: f for f in files}
        old = {a["id"]: a for a in existing or []}
        if entries is None:
            if not files:
                return None if existing is not None else []
            return list(old.values()) + [
                self._new_attachment(f, {}, channel_id, ephemeral) for f in files
            ]
        out: list[dict[str, Any]] = []
        used: set[int | None] = set()
        errs = v.FormErrors()
        for j, entry in enumerate(entries):
            aid = str((entry or {}).get("id"))
            if aid in old:
                kept = dict(old[aid])
                if entry.get("description") is not None:
                    kept["description"] = entry["description"]
                out.append(kept)
            elif aid.isdigit() and int(aid) in by_index and int(aid) not in used:
                used.add(int(aid))
                out.append(self._new_attachment(by_index[int(aid)], entry, channel_id, ephemeral))
            else:
                errs.add(
                    ["attachments", j, "id"], "ATTACHMENT_NOT_FOUND", f"Unknown attachment {aid}"
                )
        if errs:
            raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
        for f in files:  # uploaded but not listed: Discord still attaches them
            if f.index not in used:
                out.append(self._new_attachment(f, {}, channel_id, ephemeral))
        return out

    def _normalize_components(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        comps = copy.deepcopy(components)
        next_id = 1
        for c in v.iter_components(comps):
            if "id" not in c:
                c["id"] = next_id
            next_id = max(next_id, int(c["id"])) + 1
        return comps

    def _mentions(self, content: str, allowed: dict[str, Any] | None) -> tuple[list, bool]:
        users = []
        parse = None if allowed is None else allowed.get("parse", [])
        allowed_users = {str(u) for u in (allowed or {}).get("users", [])}
        for uid in dict.fromkeys(re.findall(r"<@!?(\d+)>", content or "")):
            if uid in self.world.users and (
                parse is None or "users" in parse or uid in allowed_users
            ):
                users.append(self.world.users[uid])
        everyone = "@everyone" in (content or "") and (parse is None or "everyone" in parse)
        return users, everyone

    def _make_message(
        self,
        channel_id: str,
        payload: dict[str, Any],
        attachments: list[dict[str, Any]],
        *,
        author: dict[str, Any],
        msg_type: int = 0,
        flags: int = 0,
        inter: FakeInteraction | None = None,
        followup: bool = False,
    ) -> StoredMessage:
        content = payload.get("content") or ""
        mentions, everyone = self._mentions(content, payload.get("allowed_mentions"))
        embeds = [{"type": "rich", **e} for e in payload.get("embeds") or []]
        msg: dict[str, Any] = {
            "id": self.snowflake(),
            "type": msg_type,
            "content": content,
            "channel_id": channel_id,
            "author": author,
            "attachments": attachments,
            "embeds": embeds,
            "components": self._normalize_components(payload.get("components") or []),
            "timestamp": iso(time.time() + self._time_offset),
            "edited_timestamp": None,
            "flags": flags,
            "mentions": mentions,
            "mention_roles": [],
            "mention_everyone": everyone,
            "pinned": False,
            "tts": bool(payload.get("tts", False)),
        }
        if payload.get("poll") is not None:
            msg["poll"] = payload["poll"]
        ref = payload.get("message_reference")
        if ref:
            msg["message_reference"] = {"type": 0, "channel_id": channel_id, **ref}
        if inter is not None:
            msg["webhook_id"] = self.application_id
            msg["application_id"] = self.application_id
            user = (inter.payload.get("member") or {}).get("user") or inter.payload.get("user")
            meta: dict[str, Any] = {
                "id": inter.id,
                "type": inter.type,
                "user": user,
                "authorizing_integration_owners": inter.payload["authorizing_integration_owners"],
            }
            if inter.type == 2:
                meta["name"] = inter.payload["data"]["name"]
                meta["command_type"] = inter.payload["data"].get("type", 1)
            if inter.source_message_id:
                meta["interacted_message_id"] = inter.source_message_id
            if followup and inter.original_message_id:
                meta["original_response_message_id"] = inter.original_message_id
            msg["interaction_metadata"] = meta
        gid = self.world.channel_guild.get(channel_id)
        stored = StoredMessage(
            msg,
            gid,
            inter.id if inter else None,
            inter.user_id if inter and flags & v.FLAG_EPHEMERAL else None,
        )
        self._messages[msg["id"]] = stored
        ch = self.world.channel(channel_id)
        if ch is not None:
            ch["last_message_id"] = msg["id"]
        return stored

    def _validate_or_raise(self, payload: Any, files: int, **kw: Any) -> dict[str, Any]:
        if payload is None:
            payload = {}
        errs = v.validate_message(payload, files=files, **kw)
        if errs:
            raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
        return payload

    def _create_message(
        self,
        channel_id: str,
        payload: Any,
        files: list[UploadedFile],
        *,
        limit: int,
        author: dict[str, Any],
        msg_type: int = 0,
        allowed_flags: int = v.CREATE_FLAGS_ALLOWED,
        extra_flags: int = 0,
        inter: FakeInteraction | None = None,
        followup: bool = False,
    ) -> StoredMessage:
        self._check_sizes(files, limit)
        payload = self._validate_or_raise(payload, len(files))
        flags = int(payload.get("flags") or 0)
        if flags & ~allowed_flags:
            errs = v.FormErrors()
            errs.add(
                ["flags"], "MESSAGE_FLAGS_INVALID", f"Flags {flags & ~allowed_flags} not allowed"
            )
            raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
        flags |= extra_flags
        attachments = self._build_attachments(
            payload, files, channel_id, existing=None, ephemeral=bool(flags & v.FLAG_EPHEMERAL)
        )
        draft = {**payload, "attachments": attachments}
        if not flags & v.FLAG_LOADING and v.message_is_empty(draft):
            raise ApiError(400, 50006, "Cannot send an empty message")
        return self._make_message(
            channel_id,
            payload,
            attachments or [],
            author=author,
            msg_type=msg_type,
            flags=flags,
            inter=inter,
            followup=followup,
        )

    def _edit_message(
        self,
        stored: StoredMessage,
        payload: Any,
        files: list[UploadedFile],
        *,
        limit: int,
        clear_loading: bool = False,
    ) -> dict[str, Any]:
        self._check_sizes(files, limit)
        payload = self._validate_or_raise(payload, len(files), create=False, existing=stored.data)
        old = stored.data
        new = copy.deepcopy(old)
        if "content" in payload:
            new["content"] = payload["content"] or ""
            new["mentions"], new["mention_everyone"] = self._mentions(
                new["content"], payload.get("allowed_mentions")
            )
        if "embeds" in payload:
            new["embeds"] = [{"type": "rich", **e} for e in payload["embeds"] or []]
        if "components" in payload:
            new["components"] = self._normalize_components(payload["components"] or [])
        if "poll" in payload and payload["poll"] is not None:
            new["poll"] = payload["poll"]
        attachments = self._build_attachments(
            payload,
            files,
            old["channel_id"],
            existing=old["attachments"],
            ephemeral=bool(old["flags"] & v.FLAG_EPHEMERAL),
        )
        if attachments is not None:
            new["attachments"] = attachments
        flags = old["flags"]
        if "flags" in payload and payload["flags"] is not None:
            req = int(payload["flags"])
            flags = (flags & ~v.FLAG_SUPPRESS_EMBEDS) | (req & v.FLAG_SUPPRESS_EMBEDS)
            flags |= req & v.FLAG_COMPONENTS_V2
        if clear_loading:
            flags &= ~v.FLAG_LOADING
        new["flags"] = flags
        if not flags & v.FLAG_LOADING and v.message_is_empty(new):
            raise ApiError(400, 50006, "Cannot send an empty message")
        new["edited_timestamp"] = iso(time.time() + self._time_offset)
        stored.history.append(old)
        stored.data = new
        return new

    async def _message_event(self, t: str, stored: StoredMessage) -> None:
        """MESSAGE_CREATE/UPDATE/DELETE for non-ephemeral messages, if the intents allow it
        (those of the session of the shard that owns the message's guild; DMs: shard 0)."""
        s = self.gateway.owner(stored.guild_id)
        if not self.message_events or s is None or stored.ephemeral_user is not None:
            return
        if stored.data["flags"] & v.FLAG_EPHEMERAL:
            return
        intent = INTENT_GUILD_MESSAGES if stored.guild_id else INTENT_DIRECT_MESSAGES
        if not s.intents & intent:
            return
        msg = stored.data
        if t == "MESSAGE_DELETE":
            d: dict[str, Any] = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if stored.guild_id:
                d["guild_id"] = stored.guild_id
            await self.gateway.dispatch_to(s, t, d)
            return
        d = copy.deepcopy(msg)
        author_id = msg["author"]["id"]
        can_read = (
            s.intents & INTENT_MESSAGE_CONTENT
            or author_id == self.bot_user["id"]
            or stored.guild_id is None
            or any(u["id"] == self.bot_user["id"] for u in msg["mentions"])
        )
        if not can_read:
            d.update(content="", embeds=[], attachments=[], components=[])
        if stored.guild_id:
            d["guild_id"] = stored.guild_id
            member = self.world.guilds[stored.guild_id].members.get(author_id)
            if member is not None:
                d["member"] = {
                    k: val
                    for k, val in self.world.member_obj(stored.guild_id, author_id).items()
                    if k != "user"
                }
        await self.gateway.dispatch_to(s, t, d)

    # ============================================================================================
    # REST: interaction callback + webhooks
    # ============================================================================================
    def _invalid_form(self, path: list[Any], code: str, message: str) -> ApiError:
        errs = v.FormErrors()
        errs.add(path, code, message)
        return ApiError(400, 50035, "Invalid Form Body", errs.to_dict())

    def _interaction_msg_type(self, inter: FakeInteraction) -> int:
        if inter.type == 2:
            return 20 if inter.payload["data"].get("type", 1) == 1 else 23
        return 0

    async def _h_callback(self, r: Req) -> tuple[int, Any]:
        iid, token = r.groups
        inter = self.interactions.get(iid)
        if inter is None or inter.token != token or inter.dispatched_at is None:
            raise ApiError(404, 10062, "Unknown interaction")
        body = r.json if isinstance(r.json, dict) else {}
        ctype = body.get("type")
        r.link = (inter, "callback", ctype)
        if inter.acked:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if inter.ack_expired or self.now() - inter.dispatched_at > self.ack_deadline:
            inter.ack_expired = True
            raise ApiError(404, 10062, "Unknown interaction")
        if ctype not in v.ALLOWED_CALLBACKS.get(inter.type, set()):
            raise self._invalid_form(
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {ctype!r} is invalid for interaction type {inter.type}",
            )
        data = body.get("data")
        limit = inter.attachment_size_limit
        resource: dict[str, Any] | None = None
        loading = False
        if ctype == 4:
            stored = self._create_message(
                inter.channel_id,
                data,
                r.files,
                limit=limit,
                author=self.bot_user,
                msg_type=self._interaction_msg_type(inter),
                inter=inter,
            )
            inter.original_message_id = r.message_id = stored.data["id"]
            resource = stored.data
            created = stored
        elif ctype == 5:
            eph = int((data or {}).get("flags") or 0) & v.FLAG_EPHEMERAL
            stored = self._make_message(
                inter.channel_id,
                {},
                [],
                author=self.bot_user,
                msg_type=self._interaction_msg_type(inter),
                flags=v.FLAG_LOADING | eph,
                inter=inter,
            )
            inter.original_message_id = r.message_id = stored.data["id"]
            inter.loading_pending = True
            resource, loading, created = stored.data, True, stored
        elif ctype in (6, 7):
            src = self._messages.get(inter.source_message_id or "")
            if src is None or src.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            if ctype == 7:
                self._edit_message(src, data, r.files, limit=limit)
                resource = src.data
            inter.original_message_id = r.message_id = src.data["id"]
            created = None
        elif ctype == 8:
            focused = self._focused_type(inter)
            errs = v.validate_choices(data, focused)
            if errs:
                raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
            inter.choices = copy.deepcopy((data or {})["choices"])
            created = None
        elif ctype == 9:
            errs = v.validate_modal(data)
            if errs:
                raise ApiError(400, 50035, "Invalid Form Body", errs.to_dict())
            inter.modal = copy.deepcopy(data)
            created = None
        else:  # 12 launch activity
            created = None
        inter.callback_type = ctype
        if created is not None:
            await self._message_event("MESSAGE_CREATE", created)
        elif ctype == 7 and inter.original_message_id is not None:
            await self._message_event("MESSAGE_UPDATE", self._messages[inter.original_message_id])
        if not _truthy(r.query.get("with_response")):
            return 204, None
        msg = resource
        response: dict[str, Any] = {
            "interaction": {
                "id": inter.id,
                "type": inter.type,
                "response_message_id": r.message_id,
                "response_message_loading": loading,
                "response_message_ephemeral": bool(msg and msg["flags"] & v.FLAG_EPHEMERAL),
            }
        }
        if ctype in (4, 5, 7):
            response["resource"] = {"type": ctype, "message": msg}
        return 200, response

    def _focused_type(self, inter: FakeInteraction) -> int | None:
        def walk(opts: list[dict[str, Any]]) -> int | None:
            for o in opts:
                if o.get("focused"):
                    return o["type"]
                found = walk(o.get("options") or [])
                if found is not None:
                    return found
            return None

        return walk(inter.payload["data"].get("options") or [])

    def _webhook_interaction(self, r: Req) -> FakeInteraction:
        app, token = r.groups[0], r.groups[1]
        inter = self._by_token.get(token)
        if inter is None or app != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if inter.dispatched_at is not None and (
            self.now() - inter.dispatched_at > self.interaction_token_ttl
        ):
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if not inter.acked:
            raise ApiError(404, 10015, "Unknown Webhook")
        return inter

    async def _h_followup(self, r: Req) -> tuple[int, Any]:
        inter = self._webhook_interaction(r)
        r.link = (inter, "followup", None)
        if inter.callback_type == 8:
            raise ApiError(404, 10015, "Unknown Webhook")
        limit = inter.attachment_size_limit
        orig = self._messages.get(inter.original_message_id or "")
        if inter.loading_pending and orig is not None and not orig.deleted:
            # Real Discord: the first followup after a type-5 defer replaces the "thinking"
            # message (same id, the defer's ephemerality wins).
            payload = dict(r.json) if isinstance(r.json, dict) else {}
            keep = v.FLAG_SUPPRESS_EMBEDS | v.FLAG_COMPONENTS_V2
            payload["flags"] = int(payload.get("flags") or 0) & keep
            self._edit_message(orig, payload, r.files, limit=limit, clear_loading=True)
            inter.loading_pending = False
            stored = orig
            event = "MESSAGE_UPDATE"
        else:
            stored = self._create_message(
                inter.channel_id,
                r.json,
                r.files,
                limit=limit,
                author=self.bot_user,
                msg_type=self._interaction_msg_type(inter),
                inter=inter,
                followup=True,
            )
            event = "MESSAGE_CREATE"
        inter.followup_ids.append(stored.data["id"])
        r.message_id = stored.data["id"]
        await self._message_event(event, stored)
        if _truthy(r.query.get("wait")):
            return 200, stored.data
        return 204, None

    async def _h_webhook_message(self, r: Req) -> tuple[int, Any]:
        inter = self._webhook_interaction(r)
        target = r.groups[2]
        method = r.record.method
        kind = {"GET": "get", "PATCH": "edit", "DELETE": "delete"}[method]
        r.link = (inter, kind, None)
        mid = inter.original_message_id if target == "@original" else target
        if mid is None or (mid != inter.original_message_id and mid not in inter.followup_ids):
            raise ApiError(404, 10008, "Unknown Message")
        r.message_id = mid
        stored = self._messages.get(mid)
        if stored is None or stored.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        if method == "GET":
            return 200, stored.data
        if method == "DELETE":
            stored.deleted = True
            await self._message_event("MESSAGE_DELETE", stored)
            return 204, None
        was_loading = bool(stored.data["flags"] & v.FLAG_LOADING)
        self._edit_message(
            stored, r.json, r.files, limit=inter.attachment_size_limit, clear_loading=was_loading
        )
        if was_loading and mid == inter.original_message_id:
            inter.loading_pending = False
        await self._message_event("MESSAGE_UPDATE", stored)
        return 200, stored.data

    # ============================================================================================
    # REST: bot-token channel messages
    # ============================================================================================
    def _check_channel_perms(self, cid: str, needed: int) -> None:
        gid = self.world.channel_guild.get(cid)
        if gid is None:
            return
        perms = self.world.permissions(gid, self.bot_user["id"])
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    async def _h_channel_messages(self, r: Req) -> tuple[int, Any]:
        cid = r.groups[0]
        self._channel_or_404(cid)
        if r.record.method == "GET":
            self._check_channel_perms(cid, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
            limit = max(1, min(100, int(r.query.get("limit", 50))))
            msgs = self.messages(cid, include_ephemeral=False)
            return 200, list(reversed(msgs))[:limit]
        needed = P.VIEW_CHANNEL | P.SEND_MESSAGES | (P.ATTACH_FILES if r.files else 0)
        self._check_channel_perms(cid, needed)
        recipient = self.world.dm_recipient(cid)
        if recipient is not None and not self.world.dms_open.get(recipient, True):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        if recipient is not None and self.world.users[recipient].get("bot"):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        payload = r.json if isinstance(r.json, dict) else {}
        ref = payload.get("message_reference")
        msg_type = 0
        if ref:
            target = self._messages.get(str(ref.get("message_id")))
            if target is None or target.deleted or target.data["channel_id"] != cid:
                if ref.get("fail_if_not_exists", True):
                    raise self._invalid_form(
                        ["message_reference"],
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
            else:
                msg_type = 19
        gid = self.world.channel_guild.get(cid)
        limit = (
            self.world.guilds[gid].attachment_size_limit
            if gid
            else self.default_attachment_size_limit
        )
        stored = self._create_message(
            cid,
            r.json,
            r.files,
            limit=limit,
            author=self.bot_user,
            msg_type=msg_type,
            allowed_flags=v.CREATE_FLAGS_ALLOWED & ~v.FLAG_EPHEMERAL,
        )
        r.message_id = stored.data["id"]
        await self._message_event("MESSAGE_CREATE", stored)
        return 200, stored.data

    async def _h_channel_message(self, r: Req) -> tuple[int, Any]:
        cid, mid = r.groups
        self._channel_or_404(cid)
        stored = self._messages.get(mid)
        if (
            stored is None
            or stored.deleted
            or stored.data["channel_id"] != cid
            or stored.ephemeral_user is not None
        ):
            raise ApiError(404, 10008, "Unknown Message")
        r.message_id = mid
        method = r.record.method
        own = stored.data["author"]["id"] == self.bot_user["id"]
        if method == "GET":
            self._check_channel_perms(cid, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
            return 200, stored.data
        if method == "DELETE":
            if not own:
                self._check_channel_perms(cid, P.MANAGE_MESSAGES)
            stored.deleted = True
            await self._message_event("MESSAGE_DELETE", stored)
            return 204, None
        if not own:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        gid = self.world.channel_guild.get(cid)
        limit = (
            self.world.guilds[gid].attachment_size_limit
            if gid
            else self.default_attachment_size_limit
        )
        self._edit_message(stored, r.json, r.files, limit=limit)
        await self._message_event("MESSAGE_UPDATE", stored)
        return 200, stored.data
