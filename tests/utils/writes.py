"""Watching what a use case does to the database: how many write units it opens, and
which statements it sends (with their parameters, to explain their plans)."""

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
    # every statement sent, with its parameters (the first set of an executemany)
    sent: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [statement for statement, _ in self.sent]

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

    def on_execute(
        _conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, many: bool
    ) -> None:
        seen.sent.append((statement, params[0] if many and params else params))

    db.write = counted  # type: ignore[method-assign]
    db.apply = applied  # type: ignore[method-assign]
    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
        del db.write  # back to the class's methods
        del db.apply
