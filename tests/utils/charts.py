"""Progress-chart data for the chart tests: a plausible month, or nothing at all."""

from __future__ import annotations

from datetime import date, timedelta

from bot.charts import LevelMark, PainPoint, ProgressData
from bot.domain.enums import CheckinKind

TODAY = date(2026, 3, 30)
LABELS = {
    "title": "Your back, last 30 days",
    "after_session": "After session",
    "after_run": "After run",
    "morning": "Morning",
    "sessions": "Sessions",
    "baseline": "Baseline {value}",
    "pain_axis": "Pain (0–10)",
    "level": "Level {from}→{to}",
}


def month(days: int = 30, *, end: date = TODAY) -> ProgressData:
    """A plausible stretch: pain easing, sessions most days, runs twice a week, two level-ups."""
    start = end - timedelta(days=days - 1)
    points: list[PainPoint] = []
    sessions: list[date] = []
    for i in range(days):
        day = start + timedelta(days=i)
        trend = 6 - 5 * i // days
        if i % 7 != 3:
            points.append(PainPoint(day, max(0, trend + (i % 3) - 1), CheckinKind.MORNING))
        if i % 3 != 2:
            sessions.append(day)
            points.append(PainPoint(day, max(0, trend - 1), CheckinKind.AFTER_SESSION))
        if i % 7 in (1, 4):
            points.append(PainPoint(day, min(10, trend + 2), CheckinKind.AFTER_RUN))
    marks = (
        LevelMark(start + timedelta(days=days // 3), 1, 2, "R3"),
        LevelMark(start + timedelta(days=2 * days // 3), 2, 3, "R3"),
    )
    return ProgressData(
        points=tuple(points),
        session_days=tuple(sessions),
        level_marks=marks,
        start=start,
        end=end,
        baseline=4.2,
        labels=LABELS,
    )


def empty(start: date, end: date = TODAY) -> ProgressData:
    return ProgressData(
        points=(),
        session_days=(),
        level_marks=(),
        start=start,
        end=end,
        baseline=None,
        labels=LABELS,
    )
