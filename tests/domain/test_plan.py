"""today_plan: one plan for /session, the reminder, /routines and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.content import Content
from bot.domain.plan import (
    Catalogue,
    NoteKind,
    RunnerToday,
    TodayPlan,
    ladder_steps,
    minutes_of,
    today_plan,
    with_extras,
)

NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Routine:
    id: str
    kind: str
    steps: tuple[str, ...]
    extras: Extras | None = None


@dataclass(frozen=True)
class Extras:
    min_minutes: int
    pool: tuple[str, ...]


LADDER = Routine("ladder", "ladder", ("roll", "b", "c", "d", "e", "twist", "g"))
OTHER = Routine("cooldown", "routine", ("roll", "b"))
CATALOGUE = Catalogue(
    seconds={s: 60.0 for s in ("roll", "b", "c", "d", "e", "twist", "g", "cat_cow")}
    | {"cat_cow": 45.0},
    no_roller={"roll": "cat_cow"},
)


def plan(content: Content, routine: Routine = LADDER, **runner: object) -> TodayPlan:
    values: dict[str, object] = {"level": 3, "has_roller": True, "in_flare": False}
    values.update(runner)
    return today_plan(
        routine,
        runner=RunnerToday(**values),  # type: ignore[arg-type]
        catalogue=CATALOGUE,
        rules=content.progression,
        now=NOW,
    )


def test_the_ladder_runs_steps_one_to_the_level(content: Content) -> None:
    p = plan(content, level=3)
    assert (p.level, p.steps, p.minutes, p.notes) == (3, ("roll", "b", "c"), 3, ())


def test_flare_runs_the_flare_level_and_says_so(content: Content) -> None:
    p = plan(content, level=5, in_flare=True)
    assert p.level == content.progression.flare.max_level == 2
    assert p.steps == ("roll", "b")
    assert p.minutes == 2
    assert [n.kind for n in p.notes] == [NoteKind.FLARE]


def test_without_a_roller_the_substitute_runs_and_its_minutes_count(content: Content) -> None:
    p = plan(content, level=1, has_roller=False)
    assert p.steps == ("cat_cow",)
    assert p.minutes == 1  # 45 s, not the roller's 60 (this ladder has no extras)
    assert [n.kind for n in p.notes] == [NoteKind.NO_ROLLER]


def test_a_recent_hurt_drops_the_sharp_step_until_the_window_ends(content: Content) -> None:
    gates = content.progression.gates
    assert gates.sharp_pain_step == 6
    hurt = NOW - timedelta(days=1)
    p = plan(content, level=7, sharp_hurt_at=hurt)
    assert "twist" not in p.steps
    assert len(p.steps) == 6
    (note,) = p.notes
    assert note.kind is NoteKind.DROPPED
    assert note.exercise_id == "twist"
    assert note.until == hurt + timedelta(days=gates.sharp_pain_drop_days)
    later = plan(content, level=7, sharp_hurt_at=NOW - timedelta(days=3))
    assert "twist" in later.steps
    assert later.notes == ()


def test_a_hurt_on_a_step_the_level_does_not_reach_says_nothing(content: Content) -> None:
    """In flare mode at level 7 the session runs level 2: nothing to leave out."""
    p = plan(content, level=7, in_flare=True, sharp_hurt_at=NOW - timedelta(hours=5))
    assert p.steps == ("roll", "b")
    assert [n.kind for n in p.notes] == [NoteKind.FLARE]


def test_another_routine_runs_whole_with_substitutes_and_no_level(content: Content) -> None:
    p = plan(content, OTHER, level=7, has_roller=False, in_flare=True)
    assert (p.routine_id, p.level, p.steps, p.notes) == ("cooldown", None, ("cat_cow", "b"), ())


@pytest.mark.parametrize("level", [-3, 0, 1, 7, 12])
def test_levels_are_clamped_to_the_ladder(content: Content, level: int) -> None:
    p = plan(content, level=level)
    assert 1 <= len(p.steps) <= len(LADDER.steps)


def test_ladder_steps_never_drops_everything() -> None:
    assert ladder_steps(["a"], 1, substitutes={}, dropped=frozenset({"a"})) == ["a"]


def test_minutes_round_and_never_show_zero() -> None:
    assert minutes_of([], CATALOGUE) == 1
    assert minutes_of(["cat_cow"], CATALOGUE) == 1
    assert minutes_of(["roll", "b", "c"], CATALOGUE) == 3


def test_the_real_content_plans_every_routine_at_every_level(content: Content) -> None:
    for routine in content.routines.values():
        for level in range(1, 8):
            for roller in (True, False):
                p = today_plan(
                    routine,
                    runner=RunnerToday(level=level, has_roller=roller, in_flare=False),
                    catalogue=content.catalogue,
                    rules=content.progression,
                    now=NOW,
                )
                assert p.steps
                assert all(step in content.exercises for step in p.steps)
                if not roller:
                    assert not set(p.steps) & set(content.catalogue.no_roller)


# --- extras: a short session adds gentle moves, labelled, not ladder steps -----------------

GENTLE = Extras(min_minutes=4, pool=("tilt", "rest", "c"))
SHORT = Routine("ladder", "ladder", ("roll", "b", "c", "d"), GENTLE)
EXTRA_CATALOGUE = Catalogue(
    seconds={"roll": 120.0, "b": 60.0, "c": 60.0, "d": 60.0, "cat_cow": 60.0}
    | {"tilt": 60.0, "rest": 90.0},
    no_roller={"roll": "cat_cow"},
)


def extras_plan(content: Content, **runner: object) -> TodayPlan:
    values: dict[str, object] = {"level": 1, "has_roller": True, "in_flare": False}
    values.update(runner)
    return today_plan(
        SHORT,
        runner=RunnerToday(**values),  # type: ignore[arg-type]
        catalogue=EXTRA_CATALOGUE,
        rules=content.progression,
        now=NOW,
    )


def test_a_short_session_adds_extras_in_order_until_it_lasts_long_enough(
    content: Content,
) -> None:
    p = extras_plan(content, level=1, has_roller=False)
    assert p.steps == ("cat_cow", "tilt", "rest")
    assert (p.extras_from, p.routine_steps, p.extras) == (1, ("cat_cow",), ("tilt", "rest"))
    assert p.minutes == 4  # the extras count: 60 + 60 + 90 s
    assert p.level == 1


def test_an_extra_already_in_the_session_is_not_added_twice(content: Content) -> None:
    # level 3 without a roller: 60 + 60 + 60 s; "c" is in the pool but already a step
    p = extras_plan(content, level=3, has_roller=False)
    assert p.steps == ("cat_cow", "b", "c", "tilt")
    assert p.extras == ("tilt",)


def test_a_session_long_enough_has_no_extras(content: Content) -> None:
    p = extras_plan(content, level=2, has_roller=True)  # 120 + 60 s, 3 min
    p_long = extras_plan(content, level=4, has_roller=True)  # 5 min
    assert p.extras == ("tilt",)
    assert (p_long.extras_from, p_long.extras) == (None, ())
    assert p_long.routine_steps == p_long.steps


def test_flare_gets_the_same_gentle_pool_after_its_flare_level(content: Content) -> None:
    p = extras_plan(content, level=4, has_roller=False, in_flare=True)
    assert p.level == content.progression.flare.max_level == 2
    assert p.routine_steps == ("cat_cow", "b")
    assert set(p.extras) <= set(GENTLE.pool)
    assert p.minutes >= GENTLE.min_minutes


def test_with_extras_without_a_pool_changes_nothing() -> None:
    assert with_extras(["roll"], None, EXTRA_CATALOGUE) == (("roll",), None)


def test_the_real_ladder_never_runs_shorter_than_its_extras_minutes(content: Content) -> None:
    """Every level, with and without a roller, in and out of flare: at least about five
    minutes, the extras only from the ladder's gentle pool, after every ladder step."""
    ladder = content.ladder
    assert ladder.extras is not None
    assert ladder.extras.min_minutes == 5
    pool = set(ladder.extras.pool)
    for level in range(1, len(ladder.steps) + 1):
        for roller in (True, False):
            for flare in (False, True):
                p = today_plan(
                    ladder,
                    runner=RunnerToday(level=level, has_roller=roller, in_flare=flare),
                    catalogue=content.catalogue,
                    rules=content.progression,
                    now=NOW,
                )
                assert p.minutes >= ladder.extras.min_minutes, (level, roller, flare)
                assert set(p.extras) <= pool
                assert not set(p.routine_steps) & pool
                for extra in p.extras:  # gentle: nothing to hold, lift or stand on
                    exercise = content.exercises[extra]
                    assert not exercise.equipment
                    assert exercise.dose.sets is None


def test_level_one_without_a_roller_is_cat_cow_and_two_gentle_extras(content: Content) -> None:
    p = today_plan(
        content.ladder,
        runner=RunnerToday(level=1, has_roller=False, in_flare=False),
        catalogue=content.catalogue,
        rules=content.progression,
        now=NOW,
    )
    assert p.steps == ("cat_cow", "pelvic_tilt", "child_pose")
    assert p.extras_from == 1
    assert p.minutes == 5
