"""What a chat surface (Discord, Telegram, the console) may use of the running app.

The composition root (`bot.bootstrap.App`) satisfies this Protocol; adapters type against it
and never import the root, so the arrows keep pointing inward.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.fleet import Fleet, IdentifyGate
from bot.services.commands import Commands
from bot.services.community import CommunityService
from bot.services.generation import GenerationService
from bot.services.giveaways import GiveawayService
from bot.services.health import Health
from bot.services.language import LanguageService
from bot.services.provider_router import ProviderRouter
from bot.services.recovery import Recovery
from bot.services.shutdown import Shutdown
from bot.services.store import StoreService
from bot.settings import Settings


class SurfaceApp(Protocol):
    settings: Settings
    router: ProviderRouter
    service: GenerationService
    recovery: Recovery
    community: CommunityService
    giveaways: GiveawayService
    commands: Commands  # the declared commands and their handlers, for every surface
    identify_gate: IdentifyGate  # whose turn it is to IDENTIFY a Discord shard
    fleet: Fleet  # budgets and bookkeeping shared by every process
    health: Health  # the surfaces say here whether they are connected (/readyz)
    shutdown: Shutdown  # the one shutdown policy: call drain() on stop, while you can post
    store: StoreService  # credit packs, payments and refunds
    languages: LanguageService  # which language each person and place speaks
