"""How pain check-ins steer the programme (PROGRESSION.md R1-R9), as pure functions.

Inputs are plain frozen dataclasses (a runner's history), the thresholds are a
`bot.content.Progression` (content/progression.yaml): no number of the spec is written here.
Outputs are `Decision`s carrying the rule id, the numbers that triggered it and a text key;
the caller applies them (level, flare mode), records them and tells the runner one sentence.
Dates are the runner's local dates; the caller passes `today`, nothing reads a clock.

Readings of the spec where it leaves room (each is tested):

- Morning ratings: one per local date (the latest recorded wins); ratings after `today` are
  ignored. "The week" everywhere (W, last week's W, the level-4 gate's "recent" check-ins,
  R7's "no level-up that week", R6b's mute) is `baseline.trend_days` days ending today
  inclusive; last week's W is the same window ending `trend_days` days earlier.
- B: the onboarding rating until `first_mornings` mornings exist. The day of the
  `first_mornings`-th morning the first B is set (the median of those mornings). Every
  `recompute_days` days from that day, B becomes the median of the most recent
  `first_mornings` mornings before that day. Settledness is judged against the B in force
  on the morning's own date.
- A session is "settled" when the morning rating on the local day after it is; unknown
  (no such rating yet, or it was never given) counts as not confirmed: it neither levels up
  nor levels down. A session's P is its latest after_session check-in.
- Level decisions on a morning concern the ladder session of the day before (the one this
  morning settles); with no ladder session yesterday the morning only feeds R6/R6b/flare off.
  A session whose P already fired R5 or R6 is not taken down a second time by its morning.
- R3 wins over R4: amber P with a settled morning repeats the level only when R3 is not
  (yet) met. When the R3 streak is met but something blocks it (top level, R5 hold, the
  `min_days_between` cap, an R7 run, a rising W, the level gate) a "repeat" decision says why.
- The `min_days_between` cap counts any level change (up or down) in `level_changes`;
  entries there with from_level == to_level are recorded decisions that changed no level.
  The R5 hold counts ended ladder sessions after the last R5 down: a session on a later
  local date, or on the same date with its P recorded after the down; any later level
  change ends it.
- Flare mode does not change the stored level: sessions run at `flare_level(level)` while
  it lasts, and the runner returns to their level when it ends. During flare only R5,
  flare off and R6b apply. A P >= pain_at_least while already in flare is an R5 down.
- Flare ends on a morning when each of the last `morning_rise_days` local days (today
  back) has a morning rating dated after the flare started and settled, and the latest P
  (after a session or a run) is below `pain_at_least`.
- R6b fires when flare mode has lasted more than `clinician_after_days` days, or when W >=
  B + `weekly_rise` with at least `morning_rise_days` mornings in the week (one bad morning is
  not a weekly trend); not on the morning R6 starts flare mode (that is the first answer to
  the same mornings), and a recorded R6b in the last week mutes it.
- A morning's decisions come in the order: flare on/off, the level decision, R6b; one
  after a level change is stated at the new level. R6b's flare reason is not given on the
  morning the flare ends.
- Runs: P >= pain_at_least after a run also starts flare mode (R6 names "a session or a
  run"). R7's "settled" at P time is the latest morning on or before today (none yet counts
  as settled). R5 applies to ladder sessions only, never to runs or other routines. A run blocks
  level-ups for the week when its P > max_pain, or the last morning on or before its day was
  not settled, or the morning after it is known and not settled.
- R9: W is compared with the current B. Improved when W is below B by at least the point
  threshold (`small_baseline_points` where B <= `small_baseline_max`, else `points`) or by
  at least `percent`% of B. Recovered (W of 0) wins over improved.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, TypeAlias

from bot.domain.enums import CheckinKind
from bot.domain.thresholds import Progression

Zone = Literal["green", "amber", "red"]
DecisionKind = Literal[
    "level_up",
    "repeat",
    "level_down",
    "flare_on",
    "flare_off",
    "clinician",
    "run_keep",
    "run_easier",
    "nudge",
]
Verdict = Literal["improved", "recovered", "not_yet", "no_data"]
Number: TypeAlias = float | int | str | None

# Every text key a Decision can carry (content/texts.yaml needs each one).
MESSAGE_KEYS = frozenset(
    {
        "decision_level_up",
        "decision_repeat_amber",
        "decision_wait_top",
        "decision_wait_hold",
        "decision_wait_days",
        "decision_wait_run",
        "decision_wait_trend",
        "decision_gate_pain",
        "decision_gate_step",
        "decision_level_down_pain",
        "decision_level_down_morning",
        "decision_stay_first_pain",
        "decision_stay_first_morning",
        "decision_flare_on_pain",
        "decision_flare_on_morning",
        "decision_flare_off",
        "decision_clinician_flare",
        "decision_clinician_trend",
        "decision_run_keep",
        "decision_run_easier_pain",
        "decision_run_easier_morning",
        "decision_nudge",
    }
)

_DAY = timedelta(days=1)
_PAIN_CONTEXTS = (CheckinKind.AFTER_SESSION, CheckinKind.AFTER_RUN)


@dataclass(frozen=True)
class Checkin:
    local_date: date
    score: int
    context: CheckinKind
    at: datetime  # aware, UTC
    session_id: int | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    local_date: date
    level: int | None  # None: not the ladder
    completed: bool  # ended (completed or stopped)
    hurt_steps: frozenset[int] = frozenset()  # 1-based ladder steps tapped "Hurts"


@dataclass(frozen=True)
class LevelChange:
    at: datetime
    local_date: date
    from_level: int
    to_level: int
    rule_id: str


@dataclass(frozen=True)
class History:
    onboarding_pain: int  # B until enough mornings exist
    level: int  # current ladder level, 1..max_level
    max_level: int  # the ladder's length
    checkins: tuple[Checkin, ...]
    sessions: tuple[SessionRecord, ...]  # oldest first
    level_changes: tuple[LevelChange, ...]
    flare_since: date | None  # local date flare mode started; None when not in flare
    today: date  # the runner's local date now


@dataclass(frozen=True)
class Decision:
    rule_id: str  # "R3".."R8", "R6b", or "gate<N>" when the level-N gate blocked a level-up
    kind: DecisionKind
    from_level: int
    to_level: int  # == from_level when the level does not change
    numbers: Mapping[str, Number]  # every number behind the decision
    message_key: str  # text key; the caller adds {next_step} / exercise names
    fields: Mapping[str, str]  # the text's fields: the numbers, formatted, plus level


# --- R1, R2, B, W ----------------------------------------------------------------


def zone(score: int, rules: Progression) -> Zone:
    """R1: green, amber or red for a P or AM rating."""
    _check_score(score)
    if score <= rules.zones.green_max:
        return "green"
    if score <= rules.zones.amber_max:
        return "amber"
    return "red"


def settled(am: int, b: float, rules: Progression) -> bool:
    """R2: a morning is settled when AM <= B + settled_margin."""
    return am <= b + rules.settled_margin


def morning_ratings(history: History) -> dict[date, int]:
    """Morning ratings by local date, oldest first (the latest rating of a date wins)."""
    latest: dict[date, Checkin] = {}
    for checkin in history.checkins:
        if checkin.context != CheckinKind.MORNING or checkin.local_date > history.today:
            continue
        seen = latest.get(checkin.local_date)
        if seen is None or checkin.at >= seen.at:
            latest[checkin.local_date] = checkin
    return {day: latest[day].score for day in sorted(latest)}


def baseline(history: History, rules: Progression, *, on: date | None = None) -> float:
    """B in force on `on` (default today); see the module docstring for the recompute."""
    day = history.today if on is None else on
    mornings = [(d, s) for d, s in morning_ratings(history).items() if d <= day]
    first = rules.baseline.first_mornings
    if len(mornings) < first:
        return float(history.onboarding_pain)
    first_set = mornings[first - 1][0]
    periods = (day - first_set).days // rules.baseline.recompute_days
    if periods == 0:
        return float(statistics.median(s for _, s in mornings[:first]))
    recompute_day = first_set + timedelta(days=periods * rules.baseline.recompute_days)
    recent = [s for d, s in mornings if d < recompute_day][-first:]
    return float(statistics.median(recent))


def weekly_mean(history: History, rules: Progression, *, end: date) -> float | None:
    """W: mean morning rating over the trend_days days ending at `end`; None without any."""
    mean = _weekly(history, rules, end=end)[0]
    return None if mean is None else float(mean)


def last_week_mean(history: History, rules: Progression) -> float | None:
    """W of the week before this one (the window ending trend_days days before today)."""
    return weekly_mean(history, rules, end=_last_week_end(history, rules))


def session_pain(history: History, session_id: int) -> int | None:
    """P of a session: its latest after_session check-in, None when not given."""
    found = _pain_checkin(history, session_id)
    return None if found is None else found.score


def session_settled(history: History, session: SessionRecord, rules: Progression) -> bool | None:
    """Whether the morning after the session was settled; None when not (yet) known."""
    day = session.local_date + _DAY
    am = morning_ratings(history).get(day)
    if am is None:
        return None
    return settled(am, baseline(history, rules, on=day), rules)


def flare_level(level: int, rules: Progression) -> int:
    """R6: the level a session runs at while in flare mode."""
    return max(1, min(level, rules.flare.max_level))


# --- the evaluations -------------------------------------------------------------


def evaluate_after_session(
    history: History, session_id: int, p: int, rules: Progression
) -> list[Decision]:
    """When a session's P arrives: R6 (flare) or else R5 (down one level, hold).
    The settled part of the rules waits for the next morning."""
    _check_score(p)
    session = next((s for s in history.sessions if s.id == session_id), None)
    if session is None:
        raise ValueError(f"no session {session_id} in the history")
    level = _level(history)
    if p >= rules.flare.pain_at_least and history.flare_since is None:
        return [_flare_on_pain(level, p, rules)]
    if p > rules.level_down.pain_above and session.level is not None:
        return [_down(level, "pain", {"p": p, "threshold": rules.level_down.pain_above}, rules)]
    return []


def evaluate_after_morning(history: History, am: int, rules: Progression) -> list[Decision]:
    """When today's morning rating arrives: R6 (or flare off), then the level decision for
    yesterday's ladder session (R5, R3, R4 or why R3 waits), then R6b."""
    _check_score(am)
    history = _with_morning(history, am)
    decisions: list[Decision] = []
    flare_change: Decision | None
    if history.flare_since is not None:
        flare_change = _flare_off(history, rules)
    else:
        flare_change = _flare_on_mornings(history, rules)
    if flare_change is not None:
        decisions.append(flare_change)
    if flare_change is not None and flare_change.kind == "flare_on":
        return decisions
    level_decision = _level_decision(history, am, rules)
    if level_decision is not None:
        decisions.append(level_decision)
        # A decision after a level change speaks of the new level.
        history = replace(history, level=level_decision.to_level)
    clinician = _clinician(history, rules, flare_ending=flare_change is not None)
    if clinician is not None:
        decisions.append(clinician)
    return decisions


