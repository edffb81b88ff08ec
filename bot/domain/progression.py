"""How pain check-ins steer the programme: PROGRESSION.md version 2, as pure functions.

One function, `decide`, takes a runner's `History` (what happened, the decisions already
recorded, and what the rules remember between check-ins) and one `Event` (a rating that was
just stored, the end of a day, a safety stop or the runner's return) and gives back the
decisions it makes, in the spec's order, and the runner's new state. The bot calls it from
its services; `bot.domain.replay` calls it for a history file: there is no second
implementation. Every threshold comes from `content/progression.yaml`; nothing reads a clock:
every event carries the runner's local date it belongs to.

Readings of the spec where it leaves room (each is tested):

- "The next morning" of a session or run on day d is the morning rating that belongs to
  day d + 1 (a late tap counts for that day).
- A session "includes" ladder step k when step k (or what stands in for it) was in it;
  "ran its whole level" means it included every step 1..level and none was skipped.
- Non-ladder routines neither count toward R3 nor break the row, unless they carry a
  "hurts" tap or a P above the level-down threshold.
- Two sessions on one day count once toward R3: one next morning judges them both.
- R5 at level 1 is recorded as a `repeat` (the runner hears why nothing changed); it is not
  a level change.
- The R5 hold counts ladder sessions that ended after the level-down.
- A `wait` explains a level-up that R3 would give but something holds back (the top level,
  the R5 hold, the 7 days since a change, R7, the weekly trend, a gate), and a session that
  cannot count because a rating is missing (told once).
- During a safety stop the flare clock pauses: on `resume`, `flare_since` moves forward by
  the days the stop lasted.
- R7's "no level-up in the next 7 days" counts from the unsettled morning with the
  thresholds in force, as R5's hold and the days since a change do: shortening
  `runs.no_level_up_days` shortens the holds already running.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, get_args

from bot.domain import report
from bot.domain.enums import CheckinKind, SessionStatus
from bot.domain.onboarding import SafetyRule as SafetyRule  # re-exported for callers
from bot.domain.thresholds import Gates, Progression

Zone = Literal["green", "amber", "red"]
DecisionKind = Literal[
    "level_up",
    "level_down",
    "repeat",
    "wait",
    "flare_on",
    "flare_off",
    "clinician",
    "run_keep",
    "run_ease",
    "run_walk",
    "nudge",
    "stop",
    "resume",
]
DECISION_KINDS: tuple[DecisionKind, ...] = get_args(DecisionKind)
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
        "decision_gate_top",
        "decision_missing_pain",
        "decision_missing_morning",
        "decision_level_down_pain",
        "decision_level_down_morning",
        "decision_level_down_pain_flare",
        "decision_level_down_morning_flare",
        "decision_stay_first_pain",
        "decision_stay_first_morning",
        "decision_flare_on_pain",
        "decision_flare_on_morning",
        "decision_flare_off",
        "decision_clinician_flare",
        "decision_clinician_second",
        "decision_clinician_trend",
        "decision_clinician_baseline",
        "decision_run_keep",
        "decision_run_ease_pain",
        "decision_run_ease_morning",
        "decision_run_walk",
        "decision_nudge",
        "decision_stop",
        "decision_resume",
    }
)

# The number a sentence's noun counts ("for 2 more sessions"): its plural form follows it.
MESSAGE_COUNTS: Mapping[str, str] = {
    "decision_level_up": "sessions",
    "decision_wait_days": "min_days",
    "decision_wait_hold": "remaining",
    "decision_gate_pain": "days",
    "decision_gate_step": "comfortable_sessions",
    "decision_gate_top": "comfortable_sessions",
    "decision_level_down_pain": "hold_sessions",
    "decision_level_down_morning": "hold_sessions",
    "decision_flare_on_morning": "days",
    "decision_flare_off": "days",
    "decision_clinician_flare": "flare_days",
    "decision_clinician_second": "within",
    "decision_nudge": "window_days",
}

_DAY = timedelta(days=1)
_ENDED = (SessionStatus.COMPLETED, SessionStatus.STOPPED)
_CHANGES = ("level_up", "level_down")


# --- what the rules read ------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """A pain rating, 0-10, on the local date it belongs to."""

    day: date
    score: int
    kind: CheckinKind
    at: datetime  # when it was stored: orders the ratings of a day
    session_id: int | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    day: date
    at: datetime  # when it started
    status: SessionStatus
    level: int | None  # the ladder level it ran; None: another routine
    planned_level: int | None = None  # the stored level when it started
    in_flare: bool = False
    steps: frozenset[int] = frozenset()  # the ladder steps it included
    skipped: frozenset[int] = frozenset()  # ladder steps the runner skipped
    hurt: frozenset[int] = frozenset()  # ladder steps tapped "Hurts"
    hurt_extra: bool = False  # a "Hurts" on a step that is not a ladder step

    @property
    def ended(self) -> bool:
        return self.status in _ENDED

    @property
    def hurts(self) -> bool:
        return bool(self.hurt) or self.hurt_extra


@dataclass(frozen=True)
class Recorded:
    """A decision already recorded (the bot's level_changes rows)."""

    day: date
    at: datetime
    kind: DecisionKind
    rule_id: str
    from_level: int
    to_level: int
    numbers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Memory:
    """What the rules keep between events beyond the level and flare mode."""

    b0: float | None = None
    b0_on: date | None = None  # the day of the morning that fixed B0
    baselines: tuple[tuple[date, float], ...] = ()  # (in force from, B), oldest first
    daily_on: date | None = None  # the last day whose daily jobs ran
    stopped_on: date | None = None  # a safety stop began that day (None: no stop)

    def with_b0(self, first: Sequence[tuple[date, int]]) -> Memory:
        """B0 fixed by the first mornings (day, rating), oldest first: their median, in
        force from the day after the last of them."""
        value = float(statistics.median(score for _, score in first))
        fixed = first[-1][0]
        return replace(self, b0=value, b0_on=fixed, baselines=((fixed + _DAY, value),))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.b0 is not None and self.b0_on is not None:
            out["b0"] = self.b0
            out["b0_on"] = self.b0_on.isoformat()
        if self.baselines:
            out["b"] = self.baselines[-1][1]
            out["b_on"] = (self.baselines[-1][0] - _DAY).isoformat()
            out["bs"] = [[day.isoformat(), b] for day, b in self.baselines]
        if self.daily_on is not None:
            out["daily_on"] = self.daily_on.isoformat()
        if self.stopped_on is not None:
            out["stopped_on"] = self.stopped_on.isoformat()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Memory:
        """Reads what `to_json` wrote, and what revision 0002 filled from version 1."""
        if not data:
            return cls()
        b0 = data.get("b0")
        b0_on = _day(data.get("b0_on"))
        baselines: tuple[tuple[date, float], ...]
        if "bs" in data:
            baselines = tuple((date.fromisoformat(d), float(b)) for d, b in data["bs"])
        elif b0 is not None and b0_on is not None:
            baselines = ((b0_on + _DAY, float(b0)),)
            b_on = _day(data.get("b_on"))
            if data.get("b") is not None and b_on is not None and b_on != b0_on:
                baselines = (*baselines, (b_on + _DAY, float(data["b"])))
        else:
            baselines = ()
        return cls(
            b0=None if b0 is None else float(b0),
            b0_on=b0_on,
            baselines=baselines,
            daily_on=_day(data.get("daily_on")),
            stopped_on=_day(data.get("stopped_on")),
        )


@dataclass(frozen=True)
class Runner:
    """The runner as the rules change it."""

    level: int  # the stored ladder level
    flare_since: date | None = None  # the local date flare mode began; None: not in flare
    memory: Memory = Memory()


@dataclass(frozen=True)
class History:
    runner: Runner
    onboarding_pain: int  # B until B0 is fixed
    max_level: int  # the ladder's length
    start: date  # the runner's first day (R8 waits a week)
    ratings: tuple[Rating, ...] = ()
    sessions: tuple[SessionRecord, ...] = ()  # oldest first
    decisions: tuple[Recorded, ...] = ()  # oldest first

    @cached_property
    def morning_scores(self) -> dict[date, int]:
        """See `mornings`: the rules ask for it many times per event (do not mutate)."""
        ordered: list[Rating] = sorted(self.ratings, key=lambda r: r.at)
        return report.morning_ratings(ordered)


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPain:
    """A session's P was stored (it is in the history)."""

    day: date
    session_id: int
    score: int


@dataclass(frozen=True)
class RunPain:
    day: date
    score: int


@dataclass(frozen=True)
class AdHoc:
    day: date
    score: int


@dataclass(frozen=True)
class Morning:
    """The morning rating of `day` was stored (whenever it was tapped)."""

    day: date
    score: int


@dataclass(frozen=True)
class EndOfDay:
    """The daily jobs of `day`: R6b in flare mode, the B recompute, the R8 nudge, and the
    sentence about a session whose next morning was not rated."""

    day: date


@dataclass(frozen=True)
class Stop:
    day: date
    rule_id: SafetyRule


@dataclass(frozen=True)
class Resume:
    day: date


Event: TypeAlias = SessionPain | RunPain | AdHoc | Morning | EndOfDay | Stop | Resume


def event_of(rating: Rating) -> SessionPain | RunPain | AdHoc | Morning:
    """The event a rating just stored brings (an after-session rating without its session
    counts as an ad hoc one)."""
    if rating.kind is CheckinKind.AFTER_SESSION and rating.session_id is not None:
        return SessionPain(rating.day, rating.session_id, rating.score)
    if rating.kind is CheckinKind.MORNING:
        return Morning(rating.day, rating.score)
    if rating.kind is CheckinKind.AFTER_RUN:
        return RunPain(rating.day, rating.score)
    return AdHoc(rating.day, rating.score)


@dataclass(frozen=True)
class Decision:
    day: date  # the local date it belongs to
    rule_id: str  # "R0a".."R8", "R6b", or "gate<N>" when the level-N gate holds a level-up
    kind: DecisionKind
    from_level: int
    to_level: int  # the stored level after it
    session_level: int  # the level the next session runs, after it, the same day
    flare: bool  # flare mode after it
    numbers: Mapping[str, Number]  # every number behind it
    message_key: str  # the sentence; the caller adds {next_step}
    fields: Mapping[str, str]  # the sentence's fields: the numbers, formatted, plus levels

    @property
    def count(self) -> int | None:
        """What the sentence's noun counts (`MESSAGE_COUNTS`): it picks the plural form."""
        name = MESSAGE_COUNTS.get(self.message_key)
        return None if name is None else int(self.numbers[name] or 0)


@dataclass(frozen=True)
class Outcome:
    decisions: tuple[Decision, ...]
    runner: Runner
    rescreen: bool = False  # R6b: ask the red-flag questions again (R0c)


# --- R1, R2, B, W ---------------------------------------------------------------------------


def zone(score: int, rules: Progression) -> Zone:
    """R1: green, amber or red for a P or AM rating."""
    _check_score(score)
    if score <= rules.zones.green_max:
        return "green"
    if score <= rules.zones.amber_max:
        return "amber"
    return "red"


def mornings(history: History) -> dict[date, int]:
    """The morning rating of each local date (the latest stored wins), oldest first; read
    once per history (`History.morning_scores`)."""
    return history.morning_scores


def baseline_on(history: History, day: date) -> float:
    """B in force on `day`: the onboarding rating until B0, then B0 and each recompute's B,
    each from the day after it was set."""
    b = float(history.onboarding_pain)
    for since, value in history.runner.memory.baselines:
        if since <= day:
            b = value
    return b


def b0(history: History) -> float:
    """B0 (the onboarding rating until 7 mornings exist): what R9 measures against."""
    memory = history.runner.memory
    return float(history.onboarding_pain) if memory.b0 is None else memory.b0


def settled(history: History, day: date, am: int, rules: Progression) -> bool:
    """R2: a morning is settled when AM <= B + the margin, with B in force that day."""
    return am <= baseline_on(history, day) + rules.settled_margin


def weekly_mean(history: History, end: date, rules: Progression) -> Fraction | None:
    """W: the mean of the morning ratings of days end-6..end; None without any (the same
    W /progress shows: `bot.domain.report.weekly_mean`)."""
    return report.weekly_mean(mornings(history), end, days=rules.baseline.trend_days)


def flare_level(level: int, rules: Progression) -> int:
    """R6: the level a session runs at while in flare mode."""
    return max(1, min(level, rules.flare.max_level))


def session_level(history: History, day: date, rules: Progression) -> int:
    """The level a session on `day` runs (see `running_level`)."""
    runner = history.runner
    return running_level(
        min(runner.level, history.max_level),
        in_flare=runner.flare_since is not None,
        severe_recently=_severe_in_week(history, day, rules),
        rules=rules,
    )


def running_level(level: int, *, in_flare: bool, severe_recently: bool, rules: Progression) -> int:
    """The level a session runs at from the stored level: at most the flare level in flare
    mode; a stored level at or above the level-4 gate runs one below it while a check-in of
    the last week was at or above the gate's pain (`severe_recently`)."""
    level = max(1, level)
    if in_flare:
        return flare_level(level, rules)
    gate = rules.gates
    if level >= gate.level and severe_recently:
        return gate.level - 1
    return level


def session_pain(history: History, session_id: int) -> int | None:
    """P of a session: its latest after-session rating; None when not given."""
    found = _session_rating(history, session_id)
    return None if found is None else found.score


# --- the one entry point ---------------------------------------------------------------------


def decide(history: History, event: Event, rules: Progression) -> Outcome:
    """Every decision `event` brings, in the spec's order, and the runner after them. The
    event's rating is already in `history`."""
    if isinstance(event, Stop | Resume):
        return _safety(history, event, rules)
    if history.runner.memory.stopped_on is not None:
        return Outcome((), history.runner)  # recorded, deciding nothing until the runner is back
    if isinstance(event, EndOfDay):
        return _end_of_day(history, event.day, rules)
    _check_score(event.score)
    step = _Step(history, event.day, rules)
    if isinstance(event, SessionPain):
        step.session_pain(event)
    elif isinstance(event, RunPain):
        step.run_pain(event.score)
    elif isinstance(event, AdHoc):
        step.severe_rating(event.score)
    else:
        step.morning(event.score)
    return step.outcome()


def catch_up(history: History, through: date, rules: Progression) -> tuple[Outcome, History]:
    """The daily jobs of every day after the last one that ran, through `through` (the bot
    runs them lazily, before a rating or a reminder). The decisions, and the history with
    them applied."""
    runner = history.runner
    last = runner.memory.daily_on
    if last is None:
        # A runner new to version 2: the daily jobs start from yesterday, not from the past.
        runner = replace(runner, memory=replace(runner.memory, daily_on=through))
        return Outcome((), runner), replace(history, runner=runner)
    decisions: list[Decision] = []
    rescreen = False
    day = last + _DAY
    while day <= through:
        outcome = decide(history, EndOfDay(day), rules)
        history = applied(history, outcome)
        decisions.extend(outcome.decisions)
        rescreen = rescreen or outcome.rescreen
        day += _DAY
    if history.runner.memory.daily_on != through and through > last:
        memory = replace(history.runner.memory, daily_on=through)
        history = replace(history, runner=replace(history.runner, memory=memory))
    return Outcome(tuple(decisions), history.runner, rescreen), history


def daily_jobs_read_from(memory: Memory, through: date, rules: Progression) -> date:
    """The first day of history the daily jobs of the days after `memory.daily_on` (the
    last day whose jobs ran) through `through` look at: R6b's W of the last week and its
    once-a-week, a session's missing morning two days back, R8's sessions of the last week
    and its once-a-week, the session level's week of ratings; and, when the B recompute
    falls on one of those days (every 28 days from B0), its mornings of the last 28 days.
    `catch_up` decides the same on the history from this day on as on all of it
    (tests/domain/test_daily_window.py), so a reminder need not read months of it, and
    on most days reads a week."""
    last = memory.daily_on
    assert last is not None, "the daily jobs of a runner new to them do not run"
    back = max(
        rules.baseline.trend_days,
        rules.dosing.nudge_window_days,
        rules.flare.clinician_every_days,
        3,  # _missing_morning: a session two days back and the morning after it
    )
    if memory.b0_on is not None:
        every = rules.baseline.recompute_days
        days = range((last - memory.b0_on).days + 1, (through - memory.b0_on).days + 1)
        if any(n > 0 and n % every == 0 for n in days):  # as _recompute decides
            back = max(back, rules.baseline.recompute_window_days)
    return last + _DAY - timedelta(days=back - 1)  # the window of `back` days to last + 1


def rating_read_from(
    memory: Memory, event: Event, through: date, rules: Progression
) -> date | None:
    """The first day of history to read for a rating (`event`), the daily jobs through
    `through` running before it when they have not run; None: read the whole history (a
    morning rating before B0 is fixed may fix it from the first mornings, wherever they
    are). The days hold all the rules look back over by date: R3's weekly means of this
    week and the last, R6b's second flare within 14 days and its once a week, R3's days
    since a change, R7's hold, R6's mornings in a row, and the daily jobs' own window
    (`daily_jobs_read_from`). A morning rating also counts things rather than days (R3's
    row, R5's hold, a gate's last sessions), which may reach further back:
    `rating_window_holds` says whether they did."""
    if isinstance(event, Morning) and memory.b0 is None:
        return None
    back = max(
        2 * rules.baseline.trend_days,
        rules.flare.second_flare_days + 1,
        rules.flare.clinician_every_days,
        rules.level_up.min_days_between,
        rules.runs.no_level_up_days,
        (rules.flare.morning_rise_days - 1) * rules.flare.morning_gap_days + 1,
    )
    since = min(event.day, through + _DAY) - timedelta(days=back - 1)
    if memory.daily_on is not None and memory.daily_on < through:
        since = min(since, daily_jobs_read_from(memory, through, rules))
    return since


def rating_window_holds(window: History, event: Event, rules: Progression) -> bool:
    """Whether `decide(window, event)` decides as on the whole history, `window` being the
    history from `rating_read_from` on, with the daily jobs caught up and the event's
    rating in it. An after-session rating needs its session in it. Only a morning rating
    after a ladder session the day before counts things rather than days (R3, R5, the
    gates), so only for one: R3's row began in the window (or already holds the sessions a
    level-up needs); R5's hold began in it (or as many ladder sessions as it holds ended
    since); and a gate the next level-up may meet finds its last sessions with the step
    in it. Otherwise the caller reads the whole history.

    This holds for histories as the bot stores them (tests/domain/test_rating_window.py
    draws them): a row's local date and its time in the same order, and a rating on or
    after the day of the session it rates."""
    if isinstance(event, SessionPain):
        return _session(window, event.session_id) is not None
    if not isinstance(event, Morning) or _ladder_session_on(window, event.day - _DAY) is None:
        return True
    runner = window.runner
    if runner.memory.b0 is None:
        return False
    row, restarted = _row_and_restart(window, rules)
    if not restarted and len(row) < rules.level_up.sessions_in_a_row:
        return False
    ended = [s for s in window.sessions if s.level is not None and s.ended]
    if _last_change(window) is None and len(ended) < rules.level_down.hold_sessions:
        return False
    gate = rules.gates
    for level, step in (
        (gate.level, gate.comfortable_step),
        (gate.top_level, gate.sharp_pain_step),
    ):
        with_step = sum(1 for s in ended if step in s.steps)
        if runner.level + 1 >= level and with_step < gate.comfortable_sessions:
            return False
    return True


def applied(history: History, outcome: Outcome) -> History:
    """The history after an outcome: its runner, and its decisions recorded."""
    recorded = tuple(
        Recorded(
            day=d.day,
            at=_after(history, d.day),
            kind=d.kind,
            rule_id=d.rule_id,
            from_level=d.from_level,
            to_level=d.to_level,
            numbers=d.numbers,
        )
        for d in outcome.decisions
    )
    return replace(history, runner=outcome.runner, decisions=(*history.decisions, *recorded))


# --- one event's decisions ----------------------------------------------------------------


class _Step:
    """The decisions of one event, applied to a working copy of the runner in order."""

    def __init__(self, history: History, day: date, rules: Progression) -> None:
        self.history = history
        self.day = day
        self.rules = rules
        self.decisions: list[Decision] = []
        self.rescreen = False

    # the working runner
    @property
    def runner(self) -> Runner:
        return self.history.runner

    def set_runner(self, runner: Runner) -> None:
        self.history = replace(self.history, runner=runner)

    def add(
        self,
        rule_id: str,
        kind: DecisionKind,
        key: str,
        numbers: Mapping[str, Number],
        *,
        to_level: int | None = None,
    ) -> Decision:
        from_level = self.runner.level
        if to_level is not None:
            self.set_runner(replace(self.runner, level=to_level))
        decision = _decision(
            self.history, self.rules, self.day, rule_id, kind, key, numbers, from_level
        )
        self.decisions.append(decision)
        self.history = applied(self.history, Outcome((decision,), self.runner))
        return decision

    def outcome(self) -> Outcome:
        return Outcome(tuple(self.decisions), self.runner, self.rescreen)

    # events

    def session_pain(self, event: SessionPain) -> None:
        session = _session(self.history, event.session_id)
        ladder = session is not None and session.level is not None
        if event.score >= self.rules.flare.pain_at_least:
            self.severe_rating(event.score)
        elif event.score > self.rules.level_down.pain_above and ladder:
            self.down("pain", {"p": event.score, "threshold": self.rules.level_down.pain_above})

    def run_pain(self, p: int) -> None:
        rules = self.rules
        if p >= rules.flare.pain_at_least:
            self.severe_rating(p)
        numbers: dict[str, Number] = {"p": p, "max_pain": rules.level_up.max_pain}
        if self.runner.flare_since is not None:
            self.add("R7", "run_walk", "decision_run_walk", numbers)
        elif p > rules.level_up.max_pain:
            self.add("R7", "run_ease", "decision_run_ease_pain", numbers)

    def severe_rating(self, p: int) -> None:
        """R6 and R5: a rating of 7 or more starts flare mode (once) and lowers the level.
        An ad hoc rating below that changes nothing here (it breaks R3's row later)."""
        rules = self.rules
        if p < rules.flare.pain_at_least:
            return
        numbers: dict[str, Number] = {"p": p, "threshold": rules.flare.pain_at_least}
        if self.runner.flare_since is None:
            self.flare_on("decision_flare_on_pain", numbers)
        self.down("pain", numbers)

    def morning(self, am: int) -> None:
        history, rules, day = self.history, self.rules, self.day
        b = baseline_on(history, day)
        is_settled = settled(history, day, am, rules)
        base: dict[str, Number] = {"am": am, "b": b, "margin": rules.settled_margin}
        # R6: flare on by two mornings in a row, or off by two settled ones.
        if self.runner.flare_since is None:
            rise = self._morning_rise(am)
            if rise is not None:
                self.flare_on("decision_flare_on_morning", {**base, **rise})
        else:
            self._flare_off(am)
        self.clinician_check()
        # R5, R3, R4 for the ladder session this morning follows.
        session = _ladder_session_on(self.history, day - _DAY)
        if session is not None:
            p = session_pain(self.history, session.id)
            if not is_settled:
                if p is None or p <= rules.level_down.pain_above:
                    self.down("morning", {**base, "limit": b + rules.settled_margin, "p": p})
            elif p is None and self._would_count(session):
                self.add("R3", "wait", "decision_missing_pain", {"session_day": _iso(day - _DAY)})
            elif self.runner.flare_since is None:
                self._up_or_repeat(session, am, p)
        # R7: the morning after a run.
        runs = [r for r in self.history.ratings if r.kind is CheckinKind.AFTER_RUN]
        if any(r.day == day - _DAY for r in runs):
            numbers = {**base, "run_day": _iso(day - _DAY)}
            if self.runner.flare_since is not None:
                self.add("R7", "run_walk", "decision_run_walk", numbers)
            elif is_settled:
                self.add("R7", "run_keep", "decision_run_keep", numbers)
            else:
                until = day + timedelta(days=rules.runs.no_level_up_days)
                numbers["level_up_from"] = _iso(until)
                self.add("R7", "run_ease", "decision_run_ease_morning", numbers)
        # B0 is fixed by the 7th morning, after that morning was judged.
        self._fix_b0()

    # pieces

    def flare_on(self, key: str, numbers: Mapping[str, Number]) -> None:
        rules = self.rules
        self.set_runner(replace(self.runner, flare_since=self.day))
        numbers = {
            **numbers,
            "max_level": rules.flare.max_level,
            "session_level": session_level(self.history, self.day, rules),
        }
        self.add("R6", "flare_on", key, numbers)
        ended = _last(self.history, "flare_off", before=self.day)
        if ended is not None and self.day <= ended.day + timedelta(
            days=rules.flare.second_flare_days
        ):
            second: dict[str, Number] = {
                "last_flare_end": _iso(ended.day),
                "within": rules.flare.second_flare_days,
            }
            self.clinician("decision_clinician_second", second)

    def _morning_rise(self, am: int) -> dict[str, Number] | None:
        """R6 by mornings: this morning and the morning rating before it (at most a few
        days back, none between) both at least B + the rise."""
        rules, day = self.rules, self.day
        rise = rules.flare.morning_rise
        needed = rules.flare.morning_rise_days
        scores = mornings(self.history)
        days = [d for d in scores if d <= day]
        if len(days) < needed or days[-1] != day:
            return None
        chain = days[-needed:]
        for earlier, later in itertools.pairwise(chain):
            if (later - earlier).days > rules.flare.morning_gap_days:
                return None
        rises = [scores[d] - baseline_on(self.history, d) for d in chain]
        if min(rises) < rise:
            return None
        return {"rise": rise, "days": needed, "smallest_rise": min(rises)}

    def _flare_off(self, am: int) -> None:
        """R6 ends: 2 settled mornings on consecutive days, both after the last rating of 7+
        (or after the flare began, when mornings started it)."""
        rules, day, history = self.rules, self.day, self.history
        since = self.runner.flare_since
        assert since is not None
        severe = [
            r
            for r in history.ratings
            if r.kind is not CheckinKind.MORNING
            and r.score >= rules.flare.pain_at_least
            and r.day >= since
        ]
        after = max((r.day for r in severe), default=since)
        scores = mornings(history)
        needed = rules.flare.morning_rise_days
        for back in range(needed):
            d = day - timedelta(days=back)
            score = scores.get(d)
            if d <= after or score is None or not settled(history, d, score, rules):
                return
        numbers: dict[str, Number] = {
            "days": needed,
            "am": am,
            "b": baseline_on(history, day),
            "margin": rules.settled_margin,
            "flare_days": (day - since).days,
        }
        self.set_runner(replace(self.runner, flare_since=None))
        self.add("R6", "flare_off", "decision_flare_off", numbers)

    def clinician_check(self) -> None:
        """R6b: flare mode longer than 7 days, or W >= B + 2."""
        rules, day, history = self.rules, self.day, self.history
        since = self.runner.flare_since
        if since is not None and day >= since + timedelta(days=rules.flare.clinician_after_days):
            flare_days = (day - since).days
            self.clinician(
                "decision_clinician_flare",
                {"flare_days": flare_days, "after_days": rules.flare.clinician_after_days},
            )
            return
        w = weekly_mean(history, day, rules)
        b = baseline_on(history, day)
        if w is not None and w >= Fraction(b) + rules.flare.weekly_rise:
            numbers: dict[str, Number] = {"w": float(w), "b": b, "rise": rules.flare.weekly_rise}
            self.clinician("decision_clinician_trend", numbers)

    def clinician(self, key: str, numbers: Mapping[str, Number], *, always: bool = False) -> None:
        """R6b's advice, at most once in 7 days (unless `always`); it asks R0 again (R0c)."""
        every = self.rules.flare.clinician_every_days
        last = _last(self.history, "clinician")
        if not always and last is not None and self.day < last.day + timedelta(days=every):
            return
        self.add("R6b", "clinician", key, numbers)
        self.rescreen = True

    def down(self, cause: str, numbers: Mapping[str, Number]) -> None:
        """R5: down one level and hold; at level 1 nothing changes (a repeat says so)."""
        rules = self.rules
        numbers = {**numbers, "hold_sessions": rules.level_down.hold_sessions}
        level = self.runner.level
        if level <= 1:
            self.add("R5", "repeat", f"decision_stay_first_{cause}", numbers)
            return
        flare = "_flare" if self.runner.flare_since is not None else ""
        key = f"decision_level_down_{cause}{flare}"
        self.add("R5", "level_down", key, numbers, to_level=level - 1)

    def _would_count(self, session: SessionRecord) -> bool:
        """The session would count toward R3 but for a missing rating."""
        return (
            session.status is SessionStatus.COMPLETED
            and not session.in_flare
            and not session.hurts
            and _ran_whole_level(session)
            and session.planned_level == session.level == self.runner.level
        )

    def _up_or_repeat(self, session: SessionRecord, am: int, p: int | None) -> None:
        rules, history, day = self.rules, self.history, self.day
        row = _row(history, rules)
        needed = rules.level_up.sessions_in_a_row
        if len(row) >= needed and row[-1].id == session.id:
            self._level_up_or_wait(row[-needed:], am)
        elif p is not None and zone(p, rules) == "amber":
            numbers: dict[str, Number] = {
                "p": p,
                "amber_max": rules.zones.amber_max,
                "am": am,
                "b": baseline_on(history, day),
                "margin": rules.settled_margin,
            }
            self.add("R4", "repeat", "decision_repeat_amber", numbers)

    def _level_up_or_wait(self, row: list[SessionRecord], am: int) -> None:
        rules, history, day = self.rules, self.history, self.day
        level = self.runner.level
        up = rules.level_up
        base: dict[str, Number] = {"sessions": up.sessions_in_a_row}

        def wait(rule_id: str, key: str, numbers: Mapping[str, Number]) -> None:
            self.add(rule_id, "wait", key, {**base, **numbers})

        if level >= history.max_level:
            wait("R3", "decision_wait_top", {"max_level": history.max_level})
            return
        hold = _hold_remaining(history, rules)
        if hold > 0:
            wait(
                "R5",
                "decision_wait_hold",
                {"hold_sessions": rules.level_down.hold_sessions, "remaining": hold},
            )
            return
        ease = _run_hold(history, day, rules)
        if ease is not None:
            wait("R7", "decision_wait_run", {"level_up_from": _iso(ease)})
            return
        w = weekly_mean(history, day, rules)
        w_last = weekly_mean(history, day - timedelta(days=rules.baseline.trend_days), rules)
        b = baseline_on(history, day)
        limit = w_last if w_last is not None else Fraction(b) + rules.settled_margin
        if w is not None and w > limit:
            numbers: dict[str, Number] = {"w": float(w), "w_last": _float(w_last), "b": b}
            wait("R3", "decision_wait_trend", numbers)
            return
        gate = _gate(history, level + 1, day, rules)
        if gate is not None:
            rule_id, key, numbers = gate
            wait(rule_id, key, numbers)
            return
        change = _last_change(history)
        if change is not None and day < change.day + timedelta(days=up.min_days_between):
            wait(
                "R3",
                "decision_wait_days",
                {
                    "days_since_change": (day - change.day).days,
                    "min_days": up.min_days_between,
                    "next_date": _iso(change.day + timedelta(days=up.min_days_between)),
                },
            )
            return
        pains = [session_pain(history, s.id) or 0 for s in row]
        numbers = {
            **base,
            "max_pain": up.max_pain,
            "p_max": max(pains),
            "am": am,
            "b": b,
            "margin": rules.settled_margin,
            "w": _float(w),
            "w_last": _float(w_last),
        }
        self.add("R3", "level_up", "decision_level_up", numbers, to_level=level + 1)

    def _fix_b0(self) -> None:
        memory = self.runner.memory
        first = self.rules.baseline.first_mornings
        if memory.b0 is not None:
            return
        days = list(mornings(self.history).items())
        if len(days) < first:
            return
        self.set_runner(replace(self.runner, memory=memory.with_b0(days[:first])))


# --- daily jobs ------------------------------------------------------------------------------


def _end_of_day(history: History, day: date, rules: Progression) -> Outcome:
    step = _Step(history, day, rules)
    if step.runner.flare_since is not None:
        step.clinician_check()
    _recompute(step)
    _missing_morning(step)
    _nudge(step)
    memory = replace(step.runner.memory, daily_on=day)
    step.set_runner(replace(step.runner, memory=memory))
    return step.outcome()


def _recompute(step: _Step) -> None:
    """Every 28 days from the day B0 was fixed: B becomes the 28-day median (at least 7
    mornings), rising by at most 1; a median of B + 2 or more keeps B and fires R6b."""
    rules, day, history = step.rules, step.day, step.history
    memory = step.runner.memory
    if memory.b0_on is None or day <= memory.b0_on:
        return
    if (day - memory.b0_on).days % rules.baseline.recompute_days:
        return
    start = day - timedelta(days=rules.baseline.recompute_window_days - 1)
    scores = [s for d, s in mornings(history).items() if start <= d <= day]
    if len(scores) < rules.baseline.recompute_min_mornings:
        return
    median = float(statistics.median(scores))
    b = baseline_on(history, day)
    if median >= b + rules.flare.weekly_rise:
        numbers: dict[str, Number] = {"median": median, "b": b, "rise": rules.flare.weekly_rise}
        step.clinician("decision_clinician_baseline", numbers, always=True)
        return
    new = min(median, b + rules.baseline.max_rise)
    memory = replace(memory, baselines=(*memory.baselines, (day + _DAY, new)))
    step.set_runner(replace(step.runner, memory=memory))


def _missing_morning(step: _Step) -> None:
    """A session that would count but for its missing next-morning rating: told once, at
    the end of the day that rating's button expired (it can be tapped the day after)."""
    history, day = step.history, step.day
    session = _ladder_session_on(history, day - 2 * _DAY)
    if session is None or session.day + _DAY in mornings(history):
        return
    if session.in_flare or session_pain(history, session.id) is None:
        return
    if not step._would_count(session):
        return
    step.add("R3", "wait", "decision_missing_morning", {"session_day": _iso(session.day)})


def _nudge(step: _Step) -> None:
    """R8: from the 8th day on, fewer than 3 sessions in the last 7 days; once in 7 days."""
    rules, history, day = step.rules, step.history, step.day
    window = rules.dosing.nudge_window_days
    if day < history.start + timedelta(days=window):
        return
    last = _last(history, "nudge")
    if last is not None and day < last.day + timedelta(days=window):
        return
    start = day - timedelta(days=window - 1)
    count = sum(1 for s in history.sessions if s.ended and start <= s.day <= day)
    if count >= rules.dosing.nudge_below_sessions:
        return
    numbers: dict[str, Number] = {
        "sessions": count,
        "target": rules.dosing.nudge_below_sessions,
        "window_days": window,
        "seconds_per_stretch": rules.dosing.seconds_per_stretch,
    }
    step.add("R8", "nudge", "decision_nudge", numbers)


# --- safety ----------------------------------------------------------------------------------


def _safety(history: History, event: Stop | Resume, rules: Progression) -> Outcome:
    runner = history.runner
    memory = runner.memory
    step = _Step(history, event.day, rules)
    if isinstance(event, Stop):
        if memory.stopped_on is not None:
            return Outcome((), runner)
        step.set_runner(replace(runner, memory=replace(memory, stopped_on=event.day)))
        step.add(event.rule_id, "stop", "decision_stop", {})
        return step.outcome()
    if memory.stopped_on is None:
        return Outcome((), runner)
    paused = event.day - memory.stopped_on
    flare_since = None if runner.flare_since is None else runner.flare_since + paused
    memory = replace(memory, stopped_on=None, daily_on=event.day - _DAY)
    step.set_runner(replace(runner, flare_since=flare_since, memory=memory))
    step.add("R0", "resume", "decision_resume", {"paused_days": paused.days})
    return step.outcome()


# --- what R3 counts ----------------------------------------------------------------------------


def _row(history: History, rules: Progression) -> list[SessionRecord]:
    """The counted sessions in a row at the stored level, oldest first: the row restarts
    after a level change, a flare's end, a session that does not count, a "hurts" and any
    rating above the level-down threshold."""
    return _row_and_restart(history, rules)[0]


def _row_and_restart(history: History, rules: Progression) -> tuple[list[SessionRecord], bool]:
    """`_row`, and whether it began at a restart the history holds (a level change, a
    flare's start or end, or a break): then no earlier row could have added to it."""
    level = history.runner.level
    reset = max(
        (d.at for d in history.decisions if d.kind in (*_CHANGES, "flare_off", "flare_on")),
        default=None,
    )
    high = rules.level_down.pain_above
    events: list[tuple[datetime, int, SessionRecord | None]] = []
    for session in history.sessions:
        if session.level is None and not session.hurts:
            continue  # another routine: neither counts nor breaks the row
        events.append((session.at, 1, session))
    for rating in history.ratings:
        if rating.kind is not CheckinKind.MORNING and rating.score > high:
            events.append((rating.at, 0, None))
    row: list[SessionRecord] = []
    restarted = reset is not None
    for at, _, item in sorted(events, key=lambda e: (e[0], e[1])):
        if reset is not None and at <= reset:
            continue
        if item is not None and item.status is SessionStatus.IN_PROGRESS:
            continue  # today's session, not yet ended, decides nothing yet
        if item is None or not _counts(history, item, level, rules):
            row, restarted = [], True
            continue
        if row and row[-1].day == item.day:
            row[-1] = item  # one settled morning judges one day: a day counts once
            continue
        row.append(item)
    return row, restarted


def _counts(history: History, session: SessionRecord, level: int, rules: Progression) -> bool:
    if (
        session.status is not SessionStatus.COMPLETED
        or session.level != level
        or session.planned_level not in (None, session.level)
        or session.in_flare
        or session.hurts
        or not _ran_whole_level(session)
    ):
        return False
    p = session_pain(history, session.id)
    if p is None or p > rules.level_up.max_pain:
        return False
    next_day = session.day + _DAY
    am = mornings(history).get(next_day)
    return am is not None and settled(history, next_day, am, rules)


def _ran_whole_level(session: SessionRecord) -> bool:
    if session.level is None:
        return False
    wanted = set(range(1, session.level + 1))
    return wanted <= session.steps and not (session.skipped & wanted)


def _hold_remaining(history: History, rules: Progression) -> int:
    """Ladder sessions still to end after the last R5 level-down before a level-up."""
    change = _last_change(history)
    if change is None or change.kind != "level_down" or change.rule_id != "R5":
        return 0
    ended = sum(1 for s in history.sessions if s.level is not None and s.ended and s.at > change.at)
    return max(0, rules.level_down.hold_sessions - ended)


def _run_hold(history: History, day: date, rules: Progression) -> date | None:
    """R7: the first day a level-up may come after an unsettled morning after a run (a
    run_ease that names that day). Counted from the morning with today's thresholds, as
    every other hold is, so that a hold never reaches further back than they say."""
    for decision in reversed(history.decisions):
        if decision.kind == "run_ease" and "level_up_from" in decision.numbers:
            first = decision.day + timedelta(days=rules.runs.no_level_up_days)
            if day < first:
                return first
    return None


def _gate(
    history: History, to_level: int, day: date, rules: Progression
) -> tuple[str, str, dict[str, Number]] | None:
    gate = rules.gates
    if to_level == gate.level:
        start = day - timedelta(days=rules.baseline.trend_days - 1)
        highest = max((r.score for r in history.ratings if start <= r.day <= day), default=0)
        if highest >= gate.pain_below:
            numbers: dict[str, Number] = {
                "highest": highest,
                "threshold": gate.pain_below,
                "days": rules.baseline.trend_days,
            }
            return f"gate{gate.level}", "decision_gate_pain", numbers
        uncomfortable = _uncomfortable(history, gate.comfortable_step, gate)
        if uncomfortable is not None:
            return f"gate{gate.level}", "decision_gate_step", uncomfortable
    if to_level == gate.top_level:
        uncomfortable = _uncomfortable(history, gate.sharp_pain_step, gate)
        if uncomfortable is not None:
            return f"gate{gate.top_level}", "decision_gate_top", uncomfortable
    return None


def _uncomfortable(history: History, step: int, gate: Gates) -> dict[str, Number] | None:
    """The numbers when step `step` was not done comfortably in each of the last sessions
    that included it (skipped or "hurts"); None when it was."""
    needed = gate.comfortable_sessions
    included = [s for s in history.sessions if s.level is not None and s.ended and step in s.steps][
        -needed:
    ]
    bad = sum(1 for s in included if step in s.hurt or step in s.skipped)
    if len(included) >= needed and bad == 0:
        return None
    return {
        "step": step,
        "hurts": bad,
        "sessions_with_step": len(included),
        "comfortable_sessions": needed,
    }


# --- helpers -------------------------------------------------------------------------------


def _decision(
    history: History,
    rules: Progression,
    day: date,
    rule_id: str,
    kind: DecisionKind,
    key: str,
    numbers: Mapping[str, Number],
    from_level: int,
) -> Decision:
    runner = history.runner
    fields = {k: _format(v) for k, v in numbers.items() if v is not None}
    fields["from_level"] = str(from_level)
    fields["level"] = str(runner.level)
    fields["session_level"] = str(session_level(history, day, rules))
    return Decision(
        day=day,
        rule_id=rule_id,
        kind=kind,
        from_level=from_level,
        to_level=runner.level,
        session_level=session_level(history, day, rules),
        flare=runner.flare_since is not None,
        numbers=MappingProxyType(dict(numbers)),
        message_key=key,
        fields=MappingProxyType(fields),
    )


def _format(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _iso(day: date) -> str:
    return day.isoformat()


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _severe_in_week(history: History, day: date, rules: Progression) -> bool:
    start = day - timedelta(days=rules.baseline.trend_days - 1)
    return any(r.score >= rules.gates.pain_below for r in history.ratings if start <= r.day <= day)


def _session(history: History, session_id: int) -> SessionRecord | None:
    return next((s for s in history.sessions if s.id == session_id), None)


def _session_rating(history: History, session_id: int) -> Rating | None:
    found: Rating | None = None
    for rating in history.ratings:
        mine = rating.kind is CheckinKind.AFTER_SESSION and rating.session_id == session_id
        if mine and (found is None or rating.at >= found.at):
            found = rating
    return found


def _ladder_session_on(history: History, day: date) -> SessionRecord | None:
    """The last ended ladder session of `day`."""
    found = [s for s in history.sessions if s.day == day and s.level is not None and s.ended]
    return found[-1] if found else None


def _last(history: History, kind: DecisionKind, *, before: date | None = None) -> Recorded | None:
    for decision in reversed(history.decisions):
        if decision.kind == kind and (before is None or decision.day <= before):
            return decision
    return None


def _last_change(history: History) -> Recorded | None:
    for decision in reversed(history.decisions):
        if decision.kind in _CHANGES and decision.from_level != decision.to_level:
            return decision
    return None


def _after(history: History, day: date) -> datetime:
    """An instant after everything in the history (orders a decision after its cause)."""
    times: Iterable[datetime] = (
        *(r.at for r in history.ratings),
        *(s.at for s in history.sessions),
        *(d.at for d in history.decisions),
    )
    latest = max(times, default=None)
    if latest is None:
        return datetime.combine(day, time(), tzinfo=UTC)
    return latest + timedelta(microseconds=1)


def _check_score(score: int) -> None:
    if not 0 <= score <= 10:
        raise ValueError(f"pain {score} is outside 0-10")
