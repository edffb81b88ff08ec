"""The order of the onboarding questions and what a screening answer means."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Step(StrEnum):
    WELCOME = "welcome"  # never answered: /start moves on to the first question
    SCREEN_EMERGENCY = "screen_emergency"  # R0a: cauda equina signs
    SCREEN_DOCTOR = "screen_doctor"  # R0b: signs that need a doctor's review first
    SCREEN_MOVEMENT = "screen_movement"  # R0d: is any movement extremely painful now?
    PAIN = "pain"
    # R0d asked again, as a confirmation, after an onboarding rating of 9 or 10
    CONFIRM_MOVEMENT = "confirm_movement"
    EQUIPMENT = "equipment"
    TIME = "time"
    MORNING = "morning"  # when to ask how the back is in the morning
    ZONE = "zone"
    DAYS = "days"
    DONE = "done"
    # Stops after a "yes" in the screening; the question then is "has a doctor cleared you?"
    RED_FLAG = "red_flag"
    SEE_DOCTOR = "see_doctor"
    SEE_PHYSICIAN = "see_physician"  # R0d: a physician in person confirms the back may move


ORDER = (
    Step.SCREEN_EMERGENCY,
    Step.SCREEN_DOCTOR,
    Step.SCREEN_MOVEMENT,
    Step.PAIN,
    Step.EQUIPMENT,
    Step.TIME,
    Step.MORNING,
    Step.ZONE,
    Step.DAYS,
    Step.DONE,
)
# The safety stops, and the rule of PROGRESSION.md each one is: emergency signs (R0a), a
# doctor's review first (R0b), a movement that is extremely painful (R0d).
SafetyRule = Literal["R0a", "R0b", "R0d"]
SAFETY_RULES: dict[Step, SafetyRule] = {
    Step.RED_FLAG: "R0a",
    Step.SEE_DOCTOR: "R0b",
    Step.SEE_PHYSICIAN: "R0d",
}
SAFETY_STOPS = frozenset(SAFETY_RULES)
# Questions asked only when an earlier answer calls for them, and the question after each.
DETOURS = {Step.CONFIRM_MOVEMENT: Step.EQUIPMENT}


def parse_step(value: str) -> Step | None:
    try:
        return Step(value)
    except ValueError:
        return None


def next_step(step: Step) -> Step:
    """The question after `step` in the normal order (DONE stays DONE)."""
    if step in SAFETY_STOPS or step is Step.WELCOME:
        return Step.SCREEN_EMERGENCY
    if step in DETOURS:
        return DETOURS[step]
    index = ORDER.index(step)
    return ORDER[min(index + 1, len(ORDER) - 1)]


def is_in_progress(step: Step) -> bool:
    """Setting up: a question of the normal order (or a detour from it) is open."""
    return (step in ORDER or step in DETOURS) and step is not Step.DONE


def after_pain(pain: int, *, confirm_movement_from: int) -> Step:
    """The question after the onboarding rating: R0d again, as a confirmation, when the
    rating is this high; otherwise the next in the normal order."""
    return Step.CONFIRM_MOVEMENT if pain >= confirm_movement_from else next_step(Step.PAIN)
