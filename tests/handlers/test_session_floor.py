"""A session a runner follows on the floor, end to end: each side and each technique in
turn inside its step, and the hold timer (⏱) that announces the end of a hold once,
whatever taps, restarts or second processes come in between."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import timedelta

from bot.clock import ManualClock
from bot.content import Content, WalkPart
from bot.db.models import RoutineSession, StepEvent
from bot.devtools.standin import StoredMessage
from bot.domain.enums import SessionStatus
from bot.domain.session_flow import Side
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import done_step
from tests.utils.rows import count, sessions_of, set_user

TIME = "⏱ Time."


def find_step(content: Content, wanted: Callable[[tuple[WalkPart, ...]], bool]) -> tuple[str, int]:
    """The first routine step (routine id, step index) whose parts are `wanted`."""
    for routine in content.routines.values():
        if routine.kind == "ladder":  # its steps depend on the level and the roller
            continue
        for index, exercise_id in enumerate(routine.steps):
            if wanted(content.exercises[exercise_id].walk()):
                return routine.id, index
    raise AssertionError("no routine has such a step")


def switches_sides(parts: tuple[WalkPart, ...]) -> bool:
    """Each side, one timed hold a side: the timer's end moves on to the other side."""
    return [p.side for p in parts] == [Side.LEFT, Side.RIGHT] and all(
        p.dose.timer_seconds is not None and p.dose.holds == 1 for p in parts
    )


def holds_twice(parts: tuple[WalkPart, ...]) -> bool:
    """Each side, timed holds repeated on a side: the runner says when the side is done."""
    return len(parts) == 2 and all(
        p.dose.timer_seconds is not None and p.dose.holds > 1 for p in parts
    )


async def open_at(
    runner: ChatUser, bot_runner: BotRunner, content: Content, routine_id: str, index: int
) -> StoredMessage:
    """/session of `routine_id`, Done on every part of the steps before `index`: the step."""
    await set_user(bot_runner.db, runner.user_id, routine_id=routine_id)
    await runner.say("/session")
    for _ in range(index):
        await done_step(runner)
    return runner.last()


def timer_label(message: StoredMessage) -> str:
    labels = [label for label in message.button_labels() if label.startswith("⏱")]
    assert len(labels) == 1, message.button_labels()
    return labels[0]


def times_up(runner: ChatUser) -> list[str]:
    return [m.text or "" for m in runner.bot_messages() if (m.text or "").startswith(TIME)]


def seconds_of(label: str) -> int:
    found = re.fullmatch(r"⏱ (\d+) s", label)
    assert found is not None, label
    return int(found.group(1))


async def live_session(bot_runner: BotRunner, runner: ChatUser) -> RoutineSession:
    return (await sessions_of(bot_runner.db, runner.user_id))[-1]


# --- sides and techniques ---------------------------------------------------------------


