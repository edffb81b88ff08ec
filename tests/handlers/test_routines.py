"""/routines, the daily routine and the exercise library, end to end: trying a routine is
not switching the daily programme; a reminder's Start starts what that reminder named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.content import Content
from bot.devtools.standin import StoredMessage
from bot.domain.enums import SessionStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import onboard, sweep_at
from tests.utils.rows import row_counts, sessions_of, set_user, user_row

CET = timedelta(hours=1)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """That local time in Berlin on March `day` 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, 30, tzinfo=UTC) - CET


def reminders(runner: ChatUser) -> list[StoredMessage]:
    return [m for m in runner.bot_messages() if (m.text or "").startswith("Time for your routine")]


async def reminder_on(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, day: int
) -> StoredMessage:
    """The sweep at 07:30 Berlin on March `day` sends the reminder: a copy of it."""
    await sweep_at(bot_runner, runner, clock, berlin(day, 7, 30))
    sent = reminders(runner)
    assert sent, "no reminder was sent"
    return copy.deepcopy(sent[-1])


async def try_routine(runner: ChatUser, name: str) -> None:
    await runner.say("/routines")
    await runner.tap(name)


async def finish_session(runner: ChatUser) -> None:
    # every part of every step (a step's buttons: one alone has no "Step 1 of 1")
    while "✅ Done" in runner.last().button_labels():
        await runner.tap("✅ Done")
    await runner.tap("1")


async def make_daily(runner: ChatUser, name: str) -> str:
    await runner.say("/routines")
    await runner.tap("Change daily routine")
    await runner.tap(name)
    return runner.last().text or ""


async def test_routines_shows_each_summary_and_todays_minutes(
    onboarded: ChatUser, content: Content
) -> None:
    replies = await onboarded.say("/routines")
    text = replies[-1].text or ""
    assert text.startswith("Your routines.")
    for routine in content.routines.values():
        assert routine.summary in text
    assert "✓ Decompression ladder · level 1 · " in text
    assert "Pre-run warm-up · " in text
    assert len(text) < 1500  # one screen of reading, far under Telegram's limit


async def test_a_session_opens_with_the_routines_purpose(onboarded: ChatUser) -> None:
    await try_routine(onboarded, "Pre-run warm-up")
    intro = onboarded.bot_messages()[-2].text or ""
    assert intro.startswith("Today: Pre-run warm-up")
    assert "Before a run: a few minutes of moving stretches" in intro