def evaluate_after_run(history: History, p: int, rules: Progression) -> list[Decision]:
    """R7 when a run's P arrives (and R6 when it is that high)."""
    _check_score(p)
    level = _level(history)
    decisions: list[Decision] = []
    if p >= rules.flare.pain_at_least and history.flare_since is None:
        decisions.append(_flare_on_pain(level, p, rules))
    last = _last_morning(history, on_or_before=history.today)
    am = None if last is None else last[1]
    b = baseline(history, rules, on=None if last is None else last[0])
    morning_ok = am is None or settled(am, b, rules)
    numbers: dict[str, Number] = {
        "p": p,
        "max_pain": rules.level_up.max_pain,
        "am": am,
        "b": b,
        "margin": rules.settled_margin,
    }
    if p <= rules.level_up.max_pain and morning_ok:
        decisions.append(_decision("R7", "run_keep", level, level, "decision_run_keep", numbers))
        return decisions
    numbers["level_up_from"] = (
        history.today + timedelta(days=rules.baseline.trend_days)
    ).isoformat()
    key = (
        "decision_run_easier_pain" if p > rules.level_up.max_pain else "decision_run_easier_morning"
    )
    decisions.append(_decision("R7", "run_easier", level, level, key, numbers))
    return decisions


def dose_nudge(history: History, rules: Progression) -> Decision | None:
    """R8: a nudge when fewer than nudge_below_sessions sessions ended in the window."""
    dosing = rules.dosing
    start = history.today - timedelta(days=dosing.nudge_window_days)
    count = sum(
        1 for s in history.sessions if s.completed and start < s.local_date <= history.today
    )
    if count >= dosing.nudge_below_sessions:
        return None
    level = _level(history)
    numbers: dict[str, Number] = {
        "sessions": count,
        "target": dosing.nudge_below_sessions,
        "window_days": dosing.nudge_window_days,
        "seconds_per_stretch": dosing.seconds_per_stretch,
    }
    return _decision("R8", "nudge", level, level, "decision_nudge", numbers)


