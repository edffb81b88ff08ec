"""SQLite through aiosqlite (bot/db/sqlite.py): one trip to its thread per statement, and
none for a writing unit's BEGIN IMMEDIATE (when no other process writes) and statements."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db import sqlite as one_trip
from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, Database
from bot.db.models import User
from bot.db.repo import sessions, users
from tests.db.test_engine import NOW, _make_user
from tests.utils.factories import make_session


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


@contextmanager
def statements() -> Iterator[list[tuple[str, bool]]]:
    """Every statement run while inside: (its SQL's first word, whether it ran on this,
    the event loop's, thread)."""
    seen: list[tuple[str, bool]] = []
    original = one_trip.OneTripCursor._run
    loop_thread = threading.get_ident()

    def recorded(self: one_trip.OneTripCursor, operation: str, *args: Any) -> Any:
        seen.append((operation.split()[0], threading.get_ident() == loop_thread))
        return original(self, operation, *args)

    one_trip.OneTripCursor._run = recorded  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        one_trip.OneTripCursor._run = original  # type: ignore[method-assign]


@pytest.fixture
def sqlite_db(migrated_db: Database) -> Database:
    if migrated_db.dialect != "sqlite":
        pytest.skip("SQLite's driver")
    return migrated_db


async def test_a_statement_is_one_trip(sqlite_db: Database) -> None:
    user_id = await _make_user(sqlite_db)
    async with sqlite_db.read() as tx:
        await tx.execute(select(User.id))  # the unit's BEGIN
        with trips() as seen:
            user = await users.get(tx, telegram_user_id=1)
            level = await tx.scalar(select(User.level).where(User.id == user_id))
        assert user is not None
        assert (user.id, level) == (user_id, 1)
    assert len(seen) == 2  # a SELECT with its row, another


async def test_a_writing_units_statements_run_here_without_a_trip(sqlite_db: Database) -> None:
    """With no other process writing, BEGIN IMMEDIATE gets the write lock at once, and then
    nothing can make a statement wait: they all run on the event loop's thread. COMMIT
    still goes to the thread. SQLite's busy timeout is as before."""
    user_id = await _make_user(sqlite_db)
    with trips() as trip, statements() as ran:
        async with sqlite_db.write() as tx:
            user = await users.get(tx, telegram_user_id=1)
            await tx.execute(update(User).where(User.id == user_id).values(level=3))
            timeout = await tx.scalar(text("PRAGMA busy_timeout"))
    assert user is not None
    assert ran == [("BEGIN", True), ("SELECT", True), ("UPDATE", True), ("PRAGMA", True)]
    assert len(trip) == 1  # COMMIT
    assert timeout == SQLITE_BUSY_TIMEOUT_MS
    with statements() as ran:  # the same connection, now reading: back to the thread
        async with sqlite_db.read() as tx:
            assert await tx.scalar(select(User.level).where(User.id == user_id)) == 3
    assert ran == [("BEGIN", False), ("SELECT", False)]


async def test_waiting_for_another_processs_writer_does_not_stop_the_loop(
    sqlite_db: Database, tmp_path: Any
) -> None:
    """BEGIN IMMEDIATE waits (busy_timeout) while another connection writes: it waits on
    SQLite's thread, and the event loop serves everyone else meanwhile."""
    user_id = await _make_user(sqlite_db)
    path = sqlite_db.engine.url.database
    assert path is not None
    holding, release = threading.Event(), threading.Event()

    def other_process() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            holding.set()
            release.wait(5)
            conn.execute("COMMIT")
        finally:
            conn.close()

    writer = threading.Thread(target=other_process)
    writer.start()
    try:
        assert await asyncio.to_thread(holding.wait, 5)
        ticks = 0

        async def ticking() -> None:
            nonlocal ticks
            started = time.monotonic()
            while time.monotonic() - started < 0.3:
                await asyncio.sleep(0.01)
                ticks += 1
            release.set()

        async def unit() -> None:
            async with sqlite_db.write() as tx:
                await tx.execute(update(User).where(User.id == user_id).values(level=2))
                timeouts.append(await tx.scalar(text("PRAGMA busy_timeout")))

        timeouts: list[int] = []
        with statements() as ran:
            await asyncio.gather(ticking(), unit())
    finally:
        release.set()
        writer.join(5)
    assert ticks >= 10  # the loop ran on while the unit waited for the lock
    # tried here without waiting, refused, then begun (and waited for) on the thread
    assert ran[:3] == [("BEGIN", True), ("BEGIN", False), ("UPDATE", True)]
    assert timeouts == [SQLITE_BUSY_TIMEOUT_MS]  # as it was, for the next wait
    async with sqlite_db.read() as tx:
        assert await tx.scalar(select(User.level).where(User.id == user_id)) == 2


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


async def test_a_unit_costs_its_statements_begin_and_commit_only(sqlite_db: Database) -> None:
    """The pool's rollback of every connection it takes back, after a commit, has nothing
    to roll back: no trip for it."""
    user_id = await _make_user(sqlite_db)
    with trips() as seen:
        async with sqlite_db.write() as tx:
            await tx.execute(update(User).where(User.id == user_id).values(level=3))
    assert len(seen) == 1  # COMMIT (BEGIN IMMEDIATE and the UPDATE run here)
    with trips() as seen:
        async with sqlite_db.read() as tx:
            assert await tx.scalar(select(User.level).where(User.id == user_id)) == 3
    assert len(seen) == 3  # BEGIN, the SELECT, the rollback that ends a read


async def test_a_failed_unit_is_still_rolled_back(sqlite_db: Database) -> None:
    user_id = await _make_user(sqlite_db)
    async with sqlite_db.read() as tx:
        before = await tx.scalar(select(User.level).where(User.id == user_id))
    with pytest.raises(RuntimeError):
        async with sqlite_db.write() as tx:
            await tx.execute(update(User).where(User.id == user_id).values(level=6))
            raise RuntimeError("the tap failed half-way")
    async with sqlite_db.read() as tx:
        assert await tx.scalar(select(User.level).where(User.id == user_id)) == before != 6


async def test_one_statement_applied_alone_is_one_trip_and_committed(
    sqlite_db: Database,
) -> None:
    user_id = await _make_user(sqlite_db)
    with trips() as seen:
        changed = await sqlite_db.apply(update(User).where(User.id == user_id).values(level=4))
    assert (changed, len(seen)) == (1, 1)
    assert await sqlite_db.apply(update(User).where(User.id == -1).values(level=5)) == 0
    async with sqlite_db.read() as tx:
        assert await tx.scalar(select(User.level).where(User.id == user_id)) == 4


async def test_one_statement_waits_for_the_unit_writing_before_it(sqlite_db: Database) -> None:
    """Applied while a unit is writing, the statement runs after that unit committed (and
    is not lost or overwritten by it)."""
    user_id = await _make_user(sqlite_db)
    order: list[str] = []
    inside = asyncio.Event()

    async def unit() -> None:
        async with sqlite_db.write() as tx:
            await tx.execute(update(User).where(User.id == user_id).values(level=1))
            inside.set()
            await asyncio.sleep(0.05)
            order.append("unit")

    async def alone() -> None:
        await inside.wait()
        await sqlite_db.apply(update(User).where(User.id == user_id).values(level=2))
        order.append("alone")

    await asyncio.gather(unit(), alone())
    assert order == ["unit", "alone"]
    async with sqlite_db.read() as tx:
        assert await tx.scalar(select(User.level).where(User.id == user_id)) == 2


async def test_a_session_read_with_its_runner_is_not_read_again(sqlite_db: Database) -> None:
    user_id = await _make_user(sqlite_db)
    session_id = await make_session(sqlite_db, user_id, steps=["cat_cow"], now=NOW)
    async with sqlite_db.write() as tx:
        with statements() as seen:
            user = await users.get(tx, telegram_user_id=1, with_session=session_id)
            rs = await sessions.get(tx, session_id=session_id)
        assert user is not None
        assert rs is not None
        assert (user.id, rs.user_id, len(seen)) == (user_id, user_id, 1)
        # a session id that is not there: the runner still, and no session
        other = await users.get(tx, telegram_user_id=1, with_session=session_id + 99)
        assert other is user
        assert await sessions.get(tx, session_id=session_id + 99) is None
    async with sqlite_db.write() as tx:  # someone else's runner id: nobody
        assert await users.get(tx, telegram_user_id=2, with_session=session_id) is None
