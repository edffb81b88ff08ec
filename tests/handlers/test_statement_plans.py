"""Every statement a runner's days run finds its rows through an index, never by reading a
whole table: a table read whole costs more with every runner who uses the bot, and holds
SQLite's write lock meanwhile (the after-session rating read every rating of every runner,
and a runner's /delete did so once per session, until revision 0009). Checked on SQLite's
plans; PostgreSQL's planner reads a table of a few rows whole whatever its indexes."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import morning_question, onboard, session_with_pain
from tests.utils.writes import watch

# What the plans may read whole: nothing a runner's day runs.
KINDS = ("SELECT", "UPDATE", "DELETE", "WITH")


async def test_a_runners_days_read_no_table_whole(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    if not bot_runner.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's plans")
    with watch(bot_runner.db) as seen:
        await onboard(runner)
        await session_with_pain(runner, 2)  # Monday: a session and its rating
        asked = await morning_question(runner, bot_runner, clock, 3)  # Tuesday's question
        await runner.tap_message(asked, "3")
        await runner.say("/checkin")
        await runner.tap("4")
        await runner.say("/progress")
        await runner.say("/export")
        await runner.say("/delete")
        await runner.tap("Delete everything")
        assert "everything about you is deleted" in (runner.last().text or "")
    ran = dict(reversed(seen.sent))  # each statement once, with the parameters it first had

    whole: list[tuple[list[str], str]] = []
    async with bot_runner.db.engine.connect() as conn:
        for statement, params in ran.items():
            if not statement.lstrip().upper().startswith(KINDS):
                continue
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params or ())
            plan = [str(row[-1]) for row in rows]
            scans = [step for step in plan if step.startswith("SCAN") and "INDEX" not in step]
            if scans:
                whole.append((scans, " ".join(statement.split())))
    assert len(ran) > 40  # the journey ran: onboarding, a session, ratings, a sweep, /delete
    assert any("pain_checkins.session_id = ?" in statement for statement in ran)
    assert whole == []
