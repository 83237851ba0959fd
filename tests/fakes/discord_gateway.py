"""Gateway (websocket) half of the fake Discord, served at ``/gateway`` and ``/gateway-resume``.

Plain-text JSON frames only (discord.py parses text frames directly even when it asked for
``compress=zlib-stream``; see platforms.md 4.2 point 5). Implemented:

* HELLO (op 10) -> the client HEARTBEATs (op 1) -> HEARTBEAT_ACK (op 11)
* IDENTIFY (op 2): token checked (close 4004 on a wrong one) -> READY (``user``, ``guilds`` as
  unavailable stubs, ``session_id``, ``resume_gateway_url`` = this server's ``/gateway-resume``,
  ``application{id, flags}``) followed by one GUILD_CREATE per guild the bot is in
* RESUME (op 6): replays the events the session missed (seq > the client's) then RESUMED; an
  unknown session gets op 9 ``false`` (INVALID_SESSION, must re-IDENTIFY)
* REQUEST_GUILD_MEMBERS (op 8) -> GUILD_MEMBERS_CHUNK
* server side: ``dispatch(t, d)`` (growing ``s``; buffered while the client is reconnecting),
  ``request_reconnect()`` (op 7), ``invalidate_session(resumable)`` (op 9)

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


@dataclass
class GatewayFrame:
    """One frame, either direction (``direction`` is ``"sent"`` by the fake or ``"recv"``)."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class Connection:
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None
    closed: bool = False


@dataclass
class Session:
    session_id: str
    intents: int
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # every dispatch (for RESUME)
    conn: Connection | None = None
    ready: bool = False  # READY + GUILD_CREATEs sent on the current connection


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = 41250
        self.frames: list[GatewayFrame] = []
        self.connections: list[Connection] = []
        self.session: Session | None = None  # the current (most recently identified) session
        self._old_sessions: dict[str, Session] = {}
        self.identify_count = 0
        self.resume_count = 0

    # --- public ---------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        s = self.session
        return bool(s and s.ready and s.conn and not s.conn.closed)

    async def dispatch(self, t: str, d: dict[str, Any]) -> int:
        """Send a DISPATCH to the current session; buffered (for RESUME) while disconnected."""
        s = self.session
        if s is None:
            raise RuntimeError("no gateway session: the bot never IDENTIFYed")
        conn = s.conn
        if conn is not None and not conn.closed:
            async with conn.lock:
                return await self._dispatch_locked(s, conn, t, d)
        return self._record_event(s, t, d)["s"]

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; the client should reconnect to resume_gateway_url and RESUME."""
        conn = self.session.conn if self.session else None
        if conn is None or conn.closed:
            raise RuntimeError("no live gateway connection")
        await self._send(conn, {"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (``resumable=False`` forces a fresh IDENTIFY)."""
        conn = self.session.conn if self.session else None
        if conn is None or conn.closed:
            raise RuntimeError("no live gateway connection")
        if not resumable and self.session:
            self._old_sessions.pop(self.session.session_id, None)
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
        self.frames.append(
            GatewayFrame("sent", payload["op"], payload.get("t"), payload.get("s"), payload["d"])
        )
        try:
            await conn.ws.send_str(json.dumps(payload))
        except ConnectionError:
            conn.closed = True
        self.fake._notify()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, request.path, dict(request.query))
        self.connections.append(conn)
        if request.query.get("v") not in (None, "10") or request.query.get("encoding") not in (
            None,
            "json",
        ):
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
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
                        await ws.close(code=4002, message=b"Decode error")
                        break
                    if not await self._on_frame(conn, data):
                        break
                elif msg.type == WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Decode error (binary frame)")
                    break
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            conn.closed = True
            self.fake._notify()
        return ws

    async def _on_frame(self, conn: Connection, data: dict[str, Any]) -> bool:
        op, d = int(data.get("op", -1)), data.get("d")
        self.frames.append(GatewayFrame("recv", op, data.get("t"), data.get("s"), d))
        self.fake._notify()
        if op == OP_HEARTBEAT:
            await self._send(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            if conn.session is not None:
                await conn.ws.close(code=4005, message=b"Already authenticated")
                return False
            if not isinstance(d, dict) or d.get("token") != self.fake.token:
                await conn.ws.close(code=4004, message=b"Authentication failed")
                return False
            await self._identify(conn, d)
        elif op == OP_RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated")
            return False
        elif op == OP_REQUEST_MEMBERS:
            await self._members_chunk(conn, d or {})
        elif op in (OP_PRESENCE, OP_VOICE):
            pass
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode")
            return False
        return True

    def _ready_payload(self, s: Session) -> dict[str, Any]:
        fake = self.fake
        return {
            "v": 10,
            "user": {**fake.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": gid, "unavailable": True} for gid in fake.world.guilds],
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

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        self.identify_count += 1
        if self.session is not None:
            self._old_sessions[self.session.session_id] = self.session
        s = Session(secrets.token_hex(16), int(d.get("intents") or 0))
        self.session = s
        conn.session = s
        s.conn = conn
        async with conn.lock:
            await self._dispatch_locked(s, conn, "READY", self._ready_payload(s))
            for gid in list(self.fake.world.guilds):
                await self._dispatch_locked(
                    s, conn, "GUILD_CREATE", self.fake.world.guild_create(gid)
                )
            s.ready = True
        self.fake._notify()

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        sid = str(d.get("session_id"))
        s = self.session if self.session and self.session.session_id == sid else None
        s = s or self._old_sessions.get(sid)
        if d.get("token") != self.fake.token:
            await conn.ws.close(code=4004, message=b"Authentication failed")
            return
        if s is None or s is not self.session:
            # Only the latest session can be resumed; anything else must IDENTIFY again.
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
        if gid not in self.fake.world.guilds:
            return
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
