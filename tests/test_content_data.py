"""The real exercise content: the routines PROGRESSION.md asks for, in order, from the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content, load_content

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

SEED_FILES = {
    "000_7f2ffbbeac9e98f9.txt",
    "001_6249dd4ea48a27e2.txt",
    "002_edcae066dbdab63c.txt",
    "003_28ac56f964d3cfe9.txt",
    "004_916f7554541fe017.txt",
}

ROUTINE_IDS = {
    "decompression",
    "post_run_cooldown",
    "pre_run_warmup",
    "home_stretches",
    "yoga_for_runners",
    "strength_core",
}

# PROGRESSION.md, "The ladder": levels 1-7 in this order.
LADDER_STEPS = [
    "thorax_foam_roll",
    "boogie_board_side_stretch",
    "child_pose_traction",
    "seated_toe_touch",
    "runners_lunge_raised",
    "trunk_rotation_lying",
    "upward_dog_traction",
]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def test_exactly_the_six_routines(content: Content) -> None:
    assert set(content.routines) == ROUTINE_IDS


def test_the_ladder_is_the_decompression_progression_in_order(content: Content) -> None:
    assert content.ladder.id == "decompression"
    assert list(content.ladder.steps) == LADDER_STEPS


def test_every_exercise_names_one_of_the_five_seeds(content: Content) -> None:
    seeds = {exercise.seed for exercise in content.exercises.values()}
    assert seeds <= SEED_FILES
    assert set(content.sources) == SEED_FILES


def test_every_seed_named_exists(content: Content) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} is not present in this checkout")
    named = {exercise.seed for exercise in content.exercises.values()}
    named |= {seed for routine in content.routines.values() for seed in routine.seeds}
    missing = sorted(seed for seed in named if not (SEEDS_DIR / seed).is_file())
    assert missing == []


def test_foam_rolling_has_a_floor_substitute(content: Content) -> None:
    foam_roll = content.exercises["thorax_foam_roll"]
    assert "foam_roller" in foam_roll.equipment
    assert foam_roll.without_equipment == "cat_cow"
    assert foam_roll.without_equipment_reason
    assert "foam_roller" not in content.exercises["cat_cow"].equipment


def test_boogie_board_has_the_standing_side_bend_as_easier(content: Content) -> None:
    assert content.exercises["boogie_board_side_stretch"].easier == "standing_side_bend"
    assert content.exercises["standing_side_bend"].seed == "000_7f2ffbbeac9e98f9.txt"


@pytest.mark.parametrize("routine_id", sorted(ROUTINE_IDS))
def test_routine_length_is_sensible(content: Content, routine_id: str) -> None:
    routine = content.routines[routine_id]
    assert 1 <= content.routine_minutes(routine) <= 60


def test_every_exercise_is_reachable_from_a_routine(content: Content) -> None:
    in_routines = {step for routine in content.routines.values() for step in routine.steps}
    alternatives = {
        ref
        for step in in_routines
        for ref in (content.exercises[step].easier, content.exercises[step].without_equipment)
        if ref is not None
    }
    orphans = sorted(set(content.exercises) - in_routines - alternatives)
    assert orphans == []
