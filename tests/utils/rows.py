"""Reading what the bot stored, for assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import User

USER_FIELDS = (
    "status",
    "onboarding_step",
    "baseline_pain",
    "has_foam_roller",
    "reminder_time",
    "time_zone",
    "reminder_days",
    "paused_until",
    "next_reminder_at",
    "level",
)


async def user_row(db: Database, telegram_user_id: int) -> User:
    async with db.read() as session:
        user = await session.scalar(select(User).where(User.telegram_user_id == telegram_user_id))
    assert user is not None, f"no user {telegram_user_id}"
    return user


async def user_state(db: Database, telegram_user_id: int) -> dict[str, Any]:
    """The fields a runner would notice, to compare before and after bad input."""
    user = await user_row(db, telegram_user_id)
    return {name: getattr(user, name) for name in USER_FIELDS}