async def test_a_tried_routine_does_not_change_the_next_reminder(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await try_routine(onboarded, "Home stretches")
    assert (onboarded.bot_messages()[-2].text or "").startswith("Today: Home stretches")
    await finish_session(onboarded)

    reminder = await reminder_on(onboarded, bot_runner, clock, 3)

    assert "Decompression ladder" in (reminder.text or "")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.routine_id == "decompression"


async def test_making_a_routine_daily_changes_the_reminder_and_keeps_the_ladder(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)

    said = await make_daily(onboarded, "Home stretches")

    assert said == (
        "Home stretches is now your daily routine: reminders and /session run it. "
        "The Decompression ladder waits at level 3; switch back any time in /routines."
    )
    reminder = await reminder_on(onboarded, bot_runner, clock, 2)
    assert "Home stretches" in (reminder.text or "")
    replies = await onboarded.say("/routines")
    assert "✓ Home stretches" in (replies[-1].text or "")
    memory = (await user_row(bot_runner.db, onboarded.user_id)).rules_memory

    said = await make_daily(onboarded, "Decompression ladder")

    assert said.startswith("Decompression ladder is your daily routine again, at level 3")
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert (user.routine_id, user.level) == ("decompression", 3)
    assert user.rules_memory == memory
    await onboarded.say("/session")
    assert "level 3 of 7" in (onboarded.bot_messages()[-2].text or "")


async def test_the_daily_routine_from_settings(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/settings")
    await onboarded.tap("Daily routine")
    assert (onboarded.last().text or "").startswith("Which routine should be your daily one?")
    assert onboarded.last().button_labels()[0] == "✓ Decompression ladder"
    await onboarded.tap("Yoga for runners")

    assert (onboarded.last().text or "").startswith("Yoga for runners is now your daily routine")
    assert (await user_row(bot_runner.db, onboarded.user_id)).routine_id == "yoga_for_runners"
    answer = await onboarded.tap_data(onboarded.bot_messages()[-2], "1|dy|yoga_for_runners")
    assert answer.get("text") == "That's already your daily routine."


async def test_an_open_reminder_naming_the_ladder_starts_the_ladder(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    reminder = await reminder_on(onboarded, bot_runner, clock, 2)
    assert "Decompression ladder" in (reminder.text or "")
    await try_routine(onboarded, "Home stretches")  # tried, left open
    await make_daily(onboarded, "Yoga for runners")  # and the daily one changed since

    await onboarded.tap_message(reminder, "Start")

    assert (onboarded.bot_messages()[-2].text or "").startswith("Today: Decompression ladder")
    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert [(s.routine_id, s.status) for s in sessions] == [
        ("home_stretches", SessionStatus.ABANDONED),
        ("decompression", SessionStatus.IN_PROGRESS),
    ]


async def test_a_double_tap_on_the_reminders_start_opens_one_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    reminder = await reminder_on(onboarded, bot_runner, clock, 2)
    data = reminder.buttons()[0]["callback_data"]
    assert data.startswith("1|go|")
    assert data != "1|go|today"  # it names its delivery
    onboarded.standin.user_tap(onboarded.user_id, reminder, data)
    onboarded.standin.user_tap(onboarded.user_id, reminder, data)
    await onboarded.settled()

    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 1


async def test_an_old_reminders_start_resumes_todays_session(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    old = await reminder_on(onboarded, bot_runner, clock, 2)
    clock.set(berlin(3, 6, 0))  # the next day, before its reminder
    await onboarded.say("/session")
    assert (onboarded.last().text or "").startswith("Upper-back foam rolling")

    await onboarded.tap_message(old, "Start")

    assert "Picking up where you left off" in (onboarded.bot_messages()[-2].text or "")
    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert [s.status for s in sessions] == [SessionStatus.IN_PROGRESS]

    await finish_session(onboarded)
    before = len(onboarded.bot_messages())
    await onboarded.tap_message(old, "Start")

    said = onboarded.bot_messages()[before:]
    assert said[0].text == (
        "Today's session is done already (Decompression ladder), so nothing more is needed "
        "today. Want another one anyway?"
    )
    assert said[0].button_labels() == ["▶ Start Decompression ladder"]
    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 1
    await onboarded.tap("▶ Start Decompression ladder")  # the runner really wants one
    assert len(await sessions_of(bot_runner.db, onboarded.user_id)) == 2


async def test_a_tried_routine_survives_the_morning_question(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await onboarded.say("/session")
    await finish_session(onboarded)  # the morning question: tomorrow 08:00
    clock.set(berlin(3, 7, 0))

    await try_routine(onboarded, "Strength and core")
    assert (onboarded.last().text or "").startswith("Before you start")
    await onboarded.tap("Skip, start now")

    sessions = await sessions_of(bot_runner.db, onboarded.user_id)
    assert sessions[-1].routine_id == "strength_core"
    assert (await user_row(bot_runner.db, onboarded.user_id)).routine_id == "decompression"


async def test_the_library_shows_an_exercise(
    onboarded: ChatUser, content: Content, bot_runner: BotRunner
) -> None:
    # without pictures the library is one message, turned like a page (with them, each
    # exercise comes anew under its picture: tests/handlers/test_pictures.py)
    await set_user(bot_runner.db, onboarded.user_id, pictures=False)
    replies = await onboarded.say("/exercises")
    page = replies[-1]
    assert (page.text or "").startswith("Exercise library")
    await onboarded.tap("Home stretches")
    assert (onboarded.last().text or "").startswith("Home stretches: For a day your back")
    routine = content.routines["home_stretches"]
    first = content.exercises[routine.steps[0]]
    await onboarded.tap(f"1. {first.name}")

    shown = onboarded.last()
    assert shown.message_id == page.message_id  # one message, turned like a page
    text = shown.text or ""
    assert text.startswith(f"📖 Home stretches · 1/{len(routine.steps)}\n{first.name}\n")
    assert first.instructions[0] in text
    assert "Source: Home stretches for runners with back pain" in text
    assert shown.button_labels() == ["Next ›", "☰ Home stretches"]

    await onboarded.tap("Next ›")
    second = content.exercises[routine.steps[1]]
    assert (onboarded.last().text or "").split("\n")[1] == second.name
    assert onboarded.last().button_labels() == ["‹ Back", "Next ›", "☰ Home stretches"]


async def test_the_library_from_routines_is_a_new_message(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/routines")
    await onboarded.tap("📖 Exercises")
    assert onboarded.last().message_id > replies[-1].message_id
    assert (onboarded.last().text or "").startswith("Exercise library")
    listed = next(m for m in onboarded.bot_messages() if m.message_id == replies[-1].message_id)
    assert listed.buttons()  # /routines is still there to use


async def test_stale_and_forged_taps_on_routine_and_library_buttons(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    replies = await onboarded.say("/exercises")
    page = replies[-1]
    before = await row_counts(bot_runner.db)

    unknown = "That routine is no longer available. Send /routines to see the list."
    for data, expected in (
        ("1|lb|moonwalk", unknown),
        ("1|lb|moonwalk|0", unknown),
        ("1|lb|home_stretches|99", "That button has expired."),
        ("1|lb|Home_stretches", "That button has expired."),
        ("1|dy|moonwalk", unknown),
        ("1|dy|", "That button has expired."),
        ("1|go|987654", "That button has expired."),
        ("1|go|-1", "That button has expired."),
    ):
        answer = await onboarded.tap_data(page, data)
        assert answer.get("text") == expected, data

    assert await row_counts(bot_runner.db) == before
    assert (await user_row(bot_runner.db, onboarded.user_id)).routine_id == "decompression"


async def test_another_runners_reminder_start_is_refused(
    onboarded: ChatUser,
    bot_runner: BotRunner,
    clock: ManualClock,
    new_user: Callable[..., ChatUser],
) -> None:
    reminder = await reminder_on(onboarded, bot_runner, clock, 2)
    delivery = reminder.buttons()[0]["callback_data"]
    other = await onboard(new_user())
    before = await row_counts(bot_runner.db)
    answer = await other.tap_data(other.last(), delivery)
    assert answer.get("text") == "That button has expired."
    assert await row_counts(bot_runner.db) == before
