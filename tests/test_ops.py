"""What an operator sees: /healthz and /metrics on the webhook's port (webhook mode) or on
METRICS_PORT (polling mode), the webhook itself, and the counters moving as the bot works."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.app import StartError, build_application, polling, webhook
from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content
from bot.context import BotApplication, deps_of
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.devtools.standin import BotApiStandIn
from bot.ops import SweepWatch, api_method, ops_of
from tests.utils.app import TEST_TOKEN
from tests.utils.factories import make_runner

ROOT = Path(__file__).resolve().parent.parent
SETTING_PREFIXES = ("TELEGRAM_", "DATABASE_", "WEBHOOK_", "METRICS_", "ADMIN_", "SWEEP_")
SECRET = "a-webhook-secret-0123456789"
HOOK = "https://bot.example.org/telegram/hook"
FAMILIES = {
    "mobility_bot_updates": "counter",
    "mobility_bot_handler_errors": "counter",
    "mobility_bot_reminders": "counter",
    "mobility_bot_sweep_duration_seconds": "histogram",
    "mobility_bot_sweep_lag_seconds": "gauge",
    "mobility_bot_telegram_request_duration_seconds": "histogram",
    "mobility_bot_telegram_errors": "counter",
    "mobility_bot_history_cache_hits": "counter",
    "mobility_bot_history_cache_misses": "counter",
    "mobility_bot_history_cache_runners": "gauge",
}
# One database is enough here: what is measured does not depend on it.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Scrape:
    """One /metrics answer, parsed with prometheus_client's own parser."""

    def __init__(self, text: str) -> None:
        self.types = {}
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)


