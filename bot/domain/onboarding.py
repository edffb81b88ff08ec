"""The order of the onboarding questions and what a screening answer means."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    WELCOME = "welcome"  # never answered: /start moves on to the first question
    SCREEN_EMERGENCY = "screen_emergency"  # R0a: cauda equina signs
    SCREEN_DOCTOR = "screen_doctor"  # R0b: signs that need a doctor's review first
    PAIN = "pain"
    EQUIPMENT = "equipment"
    TIME = "time"
    ZONE = "zone"
    DAYS = "days"
    DONE = "done"
    # Stops after a "yes" in the screening; the question then is "has a doctor cleared you?"
    RED_FLAG = "red_flag"
    SEE_DOCTOR = "see_doctor"


ORDER = (
    Step.SCREEN_EMERGENCY,
    Step.SCREEN_DOCTOR,
    Step.PAIN,
    Step.EQUIPMENT,
    Step.TIME,
    Step.ZONE,
    Step.DAYS,
    Step.DONE,
)
SAFETY_STOPS = frozenset({Step.RED_FLAG, Step.SEE_DOCTOR})


def parse_step(value: str) -> Step | None:
    try:
        return Step(value)
    except ValueError:
        return None


def next_step(step: Step) -> Step:
    """The question after `step` in the normal order (DONE stays DONE)."""
    if step in SAFETY_STOPS or step is Step.WELCOME:
        return Step.SCREEN_EMERGENCY
    index = ORDER.index(step)
    return ORDER[min(index + 1, len(ORDER) - 1)]


def is_in_progress(step: Step) -> bool:
    """Setting up: a question of the normal order is open."""
    return step in ORDER and step is not Step.DONE
