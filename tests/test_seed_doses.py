"""Every exercise's dose, against the seeds' own words.

The table below holds, for each exercise, the dose content/ gives it, the words of its seed
that set that dose, and which parts of it no seed gives (filled by a default that
content/README.md names). A dose that drifts from its seed, an exercise added without an
entry, or a quote that is not in the seed fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content, Dose, load_content

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

S004 = "004_916f7554541fe017.txt"

# The defaults of content/README.md, for what no seed gives.
# PROGRESSION.md R8: "about 60 s per stretch in total (2 x 30 s)".
R8: dict[str, Any] = {"hold_seconds": 30, "reps": 2, "minutes": 1}
# Seed 004's "strength endurance", dosed as content/README.md says.
STRENGTH: dict[str, Any] = {"reps": [10, 15], "sets": 2, "rest_seconds": 60}
# Seed 001 gives the hold and the session ("at least 15-20 minutes") but not the count:
# 3-5 holds a pose fill the session (tests/test_content_data.py checks the minutes).
SESSION: dict[str, Any] = {"reps": [3, 5]}


@dataclass(frozen=True)
class Seeded:
    dose: dict[str, Any]
    said: tuple[str, ...] = ()  # the exercise's seed, word for word
    filled: tuple[str, ...] = ()  # dose fields no seed gives
    default: dict[str, Any] = field(default_factory=dict)  # what fills them


UP_TO_A_MINUTE = "Hold each pose for up to one minute"
SESSION_LENGTH = "Consider setting aside at least 15-20 minutes per session"
PHYSIO_HOLD = "Each stretch should be held for 30 to 60 seconds."
BOOGIE_INTERVALS = "Do intervals of 15-30 seconds, multiple times per session"

DOSES: dict[str, Seeded] = {
    # --- seed 000, the Decompression Progression --------------------------------------
    # 1-5 min side to side, up to 2 up and down, 1-2 min each diagonal: about 3-11 min
    "thorax_foam_roll": Seeded(
        {"minutes": [3, 11]},
        (
            "Side to side for anywhere from one to five minutes.",
            "Then, roll between up to 2 minutes.",
            "you can roll between about one to two minutes and then switch to the next diagonal",
        ),
    ),
    # "multiple times": 2, the least that counts
    "boogie_board_side_stretch": Seeded(
        {"hold_seconds": [15, 30], "reps": 2, "sides": 2},
        (BOOGIE_INTERVALS, "Repeat on the opposite side."),
        ("reps",),
        R8,
    ),
    # the standing alternative of the same step 2
    "standing_side_bend": Seeded(
        {"hold_seconds": [15, 30], "reps": 2, "sides": 2},
        (BOOGIE_INTERVALS, "do a side bend standing", "Repeat on the opposite side."),
        ("reps",),
        R8,
    ),
    "child_pose_traction": Seeded(
        {"hold_seconds": [3, 5], "reps": [3, 10]},
        ("Maintain this position in this position for 3 to 5 seconds. Try 3 to 10 repetitions.",),
    ),
    # the same step 3 without its traction (its easier version), at step 3's dose
    "child_pose_no_traction": Seeded(
        {"hold_seconds": [3, 5], "reps": [3, 10]},
        ("Maintain this position in this position for 3 to 5 seconds. Try 3 to 10 repetitions.",),
    ),
    "seated_toe_touch": Seeded(
        {"hold_seconds": {"up_to": 180}, "reps": [3, 10]},
        (
            "Maintain this position for up to three minutes.",
            "Repeat the process three to ten times.",
        ),
    ),
    "runners_lunge_raised": Seeded(
        {"hold_seconds": [15, 30], "reps": [4, 6], "sides": 2},
        ("Keep this position for 15-30 seconds and repeat it four to six times on each side.",),
    ),
    "trunk_rotation_lying": Seeded(
        {"hold_seconds": [15, 30], "reps": {"up_to": 6}, "sides": 2},
        (
            "Keep this position for 15-30 seconds, then repeat the process up to six times "
            "on each side.",
        ),
    ),
    "upward_dog_traction": Seeded(
        {"breaths": 2, "reps": [5, 10]},
        ("Take a couple of breaths.", "Five to 10 up-down yoga stretching exercises."),
    ),
    # --- seed 001, yoga for runners --------------------------------------------------
    "child_pose": Seeded(
        {"hold_seconds": {"up_to": 60}, "reps": [3, 5]},
        (UP_TO_A_MINUTE, SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "cat_cow": Seeded(
        {"minutes": {"up_to": 1}, "reps": [3, 5]},
        (UP_TO_A_MINUTE, SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "downward_dog": Seeded(
        {"hold_seconds": {"up_to": 60}, "reps": [3, 5]},
        (UP_TO_A_MINUTE, SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "standing_hamstring_stretch": Seeded(
        {"hold_seconds": [10, 20], "reps": [3, 5]},
        ("reaching toward your toes for 10-20 seconds", SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "pelvic_tilt": Seeded(
        {"hold_seconds": {"up_to": 30}, "reps": [3, 5]},
        ("Do not hold the position for more than 30 seconds at a time", SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "bird_dog": Seeded(
        {"hold_seconds": 5, "reps": [10, 15], "sets": 2, "rest_seconds": 60},
        ("holding for five seconds each time before alternating between sides",),
        ("reps", "sets", "rest_seconds"),
        STRENGTH,
    ),
    "bridge_pose": Seeded(
        {"hold_seconds": {"up_to": 60}, "reps": [3, 5]},
        (UP_TO_A_MINUTE, SESSION_LENGTH),
        ("reps",),
        SESSION,
    ),
    "reclined_pigeon": Seeded(
        {"hold_seconds": {"up_to": 60}, "reps": [3, 5], "sides": 2},
        (UP_TO_A_MINUTE, SESSION_LENGTH, "Hip openers such as pigeon pose"),
        ("reps",),
        SESSION,
    ),
    # --- seed 002, home stretches ----------------------------------------------------
    "back_flexion_stretch": Seeded(
        {"hold_seconds": 30, "reps": 2}, (), ("hold_seconds", "reps"), R8
    ),
    "kneeling_lunge_stretch": Seeded(
        {"hold_seconds": 30, "reps": 2, "sides": 2}, (), ("hold_seconds", "reps"), R8
    ),
    "piriformis_stretch": Seeded(
        {"hold_seconds": 30, "reps": 2, "sides": 2},
        ("Rest and repeat on the opposite side.",),
        ("hold_seconds", "reps"),
        R8,
    ),
    "glute_bridge": Seeded(
        {"hold_seconds": [30, 60]}, ("Hold this position for 30 to 60 seconds",)
    ),
    # "repeat as desired": the strength dose's sets and rest
    "tabletop_leg_press": Seeded(
        {"hold_seconds": 30, "sets": 2, "rest_seconds": 60},
        ("Hold this here for 30 seconds and repeat as desired.",),
        ("sets", "rest_seconds"),
        STRENGTH,
    ),
    # --- seed 003, the physio's mobility routine ---------------------------------------
    "roll_down": Seeded({"hold_seconds": [30, 60]}, (PHYSIO_HOLD,)),
    "static_calf_stretch": Seeded(
        {"hold_seconds": [30, 60], "sides": 2}, (PHYSIO_HOLD, "Standing calf stretch post-run")
    ),
    "cooldown_downward_dog": Seeded({"hold_seconds": [30, 60]}, (PHYSIO_HOLD,)),
    "cooldown_child_pose": Seeded({"hold_seconds": [30, 60]}, (PHYSIO_HOLD,)),
    "cooldown_cat_cow": Seeded({"minutes": [0.5, 1]}, (PHYSIO_HOLD,)),
    "modified_child_pose": Seeded({"hold_seconds": [30, 60]}, (PHYSIO_HOLD,)),
    "kneeling_hip_flexor_stretch": Seeded({"hold_seconds": [30, 60], "sides": 2}, (PHYSIO_HOLD,)),
    "half_kneeling_couch_stretch": Seeded({"hold_seconds": [30, 60], "sides": 2}, (PHYSIO_HOLD,)),
    "figure_four_stretch": Seeded({"hold_seconds": [30, 60], "sides": 2}, (PHYSIO_HOLD,)),
    "knee_to_chest": Seeded(
        {"hold_seconds": [30, 60], "sides": 2},
        ("pull one knee gently to chest, hold for 30-60 seconds, switch legs",),
    ),
    "leg_swings": Seeded({"minutes": [0.5, 1], "sides": 2}, (PHYSIO_HOLD,)),
    "worlds_greatest_stretch": Seeded({"minutes": [0.5, 1], "sides": 2}, (PHYSIO_HOLD,)),
    "quadruped_rock_back": Seeded({"minutes": [0.5, 1]}, (PHYSIO_HOLD,)),
    # --- seed 004, strength and core: it names moves, never a dose ----------------------
    "quad_stretch": Seeded(
        {"hold_seconds": 30, "reps": 2, "sides": 2}, (), ("hold_seconds", "reps"), R8
    ),
    "glute_stretch": Seeded(
        {"hold_seconds": 30, "reps": 2, "sides": 2}, (), ("hold_seconds", "reps"), R8
    ),
    "dynamic_lunge": Seeded({"minutes": 1}, (), ("minutes",), R8),
    "squat": Seeded(STRENGTH, (), ("reps", "sets", "rest_seconds"), STRENGTH),
    "reverse_lunge": Seeded(
        {**STRENGTH, "sides": 2}, (), ("reps", "sets", "rest_seconds"), STRENGTH
    ),
    "bulgarian_split_squat": Seeded(
        {**STRENGTH, "sides": 2}, (), ("reps", "sets", "rest_seconds"), STRENGTH
    ),
}


def _plain(text: str) -> str:
    """The seeds' typography aside: curly quotes, spacing and case."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def test_the_table_has_every_exercise(content: Content) -> None:
    assert sorted(DOSES) == sorted(content.exercises)


