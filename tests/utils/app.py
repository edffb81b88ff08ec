"""The real application against the Bot API stand-in, as the end-to-end tests run it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from bot import timer_tick
from bot.app import build_application, polling, sweep_config
from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content
from bot.context import BotApplication, deps_of
from bot.db.engine import Database
from bot.devtools.standin import BotApiStandIn
from bot.sender import SweepConfig, sweep
from bot.services.reminders import SweepResult
from bot.services.unit import Env
from tests.utils.settle import until_handled

TEST_TOKEN = "123456:TEST-token-for-the-local-stand-in"


# A person takes about this long to read the bot's answer and send or tap the next thing.
USER_PACE_SECONDS = 2.0


def flood_time(clock: ManualClock) -> Callable[[], float]:
    """The stand-in's monotonic time in end-to-end tests: real seconds plus how far the test
    has moved the bot's clock forward (never back), so that Telegram's flood limits refill
    over the days a test plays through in seconds, as they would over real days."""
    real_start, clock_start = time.monotonic(), clock.now()
    latest = 0.0

    def now() -> float:
        nonlocal latest
        travelled = max(0.0, (clock.now() - clock_start).total_seconds())
        latest = max(latest, time.monotonic() - real_start + travelled)
        return latest

    return now


class BotRunner:
    """Runs the real application against the stand-in; can restart it on the same database,
    as a process restart would (nothing carried over but the database)."""

    def __init__(
        self, settings: Settings, content: Content, clock: ManualClock, standin: BotApiStandIn
    ) -> None:
        self.settings, self.content, self.clock, self.standin = settings, content, clock, standin
        self.app: BotApplication | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self) -> BotApplication:
        self._stack = contextlib.AsyncExitStack()
        self.app = await self._stack.enter_async_context(
            polling(build_application(self.settings, self.content, clock=self.clock), self.settings)
        )
        return self.app

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
            self.app = None

    async def restart(self) -> BotApplication:
        await self.stop()
        return await self.start()

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until the bot has handled every update the stand-in holds."""
        assert self.app is not None
        await until_handled(self.standin, self.app, timeout)

    def sweep_config(self) -> SweepConfig:
        return sweep_config(self.settings)

    async def sweep(self) -> SweepResult:
        """One reminder sweep at the clock's time, as the job would run it."""
        assert self.app is not None
        return await sweep(
            self.app.bot, self.env, now=self.clock.now(), config=sweep_config(self.settings)
        )

    async def tick(self) -> int:
        """One hold-timer tick at the clock's time, as the job would run it."""
        assert self.app is not None
        return await timer_tick.tick(self.app.bot, self.env, now=self.clock.now())

    @property
    def env(self) -> Env:
        return Env(self.db, self.content, self.clock)

    @property
    def db(self) -> Database:
        assert self.app is not None
        deps = deps_of(self.app)
        assert deps.db is not None
        return deps.db
