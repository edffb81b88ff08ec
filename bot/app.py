"""Build the application: one place for handlers, lifecycle and long-lived clients."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

from bot import handlers, timer_tick
from bot.clock import Clock, SystemClock
from bot.concurrency import PerChatUpdateProcessor
from bot.config import Settings
from bot.content import Content
from bot.context import DEPS_KEY, BotApplication, BotContext, Deps, deps_of
from bot.db.engine import Database
from bot.ops import OPS_KEY, MeteredRequest, Ops, OpsServer, WebhookRoute, ops_of
from bot.sender import SweepConfig, sweep

log = logging.getLogger(__name__)

# What PTB's ApplicationBuilder gives its own requests: many connections for the bot's calls,
# one for getUpdates.
CONNECTIONS = 256


class StartError(Exception):
    """The bot cannot start as configured; the message is one line naming the setting."""


async def post_init(app: BotApplication) -> None:
    """Open the database and register the command menu."""
    deps = deps_of(app)
    deps.db = Database(deps.settings.database_url)
    # The menu in English for everyone, and in each other language for the runners whose
    # Telegram is set to it (Telegram takes two-letter codes: a regional catalogue's menu
    # goes to its language). A runner who chooses a language in /settings gets a menu of
    # their chat's own (handlers/show.py, chat_menu).
    for language, content in deps.content.languages.items() or [("en", deps.content)]:
        await app.bot.set_my_commands(
            [BotCommand(c.command, c.description) for c in content.commands],
            language_code=None if content is deps.content else language[:2].lower(),
        )
    interval = deps.settings.sweep_interval_seconds
    if interval and app.job_queue is not None:
        app.job_queue.run_repeating(sweep_job, interval=interval, first=1, name="sweep")
    tick = deps.settings.timer_tick_seconds
    if tick and app.job_queue is not None:
        app.job_queue.run_repeating(timer_job, interval=tick, first=tick, name="timers")
    settings = deps.settings
    if settings.webhook_url is None and settings.metrics_port is not None:
        ops = ops_of(app)
        ops.server = OpsServer(app, settings.metrics_listen, settings.metrics_port)
        await ops.server.start()
    # What is loaded now (the libraries, content/) lives as long as the process: moved out
    # of the cyclic collector's sight, its full collections no longer pause the event loop
    # to walk it (bench/db.py: the steady check-ins' p99 halves).
    gc.collect()
    gc.freeze()
    me = app.bot.bot
    log.info("event=ready bot_username=%s database=%s", me.username, deps.db.dialect)


def sweep_config(settings: Settings) -> SweepConfig:
    return SweepConfig(
        grace=timedelta(minutes=settings.reminder_grace_minutes),
        send_rate_per_second=settings.send_rate_per_second,
    )


async def sweep_job(context: BotContext) -> None:
    """The reminder sweep, every SWEEP_INTERVAL_SECONDS (one job for all runners)."""
    ops = ops_of(context.application)
    started = time.perf_counter()
    with ops.sweep.running():
        result = await sweep(
            context.bot,
            context.env,
            now=context.clock.now(),
            config=sweep_config(context.deps.settings),
        )
    ops.metrics.count_sweep(result, time.perf_counter() - started)


async def timer_job(context: BotContext) -> None:
    """Hold timers that have ended, every TIMER_TICK_SECONDS (one job for all runners)."""
    await timer_tick.tick(context.bot, context.env, now=context.clock.now())


async def post_shutdown(app: BotApplication) -> None:
    """Close what post_init opened."""
    ops = ops_of(app)
    if ops.server is not None:
        await ops.server.stop()
        ops.server = None
    deps = deps_of(app)
    if deps.db is not None:
        await deps.db.dispose()
        deps.db = None
    log.info("event=stopped")


def build_application(
    settings: Settings, content: Content, *, clock: Clock | None = None
) -> BotApplication:
    """The bot as `python -m bot` runs it; tests build it with the same call."""
    api = settings.telegram_api_url
    clock = clock or SystemClock()
    ops = Ops(clock, settings.sweep_interval_seconds)
    app = cast(
        BotApplication,
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        # PTB's own HTTPXRequest with the same pools, timed and counted for /metrics.
        .request(MeteredRequest(ops.metrics, connection_pool_size=CONNECTIONS))
        .get_updates_request(MeteredRequest(ops.metrics, connection_pool_size=1))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor())
        # Retries after a 429 for the time Telegram asks. No overall cap here: replies to a
        # runner mid-session must not queue behind a reminder burst; the sweep paces itself.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build(),
    )
    app.bot_data[DEPS_KEY] = Deps(settings=settings, content=content, clock=clock)
    app.bot_data[OPS_KEY] = ops
    handlers.register(app)
    ops.install(app)
    return app


def run(app: BotApplication, settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: long polling (PTB's run_polling, which installs the signal
    handlers), or, when WEBHOOK_URL is set, our webhook server (see `webhook`). Raises
    StartError when Telegram refuses the webhook."""
    if settings.webhook_url is None:
        app.run_polling(timeout=settings.polling_timeout, allowed_updates=Update.ALL_TYPES)
        return
    asyncio.run(_serve_webhook(app, settings))


