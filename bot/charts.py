"""The /progress picture, as PNG bytes: morning pain and its weekly mean against the runner's
start (B0) and baseline (B), the green/amber/red bands, flare periods, the level over time
and the sessions done. Portrait, sized for a phone: Telegram shows a photo about 320-400 px
wide, so every text is drawn large enough to read at that scale.

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
import itertools
import math
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from bot.domain.enums import CheckinKind
from bot.domain.report import Period

PAIN_KINDS = (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN, CheckinKind.MORNING)
LABEL_KEYS = (
    "title",
    "morning",
    "weekly",
    "after_session",
    "after_run",
    "sessions",
    "b0",
    "b",
    "pain_axis",
    "level_axis",
    "level",
    "flare",
    "zone_green",
    "zone_amber",
    "zone_red",
)

DPI = 100
WIDTH_PX, HEIGHT_PX = 800, 1000
MIN_SIZE_PX = 300
MAX_SIZE_PX = 4000
MIN_DAYS_SHOWN = 7  # a runner two days in sees a week, not two day-wide columns


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
class ProgressData:
    points: tuple[PainPoint, ...]  # morning ratings (one a day), after sessions and runs
    weekly: tuple[tuple[date, float], ...]  # W on each day that has one
    session_days: tuple[date, ...]  # days with an ended session
    levels: tuple[tuple[date, int], ...]  # the level in force from each day on
    flares: tuple[Period, ...]
    start: date  # first day shown
    end: date  # last day shown (today)
    b0: float | None  # where the runner started, a labelled dashed line
    b: float | None  # the baseline now, a second line where it differs from B0
    # User-facing words from the bot's texts. Keys: LABEL_KEYS. "b0" and "b" are formatted
    # with {value}, "level" with {level}. Other placeholders are not allowed.
    labels: Mapping[str, str]
    # The highest green and amber pain (content/progression.yaml, R1): the coloured bands.
    zone_edges: tuple[int, int] = (2, 5)
    # A date on the time axis as the runner's language writes it ("2 Mar", "2. März")
    day_label: Callable[[date], str] | None = None
    number: Callable[[float], str] | None = None  # "2.5", "2,5"

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
_MORNING = "#56A0D3"  # the daily morning ratings: lighter blue dots
_WEEKLY = "#0B4F8A"  # their weekly mean: the main, heavy dark blue line
_AFTER_SESSION = "#7B3294"  # purple squares
_AFTER_RUN = "#D55E00"  # vermilion triangles
_B0 = "#222222"
_B = "#555555"
_LEVEL = "#444444"
_FLARE = "#7F7F7F"
_GRID = "#C8C8C8"
_TEXT = "#222222"
_SOFT_TEXT = "#555555"
# Pain zones green, amber, red (edges from ProgressData.zone_edges, between the scores);
# the band fill, and a darker shade of each for its label.
_ZONE_FILLS = ("#2CA02C", "#FFB000", "#D62728")
_ZONE_TEXT = ("#1E6B1E", "#8A5A00", "#A31B1C")
_ZONE_ALPHA = 0.14

_Y_BOTTOM, _Y_TOP = -0.4, 10.4
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TICK_STEPS = (1, 2, 3, 7, 14, 21, 28, 56, 91, 182, 364)

# matplotlib is not thread-safe: every drawing (charts, exercise pictures) takes this lock
RENDER_LOCK = threading.Lock()


def render_progress(
    data: ProgressData, *, width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX
) -> bytes:
    """The progress chart as a PNG of exactly width_px x height_px."""
    for name, value in (("width_px", width_px), ("height_px", height_px)):
        if not MIN_SIZE_PX <= value <= MAX_SIZE_PX:
            raise ValueError(f"{name} {value} is outside {MIN_SIZE_PX}-{MAX_SIZE_PX}")
    with RENDER_LOCK:
        return _png(_figure(data, width_px, height_px))


def text_sizes_px(
    data: ProgressData, *, width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX
) -> dict[str, float]:
    """Every text drawn, with its font size in pixels of the PNG (for checking it reads on a
    phone)."""
    with RENDER_LOCK:
        fig = _figure(data, width_px, height_px)
        fig.canvas.draw()
        return {
            text.get_text(): float(text.get_fontsize()) * DPI / 72
            for text in fig.findobj(Text)
            if text.get_visible() and text.get_text().strip()
        }


@dataclass(frozen=True)
class _Fonts:
    """Font sizes in points; at DPI 100 one point is 1.39 px. At 800 px wide, shown 360 px
    wide on a phone, 20 pt comes out about 12 px: the smallest text here."""

    scale: float

    @property
    def title(self) -> float:
        return 27 * self.scale

    @property
    def ticks(self) -> float:
        return 21 * self.scale

    @property
    def axis(self) -> float:
        return 20 * self.scale

    @property
    def legend(self) -> float:
        return 20 * self.scale

    @property
    def note(self) -> float:
        return 20 * self.scale

    def px(self, points: float) -> float:
        return points * DPI / 72


@dataclass(frozen=True)
class _Frame:
    """Where things are: days as x (0 = start), the plot's width in pixels."""

    start: date
    n_days: int  # days with data: start..end
    shown_days: int  # at least MIN_DAYS_SHOWN: the axis
    plot_px: float  # the pain plot's width and height, roughly (before the layout)
    plot_high_px: float

    @property
    def day_px(self) -> float:
        return self.plot_px / (self.shown_days + 0.4)

    def x(self, day: date) -> int:
        return (day - self.start).days

    def shows(self, day: date) -> bool:
        return 0 <= self.x(day) < self.n_days


