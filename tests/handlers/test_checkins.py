"""Check-ins that steer the programme, end to end: after sessions, runs, mornings; /progress."""

from __future__ import annotations

import copy
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.image import imread
from sqlalchemy import select

from bot.clock import ManualClock
from bot.content import Content
from bot.db.models import PainCheckin, ReminderDelivery, User
from bot.domain.enums import CheckinKind, DeliveryKind, SessionStatus, StepOutcome
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.factories import make_checkin, make_decision, make_session
from tests.utils.journeys import morning, morning_question, session_with_pain, sweep_at
from tests.utils.rows import level_changes, set_user, user_row


async def test_high_pain_after_a_session_starts_flare_mode_and_lowers_the_level(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=4)
    reply = await session_with_pain(onboarded, 8)

    assert reply.startswith("Logged 8/10 (severe). Flare mode: 8/10 is high")
    assert "your level goes back to 3; while the flare lasts, sessions stay at level 2" in reply
    flare, down = await level_changes(bot_runner.db, onboarded.user_id)
    assert (flare.rule_id, flare.decision, flare.numbers["p"]) == ("R6", "flare_on", 8)
    assert (down.rule_id, down.from_level, down.to_level) == ("R5", 4, 3)
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.flare_since is not None
    assert user.level == 3  # R5 lowered it; sessions run at most level 2 while the flare lasts

    await onboarded.say("/session")
    assert "level 2 of 7: 2 steps" in (onboarded.bot_messages()[-2].text or "")


