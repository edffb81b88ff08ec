"""Revision 0009 on a database that holds ratings of sessions: every rating stays, each is
found by its session through the new index, and a deleted session's ratings stay, without
it. Before, both read every rating of every runner: 24 ms for an after-session rating and
4.5 s for a runner's /delete on a database of 1,000 runners with 120 days each."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect, text

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.repo import checkins as repo
from tests.db.test_migration_0008 import DAYS, _store_months
from tests.utils.migrations import downgrade_to, upgrade_to
from tests.utils.writes import watch

RATED = 7  # the session every stored rating is of (0007's runner)


async def test_a_runner_from_before_0009_keeps_their_ratings_found_by_session(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0008")
    db = Database(database_url)
    try:
        await _store_months(db)
        await asyncio.to_thread(upgrade_to_head, database_url)
        async with db.read() as tx:
            found = (
                await repo.for_session(tx, session_id=RATED),
                await repo.for_session(tx, session_id=101),
            )
        async with db.write() as tx:  # a session deleted: its ratings stay, without it
            await tx.execute(text("DELETE FROM routine_sessions WHERE id = :id"), {"id": RATED})
        async with db.engine.connect() as conn:
            query = "SELECT count(*), count(session_id) FROM pain_checkins"
            ratings = tuple((await conn.execute(text(query))).one())
    finally:
        await db.dispose()
    assert found == (True, False)
    assert ratings == (DAYS, 0)


async def test_sqlite_finds_a_sessions_rating_by_the_index(tmp_path: Path) -> None:
    """The statement the after-session rating runs, as it runs it, searches the index."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = Database(url)
    try:
        with watch(db) as seen:
            async with db.read() as tx:
                await repo.for_session(tx, session_id=RATED)
        ((statement, params),) = [(s, p) for s, p in seen.sent if "pain_checkins" in s]
        async with db.engine.connect() as conn:
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)).all()
    finally:
        await db.dispose()
    assert "USING INDEX ix_pain_checkins_session_id (session_id=?)" in str(plan[0][-1])


async def test_downgrade_to_0008_drops_the_index(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    await asyncio.to_thread(downgrade_to, database_url, "0008")
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            indexes = await conn.run_sync(lambda c: inspect(c).get_indexes("pain_checkins"))
    finally:
        await db.dispose()
    assert {index["name"] for index in indexes} == {"ix_pain_checkins_user_day"}
