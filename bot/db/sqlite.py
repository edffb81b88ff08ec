"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs every sqlite3 call in a worker thread, and SQLAlchemy's adapter makes a
trip there for each step of a statement: open a cursor, execute, fetch the rows, close the
cursor. A trip costs more than the statement itself (a queue, a thread switch, waking the
event loop: bench/updates.py found 27 trips in a tap of 7 statements). This cursor does
the four steps in one trip, so a statement costs one. Everything else (the connection, its
thread, transactions, errors) is aiosqlite's and SQLAlchemy's own.

A statement of a unit that holds the write lock (after BEGIN IMMEDIATE) makes no trip at
all: it runs where it is called, on the event loop's thread. There it cannot wait for a
lock (in WAL mode the writer waits for no one once BEGIN IMMEDIATE returned, and a
checkpoint runs only after COMMIT), and the statements of a tap take well under a
millisecond each; a trip to the thread and back cost more than that, and at a human pace
each one also waited for the interpreter lock. BEGIN IMMEDIATE is tried here too, with
SQLite's busy timeout at 0 so that it cannot wait: it succeeds whenever no other process
is writing (this process's writers queue before they begin). When another process holds
the lock, it is begun on the thread instead, which waits for it. COMMIT (which may
checkpoint), ROLLBACK, a read unit's statements and a statement applied alone still go to
the thread.

Built on SQLAlchemy's aiosqlite adapter (`sqlalchemy.dialects.sqlite.aiosqlite`) and
aiosqlite's queue of calls for its thread (`Connection._execute`, as SQLAlchemy's adapter
itself uses `_tx`): tests/db/test_sqlite.py checks both on every upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from weakref import WeakSet

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Done = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows

# The connections whose open transaction began with BEGIN IMMEDIATE (every transaction
# here begins with an explicit BEGIN: bot/db/engine.py sets isolation_level None).
_WRITING: WeakSet[aiosqlite.Connection] = WeakSet()
_BEGIN_WRITING = "BEGIN IMMEDIATE"


class OneTripCursor:
    """What SQLAlchemy's adapter needs of an aiosqlite cursor, each statement executed,
    fetched and closed in one call on the connection's thread."""

    arraysize = 1

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    def _run(self, operation: str, parameters: Any, many: bool) -> _Done:
        raw: sqlite3.Connection = self._connection._conn  # on its own thread: this runs there
        cursor = raw.cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            else:
                cursor.execute(operation, parameters)
            rows = cursor.fetchall() if cursor.description else []
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows
        finally:
            cursor.close()

    def _holds_write_lock(self) -> bool:
        raw: sqlite3.Connection | None = self._connection._connection
        return raw is not None and raw.in_transaction and self._connection in _WRITING

    def _begin_writing_now(self) -> _Done | None:
        """BEGIN IMMEDIATE here, if the write lock is free this instant: SQLite's busy
        timeout is 0 for it, so it cannot wait. None when another connection (another
        process: this one's writers queue before they begin) holds the lock; then it is
        begun on the thread, where it may wait as long as the busy timeout allows."""
        raw: sqlite3.Connection = self._connection._conn
        (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            return self._run(_BEGIN_WRITING, (), False)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
                return None
            raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    async def _on_thread(self, operation: str, parameters: Any, many: bool) -> _Done:
        queue: Callable[..., Awaitable[_Done]] = self._connection._execute  # the thread's queue
        return await queue(self._run, operation, parameters, many)

    async def _trip(self, operation: str, parameters: Any, many: bool) -> None:
        connection = self._connection
        if self._holds_write_lock():
            done = self._run(operation, parameters, many)  # here: it cannot wait for a lock
        elif operation == _BEGIN_WRITING:
            _WRITING.discard(connection)
            # here if the lock is free this instant, else on the thread, which waits for it
            done = self._begin_writing_now() or await self._on_thread(operation, parameters, many)
            _WRITING.add(connection)
        else:
            if operation.startswith("BEGIN"):
                _WRITING.discard(connection)
            done = await self._on_thread(operation, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = done

    async def execute(self, operation: str, parameters: Sequence[Any] = ()) -> None:
        await self._trip(operation, parameters, False)

    async def executemany(self, operation: str, parameters: Sequence[Any]) -> None:
        await self._trip(operation, parameters, True)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        """Closed already, on the thread."""


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # nothing left to close on the thread

    def _make_new_cursor(self, connection: Any) -> Any:
        return OneTripCursor(connection)


class _Connection(AsyncAdapt_aiosqlite_connection):
    """Commit and roll back only when a transaction is open: the pool rolls back every
    connection it takes back, and a statement run outside a transaction (autocommit) is
    committed already, so those calls would be trips to the thread that do nothing.
    `in_transaction` is a flag of the connection, readable from this thread."""

    __slots__ = ()
    _cursor_cls = _Cursor

    def _open(self) -> bool:
        raw: sqlite3.Connection | None = self._connection._connection
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        if self._open():
            super().rollback()

    def commit(self) -> None:
        if self._open():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module for `create_async_engine(..., module=...)`."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        # Used from the event loop's thread too, never at the same time (see _trip).
        kw.setdefault("check_same_thread", False)
        adapted = super().connect(*arg, **kw)
        adapted.__class__ = _Connection  # same slots; only its cursors differ
        return adapted


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