def verdict(history: History, rules: Progression) -> Verdict:
    """R9: the progress report's verdict for this week's W against B."""
    w = _weekly(history, rules, end=history.today)[0]
    if w is None:
        return "no_data"
    if w == 0:
        return "recovered"
    b = Fraction(baseline(history, rules))
    improvement = rules.improvement
    drop = b - w
    points = (
        improvement.small_baseline_points
        if b <= improvement.small_baseline_max
        else improvement.points
    )
    if drop > 0 and (drop >= points or drop * 100 >= b * improvement.percent):
        return "improved"
    return "not_yet"


def streak(history: History) -> int:
    """Consecutive local days, up to today (or yesterday when nothing ended yet today),
    with an ended session of any routine."""
    days = {s.local_date for s in history.sessions if s.completed}
    day = history.today if history.today in days else history.today - _DAY
    count = 0
    while day in days:
        count += 1
        day -= _DAY
    return count


# --- level decisions on a morning ------------------------------------------------


def _level_decision(history: History, am: int, rules: Progression) -> Decision | None:
    yesterday = history.today - _DAY
    ladder = _ended_ladder(history)
    session = next((s for s in reversed(ladder) if s.local_date == yesterday), None)
    if session is None:
        return None
    level = _level(history)
    p = session_pain(history, session.id)
    if p is not None and (p > rules.level_down.pain_above or p >= rules.flare.pain_at_least):
        return None  # already decided when P arrived (R5 or R6)
    b = baseline(history, rules)
    if not settled(am, b, rules):
        numbers: dict[str, Number] = {
            "am": am,
            "b": b,
            "margin": rules.settled_margin,
            "limit": b + rules.settled_margin,
            "p": p,
        }
        return _down(level, "morning", numbers, rules)
    if history.flare_since is not None:
        return None
    if _r3_streak(history, ladder, level, rules):
        return _level_up_or_wait(history, am, b, level, ladder, rules)
    if p is not None and zone(p, rules) == "amber":
        numbers = {"p": p, "amber_max": rules.zones.amber_max, "am": am, "b": b}
        numbers["margin"] = rules.settled_margin
        return _decision("R4", "repeat", level, level, "decision_repeat_amber", numbers)
    return None


