"""What every use case needs, and the one way a use case about a runner begins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.content import Content, Texts
from bot.db.engine import Database
from bot.db.models import User
from bot.db.repo import users
from bot.services.histories import HistoryCache


@dataclass(frozen=True)
class Env:
    """The long-lived things a use case reads: database, content, clock."""

    db: Database
    content: Content
    clock: Clock
    # Runners' histories read last, used while the database says they hold (histories.py)
    histories: HistoryCache = field(default_factory=HistoryCache, compare=False)

    @property
    def texts(self) -> Texts:
        return self.content.texts

    def speaking(self, language: str | None) -> Env:
        """The same things, with content in `language` (a runner's, in a job)."""
        content = self.content.speaking(language)
        return self if content is self.content else replace(self, content=content)


@asynccontextmanager
async def runner_unit(
    env: Env, telegram_user_id: int, *, with_session: int | None = None
) -> AsyncIterator[tuple[AsyncSession, User | None]]:
    """One write unit about one runner, their row locked first (FOR UPDATE on PostgreSQL,
    BEGIN IMMEDIATE on SQLite). Every check-then-write about a runner (is this tap still
    live? was this check-in logged already?) happens inside one, so double, stale and
    concurrent taps act once, whichever process handles them. A unit that changed any
    row moves the runner's `updated_at` (users.touch). `with_session`: a session read with
    the runner, in the same statement (users.get)."""
    async with env.db.write() as tx:
        user = await users.get(tx, telegram_user_id=telegram_user_id, with_session=with_session)
        yield tx, user
        await users.touch(tx, user, now=env.clock.now())
