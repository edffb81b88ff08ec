"""The guided session's state machine: what each button does on each kind of step."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.enums import StepOutcome
from bot.domain.session_flow import (
    Action,
    Part,
    Side,
    StepState,
    Tally,
    TimerEnd,
    Transition,
    offered,
    parts,
    position,
    progress_bar,
    tally,
    timer_end,
    transition,
)

# Where a step can sit in a session: (index, total).
POSITIONS = {"only": (0, 1), "first": (0, 3), "middle": (1, 3), "last": (2, 3)}
STATES = [
    pytest.param(StepState(index, total, hurt, has_easier), id=f"{where}-{kind}-{easy}")
    for (where, (index, total)), (hurt, kind), (has_easier, easy) in itertools.product(
        POSITIONS.items(),
        [(False, "fresh"), (True, "hurt")],
        [(False, "no_easier"), (True, "easier")],
    )
]


def expected(state: StepState, action: Action) -> Transition | None:
    """The rules, written out case by case (not derived from `offered`)."""
    following = state.index + 1
    if action is Action.TIMER:
        return None
    if action is Action.STOP:
        return Transition(StepOutcome.STOPPED, state.index, True, True, False, False)
    if action is Action.SKIP:
        return Transition(
            StepOutcome.SKIPPED, following, following == state.total, False, False, False
        )
    if action is Action.EASIER:
        if not state.has_easier:
            return None
        return Transition(StepOutcome.EASIER, state.index, False, False, False, True)
    if state.hurt:  # Done and Hurts are gone once Hurts was tapped
        return None
    if action is Action.DONE and state.part + 1 < state.parts:
        return Transition(
            StepOutcome.DONE, state.index, False, False, False, False, state.part + 1, True
        )
    if action is Action.DONE:
        return Transition(
            StepOutcome.DONE, following, following == state.total, False, False, False
        )
    return Transition(StepOutcome.HURTS, state.index, False, False, True, False, state.part)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", STATES)
def test_every_action_in_every_state(state: StepState, action: Action) -> None:
    move = transition(state, action)
    assert move == expected(state, action)
    # ⏱ is offered on a timed hold but moves nothing: the timer service starts it
    assert (move is not None) == (action in offered(state) and action is not Action.TIMER)


# Where a runner can be inside a step: (part, parts, a timed hold), e.g. a left side's hold.
INSIDE = {
    "whole": (0, 1, False),
    "timed": (0, 1, True),
    "left": (0, 2, True),
    "right": (1, 2, True),
}
PART_STATES = [
    pytest.param(
        StepState(index, total, hurt, True, part=part, parts=parts, timed=timed),
        id=f"{where}-{inside}-{'hurt' if hurt else 'fresh'}",
    )
    for (where, (index, total)), (inside, (part, parts, timed)), hurt in itertools.product(
        POSITIONS.items(), INSIDE.items(), [False, True]
    )
]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", PART_STATES)
def test_every_action_on_every_part(state: StepState, action: Action) -> None:
    assert transition(state, action) == expected(state, action)


@pytest.mark.parametrize("state", PART_STATES)
def test_done_on_a_part_stays_on_the_step_and_the_timer_only_on_a_fresh_timed_hold(
    state: StepState,
) -> None:
    assert (Action.TIMER in offered(state)) == (state.timed and not state.hurt)
    move = transition(state, Action.DONE)
    if move is not None and state.part + 1 < state.parts:
        assert (move.next_index, move.next_part, move.finished) == (state.index, 1, False)
        assert move.within_step


@pytest.mark.parametrize("state", STATES)
def test_buttons_in_order(state: StepState) -> None:
    if state.hurt:
        want = [Action.SKIP, Action.STOP]
    else:
        want = [Action.DONE, Action.SKIP, Action.HURTS, Action.STOP]
    if state.has_easier:
        want.insert(0 if state.hurt else 1, Action.EASIER)
    assert list(offered(state)) == want


def test_parts_of_an_exercise() -> None:
    assert parts(1) == (Part(None, None),)
    assert parts(2) == (Part(None, Side.LEFT), Part(None, Side.RIGHT))
    assert parts(1, [1, 1, 2]) == (
        Part(0, None),
        Part(1, None),
        Part(2, Side.LEFT),
        Part(2, Side.RIGHT),
    )


def test_position_counts_parts_over_the_session() -> None:
    # steps of 1, 2 (each side) and 5 parts (techniques)
    assert position([1, 2, 5], 0, 0) == (0, 8)
    assert position([1, 2, 5], 1, 1) == (2, 8)
    assert position([1, 2, 5], 2, 4) == (7, 8)


START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LEFT, RIGHT = Part(None, Side.LEFT), Part(None, Side.RIGHT)


@pytest.mark.parametrize(
    ("current", "following", "holds", "late", "end"),
    [
        (LEFT, RIGHT, 1, 0, TimerEnd.SWITCH),
        (LEFT, RIGHT, 1, 60, TimerEnd.SWITCH),
        (LEFT, RIGHT, 1, 61, TimerEnd.DROPPED),  # the bot was down: no stale "Time"
        (LEFT, RIGHT, 2, 0, TimerEnd.READY),  # two holds a side: the runner says when
        (RIGHT, None, 1, 0, TimerEnd.READY),
        (Part(None, None), None, 1, 5, TimerEnd.READY),
        (Part(2, Side.LEFT), Part(3, Side.RIGHT), 1, 0, TimerEnd.READY),  # another technique
    ],
)
def test_timer_end(
    current: Part, following: Part | None, holds: int, late: int, end: TimerEnd
) -> None:
    now = START + timedelta(seconds=late)
    assert timer_end(START, now, current=current, following=following, holds=holds) is end


@pytest.mark.parametrize("has_easier", [False, True])
@pytest.mark.parametrize(("index", "total"), POSITIONS.values())
def test_hurts_never_offers_done(index: int, total: int, has_easier: bool) -> None:
    fresh = StepState(index, total, hurt=False, has_easier=has_easier)
    move = transition(fresh, Action.HURTS)
    assert move is not None
    assert move.hurt
    assert not move.finished
    assert move.next_index == index
    hurt = StepState(index, total, hurt=move.hurt, has_easier=has_easier)
    assert Action.DONE not in offered(hurt)
    assert Action.HURTS not in offered(hurt)
    assert transition(hurt, Action.DONE) is None
    assert transition(hurt, Action.HURTS) is None


@pytest.mark.parametrize("action", [Action.DONE, Action.SKIP])
@pytest.mark.parametrize("total", [1, 2, 7])
def test_the_last_step_finishes_the_session(total: int, action: Action) -> None:
    move = transition(StepState(total - 1, total, hurt=False, has_easier=False), action)
    assert move is not None
    assert move.finished
    assert not move.stopped
    assert move.next_index == total


@pytest.mark.parametrize("action", [Action.DONE, Action.SKIP])
def test_a_step_before_the_last_moves_on(action: Action) -> None:
    move = transition(StepState(3, 7, hurt=False, has_easier=False), action)
    assert move is not None
    assert not move.finished
    assert move.next_index == 4


@pytest.mark.parametrize("state", STATES)
def test_stop_ends_the_session_where_it_is(state: StepState) -> None:
    move = transition(state, Action.STOP)
    assert move is not None
    assert move.finished
    assert move.stopped
    assert move.outcome is StepOutcome.STOPPED
    assert move.next_index == state.index
    assert not move.hurt
    assert not move.swap_to_easier


def test_easier_swaps_the_same_step_and_clears_hurts() -> None:
    move = transition(StepState(1, 3, hurt=True, has_easier=True), Action.EASIER)
    assert move == Transition(StepOutcome.EASIER, 1, False, False, False, True)


# --- the progress bar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "total", "bar"),
    [
        (0, 1, "▰"),  # 1/1
        (2, 7, "▰▰▰▱▱▱▱"),  # 3/7
        (6, 7, "▰▰▰▰▰▰▰"),  # 7/7
        (0, 7, "▰▱▱▱▱▱▱"),
        (0, 10, "▰▱▱▱▱▱▱▱▱▱"),
        (9, 10, "▰▰▰▰▰▰▰▰▰▰"),
        (5, 12, "▰▰▰▰▰▱▱▱▱▱"),  # 6/12: half of 10 cells
        (11, 12, "▰▰▰▰▰▰▰▰▰▰"),  # 12/12
        (9, 20, "▰▰▰▰▰▱▱▱▱▱"),  # 10/20
        (19, 20, "▰▰▰▰▰▰▰▰▰▰"),  # 20/20
    ],
)
def test_progress_bar(index: int, total: int, bar: str) -> None:
    assert progress_bar(index, total) == bar


@pytest.mark.parametrize("total", [*range(1, 11), 12, 15, 20, 30, 60])
def test_progress_bar_has_one_cell_per_step_up_to_ten_and_fills_up(total: int) -> None:
    bars = [progress_bar(index, total) for index in range(total)]
    assert {len(bar) for bar in bars} == {min(total, 10)}
    filled = [bar.count("▰") for bar in bars]
    assert filled == sorted(filled), "never goes backwards"
    assert filled[-1] == min(total, 10), "full on the last step"
    assert all(set(bar) <= {"▰", "▱"} for bar in bars)
    assert all(bar == "▰" * n + "▱" * (len(bar) - n) for bar, n in zip(bars, filled, strict=True))


def test_progress_bar_of_nothing_is_empty() -> None:
    assert progress_bar(0, 0) == ""


@pytest.mark.parametrize("total", [20, 30])
def test_progress_bar_over_ten_steps_is_never_empty_nor_full_too_early(total: int) -> None:
    filled = [progress_bar(index, total).count("▰") for index in range(total)]
    assert filled[0] >= 1, "the current step counts: never an empty bar"
    assert all(n < 10 for n in filled[:-1]), "a full bar only on the last step"


# --- the end-of-session summary ----------------------------------------------------------


D, E, S, H, X = (
    StepOutcome.DONE,
    StepOutcome.EASIER,
    StepOutcome.SKIPPED,
    StepOutcome.HURTS,
    StepOutcome.STOPPED,
)


def test_tally_counts_each_step_once() -> None:
    events = [
        (0, D),
        (1, H),
        (1, E),  # the easier version is then done: counted once, as done
        (1, D),
        (2, S),
        (3, H),
        (3, S),  # hurt, then skipped: counted once, as hurt
        (4, S),
        (5, X),  # stopped on it without a Hurts: not counted
    ]
    assert tally(events) == Tally(done=2, skipped=2, hurt=1)


def test_a_six_step_session_adds_up_to_six() -> None:
    """The bug it fixes: four done, one skipped after Hurts read '4 done, 2 skipped, 1 hurt'."""
    events = [(0, D), (1, D), (2, H), (2, S), (3, D), (4, S), (5, D)]
    counts = tally(events)
    assert counts == Tally(done=4, skipped=1, hurt=1)
    assert counts.done + counts.skipped + counts.hurt == 6


def test_hurts_then_stop_counts_as_hurt() -> None:
    assert tally([(0, D), (1, H), (1, X)]) == Tally(done=1, skipped=0, hurt=1)


def test_tally_of_nothing() -> None:
    assert tally([]) == Tally(0, 0, 0)


def test_tally_ignores_easier_and_stopped() -> None:
    assert tally([(0, E), (0, X)]) == Tally(0, 0, 0)
