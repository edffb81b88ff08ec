"""Watching what a use case does to the database: how many write units it opens, and
which statements that change rows it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database

CHANGES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Watched:
    write_units: int = 0  # Database.write entered, or Database.apply (a unit of one statement)
    statements: list[str] = field(default_factory=list)  # every statement sent

    @property
    def changes(self) -> list[str]:
        """The statements that insert, update or delete rows."""
        return [s for s in self.statements if s.lstrip().upper().startswith(CHANGES)]


@contextmanager
def watch(db: Database) -> Iterator[Watched]:
    """Count `db.write()` and `db.apply()` units and record the SQL sent while inside."""
    seen = Watched()
    original, apply = db.write, db.apply

    @asynccontextmanager
    async def counted() -> AsyncIterator[AsyncSession]:
        seen.write_units += 1
        async with original() as session:
            yield session

    async def applied(statement: Any, params: dict[str, Any] | None = None) -> int:
        seen.write_units += 1
        return await apply(statement, params)

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.statements.append(statement)

    db.write = counted  # type: ignore[method-assign]
    db.apply = applied  # type: ignore[method-assign]
    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
        del db.write  # back to the class's methods
        del db.apply
