"""PROGRESSION.md version 2, rule by rule and at each combination point's boundaries.

The histories are written in the replay format (`bot.domain.replay`), which runs the same
`progression.decide` the bot calls, with the daily jobs at the end of each day."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.content import Content
from bot.domain import progression as rules
from bot.domain import replay

Row = tuple[int, str, str, int]  # day, rule, decision, stored level after it


def play(
    content: Content,
    events: list[Any],
    *,
    level: int = 1,
    pain: int = 3,
    until: int | None = None,
) -> list[replay.Line]:
    spec = replay.parse({"level": level, "onboarding_pain": pain, "events": events, "until": until})
    return replay.replay(spec, content.progression, max_level=len(content.ladder.steps))


def rows(lines: list[replay.Line], *skip: str) -> list[Row]:
    return [
        (line.day, line.decision.rule_id, line.decision.kind, line.decision.to_level)
        for line in lines
        if line.decision.kind not in skip
    ]


def kinds(lines: list[replay.Line]) -> list[str]:
    return [line.decision.kind for line in lines]


def easy_days(first: int, last: int, *, pain: int = 2, morning: int = 2) -> list[Any]:
    """A session every day from `first`, each followed by a morning rating."""
    events: list[dict[str, Any]] = []
    for day in range(first, last + 1):
        events.append({"day": day, "session": {"pain": pain}})
        events.append({"day": day + 1, "morning": morning})
    return events


# --- R1, R2, B, W ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "green"), (2, "green"), (3, "amber"), (5, "amber"), (6, "red"), (10, "red")],
)
def test_zones_at_their_edges(content: Content, score: int, expected: str) -> None:
    assert rules.zone(score, content.progression) == expected


def test_a_score_outside_the_scale_is_refused(content: Content) -> None:
    with pytest.raises(ValueError, match="outside 0-10"):
        rules.zone(11, content.progression)


# --- R5 with R6: a high P ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (5, []),
        (6, [(1, "R5", "level_down", 1)]),
        (7, [(1, "R6", "flare_on", 2), (1, "R5", "level_down", 1)]),
        (8, [(1, "R6", "flare_on", 2), (1, "R5", "level_down", 1)]),
    ],
)
def test_a_high_p_lowers_the_level_and_seven_or_more_starts_flare_mode(
    content: Content, p: int, expected: list[Row]
) -> None:
    lines = play(content, [{"day": 1, "session": {"pain": p}}], level=2)
    assert rows(lines) == expected


def test_after_p_eight_at_level_two_the_next_session_is_gentler_and_no_level_up_follows(
    content: Content,
) -> None:
    """Version 1 took nobody down for an 8/10 and levelled up four days later."""
    events: list[Any] = [*easy_days(1, 2), {"day": 3, "session": {"pain": 8}}]
    events += [{"day": 4, "morning": 3}, *easy_days(4, 10)]
    lines = play(content, events, level=2, pain=3)
    p8 = [line for line in lines if line.day == 3]
    assert [(d.decision.kind, d.decision.session_level) for d in p8] == [
        ("flare_on", 2),
        ("level_down", 1),
    ]
    assert p8[-1].decision.to_level == 1
    ups = [line.day for line in lines if line.decision.kind == "level_up"]
    assert ups
    assert min(ups) >= 3 + 7  # no level-up within a week of the level-down


def test_a_high_run_or_ad_hoc_rating_counts_like_a_session_p(content: Content) -> None:
    run = play(content, [{"day": 1, "run": {"pain": 7}}], level=3)
    assert rows(run) == [
        (1, "R6", "flare_on", 3),
        (1, "R5", "level_down", 2),
        (1, "R7", "run_walk", 2),
    ]
    adhoc = play(content, [{"day": 1, "checkin": 9}], level=3)
    assert rows(adhoc) == [(1, "R6", "flare_on", 3), (1, "R5", "level_down", 2)]
    six = play(content, [{"day": 1, "run": {"pain": 6}}, {"day": 1, "checkin": 6}], level=3)
    assert rows(six) == [(1, "R7", "run_ease", 3)]  # a run P of 6 lowers nothing


def test_at_level_one_r5_changes_nothing_and_says_so(content: Content) -> None:
    lines = play(content, [{"day": 1, "session": {"pain": 6}}])
    assert rows(lines) == [(1, "R5", "repeat", 1)]
    assert lines[0].decision.message_key == "decision_stay_first_pain"


def test_an_unsettled_morning_lowers_once_for_the_session_before_it(content: Content) -> None:
    # B = 3: a morning of 4 is settled, 5 is not.
    settled = play(content, [{"day": 1, "session": {"pain": 2}}, {"day": 2, "morning": 4}], level=3)
    assert "level_down" not in kinds(settled)
    lines = play(content, [{"day": 1, "session": {"pain": 2}}, {"day": 2, "morning": 5}], level=3)
    # (W = 5 >= B + 2 also asks for a clinician: R6b, tested below.)
    assert rows(lines, "clinician") == [(2, "R5", "level_down", 2)]


def test_a_session_is_never_counted_down_twice(content: Content) -> None:
    lines = play(content, [{"day": 1, "session": {"pain": 6}}, {"day": 2, "morning": 6}], level=4)
    assert [r for r in rows(lines) if r[2] == "level_down"] == [(1, "R5", "level_down", 3)]


def test_the_second_unsettled_morning_lowers_again_only_after_a_session_between(
    content: Content,
) -> None:
    between = [
        {"day": 1, "session": {"pain": 2}},
        {"day": 2, "morning": 5},
        {"day": 2, "session": {"pain": 2}},
        {"day": 3, "morning": 5},
    ]
    lines = play(content, between, level=4)
    assert rows(lines, "clinician") == [
        (2, "R5", "level_down", 3),
        (3, "R6", "flare_on", 3),
        (3, "R5", "level_down", 2),
    ]
    no_session = [
        {"day": 1, "session": {"pain": 2}},
        {"day": 2, "morning": 5},
        {"day": 3, "morning": 5},
    ]
    lines = play(content, no_session, level=4)
    assert rows(lines, "clinician") == [(2, "R5", "level_down", 3), (3, "R6", "flare_on", 3)]


# --- R3 and what counts -----------------------------------------------------------------------


def test_three_counted_sessions_level_up_on_the_third_settled_morning(content: Content) -> None:
    lines = play(content, easy_days(1, 3))
    assert rows(lines) == [(4, "R3", "level_up", 2)]
    assert lines[0].decision.message_key == "decision_level_up"


@pytest.mark.parametrize(
    "spoiler",
    [
        {"session": {"pain": 2, "hurts": [1]}},
        {"session": {"pain": 2, "outcome": "stopped"}},
        {"session": {"pain": 2, "outcome": "abandoned"}},
        {"session": {"pain": 2, "skipped": [1]}},
        {"session": {"pain": 2, "routine": "other", "hurts": [1]}},
        {"checkin": 6},
        {"run": {"pain": 6}},
    ],
    ids=["hurts", "stopped", "abandoned", "skipped", "hurts-elsewhere", "adhoc-6", "run-6"],
)
def test_what_breaks_the_row(content: Content, spoiler: dict[str, Any]) -> None:
    """Two counted sessions, then the spoiler on day 3: the row starts again after it, so
    the level-up needs three more counted sessions (days 4-6, up on day 7)."""
    events: list[Any] = [*easy_days(1, 2), {"day": 3, **spoiler}, {"day": 4, "morning": 2}]
    events += easy_days(4, 6)
    lines = play(content, events, level=2)
    ups = [r for r in rows(lines) if r[2] == "level_up"]
    assert ups == [(7, "R3", "level_up", 3)]


def test_another_routine_without_a_hurt_neither_counts_nor_breaks(content: Content) -> None:
    events: list[Any] = [*easy_days(1, 2), {"day": 3, "session": {"pain": 2, "routine": "other"}}]
    events += [{"day": 4, "morning": 2}, *easy_days(4, 4)]
    lines = play(content, events)
    assert [r for r in rows(lines) if r[2] == "level_up"] == [(5, "R3", "level_up", 2)]


def test_a_missing_p_or_morning_is_explained_once(content: Content) -> None:
    no_p = play(content, [{"day": 1, "session": {}}, {"day": 2, "morning": 2}])
    assert [(r.decision.message_key, r.day) for r in no_p] == [("decision_missing_pain", 2)]
    no_morning = play(content, [{"day": 1, "session": {"pain": 2}}], until=5)
    assert [(r.decision.message_key, r.day) for r in no_morning] == [
        ("decision_missing_morning", 3)
    ]


def test_amber_and_settled_repeats_the_level(content: Content) -> None:
    lines = play(content, [{"day": 1, "session": {"pain": 3}}, {"day": 2, "morning": 2}])
    assert rows(lines) == [(2, "R4", "repeat", 1)]
    green = play(content, [{"day": 1, "session": {"pain": 2}}, {"day": 2, "morning": 2}])
    assert rows(green) == []


def test_a_level_up_waits_seven_days_after_any_level_change(content: Content) -> None:
    lines = play(content, easy_days(1, 12))
    ups = [r[0] for r in rows(lines) if r[2] == "level_up"]
    assert ups == [4, 11]  # a change on day 4: the next from day 11
    waits = {line.day: line.decision.message_key for line in lines if line.decision.kind == "wait"}
    assert waits == dict.fromkeys(range(7, 11), "decision_wait_days")


def test_a_level_down_holds_for_three_sessions(content: Content) -> None:
    events: list[Any] = [{"day": 1, "session": {"pain": 6}}, {"day": 2, "morning": 2}]
    events += [*easy_days(9, 11), {"day": 13, "session": {"pain": 2}}, {"day": 14, "morning": 2}]
    lines = play(content, events, level=3)
    # Days 9-11: three sessions after the down on day 1, the third ends the hold.
    assert rows(lines, "wait", "nudge") == [(1, "R5", "level_down", 2), (12, "R3", "level_up", 3)]


def test_the_weekly_trend_holds_a_level_up(content: Content) -> None:
    events: list[Any] = [{"day": d, "morning": 2} for d in range(1, 8)]  # last week: W = 2, B0 = 2
    events += easy_days(8, 10, morning=3)  # this week: W = 3, settled against B0 = 2
    lines = play(content, events, pain=3)
    assert [(r.day, r.decision.message_key) for r in lines if r.day == 11] == [
        (11, "decision_wait_trend")
    ]


# --- gates -------------------------------------------------------------------------------------


def _tuned(content: Content, **gates: int) -> Content:
    """The content with other gate thresholds, as a clinician might set them."""
    progression = content.progression.model_copy(
        update={"gates": content.progression.gates.model_copy(update=gates)}
    )
    return dataclasses.replace(content, progression=progression)


def test_the_gates_are_met_by_the_row_with_the_default_thresholds(content: Content) -> None:
    """R3's three counted sessions ran their whole level without a "hurts": with the gates'
    default of three sessions, child's pose and trunk rotation are comfortable by then."""
    lines = play(content, easy_days(1, 3), level=3)
    assert rows(lines) == [(4, "R3", "level_up", 4)]
    lines = play(content, easy_days(1, 3), level=6)
    assert rows(lines) == [(4, "R3", "level_up", 7)]


