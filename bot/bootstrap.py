"""Composition root: the only core module that imports adapters.

Builds the database, ledger, job store, providers, router and services from Settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from adapters.providers.demo import DemoProvider
from adapters.providers.registry import build_providers
from adapters.storage.community import SqlCommunity
from adapters.storage.database import Database, open_database
from adapters.storage.fleet import SqlFleet
from adapters.storage.giveaways import SqlGiveaways
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from adapters.storage.locales import SqlLocales
from adapters.storage.purchases import SqlPurchases
from adapters.storage.safety import SqlSafety
from bot.domain.catalog import Catalog, load_catalog
from bot.domain.credits import Ledger
from bot.domain.fleet import Fleet, IdentifyGate
from bot.domain.intents import IntentTable, load_intents
from bot.domain.jobs import JobStore
from bot.domain.prompt_filter import load_rules as load_filter
from bot.domain.safety import Level
from bot.domain.store import load_store
from bot.services.command_table import build_commands
from bot.services.commands import Commands
from bot.services.community import CommunityService, parse_admin_ids
from bot.services.fleet import DatabaseIdentifyGate
from bot.services.generation import GenerationService
from bot.services.giveaways import GiveawayService
from bot.services.health import Health
from bot.services.language import LanguageService
from bot.services.planning import Planner
from bot.services.provider_router import ProviderRouter
from bot.services.recovery import Recovery
from bot.services.safety import Escalation, SafetyService
from bot.services.shutdown import Shutdown
from bot.services.store import StoreService
from bot.services.worker import JobRunner
from bot.settings import Settings

# Image generation takes tens of seconds; httpx's 5 s default would fail most jobs.
PROVIDER_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)


@dataclass
class App:
    settings: Settings
    catalog: Catalog
    intents: IntentTable
    db: Database
    ledger: Ledger
    jobs: JobStore
    router: ProviderRouter
    service: GenerationService
    recovery: Recovery
    http: httpx.AsyncClient
    community: CommunityService
    giveaways: GiveawayService
    commands: Commands
    identify_gate: IdentifyGate
    fleet: Fleet
    runner: JobRunner
    shutdown: Shutdown
    store: StoreService
    safety: SafetyService
    languages: LanguageService
    health: Health = field(default_factory=Health)  # what /readyz reports

    async def close(self) -> None:
        await self.shutdown.drain()  # the surfaces have called it already, if any ran
        await self.runner.stop()
        await self.giveaways.close()
        await self.http.aclose()
        await self.db.close()


def load_rules(settings: Settings) -> tuple[Catalog, IntentTable]:
    return load_catalog(settings.models_file), load_intents(settings.intents_file)


async def build_app(settings: Settings, platforms: set[str] | None = None) -> App:
    """`platforms`: the chat platforms this process can post to (it claims only their jobs);
    None claims any job (one process that serves everything)."""
    catalog, intents = load_rules(settings)
    packs = load_store(settings.store_file)  # checked before anything opens
    db = await open_database(settings.database_url)
    ledger, jobs, fleet = SqlLedger(db), SqlJobStore(db), SqlFleet(db)
    http = httpx.AsyncClient(timeout=PROVIDER_TIMEOUT, follow_redirects=True)
    providers = build_providers(settings, http)
    router = ProviderRouter(
        providers, DemoProvider(settings.demo_delay_seconds, settings.demo_fail)
    )
    runner = JobRunner(
        jobs,
        ledger,
        fleet,
        router,
        catalog,
        concurrency=settings.worker_concurrency,
        lease=settings.job_lease_seconds,
        timeout=settings.generation_timeout_seconds,
        platforms=platforms,
    )
    shutdown = Shutdown(runner, settings.shutdown_grace_seconds)
    safety = build_safety(settings, SqlSafety(db))
    service = GenerationService(
        Planner(catalog, intents),
        ledger,
        jobs,
        router,
        runner,
        welcome_credits=settings.welcome_credits,
        max_jobs_per_user=settings.max_jobs_per_user,
        timeout=settings.generation_timeout_seconds,
        shutdown=shutdown,
        safety=safety,
    )
    community = CommunityService(
        ledger,
        SqlCommunity(db),
        welcome_credits=settings.welcome_credits,
        daily_credits=settings.daily_credits,
        admin_ids=parse_admin_ids(settings.admin_user_ids),
    )
    giveaways = GiveawayService(community, SqlGiveaways(db), peers_alive=runner.any_peers)
    languages = LanguageService(SqlLocales(db))
    giveaways.place_locale = languages.for_community
    store = StoreService(packs, SqlPurchases(db), community,
                         support_contact=settings.pay_support_contact,
                         discord_test_purchases=settings.discord_test_purchases)
    return App(
        settings,
        catalog,
        intents,
        db,
        ledger,
        jobs,
        router,
        service,
        Recovery(service),
        http,
        community,
        giveaways,
        build_commands(community, giveaways, store, safety, languages),
        DatabaseIdentifyGate(fleet),
        fleet,
        runner,
        shutdown,
        store,
        safety,
        languages,
    )


def build_safety(settings: Settings, store: SqlSafety) -> SafetyService:
    return SafetyService(
        store,
        load_filter(settings.safety_file),
        dm_level=Level.parse(settings.dm_safety_level),
        max_level=Level.parse(settings.max_safety_level),
        log_prompts=settings.safety_log_prompts,
        log_days=settings.safety_log_days,
        escalation=Escalation.parse(settings.safety_block_strikes, settings.safety_block_window,
                                    settings.safety_timeouts),
    )
