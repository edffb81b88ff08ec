"""SQLite through aiosqlite, one trip to its thread per statement (bot/db/sqlite.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db.engine import Database
from bot.db.models import User
from bot.db.repo import users
from tests.db.test_engine import NOW, _make_user


@contextmanager
def trips() -> Iterator[list[Any]]:
    """Every call queued for an aiosqlite connection's thread while inside."""
    seen: list[Any] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(fn)
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]


@pytest.fixture
def sqlite_db(migrated_db: Database) -> Database:
    if migrated_db.dialect != "sqlite":
        pytest.skip("SQLite's driver")
    return migrated_db


async def test_a_statement_is_one_trip(sqlite_db: Database) -> None:
    user_id = await _make_user(sqlite_db)
    async with sqlite_db.write() as tx:
        with trips() as seen:
            user = await users.get(tx, telegram_user_id=1)
            await tx.execute(update(User).where(User.id == user_id).values(level=3))
        assert user is not None
        assert user.id == user_id
    assert len(seen) == 2  # a SELECT with its row, an UPDATE


async def test_rows_rowcount_and_errors_as_before(sqlite_db: Database) -> None:
    await _make_user(sqlite_db, 1)
    await _make_user(sqlite_db, 2)
    async with sqlite_db.write() as tx:
        changed = await tx.execute(update(User).values(level=5))
        assert getattr(changed, "rowcount", None) == 2
        assert await tx.scalar(select(func.count()).select_from(User)) == 2
        ids = (await tx.execute(text("SELECT id FROM users ORDER BY id"))).scalars().all()
        assert len(ids) == 2
    with pytest.raises(IntegrityError):  # unique telegram_user_id, rolled back
        async with sqlite_db.write() as tx:
            tx.add(User(telegram_user_id=1, chat_id=1, created_at=NOW, updated_at=NOW))
    async with sqlite_db.read() as tx:
        assert await tx.scalar(select(func.max(User.level))) == 5