def _figure(data: ProgressData, width_px: int, height_px: int) -> Figure:
    scale = max(0.5, min(width_px / WIDTH_PX, height_px / HEIGHT_PX, 4.0))
    font = _Fonts(scale)
    n_days = (data.end - data.start).days + 1
    frame = _Frame(
        data.start, n_days, max(n_days, MIN_DAYS_SHOWN), 0.80 * width_px, 0.56 * height_px
    )

    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    fig.set_layout_engine(
        "constrained", w_pad=10 * scale / DPI, h_pad=10 * scale / DPI, hspace=0.02, wspace=0
    )
    FigureCanvasAgg(fig)  # attaches itself: the legend measures its width with it
    grid = fig.add_gridspec(2, 1, height_ratios=(5.2, 1))
    ax = fig.add_subplot(grid[0])
    strip = fig.add_subplot(grid[1], sharex=ax)
    for axes in (ax, strip):
        axes.set_facecolor("white")
    ax.set_xlim(-0.7, frame.shown_days - 0.3)
    ax.set_ylim(_Y_BOTTOM, _Y_TOP)

    _draw_zones(ax, data, font)
    _style_pain_axes(ax, data, font)
    _style_dates(data, strip, ax, frame, font)

    handles: list[Line2D | Patch] = []
    handles += _draw_flares(ax, strip, data, frame, font)
    handles += _draw_weekly(ax, data, frame, scale)
    handles += _draw_mornings(ax, data, frame, scale)
    handles += _draw_others(ax, data, frame, scale)
    _draw_baselines(ax, data, frame, font, scale)
    handles += _draw_levels(strip, data, frame, font, scale)

    title = _wrap(data.labels["title"], width_px, font.title)
    fig.suptitle(_plain(title), fontsize=font.title, color=_TEXT, linespacing=1.15)
    if handles:
        _add_legend(fig, handles, font, width_px)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.canvas.print_figure(
        buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None}
    )
    return buffer.getvalue()


def _plain(text: str) -> str:
    """Show a dollar sign as itself: matplotlib would read $...$ as mathtext."""
    return text.replace("$", r"\$")


def _wrap(text: str, width_px: int, size: float) -> str:
    """Break a long title so it fits the width (DejaVu Sans averages about 0.58 em a
    character): after a comma where that fits, else between words."""
    per_line = max(10, int(0.94 * width_px / (0.58 * size * DPI / 72)))
    if len(text) <= per_line:
        return text
    head, comma, tail = text[:per_line].rpartition(", ")
    if comma and len(tail) + len(text) - per_line <= per_line:
        return f"{head},\n{text[len(head) + 2 :]}"
    return "\n".join(textwrap.wrap(text, per_line)) or text


