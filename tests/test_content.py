"""Content validation: a broken file names the file, the entry and the field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.constants import BotCommandLimit

from bot.content import DEFAULT_CONTENT_DIR, Content, ContentError, Dose, load_content
from bot.domain.session_flow import Side
from bot.render import dose_text


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _first_exercise_file(root: Path) -> Path:
    return sorted((root / "exercises").glob("*.yaml"))[0]


def test_real_content_loads(content_copy: Path) -> None:
    content = load_content(content_copy)
    assert content.ladder.kind == "ladder"
    assert len(content.sources) == 5


def test_bad_dose_names_file_entry_and_field(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)
    exercise_id = yaml.safe_load(path.read_text())["exercises"][0]["id"]

    def change(data):
        data["exercises"][0]["dose"] = {"reps": [10, 3]}

    _edit(path, change)
    with pytest.raises(ContentError) as info:
        load_content(content_copy)
    message = str(info.value)
    assert f"content/exercises/{path.name}" in message
    assert f"exercise '{exercise_id}'" in message
    assert "dose.reps" in message


def test_missing_field_is_named(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        del data["exercises"][0]["name"]

    _edit(path, change)
    with pytest.raises(ContentError, match=r"field 'name': Field required"):
        load_content(content_copy)


def test_routine_naming_an_unknown_exercise(content_copy: Path) -> None:
    def change(data):
        data["routines"][1]["steps"].append("moonwalk")

    _edit(content_copy / "routines.yaml", change)
    with pytest.raises(ContentError) as info:
        load_content(content_copy)
    assert "content/routines.yaml" in str(info.value)
    assert "field 'steps'" in str(info.value)
    assert "moonwalk" in str(info.value)


def test_unknown_easier_alternative(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["easier"] = "no_such_stretch"

    _edit(path, change)
    with pytest.raises(
        ContentError, match=r"field 'easier': no exercise with id 'no_such_stretch'"
    ):
        load_content(content_copy)


def test_seed_not_in_sources(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["seed"] = "009_0000000000000000.txt"

    _edit(path, change)
    with pytest.raises(ContentError, match=r"field 'seed': 009_0000000000000000.txt"):
        load_content(content_copy)


def test_duplicate_exercise_id_across_files(content_copy: Path) -> None:
    first, second = sorted((content_copy / "exercises").glob("*.yaml"))[:2]
    duplicate = yaml.safe_load(first.read_text())["exercises"][0]

    def change(data):
        data["exercises"].append(duplicate)

    _edit(second, change)
    with pytest.raises(ContentError, match="already defined in"):
        load_content(content_copy)


def test_threshold_out_of_range(content_copy: Path) -> None:
    def change(data):
        data["zones"]["green_max"] = 6

    _edit(content_copy / "progression.yaml", change)
    with pytest.raises(ContentError, match=r"content/progression.yaml: field 'zones'"):
        load_content(content_copy)


def test_gate_beyond_the_ladder(content_copy: Path) -> None:
    def change(data):
        data["gates"]["sharp_pain_step"] = 12

    _edit(content_copy / "progression.yaml", change)
    with pytest.raises(ContentError, match=r"field 'gates.sharp_pain_step': 12 is beyond"):
        load_content(content_copy)


def test_missing_text(content_copy: Path) -> None:
    def change(data):
        del data["texts"]["help"]

    _edit(content_copy / "texts.yaml", change)
    with pytest.raises(ContentError, match=r"content/texts.yaml: field 'help': Field required"):
        load_content(content_copy)


@pytest.mark.parametrize(
    "key", ["safety_paused", "safety_paused_physician", "safety_paused_emergency"]
)
def test_safety_notice_fits_an_alert(content_copy: Path, key: str) -> None:
    """It answers taps too, and Telegram refuses an answer over 200 characters."""

    def change(data):
        data["texts"][key] = "x" * 201

    _edit(content_copy / "texts.yaml", change)
    with pytest.raises(ContentError, match=rf"field '{key}'"):
        load_content(content_copy)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("x" * (BotCommandLimit.MAX_COMMAND + 1), "A name longer than Telegram's menu takes"),
        ("history", "y" * (BotCommandLimit.MAX_DESCRIPTION + 1)),
    ],
    ids=["name", "description"],
)
def test_a_command_the_menu_cannot_take(content_copy: Path, name: str, description: str) -> None:
    """setMyCommands would be refused at start, so the content check stops it first."""

    def change(data):
        data["commands"][name] = description

    _edit(content_copy / "texts.yaml", change)
    with pytest.raises(ContentError, match=rf"command '{name}': field 'commands'"):
        load_content(content_copy)


def test_broken_yaml_names_the_line(content_copy: Path) -> None:
    (content_copy / "routines.yaml").write_text("routines:\n  - id: x\n   name: [unclosed\n")
    with pytest.raises(ContentError, match=r"content/routines.yaml: not valid YAML at line \d"):
        load_content(content_copy)


def test_missing_file(content_copy: Path) -> None:
    (content_copy / "progression.yaml").unlink()
    with pytest.raises(ContentError, match=r"content/progression.yaml: file is missing"):
        load_content(content_copy)


def test_overlong_instruction(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["instructions"] = ["x" * 400]

    _edit(path, change)
    with pytest.raises(ContentError, match=r"field 'instructions'.*phone"):
        load_content(content_copy)


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (
            {"hold_seconds": [15, 30], "reps": [4, 6], "sides": 2},
            "Hold 15-30 s, 4-6 times each side",
        ),
        ({"minutes": [1, 5]}, "1-5 min"),
        ({"reps": 10}, "10 reps"),
        ({"reps": 10, "sides": 2}, "10 reps each side"),
        ({"minutes": [0.5, 1]}, "30-60 s"),
        ({"minutes": [0.5, 1], "sides": 2}, "30-60 s each side"),
        # a couple of breaths per rep, not two breaths and then the reps
        ({"breaths": 2, "reps": [5, 10]}, "5-10 reps, a couple of breaths each"),
        ({"breaths": [3, 5], "reps": 4}, "4 reps, 3-5 breaths each"),
        ({"breaths": 5}, "5 breaths"),
        ({"hold_seconds": {"up_to": 180}}, "Hold up to 3 min"),
        ({"hold_seconds": {"up_to": 180}, "reps": [3, 10]}, "Hold up to 3 min, 3-10 times"),
        ({"minutes": {"up_to": 1}, "reps": [3, 5]}, "3-5 reps, up to 60 s in all"),
        (
            {"hold_seconds": [15, 30], "reps": {"up_to": 6}, "sides": 2},
            "Hold 15-30 s, up to 6 times each side",
        ),
        ({"hold_seconds": [30, 60], "sides": 2}, "Hold 30-60 s each side"),
        ({"hold_seconds": 30, "reps": 1}, "Hold 30 s"),
        ({"reps": [10, 15], "sets": 2, "rest_seconds": 60}, "2 sets of 10-15 reps, rest 60 s"),
        (
            {"reps": [10, 15], "sets": 2, "rest_seconds": 60, "sides": 2},
            "2 sets of 10-15 reps each side, rest 60 s",
        ),
        (
            {"hold_seconds": 5, "reps": [10, 15], "sets": 2, "rest_seconds": 60},
            "2 sets of 10-15 reps, holding each 5 s, rest 60 s",
        ),
        ({"hold_seconds": 30, "sets": 2, "rest_seconds": 60}, "2 sets: hold 30 s, rest 60 s"),
    ],
)
def test_dose_text(content: Content, dose: dict[str, object], text: str) -> None:
    assert dose_text(content.texts, Dose.model_validate(dose)) == text


def test_dose_estimates_are_plausible() -> None:
    lunge = Dose.model_validate({"hold_seconds": [15, 30], "reps": [4, 6], "sides": 2})
    assert 3 * 60 < lunge.estimated_seconds() < 6 * 60
    assert Dose.model_validate({"minutes": [1, 5]}).estimated_seconds() == 180


def test_up_to_counts_from_nothing() -> None:
    """A seed's "up to three minutes" has no lower bound, and none is made up."""
    dose = Dose.model_validate({"hold_seconds": {"up_to": 180}, "reps": [3, 10]})
    assert dose.hold_seconds is not None
    assert dose.hold_seconds.min is None
    assert dose.estimated_seconds() == 90 * 6.5 + 10


