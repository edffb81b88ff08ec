"""Rows created straight in the database, for tests that need a runner in a given state
without the chat: runners already set up, sessions, step answers, pain check-ins, recorded
decisions of the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta

from bot.db.engine import Database
from bot.db.models import LevelChange, PainCheckin, RoutineSession, StepEvent, User
from bot.devtools.standin import BotApiStandIn
from bot.domain.enums import ALL_DAYS, CheckinKind, SessionStatus, StepOutcome, UserStatus
from bot.domain.profile import Schedule, next_reminder
from bot.domain.schedule import local_date_of


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
    standin: BotApiStandIn | None = None,
) -> int:
    """A runner who finished onboarding (baseline pain 3, a foam roller, the decompression
    ladder), with their next reminder scheduled; their row id.

    A runner who onboarded has opened the chat with the bot; pass the ``standin`` the bot
    talks to so that it knows (Telegram refuses a bot's message to anyone else)."""
    if standin is not None:
        standin.open_chat(telegram_user_id)
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


async def make_session(
    db: Database,
    user_id: int,
    *,
    steps: Sequence[str],
    now: datetime,
    zone: str = "Europe/Berlin",
    status: SessionStatus = SessionStatus.IN_PROGRESS,
    current_step: int = 0,
    routine_id: str = "decompression",
    level: int | None = None,
    outcomes: Sequence[StepOutcome] = (),
) -> int:
    """A session of `steps` started at `now` (its local date in `zone`); with `outcomes`,
    one step answer per step from the first (all at `now`). Its row id. An ended session
    gets `ended_at` = `now`."""
    async with db.write() as session:
        row = RoutineSession(
            user_id=user_id,
            routine_id=routine_id,
            level=len(steps) if level is None and routine_id == "decompression" else level,
            steps=list(steps),
            current_step=current_step,
            step_version=len(outcomes),
            step_hurt=False,
            status=status,
            local_date=local_date_of(now, zone),
            started_at=now,
            ended_at=None if status is SessionStatus.IN_PROGRESS else now,
        )
        session.add(row)
        await session.flush()
        for index, outcome in enumerate(outcomes):
            session.add(
                StepEvent(
                    session_id=row.id,
                    step_index=index,
                    exercise_id=row.steps[index],
                    outcome=outcome,
                    at=now,
                )
            )
        return row.id


async def make_days_of_use(
    db: Database,
    user_id: int,
    *,
    now: datetime,
    days: Iterable[int],
    steps: Sequence[str],
    outcomes: Callable[[int], Sequence[StepOutcome] | None],
    pain: Callable[[int], int],
    morning: Callable[[int], bool] = lambda _: True,
) -> None:
    """Each of `days` (that many days before `now`): a completed session of `steps` with
    that day's step `outcomes` (None: no session) and its pain after it, then, when
    `morning` says so, a morning rating of 1 the next morning."""
    for back in days:
        at = now - timedelta(days=back)
        answers = outcomes(back)
        if answers is not None:
            session = await make_session(
                db, user_id, steps=steps, now=at, status=SessionStatus.COMPLETED, outcomes=answers
            )
            await make_checkin(db, user_id, score=pain(back), at=at, session_id=session)
        if morning(back):
            rated = at + timedelta(hours=20)
            await make_checkin(db, user_id, score=1, at=rated, kind=CheckinKind.MORNING)


async def make_checkin(
    db: Database,
    user_id: int,
    *,
    score: int,
    at: datetime,
    kind: CheckinKind = CheckinKind.AFTER_SESSION,
    session_id: int | None = None,
    local_date: date | None = None,
    zone: str = "Europe/Berlin",
) -> int:
    """A pain rating given at `at` (on its local date in `zone` unless `local_date`)."""
    async with db.write() as session:
        row = PainCheckin(
            user_id=user_id,
            score=score,
            context=kind,
            session_id=session_id,
            local_date=local_date or local_date_of(at, zone),
            recorded_at=at,
        )
        session.add(row)
        await session.flush()
        return row.id


async def make_decision(
    db: Database,
    user_id: int,
    *,
    decision: str,
    local_date: date,
    at: datetime,
    from_level: int,
    to_level: int | None = None,
    rule_id: str = "R3",
) -> int:
    """A recorded decision of the rules (a level_changes row) for that local date."""
    async with db.write() as session:
        row = LevelChange(
            user_id=user_id,
            from_level=from_level,
            to_level=from_level if to_level is None else to_level,
            rule_id=rule_id,
            decision=decision,
            local_date=local_date,
            numbers={},
            reason=decision,
            at=at,
        )
        session.add(row)
        await session.flush()
        return row.id