def _r3_streak(
    history: History, ladder: list[SessionRecord], level: int, rules: Progression
) -> bool:
    needed = rules.level_up.sessions_in_a_row
    recent = ladder[-needed:]
    if len(recent) < needed:
        return False
    for session in recent:
        p = session_pain(history, session.id)
        if session.level != level or p is None or p > rules.level_up.max_pain:
            return False
        if session_settled(history, session, rules) is not True:
            return False
    return True


def _level_up_or_wait(
    history: History,
    am: int,
    b: float,
    level: int,
    ladder: list[SessionRecord],
    rules: Progression,
) -> Decision:
    today = history.today
    up = rules.level_up
    sessions = ladder[-up.sessions_in_a_row :]
    pains = [session_pain(history, s.id) or 0 for s in sessions]

    def wait(rule_id: str, key: str, numbers: dict[str, Number]) -> Decision:
        numbers = {"sessions": up.sessions_in_a_row, **numbers}
        return _decision(rule_id, "repeat", level, level, key, numbers)

    if level >= history.max_level:
        return wait("R3", "decision_wait_top", {"max_level": history.max_level})

    hold = _hold_remaining(history, rules)
    if hold > 0:
        numbers: dict[str, Number] = {
            "hold_sessions": rules.level_down.hold_sessions,
            "remaining": hold,
        }
        return wait("R5", "decision_wait_hold", numbers)

    last_change = _last_level_change(history)
    days_since = None if last_change is None else (today - last_change.local_date).days
    if last_change is not None and days_since is not None and days_since < up.min_days_between:
        next_date = last_change.local_date + timedelta(days=up.min_days_between)
        numbers = {
            "days_since_change": days_since,
            "min_days": up.min_days_between,
            "next_date": next_date.isoformat(),
        }
        return wait("R3", "decision_wait_days", numbers)

    run = _blocking_run(history, rules)
    if run is not None:
        return wait("R7", "decision_wait_run", run)

    w, _ = _weekly(history, rules, end=today)
    w_last, _ = _weekly(history, rules, end=_last_week_end(history, rules))
    if w is not None and w_last is not None and w > w_last:
        return wait("R3", "decision_wait_trend", {"w": float(w), "w_last": float(w_last)})

    to_level = level + 1
    gate = rules.gates
    if to_level == gate.level:
        gate_id = f"gate{gate.level}"
        start = today - timedelta(days=rules.baseline.trend_days)
        recent = [c.score for c in history.checkins if start < c.local_date <= today]
        highest = max(recent, default=0)
        if highest >= gate.pain_below:
            numbers = {"highest": highest, "threshold": gate.pain_below}
            numbers["days"] = rules.baseline.trend_days
            return wait(gate_id, "decision_gate_pain", numbers)
        checked = ladder[-gate.comfortable_sessions :]
        hurts = sum(1 for s in checked if gate.comfortable_step in s.hurt_steps)
        if hurts:
            numbers = {
                "step": gate.comfortable_step,
                "hurts": hurts,
                "comfortable_sessions": gate.comfortable_sessions,
            }
            return wait(gate_id, "decision_gate_step", numbers)

    numbers = {
        "sessions": up.sessions_in_a_row,
        "max_pain": up.max_pain,
        "p_max": max(pains),
        "am": am,
        "b": b,
        "margin": rules.settled_margin,
        "w": None if w is None else float(w),
        "w_last": None if w_last is None else float(w_last),
        "days_since_change": days_since,
        "min_days": up.min_days_between,
    }
    return _decision("R3", "level_up", level, to_level, "decision_level_up", numbers)


