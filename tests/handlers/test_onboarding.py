"""Onboarding end to end: screening, questions, bad input, stale taps, restarts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time

import pytest

from bot.devtools.standin import BotApiStandIn
from bot.domain.enums import UserStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser, assert_only_last_has_buttons
from tests.utils.journeys import onboard_to
from tests.utils.rows import sessions_of, user_row, user_state


async def test_happy_path(runner: ChatUser, bot_runner: BotRunner) -> None:
    replies = await runner.say("/start")
    assert "not medical advice" in (replies[0].text or "")
    assert "numbness" in (runner.last().text or "")
    assert runner.last().button_labels() == ["Yes", "No"]

    await runner.tap("No")
    assert "fever" in (runner.last().text or "")
    await runner.tap("No")
    assert "any movement extremely painful" in (runner.last().text or "")
    await runner.tap("No")
    assert "0 = no pain" in (runner.last().text or "")
    assert runner.last().button_labels() == [str(n) for n in range(11)]
    await runner.say("3")
    assert "foam roller" in (runner.last().text or "")
    await runner.tap("No roller")
    assert "cat-cow" in (runner.last().text or "")
    assert "What time" in (runner.last().text or "")
    await runner.say("7:30 pm")
    assert "in the morning" in (runner.last().text or "")
    await runner.say("6:45")  # typed, like the reminder time
    assert "time zone" in (runner.last().text or "")
    await runner.say("berlin")
    assert "days" in (runner.last().text or "")
    for day in ("Tue", "Thu", "Sat", "Sun"):
        await runner.tap(f"✓ {day}")
    assert runner.last().button_labels()[:4] == ["✓ Mon", "Tue", "✓ Wed", "Thu"]
    await runner.tap("Save")

    summary = runner.last().text or ""
    # Monday 2026-03-02 07:00 in Berlin: tonight's 19:30 is the next reminder.
    assert "Mon, Wed, Fri at 19:30, Europe/Berlin; next: today 19:30" in summary
    assert "Decompression ladder" in summary
    assert_only_last_has_buttons(runner)

    user = await user_row(bot_runner.db, runner.user_id)
    assert user.onboarding_step == "done"
    assert user.status is UserStatus.ACTIVE
    assert user.baseline_pain == 3
    assert user.has_foam_roller is False
    assert user.reminder_time == time(19, 30)
    assert user.morning_time == time(6, 45)
    assert user.time_zone == "Europe/Berlin"
    assert user.reminder_days == 0b0010101
    assert user.next_reminder_at == datetime(2026, 3, 2, 18, 30, tzinfo=UTC)


async def test_answered_questions_keep_a_record_without_buttons(runner: ChatUser) -> None:
    await runner.say("/start")
    question = runner.last()
    await runner.tap("No")
    answered = next(m for m in runner.bot_messages() if m.message_id == question.message_id)
    assert answered.buttons() == []
    assert (answered.text or "").endswith("→ No")


async def test_emergency_signs_stop_everything(runner: ChatUser, bot_runner: BotRunner) -> None:
    await runner.say("/start")
    await runner.tap("Yes")

    assert "emergency department" in (runner.last().text or "")
    assert runner.last().buttons() == []
    user = await user_row(bot_runner.db, runner.user_id)
    assert user.status is UserStatus.RED_FLAG
    assert user.next_reminder_at is None

    # Anything typed gets the same advice, not the programme.
    reply = await runner.send("can we start?")
    assert "emergency department" in (reply.text or "")
    # Settings are closed while stopped for safety.
    reply = await runner.send("/settings")
    assert "doctor" in (reply.text or "")

    # Coming back: not cleared yet keeps the stop.
    await runner.say("/start")
    assert "Has a doctor checked you" in (runner.last().text or "")
    await runner.tap("Not yet")
    assert (await user_row(bot_runner.db, runner.user_id)).status is UserStatus.RED_FLAG

    # Cleared: screening starts again.
    await runner.say("/start")
    await runner.tap("Yes, I've been cleared")
    assert "numbness" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert user.status is UserStatus.ACTIVE
    assert user.onboarding_step == "screen_emergency"


async def test_doctor_signs_pause_until_cleared(runner: ChatUser, bot_runner: BotRunner) -> None:
    await runner.say("/start")
    await runner.tap("No")
    await runner.tap("Yes")

    assert "see a doctor" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert user.status is UserStatus.PAUSED
    assert user.next_reminder_at is None

    await runner.say("/start")
    assert "Has a doctor said" in (runner.last().text or "")
    await runner.tap("Yes, I've been cleared")
    assert "numbness" in (runner.last().text or "")


async def test_extremely_painful_movement_pauses_until_a_physician_clears(
    runner: ChatUser, bot_runner: BotRunner
) -> None:
    """R0d: "yes" stops before any programme, and only a physician's all-clear resumes."""
    await onboard_to(runner, "screen_movement")
    await runner.tap("Yes")

    advice = runner.last().text or ""
    assert "see a physician in person" in advice
    assert "safe to move" in advice
    assert runner.last().buttons() == []
    user = await user_row(bot_runner.db, runner.user_id)
    assert (user.status, user.onboarding_step) == (UserStatus.PAUSED, "see_physician")
    assert user.next_reminder_at is None
    assert user.baseline_pain is None  # no programme: not even the pain question

    # Typed text and commands get the advice, not the programme.
    reply = await runner.send("let's go")
    assert "physician" in (reply.text or "")
    replies = await runner.say("/session")
    assert "Once a physician has checked your back in person" in (replies[-1].text or "")
    assert await sessions_of(bot_runner.db, runner.user_id) == []

    # Back, not cleared yet: still paused.
    await runner.say("/start")
    assert "Has a physician checked your back in person" in (runner.last().text or "")
    await runner.tap("Not yet")
    assert "physician has said your back is safe to move" in (runner.last().text or "")
    assert (await user_row(bot_runner.db, runner.user_id)).status is UserStatus.PAUSED

    # Cleared: the screening starts again from the first question.
    await runner.say("/start")
    await runner.tap("Yes, I've been cleared")
    assert "numbness" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert (user.status, user.onboarding_step) == (UserStatus.ACTIVE, "screen_emergency")


