"""Build the application: one place for handlers, lifecycle and long-lived clients."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import cast
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

from bot import handlers
from bot.clock import Clock, SystemClock
from bot.concurrency import PerChatUpdateProcessor
from bot.config import Settings
from bot.content import Content
from bot.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.db.engine import Database
from bot.sender import SweepConfig, sweep

log = logging.getLogger(__name__)


async def post_init(app: BotApplication) -> None:
    """Open the database and register the command menu."""
    deps: Deps = app.bot_data[DEPS_KEY]
    deps.db = Database(deps.settings.database_url)
    await app.bot.set_my_commands(
        [BotCommand(c.command, c.description) for c in deps.content.commands]
    )
    interval = deps.settings.sweep_interval_seconds
    if interval and app.job_queue is not None:
        app.job_queue.run_repeating(sweep_job, interval=interval, first=1, name="sweep")
    me = app.bot.bot
    log.info("event=ready bot_username=%s database=%s", me.username, deps.db.dialect)


def sweep_config(settings: Settings) -> SweepConfig:
    return SweepConfig(
        grace=timedelta(minutes=settings.reminder_grace_minutes),
        send_rate_per_second=settings.send_rate_per_second,
    )


async def sweep_job(context: BotContext) -> None:
    """The reminder sweep, every SWEEP_INTERVAL_SECONDS (one job for all runners)."""
    await sweep(
        context.bot,
        context.env,
        now=context.clock.now(),
        config=sweep_config(context.deps.settings),
    )


async def post_shutdown(app: BotApplication) -> None:
    """Close what post_init opened."""
    deps: Deps = app.bot_data[DEPS_KEY]
    if deps.db is not None:
        await deps.db.dispose()
        deps.db = None
    log.info("event=stopped")


def build_application(
    settings: Settings, content: Content, *, clock: Clock | None = None
) -> BotApplication:
    """The bot as `python -m bot` runs it; tests build it with the same call."""
    api = settings.telegram_api_url
    app = cast(
        BotApplication,
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor())
        # Retries after a 429 for the time Telegram asks. No overall cap here: replies to a
        # runner mid-session must not queue behind a reminder burst; the sweep paces itself.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build(),
    )
    app.bot_data[DEPS_KEY] = Deps(settings=settings, content=content, clock=clock or SystemClock())
    handlers.register(app)
    return app


def run(app: BotApplication, settings: Settings) -> None:
    """Run until SIGINT/SIGTERM (PTB installs the signal handlers): long polling, or a
    webhook server when WEBHOOK_URL is set. PTB's webhook server answers 403 to a request
    without the right X-Telegram-Bot-Api-Secret-Token."""
    if settings.webhook_url is None:
        app.run_polling(timeout=settings.polling_timeout, allowed_updates=Update.ALL_TYPES)
        return
    assert settings.webhook_secret is not None  # enforced by Settings
    app.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )


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
