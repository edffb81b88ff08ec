"""Multi-week histories played forward day by day, as the bot would: a morning rating (for
yesterday's session), a session with its P, sometimes a run; every decision is recorded and
level and flare decisions are applied to the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_content
from bot.domain.enums import CheckinKind
from bot.domain.progression import (
    MESSAGE_KEYS,
    Checkin,
    Decision,
    History,
    LevelChange,
    SessionRecord,
    evaluate_after_morning,
    evaluate_after_run,
    evaluate_after_session,
    flare_level,
)
from bot.domain.thresholds import Progression

RULES = load_content().progression
T0 = date(2026, 3, 2)  # a Monday


def d(month: int, dom: int) -> date:
    return date(2026, month, dom)


@dataclass
class Sim:
    rules: Progression = RULES
    level: int = 1
    onboarding: int = 3
    max_level: int = 7
    today: date = T0
    flare_since: date | None = None
    checkins: list[Checkin] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    changes: list[LevelChange] = field(default_factory=list)
    log: list[tuple[date, Decision]] = field(default_factory=list)

    def history(self) -> History:
        return History(
            onboarding_pain=self.onboarding,
            level=self.level,
            max_level=self.max_level,
            checkins=tuple(self.checkins),
            sessions=tuple(self.sessions),
            level_changes=tuple(self.changes),
            flare_since=self.flare_since,
            today=self.today,
        )

    def at(self, hour: int) -> datetime:
        return datetime.combine(self.today, time(hour), tzinfo=UTC)

    def morning(self, score: int) -> list[Decision]:
        self.checkins.append(Checkin(self.today, score, CheckinKind.MORNING, self.at(7)))
        return self.apply(evaluate_after_morning(self.history(), score, self.rules), 7)

    def session(self, p: int, *, hurt: Iterable[int] = ()) -> list[Decision]:
        sid = len(self.sessions) + 1
        level = self.level if self.flare_since is None else flare_level(self.level, self.rules)
        self.sessions.append(SessionRecord(sid, self.today, level, True, frozenset(hurt)))
        self.checkins.append(Checkin(self.today, p, CheckinKind.AFTER_SESSION, self.at(18), sid))
        return self.apply(evaluate_after_session(self.history(), sid, p, self.rules), 18)

    def run(self, p: int) -> list[Decision]:
        self.checkins.append(Checkin(self.today, p, CheckinKind.AFTER_RUN, self.at(19)))
        return self.apply(evaluate_after_run(self.history(), p, self.rules), 19)

    def next_day(self) -> None:
        self.today += timedelta(days=1)

    def day(self, am: int | None, p: int | None, *, hurt: Iterable[int] = ()) -> None:
        if am is not None:
            self.morning(am)
        if p is not None:
            self.session(p, hurt=hurt)
        self.next_day()

    def apply(self, decisions: list[Decision], hour: int) -> list[Decision]:
        """What the bot does: record every decision, move the level, switch flare mode."""
        for decision in decisions:
            self.check(decision)
            self.log.append((self.today, decision))
            self.changes.append(
                LevelChange(
                    self.at(hour),
                    self.today,
                    decision.from_level,
                    decision.to_level,
                    decision.rule_id,
                )
            )
            if decision.kind in ("level_up", "level_down"):
                self.level = decision.to_level
            elif decision.kind == "flare_on":
                self.flare_since = self.today
            elif decision.kind == "flare_off":
                self.flare_since = None
        return decisions

    def check(self, decision: Decision) -> None:
        """Invariants every decision keeps, whatever the history."""
        assert decision.message_key in MESSAGE_KEYS
        assert decision.numbers
        assert all(isinstance(v, str) for v in decision.fields.values())
        assert decision.from_level == self.level
        assert 1 <= decision.to_level <= self.max_level
        assert abs(decision.to_level - decision.from_level) <= 1
        if decision.kind == "level_up":
            assert decision.to_level == decision.from_level + 1
            assert self.flare_since is None
            last = [c for c in self.changes if c.from_level != c.to_level]
            if last:
                gap = (self.today - last[-1].local_date).days
                assert gap >= self.rules.level_up.min_days_between
            if decision.to_level == self.rules.gates.level:
                start = self.today - timedelta(days=self.rules.baseline.trend_days)
                recent = [c.score for c in self.checkins if start < c.local_date <= self.today]
                assert max(recent, default=0) < self.rules.gates.pain_below
        elif decision.kind == "level_down":
            assert decision.to_level == decision.from_level - 1
        else:
            assert decision.to_level == decision.from_level
        if decision.kind == "flare_on":
            assert self.flare_since is None
        if decision.kind == "flare_off":
            assert self.flare_since is not None

    def ups(self) -> list[tuple[date, int]]:
        return [(day, dec.to_level) for day, dec in self.log if dec.kind == "level_up"]

    def keys_on(self, day: date) -> list[str]:
        return [dec.message_key for when, dec in self.log if when == day]

    def levels(self) -> set[int]:
        return {c.to_level for c in self.changes} | {c.from_level for c in self.changes}


# --- (a) steady improvement --------------------------------------------------------------


def test_steady_improvement_climbs_one_level_a_week_to_the_top() -> None:
    """Six weeks from level 1: sessions Monday to Saturday with P 2, the morning check-in
    the day after each session (so none on Mondays), mornings 3 for two weeks, then 2, then 1;
    onboarding rating 4."""
    sim = Sim(onboarding=4)
    for n in range(42):
        today = T0 + timedelta(days=n)
        morning = [3, 3, 2, 2, 1, 1][n // 7] if n > 0 and today.weekday() != 0 else None
        sim.day(morning, 2 if today.weekday() != 6 else None)

    # Three sessions (Mon-Wed) are settled on Thursday 5 March; after that the 7-day cap sets
    # the pace: each Thursday, although three easy sessions at the level are done by Sunday.
    assert sim.ups() == [
        (d(3, 5), 2),
        (d(3, 12), 3),
        (d(3, 19), 4),
        (d(3, 26), 5),
        (d(4, 2), 6),
        (d(4, 9), 7),
    ]
    assert sim.level == 7
    assert sim.keys_on(d(3, 8)) == ["decision_wait_days"]  # Sunday: 3 sessions at 2, 3 days
    assert sim.keys_on(d(3, 11)) == ["decision_wait_days"]  # Wednesday: 6 days
    assert sim.keys_on(d(3, 9)) == []  # Monday: no morning check-in
    assert sim.keys_on(d(4, 12)) == ["decision_wait_top"]
    up = next(dec for day, dec in sim.log if day == d(3, 19))
    assert up.numbers["days_since_change"] == 7
    assert up.numbers["w"] == 2.5  # Fri-Sun 3, Tue-Thu 2
    assert up.numbers["w_last"] == 3.0
    assert all(dec.kind in ("level_up", "repeat") for _, dec in sim.log)


def test_easy_amber_sessions_level_up_too() -> None:
    """P 4 (amber) with settled mornings is R3, not a plateau: it climbs at the weekly pace."""
    sim = Sim()
    for _ in range(21):
        sim.day(4, 4)  # B 3 (onboarding, then the median of mornings of 4: B 4)
    assert sim.ups() == [(d(3, 5), 2), (d(3, 12), 3), (d(3, 19), 4)]
    assert sim.keys_on(d(3, 3)) == ["decision_repeat_amber"]


# --- (b) a flare and the recovery ----------------------------------------------------------


def test_a_flare_and_recovery_climbs_again() -> None:
    """Daily sessions, P 2, mornings 3 (= B). On Saturday 14 March a session hurts (P 8)."""
    sim = Sim()
    for n in range(30):
        today = T0 + timedelta(days=n)
        sim.day(3 if n > 0 else None, 8 if today == d(3, 14) else 2)

    flare_keys = [(day, dec.kind) for day, dec in sim.log if dec.kind in ("flare_on", "flare_off")]
    # Flare off after two settled mornings after the flare day, with the last P (2) below 7.
    assert flare_keys == [(d(3, 14), "flare_on"), (d(3, 16), "flare_off")]
    assert [s.level for s in sim.sessions if s.local_date == d(3, 15)] == [2]  # capped
    assert [s.level for s in sim.sessions if s.local_date == d(3, 16)] == [3]  # back to 3
    # Three good sessions at 3 again by Thursday 19 March, but the 8 of 14 March is within
    # the last 7 days: the level-4 gate waits until it is not.
    assert sim.keys_on(d(3, 19)) == ["decision_gate_pain"]
    assert sim.keys_on(d(3, 20)) == ["decision_gate_pain"]
    assert sim.ups() == [(d(3, 5), 2), (d(3, 12), 3), (d(3, 21), 4), (d(3, 28), 5)]
    assert sim.level == 5


def test_a_morning_flare_that_lasts_asks_for_a_clinician_once_a_week() -> None:
    """A session at level 3 hurts (P 8) on 2 March; the runner only walks for two weeks and
    mornings stay at B+1, so the flare lasts (the last P is still 8). One session at P 3 on
    17 March, and two settled mornings end it."""
    sim = Sim(level=3)
    sim.day(None, 8)
    for _ in range(14):
        sim.day(4, None)
    sim.day(4, 3)
    sim.day(4, None)
    sim.day(3, None)
    clinician = [(day, dec.message_key) for day, dec in sim.log if dec.kind == "clinician"]
    assert clinician == [
        (d(3, 10), "decision_clinician_flare"),  # 8 days in flare
        (d(3, 17), "decision_clinician_flare"),  # a week after the first advice
    ]
    assert [(day, dec.kind) for day, dec in sim.log if dec.rule_id == "R6"] == [
        (d(3, 2), "flare_on"),
        (d(3, 18), "flare_off"),
    ]
    assert sim.level == 3
    assert sim.flare_since is None


def test_two_bad_mornings_start_flare_mode_and_a_bad_week_asks_for_a_clinician() -> None:
    """Level 4, B 3. Two mornings at B+2 in a row (10-11 March): the first takes yesterday's
    session down (R5), the second starts flare mode. The runner only walks; when the whole
    week's mornings are at B+2 (16 March) a clinician review is advised, once a week."""
    sim = Sim(level=4)
    for n in range(8):
        sim.day(3 if n > 0 else None, 2)
    sim.day(5, 2)
    sim.day(5, None)
    for _ in range(12):
        sim.day(5, None)
    assert sim.keys_on(d(3, 10)) == ["decision_level_down_morning"]
    assert sim.keys_on(d(3, 11)) == ["decision_flare_on_morning"]
    clinician = [(day, dec.message_key) for day, dec in sim.log if dec.kind == "clinician"]
    assert clinician == [
        (d(3, 16), "decision_clinician_trend"),  # 10-16 March all at 5 = B + 2
        (d(3, 23), "decision_clinician_flare"),  # a week later: 12 days in flare
    ]
    assert sim.ups() == [(d(3, 5), 5)]  # the first easy week
    assert sim.level == 4
    assert sim.flare_since == d(3, 11)