@pytest.mark.parametrize(("level", "step", "gate"), [(3, 3, "gate4"), (6, 6, "gate7")])
def test_a_gate_waits_for_the_step_done_comfortably(
    content: Content, level: int, step: int, gate: str
) -> None:
    tuned = _tuned(content, comfortable_sessions=4)
    events: list[Any] = [
        {"day": 1, "session": {"pain": 2, "skipped": [step]}},
        {"day": 2, "morning": 2},
    ]
    events += easy_days(2, 5)
    lines = play(tuned, events, level=level)
    assert [(r.day, r.decision.rule_id, r.decision.message_key) for r in lines][:1] == [
        (5, gate, "decision_gate_step" if gate == "gate4" else "decision_gate_top")
    ]
    assert [r for r in rows(lines) if r[2] == "level_up"] == [(6, "R3", "level_up", level + 1)]


def test_level_four_waits_a_week_after_a_rating_of_seven(content: Content) -> None:
    events: list[Any] = [
        *easy_days(1, 2),
        {"day": 3, "checkin": 7},
        {"day": 3, "session": {"pain": 2}},
    ]
    events += [{"day": 4, "morning": 2}, {"day": 5, "morning": 2}]
    lines = play(content, [*events, *easy_days(5, 15)], level=4)
    # The 7 took the runner to level 3 and into flare mode (off on day 5). Sessions then
    # count at 3; level 4 opens a week after the level change, when no rating of the last
    # 7 days reached 7 either (day 10).
    up = [r.day for r in lines if r.decision.kind == "level_up"]
    assert up[0] == 10
    flare_off = next(r for r in lines if r.decision.kind == "flare_off")
    assert (flare_off.day, flare_off.decision.session_level) == (5, 3)


