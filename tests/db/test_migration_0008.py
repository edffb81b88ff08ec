"""Revision 0008 on a database that holds a runner's months of history: every row stays,
the history reads give the same rows, and a read from a day on finds the runner's rows by
that day instead of walking all of them (the daily jobs of a reminder burst read a week of
120 days with SQLite's write lock held)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.dialects import sqlite

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.repo import checkins as repo
from tests.db.test_migration_0006 import SESSION
from tests.db.test_migration_0007 import CHECKIN, DAY, STAMP, T0, _store_a_runner
from tests.utils.migrations import downgrade_to, upgrade_to

DAYS = 40
FIRST = T0.date()
COUNTS = "SELECT (SELECT count(*) FROM pain_checkins), (SELECT count(*) FROM routine_sessions)"


async def _store_months(db: Database) -> None:
    """The runner of 0007's test, then a rating a day and a session every other day."""
    await _store_a_runner(db)
    session = SESSION.replace("(7, 1,", "(:id, 1,").replace("'in_progress'", "'completed'")
    async with db.write() as tx:
        for n in range(1, DAYS):
            day = {"day": FIRST + timedelta(days=n), "t0": T0 + timedelta(days=n)}
            await tx.execute(text(CHECKIN).bindparams(STAMP, DAY), day)
            if n % 2:
                await tx.execute(text(session).bindparams(STAMP, DAY), {**day, "id": 100 + n})


async def _week(db: Database) -> tuple[repo.HistoryRows, repo.HistoryRows]:
    since = FIRST + timedelta(days=DAYS - 7)
    async with db.read() as tx:
        alone = await repo.history(tx, user_id=1, since=since)
        together = (await repo.histories(tx, since={1: since}))[1]
    return alone, together


async def test_a_runner_from_before_0008_keeps_their_history_read_by_day(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0007")
    db = Database(database_url)
    try:
        await _store_months(db)
        async with db.engine.connect() as conn:
            counts = (await conn.execute(text(COUNTS))).one()
        await asyncio.to_thread(upgrade_to_head, database_url)
        alone, together = await _week(db)
        async with db.engine.connect() as conn:
            after = (await conn.execute(text(COUNTS))).one()
    finally:
        await db.dispose()
    assert tuple(counts) == tuple(after) == (DAYS, 1 + DAYS // 2)
    assert alone == together
    assert [rating.day for rating in alone.checkins] == [
        FIRST + timedelta(days=n) for n in range(DAYS - 7, DAYS)
    ]
    assert [session.local_date for session in alone.sessions] == [
        FIRST + timedelta(days=n) for n in range(DAYS - 7, DAYS) if n % 2
    ]


async def test_sqlite_finds_a_weeks_ratings_and_sessions_by_day(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = Database(url)
    plans = {}
    try:
        async with db.engine.connect() as conn:
            for name, statement in (
                ("ratings", repo._CHECKINS_OF_MANY),
                ("sessions", repo._SESSIONS_OF_MANY),
            ):
                sql = statement.params(user_ids=[1, 2, 3], since=date(2026, 3, 1)).compile(
                    dialect=sqlite.dialect(),
                    compile_kwargs={"literal_binds": True, "render_postcompile": True},
                )
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                plans[name] = " ".join(str(row[-1]) for row in rows)
    finally:
        await db.dispose()
    assert "ix_pain_checkins_user_day (user_id=? AND local_date>?)" in plans["ratings"]
    assert "ix_routine_sessions_user_day (user_id=? AND local_date>?)" in plans["sessions"]


async def test_downgrade_to_0007_restores_the_index_by_time(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    await asyncio.to_thread(downgrade_to, database_url, "0007")
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            ratings = await conn.run_sync(lambda c: inspect(c).get_indexes("pain_checkins"))
            sessions = await conn.run_sync(lambda c: inspect(c).get_indexes("routine_sessions"))
    finally:
        await db.dispose()
    assert {index["name"] for index in ratings} == {"ix_pain_checkins_user_recorded"}
    assert "ix_routine_sessions_user_day" not in {index["name"] for index in sessions}
