"""Is this process ready: what /readyz answers, and why `imagine-bot run` gives up.

The chat surfaces say how their connection stands (`up`, `down`, `refused`); a platform with
several parts (Discord shards) is up when every part is. The database is asked at each
check (`check`), with a short timeout, since a hung database must read as not ready rather
than hang the supervisor's probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.services import metrics

DATABASE_TIMEOUT = 3.0  # seconds /readyz waits for the database before calling it gone
CONNECTING = "connecting"


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: dict[str, str] = field(default_factory=dict)  # component -> short reason

    def as_dict(self) -> dict[str, object]:
        return {"ready": self.ready, "problems": self.problems}


class Health:
    def __init__(self) -> None:
        self._parts: dict[str, dict[str, str | None]] = {}  # platform -> part -> reason
        self._refused: dict[str, str] = {}

    def expect(self, platform: str) -> None:
        """This process serves `platform`: not ready until it says it is connected."""
        if platform not in self._parts:
            self._parts[platform] = {"": CONNECTING}
            metrics.platform_connected(platform, False)

    def up(self, platform: str, part: str = "") -> None:
        parts = self._parts.setdefault(platform, {})
        if part:
            parts.pop("", None)  # the first shard to connect replaces "connecting"
        parts[part] = None
        self._refused.pop(platform, None)
        metrics.platform_connected(platform, self.connected(platform))

    def down(self, platform: str, reason: str, part: str = "") -> None:
        self._parts.setdefault(platform, {})[part] = reason
        metrics.platform_connected(platform, False)

    def refused(self, platform: str, reason: str) -> None:
        """The platform refused this process's token: it will not connect at all."""
        self._refused[platform] = reason
        self.down(platform, reason)

    def connected(self, platform: str) -> bool:
        parts = self._parts.get(platform, {})
        return bool(parts) and all(reason is None for reason in parts.values())

    def all_refused(self) -> bool:
        """Every platform this process serves refused its token (there is nothing to do)."""
        return bool(self._parts) and set(self._parts) <= set(self._refused)

    def refusals(self) -> dict[str, str]:
        return dict(self._refused)

    def platform_problems(self) -> dict[str, str]:
        out = {}
        for platform, parts in sorted(self._parts.items()):
            reasons = [
                f"{f'shard {part}: ' if part else ''}{reason}"
                for part, reason in sorted(parts.items()) if reason is not None
            ]
            if reasons:
                out[platform] = "; ".join(reasons)
        return out

    async def check(self, database: Callable[[], Awaitable[object]]) -> Readiness:
        problems = self.platform_problems()
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                await database()
        except TimeoutError:
            problems["database"] = f"no answer within {DATABASE_TIMEOUT:g} s"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say which
            problems["database"] = _short(exc)
        result = Readiness(not problems, dict(sorted(problems.items())))
        metrics.ready(result.ready)
        return result


def _short(exc: BaseException) -> str:
    """An exception as one short line (no traceback; driver messages can be long)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:200]
