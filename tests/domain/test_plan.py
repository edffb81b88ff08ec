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
    assert p.minutes == 1  # 45 s, not the roller's 60
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
