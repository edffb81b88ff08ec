"""A step message as a runner reads it at arm's length: every cue of the content, ⚠️ only
for cautions, the easier version on its own line, no "Step 1 of 1", and no step longer
than about 600 characters in any routine at any level."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.content import Content, load_content
from bot.domain.plan import RunnerToday, today_plan
from bot.services.results import Say, StepView
from bot.views import length, step_text

CONTENT = load_content()
MAX_STEP = 600  # characters as Telegram counts them: one phone screen beside the runner
STATUSES = (
    None,
    Say("step_status_done"),
    Say("step_status_hurt_stopped"),
    Say("step_status_easier", {"easier": "Standing side bend"}),
)


def view(
    exercise_id: str,
    *,
    index: int = 0,
    total: int = 3,
    hurt: bool = False,
    status: Say | None = None,
    part: int = 0,
    timer: time | None = None,
) -> StepView:
    return StepView(
        session_id=1,
        index=index,
        total=total,
        version=0,
        exercise_id=exercise_id,
        hurt=hurt,
        part=part,
        # the bar at its widest: one cell a part, many parts in the session
        position=index,
        positions=max(total, 20),
        timer_until=timer,
        status=status,
    )


def every_step() -> list[tuple[str, int, bool, int, int, str]]:
    """(routine, level, roller, index, total, exercise) for every step a runner can get."""
    found = []
    now = datetime(2026, 3, 2, tzinfo=UTC)
    for routine in CONTENT.routines.values():
        levels = range(1, len(routine.steps) + 1) if routine.kind == "ladder" else [1]
        for level in levels:
            for roller in (True, False):
                plan = today_plan(
                    routine,
                    runner=RunnerToday(level=level, has_roller=roller, in_flare=False),
                    catalogue=CONTENT.catalogue,
                    rules=CONTENT.progression,
                    now=now,
                )
                for index, exercise_id in enumerate(plan.steps):
                    found.append((routine.id, level, roller, index, len(plan.steps), exercise_id))
    return found


def test_every_step_of_every_routine_fits_a_phone_screen() -> None:
    too_long = []
    steps = every_step()
    for routine_id, level, roller, index, total, exercise_id in steps:
        exercise = CONTENT.exercises[exercise_id]
        shown = []
        for part in range(len(exercise.walk())):  # each side, each technique
            timed = exercise.walk()[part].dose.timer_seconds is not None
            for hurt, timer, status in (
                *((False, None, s) for s in STATUSES),
                (False, time(7, 30, 15) if timed else None, None),  # a hold timer running
                (True, None, None),
            ):
                shown.append(
                    view(
                        exercise_id,
                        index=index,
                        total=total,
                        part=part,
                        hurt=hurt,
                        timer=timer,
                        status=status,
                    )
                )
        longest = max(length(step_text(CONTENT, v)) for v in shown)
        if longest > MAX_STEP:
            too_long.append((routine_id, level, roller, exercise.id, longest))
    assert len(steps) > 40  # every routine, every level, with and without a roller
    assert too_long == []


def test_the_length_check_sees_the_ladders_last_step_with_and_without_a_roller() -> None:
    ladder = [s for s in every_step() if s[0] == "decompression"]
    assert {(level, roller) for _, level, roller, *_ in ladder} == {
        (level, roller) for level in range(1, 8) for roller in (True, False)
    }


@pytest.mark.parametrize("exercise_id", sorted(CONTENT.exercises))
def test_every_cue_and_caution_is_shown(exercise_id: str) -> None:
    exercise = CONTENT.exercises[exercise_id]
    text = step_text(CONTENT, view(exercise_id))
    for cue in exercise.cues:
        assert f"Tip: {cue}" in text.split("\n")
    for caution in exercise.cautions:
        assert f"⚠️ {caution}" in text.split("\n")
    assert text.count("⚠️") == len(exercise.cautions)


@pytest.mark.parametrize(
    "exercise_id", sorted(e.id for e in CONTENT.exercises.values() if e.easier)
)
def test_an_easier_version_is_its_own_line_not_a_warning(exercise_id: str) -> None:
    exercise = CONTENT.exercises[exercise_id]
    assert exercise.easier is not None
    easier = CONTENT.exercises[exercise.easier].name
    lines = step_text(CONTENT, view(exercise_id)).split("\n")
    assert [line for line in lines if line.startswith("Easier: ")] != []
    assert next(line for line in lines if line.startswith("Easier: ")).startswith(
        f"Easier: {easier}"
    )
    for caution in exercise.cautions:
        assert easier.lower() not in caution.lower()


def test_the_boogie_board_says_when_to_take_the_side_bend() -> None:
    text = step_text(CONTENT, view("boogie_board_side_stretch"))
    assert (
        "Easier: Standing side bend, if your hips or knees won't let you kneel this deep."
        in text.split("\n")
    )
    assert "⚠️ Hips or knees" not in text


def test_a_condition_the_bot_enforces_is_not_a_warning(content: Content) -> None:
    """The toe touch only opens after child's pose at a level the ratings allowed; the
    trunk rotation is left out for a few days after it hurt: the bot does both."""
    for exercise_id in ("seated_toe_touch", "trunk_rotation_lying"):
        text = step_text(content, view(exercise_id))
        assert "⚠️ Only once" not in text
        assert "couple of days off" not in text


def test_no_step_1_of_1() -> None:
    alone = step_text(CONTENT, view("cat_cow", total=1))
    assert alone.startswith("Cat-cow\n")
    assert "Step 1 of 1" not in alone
    assert step_text(CONTENT, view("cat_cow", index=1, total=3)).startswith("Step 2 of 3  ▰")


def test_a_finished_step_keeps_its_text_and_shows_its_status_not_the_hurts_prompt() -> None:
    live = step_text(CONTENT, view("child_pose_traction"))
    done = step_text(CONTENT, view("child_pose_traction", status=Say("step_status_done")))
    assert done == f"{live}\n\n✅ Done"
    hurt_then_skipped = step_text(
        CONTENT,
        view("child_pose_traction", hurt=True, status=Say("step_status_hurt_skipped")),
    )
    assert hurt_then_skipped == f"{live}\n\nHurt - skipped"
    assert "Sorry it hurts" not in hurt_then_skipped
