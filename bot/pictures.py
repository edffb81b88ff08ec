"""Exercise pictures: a pose (bot.poses) drawn as a pictogram a runner recognises at a
glance on a phone lying beside them.

One style for every picture, in the /progress chart's palette: thick rounded limbs, the
near side dark and the far side lighter behind it, a floor line, simple props, key frames
side by side with a grey arrow between them and motion arrows in vermilion. PNG, 800 px
wide, a few dozen kB. `render_sheet` puts every exercise on one contact sheet for review.
"""

from __future__ import annotations

import hashlib
import io
import math
import pathlib
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, PathPatch, Rectangle
from matplotlib.path import Path

from bot.charts import RENDER_LOCK
from bot.poses import HEAD_RADIUS, Frame, Pose, Prop

WIDTH_PX = 800
DPI = 100
MARGIN = 5.0  # units around the frames
GAP = 22.0  # units between two frames (the arrow between them sits here)
MIN_HEIGHT_PX, MAX_HEIGHT_PX = 220, 640

# The /progress chart's palette (bot/charts.py): its dark and light blues for the figure,
# its vermilion for movement, its greys for everything else.
_NEAR = "#0B4F8A"
_FAR = "#8CC0E6"
_MOVE = "#D55E00"
_FLOOR = "#888888"
_PROP = "#7F7F7F"
_PROP_FILL = "#E3E3E3"
_MAT = "#C8C8C8"
_ROLLER = "#FFB000"
_ROLLER_EDGE = "#8A5A00"
_TEXT = "#222222"
_ARROW = "#A0A0A0"  # from one key frame to the next

# Thickness in units (a standing figure is about 95 units tall), and the thickest a limb
# is drawn in pixels: a figure drawn large (one key frame) is drawn slimmer, head and
# all, so it stays a figure rather than a blob.
_LIMB = 4.6
_TRUNK = 7.6
_MAX_LIMB_PX = 20.0

# The drawing itself, as a fingerprint: a change to this file is a change to every
# picture, so each is uploaded to Telegram again (`picture_key`).
STYLE = hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest()[:16]


def picture_key(pose: Pose) -> str:
    """The picture's identity: the pose's data and the drawing style. An upload is kept
    under it; a changed pose or a changed drawing is a new picture."""
    return hashlib.sha256(f"{STYLE}:{pose.key()}".encode()).hexdigest()[:32]


def _extent(pose: Pose) -> tuple[float, float]:
    """(width, height) in units of the frames side by side, margins included."""
    width, height = pose.box
    n = len(pose.frames)
    return n * width + (n - 1) * GAP + 2 * MARGIN, height + 2 * MARGIN


def render_pose(pose: Pose, *, width_px: int = WIDTH_PX) -> bytes:
    """The pose as a PNG `width_px` wide (a drawn pose: `like:` resolved by the caller)."""
    width, height = pose.box
    n = len(pose.frames)
    total_w, total_h = _extent(pose)
    height_px = height_for(pose, width_px)
    with RENDER_LOCK:
        fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        # Equal scales, and everything in view: a shape the height limits cut is drawn
        # smaller, centred, with the spare room shared on both sides.
        per_px = max(total_w / width_px, total_h / height_px)  # units per pixel
        spare_w, spare_h = width_px * per_px - total_w, height_px * per_px - total_h
        ax.set_xlim(-MARGIN - spare_w / 2, total_w - MARGIN + spare_w / 2)
        ax.set_ylim(-MARGIN - spare_h / 2, height + MARGIN + spare_h / 2)
        scale = 72 / DPI / per_px  # points per unit
        slim = min(1.0, _MAX_LIMB_PX * per_px / _LIMB)
        for index, frame in enumerate(pose.frames):
            left = index * (width + GAP)
            _draw_frame(ax, pose, index, frame, left, scale, slim)
            if index < n - 1:
                _between(ax, left + width, height, scale)
        return _png(fig)


def height_for(pose: Pose, width_px: int = WIDTH_PX) -> int:
    """The picture's height in pixels: the frames' shape, within limits Telegram shows well."""
    total_w, total_h = _extent(pose)
    return max(MIN_HEIGHT_PX, min(MAX_HEIGHT_PX, round(width_px * total_h / total_w)))


def render_sheet(entries: Sequence[tuple[str, bytes]], *, columns: int = 4) -> bytes:
    """A contact sheet: each picture (PNG bytes) with its name under it."""
    cell_w, cell_h, label_h = 400, 250, 40
    rows = max(1, math.ceil(len(entries) / columns))
    width_px, height_px = columns * cell_w, rows * (cell_h + label_h)
    with RENDER_LOCK:
        fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        for i, (name, png) in enumerate(entries):
            row, col = divmod(i, columns)
            bottom = 1 - (row + 1) * (cell_h + label_h) / height_px
            ax = fig.add_axes(
                (
                    col * cell_w / width_px + 0.004,
                    bottom + label_h / height_px,
                    cell_w / width_px - 0.008,
                    cell_h / height_px - 0.01,
                )
            )
            ax.set_axis_off()
            ax.imshow(imread(io.BytesIO(png), format="png"))
            fig.text(
                (col + 0.5) * cell_w / width_px,
                bottom + label_h * 0.45 / height_px,
                name,
                ha="center",
                va="center",
                fontsize=11,
                color=_TEXT,
            )
        return _png(fig)


# --- drawing ------------------------------------------------------------------------


