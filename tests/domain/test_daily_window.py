"""The daily jobs decide the same on the weeks `daily_jobs_read_from` names as on the whole
history: a reminder reads those weeks only (bot/services/progression.py, daily_jobs).

Histories are drawn at random, with their odd corners: ratings of every kind on every day
(several on one day, some after the days caught up), sessions of every status and level,
with skipped and hurting steps and their ratings a day late, decisions of every kind
(R6b's and R8's once-a-week among them), a baseline fixed on a day the 28-day recompute
falls on, flare mode, a safety stop, a catch-up of several days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import Content
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, SessionStatus

FIRST = date(2026, 1, 5)
DAYS = 100  # the history's length: longer than any window the daily jobs use


def day(n: int) -> date:
    return FIRST + timedelta(days=n)


@st.composite
def histories(draw: Any, max_level: int) -> tuple[rules.History, date]:
    """A history whose daily jobs ran through its `daily_on`, and the day to catch up to."""
    last = draw(st.integers(35, DAYS - 6))
    through = last + draw(st.integers(1, 5))
    clock = iter(range(10**6))

    def at(n: int) -> datetime:  # strictly later for each record drawn, within the day
        return datetime.combine(day(n), time(6), tzinfo=UTC) + timedelta(seconds=next(clock))

    rng = draw(st.randoms(use_true_random=True))
    mornings, trained, odd = (draw(st.sampled_from([0.3, 0.6, 0.9])) for _ in range(3))
    odd /= 5  # now and then a skip, a Hurts, another plan, a session in flare
    usual = draw(st.integers(1, 3))  # most sessions run the runner's level, whole

    def odd_one() -> bool:
        return bool(rng.random() < odd)

    def numbers(kind: str, n: int) -> dict[str, Any]:
        """R7's run_ease after an unsettled morning names the day a level-up may come."""
        if kind == "run_ease" and rng.random() < 0.5:
            return {"level_up_from": day(n + 7).isoformat()}
        return {}

    sessions: list[rules.SessionRecord] = []
    ratings: list[rules.Rating] = []
    for n in range(through + 2):
        if rng.random() < mornings:
            ratings.append(rules.Rating(day(n), rng.randint(0, 10), CheckinKind.MORNING, at(n)))
        for _ in range(rng.choice([1, 1, 1, 2]) if rng.random() < trained else 0):
            level = rng.choice([usual, usual, usual, None, rng.randint(1, max_level)])
            steps = frozenset(range(1, (level or 0) + 1 - (rng.random() < odd)))
            sessions.append(
                rules.SessionRecord(
                    id=len(sessions) + 1,
                    day=day(n),
                    at=at(n),
                    status=rng.choice([SessionStatus.COMPLETED] * 6 + list(SessionStatus)),
                    level=level,
                    planned_level=rng.randint(1, max_level) if rng.random() < odd else level,
                    in_flare=rng.random() < odd,
                    steps=steps,
                    skipped=frozenset(rng.sample(sorted(steps), 1) if steps and odd_one() else ()),
                    hurt=frozenset({rng.randint(1, max_level)} if odd_one() else ()),
                    hurt_extra=rng.random() < odd,
                )
            )
            if rng.random() < 0.8:  # its pain, mostly that day, now and then the next
                later = n + (rng.random() < 0.2)
                ratings.append(
                    rules.Rating(
                        day(later),
                        rng.randint(0, 10),
                        CheckinKind.AFTER_SESSION,
                        at(later),
                        len(sessions),
                    )
                )
        for kind in (CheckinKind.AFTER_RUN, CheckinKind.AD_HOC, CheckinKind.MORNING):
            if rng.random() < 0.15:  # a run, a /checkin, a second morning rating
                ratings.append(rules.Rating(day(n), rng.randint(0, 10), kind, at(n)))
    decisions = [
        rules.Recorded(day(n), at(n), kind, RULE_OF[kind], level, level + step, numbers(kind, n))
        for n, kind, level, step in sorted(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(0, last),
                        st.sampled_from(rules.DECISION_KINDS),
                        st.integers(1, max_level - 1),
                        st.integers(-1, 1),
                    ),
                    max_size=30,
                )
            )
        )
    ]
    b0_on = draw(
        st.none()
        | st.integers(0, last).map(day)
        | st.tuples(st.integers(1, 3), st.integers(1, through - last)).map(
            lambda mj: day(last + mj[1] - 28 * mj[0])  # the recompute falls in the catch-up
        )
    )
    b0 = draw(st.integers(0, 8))
    baselines = () if b0_on is None else ((b0_on + timedelta(days=1), float(b0)),)
    memory = rules.Memory(
        b0=None if b0_on is None else float(b0),
        b0_on=b0_on,
        baselines=baselines,
        daily_on=day(last),
        stopped_on=rng.choice([None] * 8 + [day(last - 3), day(last + 1)]),
    )
    flare = rng.choice([None, None, day(rng.randint(0, last))])
    history = rules.History(
        runner=rules.Runner(
            level=rng.choice([usual, usual, rng.randint(1, max_level)]),
            flare_since=flare,
            memory=memory,
        ),
        onboarding_pain=draw(st.integers(0, 10)),
        max_level=max_level,
        start=day(draw(st.integers(0, last))),
        ratings=tuple(sorted(ratings, key=lambda r: r.at)),
        sessions=tuple(sessions),
        decisions=tuple(decisions),
    )
    return history, day(through)