# --- (c) plateaus ---------------------------------------------------------------------------


def test_a_plateau_of_p_five_and_six_never_climbs() -> None:
    """From level 2, P alternates 5 and 6, mornings at B+1: every 6 is a step down (R5), the
    5s repeat the level (R4), and the runner never leaves levels 1-2."""
    sim = Sim(level=2)
    for n in range(42):
        sim.day(4 if n > 0 else None, 5 if n % 2 == 0 else 6)
    assert sim.ups() == []
    assert sim.levels() <= {1, 2}
    assert sim.level == 1
    downs = [day for day, dec in sim.log if dec.kind == "level_down"]
    assert downs == [d(3, 3)]
    rules = {dec.message_key for _, dec in sim.log}
    assert rules == {
        "decision_repeat_amber",
        "decision_level_down_pain",
        "decision_stay_first_pain",
    }


def test_a_plateau_of_unsettled_mornings_every_other_day_never_climbs() -> None:
    """From level 2, P 4, mornings alternating B and B+2 (never two high in a row, so no
    flare): the high ones take the level down, the settled ones repeat it. B (the median of
    the first mornings, 3 3 3 3 and 5 5 5) stays 3 until its recompute on day 35."""
    sim = Sim(level=2)
    for n in range(35):
        sim.day(None if n == 0 else (3 if n % 2 else 5), 4)
    assert sim.ups() == []
    assert sim.levels() <= {1, 2}
    assert sim.level == 1
    assert all(dec.kind != "flare_on" for _, dec in sim.log)


