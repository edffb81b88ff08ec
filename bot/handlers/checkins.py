"""What follows every pain check-in: the progression rules, one sentence on what happens
next and why, and the morning check-in the day after a session or a run."""

from __future__ import annotations

import logging

from bot.context import BotContext
from bot.db import repo
from bot.db.models import CheckinContext
from bot.domain.schedule import local_date_of
from bot.reminders import next_morning_after

log = logging.getLogger(__name__)


async def after_checkin(
    context: BotContext,
    telegram_user_id: int,
    kind: CheckinContext,
    score: int,
    session_id: int | None,
) -> None:
    """Called once a check-in is stored: schedule tomorrow's morning question, tell the
    runner what happens next."""
    now = context.clock.now()
    async with context.db.write() as session:
        user = await repo.get_user(session, telegram_user_id=telegram_user_id)
        if user is None:
            return
        if kind in (CheckinContext.AFTER_SESSION, CheckinContext.AFTER_RUN):
            zone = user.time_zone or "UTC"
            morning = next_morning_after(
                local_date_of(now, zone), hour=user.morning_hour, zone=zone
            )
            if user.next_morning_at is None or user.next_morning_at > morning:
                user.next_morning_at = morning
    log.info("event=checkin context=%s", kind.value)  # the score is health data: never logged
