"""User-side drivers of the fake Discord: what a human does in the Discord client.

Mixed into :class:`tests.fakes.discord_api.FakeDiscord`; every driver builds a realistic
INTERACTION_CREATE (or MESSAGE_CREATE), sends it over the gateway and returns a
:class:`~tests.fakes.discord_records.FakeInteraction` to inspect/await the bot's answers:

* ``await dc.slash_command(user, "imagine", {"prompt": "a cat"}, guild_id=G)`` (DM if no guild)
* ``await dc.slash_command(user, "giveaway start", {"credits": 100}, guild_id=G)`` or
  ``options={"start": {"credits": 100}}`` (subcommands; groups nest one level more)
* ``await dc.autocomplete(user, "imagine", {"model": "fl"}, focused="model")``
* ``await dc.context_menu(user, "Upscale", target_message_or_user, guild_id=G)``
* ``await dc.click_button(user, message, custom_id)`` / ``await dc.select_option(user, message,
  custom_id, ["v1"])`` (refused if the custom_id is not on the message's current state)
* ``await dc.submit_modal(user, interaction_that_opened_it, {"field_id": "text"})``
* ``await dc.redeliver(interaction)`` (the same id + token again)
* every interaction goes over the gateway shard that owns its guild (a DM: shard 0);
  ``inter.shard_id`` / ``inter.deliveries`` say which shard and connection got it
* ``await dc.user_sends_message(user, channel_id, "hello")``; ``dc.seed_message(...)`` stores a
  message from "a previous run" (e.g. with persistent buttons) without any event.

Drivers raise :class:`FakeDiscordUsageError` for actions the real client would not allow.
"""

from __future__ import annotations

import copy
import secrets
from typing import TYPE_CHECKING, Any

from tests.fakes import discord_validate as v
from tests.fakes.discord_records import FakeDiscordUsageError, FakeInteraction, UploadedFile
from tests.fakes.discord_world import P, sid

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.fakes.discord_api import StoredMessage
    from tests.fakes.discord_gateway import Gateway
    from tests.fakes.discord_world import Snowflakes, World

# Every interaction token handed to a bot (the e2e suite checks none reaches a log).
ISSUED_TOKENS: list[str] = []

DM_APP_PERMISSIONS = (
    P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
    | P.USE_APPLICATION_COMMANDS
)


