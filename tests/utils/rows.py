"""Reading (and, for set-up, nudging) what the bot stored, for assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import (
    Base,
    LevelChange,
    PainCheckin,
    ReminderDelivery,
    RoutineSession,
    StepEvent,
    User,
)

# Every table the migrations create (test_migrations checks them against the database).
EXPECTED_TABLES = {
    "users",
    "routine_sessions",
    "step_events",
    "pain_checkins",
    "reminder_deliveries",
    "level_changes",
}
MODELS: tuple[type[Base], ...] = (
    User,
    RoutineSession,
    StepEvent,
    PainCheckin,
    ReminderDelivery,
    LevelChange,
)

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


async def set_user(db: Database, telegram_user_id: int, **fields: object) -> None:
    """Change a runner's row directly (a level, a date) to set up a case."""
    async with db.write() as session:
        user = await session.scalar(select(User).where(User.telegram_user_id == telegram_user_id))
        assert user is not None
        for name, value in fields.items():
            setattr(user, name, value)


async def sessions_of(db: Database, telegram_user_id: int) -> list[RoutineSession]:
    user = await user_row(db, telegram_user_id)
    async with db.read() as session:
        result = await session.scalars(
            select(RoutineSession)
            .where(RoutineSession.user_id == user.id)
            .order_by(RoutineSession.id)
        )
        return list(result)


async def count(db: Database, model: type, **where: object) -> int:
    """Rows of `model` whose columns equal the given values."""
    async with db.read() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


async def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table."""
    async with db.read() as session:
        return {
            str(model.__tablename__): int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in MODELS
        }


async def level_changes(db: Database, telegram_user_id: int) -> list[LevelChange]:
    """The decisions of the progression rules about a runner, oldest first."""
    user = await user_row(db, telegram_user_id)
    async with db.read() as session:
        rows = await session.scalars(
            select(LevelChange).where(LevelChange.user_id == user.id).order_by(LevelChange.id)
        )
        return list(rows)


async def history_version(db: Database, telegram_user_id: int) -> int:
    """The runner's history version as the database holds it (migration 0007)."""
    async with db.read() as tx:
        found = await tx.scalar(
            select(User.history_version).where(User.telegram_user_id == telegram_user_id)
        )
    assert found is not None
    return found
