"""Objects the fake Discord hands back to tests: request records, interaction handles, errors.

* :class:`RequestRecord` - one HTTP request the bot made (``dc.requests``, ``dc.errors``).
* :class:`UploadedFile` - one multipart file part (``record.files``, bytes in ``.data``).
* :class:`FakeInteraction` - returned by every user-side driver (``dc.slash_command`` ...):
  ``await inter.wait_ack()``, ``await inter.wait_message()``, ``inter.original``,
  ``inter.responses``.
* :class:`ResponseRecord` - one callback / followup / edit / get / delete for an interaction.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.discord_gateway import Connection


class FakeDiscordUsageError(ValueError):
    """A test asked the fake to do something a real Discord client could not do
    (click a custom_id that is not on the message, omit a required option, ...)."""


class ApiError(Exception):
    """Raised inside REST handlers; rendered as Discord's JSON error body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


@dataclass
class UploadedFile:
    field: str  # multipart field name, e.g. "files[0]"
    index: int | None  # N of files[N]
    filename: str
    content_type: str  # as sent by the client (discord.py sends application/octet-stream)
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"UploadedFile({self.field!r}, {self.filename!r}, {self.size} bytes)"


@dataclass
class RequestRecord:
    """One request received by the fake. ``path`` is relative to ``/api/v10`` for API routes
    (e.g. ``/webhooks/123/tok``) and the raw path otherwise (``/attachments/...``)."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any  # parsed JSON body, or the parsed ``payload_json`` part of a multipart body
    files: list[UploadedFile]
    form: dict[str, str] = field(default_factory=dict)  # other multipart text fields
    status: int = 0  # 0 while the request is being handled
    response: Any = None  # JSON body returned (None for 204 / bytes)
    injected: bool = False  # answered by dc.fail_next()
    at: float = field(default_factory=time.monotonic)
    peer: tuple[str, int] | None = None  # the client's (host, port)

    @property
    def done(self) -> bool:
        return self.status != 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) else None

    def __repr__(self) -> str:
        extra = f" code={self.error_code}" if not self.ok and self.error_code is not None else ""
        files = f" files={[f.filename for f in self.files]}" if self.files else ""
        return f"<#{self.index} {self.method} {self.path} -> {self.status}{extra}{files}>"


@dataclass
class ResponseRecord:
    """One thing the bot did with an interaction, in order.

    ``kind``: ``"callback"`` (POST /interactions/.../callback), ``"followup"`` (POST webhook),
    ``"edit"`` / ``"get"`` / ``"delete"`` (``/webhooks/.../messages/{@original|id}``).
    ``message`` is the *current* state of the message it created/edited (None if none)."""

    kind: str
    request: RequestRecord
    callback_type: int | None = None
    message_id: str | None = None
    _fake: FakeDiscord | None = field(default=None, repr=False)

    @property
    def status(self) -> int:
        return self.request.status

    @property
    def ok(self) -> bool:
        return self.request.ok

    @property
    def payload(self) -> Any:
        return self.request.json

    @property
    def files(self) -> list[UploadedFile]:
        return self.request.files

    @property
    def message(self) -> dict[str, Any] | None:
        if self.message_id is None or self._fake is None:
            return None
        return self._fake.message(self.message_id)

    def __repr__(self) -> str:
        ct = f" type={self.callback_type}" if self.callback_type is not None else ""
        return f"<{self.kind}{ct} -> {self.status} msg={self.message_id}>"


class FakeInteraction:
    """A user action dispatched as INTERACTION_CREATE. Attributes mirror the payload."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self._fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id: str | None = payload.get("guild_id")
        self.channel_id: str = payload["channel"]["id"]
        self.user_id: str = (payload.get("member") or {}).get("user", payload.get("user", {}))["id"]
        self.attachment_size_limit: int = payload["attachment_size_limit"]
        self.source_message_id: str | None = (payload.get("message") or {}).get("id")
        self.command: dict[str, Any] | None = None  # the synced command (app commands)
        self.option_types: dict[str, int] = {}  # option name -> type (for autocomplete)
        self.dispatched_at: float | None = None  # fake clock; None until sent
        self.dispatch_count = 0
        self.deliveries: list[Connection] = []  # the gateway connection of each delivery
        # state machine
        self.callback_type: int | None = None
        self.ack_expired = False
        self.original_message_id: str | None = None
        self.loading_pending = False  # type-5 "thinking" original not yet filled
        self.followup_ids: list[str] = []
        self.choices: list[dict[str, Any]] | None = None  # autocomplete result (type 8)
        self.modal: dict[str, Any] | None = None  # modal data (type 9)
        self.records: list[ResponseRecord] = []

    def __repr__(self) -> str:
        return f"<FakeInteraction id={self.id} type={self.type} callback={self.callback_type}>"

    # --- state ----------------------------------------------------------------------------------
    @property
    def shard_id(self) -> int | None:
        """The gateway shard the (last) delivery went over; None until dispatched."""
        return self.deliveries[-1].shard_id if self.deliveries else None

    @property
    def acked(self) -> bool:
        return self.callback_type is not None

    @property
    def responses(self) -> list[ResponseRecord]:
        return list(self.records)

    @property
    def callback(self) -> ResponseRecord | None:
        """The successful callback, if any."""
        return next((r for r in self.records if r.kind == "callback" and r.ok), None)

    @property
    def original(self) -> dict[str, Any] | None:
        """Current state of ``@original`` (None if there is none or it was deleted)."""
        if self.original_message_id is None:
            return None
        return self._fake.message(self.original_message_id)

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Current state of every message returned by a followup POST (the first followup
        after a type-5 defer *is* the original message, so it appears here too)."""
        out = []
        for mid in dict.fromkeys(self.followup_ids):
            msg = self._fake.message(mid)
            if msg is not None:
                out.append(msg)
        return out

    @property
    def messages(self) -> list[dict[str, Any]]:
        """``@original`` (if any) then followups, current states, without duplicates."""
        ids = [self.original_message_id] if self.original_message_id else []
        out = []
        for mid in dict.fromkeys(ids + self.followup_ids):
            msg = self._fake.message(mid)
            if msg is not None:
                out.append(msg)
        return out

    # --- waiting --------------------------------------------------------------------------------
    async def wait_ack(self, timeout: float = 5.0) -> ResponseRecord:
        """Wait for the first callback request (successful or not) and return its record."""

        def check() -> ResponseRecord | None:
            return next((r for r in self.records if r.kind == "callback"), None)

        return await self._fake.wait_until(check, timeout, f"a callback for {self!r}")

    async def wait_choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Autocomplete: wait for the type-8 callback and return its choices."""
        await self._fake.wait_until(lambda: self.choices is not None, timeout, "autocomplete")
        return self.choices or []

    async def wait_message(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 15.0,
    ) -> dict[str, Any]:
        """Wait until one of this interaction's messages (original or followups, current state,
        not "thinking") satisfies ``predicate`` (default: any) and return a copy of it."""

        def check() -> dict[str, Any] | None:
            for msg in self.messages:
                if msg["flags"] & 128:  # still loading
                    continue
                if predicate is None or predicate(msg):
                    return copy.deepcopy(msg)
            return None

        return await self._fake.wait_until(check, timeout, f"a message for {self!r}")

    async def wait_response(
        self, kind: str | None = None, timeout: float = 15.0, ok: bool | None = None
    ) -> ResponseRecord:
        """Wait for a response record of ``kind`` (any if None), optionally only ok/failed ones."""

        def check() -> ResponseRecord | None:
            for r in self.records:
                if (kind is None or r.kind == kind) and (ok is None or r.ok == ok):
                    return r
            return None

        return await self._fake.wait_until(check, timeout, f"{kind or 'a response'} for {self!r}")
