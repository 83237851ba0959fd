"""The "world" of the fake Discord: users, guilds, roles, members and channels.

Used through :class:`tests.fakes.discord_api.FakeDiscord` (``dc.make_user``, ``dc.add_guild``,
``dc.add_member``, ``dc.add_role``, ``dc.add_channel``, ``dc.dm_channel``); this module only holds
the state and renders Discord JSON objects from it. All ids are strings (Discord snowflakes);
every function accepts ints or strings.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000


class P:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_MESSAGES


def sid(value: Any) -> str:
    """Normalise an id (int/str/object with ``id``/dict with ``"id"``) to a string."""
    if isinstance(value, dict):
        value = value["id"]
    elif hasattr(value, "id") and not isinstance(value, int | str):
        value = value.id
    return str(int(value))


class Snowflakes:
    """Monotonic snowflake generator (timestamp bits are real, so ``created_at`` makes sense)."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0

    def __call__(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (next(self._counter) & 0xFFF)
        value = max(value, self._last + 1)
        self._last = value
        return str(value)


def iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if ts is None else ts, UTC).isoformat()


@dataclass
class Guild:
    id: str
    name: str
    owner_id: str
    locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> member (no user)
    attachment_size_limit: int = 10 * 1024 * 1024
    premium_tier: int = 0
    joined_at: str = field(default_factory=iso)


