"""Revision 0005 on a database that holds a runner and a session: they keep everything
(on SQLite, copying the users table would cascade to their sessions) and get pictures (on,
as a new runner does); no picture is known to Telegram yet."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from sqlalchemy import Date, DateTime, Time, bindparam, text

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from tests.utils.migrations import upgrade_to

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

USER = (
    "INSERT INTO users (id, telegram_user_id, chat_id, status, onboarding_step,"
    " onboarding_answers, time_zone, reminder_time, reminder_days, has_foam_roller, level,"
    " routine_id, baseline_pain, flare_since, morning_time, created_at, updated_at) VALUES"
    " (1, 101, 101, 'active', 'done', '{}', 'Europe/Berlin', :reminder, 127, false, 5,"
    " 'yoga_for_runners', 4, NULL, :morning, :t0, :t0)"
)

SESSION = (
    "INSERT INTO routine_sessions (id, user_id, routine_id, level, steps, current_step,"
    " step_version, step_hurt, status, local_date, step_message_id, planned_level, in_flare,"
    " started_at, step_part) VALUES (7, 1, 'yoga_for_runners', 5, '[\"cat_cow\"]', 0, 0,"
    " false, 'in_progress', :day, 55, 5, false, :t0, 0)"
)


async def test_a_runner_from_before_0005_keeps_everything_and_gets_pictures(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0004")
    db = Database(database_url)
    stamp = bindparam("t0", type_=DateTime(timezone=True))
    try:
        async with db.write() as tx:
            await tx.execute(
                text(USER).bindparams(
                    bindparam("reminder", type_=Time()), bindparam("morning", type_=Time()), stamp
                ),
                {"reminder": time(7, 0), "morning": time(8, 0), "t0": T0},
            )
            await tx.execute(
                text(SESSION).bindparams(stamp, bindparam("day", type_=Date())),
                {"day": date(2026, 3, 1), "t0": T0},
            )
        await asyncio.to_thread(upgrade_to_head, database_url)
        async with db.engine.connect() as conn:
            user = (
                await conn.execute(
                    text("SELECT level, routine_id, has_foam_roller, pictures FROM users")
                )
            ).one()
            uploads = (await conn.execute(text("SELECT count(*) FROM picture_uploads"))).scalar()
            session = (
                await conn.execute(text("SELECT user_id, step_message_id FROM routine_sessions"))
            ).one()
    finally:
        await db.dispose()
    assert (user.level, user.routine_id, bool(user.has_foam_roller)) == (
        5,
        "yoga_for_runners",
        False,
    )
    assert bool(user.pictures) is True
    assert uploads == 0
    assert (session.user_id, session.step_message_id) == (1, 55)
