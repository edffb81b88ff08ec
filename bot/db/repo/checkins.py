"""Pain check-ins, the decisions of the rules, and the history the rules read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LevelChange, PainCheckin, RoutineSession, StepEvent
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome


def add(
    tx: AsyncSession,
    *,
    user_id: int,
    score: int,
    kind: CheckinKind,
    local_date: date,
    at: datetime,
    session_id: int | None = None,
) -> None:
    tx.add(
        PainCheckin(
            user_id=user_id,
            score=score,
            context=kind,
            session_id=session_id,
            local_date=local_date,
            recorded_at=at,
        )
    )


async def for_session(tx: AsyncSession, *, session_id: int) -> bool:
    """The after-session rating of that session exists already."""
    found = await tx.scalar(
        select(PainCheckin.id).where(
            PainCheckin.session_id == session_id,
            PainCheckin.context == CheckinKind.AFTER_SESSION,
        )
    )
    return found is not None


async def morning_logged(tx: AsyncSession, *, user_id: int, local_date: date) -> bool:
    """A morning rating for that local date exists already."""
    found = await tx.scalar(
        select(PainCheckin.id).where(
            PainCheckin.user_id == user_id,
            PainCheckin.context == CheckinKind.MORNING,
            PainCheckin.local_date == local_date,
        )
    )
    return found is not None


def add_level_change(
    tx: AsyncSession,
    *,
    user_id: int,
    from_level: int,
    to_level: int,
    rule_id: str,
    decision: str,
    local_date: date,
    numbers: Mapping[str, Any],
    reason: str,
    at: datetime,
) -> None:
    tx.add(
        LevelChange(
            user_id=user_id,
            from_level=from_level,
            to_level=to_level,
            rule_id=rule_id,
            decision=decision,
            local_date=local_date,
            numbers=dict(numbers),
            reason=reason[:500],
            at=at,
        )
    )


@dataclass(frozen=True)
class CheckinRow:
    local_date: date
    score: int
    kind: CheckinKind
    at: datetime
    session_id: int | None


@dataclass(frozen=True)
class SessionRow:
    id: int
    local_date: date
    level: int | None
    routine_id: str
    status: SessionStatus


@dataclass(frozen=True)
class ChangeRow:
    at: datetime
    from_level: int
    to_level: int
    rule_id: str


@dataclass(frozen=True)
class HistoryRows:
    """What the progression rules read about one runner, as plain rows."""

    checkins: Sequence[CheckinRow]
    sessions: Sequence[SessionRow]
    hurts: Sequence[tuple[int, str]]  # (session id, exercise id) of every Hurts
    changes: Sequence[ChangeRow]


async def history(tx: AsyncSession, *, user_id: int, since: date) -> HistoryRows:
    """Check-ins and sessions from `since` on, every level change. Columns, not ORM
    objects: this runs on every check-in, over months of rows."""
    checkins = await tx.execute(
        select(
            PainCheckin.local_date,
            PainCheckin.score,
            PainCheckin.context,
            PainCheckin.recorded_at,
            PainCheckin.session_id,
        )
        .where(PainCheckin.user_id == user_id, PainCheckin.local_date >= since)
        .order_by(PainCheckin.recorded_at, PainCheckin.id)
    )
    sessions = await tx.execute(
        select(
            RoutineSession.id,
            RoutineSession.local_date,
            RoutineSession.level,
            RoutineSession.routine_id,
            RoutineSession.status,
        )
        .where(RoutineSession.user_id == user_id, RoutineSession.local_date >= since)
        .order_by(RoutineSession.started_at, RoutineSession.id)
    )
    hurts = await tx.execute(
        select(StepEvent.session_id, StepEvent.exercise_id)
        .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
        .where(
            RoutineSession.user_id == user_id,
            RoutineSession.local_date >= since,
            StepEvent.outcome == StepOutcome.HURTS,
        )
    )
    changes = await tx.execute(
        select(LevelChange.at, LevelChange.from_level, LevelChange.to_level, LevelChange.rule_id)
        .where(LevelChange.user_id == user_id)
        .order_by(LevelChange.at)
    )
    return HistoryRows(
        checkins=[CheckinRow(*row) for row in checkins.all()],
        sessions=[SessionRow(*row) for row in sessions.all()],
        hurts=[(session_id, exercise_id) for session_id, exercise_id in hurts.all()],
        changes=[ChangeRow(*row) for row in changes.all()],
    )
