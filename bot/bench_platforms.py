"""`imagine-bot bench --platforms`: the bot's own CPU per reply against the bare frameworks'.

Separate processes, each bot against its own instance of the local fake servers the e2e
tests use (tests/fakes, hosted here in the bench's process):
- the real bot on Telegram (`python -m bot run`, its defaults, a temp SQLite database);
- a bare python-telegram-bot bot (its defaults, `run_polling`, a constant /balance reply)
  with PTB's own AIORateLimiter (its defaults), so both send at Telegram's 30 messages a
  second; and the same bare bot without a limiter (tg_bare_unpaced_*, for reference: sent
  back to back, a reply costs about a third of a paced one, which says how much of a
  Telegram reply's CPU is the pace itself: idle wake-ups, one getUpdates per update);
- the real bot on Discord, as a chat-only process (WORKER_CONCURRENCY=0, the fleet's
  ingress: it takes the order, charges, queues, acknowledges and tells the person where
  they stand; making the image is a worker's job, which the bare bot cannot do, so it is in
  neither figure). An `imagine-bot worker` process on the same database (not measured)
  takes the jobs; its demo provider refuses each at once, so it only refunds and answers;
- a bare discord.py bot (default intents, a CommandTree answering /imagine and /balance
  with a constant message).
The bare bots are tests/bench/bare_bots.py. Both the fakes and the bare bots live in the
source checkout, not in the installed package: this bench runs from a checkout only and
says so otherwise.

A round is one burst per process, one after the other (bot, bare, bot, bare: the machine is
shared and drifts, so they alternate): Telegram, `tg_users` new users each send /balance
at once; Discord, `dc_members` new members each send /imagine and /balance at once.
Definitions:
- *_cpu_ms_per_reply: the process's own CPU time (every thread, from /proc; see
  cpu_seconds) from the burst's first update until its last reply plus a short settle
  (follow-up edits are counted), divided by the replies. CPU, not wall time, so how long a
  burst takes does not change it, except for what a process spends idling while it waits
  (reported as *_idle_cpu_ms_per_s); how the sends are spread does (see tg_bare_unpaced_*),
  which is why both Telegram bots send at the same pace.
- tg_cpu_vs_bare / dc_cpu_vs_bare: bare CPU per reply / bot CPU per reply (medians over the
  rounds); 1.0 means the bot costs what the bare framework costs. *_rounds list each round's
  ratio, to show the spread.
- A Discord reply is the interaction's acknowledgement (the bot defers /imagine, answers
  /balance); dc_ack_ms_*: from the INTERACTION_CREATE dispatch to the callback reaching the
  fake, over every interaction of every round; dc_ack_500_ms_*: one more burst of 500
  concurrent interactions on the bot; dc_late_acks: acknowledgements after Discord's 3 s.
- *_replies_per_s: replies / wall seconds of the burst (both Telegram bots are paced at 30/s).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import DATA_DIR

ROOT = DATA_DIR.parent
TG_TOKEN = "7000001:AAE-bench-token"
DC_TOKEN = "MTE5OTk5OTk5OTk5.bench-Discord.token"
GUILD_ID = 910_001
START_TIMEOUT = 60.0
BURST_TIMEOUT = 180.0
SETTLE = 0.3  # seconds without a new request that end a burst
IDLE_SECONDS = 2.0
ACK_DEADLINE = 3.0


class BenchUnavailable(RuntimeError):
    """The platform bench cannot run here (no source checkout, no /proc)."""


def _fakes() -> tuple[Any, Any]:
    """FakeTelegram and FakeDiscord from the checkout's tests/fakes."""
    if not (ROOT / "tests" / "fakes" / "telegram_api.py").is_file():
        raise BenchUnavailable(
            "bench --platforms runs the bot against the fake Telegram and Discord servers "
            "in tests/fakes: run it from a source checkout of imagine-bot"
        )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    telegram_api = importlib.import_module("tests.fakes.telegram_api")
    discord_api = importlib.import_module("tests.fakes.discord_api")
    return telegram_api.FakeTelegram, discord_api.FakeDiscord


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, every thread included (Linux /proc): the nanosecond run time
    of each live thread (/proc/<pid>/task/*/schedstat), or where that is missing the
    10 ms-tick user + system time of /proc/<pid>/stat (which also counts ended threads)."""
    try:
        total = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a thread that just ended
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError as exc:
        raise BenchUnavailable(f"cannot read the CPU time of process {pid}: {exc}") from exc
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    """One bot process with a clean environment, run from a temp folder."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path,
                 stop_signal: int = signal.SIGTERM) -> None:
        self.name, self.args, self.folder, self.stop_signal = name, args, folder, stop_signal
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(folder)),
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.log_path = folder / f"{name}.log"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # noqa: ASYNC230 - a local file, once
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, cwd=str(self.folder), env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip

    def cpu(self) -> float:
        assert self.proc is not None
        if self.proc.returncode is not None:
            raise BenchFailedEarly(self)
        return cpu_seconds(self.proc.pid)

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-2000:]
        return ""

    async def stop(self, timeout: float = 60.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(self.stop_signal)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


class BenchFailedEarly(RuntimeError):
    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} exited early: {child.tail()}")


@dataclass
class Burst:
    replies: int
    seconds: float
    cpu: float
    acks: list[float] = field(default_factory=list)  # Discord: seconds to each acknowledgement

    @property
    def cpu_ms_per_reply(self) -> float:
        return self.cpu * 1000 / self.replies


async def _quiet(requests: Any, timeout: float = 10.0) -> None:
    """Until `requests` (a fake's record list) has not grown for SETTLE seconds."""
    deadline = time.monotonic() + timeout
    seen = len(requests)
    while time.monotonic() < deadline:
        await asyncio.sleep(SETTLE)
        if len(requests) == seen:
            return
        seen = len(requests)


# -- Telegram ------------------------------------------------------------------------------


class TelegramSide:
    def __init__(self, fake: Any, child: Child) -> None:
        self.fake, self.child = fake, child
        self.next_user = 5_000_000

    async def ready(self) -> None:
        await self.fake.wait_for("deleteWebhook", ok=True, timeout=START_TIMEOUT)

    async def burst(self, users: int) -> Burst:
        fake = self.fake
        ids = set(range(self.next_user, self.next_user + users))
        self.next_user += users
        pos = len(fake.calls)
        cpu0, t0 = self.child.cpu(), time.perf_counter()
        for uid in sorted(ids):
            user = fake.make_user(uid, f"U{uid}", username=f"u{uid}")
            fake.user_sends_text(fake.private_chat(user), user, "/balance")
        replied: set[int] = set()
        deadline = t0 + BURST_TIMEOUT
        while len(replied) < users:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.child.name}: {len(replied)}/{users} replies")
            calls = fake.calls
            for call in calls[pos:]:
                if call.method == "sendMessage" and call.ok:
                    with contextlib.suppress(TypeError, ValueError):
                        chat = int(call.get("chat_id"))
                        if chat in ids:
                            replied.add(chat)
            pos = len(calls)
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - t0
        await _quiet(fake.calls)
        return Burst(users, seconds, self.child.cpu() - cpu0)


# -- Discord -------------------------------------------------------------------------------


class DiscordSide:
    COMMANDS: tuple[tuple[str, dict[str, str]], ...] = (("imagine", {"prompt": "a fox in the snow"}), ("balance", {}))

    def __init__(self, fake: Any, child: Child) -> None:
        self.fake, self.child = fake, child
        self.next_user = 800_000_000

    async def ready(self) -> None:
        await self.fake.wait_for(("PUT", r"/commands$"), timeout=START_TIMEOUT)
        await self.fake.wait_connected(START_TIMEOUT)

    async def burst(self, members: int, commands: tuple[tuple[str, dict], ...] = COMMANDS
                    ) -> Burst:
        fake = self.fake
        people = []
        for _ in range(members):
            self.next_user += 1
            user = fake.make_user(self.next_user, f"m{self.next_user}")
            fake.add_member(GUILD_ID, user)
            people.append(user)
        cpu0, t0 = self.child.cpu(), time.perf_counter()
        inters = await asyncio.gather(*(
            fake.slash_command(user, name, dict(options), guild_id=GUILD_ID)
            for user in people for name, options in commands
        ))  # fmt: skip
        deadline = t0 + BURST_TIMEOUT
        while not all(any(r.kind == "callback" for r in i.records) for i in inters):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.child.name}: interactions left unanswered")
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - t0
        await _quiet(fake.requests)
        cpu = self.child.cpu() - cpu0
        acks = []
        for inter in inters:
            callback = next(r for r in inter.records if r.kind == "callback")
            acks.append(callback.request.at - inter.dispatched_at if callback.ok else 1e9)
        return Burst(len(inters), seconds, cpu, acks)


# -- the run -------------------------------------------------------------------------------


def _sizes(quick: bool) -> dict[str, int]:
    # Seven rounds: a single round's ratio spreads by about ±0.2 on these shared machines
    # (each process's CPU time per reply drifts with its neighbours); the median of seven
    # moves much less than the median of five did between runs.
    if quick:
        return {"rounds": 1, "tg_users": 10, "dc_members": 5, "dc_concurrent": 20, "warm": 3}
    return {"rounds": 7, "tg_users": 400, "dc_members": 200, "dc_concurrent": 500, "warm": 20}


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def _idle_rate(child: Child) -> float:
    """CPU milliseconds per second the process spends with nothing to do."""
    cpu0 = child.cpu()
    await asyncio.sleep(IDLE_SECONDS)
    return (child.cpu() - cpu0) * 1000 / IDLE_SECONDS


def _tg_env(fake: Any) -> dict[str, str]:
    return {"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
            "TELEGRAM_BASE_FILE_URL": fake.base_file_url}


def _dc_env(fake: Any) -> dict[str, str]:
    return {"DISCORD_TOKEN": DC_TOKEN, "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url}


async def run_platforms(quick: bool = False) -> dict[str, Any]:
    fake_telegram, fake_discord = _fakes()
    sizes = _sizes(quick)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            tg_fakes = [await stack.enter_async_context(
                fake_telegram(token=TG_TOKEN, bot_username="imagine_bench_bot"))
                for _ in range(3)]  # fmt: skip
            dc_fakes = []
            for _ in range(2):
                fake = await stack.enter_async_context(fake_discord(token=DC_TOKEN))
                fake.message_events = False  # neither bot asks for message events
                owner = fake.make_user(700_001, "owner")
                fake.add_guild(GUILD_ID, "Bench Club", owner_id=owner["id"])
                dc_fakes.append(fake)
            bot_env = {"LOG_LEVEL": "INFO"}  # the bot's defaults, its logging included
            children = {
                "tg_bot": Child("tg_bot", ["-m", "bot", "run"], {
                    **bot_env, **_tg_env(tg_fakes[0]),
                    "DATABASE_URL": f"sqlite:///{folder / 'tg' / 'bot.db'}"}, folder / "tg"),
                "tg_bare": Child("tg_bare", ["-m", "tests.bench.bare_bots", "telegram"],
                                 {**_tg_env(tg_fakes[1]), "BARE_RATE_LIMITER": "1"},
                                 folder / "tg_bare"),
                "tg_bare_unpaced": Child(
                    "tg_bare_unpaced", ["-m", "tests.bench.bare_bots", "telegram"],
                    _tg_env(tg_fakes[2]), folder / "tg_bare_unpaced"),
                "dc_bot": Child("dc_bot", ["-m", "bot", "run"], {
                    **bot_env, **_dc_env(dc_fakes[0]), "WORKER_CONCURRENCY": "0",
                    "DATABASE_URL": f"sqlite:///{folder / 'dc' / 'bot.db'}"}, folder / "dc"),
                # The fleet's worker for the Discord bot's jobs (not measured): it claims
                # each job, the demo provider refuses it at once (no picture to make), it
                # refunds and tells the person; the chat process sees it taken and is done.
                "dc_worker": Child("dc_worker", ["-m", "bot", "worker"], {
                    **bot_env, **_dc_env(dc_fakes[0]), "DEMO_FAIL": "rejected",
                    "DATABASE_URL": f"sqlite:///{folder / 'dc' / 'bot.db'}"}, folder / "dc_w"),
                "dc_bare": Child("dc_bare", ["-m", "tests.bench.bare_bots", "discord"],
                                 _dc_env(dc_fakes[1]), folder / "dc_bare",
                                 stop_signal=signal.SIGINT),
            }  # fmt: skip
            sides: dict[str, TelegramSide | DiscordSide] = {
                "tg_bot": TelegramSide(tg_fakes[0], children["tg_bot"]),
                "tg_bare": TelegramSide(tg_fakes[1], children["tg_bare"]),
                "tg_bare_unpaced": TelegramSide(tg_fakes[2], children["tg_bare_unpaced"]),
                "dc_bot": DiscordSide(dc_fakes[0], children["dc_bot"]),
                "dc_bare": DiscordSide(dc_fakes[1], children["dc_bare"]),
            }
            for child in children.values():
                stack.push_async_callback(child.stop)
                await child.start()
            try:
                return await _measure(sides, sizes)
            except (TimeoutError, BenchFailedEarly) as exc:
                logs = "\n".join(f"--- {c.name}\n{c.tail()}" for c in children.values())
                raise BenchUnavailable(f"{exc}\n{logs}") from exc


async def _unpaused(burst: Coroutine[Any, Any, Burst]) -> Burst:
    """One burst with this process's collector off. The fakes live here and keep a record of
    every request, so this heap grows through the run, and an old-generation collection in
    the middle of a burst paused the fakes for up to a second: an ack stamped that much late
    (the bare bots' as often as the bot's). Collected before each burst instead."""
    gc.collect()
    gc.disable()
    try:
        return await burst
    finally:
        gc.enable()


async def _measure(sides: dict[str, Any], sizes: dict[str, int]) -> dict[str, Any]:
    for side in sides.values():
        await side.ready()
    for name, side in sides.items():  # warm-up: first imports, connections, caches
        await side.burst(sizes["warm"] if name.startswith("tg") else max(1, sizes["warm"] // 2))
    idle = {name: await _idle_rate(side.child) for name, side in sides.items()}
    bursts: dict[str, list[Burst]] = {name: [] for name in sides}
    for _ in range(sizes["rounds"]):
        for name, side in sides.items():
            size = sizes["tg_users"] if name.startswith("tg") else sizes["dc_members"]
            bursts[name].append(await _unpaused(side.burst(size)))
    crowd = sizes["dc_concurrent"]
    concurrent = {
        name: await _unpaused(sides[name].burst(crowd // 2)) for name in ("dc_bot", "dc_bare")
    }
    out: dict[str, Any] = {}
    for platform in ("tg", "dc"):
        bot, bare = bursts[f"{platform}_bot"], bursts[f"{platform}_bare"]
        bot_ms = statistics.median(b.cpu_ms_per_reply for b in bot)
        bare_ms = statistics.median(b.cpu_ms_per_reply for b in bare)
        out.update({
            f"{platform}_bot_cpu_ms_per_reply": round(bot_ms, 3),
            f"{platform}_bare_cpu_ms_per_reply": round(bare_ms, 3),
            f"{platform}_cpu_vs_bare": round(bare_ms / bot_ms, 3),
            f"{platform}_cpu_vs_bare_rounds": [
                round(b.cpu_ms_per_reply / a.cpu_ms_per_reply, 3) for a, b in zip(bot, bare, strict=True)
            ],
            f"{platform}_bot_replies_per_s": round(
                statistics.median(b.replies / b.seconds for b in bot), 1),
            f"{platform}_bare_replies_per_s": round(
                statistics.median(b.replies / b.seconds for b in bare), 1),
            f"{platform}_bot_idle_cpu_ms_per_s": round(idle[f"{platform}_bot"], 1),
            f"{platform}_bare_idle_cpu_ms_per_s": round(idle[f"{platform}_bare"], 1),
        })  # fmt: skip
    unpaced = bursts["tg_bare_unpaced"]
    out["tg_bare_unpaced_cpu_ms_per_reply"] = round(
        statistics.median(b.cpu_ms_per_reply for b in unpaced), 3)
    out["tg_bare_unpaced_replies_per_s"] = round(
        statistics.median(b.replies / b.seconds for b in unpaced), 1)
    acks = [a for b in bursts["dc_bot"] for a in b.acks]
    bare_acks = [a for b in bursts["dc_bare"] for a in b.acks]
    crowd_acks = concurrent["dc_bot"].acks
    out.update({
        "dc_ack_ms_p50": _ms(acks, 0.5), "dc_ack_ms_p99": _ms(acks, 0.99),
        "dc_ack_ms_max": _ms(acks, 1.0),
        "dc_bare_ack_ms_p99": _ms(bare_acks, 0.99),
        "dc_ack_500_ms_p50": _ms(crowd_acks, 0.5), "dc_ack_500_ms_p99": _ms(crowd_acks, 0.99),
        "dc_ack_500_ms_max": _ms(crowd_acks, 1.0),
        "dc_bare_ack_500_ms_p99": _ms(concurrent["dc_bare"].acks, 0.99),
        "dc_late_acks": sum(a > ACK_DEADLINE for a in acks + crowd_acks),
        "dc_concurrent_interactions": len(crowd_acks),
        "tg_users": sizes["tg_users"],
        "dc_members": sizes["dc_members"],
        "dc_interactions_per_burst": sizes["dc_members"] * len(DiscordSide.COMMANDS),
        "rounds": sizes["rounds"],
        "cpu_source": "/proc/<pid>/task/*/schedstat run time of each process",
    })  # fmt: skip
    return out
