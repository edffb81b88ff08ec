"""What /progress reads about one runner: ratings, ended sessions and recorded decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LevelChange, PainCheckin, RoutineSession
from bot.domain.enums import CheckinKind, SessionStatus

ENDED = (SessionStatus.COMPLETED, SessionStatus.STOPPED)


@dataclass(frozen=True)
class RatingRow:
    local_date: date
    score: int
    kind: CheckinKind


@dataclass(frozen=True)
class SessionRow:
    local_date: date
    level: int | None
    routine_id: str


@dataclass(frozen=True)
class DecisionRow:
    local_date: date
    decision: str
    from_level: int
    to_level: int


@dataclass(frozen=True)
class ReportRows:
    ratings: Sequence[RatingRow]  # in the order they were given
    sessions: Sequence[SessionRow]  # ended (completed or stopped) ones
    decisions: Sequence[DecisionRow]  # in the order they were made


async def report_rows(tx: AsyncSession, *, user_id: int, since: date) -> ReportRows:
    """Ratings and ended sessions from `since` on; decisions from `since` on, and before it
    every level change and flare start or end (the level and flare mode on day `since`)."""
    ratings = await tx.execute(
        select(PainCheckin.local_date, PainCheckin.score, PainCheckin.context)
        .where(PainCheckin.user_id == user_id, PainCheckin.local_date >= since)
        .order_by(PainCheckin.recorded_at, PainCheckin.id)
    )
    sessions = await tx.execute(
        select(RoutineSession.local_date, RoutineSession.level, RoutineSession.routine_id)
        .where(
            RoutineSession.user_id == user_id,
            RoutineSession.local_date >= since,
            RoutineSession.status.in_(ENDED),
        )
        .order_by(RoutineSession.started_at, RoutineSession.id)
    )
    decisions = await tx.execute(
        select(
            LevelChange.local_date,
            LevelChange.decision,
            LevelChange.from_level,
            LevelChange.to_level,
        )
        .where(
            LevelChange.user_id == user_id,
            or_(
                LevelChange.local_date >= since,
                LevelChange.from_level != LevelChange.to_level,
                LevelChange.decision.in_(("flare_on", "flare_off")),
            ),
        )
        .order_by(LevelChange.at, LevelChange.id)
    )
    return ReportRows(
        ratings=[RatingRow(*row) for row in ratings.all()],
        sessions=[SessionRow(*row) for row in sessions.all()],
        decisions=[DecisionRow(*row) for row in decisions.all()],
    )
