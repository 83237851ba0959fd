"""Credits: accounts, ledger rows and the ports the storage adapters implement.

Money rules (design.md): integers only; every balance change is one append-only ledger row
written in the same transaction as the balance; debits are conditional (never below zero);
every write carries an idempotency key, so a repeated event changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UserRef:
    """A person on one platform. `account_id` is resolved by the ledger (linked wallets
    share one)."""

    platform: str
    user_id: str
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class LedgerEntry:
    account_id: int
    delta: int
    reason: str
    reference: str
    idempotency_key: str
    created_at: float
    balance_after: int | None = None
    # The job a charge or refund was for: its kind and what it edited (for /history).
    job_kind: str = ""
    job_parent: str | None = None


@dataclass(frozen=True)
class Hold:
    key: str
    account_id: int
    amount: int
    status: str  # held | settled | released
    reference: str


class Ledger(Protocol):
    async def open_account(self, user: UserRef, welcome_credits: int) -> int:
        """Return the person's account id, creating it (with its welcome grant) on first use."""
        ...

    async def balance(self, account_id: int) -> int: ...

    async def account_balance(self, user: UserRef, welcome_credits: int) -> tuple[int, int]:
        """open_account then balance, in one unit: (account id, balance)."""
        ...

    async def reserve(self, account_id: int, amount: int, key: str, reference: str) -> int:
        """Hold `amount` (debited now). Returns the new balance. Raises InsufficientCredits.
        Repeating a key changes nothing and returns the current balance."""
        ...

    async def settle(self, key: str) -> None:
        """The held credits are spent. No balance change; idempotent."""
        ...

    async def release(self, key: str, reason: str = "refund") -> bool:
        """Give the held credits back with a ledger row. False if not held (already done)."""
        ...

    async def credit(
        self, account_id: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool:
        """Add credits. False if the key was used before (nothing changed)."""
        ...

    async def debit(
        self, account_id: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool:
        """Remove credits if there are enough (raises InsufficientCredits otherwise)."""
        ...

    async def transfer(
        self, source: int, target: int, amount: int, reason: str, key: str, reference: str = ""
    ) -> bool: ...

    async def history(self, account_id: int, limit: int = 10) -> list[LedgerEntry]: ...

    async def open_holds(self) -> list[Hold]: ...

    async def ledger_sum(self, account_id: int) -> int:
        """Sum of ledger deltas (for the invariant sum == balance)."""
        ...
