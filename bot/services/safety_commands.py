"""The safety commands: declared once, the same on Discord, Telegram and the console.

    /safety [show]                        the level that applies here, and why (everyone)
    /safety set level:<strict|standard|mature|default> [channel]            (admins)
    /safety words add|remove|list <word or re:regex>                         (admins)
    /safety ban user [duration] [reason]    /safety unban user               (admins)
    /safety log [user]                      the last blocks, refusals, flagged results

Admins are the platform's (Manage Server or DISCORD_ADMIN_ROLE on Discord, chat
administrators on Telegram, an anonymous group admin included) plus the operator ids.
Every attempt, allowed or not, goes to the admin log (CommunityService.require_admin).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot import i18n
from bot.domain.commands import Access, Command, Kind, Option, Source
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import RequestError
from bot.domain.safety import ChannelRef, Level, Place
from bot.i18n import t
from bot.services.commands import Call, Handler, Reply
from bot.services.community import CommunityService
from bot.services.safety import SafetyService, parse_span, until_text

SECTION = "Safety"
RESET_WORDS = ("default", "reset", "clear")

_DECLARED = (
    Command(
        "safety", "The safety policy here; admins set it",
        menu="The safety level here and why; admins: /safety set|words|ban|log",
        default="show",
        missing="Use `/safety`, `/safety set standard`, `/safety words list`, "
                "`/safety ban @name 1h`, `/safety unban @name` or `/safety log`.",
        subcommands=(
            Command("show", "The safety level that applies here, and why",
                    usage="/safety", help="the safety level here and why"),
            Command("set", "Admins: the safety level of this server or one channel",
                    usage="/safety set <strict|standard|mature|default> [channel]",
                    help="the level for the server (or one channel)", access=Access.ADMINS,
                    options=(Option("level", Kind.TEXT, "strict, standard or mature "
                                    "(default: back to the default)", required=True,
                                    choices=Source.SAFETY_LEVELS),
                             Option("channel", Kind.CHANNEL,
                                    "Only this channel (Discord; default: the whole server)")),
                    missing="Say which level: `/safety set strict`, `standard` or `mature`."),
            Command("words", "Admins: this server's own blocked words",
                    usage="/safety words add|remove|list [word or re:regex]",
                    help="add, remove or list the server's blocked words",
                    access=Access.ADMINS,
                    options=(Option("action", Kind.TEXT, "add, remove or list", required=True,
                                    min=3, max=6),
                             Option("word", Kind.TEXT, "A word, a phrase, or re:<regex>",
                                    min=1, max=100, rest=True)),
                    missing="Use `/safety words add <word>`, `remove <word>` or `list`."),
            Command("ban", "Admins: stop someone making images here",
                    usage="/safety ban @name [1h30m] [reason]",
                    help="no images for them here (a duration, or until lifted)",
                    access=Access.ADMINS,
                    options=(Option("user", Kind.USER, "Who", required=True),
                             Option("duration", Kind.TEXT, "How long, like 1h30m or 7d "
                                    "(default: until lifted)", min=1, max=20),
                             Option("reason", Kind.TEXT, "Why", min=1, max=200, rest=True)),
                    missing="Say who: `/safety ban @name 1h30m reason`."),
            Command("unban", "Admins: lift a ban or a timeout here", usage="/safety unban @name",
                    help="lift a ban or a timeout", access=Access.ADMINS,
                    options=(Option("user", Kind.USER, "Who", required=True),),
                    missing="Say who: `/safety unban @name`."),
            Command("log", "Admins: the last blocks, refusals and flagged images here",
                    usage="/safety log [@name]", help="what was blocked or flagged here",
                    access=Access.ADMINS,
                    options=(Option("user", Kind.USER, "Only this person"),)),
        ),
    ),
)
COMMANDS = tuple(dataclasses.replace(c, section=SECTION) for c in _DECLARED)


def place_of(ctx: Context) -> Place:
    return ctx.place or Place.private(ctx.user.platform, ctx.user.user_id)


class SafetyCommands:
    def __init__(self, safety: SafetyService, community: CommunityService) -> None:
        self.safety = safety
        self.community = community

    def handlers(self) -> dict[str, Handler]:
        return {"safety show": self.show, "safety set": self.set, "safety words": self.words,
                "safety ban": self.ban, "safety unban": self.unban, "safety log": self.log}

    async def show(self, call: Call) -> Reply:
        place = place_of(call.ctx)
        policy = await self.safety.policy(place)
        reasons = (policy.reasons if i18n.current() == i18n.DEFAULT
                   else [t(key, **values) for key, values in policy.keyed])
        lines = [t("safety-here", level=policy.level.label),
                 *(f"• {reason}" for reason in reasons)]
        if not place.is_dm:
            count = len(await self.safety.words(place.community))
            lines.append("• " + t("safety-own-words", count=count))
        lines.append(t("safety-bot-list"))
        return Reply("\n".join(lines))

    async def set(self, call: Call) -> Reply:
        word, channel = str(call.args.get("level") or ""), call.args.get("channel")
        place = await self._server(call, "/safety set", f"level={word} channel={channel}")
        level = None if word.strip().lower() in RESET_WORDS else Level.parse(word)
        if channel is not None and not isinstance(channel, ChannelRef):
            raise i18n.error(RequestError, "safety-group-one-level")
        channel_id = channel.id if channel else ""
        age = channel.age_restricted if channel else False
        policy = await self.safety.set_level(place, channel_id, level, call.ctx.user.key, age)
        where = f"#{channel.name or channel.id}" if channel else t("safety-this-server")
        said = (t("safety-back-to-default", where=where) if level is None
                else t("safety-level-for", level=level.label, where=where))
        text = t("safety-set", said=said, level=policy.level.label)
        if level is Level.MATURE and policy.fell_back:
            rule = dataclasses.replace(place, channel=channel_id, age_restricted=age)
            text += t("safety-mature-falls-back",
                      rule=t("why-rule-" + rule.mature_rule_key()))
        if level is not None and level > policy.level and not policy.fell_back:
            text += t("safety-operator-cap", level=policy.level.label)
        return Reply(text)

    async def words(self, call: Call) -> Reply:
        action = str(call.args.get("action") or "").strip().lower()
        text = str(call.args.get("word") or "")
        place = await self._server(call, "/safety words", f"{action} {text}".strip())
        if action == "list":
            words = await self.safety.words(place.community)
            if not words:
                return Reply(t("safety-no-words"), private=True)
            return Reply(t("safety-words-title") + "\n" + "\n".join(f"• {w}" for w in words),
                         private=True)
        if action not in ("add", "remove"):
            raise i18n.error(RequestError, "safety-words-usage")
        if action == "add":
            stored, added = await self.safety.add_word(place.community, text,
                                                       call.ctx.user.key)
            if added is None:
                raise i18n.error(RequestError, "safety-words-full", max=self.safety.max_words)
            return Reply(t("safety-word-added" if added else "safety-word-was-there",
                           word=stored))
        stored, removed = await self.safety.remove_word(place.community, text)
        return Reply(t("safety-word-removed" if removed else "safety-word-absent", word=stored))

    async def ban(self, call: Call) -> Reply:
        duration = str(call.args.get("duration") or "")
        reason = str(call.args.get("reason") or "")
        target, place = await self._person_here(call, "/safety ban",
                                                f"{duration} {reason}".strip())
        seconds: int | None = None
        if duration:
            try:
                seconds = parse_span(duration)
            except RequestError:
                if any(ch.isdigit() for ch in duration):
                    raise
                reason = f"{duration} {reason}".strip()  # `/safety ban @ana spamming`
        ban = await self.safety.ban(place.community, target, seconds, reason,
                                    call.ctx.user.key)
        return Reply(t("safety-banned", name=call.name(target), until=until_text(ban.until)))

    async def unban(self, call: Call) -> Reply:
        target, place = await self._person_here(call, "/safety unban")
        lifted = await self.safety.unban(place.community, target)
        return Reply(t("safety-unbanned" if lifted else "safety-not-banned",
                       name=call.name(target)))

    async def log(self, call: Call) -> Reply:
        place = await self._server(call, "/safety log")
        person = await call.args.user("user")
        rows = await self.safety.log(place.community, person[0] if person else None)
        if not rows:
            return Reply(t("safety-log-empty"), private=True)
        lines = [t("safety-log-title")]
        for r in rows:
            when = datetime.fromtimestamp(r.at, UTC).strftime("%m-%d %H:%M")
            what = " · ".join(x for x in (r.model_id, r.route, r.vendor_reason) if x)
            lines.append(f"{when} {r.platform}:{r.user_id} {r.verdict}"
                         f"{f' ({r.rule})' if r.rule else ''}{f' · {what}' if what else ''}"
                         f"{f' · “{r.prompt[:80]}”' if r.prompt else ''}")
        return Reply("\n".join(lines), private=True)

    async def _server(self, call: Call, action: str, detail: str = "") -> Place:
        """Admins only (refused and logged otherwise), and only in a server or group."""
        await self.community.require_admin(call.ctx, action, detail)
        place = place_of(call.ctx)
        if place.is_dm:
            raise i18n.error(RequestError, "safety-not-in-dm", level=self.safety.dm_level.label)
        return place

    async def _person_here(self, call: Call, action: str, detail: str = ""
                           ) -> tuple[UserRef, Place]:
        """A non-admin is refused before anyone is looked up (a refusal tells nothing about
        who exists); an admin's change is logged with whom it is about."""
        if not self.community.is_admin(call.ctx):
            await self.community.require_admin(call.ctx, action, detail)
        person = await call.args.user("user")
        if person is None:
            raise i18n.error(RequestError, "name-someone")
        place = await self._server(call, action, f"{person[0].key} {detail}".strip())
        return person[0], place