def _hold_remaining(history: History, rules: Progression) -> int:
    """Ladder sessions still to do after the last R5 down before a level-up may come."""
    downs = [c for c in history.level_changes if c.rule_id == "R5" and c.to_level < c.from_level]
    if not downs:
        return 0
    down = max(downs, key=lambda c: c.at)
    if any(c.at > down.at and c.from_level != c.to_level for c in history.level_changes):
        return 0  # the level has changed again since: "hold there" is over
    after = 0
    for session in _ended_ladder(history):
        if session.local_date > down.local_date:
            after += 1
        elif session.local_date == down.local_date:
            pain = _pain_checkin(history, session.id)
            if pain is not None and pain.at > down.at:
                after += 1
    return max(0, rules.level_down.hold_sessions - after)


def _blocking_run(history: History, rules: Progression) -> dict[str, Number] | None:
    """R7: the numbers of a run in the last week that rules out a level-up, or None."""
    start = history.today - timedelta(days=rules.baseline.trend_days)
    mornings = morning_ratings(history)
    for run in sorted(
        (c for c in history.checkins if c.context == CheckinKind.AFTER_RUN),
        key=lambda c: c.at,
        reverse=True,
    ):
        if not start < run.local_date <= history.today:
            continue
        numbers: dict[str, Number] = {
            "run_date": run.local_date.isoformat(),
            "p": run.score,
            "max_pain": rules.level_up.max_pain,
            "level_up_from": (
                run.local_date + timedelta(days=rules.baseline.trend_days)
            ).isoformat(),
        }
        if run.score > rules.level_up.max_pain:
            return numbers
        checked: list[tuple[date, int]] = []
        before = _last_morning(history, on_or_before=run.local_date)
        if before is not None:
            checked.append(before)
        after_day = run.local_date + _DAY
        if after_day in mornings:
            checked.append((after_day, mornings[after_day]))
        for day, am in checked:
            b = baseline(history, rules, on=day)
            if not settled(am, b, rules):
                return {**numbers, "am": am, "am_date": day.isoformat(), "b": b}
    return None


