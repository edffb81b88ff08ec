"""A runner's schedule and status as plain data, and when the next reminder is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.enums import UserStatus
from bot.domain.schedule import next_reminder_at


@dataclass(frozen=True)
class Schedule:
    local_time: time
    zone: str
    days_mask: int


def next_reminder(
    *,
    schedule: Schedule | None,
    status: str,
    paused_until: datetime | None,
    onboarded: bool,
    now: datetime,
) -> datetime | None:
    """The next reminder instant (UTC), or None when none should be sent.

    Nobody in a safety stop, blocked, paused without an end date, or still setting up
    gets one; a pause with an end date resumes at the first reminder after it ends.
    """
    if schedule is None or not onboarded:
        return None
    if status in (UserStatus.RED_FLAG, UserStatus.BLOCKED):
        return None
    after = now
    if status == UserStatus.PAUSED:
        if paused_until is None:
            return None
        after = max(now, paused_until)
    return next_reminder_at(
        after=after,
        local_time=schedule.local_time,
        zone=schedule.zone,
        days_mask=schedule.days_mask,
    )