async def test_a_rating_of_ten_is_confirmed_with_the_movement_question(
    runner: ChatUser, bot_runner: BotRunner
) -> None:
    """Answered "no" before, a 10 is still checked, in words for the high rating."""
    await onboard_to(runner, "pain")
    await runner.tap("10")

    question = runner.last()
    assert "very high rating" in (question.text or "")
    assert "any movement extremely painful" in (question.text or "")
    assert question.button_labels() == ["Yes", "No"]
    assert (await user_row(bot_runner.db, runner.user_id)).onboarding_step == "confirm_movement"

    await runner.say("yes")  # typed works too
    assert "see a physician in person" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert (user.status, user.onboarding_step) == (UserStatus.PAUSED, "see_physician")
    assert user.next_reminder_at is None


async def test_a_rating_of_nine_confirmed_as_fine_carries_on(
    runner: ChatUser, bot_runner: BotRunner
) -> None:
    await onboard_to(runner, "pain")
    await runner.say("9")
    assert "very high rating" in (runner.last().text or "")
    await runner.tap("No")

    assert "foam roller" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert (user.status, user.onboarding_step, user.baseline_pain) == (
        UserStatus.ACTIVE,
        "equipment",
        9,
    )


async def test_a_rating_of_eight_is_not_asked_again(runner: ChatUser) -> None:
    await onboard_to(runner, "pain")
    await runner.tap("8")
    assert "foam roller" in (runner.last().text or "")


@pytest.mark.parametrize(
    ("reminder", "first", "chosen"),
    [
        ("7:00", "With my reminder, 07:00", time(7, 0)),
        ("18:30", "08:00", time(8, 0)),
    ],
)
async def test_the_morning_question_offers_its_default_first(
    runner: ChatUser, bot_runner: BotRunner, reminder: str, first: str, chosen: time
) -> None:
    """With a morning reminder the morning question comes with it; otherwise at 08:00."""
    await onboard_to(runner, "time")
    await runner.say(reminder)

    question = runner.last()
    assert "When should I ask how your back is in the morning?" in (question.text or "")
    labels = question.button_labels()
    assert labels[0] == first
    assert len(labels) == len(set(labels))  # the default is not offered twice
    await runner.tap(first)

    assert "time zone" in (runner.last().text or "")
    assert (await user_row(bot_runner.db, runner.user_id)).morning_time == chosen


