"""The real exercise content: the routines PROGRESSION.md asks for, in order, from the seeds."""

from __future__ import annotations

import re
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


S000, S001, S002, S003, S004 = sorted(SEED_FILES)

# Seed-backed core work: seed 002 "The Tabletop Leg Press is a core-strengthening
# exercise", seed 001's bird dog works "the core muscles ... coordination and strength",
# seed 002 "The Glute Bridge strengthens the glutes, which then strengthens the core".
CORE = {"tabletop_leg_press", "bird_dog", "glute_bridge"}

# How-tos that another seed than the exercise's own describes.
INSTRUCTIONS_FROM = {
    "roll_down": S000,  # seed 000's seated toe touch, standing
    "modified_child_pose": S000,
    "cooldown_downward_dog": S001,
    "cooldown_child_pose": S001,
    "cooldown_cat_cow": S001,
    "kneeling_hip_flexor_stretch": S002,
    "figure_four_stretch": S002,
    "knee_to_chest": S002,
    "bridge_pose": S002,
    "reclined_pigeon": S002,
    "glute_stretch": S002,
    "quad_stretch": S003,
}


def test_every_exercise_names_its_seed_and_where_its_how_to_comes_from(
    content: Content,
) -> None:
    for exercise in content.exercises.values():
        assert exercise.seed in content.sources
        assert exercise.instructions_from in {None, *content.sources} - {exercise.seed}
    found = {e.id: e.instructions_from for e in content.exercises.values() if e.instructions_from}
    assert found == INSTRUCTIONS_FROM


def test_each_exercise_file_holds_one_seed(content: Content) -> None:
    for exercise in content.exercises.values():
        file = content.exercise_files[exercise.id].rsplit("/", 1)[-1]
        assert file[:3] == exercise.seed[:3], exercise.id


def test_strength_routine_has_core_work_dosed_as_strength(content: Content) -> None:
    steps = [content.exercises[s] for s in content.routines["strength_core"].steps]
    core = [e for e in steps if e.id in CORE and e.dose.sets and e.dose.reps]
    assert core, "no core exercise with sets and reps"
    for exercise in steps:
        if exercise.id in {"squat", "reverse_lunge", "bulgarian_split_squat"}:
            dose = exercise.dose
            assert dose.sets
            assert dose.reps
            assert dose.rest_seconds
            assert dose.minutes is None


def test_seed_004_strength_moves_carry_its_lower_back_caution(content: Content) -> None:
    """Seed 004: if your lower back is being used, make the movement smaller."""
    for exercise in content.exercises.values():
        if exercise.seed == S004 and exercise.dose.sets:
            assert any("lower back" in c for c in exercise.cautions), exercise.id


def test_the_seed_lists_are_in_their_routines(content: Content) -> None:
    routines = {r.id: r.steps for r in content.routines.values()}
    # seed 003: the static calf stretch is "post-run"; the couch stretch beside the
    # kneeling hip flexor stretch
    cooldown = routines["post_run_cooldown"]
    assert {"static_calf_stretch", "half_kneeling_couch_stretch"} <= set(cooldown)
    assert cooldown.index("half_kneeling_couch_stretch") == (
        cooldown.index("kneeling_hip_flexor_stretch") + 1
    )
    # seed 004: stretch the quads and glutes before the strength work
    strength = routines["strength_core"]
    assert strength[:2] == ["quad_stretch", "glute_stretch"]
    # seed 004's running cue, shown on the last step before a run
    last = content.exercises[routines["pre_run_warmup"][-1]]
    assert any("high knees" in cue for cue in last.cues)  # a step shows every cue


def test_yoga_takes_seed_001s_session_length(content: Content) -> None:
    """Seed 001: "Consider setting aside at least 15-20 minutes per session"."""
    assert 15 <= content.routine_minutes(content.routines["yoga_for_runners"]) <= 20


def test_one_instruction_for_when_something_hurts(content: Content) -> None:
    """Every exercise ends with the same sentence, and no other caution says otherwise."""
    last = {e.cautions[-1] for e in content.exercises.values() if e.cautions}
    assert len(last) == 1
    assert all(e.cautions for e in content.exercises.values())
    (hurts,) = last
    assert "Hurts" in hurts
    others = [c for e in content.exercises.values() for c in e.cautions[:-1]]
    for caution in others:
        assert not re.search(r"discomfort|skip it|stop at once|professional", caution), caution


def test_forward_bends_carry_seed_000s_condition(content: Content) -> None:
    """Seed 000 curls down one segment at a time only once the pain is no longer severe and
    child's pose was comfortable: the ladder's level-4 gate enforces it for the seated toe
    touch (so it is no warning there); the roll-down, outside the ladder, says it."""
    gates = content.progression.gates
    ladder = content.ladder.steps
    assert ladder[gates.level - 1] == "seated_toe_touch"
    assert ladder[gates.comfortable_step - 1] == "child_pose_traction"
    assert gates.pain_below <= content.progression.labels.severe_min
    assert not any("no longer severe" in c for c in content.exercises["seated_toe_touch"].cautions)
    assert any("no longer severe" in c for c in content.exercises["roll_down"].cautions)
