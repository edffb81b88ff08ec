"""Revision 0006 on a database that holds a runner from before languages: they keep every
row, including Telegram's language code, and keep English (language NULL) until they
choose another language in /settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from sqlalchemy import Date, DateTime, Time, bindparam, text

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from tests.utils.migrations import upgrade_to

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

USER = (
    "INSERT INTO users (id, telegram_user_id, chat_id, language_code, status, onboarding_step,"
    " onboarding_answers, time_zone, reminder_time, reminder_days, has_foam_roller, level,"
    " routine_id, baseline_pain, flare_since, morning_time, pictures, created_at, updated_at)"
    " VALUES (1, 101, 101, 'de-AT', 'active', 'done', '{}', 'Europe/Vienna', :reminder, 127,"
    " true, 4, 'decompression', 3, NULL, :morning, false, :t0, :t0)"
)
SESSION = (
    "INSERT INTO routine_sessions (id, user_id, routine_id, level, steps, current_step,"
    " step_version, step_hurt, status, local_date, step_message_id, planned_level, in_flare,"
    " started_at, step_part) VALUES (7, 1, 'decompression', 4, '[\"cat_cow\"]', 0, 0,"
    " false, 'in_progress', :day, 55, 4, false, :t0, 0)"
)


async def test_a_runner_from_before_0006_keeps_everything_and_english(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0005")
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
                    text("SELECT level, language_code, language, pictures FROM users")
                )
            ).one()
            session = (
                await conn.execute(text("SELECT user_id, step_message_id FROM routine_sessions"))
            ).one()
    finally:
        await db.dispose()
    assert (user.level, user.language_code, user.language) == (4, "de-AT", None)
    assert bool(user.pictures) is False
    assert (session.user_id, session.step_message_id) == (1, 55)
