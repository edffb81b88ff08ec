"""A safety stop closes everything live (PROGRESSION.md R0a, R0b; "How the rules combine"
point 9), end to end: mid-session the runner says something new came up and answers a
red-flag question "yes"; the session ends, and every old button answers that the
programme is paused, storing nothing, until a doctor has cleared them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.content import Content
from bot.db.models import ReminderDelivery
from bot.devtools.standin import StoredMessage
from bot.domain.enums import DeliveryKind, SessionStatus, UserStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import done_step, session_with_pain
from tests.utils.rows import (
    level_changes,
    row_counts,
    sessions_of,
    set_user,
    user_row,
    user_state,
)

DAY_TWO = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, the day after setup
DAY_TWO_SWEEP = datetime(2026, 3, 3, 7, 0, 30, tzinfo=UTC)  # 08:00:30: reminder and morning
# The screening answers that lead to each stop: emergency signs (R0a), doctor first (R0b).
EMERGENCY, DOCTOR = ("Yes",), ("No", "Yes")


@dataclass(frozen=True)
class Left:
    """The buttons a runner still has on screen when the stop begins."""

    something_new: StoredMessage  # under yesterday's check-in
    pain_prompt: StoredMessage  # today's first session, not rated yet
    step: StoredMessage  # the live step of today's second session
    reminder: StoredMessage
    morning: StoredMessage


def bot_said(runner: ChatUser, starts: str) -> StoredMessage:
    return next(m for m in reversed(runner.bot_messages()) if (m.text or "").startswith(starts))


def now_showing(runner: ChatUser, message: StoredMessage) -> StoredMessage:
    """The message as the runner sees it now (after any edits)."""
    return next(m for m in runner.bot_messages() if m.message_id == message.message_id)


async def mid_session(runner: ChatUser, bot_runner: BotRunner, clock: ManualClock) -> Left:
    """Yesterday a rated session; today the reminder and the morning question unanswered,
    one session finished but not rated, a second one on its second step."""
    await session_with_pain(runner, 2)
    something_new = copy.deepcopy(runner.last())
    clock.set(DAY_TWO_SWEEP)
    await bot_runner.sweep()
    await runner.settled()
    reminder = copy.deepcopy(bot_said(runner, "Time for your routine"))
    morning = copy.deepcopy(bot_said(runner, "Good morning!"))
    await runner.say("/session")
    await runner.tap("Skip, start now")  # today's morning question is asked first
    await done_step(runner)
    pain_prompt = copy.deepcopy(runner.last())
    assert "How's your back right now" in (pain_prompt.text or "")
    await set_user(bot_runner.db, runner.user_id, level=3)
    await runner.say("/session")
    await done_step(runner)
    step = copy.deepcopy(runner.last())
    assert (step.text or "").startswith("Step 2 of 3")
    return Left(something_new, pain_prompt, step, reminder, morning)


async def stop(runner: ChatUser, left: Left, answers: tuple[str, ...]) -> None:
    """'Something new or different?', then the screening answers that stop the programme."""
    await runner.tap_message(left.something_new, "Something new or different?")
    assert "numbness" in (runner.last().text or "")
    for answer in answers:
        await runner.tap(answer)


async def deliveries_now(bot_runner: BotRunner) -> list[tuple[int, str]]:
    async with bot_runner.db.read() as tx:
        rows = await tx.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id))
        return [(d.id, d.status.value) for d in rows]


@pytest.mark.parametrize(
    ("answers", "paused_key", "status"),
    [
        (EMERGENCY, "safety_paused_emergency", UserStatus.RED_FLAG),
        (DOCTOR, "safety_paused", UserStatus.PAUSED),
    ],
    ids=["emergency", "doctor"],
)
async def test_every_old_button_answers_paused_and_stores_nothing(
    onboarded: ChatUser,
    bot_runner: BotRunner,
    clock: ManualClock,
    content: Content,
    answers: tuple[str, ...],
    paused_key: str,
    status: UserStatus,
) -> None:
    left = await mid_session(onboarded, bot_runner, clock)
    await stop(onboarded, left, answers)

    paused = content.texts.get(paused_key)
    db = bot_runner.db
    first, second = (await sessions_of(db, onboarded.user_id))[-2:]
    assert first.status is SessionStatus.COMPLETED
    assert second.status is SessionStatus.ABANDONED  # never counts toward a level change
    assert now_showing(onboarded, left.step).buttons() == []
    user = await user_row(db, onboarded.user_id)
    assert user.status is status
    assert (user.next_reminder_at, user.next_morning_at, user.awaiting) == (None, None, None)
    rows, state = await row_counts(db), await user_state(db, onboarded.user_id)
    sent = await deliveries_now(bot_runner)

    taps = [
        (left.step, "✅ Done"),
        (left.step, "Stop"),
        (left.morning, "3"),
        (left.reminder, "Start"),
        (left.reminder, "Snooze 30 min"),
        (left.reminder, "Skip today"),
        (left.pain_prompt, "4"),
        (left.something_new, "Something new or different?"),
    ]
    for message, label in taps:
        answer = await onboarded.tap_message(message, label)
        assert (answer.get("text"), answer.get("show_alert")) == (paused, True), label
    for typed in ("/session", "/run", "/checkin", "/routines", "/settings", "/resume", "5"):
        reply = await onboarded.send(typed)
        assert reply.text == paused, typed

    assert await row_counts(db) == rows  # no step answer, check-in or level change added
    assert await user_state(db, onboarded.user_id) == state
    assert await deliveries_now(bot_runner) == sent  # no snooze, no skip


async def test_no_reminder_or_morning_question_while_stopped(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    left = await mid_session(onboarded, bot_runner, clock)
    await stop(onboarded, left, EMERGENCY)
    sent = await deliveries_now(bot_runner)
    messages = len(onboarded.bot_messages())

    for day in range(1, 4):  # 07:30 and 08:00 Berlin on the next three days
        for hour, minute in ((6, 31), (7, 1)):
            clock.set(datetime(2026, 3, 3 + day, hour, minute, tzinfo=UTC))
            result = await bot_runner.sweep()
            assert result.claimed == 0

    await onboarded.settled()
    assert len(onboarded.bot_messages()) == messages
    assert await deliveries_now(bot_runner) == sent


@pytest.mark.parametrize("answers", [EMERGENCY, DOCTOR], ids=["emergency", "doctor"])
async def test_after_clearance_the_programme_resumes(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock, answers: tuple[str, ...]
) -> None:
    left = await mid_session(onboarded, bot_runner, clock)
    await stop(onboarded, left, answers)

    await onboarded.say("/start")
    assert "Has a doctor" in (onboarded.last().text or "")
    await onboarded.tap("Yes, I've been cleared")
    await onboarded.tap("No")  # the screening questions once more, both clear
    await onboarded.tap("No")
    assert "nothing there that needs a doctor" in (onboarded.last().text or "")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert (user.status, user.onboarding_step) == (UserStatus.ACTIVE, "done")
    assert user.next_reminder_at is not None

    await onboarded.say("/session")  # a new session, not the closed one
    assert (onboarded.last().text or "").startswith("Step 1 of 3")
    await done_step(onboarded)
    assert (onboarded.last().text or "").startswith("Step 2 of 3")
    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert [s.status for s in sessions[-2:]] == [
        SessionStatus.ABANDONED,
        SessionStatus.IN_PROGRESS,
    ]
    answer = await onboarded.tap_message(left.step, "✅ Done")  # the closed session's step
    assert answer.get("text") == "That session is already over."

    clock.set(datetime(2026, 3, 4, 6, 31, tzinfo=UTC))  # the next reminder comes again
    await bot_runner.sweep()
    await onboarded.settled()
    assert (onboarded.last().text or "").startswith("Time for your routine")
    async with bot_runner.db.read() as tx:
        kinds = (
            await tx.scalars(
                select(ReminderDelivery.kind).where(ReminderDelivery.local_date == date(2026, 3, 4))
            )
        ).all()
    assert list(kinds) == [DeliveryKind.REMINDER]
    # The rules recorded the stop and the return, and decide again from here.
    recorded = [
        (c.rule_id, c.decision) for c in await level_changes(bot_runner.db, onboarded.user_id)
    ]
    rule = "R0a" if answers == EMERGENCY else "R0b"
    assert recorded[-2:] == [(rule, "stop"), ("R0", "resume")]
    assert ((await user_row(bot_runner.db, onboarded.user_id)).rules_memory or {}).get(
        "stopped_on"
    ) is None