def test_sets_count_their_rest() -> None:
    squats = Dose.model_validate({"reps": [10, 15], "sets": 2, "rest_seconds": 60})
    assert squats.estimated_seconds() == 2 * 12.5 * 3 + 10 + 60
    each_leg = Dose.model_validate({"reps": [10, 15], "sets": 2, "rest_seconds": 60, "sides": 2})
    assert each_leg.estimated_seconds() == 2 * 2 * 12.5 * 3 + 2 * 10 + 60


@pytest.mark.parametrize(
    ("dose", "problem"),
    [
        ({"reps": 10, "rest_seconds": 60}, "needs sets"),
        ({"reps": 10, "sets": [2, 3]}, "one number"),
        ({"minutes": 1, "sets": 2}, "not of minutes"),
        ({"hold_seconds": {"up_to": 0}}, "greater than 0"),
    ],
)
def test_bad_strength_dose_is_named(
    content_copy: Path, dose: dict[str, object], problem: str
) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["dose"] = dose

    _edit(path, change)
    with pytest.raises(ContentError, match=rf"field 'dose.*{problem}"):
        load_content(content_copy)


def test_instructions_from_must_be_a_known_seed(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["instructions_from"] = "009_0000000000000000.txt"

    _edit(path, change)
    with pytest.raises(
        ContentError, match=r"field 'instructions_from': 009_0000000000000000.txt is not listed"
    ):
        load_content(content_copy)


def test_instructions_from_is_not_the_own_seed(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["instructions_from"] = data["exercises"][0]["seed"]

    _edit(path, change)
    with pytest.raises(ContentError, match=r"instructions_from names the exercise's own seed"):
        load_content(content_copy)


def test_instructions_from_is_a_seed_file_name(content_copy: Path) -> None:
    path = _first_exercise_file(content_copy)

    def change(data):
        data["exercises"][0]["instructions_from"] = "seed two"

    _edit(path, change)
    with pytest.raises(ContentError, match=r"field 'instructions_from'"):
        load_content(content_copy)


def test_routine_seeds_are_its_steps_seeds(content_copy: Path) -> None:
    def change(data):
        cooldown = next(r for r in data["routines"] if r["id"] == "post_run_cooldown")
        cooldown["seeds"].append("000_7f2ffbbeac9e98f9.txt")

    _edit(content_copy / "routines.yaml", change)
    with pytest.raises(
        ContentError, match=r"routine 'post_run_cooldown': field 'seeds'.*unused: 000_"
    ):
        load_content(content_copy)


def test_ladder_minutes_grow_with_the_level(content: Content) -> None:
    minutes = content.ladder_minutes()
    assert len(minutes) == len(content.ladder.steps)
    assert minutes == sorted(minutes)
    assert minutes[-1] == content.routine_minutes(content.ladder)


def _foam_roll(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in data["exercises"] if e["id"] == "thorax_foam_roll")
    return found


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda e: e.update(techniques=e["techniques"][:1]), "list two or more"),
        (lambda e: e["dose"].update(sides=2), "each side on the technique"),
        (lambda e: e["techniques"][0].update(dose={"hold_seconds": 301}), "at most 300 s"),
        (lambda e: e["techniques"][1].pop("instructions"), "techniques.instructions"),
    ],
)
def test_a_broken_technique_or_timer_is_named(
    content_copy: Path, change: Callable[[dict[str, Any]], object], words: str
) -> None:
    path = _first_exercise_file(content_copy)
    _edit(path, lambda data: change(_foam_roll(data)))
    with pytest.raises(ContentError) as info:
        load_content(content_copy)
    message = str(info.value)
    assert "exercise 'thorax_foam_roll'" in message
    assert words in message


