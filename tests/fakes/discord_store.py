"""Discord monetization in the fake (a mixin of :class:`tests.fakes.discord_api.FakeDiscord`):
SKUs, entitlements, consuming them, and the ENTITLEMENT_CREATE / DELETE dispatches.

Like Discord (docs ``monetization/*``, ``resources/entitlement.mdx``; paths from the OpenAPI
spec): a person holds at most one unconsumed entitlement per consumable SKU and cannot buy it
again until the app consumes it (test-mode purchases may repeat); List Entitlements pages in
ascending id order with ``after`` / ``before`` / ``limit`` (1-100) and honours ``sku_ids``,
``user_id``, ``exclude_ended`` and ``exclude_deleted`` (default true); consume answers 204 (404
code 10069 for an unknown entitlement); entitlement events go to shard 0 only. User side::

    dc.add_sku(1234, "100 credits")                    # a consumable (type 3), available
    ent = await dc.user_buys(alice, 1234)              # ENTITLEMENT_CREATE to the bot
    ent = await dc.user_buys(alice, 1234, dispatch=False)   # bought while the bot was down
    await dc.refund_entitlement(ent["id"])             # ENTITLEMENT_DELETE
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.fakes.discord_records import ApiError, FakeDiscordUsageError

if TYPE_CHECKING:
    from tests.fakes.discord_api import Req

PURCHASE, TEST_MODE_PURCHASE = 1, 4
CONSUMABLE = 3
AVAILABLE = 1 << 2


class StoreMixin:
    def _init_store(self) -> None:
        self.skus: dict[str, dict[str, Any]] = {}
        self.entitlements: dict[str, dict[str, Any]] = {}  # id -> entitlement, in id order
        self.consumed: list[str] = []  # consume calls that succeeded, in order

    def _store_routes(self, r: Any) -> None:
        snow = r"(\d+)"
        r("GET", f"/applications/{snow}/skus", self._h_skus)
        r("GET", f"/applications/{snow}/entitlements", self._h_entitlements)
        r("GET", f"/applications/{snow}/entitlements/{snow}", self._h_entitlement)
        r("POST", f"/applications/{snow}/entitlements/{snow}/consume", self._h_consume)

    # ------------------------------------------------------------------ set-up and user side

    def add_sku(self, sku_id: int, name: str, *, type: int = CONSUMABLE,
                flags: int = AVAILABLE) -> dict[str, Any]:
        sku = {"id": str(sku_id), "type": type, "application_id": self.application_id,
               "name": name, "slug": name.lower().replace(" ", "-"), "flags": flags}
        self.skus[sku["id"]] = sku
        return sku

    async def user_buys(self, user: dict, sku_id: int | str, *, test: bool = False,
                        dispatch: bool = True) -> dict[str, Any]:
        """The person presses a premium button and pays: a new entitlement (ENTITLEMENT_CREATE
        unless `dispatch` is False, e.g. the bot was down)."""
        sku = self.skus.get(str(sku_id))
        if sku is None:
            raise FakeDiscordUsageError(f"no SKU {sku_id}")
        held = [e for e in self.entitlements.values()
                if e["sku_id"] == sku["id"] and e["user_id"] == user["id"]
                and not e["deleted"] and not e["consumed"]]
        if sku["type"] == CONSUMABLE and held and not test:
            raise FakeDiscordUsageError("this person holds an unconsumed entitlement of that "
                                        "consumable: Discord does not sell it again yet")
        ent = {"id": self.snowflake(), "sku_id": sku["id"],
               "application_id": self.application_id, "user_id": user["id"],
               "type": TEST_MODE_PURCHASE if test else PURCHASE, "deleted": False,
               "starts_at": None, "ends_at": None, "consumed": False, "gift_code_flags": 0}
        self.entitlements[ent["id"]] = ent
        if dispatch:
            await self.gateway.dispatch("ENTITLEMENT_CREATE", copy.deepcopy(ent))
        return copy.deepcopy(ent)

    async def refund_entitlement(self, entitlement_id: str, *, dispatch: bool = True) -> None:
        ent = self.entitlements[str(entitlement_id)]
        ent["deleted"] = True
        if dispatch:
            await self.gateway.dispatch("ENTITLEMENT_DELETE", copy.deepcopy(ent))

    # ------------------------------------------------------------------ REST

    def _own_app(self, r: Req) -> None:
        if r.groups[0] != str(self.application_id):
            raise ApiError(403, 50001, "Missing Access")

    async def _h_skus(self, r: Req) -> tuple[int, Any]:
        self._own_app(r)
        return 200, [copy.deepcopy(s) for s in self.skus.values()]

    async def _h_entitlements(self, r: Req) -> tuple[int, Any]:
        self._own_app(r)
        q = r.query
        limit = int(q.get("limit", 100))
        if not 1 <= limit <= 100:
            raise ApiError(400, 50035, "Invalid Form Body",
                           {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX",
                                                   "message": "int value should be <= 100"}]}})
        if "before" in q and "after" in q:
            raise ApiError(400, 50035, "Invalid Form Body")
        found = sorted(self.entitlements.values(), key=lambda e: int(e["id"]))
        skus = set(q["sku_ids"].split(",")) if q.get("sku_ids") else None
        if skus is not None:
            found = [e for e in found if e["sku_id"] in skus]
        if q.get("user_id"):
            found = [e for e in found if e["user_id"] == q["user_id"]]
        if q.get("exclude_deleted", "true").lower() in ("true", "1"):
            found = [e for e in found if not e["deleted"]]
        if q.get("exclude_ended", "false").lower() in ("true", "1"):
            found = [e for e in found if not e.get("ends_at")]
        if "after" in q:
            found = [e for e in found if int(e["id"]) > int(q["after"])][:limit]
        elif "before" in q:
            found = [e for e in found if int(e["id"]) < int(q["before"])][-limit:]
        else:
            found = found[:limit]
        return 200, [copy.deepcopy(e) for e in found]

    async def _h_entitlement(self, r: Req) -> tuple[int, Any]:
        self._own_app(r)
        ent = self.entitlements.get(r.groups[1])
        if ent is None:
            raise ApiError(404, 10069, "Unknown Entitlement")
        return 200, copy.deepcopy(ent)

    async def _h_consume(self, r: Req) -> tuple[int, Any]:
        self._own_app(r)
        ent = self.entitlements.get(r.groups[1])
        if ent is None or ent["deleted"]:
            raise ApiError(404, 10069, "Unknown Entitlement")
        sku = self.skus.get(ent["sku_id"])
        if sku is None or sku["type"] != CONSUMABLE:
            raise ApiError(400, 40074, "Entitlement is not a consumable")
        ent["consumed"] = True
        self.consumed.append(ent["id"])
        return 204, None


__all__ = ["AVAILABLE", "CONSUMABLE", "StoreMixin"]