def _draw_frame(
    ax: Axes, pose: Pose, index: int, frame: Frame, left: float, scale: float, slim: float
) -> None:
    width, height = pose.box
    props = [p for p in pose.props if p.frame in (None, index)]
    for prop in props:
        if prop.kind in ("mat", "wall", "step", "chair"):
            _prop(ax, prop, left, width, height, scale)
    ax.plot(
        [left, left + width], [0, 0], color=_FLOOR, lw=1.6 * scale, solid_capstyle="round", zorder=1
    )
    for prop in props:
        if prop.kind == "foam_roller":
            _prop(ax, prop, left, width, height, scale)
    _figure(ax, frame, left, scale, slim)
    for arrow in pose.arrows:
        if arrow.frame != index:
            continue
        style = "<|-|>" if arrow.both else "-|>"
        ax.add_patch(
            FancyArrowPatch(
                (left + arrow.start[0], arrow.start[1]),
                (left + arrow.end[0], arrow.end[1]),
                arrowstyle=style,
                connectionstyle=f"arc3,rad={arrow.bend}",
                mutation_scale=5.5 * scale,
                lw=1.8 * scale,
                color=_MOVE,
                zorder=8,
                shrinkA=0,
                shrinkB=0,
            )
        )


def _figure(ax: Axes, frame: Frame, left: float, scale: float, slim: float) -> None:
    def at(point: tuple[float, float]) -> tuple[float, float]:
        return left + point[0], point[1]

    def limb(points: Sequence[tuple[float, float]], colour: str, z: float) -> None:
        xs, ys = zip(*(at(p) for p in points), strict=True)
        ax.plot(
            xs,
            ys,
            color=colour,
            lw=_LIMB * scale * slim,
            solid_capstyle="round",
            solid_joinstyle="round",
            zorder=z,
        )

    far = frame.far_limbs
    far_shoulder = frame.far_shoulder or frame.shoulder
    far_hip = frame.far_hip or frame.hip
    if frame.far is not None or frame.far_shoulder is not None or frame.far_hip is not None:
        limb([far_hip, far.knee, far.ankle, far.toe], _FAR, 3)
        limb([far_shoulder, far.elbow, far.hand], _FAR, 3)
    # the trunk: shoulder to hip, curved through `back` when the back bends
    shoulder, hip = at(frame.shoulder), at(frame.hip)
    if frame.back is not None:
        back = at(frame.back)
        control = (
            2 * back[0] - (shoulder[0] + hip[0]) / 2,
            2 * back[1] - (shoulder[1] + hip[1]) / 2,
        )
        path = Path([shoulder, control, hip], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
    else:
        path = Path([shoulder, hip], [Path.MOVETO, Path.LINETO])
    ax.add_patch(
        PathPatch(
            path,
            facecolor="none",
            edgecolor=_NEAR,
            lw=_TRUNK * scale * slim,
            capstyle="round",
            joinstyle="round",
            zorder=5,
        )
    )
    limb([frame.shoulder, frame.neck, frame.head], _NEAR, 5)
    ax.add_patch(Circle(at(frame.head), HEAD_RADIUS * (0.4 + 0.6 * slim), color=_NEAR, zorder=6))
    near = frame.near
    limb([frame.hip, near.knee, near.ankle, near.toe], _NEAR, 6)
    limb([frame.shoulder, near.elbow, near.hand], _NEAR, 7)


def _prop(ax: Axes, prop: Prop, left: float, width: float, height: float, scale: float) -> None:
    x, y = prop.at
    x += left
    if prop.kind == "mat":
        ax.add_patch(
            FancyBboxPatch(
                (left + 3, -2.2),
                width - 6,
                2.2,
                boxstyle="round,pad=0,rounding_size=1",
                facecolor=_MAT,
                edgecolor="none",
                zorder=1,
            )
        )
    elif prop.kind == "foam_roller":
        ax.add_patch(
            Circle(
                (x, y),
                prop.size,
                facecolor=_ROLLER,
                edgecolor=_ROLLER_EDGE,
                lw=1.2 * scale,
                zorder=4,
            )
        )
    elif prop.kind == "wall":
        ax.plot([x, x], [0, height], color=_PROP, lw=2.5 * scale, solid_capstyle="butt", zorder=1)
    elif prop.kind == "step":
        p_left, _, p_right, top = prop.extent()
        ax.add_patch(
            Rectangle(
                (left + p_left, 0),
                p_right - p_left,
                top,
                facecolor=_PROP_FILL,
                edgecolor=_PROP,
                lw=1.4 * scale,
                zorder=2,
            )
        )
    elif prop.kind == "chair":
        p_left, _, p_right, top = prop.extent()
        seat = prop.size
        back_x = p_left if prop.facing == "right" else p_right
        front_x = p_right if prop.facing == "right" else p_left
        lines = (
            ([left + p_left, left + p_right], [seat, seat]),  # seat
            ([left + back_x, left + back_x], [0, top]),  # back leg and backrest
            ([left + front_x, left + front_x], [0, seat]),  # front leg
        )
        for xs, ys in lines:
            ax.plot(xs, ys, color=_PROP, lw=2.2 * scale, solid_capstyle="round", zorder=2)


def _between(ax: Axes, x: float, height: float, scale: float) -> None:
    """The arrow from one key frame to the next."""
    y = height * 0.5
    ax.add_patch(
        FancyArrowPatch(
            (x + 4, y),
            (x + GAP - 4, y),
            arrowstyle="-|>",
            mutation_scale=9 * scale,
            lw=3 * scale,
            color=_ARROW,
            zorder=1,
        )
    )


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.canvas.print_figure(
        buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None}
    )
    return buffer.getvalue()