# --- the pain axes -----------------------------------------------------------------------


def _draw_zones(ax: Axes, data: ProgressData, font: _Fonts) -> None:
    """The bands, each labelled on the right edge, outside the data."""
    green, amber = data.zone_edges
    low = _Y_BOTTOM
    keys = ("zone_green", "zone_amber", "zone_red")
    for top, fill, ink, key in zip(
        (green + 0.5, amber + 0.5, _Y_TOP), _ZONE_FILLS, _ZONE_TEXT, keys, strict=True
    ):
        ax.axhspan(low, top, facecolor=fill, alpha=_ZONE_ALPHA, linewidth=0, zorder=0)
        label = _plain(data.labels[key])
        band = min(top, 10) - max(low, 0)
        ax.annotate(
            label,
            xy=(1.0, (max(low, 0) + min(top, 10)) / 2),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            rotation=90,
            ha="left",
            va="center",
            fontsize=_fitting(label, font.note * 0.92, _band_points(ax, band)),
            color=ink,
            fontweight="bold",
            annotation_clip=False,
        )
        low = top


def _band_points(ax: Axes, band: float) -> float:
    """How tall `band` pain units are on the figure, in points (the axes' share of it)."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    axes_points = figure.get_figheight() * ax.get_position().height * 72
    return axes_points * band / (_Y_TOP - _Y_BOTTOM)


def _fitting(text: str, size: float, room: float) -> float:
    """`size`, or smaller so that `text` (bold) runs no longer than 80% of `room`: a band's
    name is longer in Russian ("безопасно") than in English ("safe")."""
    width = TextPath((0, 0), text, size=size, prop=FontProperties(weight="bold")).get_extents()
    return size if width.width <= 0.8 * room else size * 0.8 * room / width.width


def _style_pain_axes(ax: Axes, data: ProgressData, font: _Fonts) -> None:
    ax.yaxis.set_major_locator(FixedLocator([0, 2, 4, 6, 8, 10]))
    ax.yaxis.set_minor_locator(FixedLocator(list(range(11))))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(_plain(data.labels["pain_axis"]), fontsize=font.axis, color=_TEXT)
    ax.tick_params(axis="y", which="major", labelsize=font.ticks, colors=_TEXT, length=5)
    ax.tick_params(axis="y", which="minor", length=2.5, color=_GRID)
    ax.tick_params(axis="x", which="both", labelbottom=False, length=0)
    ax.grid(True, axis="y", which="major", color=_GRID, linewidth=0.8, alpha=0.8)
    ax.grid(True, axis="x", which="major", color=_GRID, linewidth=0.8, alpha=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")


def _draw_flares(
    ax: Axes, strip: Axes, data: ProgressData, frame: _Frame, font: _Fonts
) -> list[Line2D | Patch]:
    """Grey hatched spans over both panels, 'flare' written at the top of each wide enough."""
    label_px = 0.6 * font.px(font.note * 0.9) * len(data.labels["flare"])
    drawn = False
    for span in sorted(data.flares, key=lambda s: s.start):
        left = max(frame.x(span.start), 0)
        right = min(frame.x(span.end), frame.n_days - 1)
        if right < left:
            continue
        drawn = True
        for axes in (ax, strip):
            axes.axvspan(
                left - 0.5,
                right + 0.5,
                facecolor=_FLARE,
                alpha=0.16,
                hatch="//",
                edgecolor="#9A9A9A",
                linewidth=0,
                zorder=0.5,
            )
        if (right - left + 1) * frame.day_px >= label_px:
            ax.text(
                (left + right) / 2,
                _Y_TOP - 0.15,
                _plain(data.labels["flare"]),
                ha="center",
                va="top",
                fontsize=font.note * 0.9,
                color=_SOFT_TEXT,
                zorder=6,
            )
    if not drawn:
        return []
    patch = Patch(facecolor=_FLARE, alpha=0.3, hatch="//", edgecolor="#9A9A9A", linewidth=0)
    patch.set_label(_plain(data.labels["flare"]))
    return [patch]


def _runs(days: Sequence[int], max_gap: int = 1) -> list[list[int]]:
    """Indexes of points split where days are more than max_gap apart: no line is drawn
    across a day without a rating."""
    runs: list[list[int]] = []
    for i, day in enumerate(days):
        if runs and day - days[runs[-1][-1]] <= max_gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _draw_weekly(ax: Axes, data: ProgressData, frame: _Frame, scale: float) -> list[Line2D]:
    """W: the heavy line the eye follows. A single day of W is a short dash."""
    values = sorted((frame.x(d), w) for d, w in data.weekly if frame.shows(d))
    xs = [x for x, _ in values]
    lines: list[Line2D] = []
    for run in _runs(xs):
        run_xs = [float(xs[i]) for i in run]
        run_ys = [min(max(values[i][1], 0.0), 10.0) for i in run]
        if len(run) == 1:
            run_xs, run_ys = [run_xs[0] - 0.3, run_xs[0] + 0.3], run_ys * 2
        lines += ax.plot(
            run_xs,
            run_ys,
            color=_WEEKLY,
            linewidth=6 * scale,
            solid_capstyle="round",
            solid_joinstyle="round",
            zorder=4,
        )
    return _labelled(lines, data.labels["weekly"])


def _draw_mornings(ax: Axes, data: ProgressData, frame: _Frame, scale: float) -> list[Line2D]:
    """Morning ratings: dots, joined only between consecutive days."""
    points = sorted(
        (p for p in data.points if p.kind == CheckinKind.MORNING and frame.shows(p.day)),
        key=lambda p: p.day,
    )
    xs = [frame.x(p.day) for p in points]
    size = max(7.0, min(12.0, 0.6 * frame.day_px / (DPI / 72) / scale)) * scale
    lines: list[Line2D] = []
    for run in _runs(xs):
        lines += ax.plot(
            [xs[i] for i in run],
            [points[i].score for i in run],
            color=_MORNING,
            linewidth=2.0 * scale,
            marker="o",
            markersize=size,
            markeredgecolor="white",
            markeredgewidth=1.0 * scale,
            zorder=5,
            clip_on=False,
        )
    return _labelled(lines, data.labels["morning"])


def _draw_others(ax: Axes, data: ProgressData, frame: _Frame, scale: float) -> list[Line2D]:
    """After-session squares left of their day and after-run triangles right of it, small."""
    size = max(7.5, min(9.5, 0.5 * frame.day_px / (DPI / 72) / scale)) * scale
    dodge = min(0.25, 4 * scale / frame.day_px)
    handles: list[Line2D] = []
    for kind, marker, colour, offset in (
        (CheckinKind.AFTER_SESSION, "s", _AFTER_SESSION, -dodge),
        (CheckinKind.AFTER_RUN, "^", _AFTER_RUN, dodge),
    ):
        points = [p for p in data.points if p.kind == kind and frame.shows(p.day)]
        if not points:
            continue
        lines = ax.plot(
            [frame.x(p.day) + offset for p in points],
            [p.score for p in points],
            linestyle="none",
            color=colour,
            marker=marker,
            markersize=size * (1.15 if marker == "^" else 1.0),
            markeredgecolor="white",
            markeredgewidth=0.7 * scale,
            zorder=4.5,
            clip_on=False,
        )
        handles += _labelled(lines, data.labels[kind])
    return handles


def _draw_baselines(
    ax: Axes, data: ProgressData, frame: _Frame, font: _Fonts, scale: float
) -> None:
    """B0 (where the runner started) and, where it differs, B (the baseline now) as
    horizontal lines, each labelled where it covers the fewest ratings."""
    lines: list[tuple[float, str, str]] = []
    b0, b = _clamp(data.b0), _clamp(data.b)
    if b0 is not None:
        lines.append((b0, "b0", _B0))
    if b is not None and (b0 is None or abs(b - b0) >= 0.05):
        lines.append((b, "b", _B))
    lines.sort(key=lambda line: -line[0])
    close = len(lines) == 2 and lines[0][0] - lines[1][0] < 1.6
    for i, (value, key, colour) in enumerate(lines):
        ax.axhline(
            value,
            color=colour,
            linestyle=(0, (5, 3)) if key == "b0" else (0, (1.5, 2)),
            linewidth=2.2 * scale,
            zorder=3,
        )
        shown = data.number(value) if data.number else _number(value)
        text = _plain(data.labels[key].format(value=shown))
        # two lines close together: the upper one's label above it, the lower one's below
        allowed = ("above",) if close and i == 0 else ("below",) if close else ("above", "below")
        side, place = _label_place(data, frame, font, value, text, allowed)
        dy = 4 if place == "above" else -4
        ax.annotate(
            text,
            xy=(0.99 if side == "right" else 0.01, value),
            xycoords=("axes fraction", "data"),
            xytext=(0, dy * scale),
            textcoords="offset points",
            ha=side,
            va="bottom" if dy > 0 else "top",
            fontsize=font.note,
            color=colour,
            fontweight="bold",
            zorder=7,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "lw": 0},
        )


def _label_place(
    data: ProgressData,
    frame: _Frame,
    font: _Fonts,
    value: float,
    text: str,
    allowed: Sequence[str],
) -> tuple[str, str]:
    """(right or left, above or below): the place whose box holds the fewest ratings and
    weekly means, the right end above first when they tie."""
    days = 0.62 * font.px(font.note) * len(text) / frame.day_px + 0.5
    height = 1.4 * font.px(font.note) / frame.plot_high_px * (_Y_TOP - _Y_BOTTOM)
    values = [(float(frame.x(p.day)), float(p.score)) for p in data.points]
    weekly = sorted((frame.x(d), w) for d, w in data.weekly)
    for (x0, w0), (x1, w1) in itertools.pairwise(weekly):
        if x1 == x0 + 1:  # the line between two days, sampled every quarter day
            values += [(x0 + t / 4, w0 + (w1 - w0) * t / 4) for t in range(4)]
    values += [(float(x), w) for x, w in weekly[-1:]]
    best: tuple[int, str, str] | None = None
    for side in ("right", "left"):
        xs = (frame.shown_days - 0.3 - days, frame.shown_days) if side == "right" else (-1, days)
        for place in ("above", "below"):
            if place not in allowed:
                continue
            ys = (value, value + height) if place == "above" else (value - height, value)
            if ys[0] < _Y_BOTTOM or ys[1] > _Y_TOP:
                continue  # the label would stick out of the plot
            covered = sum(xs[0] <= x <= xs[1] and ys[0] <= y <= ys[1] for x, y in values)
            if best is None or covered < best[0]:
                best = (covered, side, place)
    return (best[1], best[2]) if best is not None else ("right", allowed[0])


def _clamp(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return min(max(value, 0.0), 10.0)


def _number(value: float) -> str:
    """3 or 3.5: one decimal, none when whole."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _labelled(lines: Sequence[Line2D], label: str) -> list[Line2D]:
    """The first line stands for its series in the legend."""
    for line in lines[:1]:
        line.set_label(_plain(label))
    return list(lines[:1])


