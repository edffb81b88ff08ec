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


async def highest_since(
    tx: AsyncSession, *, user_ids: Sequence[int], since: Mapping[int, date]
) -> dict[int, int]:
    """Each runner's highest rating on or after their own local date `since[id]`."""
    if not user_ids:
        return {}
    rows = await tx.execute(
        select(PainCheckin.user_id, PainCheckin.local_date, PainCheckin.score).where(
            PainCheckin.user_id.in_(user_ids),
            PainCheckin.local_date >= min(since[i] for i in user_ids),
        )
    )
    highest: dict[int, int] = {}
    for user_id, day, score in rows.all():
        if day >= since[user_id]:
            highest[user_id] = max(score, highest.get(user_id, 0))
    return highest


async def last_decision_at(tx: AsyncSession, *, user_id: int, decision: str) -> datetime | None:
    """When the rules last recorded that decision about the runner (None: never)."""
    found: datetime | None = await tx.scalar(
        select(LevelChange.at)
        .where(LevelChange.user_id == user_id, LevelChange.decision == decision)
        .order_by(LevelChange.at.desc())
        .limit(1)
    )
    return found


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
    started_at: datetime
    level: int | None
    planned_level: int | None
    in_flare: bool
    routine_id: str
    status: SessionStatus
    steps: Sequence[str]


@dataclass(frozen=True)
class DecisionRow:
    local_date: date
    at: datetime
    decision: str
    rule_id: str
    from_level: int
    to_level: int
    numbers: Mapping[str, Any]


@dataclass(frozen=True)
class HistoryRows:
    """What the progression rules read about one runner, as plain rows."""

    checkins: Sequence[CheckinRow]
    sessions: Sequence[SessionRow]
    answers: Sequence[tuple[int, str, StepOutcome]]  # (session id, exercise id, outcome)
    decisions: Sequence[DecisionRow]


async def history(tx: AsyncSession, *, user_id: int, since: date) -> HistoryRows:
    """Check-ins, sessions, their skipped and "hurts" steps and the recorded decisions from
    `since` on. Columns, not ORM objects: this runs on every check-in, over months of rows."""
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
            RoutineSession.started_at,
            RoutineSession.level,
            RoutineSession.planned_level,
            RoutineSession.in_flare,
            RoutineSession.routine_id,
            RoutineSession.status,
            RoutineSession.steps,
        )
        .where(RoutineSession.user_id == user_id, RoutineSession.local_date >= since)
        .order_by(RoutineSession.started_at, RoutineSession.id)
    )
    answers = await tx.execute(
        select(StepEvent.session_id, StepEvent.exercise_id, StepEvent.outcome)
        .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
        .where(
            RoutineSession.user_id == user_id,
            RoutineSession.local_date >= since,
            StepEvent.outcome.in_((StepOutcome.HURTS, StepOutcome.SKIPPED)),
        )
    )
    decisions = await tx.execute(
        select(
            LevelChange.local_date,
            LevelChange.at,
            LevelChange.decision,
            LevelChange.rule_id,
            LevelChange.from_level,
            LevelChange.to_level,
            LevelChange.numbers,
        )
        .where(LevelChange.user_id == user_id, LevelChange.local_date >= since)
        .order_by(LevelChange.at, LevelChange.id)
    )
    return HistoryRows(
        checkins=[CheckinRow(*row) for row in checkins.all()],
        sessions=[SessionRow(*row) for row in sessions.all()],
        answers=[(sid, exercise, outcome) for sid, exercise, outcome in answers.all()],
        decisions=[DecisionRow(*row) for row in decisions.all()],
    )