async def _serve_webhook(app: BotApplication, settings: Settings) -> None:
    """What run_webhook does, with our server: until SIGINT, SIGTERM or SIGABRT."""
    with stop_signals(signal.SIGINT, signal.SIGTERM, signal.SIGABRT) as stop:
        async with webhook(app, settings):
            await stop.wait()
            log.info("event=stopping")


@contextmanager
def stop_signals(*signals: signal.Signals) -> Iterator[asyncio.Event]:
    """An event set when one of `signals` arrives, from now until the block ends (then the
    handlers are removed). Also when the process was started with the signal ignored, as a
    shell's background job starts with SIGINT: stopping is then still a signal away, and
    the block still ends as usual (the database closed, temporary files removed). Where
    the event loop cannot handle signals (Windows), nothing is installed and Ctrl-C
    raises KeyboardInterrupt as before."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    try:
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    except NotImplementedError:  # Windows' loops: Ctrl-C stays a KeyboardInterrupt
        pass
    try:
        yield stop
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


@asynccontextmanager
async def polling(app: BotApplication, settings: Settings) -> AsyncIterator[BotApplication]:
    """The same lifecycle as run_polling, inside an already running event loop (tests,
    benchmarks): initialize, post_init, poll, start; then stop and shut down in reverse."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=settings.polling_timeout, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


@asynccontextmanager
async def webhook(app: BotApplication, settings: Settings) -> AsyncIterator[OpsServer]:
    """Webhook mode, the lifecycle of PTB's run_webhook with our own server (PTB's serves no
    other routes): initialize, post_init; listen on WEBHOOK_LISTEN:WEBHOOK_PORT for
    Telegram's POSTs, /healthz and /metrics; setWebhook (the secret, every update type);
    start. Then stop the server, stop, post_stop, shut down, post_shutdown. Like
    run_webhook, the webhook stays set at Telegram when the process stops."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    route = WebhookRoute(path=urlsplit(settings.webhook_url).path or "/", secret=secret)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        # Listening before setWebhook: Telegram may post right after it answers, and a busy
        # port stops the start before Telegram is told anything.
        server = OpsServer(app, settings.webhook_listen, settings.webhook_port, webhook=route)
        await server.start()
        try:
            try:
                await app.bot.set_webhook(
                    url=settings.webhook_url,
                    secret_token=secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            except BadRequest as exc:
                raise StartError(
                    f"WEBHOOK_URL was refused by Telegram's setWebhook: {exc.message}"
                ) from None
            await app.start()
            yield server
        finally:
            await server.stop()  # no new updates, then the application stops
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