@pytest.mark.parametrize("typed", ["25:00", "noonish", "   "])
async def test_bad_morning_time_changes_nothing(
    runner: ChatUser, bot_runner: BotRunner, typed: str
) -> None:
    await onboard_to(runner, "morning")
    before = await user_row(bot_runner.db, runner.user_id)

    replies = await runner.say(typed)

    assert "can't read that as a time" in (replies[0].text or "")
    assert "in the morning" in (runner.last().text or "")
    after = await user_row(bot_runner.db, runner.user_id)
    assert (after.onboarding_step, after.morning_time) == ("morning", before.morning_time)
    assert_only_last_has_buttons(runner)


@pytest.mark.parametrize("typed", ["11", "-1", "seven", "3.5", "🙂", "x" * 4096])
async def test_bad_pain_changes_nothing(
    runner: ChatUser, bot_runner: BotRunner, typed: str
) -> None:
    await onboard_to(runner, "pain")
    before = await user_state(bot_runner.db, runner.user_id)

    replies = await runner.say(typed)

    assert "whole number from 0" in (replies[0].text or "")
    assert replies[-1].button_labels() == [str(n) for n in range(11)]
    assert await user_state(bot_runner.db, runner.user_id) == before
    assert_only_last_has_buttons(runner)


@pytest.mark.parametrize("typed", ["25:00", "7:60", "seven", "   ", "12:30:10"])
async def test_bad_time_changes_nothing(
    runner: ChatUser, bot_runner: BotRunner, typed: str
) -> None:
    await onboard_to(runner, "time")
    before = await user_state(bot_runner.db, runner.user_id)

    replies = await runner.say(typed)

    assert "can't read that as a time" in (replies[0].text or "")
    assert "07:00" in replies[-1].button_labels()
    assert await user_state(bot_runner.db, runner.user_id) == before


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Atlantis", "don't know that time zone"),
        ("Mars/Olympus", "don't know that time zone"),
        ("UTC+15", "UTC offsets go from"),
        ("-14:30", "UTC offsets go from"),
    ],
)
async def test_bad_zone_changes_nothing(
    runner: ChatUser, bot_runner: BotRunner, typed: str, expected: str
) -> None:
    await onboard_to(runner, "zone")
    before = await user_state(bot_runner.db, runner.user_id)

    replies = await runner.say(typed)

    assert expected in (replies[0].text or "")
    assert await user_state(bot_runner.db, runner.user_id) == before


@pytest.mark.parametrize(
    ("typed", "zone", "warns"),
    [
        ("europe/berlin", "Europe/Berlin", False),
        ("New York", "America/New_York", False),
        ("Kathmandu", "Asia/Kathmandu", False),
        ("UTC+2", "UTC+02:00", True),
        ("+05:30", "UTC+05:30", True),
    ],
)
async def test_zone_forms(
    runner: ChatUser, bot_runner: BotRunner, typed: str, zone: str, warns: bool
) -> None:
    await onboard_to(runner, "zone")
    replies = await runner.say(typed)

    assert (await user_row(bot_runner.db, runner.user_id)).time_zone == zone
    assert ("doesn't follow daylight saving" in (replies[0].text or "")) is warns


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("19:05", time(19, 5)),
        ("7am", time(7)),
        ("7:30 pm", time(19, 30)),
    ],
)
async def test_time_forms(
    runner: ChatUser, bot_runner: BotRunner, typed: str, expected: time
) -> None:
    await onboard_to(runner, "time")
    await runner.say(typed)
    assert (await user_row(bot_runner.db, runner.user_id)).reminder_time == expected


async def test_zone_from_a_shared_location(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "zone")
    replies = await runner.share_location(27.7, 85.3)

    assert "Asia/Kathmandu" in (replies[0].text or "")
    assert (await user_row(bot_runner.db, runner.user_id)).time_zone == "Asia/Kathmandu"
    assert "days" in (runner.last().text or "")


async def test_zone_button(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "zone")
    await runner.tap("New York")
    assert (await user_row(bot_runner.db, runner.user_id)).time_zone == "America/New_York"


async def test_text_where_a_button_is_expected(runner: ChatUser, bot_runner: BotRunner) -> None:
    await runner.say("/start")
    before = await user_state(bot_runner.db, runner.user_id)

    replies = await runner.say("maybe")

    assert "tap one of the buttons" in (replies[0].text or "")
    assert runner.last().button_labels() == ["Yes", "No"]
    assert await user_state(bot_runner.db, runner.user_id) == before
    assert_only_last_has_buttons(runner)