@pytest.mark.parametrize("exercise_id", sorted(DOSES))
def test_dose_is_the_seeds(content: Content, exercise_id: str) -> None:
    assert content.exercises[exercise_id].dose == Dose.model_validate(DOSES[exercise_id].dose)


@pytest.mark.parametrize("exercise_id", sorted(DOSES))
def test_what_no_seed_gives_is_a_named_default(exercise_id: str) -> None:
    entry = DOSES[exercise_id]
    assert entry.said or entry.filled, "a dose is either the seed's or a default"
    for name in entry.filled:
        assert entry.dose[name] == entry.default[name], name
    given = set(entry.dose) - set(entry.filled) - {"sides"}
    if given:
        assert entry.said, f"{sorted(given)} need the seed's words"


@pytest.mark.parametrize("exercise_id", sorted(DOSES))
def test_the_quotes_are_in_the_exercises_seed(content: Content, exercise_id: str) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} is not present in this checkout")
    seed = content.exercises[exercise_id].seed
    text = _plain((SEEDS_DIR / seed).read_text(encoding="utf-8"))
    for quote in DOSES[exercise_id].said:
        assert _plain(quote) in text, f"not in {seed}: {quote!r}"


def test_seed_004_gives_no_dose_so_none_is_quoted(content: Content) -> None:
    """Seed 004 names its moves without numbers: all of theirs are defaults."""
    for exercise in content.exercises.values():
        if exercise.seed == S004:
            assert DOSES[exercise.id].said == ()


