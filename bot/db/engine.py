"""The database engine and units of work.

SQLite gets WAL, foreign keys and a busy timeout on every connection, and a
transaction that will write begins with BEGIN IMMEDIATE: it takes the write lock
up front, so two concurrent taps queue on the busy timeout instead of failing
with "database is locked" when the second one tries to upgrade a read lock.
Within one process, writers also queue on an asyncio lock before they ask SQLite: a
waiting writer then starts the moment the previous one commits, instead of sleeping in
SQLite's busy handler (up to 100 ms a step), which made the slowest taps under load
several times slower (bench/updates.py). The busy timeout still guards other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from bot.db.sqlite import one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "mobility_write"
_ONE_STATEMENT = "mobility_one_statement"  # SQLite: no BEGIN, the statement commits itself
WRITE_UNIT = "write_unit"  # in session.info: this session may write (see repo.users.get)
_AFTER_COMMIT = "after_commit"  # in session.info: what to do once the unit has committed


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(_ONE_STATEMENT):
            return  # outside a transaction: SQLite runs the statement atomically by itself
        if options.get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """Owns the engine; hands out one session (one transaction) per unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": not is_sqlite(url)}
        if is_sqlite(url):
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            kwargs["module"] = one_trip_dbapi()  # one trip to aiosqlite's thread a statement
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if is_sqlite(url):
            _install_sqlite_pragmas(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time anyway; PostgreSQL locks rows, not the database.
        self._writer: asyncio.Lock | None = asyncio.Lock() if is_sqlite(url) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _queued(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Behind the writers before this one, in this process (SQLite only)."""
        return self._writer if self._writer is not None else contextlib.nullcontext()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads; its transaction ends when the session closes
        (objects stay readable afterwards, detached)."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that may write: committed on success, rolled back on error.
        Never open one inside another (on SQLite the inner one would wait for the outer)."""
        async with self._queued(), self._sessions() as session:
            session.info[WRITE_UNIT] = True
            await session.connection(execution_options={_WRITE_OPTION: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            for action in session.info.pop(_AFTER_COMMIT, ()):
                action()

    async def apply(self, statement: Executable, params: dict[str, Any] | None = None) -> int:
        """One statement that writes and needs nothing read before it, atomic by itself:
        on SQLite it runs outside a transaction (no BEGIN IMMEDIATE, no COMMIT: one trip
        instead of three), still after the writers queued before it. Rows it changed."""
        async with self._queued(), self.engine.connect() as conn:
            conn = await conn.execution_options(**{_ONE_STATEMENT: True})
            result = await conn.execute(statement, params)
            await conn.commit()
            return int(getattr(result, "rowcount", 0))

    @staticmethod
    def after_commit(tx: AsyncSession, action: Callable[[], None]) -> None:
        """Run `action` once the write unit `tx` has committed, and never if it does not."""
        if not tx.info.get(WRITE_UNIT):
            raise ValueError("after_commit needs a write unit")
        tx.info.setdefault(_AFTER_COMMIT, []).append(action)

    async def dispose(self) -> None:
        await self.engine.dispose()
