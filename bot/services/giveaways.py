"""Giveaways: start, enter/leave, end on time (also across restarts), cancel, reroll, list.

The schedule lives in the database; `rearm()` at start-up sets a timer for every running
giveaway, so one whose end passed while the bot was down ends at once. Ending is one
atomic unit in storage, so a timer and an `/giveaway end` racing each other pay once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence

from bot import i18n
from bot.domain.community import (
    Context,
    Entry,
    Giveaway,
    GiveawayOutcome,
    GiveawayStore,
    parse_amount,
    parse_duration,
    parse_winners,
)
from bot.domain.errors import InsufficientCredits, PermissionDenied, RequestError
from bot.domain.keys import giveaway_event
from bot.services.community import CommunityService

log = logging.getLogger(__name__)
ANNOUNCE_GRACE = 60.0  # seconds: a live process announces its own ends well within this
Announce = Callable[[GiveawayOutcome], Awaitable[None]]


def draw(entries: Sequence[Entry], k: int) -> list[Entry]:
    """Pick k distinct entrants with the OS's secure random source."""
    return secrets.SystemRandom().sample(list(entries), k)


class GiveawayService:
    def __init__(
        self,
        community: CommunityService,
        store: GiveawayStore,
        clock: Callable[[], float] = time.time,
        peers_alive: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.community = community
        self.store = store
        self.clock = clock
        # Other processes of the fleet that may be announcing ends they just made.
        self.peers_alive = peers_alive
        self.announcers: dict[str, Announce] = {}
        # The language of a public post in a community (its /language server); English
        # until the composition root wires the languages in.
        self.place_locale: Callable[[str], Awaitable[str]] | None = None
        self._timers: dict[str, asyncio.Task[None]] = {}
        # Giveaways that ended before their platform was up (e.g. re-armed at start-up):
        # announced as soon as the platform registers.
        self._unannounced: list[GiveawayOutcome] = []
        self._announcing: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def register_announcer(self, platform: str, announce: Announce) -> None:
        """Chat surfaces register how to announce winners of their giveaways."""
        self.announcers[platform] = announce
        waiting = [o for o in self._unannounced if o.giveaway.platform == platform]
        self._unannounced = [o for o in self._unannounced if o.giveaway.platform != platform]
        for outcome in waiting:
            task = asyncio.create_task(self._announce(outcome, queued=True))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def get(self, giveaway_id: str) -> Giveaway:
        return await self.store.get(giveaway_id)

    async def start(
        self,
        ctx: Context,
        credits: str | int,
        winners: str | int,
        duration: str,
        title: str = "",
        from_me: bool = False,
    ) -> Giveaway:
        each, count, seconds = (
            parse_amount(credits, "prize"),
            parse_winners(winners),
            parse_duration(duration),
        )
        admin = self.community.is_admin(ctx)
        funded_by = "bot" if admin and not from_me else "host"
        if funded_by == "bot":
            await self.community.require_admin(ctx, "/giveaway start", f"{count}x{each} bot-funded")
        now = self.clock()
        g = Giveaway(
            id=secrets.token_hex(3),
            platform=ctx.user.platform,
            community=ctx.community,
            host_platform=ctx.user.platform,
            host_user_id=ctx.user.user_id,
            host_account=await self.community.account(ctx.user),
            funded_by=funded_by,
            credits_each=each,
            winners=count,
            title=title.strip()[:100] or "Giveaway",
            ends_at=now + seconds,
            status="running",
            event_key=giveaway_event(ctx.event_key),
            created_at=now,
        )
        try:
            g, created = await self.store.create(g)
        except InsufficientCredits as exc:
            raise InsufficientCredits(
                f"This giveaway pays {count} x {each} = {g.total} credits from your balance, "
                f"and you have {exc.balance}.",
                needed=g.total,
                balance=exc.balance,
                key="giveaway-not-enough", count=count, each=each,
                total=i18n.Count(g.total), have=exc.balance,
            ) from None
        if created:
            log.info(
                "giveaway %s started by %s: %dx%d (%s)", g.id, ctx.user.key, count, each, funded_by
            )
            self.arm(g)
        return g

    async def publish(
        self,
        g: Giveaway,
        post: Callable[[], Awaitable[dict]],  # type: ignore[type-arg]
    ) -> bool:
        """Post a new giveaway through its chat surface (`post` returns the message ref). If
        it cannot be posted nobody can enter it, so it is cancelled at once and a host's held
        prize goes back. Returns whether the giveaway is up. Same on every platform."""
        try:
            with i18n.use(await self.locale_of(g.community)):  # a public post: the place's words
                ref = await post()
        except Exception as exc:  # noqa: BLE001 - any refusal of the chat means "not posted"
            log.warning("giveaway %s could not be posted (%s): cancelled", g.id, exc)
            self._disarm(g.id)
            cancelled = await self.store.cancel(g.id, self.clock())
            log.info("giveaway %s cancelled (%s)", cancelled.id, cancelled.funded_by)
            return False
        await self.store.set_message(g.id, ref)
        return True

    async def attach_message(self, giveaway_id: str, message_ref: dict) -> None:  # type: ignore[type-arg]
        await self.store.set_message(giveaway_id, message_ref)

    async def toggle(
        self, ctx: Context, giveaway_id: str, leave: bool | None = None
    ) -> tuple[bool, Giveaway]:
        if ctx.is_bot:
            raise i18n.error(RequestError, "giveaway-bots")
        await self.community.account(ctx.user)  # winners must have a wallet to be paid
        return await self.store.toggle_entry(giveaway_id, ctx.user, leave)

    async def end(self, ctx: Context, giveaway_id: str) -> GiveawayOutcome:
        g = await self.store.get(giveaway_id)
        await self._host_or_admin(ctx, g, "/giveaway end")
        return await self.finish(giveaway_id)

    async def cancel(self, ctx: Context, giveaway_id: str) -> Giveaway:
        g = await self.store.get(giveaway_id)
        await self._host_or_admin(ctx, g, "/giveaway cancel")
        g = await self.store.cancel(giveaway_id, self.clock())
        self._disarm(giveaway_id)
        return g

    async def reroll(self, ctx: Context, giveaway_id: str, count: str | int = 1) -> list:  # type: ignore[type-arg]
        await self.community.require_admin(ctx, "/giveaway reroll", giveaway_id)
        return await self.store.reroll(giveaway_id, parse_winners(count), draw)

    async def list(self, ctx: Context) -> list[Giveaway]:
        return await self.store.running(ctx.community)

    async def finish(self, giveaway_id: str) -> GiveawayOutcome:
        outcome = await self.store.finish(giveaway_id, draw, self.clock())
        self._disarm(giveaway_id, keep_current=True)
        if not outcome.already_ended:
            log.info("giveaway %s ended: %d winners", giveaway_id, len(outcome.winners))
            await self._announce(outcome)
        return outcome

    async def locale_of(self, community: str) -> str:
        """The language of public posts in `community` (its /language server)."""
        return await self.place_locale(community) if self.place_locale else i18n.DEFAULT

    async def _announce(
        self, outcome: GiveawayOutcome, queued: bool = False, recorded: bool = False
    ) -> None:
        gid = outcome.giveaway.id
        if gid in self._announcing and not queued:
            return  # already told, or waiting for its platform, in this process
        self._announcing.add(gid)
        announce = self.announcers.get(outcome.giveaway.platform)
        if announce is None:
            self._unannounced.append(outcome)
            return
        try:
            with i18n.use(await self.locale_of(outcome.giveaway.community)):
                await announce(outcome)
        except Exception:  # noqa: BLE001 - the money moved already; tell the log
            log.exception("could not announce giveaway %s", outcome.giveaway.id)
            return
        if not recorded:
            await self.store.mark_announced(outcome.giveaway.id, self.clock())

    # -- timers ------------------------------------------------------------------------

    async def rearm(self, platforms: set[str] | None = None) -> int:
        """Set timers for running giveaways (of `platforms` only, when given: a console on
        the live bot's database must not end the bot's giveaways where nobody sees them)."""
        running = [
            g for g in await self.store.running() if platforms is None or g.platform in platforms
        ]
        # Ended, but nobody was told yet (read before arming: an overdue timer ends at once).
        # With other processes alive, an end younger than a minute is theirs to announce;
        # any other is claimed first, so two processes starting together announce it once.
        fresh_is_theirs = self.peers_alive is not None and await self.peers_alive()
        before = self.clock() - ANNOUNCE_GRACE if fresh_is_theirs else None
        for outcome in await self.store.unannounced(ended_before=before):
            if platforms is None or outcome.giveaway.platform in platforms:
                if await self.store.mark_announced(outcome.giveaway.id, self.clock()):
                    await self._announce(outcome, recorded=True)
        for g in running:
            self.arm(g)
        return len(running)

    def arm(self, g: Giveaway) -> None:
        self._disarm(g.id)
        self._timers[g.id] = asyncio.create_task(self._wait_and_finish(g.id, g.ends_at))

    async def _wait_and_finish(self, giveaway_id: str, ends_at: float) -> None:
        await asyncio.sleep(max(0.0, ends_at - self.clock()))
        try:
            await self.finish(giveaway_id)
        except Exception:  # noqa: BLE001
            log.exception("giveaway %s could not end on time", giveaway_id)

    def _disarm(self, giveaway_id: str, keep_current: bool = False) -> None:
        task = self._timers.pop(giveaway_id, None)
        if task is not None and not (keep_current and task is asyncio.current_task()):
            task.cancel()

    async def close(self) -> None:
        for task in [*self._timers.values(), *self._tasks]:
            task.cancel()
        self._timers.clear()

    async def _host_or_admin(self, ctx: Context, g: Giveaway, action: str) -> None:
        if g.community != ctx.community:
            raise i18n.error(RequestError, "giveaway-not-here", id=g.id)
        is_host = (ctx.user.platform, ctx.user.user_id) == (g.host_platform, g.host_user_id)
        if not is_host:
            try:
                await self.community.require_admin(ctx, action, g.id)
            except PermissionDenied:
                raise i18n.error(PermissionDenied, "host-or-admin-only", action=action) from None