async def test_pain_of_eight_at_level_two_makes_the_next_session_level_one(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    """Version 1 only started flare mode: the next session still ran level 2."""
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    reply = await session_with_pain(onboarded, 8)
    assert "Flare mode" in reply
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert (user.level, user.flare_since is not None) == (1, True)
    await onboarded.say("/session")
    assert "level 1 of 7" in (onboarded.bot_messages()[-2].text or "")


async def test_pain_above_five_steps_down(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    reply = await session_with_pain(onboarded, 6)

    assert "Next session goes back to level 2" in reply
    assert (await user_row(bot_runner.db, onboarded.user_id)).level == 2
    [decision] = await level_changes(bot_runner.db, onboarded.user_id)
    assert (decision.rule_id, decision.from_level, decision.to_level) == ("R5", 3, 2)


async def test_three_easy_days_level_up(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    replies = []
    for _ in range(3):
        replies.append(await session_with_pain(onboarded, 2))
        replies.append(await morning(onboarded, bot_runner, clock, 3))
        clock.advance(timedelta(hours=2))

    assert "Next session adds boogie board side stretch" in replies[-1]
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.level == 2
    assert [d.rule_id for d in await level_changes(bot_runner.db, onboarded.user_id)][-1] == "R3"
    await onboarded.say("/session")
    assert "level 2 of 7: 2 steps" in (onboarded.bot_messages()[-2].text or "")


async def test_morning_checkin_once_and_closed_after_the_next_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.next_morning_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 Berlin

    clock.set(datetime(2026, 3, 3, 7, 1, tzinfo=UTC))
    await bot_runner.sweep()
    await onboarded.settled()
    prompt = copy.deepcopy(onboarded.last())
    await onboarded.tap("3")
    assert (onboarded.last().text or "").startswith("Logged 3/10 (mild).")
    again = await onboarded.tap_message(prompt, "5")
    assert again.get("text") == "Already logged, thanks."

    async with bot_runner.db.read() as session:
        mornings = (
            await session.scalars(
                select(PainCheckin).where(PainCheckin.context == CheckinKind.MORNING)
            )
        ).all()
    assert [m.score for m in mornings] == [3]


async def test_a_late_morning_answer_after_the_next_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    clock.set(datetime(2026, 3, 3, 7, 1, tzinfo=UTC))
    await bot_runner.sweep()
    await onboarded.settled()
    prompt = copy.deepcopy(onboarded.last())
    clock.advance(timedelta(hours=3))
    await onboarded.say("/session")
    await onboarded.tap("Skip, start now")  # asked first, and skipped
    while "✅ Done" in onboarded.last().button_labels():  # a step, numbered or alone
        await onboarded.tap("✅ Done")
    await onboarded.tap("2")

    answer = await onboarded.tap_message(prompt, "4")
    assert answer.get("text") == (
        "That morning check-in has closed; I'll ask again after your next session or run."
    )


async def test_run_checkin(onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock) -> None:
    await onboarded.say("/run")
    assert onboarded.last().text == "Did you run today?"
    await onboarded.tap("Yes")
    assert "after the run" in (onboarded.last().text or "")
    replies = await onboarded.say("eleven")
    assert "whole number from 0" in (replies[0].text or "")
    replies = await onboarded.say("4")
    assert "Fine so far: I'll ask how your back feels tomorrow morning." in (replies[-1].text or "")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.next_morning_at is not None
    # R7 again the next morning.
    reply = await morning(onboarded, bot_runner, clock, 2)
    assert "Keep running as planned: your back settled after the run (2/10" in reply


async def test_a_run_in_flare_mode_is_walking(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await session_with_pain(onboarded, 8)
    await onboarded.say("/run")
    await onboarded.tap("Yes")
    await onboarded.tap("3")
    reply = onboarded.last().text or ""
    assert "walk instead of running" in reply
    assert "Keep running" not in reply


async def test_hard_run_advises_an_easier_one(onboarded: ChatUser) -> None:
    await onboarded.say("/run")
    await onboarded.tap("Yes")
    await onboarded.tap("6")
    assert "Make the next run shorter or easier" in (onboarded.last().text or "")


async def test_no_run(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/run")
    await onboarded.tap("No")
    assert onboarded.last().text == "No run today, noted. Rest days count too."
    async with bot_runner.db.read() as session:
        assert (await session.scalars(select(PainCheckin))).all() == []


async def test_adhoc_checkin_and_double_tap(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/checkin")
    prompt = onboarded.last()
    data = next(b["callback_data"] for b in prompt.buttons() if b["text"] == "5")
    onboarded.standin.user_tap(onboarded.user_id, prompt, data)
    onboarded.standin.user_tap(onboarded.user_id, prompt, data)
    await onboarded.settled()

    async with bot_runner.db.read() as session:
        rows = (await session.scalars(select(PainCheckin))).all()
    assert [(r.score, r.context) for r in rows] == [(5, CheckinKind.AD_HOC)]


async def test_something_new_asks_the_safety_questions_again(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await session_with_pain(onboarded, 3)
    await onboarded.tap("Something new or different?")
    assert "numbness" in (onboarded.last().text or "")
    await onboarded.tap("No")
    await onboarded.tap("No")
    assert "nothing there that needs a doctor" in (onboarded.last().text or "")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.onboarding_step == "done"
    assert user.next_reminder_at is not None


async def test_something_new_with_a_red_flag_stops(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await session_with_pain(onboarded, 3)
    await onboarded.tap("Something new or different?")
    await onboarded.tap("Yes")
    assert "emergency department" in (onboarded.last().text or "")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.next_reminder_at is None


async def test_progress_without_data(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/progress")
    assert "Nothing to show yet" in (replies[-1].text or "")


async def test_progress_tells_ten_days_against_where_the_runner_started(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    """Ten days of mornings easing from 6 to 1, sessions, a short flare and a level-up:
    /progress sends a portrait picture whose caption has the headline and R9 against B0
    (5, from what the rules stored; the onboarding rating was 3)."""
    db, today = bot_runner.db, date(2026, 3, 2)  # the clock's day in Berlin
    user_id = (await user_row(db, onboarded.user_id)).id
    days = [today - timedelta(days=9 - i) for i in range(10)]
    for day, score in zip(days, [6, 6, 5, 5, 4, 4, 3, 3, 2, 1], strict=True):
        morning_at = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
        await make_checkin(db, user_id, score=score, at=morning_at, kind=CheckinKind.MORNING)
    for day in days[:-1]:
        evening = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
        session_id = await make_session(
            db,
            user_id,
            steps=content.ladder.steps[:1],
            now=evening,
            status=SessionStatus.COMPLETED,
            outcomes=[StepOutcome.DONE],
        )
        await make_checkin(db, user_id, score=3, at=evening, session_id=session_id)
    for offset, decision, levels in (
        (2, "flare_on", (1, 1)),
        (4, "flare_off", (1, 1)),
        (5, "level_up", (1, 2)),
    ):
        day = days[offset]
        at = datetime(day.year, day.month, day.day, 7, 1, tzinfo=UTC)
        await make_decision(
            db,
            user_id,
            decision=decision,
            local_date=day,
            at=at,
            from_level=levels[0],
            to_level=levels[1],
        )
    memory = {"b0": 5.0, "b0_on": days[6].isoformat(), "b": 5.0, "b_on": days[6].isoformat()}
    await set_user(db, onboarded.user_id, level=2, rules_memory=memory)

    await onboarded.say("/progress")

    photo = onboarded.last()
    assert photo.photo is not None
    assert photo.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert imread(io.BytesIO(photo.photo), format="png").shape[:2] == (1000, 800)  # portrait
    assert len(photo.photo) < 150_000
    assert (photo.text or "").splitlines() == [
        "Mornings 6 → 1 over 10 days, level 1 → 2",
        # W = (5 + 4 + 4 + 3 + 3 + 2 + 1) / 7 = 3.14, at or below 70% of B0 = 3.5
        "Better than when you started: your mornings this week average 3.1, against 5 then"
        " (3.5 or less counts as better).",
        "Level 2 of 7 · streak 9 days",
    ]


async def test_progress_after_a_session_through_the_chat(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """A runner two days in: the rows the chat wrote are what /progress reads."""
    await session_with_pain(onboarded, 2)
    await morning(onboarded, bot_runner, clock, 4)
    await onboarded.say("/progress")

    photo = onboarded.last()
    assert photo.photo is not None
    assert imread(io.BytesIO(photo.photo), format="png").shape[:2] == (1000, 800)
    assert (photo.text or "").splitlines() == [
        "First morning: 4/10, level 1",
        "Your mornings this week average 4, against 3 when you started:"
        " 2 or less would count as better.",
        "Level 1 of 7 · streak 1 day",
    ]


async def test_check_in_decisions_keep_their_numbers(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=2)
    await session_with_pain(onboarded, 7)
    decision, down = await level_changes(bot_runner.db, onboarded.user_id)
    assert (decision.rule_id, decision.decision) == ("R6", "flare_on")
    assert decision.reason.startswith("Flare mode")
    assert dict(down.numbers) == {"p": 7, "threshold": 7, "hold_sessions": 3}
    assert down.local_date == decision.local_date
    async with bot_runner.db.read() as session:
        user = await session.scalar(select(User).where(User.telegram_user_id == onboarded.user_id))
    assert user is not None
    assert user.flare_since is not None


MORNING_QUESTION = "Good morning! How's your back this morning?"


def morning_questions(runner: ChatUser) -> list[str]:
    """Every morning question sent to the runner, as sent (a later edit does not hide one)."""
    return [
        str(params.get("text"))
        for _name, params in runner.standin.successful_calls("sendMessage")
        if str(params.get("chat_id")) == str(runner.chat_id)
        and str(params.get("text", "")).startswith(MORNING_QUESTION)
    ]


async def mornings_sent(bot_runner: BotRunner) -> list[date]:
    async with bot_runner.db.read() as session:
        rows = await session.scalars(
            select(ReminderDelivery.local_date)
            .where(ReminderDelivery.kind == DeliveryKind.MORNING_CHECKIN)
            .order_by(ReminderDelivery.local_date)
        )
        return list(rows)


async def test_without_flare_mode_the_morning_question_is_asked_once(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    for day in (3, 4):
        await sweep_at(bot_runner, onboarded, clock, datetime(2026, 3, day, 7, 0, 30, tzinfo=UTC))

    assert len(morning_questions(onboarded)) == 1
    assert await mornings_sent(bot_runner) == [date(2026, 3, 3)]
    assert (await user_row(bot_runner.db, onboarded.user_id)).next_morning_at is None


async def test_in_flare_mode_the_morning_question_comes_every_morning(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 8)  # flare mode starts; unanswered mornings keep it
    assert (await user_row(bot_runner.db, onboarded.user_id)).flare_since is not None

    asked = []
    for day in (3, 4, 5):
        # 07:59 Berlin: not yet; 08:00:30: asked, once, however often the sweep runs.
        await sweep_at(bot_runner, onboarded, clock, datetime(2026, 3, day, 6, 59, tzinfo=UTC))
        await sweep_at(bot_runner, onboarded, clock, datetime(2026, 3, day, 7, 0, 30, tzinfo=UTC))
        await sweep_at(bot_runner, onboarded, clock, datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        asked.append(len(morning_questions(onboarded)))

    assert asked == [1, 2, 3]
    assert await mornings_sent(bot_runner) == [date(2026, 3, d) for d in (3, 4, 5)]
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.next_morning_at == datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # 08:00 Berlin


async def stored_mornings(bot_runner: BotRunner) -> list[tuple[int, date]]:
    async with bot_runner.db.read() as session:
        rows = await session.scalars(
            select(PainCheckin)
            .where(PainCheckin.context == CheckinKind.MORNING)
            .order_by(PainCheckin.id)
        )
        return [(r.score, r.local_date) for r in rows]


EXPIRED_MORNING = "That morning question has expired (each one lasts a day), so I didn't log it."


async def test_a_morning_tap_after_the_next_morning_question_is_refused(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 8)  # flare mode: asked every morning
    tuesday = await morning_question(onboarded, bot_runner, clock, 3)
    clock.set(datetime(2026, 3, 4, 6, 0, tzinfo=UTC))  # Wednesday 07:00: less than a day on
    wednesday = await morning_question(onboarded, bot_runner, clock, 4)

    answer = await onboarded.tap_message(tuesday, "4")

    assert answer.get("text") == EXPIRED_MORNING
    assert await stored_mornings(bot_runner) == []
    await onboarded.tap_message(wednesday, "6")
    assert any((m.text or "").startswith("Logged 6/10") for m in onboarded.bot_messages())
    assert await stored_mornings(bot_runner) == [(6, date(2026, 3, 4))]


async def test_a_morning_tap_after_a_day_is_refused(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    tuesday = await morning_question(onboarded, bot_runner, clock, 3)
    clock.advance(timedelta(hours=24, minutes=1))

    answer = await onboarded.tap_message(tuesday, "4")

    assert answer.get("text") == EXPIRED_MORNING
    assert await stored_mornings(bot_runner) == []


async def test_a_late_morning_tap_within_a_day_counts_for_the_morning_it_was_asked(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    tuesday = await morning_question(onboarded, bot_runner, clock, 3)
    clock.advance(timedelta(hours=23, minutes=50))  # Wednesday 07:50 in Berlin

    await onboarded.tap_message(tuesday, "4")

    assert (onboarded.last().text or "").startswith("Logged 4/10")
    assert await stored_mornings(bot_runner) == [(4, date(2026, 3, 3))]


@pytest.mark.parametrize(("typed", "score"), [("3", 3), ("2/10", 2), (" 3 ", 3), ("0", 0)])
async def test_a_typed_number_answers_the_morning_question(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock, typed: str, score: int
) -> None:
    await session_with_pain(onboarded, 2)
    asked = await morning_question(onboarded, bot_runner, clock, 3)

    replies = await onboarded.say(typed)

    assert (replies[-1].text or "").startswith(f"Logged {score}/10")
    assert await stored_mornings(bot_runner) == [(score, date(2026, 3, 3))]
    question = next(m for m in onboarded.bot_messages() if m.message_id == asked.message_id)
    assert question.buttons() == []  # answered: nothing left to tap
    again = await onboarded.tap_message(asked, "5")
    assert again.get("text") == "Already logged, thanks."


async def test_unreadable_typed_morning_answers_get_a_hint_and_the_question_again(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 2)
    await morning_question(onboarded, bot_runner, clock, 3)

    for typed in ("abc", "11", "3.5"):
        replies = await onboarded.say(typed)
        assert "whole number from 0 (no pain) to 10" in (replies[-1].text or "")
        assert MORNING_QUESTION in (replies[-1].text or "")
        assert replies[-1].button_labels() == [str(n) for n in range(11)]
        live = [
            m
            for m in onboarded.bot_messages()
            if m.buttons() and MORNING_QUESTION in (m.text or "")
        ]
        assert live == [replies[-1]]  # the question asked again is the only live one
    assert await stored_mornings(bot_runner) == []

    await onboarded.say("2")
    assert await stored_mornings(bot_runner) == [(2, date(2026, 3, 3))]
