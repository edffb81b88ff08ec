"""Poses and pictures: every exercise has a pose that keeps the rules, a broken pose stops
the start with its file, exercise and frame named, and every picture renders as a PNG of
the expected size; content-sheet draws them all, content-check reports a missing one."""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.content import Content, ContentError, load_content
from bot.pictures import WIDTH_PX, height_for, picture_key, render_pose
from bot.poses import Pose

ROOT = Path(__file__).resolve().parents[1]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_exercise_has_a_pose(content: Content) -> None:
    assert sorted(content.poses) == sorted(content.exercises)


@pytest.mark.parametrize("exercise_id", sorted(load_content().exercises))
def test_every_picture_renders_at_phone_width_and_stays_small(
    content: Content, exercise_id: str
) -> None:
    pose = content.poses[exercise_id]
    png = render_pose(pose)
    assert png_size(png) == (WIDTH_PX, height_for(pose))
    assert len(png) < 60_000  # a few dozen kB on a runner's data plan


def test_a_picture_key_follows_the_pose_and_the_drawing(content: Content) -> None:
    pose = content.poses["cat_cow"]
    assert picture_key(pose) == picture_key(pose.model_copy())
    assert picture_key(pose) != pose.key()  # the drawing style is part of it


def test_a_pose_key_follows_its_data(content: Content) -> None:
    pose = content.poses["cat_cow"]
    frame = pose.frames[0]
    moved = frame.model_copy(update={"head": (frame.head[0] + 1, frame.head[1])})
    changed = pose.model_copy(update={"frames": (moved, *pose.frames[1:])})
    assert pose.key() == pose.model_copy().key()
    assert changed.key() != pose.key()


# --- broken poses stop the start ---------------------------------------------------------


def broken_copy(tmp_path: Path, change: Any) -> Path:
    """content/ copied, with `change(poses)` applied to the yoga file's poses."""
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    path = root / "poses" / "001_yoga.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["poses"])
    path.write_text(yaml.safe_dump(data))
    return root


def pose_of(poses: list[dict[str, Any]], exercise: str) -> dict[str, Any]:
    return next(p for p in poses if p["exercise"] == exercise)


def refused(root: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return str(caught.value)


def test_a_stretched_shin_is_refused_with_file_exercise_and_frame(tmp_path: Path) -> None:
    def stretch(poses: list[dict[str, Any]]) -> None:
        frame = pose_of(poses, "cat_cow")["frames"][1]
        knee = frame["near"]["knee"]
        frame["near"]["ankle"] = [knee[0] - 35, knee[1]]  # a shin half as long again

    message = refused(broken_copy(tmp_path, stretch))
    assert message.startswith("content/poses/001_yoga.yaml: exercise 'cat_cow': frame 2:")
    assert "shin" in message
    assert "must not stretch or shrink" in message


def test_a_hand_under_the_floor_is_refused(tmp_path: Path) -> None:
    def sink(poses: list[dict[str, Any]]) -> None:
        frame = pose_of(poses, "child_pose")["frames"][0]
        hand = frame["near"]["hand"]
        frame["near"]["hand"] = [hand[0], -6]

    message = refused(broken_copy(tmp_path, sink))
    assert message == (
        "content/poses/001_yoga.yaml: exercise 'child_pose': frame 1: "
        "near hand is under the floor (y = -6.0)"
    )


def test_left_and_right_limbs_of_different_lengths_are_refused(tmp_path: Path) -> None:
    def lengthen(poses: list[dict[str, Any]]) -> None:
        frame = pose_of(poses, "bird_dog")["frames"][0]
        far = frame.get("far") or dict(frame["near"])
        elbow, hand = far["elbow"], far["hand"]
        far["hand"] = [hand[0] + (hand[0] - elbow[0]), hand[1] + (hand[1] - elbow[1])]
        frame["far"] = far

    message = refused(broken_copy(tmp_path, lengthen))
    assert "exercise 'bird_dog': frame 1: far forearm" in message
    assert "left and right must be the same length" in message


def test_a_joint_outside_its_frame_is_refused(tmp_path: Path) -> None:
    def escape(poses: list[dict[str, Any]]) -> None:
        pose = pose_of(poses, "downward_dog")
        pose["box"] = [pose["box"][0], 20]

    message = refused(broken_copy(tmp_path, escape))
    assert "exercise 'downward_dog': frame 1:" in message
    assert "outside the frame" in message


def test_a_pose_for_no_exercise_or_borrowing_nothing_is_refused(tmp_path: Path) -> None:
    def unknown(poses: list[dict[str, Any]]) -> None:
        poses.append({**pose_of(poses, "cat_cow"), "exercise": "moonwalk"})

    assert "exercise 'moonwalk': no exercise with this id" in refused(
        broken_copy(tmp_path / "a", unknown)
    )

    def borrow(poses: list[dict[str, Any]]) -> None:
        poses.remove(pose_of(poses, "child_pose"))
        poses.append({"exercise": "child_pose", "like": "nothing_here"})

    assert (
        "content/poses/001_yoga.yaml: exercise 'child_pose': field 'like': 'nothing_here' has no"
    ) in refused(broken_copy(tmp_path / "b", borrow))


def test_a_borrowed_pose_takes_nothing_of_its_own(tmp_path: Path) -> None:
    def box(poses: list[dict[str, Any]]) -> None:
        poses.remove(pose_of(poses, "child_pose"))
        poses.append({"exercise": "child_pose", "like": "cat_cow", "box": [50, 50]})

    assert "exercise 'child_pose': field '(entry)': `like:` borrows a whole pose" in refused(
        broken_copy(tmp_path, box)
    )


def test_a_pose_with_too_many_frames_is_refused(tmp_path: Path) -> None:
    def four(poses: list[dict[str, Any]]) -> None:
        pose = pose_of(poses, "cat_cow")
        pose["frames"] = pose["frames"] * 2

    message = refused(broken_copy(tmp_path, four))
    assert "content/poses/001_yoga.yaml: exercise 'cat_cow': field 'frames'" in message


# --- the commands ------------------------------------------------------------------------


def test_content_sheet_draws_every_exercise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Content
) -> None:
    out = tmp_path / "sheet.png"
    assert main(["content-sheet", str(out)]) == 0
    width, height = png_size(out.read_bytes())
    assert width == 1600
    assert height > 1000
    assert f"{len(content.exercises)} exercises" in capsys.readouterr().out


def test_content_sheet_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content-sheet"]) != 0
    assert "content-sheet needs a file" in capsys.readouterr().err


def test_content_check_reports_an_exercise_without_a_pose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = broken_copy(tmp_path, lambda poses: poses.remove(pose_of(poses, "bird_dog")))
    monkeypatch.setenv("CONTENT_DIR", str(root))
    assert main(["content-check"]) == 1
    assert "exercises without a picture (no pose in content/poses/): bird_dog" in (
        capsys.readouterr().out
    )


def test_the_pose_model_reads_a_minimal_pose() -> None:
    data = io.StringIO(
        "exercise: x\nframes:\n- {head: [50, 90], neck: [50, 81], shoulder: [50, 77],"
        " hip: [50, 51], near: {elbow: [50, 61], hand: [50, 46], knee: [50, 27],"
        " ankle: [50, 4], toe: [59, 4]}}\n"
    )
    pose = Pose.model_validate(yaml.safe_load(data))
    assert pose.box == (160.0, 100.0)
    assert len(pose.frames) == 1
