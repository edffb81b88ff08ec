"""Data access: small keyword-only functions over an AsyncSession (one per update)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import WRITE_UNIT
from bot.db.models import PainCheckin, RoutineSession, StepEvent, User
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome, UserStatus


async def get_user(session: AsyncSession, *, telegram_user_id: int) -> User | None:
    """The runner's row. In a unit of work that may write, the row is locked (FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so every
    check-then-write about one runner happens one at a time, whichever process runs it."""
    query = select(User).where(User.telegram_user_id == telegram_user_id)
    if session.info.get(WRITE_UNIT):
        query = query.with_for_update()
    return await session.scalar(query)


async def get_or_create_user(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language_code: str | None,
    now: datetime,
) -> tuple[User, bool]:
    """The runner's row, created on first contact. Returns (user, created)."""
    user = await get_user(session, telegram_user_id=telegram_user_id)
    if user is not None:
        user.chat_id = chat_id
        user.first_name = first_name
        user.language_code = language_code
        if user.status == UserStatus.BLOCKED:
            # They wrote to us again, so they unblocked the bot.
            user.status = UserStatus.ACTIVE
        user.updated_at = now
        return user, False
    user = User(
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        first_name=first_name,
        language_code=language_code,
        status=UserStatus.ACTIVE,
        onboarding_step="welcome",
        onboarding_answers={},
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user, True


async def open_session(session: AsyncSession, *, user_id: int) -> RoutineSession | None:
    """The runner's session in progress, if any (there is at most one)."""
    return await session.scalar(
        select(RoutineSession).where(
            RoutineSession.user_id == user_id,
            RoutineSession.status == SessionStatus.IN_PROGRESS,
        )
    )


async def hurt_recently(
    session: AsyncSession, *, user_id: int, exercise_id: str, since: datetime
) -> datetime | None:
    """When the runner last tapped Hurts on this exercise since `since`, if they did."""
    return await session.scalar(
        select(func.max(StepEvent.at))
        .join(RoutineSession, StepEvent.session_id == RoutineSession.id)
        .where(
            RoutineSession.user_id == user_id,
            StepEvent.exercise_id == exercise_id,
            StepEvent.outcome == StepOutcome.HURTS,
            StepEvent.at >= since,
        )
    )


async def session_outcomes(session: AsyncSession, *, session_id: int) -> list[StepOutcome]:
    result = await session.scalars(
        select(StepEvent.outcome).where(StepEvent.session_id == session_id).order_by(StepEvent.id)
    )
    return list(result)


async def checkin_for_session(session: AsyncSession, *, session_id: int) -> PainCheckin | None:
    return await session.scalar(
        select(PainCheckin).where(
            PainCheckin.session_id == session_id,
            PainCheckin.context == CheckinKind.AFTER_SESSION,
        )
    )


async def morning_logged(session: AsyncSession, *, user_id: int, local_date: date) -> bool:
    """A morning rating for that local date exists already."""
    found = await session.scalar(
        select(PainCheckin.id).where(
            PainCheckin.user_id == user_id,
            PainCheckin.context == CheckinKind.MORNING,
            PainCheckin.local_date == local_date,
        )
    )
    return found is not None


async def session_started_since(session: AsyncSession, *, user_id: int, since: datetime) -> bool:
    found = await session.scalar(
        select(RoutineSession.id).where(
            RoutineSession.user_id == user_id, RoutineSession.started_at > since
        )
    )
    return found is not None