def test_an_exercise_walks_its_sides_and_techniques(content: Content) -> None:
    foam = content.exercises["thorax_foam_roll"].walk()
    assert [(p.technique, p.side) for p in foam] == [
        ("Side to side", None),
        ("Up and down", None),
        ("Arch over", None),
        ("Diagonal", Side.LEFT),
        ("Diagonal", Side.RIGHT),
    ]
    boogie = content.exercises["boogie_board_side_stretch"].walk()
    assert [p.side for p in boogie] == [Side.LEFT, Side.RIGHT]
    assert all(p.dose.sides == 1 and p.dose.timer_seconds == 30 for p in boogie)
    assert content.exercises["child_pose_traction"].dose.timer_seconds is None  # 3-5 s


# --- extras and easier versions ---------------------------------------------------------


def _ladder(data: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in data["routines"] if r["kind"] == "ladder")


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("boogie_board_side_stretch", r"is a step of the routine or stands in for one"),
        ("standing_side_bend", r"is a step of the routine or stands in for one"),
        ("cat_cow", r"is a step of the routine or stands in for one"),
        ("half_kneeling_couch_stretch", r"needs equipment \(wall\)"),
        ("bird_dog", r"is strength work, not a gentle move"),
        ("no_such_move", r"no exercise with that id"),
    ],
)
def test_an_extra_is_a_gentle_move_that_is_no_ladder_step(
    content_copy: Path, extra: str, problem: str
) -> None:
    def change(data):
        _ladder(data)["extras"]["pool"].insert(0, extra)

    _edit(content_copy / "routines.yaml", change)
    with pytest.raises(
        ContentError, match=rf"routine 'decompression': field 'extras.pool'.*{problem}"
    ):
        load_content(content_copy)