def test_a_step_dropped_after_it_hurt_leaves_its_sessions_out_of_the_row(
    content: Content,
) -> None:
    events: list[Any] = [{"day": 1, "session": {"pain": 2, "hurts": [6]}}, {"day": 2, "morning": 2}]
    events += easy_days(2, 6)
    lines = play(content, events, level=6)
    # Days 2 and 3 run without step 6: they do not count; days 4-6 do.
    assert [r for r in rows(lines) if r[2] == "level_up"] == [(7, "R3", "level_up", 7)]


# --- flare mode --------------------------------------------------------------------------------


def test_two_bad_mornings_in_a_row_start_flare_mode_even_two_days_apart(content: Content) -> None:
    # B = 3: 5 is B + 2.
    lines = play(content, [{"day": 1, "morning": 5}, {"day": 3, "morning": 5}], level=3)
    assert rows(lines, "clinician") == [(3, "R6", "flare_on", 3)]
    assert next(r for r in lines if r.decision.kind == "flare_on").decision.session_level == 2
    apart = play(content, [{"day": 1, "morning": 5}, {"day": 5, "morning": 5}], level=3)
    assert "flare_on" not in kinds(apart)
    just_under = play(content, [{"day": 1, "morning": 5}, {"day": 2, "morning": 4}], level=3)
    assert "flare_on" not in kinds(just_under)


