"""A runner's way through the chat, driven through the Bot API stand-in: set up, a whole
session with its pain rating, the morning question. Shared by the end-to-end tests (the
`onboarded` fixture in tests/conftest.py uses `onboard`)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.devtools.standin import StoredMessage
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser

ONBOARDING_ORDER = (
    "screen_emergency",
    "screen_doctor",
    "screen_movement",
    "pain",
    "equipment",
    "time",
    "morning",
    "zone",
    "days",
)


async def onboard_to(runner: ChatUser, step: str) -> None:
    """/start, then answer the questions up to (not including) `step`: no red flags,
    baseline pain 3, a foam roller, reminders at 07:30, the morning question at 08:00,
    Europe/Berlin."""
    if step not in ONBOARDING_ORDER:
        raise AssertionError(f"unknown step {step}")
    await runner.say("/start")
    answers: dict[str, Callable[[], Awaitable[object]]] = {
        "screen_emergency": lambda: runner.tap("No"),
        "screen_doctor": lambda: runner.tap("No"),
        "screen_movement": lambda: runner.tap("No"),
        "pain": lambda: runner.tap("3"),
        "equipment": lambda: runner.tap("Yes, I have one"),
        "time": lambda: runner.say("7:30"),
        "morning": lambda: runner.tap("08:00"),
        "zone": lambda: runner.say("Europe/Berlin"),
    }
    for name in ONBOARDING_ORDER[: ONBOARDING_ORDER.index(step)]:
        await answers[name]()


async def onboard(runner: ChatUser) -> ChatUser:
    """Set up completely: baseline pain 3, a foam roller, every day at 07:30 Berlin, the
    morning question at 08:00."""
    await onboard_to(runner, "days")
    await runner.tap("Save")
    return runner


async def done_step(runner: ChatUser) -> None:
    """Done on every part of the live step (each side, each technique: the same message
    shows the next part), until the bot moves on to the next step or the end."""
    step = runner.last().message_id
    while True:
        await runner.tap("✅ Done")
        if runner.last().message_id != step:
            return


async def session_with_pain(runner: ChatUser, pain: int) -> str:
    """/session, Done on every step (every part of it), then the pain rating; the bot's
    answer."""
    await runner.say("/session")
    while "✅ Done" in runner.last().button_labels():  # a step (one alone has no "Step i of N")
        await runner.tap("✅ Done")
    await runner.tap(str(pain))
    return runner.last().text or ""


async def morning(runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, pain: int) -> str:
    """Move to 08:00 Berlin the next day, let the sweep ask, answer."""
    day = (clock.now() + timedelta(days=1)).date()
    clock.set(datetime(day.year, day.month, day.day, 7, 0, 30, tzinfo=UTC))  # 08:00:30 CET
    await bot_runner.sweep()
    await runner.settled()
    assert "How's your back this morning" in (runner.last().text or "")
    await runner.tap(str(pain))
    return runner.last().text or ""


async def sweep_at(
    bot_runner: BotRunner, runner: ChatUser, clock: ManualClock, at: datetime
) -> None:
    """Move the clock to `at` and run the reminder sweep there."""
    clock.set(at)
    await bot_runner.sweep()
    await runner.settled()


async def morning_question(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, day: int
) -> StoredMessage:
    """The sweep at 08:00:30 Berlin on March `day` 2026 asks the morning question: that
    message, as sent (with its buttons)."""
    await sweep_at(bot_runner, runner, clock, datetime(2026, 3, day, 7, 0, 30, tzinfo=UTC))
    asked = [
        m
        for m in runner.bot_messages()
        if (m.text or "").startswith("Good morning!") and m.buttons()
    ]
    assert asked, "no morning question was sent"
    return copy.deepcopy(asked[-1])