def test_a_plateau_behind_the_level_four_gate() -> None:
    """Level 3, easy sessions, but child's pose (step 3) hurts every time: level 4 waits."""
    sim = Sim(level=3)
    for n in range(28):
        sim.day(3 if n > 0 else None, 3, hurt={3})
    assert sim.ups() == []
    assert sim.level == 3
    assert sim.keys_on(d(3, 5)) == ["decision_gate_step"]
    assert sim.keys_on(d(3, 29)) == ["decision_gate_step"]


# --- random histories --------------------------------------------------------------------------

DayPlan = tuple[int | None, int | None, bool, int | None]

day_plans = st.tuples(
    st.one_of(st.none(), st.integers(0, 10)),  # morning
    st.one_of(st.none(), st.integers(0, 10)),  # session P
    st.booleans(),  # step 3 hurts
    st.one_of(st.none(), st.integers(0, 10)),  # run P
)


@st.composite
def rules_variants(draw: Any) -> Progression:
    level_up = RULES.level_up.model_copy(
        update={
            "sessions_in_a_row": draw(st.integers(1, 4)),
            "min_days_between": draw(st.integers(0, 9)),
        }
    )
    level_down = RULES.level_down.model_copy(update={"hold_sessions": draw(st.integers(0, 4))})
    return RULES.model_copy(update={"level_up": level_up, "level_down": level_down})