# --- flare -----------------------------------------------------------------------


def _flare_on_pain(level: int, p: int, rules: Progression) -> Decision:
    numbers: dict[str, Number] = {
        "p": p,
        "threshold": rules.flare.pain_at_least,
        "max_level": rules.flare.max_level,
        "session_level": flare_level(level, rules),
    }
    return _decision("R6", "flare_on", level, level, "decision_flare_on_pain", numbers)


def _flare_on_mornings(history: History, rules: Progression) -> Decision | None:
    flare = rules.flare
    mornings = morning_ratings(history)
    rises: list[float] = []
    for back in range(flare.morning_rise_days):
        day = history.today - timedelta(days=back)
        am = mornings.get(day)
        b = baseline(history, rules, on=day)
        if am is None or am < b + flare.morning_rise:
            return None
        rises.append(am - b)
    level = _level(history)
    numbers: dict[str, Number] = {
        "am": mornings[history.today],
        "b": baseline(history, rules),
        "rise": flare.morning_rise,
        "days": flare.morning_rise_days,
        "smallest_rise": min(rises),
        "max_level": flare.max_level,
        "session_level": flare_level(level, rules),
    }
    return _decision("R6", "flare_on", level, level, "decision_flare_on_morning", numbers)


def _flare_off(history: History, rules: Progression) -> Decision | None:
    since = history.flare_since
    assert since is not None
    flare = rules.flare
    mornings = morning_ratings(history)
    for back in range(flare.morning_rise_days):
        day = history.today - timedelta(days=back)
        am = mornings.get(day)
        if day <= since or am is None or not settled(am, baseline(history, rules, on=day), rules):
            return None
    pains = [c for c in history.checkins if c.context in _PAIN_CONTEXTS]
    last_p = max(pains, key=lambda c: c.at).score if pains else None
    if last_p is not None and last_p >= flare.pain_at_least:
        return None
    level = _level(history)
    numbers: dict[str, Number] = {
        "days": flare.morning_rise_days,
        "am": mornings[history.today],
        "b": baseline(history, rules),
        "margin": rules.settled_margin,
        "last_p": last_p,
        "threshold": flare.pain_at_least,
        "flare_days": (history.today - since).days,
    }
    return _decision("R6", "flare_off", level, level, "decision_flare_off", numbers)