# --- the level strip and the dates ---------------------------------------------------------


def _draw_levels(
    strip: Axes, data: ProgressData, frame: _Frame, font: _Fonts, scale: float
) -> list[Line2D]:
    """The level as a step line, its number at each step; sessions as dots on it."""
    steps = sorted((frame.x(d), level) for d, level in data.levels if frame.x(d) < frame.n_days)
    strip.set_ylabel(_plain(data.labels["level_axis"]), fontsize=font.axis, color=_TEXT)
    strip.yaxis.set_major_locator(NullLocator())
    strip.yaxis.set_minor_locator(NullLocator())
    for side in ("top", "right", "left"):
        strip.spines[side].set_visible(False)
    strip.spines["bottom"].set_color("#888888")
    if not steps:
        strip.set_ylim(0, 2)
        return []
    steps = [(max(x, 0), level) for x, level in steps]  # a step before the start: at it
    levels = [level for _, level in steps]
    low, high = min(levels), max(levels)
    strip.set_ylim(low - 0.7, high + 0.6 + 0.35 * max(1, high - low))
    edges = [x - 0.5 for x, _ in steps] + [frame.n_days - 0.5]
    xs: list[float] = []
    ys: list[int] = []
    for i, (_, level) in enumerate(steps):
        xs += [edges[i], edges[i + 1]]
        ys += [level, level]
    strip.plot(xs, ys, color=_LEVEL, linewidth=3 * scale, solid_capstyle="butt", zorder=3)

    right_end = -math.inf
    for i, (_, level) in enumerate(steps):
        text = _plain(data.labels["level"].format(level=level))
        width = 0.62 * font.px(font.note) * len(text) / frame.day_px  # in days
        left = max(edges[i] + 0.1, -0.6)
        if left < right_end + 0.2:
            continue  # no room: the step itself shows the change
        if left + width > frame.shown_days - 0.3:
            continue
        strip.annotate(
            text,
            xy=(left, level),
            xytext=(0, 3 * scale),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=font.note,
            color=_TEXT,
            fontweight="bold",
            zorder=5,
        )
        right_end = left + width

    sessions = sorted({frame.x(d) for d in data.session_days if frame.shows(d)})
    if not sessions:
        return []
    level_on = [_level_on(steps, x) for x in sessions]
    size = max(4.0, min(9.0, 0.45 * frame.day_px / (DPI / 72) / scale)) * scale
    lines = strip.plot(
        sessions,
        level_on,
        linestyle="none",
        marker="o",
        markersize=size,
        color=_LEVEL,
        markeredgecolor="white",
        markeredgewidth=0.8 * scale,
        zorder=4,
        clip_on=False,
    )
    return _labelled(lines, data.labels["sessions"])


