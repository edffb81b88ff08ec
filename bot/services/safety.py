"""A safety stop (PROGRESSION.md R0a, R0b, R0d; "How the rules combine" point 9): the one
place that says whether a runner is in one and what they are told while they are.

Every tap use case about the programme starts with `refusal` inside its write unit, so an
old step, reminder, morning, check-in or "Something new or different?" button answers that
the programme is paused, and nothing is stored and no rule runs. The onboarding answers
(the way back: "has a doctor cleared you?") and /delete's confirmation (the runner's data
is theirs at any time) are the two taps that still work.
"""

from __future__ import annotations

from bot.db.models import User
from bot.domain.onboarding import SAFETY_STOPS, Step
from bot.services.results import Reply, Say


def stopped(user: User | None) -> bool:
    """The runner is in a safety stop: no programme until a doctor has cleared them."""
    return user is not None and user.onboarding_step in SAFETY_STOPS


def notice(user: User) -> Say:
    """What a runner in a safety stop is told, whatever they tap, type or send."""
    # Emergency signs (R0a): the advice to get care now is repeated every time.
    return Say(
        "safety_paused_emergency" if user.onboarding_step is Step.RED_FLAG else "safety_paused"
    )


def refusal(user: User | None) -> Reply | None:
    """None when the runner is not in a safety stop; otherwise the whole answer to their
    tap (as an alert) or command (as a message)."""
    if user is None or not stopped(user):
        return None
    return Reply(refused=notice(user), alert=True)
