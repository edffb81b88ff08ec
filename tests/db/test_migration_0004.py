"""Revision 0004 on a database that holds a runner mid-session and a sent reminder: the
session resumes where it was (first part of its step, no timer, no extras) and the
reminder's Start falls back to the runner's routine."""

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
    " (1, 101, 101, 'active', 'done', '{}', 'Europe/Berlin', :reminder, 127, true, 3,"
    " 'decompression', 4, NULL, :morning, :t0, :t0)"
)
SESSION = (
    "INSERT INTO routine_sessions (id, user_id, routine_id, level, steps, current_step,"
    " step_version, step_hurt, status, local_date, step_message_id, planned_level, in_flare,"
    " started_at) VALUES (7, 1, 'decompression', 3, :steps, 1, 2, false, 'in_progress',"
    " :day, 55, 3, false, :t0)"
)
DELIVERY = (
    "INSERT INTO reminder_deliveries (id, user_id, kind, local_date, status, message_id,"
    " due_at, attempts, snoozed, created_at) VALUES"
    " (9, 1, 'reminder', :day, 'sent', 54, :t0, 1, false, :t0)"
)


async def test_a_session_and_a_reminder_from_before_0004_carry_on(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0003")
    db = Database(database_url)
    stamp = bindparam("t0", type_=DateTime(timezone=True))
    day = bindparam("day", type_=Date())
    try:
        async with db.write() as tx:
            await tx.execute(
                text(USER).bindparams(
                    bindparam("reminder", type_=Time()), bindparam("morning", type_=Time()), stamp
                ),
                {"reminder": time(7, 0), "morning": time(8, 0), "t0": T0},
            )
            await tx.execute(
                text(SESSION).bindparams(stamp, day),
                {"steps": '["a", "b", "c"]', "day": date(2026, 3, 1), "t0": T0},
            )
            await tx.execute(
                text(DELIVERY).bindparams(stamp, day), {"day": date(2026, 3, 1), "t0": T0}
            )
        await asyncio.to_thread(upgrade_to_head, database_url)
        async with db.engine.connect() as conn:
            session = (
                await conn.execute(
                    text(
                        "SELECT current_step, step_version, step_message_id, step_part,"
                        " timer_ends_at, extras_from FROM routine_sessions"
                    )
                )
            ).one()
            delivery = (
                await conn.execute(text("SELECT message_id, routine_id FROM reminder_deliveries"))
            ).one()
    finally:
        await db.dispose()
    assert (session.current_step, session.step_version, session.step_message_id) == (1, 2, 55)
    assert session.step_part == 0  # the first side or technique of the step it was on
    assert session.timer_ends_at is None
    assert session.extras_from is None
    assert delivery.message_id == 54
    assert delivery.routine_id is None
