"""Guided sessions and the runner's answers on their steps."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.engine import Database
from bot.db.models import RoutineSession, StepEvent, User
from bot.domain.enums import SessionStatus, StepOutcome

_SESSIONS = cast(Table, RoutineSession.__table__)
_EVENTS = cast(Table, StepEvent.__table__)
# The statements of every tap, built once: building one and its cache key again on every
# tap cost more than running it.
_ADD_EVENT = insert(_EVENTS)
_MOVE = update(_SESSIONS).where(_SESSIONS.c.id == bindparam("moved_id"))
_SET_STEP_MESSAGE = update(_SESSIONS).where(
    _SESSIONS.c.id == bindparam("on_id"), _SESSIONS.c.current_step == bindparam("on_step")
)


async def open_for(tx: AsyncSession, *, user_id: int) -> RoutineSession | None:
    """The runner's session in progress, if any (there is at most one)."""
    return await tx.scalar(
        select(RoutineSession).where(
            RoutineSession.user_id == user_id,
            RoutineSession.status == SessionStatus.IN_PROGRESS,
        )
    )


async def get(tx: AsyncSession, *, session_id: int) -> RoutineSession | None:
    return await tx.get(RoutineSession, session_id)


def add(tx: AsyncSession, *, session: RoutineSession) -> None:
    tx.add(session)


async def add_event(
    tx: AsyncSession,
    *,
    session_id: int,
    step_index: int,
    exercise_id: str,
    outcome: StepOutcome,
    at: datetime,
) -> None:
    """A step's outcome: one INSERT (Core: no object to track, on the path of every tap)."""
    await tx.execute(
        _ADD_EVENT,
        {
            "session_id": session_id,
            "step_index": step_index,
            "exercise_id": exercise_id,
            "outcome": outcome,
            "at": at,
        },
    )


async def move(tx: AsyncSession, *, session: RoutineSession, values: dict[str, Any]) -> None:
    """A tap's change to the session row, as one UPDATE of just those columns (Core: no
    flush of the unit of work on the path of every tap); the loaded object shows the new
    values, as committed, so what is drawn next reads them."""
    await tx.execute(_MOVE, {"moved_id": session.id, **values})  # the keys are the SET
    for key, value in values.items():
        set_committed_value(session, key, value)


async def last_hurts(
    tx: AsyncSession, *, user_ids: Collection[int], exercise_ids: Collection[str], since: datetime
) -> dict[int, datetime]:
    """When each runner last tapped Hurts on any of these exercises since `since` (runners
    who did not are left out): one query for a whole batch of runners."""
    if not user_ids:
        return {}
    rows = await tx.execute(
        select(RoutineSession.user_id, func.max(StepEvent.at))
        .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
        .where(
            RoutineSession.user_id.in_(user_ids),
            StepEvent.exercise_id.in_(exercise_ids),
            StepEvent.outcome == StepOutcome.HURTS,
            StepEvent.at >= since,
        )
        .group_by(RoutineSession.user_id)
    )
    return {user_id: at for user_id, at in rows.all() if at is not None}


async def outcomes(tx: AsyncSession, *, session_id: int) -> list[tuple[int, StepOutcome]]:
    """The session's step events in order, as (step index, outcome)."""
    result = await tx.execute(
        select(StepEvent.step_index, StepEvent.outcome)
        .where(StepEvent.session_id == session_id)
        .order_by(StepEvent.id)
    )
    return [(index, outcome) for index, outcome in result]


async def set_step_message(
    db: Database, *, session_id: int, step_index: int, message_id: int
) -> None:
    """The message carrying the current step (only while the session is still on it): one
    UPDATE by itself, which needs nothing read first (Database.apply)."""
    params = {"on_id": session_id, "on_step": step_index, "step_message_id": message_id}
    await db.apply(_SET_STEP_MESSAGE, params)


async def started_since(tx: AsyncSession, *, user_id: int, since: datetime) -> bool:
    """A session of the runner started at `since` or later."""
    found = await tx.scalar(
        select(RoutineSession.id).where(
            RoutineSession.user_id == user_id, RoutineSession.started_at >= since
        )
    )
    return found is not None


async def due_timers(
    tx: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[RoutineSession, User]]:
    """Sessions in progress whose hold timer has ended by `now`, with their runners,
    earliest first."""
    rows = await tx.execute(
        select(RoutineSession, User)
        .join(User, RoutineSession.user_id == User.id)
        .where(
            RoutineSession.timer_ends_at.is_not(None),
            RoutineSession.timer_ends_at <= now,
            RoutineSession.status == SessionStatus.IN_PROGRESS,
        )
        .order_by(RoutineSession.timer_ends_at)
        .limit(limit)
    )
    return [(rs, user) for rs, user in rows.all()]


async def claim_timer(
    tx: AsyncSession,
    *,
    session_id: int,
    ends_at: datetime,
    step_version: int,
    next_part: int | None,
) -> bool:
    """End the hold timer that ends at `ends_at` on this session, if it is still that one
    on the same step version (and move to `next_part`, a new version, when given): True
    for the one caller that ended it. An atomic UPDATE, so two processes that both found
    the timer due never both fire it (on PostgreSQL the second waits for the first's row
    lock, then finds the timer gone)."""
    values: dict[str, object] = {"timer_ends_at": None}
    if next_part is not None:
        values |= {"step_part": next_part, "step_version": step_version + 1}
    result = await tx.execute(
        update(RoutineSession)
        .where(
            RoutineSession.id == session_id,
            RoutineSession.timer_ends_at == ends_at,
            RoutineSession.step_version == step_version,
            RoutineSession.status == SessionStatus.IN_PROGRESS,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def ended_on(
    tx: AsyncSession, *, user_id: int, local_date: date, routine_id: str | None = None
) -> RoutineSession | None:
    """The runner's last session of that local date that ran to its end or was stopped
    (of `routine_id` only, when given); None when there is none."""
    query = select(RoutineSession).where(
        RoutineSession.user_id == user_id,
        RoutineSession.local_date == local_date,
        RoutineSession.status.in_((SessionStatus.COMPLETED, SessionStatus.STOPPED)),
    )
    if routine_id is not None:
        query = query.where(RoutineSession.routine_id == routine_id)
    return await tx.scalar(query.order_by(RoutineSession.id.desc()).limit(1))
