"""One plan for the day: what the reminder, /routines and the onboarding summary announce
is what the session runs; and the small defects found on the way."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.content import Content
from bot.db.models import StepEvent
from bot.domain.plan import RunnerToday, minutes_of, today_plan
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import onboard_to
from tests.utils.rows import set_user

REMINDER_DUE = datetime(2026, 3, 2, 6, 31, tzinfo=UTC)  # 07:31 in Berlin, the runner's 07:30


async def set_up(runner: ChatUser, *, roller: bool = True) -> None:
    await onboard_to(runner, "equipment")
    await runner.tap("Yes, I have one" if roller else "No roller")
    await runner.say("7:30")
    await runner.tap("08:00")  # the morning question
    await runner.say("Europe/Berlin")
    await runner.tap("Save")


async def test_in_flare_the_reminder_names_the_session_that_runs(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, content: Content
) -> None:
    await set_up(runner)
    await set_user(bot_runner.db, runner.user_id, level=5, flare_since=clock.now())
    ladder = content.ladder
    flare_level = content.progression.flare.max_level
    steps = ladder.steps[:flare_level]
    minutes = minutes_of(steps, content.catalogue)

    clock.set(REMINDER_DUE)
    await bot_runner.sweep()
    await runner.settled()
    reminder = runner.last().text or ""
    assert f"{ladder.name} (level {flare_level}), {len(steps)} steps, about {minutes} min" in (
        reminder
    ), reminder
    # The flare line names no number of its own: the numbers above are what runs.
    assert "Your back is flaring, so today stays gentle" in reminder

    await runner.tap("Start")
    intro = runner.bot_messages()[-2].text or ""
    assert f"level {flare_level} of {len(ladder.steps)}: {len(steps)} steps" in intro, intro
    assert f"about {minutes} min" in intro
    first = f"Step 1 of {len(steps)}" if len(steps) > 1 else content.exercises[steps[0]].name
    assert (runner.last().text or "").startswith(first)


async def test_without_a_roller_routines_and_the_summary_show_the_substitute_minutes(
    runner: ChatUser, content: Content
) -> None:
    await onboard_to(runner, "equipment")
    await runner.tap("No roller")
    await runner.say("7:30")
    await runner.tap("08:00")  # the morning question
    await runner.say("Europe/Berlin")
    await runner.tap("Save")
    first = content.ladder.steps[0]
    substitute = content.catalogue.no_roller[first]
    # the substitute, and the gentle extras that bring level 1 to about five minutes
    minutes = content.ladder_minutes(has_roller=False)[0]
    assert minutes > minutes_of([substitute], content.catalogue)
    summary = next(m.text or "" for m in runner.bot_messages() if "all set" in (m.text or ""))
    assert content.exercises[substitute].name in summary
    assert f"about {minutes} min" in summary

    replies = await runner.say("/routines")
    ladder_label = replies[-1].button_labels()[0]
    assert ladder_label == f"✓ {content.ladder.name} · level 1 · {minutes} min", ladder_label


async def test_run_takes_the_same_yes_words_as_onboarding(runner: ChatUser) -> None:
    await set_up(runner)
    await runner.say("/run")
    replies = await runner.say("yep")
    assert "after the run" in (replies[-1].text or "")
    replies = await runner.say("3")
    assert any("Logged 3/10" in (m.text or "") for m in replies)


async def test_a_tap_without_a_message_changes_nothing(
    runner: ChatUser, bot_runner: BotRunner
) -> None:
    """An inline-mode tap carries no message and no chat: it is answered as expired, the
    live step does not move, and nothing is sent anywhere (before, the next step went to
    the runner's database id as if it were a chat)."""
    await set_up(runner)
    await runner.say("/session")
    step = runner.last()
    data = str(step.buttons()[0]["callback_data"])
    calls_before = len(bot_runner.standin.calls)
    bot_runner.standin.push_update(
        {
            "callback_query": {
                "id": "inline-1",
                "from": {"id": runner.user_id, "is_bot": False, "first_name": "Alex"},
                "chat_instance": "1",
                "inline_message_id": "AAAA",
                "data": data,
            }
        }
    )
    answer = await bot_runner.standin.wait_for_call(
        "answerCallbackQuery", predicate=lambda p: p.get("callback_query_id") == "inline-1"
    )
    await bot_runner.settle()
    assert answer.get("text") == "That button has expired."
    sent = [name for name, _ in bot_runner.standin.calls[calls_before:] if name != "getUpdates"]
    assert sent == ["answerCallbackQuery"], sent
    async with bot_runner.db.read() as session:
        events = await session.scalar(select(func.count()).select_from(StepEvent))
    assert events == 0
    assert runner.last().message_id == step.message_id
    assert step.buttons()


async def test_export_while_the_session_check_in_is_open(runner: ChatUser) -> None:
    await set_up(runner)
    await runner.say("/session")
    await runner.tap("Stop")
    assert "How's your back right now" in (runner.last().text or "")
    await runner.say("/export")
    documents = [m for m in runner.bot_messages() if m.document is not None]
    data = json.loads(documents[-2].document or b"")
    assert str(data["profile"]["awaiting"]).startswith("pain:")


# --- the minutes shown come from the plan the session runs -------------------------------


def minutes_in(text: str) -> int:
    found = re.search(r"about (\d+) min", text)
    assert found is not None, text
    return int(found.group(1))


@pytest.mark.parametrize("roller", [True, False], ids=["roller", "no-roller"])
@pytest.mark.parametrize("level", [1, 4])
async def test_the_reminder_announces_the_minutes_the_session_intro_gives(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, roller: bool, level: int
) -> None:
    await set_up(runner, roller=roller)
    await set_user(bot_runner.db, runner.user_id, level=level)

    clock.set(REMINDER_DUE)
    await bot_runner.sweep()
    await runner.settled()
    reminder = runner.last().text or ""
    assert reminder.startswith("Time for your routine"), reminder

    await runner.tap("Start")
    intro = next(m.text or "" for m in runner.bot_messages() if (m.text or "").startswith("Today"))
    assert minutes_in(reminder) == minutes_in(intro)
    steps = re.search(r"(\d+) steps?\b", intro)
    assert steps is not None, intro
    assert steps.group(0) in reminder, (reminder, intro)


async def test_the_welcome_gives_the_plans_minutes_not_a_short_routine(
    runner: ChatUser, content: Content, clock: ManualClock
) -> None:
    """Level 1 with and without a foam roller, and the last level: each as today's plan
    counts it for such a runner, so the promise follows the content."""

    def minutes(level: int, roller: bool) -> int:
        runner_today = RunnerToday(level=level, has_roller=roller, in_flare=False)
        plan = today_plan(
            content.ladder,
            runner=runner_today,
            catalogue=content.catalogue,
            rules=content.progression,
            now=clock.now(),
        )
        return plan.minutes

    low, high = sorted(minutes(1, roller) for roller in (True, False))
    first = str(low) if low == high else f"{low}-{high}"
    top = max(minutes(len(content.ladder.steps), roller) for roller in (True, False))
    assert top > high  # the programme grows: "short" was not the whole truth

    replies = await runner.say("/start")
    welcome = replies[0].text or ""
    assert "short" not in welcome
    assert f"starts at about {first} min" in welcome, welcome
    assert f"up to about {top} min" in welcome, welcome