class UserDrivers:
    client_locales: dict[str, str]  # user id -> the language their Discord client is in

    def set_client_locale(self, user: Any, locale: str) -> None:
        """Every interaction of `user` from now on carries `locale` (e.g. "pt-BR")."""
        self.client_locales[self._user(user)["id"]] = locale

    """Mixin: the methods below use FakeDiscord's state (``self.world``, ``self._messages`` ...)."""

    if TYPE_CHECKING:  # provided by FakeDiscord
        world: World
        gateway: Gateway
        snowflake: Snowflakes
        bot_user: dict[str, Any]
        application_id: str
        default_attachment_size_limit: int
        interactions: dict[str, FakeInteraction]
        _by_token: dict[str, FakeInteraction]
        _commands: dict[str | None, list[dict[str, Any]]]
        _messages: dict[str, StoredMessage]
        now: Callable[[], float]
        message: Callable[[Any], dict[str, Any] | None]
        wait_connected: Callable[..., Any]
        wait_until: Callable[..., Any]
        _make_message: Callable[..., StoredMessage]
        _new_attachment: Callable[..., dict[str, Any]]
        _message_event: Callable[..., Any]

    # ============================================================================================
    # seeding
    # ============================================================================================
    def seed_message(
        self,
        channel_id: Any,
        content: str = "",
        *,
        components: list[dict[str, Any]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
        author: Any = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        """Store a message the bot never sent in this run (e.g. one carrying persistent buttons
        from a previous process). Validated like a real send; no gateway event."""
        cid = sid(channel_id)
        if self.world.channel(cid) is None:
            raise FakeDiscordUsageError(f"unknown channel {cid}")
        payload = {"content": content, "components": components or [], "embeds": embeds or []}
        errs = v.validate_message(payload)
        if errs:
            raise FakeDiscordUsageError(f"invalid seeded message: {errs.flat()}")
        a = self.world.user(author) if author is not None else self.bot_user
        return self._make_message(cid, payload, [], author=a, flags=flags).data

    # ============================================================================================
    # user-side drivers
    # ============================================================================================
    def _user(self, user: Any) -> dict[str, Any]:
        try:
            return self.world.user(user)
        except KeyError as e:
            raise FakeDiscordUsageError(str(e)) from None

    def _new_interaction(
        self,
        itype: int,
        user: Any,
        data: dict[str, Any],
        *,
        guild_id: Any = None,
        channel_id: Any = None,
        message: dict[str, Any] | None = None,
        locale: str | None = None,
        attachment_size_limit: int | None = None,
    ) -> FakeInteraction:
        u = self._user(user)
        iid = self.snowflake()
        token = "aW50ZXJhY3Rpb246" + iid + ":" + secrets.token_urlsafe(48)
        ISSUED_TOKENS.append(token)
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.application_id,
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            # The person's client language (set_client_locale), unless this call says one.
            "locale": locale or self.client_locales.get(u["id"], "en-US"),
            "entitlements": [],
            "entitlement_sku_ids": [],
        }
        if guild_id is not None:
            g = self.world.guild(guild_id)
            if u["id"] not in g.members:
                raise FakeDiscordUsageError(f"user {u['id']} is not a member of guild {g.id}")
            ch = self.world.channel(channel_id) if channel_id is not None else None
            if channel_id is not None and (
                ch is None or self.world.channel_guild[ch["id"]] != g.id
            ):
                raise FakeDiscordUsageError(f"channel {channel_id} is not in guild {g.id}")
            ch = ch or self.world.default_channel(g.id)
            payload.update(
                guild_id=g.id,
                guild={"id": g.id, "locale": g.locale, "features": list(g.features)},
                guild_locale=g.locale,
                channel_id=ch["id"],
                channel=self.world.channel_obj(ch["id"], for_user=u["id"]),
                member=self.world.member_obj(g.id, u["id"], with_permissions=True),
                app_permissions=str(self.world.permissions(g.id, self.bot_user["id"])),
                context=0,
                authorizing_integration_owners={"0": g.id},
            )
            limit = g.attachment_size_limit
        else:
            dm = self.world.dm_channel(u)
            if channel_id is not None and sid(channel_id) != dm["id"]:
                raise FakeDiscordUsageError("without guild_id the channel must be the user's DM")
            payload.update(
                user=u,
                channel_id=dm["id"],
                channel={**dm, "recipients": [u]},
                app_permissions=str(DM_APP_PERMISSIONS),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
            limit = self.default_attachment_size_limit
        payload["attachment_size_limit"] = (
            attachment_size_limit if attachment_size_limit is not None else limit
        )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        inter = FakeInteraction(self, payload)  # type: ignore[arg-type]
        self.interactions[iid] = inter
        self._by_token[token] = inter
        return inter

    async def _dispatch(self, inter: FakeInteraction, timeout: float = 15.0) -> FakeInteraction:
        """Send it on the shard that owns its guild (a DM: shard 0), once that shard is up."""
        gid = inter.guild_id
        await self.wait_until(lambda: self.gateway.owner_live(gid), timeout,
                              f"the gateway shard of {'guild ' + gid if gid else 'DMs'}")
        session = self.gateway.owner(gid)
        assert session is not None and session.conn is not None
        if inter.dispatched_at is None:
            inter.dispatched_at = self.now()
        inter.dispatch_count += 1
        inter.deliveries.append(session.conn)
        await self.gateway.dispatch_to(session, "INTERACTION_CREATE", inter.payload)
        return inter

    async def redeliver(self, interaction: FakeInteraction, *, reset_deadline: bool = False):
        """Send the exact same INTERACTION_CREATE again (same id and token), e.g. to test that
        the bot handles duplicate delivery idempotently. The ack deadline keeps running from
        the first delivery unless ``reset_deadline``."""
        if reset_deadline:
            interaction.dispatched_at = None
            interaction.ack_expired = False
        return await self._dispatch(interaction)

    # --- application commands -------------------------------------------------------------------
    def _find_command(self, name: str, guild_id: Any, ctype: int = 1) -> dict[str, Any]:
        scopes = ([sid(guild_id)] if guild_id is not None else []) + [None]
        for key in scopes:
            for c in self._commands.get(key, []):
                if c["name"] == name and c["type"] == ctype:
                    return c
        synced = {k: [c["name"] for c in cs] for k, cs in self._commands.items()}
        raise FakeDiscordUsageError(f"command {name!r} (type {ctype}) is not synced: {synced}")

    def _check_command_visible(self, cmd: dict[str, Any], user: dict, guild_id: Any) -> None:
        contexts = cmd.get("contexts")
        if guild_id is None:
            if "guild_id" in cmd:
                raise FakeDiscordUsageError(f"guild command {cmd['name']!r} is not usable in DMs")
            if contexts is not None and 1 not in contexts:
                raise FakeDiscordUsageError(f"{cmd['name']!r} is not allowed in bot DMs (contexts)")
            if contexts is None and cmd.get("dm_permission") is False:
                raise FakeDiscordUsageError(f"{cmd['name']!r} has dm_permission=false")
            return
        if contexts is not None and 0 not in contexts:
            raise FakeDiscordUsageError(f"{cmd['name']!r} is not allowed in guilds (contexts)")
        required = cmd.get("default_member_permissions")
        if required is not None:
            perms = self.world.permissions(guild_id, user["id"])
            need = int(required)
            if (need == 0 and perms != P.ALL) or perms & need != need:
                raise FakeDiscordUsageError(
                    f"{cmd['name']!r} is hidden from {user['username']}: needs permissions {need}"
                )

    def _option_value(
        self,
        d: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild_id: str | None,
        limit: int,
    ) -> Any:
        t, name = d["type"], d["name"]

        def bad(msg: str) -> FakeDiscordUsageError:
            return FakeDiscordUsageError(f"option {name!r}: {msg}")

        if t == v.OPT_STRING:
            if not isinstance(value, str):
                raise bad("must be a string")
            if d.get("min_length") is not None and len(value) < d["min_length"]:
                raise bad(f"shorter than min_length {d['min_length']}")
            if d.get("max_length") is not None and len(value) > d["max_length"]:
                raise bad(f"longer than max_length {d['max_length']}")
        elif t in (v.OPT_INTEGER, v.OPT_NUMBER):
            ok = isinstance(value, int) if t == v.OPT_INTEGER else isinstance(value, int | float)
            if not ok or isinstance(value, bool):
                raise bad("must be an integer" if t == v.OPT_INTEGER else "must be a number")
            if d.get("min_value") is not None and value < d["min_value"]:
                raise bad(f"below min_value {d['min_value']}")
            if d.get("max_value") is not None and value > d["max_value"]:
                raise bad(f"above max_value {d['max_value']}")
        elif t == v.OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise bad("must be a bool")
        elif t in (v.OPT_USER, v.OPT_MENTIONABLE) and not (
            t == v.OPT_MENTIONABLE
            and guild_id
            and isinstance(value, dict | int | str)
            and sid(value) in self.world.guilds[guild_id].roles
        ):
            u = self._user(value)
            resolved.setdefault("users", {})[u["id"]] = u
            if guild_id and u["id"] in self.world.guilds[guild_id].members:
                m = self.world.member_obj(guild_id, u["id"], with_permissions=True)
                m.pop("user")
                resolved.setdefault("members", {})[u["id"]] = m
            return u["id"]
        elif t in (v.OPT_ROLE, v.OPT_MENTIONABLE):
            if not guild_id or sid(value) not in self.world.guilds[guild_id].roles:
                raise bad("unknown role")
            role = self.world.guilds[guild_id].roles[sid(value)]
            resolved.setdefault("roles", {})[role["id"]] = role
            return role["id"]
        elif t == v.OPT_CHANNEL:
            ch = self.world.channel(value)
            if ch is None:
                raise bad("unknown channel")
            if d.get("channel_types") and ch["type"] not in d["channel_types"]:
                raise bad(f"channel type {ch['type']} not in {d['channel_types']}")
            obj: dict[str, Any] = {k: ch[k] for k in ("id", "type") if k in ch}
            obj.update(name=ch.get("name"), permissions=str(P.ALL), guild_id=ch.get("guild_id"),
                       nsfw=bool(ch.get("nsfw", False)), parent_id=ch.get("parent_id"))
            resolved.setdefault("channels", {})[ch["id"]] = obj
            return ch["id"]
        elif t == v.OPT_ATTACHMENT:
            if isinstance(value, dict):
                filename, data = value["filename"], value["data"]
            else:
                filename, data = value
            if len(data) > limit:
                raise bad(f"{len(data)} bytes is over the upload limit {limit}")
            f = UploadedFile("upload", 0, filename, "application/octet-stream", bytes(data))
            meta = self._new_attachment(f, {}, "0", ephemeral=True)
            resolved.setdefault("attachments", {})[meta["id"]] = meta
            return meta["id"]
        choices = d.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise bad(f"{value!r} is not one of the choices {[c['value'] for c in choices]}")
        return value

    def _build_options(
        self,
        defs: list[dict[str, Any]],
        given: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        *,
        guild_id: str | None,
        limit: int,
        focused: str | None = None,
        types: dict[str, int] | None = None,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in defs}
        for name in given:
            if name not in by_name:
                raise FakeDiscordUsageError(f"unknown option {name!r}; known: {list(by_name)}")
        if defs and defs[0]["type"] in (v.OPT_SUB_COMMAND, v.OPT_SUB_COMMAND_GROUP):
            if len(given) != 1:
                raise FakeDiscordUsageError(
                    f"pick exactly one subcommand of {list(by_name)}, e.g. {{'sub': {{...}}}}"
                )
            ((name, sub_given),) = given.items()
            d = by_name[name]
            return [
                {
                    "name": name,
                    "type": d["type"],
                    "options": self._build_options(
                        d.get("options") or [],
                        sub_given or {},
                        resolved,
                        guild_id=guild_id,
                        limit=limit,
                        focused=focused,
                        types=types,
                    ),
                }
            ]
        out = []
        if focused is None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            if missing:
                raise FakeDiscordUsageError(f"missing required options {missing}")
        elif focused in by_name and focused not in given:
            given = {**given, focused: ""}
        for name, value in given.items():
            d = by_name[name]
            if types is not None:
                types[name] = d["type"]
            if name == focused:
                if not d.get("autocomplete"):
                    raise FakeDiscordUsageError(f"option {name!r} has no autocomplete")
                out.append({"name": name, "type": d["type"], "value": str(value), "focused": True})
                continue
            out.append(
                {
                    "name": name,
                    "type": d["type"],
                    "value": self._option_value(d, value, resolved, guild_id, limit),
                }
            )
        return out

    def _command_interaction(
        self,
        itype: int,
        user: Any,
        command: str,
        options: dict[str, Any] | None,
        *,
        guild_id: Any,
        channel_id: Any,
        focused: str | None = None,
        **kw: Any,
    ) -> FakeInteraction:
        u = self._user(user)
        name, *path = command.split()
        given: dict[str, Any] = dict(options or {})
        for part in reversed(path):  # "giveaway start" -> {"start": {...}}
            given = {part: given}
        cmd = self._find_command(name, guild_id)
        self._check_command_visible(cmd, u, guild_id)
        gid = sid(guild_id) if guild_id is not None else None
        limit = kw.get("attachment_size_limit") or (
            self.world.guild(gid).attachment_size_limit
            if gid
            else self.default_attachment_size_limit
        )
        resolved: dict[str, dict[str, Any]] = {}
        types: dict[str, int] = {}
        opts = self._build_options(
            cmd.get("options") or [],
            given,
            resolved,
            guild_id=gid,
            limit=limit,
            focused=focused,
            types=types,
        )
        if focused is not None and focused not in types:
            raise FakeDiscordUsageError(f"focused option {focused!r} is not among the options")
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        inter = self._new_interaction(itype, u, data, guild_id=gid, channel_id=channel_id, **kw)
        inter.command = cmd
        inter.option_types = types
        return inter

    async def slash_command(
        self,
        user: Any,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: Any = None,
        channel_id: Any = None,
        locale: str | None = None,
        attachment_size_limit: int | None = None,
    ) -> FakeInteraction:
        """Invoke a synced chat-input command as ``user`` (DM when ``guild_id`` is None).
        ``options`` maps option names to Python values, typed by the synced definition:
        str/int/float/bool, a user dict or id (USER), a role id (ROLE), a channel id (CHANNEL),
        ``(filename, bytes)`` (ATTACHMENT). Subcommands: ``{"start": {"credits": 100}}`` or
        ``command="giveaway start", options={"credits": 100}``; groups nest one more level."""
        inter = self._command_interaction(
            2,
            user,
            command,
            options,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
            attachment_size_limit=attachment_size_limit,
        )
        return await self._dispatch(inter)

    async def autocomplete(
        self,
        user: Any,
        command: str,
        options: dict[str, Any] | None,
        focused: str,
        *,
        guild_id: Any = None,
        channel_id: Any = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        """Type-4 autocomplete while ``user`` types option ``focused`` (its value in
        ``options`` is sent as the partial string). ``await inter.wait_choices()``."""
        inter = self._command_interaction(
            4,
            user,
            command,
            options,
            guild_id=guild_id,
            channel_id=channel_id,
            focused=focused,
            locale=locale,
        )
        return await self._dispatch(inter)

    async def context_menu(
        self, user: Any, command: str, target: Any, *, guild_id: Any = None, channel_id: Any = None
    ) -> FakeInteraction:
        """Run a user (``target`` = user) or message (``target`` = message dict/id) command."""
        u = self._user(user)
        is_msg = isinstance(target, dict) and "channel_id" in target
        if not is_msg and not isinstance(target, dict):
            is_msg = sid(target) in self._messages
        cmd = self._find_command(command, guild_id, 3 if is_msg else 2)
        self._check_command_visible(cmd, u, guild_id)
        gid = sid(guild_id) if guild_id is not None else None
        resolved: dict[str, dict[str, Any]] = {}
        if is_msg:
            msg = self.message(target)
            if msg is None:
                raise FakeDiscordUsageError("unknown target message")
            resolved["messages"] = {msg["id"]: copy.deepcopy(msg)}
            target_id = msg["id"]
        else:
            d = {"name": "target", "type": v.OPT_USER}
            target_id = self._option_value(d, target, resolved, gid, 0)
        data = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": cmd["type"],
            "target_id": target_id,
            "resolved": resolved,
        }
        inter = self._new_interaction(2, u, data, guild_id=gid, channel_id=channel_id)
        inter.command = cmd
        return await self._dispatch(inter)

    # --- components -----------------------------------------------------------------------------
    def _component_target(
        self, user: dict[str, Any], message: Any, custom_id: str
    ) -> tuple[StoredMessage, dict[str, Any]]:
        mid = sid(message)
        stored = self._messages.get(mid)
        if stored is None or stored.deleted:
            raise FakeDiscordUsageError(f"message {mid} does not exist (or was deleted)")
        if stored.ephemeral_user is not None and stored.ephemeral_user != user["id"]:
            raise FakeDiscordUsageError(f"message {mid} is ephemeral for another user")
        recipient = self.world.dm_recipient(stored.data["channel_id"])
        if recipient is not None and recipient != user["id"]:
            raise FakeDiscordUsageError(f"message {mid} is in another user's DM")
        if stored.data["flags"] & v.FLAG_LOADING:
            raise FakeDiscordUsageError(f"message {mid} is still loading")
        comp = v.find_component(stored.data["components"], custom_id)
        if comp is None:
            ids = [
                c["custom_id"]
                for c in v.iter_components(stored.data["components"])
                if "custom_id" in c
            ]
            raise FakeDiscordUsageError(f"custom_id {custom_id!r} is not on message {mid}: {ids}")
        if comp.get("disabled"):
            raise FakeDiscordUsageError(f"component {custom_id!r} is disabled")
        return stored, comp

    def _component_interaction(
        self, user: Any, stored: StoredMessage, data: dict[str, Any]
    ) -> FakeInteraction:
        return self._new_interaction(
            3,
            user,
            data,
            guild_id=stored.guild_id,
            channel_id=stored.data["channel_id"] if stored.guild_id else None,
            message=stored.data,
        )

    async def click_button(self, user: Any, message: Any, custom_id: str) -> FakeInteraction:
        """Click the button ``custom_id`` on ``message`` (dict or id; its *current* stored
        state is sent as ``interaction.message``). Refuses custom_ids not on the message."""
        u = self._user(user)
        stored, comp = self._component_target(u, message, custom_id)
        if comp.get("type") != v.BUTTON:
            raise FakeDiscordUsageError(f"{custom_id!r} is a type {comp.get('type')}, not a button")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": v.BUTTON}
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._dispatch(self._component_interaction(u, stored, data))

    async def select_option(
        self, user: Any, message: Any, custom_id: str, values: list[Any]
    ) -> FakeInteraction:
        """Pick ``values`` in the select menu ``custom_id`` (string selects: option values;
        user/role/channel selects: ids)."""
        u = self._user(user)
        stored, comp = self._component_target(u, message, custom_id)
        ctype = comp.get("type")
        if ctype not in v.SELECT_TYPES:
            raise FakeDiscordUsageError(f"{custom_id!r} is a type {ctype}, not a select menu")
        values = [str(x) if ctype != v.STRING_SELECT else x for x in values]
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise FakeDiscordUsageError(f"select {custom_id!r} takes {lo}..{hi} values")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype, "values": values}
        if "id" in comp:
            data["id"] = comp["id"]
        if ctype == v.STRING_SELECT:
            allowed = [o["value"] for o in comp.get("options", [])]
            bad = [x for x in values if x not in allowed]
            if bad:
                raise FakeDiscordUsageError(f"values {bad} are not options of {custom_id!r}")
        else:
            resolved: dict[str, dict[str, Any]] = {}
            for x in values:
                kind = v.OPT_USER if ctype == v.USER_SELECT else v.OPT_MENTIONABLE
                if ctype == v.ROLE_SELECT:
                    kind = v.OPT_ROLE
                elif ctype == v.CHANNEL_SELECT:
                    kind = v.OPT_CHANNEL
                self._option_value(
                    {"name": custom_id, "type": kind}, x, resolved, stored.guild_id, 0
                )
            data["resolved"] = resolved
        return await self._dispatch(self._component_interaction(u, stored, data))

    async def submit_modal(
        self, user: Any, interaction: FakeInteraction, values: dict[str, Any]
    ) -> FakeInteraction:
        """Submit the modal that ``interaction`` answered with (callback type 9).
        ``values`` maps text-input custom_ids to strings (select custom_ids to lists)."""
        u = self._user(user)
        modal = interaction.modal
        if modal is None:
            raise FakeDiscordUsageError(f"{interaction!r} did not open a modal")

        def submitted(comp: dict[str, Any]) -> dict[str, Any]:
            cid = str(comp.get("custom_id"))
            out: dict[str, Any] = {"type": comp["type"], "id": comp.get("id", 0), "custom_id": cid}
            if comp["type"] == v.TEXT_INPUT:
                value = str(values.get(cid, comp.get("value") or ""))
                if comp.get("required", True) and not value:
                    raise FakeDiscordUsageError(f"modal field {cid!r} is required")
                lo, hi = comp.get("min_length") or 0, comp.get("max_length") or 4000
                if value and not lo <= len(value) <= hi:
                    raise FakeDiscordUsageError(f"modal field {cid!r} must be {lo}..{hi} chars")
                out["value"] = value
            elif comp["type"] in v.SELECT_TYPES:
                out["values"] = list(values.get(cid, []))
            return out

        components = []
        for top in modal["components"]:
            if top["type"] == v.ACTION_ROW:
                components.append(
                    {
                        "type": 1,
                        "id": top.get("id", 0),
                        "components": [submitted(c) for c in top["components"]],
                    }
                )
            elif top["type"] == v.LABEL:
                components.append(
                    {
                        "type": v.LABEL,
                        "id": top.get("id", 0),
                        "component": submitted(top["component"]),
                    }
                )
        unknown = set(values) - {c.get("custom_id") for c in v.iter_components(modal["components"])}
        if unknown:
            raise FakeDiscordUsageError(f"fields {sorted(unknown)} are not in the modal")
        data = {"custom_id": modal["custom_id"], "components": components}
        src = self._messages.get(interaction.source_message_id or "")
        inter = self._new_interaction(
            5,
            u,
            data,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id if interaction.guild_id else None,
            message=src.data if src is not None and not src.deleted else None,
        )
        return await self._dispatch(inter)

    async def user_sends_message(self, user: Any, channel_id: Any, content: str) -> dict[str, Any]:
        """A user posts a plain message (MESSAGE_CREATE; content hidden from the bot without
        the MESSAGE_CONTENT intent unless it is a DM or mentions the bot)."""
        u = self._user(user)
        cid = sid(channel_id)
        if self.world.channel(cid) is None:
            raise FakeDiscordUsageError(f"unknown channel {cid}")
        stored = self._make_message(cid, {"content": content}, [], author=u)
        await self._message_event("MESSAGE_CREATE", stored)  # buffered while reconnecting
        return stored.data
