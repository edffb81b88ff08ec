"""A guided session as a small state machine over plain data: which taps a step accepts
and what each one does. The handlers apply the result in one atomic database update.

A step may be walked in parts: an exercise done on each side is its left side, then its
right side; an exercise made of several techniques is each technique in turn (a technique
may itself be done on each side). Done moves to the next part inside the step; the step's
outcome is recorded once, when its last part is done (or when it is skipped, hurts or the
session stops, which act on the whole step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from bot.domain.enums import StepOutcome


class Action(StrEnum):
    """Buttons on a step; the value is what rides in the callback data."""

    DONE = "d"
    EASIER = "e"
    SKIP = "s"
    HURTS = "h"
    STOP = "x"
    TIMER = "t"  # start (or restart) the hold timer: not a move of the step


class Side(IntEnum):
    LEFT = 0
    RIGHT = 1


@dataclass(frozen=True)
class Part:
    """One part of a step: a technique (its index in the exercise; None: the exercise
    itself) on a side (None: not done per side)."""

    technique: int | None
    side: Side | None


def parts(sides: int, technique_sides: Sequence[int] = ()) -> tuple[Part, ...]:
    """The parts an exercise is walked in, in order: from its own `sides` (1 or 2), or,
    for an exercise of several techniques, from each technique's sides."""

    def per_side(count: int) -> tuple[Side | None, ...]:
        return (Side.LEFT, Side.RIGHT) if count == 2 else (None,)

    if technique_sides:
        return tuple(
            Part(index, side)
            for index, count in enumerate(technique_sides)
            for side in per_side(count)
        )
    return tuple(Part(None, side) for side in per_side(sides))


@dataclass(frozen=True)
class StepState:
    index: int
    total: int
    hurt: bool  # Hurts was tapped on this step
    has_easier: bool
    part: int = 0  # where the runner is inside the step
    parts: int = 1  # how many parts the step is walked in
    timed: bool = False  # the current part is a timed hold: the timer is offered


@dataclass(frozen=True)
class Transition:
    outcome: StepOutcome  # the event recorded for the current step
    next_index: int  # the step the session is on afterwards
    finished: bool  # the session ends (completed when not stopped)
    stopped: bool
    hurt: bool  # the (same) step now waits for Easier / Skip / Stop
    swap_to_easier: bool  # the current step becomes its easier alternative
    next_part: int = 0  # the part of the step the session is on afterwards
    # Done moved to the next part of the same step: nothing is recorded yet
    within_step: bool = False


def offered(state: StepState) -> tuple[Action, ...]:
    """The buttons a step shows. After Hurts there is no Done: nobody is pushed on."""
    if state.hurt:
        return (
            (Action.EASIER, Action.SKIP, Action.STOP)
            if state.has_easier
            else (
                Action.SKIP,
                Action.STOP,
            )
        )
    timer = (Action.TIMER,) if state.timed else ()
    if state.has_easier:
        return (*timer, Action.DONE, Action.EASIER, Action.SKIP, Action.HURTS, Action.STOP)
    return (*timer, Action.DONE, Action.SKIP, Action.HURTS, Action.STOP)


def transition(state: StepState, action: Action) -> Transition | None:
    """What `action` does on this step; None when the step does not offer it (or for the
    timer, which starts a countdown and leaves the step where it is)."""
    if action not in offered(state) or action is Action.TIMER:
        return None
    if action is Action.DONE and state.part + 1 < state.parts:
        return Transition(
            StepOutcome.DONE, state.index, False, False, False, False, state.part + 1, True
        )
    if action is Action.STOP:
        return Transition(StepOutcome.STOPPED, state.index, True, True, False, False)
    if action is Action.HURTS:  # the runner stays on the part that hurt
        return Transition(StepOutcome.HURTS, state.index, False, False, True, False, state.part)
    if action is Action.EASIER:
        return Transition(StepOutcome.EASIER, state.index, False, False, False, True)
    outcome = StepOutcome.DONE if action is Action.DONE else StepOutcome.SKIPPED
    following = state.index + 1
    return Transition(outcome, following, following >= state.total, False, False, False)


def position(part_counts: Sequence[int], index: int, part: int) -> tuple[int, int]:
    """(the part the runner is on, counted over the whole session from 0; all parts of
    the session), for a progress bar that moves on each side and each technique."""
    done = sum(part_counts[:index]) + min(part, max(part_counts[index] - 1, 0))
    return done, sum(part_counts)


# --- the hold timer ---------------------------------------------------------------------

# A timer found later than this after its end (the bot was down) is dropped: a "Time"
# long after the hold is over would only confuse.
TIMER_LATE_LIMIT = timedelta(seconds=60)


class TimerEnd(StrEnum):
    SWITCH = "switch"  # the first side's single hold is over: on to the other side
    READY = "ready"  # the hold is over: the runner taps Done when ready
    DROPPED = "dropped"  # found too late: ended without a word


def timer_end(
    ends_at: datetime, now: datetime, *, current: Part, following: Part | None, holds: int
) -> TimerEnd:
    """What a hold timer's end does. It switches sides only when the side's dose is one
    hold and the next part is the other side of the same technique; with several holds
    per side the runner starts the next one (⏱ again) and taps Done when the side is done."""
    if now - ends_at > TIMER_LATE_LIMIT:
        return TimerEnd.DROPPED
    if (
        holds <= 1
        and current.side is Side.LEFT
        and following is not None
        and following.side is Side.RIGHT
        and following.technique == current.technique
    ):
        return TimerEnd.SWITCH
    return TimerEnd.READY


def progress_bar(index: int, total: int, width: int = 10) -> str:
    """'▰▰▰▱▱▱▱' for step index+1 of total (at most `width` cells). The current step always
    shows at least one filled cell, and only the last step shows a full bar."""
    if total <= 0:
        return ""
    cells = min(total, width)
    filled = round(cells * (index + 1) / total)
    if index + 1 < total:
        filled = min(max(filled, 1), cells - 1)
    return "▰" * filled + "▱" * (cells - filled)


@dataclass(frozen=True)
class Tally:
    done: int
    skipped: int
    hurt: int


def tally(events: Sequence[tuple[int, StepOutcome]]) -> Tally:
    """Counts for the end-of-session summary, each step once from its (step index,
    outcome) events: done when it was done (its easier version too, even after Hurts),
    else hurt when Hurts was tapped on it (then skipped or stopped), else skipped. A step
    left by Stop without a Hurts is not counted."""
    seen: dict[int, set[StepOutcome]] = {}
    for index, outcome in events:
        seen.setdefault(index, set()).add(outcome)
    done = sum(1 for found in seen.values() if StepOutcome.DONE in found)
    hurt = sum(
        1 for found in seen.values() if StepOutcome.HURTS in found and StepOutcome.DONE not in found
    )
    skipped = sum(
        1
        for found in seen.values()
        if StepOutcome.SKIPPED in found and not found & {StepOutcome.DONE, StepOutcome.HURTS}
    )
    return Tally(done=done, skipped=skipped, hurt=hurt)
