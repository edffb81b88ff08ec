"""Progress-chart data for the chart tests: a plausible stretch, or nothing at all."""

from __future__ import annotations

from datetime import date, timedelta

from bot.charts import PainPoint, ProgressData
from bot.domain.enums import CheckinKind
from bot.domain.report import Period

TODAY = date(2026, 3, 30)
LABELS = {
    "title": "Mornings 6 → 1 over 4 weeks, level 1 → 3",
    "morning": "morning pain",
    "weekly": "7-day average",
    "after_session": "after a session",
    "after_run": "after a run",
    "sessions": "session done",
    "b0": "start {value}",
    "b": "baseline {value}",
    "pain_axis": "pain (0-10)",
    "level_axis": "level",
    "level": "L{level}",
    "flare": "flare",
    "zone_green": "safe",
    "zone_amber": "careful",
    "zone_red": "too much",
}


def month(days: int = 30, *, end: date = TODAY) -> ProgressData:
    """A plausible stretch: mornings easing (one missed a week), sessions most days, runs
    twice a week, two level-ups, a short flare in the middle."""
    start = end - timedelta(days=days - 1)
    points: list[PainPoint] = []
    sessions: list[date] = []
    mornings: dict[date, int] = {}
    for i in range(days):
        day = start + timedelta(days=i)
        trend = 6 - 5 * i // days
        if i % 7 != 3:
            mornings[day] = max(0, trend + (i % 3) - 1)
            points.append(PainPoint(day, mornings[day], CheckinKind.MORNING))
        if i % 3 != 2:
            sessions.append(day)
            points.append(PainPoint(day, max(0, trend - 1), CheckinKind.AFTER_SESSION))
        if i % 7 in (1, 4):
            points.append(PainPoint(day, min(10, trend + 2), CheckinKind.AFTER_RUN))
    weekly = []
    for i in range(days):
        day = start + timedelta(days=i)
        week = [s for d, s in mornings.items() if day - timedelta(days=6) <= d <= day]
        if week:
            weekly.append((day, sum(week) / len(week)))
    return ProgressData(
        points=tuple(points),
        weekly=tuple(weekly),
        session_days=tuple(sessions),
        levels=(
            (start, 1),
            (start + timedelta(days=days // 3), 2),
            (start + timedelta(days=2 * days // 3), 3),
        ),
        flares=(Period(start + timedelta(days=days // 2), start + timedelta(days=days // 2 + 2)),),
        start=start,
        end=end,
        b0=5.5,
        b=4.0,
        labels=LABELS,
    )


def empty(start: date, end: date = TODAY) -> ProgressData:
    return ProgressData(
        points=(),
        weekly=(),
        session_days=(),
        levels=(),
        flares=(),
        start=start,
        end=end,
        b0=None,
        b=None,
        labels=LABELS,
    )