# The rule each kind of decision is recorded with (R5's hold looks for an R5 level-down).
RULE_OF = {
    "level_up": "R3",
    "level_down": "R5",
    "repeat": "R5",
    "wait": "R3",
    "flare_on": "R6",
    "flare_off": "R6",
    "clinician": "R6b",
    "run_keep": "R7",
    "run_ease": "R7",
    "run_walk": "R7",
    "nudge": "R8",
    "stop": "R0a",
    "resume": "R0",
}


def from_day(history: rules.History, since: date) -> rules.History:
    """What the database gives for `since` on (bot/db/repo/checkins.history)."""
    return replace(
        history,
        ratings=tuple(r for r in history.ratings if r.day >= since),
        sessions=tuple(s for s in history.sessions if s.day >= since),
        decisions=tuple(d for d in history.decisions if d.day >= since),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(data=st.data())
def test_the_daily_jobs_decide_the_same_on_their_weeks_as_on_everything(
    content: Content, data: st.DataObject
) -> None:
    history, through = data.draw(histories(len(content.ladder.steps)))
    memory = history.runner.memory
    assert memory.daily_on is not None
    since = rules.daily_jobs_read_from(memory, through, content.progression)
    assert since < memory.daily_on  # the window is not empty
    whole, _ = rules.catch_up(history, through, content.progression)
    weeks, _ = rules.catch_up(from_day(history, since), through, content.progression)
    assert weeks == whole


def test_a_week_is_read_unless_the_recompute_falls_in_the_days_caught_up(
    content: Content,
) -> None:
    """The week R6b, R8 and the session level look at; the 28 days of the B recompute on
    the day it runs, as far back as content/progression.yaml's window says."""
    thresholds = content.progression
    baseline = thresholds.baseline.model_copy(update={"recompute_window_days": 40})
    longer = thresholds.model_copy(update={"baseline": baseline})
    last = date(2026, 5, 1)
    yesterday = last + timedelta(days=1)

    def since(b0_on: date | None, rules_: Any = thresholds, through: date = yesterday) -> int:
        memory = rules.Memory(b0=None if b0_on is None else 2.0, b0_on=b0_on, daily_on=last)
        return (last - rules.daily_jobs_read_from(memory, through, rules_)).days

    assert since(None) == 5  # the week to yesterday: last - 5 .. last + 1
    assert since(yesterday - timedelta(days=28)) == 26  # the recompute runs yesterday
    assert since(yesterday - timedelta(days=28), longer) == 38
    assert since(yesterday - timedelta(days=29)) == 5  # it ran the day before: not again
    later = yesterday + timedelta(days=2)  # three days caught up, the recompute on the last
    assert since(later - timedelta(days=28), through=later) == 26
    assert since(yesterday) == 5  # B0 fixed yesterday: the first recompute is 28 days on


def test_the_daily_jobs_find_something_to_decide_in_the_drawn_histories(content: Content) -> None:
    """The comparison above is not of empty outcomes only: a recompute, a nudge, a missing
    morning and R6b each happen in histories of this shape."""
    seen: set[str] = set()

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.large_base_example],
    )
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        history, through = data.draw(histories(len(content.ladder.steps)))
        outcome, caught = rules.catch_up(history, through, content.progression)
        seen.update(d.message_key for d in outcome.decisions)
        if caught.runner.memory.baselines != history.runner.memory.baselines:
            seen.add("recompute")

    collect()
    assert {"recompute", "decision_nudge", "decision_missing_morning"} <= seen
    assert seen & {"decision_clinician_flare", "decision_clinician_trend"}
