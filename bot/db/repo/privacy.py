"""Everything stored about one runner: collected for /export, removed for /delete."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    LevelChange,
    PainCheckin,
    ReminderDelivery,
    RoutineSession,
    StepEvent,
    User,
)
from bot.domain.parsing import WEEKDAYS, days_of
from bot.domain.questions import SessionPain, stored

PROFILE_FIELDS = (
    "telegram_user_id",
    "chat_id",
    "first_name",
    "language_code",
    "language",
    "status",
    "onboarding_step",
    "onboarding_answers",
    "awaiting",
    "time_zone",
    "reminder_time",
    "has_foam_roller",
    "pictures",
    "level",
    "routine_id",
    "baseline_pain",
    "paused_until",
    "flare_since",
    "next_reminder_at",
    "snooze_date",
    "morning_time",
    "next_morning_at",
    "created_at",
    "updated_at",
)


def _plain(value: Any) -> Any:
    """JSON-ready: ISO dates and times, enum values, the open question as stored."""
    if isinstance(value, SessionPain):
        return stored(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


async def collect(tx: AsyncSession, *, user_id: int, now: datetime) -> dict[str, object]:
    user = await tx.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    profile = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS}
    profile["reminder_days"] = [WEEKDAYS[d] for d in days_of(user.reminder_days)]
    sessions = (
        await tx.scalars(
            select(RoutineSession)
            .where(RoutineSession.user_id == user_id)
            .order_by(RoutineSession.id)
        )
    ).all()
    events = (
        await tx.scalars(
            select(StepEvent)
            .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
            .where(RoutineSession.user_id == user_id)
            .order_by(StepEvent.id)
        )
    ).all()
    checkins = (
        await tx.scalars(
            select(PainCheckin)
            .where(PainCheckin.user_id == user_id)
            .order_by(PainCheckin.recorded_at, PainCheckin.id)
        )
    ).all()
    changes = (
        await tx.scalars(
            select(LevelChange)
            .where(LevelChange.user_id == user_id)
            .order_by(LevelChange.at, LevelChange.id)
        )
    ).all()
    deliveries = (
        await tx.scalars(
            select(ReminderDelivery)
            .where(ReminderDelivery.user_id == user_id)
            .order_by(ReminderDelivery.id)
        )
    ).all()
    return {
        "exported_at": now.isoformat(),
        "profile": profile,
        "sessions": [
            {
                "id": s.id,
                "routine_id": s.routine_id,
                "level": s.level,
                "steps": list(s.steps),
                "status": _plain(s.status),
                "local_date": _plain(s.local_date),
                "started_at": _plain(s.started_at),
                "ended_at": _plain(s.ended_at),
                "steps_answered": [
                    {
                        "step_index": e.step_index,
                        "exercise_id": e.exercise_id,
                        "outcome": _plain(e.outcome),
                        "at": _plain(e.at),
                    }
                    for e in events
                    if e.session_id == s.id
                ],
            }
            for s in sessions
        ],
        "checkins": [
            {
                "score": c.score,
                "context": _plain(c.context),
                "local_date": _plain(c.local_date),
                "recorded_at": _plain(c.recorded_at),
                "session_id": c.session_id,
            }
            for c in checkins
        ],
        "level_changes": [
            {
                "at": _plain(c.at),
                "from_level": c.from_level,
                "to_level": c.to_level,
                "rule_id": c.rule_id,
                "numbers": c.numbers,
                "reason": c.reason,
            }
            for c in changes
        ],
        "reminders": [
            {
                "kind": _plain(d.kind),
                "local_date": _plain(d.local_date),
                "status": _plain(d.status),
                "due_at": _plain(d.due_at),
            }
            for d in deliveries
        ],
    }


async def delete_everything(tx: AsyncSession, *, user_id: int) -> dict[str, int]:
    """Every row about the runner, children first (not relying on ON DELETE CASCADE)."""
    session_ids = select(RoutineSession.id).where(RoutineSession.user_id == user_id)
    counts: dict[str, int] = {}
    for table, statement in (
        ("step_events", delete(StepEvent).where(StepEvent.session_id.in_(session_ids))),
        ("pain_checkins", delete(PainCheckin).where(PainCheckin.user_id == user_id)),
        ("level_changes", delete(LevelChange).where(LevelChange.user_id == user_id)),
        (
            "reminder_deliveries",
            delete(ReminderDelivery).where(ReminderDelivery.user_id == user_id),
        ),
        ("routine_sessions", delete(RoutineSession).where(RoutineSession.user_id == user_id)),
        ("users", delete(User).where(User.id == user_id)),
    ):
        result = await tx.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(getattr(result, "rowcount", 0) or 0)
    # The rows are gone; objects loaded from them must not be written back at commit.
    tx.expunge_all()
    return counts