async def test_typed_yes_no_is_accepted(runner: ChatUser, bot_runner: BotRunner) -> None:
    await runner.say("/start")
    await runner.say("no")
    await runner.say("No")
    await runner.say("nope")
    assert (await user_row(bot_runner.db, runner.user_id)).onboarding_step == "pain"


async def test_button_from_an_earlier_question_has_expired(
    runner: ChatUser, bot_runner: BotRunner, standin: BotApiStandIn
) -> None:
    await runner.say("/start")
    first_question = copy.deepcopy(runner.last())  # as it was, with its buttons
    await runner.tap("No")
    before = await user_state(bot_runner.db, runner.user_id)

    # The old message as it was when sent, with its Yes/No buttons.
    answer = await runner.tap_message(first_question, "Yes")

    assert answer.get("text") == "That button has expired."
    assert await user_state(bot_runner.db, runner.user_id) == before


async def test_double_tap_acts_once(
    runner: ChatUser, bot_runner: BotRunner, standin: BotApiStandIn
) -> None:
    await runner.say("/start")
    question = runner.last()
    data = question.buttons()[1]["callback_data"]
    first = standin.user_tap(runner.user_id, question, data)
    second = standin.user_tap(runner.user_id, question, data)
    await runner.settled()

    answers = [standin.answered_callbacks[first], standin.answered_callbacks[second]]
    assert [a.get("text") for a in answers].count("That button has expired.") == 1
    assert (await user_row(bot_runner.db, runner.user_id)).onboarding_step == "screen_doctor"
    questions = [m for m in runner.bot_messages() if "fever" in (m.text or "")]
    assert len(questions) == 1


async def test_double_tap_on_a_day_toggles_once(runner: ChatUser, standin: BotApiStandIn) -> None:
    await onboard_to(runner, "days")
    keyboard = runner.last()
    monday = keyboard.buttons()[0]["callback_data"]
    standin.user_tap(runner.user_id, keyboard, monday)
    standin.user_tap(runner.user_id, keyboard, monday)
    await runner.settled()

    assert runner.last().button_labels()[0] == "Mon"  # switched off once, not back on


async def test_no_days_cannot_be_saved(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "days")
    await runner.say("mon")  # typed days are accepted too
    assert (await user_row(bot_runner.db, runner.user_id)).reminder_days == 0b1


async def test_restart_mid_onboarding_continues(
    runner: ChatUser, bot_runner: BotRunner, standin: BotApiStandIn
) -> None:
    await onboard_to(runner, "time")
    question = copy.deepcopy(runner.last())

    await bot_runner.restart()

    # A message after the restart is taken back to the open question.
    replies = await runner.say("hello")
    assert "can't read that as a time" in (replies[0].text or "")
    # The buttons of the question sent before the restart no longer count: only the
    # newest prompt is live.
    answer = await runner.tap_message(question, "07:00")
    assert answer.get("text") == "That button has expired."
    await runner.tap("07:00")
    assert (await user_row(bot_runner.db, runner.user_id)).reminder_time == time(7, 0)


async def test_restart_keeps_the_live_prompt(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "equipment")
    await bot_runner.restart()
    await runner.tap("Yes, I have one")
    assert (await user_row(bot_runner.db, runner.user_id)).has_foam_roller is True


async def test_commands_during_onboarding_lead_back(runner: ChatUser) -> None:
    await onboard_to(runner, "pain")
    replies = await runner.say("/settings")
    assert "finish setting up first" in (replies[-1].text or "")
    assert "0 = no pain" in (replies[-1].text or "")


async def test_start_again_after_setup_asks_first(runner: ChatUser, bot_runner: BotRunner) -> None:
    await onboard_to(runner, "days")
    await runner.tap("Save")
    before = await user_state(bot_runner.db, runner.user_id)

    await runner.say("/start")
    assert "Start the setup again" in (runner.last().text or "")
    await runner.tap("Keep my settings")
    assert "Nothing changed" in (runner.last().text or "")
    assert await user_state(bot_runner.db, runner.user_id) == before

    await runner.say("/start")
    await runner.tap("Start over")
    assert "numbness" in (runner.last().text or "")
    user = await user_row(bot_runner.db, runner.user_id)
    assert user.onboarding_step == "screen_emergency"
    assert user.next_reminder_at is None
