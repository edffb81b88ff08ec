"""Onboarding at the use-case level: a red flag stops every reminder at once and acts
once; a new runner's first /start creates one row, however many arrive together."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerTap, Flow, SessionPainTap
from bot.clock import ManualClock
from bot.db.models import User
from bot.db.repo import users
from bot.domain.enums import UserStatus
from bot.domain.onboarding import Step
from bot.sender import SweepConfig, claim_due
from bot.services import checkins, onboarding
from bot.services.questions import remember_prompt
from bot.services.reminders import SweepResult
from bot.services.unit import Env
from tests.utils.factories import make_runner
from tests.utils.rows import count, user_row
from tests.utils.usecases import finish_session

ALEX = 501
EMERGENCY_YES = AnswerTap(Flow.ONBOARDING, "screen_emergency", "y")


async def ask_next(env: Env, message_id: int) -> None:
    """The handler sent the next question as message `message_id`."""
    await remember_prompt(env, telegram_user_id=ALEX, message_id=message_id)


async def claim(env: Env, clock: ManualClock) -> int:
    config = SweepConfig(grace=timedelta(hours=1), batch_size=100)
    items, _ = await claim_due(env, now=clock.now(), config=config, result=SweepResult())
    return len(items)


async def test_a_red_flag_at_the_first_question_means_no_reminders(env: Env) -> None:
    reply = await onboarding.start(
        env, telegram_user_id=ALEX, chat_id=ALEX, first_name="Alex", language_code="en"
    )
    assert reply.ask is not None
    await ask_next(env, 1)

    answered = await onboarding.answer_tap(
        env, telegram_user_id=ALEX, tap=EMERGENCY_YES, message_id=1
    )

    assert answered.refused is None
    user = await user_row(env.db, ALEX)
    assert (user.status, user.onboarding_step) == (UserStatus.RED_FLAG, Step.RED_FLAG)
    assert user.next_reminder_at is None


async def test_a_red_flag_on_rescreening_stops_the_reminders_already_scheduled(
    env: Env, clock: ManualClock
) -> None:
    await make_runner(env.db, ALEX, now=clock.now(), level=1)
    session_id, _ = await finish_session(env, ALEX)
    rated = await checkins.session_pain_tap(
        env, telegram_user_id=ALEX, tap=SessionPainTap(session_id, 3), message_id=None
    )
    assert rated.refused is None
    before = await user_row(env.db, ALEX)
    assert before.next_reminder_at is not None
    assert before.next_morning_at is not None

    # "Something new or different?": the red-flag questions again; emergency signs, yes.
    again = await checkins.rescreen(env, telegram_user_id=ALEX, message_id=None)
    assert again.ask is not None
    await ask_next(env, 2)
    stopped = await onboarding.answer_tap(
        env, telegram_user_id=ALEX, tap=EMERGENCY_YES, message_id=2
    )

    assert stopped.refused is None
    user = await user_row(env.db, ALEX)
    assert user.status is UserStatus.RED_FLAG
    assert user.next_reminder_at is None
    # Nothing goes out: not the reminder, not the morning question.
    for moment in (before.next_reminder_at, before.next_morning_at):
        clock.set(moment + timedelta(minutes=1))
        assert await claim(env, clock) == 0
    clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))  # a week later
    assert await claim(env, clock) == 0
    assert (await user_row(env.db, ALEX)).next_morning_at is None


async def test_a_red_flag_tap_twice_acts_once(env: Env) -> None:
    await onboarding.start(
        env, telegram_user_id=ALEX, chat_id=ALEX, first_name="Alex", language_code=None
    )
    await ask_next(env, 1)
    first = await onboarding.answer_tap(env, telegram_user_id=ALEX, tap=EMERGENCY_YES, message_id=1)
    second = await onboarding.answer_tap(
        env, telegram_user_id=ALEX, tap=EMERGENCY_YES, message_id=1
    )
    assert first.refused is None
    assert second.refused is not None


async def test_two_first_starts_at_once_create_one_runner(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new runner's /start handled twice at once (two processes behind one webhook: in
    one process, updates of one chat run in order). On SQLite the writer lock queues the
    second; on PostgreSQL there is no row to lock yet, so both may look, find nothing and
    insert. Both SELECTs are made to finish before either INSERT, so the race is certain."""
    if env.db.dialect == "postgresql":
        both_looked = asyncio.Barrier(2)
        original = users.get
        looks = 0

        async def get_then_wait(tx: AsyncSession, *, telegram_user_id: int) -> User | None:
            nonlocal looks
            found = await original(tx, telegram_user_id=telegram_user_id)
            looks += 1
            if looks <= 2:  # the first look of each /start; any later one goes straight on
                await asyncio.wait_for(both_looked.wait(), timeout=10)
            return found

        monkeypatch.setattr(users, "get", get_then_wait)

    replies = await asyncio.gather(
        *(
            onboarding.start(
                env, telegram_user_id=ALEX, chat_id=ALEX, first_name="Alex", language_code=None
            )
            for _ in range(2)
        )
    )

    assert await count(env.db, User) == 1
    assert all(reply.ask is not None for reply in replies)
