"""What an operator watches: `/healthz`, `/metrics` (Prometheus) and the webhook server.

* :class:`Metrics`: the bot's counters and histograms, in a registry of their own (one per
  application, so tests can build many in one process);
* :class:`MeteredRequest`: PTB's HTTPXRequest that times every Bot API call and counts the
  error codes Telegram answers;
* :class:`SweepWatch`: when the reminder sweep last finished, for `/healthz` and the
  sweep-lag gauge;
* :class:`OpsServer`: one small aiohttp server for `/healthz` and `/metrics`, and in
  webhook mode for Telegram's POSTs too (PTB's own webhook server takes no extra routes).

Nothing here logs or serves update contents, the bot token or the database URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, TypeHandler
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import OPS_PATHS
from bot.context import BotApplication, BotContext, Deps, deps_of
from bot.services.histories import MAX_RUNNERS, HistoryCache
from bot.services.reminders import SweepResult

log = logging.getLogger(__name__)

OPS_KEY = "ops"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
HEALTH_PATH, METRICS_PATH = OPS_PATHS
HEALTH_DB_TIMEOUT_SECONDS = 3.0
# The sweep is stale (503) when it last finished more than this many intervals ago, and
# never sooner than STALE_FLOOR_SECONDS (a busy event loop may delay a 1-second job).
STALE_INTERVALS = 5
STALE_FLOOR_SECONDS = 60.0
# A sweep still running counts as fresh for this long: a burst of 10,000 reminders at
# 25 a second takes under 7 minutes. Beyond it the sweep is taken for hung.
SWEEP_HUNG_SECONDS = 15 * 60.0
# What the sweep records per claimed item (SweepResult's fields, Answer's names).
REMINDER_OUTCOMES = ("sent", "missed", "blocked", "failed", "retry")


class Metrics:
    """The bot's metrics, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        prefix = "mobility_bot"
        self.updates = Counter(
            f"{prefix}_updates",
            "Updates received, by kind (message, callback_query, ...)",
            ["kind"],
            registry=registry,
        )
        self.handler_errors = Counter(
            f"{prefix}_handler_errors",
            "Errors raised by a handler (source=update) or a job (source=job)",
            ["source"],
            registry=registry,
        )
        self.reminders = Counter(
            f"{prefix}_reminders",
            "Reminders and morning questions the sweep claimed, by outcome: sent, missed "
            "(too late after downtime, not sent), blocked, failed, retry (left for the next "
            "sweep)",
            ["outcome"],
            registry=registry,
        )
        self.sweep_duration = Histogram(
            f"{prefix}_sweep_duration_seconds",
            "How long one reminder sweep took",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=registry,
        )
        self.sweep_lag = Gauge(
            f"{prefix}_sweep_lag_seconds",
            "Seconds since the reminder sweep last finished (0 while one runs; -1: sweep off)",
            registry=registry,
        )
        self.telegram_seconds = Histogram(
            f"{prefix}_telegram_request_duration_seconds",
            "Bot API calls answered, by method (getUpdates' long polls aside)",
            ["method"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.telegram_errors = Counter(
            f"{prefix}_telegram_errors",
            "Bot API calls that failed, by method and code (Telegram's error code, or "
            "network / timeout)",
            ["method", "code"],
            registry=registry,
        )
        for outcome in REMINDER_OUTCOMES:
            self.reminders.labels(outcome)
        for source in ("update", "job"):
            self.handler_errors.labels(source)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Counter | Histogram, *values: str) -> Any:
        """`metric.labels(*values)`, looked up once: the lookup costs more than the count or
        the observation itself, on the path of every update and Bot API call. The values
        are a closed set (update kinds, Bot API methods, status codes)."""
        key = (id(metric), values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found

    def count_sweep(self, result: SweepResult, seconds: float) -> None:
        self.sweep_duration.observe(seconds)
        counts = (result.sent, result.missed, result.blocked, result.failed, result.retry_later)
        for outcome, count in zip(REMINDER_OUTCOMES, counts, strict=True):
            if count:
                self.reminders.labels(outcome).inc(count)

    def watch_histories(self, cache: HistoryCache) -> None:
        """The check-ins' history cache (bot/services/histories.py), read at each scrape:
        how often a check-in found the runner's history in memory, and for how many."""
        self.registry.register(_HistoryCacheCollector(cache))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _HistoryCacheCollector(Collector):
    def __init__(self, cache: HistoryCache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[Metric]:
        cache, prefix = self._cache, "mobility_bot_history_cache"
        yield CounterMetricFamily(
            f"{prefix}_hits",
            "Check-ins and daily jobs that found the runner's history in this process's "
            "memory at the version the database holds",
            value=cache.hits,
        )
        yield CounterMetricFamily(
            f"{prefix}_misses",
            "Check-ins and daily jobs that could have used it but read the runner's history "
            "from the database (not held, or held at another version)",
            value=cache.misses,
        )
        yield GaugeMetricFamily(
            f"{prefix}_runners",
            f"Runners whose history this process holds (at most {MAX_RUNNERS})",
            value=len(cache),
        )


def api_method(url: str) -> str:
    """The Bot API method a request URL calls (never the URL itself: it holds the token)."""
    if "/file/bot" in url:
        return "file"
    method = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return method if method.isalpha() and len(method) <= 40 else "other"


class MeteredRequest(HTTPXRequest):
    """HTTPXRequest that times each Bot API call and counts its error codes."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = api_method(url)
        started = time.perf_counter()
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except TimedOut:
            self._metrics.telegram_errors.labels(name, "timeout").inc()
            raise
        except NetworkError:
            self._metrics.telegram_errors.labels(name, "network").inc()
            raise
        if name != "getUpdates":
            seconds = time.perf_counter() - started
            self._metrics.child(self._metrics.telegram_seconds, name).observe(seconds)
        if code >= HTTPStatus.BAD_REQUEST:
            self._metrics.telegram_errors.labels(name, str(code)).inc()
        return code, payload


@dataclass
class SweepWatch:
    """When the reminder sweep last finished (on the bot's clock), and whether one runs.
    The start-up counts as a finished sweep."""

    clock: Clock
    interval_seconds: int  # 0: the sweep is off in this process
    last_finished: datetime = field(init=False)
    running_since: float | None = field(default=None, init=False)  # monotonic

    def __post_init__(self) -> None:
        self.last_finished = self.clock.now()

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Around one sweep; only a sweep that finishes without an error counts (one that
        fails every time, e.g. on a broken database, turns stale)."""
        self.running_since = time.monotonic()
        try:
            yield
        finally:
            self.running_since = None
        self.last_finished = self.clock.now()

    @property
    def stale_after_seconds(self) -> float:
        return max(STALE_INTERVALS * self.interval_seconds, STALE_FLOOR_SECONDS)

    def age_seconds(self) -> float:
        """Seconds the sweep is behind: since it last finished, 0 while one runs (until it
        has run SWEEP_HUNG_SECONDS), -1 when the sweep is off."""
        if not self.interval_seconds:
            return -1.0
        if self.running_since is not None:
            running = time.monotonic() - self.running_since
            return running if running > SWEEP_HUNG_SECONDS else 0.0
        return max(0.0, (self.clock.now() - self.last_finished).total_seconds())

    def describe(self) -> dict[str, Any]:
        if not self.interval_seconds:
            return {"state": "off"}
        age = self.age_seconds()
        return {
            "state": "stale" if age > self.stale_after_seconds else "ok",
            "running": self.running_since is not None,
            "age_seconds": round(age, 3),
            "interval_seconds": self.interval_seconds,
            "stale_after_seconds": self.stale_after_seconds,
        }


class Ops:
    """Metrics and the sweep's watch of one application (in its bot_data[OPS_KEY])."""

    def __init__(self, clock: Clock, sweep_interval_seconds: int) -> None:
        self.metrics = Metrics()
        self.sweep = SweepWatch(clock, sweep_interval_seconds)
        self.started = time.monotonic()
        self.metrics.sweep_lag.set_function(self.sweep.age_seconds)
        self.server: OpsServer | None = None  # the polling mode's METRICS_PORT server

    def install(self, app: BotApplication) -> None:
        """Count updates by kind (a handler in group -1, before every other handler) and
        errors of handlers and jobs (an error handler next to the bot's own); report the
        history cache of the application's Deps."""
        self.metrics.watch_histories(deps_of(app).histories)
        app.add_handler(TypeHandler(Update, self._count_update), group=-1)
        app.add_error_handler(self._count_error)

    async def _count_update(self, update: Update, context: BotContext) -> None:
        self.metrics.child(self.metrics.updates, update_kind(update)).inc()

    async def _count_error(self, update: object, context: BotContext) -> None:
        self.metrics.handler_errors.labels("job" if update is None else "update").inc()

    async def health(self, app: BotApplication) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body): 200 when the database answers and the sweep is not
        stale, else 503."""
        database = await _ping_database(deps_of(app))
        sweep = self.sweep.describe()
        healthy = database == "ok" and sweep["state"] != "stale"
        body = {
            "status": "ok" if healthy else "unhealthy",
            "uptime_seconds": round(time.monotonic() - self.started, 3),
            "database": database,
            "sweep": sweep,
        }
        return (HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE), body


def ops_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Ops:
    ops = app.bot_data[OPS_KEY]
    assert isinstance(ops, Ops)
    return ops


def update_kind(update: Update) -> str:
    """The update's kind: the name of its one filled field (message, callback_query, ...)."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


async def _ping_database(deps: Deps) -> str:
    """ "ok", or why not (the error's class only: its message may carry the URL)."""
    if deps.db is None:
        return "not open"
    try:
        async with asyncio.timeout(HEALTH_DB_TIMEOUT_SECONDS):
            async with deps.db.read() as session:
                await session.execute(text("SELECT 1"))
    except TimeoutError:
        return f"no answer within {HEALTH_DB_TIMEOUT_SECONDS:g} s"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"


@dataclass(frozen=True)
class WebhookRoute:
    path: str  # the local path Telegram's POSTs arrive at, e.g. "/hook"
    secret: str  # expected in X-Telegram-Bot-Api-Secret-Token


class OpsServer:
    """`/healthz` and `/metrics`, and in webhook mode the webhook itself, on one port."""

    def __init__(
        self, app: BotApplication, host: str, port: int, *, webhook: WebhookRoute | None = None
    ) -> None:
        self.app, self.host, self.requested_port, self.webhook = app, host, port, webhook
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        web_app = web.Application()
        web_app.router.add_get(HEALTH_PATH, self._health)
        web_app.router.add_get(METRICS_PATH, self._metrics)
        if self.webhook is not None:
            web_app.router.add_post(self.webhook.path, self._update)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info(
            "event=ops_server_listening host=%s port=%s webhook=%s",
            self.host,
            self.port,
            self.webhook is not None,
        )

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _health(self, request: web.Request) -> web.Response:
        status, body = await ops_of(self.app).health(self.app)
        return web.json_response(body, status=status)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=ops_of(self.app).metrics.exposition(),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    async def _update(self, request: web.Request) -> web.Response:
        """Telegram's POST: the secret checked, the update put on the application's queue
        (what PTB's own webhook server does)."""
        assert self.webhook is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            return web.Response(status=HTTPStatus.FORBIDDEN)
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except Exception as exc:  # not JSON, or not an update: nothing to put on the queue
            log.warning("event=webhook_bad_request error=%s", type(exc).__name__)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        if update is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        self.app.bot.insert_callback_data(update)
        await self.app.update_queue.put(update)
        return web.Response()