def test_the_extras_pool_must_fill_the_shortest_session(content_copy: Path) -> None:
    def change(data):
        _ladder(data)["extras"]["min_minutes"] = 25

    _edit(content_copy / "routines.yaml", change)
    with pytest.raises(ContentError, match=r"shortest session to 5 min, short of min_minutes 25"):
        load_content(content_copy)


def test_an_extras_seed_is_one_of_the_routines_seeds(content_copy: Path) -> None:
    def change(data):
        _ladder(data)["seeds"] = ["000_7f2ffbbeac9e98f9.txt"]

    _edit(content_copy / "routines.yaml", change)
    with pytest.raises(ContentError, match=r"field 'seeds'.*missing: 001_"):
        load_content(content_copy)


def _exercise(root: Path, exercise_id: str) -> tuple[Path, int]:
    for path in sorted((root / "exercises").glob("*.yaml")):
        ids = [e["id"] for e in yaml.safe_load(path.read_text())["exercises"]]
        if exercise_id in ids:
            return path, ids.index(exercise_id)
    raise AssertionError(exercise_id)


@pytest.mark.parametrize(
    ("exercise_id", "easier", "problem"),
    [
        # a longer dose: 595 s of seated toe touch for 36 s of child's pose
        ("child_pose_traction", "seated_toe_touch", r"takes longer"),
        ("cat_cow", "thorax_foam_roll", r"takes longer"),
        ("seated_toe_touch", "squat", r"is strength work"),
        ("child_pose_no_traction", "roll_down", r"takes longer"),
        ("roll_down", "half_kneeling_couch_stretch", r"takes longer|needs equipment"),
    ],
)
def test_an_easier_version_is_not_harder(
    content_copy: Path, exercise_id: str, easier: str, problem: str
) -> None:
    path, index = _exercise(content_copy, exercise_id)

    def change(data):
        data["exercises"][index]["easier"] = easier

    _edit(path, change)
    with pytest.raises(ContentError, match=rf"'{exercise_id}': field 'easier'.*({problem})"):
        load_content(content_copy)


def test_an_easier_version_of_a_ladder_step_is_no_ladder_step(content_copy: Path) -> None:
    path, index = _exercise(content_copy, "seated_toe_touch")

    def change(data):
        data["exercises"][index]["easier"] = "child_pose_traction"

    _edit(path, change)
    with pytest.raises(ContentError, match=r"'child_pose_traction' is a ladder step itself"):
        load_content(content_copy)


def test_one_exercise_stands_in_for_one_ladder_step(content_copy: Path) -> None:
    path, index = _exercise(content_copy, "seated_toe_touch")

    def change(data):
        data["exercises"][index]["easier"] = "child_pose_no_traction"

    _edit(path, change)
    with pytest.raises(ContentError, match=r"already stands in for 'child_pose_traction'"):
        load_content(content_copy)


def test_content_check_prints_the_ladder_without_a_roller_with_its_extras(
    content: Content,
) -> None:
    bare = content.ladder_minutes(has_roller=False)
    assert content.ladder.extras is not None
    assert min(bare) >= content.ladder.extras.min_minutes
    assert bare == sorted(bare)
