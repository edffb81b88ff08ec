"""The /progress report at its boundaries: R9 against B0, W, the headline's numbers, flare
periods, the level over time and days without a rating."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from bot.content import load_content
from bot.domain.enums import CheckinKind
from bot.domain.report import (
    SHOWN_DAYS,
    Baselines,
    Decision,
    Period,
    Rating,
    Report,
    SessionDay,
    baselines,
    build,
    first_day,
    flare_periods,
    improved_at_most,
    level_steps,
    measure,
    morning_ratings,
    starting_level,
    streak,
    weekly_mean,
    weekly_means,
)
from bot.domain.thresholds import Progression

RULES = load_content().progression
TODAY = date(2026, 3, 30)


def day(n: int) -> date:
    """n days before TODAY."""
    return TODAY - timedelta(days=n)


def mornings(*scores: int, last: int = 0) -> dict[date, int]:
    """Consecutive mornings ending `last` days before today, oldest first."""
    return {day(last + len(scores) - 1 - i): s for i, s in enumerate(scores)}


def with_improvement(**fields: Any) -> Progression:
    return RULES.model_copy(update={"improvement": RULES.improvement.model_copy(update=fields)})


def am(n: int, score: int) -> Rating:
    return Rating(day(n), score, CheckinKind.MORNING)


def change(n: int, from_level: int, to_level: int, kind: str = "") -> Decision:
    kind = kind or ("level_up" if to_level > from_level else "level_down")
    return Decision(day(n), kind, from_level, to_level)


def flare(n: int, kind: str) -> Decision:
    return Decision(day(n), kind, 2, 2)


# --- R9 against B0 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b0", "scores", "expected"),
    [
        # B0 <= 4: one point down is enough (W <= B0 - 1)
        (4, [3, 3, 3], "improved"),
        (4, [3, 3, 4], "not_yet"),  # W 3.33
        (4, [4, 3, 2], "improved"),  # W 3
        (3.5, [3, 2, 2, 3], "improved"),  # W 2.5 = B0 - 1
        (1, [0, 0], "improved"),  # W 0 on two mornings: better, not yet recovered
        # B0 > 4: two points, or 70% of B0, whichever is reached first
        (5, [4, 4, 4], "not_yet"),  # one point is not enough above 4
        (5, [4, 3], "improved"),  # W 3.5 = 70% of 5
        (5, [4, 3, 4], "not_yet"),  # W 3.67
        (8, [6, 6], "improved"),  # W 6 = B0 - 2 (70% would be 5.6)
        (8, [6, 7], "not_yet"),  # W 6.5
        (10, [8, 8], "improved"),  # B0 - 2, although W is 80% of B0
        (4.5, [3, 3, 4, 3, 3, 3, 3], "improved"),  # W 3.14 <= 3.15 (70% of 4.5)
        (4.5, [3, 4, 3, 3, 3, 3, 4], "not_yet"),  # W 3.29: 1.21 down is not enough above 4
        # recovered: W of 0 over at least 3 mornings; it wins over improved
        (3, [0, 0, 0], "recovered"),
        (3, [0, 0], "improved"),
        (3, [1, 0, 0, 0], "improved"),
        (0, [0, 0, 0], "recovered"),
        (0, [0, 0], "out_of_reach"),  # from 0 only "recovered" can say better
        (0, [1], "out_of_reach"),
        (6, [7, 7, 8], "not_yet"),  # worse is "not yet" with the numbers shown
    ],
)
def test_verdict_against_b0(b0: float, scores: list[int], expected: str) -> None:
    found = measure(mornings(*scores), TODAY, b0, RULES)
    assert found.verdict == expected
    assert found.mornings == len(scores)
    assert found.w == pytest.approx(sum(scores) / len(scores))


def test_the_week_is_today_and_the_six_days_before() -> None:
    edge = {day(6): 0, day(7): 9}
    assert measure(edge, TODAY, 3, RULES).w == 0
    assert measure({day(7): 0}, TODAY, 3, RULES).verdict == "no_data"
    assert measure({day(7): 0}, TODAY, 3, RULES).w is None
    # three zeros, but the first one a day too early: two in the week
    assert measure({day(7): 0, day(3): 0, day(0): 0}, TODAY, 3, RULES).verdict == "improved"


def test_no_baseline_no_verdict() -> None:
    found = measure(mornings(1, 1, 1), TODAY, None, RULES)
    assert (found.verdict, found.w, found.target) == ("no_data", 1.0, None)


@pytest.mark.parametrize(
    ("b0", "target"),
    [(0, None), (0.5, None), (1, 0), (4, 3), (4.5, 3.15), (5, 3.5), (6, 4.2), (7, 5), (10, 8)],
)
def test_the_target_is_the_highest_w_that_counts(b0: float, target: float | None) -> None:
    found = improved_at_most(b0, RULES)
    assert found == (None if target is None else Fraction(target).limit_denominator(100))
    shown = measure(mornings(9), TODAY, b0, RULES)
    assert shown.target == (None if target is None else pytest.approx(target))


def test_verdict_thresholds_come_from_content() -> None:
    five = mornings(4, 4, 4)  # W 4 against B0 5
    assert measure(five, TODAY, 5, RULES).verdict == "not_yet"
    assert measure(five, TODAY, 5, with_improvement(points=1)).verdict == "improved"
    assert measure(five, TODAY, 5, with_improvement(percent=20)).verdict == "improved"
    assert measure(five, TODAY, 5, with_improvement(small_baseline_max=5)).verdict == "improved"
    four = mornings(3, 3, 3)  # W 3 against B0 4
    assert measure(four, TODAY, 4, with_improvement(small_baseline_points=2)).verdict == "not_yet"
    zeros = mornings(0, 0, 0)
    assert measure(zeros, TODAY, 3, with_improvement(recovered_mornings=4)).verdict == "improved"
    assert measure(zeros, TODAY, 3, with_improvement(recovered_mornings=4)).need == 4


# --- B0 and B from what the rules stored --------------------------------------------------


@pytest.mark.parametrize(
    ("memory", "onboarding", "expected"),
    [
        (None, 3, Baselines(3.0, 3.0, None)),
        ({}, 3, Baselines(3.0, 3.0, None)),
        ({"b0": 4.5, "b0_on": "2026-03-08"}, 3, Baselines(4.5, 4.5, None)),
        (
            {"b0": 5, "b0_on": "2026-03-08", "b": 3.5, "b_on": "2026-04-05"},
            3,
            Baselines(5.0, 3.5, date(2026, 4, 5)),
        ),
        ({"b0": "high", "b": None, "b_on": "someday"}, 2, Baselines(2.0, 2.0, None)),
        ({"b0": True, "b": float("nan")}, 6, Baselines(6.0, 6.0, None)),
        ({}, None, Baselines(None, None, None)),
    ],
)
def test_baselines_from_memory(
    memory: dict[str, Any] | None, onboarding: int | None, expected: Baselines
) -> None:
    assert baselines(memory, onboarding) == expected


# --- W and days without a rating ----------------------------------------------------------


def test_one_morning_a_day_the_last_given_wins() -> None:
    ratings = [am(2, 5), am(1, 4), am(2, 3), Rating(day(1), 9, CheckinKind.AFTER_SESSION)]
    assert morning_ratings(ratings) == {day(2): 3, day(1): 4}
    assert list(morning_ratings(ratings)) == [day(2), day(1)]  # in date order


def test_weekly_means_skip_days_with_no_morning_in_the_week() -> None:
    found = {day(20): 6, day(18): 4, day(3): 2}
    means = dict(weekly_means(found, day(20), TODAY))
    assert means[day(20)] == 6
    assert means[day(18)] == 5  # (6 + 4) / 2
    assert means[day(14)] == 5  # day 20 is still in the window (days 20..14)
    assert means[day(13)] == 4  # day 20 left it
    assert means[day(12)] == 4  # the last day day 18 counts
    assert day(11) not in means  # a week without a morning: no W, so the line breaks
    assert day(4) not in means
    assert means[day(3)] == 2
    assert means[TODAY] == 2
    assert weekly_mean(found, day(11)) is None
    assert weekly_mean(found, TODAY, days=4) == 2
    assert weekly_mean(found, TODAY, days=3) is None


def test_a_report_keeps_days_without_a_rating_empty() -> None:
    """The chart draws a line only between mornings on consecutive days; the report must
    not fill the days between (no carried-forward or interpolated ratings)."""
    report = build_report(ratings=[am(6, 5), am(4, 4), am(3, 3), am(0, 2)])
    assert report.mornings == ((day(6), 5), (day(4), 4), (day(3), 3), (day(0), 2))
    assert [d for d, _ in report.weekly] == [day(n) for n in range(6, -1, -1)]


# --- flare periods -----------------------------------------------------------------------


def test_flare_periods_from_on_to_off() -> None:
    decisions = [
        flare(20, "flare_on"),
        change(20, 3, 2),
        flare(17, "flare_off"),
        flare(10, "flare_on"),
        flare(9, "flare_on"),  # already on: not a second period
        flare(6, "flare_off"),
        flare(5, "flare_off"),  # not on: nothing to end
    ]
    assert flare_periods(decisions, today=TODAY, flare_since=None) == (
        Period(day(20), day(17)),
        Period(day(10), day(6)),
    )


def test_a_flare_still_on_runs_to_today() -> None:
    assert flare_periods([flare(4, "flare_on")], today=TODAY, flare_since=day(4)) == (
        Period(day(4), TODAY),
    )
    # no flare_off recorded (yet): to today, with or without users.flare_since
    assert flare_periods([flare(4, "flare_on")], today=TODAY, flare_since=None) == (
        Period(day(4), TODAY),
    )
    # in flare mode with no flare_on among the decisions: from the day it began
    assert flare_periods([], today=TODAY, flare_since=day(2)) == (Period(day(2), TODAY),)
    assert flare_periods([], today=TODAY, flare_since=None) == ()


def test_flare_periods_are_clipped_to_the_days_shown() -> None:
    report = build_report(
        ratings=[am(5, 6), am(0, 3)],
        decisions=[flare(9, "flare_on"), flare(3, "flare_off"), flare(1, "flare_on")],
    )
    assert report.start == day(5)
    assert report.flares == (Period(day(5), day(3)), Period(day(1), TODAY))
    old = build_report(
        ratings=[am(5, 6)], decisions=[flare(20, "flare_on"), flare(12, "flare_off")]
    )
    assert old.flares == ()


# --- the level over time ------------------------------------------------------------------


def test_level_steps_from_the_first_day_shown() -> None:
    decisions = [
        change(30, 1, 2),
        change(12, 2, 3),
        Decision(day(11), "repeat", 3, 3),  # changed no level
        change(5, 3, 2),
        change(2, 2, 3),
    ]
    assert level_steps(decisions, start=day(14), today=TODAY, level=3) == (
        (day(14), 2),
        (day(12), 3),
        (day(5), 2),
        (day(2), 3),
    )
    # no change before the first day shown: the first change's from_level
    assert level_steps(decisions[1:], start=day(14), today=TODAY, level=3)[0] == (day(14), 2)
    # no change at all: the level now
    assert level_steps([], start=day(14), today=TODAY, level=4) == ((day(14), 4),)
    assert starting_level(decisions, start=day(14), today=TODAY, level=3) == 2
    assert starting_level(decisions, start=day(40), today=TODAY, level=3) == 1
    assert starting_level(decisions[1:], start=day(14), today=TODAY, level=3) == 2
    assert starting_level([], start=day(14), today=TODAY, level=5) == 5


def test_a_level_set_outside_the_rules_shows_today() -> None:
    assert level_steps([change(5, 1, 2)], start=day(9), today=TODAY, level=4) == (
        (day(9), 1),
        (day(5), 2),
        (TODAY, 4),
    )


def test_two_changes_on_one_day_leave_the_last() -> None:
    steps = level_steps([change(3, 3, 2), change(3, 2, 1)], start=day(9), today=TODAY, level=1)
    assert steps == ((day(9), 3), (day(3), 1))


def test_a_change_on_the_first_day_shown_starts_the_headline_before_it() -> None:
    """A first session that hurt (P 7: down from 3 to 2 that day): 'level 3 -> 2'."""
    report = build_report(
        ratings=[Rating(day(4), 7, CheckinKind.AFTER_SESSION), am(3, 5)],
        decisions=[change(4, 3, 2)],
        level=2,
    )
    assert report.start == day(4)
    assert report.levels == ((day(4), 2),)
    assert (report.headline.level_from, report.headline.level_to) == (3, 2)


# --- the headline and the days shown -----------------------------------------------------


def test_headline_numbers_from_the_data() -> None:
    ratings = [am(20, 6), am(12, 5), am(1, 1), Rating(day(22), 4, CheckinKind.AFTER_SESSION)]
    report = build_report(ratings=ratings, decisions=[change(15, 1, 2), change(6, 2, 3)], level=3)
    head = report.headline
    assert (head.first, head.last, head.days) == (6, 1, 20)  # days 20..1, both counted
    assert (head.level_from, head.level_to) == (1, 3)
    assert report.start == day(22)  # the first rating of any shown kind


def test_headline_without_mornings() -> None:
    report = build_report(ratings=[Rating(day(2), 3, CheckinKind.AFTER_RUN)], level=2)
    head = report.headline
    assert (head.first, head.last, head.days, head.level_from, head.level_to) == (
        None,
        None,
        0,
        2,
        2,
    )
    assert report.weekly == ()
    assert report.has_data


def test_the_picture_starts_at_the_first_rating_and_caps_long_histories() -> None:
    ad_hoc = Rating(day(40), 7, CheckinKind.AD_HOC)  # not drawn, so it does not start it
    assert first_day([ad_hoc, am(9, 3)], [], TODAY) == day(9)
    assert first_day([am(9, 3)], [SessionDay(day(11), 1)], TODAY) == day(11)
    assert first_day([am(200, 3), am(30, 2)], [], TODAY) == day(30)
    assert first_day([am(SHOWN_DAYS, 3), am(SHOWN_DAYS - 1, 3)], [], TODAY) == day(SHOWN_DAYS - 1)
    assert first_day([am(SHOWN_DAYS, 3)], [], TODAY) is None
    assert first_day([], [], TODAY) is None


def test_a_long_history_shows_the_last_weeks_with_w_from_the_days_before() -> None:
    ratings = [am(n, 8 if n >= SHOWN_DAYS else 2) for n in range(SHOWN_DAYS + 30)]
    report = build_report(ratings=ratings)
    assert report.start == day(SHOWN_DAYS - 1)
    assert report.mornings[0] == (day(SHOWN_DAYS - 1), 2)
    assert report.headline.first == 2
    # W on the first day shown still reads the 6 days before it
    first_w_day, first_w = report.weekly[0]
    assert first_w_day == day(SHOWN_DAYS - 1)
    assert first_w == pytest.approx((8 * 6 + 2) / 7)


def test_a_report_with_nothing() -> None:
    report = build_report(ratings=[Rating(day(1), 5, CheckinKind.AD_HOC)])
    assert not report.has_data
    assert report.start == TODAY
    assert report.measure.verdict == "no_data"


def test_streak_counts_days_with_a_session_to_today_or_yesterday() -> None:
    assert streak([day(0), day(1), day(2), day(4)], TODAY) == 3
    assert streak([day(1), day(2)], TODAY) == 2
    assert streak([day(2)], TODAY) == 0
    assert streak([], TODAY) == 0


def test_report_measures_today_against_b0_not_b() -> None:
    report = build_report(
        ratings=[am(n, 3) for n in range(7)],
        memory={"b0": 5, "b0_on": "2026-02-01", "b": 3, "b_on": "2026-03-01"},
    )
    assert report.baselines == Baselines(5.0, 3.0, date(2026, 3, 1))
    assert report.measure.verdict == "improved"  # W 3 against B0 5, not against B 3
    assert report.measure.b0 == 5


def test_report_keeps_sessions_and_other_ratings_shown() -> None:
    report = build_report(
        ratings=[
            am(3, 4),
            Rating(day(3), 5, CheckinKind.AFTER_SESSION),
            Rating(day(2), 6, CheckinKind.AFTER_RUN),
            Rating(day(2), 8, CheckinKind.AD_HOC),
        ],
        sessions=[SessionDay(day(1), None), SessionDay(day(3), 2), SessionDay(day(0), 2)],
    )
    assert [r.kind for r in report.others] == [CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN]
    assert [s.day for s in report.sessions] == [day(3), day(1), day(0)]
    assert report.streak == 2


def build_report(
    *,
    ratings: Sequence[Rating] = (),
    sessions: Sequence[SessionDay] = (),
    decisions: Sequence[Decision] = (),
    level: int = 1,
    memory: dict[str, Any] | None = None,
    flare_since: date | None = None,
) -> Report:
    return build(
        today=TODAY,
        level=level,
        ratings=ratings,
        sessions=sessions,
        decisions=decisions,
        baselines=baselines(memory, 3),
        flare_since=flare_since,
        rules=RULES,
    )
