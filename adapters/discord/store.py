"""Discord's store: /buy premium buttons, and consumable entitlements credited exactly once.

Discord sells the packs (SKUs are made and priced in the Developer Portal); the bot maps
each consumable SKU to a pack (data/store.toml) and, for every entitlement to one:
1. credits it, keyed by the entitlement id (a replay, a restart or the start-up listing
   finds the same key and changes nothing), and only then
2. consumes it, so the person can buy the pack again.
A crash between the two leaves a credited, unconsumed entitlement: the listing at the next
start (and every PAYMENTS_RECONCILE_SECONDS) consumes it without crediting it again. A
crash before step 1 loses nothing either: the entitlement is still unconsumed on Discord.
An ENTITLEMENT_DELETE (a refund) takes the credits back. Unknown SKUs are logged and left
alone; test-mode purchases are credited only with DISCORD_TEST_PURCHASES=true.
(No `from __future__ import annotations` here: discord.py reads annotations at runtime.)
"""

import asyncio
import datetime
import logging
from typing import Any

import discord

from adapters.discord.boundary import send_ephemeral
from adapters.discord.flow import App
from adapters.discord.slash import Feature
from bot.domain.credits import UserRef
from bot.i18n import t
from bot.services.replies import credits
from bot.services.retrying import every
from bot.services.store_text import not_for_sale

log = logging.getLogger(__name__)
CONSUMABLE = discord.SKUType.consumable
AVAILABLE = 1 << 2  # SKU flag: on sale in the store


class DiscordStore:
    def __init__(self, app: App, client: discord.Client) -> None:
        self.app = app
        self.store = app.store
        self.client = client
        self._lock = asyncio.Lock()  # the live event and the listing take turns per process
        self.not_consumable: set[str] = set()  # configured SKUs the start-up check refused

    def feature(self) -> Feature:
        return Feature(renderers={"buy": self.buy})

    async def buy(self, interaction: discord.Interaction, v: dict[str, Any]) -> None:
        packs = self.store.store.on_discord()
        if not packs:
            return await send_ephemeral(interaction, not_for_sale())
        view = discord.ui.View()
        for pack in packs[:25]:  # 5 rows of 5 buttons
            view.add_item(discord.ui.Button(sku_id=int(pack.discord_sku_id)))
        lines = [t("dg-pack-line", label=p.label, credits=credits(p.credits)) for p in packs[:25]]
        await interaction.response.send_message(
            t("dg-buy") + "\n" + "\n".join(lines), view=view, ephemeral=True)

    # -- entitlements -------------------------------------------------------------------

    async def entitled(self, entitlement: discord.Entitlement) -> bool:
        """Credit (once) and consume one entitlement. True when it is ours and done."""
        if entitlement.deleted or entitlement.user_id is None:
            return False
        if str(entitlement.sku_id) in self.not_consumable:
            log.warning("discord entitlement %s is for SKU %s, which is not a consumable; "
                        "not credited", entitlement.id, entitlement.sku_id)
            return False
        async with self._lock:
            test = entitlement.type is discord.EntitlementType.test_mode_purchase
            user = UserRef("discord", str(entitlement.user_id))
            done = await self.store.entitled(str(entitlement.id), str(entitlement.sku_id), user,
                                             test=test)
            if done is None:
                return False
            if entitlement.consumed:
                await self.store.consumed("discord", str(entitlement.id))
                return True
            try:
                await entitlement.consume()
            except discord.NotFound:
                log.warning("discord entitlement %s is gone; credited, not consumed",
                            entitlement.id)
                return True
            except discord.HTTPException as exc:  # credited: the next listing consumes it
                log.warning("could not consume discord entitlement %s yet: %s",
                            entitlement.id, exc)
                return True
            await self.store.consumed("discord", str(entitlement.id))
            log.info("discord entitlement %s consumed", entitlement.id)
            return True

    async def deleted(self, entitlement: discord.Entitlement) -> None:
        """A refund (or a deleted test entitlement): take the credits back, once."""
        if self.store.pack_for_sku(str(entitlement.sku_id)) is None:
            return
        await self.store.refunded("discord", str(entitlement.id))

    async def check_skus(self) -> None:
        """Say at start which configured SKUs do not exist or are not consumables."""
        wanted = {p.discord_sku_id: p for p in self.store.store if p.discord_sku_id}
        if not wanted:
            return
        try:
            skus = {str(s.id): s for s in await self.client.fetch_skus()}
        except discord.HTTPException as exc:
            log.warning("could not list this application's SKUs: %s", exc)
            return
        for sku_id, pack in wanted.items():
            sku = skus.get(sku_id)
            if sku is None:
                log.error("store: pack %r sells SKU %s, which this application does not have",
                          pack.id, sku_id)
            elif sku.type is not CONSUMABLE:
                self.not_consumable.add(sku_id)
                log.error("store: pack %r sells SKU %s (%s), which is not a consumable; "
                          "its purchases are not credited", pack.id, sku_id, sku.type.name)
            elif not sku.flags.value & AVAILABLE:
                log.warning("store: SKU %s of pack %r is not available in the store yet",
                            sku_id, pack.id)
        log.info("store: checked %d Discord SKUs", len(wanted))

    async def reconcile(self) -> None:
        """Credit and consume every unconsumed entitlement of our SKUs (bought while the bot
        was down, or credited just before a crash); reverse deleted ones. Log counts."""
        ours = [discord.Object(int(p.discord_sku_id)) for p in self.store.store
                if p.discord_sku_id]
        if not ours:
            return
        handled = reversed_ = seen = 0
        # `before` makes discord.py pass exclude_deleted (its default path drops it).
        later = discord.utils.utcnow() + datetime.timedelta(days=1)
        async for ent in self.client.entitlements(limit=None, skus=ours, before=later,
                                                  exclude_deleted=False):
            seen += 1
            if ent.deleted:
                before = await self.store.purchases.find("discord", str(ent.id))
                if before is not None and before.status == "credited":
                    await self.deleted(ent)
                    reversed_ += 1
            elif not ent.consumed or await self._unconsumed_here(str(ent.id)):
                handled += await self.entitled(ent)
        log.info("discord entitlements reconciled: %d seen, %d credited or consumed, "
                 "%d reversed", seen, handled, reversed_)

    async def _unconsumed_here(self, entitlement_id: str) -> bool:
        found = await self.store.purchases.find("discord", entitlement_id)
        return found is not None and not found.consumed

    async def reconcile_every(self, seconds: float, stop: asyncio.Event) -> None:
        await self.check_skus()
        await every(seconds, stop, self.reconcile, (discord.HTTPException,), log,
                    "list discord entitlements", until=self.client.is_closed)
