"""No session thinner than about five minutes: a short ladder session adds gentle extras,
labelled as extras, that the progression rules do not count (PROGRESSION.md, "Extras");
and every Easier version in content/ is reachable through Hurts -> Easier. End to end,
through the Bot API stand-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.domain.enums import SessionStatus
from bot.domain.plan import minutes_of
from tests.utils.app import BotRunner
from tests.utils.chat import ChatUser
from tests.utils.journeys import onboard_to, sweep_at
from tests.utils.rows import sessions_of, set_user, user_row

BERLIN_WINTER = timedelta(hours=1)  # March 2026 before the 29th: CET
EXTRA = "· Extra"


def berlin(day: int, hour: int, minute: int = 0, second: int = 30) -> datetime:
    """That local time in Berlin on March `day` 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC) - BERLIN_WINTER


async def set_up_without_a_roller(
    runner: ChatUser, at: str = "7:30", morning: str = "08:00"
) -> None:
    """Set up with no foam roller, reminders at `at` and the morning question at the
    button `morning`, Europe/Berlin."""
    await onboard_to(runner, "equipment")
    await runner.tap("No roller")
    await runner.say(at)
    await runner.tap(morning)
    await runner.say("Europe/Berlin")
    await runner.tap("Save")


def header(runner: ChatUser) -> str:
    return (runner.last().text or "").split("\n", 1)[0]


def on_a_step(runner: ChatUser) -> bool:
    """The last message is a live step (a step alone may have no "Step i of N" header)."""
    return "Skip" in runner.last().button_labels()


def name_on(content: Content, text: str) -> str:
    """The exercise a step message shows: the line that is an exercise's name."""
    names = {e.name for e in content.exercises.values()}
    return next(line for line in text.split("\n") if line in names)


async def walk(runner: ChatUser, *, on_extras: str = "✅ Done") -> list[str]:
    """Tap through the open session: Done on the ladder steps (on every part of one),
    `on_extras` on each extra (Skip, or Stop on the first one); the text of every step
    message as it was first sent."""
    seen: list[str] = []
    while on_a_step(runner):
        step = runner.last()
        seen.append(step.text or "")
        action = on_extras if EXTRA in header(runner) else "✅ Done"
        for _ in range(10):  # one tap a part (a side, a technique) at most
            await runner.tap(action)
            if runner.last().message_id != step.message_id:
                break
        else:
            raise AssertionError(f"the step did not move on: {step.text}")
    return seen


async def test_level_one_without_a_roller_lasts_about_five_minutes_with_labelled_extras(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, content: Content
) -> None:
    await set_up_without_a_roller(runner)
    ladder = content.ladder
    assert ladder.extras is not None
    substitute = content.catalogue.no_roller[ladder.steps[0]]

    # The reminder names the same session, extras and minutes included.
    await sweep_at(bot_runner, runner, clock, berlin(2, 7, 30))
    reminder = next(
        m.text or "" for m in runner.bot_messages() if "Time for your" in (m.text or "")
    )
    assert "1 step + 2 gentle extras, about 5 min" in reminder, reminder

    await runner.tap("Start")
    intro = runner.bot_messages()[-2].text or ""
    assert f"level 1 of {len(ladder.steps)}" in intro, intro
    assert "1 step + 2 gentle extras, about 5 min" in intro, intro

    steps = await walk(runner)
    names = [name_on(content, text) for text in steps]
    first, *extras = names
    assert first == content.exercises[substitute].name
    assert extras == [content.exercises[e].name for e in ladder.extras.pool]
    # Only the extras say so in their header; the ladder step does not.
    assert [EXTRA in text.split("\n")[0] for text in steps] == [False, True, True]
    assert steps[1].startswith("Step 2 of 3 · Extra")

    # What the runner walked is about five minutes, by the plan's one estimate.
    ids = {
        e.name: e.id
        for e in content.exercises.values()
        if e.id in {substitute, *ladder.extras.pool}
    }
    walked = minutes_of([ids[name] for name in names], content.catalogue)
    assert walked == 5 == ladder.extras.min_minutes
    assert minutes_of([substitute], content.catalogue) < 4  # the ladder step alone: 2 min

    await runner.tap("2")
    [session] = await sessions_of(bot_runner.db, runner.user_id)
    assert session.extras_from == 1
    assert session.steps == [substitute, *ladder.extras.pool]
    assert session.status is SessionStatus.COMPLETED


async def test_a_runner_with_a_roller_gets_no_extras(
    onboarded: ChatUser, bot_runner: BotRunner
) -> None:
    await onboarded.say("/session")
    assert "extra" not in (onboarded.bot_messages()[-2].text or "")
    steps = await walk(onboarded)
    assert len(steps) == 1
    assert EXTRA not in steps[0]
    [session] = await sessions_of(bot_runner.db, onboarded.user_id)
    assert session.extras_from is None


