"""Gateway (websocket) half of the fake Discord, served at ``/gateway`` and ``/gateway-resume``.

Plain-text JSON frames only (discord.py parses text frames directly even when it asked for
``compress=zlib-stream``; see platforms.md 4.2 point 5). Implemented:

* HELLO (op 10) -> the client HEARTBEATs (op 1) -> HEARTBEAT_ACK (op 11)
* IDENTIFY (op 2): token checked (close 4004 on a wrong one) -> READY (``user``, ``guilds`` as
  unavailable stubs, ``session_id``, ``resume_gateway_url`` = this server's ``/gateway-resume``,
  ``application{id, flags}``, ``shard``) followed by one GUILD_CREATE per guild of the shard
* sharding: IDENTIFY may carry ``shard: [id, count]`` (close 4010 "Invalid shard" unless
  ``0 <= id < count``; close 4011 "Sharding required" when a shard would hold more than
  ``max_guilds_per_shard`` guilds). Each shard has its own session. Guild events go only to the
  shard that owns the guild, ``(guild_id >> 22) % count``; events without a guild (DMs) only to
  shard 0. Every IDENTIFY is recorded with its time (``identifies``), so a test can check the
  spacing of identifies in one bucket (``shard_id % max_concurrency``) against the window
* RESUME (op 6): replays the events the session missed (seq > the client's) then RESUMED; an
  unknown session gets op 9 ``false`` (INVALID_SESSION, must re-IDENTIFY)
* REQUEST_GUILD_MEMBERS (op 8) -> GUILD_MEMBERS_CHUNK
* server side: ``dispatch(t, d)`` (routed to the owning shard; growing ``s``; buffered while the
  client is reconnecting), ``request_reconnect(shard_id)`` (op 7),
  ``invalidate_session(resumable, shard_id)`` (op 9)

Use it through :class:`tests.fakes.discord_api.FakeDiscord`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11
CLOSE_INVALID_SHARD, CLOSE_SHARDING_REQUIRED = 4010, 4011
IDENTIFY_WINDOW = 5.0  # seconds: Discord allows max_concurrency IDENTIFYs per bucket per window
GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})  # d["id"] is the guild


def shard_of(guild_id: Any, shard_count: int) -> int:
    """The shard that receives a guild's events: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def guild_of(t: str, d: Any) -> str | None:
    """The guild a dispatch belongs to (None: DMs and other guild-less events)."""
    if not isinstance(d, dict):
        return None
    gid = d.get("id") if t in GUILD_EVENTS else d.get("guild_id")
    return None if gid is None else str(gid)


@dataclass
class GatewayFrame:
    """One frame, either direction (``direction`` is ``"sent"`` by the fake or ``"recv"``);
    ``connection`` is the websocket it went over."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float = field(default_factory=time.monotonic)
    connection: Connection | None = field(default=None, repr=False, compare=False)

    @property
    def shard_id(self) -> int | None:
        """The shard of the connection's session (None before IDENTIFY/RESUME)."""
        return self.connection.shard_id if self.connection is not None else None


@dataclass(eq=False)  # one websocket: compared by identity
class Connection:
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    index: int = 0  # position in Gateway.connections
    peer: tuple[str, int] | None = None  # the client's (host, port)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None
    closed: bool = False
    close_code: int | None = None  # set when the fake closed it with a code
    frames: list[GatewayFrame] = field(default_factory=list, repr=False)

    @property
    def shard_id(self) -> int | None:
        return self.session.shard_id if self.session is not None else None

    def dispatched(self, t: str | None = None) -> list[GatewayFrame]:
        """DISPATCH frames the fake sent on this connection (of type ``t`` if given)."""
        return [
            f for f in self.frames
            if f.direction == "sent" and f.op == OP_DISPATCH and (t is None or f.t == t)
        ]


@dataclass(eq=False)
class Session:
    session_id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # [id, count]; [0, 1] when IDENTIFY had no "shard"
    sharded: bool = False  # IDENTIFY carried "shard"
    born: int = 0  # identify order
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # every dispatch (for RESUME)
    conn: Connection | None = None
    ready: bool = False  # READY + GUILD_CREATEs sent on the current connection

    @property
    def shard_id(self) -> int:
        return self.shard[0]

    @property
    def shard_count(self) -> int:
        return self.shard[1]

    @property
    def live(self) -> bool:
        return bool(self.ready and self.conn and not self.conn.closed)

    def owns(self, guild_id: Any) -> bool:
        """Guild events go to the shard that owns the guild; guild-less ones to shard 0."""
        if guild_id is None:
            return self.shard_id == 0
        return shard_of(guild_id, self.shard_count) == self.shard_id


