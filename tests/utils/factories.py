"""Runners created straight in the database, already set up (for reminder tests at scale)."""

from __future__ import annotations

from datetime import datetime, time

from bot.db.engine import Database
from bot.db.models import User
from bot.domain.enums import ALL_DAYS, UserStatus
from bot.domain.profile import Schedule, next_reminder


async def make_runner(
    db: Database,
    telegram_user_id: int,
    *,
    now: datetime,
    zone: str = "Europe/Berlin",
    at: time = time(7, 30),
    days: int = ALL_DAYS,
    status: UserStatus = UserStatus.ACTIVE,
    level: int = 1,
) -> int:
    async with db.write() as session:
        user = User(
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            first_name="Runner",
            status=status,
            onboarding_step="done",
            onboarding_answers={},
            time_zone=zone,
            reminder_time=at,
            reminder_days=days,
            has_foam_roller=True,
            level=level,
            routine_id="decompression",
            baseline_pain=3,
            created_at=now,
            updated_at=now,
        )
        user.next_reminder_at = next_reminder(
            schedule=Schedule(at, zone, days),
            status=status.value,
            paused_until=None,
            onboarded=True,
            now=now,
        )
        session.add(user)
        await session.flush()
        return user.id