def test_a_flare_ends_after_two_settled_mornings_after_the_last_seven(content: Content) -> None:
    events: list[Any] = [
        {"day": 1, "session": {"pain": 8}},
        {"day": 2, "morning": 4},
        {"day": 2, "checkin": 7},  # a second 7: the count starts again, no second flare_on
        {"day": 3, "morning": 4},
        {"day": 4, "morning": 4},
    ]
    lines = play(content, events, level=4)
    assert rows(lines) == [
        (1, "R6", "flare_on", 4),
        (1, "R5", "level_down", 3),
        (2, "R5", "level_down", 2),
        (4, "R6", "flare_off", 2),
    ]
    assert lines[-1].decision.session_level == 2  # back at the stored level R5 left


def test_flare_mode_runs_walking_and_never_levels_up(content: Content) -> None:
    events: list[Any] = [{"day": 1, "checkin": 7}, {"day": 1, "run": {"pain": 2}}]
    events += [*easy_days(2, 2), {"day": 2, "run": {"pain": 2}}]
    lines = play(content, events, level=2, until=3)
    assert "run_keep" not in kinds(lines)
    assert kinds(lines).count("run_walk") >= 2
    assert "level_up" not in kinds(lines)


def test_after_a_flare_the_level_three_cap_holds_for_a_week(content: Content) -> None:
    events: list[Any] = [
        {"day": 1, "session": {"pain": 7}},
        {"day": 2, "morning": 3},
        {"day": 3, "morning": 3},
    ]
    lines = play(content, events, level=6)
    off = next(line for line in lines if line.decision.kind == "flare_off")
    assert off.decision.to_level == 5
    assert off.decision.session_level == 3  # a 7 on day 1: levels 4+ wait until day 8


# --- R6b ---------------------------------------------------------------------------------------


