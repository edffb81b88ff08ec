"""A rating is decided on the weeks `rating_read_from` names when `rating_window_holds`
says they are enough, and then decides exactly as on the whole history; otherwise the
check-in reads the whole history (bot/services/checkins.py, log_rating).

The histories are the daily jobs' (tests/domain/test_daily_window.py): ratings of every
kind, sessions of every status and level with skipped and hurting steps, decisions of
every kind, a baseline or none, flare mode, a safety stop, daily jobs some days behind.
The rating is of any kind, today or (a morning's late tap) yesterday, an after-session
rating of a recent session or of an old one."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import Content
from bot.domain import progression as rules
from bot.domain.enums import CheckinKind, SessionStatus
from bot.domain.thresholds import Progression
from tests.domain.test_daily_window import FIRST, from_day, histories


@st.composite
def ratings(draw: Any, max_level: int) -> tuple[rules.History, date, rules.Event, rules.Rating]:
    """A drawn history (the daily jobs'), the day its daily jobs catch up to (yesterday),
    and a rating just given."""
    history, through = draw(histories(max_level))
    return (history, through, *draw(a_rating(history, through)))


@st.composite
def coached(
    draw: Any, content: Content, check: Check | None = None, t: Progression | None = None
) -> tuple[rules.History, date, rules.Event, rules.Rating]:
    """A history the rules made: a runner rating mornings, sessions and runs for weeks,
    mostly comfortably or mostly not, every rating decided as the bot decides it, the
    daily jobs run before each day's first. Level-ups, their waits and gates, holds and
    flares happen here as they do for runners; then a rating just given. `check` sees each
    rating before the rules decide it: the history, yesterday, the event, the rating. `t`:
    other thresholds than content/progression.yaml's."""
    t, max_level = t or content.progression, len(content.ladder.steps)
    rng = draw(st.randoms(use_true_random=True))
    days = draw(st.integers(20, 70))
    good, trained, rated, sore = (draw(st.sampled_from(chances)) for chances in _CHANCES)
    history = rules.History(
        runner=rules.Runner(level=draw(st.integers(1, 3) | st.integers(1, max_level))),
        onboarding_pain=draw(st.integers(0, 4)),
        max_level=max_level,
        start=FIRST,
    )
    clock = itertools.count()

    def rate(day: date, kind: CheckinKind, session_id: int | None = None) -> None:
        nonlocal history
        score = rng.randint(0, 2) if rng.random() < good else rng.randint(3, 9)
        at = datetime.combine(day, time(6), tzinfo=UTC) + timedelta(seconds=next(clock))
        rating = rules.Rating(day, score, kind, at, session_id)
        if check is not None:
            check(history, day - timedelta(days=1), rules.event_of(rating), rating)
        history = replace(history, ratings=(*history.ratings, rating))
        history = rules.applied(history, rules.decide(history, rules.event_of(rating), t))

    for n in range(days):
        day = FIRST + timedelta(days=n)
        if n:
            history = rules.catch_up(history, day - timedelta(days=1), t)[1]
        if rng.random() < rated:
            rate(day, CheckinKind.MORNING)
        if rng.random() < trained and history.runner.memory.stopped_on is None:
            level = rules.session_level(history, day, t)
            steps = frozenset(range(1, level + 1))
            odd = [rng.randint(1, level)] if rng.random() < sore else []
            session = rules.SessionRecord(
                id=len(history.sessions) + 1,
                day=day,
                at=datetime.combine(day, time(6), tzinfo=UTC) + timedelta(seconds=next(clock)),
                status=rng.choice([SessionStatus.COMPLETED] * 12 + list(SessionStatus)),
                level=level,
                planned_level=history.runner.level,
                in_flare=history.runner.flare_since is not None,
                steps=steps,
                skipped=frozenset(odd if rng.random() < 0.5 else ()),
                hurt=frozenset(odd) - frozenset(odd if rng.random() < 0.5 else ()),
            )
            history = replace(history, sessions=(*history.sessions, session))
            if session.status is not SessionStatus.ABANDONED and rng.random() < 0.9:
                rate(day, CheckinKind.AFTER_SESSION, session.id)
        if rng.random() < 0.3:
            rate(day, CheckinKind.AFTER_RUN)
        if rng.random() < 0.05:
            rate(day, CheckinKind.AD_HOC)
    through = FIRST + timedelta(days=days - 1)
    return (history, through, *draw(a_rating(history, through)))


Check = Callable[[rules.History, date, rules.Event, rules.Rating], object]
# comfortable, trained, rated, a step skipped or hurting
_CHANCES = ([0.6, 0.8, 0.95], [0.5, 0.8, 1.0], [0.7, 0.9, 1.0], [0.03, 0.08, 0.2])


@st.composite
def a_rating(draw: Any, history: rules.History, through: date) -> tuple[rules.Event, rules.Rating]:
    """A rating given today (or a morning's late tap for yesterday), after everything."""
    today = through + timedelta(days=1)
    kind = draw(st.sampled_from([CheckinKind.MORNING, *CheckinKind]))  # mornings most
    score = draw(st.integers(0, 2) | st.integers(0, 10))  # comfortable as often as not
    times = (*(r.at for r in history.ratings), *(s.at for s in history.sessions))
    latest = max((*times, *(d.at for d in history.decisions)))
    at = latest + timedelta(seconds=1)
    session_id, day = None, today
    if kind is CheckinKind.AFTER_SESSION:
        if not history.sessions:
            kind = CheckinKind.AD_HOC
        else:
            recent = [s for s in history.sessions if s.day >= today - timedelta(days=2)]
            chosen = draw(st.sampled_from(recent or list(history.sessions)))
            if draw(st.integers(0, 9)) == 0:  # now and then a session from long ago
                chosen = draw(st.sampled_from(list(history.sessions)))
            session_id = chosen.id
    elif kind is CheckinKind.MORNING:
        day = draw(st.sampled_from([today, through]))
    rating = rules.Rating(day, score, kind, at, session_id)
    return rules.event_of(rating), rating


def decided(
    history: rules.History, through: date, event: rules.Event, rating: rules.Rating, t: Progression
) -> tuple[rules.Outcome, rules.Outcome, rules.History]:
    """What log_rating does: the daily jobs, the rating stored, the rules on it."""
    caught, history = rules.catch_up(history, through, t)
    history = replace(history, ratings=(*history.ratings, rating))
    return caught, rules.decide(history, event, t), history


def holds_and_agrees(
    t: Progression, history: rules.History, through: date, event: rules.Event, r: rules.Rating
) -> tuple[bool, rules.Outcome]:
    """Whether the weeks held for this rating, and what it decided on them; when they held,
    the same as on the whole history (else the check-in reads the whole history)."""
    since = rules.rating_read_from(history.runner.memory, event, through, t)
    if since is None:  # read whole
        return False, decided(history, through, event, r, t)[1]
    caught, outcome, window = decided(from_day(history, since), through, event, r, t)
    holds = rules.rating_window_holds(window, event, t)
    if holds:
        assert (caught, outcome) == decided(history, through, event, r, t)[:2]
    return holds, outcome


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(data=st.data())
def test_a_rating_decides_the_same_on_its_weeks_as_on_everything_when_they_hold(
    content: Content, data: st.DataObject
) -> None:
    holds_and_agrees(content.progression, *data.draw(ratings(len(content.ladder.steps))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_so_does_a_rating_after_weeks_the_rules_coached(
    content: Content, data: st.DataObject
) -> None:
    holds_and_agrees(content.progression, *data.draw(coached(content)))


def test_the_window_is_two_weeks_and_the_daily_jobs_own(content: Content) -> None:
    t = content.progression
    today = date(2026, 5, 10)
    yesterday = today - timedelta(days=1)

    def back(memory: rules.Memory, event: rules.Event) -> int | None:
        since = rules.rating_read_from(memory, event, yesterday, t)
        return None if since is None else (today - since).days

    used = rules.Memory(b0=2.0, b0_on=today - timedelta(days=50), daily_on=yesterday)
    assert back(used, rules.RunPain(today, 3)) == 14  # R6b's second flare: today - 14
    assert back(used, rules.Morning(today, 3)) == 14
    assert back(used, rules.Morning(yesterday, 3)) == 15  # a late morning tap
    assert back(rules.Memory(), rules.AdHoc(today, 3)) == 14  # new to the daily jobs
    # A morning may fix B0 from the first mornings, wherever they are.
    assert back(rules.Memory(daily_on=yesterday), rules.Morning(today, 3)) is None
    assert back(rules.Memory(daily_on=yesterday), rules.SessionPain(today, 1, 3)) == 14
    # The daily jobs of three days run first, the B recompute on the last of them.
    b0_on = yesterday - timedelta(days=28)
    recompute = rules.Memory(b0=2.0, b0_on=b0_on, daily_on=today - timedelta(days=4))
    assert back(recompute, rules.RunPain(today, 3)) == 30


def coached_ratings(
    content: Content, t: Progression, examples: int
) -> tuple[Counter[bool], dict[bool, set[str]]]:
    """Every rating of `examples` coached runners, compared as `holds_and_agrees` does: how
    many were decided on two weeks, and the sentences decided on them (True) and on the
    whole history (False)."""
    held: Counter[bool] = Counter()
    seen: dict[bool, set[str]] = {True: set(), False: set()}

    def check(
        history: rules.History, through: date, event: rules.Event, rating: rules.Rating
    ) -> None:
        holds, outcome = holds_and_agrees(t, history, through, event, rating)
        if not isinstance(event, rules.Morning):  # only a morning counts past dates
            recent = not isinstance(event, rules.SessionPain) or event.session_id in {
                s.id for s in history.sessions if s.day >= through - timedelta(days=12)
            }
            assert holds or not recent
        held[holds] += 1
        seen[holds].update(d.message_key for d in outcome.decisions)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        data.draw(coached(content, check, t))

    collect()
    return held, seen


def test_the_weeks_hold_for_runners_the_rules_coached_and_decide_everything(
    content: Content,
) -> None:
    """Every rating of coached weeks: most are decided on two weeks, and those cover
    level-ups and their waits, level-downs and flares. Every rating but a morning's is
    decided on them, unless it rates a session before them."""
    held, seen = coached_ratings(content, content.progression, examples=40)
    assert held[True] > 2 * held[False]
    assert {
        "decision_level_up",
        "decision_wait_days",
        "decision_wait_trend",
        "decision_wait_run",
        "decision_missing_pain",
        "decision_level_down_pain",
        "decision_level_down_morning",
        "decision_flare_on_pain",
        "decision_flare_off",
        "decision_repeat_amber",
    } <= seen[True]


def test_with_thresholds_a_clinician_might_set_r5s_hold_and_the_gates_decide_on_the_weeks(
    content: Content,
) -> None:
    """With the thresholds of content/progression.yaml, R5's hold and the gates' sessions
    cannot hold a level-up back (the three sessions of R3's row are the hold's and the
    gate's); with a longer hold and gate and a shorter row they do. R5's hold is then
    decided on the weeks, as on the whole history; a gate's last five sessions with its
    step mostly reach further back, and then the whole history is read."""
    t = content.progression
    tuned = t.model_copy(
        update={
            "level_up": t.level_up.model_copy(update={"sessions_in_a_row": 2}),
            "level_down": t.level_down.model_copy(update={"hold_sessions": 5}),
            "gates": t.gates.model_copy(update={"comfortable_sessions": 5}),
        }
    )
    held, seen = coached_ratings(content, tuned, examples=60)
    assert held[True] > 2 * held[False]
    assert {"decision_level_up", "decision_wait_hold"} <= seen[True]
    assert "decision_gate_step" in seen[False]


def test_a_run_hold_counts_from_its_morning_with_todays_thresholds(content: Content) -> None:
    """R7's hold after an unsettled morning names the day a level-up may come; a clinician
    who shortens `runs.no_level_up_days` later shortens the holds already running, as for
    every other hold. So a hold recorded 16 days ago under 21 days ends on day 7 (with
    7), and the weeks, which hold no decision that old, decide as the whole history does."""
    t = content.progression
    today = date(2026, 5, 20)
    yesterday = today - timedelta(days=1)

    def back(days: int, hour: int = 8) -> tuple[date, datetime]:
        day = today - timedelta(days=days)
        return day, datetime.combine(day, time(hour), tzinfo=UTC)

    sessions = [  # three whole level-2 sessions, comfortable, each with a settled morning
        rules.SessionRecord(n, *back(n), SessionStatus.COMPLETED, 2, 2, steps=frozenset({1, 2}))
        for n in (3, 2, 1)
    ]
    ratings = sorted(
        [rules.Rating(*back(n, 7)[:1], 1, CheckinKind.MORNING, back(n, 7)[1]) for n in range(1, 20)]
        + [
            rules.Rating(s.day, 1, CheckinKind.AFTER_SESSION, back(s.id, 9)[1], s.id)
            for s in sessions
        ],
        key=lambda r: r.at,
    )
    day, at = back(16, 7)
    hold = rules.Recorded(
        day, at, "run_ease", "R7", 2, 2, {"level_up_from": (day + timedelta(days=21)).isoformat()}
    )
    memory = rules.Memory(b0=1.0, b0_on=today - timedelta(days=60), daily_on=yesterday)
    history = rules.History(
        rules.Runner(2, memory=memory),
        1,
        len(content.ladder.steps),
        today - timedelta(days=90),
        tuple(ratings),
        tuple(sessions),
        (hold,),
    )
    morning = rules.Rating(
        today, 1, CheckinKind.MORNING, datetime.combine(today, time(7), tzinfo=UTC)
    )

    holds, outcome = holds_and_agrees(t, history, yesterday, rules.event_of(morning), morning)

    assert holds
    assert [d.kind for d in outcome.decisions] == ["level_up"]
