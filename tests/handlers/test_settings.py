"""/settings, /pause and /resume end to end: one change at a time, confirmed in one sentence."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time

from bot.domain.enums import UserStatus
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser, assert_only_last_has_buttons
from tests.utils.journeys import session_with_pain
from tests.utils.rows import user_row, user_state

# The clock starts Monday 2026-03-02 06:00 UTC = 07:00 in Berlin. Onboarded runners get
# reminders every day at 07:30 Berlin time, so the next one is today 07:30 (06:30 UTC).


async def open_settings(runner: ChatUser, button: str) -> None:
    await runner.say("/settings")
    await runner.tap(button)


async def test_settings_menu_shows_the_current_settings(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/settings")
    text = replies[-1].text or ""
    assert "every day at 07:30, Europe/Berlin; next: today 07:30" in text
    assert "Daily routine: Decompression ladder" in text
    assert "Foam roller: Yes" in text
    assert "Exercise pictures: Yes" in text
    assert "Language: English" in text
    assert "Status: active" in text
    assert replies[-1].button_labels() == [
        "Reminder time",
        "Time zone",
        "Days",
        "Daily routine",
        "Foam roller",
        "Morning check-in",
        "Pictures",
        "🌐 Language",
        "Pause",
        "Close",
    ]


async def test_change_time_by_typing(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Reminder time")
    replies = await onboarded.say("6am")

    assert replies[-1].text == "Reminders now at 06:00. Next: tomorrow 06:00."
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.reminder_time == time(6, 0)
    assert user.next_reminder_at == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    assert_only_last_has_buttons(onboarded)


async def test_change_time_by_button(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Reminder time")
    await onboarded.tap("20:00")

    assert onboarded.last().text == "Reminders now at 20:00. Next: today 20:00."
    assert (await user_row(bot_runner.db, onboarded.user_id)).reminder_time == time(20, 0)


async def test_bad_time_in_settings_changes_nothing(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await open_settings(onboarded, "Reminder time")
    before = await user_state(bot_runner.db, onboarded.user_id)
    replies = await onboarded.say("25:00")

    assert "can't read that as a time" in (replies[0].text or "")
    assert await user_state(bot_runner.db, onboarded.user_id) == before
    await onboarded.say("7:45")  # still open: the next answer counts
    assert (await user_row(bot_runner.db, onboarded.user_id)).reminder_time == time(7, 45)


async def test_change_zone(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Time zone")
    replies = await onboarded.say("new york")

    # 07:30 in New York on Monday 2 March is 12:30 UTC: still today.
    assert replies[-1].text == "Time zone set to America/New_York. Next reminder: today 07:30."
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.next_reminder_at == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


async def test_fixed_offset_is_warned(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Time zone")
    replies = await onboarded.say("UTC+5:45")
    assert "doesn't follow daylight saving" in (replies[-1].text or "")
    assert (await user_row(bot_runner.db, onboarded.user_id)).time_zone == "UTC+05:45"


async def test_change_days_by_toggles(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Days")
    await onboarded.tap("✓ Mon")
    await onboarded.tap("Save")

    assert (
        onboarded.last().text
        == "Reminder days: Tue, Wed, Thu, Fri, Sat, Sun. Next: tomorrow 07:30."
    )
    assert (await user_row(bot_runner.db, onboarded.user_id)).reminder_days == 0b1111110


async def test_change_days_by_typing(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Days")
    replies = await onboarded.say("weekends")

    assert replies[-1].text == "Reminder days: weekends. Next: Sat 7 Mar 07:30."
    assert (await user_row(bot_runner.db, onboarded.user_id)).reminder_days == 0b1100000


async def test_no_days_is_refused(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Days")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        await onboarded.tap(f"✓ {day}")
    answer = await onboarded.tap("Save")

    assert answer.get("text") == "Pick at least one day."
    assert (await user_row(bot_runner.db, onboarded.user_id)).reminder_days == 0b1111111


async def test_change_equipment(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Foam roller")
    await onboarded.tap("No roller")

    assert "cat-cow" in (onboarded.last().text or "")
    assert "Next reminder: today 07:30." in (onboarded.last().text or "")
    assert (await user_row(bot_runner.db, onboarded.user_id)).has_foam_roller is False


async def test_pause_for_three_days_and_resume(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/pause")
    await onboarded.tap("3 days")

    # Paused from Monday 07:00 until Thursday 07:00 Berlin: Monday's, Tuesday's and
    # Wednesday's reminders are skipped, Thursday's 07:30 is the next.
    assert onboarded.last().text == (
        "Paused until Thu 5 Mar. Next reminder: Thu 5 Mar 07:30. Send /resume to come back sooner."
    )
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.status is UserStatus.PAUSED
    assert user.next_reminder_at == datetime(2026, 3, 5, 6, 30, tzinfo=UTC)

    replies = await onboarded.say("/resume")
    assert replies[-1].text == "Welcome back! Next reminder: today 07:30."
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.status is UserStatus.ACTIVE
    assert user.next_reminder_at == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)


async def test_pause_until_resumed(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await onboarded.say("/pause")
    await onboarded.tap("Until I resume")

    assert onboarded.last().text == "Paused. I won't remind you until you send /resume."
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.status is UserStatus.PAUSED
    assert user.next_reminder_at is None

    replies = await onboarded.say("/settings")
    assert "Status: paused" in (replies[-1].text or "")
    await onboarded.tap("Resume")
    assert onboarded.last().text == "Welcome back! Next reminder: today 07:30."


async def test_pause_a_week_from_settings(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Pause")
    await onboarded.tap("1 week")
    assert (onboarded.last().text or "").startswith("Paused until Mon 9 Mar.")


async def test_resume_when_not_paused(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/resume")
    assert replies[-1].text == "You're not paused. Next reminder: today 07:30."


async def test_stale_settings_button_has_expired(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/settings")
    old_menu = copy.deepcopy(onboarded.last())
    await onboarded.tap("Reminder time")
    await onboarded.tap("08:00")
    before = await user_state(bot_runner.db, onboarded.user_id)

    answer = await onboarded.tap_message(old_menu, "Pause")

    assert answer.get("text") == "That button has expired."
    assert await user_state(bot_runner.db, onboarded.user_id) == before


async def test_double_tap_on_a_setting_acts_once(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await open_settings(onboarded, "Reminder time")
    prompt = onboarded.last()
    data = next(b["callback_data"] for b in prompt.buttons() if b["text"] == "18:00")
    first = onboarded.standin.user_tap(onboarded.user_id, prompt, data)
    second = onboarded.standin.user_tap(onboarded.user_id, prompt, data)
    await onboarded.settled()

    texts = [onboarded.standin.answered_callbacks[q].get("text") for q in (first, second)]
    assert texts.count("That button has expired.") == 1
    confirmations = [
        m for m in onboarded.bot_messages() if (m.text or "").startswith("Reminders now")
    ]
    assert len(confirmations) == 1


async def test_settings_before_setup(runner: ChatUser) -> None:
    reply = await runner.send("/settings")
    assert "send /start" in (reply.text or "")


async def test_free_text_after_setup_gets_a_help_hint(onboarded: ChatUser) -> None:
    replies = await onboarded.say("hello there")
    assert "/help" in (replies[-1].text or "")


async def test_restart_keeps_settings_prompt_live(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await open_settings(onboarded, "Reminder time")
    await bot_runner.restart()
    replies = await onboarded.say("19:00")
    assert replies[-1].text == "Reminders now at 19:00. Next: today 19:00."


async def test_change_morning_checkin_time(onboarded: ChatUser, bot_runner: BotRunner) -> None:
    await open_settings(onboarded, "Morning check-in")
    await onboarded.tap("07:00")
    assert onboarded.last().text == (
        "Morning check-ins at 07:00, the morning after a session or a run."
    )
    assert (await user_row(bot_runner.db, onboarded.user_id)).morning_time == time(7, 0)


async def test_the_menu_shows_the_morning_time(onboarded: ChatUser) -> None:
    replies = await onboarded.say("/settings")
    assert "Morning check-in: 08:00" in (replies[-1].text or "")


async def test_a_bad_morning_time_changes_nothing(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await open_settings(onboarded, "Morning check-in")
    replies = await onboarded.say("8 in the morning-ish")

    assert "can't read that as a time" in (replies[0].text or "")
    assert "in the morning" in (onboarded.last().text or "")
    assert (await user_row(bot_runner.db, onboarded.user_id)).morning_time == time(8, 0)


async def test_a_typed_morning_time_moves_the_morning_question_already_due(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await session_with_pain(onboarded, 2)  # asks tomorrow at 08:00
    before = await user_row(bot_runner.db, onboarded.user_id)
    assert before.next_morning_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)

    await open_settings(onboarded, "Morning check-in")
    assert onboarded.last().button_labels()[0] == "With my reminder, 07:30"
    replies = await onboarded.say("6:45")

    assert replies[-1].text == (
        "Morning check-ins at 06:45, the morning after a session or a run. Next: tomorrow 06:45."
    )
    user = await user_row(bot_runner.db, onboarded.user_id)
    assert user.morning_time == time(6, 45)
    assert user.next_morning_at == datetime(2026, 3, 3, 5, 45, tzinfo=UTC)
    replies = await onboarded.say("/settings")
    assert "Morning check-in: 06:45" in (replies[-1].text or "")