async def test_foam_rolling_walks_its_four_techniques_in_one_message(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await set_user(bot_runner.db, onboarded.user_id, level=3)
    await onboarded.say("/session")  # level 3: foam rolling, then two more steps
    step = onboarded.last()
    seen: list[str] = []
    bars: list[int] = []
    while onboarded.last().message_id == step.message_id:
        text = onboarded.last().text or ""
        seen.append(text.split("\n")[2])
        bars.append(text.split("\n")[0].count("▰"))
        assert len(text) <= 600, text
        await onboarded.tap("✅ Done")

    assert [line.split(" · ")[0] for line in seen] == [
        "Side to side (1 of 4)",
        "Up and down (2 of 4)",
        "Arch over (3 of 4)",
        "Diagonal (4 of 4), left side",
        "Diagonal (4 of 4), right side",
    ]
    assert seen[0].endswith("1-5 min")
    assert bars == sorted(bars)
    assert bars[0] < bars[-1]
    closed = next(m for m in onboarded.bot_messages() if m.message_id == step.message_id)
    assert (closed.text or "").endswith("\n\n✅ Done")  # the last part stays readable
    assert closed.buttons() == []
    assert (onboarded.last().text or "").startswith("Step 2 of 3")
    rs = await live_session(bot_runner, onboarded)
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == 1  # once per step


async def test_an_each_side_exercise_walks_left_then_right_with_the_bar_moving(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    routine_id, index = find_step(content, lambda parts: len(parts) == 2)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    left = step.text or ""
    assert left.split("\n")[2].startswith("Left side · ")

    await onboarded.tap("✅ Done")

    right = onboarded.last()
    assert right.message_id == step.message_id  # the same message, edited
    assert (right.text or "").split("\n")[2].startswith("Right side · ")
    assert left.split("\n")[0].split("  ")[0] == (right.text or "").split("\n")[0].split("  ")[0]
    assert (right.text or "").split("\n")[0].count("▰") > left.split("\n")[0].count("▰")
    rs = await live_session(bot_runner, onboarded)
    assert (rs.current_step, rs.step_part) == (index, 1)
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == index

    await onboarded.tap("✅ Done")
    assert onboarded.last().message_id != step.message_id  # on to the next step
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == index + 1


async def test_a_stale_tap_on_the_previous_side_is_refused_politely(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    routine_id, index = find_step(content, lambda parts: len(parts) == 2)
    left = copy.deepcopy(await open_at(onboarded, bot_runner, content, routine_id, index))
    await onboarded.tap("✅ Done")

    for label in ("✅ Done", "Skip"):
        answer = await onboarded.tap_message(left, label)
        assert answer.get("text") == "Done already: the step shows the next part now."
    rs = await live_session(bot_runner, onboarded)
    assert (rs.current_step, rs.step_part, rs.status) == (index, 1, SessionStatus.IN_PROGRESS)
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == index


async def test_skip_and_hurts_act_on_the_whole_step(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    routine_id, index = find_step(content, lambda parts: len(parts) == 2)
    await open_at(onboarded, bot_runner, content, routine_id, index)
    await onboarded.tap("✅ Done")  # the left side
    await onboarded.tap("Skip")  # skips the step, right side and all

    rs = await live_session(bot_runner, onboarded)
    assert (rs.current_step, rs.step_part) == (index + 1, 0)
    assert await count(bot_runner.db, StepEvent, session_id=rs.id) == index + 1


# --- the hold timer ---------------------------------------------------------------------


async def test_the_timer_switches_sides_and_announces_the_end_once(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    seconds = seconds_of(label)
    assert step.button_labels()[:2] == [label, "✅ Done"]

    answer = await onboarded.tap(label)

    assert answer.get("text") == f"⏱ {seconds} s started"
    running = onboarded.last()
    assert running.message_id == step.message_id
    assert "⏱ Running until" in (running.text or "")
    assert await bot_runner.tick() == 0  # not yet
    clock.advance(timedelta(seconds=seconds - 1))
    assert await bot_runner.tick() == 0

    clock.advance(timedelta(seconds=1))
    assert await bot_runner.tick() == 1
    await onboarded.settled()
    assert times_up(onboarded) == ["⏱ Time. Switch sides."]
    assert onboarded.last().text == "⏱ Time. Switch sides."  # a message: the phone rings
    shown = next(m for m in onboarded.bot_messages() if m.message_id == step.message_id)
    assert (shown.text or "").split("\n")[2].startswith("Right side · ")
    assert "⏱ Running until" not in (shown.text or "")
    rs = await live_session(bot_runner, onboarded)
    assert (rs.current_step, rs.step_part, rs.timer_ends_at) == (index, 1, None)

    clock.advance(timedelta(seconds=5))
    assert await bot_runner.tick() == 0
    await onboarded.settled()
    assert times_up(onboarded) == ["⏱ Time. Switch sides."]  # once

    # the right side's own timer ends with "tap Done": there is no other side
    await onboarded.tap_message(shown, label)
    clock.advance(timedelta(seconds=seconds))
    assert await bot_runner.tick() == 1
    await onboarded.settled()
    assert times_up(onboarded)[-1] == "⏱ Time. Tap Done when you're ready."
    await onboarded.tap_message(shown, "✅ Done")
    assert onboarded.last().message_id != step.message_id


async def test_with_several_holds_a_side_the_timer_leaves_the_side_to_the_runner(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, holds_twice)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    await onboarded.tap(label)
    clock.advance(timedelta(seconds=seconds_of(label)))

    assert await bot_runner.tick() == 1
    await onboarded.settled()

    assert times_up(onboarded) == ["⏱ Time. Tap Done when you're ready."]
    shown = next(m for m in onboarded.bot_messages() if m.message_id == step.message_id)
    assert (shown.text or "").split("\n")[2].startswith("Left side · ")
    assert label in shown.button_labels()  # the next hold: ⏱ again


async def test_a_second_tap_on_the_timer_starts_it_again(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    seconds = seconds_of(label)
    await onboarded.tap(label)
    clock.advance(timedelta(seconds=seconds - 5))
    await onboarded.tap(label)

    clock.advance(timedelta(seconds=5))
    assert await bot_runner.tick() == 0  # the first run would have ended here
    clock.advance(timedelta(seconds=seconds - 5))
    assert await bot_runner.tick() == 1
    await onboarded.settled()
    assert times_up(onboarded) == ["⏱ Time. Switch sides."]


async def test_done_during_a_timer_cancels_it(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    await onboarded.tap(label)
    await onboarded.tap("✅ Done")  # the left side, before the timer ends

    rs = await live_session(bot_runner, onboarded)
    assert (rs.step_part, rs.timer_ends_at) == (1, None)
    assert "⏱ Running until" not in (onboarded.last().text or "")
    clock.advance(timedelta(seconds=seconds_of(label) + 1))
    assert await bot_runner.tick() == 0
    await onboarded.settled()
    assert times_up(onboarded) == []
    rs = await live_session(bot_runner, onboarded)
    assert rs.step_part == 1  # the timer did not move the step on


async def test_stop_during_a_timer_cancels_it(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    await onboarded.tap(label)
    await onboarded.tap("Stop")

    clock.advance(timedelta(seconds=seconds_of(label)))
    assert await bot_runner.tick() == 0
    await onboarded.settled()
    assert times_up(onboarded) == []
    assert (await live_session(bot_runner, onboarded)).timer_ends_at is None


async def test_a_restart_mid_timer_announces_it_once(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    await onboarded.tap(label)

    await bot_runner.restart()
    clock.advance(timedelta(seconds=seconds_of(label) + 2))
    assert await bot_runner.tick() == 1
    await bot_runner.restart()
    assert await bot_runner.tick() == 0
    await onboarded.settled()

    assert times_up(onboarded) == ["⏱ Time. Switch sides."]
    rs = await live_session(bot_runner, onboarded)
    assert (rs.step_part, rs.timer_ends_at) == (1, None)


async def test_a_long_overdue_timer_is_dropped_without_a_word(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content, clock: ManualClock
) -> None:
    routine_id, index = find_step(content, switches_sides)
    step = await open_at(onboarded, bot_runner, content, routine_id, index)
    label = timer_label(step)
    await onboarded.tap(label)

    await bot_runner.stop()  # the bot is down when the hold ends, and a while after
    clock.advance(timedelta(seconds=seconds_of(label) + 61))
    await bot_runner.start()
    assert await bot_runner.tick() == 0
    await onboarded.settled()

    assert times_up(onboarded) == []
    rs = await live_session(bot_runner, onboarded)
    assert (rs.step_part, rs.timer_ends_at) == (0, None)  # still the left side, no timer
    await onboarded.tap_message(step, "✅ Done")  # the session goes on without it
    assert (await live_session(bot_runner, onboarded)).step_part == 1


async def test_the_timer_is_only_on_timed_holds_and_gone_after_hurts(
    onboarded: ChatUser, bot_runner: BotRunner, content: Content
) -> None:
    await onboarded.say("/session")  # foam rolling: minutes and breaths, no hold
    assert not [b for b in onboarded.last().button_labels() if b.startswith("⏱")]

    routine_id, index = find_step(content, switches_sides)
    await onboarded.tap("Stop")
    await onboarded.tap("0")
    step = copy.deepcopy(await open_at(onboarded, bot_runner, content, routine_id, index))
    await onboarded.tap("Hurts")
    assert not [b for b in onboarded.last().button_labels() if b.startswith("⏱")]
    answer = await onboarded.tap_message(step, timer_label(step))
    assert answer.get("text") == "That button has expired."
    assert (await live_session(bot_runner, onboarded)).timer_ends_at is None