class World:
    def __init__(self, snowflake: Snowflakes, bot_user: dict[str, Any]) -> None:
        self.snowflake = snowflake
        self.bot_user = bot_user
        self.users: dict[str, dict[str, Any]] = {bot_user["id"]: bot_user}
        self.dms_open: dict[str, bool] = {}
        self.guilds: dict[str, Guild] = {}
        self.dm_channels: dict[str, dict[str, Any]] = {}  # user id -> channel
        self.channel_guild: dict[str, str | None] = {}  # channel id -> guild id (None for DMs)

    # --- users ---------------------------------------------------------------------------------
    def make_user(
        self,
        id: Any = None,
        username: str | None = None,
        *,
        bot: bool = False,
        global_name: str | None = None,
        dms_open: bool = True,
    ) -> dict[str, Any]:
        uid = sid(id) if id is not None else self.snowflake()
        user = {
            "id": uid,
            "username": username or f"user{uid[-4:]}",
            "discriminator": "0",
            "global_name": global_name,
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        self.users[uid] = user
        self.dms_open[uid] = dms_open
        return user

    def user(self, user: Any) -> dict[str, Any]:
        uid = sid(user)
        if uid not in self.users:
            raise KeyError(f"unknown user {uid}; create it with dc.make_user()")
        return self.users[uid]

    # --- guilds --------------------------------------------------------------------------------
    def add_guild(
        self,
        guild_id: Any = None,
        name: str = "Test Guild",
        owner_id: Any = None,
        *,
        channels: list[str] | None = None,
        everyone_permissions: int = P.EVERYONE_DEFAULT,
        bot_permissions: int = P.BOT_DEFAULT,
        locale: str = "en-US",
        features: list[str] | None = None,
        attachment_size_limit: int = 10 * 1024 * 1024,
    ) -> Guild:
        gid = sid(guild_id) if guild_id is not None else self.snowflake()
        if owner_id is None:
            owner = self.make_user(username="owner")
        else:
            owner = self.users.get(sid(owner_id)) or self.make_user(owner_id, "owner")
        g = Guild(
            gid,
            name,
            owner["id"],
            locale=locale,
            features=list(features or []),
            attachment_size_limit=attachment_size_limit,
        )
        self.guilds[gid] = g
        self.add_role(gid, gid, "@everyone", permissions=everyone_permissions, position=0)
        bot_role = self.add_role(gid, None, self.bot_user["username"], permissions=bot_permissions)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": self.bot_user["id"]}
        for ch in channels or ["general"]:
            self.add_channel(gid, name=ch)
        self.add_member(gid, self.bot_user, roles=[bot_role["id"]])
        self.add_member(gid, owner)
        return g

    def guild(self, guild_id: Any) -> Guild:
        gid = sid(guild_id)
        if gid not in self.guilds:
            raise KeyError(f"unknown guild {gid}; create it with dc.add_guild()")
        return self.guilds[gid]

    def add_role(
        self,
        guild_id: Any,
        role_id: Any = None,
        name: str = "role",
        *,
        permissions: int | str = 0,
        position: int | None = None,
        color: int = 0,
    ) -> dict[str, Any]:
        g = self.guild(guild_id)
        rid = sid(role_id) if role_id is not None else self.snowflake()
        role = {
            "id": rid,
            "name": name,
            "color": color,
            "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": len(g.roles) if position is None else position,
            "permissions": str(int(permissions)),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        g.roles[rid] = role
        return role

    def add_channel(
        self, guild_id: Any, channel_id: Any = None, name: str = "general", *, type: int = 0
    ) -> dict[str, Any]:
        g = self.guild(guild_id)
        cid = sid(channel_id) if channel_id is not None else self.snowflake()
        ch = {
            "id": cid,
            "type": type,
            "guild_id": g.id,
            "name": name,
            "position": len(g.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        g.channels[cid] = ch
        self.channel_guild[cid] = g.id
        return ch

    def add_member(
        self,
        guild_id: Any,
        user: Any,
        *,
        permissions: int | str = 0,
        roles: list[Any] | None = None,
        nick: str | None = None,
    ) -> dict[str, Any]:
        """Add ``user`` to the guild. ``permissions`` are granted through a private role."""
        g = self.guild(guild_id)
        u = self.users.get(sid(user)) if not isinstance(user, dict) else user
        if u is None:
            u = self.make_user(user)
        self.users.setdefault(u["id"], u)
        role_ids = [sid(r) for r in roles or []]
        for rid in role_ids:
            if rid not in g.roles:
                raise KeyError(f"unknown role {rid} in guild {g.id}; add it with dc.add_role()")
        if int(permissions):
            role = self.add_role(g.id, None, f"perms-{u['id']}", permissions=permissions)
            role_ids.append(role["id"])
        member = {
            "user_id": u["id"],
            "nick": nick,
            "avatar": None,
            "banner": None,
            "roles": role_ids,
            "joined_at": iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "avatar_decoration_data": None,
        }
        g.members[u["id"]] = member
        return member

    def member(self, guild_id: Any, user: Any) -> dict[str, Any] | None:
        return self.guild(guild_id).members.get(sid(user))

    # --- channels ------------------------------------------------------------------------------
    def dm_channel(self, user: Any) -> dict[str, Any]:
        u = self.user(user)
        ch = self.dm_channels.get(u["id"])
        if ch is None:
            cid = self.snowflake()
            ch = {
                "id": cid,
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [u],
            }
            self.dm_channels[u["id"]] = ch
            self.channel_guild[cid] = None
        return ch

    def channel(self, channel_id: Any) -> dict[str, Any] | None:
        cid = sid(channel_id)
        if cid not in self.channel_guild:
            return None
        gid = self.channel_guild[cid]
        if gid is None:
            return next(c for c in self.dm_channels.values() if c["id"] == cid)
        return self.guilds[gid].channels[cid]

    def dm_recipient(self, channel_id: Any) -> str | None:
        ch = self.channel(channel_id)
        if ch and ch["type"] == 1:
            return ch["recipients"][0]["id"]
        return None

    def default_channel(self, guild_id: Any) -> dict[str, Any]:
        g = self.guild(guild_id)
        for ch in g.channels.values():
            if ch["type"] == 0:
                return ch
        raise KeyError(f"guild {g.id} has no text channel")

    # --- permissions ---------------------------------------------------------------------------
    def permissions(self, guild_id: Any, user: Any) -> int:
        g = self.guild(guild_id)
        uid = sid(user)
        if uid == g.owner_id:
            return P.ALL
        member = g.members.get(uid)
        if member is None:
            return 0
        perms = int(g.roles[g.id]["permissions"])
        for rid in member["roles"]:
            perms |= int(g.roles[rid]["permissions"])
        if perms & P.ADMINISTRATOR:
            return P.ALL
        return perms

    # --- renderers -----------------------------------------------------------------------------
    def member_obj(self, guild_id: Any, user: Any, *, with_permissions: bool = False) -> dict:
        g = self.guild(guild_id)
        m = g.members[sid(user)]
        obj = {k: v for k, v in m.items() if k != "user_id"}
        obj["user"] = self.users[m["user_id"]]
        if with_permissions:
            obj["permissions"] = str(self.permissions(g.id, m["user_id"]))
        return obj

    def channel_obj(self, channel_id: Any, *, for_user: Any = None) -> dict[str, Any]:
        ch = dict(self.channel(channel_id) or {})
        gid = self.channel_guild.get(str(ch.get("id")))
        if gid is not None and for_user is not None:
            ch["permissions"] = str(self.permissions(gid, for_user))
        return ch

    def guild_create(self, guild_id: Any) -> dict[str, Any]:
        g = self.guild(guild_id)
        channels = [{k: v for k, v in c.items() if k != "guild_id"} for c in g.channels.values()]
        members = [self.member_obj(g.id, uid) for uid in g.members]
        text = [c for c in g.channels.values() if c["type"] == 0]
        return {
            "id": g.id,
            "name": g.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": g.owner_id,
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(g.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": list(g.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": text[0]["id"] if text else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": g.premium_tier,
            "premium_subscription_count": 0,
            "preferred_locale": g.locale,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": g.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(g.members),
            "voice_states": [],
            "members": members,
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": True,
        }