@settings(max_examples=120, deadline=None)
@given(
    rules=st.one_of(st.just(RULES), rules_variants()),
    start=st.integers(1, 7),
    onboarding=st.integers(0, 10),
    plans=st.lists(day_plans, min_size=5, max_size=40),
)
def test_random_histories_keep_the_invariants(
    rules: Progression, start: int, onboarding: int, plans: list[DayPlan]
) -> None:
    """Levels stay within the ladder, move one step at a time, level-ups keep the minimum
    gap and never happen in flare mode or through a closed gate (see Sim.check); sessions in
    flare mode run at the capped level."""
    sim = Sim(rules=rules, level=start, onboarding=onboarding)
    for morning, p, hurts, run_p in plans:
        if morning is not None:
            sim.morning(morning)
        if p is not None:
            sim.session(p, hurt={3} if hurts else ())
            if sim.flare_since is not None and sim.flare_since != sim.today:
                assert sim.sessions[-1].level is not None
                assert sim.sessions[-1].level <= rules.flare.max_level
        if run_p is not None:
            sim.run(run_p)
        sim.next_day()
        assert 1 <= sim.level <= sim.max_level
    ups = [day for day, _ in sim.ups()]
    gap = rules.level_up.min_days_between
    assert all((b - a).days >= gap for a, b in pairwise(ups))


@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(st.integers(0, 5), min_size=10, max_size=30),
    start=st.integers(1, 7),
)
def test_easy_settled_histories_only_ever_climb(p: list[int], start: int) -> None:
    """Daily sessions with P <= 5 and mornings at B: no level ever goes down, and the level
    after n days is at most one step per min_days_between days above the start."""
    sim = Sim(level=start)
    for n, score in enumerate(p):
        sim.day(3 if n > 0 else None, score)
    assert all(dec.kind in ("level_up", "repeat") for _, dec in sim.log)
    weeks = len(p) // RULES.level_up.min_days_between + 1
    assert start <= sim.level <= min(sim.max_level, start + weeks)