def test_a_long_flare_asks_for_a_clinician_daily_job_once_a_week(content: Content) -> None:
    lines = play(content, [{"day": 1, "checkin": 8}], level=2, until=16)
    assert [(r.day, r.decision.message_key) for r in lines if r.decision.kind == "clinician"] == [
        (8, "decision_clinician_flare"),
        (15, "decision_clinician_flare"),
    ]


def test_a_second_flare_within_fourteen_days_asks_for_a_clinician(content: Content) -> None:
    def second(gap: int) -> list[str]:
        events = [{"day": 1, "checkin": 7}, {"day": 2, "morning": 2}, {"day": 3, "morning": 2}]
        events.append({"day": 3 + gap, "checkin": 7})
        lines = play(content, events, level=2)
        return [r.decision.message_key for r in lines if r.decision.kind == "clinician"]

    assert second(14) == ["decision_clinician_second"]
    assert second(15) == []


def test_a_bad_week_asks_for_a_clinician(content: Content) -> None:
    lines = play(content, [{"day": 1, "morning": 5}], pain=3)
    assert [r.decision.message_key for r in lines] == ["decision_clinician_trend"]


# --- R7 ----------------------------------------------------------------------------------------


def test_a_run_is_judged_at_its_check_in_and_again_the_next_morning(content: Content) -> None:
    fine = play(content, [{"day": 1, "run": {"pain": 5}}, {"day": 2, "morning": 3}])
    assert rows(fine) == [(2, "R7", "run_keep", 1)]
    sore = play(content, [{"day": 1, "run": {"pain": 2}}, {"day": 2, "morning": 5}])
    assert rows(sore) == [(2, "R6b", "clinician", 1), (2, "R7", "run_ease", 1)]


def test_an_unsettled_morning_after_a_run_holds_level_ups_for_seven_days(content: Content) -> None:
    events: list[Any] = [
        {"day": 1, "run": {"pain": 2}},
        {"day": 2, "morning": 4},
    ]  # B = 2: 4 is not settled
    events += easy_days(2, 9, morning=2)
    lines = play(content, events, pain=2)
    ups = [r.day for r in lines if r.decision.kind == "level_up"]
    assert ups
    assert min(ups) >= 9
    assert "decision_wait_run" in {r.decision.message_key for r in lines}


# --- R8 ----------------------------------------------------------------------------------------


def test_the_nudge_comes_from_day_eight_once_a_week(content: Content) -> None:
    lines = play(content, [{"day": 1, "session": {"pain": 2}}], until=20)
    nudges = [r.day for r in lines if r.decision.kind == "nudge"]
    assert nudges == [8, 15]
    busy = easy_days(1, 20)
    assert "nudge" not in kinds(play(content, busy, until=20))


# --- baseline ----------------------------------------------------------------------------------


def test_b0_is_the_median_of_the_first_seven_mornings_and_the_seventh_is_judged_before(
    content: Content,
) -> None:
    # Onboarding 2. Mornings 6, 6, 1, 1, 1, 1, 1: the 7th (a 1) is judged against 2; B0 = 1.
    events: list[Any] = [{"day": d, "morning": s} for d, s in enumerate([6, 6, 1, 1, 1, 1, 1], 1)]
    events += [{"day": 8, "session": {"pain": 1}}, {"day": 9, "morning": 3}]
    lines = play(content, events, pain=2, level=3)
    # A 3 on day 9 is B0 + 2: unsettled against B0 = 1 (it was settled against the old 2).
    assert (9, "R5", "level_down", 2) in rows(lines)


def _recompute(content: Content, later: list[int], pain: int = 3) -> list[replay.Line]:
    """Seven mornings of 3 (B0 = 3, fixed day 7), then 28 days of `later` mornings
    (repeated), through the recompute on day 35."""
    events: list[Any] = [{"day": d, "morning": 3} for d in range(1, 8)]
    events += [{"day": d, "morning": later[(d - 8) % len(later)]} for d in range(8, 36)]
    return play(content, events, pain=pain, until=36)


