"""/settings at the use-case level: only the open question's buttons act, and only once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from bot.callbacks import AnswerTap, DaysTap, Flow
from bot.domain.enums import ALL_DAYS, UserStatus
from bot.domain.questions import Question
from bot.services import settings
from bot.services.questions import remember_prompt
from bot.services.results import EXPIRED, QuestionKeys, Say
from bot.services.unit import Env
from tests.utils.factories import make_runner
from tests.utils.rows import user_row, user_state
from tests.utils.writes import watch

ALEX = 501
PROMPT = 7000


async def open_question(env: Env, question: Question, message_id: int = PROMPT) -> None:
    """The question is asked, and its message remembered (as the handler does)."""
    await make_runner(env.db, ALEX, now=env.clock.now())
    reply = await settings.open_question(env, telegram_user_id=ALEX, question=question)
    assert reply.ask is not None
    await remember_prompt(env, telegram_user_id=ALEX, message_id=message_id)


async def tap(env: Env, value: AnswerTap | DaysTap, message_id: int = PROMPT) -> Say | None:
    reply = await settings.answer_tap(env, telegram_user_id=ALEX, tap=value, message_id=message_id)
    return reply.refused


async def test_a_double_tap_on_a_time_acts_once(env: Env) -> None:
    await open_question(env, Question.TIME)
    eight = AnswerTap(Flow.SETTINGS, "time", "0800")

    assert await tap(env, eight) is None
    after_first = await user_state(env.db, ALEX)
    with watch(env.db) as seen:
        assert await tap(env, eight) == Say(EXPIRED)

    assert seen.changes == []
    assert await user_state(env.db, ALEX) == after_first
    user = await user_row(env.db, ALEX)
    assert user.reminder_time == time(8, 0)
    assert user.next_reminder_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # today 08:00 Berlin
    assert (user.awaiting, user.prompt_message_id) == (None, None)


async def test_two_taps_at_once_on_one_question_act_once(env: Env) -> None:
    await open_question(env, Question.TIME)
    taps = [AnswerTap(Flow.SETTINGS, "time", value) for value in ("0600", "2000")] * 5

    refusals = await asyncio.gather(*(tap(env, t) for t in taps))

    assert refusals.count(None) == 1
    user = await user_row(env.db, ALEX)
    chosen = taps[refusals.index(None)].value
    assert user.reminder_time == time(int(chosen[:2]), int(chosen[2:]))


async def test_a_double_tap_on_a_day_toggles_once(env: Env) -> None:
    await open_question(env, Question.DAYS)
    tuesday_off = DaysTap(Flow.SETTINGS, save=False, weekday=1, mask=ALL_DAYS)

    first = await settings.answer_tap(
        env, telegram_user_id=ALEX, tap=tuesday_off, message_id=PROMPT
    )
    assert first.redraw == QuestionKeys(Flow.SETTINGS, "days", ALL_DAYS & ~0b10)
    # The same button again, from the keyboard drawn before the first tap: not a toggle back.
    assert await tap(env, tuesday_off) == Say(EXPIRED)
    save = DaysTap(Flow.SETTINGS, save=True, weekday=0, mask=ALL_DAYS & ~0b10)
    assert await tap(env, save) is None
    assert await tap(env, save) == Say(EXPIRED)
    assert (await user_row(env.db, ALEX)).reminder_days == ALL_DAYS & ~0b10


async def test_a_double_tap_on_pause_pauses_once(env: Env) -> None:
    await open_question(env, Question.PAUSE)
    three_days = AnswerTap(Flow.SETTINGS, "pause", "3")

    refusals = await asyncio.gather(tap(env, three_days), tap(env, three_days))

    assert refusals.count(None) == 1
    assert refusals.count(Say(EXPIRED)) == 1
    user = await user_row(env.db, ALEX)
    assert user.status is UserStatus.PAUSED
    assert user.paused_until == env.clock.now() + timedelta(days=3)


async def test_a_tap_on_an_older_question_is_refused(env: Env) -> None:
    await open_question(env, Question.TIME, message_id=PROMPT)
    # The runner asks again: a new message carries the question now.
    await settings.open_question(env, telegram_user_id=ALEX, question=Question.TIME)
    await remember_prompt(env, telegram_user_id=ALEX, message_id=PROMPT + 1)
    before = await user_state(env.db, ALEX)

    assert await tap(env, AnswerTap(Flow.SETTINGS, "time", "0600"), PROMPT) == Say(EXPIRED)
    assert await user_state(env.db, ALEX) == before
    assert await tap(env, AnswerTap(Flow.SETTINGS, "time", "0600"), PROMPT + 1) is None


async def test_a_tap_for_a_question_that_is_not_open_is_refused(env: Env) -> None:
    await open_question(env, Question.TIME)
    before = await user_state(env.db, ALEX)
    # A zone button forged onto the time question's message.
    assert await tap(env, AnswerTap(Flow.SETTINGS, "zone", "Europe/London")) == Say(EXPIRED)
    assert await user_state(env.db, ALEX) == before
