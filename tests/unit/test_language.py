"""/language through the real services and storage, on SQLite and PostgreSQL: who speaks
which language (person > platform > server default > English), choices that persist across
a restart and follow linked wallets, admins only for a server's default, and the job that
remembers its requester's language."""

from __future__ import annotations

import pytest

from adapters.storage.community import SqlCommunity
from adapters.storage.database import Database, open_database
from adapters.storage.ledger import SqlLedger
from adapters.storage.locales import SqlLocales
from bot import i18n
from bot.domain.commands import CommandTable
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import PermissionDenied, RequestError
from bot.domain.requests import parse_imagine
from bot.services.commands import Commands
from bot.services.community import CommunityService
from bot.services.community_text import CommunityText
from bot.services.language import LanguageService, pick
from bot.services.language_commands import COMMANDS, LanguageCommands

ANA = UserRef("telegram", "20", "Ana")
TG_ANA_DISCORD = UserRef("discord", "21", "Ana")
BEN = UserRef("telegram", "30", "Ben")
GROUP = "telegram:chat:-100"


def build(db: Database) -> tuple[CommunityText, LanguageService, CommunityService]:
    community = CommunityService(SqlLedger(db), SqlCommunity(db), welcome_credits=5)
    languages = LanguageService(SqlLocales(db))
    commands = Commands(CommandTable(COMMANDS),
                        LanguageCommands(languages, community).handlers())
    return CommunityText(commands), languages, community


async def say(text: CommunityText, user: UserRef, words: str, admin: bool = False,
              community: str = GROUP, platform_code: str | None = None) -> str:
    """One /language line, at a boundary that set the person's language first."""
    languages = text.commands._handlers["language"].__self__.languages  # type: ignore[attr-defined]
    i18n.set_locale(await languages.for_event(user, community, platform_code))
    ctx = Context(user, community, is_admin=admin, event_key=f"e-{id(object())}")

    async def nobody(word: str) -> None:
        return None

    reply = await text.handle(ctx, "language", words, nobody)  # type: ignore[arg-type]
    return reply.text


def test_the_first_supported_code_wins_and_unsupported_ones_fall_through():
    assert pick(None, "ja", "pt-br", "de") == "pt-BR"
    assert pick("xx", None) == "en"
    assert pick(None, "es-419") == "es"


async def test_a_persons_choice_beats_the_app_and_the_server_default(db: Database):
    text, languages, _ = build(db)
    assert await languages.for_event(ANA, GROUP, "ru") == "ru"  # the app's language
    await say(text, ANA, "server de", admin=True)
    assert await languages.for_event(BEN, GROUP, None) == "de"  # no app language: the server
    assert await languages.for_event(BEN, GROUP, "ja") == "de"  # unsupported: the server
    assert await languages.for_event(BEN, GROUP, "fr") == "fr"  # the app beats the server
    said = await say(text, ANA, "es", platform_code="ru")
    assert said == i18n.t_in("es", "language-set", name="Español")  # said in the new one
    assert await languages.for_event(ANA, GROUP, "ru") == "es"
    assert await languages.for_event(ANA, "telegram:chat:20", None) == "es"  # everywhere


async def test_an_unsupported_platform_language_gets_english(db: Database):
    _, languages, _ = build(db)
    assert await languages.for_event(ANA, GROUP, "ja") == "en"
    assert await languages.for_event(ANA, GROUP, None) == "en"


async def test_an_unknown_code_is_refused_with_the_choices(db: Database):
    text, languages, _ = build(db)
    with pytest.raises(RequestError) as refused:
        await say(text, ANA, "klingon")
    message = refused.value.user_message
    assert "`klingon`" in message
    for code in ("en", "es", "pt-BR", "ru", "de", "fr", "tr"):
        assert f"`{code}`" in message
    assert await languages.for_event(ANA, GROUP, None) == "en"


async def test_only_admins_set_the_server_default_and_nothing_changes_otherwise(db: Database):
    text, languages, _ = build(db)
    with pytest.raises(PermissionDenied, match="Only admins"):
        await say(text, BEN, "server ru")
    assert await languages.for_event(BEN, GROUP, None) == "en"
    with i18n.use("es"):  # the refusal is in the person's language too
        error = i18n.error(PermissionDenied, "admins-only", action="/language server")
        assert error.user_message.startswith("Solo los administradores")


async def test_language_without_a_code_shows_the_current_one_and_the_choices(db: Database):
    text, _, _ = build(db)
    said = await say(text, ANA, "", platform_code="de")
    assert "`de`" in said and "`pt-BR`" in said and said.startswith("Deine Sprache")


async def test_auto_forgets_the_choice_and_follows_the_app_again(db: Database):
    text, languages, _ = build(db)
    await say(text, ANA, "tr")
    await say(text, ANA, "auto")
    assert await languages.for_event(ANA, GROUP, "fr") == "fr"


async def test_the_choice_persists_across_a_restart(db_url: str):
    first = await open_database(db_url)
    text, _, _ = build(first)
    await say(text, ANA, "pt-br")
    await say(text, ANA, "server ru", admin=True)
    await first.close()
    again = await open_database(db_url)
    try:
        languages = LanguageService(SqlLocales(again))
        assert await languages.for_event(ANA, GROUP, "en") == "pt-BR"
        assert await languages.for_place(BEN, GROUP, "en") == "ru"
        assert await languages.for_community(GROUP) == "ru"
    finally:
        await again.close()


async def test_the_choice_follows_a_linked_wallet_to_the_other_platform(db: Database):
    text, languages, community = build(db)
    await say(text, ANA, "fr")
    code = await community.link_start(Context(ANA, GROUP))
    await community.link_finish(Context(TG_ANA_DISCORD, "discord:guild:9"), code)
    assert await languages.for_event(TG_ANA_DISCORD, "discord:guild:9", "en-US") == "fr"


async def test_a_job_remembers_its_requesters_language(make_service):
    service = make_service()
    with i18n.use("es"):
        request = parse_imagine("a fox --model flux-pro", service.catalog,
                                service.planner.intents)
        result = await service.generate(request, ANA, "e-lang")
    job = await service.jobs.get_job(result.job.id)
    assert job is not None and job.locale == "es"


class CountingLocales(SqlLocales):
    reads = 0

    async def chosen(self, user, community):  # type: ignore[no-untyped-def]
        self.reads += 1
        return await super().chosen(user, community)


async def test_choices_are_cached_and_a_change_here_applies_at_once(db: Database):
    store = CountingLocales(db)
    now = [1000.0]
    languages = LanguageService(store, clock=lambda: now[0])
    for _ in range(5):
        assert await languages.for_event(BEN, GROUP, "en") == "en"
    assert store.reads == 1  # one database read for a burst of one person's events
    account = await SqlLedger(db).open_account(BEN, 0)
    await languages.choose(account, "de", "telegram:30")
    assert await languages.for_event(BEN, GROUP, "en") == "de"  # this process: at once


async def test_another_processs_change_applies_within_the_cache_time(db: Database):
    from bot.services.language import CACHE_SECONDS

    now = [1000.0]
    here = LanguageService(SqlLocales(db), clock=lambda: now[0])
    there = LanguageService(SqlLocales(db), clock=lambda: now[0])
    assert await here.for_event(BEN, GROUP, None) == "en"
    await there.choose_for_place(GROUP, "ru", "telegram:1")
    now[0] += CACHE_SECONDS + 1
    assert await here.for_event(BEN, GROUP, None) == "ru"
