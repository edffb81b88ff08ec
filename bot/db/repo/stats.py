"""Counts for /stats: never anybody's pain or text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PainCheckin, ReminderDelivery, RoutineSession, User
from bot.domain.enums import DeliveryStatus, UserStatus


@dataclass(frozen=True)
class Counts:
    users: dict[UserStatus, int]
    sessions_day: int
    sessions_week: int
    checkins_week: int
    reminders_week: dict[DeliveryStatus, int]


async def counts(tx: AsyncSession, *, now: datetime) -> Counts:
    day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
    users = await tx.execute(select(User.status, func.count()).group_by(User.status))
    sessions_day = await tx.scalar(
        select(func.count()).select_from(RoutineSession).where(RoutineSession.started_at >= day_ago)
    )
    sessions_week = await tx.scalar(
        select(func.count())
        .select_from(RoutineSession)
        .where(RoutineSession.started_at >= week_ago)
    )
    checkins_week = await tx.scalar(
        select(func.count()).select_from(PainCheckin).where(PainCheckin.recorded_at >= week_ago)
    )
    reminders = await tx.execute(
        select(ReminderDelivery.status, func.count())
        .where(ReminderDelivery.created_at >= week_ago)
        .group_by(ReminderDelivery.status)
    )
    return Counts(
        users={status: count for status, count in users.all()},
        sessions_day=sessions_day or 0,
        sessions_week=sessions_week or 0,
        checkins_week=checkins_week or 0,
        reminders_week={status: count for status, count in reminders.all()},
    )
