"""Start and stop the Telegram bot inside the shared event loop (Discord may run beside it).

PTB is driven by hand (initialize -> start -> updater.start_polling, or updater.start_webhook
when TELEGRAM_WEBHOOK_URL is set (see webhook.py) ... updater.stop -> stop -> shutdown)
because `run_polling`/`run_webhook` want to own the loop and the signals. The token (and the
webhook secret) never reach the log: httpx is at WARNING (bot/log.py) and the root handler's
redactor (bot/log.py, set up in main with every configured secret) replaces them in every line.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.warnings import PTBDeprecationWarning

from bot.services.commands import Commands
from bot.services.community_text import CommunityText
from bot.services.health import Health
from bot.services.retrying import until_stopped
from bot.services.surface import SurfaceApp as App

from .commands import descriptions, menu, menus
from .community import CommunityHandlers
from .fleet_limits import FleetRateLimiter
from .flow import Runs
from .giveaway_view import GiveawayMessages
from .handlers import PLATFORM, TelegramHandlers
from .members import AdminCache, Members
from .observed import ObservedRequest
from .payments import TelegramPayments
from .webhook import WebhookConfig, WebhookConfigError, webhook_config

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates long poll is held open
RETRY_START = (1.0, 2.0, 5.0, 10.0, 30.0)
ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]

PTBApp = Application[Any, Any, Any, Any, Any, Any]


def _quiet_ptb_warnings() -> None:
    # The token and the webhook secret are redacted from every line by the root handler's
    # redactor (bot/log.py: by value and by shape), so no filter of our own here.
    # PTB warns on every RetryAfter.retry_after read until PTB_TIMEDELTA is the default.
    warnings.filterwarnings("ignore", category=PTBDeprecationWarning, message=".*retry_after.*")


def build_application(app: App) -> PTBApp:
    settings = app.settings
    assert settings.telegram_token is not None
    return (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(FleetRateLimiter(app.fleet, AIORateLimiter(max_retries=3)))
        .concurrent_updates(True)
        # PTB's own request class and pool sizes, with metrics and health around each call.
        .request(ObservedRequest(app.health, connection_pool_size=256, media_write_timeout=60))
        .get_updates_request(ObservedRequest(app.health, polling=True, connection_pool_size=1))
        .build()
    )


async def _receive(application: PTBApp, webhook: WebhookConfig | None) -> None:
    """Start receiving updates: long polling, or the webhook server (which calls setWebhook;
    every replica sets the same URL and secret, which is idempotent)."""
    updater = application.updater
    assert updater is not None
    if webhook is None:
        await updater.start_polling(
            timeout=POLL_TIMEOUT,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=lambda exc: log.warning("Telegram polling error: %s", exc),
        )
    else:
        await updater.start_webhook(**webhook.start_kwargs(ALLOWED_UPDATES))


async def _localise(application: PTBApp, commands: Commands) -> None:
    """The menu and the empty-chat description in every supported language (Telegram
    shows each person the one of their app's language, the default otherwise)."""
    bot = application.bot
    for code, menu_lines in menus(commands).items():
        if code:
            await bot.set_my_commands(menu_lines, language_code=code)
    for code, text in descriptions().items():
        await bot.set_my_description(text, language_code=code or None)


async def _start(
    application: PTBApp, stop: asyncio.Event, webhook: WebhookConfig | None = None,
    commands: Sequence[BotCommand] = (), health: Health | None = None,
    localised: Commands | None = None,
) -> bool:
    """Connect (retrying while Telegram is unreachable). False if stopped or refused (a
    refused token is reported to `health`)."""
    health = health or Health()

    async def once() -> bool:
        try:
            await application.initialize()  # getMe
            try:
                await application.bot.set_my_commands(commands)
                if localised:
                    await _localise(application, localised)
            except TelegramError as exc:
                log.warning("could not register the Telegram command list: %s", exc)
            if not application.running:
                await application.start()
            await _receive(application, webhook)
            return True
        except InvalidToken:
            log.error("Telegram rejected the token (or TELEGRAM_BASE_URL is wrong); "
                      "the Telegram bot is not running")
            health.refused(PLATFORM, "Telegram refused TELEGRAM_TOKEN")
            return False
        except BadRequest as exc:  # before NetworkError, its base class: retrying won't help
            what = "the webhook (TELEGRAM_WEBHOOK_URL)" if webhook else "the start-up"
            log.error("Telegram refused %s: %s; the Telegram bot is not running", what, exc)
            return False
        except OSError as exc:  # the webhook server could not bind its address
            if webhook is None:
                raise
            log.error("cannot serve the Telegram webhook on %s:%d (%s); the Telegram bot is "
                      "not running", webhook.listen, webhook.port, exc.strerror or exc)
            return False

    started = await until_stopped(once, stop, RETRY_START, (NetworkError,), log,
                                  "Telegram is unreachable")
    return bool(started)


async def _shutdown(application: PTBApp, app: App) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        # Polling: the last getUpdates confirms what was processed. Webhook: the server stops
        # taking requests; the webhook stays set, since other replicas may still serve it.
        await updater.stop()
    # The core's policy: work in flight gets the grace to finish and be posted, then is
    # refunded (or handed to live peers); the people are told through their status.
    await app.shutdown.drain()
    if application.running:
        await application.stop()
    await application.shutdown()


async def _connect_only(application: PTBApp, stop: asyncio.Event, health: Health) -> bool:
    """A worker: the Bot API for posting results, no updates (no polling, no webhook)."""

    async def once() -> bool:
        try:
            await application.initialize()  # getMe
            return True
        except InvalidToken:
            log.error("Telegram rejected the token; this worker cannot post Telegram results")
            health.refused(PLATFORM, "Telegram refused TELEGRAM_TOKEN")
            return False

    connected = await until_stopped(once, stop, RETRY_START, (NetworkError,), log,
                                    "Telegram is unreachable")
    return bool(connected)


async def run_telegram(app: App, stop: asyncio.Event, deliver_only: bool = False) -> None:
    """Serve Telegram until `stop`. `deliver_only` (an `imagine-bot worker`): take no
    updates, only post the results of jobs this process finished, and giveaway ends."""
    settings = app.settings
    if settings.telegram_token is None:
        return
    _quiet_ptb_warnings()
    try:
        webhook = None if deliver_only else webhook_config(settings)
    except WebhookConfigError as exc:
        log.error("Telegram webhook mode is misconfigured: %s; the Telegram bot is not running",
                  exc)
        return
    application = build_application(app)
    runs = Runs(app.service, application.bot)
    handlers = TelegramHandlers(app.service, runs, demo_mode=app.router.demo_mode,
                                languages=app.languages)
    view = GiveawayMessages(app.giveaways, application.bot, runs.ready)
    members = Members(app.community, AdminCache(application.bot))
    community = CommunityHandlers(CommunityText(app.commands), members, view, handlers.guard)
    payments = TelegramPayments(app.store, application.bot, handlers.guard)
    if not deliver_only:
        handlers.install(application, community, payments)
    # Registered before the first await: giveaways that ended while the bot was down are
    # finished by their timers right after start-up, and announce once the bot is connected.
    app.giveaways.register_announcer(PLATFORM, view.announce)
    try:
        if deliver_only:
            if not await _connect_only(application, stop, app.health):
                return
        elif not await _start(application, stop, webhook,
                              menu(app.commands), app.health, app.commands):
            return
        runs.ready.set()
        app.health.up(PLATFORM)
        # Only now does this process claim Telegram jobs (results held meanwhile follow).
        app.recovery.register_delivery(PLATFORM, runs.deliver)
        mode = ("results only (worker)" if deliver_only else
                f"webhook on {webhook.describe()}" if webhook else "long polling")
        log.info("Telegram bot @%s is running (%s)", application.bot.username, mode)
        reconciling = None if deliver_only else asyncio.create_task(
            payments.reconcile_every(settings.payments_reconcile_seconds, stop),
            name="telegram-payments")
        await stop.wait()
        if reconciling is not None:
            await asyncio.gather(reconciling, return_exceptions=True)
        log.info("Telegram bot stopping")
    finally:
        try:
            await _shutdown(application, app)
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.warning("Telegram shutdown was not clean", exc_info=True)