async def test_skipping_or_stopping_on_the_extras_still_counts_toward_a_level_up(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock
) -> None:
    """Three sessions in a row at level 1 without a roller, each with a rating of 2 and a
    settled morning after it: one skips both extras, one stops on the first, one does
    them. The extras change nothing: level 2 follows, as for a runner with a roller."""
    await set_up_without_a_roller(runner, "7:00", "With my reminder, 07:00")
    plays = ("Skip", "Stop", "✅ Done")
    replies = []
    for day, on_extras in zip((2, 3, 4), plays, strict=True):
        if day > 2:
            seen = len(runner.bot_messages())
            await sweep_at(bot_runner, runner, clock, berlin(day, 7, 0))
            [question] = [
                m
                for m in runner.bot_messages()[seen:]
                if (m.text or "").startswith("Good morning!")
            ]
            await runner.tap_message(question, "2")
        await runner.say("/session")
        await walk(runner, on_extras=on_extras)
        await runner.tap("2")
    seen = len(runner.bot_messages())
    await sweep_at(bot_runner, runner, clock, berlin(5, 7, 0))
    [question] = [
        m for m in runner.bot_messages()[seen:] if (m.text or "").startswith("Good morning!")
    ]
    await runner.tap_message(question, "2")
    replies.append(runner.last().text or "")

    sessions = await sessions_of(bot_runner.db, runner.user_id)
    assert [s.local_date for s in sessions] == [date(2026, 3, d) for d in (2, 3, 4)]
    assert all(s.extras_from == 1 for s in sessions)
    # A Stop on an extra ends a session whose ladder steps are all done: complete.
    assert {s.status for s in sessions} == {SessionStatus.COMPLETED}
    assert "Next session adds boogie board side stretch" in replies[-1], replies[-1]
    assert (await user_row(bot_runner.db, runner.user_id)).level == 2


async def test_in_flare_the_extras_stay_the_gentle_ones(
    runner: ChatUser, bot_runner: BotRunner, clock: ManualClock, content: Content
) -> None:
    await set_up_without_a_roller(runner)
    await set_user(bot_runner.db, runner.user_id, level=6, flare_since=clock.now())
    await runner.say("/session")
    steps = await walk(runner)
    ladder = content.ladder
    assert ladder.extras is not None
    flare_level = content.progression.flare.max_level
    [session] = await sessions_of(bot_runner.db, runner.user_id)
    assert session.level == flare_level
    assert session.extras_from == flare_level
    extras = session.steps[flare_level:]
    assert extras
    assert set(extras) <= set(ladder.extras.pool)
    for extra in extras:
        exercise = content.exercises[extra]
        assert not exercise.equipment
        assert exercise.dose.sets is None
    assert [EXTRA in text.split("\n")[0] for text in steps] == [
        i >= flare_level for i in range(len(session.steps))
    ]


def _easier_steps(content: Content) -> list[tuple[str, str, int]]:
    """(routine, exercise, index) of the first step of each exercise with an easier version."""
    found: dict[str, tuple[str, str, int]] = {}
    for routine in content.routines.values():
        for index, step in enumerate(routine.steps):
            if content.exercises[step].easier and step not in found:
                found[step] = (routine.id, step, index)
    return list(found.values())


def test_the_easier_versions_to_reach_cover_the_seeded_ones(content: Content) -> None:
    reached = {step for _, step, _ in _easier_steps(content)}
    assert reached >= {
        "boogie_board_side_stretch",
        "child_pose_traction",
        "seated_toe_touch",
        "quad_stretch",
    }
    assert reached == {e.id for e in content.exercises.values() if e.easier}


@pytest.mark.parametrize(
    ("routine_id", "exercise_id", "index"),
    _easier_steps(load_content()),
)
async def test_every_easier_version_is_reachable_through_hurts(
    onboarded: ChatUser,
    bot_runner: BotRunner,
    content: Content,
    routine_id: str,
    exercise_id: str,
    index: int,
) -> None:
    routine = content.routines[routine_id]
    level = index + 1 if routine.kind == "ladder" else 1
    await set_user(bot_runner.db, onboarded.user_id, routine_id=routine_id, level=level)
    await onboarded.say("/session")
    exercise = content.exercises[exercise_id]
    for _ in range(40):  # Done up to the step (a step may take a tap a side)
        if name_on(content, onboarded.last().text or "") == exercise.name:
            break
        await onboarded.tap("✅ Done")
    else:
        raise AssertionError(f"never reached {exercise_id}")

    await onboarded.tap("Hurts")
    assert onboarded.last().button_labels()[0] == "Easier"
    await onboarded.tap("Easier")
    assert exercise.easier is not None
    easier = content.exercises[exercise.easier]
    assert name_on(content, onboarded.last().text or "") == easier.name
    [session] = await sessions_of(bot_runner.db, onboarded.user_id)
    assert session.steps[index] == easier.id