def _clinician(history: History, rules: Progression, *, flare_ending: bool) -> Decision | None:
    today = history.today
    week_start = today - timedelta(days=rules.baseline.trend_days)
    if any(c.rule_id == "R6b" and c.local_date > week_start for c in history.level_changes):
        return None
    flare = rules.flare
    level = _level(history)
    if history.flare_since is not None and not flare_ending:
        days = (today - history.flare_since).days
        if days > flare.clinician_after_days:
            numbers: dict[str, Number] = {
                "flare_days": days,
                "after_days": flare.clinician_after_days,
            }
            return _decision("R6b", "clinician", level, level, "decision_clinician_flare", numbers)
    w, count = _weekly(history, rules, end=today)
    b = baseline(history, rules)
    if w is not None and count >= flare.morning_rise_days and w >= Fraction(b) + flare.weekly_rise:
        numbers = {"w": float(w), "b": b, "rise": flare.weekly_rise, "mornings": count}
        return _decision("R6b", "clinician", level, level, "decision_clinician_trend", numbers)
    return None


# --- helpers ---------------------------------------------------------------------


def _down(level: int, cause: str, numbers: dict[str, Number], rules: Progression) -> Decision:
    """R5: down one level and hold; at level 1 the level stays (a repeat says so)."""
    numbers = {**numbers, "hold_sessions": rules.level_down.hold_sessions}
    if level <= 1:
        return _decision("R5", "repeat", level, level, f"decision_stay_first_{cause}", numbers)
    return _decision("R5", "level_down", level, level - 1, f"decision_level_down_{cause}", numbers)


def _decision(
    rule_id: str,
    kind: DecisionKind,
    from_level: int,
    to_level: int,
    message_key: str,
    numbers: dict[str, Number],
) -> Decision:
    fields = {key: _format(value) for key, value in numbers.items() if value is not None}
    fields["from_level"] = str(from_level)
    fields["level"] = str(to_level)
    return Decision(
        rule_id=rule_id,
        kind=kind,
        from_level=from_level,
        to_level=to_level,
        numbers=MappingProxyType(dict(numbers)),
        message_key=message_key,
        fields=MappingProxyType(fields),
    )


def _format(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def _weekly(history: History, rules: Progression, *, end: date) -> tuple[Fraction | None, int]:
    """The exact mean of the mornings in the trend window ending at `end`, and their count."""
    start = end - timedelta(days=rules.baseline.trend_days)
    scores = [s for d, s in morning_ratings(history).items() if start < d <= end]
    if not scores:
        return None, 0
    return Fraction(sum(scores), len(scores)), len(scores)


def _last_week_end(history: History, rules: Progression) -> date:
    return history.today - timedelta(days=rules.baseline.trend_days)


def _last_morning(history: History, *, on_or_before: date) -> tuple[date, int] | None:
    earlier = [(d, s) for d, s in morning_ratings(history).items() if d <= on_or_before]
    return earlier[-1] if earlier else None


def _last_level_change(history: History) -> LevelChange | None:
    changes = [c for c in history.level_changes if c.from_level != c.to_level]
    return max(changes, key=lambda c: (c.local_date, c.at)) if changes else None


def _ended_ladder(history: History) -> list[SessionRecord]:
    return [s for s in history.sessions if s.completed and s.level is not None]


def _pain_checkin(history: History, session_id: int) -> Checkin | None:
    """The session's latest after_session check-in (a later one at the same instant wins)."""
    found: Checkin | None = None
    for checkin in history.checkins:
        if checkin.context != CheckinKind.AFTER_SESSION or checkin.session_id != session_id:
            continue
        if found is None or checkin.at >= found.at:
            found = checkin
    return found


def _level(history: History) -> int:
    return max(1, min(history.level, history.max_level))


def _with_morning(history: History, am: int) -> History:
    """The history with today's morning rating `am` (added when the caller has not yet)."""
    if morning_ratings(history).get(history.today) == am:
        return history
    times = [c.at for c in history.checkins]
    at = max(times) if times else datetime.combine(history.today, time(), tzinfo=UTC)
    checkin = Checkin(history.today, am, CheckinKind.MORNING, at + timedelta(microseconds=1))
    return replace(history, checkins=(*history.checkins, checkin))


def _check_score(score: int) -> None:
    if not 0 <= score <= 10:
        raise ValueError(f"pain {score} is outside 0-10")