# The techniques an exercise is walked in, each with its own dose from the seed.
TECHNIQUES: dict[tuple[str, str], Seeded] = {
    ("thorax_foam_roll", "Side to side"): Seeded(
        {"minutes": [1, 5]}, ("Side to side for anywhere from one to five minutes.",)
    ),
    ("thorax_foam_roll", "Up and down"): Seeded(
        {"minutes": {"up_to": 2}}, ("Then, roll between up to 2 minutes.",)
    ),
    ("thorax_foam_roll", "Arch over"): Seeded(
        {"breaths": [2, 3]}, ("Take 2 to 3 breaths Then, take a step up and roll over.",)
    ),
    ("thorax_foam_roll", "Diagonal"): Seeded(
        {"minutes": [1, 2], "sides": 2},
        ("you can roll between about one to two minutes and then switch to the next diagonal",),
    ),
}


def test_the_technique_table_has_every_technique(content: Content) -> None:
    found = {(e.id, t.name) for e in content.exercises.values() for t in e.techniques}
    assert sorted(found) == sorted(TECHNIQUES)


@pytest.mark.parametrize(("exercise_id", "name"), sorted(TECHNIQUES))
def test_a_techniques_dose_is_the_seeds(content: Content, exercise_id: str, name: str) -> None:
    exercise = content.exercises[exercise_id]
    technique = next(t for t in exercise.techniques if t.name == name)
    entry = TECHNIQUES[exercise_id, name]
    assert technique.dose == Dose.model_validate(entry.dose)
    if SEEDS_DIR.is_dir():
        text = _plain((SEEDS_DIR / exercise.seed).read_text(encoding="utf-8"))
        for quote in entry.said:
            assert _plain(quote) in text, f"not in {exercise.seed}: {quote!r}"
