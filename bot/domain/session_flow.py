"""A guided session as a small state machine over plain data: which taps a step accepts
and what each one does. The handlers apply the result in one atomic database update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.enums import StepOutcome


class Action(StrEnum):
    """Buttons on a step; the value is what rides in the callback data."""

    DONE = "d"
    EASIER = "e"
    SKIP = "s"
    HURTS = "h"
    STOP = "x"


@dataclass(frozen=True)
class StepState:
    index: int
    total: int
    hurt: bool  # Hurts was tapped on this step
    has_easier: bool


@dataclass(frozen=True)
class Transition:
    outcome: StepOutcome  # the event recorded for the current step
    next_index: int  # the step the session is on afterwards
    finished: bool  # the session ends (completed when not stopped)
    stopped: bool
    hurt: bool  # the (same) step now waits for Easier / Skip / Stop
    swap_to_easier: bool  # the current step becomes its easier alternative


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
    if state.has_easier:
        return (Action.DONE, Action.EASIER, Action.SKIP, Action.HURTS, Action.STOP)
    return (Action.DONE, Action.SKIP, Action.HURTS, Action.STOP)


def transition(state: StepState, action: Action) -> Transition | None:
    """What `action` does on this step; None when the step does not offer it."""
    if action not in offered(state):
        return None
    if action is Action.STOP:
        return Transition(StepOutcome.STOPPED, state.index, True, True, False, False)
    if action is Action.HURTS:
        return Transition(StepOutcome.HURTS, state.index, False, False, True, False)
    if action is Action.EASIER:
        return Transition(StepOutcome.EASIER, state.index, False, False, False, True)
    outcome = StepOutcome.DONE if action is Action.DONE else StepOutcome.SKIPPED
    following = state.index + 1
    return Transition(outcome, following, following >= state.total, False, False, False)


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