def test_the_recompute_lets_b_fall_freely(content: Content) -> None:
    lines = _recompute(content, [0])
    # B falls from 3 to 0 on day 35, so a morning of 2 on day 36 would no longer be settled.
    events: list[Any] = [{"day": d, "morning": 3} for d in range(1, 8)]
    events += [{"day": d, "morning": 0} for d in range(8, 36)]
    events += [{"day": 36, "session": {"pain": 1}}, {"day": 37, "morning": 2}]
    after = play(content, events, level=2)
    assert (37, "R5", "level_down", 1) in rows(after)
    assert "clinician" not in kinds(lines)


def test_the_recompute_never_absorbs_worsening(content: Content) -> None:
    lines = _recompute(content, [5, 6, 5, 6])  # median 5.5 >= B + 2
    advice = [r for r in lines if r.decision.message_key == "decision_clinician_baseline"]
    assert [r.day for r in advice] == [35]
    # B stayed 3: a morning of 5 on day 36 still counts as unsettled.
    events: list[Any] = [{"day": d, "morning": 3} for d in range(1, 8)]
    events += [{"day": d, "morning": [5, 6, 5, 6][(d - 8) % 4]} for d in range(8, 36)]
    events += [{"day": 36, "session": {"pain": 1}}, {"day": 37, "morning": 5}]
    after = play(content, events, level=3)
    assert any(r[0] == 37 and r[2] == "level_down" for r in rows(after))


def test_the_recompute_rises_by_at_most_one_point(content: Content) -> None:
    events: list[Any] = [{"day": d, "morning": 2} for d in range(1, 8)]  # B0 = 2
    events += [{"day": d, "morning": 3} for d in range(8, 36)]  # median 3: B 2 -> 3
    events += [{"day": 36, "session": {"pain": 1}}, {"day": 37, "morning": 4}]
    lines = play(content, events, level=2, pain=2)
    assert not any(r[0] == 37 and r[2] == "level_down" for r in rows(lines))  # 4 <= 3 + 1


# --- late mornings, safety stops -------------------------------------------------------------


def test_a_late_morning_counts_once_for_the_day_it_was_asked(content: Content) -> None:
    # Day 2's morning, tapped on day 3, unsettles day 1's session and belongs to day 2.
    late = [{"day": 1, "session": {"pain": 2}}, {"day": 2, "morning": 5, "tapped_day": 3}]
    lines = play(content, late, level=3)
    assert rows(lines, "clinician") == [(2, "R5", "level_down", 2)]
    too_late = [{"day": 1, "session": {"pain": 2}}, {"day": 2, "morning": 5, "tapped_day": 4}]
    assert "level_down" not in kinds(play(content, too_late, level=3))
    twice = [*late, {"day": 2, "morning": 5, "tapped_day": 3}]
    assert rows(play(content, twice, level=3), "clinician") == [(2, "R5", "level_down", 2)]


def test_a_safety_stop_decides_nothing_until_the_runner_is_back(content: Content) -> None:
    events: list[Any] = [
        {"day": 1, "checkin": 8},
        {"day": 2, "screening": {"doctor": True}},
        {"day": 3, "checkin": 9},
        {"day": 3, "morning": 9},
        {"day": 20, "cleared": True},
    ]
    lines = play(content, events, level=3, until=26)
    assert rows(lines, "nudge") == [
        (1, "R6", "flare_on", 3),
        (1, "R5", "level_down", 2),
        (2, "R0b", "stop", 2),
        (20, "R0", "resume", 2),
        # The flare's clock paused for 18 days: day 1 + 7 + 18.
        (26, "R6b", "clinician", 2),
    ]


def test_memory_round_trips_and_reads_what_the_migration_wrote() -> None:
    from datetime import date

    memory = rules.Memory(
        b0=3.0,
        b0_on=date(2026, 3, 7),
        baselines=((date(2026, 3, 8), 3.0), (date(2026, 4, 5), 2.5)),
        daily_on=date(2026, 4, 10),
    )
    assert rules.Memory.from_json(memory.to_json()) == memory
    migrated = rules.Memory.from_json(
        {"b0": 4.0, "b0_on": "2026-03-07", "b": 4.0, "b_on": "2026-03-07"}
    )
    assert migrated.baselines == ((date(2026, 3, 8), 4.0),)
    assert rules.Memory.from_json(None) == rules.Memory()
