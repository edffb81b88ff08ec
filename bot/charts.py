"""The /progress picture: pain over time, sessions, level changes and the baseline, as PNG bytes.

Pure and synchronous: plain data in, PNG bytes out, no Telegram and no database. It is meant
to run in a worker thread (``asyncio.to_thread``), so it uses matplotlib's object-oriented API
(``Figure`` + ``FigureCanvasAgg``) and never pyplot: no global figure registry, no backend
switch, no rcParams changes. Every style is passed explicitly, so a changed rcParams elsewhere
does not leak in. Matplotlib documents that it is not thread-safe, so renders are serialised
by a module lock (one render takes a fraction of a second).

The output is deterministic: the same data gives byte-identical PNGs (no timestamps, no
"Software" chunk, date labels that do not depend on the process locale).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, MultipleLocator, NullFormatter

from bot.domain.enums import CheckinKind

PAIN_KINDS = (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN, CheckinKind.MORNING)
LABEL_KEYS = (
    "title",
    "after_session",
    "after_run",
    "morning",
    "sessions",
    "baseline",
    "pain_axis",
    "level",
)

DPI = 100
MIN_SIZE_PX = 300
MAX_SIZE_PX = 4000


@dataclass(frozen=True)
class PainPoint:
    day: date
    score: int  # 0-10
    kind: CheckinKind

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 10:
            raise ValueError(f"pain {self.score} is outside 0-10")
        if self.kind not in PAIN_KINDS:
            raise ValueError(f"unknown pain kind {self.kind!r}")


@dataclass(frozen=True)
class LevelMark:
    day: date
    from_level: int
    to_level: int
    rule_id: str  # e.g. "R3"; not drawn, kept for callers and logs


@dataclass(frozen=True)
class ProgressData:
    points: tuple[PainPoint, ...]
    session_days: tuple[date, ...]  # days with a finished session
    level_marks: tuple[LevelMark, ...]
    start: date  # first day shown
    end: date  # last day shown (today)
    baseline: float | None  # B, drawn as a dashed horizontal line
    # User-facing words from the bot's texts. Keys: LABEL_KEYS. "level" is formatted with
    # {from} and {to}; "baseline" may use {value} (B with one decimal). Other placeholders
    # are not allowed.
    labels: Mapping[str, str]
    # The highest green and amber pain (content/progression.yaml, R1): the coloured bands.
    zone_edges: tuple[int, int] = (2, 5)

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        green, amber = self.zone_edges
        if not 0 <= green < amber < 10:
            raise ValueError(f"zone edges {self.zone_edges} need 0 <= green < amber < 10")
        missing = [key for key in LABEL_KEYS if key not in self.labels]
        if missing:
            raise ValueError(f"labels missing: {', '.join(missing)}")


# --- style -------------------------------------------------------------------------------
# Okabe-Ito colours (distinguishable with colour-blindness) plus distinct marker shapes.
_MORNING = "#0072B2"  # blue line with dots
_AFTER_SESSION = "#7B3294"  # purple squares
_AFTER_RUN = "#D55E00"  # vermilion triangles
_SESSIONS = "#333333"
_BASELINE = "#222222"
_LEVEL = "#555555"
_GRID = "#BBBBBB"
_TEXT = "#222222"
# Pain zones green, amber, red (edges from ProgressData.zone_edges, between the scores).
_ZONE_COLOURS = ("#2CA02C", "#FFB000", "#D62728")
_ZONE_ALPHA = 0.13

# y layout: pain 0..10, with a lane for the session markers below 0.
_Y_TOP = 10.45
_LANE_Y = -0.95
_LANE_TOP = -0.45
_Y_BOTTOM = -1.45
# After-session and after-run markers sit this far left and right of their day (in points,
# at most a quarter day), so same-day ratings don't hide each other.
_DODGE_PT = 6.0
_DODGE_MAX_DAYS = 0.25
# A morning line is broken where ratings are more than this many days apart.
_MAX_LINE_GAP_DAYS = 3

# Level labels above the plot use at most this many staggered rows.
_LEVEL_ROWS = 3

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TICK_STEPS = (1, 2, 3, 7, 14, 21, 28, 56, 91, 182, 364)

_render_lock = threading.Lock()


def render_progress(data: ProgressData, *, width_px: int = 1000, height_px: int = 600) -> bytes:
    """The progress chart as a PNG of exactly width_px x height_px."""
    for name, value in (("width_px", width_px), ("height_px", height_px)):
        if not MIN_SIZE_PX <= value <= MAX_SIZE_PX:
            raise ValueError(f"{name} {value} is outside {MIN_SIZE_PX}-{MAX_SIZE_PX}")
    with _render_lock:
        return _render(data, width_px, height_px)


def _render(data: ProgressData, width_px: int, height_px: int) -> bytes:
    scale = max(0.7, min(width_px / 1000, height_px / 600, 2.5))
    font = _Fonts(scale)
    n_days = (data.end - data.start).days + 1

    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    fig.set_layout_engine(
        "constrained", w_pad=8 * scale / DPI, h_pad=8 * scale / DPI, hspace=0, wspace=0
    )
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    ax.set_xlim(-0.6, n_days - 0.4)
    ax.set_ylim(_Y_BOTTOM, _Y_TOP)

    _draw_zones(ax, data.zone_edges)
    _style_axes(ax, data, n_days, width_px, font)

    # Markers shrink when days are packed tightly (90 days), and the legend scales them back.
    day_px = 0.85 * width_px / n_days  # the plot is about 85% of the width
    density = min(1.0, max(0.7, day_px / 24))
    marks = scale * density
    handles: list[Line2D] = []
    handles += _draw_morning(ax, data, marks)
    dodge = min(_DODGE_MAX_DAYS, _DODGE_PT * marks * DPI / 72 / day_px)
    handles += _draw_scatter(
        ax, data, CheckinKind.AFTER_SESSION, ("s", 8.5, -dodge), _AFTER_SESSION, marks
    )
    handles += _draw_scatter(ax, data, CheckinKind.AFTER_RUN, ("^", 10.5, dodge), _AFTER_RUN, marks)
    handles += _draw_sessions(ax, data, marks)
    handles += _draw_baseline(ax, data, scale)
    _draw_levels(ax, data, n_days, width_px, font, scale)

    fig.suptitle(_plain(data.labels["title"]), fontsize=font.title, color=_TEXT)
    if handles:
        _add_legend(fig, handles, font, width_px, 1 / density)

    buffer = io.BytesIO()
    canvas.print_figure(
        buffer,
        format="png",
        dpi=DPI,
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class _Fonts:
    """Font sizes in points; at DPI 100 one point is 1.39 px (15 pt is about 21 px)."""

    scale: float

    @property
    def title(self) -> float:
        return 21 * self.scale

    @property
    def ticks(self) -> float:
        return 15.5 * self.scale

    @property
    def axis(self) -> float:
        return 15 * self.scale

    @property
    def legend(self) -> float:
        return 15 * self.scale

    @property
    def note(self) -> float:
        return 14 * self.scale


def _plain(text: str) -> str:
    """Show a dollar sign as itself: matplotlib would read $...$ as mathtext."""
    return text.replace("$", r"\$")


def _x(data: ProgressData, day: date) -> int:
    return (day - data.start).days


def _in_range(data: ProgressData, day: date) -> bool:
    return data.start <= day <= data.end


def _draw_zones(ax: Axes, zone_edges: tuple[int, int]) -> None:
    low = _LANE_TOP
    green, amber = zone_edges
    for top, colour in zip((green + 0.5, amber + 0.5, 10.0), _ZONE_COLOURS, strict=True):
        high = _Y_TOP if top >= 10 else top
        ax.axhspan(low, high, facecolor=colour, alpha=_ZONE_ALPHA, linewidth=0, zorder=0)
        low = high
    # The session lane below pain 0 stays white, separated by a thin line.
    ax.axhline(_LANE_TOP, color=_GRID, linewidth=0.8, zorder=1)


def _style_axes(ax: Axes, data: ProgressData, n_days: int, width_px: int, font: _Fonts) -> None:
    ax.yaxis.set_major_locator(FixedLocator([0, 2, 4, 6, 8, 10]))
    ax.yaxis.set_minor_locator(FixedLocator(list(range(11))))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(_plain(data.labels["pain_axis"]), fontsize=font.axis, color=_TEXT)

    ticks = _date_ticks(data.start, n_days, width_px, font)
    ax.xaxis.set_major_locator(FixedLocator([float(t) for t, _ in ticks]))
    ax.set_xticklabels([label for _, label in ticks])
    if 1 < n_days <= 120:
        ax.xaxis.set_minor_locator(MultipleLocator(1))
        ax.xaxis.set_minor_formatter(NullFormatter())

    ax.tick_params(axis="both", which="major", labelsize=font.ticks, colors=_TEXT, length=5)
    ax.tick_params(axis="both", which="minor", length=2.5, color=_GRID)
    ax.grid(True, axis="y", which="major", color=_GRID, linewidth=0.8, alpha=0.8)
    ax.grid(True, axis="x", which="major", color=_GRID, linewidth=0.6, alpha=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")


def _date_ticks(start: date, n_days: int, width_px: int, font: _Fonts) -> list[tuple[int, str]]:
    """Ticks counted back from the last day (today is always labelled), e.g. '2 Mar'."""
    label_px = 6.5 * 0.6 * font.ticks * DPI / 72  # "28 Sep" in DejaVu Sans, roughly
    max_ticks = max(2, int(0.82 * width_px / (label_px * 1.7)))
    step = next(
        (s for s in _TICK_STEPS if (n_days - 1) // s + 1 <= max_ticks),
        (n_days - 1) // (max_ticks - 1) + 1,
    )
    offsets = sorted(range(n_days - 1, -1, -step))
    end = start + timedelta(days=n_days - 1)
    show_year = n_days > 300 and start.year != end.year  # shorter spans read fine without
    ticks: list[tuple[int, str]] = []
    previous_year: int | None = None
    for offset in offsets:
        day = start + timedelta(days=offset)
        label = f"{day.day} {_MONTHS[day.month - 1]}"
        if show_year and day.year != previous_year:
            label += f"\n{day.year}"
        previous_year = day.year
        ticks.append((offset, label))
    return ticks


def _runs(days: Sequence[int]) -> list[list[int]]:
    """Indexes of points split where consecutive days are too far apart for a line."""
    runs: list[list[int]] = []
    for i, day in enumerate(days):
        if runs and day - days[runs[-1][-1]] <= _MAX_LINE_GAP_DAYS:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _draw_morning(ax: Axes, data: ProgressData, scale: float) -> list[Line2D]:
    points = sorted(
        (p for p in data.points if p.kind == "morning" and _in_range(data, p.day)),
        key=lambda p: p.day,
    )
    xs = [_x(data, p.day) for p in points]
    lines: list[Line2D] = []
    for run in _runs(xs):
        lines += ax.plot(
            [xs[i] for i in run],
            [points[i].score for i in run],
            color=_MORNING,
            linewidth=max(1.5, 2.2 * scale),
            marker="o",
            markersize=7.5 * scale,
            markeredgecolor="white",
            markeredgewidth=0.8 * scale,
            zorder=4,
            clip_on=False,
        )
    return _labelled(lines[:1], data.labels["morning"])


def _draw_scatter(
    ax: Axes,
    data: ProgressData,
    kind: CheckinKind,
    marker: tuple[str, float, float],  # shape, size in points, x offset in days
    colour: str,
    scale: float,
) -> list[Line2D]:
    points = [p for p in data.points if p.kind == kind and _in_range(data, p.day)]
    if not points:
        return []
    lines = ax.plot(
        [_x(data, p.day) + marker[2] for p in points],
        [p.score for p in points],
        linestyle="none",
        color=colour,
        marker=marker[0],
        markersize=marker[1] * scale,
        markeredgecolor="white",
        markeredgewidth=0.9 * scale,
        zorder=5,
        clip_on=False,
    )
    return _labelled(lines, data.labels[kind])


def _draw_sessions(ax: Axes, data: ProgressData, scale: float) -> list[Line2D]:
    days = sorted({_x(data, d) for d in data.session_days if _in_range(data, d)})
    if not days:
        return []
    lines = ax.plot(
        days,
        [_LANE_Y] * len(days),
        linestyle="none",
        color=_SESSIONS,
        marker="|",
        markersize=13 * scale,
        markeredgewidth=max(1.5, 2.6 * scale),
        zorder=3,
    )
    return _labelled(lines, data.labels["sessions"])


def _draw_baseline(ax: Axes, data: ProgressData, scale: float) -> list[Line2D]:
    if data.baseline is None or not math.isfinite(data.baseline):
        return []
    value = min(max(data.baseline, 0.0), 10.0)
    line = ax.axhline(
        value, color=_BASELINE, linestyle=(0, (4, 2.5)), linewidth=1.6 * scale, zorder=2
    )
    return _labelled([line], data.labels["baseline"].format(value=f"{value:.1f}"))


def _labelled(lines: list[Line2D], label: str) -> list[Line2D]:
    """The first line stands for its series in the legend."""
    for line in lines[:1]:
        line.set_label(_plain(label))
    return lines[:1]


def _draw_levels(
    ax: Axes, data: ProgressData, n_days: int, width_px: int, font: _Fonts, scale: float
) -> None:
    """Dotted vertical lines with 'Level 2→3' above the plot, staggered in up to 3 rows."""
    marks = sorted((m for m in data.level_marks if _in_range(data, m.day)), key=lambda m: m.day)
    if not marks:
        return
    px_per_day = 0.85 * width_px / max(n_days, 1)
    char_px = 0.6 * font.note * DPI / 72
    row_ends: list[float] = []  # right edge in pixels of the last label in each row
    for mark in marks:
        x = _x(data, mark.day)
        ax.axvline(x, color=_LEVEL, linestyle=(0, (1.5, 2.5)), linewidth=1.6 * scale, zorder=2)
        text = data.labels["level"].format(**{"from": mark.from_level, "to": mark.to_level})
        width = len(text) * char_px + 8 * scale
        fraction = (x + 0.6) / (n_days + 0.2)
        if fraction < 0.12:
            align, left = "left", x * px_per_day - 4 * scale
        elif fraction > 0.88:
            align, left = "right", x * px_per_day - width + 4 * scale
        else:
            align, left = "center", x * px_per_day - width / 2
        row = next((i for i, end in enumerate(row_ends) if end + 6 * scale < left), None)
        if row is None:
            if len(row_ends) == _LEVEL_ROWS:
                continue  # no room left: the dotted line alone marks this change
            row = len(row_ends)
            row_ends.append(0.0)
        row_ends[row] = left + width
        ax.annotate(
            _plain(text),
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4 + row * (font.note * 1.45)),
            textcoords="offset points",
            ha=align,
            va="bottom",
            fontsize=font.note,
            color=_TEXT,
            annotation_clip=False,
        )


def _add_legend(
    fig: Figure, handles: list[Line2D], font: _Fonts, width_px: int, markerscale: float
) -> None:
    """Below the plot, so it never covers data; as many columns as fit the width."""
    legend: Legend | None = None
    for ncols in range(len(handles), 0, -1):
        if legend is not None:
            legend.remove()
        legend = fig.legend(
            handles=_row_major(handles, ncols),
            loc="outside lower center",
            ncols=ncols,
            fontsize=font.legend,
            frameon=False,
            markerscale=markerscale,
            handlelength=2.2,
            columnspacing=1.4,
            handletextpad=0.5,
            borderaxespad=0.2,
        )
        if legend.get_window_extent().width <= 0.96 * width_px:
            return


def _row_major(handles: list[Line2D], ncols: int) -> list[Line2D]:
    """Reorder so the legend reads left to right, then down (matplotlib fills by column)."""
    return [handles[i] for col in range(ncols) for i in range(col, len(handles), ncols)]
