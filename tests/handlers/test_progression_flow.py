"""The progression rules (PROGRESSION.md version 2) as a runner meets them in the chat, over
days, through the Bot API stand-in: a late morning tap, a runner whose reminder comes at
07:00, the nudge in the reminder, and a clinician's look advised for a long flare without a
single rating."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import PainCheckin
from bot.devtools.standin import StoredMessage
from bot.domain.enums import CheckinKind
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import morning_question, onboard_to, session_with_pain, sweep_at
from tests.utils.rows import level_changes, set_user, user_row

BERLIN_WINTER = timedelta(hours=1)  # March 2026 before the 29th: CET


def berlin(day: int, hour: int, minute: int = 0, second: int = 30) -> datetime:
    """That local time in Berlin on March `day` 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC) - BERLIN_WINTER


def sent_today(runner: ChatUser, starts: str, since: int) -> list[StoredMessage]:
    return [m for m in runner.bot_messages()[since:] if (m.text or "").startswith(starts)]


async def mornings_of(bot_runner: BotRunner, runner: ChatUser) -> list[tuple[date, int]]:
    user = await user_row(bot_runner.db, runner.user_id)
    async with bot_runner.db.read() as tx:
        rows = await tx.scalars(
            select(PainCheckin)
            .where(PainCheckin.user_id == user.id, PainCheckin.context == CheckinKind.MORNING)
            .order_by(PainCheckin.id)
        )
        return [(r.local_date, r.score) for r in rows]


async def test_a_morning_tapped_after_midnight_counts_once_for_the_morning_it_was_asked(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await session_with_pain(onboarded, 2)  # Monday 2 March
    asked = await morning_question(onboarded, bot_runner, clock, 3)  # Tuesday's question

    clock.set(berlin(4, 0, 30))  # Wednesday 00:30 in Berlin: still Tuesday's rating
    await onboarded.tap_message(asked, "5")
    reply = next(m.text or "" for m in onboarded.bot_messages() if "Logged 5/10" in (m.text or ""))
    assert "this morning's 5/10 is well above your usual 3" in reply
    # The advice to see a clinician comes last, just before its safety questions.
    assert reply.endswith("First, a few quick safety questions.")
    assert await mornings_of(bot_runner, onboarded) == [(date(2026, 3, 3), 5)]
    changes = await level_changes(bot_runner.db, onboarded.user_id)
    down = [c for c in changes if c.decision == "level_down"]
    assert [(c.rule_id, c.to_level, c.local_date) for c in down] == [("R5", 2, date(2026, 3, 3))]

    # The same button again, and a second rating for that morning: stored once, decided once.
    answer = await onboarded.tap_message(asked, "6")
    assert answer.get("text") == "Already logged, thanks."
    assert await mornings_of(bot_runner, onboarded) == [(date(2026, 3, 3), 5)]
    assert len(await level_changes(bot_runner.db, onboarded.user_id)) == len(changes)


async def test_a_runner_with_reminders_at_seven_is_asked_every_morning_and_levels_up(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """Version 1 asked at an unshown 08:00, after the 07:00 session had begun: every other
    day, and the runner stayed at level 1."""
    await onboard_to(runner, "time")
    await runner.say("7:00")
    morning_buttons = [b["text"] for b in runner.last().buttons()]
    assert morning_buttons[0] == "With my reminder, 07:00"
    await runner.tap("With my reminder, 07:00")
    await runner.say("Europe/Berlin")
    await runner.tap("Save")

    await session_with_pain(runner, 2)  # Monday, the day of setting up
    replies = []
    for day in (3, 4, 5):
        seen = len(runner.bot_messages())
        await sweep_at(bot_runner, runner, clock, berlin(day, 7, 0))
        [question] = sent_today(runner, "Good morning!", seen)
        assert sent_today(runner, "Time for your routine", seen)
        await runner.tap_message(question, "2")
        replies.append(runner.last().text or "")
        if day < 5:
            await session_with_pain(runner, 2)
    assert "Next session adds boogie board side stretch" in replies[-1]
    assert (await user_row(bot_runner.db, runner.user_id)).level == 2
    assert [d for d, _ in await mornings_of(bot_runner, runner)] == [
        date(2026, 3, 3),
        date(2026, 3, 4),
        date(2026, 3, 5),
    ]


async def test_the_reminder_nudges_a_runner_with_too_few_sessions_once_a_week(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    reminders: dict[int, str] = {}
    for day in range(3, 18):
        seen = len(onboarded.bot_messages())
        await sweep_at(bot_runner, onboarded, clock, berlin(day, 7, 30))
        [reminder] = sent_today(onboarded, "Time for your routine", seen)
        reminders[day] = reminder.text or ""
    nudged = [day for day, text in reminders.items() if "Sessions in the last 7 days: 0." in text]
    # Set up on the 2nd: from its 8th day (the 9th) the end-of-day check nudges, and the
    # next reminder says so; then once a week.
    assert nudged == [10, 17]
    changes = await level_changes(bot_runner.db, onboarded.user_id)
    assert [(c.rule_id, c.decision, c.local_date) for c in changes] == [
        ("R8", "nudge", date(2026, 3, 9)),
        ("R8", "nudge", date(2026, 3, 16)),
    ]


async def test_a_long_flare_without_a_rating_still_gets_the_clinician_advice(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    await session_with_pain(onboarded, 8)  # flare mode from Monday 2 March
    advised: list[int] = []
    mornings: list[int] = []
    for day in range(3, 11):
        seen = len(onboarded.bot_messages())
        await sweep_at(bot_runner, onboarded, clock, berlin(day, 7, 30))
        await sweep_at(bot_runner, onboarded, clock, berlin(day, 8, 0))
        new = onboarded.bot_messages()[seen:]
        if any("Good morning!" in (m.text or "") for m in new):
            mornings.append(day)
        for message in new:
            if "Your flare has lasted" in (message.text or ""):
                advised.append(day)
                labels = [b["text"] for b in message.buttons()]
                assert "Something new or different?" in labels
    assert mornings == list(range(3, 11))  # asked every morning while in flare mode
    assert advised == [10]  # the flare's 7th day (the 9th) ended without a rating
    [r6b] = [c for c in await level_changes(bot_runner.db, onboarded.user_id) if c.rule_id == "R6b"]
    assert (r6b.decision, r6b.local_date, r6b.numbers["flare_days"]) == (
        "clinician",
        date(2026, 3, 9),
        7,
    )


async def test_the_morning_question_outlives_the_questions_asked_after_it(
    onboarded: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """Found in the playground: /run (or the safety questions) took the morning question's
    buttons away unanswered, and the session before it could then never count."""
    await session_with_pain(onboarded, 2)
    asked = await morning_question(onboarded, bot_runner, clock, 3)
    await onboarded.say("/run")
    await onboarded.tap("No")
    shown = next(m for m in onboarded.bot_messages() if m.message_id == asked.message_id)
    assert [b["text"] for b in shown.buttons()][:3] == ["0", "1", "2"]
    await onboarded.tap_message(asked, "2")
    assert (onboarded.last().text or "").startswith("Logged 2/10")
    assert await mornings_of(bot_runner, onboarded) == [(date(2026, 3, 3), 2)]
