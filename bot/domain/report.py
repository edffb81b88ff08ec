"""The /progress report (PROGRESSION.md R9) as plain data: the runner's morning ratings and
their weekly mean W, B0 and B, the flare periods, the level over time, the verdict against
B0 and the numbers of the headline ("Mornings 6 -> 1 over 3 weeks, level 1 -> 3").

Pure: ratings, sessions and recorded decisions in, a `Report` out; no database, no Telegram,
no clock (the caller passes `today`, the runner's local date). It reads the rows the bot
stores, not the progression rules' own history, so it shows what was decided, as recorded.

Readings (each is tested):

- One morning rating a local date: the last one given wins (ratings arrive in the order they
  were recorded). W on day t is the mean of the morning ratings of days t-6..t (the window is
  `baseline.trend_days`), None without any.
- R9 compares this week's W with B0: improved when W <= B0 - `small_baseline_points` where
  B0 <= `small_baseline_max`, otherwise when W <= B0 - `points` or W <= B0 less `percent`%.
  Recovered (it wins) when every morning of the week was 0 and there were at least
  `recovered_mornings` of them. B0 is `rules_memory.b0`, else the onboarding rating.
- The picture starts at the first rating or session, at most `SHOWN_DAYS` days back.
- A flare period runs from a flare_on's date to the next flare_off's date, or to today when
  none came yet; a runner in flare mode with no recorded flare_on shows one from the day
  flare mode began.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Literal, Protocol

from bot.domain.enums import CheckinKind
from bot.domain.thresholds import Progression

SHOWN_DAYS = 84  # 12 weeks: enough to see a trend, few enough to see each day on a phone
Verdict = Literal["recovered", "improved", "not_yet", "out_of_reach", "no_data"]

_DAY = timedelta(days=1)
_SHOWN_KINDS = (CheckinKind.MORNING, CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN)


@dataclass(frozen=True)
class Rating:
    day: date  # the runner's local date the rating belongs to
    score: int
    kind: CheckinKind


@dataclass(frozen=True)
class Decision:
    """A recorded decision of the rules (a row of level_changes)."""

    day: date
    decision: str  # level_up, level_down, flare_on, flare_off, ... (old rows: run_ease, ...)
    from_level: int
    to_level: int


@dataclass(frozen=True)
class SessionDay:
    day: date
    level: int | None  # the ladder level it ran; None for another routine


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included


@dataclass(frozen=True)
class Baselines:
    b0: float | None  # None only for a runner who never gave an onboarding rating
    b: float | None
    b_on: date | None  # the day B was last recomputed, when it was


@dataclass(frozen=True)
class Measure:
    """R9 for this week: W against B0."""

    verdict: Verdict
    w: float | None
    mornings: int  # morning ratings in W's window
    b0: float | None
    target: float | None  # W at or below this counts as improved; None when out of reach
    need: int  # mornings of 0 that "recovered" needs


@dataclass(frozen=True)
class Headline:
    first: int | None  # the first morning rating shown
    last: int | None  # the latest one
    days: int  # first to latest morning, both counted (0 without mornings)
    level_from: int  # the level in force on the first day shown
    level_to: int  # the level now


@dataclass(frozen=True)
class Report:
    start: date  # first day shown
    today: date
    mornings: tuple[tuple[date, int], ...]  # shown days with a morning rating, in order
    weekly: tuple[tuple[date, float], ...]  # W for each shown day that has one
    others: tuple[Rating, ...]  # after-session and after-run ratings shown
    sessions: tuple[SessionDay, ...]  # ended sessions shown, in order
    levels: tuple[tuple[date, int], ...]  # the level in force from each day on, from start
    flares: tuple[Period, ...]  # clipped to the days shown
    baselines: Baselines
    measure: Measure
    headline: Headline
    streak: int
    in_flare: bool

    @property
    def has_data(self) -> bool:
        return bool(self.mornings or self.others or self.sessions)


# --- the pieces ------------------------------------------------------------------------


class Rated(Protocol):
    """A rating as this module reads it (`Rating`, and the rules' `progression.Rating`)."""

    @property
    def day(self) -> date: ...

    @property
    def score(self) -> int: ...

    @property
    def kind(self) -> CheckinKind: ...


def morning_ratings(ratings: Iterable[Rated]) -> dict[date, int]:
    """One morning rating a date, the last given winning; in date order. The progression
    rules read the same (`progression.mornings`)."""
    found: dict[date, int] = {}
    for rating in ratings:
        if rating.kind == CheckinKind.MORNING:
            found[rating.day] = rating.score
    return dict(sorted(found.items()))


def weekly_mean(mornings: Mapping[date, int], day: date, *, days: int = 7) -> Fraction | None:
    """W on `day`: the mean of the morning ratings of days day-(days-1)..day."""
    scores = _window(mornings, day, days)
    return Fraction(sum(scores), len(scores)) if scores else None


def weekly_means(
    mornings: Mapping[date, int], start: date, end: date, *, days: int = 7
) -> tuple[tuple[date, float], ...]:
    """W for every day from start to end that has one (at least one morning in its window)."""
    found: list[tuple[date, float]] = []
    day = start
    while day <= end:
        mean = weekly_mean(mornings, day, days=days)
        if mean is not None:
            found.append((day, float(mean)))
        day += _DAY
    return tuple(found)


def measure(
    mornings: Mapping[date, int], today: date, b0: float | None, rules: Progression
) -> Measure:
    """R9: this week's W against B0."""
    scores = _window(mornings, today, rules.baseline.trend_days)
    need = rules.improvement.recovered_mornings
    if not scores or b0 is None:
        w = Fraction(sum(scores), len(scores)) if scores else None
        return Measure("no_data", _float(w), len(scores), b0, None, need)
    w = Fraction(sum(scores), len(scores))
    target = improved_at_most(b0, rules)
    if w == 0 and len(scores) >= need:
        verdict: Verdict = "recovered"
    elif target is None:
        verdict = "out_of_reach"
    elif w <= target:
        verdict = "improved"
    else:
        verdict = "not_yet"
    return Measure(verdict, float(w), len(scores), b0, _float(target), need)


def improved_at_most(b0: float, rules: Progression) -> Fraction | None:
    """The highest W that counts as improved against B0; None when no W can (B0 of 0)."""
    improvement = rules.improvement
    base = Fraction(b0)
    if base <= improvement.small_baseline_max:
        target = base - improvement.small_baseline_points
    else:
        target = max(base - improvement.points, base * Fraction(100 - improvement.percent, 100))
    return target if target >= 0 else None


def baselines(memory: Mapping[str, Any] | None, onboarding_pain: int | None) -> Baselines:
    """B0 and B as the rules stored them (users.rules_memory): B0 falls back to the
    onboarding rating, B to B0. Values of the wrong type are read as missing."""
    memory = memory or {}
    b0 = _number(memory.get("b0"))
    if b0 is None and onboarding_pain is not None:
        b0 = float(onboarding_pain)
    b = _number(memory.get("b"))
    return Baselines(b0, b if b is not None else b0, _date(memory.get("b_on")))


def flare_periods(
    decisions: Iterable[Decision], *, today: date, flare_since: date | None
) -> tuple[Period, ...]:
    """From each flare_on to the next flare_off (today while none came yet)."""
    periods: list[Period] = []
    opened: date | None = None
    for decision in sorted(decisions, key=lambda d: d.day):  # stable: same-day order kept
        if decision.decision == "flare_on" and opened is None:
            opened = decision.day
        elif decision.decision == "flare_off" and opened is not None:
            periods.append(Period(opened, max(opened, decision.day)))
            opened = None
    if opened is None and flare_since is not None:
        opened = flare_since
    if opened is not None:
        periods.append(Period(opened, max(opened, today)))
    return tuple(periods)


def level_steps(
    decisions: Iterable[Decision], *, start: date, today: date, level: int
) -> tuple[tuple[date, int], ...]:
    """The level in force from `start` on, and from each day it changed (a day's last
    change stands); the last one is the runner's level now."""
    changes = _level_changes(decisions, today)
    steps: dict[date, int] = {start: starting_level(changes, start=start, today=today, level=level)}
    for change in changes:
        if change.day >= start:
            steps[change.day] = change.to_level
    if list(steps.values())[-1] != level:
        steps[today] = level  # a level set outside the rules (none recorded)
    merged: list[tuple[date, int]] = []
    for day, value in steps.items():
        if not merged or merged[-1][1] != value:
            merged.append((day, value))
    return tuple(merged)


def starting_level(decisions: Iterable[Decision], *, start: date, today: date, level: int) -> int:
    """The level the runner had when day `start` began: after the last change before it,
    else before the first change from it on, else the level now."""
    changes = _level_changes(decisions, today)
    before = [c for c in changes if c.day < start]
    if before:
        return before[-1].to_level
    return changes[0].from_level if changes else level


def _level_changes(decisions: Iterable[Decision], today: date) -> list[Decision]:
    return sorted(
        (d for d in decisions if d.from_level != d.to_level and d.day <= today),
        key=lambda d: d.day,
    )


def streak(session_days: Iterable[date], today: date) -> int:
    """Consecutive days, up to today (or yesterday while none ended yet today), with an
    ended session of any routine."""
    days = set(session_days)
    day = today if today in days else today - _DAY
    count = 0
    while day in days:
        count += 1
        day -= _DAY
    return count


def first_day(
    ratings: Iterable[Rating], sessions: Iterable[SessionDay], today: date
) -> date | None:
    """The first day the picture shows: the first rating or session, at most SHOWN_DAYS
    back; None when there is nothing in those days."""
    earliest = today - timedelta(days=SHOWN_DAYS - 1)
    days = [r.day for r in ratings if r.kind in _SHOWN_KINDS] + [s.day for s in sessions]
    days = [d for d in days if earliest <= d <= today]
    return min(days) if days else None


# --- the report ------------------------------------------------------------------------


def build(
    *,
    today: date,
    level: int,
    ratings: Sequence[Rating],
    sessions: Sequence[SessionDay],
    decisions: Sequence[Decision],
    baselines: Baselines,
    flare_since: date | None,
    rules: Progression,
) -> Report:
    """Everything /progress shows, for the days from the first rating (or session) to today."""
    start = first_day(ratings, sessions, today) or today
    mornings = morning_ratings(r for r in ratings if r.day <= today)
    shown_mornings = tuple((d, s) for d, s in mornings.items() if d >= start)
    window = rules.baseline.trend_days
    steps = level_steps(decisions, start=start, today=today, level=level)
    flares = flare_periods(
        (d for d in decisions if d.day <= today), today=today, flare_since=flare_since
    )
    ended = tuple(sorted((s for s in sessions if start <= s.day <= today), key=lambda s: s.day))
    return Report(
        start=start,
        today=today,
        mornings=shown_mornings,
        weekly=weekly_means(mornings, shown_mornings[0][0], today, days=window)
        if shown_mornings
        else (),
        others=tuple(
            r
            for r in ratings
            if r.kind in (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN)
            and start <= r.day <= today
        ),
        sessions=ended,
        levels=steps,
        flares=tuple(Period(max(p.start, start), p.end) for p in flares if p.end >= start),
        baselines=baselines,
        measure=measure(mornings, today, baselines.b0, rules),
        headline=Headline(
            first=shown_mornings[0][1] if shown_mornings else None,
            last=shown_mornings[-1][1] if shown_mornings else None,
            days=(shown_mornings[-1][0] - shown_mornings[0][0]).days + 1 if shown_mornings else 0,
            level_from=starting_level(decisions, start=start, today=today, level=level),
            level_to=level,
        ),
        streak=streak((s.day for s in sessions), today),
        in_flare=flare_since is not None,
    )


def _window(mornings: Mapping[date, int], day: date, days: int) -> list[int]:
    first = day - timedelta(days=days - 1)
    return [score for d, score in mornings.items() if first <= d <= day]


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0 <= value <= 10 else None


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
