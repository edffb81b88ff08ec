"""Revision 0003 on a database that holds older runners: nothing is lost, and their
buttons are not bounded by a /start message the database never recorded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy import DateTime, Time, bindparam, text

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


async def test_runners_from_before_0003_keep_their_data_and_have_no_bound(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to, database_url, "0001")
    db = Database(database_url)
    try:
        async with db.write() as tx:
            await tx.execute(
                text(USER).bindparams(
                    bindparam("reminder", type_=Time()),
                    bindparam("morning", type_=Time()),
                    bindparam("t0", type_=DateTime(timezone=True)),
                ),
                {"reminder": time(7, 0), "morning": time(8, 0), "t0": T0},
            )
        await asyncio.to_thread(upgrade_to_head, database_url)
        async with db.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT telegram_user_id, level, baseline_pain, time_zone,"
                        " reminder_time, first_message_id FROM users"
                    )
                )
            ).one()
    finally:
        await db.dispose()
    assert row.telegram_user_id == 101
    assert (row.level, row.baseline_pain, row.time_zone) == (3, 4, "Europe/Berlin")
    assert str(row.reminder_time).startswith("07:00")  # a time, or its text on SQLite
    assert row.first_message_id is None  # no bound: their old buttons work as before
