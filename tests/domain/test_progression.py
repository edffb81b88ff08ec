"""The progression rules (PROGRESSION.md R1-R9) at their boundaries, one rule at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.content import load_content
from bot.domain.enums import CheckinKind
from bot.domain.progression import (
    MESSAGE_KEYS,
    Checkin,
    Decision,
    History,
    LevelChange,
    SessionRecord,
    baseline,
    dose_nudge,
    evaluate_after_morning,
    evaluate_after_run,
    evaluate_after_session,
    flare_level,
    last_week_mean,
    morning_ratings,
    session_pain,
    session_settled,
    settled,
    streak,
    verdict,
    weekly_mean,
    zone,
)
from bot.domain.thresholds import Progression

RULES = load_content().progression
T0 = date(2026, 3, 2)  # a Monday; day n is T0 + n days


def with_rules(**sections: dict[str, Any]) -> Progression:
    """A copy of the real thresholds with some fields of some sections changed."""
    update: dict[str, Any] = {}
    for name, fields in sections.items():
        section = getattr(RULES, name)
        update[name] = section.model_copy(update=fields)
    return RULES.model_copy(update=update)


def day(n: int) -> date:
    return T0 + timedelta(days=n)


def at(n: int, hour: int = 7) -> datetime:
    return datetime.combine(day(n), time(hour), tzinfo=UTC)


def am(n: int, score: int) -> Checkin:
    return Checkin(day(n), score, CheckinKind.MORNING, at(n, 7))


def pain(n: int, score: int, session_id: int) -> Checkin:
    return Checkin(day(n), score, CheckinKind.AFTER_SESSION, at(n, 18), session_id)


def run(n: int, score: int) -> Checkin:
    return Checkin(day(n), score, CheckinKind.AFTER_RUN, at(n, 19))


def session(
    sid: int, n: int, level: int | None = 1, *, completed: bool = True, hurt: Iterable[int] = ()
) -> SessionRecord:
    return SessionRecord(sid, day(n), level, completed, frozenset(hurt))


def change(n: int, from_level: int, to_level: int, rule_id: str, hour: int = 7) -> LevelChange:
    return LevelChange(at(n, hour), day(n), from_level, to_level, rule_id)


def history(
    today: int,
    *,
    level: int = 1,
    checkins: Iterable[Checkin] = (),
    sessions: Iterable[SessionRecord] = (),
    changes: Iterable[LevelChange] = (),
    flare_since: int | None = None,
    onboarding: int = 3,
    max_level: int = 7,
) -> History:
    return History(
        onboarding_pain=onboarding,
        level=level,
        max_level=max_level,
        checkins=tuple(checkins),
        sessions=tuple(sessions),
        level_changes=tuple(changes),
        flare_since=None if flare_since is None else day(flare_since),
        today=day(today),
    )


def good_sessions(
    first_day: int,
    count: int,
    *,
    level: int,
    p: int = 2,
    morning: int = 3,
    first_id: int = 1,
    hurt: Iterable[int] = (),
) -> tuple[list[SessionRecord], list[Checkin]]:
    """`count` daily ladder sessions from `first_day`, each with P and its next morning."""
    sessions: list[SessionRecord] = []
    checkins: list[Checkin] = []
    for i in range(count):
        sid, n = first_id + i, first_day + i
        sessions.append(session(sid, n, level, hurt=hurt))
        checkins += [pain(n, p, sid), am(n + 1, morning)]
    return sessions, checkins


def ready_to_level_up(
    level: int = 3, *, first_day: int = 10, p: int = 2, morning: int = 3, **kwargs: Any
) -> History:
    """Three good sessions at `level` (days 10-12), today = day 13 (the third one's morning),
    last level change 10 days ago: every R3 condition holds unless a test breaks one."""
    sessions, checkins = good_sessions(first_day, 3, level=level, p=p, morning=morning)
    kwargs.setdefault(
        "changes", [change(first_day - 7, level - 1, level, "R3")] if level > 1 else []
    )
    extra_checkins = kwargs.pop("extra_checkins", [])
    extra_sessions = kwargs.pop("extra_sessions", [])
    return history(
        first_day + 3,
        level=level,
        checkins=[*extra_checkins, *checkins],
        sessions=[*extra_sessions, *sessions],
        **kwargs,
    )


def only(decisions: list[Decision]) -> Decision:
    assert len(decisions) == 1, decisions
    return decisions[0]


def morning_decision(h: History, rules: Progression = RULES) -> Decision:
    """The single decision the morning already in `h` for today produces."""
    return only(evaluate_after_morning(h, morning_ratings(h)[h.today], rules))


# --- R1, R2 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "green"), (2, "green"), (3, "amber"), (5, "amber"), (6, "red"), (10, "red")],
)
def test_zones(score: int, expected: str) -> None:
    assert zone(score, RULES) == expected


@pytest.mark.parametrize("score", [-1, 11])
def test_zone_rejects_scores_outside_the_scale(score: int) -> None:
    with pytest.raises(ValueError, match="outside 0-10"):
        zone(score, RULES)


def test_zones_follow_the_content_file() -> None:
    assert zone(3, with_rules(zones={"green_max": 3, "amber_max": 6})) == "green"


@pytest.mark.parametrize(
    ("morning", "b", "expected"),
    [(4, 3.0, True), (5, 3.0, False), (3, 2.5, True), (4, 2.5, False), (0, 0.0, True)],
)
def test_settled_is_am_at_most_b_plus_margin(morning: int, b: float, expected: bool) -> None:
    assert settled(morning, b, RULES) is expected


# --- B and W -----------------------------------------------------------------------


def test_baseline_is_the_onboarding_rating_until_seven_mornings() -> None:
    six = [am(n, s) for n, s in zip(range(1, 7), [5, 1, 2, 6, 3, 4], strict=True)]
    assert baseline(history(6, checkins=six, onboarding=7), RULES) == 7.0
    seven = [*six, am(7, 0)]
    h = history(7, checkins=seven, onboarding=7)
    assert baseline(h, RULES) == 3.0  # median of 5 1 2 6 3 4 0
    assert baseline(h, RULES, on=day(6)) == 7.0  # the day before B was set


def test_baseline_median_of_an_even_count() -> None:
    rules = with_rules(baseline={"first_mornings": 4})
    h = history(4, checkins=[am(1, 1), am(2, 2), am(3, 3), am(4, 5)])
    assert baseline(h, rules) == 2.5


def test_baseline_uses_the_first_mornings_even_with_gaps_and_later_ones() -> None:
    days = [1, 3, 4, 8, 9, 12, 13]  # the 7th morning is day 13
    mornings = [am(n, 4) for n in days] + [am(14, 9), am(15, 9)]
    h = history(15, checkins=mornings, onboarding=1)
    assert baseline(h, RULES) == 4.0
    assert baseline(h, RULES, on=day(12)) == 1.0


def test_baseline_is_recomputed_every_four_weeks_from_the_first() -> None:
    # B first set on day 7 (median 3); days 8.. rate 1, and the recompute day itself 9.
    mornings = [am(n, 3) for n in range(1, 8)] + [am(n, 1) for n in range(8, 70)]
    mornings = [m if m.local_date != day(35) else am(35, 9) for m in mornings]
    h = history(69, checkins=mornings, onboarding=6)
    assert baseline(h, RULES, on=day(34)) == 3.0  # 27 days after day 7
    assert baseline(h, RULES, on=day(35)) == 1.0  # 28 days: the 7 mornings before day 35
    assert baseline(h, RULES, on=day(62)) == 1.0  # days 55-61, the 9 of day 35 long gone
    partly = [m for m in mornings if m.local_date <= day(31)]  # the last 7 before 35: 25-31
    partly += [am(32, 5), am(33, 5), am(34, 5), am(35, 5)]
    assert baseline(history(35, checkins=partly), RULES) == 1.0
    h2 = history(35, checkins=[*partly[:-5], am(30, 5), am(31, 5), *partly[-4:]])
    assert baseline(h2, RULES) == 5.0  # days 28-34: 1 1 5 5 5 5 5


def test_baseline_recompute_period_follows_the_content_file() -> None:
    rules = with_rules(baseline={"recompute_days": 7})
    mornings = [am(n, 3) for n in range(1, 8)] + [am(n, 1) for n in range(8, 15)]
    assert baseline(history(13, checkins=mornings), rules) == 3.0
    assert baseline(history(14, checkins=mornings), rules) == 1.0


def test_the_latest_morning_rating_of_a_day_wins_and_future_ones_are_ignored() -> None:
    late = Checkin(day(1), 6, CheckinKind.MORNING, at(1, 9))
    h = history(1, checkins=[am(1, 2), late, am(2, 9)])
    assert morning_ratings(h) == {day(1): 6}


def test_weekly_mean_covers_the_seven_days_ending_at_end() -> None:
    mornings = [am(0, 9), am(1, 2), am(4, 3), am(7, 4), am(8, 9)]
    h = history(8, checkins=mornings)
    assert weekly_mean(h, RULES, end=day(7)) == 3.0  # days 1..7; day 0 is outside
    assert weekly_mean(h, RULES, end=day(0)) == 9.0
    assert weekly_mean(h, RULES, end=day(-1)) is None
    assert last_week_mean(h, RULES) == 5.5  # days -6..1


def test_weekly_mean_ignores_other_check_ins() -> None:
    h = history(3, checkins=[am(3, 2), pain(3, 8, 1), run(3, 8)])
    assert weekly_mean(h, RULES, end=day(3)) == 2.0


def test_session_settled_is_about_the_next_morning() -> None:
    s = session(1, 5)
    assert session_settled(history(5, sessions=[s]), s, RULES) is None
    assert session_settled(history(6, sessions=[s], checkins=[am(6, 4)]), s, RULES) is True
    assert session_settled(history(6, sessions=[s], checkins=[am(6, 5)]), s, RULES) is False
    later = history(7, sessions=[s], checkins=[am(5, 1), am(7, 1)])
    assert session_settled(later, s, RULES) is None


def test_session_pain_is_the_latest_after_session_rating() -> None:
    again = Checkin(day(1), 4, CheckinKind.AFTER_SESSION, at(1, 20), 1)
    h = history(1, checkins=[pain(1, 6, 1), again, pain(1, 9, 2)])
    assert session_pain(h, 1) == 4
    assert session_pain(h, 3) is None


# --- evaluate_after_session: R5 and R6 ---------------------------------------------


@pytest.mark.parametrize(
    ("p", "kind", "rule_id", "to_level"),
    [
        (5, None, None, None),
        (6, "level_down", "R5", 2),
        (7, "flare_on", "R6", 3),
        (10, "flare_on", "R6", 3),
    ],
)
def test_after_session_boundaries(
    p: int, kind: str | None, rule_id: str | None, to_level: int | None
) -> None:
    h = history(4, level=3, sessions=[session(1, 4, 3)], checkins=[pain(4, p, 1)])
    decisions = evaluate_after_session(h, 1, p, RULES)
    if kind is None:
        assert decisions == []
        return
    d = only(decisions)
    assert (d.kind, d.rule_id, d.from_level, d.to_level) == (kind, rule_id, 3, to_level)
    assert d.numbers["p"] == p


def test_r5_carries_its_numbers_and_the_hold() -> None:
    h = history(4, level=3, sessions=[session(1, 4, 3)])
    d = only(evaluate_after_session(h, 1, 6, RULES))
    assert dict(d.numbers) == {"p": 6, "threshold": 5, "hold_sessions": 3}
    assert d.message_key == "decision_level_down_pain"
    assert d.fields["level"] == "2"
    assert d.fields["hold_sessions"] == "3"


def test_r6_tells_the_capped_session_level() -> None:
    d = only(evaluate_after_session(history(4, level=5, sessions=[session(1, 4, 5)]), 1, 8, RULES))
    assert d.message_key == "decision_flare_on_pain"
    assert d.numbers == {"p": 8, "threshold": 7, "max_level": 2, "session_level": 2}


def test_r5_at_level_one_stays_at_one() -> None:
    d = only(evaluate_after_session(history(4, sessions=[session(1, 4, 1)]), 1, 6, RULES))
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R5", "repeat", 1, 1)
    assert d.message_key == "decision_stay_first_pain"


def test_r5_is_for_the_ladder_only_but_r6_is_for_any_routine() -> None:
    h = history(4, level=3, sessions=[session(1, 4, None)])
    assert evaluate_after_session(h, 1, 6, RULES) == []
    assert only(evaluate_after_session(h, 1, 7, RULES)).kind == "flare_on"


def test_high_pain_while_in_flare_takes_the_level_down_instead() -> None:
    h = history(4, level=3, sessions=[session(1, 4, 2)], flare_since=2)
    d = only(evaluate_after_session(h, 1, 8, RULES))
    assert (d.rule_id, d.kind, d.to_level) == ("R5", "level_down", 2)


def test_r5_and_r6_thresholds_follow_the_content_file() -> None:
    rules = with_rules(level_down={"pain_above": 6}, flare={"pain_at_least": 9})
    h = history(4, level=3, sessions=[session(1, 4, 3)])
    assert evaluate_after_session(h, 1, 6, rules) == []
    assert only(evaluate_after_session(h, 1, 8, rules)).kind == "level_down"


def test_after_session_rejects_unknown_sessions_and_bad_scores() -> None:
    h = history(4, sessions=[session(1, 4)])
    with pytest.raises(ValueError, match="no session 2"):
        evaluate_after_session(h, 2, 3, RULES)
    with pytest.raises(ValueError, match="outside"):
        evaluate_after_session(h, 1, 11, RULES)


# --- evaluate_after_morning: R5 and R6 via mornings --------------------------------


@pytest.mark.parametrize(("morning", "down"), [(4, False), (5, True)])
def test_r5_when_the_morning_after_is_not_settled(morning: int, down: bool) -> None:
    # B = 3 (onboarding): AM 4 = B+1 settled, AM 5 = B+2 not.
    h = history(5, level=3, sessions=[session(1, 4, 3)], checkins=[pain(4, 2, 1), am(5, morning)])
    decisions = evaluate_after_morning(h, morning, RULES)
    if not down:
        assert decisions == []
        return
    d = only(decisions)
    assert (d.rule_id, d.kind, d.to_level) == ("R5", "level_down", 2)
    assert d.message_key == "decision_level_down_morning"
    assert dict(d.numbers) == {
        "am": 5,
        "b": 3.0,
        "margin": 1,
        "limit": 4.0,
        "p": 2,
        "hold_sessions": 3,
    }


def test_the_morning_after_needs_no_stored_rating_to_be_evaluated() -> None:
    h = history(5, level=3, sessions=[session(1, 4, 3)], checkins=[pain(4, 2, 1)])
    assert only(evaluate_after_morning(h, 5, RULES)).kind == "level_down"


def test_a_session_already_taken_down_by_its_p_is_not_taken_down_again() -> None:
    h = history(5, level=2, sessions=[session(1, 4, 3)], checkins=[pain(4, 6, 1), am(5, 5)])
    assert evaluate_after_morning(h, 5, RULES) == []


def test_an_unsettled_morning_without_a_ladder_session_yesterday_changes_nothing() -> None:
    two_days_ago = history(5, level=3, sessions=[session(1, 3, 3)], checkins=[am(5, 5)])
    assert evaluate_after_morning(two_days_ago, 5, RULES) == []
    other_routine = history(5, level=3, sessions=[session(1, 4, None)], checkins=[am(5, 5)])
    assert evaluate_after_morning(other_routine, 5, RULES) == []
    not_ended = history(5, level=3, sessions=[session(1, 4, 3, completed=False)])
    assert evaluate_after_morning(not_ended, 5, RULES) == []


def test_r5_by_morning_at_level_one() -> None:
    h = history(5, sessions=[session(1, 4, 1)], checkins=[pain(4, 2, 1), am(5, 5)])
    d = morning_decision(h)
    assert (d.rule_id, d.kind, d.to_level, d.message_key) == (
        "R5",
        "repeat",
        1,
        "decision_stay_first_morning",
    )


@pytest.mark.parametrize(
    ("yesterday", "today", "flare"),
    [(5, 5, True), (4, 5, False), (5, 4, False), (9, 6, True), (None, 5, False)],
)
def test_r6_two_mornings_in_a_row_at_b_plus_two(
    yesterday: int | None, today: int, flare: bool
) -> None:
    checkins = [am(5, today)] if yesterday is None else [am(4, yesterday), am(5, today)]
    h = history(5, level=3, checkins=checkins)
    kinds = [d.kind for d in evaluate_after_morning(h, today, RULES)]
    assert ("flare_on" in kinds) is flare


def test_r6_by_mornings_replaces_the_level_decision() -> None:
    h = history(
        5, level=3, sessions=[session(1, 4, 3)], checkins=[am(4, 5), pain(4, 2, 1), am(5, 5)]
    )
    d = morning_decision(h)
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R6", "flare_on", 3, 3)
    assert d.message_key == "decision_flare_on_morning"
    assert d.numbers["rise"] == 2
    assert d.numbers["days"] == 2
    assert d.numbers["session_level"] == 2


def test_r6b_waits_a_morning_after_flare_mode_starts() -> None:
    h = history(5, level=3, checkins=[am(4, 5), am(5, 5)])
    assert [d.kind for d in evaluate_after_morning(h, 5, RULES)] == ["flare_on"]
    next_day = history(6, level=3, checkins=[am(4, 5), am(5, 5), am(6, 5)], flare_since=5)
    d = only(evaluate_after_morning(next_day, 5, RULES))
    assert (d.rule_id, d.message_key) == ("R6b", "decision_clinician_trend")
    assert d.numbers == {"w": 5.0, "b": 3.0, "rise": 2, "mornings": 3}


def test_r6_needs_consecutive_days() -> None:
    h = history(5, level=3, checkins=[am(3, 5), am(5, 5)])
    assert all(d.kind != "flare_on" for d in evaluate_after_morning(h, 5, RULES))


def test_r6_days_in_a_row_follow_the_content_file() -> None:
    rules = with_rules(flare={"morning_rise_days": 3})
    h = history(5, level=3, checkins=[am(4, 5), am(5, 5)])
    assert evaluate_after_morning(h, 5, rules) == []
    h3 = history(5, level=3, checkins=[am(3, 5), am(4, 5), am(5, 5)])
    assert only(evaluate_after_morning(h3, 5, rules)).kind == "flare_on"


def test_no_second_flare_on_while_in_flare() -> None:
    h = history(5, level=3, checkins=[am(4, 5), am(5, 5)], flare_since=4)
    assert all(d.kind != "flare_on" for d in evaluate_after_morning(h, 5, RULES))


# --- flare off and R6b ---------------------------------------------------------------


def flare_history(
    today: int, mornings: dict[int, int], *, last_p: int | None = 3, since: int = 10
) -> History:
    checkins = [am(n, s) for n, s in mornings.items()]
    sessions = []
    if last_p is not None:
        sessions.append(session(1, today - 1, 2))
        checkins.append(pain(today - 1, last_p, 1))
    return history(today, level=3, checkins=checkins, sessions=sessions, flare_since=since)


@pytest.mark.parametrize(
    ("mornings", "last_p", "off"),
    [
        ({11: 3, 12: 4}, 3, True),  # two settled mornings after the start, last P 3
        ({11: 3, 12: 4}, 6, True),
        ({11: 3, 12: 4}, 7, False),  # the last P is still at the flare threshold
        ({11: 5, 12: 4}, 3, False),  # day 11 not settled
        ({12: 4}, 3, False),  # only one morning
        ({10: 3, 11: 3, 12: 3}, None, True),  # no P at all
    ],
)
def test_flare_off(mornings: dict[int, int], last_p: int | None, off: bool) -> None:
    h = flare_history(12, mornings, last_p=last_p)
    kinds = [d.kind for d in evaluate_after_morning(h, mornings[12], RULES)]
    assert ("flare_off" in kinds) is off


def test_flare_off_counts_only_mornings_after_the_start() -> None:
    h = flare_history(11, {10: 3, 11: 3})
    assert all(d.kind != "flare_off" for d in evaluate_after_morning(h, 3, RULES))


def test_flare_off_decision() -> None:
    h = flare_history(12, {11: 3, 12: 4}, last_p=3)
    d = evaluate_after_morning(h, 4, RULES)[0]
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R6", "flare_off", 3, 3)
    assert d.numbers["last_p"] == 3
    assert d.numbers["flare_days"] == 2
    assert d.fields["level"] == "3"


def test_in_flare_only_r5_flare_off_and_r6b_apply() -> None:
    # Three good sessions at the stored level would level up, but not in flare.
    h = ready_to_level_up(3, flare_since=5)
    decisions = evaluate_after_morning(h, 3, RULES)
    assert [d.kind for d in decisions] == ["flare_off"]
    amber = ready_to_level_up(3, p=4, flare_since=12)
    assert evaluate_after_morning(amber, 3, RULES) == []


@pytest.mark.parametrize(("days", "fires"), [(7, False), (8, True)])
def test_r6b_after_more_than_seven_days_in_flare(days: int, fires: bool) -> None:
    h = history(20, level=3, checkins=[am(20, 5)], flare_since=20 - days)
    decisions = evaluate_after_morning(h, 5, RULES)
    assert [d.rule_id for d in decisions] == (["R6b"] if fires else [])
    if fires:
        assert decisions[0].kind == "clinician"
        assert decisions[0].message_key == "decision_clinician_flare"
        assert decisions[0].numbers == {"flare_days": 8, "after_days": 7}


def test_r6b_is_muted_for_a_week_once_recorded() -> None:
    recorded = change(15, 3, 3, "R6b")
    h = history(20, level=3, checkins=[am(20, 5)], flare_since=5, changes=[recorded])
    assert evaluate_after_morning(h, 5, RULES) == []
    h2 = history(22, level=3, checkins=[am(22, 5)], flare_since=5, changes=[recorded])
    assert [d.rule_id for d in evaluate_after_morning(h2, 5, RULES)] == ["R6b"]


@pytest.mark.parametrize(
    ("mornings", "fires"),
    [
        ([5, 5], True),  # W 5 = B 3 + 2, two mornings
        ([4, 6], True),
        ([5], False),  # one morning is not a weekly trend
        ([4, 5], False),  # W 4.5
    ],
)
def test_r6b_when_the_week_is_two_points_above_b(mornings: list[int], fires: bool) -> None:
    checkins = [am(20 - 2 * i, s) for i, s in enumerate(reversed(mornings))]
    h = history(20, level=3, checkins=checkins)
    decisions = evaluate_after_morning(h, mornings[-1], RULES)
    clinician = [d for d in decisions if d.rule_id == "R6b"]
    assert bool(clinician) is fires
    if fires:
        assert clinician[0].message_key == "decision_clinician_trend"
        assert clinician[0].numbers["b"] == 3.0


# --- R4 and R3 -----------------------------------------------------------------------


@pytest.mark.parametrize(("p", "expected"), [(2, None), (3, "R4"), (5, "R4")])
def test_r4_amber_and_settled_repeats(p: int, expected: str | None) -> None:
    h = history(5, level=2, sessions=[session(1, 4, 2)], checkins=[pain(4, p, 1), am(5, 4)])
    decisions = evaluate_after_morning(h, 4, RULES)
    if expected is None:
        assert decisions == []
        return
    d = only(decisions)
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R4", "repeat", 2, 2)
    assert d.message_key == "decision_repeat_amber"
    assert d.numbers["p"] == p


def test_r3_levels_up_after_three_easy_settled_sessions() -> None:
    d = morning_decision(ready_to_level_up(3))
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R3", "level_up", 3, 4)
    assert d.message_key == "decision_level_up"
    assert d.numbers["sessions"] == 3
    assert d.numbers["p_max"] == 2
    assert d.numbers["days_since_change"] == 10
    assert d.fields["level"] == "4"


@pytest.mark.parametrize("p", [4, 5])
def test_r3_wins_over_r4_for_amber_settled_sessions(p: int) -> None:
    assert morning_decision(ready_to_level_up(3, p=p)).kind == "level_up"


def test_r3_needs_three_sessions_at_this_level() -> None:
    sessions, checkins = good_sessions(10, 3, level=3)
    sessions[0] = session(1, 10, 2)
    h = history(13, level=3, sessions=sessions, checkins=checkins)
    assert evaluate_after_morning(h, 3, RULES) == []


def test_r3_needs_every_p_known_and_every_morning_settled() -> None:
    sessions, checkins = good_sessions(10, 3, level=3)
    no_p = [c for c in checkins if c != pain(11, 2, 2)]
    assert (
        evaluate_after_morning(history(13, level=3, sessions=sessions, checkins=no_p), 3, RULES)
        == []
    )
    no_morning = [c for c in checkins if c != am(12, 3)]
    h = history(13, level=3, sessions=sessions, checkins=no_morning)
    assert evaluate_after_morning(h, 3, RULES) == []


def test_r3_counts_only_ended_ladder_sessions() -> None:
    sessions, checkins = good_sessions(10, 3, level=3)
    extra = [session(9, 12, None), session(8, 12, 3, completed=False)]
    h = history(13, level=3, sessions=[*sessions[:2], *extra, sessions[2]], checkins=checkins)
    assert morning_decision(h).kind == "level_up"


def test_r3_sessions_in_a_row_follow_the_content_file() -> None:
    rules = with_rules(level_up={"sessions_in_a_row": 4})
    assert evaluate_after_morning(ready_to_level_up(3), 3, rules) == []


@pytest.mark.parametrize(("days_ago", "kind"), [(6, "repeat"), (7, "level_up")])
def test_at_most_one_level_change_per_seven_days(days_ago: int, kind: str) -> None:
    h = ready_to_level_up(3, changes=[change(13 - days_ago, 2, 3, "R3")])
    d = morning_decision(h)
    assert d.kind == kind
    if kind == "repeat":
        assert (d.rule_id, d.message_key) == ("R3", "decision_wait_days")
        assert d.numbers["next_date"] == day(14).isoformat()
        assert d.numbers["days_since_change"] == 6


def test_the_seven_day_cap_counts_downs_but_not_recorded_decisions() -> None:
    down = ready_to_level_up(3, changes=[change(8, 4, 3, "R5")])
    assert morning_decision(down).message_key == "decision_wait_days"
    recorded = ready_to_level_up(3, changes=[change(3, 2, 3, "R3"), change(12, 3, 3, "R4")])
    assert morning_decision(recorded).kind == "level_up"


def test_the_cap_follows_the_content_file() -> None:
    h = ready_to_level_up(3, changes=[change(11, 2, 3, "R3")])
    assert morning_decision(h, with_rules(level_up={"min_days_between": 2})).kind == "level_up"


@pytest.mark.parametrize(("sessions_since", "kind"), [(2, "repeat"), (3, "level_up")])
def test_the_hold_after_a_level_down(sessions_since: int, kind: str) -> None:
    # Two sessions in a row are enough for R3 here, so only the hold of 3 can stop it.
    rules = with_rules(level_up={"sessions_in_a_row": 2})
    sessions, checkins = good_sessions(20 - sessions_since, sessions_since, level=3)
    h = history(20, level=3, sessions=sessions, checkins=checkins, changes=[change(2, 4, 3, "R5")])
    d = morning_decision(h, rules)
    assert d.kind == kind
    if kind == "repeat":
        assert (d.rule_id, d.message_key) == ("R5", "decision_wait_hold")
        assert d.numbers["remaining"] == 1


def test_the_hold_counts_sessions_after_the_down_on_the_same_day() -> None:
    rules = with_rules(
        level_up={"sessions_in_a_row": 2, "min_days_between": 0}, level_down={"hold_sessions": 2}
    )
    sessions, checkins = good_sessions(10, 2, level=3)
    morning_down = change(10, 4, 3, "R5", hour=7)  # the P of day 10's session is at 18:00
    h = history(12, level=3, sessions=sessions, checkins=checkins, changes=[morning_down])
    assert morning_decision(h, rules).kind == "level_up"
    evening_down = change(10, 4, 3, "R5", hour=18)  # that session's own P took it down
    h = history(12, level=3, sessions=sessions, checkins=checkins, changes=[evening_down])
    assert morning_decision(h, rules).message_key == "decision_wait_hold"


def test_a_level_change_after_the_down_ends_the_hold() -> None:
    rules = with_rules(level_up={"sessions_in_a_row": 2})
    sessions, checkins = good_sessions(18, 2, level=3)
    down = [change(2, 4, 3, "R5")]
    h = history(20, level=3, sessions=sessions, checkins=checkins, changes=down)
    assert morning_decision(h, rules).message_key == "decision_wait_hold"
    down_twice = [*down, change(3, 3, 2, "R5"), change(10, 2, 3, "R3")]
    h = history(20, level=3, sessions=sessions, checkins=checkins, changes=down_twice)
    assert morning_decision(h, rules).kind == "level_up"


@pytest.mark.parametrize(
    ("run_day", "run_p", "blocks"),
    [(12, 6, True), (7, 6, True), (6, 6, False), (12, 5, False), (13, 6, True)],
)
def test_r7_a_hard_run_blocks_level_ups_for_a_week(run_day: int, run_p: int, blocks: bool) -> None:
    d = morning_decision(ready_to_level_up(3, extra_checkins=[run(run_day, run_p)]))
    if blocks:
        assert (d.rule_id, d.kind, d.message_key) == ("R7", "repeat", "decision_wait_run")
        assert d.numbers["run_date"] == day(run_day).isoformat()
        assert d.numbers["level_up_from"] == day(run_day + 7).isoformat()
    else:
        assert d.kind == "level_up"


def test_r7_a_run_with_an_unsettled_morning_blocks_level_ups() -> None:
    # A run on day 8 with a bad morning after it (day 9); no session on day 8.
    after = ready_to_level_up(3, extra_checkins=[run(8, 2), am(9, 5)])
    assert morning_decision(after).rule_id == "R7"
    # A run on day 8 that followed a bad morning the same day.
    before = ready_to_level_up(3, extra_checkins=[am(8, 5), run(8, 2)])
    assert morning_decision(before).numbers["am_date"] == day(8).isoformat()
    fine = ready_to_level_up(3, extra_checkins=[am(8, 4), run(8, 2), am(9, 4)])
    assert morning_decision(fine).kind == "level_up"


@pytest.mark.parametrize(
    ("last_week", "kind"),
    [([], "level_up"), ([3, 3, 3], "level_up"), ([4, 4], "level_up"), ([2, 2, 2], "repeat")],
)
def test_r3_w_not_above_last_week(last_week: list[int], kind: str) -> None:
    # This week (days 7-13) the mornings of days 11-13 are 3: W = 3.
    earlier = [am(5 - i, s) for i, s in enumerate(last_week)]  # days 5, 4, 3
    d = morning_decision(ready_to_level_up(3, extra_checkins=earlier))
    assert d.kind == kind
    if kind == "repeat":
        assert (d.rule_id, d.message_key) == ("R3", "decision_wait_trend")
        assert d.numbers == {"sessions": 3, "w": 3.0, "w_last": 2.0}


@pytest.mark.parametrize(("score", "kind"), [(6, "level_up"), (7, "repeat")])
def test_gate_pain_in_the_last_seven_days(score: int, kind: str) -> None:
    ad_hoc = Checkin(day(8), score, CheckinKind.AD_HOC, at(8, 12))
    d = morning_decision(ready_to_level_up(3, extra_checkins=[ad_hoc]))
    assert d.kind == kind
    if kind == "repeat":
        assert (d.rule_id, d.message_key) == ("gate4", "decision_gate_pain")
        assert d.numbers["highest"] == 7
        assert d.numbers["threshold"] == 7


@pytest.mark.parametrize(("n", "kind"), [(6, "level_up"), (7, "repeat")])
def test_gate_pain_window_edge(n: int, kind: str) -> None:
    # today is day 13: a 7 on day 6 is 7 days ago (outside), day 7 is inside.
    ad_hoc = Checkin(day(n), 7, CheckinKind.AD_HOC, at(n, 12))
    assert morning_decision(ready_to_level_up(3, extra_checkins=[ad_hoc])).kind == kind


@pytest.mark.parametrize(("sessions_ago", "kind"), [(1, "repeat"), (3, "repeat"), (4, "level_up")])
def test_gate_step_three_comfortable_in_the_last_three_sessions(
    sessions_ago: int, kind: str
) -> None:
    sessions, checkins = good_sessions(9, 4, level=3)
    hurt_index = len(sessions) - sessions_ago
    s = sessions[hurt_index]
    sessions[hurt_index] = SessionRecord(s.id, s.local_date, s.level, True, frozenset({3}))
    h = history(13, level=3, sessions=sessions, checkins=checkins, changes=[change(1, 2, 3, "R3")])
    d = morning_decision(h)
    assert d.kind == kind
    if kind == "repeat":
        assert (d.rule_id, d.message_key) == ("gate4", "decision_gate_step")
        assert d.numbers["step"] == 3


def test_the_gate_guards_only_its_own_level() -> None:
    hurt = ready_to_level_up(4, extra_checkins=[Checkin(day(12), 8, CheckinKind.AD_HOC, at(12, 9))])
    assert morning_decision(hurt).kind == "level_up"
    rules = with_rules(gates={"level": 5})
    gated = ready_to_level_up(
        4, extra_checkins=[Checkin(day(12), 8, CheckinKind.AD_HOC, at(12, 9))]
    )
    assert morning_decision(gated, rules).rule_id == "gate5"


def test_never_above_the_top_level() -> None:
    d = morning_decision(ready_to_level_up(7))
    assert (d.rule_id, d.kind, d.from_level, d.to_level) == ("R3", "repeat", 7, 7)
    assert d.message_key == "decision_wait_top"
    short = ready_to_level_up(3, max_level=3)
    assert morning_decision(short).to_level == 3


def test_a_level_outside_the_ladder_is_clamped() -> None:
    h = history(4, level=9, sessions=[session(1, 4, 7)])
    assert only(evaluate_after_session(h, 1, 6, RULES)).to_level == 6
    h0 = history(4, level=0, sessions=[session(1, 4, 1)])
    assert only(evaluate_after_session(h0, 1, 6, RULES)).to_level == 1


@pytest.mark.parametrize(("level", "capped"), [(1, 1), (2, 2), (3, 2), (7, 2), (0, 1)])
def test_flare_level_caps_at_two(level: int, capped: int) -> None:
    assert flare_level(level, RULES) == capped


def test_flare_level_follows_the_content_file() -> None:
    assert flare_level(5, with_rules(flare={"max_level": 3})) == 3


# --- R7 after a run -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "morning", "kinds", "key"),
    [
        (5, 4, ["run_keep"], "decision_run_keep"),
        (6, 4, ["run_easier"], "decision_run_easier_pain"),
        (5, 5, ["run_easier"], "decision_run_easier_morning"),
        (2, None, ["run_keep"], "decision_run_keep"),
        (7, 3, ["flare_on", "run_easier"], "decision_run_easier_pain"),
    ],
)
def test_r7_after_a_run(p: int, morning: int | None, kinds: list[str], key: str) -> None:
    checkins = [] if morning is None else [am(5, morning)]
    h = history(5, level=3, checkins=[*checkins, run(5, p)])
    decisions = evaluate_after_run(h, p, RULES)
    assert [d.kind for d in decisions] == kinds
    last = decisions[-1]
    assert (last.rule_id, last.message_key, last.to_level) == ("R7", key, 3)
    assert last.numbers["p"] == p
    if last.kind == "run_easier":
        assert last.numbers["level_up_from"] == day(12).isoformat()


def test_r7_uses_the_latest_morning() -> None:
    h = history(5, checkins=[am(3, 9), am(4, 3)])
    assert only(evaluate_after_run(h, 3, RULES)).kind == "run_keep"


# --- R8 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "nudge"), [(2, True), (3, False)])
def test_r8_nudge_below_three_sessions_in_seven_days(count: int, nudge: bool) -> None:
    sessions = [session(i, 10 - 2 * i, None if i % 2 else 3) for i in range(count)]
    sessions.append(session(99, 3))  # 7 days before day 10: outside the window
    sessions.append(session(98, 9, completed=False))
    d = dose_nudge(history(10, level=3, sessions=sessions), RULES)
    if not nudge:
        assert d is None
        return
    assert d is not None
    assert (d.rule_id, d.kind, d.message_key) == ("R8", "nudge", "decision_nudge")
    assert dict(d.numbers) == {
        "sessions": 2,
        "target": 3,
        "window_days": 7,
        "seconds_per_stretch": 60,
    }


def test_r8_window_follows_the_content_file() -> None:
    rules = with_rules(dosing={"nudge_window_days": 14, "nudge_below_sessions": 1})
    assert dose_nudge(history(10, sessions=[session(1, 0)]), rules) is None


# --- R9 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "mornings", "expected"),
    [
        (5, [], "no_data"),
        (5, [0, 0, 0], "recovered"),
        (0, [0], "recovered"),
        (8, [6], "improved"),  # 2 points (30% would be 2.4)
        (8, [6, 7], "not_yet"),  # 1.5 points
        (5, [3, 4], "improved"),  # 1.5 = 30% of 5
        (5, [4, 4, 3], "not_yet"),  # 1.33
        (4, [3], "improved"),  # small baseline: 1 point
        (4, [3, 4], "not_yet"),  # 0.5
        (2, [1, 1, 2, 1, 2], "improved"),  # 0.6 = 30% of 2
        (2, [1, 2], "not_yet"),  # 0.5
        (3, [4], "not_yet"),  # worse
        (0, [1], "not_yet"),
    ],
)
def test_r9_verdict(b: int, mornings: list[int], expected: str) -> None:
    checkins = [am(10 - i, s) for i, s in enumerate(mornings)]
    assert verdict(history(10, checkins=checkins, onboarding=b), RULES) == expected


def test_r9_small_baseline_follows_the_content_file() -> None:
    h = history(10, checkins=[am(10, 3)], onboarding=4)
    assert verdict(h, RULES) == "improved"
    assert verdict(h, with_rules(improvement={"small_baseline_max": 3})) == "not_yet"


def test_r9_ignores_mornings_older_than_the_week() -> None:
    assert verdict(history(10, checkins=[am(3, 0)], onboarding=5), RULES) == "no_data"


# --- streak -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([], 0),
        ([10], 1),
        ([9], 1),
        ([8], 0),
        ([8, 9, 10], 3),
        ([7, 8, 9], 3),
        ([6, 8, 9, 10], 3),
        ([10, 10, 9], 2),
    ],
)
def test_streak(days: list[int], expected: int) -> None:
    sessions = [session(i, n, None if i % 2 else 1) for i, n in enumerate(days)]
    assert streak(history(10, sessions=sessions)) == expected


def test_streak_ignores_sessions_that_did_not_end() -> None:
    sessions = [session(1, 8), session(2, 9, completed=False), session(3, 10)]
    assert streak(history(10, sessions=sessions)) == 1


# --- every decision -----------------------------------------------------------------------


def test_decisions_carry_numbers_and_text_fields() -> None:
    samples = [
        *evaluate_after_session(history(4, level=3, sessions=[session(1, 4, 3)]), 1, 8, RULES),
        *evaluate_after_morning(ready_to_level_up(3), 3, RULES),
        *evaluate_after_run(history(5, checkins=[am(5, 6)]), 3, RULES),
    ]
    for d in samples:
        assert d.message_key in MESSAGE_KEYS
        assert d.numbers
        assert all(isinstance(v, str) for v in d.fields.values())
        assert d.fields["level"] == str(d.to_level)
        with pytest.raises(TypeError):
            d.numbers["p"] = 1  # type: ignore[index]
