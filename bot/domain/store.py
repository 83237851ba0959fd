"""Credit packs people can buy (data/store.toml) and the purchases they made.

Packs are data: an operator sets labels, credits, Telegram Stars prices, the Discord SKU
that sells each pack, and whether it is on sale. Nothing about a pack lives in code. The
file is checked when it is loaded, so a typo stops the bot at start, not a buyer mid-payment.

An invoice's payload names the pack, its price and its credits, versioned (`v1:...`): an
invoice sent before a price change is still honoured as it was offered, and refused only
when the pack is gone or off sale.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PACK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")  # fits a 64-byte callback and the payload
SKU_ID = re.compile(r"^[0-9]{1,20}$")
MAX_LABEL = 32  # Telegram's invoice title
MAX_STARS = 10_000  # keep prices in the range Telegram accepts for one item
PAYLOAD_VERSION = "v1"


@dataclass(frozen=True)
class Pack:
    id: str
    label: str
    credits: int
    stars: int
    discord_sku_id: str = ""  # empty: not sold on Discord
    on_sale: bool = True


@dataclass(frozen=True)
class Offer:
    """What an invoice promised: decoded from its payload."""

    pack_id: str
    stars: int
    credits: int


class Store:
    def __init__(self, packs: Iterable[Pack]) -> None:
        self.packs = tuple(packs)
        self._by_id = {p.id: p for p in self.packs}
        if len(self._by_id) != len(self.packs):
            raise ValueError("a pack id repeats")
        skus = [p.discord_sku_id for p in self.packs if p.discord_sku_id]
        if len(skus) != len(set(skus)):
            raise ValueError("a Discord SKU sells two packs")
        self._by_sku = {p.discord_sku_id: p for p in self.packs if p.discord_sku_id}

    def __iter__(self) -> Iterator[Pack]:
        return iter(self.packs)

    def get(self, pack_id: str) -> Pack | None:
        return self._by_id.get(pack_id)

    def by_sku(self, sku_id: str) -> Pack | None:
        """The pack a Discord SKU sells, on sale or not (a bought one is always credited)."""
        return self._by_sku.get(str(sku_id))

    def on_sale(self) -> list[Pack]:
        return [p for p in self.packs if p.on_sale]

    def on_discord(self) -> list[Pack]:
        return [p for p in self.packs if p.on_sale and p.discord_sku_id]


def payload(pack: Pack) -> str:
    return f"{PAYLOAD_VERSION}:{pack.id}:{pack.stars}:{pack.credits}"


def parse_payload(text: str) -> Offer | None:
    """The offer an invoice carried; None for a payload this bot never wrote."""
    parts = (text or "").split(":")
    if len(parts) != 4 or parts[0] != PAYLOAD_VERSION or not PACK_ID.match(parts[1]):
        return None
    if not (parts[2].isdigit() and parts[3].isdigit()):
        return None
    return Offer(parts[1], int(parts[2]), int(parts[3]))


def _whole(entry: dict, name: str, low: int, high: int, where: str) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{where}: {name} must be a whole number from {low} to {high}")
    return value


def load_store(path: Path) -> Store:
    """The packs in `path`; a missing file means nothing is for sale."""
    if not path.exists():
        return Store([])
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    packs = []
    for n, entry in enumerate(raw.get("packs", []), start=1):
        pack_id = entry.get("id")
        where = f"{path.name}: pack {pack_id or n!r}"
        if not isinstance(pack_id, str) or not PACK_ID.match(pack_id):
            raise ValueError(f"{where}: id must be 1-24 of a-z, 0-9, _ and -")
        label = entry.get("label")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= MAX_LABEL:
            raise ValueError(f"{where}: label must be 1-{MAX_LABEL} characters")
        sku = entry.get("discord_sku_id", "")
        sku = str(sku) if isinstance(sku, int) and not isinstance(sku, bool) else sku
        if not isinstance(sku, str) or (sku and not SKU_ID.match(sku)):
            raise ValueError(f"{where}: discord_sku_id must be a Discord id (digits) or empty")
        on_sale = entry.get("on_sale", True)
        if not isinstance(on_sale, bool):
            raise ValueError(f"{where}: on_sale must be true or false")
        packs.append(Pack(
            id=pack_id, label=label.strip(),
            credits=_whole(entry, "credits", 1, 1_000_000, where),
            stars=_whole(entry, "stars", 1, MAX_STARS, where),
            discord_sku_id=sku, on_sale=on_sale,
        ))
    return Store(packs)


# -- purchases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    """One payment. `payment_id`: Telegram's telegram_payment_charge_id, or the Discord
    entitlement id. `shortfall`: credits a refund could not take back (already spent)."""

    platform: str
    payment_id: str
    account_id: int
    user_id: str
    pack_id: str
    credits: int
    price: int  # Stars on Telegram; 0 on Discord (the price lives in the Developer Portal)
    status: str  # credited | refunded
    created_at: float
    consumed: bool = False
    taken_back: int = 0
    shortfall: int = 0


@dataclass(frozen=True)
class Credited:
    purchase: Purchase
    new: bool  # False: this payment was credited before (a redelivery), nothing changed
    balance: int


@dataclass(frozen=True)
class Reversed:
    purchase: Purchase
    new: bool  # False: refunded before
    taken: int
    shortfall: int
    balance: int


class PurchaseStore(Protocol):
    async def credit(
        self, purchase: Purchase, key: str, reference: str, payload: str = ""
    ) -> Credited:
        """Record the payment and add its credits in one transaction, once per payment id."""
        ...

    async def reverse(self, platform: str, payment_id: str, key: str) -> Reversed | None:
        """Take a refunded payment's credits back (what is left of them, never below zero)
        and record any shortfall. None when the payment is unknown."""
        ...

    async def mark_consumed(self, platform: str, payment_id: str) -> None: ...

    async def find(self, platform: str, payment_id: str) -> Purchase | None: ...

    async def of_account(self, account_id: int, limit: int = 10) -> list[Purchase]: ...

    async def unconsumed(self, platform: str) -> list[Purchase]: ...

    async def shortfalls(self, limit: int = 50) -> list[Purchase]: ...

    async def totals(self) -> dict[str, int]:
        """Counts and sums for the operator's report."""
        ...
