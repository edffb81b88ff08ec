"""Poses: how each exercise is drawn, as data (content/poses/*.yaml).

A pose is one to three key frames of a side-view figure on a fixed skeleton, the props
the exercise needs and arrows where the movement matters. Coordinates are in figure
units: the floor is y = 0, y grows upward, a standing runner is about 95 units tall
(`STANDARD` lists the bone lengths the poses are drawn with). Each frame is a panel of
`box` units; frames are drawn side by side, left to right.

Checked when content is loaded, like every other file: a figure never stretches or
shrinks between frames, left and right limbs are equally long, nothing goes under the
floor or out of the panel. A broken pose stops the start with the file, the exercise
and the frame named (`PoseError`, which `bot.content` turns into a ContentError).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

HEAD_RADIUS = 6.5
# Bone lengths of the figure the poses are drawn with (a runner about 95 units tall).
# Not enforced: a pose may draw a smaller or larger figure; what is enforced is that its
# bones keep their lengths across frames and that left and right are equal.
STANDARD: Mapping[str, float] = {
    "head": 9.0,  # neck to the centre of the head
    "neck": 4.0,  # neck to shoulder
    "trunk": 26.0,  # shoulder to hip (through `back` when the back is bent)
    "upper_arm": 16.0,  # shoulder to elbow
    "forearm": 15.0,  # elbow to hand
    "thigh": 24.0,  # hip to knee
    "shin": 23.0,  # knee to ankle
    "foot": 9.0,  # ankle to toe
}
# How far a bone may differ from its length in the first frame, or from the other side:
# the larger of a share of its length and an absolute slack (short bones, rounding).
TOLERANCE = 0.07
SLACK = 1.5
FLOOR_SLACK = 1.0  # a joint may sink this far into the floor (a heel on a mat)

Point = tuple[float, float]


def _point(value: Any) -> Any:
    if isinstance(value, list | tuple) and len(value) == 2:
        return (value[0], value[1])
    return value


P = Annotated[tuple[float, float], BeforeValidator(_point)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limbs(_Model):
    """One side's arm and leg."""

    elbow: P
    hand: P
    knee: P
    ankle: P
    toe: P


class Frame(_Model):
    """One key frame. `near` is the side facing the viewer (drawn dark), `far` the other
    (drawn lighter, behind); `far` left out means it is hidden behind `near`. `back` bends
    the trunk (a cat, a cow, a curl), `far_shoulder` and `far_hip` place the far side's
    joints where the trunk is turned (a twist)."""

    head: P
    neck: P
    shoulder: P
    back: P | None = None
    hip: P
    near: Limbs
    far: Limbs | None = None
    far_shoulder: P | None = None
    far_hip: P | None = None

    @property
    def far_limbs(self) -> Limbs:
        return self.far if self.far is not None else self.near

    def joints(self) -> Iterator[tuple[str, Point]]:
        yield "head", self.head
        yield "neck", self.neck
        yield "shoulder", self.shoulder
        if self.back is not None:
            yield "back", self.back
        yield "hip", self.hip
        for side, limbs in (("near", self.near), ("far", self.far)):
            if limbs is None:
                continue
            for name in Limbs.model_fields:
                yield f"{side} {name}", getattr(limbs, name)
        if self.far_shoulder is not None:
            yield "far_shoulder", self.far_shoulder
        if self.far_hip is not None:
            yield "far_hip", self.far_hip

    def bones(self) -> dict[str, float]:
        """Every bone's length: the trunk along its bend, each limb bone per side."""
        back = self.back if self.back is not None else _mid(self.shoulder, self.hip)
        lengths = {
            "head (neck to head)": _dist(self.neck, self.head),
            "neck (neck to shoulder)": _dist(self.neck, self.shoulder),
            "trunk (shoulder to hip)": _dist(self.shoulder, back) + _dist(back, self.hip),
        }
        sides = (
            ("near", self.near, self.shoulder, self.hip),
            (
                "far",
                self.far_limbs,
                self.far_shoulder or self.shoulder,
                self.far_hip or self.hip,
            ),
        )
        for side, limbs, shoulder, hip in sides:
            lengths[f"{side} upper arm (shoulder to elbow)"] = _dist(shoulder, limbs.elbow)
            lengths[f"{side} forearm (elbow to hand)"] = _dist(limbs.elbow, limbs.hand)
            lengths[f"{side} thigh (hip to knee)"] = _dist(hip, limbs.knee)
            lengths[f"{side} shin (knee to ankle)"] = _dist(limbs.knee, limbs.ankle)
            lengths[f"{side} foot (ankle to toe)"] = _dist(limbs.ankle, limbs.toe)
        return lengths


