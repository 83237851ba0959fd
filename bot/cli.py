"""The `imagine-bot` command line: run, console, route, bench, providers, generate, report."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from adapters.storage.database import DatabaseUnavailable
from bot import heap
from bot.bootstrap import App, build_app, load_rules
from bot.log import setup_logging
from bot.settings import Settings

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imagine-bot", description="Multi-model /imagine bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every chat platform that has a token (else the console)")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--out", type=Path, default=Path("out"), help="where images are saved")
    route = sub.add_parser("route", help="print the intent/model/credits/reason for prompts")
    route.add_argument("prompt", nargs="?", help="a prompt; without it, one prompt per stdin line")
    bench = sub.add_parser("bench", help="measure the ledger and pipeline; prints JSON")
    bench.add_argument("--quick", action="store_true", help="smaller counts (for tests)")
    bench.add_argument(
        "--fleet", type=int, metavar="N",
        help="instead: N worker processes on DATABASE_URL against a local fake provider; "
        "jobs per second for 1..N workers",
    )  # fmt: skip
    bench.add_argument(
        "--platforms", action="store_true",
        help="instead: the bot's CPU per reply on Telegram and Discord against bare "
        "python-telegram-bot and discord.py bots, on local fake servers (needs a checkout)",
    )  # fmt: skip
    migrate = sub.add_parser("migrate", help="copy this SQLite bot into an empty PostgreSQL")
    migrate.add_argument("--to", required=True, metavar="postgresql://...")
    sub.add_parser("worker", help="work queued jobs and post their results (no chat intake)")
    sub.add_parser("providers", help="which providers have keys and which routes are live")
    report = sub.add_parser(
        "report", help="per day and model: images, credits, estimated vendor cost"
    )
    report.add_argument("--since", default="7d", help="7d, 2w or a date like 2026-11-01")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the rows as CSV")
    report.add_argument("--png", type=Path, metavar="FILE", help="also draw a chart")
    sub.add_parser("purchases", help="credits sold, refunds and their shortfalls; prints JSON")
    gen = sub.add_parser("generate", help="one generation through the routes, no credits")
    gen.add_argument("prompt")
    gen.add_argument("--model", required=True)
    gen.add_argument("--provider")
    gen.add_argument("--ar", default="1:1")
    gen.add_argument("--seed", type=int)
    gen.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:  # a typo in .env: say which setting, not a traceback
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            print(f"imagine-bot: {name}: {error['msg']}", file=sys.stderr)
        return 2
    # The console is a chat: keep INFO lines out of the conversation unless asked for.
    no_chat = settings.telegram_token is None and settings.discord_token is None
    quiet = (
        args.command in ("console", "route", "bench", "report") or (args.command == "run" and no_chat)
    ) and settings.log_level.upper() == "INFO"
    setup_logging(
        "WARNING" if quiet else settings.log_level, settings.log_format, settings.secret_values()
    )
    try:
        return _command(args, settings)
    except DatabaseUnavailable as exc:  # wrong or unreachable: one line, not a traceback
        print(f"imagine-bot: DATABASE_URL: {exc}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "route":
        return route_command(settings, args.prompt)
    if args.command == "bench":
        from bot.bench import BenchFailed, run_bench

        if args.fleet is not None and args.fleet < 1:
            print("bench: --fleet needs at least 1 worker", file=sys.stderr)
            return 2
        try:
            if args.platforms:
                from bot.bench_platforms import BenchUnavailable, run_platforms

                try:
                    result = {**asyncio.run(run_platforms(args.quick)), "quick": args.quick}
                except BenchUnavailable as exc:
                    print(f"bench: {exc}", file=sys.stderr)
                    return 2
            elif args.fleet is not None:
                from bot.bench_fleet import run_fleet

                result = asyncio.run(run_fleet(args.fleet, args.quick, settings.database_url))
            else:
                result = asyncio.run(run_bench(args.quick, settings.database_url))
        except BenchFailed as exc:
            print(f"bench: check failed: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(result, indent=2))
        return 0
    if args.command == "migrate":
        return asyncio.run(migrate_command(settings, args.to))
    if args.command == "providers":
        from bot.operator_cli import providers_command

        return asyncio.run(providers_command(settings))
    if args.command == "report":
        from bot.operator_cli import report_command

        return asyncio.run(report_command(settings, args))
    if args.command == "purchases":
        return asyncio.run(purchases_command(settings))
    if args.command == "generate":
        from bot.operator_cli import generate_command

        return asyncio.run(generate_command(settings, args))
    if args.command == "worker":
        platforms = _platforms(settings) - {"console"}
        if not platforms:
            print("imagine-bot worker posts results to chat: set TELEGRAM_TOKEN and/or "
                  "DISCORD_TOKEN (the same tokens as the run processes).", file=sys.stderr)
            return 2
        return asyncio.run(_with_app(settings, platforms, _run_worker))
    if args.command == "console":
        return asyncio.run(
            _with_app(settings, {"console"}, lambda app, stop: _console(app, args.out))
        )
    return asyncio.run(_with_app(settings, _platforms(settings), _run_platforms))


async def purchases_command(settings: Settings) -> int:
    app = await build_app(settings, platforms=set())
    try:
        print(json.dumps(await app.store.report(), indent=2))
    finally:
        await app.close()
    return 0


def _platforms(settings: Settings) -> set[str]:
    """The chat platforms this process serves (the console when no token is set)."""
    names = {"telegram"} if settings.telegram_token is not None else set()
    if settings.discord_token is not None:
        names.add("discord")
    return names or {"console"}


async def migrate_command(settings: Settings, target_url: str) -> int:
    from adapters.storage.copy import CopyRefused, copy_database
    from adapters.storage.database import engine_of, open_database

    try:
        if engine_of(settings.database_url) != "sqlite" or engine_of(target_url) != "postgresql":
            raise CopyRefused(
                "migrate copies the SQLite database in DATABASE_URL into the PostgreSQL "
                "database given with --to"
            )
    except ValueError as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2
    except CopyRefused as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2
    source = await open_database(settings.database_url)
    try:
        target = await open_database(target_url)
    except Exception as exc:  # noqa: BLE001 - a connection error the operator must read
        await source.close()
        print(f"migrate: cannot open the target database: {exc}", file=sys.stderr)
        return 2
    try:
        report = await copy_database(source, target)
    except CopyRefused as exc:
        print(f"migrate: refused: {exc}", file=sys.stderr)
        return 1
    finally:
        await source.close()
        await target.close()
    print(json.dumps(report.as_dict(), indent=2))
    return 0


def route_command(settings: Settings, prompt: str | None) -> int:
    from bot.domain.errors import RequestError
    from bot.domain.requests import parse_imagine
    from bot.services.planning import Planner

    catalog, intents = load_rules(settings)
    planner = Planner(catalog, intents)
    prompts = [prompt] if prompt is not None else (line.rstrip("\n") for line in sys.stdin)
    status = 0
    for text in prompts:
        try:
            plan = planner.plan(parse_imagine(text, catalog, intents))
            out = {
                "intent": plan.intent,
                "model": plan.model.id,
                "credits": plan.credits,
                "reason": plan.reason,
            }
        except RequestError as exc:
            out, status = {"error": exc.user_message}, 1
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return status


async def _with_app(settings: Settings, platforms: set[str], body) -> int:  # type: ignore[no-untyped-def]
    app = await build_app(settings, platforms)
    for platform in sorted(platforms - {"console"}):
        app.health.expect(platform)  # not ready until it connects
    try:
        monitoring = await _start_monitoring(app)
    except OSError as exc:
        await app.close()
        print(f"imagine-bot: cannot serve METRICS_LISTEN={settings.metrics_listen}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    # On a signal the surfaces stop taking requests and apply the core's shutdown policy
    # (bot/services/shutdown.py: a grace, then refunds or hand-offs to live peers).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not on the main thread / Windows
            pass
    try:
        # Only this process's platforms: the others may be live in another process.
        await app.recovery.reconcile(platforms=platforms)
        await app.giveaways.rearm(platforms)  # giveaways end on time across restarts
        app.runner.start()  # jobs queued before this start still run
        return await body(app, stop) or 0
    finally:
        if monitoring is not None:
            await monitoring.close()
        await app.close()


async def _start_monitoring(app: App):  # type: ignore[no-untyped-def]
    """/metrics, /healthz and /readyz on METRICS_LISTEN (None when it is not set)."""
    address = app.settings.metrics_address()
    if address is None:
        return None
    from adapters.monitoring.server import MonitoringServer
    from adapters.storage.database import ping
    from bot.services import metrics

    async def refresh() -> None:
        metrics.queue_depth(await app.jobs.queue_depth())
        metrics.jobs_running(len(app.runner.running))

    server = MonitoringServer(app.health, lambda: ping(app.db), refresh)
    await server.start(*address)
    return server


def _all_refused(app: App) -> int:
    """1, with one line saying why, when every chat platform refused its token."""
    if not app.health.all_refused():
        return 0
    refusals = " and ".join(app.health.refusals().values())
    print(f"imagine-bot: {refusals}; no chat platform is left to serve, stopping.",
          file=sys.stderr, flush=True)
    return 1


async def _console(app: App, out: Path) -> int:
    from adapters.console.chat import ConsoleChat

    chat = ConsoleChat(app, out)
    await chat.run()
    return 0


async def _run_worker(app: App, stop: asyncio.Event) -> int:
    """Claim jobs, post their results through the platforms' REST APIs; no chat intake."""
    settings = app.settings
    surfaces = []
    if settings.telegram_token is not None:
        from adapters.telegram.runner import run_telegram

        surfaces.append(run_telegram(app, stop, deliver_only=True))
    if settings.discord_token is not None:
        from adapters.discord.runner import run_discord

        surfaces.append(run_discord(app, stop, deliver_only=True))
    log.info("worker %s: %d job slots", app.runner.worker_id, settings.worker_concurrency)
    heap.settle()  # the app and the platform libraries live as long as the process
    await asyncio.gather(*surfaces)
    return _all_refused(app)


async def _run_platforms(app: App, stop: asyncio.Event) -> int:
    settings = app.settings
    runners = []
    if settings.telegram_token is not None:
        from adapters.telegram.runner import run_telegram

        runners.append(run_telegram(app, stop))
    if settings.discord_token is not None:
        from adapters.discord.runner import run_discord

        runners.append(run_discord(app, stop))
    if app.router.demo_mode and runners:
        log.warning("no provider keys set: every model runs on the offline DEMO renderer")
    heap.settle()  # the app and the platform libraries live as long as the process
    if not runners:
        # A newcomer's first run: plain sentences, not log lines.
        print(
            "No chat tokens set (TELEGRAM_TOKEN, DISCORD_TOKEN): opening the console chat.",
            flush=True,
        )
        if app.router.demo_mode:
            print("No provider keys set: every model runs on the offline demo renderer.",
                  flush=True)
        return await _console(app, Path("out"))
    await asyncio.gather(*runners)
    return _all_refused(app)
