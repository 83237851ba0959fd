"""/language: see or choose the language I speak with you, or (admins) a server's default.

    /language              the language now, and the choices
    /language es           speak Spanish with me (on every platform of my linked wallet)
    /language auto         follow my app's language again
    /language server de    admins: this server's or group's default language
    /language server auto  admins: forget it
"""

from __future__ import annotations

from bot import i18n
from bot.domain.commands import Command, Kind, Option
from bot.domain.errors import RequestError
from bot.i18n import t
from bot.services.commands import Call, Handler, Reply
from bot.services.community import CommunityService
from bot.services.language import LanguageService, choices, name_of

FORGET = ("auto", "reset", "default")
LANGUAGE = Command(
    "language", "See or choose the language I speak with you",
    menu="Your language: /language es, or /language server es (admins)",
    usage="/language [code] | /language server <code>",
    help="see or choose my language (admins: `/language server <code>` for everyone here)",
    options=(Option("code", Kind.TEXT, "A language code like es or pt-BR; admins: server es",
                    min=1, max=40, rest=True),),
)
COMMANDS = (LANGUAGE,)


def _code(word: str) -> str | None:
    """The supported language `word` names, None for `auto`; refuses anything else."""
    if word.lower() in FORGET:
        return None
    found = i18n.match(word)
    if found is None:
        raise i18n.error(RequestError, "language-unknown", code=word[:20], choices=choices())
    return found


class LanguageCommands:
    def __init__(self, languages: LanguageService, community: CommunityService) -> None:
        self.languages = languages
        self.community = community

    def handlers(self) -> dict[str, Handler]:
        return {"language": self.language}

    async def language(self, call: Call) -> Reply:
        words = str(call.args.get("code") or "").split()
        if words and words[0].lower() == "server":
            return await self._server(call, words[1:])
        if not words:
            now = i18n.current()
            return Reply(t("language-current", name=name_of(now), code=now, choices=choices()))
        code = _code(words[0])
        account = await self.community.account(call.ctx.user)
        await self.languages.choose(account, code, call.ctx.user.key)
        if code is None:
            return Reply(t("language-reset", name=name_of(i18n.current())))
        with i18n.use(code):  # the confirmation is already in the new language
            return Reply(t("language-set", name=name_of(code)))

    async def _server(self, call: Call, words: list[str]) -> Reply:
        ctx = call.ctx
        if not words:
            chosen = await self.languages.store.chosen(ctx.user, ctx.community)
            now = chosen.place or i18n.DEFAULT
            return Reply(t("language-server-current", name=name_of(now), code=now))
        # Refused (and logged, like every admin action) before anything changes.
        await self.community.require_admin(ctx, "/language server", words[0][:20])
        code = _code(words[0])
        await self.languages.choose_for_place(ctx.community, code, ctx.user.key)
        shown = code or i18n.DEFAULT
        with i18n.use(shown):
            return Reply(t("language-server-set", name=name_of(shown)))
