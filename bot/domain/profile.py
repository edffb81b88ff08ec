"""A runner's schedule and status as plain data, and when the next reminder is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from bot.domain.schedule import next_reminder_at


class Status(StrEnum):
    """Mirrors the database's user status without importing it (the domain stays pure)."""

    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED = "blocked"
    RED_FLAG = "red_flag"


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
    if status in (Status.RED_FLAG, Status.BLOCKED):
        return None
    after = now
    if status == Status.PAUSED:
        if paused_until is None:
            return None
        after = max(now, paused_until)
    return next_reminder_at(
        after=after,
        local_time=schedule.local_time,
        zone=schedule.zone,
        days_mask=schedule.days_mask,
    )