@dataclass
class IdentifyRecord:
    """One accepted IDENTIFY: when the fake received it, for which shard, on which connection."""

    at: float
    shard_id: int
    shard_count: int
    session_id: str
    connection: Connection = field(repr=False, compare=False)

    def bucket(self, max_concurrency: int) -> int:
        return self.shard_id % max_concurrency


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = 41250
        self.max_guilds_per_shard = 2500  # more on one shard: close 4011 "Sharding required"
        # Hold HELLO until this many connections are open, then let them all go at once (one
        # time): processes started apart then IDENTIFY together unless something paces them.
        self.hello_barrier = 0
        self.frames: list[GatewayFrame] = []
        self.connections: list[Connection] = []
        self.sessions: dict[int, Session] = {}  # the current session of each shard id
        self.session: Session | None = None  # the most recently identified session
        self._old_sessions: dict[str, Session] = {}
        self.identifies: list[IdentifyRecord] = []
        self.refused: list[tuple[Connection, int]] = []  # (connection, close code) on IDENTIFY
        self.identify_count = 0
        self.resume_count = 0

    # --- public ---------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Every shard of the bot is connected and ready: the one unsharded session, or shards
        0..N-1 of N (N: the largest shard count among the live sessions)."""
        live = [s for s in self.sessions.values() if s.live]
        if not live:
            return False
        count = max(s.shard_count for s in live)
        return all(self.shard_live(i, count) for i in range(count))

    def shard_live(self, shard_id: int, shard_count: int | None = None) -> bool:
        s = self.sessions.get(shard_id)
        return bool(s and s.live and (shard_count is None or s.shard_count == shard_count))

    def owner(self, guild_id: Any = None) -> Session | None:
        """The session that gets ``guild_id``'s events (None: guild-less events, shard 0):
        the live one if any, else the latest (its events wait for a RESUME)."""
        owners = [s for s in self.sessions.values() if s.owns(guild_id)]
        owners.sort(key=lambda s: (s.live, s.born))
        return owners[-1] if owners else None

    def owner_live(self, guild_id: Any = None) -> bool:
        s = self.owner(guild_id)
        return bool(s and s.live)

    def identify_times(self, bucket: int | None = None) -> list[float]:
        """When each IDENTIFY arrived (in bucket ``shard_id % max_concurrency`` if given)."""
        mc = self.fake.max_concurrency
        return [r.at for r in self.identifies if bucket is None or r.bucket(mc) == bucket]

    def identify_violations(
        self, window: float | None = None, max_concurrency: int | None = None
    ) -> list[tuple[IdentifyRecord, IdentifyRecord]]:
        """Consecutive IDENTIFYs in one bucket that arrived less than ``window`` seconds apart
        (defaults: the fake's ``identify_window`` and ``max_concurrency``)."""
        window = self.fake.identify_window if window is None else window
        mc = max_concurrency or self.fake.max_concurrency
        last: dict[int, IdentifyRecord] = {}
        bad = []
        for r in self.identifies:
            b = r.bucket(mc)
            if b in last and r.at - last[b].at < window:
                bad.append((last[b], r))
            last[b] = r
        return bad

    async def dispatch(self, t: str, d: dict[str, Any]) -> int:
        """Send a DISPATCH to the session of the shard that owns its guild (DMs: shard 0);
        buffered (for RESUME) while that shard is disconnected."""
        gid = guild_of(t, d)
        s = self.owner(gid)
        if s is None:
            where = f"guild {gid}" if gid is not None else "guild-less events (shard 0)"
            raise RuntimeError(f"no gateway session for {where}: that shard never IDENTIFYed")
        return await self.dispatch_to(s, t, d)

    async def dispatch_to(self, s: Session, t: str, d: dict[str, Any]) -> int:
        conn = s.conn
        if conn is not None and not conn.closed:
            async with conn.lock:
                return await self._dispatch_locked(s, conn, t, d)
        return self._record_event(s, t, d)["s"]

    def _live_conn(self, shard_id: int) -> Connection:
        s = self.sessions.get(shard_id)
        conn = s.conn if s else None
        if conn is None or conn.closed:
            raise RuntimeError(f"no live gateway connection for shard {shard_id}")
        return conn

    async def request_reconnect(self, shard_id: int = 0) -> None:
        """Send op 7 RECONNECT; the client should reconnect to resume_gateway_url and RESUME."""
        await self._send(self._live_conn(shard_id), {"op": OP_RECONNECT, "d": None, "s": None,
                                                     "t": None})

    async def invalidate_session(self, resumable: bool = False, shard_id: int = 0) -> None:
        """Send op 9 INVALID_SESSION (``resumable=False`` forces a fresh IDENTIFY)."""
        conn = self._live_conn(shard_id)
        s = self.sessions[shard_id]
        if not resumable:
            self._old_sessions.pop(s.session_id, None)
        await self._send(conn, {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if not conn.closed:
                conn.closed = True
                try:
                    await asyncio.wait_for(conn.ws.close(code=1001), 2)
                except (TimeoutError, ConnectionError):
                    pass

    # --- internals ------------------------------------------------------------------------------
    def _frame(self, conn: Connection, direction: str, payload: dict[str, Any]) -> None:
        frame = GatewayFrame(direction, payload.get("op", -1), payload.get("t"), payload.get("s"),
                             payload.get("d"), connection=conn)
        self.frames.append(frame)
        conn.frames.append(frame)

    def _record_event(self, s: Session, t: str, d: dict[str, Any]) -> dict[str, Any]:
        s.seq += 1
        payload = {"op": OP_DISPATCH, "t": t, "s": s.seq, "d": d}
        s.events.append(payload)
        return payload

    async def _dispatch_locked(self, s: Session, conn: Connection, t: str, d: dict) -> int:
        payload = self._record_event(s, t, d)
        await self._send_raw(conn, payload)
        return payload["s"]

    async def _send(self, conn: Connection, payload: dict[str, Any]) -> None:
        async with conn.lock:
            await self._send_raw(conn, payload)

    async def _send_raw(self, conn: Connection, payload: dict[str, Any]) -> None:
        if conn.closed or conn.ws.closed:
            return
        self._frame(conn, "sent", payload)
        try:
            await conn.ws.send_str(json.dumps(payload))
        except ConnectionError:
            conn.closed = True
        self.fake._notify()

    async def _close(self, conn: Connection, code: int, reason: bytes) -> bool:
        conn.close_code = code
        await conn.ws.close(code=code, message=reason)
        return False

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        conn = Connection(ws, request.path, dict(request.query), index=len(self.connections),
                          peer=tuple(peer[:2]) if peer else None)
        self.connections.append(conn)
        if request.query.get("v") not in (None, "10") or request.query.get("encoding") not in (
            None,
            "json",
        ):
            await self._close(conn, 4012, b"Invalid API version")
            return ws
        if self.hello_barrier:
            await self._hello_barrier()
        await self._send(
            conn,
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                "s": None,
                "t": None,
            },
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        data = json.loads(msg.data)
                    except ValueError:
                        await self._close(conn, 4002, b"Decode error")
                        break
                    if not await self._on_frame(conn, data):
                        break
                elif msg.type == WSMsgType.BINARY:
                    await self._close(conn, 4002, b"Decode error (binary frame)")
                    break
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            conn.closed = True
            self.fake._notify()
        return ws

    async def _hello_barrier(self) -> None:
        def released() -> bool:
            return sum(1 for c in self.connections if not c.closed) >= self.hello_barrier

        try:
            await self.fake.wait_until(released, 60.0, "connections at the HELLO barrier")
        finally:
            self.hello_barrier = 0

    async def _on_frame(self, conn: Connection, data: dict[str, Any]) -> bool:
        op, d = int(data.get("op", -1)), data.get("d")
        self._frame(conn, "recv", {**data, "op": op})
        self.fake._notify()
        if op == OP_HEARTBEAT:
            await self._send(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            if conn.session is not None:
                return await self._close(conn, 4005, b"Already authenticated")
            if not isinstance(d, dict) or d.get("token") != self.fake.token:
                return await self._close(conn, 4004, b"Authentication failed")
            return await self._identify(conn, d)
        elif op == OP_RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            return await self._close(conn, 4003, b"Not authenticated")
        elif op == OP_REQUEST_MEMBERS:
            await self._members_chunk(conn, d or {})
        elif op in (OP_PRESENCE, OP_VOICE):
            pass
        else:
            return await self._close(conn, 4001, b"Unknown opcode")
        return True

    def _ready_payload(self, s: Session) -> dict[str, Any]:
        fake = self.fake
        payload = {
            "v": 10,
            "user": {**fake.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": gid, "unavailable": True} for gid in fake.world.guilds
                       if s.owns(gid)],
            "session_id": s.session_id,
            "session_type": "normal",
            "resume_gateway_url": f"{fake.ws_base}/gateway-resume",
            "application": {"id": fake.application_id, "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
        }
        if s.sharded:
            payload["shard"] = list(s.shard)
        return payload

    @staticmethod
    def _parse_shard(value: Any) -> tuple[int, int] | None:
        """``[id, count]`` with ``0 <= id < count``; None if invalid."""
        if not isinstance(value, list) or len(value) != 2:
            return None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return None
        shard_id, count = value
        return (shard_id, count) if 0 <= shard_id < count else None

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> bool:
        shard, sharded = (0, 1), "shard" in d and d["shard"] is not None
        if sharded:
            parsed = self._parse_shard(d["shard"])
            if parsed is None:
                self.refused.append((conn, CLOSE_INVALID_SHARD))
                return await self._close(conn, CLOSE_INVALID_SHARD, b"Invalid shard")
            shard = parsed
        probe = Session("", 0, shard)
        if sum(1 for gid in self.fake.world.guilds if probe.owns(gid)) > self.max_guilds_per_shard:
            self.refused.append((conn, CLOSE_SHARDING_REQUIRED))
            return await self._close(conn, CLOSE_SHARDING_REQUIRED, b"Sharding required")
        self.identify_count += 1
        s = Session(secrets.token_hex(16), int(d.get("intents") or 0), shard, sharded,
                    born=self.identify_count)
        self.identifies.append(IdentifyRecord(time.monotonic(), shard[0], shard[1],
                                              s.session_id, conn))
        previous = self.sessions.get(shard[0])
        if previous is not None:
            self._old_sessions[previous.session_id] = previous
        self.sessions[shard[0]] = self.session = s
        conn.session = s
        s.conn = conn
        async with conn.lock:
            await self._dispatch_locked(s, conn, "READY", self._ready_payload(s))
            for gid in list(self.fake.world.guilds):
                if s.owns(gid):
                    await self._dispatch_locked(
                        s, conn, "GUILD_CREATE", self.fake.world.guild_create(gid)
                    )
            s.ready = True
        self.fake._notify()
        return True

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        sid = str(d.get("session_id"))
        current = {x.session_id: x for x in self.sessions.values()}
        s = current.get(sid) or self._old_sessions.get(sid)
        if d.get("token") != self.fake.token:
            await self._close(conn, 4004, b"Authentication failed")
            return
        if s is None or self.sessions.get(s.shard_id) is not s:
            # Only a shard's latest session can be resumed; anything else must IDENTIFY again.
            await self._send(conn, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.resume_count += 1
        old = s.conn
        if old is not None and old is not conn and not old.closed:
            old.closed = True
            await old.ws.close(code=4000)
        conn.session = s
        s.conn = conn
        last = int(d.get("seq") or 0)
        async with conn.lock:
            for payload in [e for e in s.events if e["s"] > last]:
                await self._send_raw(conn, payload)
            await self._dispatch_locked(s, conn, "RESUMED", {})
            s.ready = True
        self.fake._notify()

    async def _members_chunk(self, conn: Connection, d: dict[str, Any]) -> None:
        gid = str(d.get("guild_id"))
        if gid not in self.fake.world.guilds or not (conn.session and conn.session.owns(gid)):
            return  # Discord answers only for guilds on the connection's shard
        g = self.fake.world.guilds[gid]
        wanted = {str(u) for u in d.get("user_ids") or []}
        members = [
            self.fake.world.member_obj(gid, uid) for uid in g.members if not wanted or uid in wanted
        ]
        chunk = {
            "guild_id": gid,
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [u for u in wanted if u not in g.members],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        s = conn.session
        if s is not None:
            async with conn.lock:
                await self._dispatch_locked(s, conn, "GUILD_MEMBERS_CHUNK", chunk)
