"""A safety stop at the use-case level: every kind of tap about the programme is answered
"paused for safety" by its own use case and writes nothing; a new kind of tap must be
listed here, so it cannot forget the check."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.callbacks import (
    AnswerTap,
    DailyTap,
    DaysTap,
    DeleteTap,
    Flow,
    GoTap,
    LibraryTap,
    MorningFirstTap,
    MorningTap,
    ReminderTap,
    RescreenTap,
    RoutineTap,
    SessionPainTap,
    StepTap,
    Tap,
)
from bot.db.models import RoutineSession
from bot.domain.enums import SessionStatus, UserStatus
from bot.domain.onboarding import Step
from bot.domain.questions import Question
from bot.domain.session_flow import Action
from bot.services import privacy, safety
from bot.services.results import Say
from bot.services.unit import Env, runner_unit
from tests.utils.factories import make_runner, make_session
from tests.utils.rows import set_user, user_row
from tests.utils.usecases import start_session
from tests.utils.writes import watch

ALEX = 501
PROMPT = 4242

# Every tap that belongs to the programme: refused while stopped.
PAUSED: tuple[Tap, ...] = (
    AnswerTap(Flow.SETTINGS, "menu", "pause"),
    DaysTap(Flow.SETTINGS, True, 0, 127),
    AnswerTap(Flow.RUN, "ran", "y"),
    AnswerTap(Flow.ADHOC, "adhoc_pain", "4"),
    StepTap(1, 0, 0, Action.DONE),
    GoTap(),
    GoTap(1),
    RoutineTap("decompression"),
    DailyTap(None),
    DailyTap("home_stretches"),
    LibraryTap(),
    LibraryTap("home_stretches", 0),
    ReminderTap(1, True),
    ReminderTap(1, False),
    SessionPainTap(1, 4),
    MorningTap(1, 4),
    MorningFirstTap(1, 4),
    RescreenTap(),
)
# The way back ("has a doctor cleared you?") and the runner's right to delete their data.
STILL_WORK: tuple[Tap, ...] = (
    AnswerTap(Flow.ONBOARDING, "red_flag", "y"),
    DaysTap(Flow.ONBOARDING, True, 0, 127),
    DeleteTap(True),
)


async def stopped_runner(env: Env, step: Step, status: UserStatus) -> None:
    """A set-up runner whose screening just stopped the programme."""
    await make_runner(env.db, ALEX, now=env.clock.now())
    await set_user(env.db, ALEX, onboarding_step=step, status=status, next_reminder_at=None)


def test_every_kind_of_tap_is_listed() -> None:
    listed = {type(tap) for tap in (*PAUSED, *STILL_WORK)}
    assert listed == set(get_args(Tap))


@pytest.mark.parametrize(
    ("step", "status", "key"),
    [
        (Step.RED_FLAG, UserStatus.RED_FLAG, "safety_paused_emergency"),
        (Step.SEE_DOCTOR, UserStatus.PAUSED, "safety_paused"),
    ],
)
@pytest.mark.parametrize("tap", PAUSED, ids=repr)
async def test_a_tap_while_stopped_is_answered_paused_and_writes_nothing(
    env: Env, step: Step, status: UserStatus, key: str, tap: Tap
) -> None:
    from bot.handlers import router  # the one place that hands each tap to its use case

    await stopped_runner(env, step, status)

    with watch(env.db) as seen:
        reply = await router.use_case(env, ALEX, tap, PROMPT)

    assert (reply.refused, reply.alert) == (Say(key), True)
    assert seen.changes == []


async def test_delete_still_works_while_stopped(env: Env) -> None:
    await stopped_runner(env, Step.RED_FLAG, UserStatus.RED_FLAG)
    await privacy.ask_delete(env, telegram_user_id=ALEX)
    await set_user(env.db, ALEX, prompt_message_id=PROMPT)

    reply = await privacy.confirm_delete(
        env, telegram_user_id=ALEX, tap=DeleteTap(True), message_id=PROMPT
    )

    assert reply.refused is None
    assert reply.notes[0].lines == (Say("deleted"),)


async def test_closing_ends_the_session_and_every_due_question(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now(), level=3)
    view = await start_session(env, ALEX)
    await set_user(
        env.db,
        ALEX,
        next_morning_at=env.clock.now(),
        prompt_message_id=PROMPT,
        awaiting=Question.RAN,
    )
    async with env.db.write() as tx:
        rs = await tx.get(RoutineSession, view.session_id)
        assert rs is not None
        rs.step_message_id = 77

    async with runner_unit(env, ALEX) as (tx, user):
        assert user is not None
        assert not safety.stopped(user)
        user.onboarding_step = Step.SEE_DOCTOR
        closed = await safety.close_live(tx, user, env.clock.now())

    assert closed == (77, PROMPT)
    user = await user_row(env.db, ALEX)
    assert (user.next_reminder_at, user.next_morning_at) == (None, None)
    assert (user.awaiting, user.prompt_message_id) == (None, None)
    async with env.db.read() as tx:
        rs = await tx.get(RoutineSession, view.session_id)
        assert rs is not None
        assert rs.status is SessionStatus.ABANDONED
        assert rs.ended_at is not None


async def test_closing_with_nothing_live_strips_nothing(env: Env) -> None:
    await make_runner(env.db, ALEX, now=env.clock.now())
    other = await make_runner(env.db, 502, now=env.clock.now())
    theirs = await make_session(env.db, other, steps=["x"], now=env.clock.now())
    async with runner_unit(env, ALEX) as (tx, user):
        assert user is not None
        user.onboarding_step = Step.RED_FLAG
        assert await safety.close_live(tx, user, env.clock.now()) == ()
    async with env.db.read() as tx:
        rs = await tx.get(RoutineSession, theirs)
        assert rs is not None
        assert rs.status is SessionStatus.IN_PROGRESS  # another runner's session is theirs
