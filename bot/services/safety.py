"""A safety stop (PROGRESSION.md R0a, R0b, R0d; "How the rules combine" point 9): the one
place that says whether a runner is in one, what they are told while they are, and what
closes when one begins.

Every tap use case about the programme starts with `refusal` inside its write unit, so an
old step, reminder, morning, check-in or "Something new or different?" button answers that
the programme is paused, and nothing is stored and no rule runs. The onboarding answers
(the way back: "has a doctor cleared you?") and /delete's confirmation (the runner's data
is theirs at any time) are the two taps that still work.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.repo import sessions
from bot.domain.enums import SessionStatus
from bot.domain.onboarding import SAFETY_STOPS, Step
from bot.services.questions import close
from bot.services.results import Reply, Say

log = logging.getLogger(__name__)


def stopped(user: User | None) -> bool:
    """The runner is in a safety stop: no programme until a doctor has cleared them."""
    return user is not None and user.onboarding_step in SAFETY_STOPS


def notice(user: User) -> Say:
    """What a runner in a safety stop is told, whatever they tap, type or send."""
    # Emergency signs (R0a): the advice to get care now is repeated every time; after R0d
    # it is a physician, in person, who says the back is safe to move.
    if user.onboarding_step is Step.RED_FLAG:
        return Say("safety_paused_emergency")
    if user.onboarding_step is Step.SEE_PHYSICIAN:
        return Say("safety_paused_physician")
    return Say("safety_paused")


def refusal(user: User | None) -> Reply | None:
    """None when the runner is not in a safety stop; otherwise the whole answer to their
    tap (as an alert) or command (as a message)."""
    if user is None or not stopped(user):
        return None
    return Reply(refused=notice(user), alert=True)


async def close_live(tx: AsyncSession, user: User, now: datetime) -> tuple[int, ...]:
    """Close everything live for a runner who just entered a safety stop: the session in
    progress ends (abandoned, so it never counts toward a level change), the open question
    closes, and no reminder or morning question is due. Returns the messages whose buttons
    come off."""
    strip: list[int] = []
    current = await sessions.open_for(tx, user_id=user.id)
    if current is not None:
        current.status = SessionStatus.ABANDONED
        current.ended_at = now
        if current.step_message_id is not None:
            strip.append(current.step_message_id)
    prompt = close(user)
    if prompt is not None:
        strip.append(prompt)
    user.next_reminder_at = None
    user.next_morning_at = None
    user.snooze_date = None
    log.info("event=safety_close session_closed=%s", current is not None)
    return tuple(strip)


async def after_answer(tx: AsyncSession, user: User, reply: Reply, now: datetime) -> Reply:
    """After an onboarding answer: if it began (or kept) a safety stop, close what is live,
    and take the buttons off with the reply."""
    if not stopped(user):
        return reply
    closed = await close_live(tx, user, now)
    return replace(reply, strip=(*reply.strip, *closed)) if closed else reply
