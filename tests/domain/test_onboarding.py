"""The order of the onboarding questions: the screening first, R0d's confirmation only
after a very high rating, the morning time right after the reminder time."""

from __future__ import annotations

import pytest

from bot.domain.onboarding import (
    ORDER,
    SAFETY_STOPS,
    Step,
    after_pain,
    is_in_progress,
    next_step,
)


def test_the_normal_order() -> None:
    asked = []
    step = next_step(Step.WELCOME)
    while step is not Step.DONE:
        asked.append(step)
        step = next_step(step)
    assert asked == [
        Step.SCREEN_EMERGENCY,
        Step.SCREEN_DOCTOR,
        Step.SCREEN_MOVEMENT,
        Step.PAIN,
        Step.EQUIPMENT,
        Step.TIME,
        Step.MORNING,
        Step.ZONE,
        Step.DAYS,
    ]


@pytest.mark.parametrize(
    ("pain", "then"), [(10, Step.CONFIRM_MOVEMENT), (9, Step.CONFIRM_MOVEMENT)]
)
def test_a_very_high_rating_is_confirmed(pain: int, then: Step) -> None:
    assert after_pain(pain, confirm_movement_from=9) is then
    assert next_step(Step.CONFIRM_MOVEMENT) is Step.EQUIPMENT
    assert is_in_progress(Step.CONFIRM_MOVEMENT)


@pytest.mark.parametrize("pain", [0, 3, 8])
def test_a_lower_rating_goes_on(pain: int) -> None:
    assert after_pain(pain, confirm_movement_from=9) is Step.EQUIPMENT


def test_every_safety_stop_returns_to_the_screening() -> None:
    assert Step.SEE_PHYSICIAN in SAFETY_STOPS
    for stop in SAFETY_STOPS:
        assert stop not in ORDER
        assert not is_in_progress(stop)
        assert next_step(stop) is Step.SCREEN_EMERGENCY