class Prop(_Model):
    """Something in the picture besides the runner. `at`: a roller's centre, a chair's or
    step's front bottom corner, a wall's foot; `size`: the roller's radius, the seat's or
    step's height; `facing`: where the chair's seat points (its back on the other side)."""

    kind: Literal["mat", "foam_roller", "chair", "step", "wall"]
    frame: int | None = Field(default=None, ge=0)  # None: in every frame
    at: P = (0.0, 0.0)
    size: float = Field(default=0.0, ge=0)
    facing: Literal["left", "right"] = "right"

    @model_validator(mode="after")
    def _sized(self) -> Prop:
        if self.kind in ("foam_roller", "chair", "step") and self.size <= 0:
            raise ValueError(f"a {self.kind} needs a size (radius or height)")
        return self

    def extent(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the prop as drawn, in the frame's units."""
        x, y = self.at
        if self.kind == "foam_roller":
            return x - self.size, y - self.size, x + self.size, y + self.size
        if self.kind == "chair":
            depth = self.size * 0.85
            left = x - depth if self.facing == "right" else x
            return left, 0.0, left + depth, self.size * 1.9
        if self.kind == "step":
            width = self.size * 1.6
            left = x - width if self.facing == "right" else x
            return left, 0.0, left + width, self.size
        if self.kind == "wall":
            return x, 0.0, x, math.inf
        return -math.inf, 0.0, math.inf, 0.0  # mat: along the floor


class Arrow(_Model):
    """A motion arrow in one frame: from, to, how much it curves (+ bends left of its
    direction), double-headed for a back-and-forth."""

    frame: int = Field(default=0, ge=0)
    start: P
    end: P
    bend: float = Field(default=0.0, ge=-1.0, le=1.0)
    both: bool = False


class Pose(_Model):
    exercise: str
    box: P = (160.0, 100.0)
    props: tuple[Prop, ...] = ()
    frames: tuple[Frame, ...] = Field(default=(), max_length=3)
    arrows: tuple[Arrow, ...] = ()
    # Another exercise's pose drawn for this one (the same movement in another routine)
    like: str | None = None

    @model_validator(mode="after")
    def _frames_or_like(self) -> Pose:
        if self.like is None and not self.frames:
            raise ValueError("needs one to three frames (or `like:` another exercise's pose)")
        if self.like is not None and (self.model_fields_set - {"exercise", "like"}):
            raise ValueError(
                "`like:` borrows a whole pose; it takes no box, frames, props or arrows"
            )
        return self

    def key(self) -> str:
        """The pose's identity: its data, whichever exercise it draws (the drawing style
        is added by `bot.pictures.picture_key`)."""
        data = self.model_dump(mode="json", exclude={"exercise", "like"})
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:32]


class PoseError(ValueError):
    """A pose breaks a rule; the message names the exercise and the frame."""


def check(pose: Pose) -> None:
    """The rules every drawn pose keeps (a `like:` pose is checked through its original)."""
    if not pose.frames:
        return
    where = f"exercise '{pose.exercise}'"
    width, height = pose.box
    if width <= 0 or height <= 0:
        raise PoseError(f"{where}: field 'box': needs a positive width and height")
    first = pose.frames[0].bones()
    for number, frame in enumerate(pose.frames, start=1):
        here = f"{where}: frame {number}"
        bones = frame.bones()
        for name, length in bones.items():
            if length < SLACK:
                raise PoseError(f"{here}: {name} has no length ({length:.1f})")
            if name.startswith("far "):
                near = bones["near " + name.removeprefix("far ")]
                if not _close(length, near):
                    raise PoseError(
                        f"{here}: {name} is {length:.1f} long, the near side's {near:.1f}: "
                        "left and right must be the same length"
                    )
            if number > 1 and not _close(length, first[name]):
                raise PoseError(
                    f"{here}: {name} is {length:.1f} long, {first[name]:.1f} in frame 1: "
                    "a figure must not stretch or shrink between frames"
                )
        for name, (x, y) in frame.joints():
            radius = HEAD_RADIUS if name == "head" else 0.0
            if y - radius < -FLOOR_SLACK:
                raise PoseError(f"{here}: {name} is under the floor (y = {y - radius:.1f})")
            if not (radius <= x <= width - radius and y + radius <= height):
                raise PoseError(
                    f"{here}: {name} at ({x:g}, {y:g}) is outside the frame "
                    f"(0-{width:g} x 0-{height:g})"
                )
    for prop in pose.props:
        if prop.frame is not None and prop.frame >= len(pose.frames):
            raise PoseError(
                f"{where}: a {prop.kind} is in frame {prop.frame + 1}, which is missing"
            )
        left, bottom, right, top = prop.extent()
        if prop.kind != "mat" and (
            left < 0 or right > width or bottom < -FLOOR_SLACK or (top > height and top != math.inf)
        ):
            raise PoseError(f"{where}: the {prop.kind} is outside the frame")
    for arrow in pose.arrows:
        if arrow.frame >= len(pose.frames):
            raise PoseError(f"{where}: an arrow is in frame {arrow.frame + 1}, which is missing")
        for x, y in (arrow.start, arrow.end):
            if not (0 <= x <= width and 0 <= y <= height):
                raise PoseError(
                    f"{where}: frame {arrow.frame + 1}: an arrow at ({x:g}, {y:g}) is outside "
                    "the frame"
                )


def resolve(poses: Mapping[str, Pose], files: Mapping[str, str]) -> dict[str, Pose]:
    """Each exercise's drawn pose: a `like:` pose replaced by the one it names (one step:
    a borrowed pose does not borrow in turn). Raises PoseError, naming the pose's file
    (`files`: exercise id -> file), for a missing original."""
    drawn: dict[str, Pose] = {}
    for exercise, pose in poses.items():
        if pose.like is None:
            drawn[exercise] = pose
            continue
        original = poses.get(pose.like)
        if original is None or original.like is not None:
            raise PoseError(
                f"{files[exercise]}: exercise '{exercise}': field 'like': '{pose.like}' has "
                "no pose of its own"
            )
        drawn[exercise] = original
    return drawn


def _close(length: float, reference: float) -> bool:
    return abs(length - reference) <= max(SLACK, TOLERANCE * reference)


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _mid(a: Point, b: Point) -> Point:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
