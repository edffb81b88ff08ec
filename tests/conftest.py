"""Fixtures: the databases (SQLite and PostgreSQL), the Bot API stand-in, the real bot,
runners in a chat (`runner`, `onboarded`), and the use cases' `env` for service tests.
The helpers behind them live in tests/utils/."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content, load_languages
from bot.context import BotApplication
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.devtools.standin import BotApiStandIn
from bot.services.histories import HistoryCache
from bot.services.unit import Env
from tests.utils.app import TEST_TOKEN, USER_PACE_SECONDS, BotRunner, flood_time
from tests.utils.chat import ChatUser
from tests.utils.journeys import onboard
from tests.utils.postgres import PostgresServer, find_bin_dir, start_server

# Every history the check-ins' cache gives is read again and compared: the suite checks it.
HistoryCache.verify = True

_user_ids = itertools.count(10_001)


@pytest.fixture(scope="session")
def content() -> Content:
    """The content as `python -m bot` loads it: English, reaching every language."""
    return load_languages()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """A real PostgreSQL server for the session, or None (with the reason shown) where the
    machine has none. In CI a missing server is a failure, never a skip."""
    if find_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql")
        yield None
        return
    server = start_server()
    yield server
    server.stop()


_databases = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> str:
    """Every test that touches the database runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    if postgres is None:
        pytest.skip("no PostgreSQL server on this machine (install Debian's postgresql)")
    name = f"test_{os.getpid()}_{next(_databases)}"
    admin = Database(postgres.admin_url)
    try:
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()
    return postgres.url(name)


@pytest.fixture
async def migrated_db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL (see `database_url`)."""
    await asyncio.to_thread(upgrade_to_head, database_url)
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))


@pytest.fixture
async def standin(clock: ManualClock) -> AsyncIterator[BotApiStandIn]:
    """The Bot API stand-in; its flood limits refill as the test's time passes, and as a
    person's time would between their messages and taps."""
    async with BotApiStandIn(TEST_TOKEN, monotonic=flood_time(clock)) as server:
        server.user_pace_seconds = USER_PACE_SECONDS
        yield server


@pytest.fixture
def make_settings(standin: BotApiStandIn, database_url: str) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "telegram_bot_token": TEST_TOKEN,
            "telegram_api_url": standin.url,
            "database_url": database_url,
            "polling_timeout": 1,
            "sweep_interval_seconds": 0,  # tests run the sweep themselves, at clock times
            "timer_tick_seconds": 0,  # and the hold timers' tick
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def bot_runner(
    make_settings: Callable[..., Settings],
    content: Content,
    clock: ManualClock,
    standin: BotApiStandIn,
) -> AsyncIterator[BotRunner]:
    """The real application, built as `python -m bot` builds it, polling the stand-in."""
    settings = make_settings()
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    runner = BotRunner(settings, content, clock, standin)
    await runner.start()
    yield runner
    await runner.stop()


@pytest.fixture
def bot_app(bot_runner: BotRunner) -> BotApplication:
    assert bot_runner.app is not None
    return bot_runner.app


@pytest.fixture
def new_user(standin: BotApiStandIn, bot_runner: BotRunner) -> Callable[..., ChatUser]:
    def make(first_name: str = "Runner") -> ChatUser:
        return ChatUser(standin, next(_user_ids), first_name, settle=bot_runner.settle)

    return make


@pytest.fixture
def runner(new_user: Callable[..., ChatUser]) -> ChatUser:
    return new_user("Alex")


@pytest.fixture
async def onboarded(runner: ChatUser) -> ChatUser:
    """A runner set up through the chat: baseline pain 3, a foam roller, reminders every
    day at 07:30 Europe/Berlin (the clock starts Monday 2026-03-02 07:00 there)."""
    return await onboard(runner)


@pytest.fixture
def env(migrated_db: Database, content: Content, clock: ManualClock) -> Env:
    """What the use cases need, without the bot: for calling services directly."""
    return Env(migrated_db, content, clock)
