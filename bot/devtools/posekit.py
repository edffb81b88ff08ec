"""Drafting a pose from angles, for whoever writes content/poses/*.yaml.

Joints in a pose file are coordinates (what the picture shows, what the checks read), but
they are easiest to think of as angles: where the trunk leans, how far a knee bends.
`frame()` turns angles into a frame of the standard figure (bot.poses.STANDARD), so every
bone has its length by construction; paste `as_yaml()` into the pose file and adjust.

Angles are in degrees, counter-clockwise from pointing right (0 = right, 90 = up,
180 = left, 270 or -90 = down). The figure faces right unless the angles say otherwise.

    from bot.devtools.posekit import frame, as_yaml
    standing = frame(hip=(40, 49), trunk=90, neck=90, head=90,
                     arm=(-90, -90), leg=(-90, -90, 0))
    print(as_yaml(standing))
"""

from __future__ import annotations

import math
from typing import Any

from bot.poses import STANDARD

Point = tuple[float, float]


def _go(start: Point, angle: float, length: float) -> Point:
    rad = math.radians(angle)
    return (start[0] + length * math.cos(rad), start[1] + length * math.sin(rad))


def _limbs(
    shoulder: Point, hip: Point, arm: tuple[float, float], leg: tuple[float, ...]
) -> dict[str, Point]:
    elbow = _go(shoulder, arm[0], STANDARD["upper_arm"])
    hand = _go(elbow, arm[1], STANDARD["forearm"])
    knee = _go(hip, leg[0], STANDARD["thigh"])
    ankle = _go(knee, leg[1], STANDARD["shin"])
    toe = _go(ankle, leg[2] if len(leg) > 2 else 0.0, STANDARD["foot"])
    return {"elbow": elbow, "hand": hand, "knee": knee, "ankle": ankle, "toe": toe}


def frame(
    *,
    hip: Point,
    trunk: float,
    neck: float,
    head: float,
    arm: tuple[float, float],
    leg: tuple[float, ...],
    far_arm: tuple[float, float] | None = None,
    far_leg: tuple[float, ...] | None = None,
    bend: float = 0.0,
) -> dict[str, Any]:
    """A frame from angles: `trunk` hip to shoulder, `neck` shoulder to neck, `head` neck
    to head, `arm` (upper arm, forearm), `leg` (thigh, shin, foot); `bend` pushes the
    middle of the back out by that many units (positive: to the left of the hip-to-shoulder
    direction, so a back facing up rounds up when the figure faces right on all fours),
    keeping the trunk its length along the curve."""
    half = STANDARD["trunk"] / 2
    bend = max(-half * 0.9, min(half * 0.9, bend))
    chord = 2 * math.sqrt(half**2 - bend**2)
    shoulder = _go(hip, trunk, chord)
    result: dict[str, Any] = {}
    neck_point = _go(shoulder, neck, STANDARD["neck"])
    result["head"] = _go(neck_point, head, STANDARD["head"])
    result["neck"] = neck_point
    result["shoulder"] = shoulder
    if bend:
        middle = ((hip[0] + shoulder[0]) / 2, (hip[1] + shoulder[1]) / 2)
        result["back"] = _go(middle, trunk + 90, bend)
    result["hip"] = hip
    result["near"] = _limbs(shoulder, hip, arm, leg)
    if far_arm is not None or far_leg is not None:
        result["far"] = _limbs(shoulder, hip, far_arm or arm, far_leg or leg)
    return result


def as_yaml(frame_data: dict[str, Any], indent: int = 6) -> str:
    """The frame as the lines of a pose file's `frames:` entry."""
    pad = " " * indent

    def fmt(point: Point) -> str:
        return f"[{point[0]:.1f}, {point[1]:.1f}]"

    lines: list[str] = []
    first = True
    for key, value in frame_data.items():
        lead = pad[:-2] + "- " if first else pad
        first = False
        if isinstance(value, dict):
            inner = ", ".join(f"{k}: {fmt(v)}" for k, v in value.items())
            lines.append(f"{lead}{key}: {{{inner}}}")
        else:
            lines.append(f"{lead}{key}: {fmt(value)}")
    return "\n".join(lines)