class Ops:
    """HTTP to the bot's operator endpoints."""

    def __init__(self, http: aiohttp.ClientSession, port: int) -> None:
        self.http, self.base = http, f"http://127.0.0.1:{port}"

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.base}/healthz") as response:
            return response.status, await response.json()

    async def metrics(self) -> Scrape:
        async with self.http.get(f"{self.base}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=")
            return Scrape(await response.text())

    async def until(self, probe: Callable[[Scrape], bool], timeout: float = 30.0) -> Scrape:
        """The first scrape for which `probe` holds (the bot works concurrently; it offers
        HTTP only, no event to wait on)."""
        async with asyncio.timeout(timeout):
            while not probe(scrape := await self.metrics()):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        return scrape

    async def post_update(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with self.http.post(
            f"{self.base}/telegram/hook", json=update, headers=headers
        ) as response:
            return response.status


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _migrated(settings: Settings) -> Settings:
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    return settings


async def _on_metrics_port(make_settings: Callable[..., Settings]) -> tuple[int, Settings]:
    """Polling settings with /healthz and /metrics on a free port, the database migrated."""
    port = free_port()
    return port, await _migrated(make_settings(metrics_port=port))


def _update_of(standin: BotApiStandIn, user_id: int, text: str) -> dict[str, Any]:
    """What Telegram would post for `text` from the user (the stand-in keeps the message, so
    the chat exists there as it would at Telegram)."""
    standin.user_text(user_id, text)
    return standin.pending_updates[-1]


@sqlite_only
async def test_webhook_mode_serves_the_webhook_healthz_and_metrics_on_one_port(
    make_settings: Callable[..., Settings],
    content: Content,
    clock: ManualClock,
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
) -> None:
    port = free_port()
    settings = await _migrated(
        make_settings(webhook_url=HOOK, webhook_secret=SECRET, webhook_port=port)
    )
    app = build_application(settings, content, clock=clock)

    async with webhook(app, settings) as server:
        assert server.port == port
        [(_name, params)] = standin.successful_calls("setWebhook")
        assert params["url"] == HOOK
        assert params["secret_token"] == SECRET
        assert "callback_query" in list(params["allowed_updates"])
        ops = Ops(http, port)

        status, body = await ops.health()
        assert status == 200
        assert body["status"] == "ok"
        assert body["database"] == "ok"
        assert body["sweep"] == {"state": "off"}  # the tests' settings turn it off

        before = await ops.metrics()
        assert {name: before.types.get(name) for name in FAMILIES} == FAMILIES
        assert before.value("mobility_bot_updates_total", kind="message") == 0

        update = _update_of(standin, 4242, "/help")
        assert await ops.post_update(update, secret=None) == 403
        assert await ops.post_update(update, secret="wrong-secret-0123456789") == 403
        assert not standin.successful_calls("sendMessage")
        assert await ops.post_update(update) == 200
        reply = await standin.wait_for_bot_message(4242, timeout=10)
        assert "/start" in str(reply.text)

        after = await ops.until(
            lambda s: (
                s.value(
                    "mobility_bot_telegram_request_duration_seconds_count", method="sendMessage"
                )
                >= 1
            )
        )
        assert after.value("mobility_bot_updates_total", kind="message") == 1
        assert after.value("mobility_bot_handler_errors_total", source="update") == 0

        # Telegram refuses the next reply: a handler error, and a 403 counted for sendMessage.
        standin.inject_error(4242, 403, methods=["sendMessage"])
        assert await ops.post_update(_update_of(standin, 4242, "/help")) == 200
        failed = await ops.until(
            lambda s: s.value("mobility_bot_handler_errors_total", source="update") == 1
        )
        assert failed.value("mobility_bot_telegram_errors_total", method="sendMessage", code="403")
        assert failed.value("mobility_bot_updates_total", kind="message") == 2

        # What is not an update is refused, and nothing is queued.
        assert await ops.post_update({"not": "an update"}) == 400
        async with http.post(
            f"http://127.0.0.1:{port}/telegram/hook",
            data=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response:
            assert response.status == 400

    # Stopped: the port is closed, and like run_webhook the webhook stays set.
    with pytest.raises(aiohttp.ClientConnectionError):
        await Ops(http, port).health()
    assert not standin.successful_calls("deleteWebhook")


@sqlite_only
async def test_healthz_is_503_when_the_database_is_unreachable_or_the_sweep_is_stale(
    make_settings: Callable[..., Settings],
    content: Content,
    clock: ManualClock,
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
) -> None:
    port = free_port()
    settings = await _migrated(
        make_settings(
            webhook_url=HOOK, webhook_secret=SECRET, webhook_port=port, sweep_interval_seconds=20
        )
    )
    # A runner due ten seconds ago: the first sweep (a second after the start) sends it.
    db = Database(settings.database_url)
    try:
        await make_runner(
            db, 5151, now=clock.now() - timedelta(minutes=1), zone="UTC", at=time(5, 59, 50)
        )
    finally:
        await db.dispose()
    standin.user_text(5151, "/start")  # the runner's chat exists at Telegram
    app = build_application(settings, content, clock=clock)
    async with webhook(app, settings):
        ops = Ops(http, port)
        deps = deps_of(app)
        swept = await ops.until(lambda s: s.value("mobility_bot_sweep_duration_seconds_count") >= 1)
        assert swept.value("mobility_bot_reminders_total", outcome="sent") == 1
        assert swept.value("mobility_bot_reminders_total", outcome="failed") == 0
        assert swept.value("mobility_bot_sweep_lag_seconds") == 0  # the clock stands still
        status, body = await ops.health()
        assert status == 200
        assert body["sweep"]["state"] == "ok"
        assert body["sweep"]["stale_after_seconds"] == 100  # five intervals

        # The database goes away (nothing listens where it points now).
        real = deps.db
        deps.db = Database(f"postgresql+asyncpg://bot:pw@127.0.0.1:{free_port()}/gone")
        try:
            status, body = await ops.health()
        finally:
            await deps.db.dispose()
            deps.db = real
        assert status == 503
        assert body["database"].startswith("unreachable: ")
        assert "pw" not in str(body)
        assert (await ops.health())[0] == 200

        # The sweep last finished 101 seconds ago on the bot's clock (next run: in 20 s).
        clock.advance(timedelta(seconds=101))
        status, body = await ops.health()
        assert status == 503
        assert body["status"] == "unhealthy"
        assert body["database"] == "ok"
        assert body["sweep"]["state"] == "stale"
        assert body["sweep"]["age_seconds"] == 101
        assert (await ops.metrics()).value("mobility_bot_sweep_lag_seconds") == 101


@sqlite_only
async def test_polling_mode_serves_healthz_and_metrics_on_metrics_port(
    make_settings: Callable[..., Settings],
    content: Content,
    clock: ManualClock,
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
) -> None:
    port, settings = await _on_metrics_port(make_settings)
    app = build_application(settings, content, clock=clock)

    async with polling(app, settings):
        ops = Ops(http, port)
        status, body = await ops.health()
        assert (status, body["status"], body["database"]) == (200, "ok", "ok")
        assert not standin.successful_calls("setWebhook")

        standin.user_text(6161, "/help")
        await standin.wait_for_bot_message(6161, timeout=10)
        scrape = await ops.until(
            lambda s: s.value("mobility_bot_updates_total", kind="message") == 1
        )
        assert {name: scrape.types.get(name) for name in FAMILIES} == FAMILIES
        # getUpdates' long polls are not latency; they are still counted if they fail.
        assert not scrape.value(
            "mobility_bot_telegram_request_duration_seconds_count", method="getUpdates"
        )
        assert scrape.value("mobility_bot_telegram_request_duration_seconds_count", method="getMe")

    with pytest.raises(aiohttp.ClientConnectionError):
        await Ops(http, port).health()
    assert ops_of(app).server is None


@sqlite_only
async def test_metrics_show_how_often_a_check_in_found_the_history_in_memory(
    make_settings: Callable[..., Settings],
    content: Content,
    clock: ManualClock,
    standin: BotApiStandIn,
    http: aiohttp.ClientSession,
) -> None:
    port, settings = await _on_metrics_port(make_settings)
    runner = 6262
    await make_runner(Database(settings.database_url), runner, now=clock.now(), standin=standin)
    app = build_application(settings, content, clock=clock)

    async with polling(app, settings):
        ops = Ops(http, port)
        before = await ops.metrics()
        for score in ("3", "4"):  # the second finds what the first read and stored
            asked = standin.user_text(runner, "/checkin")
            prompt = await standin.wait_for_bot_message(runner, after_message_id=asked.message_id)
            standin.user_tap_label(runner, score, chat_id=runner)
            logged = await standin.wait_for_bot_message(runner, after_message_id=prompt.message_id)
            assert (logged.text or "").startswith(f"Logged {score}/10")
        scrape = await ops.until(
            lambda s: (
                s.value("mobility_bot_history_cache_hits_total")
                + s.value("mobility_bot_history_cache_misses_total")
                >= 2
            )
        )

    assert before.value("mobility_bot_history_cache_runners") == 0
    assert scrape.value("mobility_bot_history_cache_misses_total") == 1
    assert scrape.value("mobility_bot_history_cache_hits_total") == 1
    assert scrape.value("mobility_bot_history_cache_runners") == 1


@sqlite_only
async def test_polling_mode_without_metrics_port_listens_nowhere(
    bot_app: BotApplication,
) -> None:
    assert ops_of(bot_app).server is None


@sqlite_only
async def test_a_busy_webhook_port_fails_before_set_webhook(
    make_settings: Callable[..., Settings], content: Content, standin: BotApiStandIn
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        settings = await _migrated(
            make_settings(webhook_url=HOOK, webhook_secret=SECRET, webhook_port=port)
        )
        app = build_application(settings, content)
        with pytest.raises(OSError, match="address already in use"):
            async with webhook(app, settings):
                pass
    assert not standin.successful_calls("setWebhook")


@pytest.mark.parametrize(
    ("url", "method"),
    [
        (f"http://127.0.0.1:8081/bot{TEST_TOKEN}/sendMessage", "sendMessage"),
        (f"https://api.telegram.org/bot{TEST_TOKEN}/getUpdates", "getUpdates"),
        (f"https://api.telegram.org/file/bot{TEST_TOKEN}/photos/file_1.png", "file"),
        (f"https://api.telegram.org/bot{TEST_TOKEN}/", "other"),
    ],
)
def test_metrics_name_the_method_never_the_url(url: str, method: str) -> None:
    assert api_method(url) == method


@sqlite_only
async def test_a_webhook_telegram_refuses_is_a_one_line_start_error(
    make_settings: Callable[..., Settings],
    content: Content,
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(*_args: object, **_kwargs: object) -> bool:
        raise BadRequest("Bad webhook: failed to resolve host: name or service not known")

    monkeypatch.setattr(ExtBot, "set_webhook", refuse)
    port = free_port()
    settings = await _migrated(
        make_settings(webhook_url=HOOK, webhook_secret=SECRET, webhook_port=port)
    )
    app = build_application(settings, content)

    with pytest.raises(StartError) as info:
        async with webhook(app, settings):
            pytest.fail("the bot must not start")

    assert str(info.value) == (
        "WEBHOOK_URL was refused by Telegram's setWebhook: "
        "Bad webhook: failed to resolve host: name or service not known"
    )
    with pytest.raises(aiohttp.ClientConnectionError):
        await Ops(http, port).health()


@sqlite_only
async def test_the_webhook_process_serves_healthz_and_stops_on_sigterm(
    standin: BotApiStandIn, database_url: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_URL=standin.url,
        DATABASE_URL=database_url,
        WEBHOOK_URL=HOOK,
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="INFO",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await standin.wait_for_call("setWebhook", timeout=60)
        status, body = await Ops(http, port).health()
        assert (status, body["status"]) == (200, "ok")
        assert body["sweep"]["state"] == "ok"  # the default interval, 20 s
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    log = out.decode()
    assert proc.returncode == 0, log
    assert "event=stopping" in log
    assert "event=stopped" in log
    assert TEST_TOKEN not in log
    assert SECRET not in log


def test_only_a_sweep_that_finishes_counts(clock: ManualClock) -> None:
    watch = SweepWatch(clock, interval_seconds=20)
    clock.advance(timedelta(seconds=30))
    assert watch.age_seconds() == 30

    with pytest.raises(RuntimeError), watch.running():
        assert watch.age_seconds() == 0  # running
        raise RuntimeError("the database is gone")
    clock.advance(timedelta(seconds=80))
    assert watch.describe()["state"] == "stale"
    assert watch.age_seconds() == 110

    with watch.running():
        clock.advance(timedelta(seconds=5))
    assert watch.age_seconds() == 0
    assert watch.describe()["state"] == "ok"
    assert SweepWatch(clock, interval_seconds=0).describe() == {"state": "off"}
