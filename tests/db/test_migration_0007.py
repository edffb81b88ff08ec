"""Revision 0007 on a database that holds a runner with history from before it: they keep
every row, start at history version 0, and from then on every write to their history
moves it (the triggers exist on the upgraded database, not only on a new one)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from sqlalchemy import Date, DateTime, Time, bindparam, inspect, text

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from tests.db.test_migration_0006 import SESSION, USER
from tests.utils.migrations import downgrade_to, upgrade_to

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
CHECKIN = (
    "INSERT INTO pain_checkins (user_id, score, context, session_id, local_date, recorded_at)"
    " VALUES (1, 3, 'after_session', 7, :day, :t0)"
)
# The types of the statements' parameters, for either database.
STAMP, DAY = bindparam("t0", type_=DateTime(timezone=True)), bindparam("day", type_=Date())


async def _store_a_runner(db: Database) -> None:
    """A runner with a session and a check-in, in the columns of revision 0006."""
    times = bindparam("reminder", type_=Time()), bindparam("morning", type_=Time())
    async with db.write() as tx:
        values = {"reminder": time(7, 0), "morning": time(8, 0), "t0": T0}
        await tx.execute(text(USER).bindparams(*times, STAMP), values)
        for statement in (SESSION, CHECKIN):
            await tx.execute(text(statement).bindparams(STAMP, DAY), {"day": T0.date(), "t0": T0})


async def test_a_runner_from_before_0007_keeps_their_history_and_starts_at_version_0(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0006")
    db = Database(database_url)
    try:
        await _store_a_runner(db)
        await asyncio.to_thread(upgrade_to_head, database_url)

        async def version() -> tuple[int, int, int]:
            async with db.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT history_version, level,"
                            " (SELECT count(*) FROM pain_checkins) FROM users"
                        )
                    )
                ).one()
            return (row[0], row[1], row[2])

        assert await version() == (0, 4, 1)
        async with db.write() as tx:
            await tx.execute(
                text(CHECKIN).bindparams(STAMP, DAY), {"day": date(2026, 3, 2), "t0": T0}
            )
            await tx.execute(text("UPDATE routine_sessions SET status = 'completed'"))
        assert await version() == (2, 4, 2)
    finally:
        await db.dispose()


async def test_downgrade_removes_the_triggers_and_the_column(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    await asyncio.to_thread(downgrade_to, database_url, "0006")
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(lambda c: inspect(c).get_columns("users"))
        await _store_a_runner(db)  # a trigger left behind would fail on the lost column
    finally:
        await db.dispose()
    assert "history_version" not in {column["name"] for column in columns}
