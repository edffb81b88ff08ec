"""Pain check-ins at the use-case level: one rating per session whatever the taps race,
and the rating, the decisions and the morning question stored in one write unit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.callbacks import SessionPainTap
from bot.db.models import LevelChange, PainCheckin
from bot.domain.enums import CheckinKind, SessionStatus, StepOutcome
from bot.services import checkins, conversation
from bot.services.questions import remember_prompt
from bot.services.results import EXPIRED, Say
from bot.services.unit import Env, runner_unit
from tests.utils.factories import make_runner, make_session
from tests.utils.rows import count, level_changes, row_counts, user_row
from tests.utils.usecases import finish_session
from tests.utils.writes import watch

ALEX, MALLORY = 501, 666
PROMPT = 4242  # the message that carries the pain question
NEXT_MORNING = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Berlin, the day after


async def finished(env: Env, who: int = ALEX, *, level: int = 2) -> int:
    """A runner who has just finished a session and was asked for a rating; its id."""
    await make_runner(env.db, who, now=env.clock.now(), level=level)
    session_id, last = await finish_session(env, who)
    assert last.ask is not None
    await remember_prompt(env, telegram_user_id=who, message_id=PROMPT)
    return session_id


async def test_two_concurrent_pain_taps_log_one_checkin(env: Env) -> None:
    session_id = await finished(env)
    taps = [SessionPainTap(session_id, 3), SessionPainTap(session_id, 7)]

    replies = await asyncio.gather(
        *(
            checkins.session_pain_tap(env, telegram_user_id=ALEX, tap=tap, message_id=PROMPT)
            for tap in taps
        )
    )

    refusals = [r.refused for r in replies]
    assert refusals.count(None) == 1
    assert refusals.count(Say("already_logged")) == 1
    assert await count(env.db, PainCheckin, session_id=session_id) == 1
    user = await user_row(env.db, ALEX)
    assert user.awaiting is None
    assert user.prompt_message_id is None


async def test_a_typed_and_a_tapped_rating_at_once_log_one_checkin(env: Env) -> None:
    session_id = await finished(env)

    await asyncio.gather(
        checkins.session_pain_tap(
            env, telegram_user_id=ALEX, tap=SessionPainTap(session_id, 3), message_id=PROMPT
        ),
        conversation.text(env, telegram_user_id=ALEX, text="4"),
    )

    assert await count(env.db, PainCheckin, session_id=session_id) == 1


async def test_a_rating_for_another_runners_session_is_refused(env: Env) -> None:
    session_id = await finished(env)
    await make_runner(env.db, MALLORY, now=env.clock.now())
    before = await row_counts(env.db)

    with watch(env.db) as seen:
        reply = await checkins.session_pain_tap(
            env, telegram_user_id=MALLORY, tap=SessionPainTap(session_id, 9), message_id=PROMPT
        )

    assert reply.refused == Say(EXPIRED)
    assert seen.changes == []
    assert await row_counts(env.db) == before


async def test_a_rating_for_a_session_in_progress_is_refused(env: Env) -> None:
    user_id = await make_runner(env.db, ALEX, now=env.clock.now(), level=2)
    session_id = await make_session(
        env.db, user_id, steps=["thorax_foam_roll", "child_pose_traction"], now=env.clock.now()
    )
    reply = await checkins.session_pain_tap(
        env, telegram_user_id=ALEX, tap=SessionPainTap(session_id, 2), message_id=None
    )
    assert reply.refused == Say(EXPIRED)
    assert await count(env.db, PainCheckin) == 0


async def test_a_checkin_after_a_session_is_one_write_unit(env: Env) -> None:
    session_id = await finished(env)

    with watch(env.db) as seen:
        reply = await checkins.session_pain_tap(
            env, telegram_user_id=ALEX, tap=SessionPainTap(session_id, 2), message_id=PROMPT
        )

    assert reply.refused is None
    assert seen.write_units == 1
    assert await count(env.db, PainCheckin, session_id=session_id) == 1


async def test_log_rating_stores_rating_decision_and_morning_in_one_unit(env: Env) -> None:
    now = env.clock.now()
    user_id = await make_runner(env.db, ALEX, now=now, level=3)
    session_id = await make_session(
        env.db,
        user_id,
        steps=["thorax_foam_roll", "boogie_board_side_stretch", "child_pose_traction"],
        now=now,
        status=SessionStatus.COMPLETED,
        current_step=2,
        outcomes=[StepOutcome.DONE] * 3,
    )

    with watch(env.db) as seen:
        async with runner_unit(env, ALEX) as (tx, user):
            assert user is not None
            message, rescreen = await checkins.log_rating(
                env, tx, user, CheckinKind.AFTER_SESSION, 6, session_id=session_id
            )

    assert seen.write_units == 1
    assert rescreen is None
    assert message.lines[0] == Say("checkin_logged", {"score": "6", "label": "moderate"})
    assert any(line.key.startswith("decision_") for line in message.lines[1:])
    async with env.db.read() as tx:
        [rating] = (await tx.scalars(select(PainCheckin))).all()
    assert (rating.score, rating.context, rating.session_id) == (
        6,
        CheckinKind.AFTER_SESSION,
        session_id,
    )
    [change] = await level_changes(env.db, ALEX)
    assert (change.rule_id, change.from_level, change.to_level) == ("R5", 3, 2)
    assert change.reason  # the sentence the runner read, kept with the decision
    user_after = await user_row(env.db, ALEX)
    assert user_after.level == 2
    assert user_after.next_morning_at == NEXT_MORNING


async def test_log_rating_rolls_back_whole_when_the_unit_fails(env: Env) -> None:
    now = env.clock.now()
    user_id = await make_runner(env.db, ALEX, now=now, level=3)
    session_id = await make_session(
        env.db,
        user_id,
        steps=["thorax_foam_roll", "boogie_board_side_stretch", "child_pose_traction"],
        now=now,
        status=SessionStatus.COMPLETED,
        current_step=2,
        outcomes=[StepOutcome.DONE] * 3,
    )
    before = await row_counts(env.db)

    with pytest.raises(RuntimeError, match="after the rating"):
        async with runner_unit(env, ALEX) as (tx, user):
            assert user is not None
            await checkins.log_rating(
                env, tx, user, CheckinKind.AFTER_SESSION, 6, session_id=session_id
            )
            raise RuntimeError("something failed after the rating")

    assert await row_counts(env.db) == before
    user_after = await user_row(env.db, ALEX)
    assert (user_after.level, user_after.next_morning_at) == (3, None)
    assert await count(env.db, LevelChange) == 0