def _level_on(steps: Sequence[tuple[int, int]], x: int) -> int:
    current = steps[0][1]
    for day, level in steps:
        if day <= x:
            current = level
    return current


def _style_dates(data: ProgressData, strip: Axes, ax: Axes, frame: _Frame, font: _Fonts) -> None:
    ticks = _date_ticks(data, frame, font)
    strip.xaxis.set_major_locator(FixedLocator([float(t) for t, _ in ticks]))
    strip.set_xticklabels([label for _, label in ticks])
    strip.tick_params(axis="x", which="major", labelsize=font.ticks, colors=_TEXT, length=5)
    if frame.shown_days <= 42:  # a mark a day where the days can be told apart
        strip.xaxis.set_minor_locator(FixedLocator([float(d) for d in range(frame.shown_days)]))
        strip.xaxis.set_minor_formatter(NullFormatter())
        strip.tick_params(axis="x", which="minor", length=3, color="#999999")
    ax.xaxis.set_major_locator(FixedLocator([float(t) for t, _ in ticks]))


def _date_ticks(data: ProgressData, frame: _Frame, font: _Fonts) -> list[tuple[int, str]]:
    """Days labelled like '2 Mar', counted back from today (always labelled), as far apart
    as the labels need."""
    label_px = 6.0 * 0.6 * font.px(font.ticks)  # "28 Sep" in DejaVu Sans, roughly
    min_step = 1.3 * label_px / frame.day_px
    step = next((s for s in _TICK_STEPS if s >= min_step), math.ceil(min_step))
    ticks: list[tuple[int, str]] = []
    for offset in sorted(range(frame.n_days - 1, -1, -step)):
        day = frame.start + timedelta(days=offset)
        label = data.day_label(day) if data.day_label else f"{day.day} {_MONTHS[day.month - 1]}"
        ticks.append((offset, label))
    return ticks


def _add_legend(
    fig: Figure, handles: Sequence[Line2D | Patch], font: _Fonts, width_px: int
) -> None:
    """Below the plot, so it never covers data; as many columns as fit the width."""
    legend: Legend | None = None
    for ncols in range(min(len(handles), 3), 0, -1):
        if legend is not None:
            legend.remove()
        legend = fig.legend(
            handles=_row_major(list(handles), ncols),
            loc="outside lower center",
            ncols=ncols,
            fontsize=font.legend,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.2,
            handletextpad=0.5,
            borderaxespad=0.2,
        )
        if legend.get_window_extent().width <= 0.97 * width_px:
            return


def _row_major(handles: list[Line2D | Patch], ncols: int) -> list[Line2D | Patch]:
    """Reorder so the legend reads left to right, then down (matplotlib fills by column)."""
    return [handles[i] for col in range(ncols) for i in range(col, len(handles), ncols)]
